//! Live chat's rules: how a site signs its user's identity, which page
//! origins may open the chat, the limits on what a visitor sends, and
//! whether someone is there to answer. Pure: the socket, the database and
//! the clock are the callers'.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The longest chat message a visitor may send, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Messages a visitor may send in a burst…
pub const RATE_BURST: f64 = 8.0;
/// …and how many more each second after it (8 in 10 s once the burst is spent).
pub const RATE_PER_SECOND: f64 = 0.8;
/// The most origins one workspace may allow.
pub const MAX_ORIGINS: usize = 50;

/// A visitor id or a client message id: what the widget makes up, checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// Not 8 to 100 letters, digits, `-` or `_`.
    #[error("use 8 to 100 letters, digits, - or _")]
    BadToken,
    /// The message is empty.
    #[error("the message is empty")]
    Empty,
    /// The message is too long.
    #[error("the message is longer than {MAX_MESSAGE_CHARS} characters")]
    TooLong,
    /// An origin that is no `scheme://host[:port]`.
    #[error("{0:?} is not an origin: write it as https://shop.example.com (a scheme, a host, an optional port)")]
    BadOrigin(String),
    /// Too many origins.
    #[error("at most {MAX_ORIGINS} origins may be allowed")]
    TooManyOrigins,
}

/// Checks an id the widget made up (a visitor id, a client message id).
pub fn check_token(raw: &str) -> Result<&str, ChatError> {
    let ok = (8..=100).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(raw) } else { Err(ChatError::BadToken) }
}

/// Checks a visitor's message: not blank, at most [`MAX_MESSAGE_CHARS`].
pub fn check_message(text: &str) -> Result<(), ChatError> {
    if text.trim().is_empty() {
        return Err(ChatError::Empty);
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ChatError::TooLong);
    }
    Ok(())
}

/// The thread reference of an anonymous visitor's chat (their browser's id).
pub fn visitor_thread(visitor: &str) -> String {
    format!("v:{visitor}")
}

/// The thread reference of a signed-in user's chat: the same on every
/// device they use.
pub fn user_thread(user_id: &str) -> String {
    format!("u:{user_id}")
}

/// The message id the ingest path keeps a visitor's message under: the
/// client's id within the thread, so one visitor can never collide with
/// (or learn of) another's messages by reusing their ids.
pub fn message_external_id(thread: &str, client_id: &str) -> String {
    format!("{thread}/{client_id}")
}

/// The signature a site gives its signed-in user: lowercase hex of
/// HMAC-SHA256(key = the workspace's chat secret, message = the user id).
pub fn sign_user(secret: &str, user_id: &str) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(user_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `hash` (hex, either case) is the site's signature of `user_id`;
/// compared in constant time.
pub fn verify_user(secret: &str, user_id: &str, hash: &str) -> bool {
    let Ok(given) = hex::decode(hash.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(user_id.as_bytes());
    !secret.is_empty() && mac.verify_slice(&given).is_ok()
}

/// An origin in its normal form (`https://shop.example.com`,
/// `http://localhost:8080`): lowercase, no default port, no path.
pub fn parse_origin(raw: &str) -> Result<String, ChatError> {
    let bad = || ChatError::BadOrigin(raw.chars().take(80).collect());
    let trimmed = raw.trim().trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.path() != "/" && !url.path().is_empty() {
        return Err(bad());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad());
    }
    let host = url.host_str().ok_or_else(bad)?;
    Ok(match url.port() {
        Some(p) => format!("{}://{host}:{p}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

/// Checks and normalises an allow-list (duplicates dropped, order kept).
pub fn parse_origins(raw: &[String]) -> Result<Vec<String>, (usize, ChatError)> {
    let mut out: Vec<String> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        if r.trim().is_empty() {
            continue;
        }
        let o = parse_origin(r).map_err(|e| (i, e))?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    if out.len() > MAX_ORIGINS {
        return Err((MAX_ORIGINS, ChatError::TooManyOrigins));
    }
    Ok(out)
}

/// Whether a page at `origin` (the browser's Origin header) may open the
/// chat: an empty list allows every page; otherwise the origin must be on
/// it. A missing or opaque ("null") origin is only allowed by an empty list.
pub fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    if allowed.is_empty() {
        return true;
    }
    match origin.map(parse_origin) {
        Some(Ok(o)) => allowed.contains(&o),
        _ => false,
    }
}

/// A token bucket: `RATE_BURST` messages at once, refilled at
/// `RATE_PER_SECOND`. Times are microseconds on any monotonic scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateBucket {
    tokens: f64,
    at: i64,
}

impl RateBucket {
    /// A full bucket at time `now`.
    pub fn new(now: i64) -> Self {
        Self {
            tokens: RATE_BURST,
            at: now,
        }
    }

    /// Takes one token at `now` if there is one.
    pub fn take(&mut self, now: i64) -> bool {
        let elapsed = (now - self.at).max(0) as f64 / 1_000_000.0;
        self.tokens = (self.tokens + elapsed * RATE_PER_SECOND).min(RATE_BURST);
        self.at = self.at.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether the bucket is full again at `now` (and can be forgotten).
    pub fn is_full(&self, now: i64) -> bool {
        let elapsed = (now - self.at).max(0) as f64 / 1_000_000.0;
        self.tokens + elapsed * RATE_PER_SECOND >= RATE_BURST
    }
}

/// Whether someone can answer a chat now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Within the hours, and someone who takes chats is available.
    Open,
    /// Outside the hours the chat commitment runs in.
    OutsideHours,
    /// Within the hours, but everyone who would take it is away.
    AllAway,
}

impl Availability {
    /// The word the widget receives.
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Open => "open",
            Availability::OutsideHours => "outside_hours",
            Availability::AllAway => "all_away",
        }
    }
}

/// Decides availability from whether the calendar is open now (`None`
/// when no commitments are published: no hours are promised, so none are
/// checked) and how many of the agents who would take the chat are available.
pub fn availability(open_now: Option<bool>, available_agents: usize) -> Availability {
    if open_now == Some(false) {
        Availability::OutsideHours
    } else if available_agents == 0 {
        Availability::AllAway
    } else {
        Availability::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_one_does_not() {
        let secret = "chs_0123456789abcdef";
        let h = sign_user(secret, "user-42");
        assert_eq!(h.len(), 64);
        assert!(verify_user(secret, "user-42", &h));
        assert!(verify_user(secret, "user-42", &h.to_uppercase()));
        assert!(!verify_user(secret, "user-43", &h));
        assert!(!verify_user("another secret", "user-42", &h));
        assert!(!verify_user(secret, "user-42", "zz"));
        assert!(!verify_user(secret, "user-42", ""));
        assert!(!verify_user("", "user-42", &sign_user("", "user-42")));
    }

    #[test]
    fn the_signature_is_standard_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign_user("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn origins_are_normalised_and_matched() {
        assert_eq!(
            parse_origin("HTTPS://Shop.Example.com/").unwrap(),
            "https://shop.example.com"
        );
        assert_eq!(parse_origin("http://localhost:8080").unwrap(), "http://localhost:8080");
        assert_eq!(parse_origin("https://a.example:443").unwrap(), "https://a.example");
        assert!(parse_origin("ftp://a.example").is_err());
        assert!(parse_origin("https://a.example/shop").is_err());
        assert!(parse_origin("a.example").is_err());
        let list = vec!["https://shop.example.com".to_string()];
        assert!(origin_allowed(&list, Some("https://shop.example.com")));
        assert!(!origin_allowed(&list, Some("https://evil.example")));
        assert!(!origin_allowed(&list, Some("null")));
        assert!(!origin_allowed(&list, None));
        assert!(origin_allowed(&[], Some("https://anything.example")));
        assert!(origin_allowed(&[], None));
        let parsed = parse_origins(&["https://a.example".into(), " ".into(), "https://A.example/".into()]).unwrap();
        assert_eq!(parsed, vec!["https://a.example"]);
        assert_eq!(
            parse_origins(&["https://a.example".into(), "nope".into()])
                .unwrap_err()
                .0,
            1
        );
    }

    #[test]
    fn tokens_and_messages_are_checked() {
        assert!(check_token("v_abcdef12").is_ok());
        assert!(check_token("short").is_err());
        assert!(check_token("has space in it").is_err());
        assert!(check_message("hello").is_ok());
        assert_eq!(check_message("   "), Err(ChatError::Empty));
        assert!(check_message(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(
            check_message(&"a".repeat(MAX_MESSAGE_CHARS + 1)),
            Err(ChatError::TooLong)
        );
        assert_eq!(message_external_id("v:abc", "c1"), "v:abc/c1");
    }

    #[test]
    fn the_bucket_allows_a_burst_then_refills() {
        let mut b = RateBucket::new(0);
        for _ in 0..8 {
            assert!(b.take(0));
        }
        assert!(!b.take(0));
        assert!(!b.take(1_000_000)); // 0.8 of a token
        assert!(b.take(1_300_000));
        assert!(!b.is_full(1_300_000));
        assert!(b.is_full(100_000_000));
    }

    #[test]
    fn availability_follows_hours_then_agents() {
        assert_eq!(availability(Some(false), 3), Availability::OutsideHours);
        assert_eq!(availability(Some(true), 0), Availability::AllAway);
        assert_eq!(availability(None, 0), Availability::AllAway);
        assert_eq!(availability(Some(true), 1), Availability::Open);
        assert_eq!(availability(None, 2).as_str(), "open");
    }
}
