//! Real mail servers on loopback for tests (the `testing` feature): a
//! Dovecot IMAP server from Debian's packages with its own configuration,
//! users and mail in a temporary directory, and an SMTP server (the
//! mailin-embedded crate) that keeps what it receives. No mocks.

#![allow(clippy::panic)]

use futures_util::TryStreamExt;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A port free at the moment of asking.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// A certificate authority of the test's own, and a server certificate it
/// signed for 127.0.0.1 and localhost, as PEM files in a temporary directory.
pub struct TestAuthority {
    /// The authority's certificate (what a client must trust).
    pub ca_pem: String,
    /// The server's certificate file.
    pub cert_path: PathBuf,
    /// The server's private key file.
    pub key_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestAuthority {
    /// A new authority and server certificate (fresh keys each time).
    pub fn new() -> Self {
        let fail = |e: rcgen::Error| -> ! { panic!("test certificate: {e}") };
        let ca_key = rcgen::KeyPair::generate().unwrap_or_else(|e| fail(e));
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| fail(e));
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Candor test authority");
        let ca_cert = ca.self_signed(&ca_key).unwrap_or_else(|e| fail(e));
        let server_key = rcgen::KeyPair::generate().unwrap_or_else(|e| fail(e));
        let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap_or_else(|e| fail(e));
        let server_cert = server
            .signed_by(&server_key, &ca_cert, &ca_key)
            .unwrap_or_else(|e| fail(e));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let cert_path = dir.path().join("server.pem");
        let key_path = dir.path().join("server.key");
        std::fs::write(&cert_path, server_cert.pem()).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&key_path, server_key.serialize_pem()).unwrap_or_else(|e| panic!("{e}"));
        set_mode(dir.path(), 0o755);
        Self {
            ca_pem: ca_cert.pem(),
            cert_path,
            key_path,
            _dir: dir,
        }
    }
}

impl Default for TestAuthority {
    fn default() -> Self {
        Self::new()
    }
}

/// A Dovecot IMAP server of its own, on a loopback port: without TLS, or
/// with STARTTLS on `port` and implicit TLS on `tls_port`.
pub struct Dovecot {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its implicit-TLS port (IMAPS), when started with a certificate.
    pub tls_port: Option<u16>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

const DOVECOT: &str = "/usr/sbin/dovecot";

impl Dovecot {
    /// Starts a server with no users yet, without TLS.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a server with no users yet that offers STARTTLS on `port`
    /// and implicit TLS on `tls_port`, with `authority`'s server certificate.
    pub fn start_tls(authority: &TestAuthority) -> Self {
        Self::start_with(Some(authority))
    }

    fn start_with(authority: Option<&TestAuthority>) -> Self {
        if !std::path::Path::new(DOVECOT).exists() {
            panic!("Dovecot is not installed: run scripts/test, which installs dovecot-imapd");
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let root = dir.path().to_path_buf();
        let port = free_port();
        for sub in ["run", "mail", "state"] {
            std::fs::create_dir_all(root.join(sub)).unwrap_or_else(|e| panic!("{e}"));
        }
        // Dovecot's processes run as its own users: they must reach the directory and write mail.
        set_mode(&root, 0o755);
        set_mode(&root.join("mail"), 0o777);
        std::fs::write(root.join("passwd"), "").unwrap_or_else(|e| panic!("{e}"));
        let r = root.display();
        let tls_port = authority.map(|_| free_port());
        let (ssl, imaps) = match (authority, tls_port) {
            (Some(a), Some(p)) => (
                format!(
                    "yes\nssl_cert = <{}\nssl_key = <{}",
                    a.cert_path.display(),
                    a.key_path.display()
                ),
                format!("address = 127.0.0.1\n    port = {p}\n    ssl = yes"),
            ),
            _ => ("no".to_string(), "port = 0".to_string()),
        };
        let config = format!(
            "base_dir = {r}/run\nstate_dir = {r}/state\nlog_path = {r}/dovecot.log\nprotocols = imap\n\
             listen = 127.0.0.1\nssl = {ssl}\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
             auth_failure_delay = 0\nmail_location = maildir:{r}/mail/%u\ndefault_login_user = dovenull\n\
             default_internal_user = dovecot\nfirst_valid_uid = 1\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {r}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid=dovecot gid=dovecot home={r}/mail/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
             inet_listener imaps {{\n    {imaps}\n  }}\n}}\n\
             service stats {{\n  unix_listener stats-reader {{\n    mode = 0666\n  }}\n\
             unix_listener stats-writer {{\n    mode = 0666\n  }}\n}}\n"
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap_or_else(|e| panic!("{e}"));
        let mut d = Self {
            port,
            tls_port,
            dir,
            child: None,
        };
        d.resume();
        d
    }

    fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Adds a user (or changes the password of one).
    pub fn set_user(&self, user: &str, password: &str) {
        let path = self.root().join("passwd");
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        let mut lines: Vec<String> = current
            .lines()
            .filter(|l| !l.starts_with(&format!("{user}:")))
            .map(str::to_string)
            .collect();
        lines.push(format!("{user}:{{PLAIN}}{password}::::::"));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    }

    /// Stops the server (as if it went down), with its connections.
    pub fn pause(&mut self) {
        if let Some(child) = self.child.take() {
            stop_master(child);
        }
        // The master's children notice and exit; wait until the port is free.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_file(self.root().join("run/master.pid"));
    }

    /// Starts the server again after [`Dovecot::pause`].
    pub fn resume(&mut self) {
        let conf = self.root().join("dovecot.conf");
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Dovecot: {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.root().join("dovecot.log")).unwrap_or_default();
                panic!("Dovecot did not start on port {}: {log}", self.port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Delivers `raw` into `user`'s `folder` (IMAP APPEND, as a mail server's delivery would).
    pub async fn deliver(&self, user: &str, password: &str, folder: &str, raw: &[u8]) {
        let mut s = self.session(user, password).await;
        if folder != "INBOX" {
            let _ = s.create(folder).await;
        }
        s.append(folder, None, None, raw)
            .await
            .unwrap_or_else(|e| panic!("APPEND: {e}"));
        let _ = s.logout().await;
    }

    /// The raw messages in `user`'s `folder`, with whether each is seen.
    pub async fn messages(&self, user: &str, password: &str, folder: &str) -> Vec<(Vec<u8>, bool)> {
        let mut s = self.session(user, password).await;
        let m = s
            .select(folder)
            .await
            .unwrap_or_else(|e| panic!("SELECT {folder}: {e}"));
        if m.exists == 0 {
            return Vec::new();
        }
        let fetched: Vec<_> = s
            .fetch("1:*", "(FLAGS BODY.PEEK[])")
            .await
            .unwrap_or_else(|e| panic!("FETCH: {e}"))
            .try_collect()
            .await
            .unwrap_or_else(|e| panic!("FETCH: {e}"));
        let out = fetched
            .iter()
            .map(|f| {
                let seen = f.flags().any(|fl| matches!(fl, async_imap::types::Flag::Seen));
                (f.body().unwrap_or_default().to_vec(), seen)
            })
            .collect();
        let _ = s.logout().await;
        out
    }

    async fn session(&self, user: &str, password: &str) -> crate::imap::ImapSession {
        let c = crate::settings::Connection {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: crate::settings::TlsMode::None,
            user: user.into(),
            password: password.into(),
        };
        crate::imap::login(&c, Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("test login: {e}"))
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            stop_master(child);
        }
    }
}

/// Stops the Dovecot master this test started, by its process id: on
/// SIGTERM it ends its login and mail processes (and their connections)
/// before it exits.
fn stop_master(mut child: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{e}"));
}

/// An email the SMTP server received.
#[derive(Clone, Debug)]
pub struct Delivered {
    /// MAIL FROM.
    pub from: String,
    /// RCPT TO.
    pub to: Vec<String>,
    /// The message as sent.
    pub data: Vec<u8>,
}

/// An SMTP server on a loopback port that keeps every message it accepts,
/// or answers every RCPT with a chosen refusal.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    received: Arc<Mutex<Vec<Delivered>>>,
    refusal: Arc<Mutex<Option<(u16, String)>>>,
}

#[derive(Clone)]
struct SinkHandler {
    received: Arc<Mutex<Vec<Delivered>>>,
    refusal: Arc<Mutex<Option<(u16, String)>>>,
    current: Option<Delivered>,
}

impl mailin_embedded::Handler for SinkHandler {
    fn rcpt(&mut self, _to: &str) -> mailin_embedded::Response {
        match self.refusal.lock().ok().and_then(|r| r.clone()) {
            Some((code, words)) => mailin_embedded::Response::custom(code, words),
            None => mailin_embedded::response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> mailin_embedded::Response {
        self.current = Some(Delivered {
            from: from.to_string(),
            to: to.to_vec(),
            data: Vec::new(),
        });
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(c) = self.current.as_mut() {
            c.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        if let (Some(c), Ok(mut all)) = (self.current.take(), self.received.lock()) {
            all.push(c);
        }
        mailin_embedded::response::OK
    }
}

impl SmtpSink {
    /// Starts the server (it runs until the test process ends).
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a server that offers STARTTLS with `authority`'s server certificate.
    pub fn start_tls(authority: &TestAuthority) -> Self {
        Self::start_with(Some(authority))
    }

    fn start_with(authority: Option<&TestAuthority>) -> Self {
        let ssl = match authority {
            Some(a) => mailin_embedded::SslConfig::SelfSigned {
                cert_path: a.cert_path.display().to_string(),
                key_path: a.key_path.display().to_string(),
            },
            None => mailin_embedded::SslConfig::None,
        };
        let received = Arc::new(Mutex::new(Vec::new()));
        let refusal = Arc::new(Mutex::new(None));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let handler = SinkHandler {
            received: received.clone(),
            refusal: refusal.clone(),
            current: None,
        };
        // The SMTP server library asks rustls for the process's default
        // crypto provider, which several in one build leave unchosen.
        let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        let mut server = mailin_embedded::Server::new(handler);
        if let Err(e) = server.with_ssl(ssl) {
            panic!("the SMTP server's TLS: {e}");
        }
        server
            .with_name("sink.test")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self {
            port,
            received,
            refusal,
        }
    }

    /// Refuses every recipient with `code` and `words` from now on (None: accept).
    pub fn refuse(&self, refusal: Option<(u16, &str)>) {
        if let Ok(mut r) = self.refusal.lock() {
            *r = refusal.map(|(c, w)| (c, w.to_string()));
        }
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Delivered> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// Polls `check` every 50 ms until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A TCP relay on a loopback port in front of a real server, which a test
/// can cut (listener closed, every open connection dropped, as when a
/// server or the network goes away) and restore on the same port.
pub struct Relay {
    /// Its port on 127.0.0.1.
    pub port: u16,
    target: u16,
    cut: tokio_util::sync::CancellationToken,
}

impl Relay {
    /// Starts relaying 127.0.0.1:`port` → 127.0.0.1:`target`.
    pub async fn start(target: u16) -> Self {
        let mut r = Self {
            port: free_port(),
            target,
            cut: tokio_util::sync::CancellationToken::new(),
        };
        r.restore().await;
        r
    }

    /// Closes the port and every connection through it.
    pub fn cut(&self) {
        self.cut.cancel();
    }

    /// Opens the port again.
    pub async fn restore(&mut self) {
        self.cut = tokio_util::sync::CancellationToken::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if Instant::now() > deadline => panic!("relay bind: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        let (cut, target) = (self.cut.clone(), self.target);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = cut.cancelled() => return,
                    a = listener.accept() => a,
                };
                let Ok((mut inbound, _)) = accepted else { continue };
                let cut = cut.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else {
                        return;
                    };
                    tokio::select! {
                        _ = cut.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    }
                });
            }
        });
    }
}
