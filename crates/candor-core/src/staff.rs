//! Staff accounts: roles, what each role may do, and the rule that every
//! account belongs to a named person.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a staff member is to the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Works conversations and customers.
    Agent,
    /// Manages staff, tokens and settings.
    Admin,
    /// Owns the workspace; like admin, and cannot be removed by admins.
    Owner,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Agent, Role::Admin, Role::Owner];

    /// The role's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Whether this role may act with the given scope.
    pub fn allows(self, scope: Scope) -> bool {
        match scope {
            Scope::Read => true,
            Scope::Write => self >= Role::Agent,
            Scope::Admin => self >= Role::Admin,
        }
    }

    /// Every scope this role may hold.
    pub fn scopes(self) -> Vec<Scope> {
        Scope::ALL.into_iter().filter(|s| self.allows(*s)).collect()
    }

    /// Whether someone in this role may give or take `other` from a colleague.
    /// Only an owner may make or unmake owners.
    pub fn may_manage(self, other: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => other != Role::Owner,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of owner, admin, agent, viewer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role \"{0}\": use owner, admin, agent or viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What an API token may do; always within what its user's role allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read any data of the workspace.
    Read,
    /// Create and change customers, conversations, messages and the like.
    Write,
    /// Manage staff, tokens and workspace settings.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    /// The scope's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// Scopes as stored: space-separated names.
    pub fn join(scopes: &[Scope]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Reads stored scopes; unknown names are ignored so old rows never fail.
    pub fn split(stored: &str) -> Vec<Scope> {
        stored.split_whitespace().filter_map(|s| s.parse().ok()).collect()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope \"{0}\": use read, write or admin")]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownScope(s.to_string()))
    }
}

/// Why a staff name or address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    /// The name is missing, too long, or not a person's name.
    #[error("{0}")]
    Name(String),
    /// The email address is not usable.
    #[error("{0}")]
    Email(String),
    /// The password is too short or too long.
    #[error("{0}")]
    Password(String),
}

/// A person's full name, as every reply is signed with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FullName(String);

/// Words that name a function rather than a person. A staff name made only of
/// these (and of filler like "the", "our") is refused.
const GENERIC_NAME_WORDS: &[&str] = &[
    "admin",
    "administrator",
    "agent",
    "assistant",
    "automated",
    "bot",
    "care",
    "customer",
    "customers",
    "department",
    "desk",
    "help",
    "helpdesk",
    "info",
    "mailer",
    "manager",
    "no-reply",
    "noreply",
    "office",
    "operator",
    "operations",
    "robot",
    "root",
    "sales",
    "service",
    "services",
    "staff",
    "support",
    "system",
    "team",
    "user",
    "webmaster",
    "the",
    "our",
    "your",
    "and",
    "&",
    "of",
];

impl FullName {
    /// Accepts a real person's full name: at least a given and a family name,
    /// letters present, and not a function like "Support Team" or "Bot".
    pub fn parse(raw: &str) -> Result<Self, StaffError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(StaffError::Name("a full name is required".into()));
        }
        if name.chars().count() > 100 {
            return Err(StaffError::Name("the name is longer than 100 characters".into()));
        }
        if name.chars().any(|c| c.is_control() || "<>@{}[]/\\|".contains(c)) {
            return Err(StaffError::Name(
                "the name contains characters a person's name does not have".into(),
            ));
        }
        let words: Vec<String> = name.split(' ').map(|w| w.to_lowercase()).collect();
        let generic = words
            .iter()
            .filter(|w| {
                GENERIC_NAME_WORDS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '&'))
            })
            .count();
        if generic * 2 > words.len() {
            return Err(StaffError::Name(format!(
                "\"{name}\" names a function, not a person: every reply is signed by a person, so use the staff member's real full name"
            )));
        }
        let name_like = words.iter().filter(|w| w.chars().any(char::is_alphabetic)).count();
        if name_like < 2 {
            return Err(StaffError::Name(format!(
                "\"{name}\" is not a full name: give a first and a last name, as customers see it on every reply"
            )));
        }
        Ok(Self(name))
    }

    /// The name as shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first word of the name, for greetings.
    pub fn first(&self) -> &str {
        self.0.split(' ').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for FullName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A staff email address: trimmed and lowercased, with a plausible shape.
pub fn normalize_staff_email(raw: &str) -> Result<String, StaffError> {
    let email = raw.trim().to_lowercase();
    let bad = || StaffError::Email(format!("\"{}\" is not an email address", raw.trim()));
    if email.is_empty() {
        return Err(StaffError::Email("an email address is required".into()));
    }
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(email)
}

/// Shortest password accepted for a staff account.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a new password's length; the strength beyond that is the person's.
pub fn check_new_password(password: &str) -> Result<(), StaffError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(StaffError::Password(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(StaffError::Password("the password is longer than 1024 bytes".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_pass() {
        for n in [
            "Maya Lindqvist",
            "  Tomás   Herrera ",
            "Nguyễn Thị Minh",
            "Jean-Luc O'Brien",
            "Mary Support",
        ] {
            assert!(FullName::parse(n).is_ok(), "{n}");
        }
        assert_eq!(
            FullName::parse(" Ada  Lovelace ").map(|n| n.to_string()),
            Ok("Ada Lovelace".into())
        );
    }

    #[test]
    fn functions_and_fragments_are_refused() {
        for n in [
            "Support Team",
            "Admin",
            "Helpdesk",
            "Bot",
            "Maya Support Team",
            "The Support Team",
            "Customer Service",
            "",
            "Maya",
            "Sales Bot",
            "<script>x</script> y",
            "A1 2",
        ] {
            assert!(FullName::parse(n).is_err(), "{n} should be refused");
        }
        let msg = FullName::parse("Support Team")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("names a function"), "{msg}");
    }

    #[test]
    fn roles_scopes_and_management() {
        assert!(Role::Viewer.allows(Scope::Read));
        assert!(!Role::Viewer.allows(Scope::Write));
        assert!(Role::Agent.allows(Scope::Write) && !Role::Agent.allows(Scope::Admin));
        assert_eq!(Role::Admin.scopes(), vec![Scope::Read, Scope::Write, Scope::Admin]);
        assert!(!Role::Admin.may_manage(Role::Owner));
        assert!(Role::Owner.may_manage(Role::Owner));
        assert!(!Role::Agent.may_manage(Role::Viewer));
        assert_eq!("ADMIN".parse::<Role>(), Ok(Role::Admin));
        assert!("boss".parse::<Role>().is_err());
        assert_eq!(
            Scope::split(&Scope::join(&[Scope::Read, Scope::Admin])),
            vec![Scope::Read, Scope::Admin]
        );
        assert_eq!(Scope::split("read bogus"), vec![Scope::Read]);
    }

    #[test]
    fn staff_emails() {
        assert_eq!(
            normalize_staff_email("  Maya@Example.COM "),
            Ok("maya@example.com".into())
        );
        for bad in [
            "",
            "maya",
            "maya@",
            "@x.com",
            "a@b",
            "a b@c.com",
            "a@@b.com",
            "a@b..com",
        ] {
            assert!(normalize_staff_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pass").is_ok());
    }
}
