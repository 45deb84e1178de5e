//! The chat protocol's frames: JSON text frames with a `type`. What the
//! widget sends is read field by field, so that a bad frame is answered
//! with an error frame naming the field (docs/chat.md lists them all).

use candor_core::MessageId;
use candor_core::conversation::MessageKind;
use candor_store::messages::Message;
use serde_json::{Value, json};

/// The largest frame a widget may send, in bytes (a message of 4,000
/// characters of four bytes each, with room for the JSON around it).
pub const MAX_FRAME_BYTES: usize = 20 * 1024;

/// A frame from the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientFrame {
    /// The first frame: who the visitor is, and the last message they have.
    Hello {
        /// The browser's random id.
        visitor: String,
        /// The site's id for its signed-in user.
        user_id: Option<String>,
        /// The site's signature of `user_id`.
        user_hash: Option<String>,
        /// The user's name (used if their customer record is made now).
        user_name: Option<String>,
        /// The last message the widget has: it is sent everything after.
        after: Option<MessageId>,
    },
    /// A message, with the widget's own id for it.
    Message {
        /// The widget's id: the same id again is stored once.
        client_id: String,
        /// The text.
        text: String,
    },
    /// The visitor is typing.
    Typing,
    /// The visitor's email address, to be answered by email after they leave.
    Email {
        /// The address.
        email: String,
    },
}

/// What was wrong with a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameError {
    /// A word: "bad_frame", "invalid_field", "rate_limited", "identity_refused", "unavailable".
    pub code: &'static str,
    /// The field, when one is at fault.
    pub field: Option<String>,
    /// A sentence for people.
    pub message: String,
}

impl FrameError {
    /// An error about `field`.
    pub fn field(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// An error about the frame as a whole.
    pub fn frame(message: impl Into<String>) -> Self {
        Self {
            code: "bad_frame",
            field: None,
            message: message.into(),
        }
    }

    /// The error frame.
    pub fn to_json(&self) -> String {
        json!({"type": "error", "code": self.code, "field": self.field, "message": self.message}).to_string()
    }
}

fn text(v: &Value, key: &str) -> Result<Option<String>, FrameError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(FrameError::field(
            "invalid_field",
            key,
            format!("{key} must be a string"),
        )),
    }
}

fn required(v: &Value, key: &str) -> Result<String, FrameError> {
    text(v, key)?.ok_or_else(|| FrameError::field("invalid_field", key, format!("{key} is missing")))
}

/// Reads one text frame.
pub fn parse(raw: &str) -> Result<ClientFrame, FrameError> {
    let v: Value = serde_json::from_str(raw).map_err(|e| FrameError::frame(format!("not JSON: {e}")))?;
    if !v.is_object() {
        return Err(FrameError::frame("a frame is a JSON object with a \"type\""));
    }
    let kind = required(&v, "type")?;
    match kind.as_str() {
        "hello" => {
            let after = match text(&v, "after")? {
                Some(s) if !s.is_empty() => Some(
                    s.parse()
                        .map_err(|_| FrameError::field("invalid_field", "after", "after must be a message id"))?,
                ),
                _ => None,
            };
            Ok(ClientFrame::Hello {
                visitor: required(&v, "visitor")?,
                user_id: text(&v, "user_id")?,
                user_hash: text(&v, "user_hash")?,
                user_name: text(&v, "user_name")?,
                after,
            })
        }
        "message" => Ok(ClientFrame::Message {
            client_id: required(&v, "client_id")?,
            text: required(&v, "text")?,
        }),
        "typing" => Ok(ClientFrame::Typing),
        "email" => Ok(ClientFrame::Email {
            email: required(&v, "email")?,
        }),
        other => Err(FrameError::field(
            "invalid_field",
            "type",
            format!(
                "\"{}\" is not a frame type: use hello, message, typing or email",
                truncate(other)
            ),
        )),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A message as the widget shows it. `thread` is the visitor's thread
/// reference: the client id is the external id without it.
pub fn message(m: &Message, thread: &str) -> String {
    let from = if m.kind == MessageKind::Inbound {
        "visitor"
    } else {
        "agent"
    };
    let client_id = m
        .external_id
        .as_deref()
        .and_then(|e| e.strip_prefix(thread))
        .and_then(|e| e.strip_prefix('/'));
    // What the widget shows under the message: the visitor's are stored;
    // a reply reaches the widget in this very frame.
    let state = if m.kind == MessageKind::Inbound {
        "stored"
    } else {
        "delivered"
    };
    json!({"type": "message", "id": m.id, "client_id": client_id, "from": from, "author": m.author.name,
        "text": m.body, "at": m.created_at, "state": state})
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_and_errors_name_the_field() {
        assert_eq!(
            parse(r#"{"type":"message","client_id":"c_12345678","text":"hi"}"#),
            Ok(ClientFrame::Message {
                client_id: "c_12345678".into(),
                text: "hi".into()
            })
        );
        assert_eq!(parse(r#"{"type":"typing"}"#), Ok(ClientFrame::Typing));
        let e = parse(r#"{"type":"message","client_id":"c_12345678"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("text"));
        let e = parse(r#"{"type":"message","client_id":5,"text":"x"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("client_id"));
        let e = parse(r#"{"type":"dance"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("type"));
        assert_eq!(parse("nope").unwrap_err().code, "bad_frame");
        assert_eq!(parse("[1]").unwrap_err().code, "bad_frame");
        let e = parse(r#"{"type":"hello","visitor":"v_12345678","after":"x"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("after"));
    }
}
