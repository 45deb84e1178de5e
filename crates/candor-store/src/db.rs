//! One database handle over SQLite or PostgreSQL, picked strictly by the URL
//! scheme, with the same SQL text for both wherever the two agree.

use crate::error::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// The SQLite writer's page cache, in SQLite's notation (negative: KiB).
const WRITER_CACHE_KIB: &str = "-65536";

/// Which database a handle talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The connection pools of one backend.
#[derive(Clone, Debug)]
pub enum Pools {
    /// SQLite takes one writer at a time, so writes share a single connection
    /// (no busy-retries, no lock upgrades) and reads get a pool of their own.
    Sqlite {
        /// Readers.
        read: SqlitePool,
        /// The one writer.
        write: SqlitePool,
    },
    /// PostgreSQL: one pool for everything.
    Postgres(PgPool),
}

/// A handle to Candor's database.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pools: Pools,
}

/// Runs `$body` with `$p` bound to the read pool of whichever backend `$db` is.
macro_rules! read {
    ($db:expr, $p:ident => $body:expr) => {
        match &$db.pools {
            $crate::db::Pools::Sqlite { read: $p, .. } => $body,
            $crate::db::Pools::Postgres($p) => $body,
        }
    };
}
pub(crate) use read;

/// Runs `$body` with `$c` bound to the open transaction inside `$tx`.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.inner {
            $crate::db::TxInner::Sqlite($c) => $body,
            $crate::db::TxInner::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_tx;

/// An open transaction: every change and its events commit together.
pub struct Tx {
    pub(crate) inner: TxInner,
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// Makes every change in the transaction permanent.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Which database the transaction runs on.
    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }
}

/// How many connections a PostgreSQL pool opens at most, unless told otherwise.
pub const DEFAULT_PG_CONNECTIONS: u32 = 16;

impl Db {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`), creating a
    /// SQLite file if missing. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, DEFAULT_PG_CONNECTIONS).await
    }

    /// Like [`Db::connect`], with a bound on PostgreSQL connections.
    pub async fn connect_with(url: &str, pg_max_connections: u32) -> Result<Self> {
        match backend_of(url)? {
            Backend::Sqlite => Self::connect_sqlite(url).await,
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("the database URL is not a valid PostgreSQL URL: {e}")))?;
                let pool = PgPoolOptions::new()
                    .max_connections(pg_max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .map_err(|e| StoreError::Config(format!("cannot reach the PostgreSQL database: {e}")))?;
                Ok(Self {
                    pools: Pools::Postgres(pool),
                })
            }
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("the database URL is not a valid SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = opts.get_filename().parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            return Err(StoreError::Config(format!(
                "the directory {} for the SQLite database does not exist",
                dir.display()
            )));
        }
        // The one writer keeps a larger page cache than SQLite's 2 MB default:
        // every write updates indexes whose pages are spread over big tables,
        // and a page evicted mid-transaction is written to the WAL again each
        // time it is touched. Readers keep the default, as there are eight.
        // A connection to a local file does not go stale while idle, so the
        // pool does not test it before each use: that test is a round trip to
        // the connection's thread, as costly as a small query.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(opts.clone().pragma("cache_size", WRITER_CACHE_KIB))
            .await
            .map_err(|e| sqlite_open_error(opts.get_filename(), e))?;
        // A file that is not a database opens fine and fails on first read.
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&write)
            .await
            .map_err(|e| sqlite_open_error(opts.get_filename(), e))?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(opts.read_only(true))
            .await
            .map_err(|e| sqlite_open_error(&Path::new("").join(url), e))?;
        Ok(Self {
            pools: Pools::Sqlite { read, write },
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// The PostgreSQL pool, for what only PostgreSQL has (LISTEN/NOTIFY).
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pools {
            Pools::Postgres(p) => Some(p),
            Pools::Sqlite { .. } => None,
        }
    }

    /// Starts a transaction for writing.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => TxInner::Sqlite(write.begin().await?),
            Pools::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        read!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Closes every connection; waits for those in use to come back.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }
}

/// The backend a URL names, strictly by its scheme.
pub fn backend_of(url: &str) -> Result<Backend> {
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
    match scheme {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" => Ok(Backend::Postgres),
        _ => Err(StoreError::Config(format!(
            "the database URL must start with sqlite:// or postgres:// (got \"{}\")",
            redact_url(url)
        ))),
    }
}

/// A URL with any password replaced, safe for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.chars().take(80).collect(),
    }
}

fn sqlite_open_error(path: &Path, e: sqlx::Error) -> StoreError {
    let text = e.to_string();
    if text.contains("not a database") || text.contains("malformed") {
        StoreError::Config(format!(
            "{} is not a readable SQLite database (it may be corrupt): {text}",
            path.display()
        ))
    } else {
        StoreError::Config(format!("cannot open the SQLite database {}: {text}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_by_scheme() {
        assert_eq!(backend_of("sqlite://data/x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("postgres://u@h/db").ok(), Some(Backend::Postgres));
        assert_eq!(backend_of("postgresql://u@h/db").ok(), Some(Backend::Postgres));
        assert!(backend_of("mysql://u@h/db").is_err());
        assert!(backend_of("data/x.db").is_err());
    }

    #[test]
    fn passwords_never_shown() {
        assert_eq!(
            redact_url("postgres://bob:secret@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://bob@db/x"), "postgres://bob@db/x");
        let msg = backend_of("mysql://bob:secret@db/x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!msg.contains("secret"), "{msg}");
    }
}
