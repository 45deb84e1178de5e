//! A customer's profile rules: tags, custom attributes, preferences and consent.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Time;
use serde::{Deserialize, Serialize};

/// The longest customer name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest tag accepted, in characters.
pub const MAX_TAG_CHARS: usize = 50;
/// The most tags a customer may carry.
pub const MAX_TAGS: usize = 50;
/// The longest text attribute value, in characters.
pub const MAX_ATTRIBUTE_CHARS: usize = 1000;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Channels a customer can prefer or refuse.
pub const CHANNELS: [&str; 5] = ["email", "phone", "sms", "chat", "social"];

/// A profile input that breaks a rule; `field` is relative to the profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProfileError {
    /// The field at fault, e.g. "tags[2]" or "preferences.time_zone".
    pub field: String,
    /// A sentence saying what is wrong.
    pub message: String,
}

fn fail<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, ProfileError> {
    Err(ProfileError {
        field: field.into(),
        message: message.into(),
    })
}

/// A customer's display name, trimmed with inner runs of space collapsed. It may be
/// empty (a customer known only by an address).
pub fn clean_name(raw: &str) -> Result<String, String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("the name is too long: at most {MAX_NAME_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("the name contains a control character".into());
    }
    Ok(name)
}

/// The form names are compared in: lowercased, single spaces.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A tag in its normal form: trimmed, lowercased, inner spaces as `-`.
pub fn normalize_tag(raw: &str) -> Result<String, String> {
    let tag = raw.split_whitespace().collect::<Vec<_>>().join("-").to_lowercase();
    if tag.is_empty() {
        return Err("a tag is empty".into());
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(format!("a tag is too long: at most {MAX_TAG_CHARS} characters"));
    }
    if tag.chars().any(|c| c.is_control() || c == ',' || c == '"') {
        return Err("a tag may not hold commas, quotes or control characters".into());
    }
    Ok(tag)
}

/// Normalises a list of tags, dropping repeats; errors name `tags[i]`.
pub fn normalize_tags(raw: &[String]) -> Result<Vec<String>, ProfileError> {
    if raw.len() > MAX_TAGS {
        return fail("tags", format!("at most {MAX_TAGS} tags are allowed"));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        match normalize_tag(t) {
            Ok(t) if !out.contains(&t) => out.push(t),
            Ok(_) => {}
            Err(m) => return fail(format!("tags[{i}]"), m),
        }
    }
    Ok(out)
}

/// The type of a custom attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeKind {
    /// Free text.
    Text,
    /// A number.
    Number,
    /// A calendar date, `2026-03-01`.
    Date,
    /// Yes or no.
    Boolean,
    /// One of a fixed list of words.
    Choice,
}

impl AttributeKind {
    /// The kind's name: "text", "number", "date", "boolean", "choice".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Boolean => "boolean",
            Self::Choice => "choice",
        }
    }
}

impl std::str::FromStr for AttributeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "number" => Ok(Self::Number),
            "date" => Ok(Self::Date),
            "boolean" => Ok(Self::Boolean),
            "choice" => Ok(Self::Choice),
            other => Err(format!(
                "{other:?} is not an attribute type; use text, number, date, boolean or choice"
            )),
        }
    }
}

/// A checked attribute name: a letter, then letters, digits and `_`, at most 50.
pub fn check_attribute_name(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_ascii_lowercase();
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 50
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err("an attribute name starts with a letter and holds only letters, digits and _ (at most 50)".into())
    }
}

/// An attribute value as stored: its canonical text and, for numbers, the number
/// (so queries can compare numerically).
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeValue {
    /// Canonical text: the text, the number, `2026-03-01`, `true`/`false` or the choice.
    pub text: String,
    /// The number, for number attributes.
    pub number: Option<f64>,
    /// The JSON form returned by the API.
    pub json: serde_json::Value,
}

/// Checks `value` against an attribute's kind (and choices). Undefined attributes
/// are text. Numbers and booleans may also come as strings (from CSV files).
pub fn check_attribute(
    kind: AttributeKind,
    choices: &[String],
    value: &serde_json::Value,
) -> Result<AttributeValue, String> {
    use serde_json::Value as J;
    let as_text = match value {
        J::String(s) => Some(s.trim().to_string()),
        J::Number(n) => Some(n.to_string()),
        J::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let Some(text) = as_text else {
        return Err(format!(
            "a {} attribute takes a single value, not {value}",
            kind.as_str()
        ));
    };
    match kind {
        AttributeKind::Text => {
            if text.chars().count() > MAX_ATTRIBUTE_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
                return Err(format!(
                    "the text is too long (at most {MAX_ATTRIBUTE_CHARS}) or holds control characters"
                ));
            }
            Ok(AttributeValue {
                json: J::String(text.clone()),
                text,
                number: None,
            })
        }
        AttributeKind::Number => {
            let n: f64 = text.parse().map_err(|_| format!("{text:?} is not a number"))?;
            if !n.is_finite() {
                return Err(format!("{text:?} is not a finite number"));
            }
            let json = serde_json::Number::from_f64(n).map(J::Number).unwrap_or(J::Null);
            let text = if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", n as i64)
            } else {
                n.to_string()
            };
            Ok(AttributeValue {
                text,
                number: Some(n),
                json,
            })
        }
        AttributeKind::Date => {
            let d: jiff::civil::Date = text
                .parse()
                .map_err(|_| format!("{text:?} is not a date like 2026-03-01"))?;
            let text = d.to_string();
            Ok(AttributeValue {
                json: J::String(text.clone()),
                text,
                number: None,
            })
        }
        AttributeKind::Boolean => {
            let b = match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                _ => return Err(format!("{text:?} is not true or false")),
            };
            Ok(AttributeValue {
                text: b.to_string(),
                number: None,
                json: J::Bool(b),
            })
        }
        AttributeKind::Choice => match choices.iter().find(|c| c.eq_ignore_ascii_case(&text)) {
            Some(c) => Ok(AttributeValue {
                text: c.clone(),
                number: None,
                json: J::String(c.clone()),
            }),
            None => Err(format!("{text:?} is not one of: {}", choices.join(", "))),
        },
    }
}

/// Hours in which the customer does not want to be contacted, in their time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// From, `22:00`.
    pub start: String,
    /// Until, `07:00` (may be on the next day).
    pub end: String,
}

/// How a customer wants to be reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    /// Preferred language, e.g. "de" or "pt-br".
    pub language: Option<String>,
    /// Preferred channel: email, phone, sms, chat or social.
    pub channel: Option<String>,
    /// IANA time zone, e.g. "Europe/Berlin".
    pub time_zone: Option<String>,
    /// Quiet hours.
    pub quiet_hours: Option<QuietHours>,
    /// Channels on which the customer must not be contacted.
    pub do_not_contact: Vec<String>,
}

impl Preferences {
    /// Normalises and checks every field; errors name `preferences.FIELD`.
    pub fn checked(mut self) -> Result<Self, ProfileError> {
        if let Some(lang) = self.language.take() {
            let lang = lang.trim().to_ascii_lowercase().replace('_', "-");
            let mut parts = lang.split('-');
            let primary_ok = parts
                .next()
                .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()));
            let rest_ok = parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
            if !(primary_ok && rest_ok) {
                return fail("preferences.language", "write a language code such as de, en or pt-br");
            }
            self.language = Some(lang);
        }
        if let Some(channel) = self.channel.take() {
            self.channel = Some(check_channel(&channel).map_err(|m| ProfileError {
                field: "preferences.channel".into(),
                message: m,
            })?);
        }
        if let Some(tz) = self.time_zone.take() {
            let tz = tz.trim().to_string();
            if jiff::tz::TimeZone::get(&tz).is_err() {
                return fail(
                    "preferences.time_zone",
                    format!("{tz:?} is not a known time zone such as Europe/Berlin"),
                );
            }
            self.time_zone = Some(tz);
        }
        if let Some(q) = self.quiet_hours.take() {
            let start: Time = pad_time(&q.start)
                .parse()
                .or_else(|_| fail("preferences.quiet_hours.start", "write a time such as 22:00"))?;
            let end: Time = pad_time(&q.end)
                .parse()
                .or_else(|_| fail("preferences.quiet_hours.end", "write a time such as 07:00"))?;
            self.quiet_hours = Some(QuietHours {
                start: start.strftime("%H:%M").to_string(),
                end: end.strftime("%H:%M").to_string(),
            });
        }
        let mut dnc = Vec::new();
        for (i, c) in self.do_not_contact.iter().enumerate() {
            let c = check_channel(c).map_err(|m| ProfileError {
                field: format!("preferences.do_not_contact[{i}]"),
                message: m,
            })?;
            if !dnc.contains(&c) {
                dnc.push(c);
            }
        }
        dnc.sort();
        self.do_not_contact = dnc;
        Ok(self)
    }
}

/// "7:00" as "07:00", which the time parser wants.
fn pad_time(raw: &str) -> String {
    let t = raw.trim();
    if t.find(':') == Some(1) {
        format!("0{t}")
    } else {
        t.to_string()
    }
}

/// A channel name in normal form.
pub fn check_channel(raw: &str) -> Result<String, String> {
    let c = raw.trim().to_ascii_lowercase();
    if CHANNELS.contains(&c.as_str()) {
        Ok(c)
    } else {
        Err(format!("{c:?} is not a channel; use one of {}", CHANNELS.join(", ")))
    }
}

/// Consent for one purpose (e.g. "marketing"): given or withdrawn, when and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Whether consent stands.
    pub given: bool,
    /// When it was given or withdrawn.
    pub at: Timestamp,
    /// How, e.g. "signup form, newsletter box ticked".
    pub how: String,
}

/// Consents by purpose.
pub type Consents = BTreeMap<String, Consent>;

/// A consent purpose in normal form: a lowercase word of letters, digits, `-` and `_`.
pub fn check_purpose(raw: &str) -> Result<String, String> {
    let p = raw.trim().to_ascii_lowercase();
    if !p.is_empty() && p.len() <= 40 && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(p)
    } else {
        Err("a consent purpose is one word such as marketing".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_names() {
        assert_eq!(normalize_tag("  VIP Customer ").as_deref(), Ok("vip-customer"));
        assert!(normalize_tag(" ").is_err());
        assert!(normalize_tag("a,b").is_err());
        let e = normalize_tags(&["ok".into(), "".into()]).unwrap_err();
        assert_eq!(e.field, "tags[1]");
        assert_eq!(normalize_tags(&["A".into(), "a".into()]).unwrap(), vec!["a"]);
        assert_eq!(clean_name("  Jane   Doe ").as_deref(), Ok("Jane Doe"));
        assert_eq!(name_key("Jane  DOE"), "jane doe");
    }

    #[test]
    fn attributes_by_kind() {
        let n = check_attribute(AttributeKind::Number, &[], &serde_json::json!("12.50")).unwrap();
        assert_eq!((n.text.as_str(), n.number), ("12.5", Some(12.5)));
        let n = check_attribute(AttributeKind::Number, &[], &serde_json::json!(10)).unwrap();
        assert_eq!(n.text, "10");
        assert!(check_attribute(AttributeKind::Number, &[], &serde_json::json!("ten")).is_err());
        let d = check_attribute(AttributeKind::Date, &[], &serde_json::json!("2026-03-01")).unwrap();
        assert_eq!(d.text, "2026-03-01");
        assert!(check_attribute(AttributeKind::Date, &[], &serde_json::json!("March")).is_err());
        let b = check_attribute(AttributeKind::Boolean, &[], &serde_json::json!("yes")).unwrap();
        assert_eq!(b.json, serde_json::json!(true));
        let choices = vec!["pro".to_string(), "free".to_string()];
        assert_eq!(
            check_attribute(AttributeKind::Choice, &choices, &serde_json::json!("PRO"))
                .unwrap()
                .text,
            "pro"
        );
        assert!(check_attribute(AttributeKind::Choice, &choices, &serde_json::json!("team")).is_err());
        assert!(check_attribute(AttributeKind::Text, &[], &serde_json::json!([1])).is_err());
        assert!("colour".parse::<AttributeKind>().is_err());
        assert_eq!(check_attribute_name(" Plan_2 ").as_deref(), Ok("plan_2"));
        assert!(check_attribute_name("2plan").is_err());
    }

    #[test]
    fn preferences_are_normalised_and_named_on_error() {
        let p = Preferences {
            language: Some("PT_br".into()),
            channel: Some("Email".into()),
            time_zone: Some("Europe/Berlin".into()),
            quiet_hours: Some(QuietHours {
                start: "22:00".into(),
                end: "7:00".into(),
            }),
            do_not_contact: vec!["phone".into(), "PHONE".into(), "email".into()],
        }
        .checked()
        .unwrap();
        assert_eq!(p.language.as_deref(), Some("pt-br"));
        assert_eq!(p.channel.as_deref(), Some("email"));
        assert_eq!(p.quiet_hours.unwrap().end, "07:00");
        assert_eq!(p.do_not_contact, vec!["email", "phone"]);
        let e = Preferences {
            time_zone: Some("Mars/Olympus".into()),
            ..Default::default()
        }
        .checked()
        .unwrap_err();
        assert_eq!(e.field, "preferences.time_zone");
        let e = Preferences {
            do_not_contact: vec!["fax".into()],
            ..Default::default()
        }
        .checked()
        .unwrap_err();
        assert_eq!(e.field, "preferences.do_not_contact[0]");
    }
}
