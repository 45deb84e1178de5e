//! The message template: plain text with `{{field}}` placeholders filled
//! from the customer's details, `{{field|fallback}}` giving the words to use
//! when the detail is unknown. Values are inserted as they are and never
//! read as template text again, so a customer's name cannot inject anything;
//! the message is plain text (the email's HTML part escapes it).

use serde::Serialize;
use std::collections::BTreeMap;

/// The fields a template may name.
pub const FIELDS: [&str; 8] = [
    "name",
    "first_name",
    "email",
    "last_product",
    "last_purchase_date",
    "sender",
    "sender_first_name",
    "company",
];

/// The longest fallback, in characters.
const MAX_FALLBACK_CHARS: usize = 200;

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Part {
    /// Text as written.
    Text(String),
    /// A placeholder.
    Field {
        /// One of [`FIELDS`].
        name: String,
        /// The words to use when the value is unknown.
        fallback: Option<String>,
    },
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// Its pieces in order.
    pub parts: Vec<Part>,
}

/// Why a template cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct TemplateError {
    /// In characters from 0.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl Template {
    /// Reads a template; an unknown field or an unclosed `{{` is an error.
    pub fn parse(src: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = src;
        while let Some(open) = rest.find("{{") {
            text.push_str(&rest[..open]);
            let position = src.len() - rest.len() + open;
            let position = src[..position].chars().count();
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(TemplateError {
                    position,
                    message: "this {{ is never closed with }}".into(),
                });
            };
            let inner = &after[..close];
            if inner.contains("{{") {
                return Err(TemplateError {
                    position,
                    message: "this {{ is never closed with }}".into(),
                });
            }
            let (name, fallback) = match inner.split_once('|') {
                Some((n, f)) => (n.trim(), Some(f.trim().to_string())),
                None => (inner.trim(), None),
            };
            if !FIELDS.contains(&name) {
                return Err(TemplateError {
                    position,
                    message: format!("{{{{{name}}}}} is not a field; use one of {}", FIELDS.join(", ")),
                });
            }
            if fallback
                .as_ref()
                .is_some_and(|f| f.chars().count() > MAX_FALLBACK_CHARS)
            {
                return Err(TemplateError {
                    position,
                    message: format!("a fallback has at most {MAX_FALLBACK_CHARS} characters"),
                });
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Field {
                name: name.to_string(),
                fallback,
            });
            rest = &after[close + 2..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// The first field the template needs without a fallback that `values`
    /// lacks (or holds only blank), if any.
    pub fn missing<'a>(&'a self, values: &BTreeMap<&str, String>) -> Option<&'a str> {
        self.parts.iter().find_map(|p| match p {
            Part::Field { name, fallback: None } if values.get(name.as_str()).is_none_or(|v| v.trim().is_empty()) => {
                Some(name.as_str())
            }
            _ => None,
        })
    }

    /// The text with every placeholder filled: the value, else the
    /// fallback, else nothing (check [`Template::missing`] first).
    pub fn render(&self, values: &BTreeMap<&str, String>) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Field { name, fallback } => match values.get(name.as_str()).filter(|v| !v.trim().is_empty()) {
                    Some(v) => out.push_str(v.trim()),
                    None => out.push_str(fallback.as_deref().unwrap_or("")),
                },
            }
        }
        out
    }
}
