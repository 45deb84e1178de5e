//! What the email tests share: an application over a test database with a
//! file store and a secret key, and a workspace with its owner.
#![allow(dead_code, clippy::panic)]

use candor_app::{App, Caller};
use candor_core::ManualClock;
use candor_store::Db;
use candor_store::secrets::SecretKey;
use candor_store::staff::{User, Workspace};
use std::sync::Arc;

pub struct Setup {
    pub app: App,
    pub workspace: Workspace,
    pub owner: User,
    pub clock: Arc<ManualClock>,
    _files: tempfile::TempDir,
}

impl Setup {
    pub async fn new(db: Db) -> Self {
        let clock = Arc::new(ManualClock::new("2026-03-02T09:00:00Z".parse().unwrap_or_default()));
        let files = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let app = App::new(db, clock.clone())
            .with_files(candor_app::files::FileStore::new(files.path(), 1024 * 1024))
            .with_secret_key(SecretKey::generate());
        let (workspace, owner) = candor_app::accounts::create_owner(
            &app,
            "Northwind Cycles",
            "maya@northwind.example",
            "Maya Brandt",
            "a long password here",
        )
        .await
        .unwrap_or_else(|e| panic!("owner: {e}"));
        Self {
            app,
            workspace,
            owner,
            clock,
            _files: files,
        }
    }

    pub fn caller(&self) -> Caller {
        Caller::session(self.owner.clone())
    }

    /// A job worker that sends email (the outbound handlers registered).
    pub fn mail_worker(&self) -> candor_app::worker::Worker {
        let mut w = candor_app::worker::Worker::new(self.app.clone());
        candor_email::outbound::register_jobs(&mut w);
        w
    }

    /// Runs every queued job, email sends included.
    pub async fn send_queued(&self) {
        self.mail_worker().drain().await.unwrap_or_else(|e| panic!("{e}"));
    }

    /// The owner answers `conversation` and the reply is sent.
    pub async fn reply_and_send(&self, conversation: candor_core::ConversationId, body: &str) {
        candor_app::conversations::add_message(&self.app, &self.caller(), conversation, "outbound", body)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        self.send_queued().await;
    }
}

/// One corpus message: file name, bytes, expected sender, expected subject.
pub type CorpusEntry = (String, Vec<u8>, Option<String>, Option<String>);

/// The corpus (tests/corpus, with expected.tsv).
pub fn corpus() -> Vec<CorpusEntry> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let expected = std::fs::read_to_string(dir.join("expected.tsv")).unwrap_or_else(|e| panic!("{e}"));
    expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let opt = |s: &str| (s != "-").then(|| s.to_string());
            let bytes = std::fs::read(dir.join(cols[0])).unwrap_or_else(|e| panic!("{}: {e}", cols[0]));
            (cols[0].to_string(), bytes, opt(cols[1]), opt(cols[2]))
        })
        .collect()
}

/// Fetcher timings short enough for tests.
pub fn quick_fetch() -> candor_email::fetcher::FetchConfig {
    use std::time::Duration;
    candor_email::fetcher::FetchConfig {
        poll: Duration::from_millis(200),
        idle: Duration::from_secs(2),
        retry_min: Duration::from_millis(100),
        retry_max: Duration::from_millis(400),
        timeout: Duration::from_secs(3),
        refresh: Duration::from_millis(100),
        lease: Duration::from_millis(600),
    }
}
