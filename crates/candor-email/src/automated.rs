//! Loops and noise: auto-replies (out of office, "we got your message") and
//! bounces (delivery-status reports). Recognised by their headers so they
//! never trigger an automatic answer or reopen a conversation, and bounces
//! say which address failed and why.

use mail_parser::{Message, MimeHeaders};

/// What kind of automated mail a message is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Automated {
    /// An automatic answer (Auto-Submitted, Precedence, X-Autoreply…).
    AutoReply,
    /// A delivery failure report, with each failed recipient and the reason.
    Bounce(Vec<FailedRecipient>),
}

impl Automated {
    /// The word stored with the message.
    pub fn as_str(&self) -> &'static str {
        match self {
            Automated::AutoReply => "auto-reply",
            Automated::Bounce(_) => "bounce",
        }
    }
}

/// A recipient a bounce reports as failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedRecipient {
    /// The address, lower-cased.
    pub address: String,
    /// The status and the remote server's words.
    pub reason: String,
}

/// Recognises an auto-reply or a bounce.
pub fn detect(m: &Message<'_>) -> Option<Automated> {
    if let Some(failed) = bounce(m) {
        return Some(Automated::Bounce(failed));
    }
    let header = |name: &str| m.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    let auto_submitted = header("Auto-Submitted").is_some_and(|v| !v.is_empty() && v != "no");
    let precedence =
        header("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "auto_reply" | "list"));
    let flagged = ["X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponder"]
        .iter()
        .any(|h| m.header_raw(*h).is_some());
    let subject = m.subject().unwrap_or("").trim().to_lowercase();
    let subject_says = [
        "auto:",
        "automatic reply",
        "autoreply:",
        "out of office",
        "abwesenheitsnotiz",
    ]
    .iter()
    .any(|p| subject.starts_with(p));
    (auto_submitted || precedence || flagged || subject_says).then_some(Automated::AutoReply)
}

/// The failed recipients of a delivery-status report; `None` when the
/// message is not one. A report that names nobody still counts as a bounce.
fn bounce(m: &Message<'_>) -> Option<Vec<FailedRecipient>> {
    let is_report = m.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let from = m
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .unwrap_or("")
        .to_ascii_lowercase();
    let daemon = from.starts_with("mailer-daemon@") || from.starts_with("postmaster@");
    let subject = m.subject().unwrap_or("").to_lowercase();
    let failure_subject = [
        "undeliver",
        "delivery status notification (failure)",
        "mail delivery failed",
        "returned mail",
    ]
    .iter()
    .any(|p| subject.contains(p));
    if !(is_report || (daemon && failure_subject)) {
        return None;
    }
    let mut failed = Vec::new();
    for part in m.parts.iter() {
        let is_status = part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("delivery-status"))
        });
        if is_status {
            failed.extend(status_fields(&String::from_utf8_lossy(part.contents())));
        }
    }
    Some(failed)
}

/// Reads the per-recipient blocks of a message/delivery-status body: the
/// recipients whose Action is "failed".
pub fn status_fields(text: &str) -> Vec<FailedRecipient> {
    let mut out = Vec::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let mut recipient = None;
        let mut action = String::new();
        let mut status = String::new();
        let mut diagnostic = String::new();
        for line in block.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "final-recipient" | "original-recipient"
                    if recipient.is_none() || name.trim().eq_ignore_ascii_case("final-recipient") =>
                {
                    let address = value
                        .rsplit(';')
                        .next()
                        .unwrap_or(value)
                        .trim()
                        .trim_matches(['<', '>']);
                    if address.contains('@') {
                        recipient = Some(address.to_ascii_lowercase());
                    }
                }
                "action" => action = value.to_ascii_lowercase(),
                "status" => status = value.to_string(),
                "diagnostic-code" => diagnostic = value.rsplit(';').next().unwrap_or(value).trim().to_string(),
                _ => {}
            }
        }
        if let Some(address) = recipient
            && action == "failed"
        {
            let reason = [status, diagnostic]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(FailedRecipient { address, reason });
        }
    }
    out
}
