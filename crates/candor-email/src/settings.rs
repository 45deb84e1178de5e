//! Mailbox settings as people give them, checked: TLS modes, ports,
//! folders, what happens after import. Pure; no network.

use serde::Deserialize;

/// How a connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Implicit,
    /// Plain first, then STARTTLS (IMAP 143, submission 587).
    StartTls,
    /// No TLS: only for a server on this machine (loopback).
    None,
}

impl TlsMode {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::StartTls => "starttls",
            TlsMode::None => "none",
        }
    }

    /// Reads the stored word.
    pub fn parse(word: &str) -> Option<Self> {
        match word.trim().to_ascii_lowercase().as_str() {
            "implicit" | "tls" | "ssl" => Some(TlsMode::Implicit),
            "starttls" => Some(TlsMode::StartTls),
            "none" => Some(TlsMode::None),
            _ => None,
        }
    }
}

/// Everything needed to reach one server, the password in the clear (held
/// only while connecting).
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// User (empty: no login, SMTP only).
    pub user: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} ({}) as {:?}",
            self.host,
            self.port,
            self.tls.as_str(),
            self.user
        )
    }
}

/// A mailbox as the API and the settings page send it. Passwords left
/// empty on a change keep the stored ones.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxInput {
    /// A label, e.g. "Support".
    #[serde(default)]
    pub name: String,
    /// The address customers write to.
    #[serde(default)]
    pub address: String,
    /// IMAP server.
    #[serde(default)]
    pub imap_host: String,
    /// IMAP port (993 with implicit TLS, 143 otherwise, by default).
    #[serde(default)]
    pub imap_port: Option<u32>,
    /// "implicit" (default), "starttls" or "none".
    #[serde(default)]
    pub imap_tls: Option<String>,
    /// IMAP user.
    #[serde(default)]
    pub imap_user: String,
    /// IMAP password.
    #[serde(default)]
    pub imap_password: String,
    /// Folder to import from (INBOX by default).
    #[serde(default)]
    pub folder: Option<String>,
    /// "seen" (default) or "move".
    #[serde(default)]
    pub after_import: Option<String>,
    /// The folder imported mail moves to, with "move".
    #[serde(default)]
    pub move_to: Option<String>,
    /// SMTP relay.
    #[serde(default)]
    pub smtp_host: String,
    /// SMTP port (465 with implicit TLS, 587 otherwise, by default).
    #[serde(default)]
    pub smtp_port: Option<u32>,
    /// "implicit", "starttls" (default) or "none".
    #[serde(default)]
    pub smtp_tls: Option<String>,
    /// SMTP user (empty: no login).
    #[serde(default)]
    pub smtp_user: String,
    /// SMTP password.
    #[serde(default)]
    pub smtp_password: String,
    /// Fetch and send (true by default).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A setting that cannot be used, with the field it came from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingError {
    /// The input field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> SettingError {
    SettingError {
        field,
        message: message.into(),
    }
}

/// Checked settings, passwords still in the clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedMailbox {
    /// Label.
    pub name: String,
    /// Address, lower-cased.
    pub address: String,
    /// IMAP.
    pub imap: Connection,
    /// Folder.
    pub folder: String,
    /// "seen" or "move".
    pub after_import: String,
    /// Where "move" moves to.
    pub move_to: String,
    /// SMTP (host empty: this mailbox does not send).
    pub smtp: Connection,
    /// On.
    pub enabled: bool,
}

/// Checks `input`; `existing` supplies passwords left empty on a change.
pub fn check(input: &MailboxInput, existing: Option<(&str, &str)>) -> Result<CheckedMailbox, SettingError> {
    let address = input.address.trim().to_lowercase();
    let valid_address = address
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !address.contains(char::is_whitespace));
    if !valid_address {
        return Err(err(
            "address",
            "give the address customers write to, e.g. support@example.com",
        ));
    }
    let name = match input.name.trim() {
        "" => address.clone(),
        n if n.chars().count() > 100 => return Err(err("name", "at most 100 characters")),
        n => n.to_string(),
    };
    let host = |field, raw: &str| -> Result<String, SettingError> {
        let h = raw.trim();
        if h.is_empty()
            || h.len() > 253
            || h.contains(|c: char| c.is_whitespace() || c == '/' || c == ':' && !h.starts_with('['))
        {
            return Err(err(field, "give the server's host name, e.g. imap.example.com"));
        }
        Ok(h.to_string())
    };
    let tls = |field, raw: Option<&str>, default: TlsMode| -> Result<TlsMode, SettingError> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(w) => TlsMode::parse(w).ok_or_else(|| err(field, "choose implicit, starttls or none")),
        }
    };
    let port = |field, raw: Option<u32>, default: u16| -> Result<u16, SettingError> {
        match raw {
            None | Some(0) => Ok(default),
            Some(p) => u16::try_from(p).map_err(|_| err(field, "a port is a number from 1 to 65535")),
        }
    };
    let imap_tls = tls("imap_tls", input.imap_tls.as_deref(), TlsMode::Implicit)?;
    let imap_host = host("imap_host", &input.imap_host)?;
    let imap_port = port(
        "imap_port",
        input.imap_port,
        if imap_tls == TlsMode::Implicit { 993 } else { 143 },
    )?;
    let imap_user = input.imap_user.trim().to_string();
    if imap_user.is_empty() {
        return Err(err("imap_user", "give the user name the IMAP server expects"));
    }
    let imap_password = match (input.imap_password.as_str(), existing) {
        ("", Some((stored, _))) => stored.to_string(),
        ("", None) => return Err(err("imap_password", "give the IMAP password")),
        (p, _) => p.to_string(),
    };
    let folder = input
        .folder
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .unwrap_or("INBOX")
        .to_string();
    let after_import = match input.after_import.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("seen") => "seen".to_string(),
        Some("move") => "move".to_string(),
        Some(_) => return Err(err("after_import", "choose seen or move")),
    };
    let move_to = input.move_to.as_deref().map(str::trim).unwrap_or("").to_string();
    if after_import == "move" && (move_to.is_empty() || move_to == folder) {
        return Err(err(
            "move_to",
            "name the folder imported mail moves to (not the folder it is read from)",
        ));
    }
    let smtp_tls = tls("smtp_tls", input.smtp_tls.as_deref(), TlsMode::StartTls)?;
    let (smtp_host, smtp_port) = if input.smtp_host.trim().is_empty() {
        (String::new(), 0)
    } else {
        (
            host("smtp_host", &input.smtp_host)?,
            port(
                "smtp_port",
                input.smtp_port,
                if smtp_tls == TlsMode::Implicit { 465 } else { 587 },
            )?,
        )
    };
    let smtp_user = input.smtp_user.trim().to_string();
    let smtp_password = match (input.smtp_password.as_str(), existing, smtp_user.is_empty()) {
        (_, _, true) => String::new(),
        ("", Some((_, stored)), false) => stored.to_string(),
        ("", None, false) => return Err(err("smtp_password", "give the SMTP password, or no SMTP user")),
        (p, _, false) => p.to_string(),
    };
    for (field, tls, host) in [("imap_tls", imap_tls, &imap_host), ("smtp_tls", smtp_tls, &smtp_host)] {
        if tls == TlsMode::None && !host.is_empty() && !is_loopback(host) {
            return Err(err(
                field,
                "without TLS only a server on this machine (127.0.0.1, ::1, localhost) may be used",
            ));
        }
    }
    Ok(CheckedMailbox {
        name,
        address,
        imap: Connection {
            host: imap_host,
            port: imap_port,
            tls: imap_tls,
            user: imap_user,
            password: imap_password,
        },
        folder,
        after_import,
        move_to,
        smtp: Connection {
            host: smtp_host,
            port: smtp_port,
            tls: smtp_tls,
            user: smtp_user,
            password: smtp_password,
        },
        enabled: input.enabled.unwrap_or(true),
    })
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_matches(['[', ']']);
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> MailboxInput {
        MailboxInput {
            address: "Support@Example.com".into(),
            imap_host: "imap.example.com".into(),
            imap_user: "support".into(),
            imap_password: "pw".into(),
            smtp_host: "smtp.example.com".into(),
            smtp_user: "support".into(),
            smtp_password: "pw2".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_fill_ports_and_modes() {
        let c = check(&input(), None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.address, "support@example.com");
        assert_eq!((c.imap.port, c.imap.tls), (993, TlsMode::Implicit));
        assert_eq!((c.smtp.port, c.smtp.tls), (587, TlsMode::StartTls));
        assert_eq!((c.folder.as_str(), c.after_import.as_str()), ("INBOX", "seen"));
        assert!(c.enabled);
        assert!(!format!("{:?}", c.imap).contains("pw"), "passwords never print");
    }

    #[test]
    fn bad_settings_name_their_field() {
        let field = |i: MailboxInput| check(&i, None).err().map(|e| e.field);
        assert_eq!(
            field(MailboxInput {
                address: "nope".into(),
                ..input()
            }),
            Some("address")
        );
        assert_eq!(
            field(MailboxInput {
                imap_tls: Some("maybe".into()),
                ..input()
            }),
            Some("imap_tls")
        );
        assert_eq!(
            field(MailboxInput {
                imap_port: Some(70000),
                ..input()
            }),
            Some("imap_port")
        );
        assert_eq!(
            field(MailboxInput {
                imap_password: String::new(),
                ..input()
            }),
            Some("imap_password")
        );
        assert_eq!(
            field(MailboxInput {
                after_import: Some("move".into()),
                ..input()
            }),
            Some("move_to")
        );
        assert_eq!(
            field(MailboxInput {
                imap_tls: Some("none".into()),
                ..input()
            }),
            Some("imap_tls")
        );
        let local = MailboxInput {
            imap_tls: Some("none".into()),
            imap_host: "127.0.0.1".into(),
            ..input()
        };
        assert!(check(&local, None).is_ok());
    }

    #[test]
    fn empty_passwords_keep_the_stored_ones() {
        let i = MailboxInput {
            imap_password: String::new(),
            smtp_password: String::new(),
            ..input()
        };
        let c = check(&i, Some(("old-imap", "old-smtp"))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.imap.password.as_str(), c.smtp.password.as_str()),
            ("old-imap", "old-smtp")
        );
    }
}
