//! Talking to a mailbox's SMTP relay with lettre: the transport from the
//! mailbox's settings, and a send whose failure says whether trying again
//! can help (a 4xx answer or a connection problem) or not (a 5xx answer).

use crate::settings::{Connection, TlsMode};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The relay refused for good (5xx): sending again will not help.
    #[error("{0}")]
    Permanent(String),
    /// A temporary refusal or a connection problem: try again later.
    #[error("{0}")]
    Temporary(String),
}

/// The relay's transport for `c`.
pub fn transport(c: &Connection, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let host = c.host.as_str();
    let unusable =
        |e: lettre::transport::smtp::Error| SendError::Permanent(format!("the SMTP settings cannot be used: {e}"));
    // The public roots, plus the ones this node was told to trust.
    let parameters = || {
        crate::trust::extra_roots()
            .into_iter()
            .try_fold(TlsParameters::builder(host.to_string()), |b, der| {
                Ok(b.add_root_certificate(Certificate::from_der(der.to_vec())?))
            })
            .and_then(|b| b.build())
            .map_err(unusable)
    };
    let plain = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host);
    let builder = match c.tls {
        TlsMode::Implicit => plain.tls(Tls::Wrapper(parameters()?)),
        TlsMode::StartTls => plain.tls(Tls::Required(parameters()?)),
        TlsMode::None => plain,
    };
    let mut builder = builder.port(c.port).timeout(Some(timeout));
    if !c.user.is_empty() {
        builder = builder.credentials(Credentials::new(c.user.clone(), c.password.clone()));
    }
    Ok(builder.build())
}

/// Sends `message` through the relay; on success, the relay's answer
/// (e.g. "250 2.0.0 Ok: queued as 4F2").
pub async fn send(c: &Connection, message: Message, timeout: Duration) -> Result<String, SendError> {
    let transport = transport(c, timeout)?;
    match transport.send(message).await {
        Ok(response) => Ok(format!(
            "{} {}",
            response.code(),
            response.message().collect::<Vec<_>>().join(" ")
        )),
        Err(e) => Err(classify(&e, c)),
    }
}

/// Checks that the relay answers and accepts the login.
pub async fn check(c: &Connection, timeout: Duration) -> Result<(), SendError> {
    let transport = transport(c, timeout)?;
    match transport.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(SendError::Temporary(format!(
            "the SMTP server {}:{} did not answer as expected",
            c.host, c.port
        ))),
        Err(e) => Err(classify(&e, c)),
    }
}

fn classify(e: &lettre::transport::smtp::Error, c: &Connection) -> SendError {
    let words = describe(e);
    let text = format!("SMTP {}:{}: {words}", c.host, c.port);
    if e.is_permanent() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}

/// The error with its causes, which is where the server's words and the
/// network's reasons are.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cause = c.source();
    }
    parts.join(": ")
}
