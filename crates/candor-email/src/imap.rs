//! Talking to an IMAP server with async-imap over a plain, STARTTLS or
//! TLS connection (rustls with the webpki roots and any extra roots in
//! [`crate::trust`]). Every failure names the
//! step that failed (reach, TLS, greeting, login, folder) in words a person
//! can act on, with the server's own answer.

use crate::settings::{Connection, TlsMode};
use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;

/// A byte stream IMAP runs over: TCP, or TLS over TCP.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}

/// A logged-in IMAP session.
pub type ImapSession = Session<Box<dyn Stream>>;

/// What failed while talking to the IMAP server.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The server cannot be reached.
    #[error("cannot reach the IMAP server {server}: {reason}")]
    Reach {
        /// host:port
        server: String,
        /// Why.
        reason: String,
    },
    /// TLS could not be set up.
    #[error("TLS with the IMAP server {server} failed: {reason}")]
    Tls {
        /// host:port
        server: String,
        /// Why.
        reason: String,
    },
    /// Something answered, but not as an IMAP server.
    #[error("{server} did not greet as an IMAP server")]
    Greeting {
        /// host:port
        server: String,
    },
    /// The login was refused.
    #[error("the IMAP server {server} refused the login for {user}: {answer}")]
    Login {
        /// host:port
        server: String,
        /// The user name.
        user: String,
        /// The server's answer.
        answer: String,
    },
    /// The folder cannot be opened.
    #[error("cannot open the folder \"{folder}\": {answer}")]
    Folder {
        /// The folder.
        folder: String,
        /// The server's answer.
        answer: String,
    },
    /// The server took too long.
    #[error("the IMAP server {server} did not answer within {seconds} s while {step}")]
    Timeout {
        /// host:port
        server: String,
        /// Seconds waited.
        seconds: u64,
        /// What Candor was doing.
        step: &'static str,
    },
    /// Another IMAP failure.
    #[error("IMAP: {0}")]
    Protocol(String),
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        ImapError::Protocol(e.to_string())
    }
}

async fn within<T, E>(
    c: &Connection,
    limit: Duration,
    step: &'static str,
    f: impl Future<Output = Result<T, E>>,
) -> Result<T, ImapError>
where
    E: Into<ImapError>,
{
    match tokio::time::timeout(limit, f).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(ImapError::Timeout {
            server: server(c),
            seconds: limit.as_secs(),
            step,
        }),
    }
}

fn server(c: &Connection) -> String {
    format!("{}:{}", c.host, c.port)
}

fn tls_connector() -> Result<TlsConnector, String> {
    let roots = crate::trust::root_store();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

async fn wrap_tls(c: &Connection, stream: Box<dyn Stream>, limit: Duration) -> Result<Box<dyn Stream>, ImapError> {
    let tls_error = |reason: String| ImapError::Tls {
        server: server(c),
        reason,
    };
    let connector = tls_connector().map_err(tls_error)?;
    let name = rustls::pki_types::ServerName::try_from(c.host.clone()).map_err(|e| tls_error(e.to_string()))?;
    let tls = within(c, limit, "setting up TLS", async {
        connector
            .connect(name, stream)
            .await
            .map_err(|e| tls_error(e.to_string()))
    })
    .await?;
    Ok(Box::new(tls))
}

async fn greet(c: &Connection, client: &mut Client<Box<dyn Stream>>, limit: Duration) -> Result<(), ImapError> {
    let greeting = within(c, limit, "waiting for the greeting", async {
        client.read_response().await.map_err(|e| ImapError::Reach {
            server: server(c),
            reason: e.to_string(),
        })
    })
    .await?;
    match greeting {
        Some(_) => Ok(()),
        None => Err(ImapError::Greeting { server: server(c) }),
    }
}

/// Connects and logs in.
pub async fn login(c: &Connection, limit: Duration) -> Result<ImapSession, ImapError> {
    let tcp = within(c, limit, "connecting", async {
        TcpStream::connect((c.host.as_str(), c.port))
            .await
            .map_err(|e| ImapError::Reach {
                server: server(c),
                reason: e.to_string(),
            })
    })
    .await?;
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Stream> = Box::new(tcp);
    let client = match c.tls {
        TlsMode::None => {
            let mut client = Client::new(stream);
            greet(c, &mut client, limit).await?;
            client
        }
        TlsMode::Implicit => {
            let mut client = Client::new(wrap_tls(c, stream, limit).await?);
            greet(c, &mut client, limit).await?;
            client
        }
        TlsMode::StartTls => {
            let mut plain = Client::new(stream);
            greet(c, &mut plain, limit).await?;
            within(c, limit, "asking for STARTTLS", async {
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| ImapError::Tls {
                        server: server(c),
                        reason: format!("the server refused STARTTLS: {e}"),
                    })
            })
            .await?;
            Client::new(wrap_tls(c, plain.into_inner(), limit).await?)
        }
    };
    within(c, limit, "logging in", async {
        client
            .login(&c.user, &c.password)
            .await
            .map_err(|(e, _)| ImapError::Login {
                server: server(c),
                user: c.user.clone(),
                answer: e.to_string(),
            })
    })
    .await
}

/// A selected folder's identity and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderState {
    /// UIDVALIDITY: when it changes, UIDs seen before mean nothing.
    pub uid_validity: u32,
    /// Messages in it.
    pub exists: u32,
}

/// Selects `folder`.
pub async fn select(
    c: &Connection,
    session: &mut ImapSession,
    folder: &str,
    limit: Duration,
) -> Result<FolderState, ImapError> {
    let m = within(c, limit, "opening the folder", async {
        session.select(folder).await.map_err(|e| ImapError::Folder {
            folder: folder.to_string(),
            answer: e.to_string(),
        })
    })
    .await?;
    Ok(FolderState {
        uid_validity: m.uid_validity.unwrap_or(0),
        exists: m.exists,
    })
}

/// The UIDs after `after`, ascending.
pub async fn uids_after(session: &mut ImapSession, after: u32) -> Result<Vec<u32>, ImapError> {
    let found = session.uid_search(format!("UID {}:*", after.saturating_add(1))).await?;
    // "n:*" always matches the last message, even when its UID is below n.
    let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > after).collect();
    uids.sort_unstable();
    Ok(uids)
}

/// One message's raw bytes, without marking it seen.
pub async fn fetch_raw(session: &mut ImapSession, uid: u32) -> Result<Option<Vec<u8>>, ImapError> {
    let fetches: Vec<_> = session
        .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
        .await?
        .try_collect()
        .await?;
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body().map(<[u8]>::to_vec)))
}

/// Marks a message seen.
pub async fn mark_seen(session: &mut ImapSession, uid: u32) -> Result<(), ImapError> {
    let _: Vec<_> = session
        .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
        .await?
        .try_collect()
        .await?;
    Ok(())
}

/// Moves a message to `folder` (MOVE where the server has it, else copy,
/// flag deleted and expunge).
pub async fn move_to(session: &mut ImapSession, uid: u32, folder: &str, has_move: bool) -> Result<(), ImapError> {
    if has_move {
        session.uid_mv(uid.to_string(), folder).await?;
        return Ok(());
    }
    session.uid_copy(uid.to_string(), folder).await?;
    let _: Vec<_> = session
        .uid_store(uid.to_string(), "+FLAGS (\\Deleted \\Seen)")
        .await?
        .try_collect()
        .await?;
    let _: Vec<_> = session.uid_expunge(uid.to_string()).await?.try_collect().await?;
    Ok(())
}

/// Whether the server announces `capability`.
pub async fn has_capability(session: &mut ImapSession, capability: &str) -> Result<bool, ImapError> {
    Ok(session.capabilities().await?.has_str(capability))
}

/// "Test connection": log in, open the folder, log out.
pub async fn check(c: &Connection, folder: &str, limit: Duration) -> Result<String, ImapError> {
    let mut session = login(c, limit).await?;
    let state = select(c, &mut session, folder, limit).await?;
    let idle = has_capability(&mut session, "IDLE").await.unwrap_or(false);
    let _ = session.logout().await;
    Ok(format!(
        "ok: logged in to {} as {}; the folder \"{folder}\" holds {} messages; {}",
        server(c),
        c.user,
        state.exists,
        if idle {
            "new mail arrives at once (IDLE)"
        } else {
            "new mail is polled for (no IDLE)"
        }
    ))
}
