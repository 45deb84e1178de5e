//! Raw RFC 822 bytes → what Candor needs of an email. Never fails: a message
//! that cannot be read comes back marked unreadable with the raw bytes kept
//! as an attachment, so nothing is ever dropped.

use crate::automated::{Automated, detect};
use candor_core::conversation::{MAX_BODY_BYTES, MAX_SUBJECT_CHARS};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

/// The sender of an email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    /// The address, lower-cased.
    pub address: String,
    /// The display name, if any.
    pub name: Option<String>,
}

/// A file that came with an email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAttachment {
    /// The name the sender gave it (or one made from its type).
    pub filename: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// An email as Candor reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedEmail {
    /// From (else Sender, Reply-To or Return-Path).
    pub sender: Option<Sender>,
    /// The subject, decoded, at most 300 characters.
    pub subject: Option<String>,
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids.
    pub in_reply_to: Vec<String>,
    /// References ids, oldest first.
    pub references: Vec<String>,
    /// The text (HTML-only mail converted), never empty.
    pub text: String,
    /// The HTML part, sanitised.
    pub html: Option<String>,
    /// Files, inline images and attached messages.
    pub attachments: Vec<ParsedAttachment>,
    /// An auto-reply or a bounce.
    pub automated: Option<Automated>,
    /// False when the bytes could not be read as an email at all.
    pub readable: bool,
}

/// The name the raw message is kept under when it could not be read whole.
pub const ORIGINAL_NAME: &str = "original.eml";

/// Reads `raw` (see the module docs).
pub fn parse(raw: &[u8]) -> ParsedEmail {
    let parsed = MessageParser::default().parse(raw);
    let Some(msg) = parsed.filter(|m| has_headers(m)) else {
        return unreadable(raw);
    };
    let sender = sender_of(&msg);
    let subject = msg.subject().map(clean_subject).filter(|s| !s.is_empty());
    let message_id = msg.message_id().map(clean_id).filter(|s| !s.is_empty());
    let in_reply_to = ids(msg.in_reply_to());
    let references = ids(msg.references());
    let mut text = (0..msg.text_body_count())
        .filter_map(|i| msg.body_text(i))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    // Only a real text/html part: for text-only mail mail-parser lists the text part as the HTML body too.
    let html = msg
        .html_bodies()
        .find(|p| p.is_text_html())
        .and_then(|p| p.text_contents())
        .map(sanitize_html);
    let mut attachments: Vec<ParsedAttachment> = msg
        .attachments()
        .enumerate()
        .map(|(i, part)| ParsedAttachment {
            filename: attachment_name(part, i),
            bytes: part.contents().to_vec(),
        })
        .collect();
    let automated = detect(&msg);
    text = text.replace('\0', "");
    if text.len() > MAX_BODY_BYTES - 200 {
        let mut cut = MAX_BODY_BYTES - 200;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n\n[This email is longer than Candor shows; the whole of it is attached as original.eml.]");
        attachments.push(original(raw));
    }
    if text.trim().is_empty() {
        text = if attachments.is_empty() {
            "(This email has no text.)".into()
        } else {
            "(This email has no text; see its attachments.)".into()
        };
    }
    ParsedEmail {
        sender,
        subject,
        message_id,
        in_reply_to,
        references,
        text,
        html,
        attachments,
        automated,
        readable: true,
    }
}

fn unreadable(raw: &[u8]) -> ParsedEmail {
    ParsedEmail {
        sender: None,
        subject: None,
        message_id: None,
        in_reply_to: Vec::new(),
        references: Vec::new(),
        text: "This email could not be read. The message as it arrived is attached as original.eml.".into(),
        html: None,
        attachments: vec![original(raw)],
        automated: None,
        readable: false,
    }
}

fn original(raw: &[u8]) -> ParsedAttachment {
    ParsedAttachment {
        filename: ORIGINAL_NAME.into(),
        bytes: raw.to_vec(),
    }
}

/// Whether the parser found at least one header every email has one of:
/// bytes without any (binary noise, a truncated upload) are not an email.
fn has_headers(m: &mail_parser::Message<'_>) -> bool {
    const KNOWN: &[&str] = &[
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "sender",
        "reply-to",
        "return-path",
        "received",
        "mime-version",
        "content-type",
        "in-reply-to",
        "references",
    ];
    m.headers()
        .iter()
        .any(|h| KNOWN.contains(&h.name().trim().to_ascii_lowercase().as_str()) && !h.value().is_empty())
}

fn sender_of(m: &mail_parser::Message<'_>) -> Option<Sender> {
    let candidates = [m.from(), m.sender(), m.reply_to()];
    for list in candidates.into_iter().flatten() {
        for addr in list.iter() {
            if let Some(address) = addr
                .address()
                .map(|a| a.trim().to_lowercase())
                .filter(|a| a.contains('@'))
            {
                let name = addr
                    .name()
                    .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|n| !n.is_empty() && n.to_lowercase() != address);
                return Some(Sender { address, name });
            }
        }
    }
    m.return_address()
        .map(|a| a.trim().trim_matches(['<', '>']).to_lowercase())
        .filter(|a| a.contains('@'))
        .map(|address| Sender { address, name: None })
}

fn clean_subject(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ").replace('\0', "");
    flat.chars().take(MAX_SUBJECT_CHARS).collect()
}

/// A Message-ID without brackets or white space.
pub fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<String> = match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    };
    raw.iter()
        .flat_map(|t| t.split_whitespace().map(clean_id).collect::<Vec<_>>())
        .filter(|t| !t.is_empty() && t.len() <= 500)
        .collect()
}

fn attachment_name(part: &mail_parser::MessagePart<'_>, index: usize) -> String {
    if let Some(name) = part.attachment_name().map(str::trim).filter(|n| !n.is_empty()) {
        return name.to_string();
    }
    if let Some(m) = part.message() {
        let subject = m.subject().map(clean_subject).unwrap_or_default();
        let base: String = subject
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ')
            .take(60)
            .collect();
        let base = base.trim();
        return if base.is_empty() {
            "forwarded message.eml".into()
        } else {
            format!("{base}.eml")
        };
    }
    let extension = part
        .content_type()
        .and_then(|ct| ct.subtype())
        .map(|s| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(10)
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "bin".into());
    format!("attachment-{}.{extension}", index + 1)
}

/// HTML made safe to show: no scripts, event handlers, forms or frames
/// (ammonia's defaults).
pub fn sanitize_html(html: &str) -> String {
    ammonia::clean(html)
}
