//! A real server on a loopback port for tests, over a fresh database, with
//! a controllable clock and helpers to make staff and tokens; and a headless
//! browser to drive its pages ([`browser`]).

mod audit;
pub mod browser;
mod driver;

pub use browser::{Browser, PageError, PageResult};

use crate::{WebConfig, WebState};
use candor_app::{App, accounts};
use candor_core::ManualClock;
use candor_core::events::Actor;
use candor_core::staff::{Role, Scope};
use candor_store::staff::{NewUser, User, Workspace};
use candor_store::testing::TestDb;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug)]
pub enum TestBackend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the local PostgreSQL server.
    Postgres,
}

/// A running server.
pub struct TestServer {
    /// e.g. http://127.0.0.1:41234
    pub base: String,
    /// Operations over the same database and clock.
    pub app: App,
    /// The clock the server reads; move it to test deadlines.
    pub clock: Arc<ManualClock>,
    db: Option<TestDb>,
    files: tempfile::TempDir,
    stop: CancellationToken,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// A workspace with an owner and the owner's all-scopes token.
pub struct Tenant {
    /// The workspace.
    pub workspace: Workspace,
    /// Its owner.
    pub owner: User,
    /// The owner's bearer token.
    pub token: String,
}

/// The password every test account gets.
pub const TEST_PASSWORD: &str = "correct horse battery";

impl TestServer {
    /// Starts a server on port 0 with the clock at 2026-03-02T09:00:00Z.
    pub async fn start(backend: TestBackend) -> Self {
        let db = match backend {
            TestBackend::Sqlite => TestDb::sqlite().await,
            TestBackend::Postgres => TestDb::postgres().await,
        }
        .unwrap_or_else(|e| panic!("test database: {e}"));
        let clock = Arc::new(ManualClock::new("2026-03-02T09:00:00Z".parse().unwrap_or_default()));
        let files = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        // A small attachment limit (1 MiB) so tests can go past it cheaply.
        let app = App::new(db.db.clone(), clock.clone())
            .with_files(candor_app::files::FileStore::new(files.path(), 1024 * 1024))
            .with_secret_key(candor_store::secrets::SecretKey::generate());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("addr: {e}"));
        let base = format!("http://{addr}");
        let state = WebState::new(
            app.clone(),
            WebConfig {
                public_url: Some(base.clone()),
                dev_show_links: false,
            },
        );
        let stop = CancellationToken::new();
        let s = stop.clone();
        let task = tokio::spawn(crate::serve(listener, state, async move { s.cancelled().await }));
        Self {
            base,
            app,
            clock,
            db: Some(db),
            files,
            stop,
            task: Some(task),
        }
    }

    /// Operations over the same database through a connection of their own,
    /// as another node has: what it commits, this server's caches do not hear.
    pub async fn another_node(&self) -> App {
        let url = self.db.as_ref().map(|d| d.url.clone()).unwrap_or_default();
        let db = candor_store::Db::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("second handle on {url}: {e}"));
        App::new(db, self.clock.clone())
    }

    /// The server's data directory (attachments live in `attachments/` under it).
    pub fn data_dir(&self) -> &std::path::Path {
        self.files.path()
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates a workspace named `name` with an owner and a token.
    pub async fn tenant(&self, name: &str) -> Tenant {
        let slug_word = name.split_whitespace().next().unwrap_or("x").to_lowercase();
        let email = format!("owner@{slug_word}.example");
        let (workspace, owner) = accounts::create_owner(&self.app, name, &email, "Olivia Owner", TEST_PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("create owner: {e}"));
        let (_, token) = accounts::create_token(&self.app, Actor::System, &owner, "test", &[])
            .await
            .unwrap_or_else(|e| panic!("token: {e}"));
        Tenant {
            workspace,
            owner,
            token,
        }
    }

    /// Adds a staff member with `role` to the workspace; returns them and a
    /// token with `scopes` (empty: all their role allows).
    pub async fn staff(&self, workspace: &Workspace, name: &str, role: Role, scopes: &[Scope]) -> (User, String) {
        let hash = candor_app::passwords::hash_password(TEST_PASSWORD).unwrap_or_default();
        let email = format!(
            "{}@{}.example",
            name.split_whitespace().next().unwrap_or("x").to_lowercase(),
            workspace.slug
        );
        let mut tx = self.app.db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let user = tx
            .create_user(
                self.app.now(),
                NewUser {
                    workspace_id: workspace.id,
                    email: &email,
                    name,
                    role,
                    password_hash: Some(&hash),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let (_, token) = accounts::create_token(&self.app, Actor::System, &user, "test", scopes)
            .await
            .unwrap_or_else(|e| panic!("token: {e}"));
        (user, token)
    }

    /// Stops the server (finishing requests in flight) and removes its database.
    pub async fn finish(mut self) {
        self.app.live.close();
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(db) = self.db.take() {
            db.finish().await;
        }
    }
}

/// Declares a test that runs `$body(server)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! http_test {
    ($module:ident, $body:ident) => {
        mod $module {
            #[tokio::test]
            async fn sqlite() {
                let s = $crate::testing::TestServer::start($crate::testing::TestBackend::Sqlite).await;
                super::$body(&s).await;
                s.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let s = $crate::testing::TestServer::start($crate::testing::TestBackend::Postgres).await;
                super::$body(&s).await;
                s.finish().await;
            }
        }
    };
}
