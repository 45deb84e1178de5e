//! Customer identities: the addresses and handles by which a customer reaches us.
//!
//! Every identity is stored in one normal form so that the same person is matched
//! whichever way they wrote it:
//!
//! | kind | normal form |
//! | --- | --- |
//! | `email` | trimmed and lowercased; one `@`, a local part and a dotted domain |
//! | `phone` | E.164 (`+493012345678`), national numbers read in a default region |
//! | `chat` | the visitor id, trimmed |
//! | `social` | `platform:handle`, both lowercased, the handle without a leading `@` |
//! | `external` | the id from the company's own systems, trimmed |
//!
//! The tagged form `kind:value` (`email:jane@example.com`, `social:twitter:jane`) is what
//! the `?identity=` query takes and what [`Identity`]'s `Display` writes.

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest chat or external id accepted, in characters.
pub const MAX_ID_CHARS: usize = 200;
/// The longest email address accepted, in bytes (RFC 5321).
pub const MAX_EMAIL_BYTES: usize = 254;
/// The longest social handle accepted, in characters.
pub const MAX_HANDLE_CHARS: usize = 100;
const MAX_PHONE_CHARS: usize = 40;

/// Social platforms whose handles are accepted, by their normal name.
pub const SOCIAL_PLATFORMS: [&str; 11] = [
    "twitter",
    "instagram",
    "facebook",
    "linkedin",
    "mastodon",
    "tiktok",
    "youtube",
    "reddit",
    "bluesky",
    "threads",
    "github",
];

/// What kind of address or handle an identity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityKind {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A live-chat visitor id.
    Chat,
    /// A social-network handle.
    Social,
    /// An id from the company's own systems.
    External,
}

impl IdentityKind {
    /// Every kind, in a stable order.
    pub const ALL: [IdentityKind; 5] = [Self::Email, Self::Phone, Self::Chat, Self::Social, Self::External];

    /// The kind's name as used in the API: "email", "phone", "chat", "social", "external".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Chat => "chat",
            Self::Social => "social",
            Self::External => "external",
        }
    }
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdentityKind {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| IdentityError::UnknownKind(excerpt(&s)))
    }
}

/// Why a value is not a usable identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The kind is not one of the known kinds.
    #[error("{0:?} is not a kind of identity; use email, phone, chat, social or external")]
    UnknownKind(String),
    /// The tagged form lacks the `kind:` prefix.
    #[error("write the identity as kind:value, for example email:jane@example.com")]
    MissingKind,
    /// Nothing is left after trimming.
    #[error("the {0} is empty")]
    Empty(IdentityKind),
    /// The value is longer than allowed.
    #[error("the {kind} is too long: at most {max} characters are allowed")]
    TooLong {
        /// The kind of identity.
        kind: IdentityKind,
        /// The limit.
        max: usize,
    },
    /// The value contains a control character (such as a line break).
    #[error("the {0} contains a control character such as a line break")]
    ControlCharacter(IdentityKind),
    /// The email address is malformed; the text says how.
    #[error("{0:?} is not a valid email address: {1}")]
    InvalidEmail(String, &'static str),
    /// The phone number is malformed; the text says how.
    #[error("{0:?} is not a valid phone number: {1}")]
    InvalidPhone(String, &'static str),
    /// The default region is not a known two-letter country code.
    #[error("{0:?} is not a known region; use a two-letter country code such as DE or US")]
    UnknownRegion(String),
    /// The social platform is not one we know.
    #[error(
        "{0:?} is not a known social platform; use one of twitter, x, instagram, facebook, linkedin, mastodon, tiktok, youtube, reddit, bluesky, threads or github"
    )]
    UnknownPlatform(String),
    /// The social value lacks the `platform:` prefix.
    #[error("write a social identity as platform:handle, for example twitter:jane")]
    MissingPlatform,
    /// The social handle is malformed; the text says how.
    #[error("{0:?} is not a valid handle: {1}")]
    InvalidHandle(String, &'static str),
}

/// A normalised customer identity (see the module docs for the normal forms).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawIdentity")]
pub struct Identity {
    kind: IdentityKind,
    value: String,
}

#[derive(Deserialize)]
struct RawIdentity {
    kind: IdentityKind,
    value: String,
}

impl TryFrom<RawIdentity> for Identity {
    type Error = IdentityError;

    fn try_from(raw: RawIdentity) -> Result<Self, Self::Error> {
        Identity::parse(raw.kind, &raw.value, None)
    }
}

impl Identity {
    /// Parses and normalises `raw` as an identity of `kind`. `default_region` (a
    /// two-letter country code such as "DE") is how phone numbers without a `+` are read.
    pub fn parse(kind: IdentityKind, raw: &str, default_region: Option<&str>) -> Result<Self, IdentityError> {
        let value = match kind {
            IdentityKind::Email => normalise_email(raw)?,
            IdentityKind::Phone => normalise_phone(raw, default_region)?,
            IdentityKind::Social => normalise_social(raw)?,
            IdentityKind::Chat | IdentityKind::External => normalise_id(kind, raw)?,
        };
        Ok(Self { kind, value })
    }

    /// Parses the tagged form `kind:value`, e.g. `email:jane@example.com`,
    /// `phone:+49301234567`, `social:twitter:@jane` or `external:crm-123`.
    /// Phone numbers must carry their country code here.
    pub fn parse_tagged(tagged: &str) -> Result<Self, IdentityError> {
        let (kind, value) = tagged.split_once(':').ok_or(IdentityError::MissingKind)?;
        Self::parse(kind.parse()?, value, None)
    }

    /// The kind of identity.
    pub fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// The normalised value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// For a social identity, the platform and the handle.
    pub fn social_parts(&self) -> Option<(&str, &str)> {
        match self.kind {
            IdentityKind::Social => self.value.split_once(':'),
            _ => None,
        }
    }
}

impl fmt::Display for Identity {
    /// The tagged form, `kind:value`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

impl FromStr for Identity {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_tagged(s)
    }
}

/// A short, safe excerpt of user input for an error message.
fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

fn normalise_email(raw: &str) -> Result<String, IdentityError> {
    let kind = IdentityKind::Email;
    let value = raw.trim().to_lowercase();
    let bad = |why| Err(IdentityError::InvalidEmail(excerpt(&value), why));
    if value.is_empty() {
        return Err(IdentityError::Empty(kind));
    }
    if value.len() > MAX_EMAIL_BYTES {
        return Err(IdentityError::TooLong {
            kind,
            max: MAX_EMAIL_BYTES,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(IdentityError::ControlCharacter(kind));
    }
    if value.chars().any(char::is_whitespace) {
        return bad("it contains a space");
    }
    let Some((local, domain)) = value.split_once('@') else {
        return bad("it has no @");
    };
    if domain.contains('@') {
        return bad("it has more than one @");
    }
    if local.is_empty() {
        return bad("nothing comes before the @");
    }
    if local.len() > 64 {
        return bad("the part before the @ is longer than 64 characters");
    }
    if local.chars().any(|c| "\"(),:;<>[\\]".contains(c)) {
        return bad("the part before the @ contains a character such as < > ( ) , ; : or a quote");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return bad("the part before the @ has a misplaced dot");
    }
    if domain.is_empty() {
        return bad("nothing comes after the @");
    }
    if !domain.contains('.') {
        return bad("the domain has no dot");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return bad("the domain has a misplaced dot");
        }
        if label.len() > 63 {
            return bad("a part of the domain is longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a part of the domain starts or ends with a hyphen");
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return bad("the domain may hold only letters, digits, hyphens and dots");
        }
    }
    Ok(value)
}

fn normalise_phone(raw: &str, default_region: Option<&str>) -> Result<String, IdentityError> {
    let kind = IdentityKind::Phone;
    let value = raw.trim();
    let bad = |why| Err(IdentityError::InvalidPhone(excerpt(value), why));
    if value.is_empty() {
        return Err(IdentityError::Empty(kind));
    }
    if value.chars().count() > MAX_PHONE_CHARS {
        return Err(IdentityError::TooLong {
            kind,
            max: MAX_PHONE_CHARS,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(IdentityError::ControlCharacter(kind));
    }
    // Only the characters people write numbers with; this also keeps the RFC 3966
    // (`tel:…;phone-context=`) paths of the parser out of reach.
    if !value.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c)) {
        return bad("it may hold only digits, spaces, + - ( ) . and /");
    }
    if value.chars().skip(1).any(|c| c == '+') {
        return bad("a + may only stand at the start");
    }
    if value.chars().filter(char::is_ascii_digit).count() < 3 {
        return bad("it has too few digits");
    }
    let region = match default_region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(
            phonenumber::country::Id::from_str(&r.to_ascii_uppercase())
                .map_err(|_| IdentityError::UnknownRegion(excerpt(r)))?,
        ),
        None => None,
    };
    let international = match value.strip_prefix("00") {
        Some(rest) if region.is_none() => format!("+{rest}"),
        _ => value.to_string(),
    };
    if region.is_none() && !international.starts_with('+') {
        return bad("it has no country code; write it as +, the country code and the number");
    }
    let number = phonenumber::parse(region, &international)
        .map_err(|_| IdentityError::InvalidPhone(excerpt(value), "it cannot be read as a number"))?;
    if !phonenumber::is_valid(&number) {
        return bad("no such number exists in its country's numbering plan");
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

fn normalise_social(raw: &str) -> Result<String, IdentityError> {
    let kind = IdentityKind::Social;
    let (platform, handle) = raw.split_once(':').ok_or(IdentityError::MissingPlatform)?;
    let platform = platform.trim().to_ascii_lowercase();
    let platform = match platform.as_str() {
        "x" => "twitter",
        p => SOCIAL_PLATFORMS
            .into_iter()
            .find(|known| *known == p)
            .ok_or_else(|| IdentityError::UnknownPlatform(excerpt(&platform)))?,
    };
    let trimmed = handle.trim();
    let handle = trimmed.strip_prefix('@').unwrap_or(trimmed).to_ascii_lowercase();
    let bad = |why| Err(IdentityError::InvalidHandle(excerpt(&handle), why));
    if handle.is_empty() {
        return Err(IdentityError::Empty(kind));
    }
    if handle.chars().count() > MAX_HANDLE_CHARS {
        return Err(IdentityError::TooLong {
            kind,
            max: MAX_HANDLE_CHARS,
        });
    }
    if handle.chars().any(char::is_control) {
        return Err(IdentityError::ControlCharacter(kind));
    }
    let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    let ok = if platform == "mastodon" {
        // user@instance.example
        match handle.split_once('@') {
            Some((user, server)) => plain(user) && plain(server) && server.contains('.'),
            None => false,
        }
    } else {
        plain(&handle)
    };
    if !ok {
        return if platform == "mastodon" {
            bad("a Mastodon handle is user@server, such as jane@mastodon.social")
        } else {
            bad("a handle may hold only letters, digits, _ . and -")
        };
    }
    Ok(format!("{platform}:{handle}"))
}

fn normalise_id(kind: IdentityKind, raw: &str) -> Result<String, IdentityError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(IdentityError::Empty(kind));
    }
    if value.chars().count() > MAX_ID_CHARS {
        return Err(IdentityError::TooLong {
            kind,
            max: MAX_ID_CHARS,
        });
    }
    if value.chars().any(char::is_control) {
        return Err(IdentityError::ControlCharacter(kind));
    }
    Ok(value.to_string())
}
