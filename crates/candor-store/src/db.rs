//! One database handle over SQLite or PostgreSQL, picked strictly by the URL
//! scheme, with the same SQL text for both wherever the two agree.

use crate::error::{Result, StoreError};
use crate::sql::{Sql, bind_args};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// The SQLite writer's page cache, in SQLite's notation (negative: KiB).
const WRITER_CACHE_KIB: &str = "-65536";

/// Prepared statements the SQLite writer keeps: deferred writes (see
/// [`Tx::defer`]) add a joined text for each sequence of writes a
/// path makes, beside the single statements.
const WRITER_STATEMENTS: usize = 400;

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
    /// SQLite's group commit (see [`Db::write`]); none on PostgreSQL.
    pub(crate) batcher: Option<crate::batch::Batcher>,
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

/// Runs `$body` with `$c` bound to the open transaction inside `$tx`, after
/// the writes deferred so far (see [`Tx::defer`]), so it sees them.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx.flush().await {
            Err(e) => Err(e),
            Ok(()) => match &mut $tx.inner {
                $crate::db::TxInner::Sqlite($c) => $body,
                $crate::db::TxInner::Postgres($c) => $body,
            },
        }
    };
}
pub(crate) use on_tx;

/// An open transaction: every change and its events commit together.
pub struct Tx {
    pub(crate) inner: TxInner,
    /// Writes whose answer nobody waits for, sent together before the next
    /// statement or the commit.
    deferred: Deferred,
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) fn new(inner: TxInner) -> Self {
        Self {
            inner,
            deferred: Deferred::default(),
        }
    }

    /// Queues a write whose outcome nobody reads (an event, a counter, a row
    /// saved as it stands). It runs before the transaction's next statement
    /// or its commit, whichever comes first; an error it meets surfaces
    /// there. Only writes that fail for no reason but a broken database
    /// belong here: a write that may meet a conflict the caller answers must
    /// run at once.
    pub(crate) async fn defer(&mut self, sql: Sql) -> Result<()> {
        self.deferred.push(sql);
        if self.deferred.args >= DEFERRED_ARGS_MAX {
            self.flush().await?;
        }
        Ok(())
    }

    /// Runs the deferred writes: on SQLite as one multi-statement query (one
    /// trip to the connection's thread instead of one per write), on
    /// PostgreSQL one after another (its extended protocol takes one
    /// statement at a time).
    pub(crate) async fn flush(&mut self) -> sqlx::Result<()> {
        if self.deferred.statements.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.deferred);
        match &mut self.inner {
            TxInner::Sqlite(c) => {
                let sql = pending.joined();
                bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.args)
                    .execute(&mut **c)
                    .await?;
            }
            TxInner::Postgres(c) => {
                for sql in pending.statements {
                    bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), sql.args)
                        .execute(&mut **c)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Drops the deferred writes unsent; answers the first one's text.
    pub(crate) fn discard_deferred(&mut self) -> Option<String> {
        let pending = std::mem::take(&mut self.deferred);
        pending.statements.into_iter().next().map(|s| s.text)
    }

    /// Runs `sql` (no bound values) at once, after the deferred writes.
    pub(crate) async fn execute_now(&mut self, sql: &'static str) -> Result<()> {
        on_tx!(self, c => sqlx::raw_sql(sql).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Makes every change in the transaction permanent.
    pub async fn commit(mut self) -> Result<()> {
        self.flush().await?;
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

/// Bound values deferred before they are sent anyway: far below SQLite's
/// limit of 32,766 per statement, and a bound on what a transaction holds.
const DEFERRED_ARGS_MAX: usize = 2_000;

/// Deferred writes in the order they were made.
#[derive(Default)]
struct Deferred {
    statements: Vec<Sql>,
    /// Every statement's values, counted for the bound above.
    args: usize,
}

impl Deferred {
    fn push(&mut self, sql: Sql) {
        self.args += sql.args.len();
        self.statements.push(sql);
    }

    /// One text of every statement, each one's `$n` moved past the values
    /// of those before it (SQLite numbers `$n` across the whole text).
    fn joined(self) -> Sql {
        let mut out = Sql::default();
        for sql in self.statements {
            out.text.push_str(&renumber(&sql.text, out.args.len()));
            out.text.push_str(";\n");
            out.args.extend(sql.args);
        }
        out
    }
}

/// `text` with every `$n` placeholder raised by `offset`. Deferred texts are
/// the store's own, with `$` only in placeholders.
fn renumber(text: &str, offset: usize) -> String {
    if offset == 0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at + 1]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
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
                    batcher: None,
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
        // The writer keeps the journals of statements and savepoints in
        // memory: in a file they were most of what a write wrote (some
        // 250 KB per opened conversation).
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
            .connect_with(
                opts.clone()
                    .pragma("cache_size", WRITER_CACHE_KIB)
                    .pragma("temp_store", "memory")
                    .statement_cache_capacity(WRITER_STATEMENTS),
            )
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
            batcher: Some(crate::batch::Batcher::start(write.clone())),
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
        Ok(Tx::new(inner))
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        read!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Closes every connection; waits for those in use to come back, and
    /// first for the writes queued for SQLite's writer.
    pub async fn close(&self) {
        if self.batcher.is_some() {
            // The queue runs in order: when this empty write is through, so is every one before it.
            let drained = self
                .write::<_, StoreError, _>(|_| Box::pin(async { Ok(crate::batch::Finish::Discard(())) }))
                .await;
            if let Err(e) = drained {
                tracing::warn!(error = %e, "writes still queued at close");
            }
        }
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
    fn deferred_writes_join_with_placeholders_renumbered() {
        let mut d = Deferred::default();
        let mut a = Sql::new("INSERT INTO t (a, b) VALUES (");
        a.bind(crate::sql::Arg::I64(1))
            .push(", ")
            .bind(crate::sql::Arg::I64(2))
            .push(")");
        let mut b = Sql::new("UPDATE t SET b = ");
        b.bind(crate::sql::Arg::I64(3)).push(" WHERE a = $1");
        d.push(a);
        d.push(b);
        assert_eq!(d.args, 3);
        let joined = d.joined();
        assert_eq!(
            joined.text,
            "INSERT INTO t (a, b) VALUES ($1, $2);\nUPDATE t SET b = $3 WHERE a = $3;\n"
        );
        assert_eq!(joined.args.len(), 3);
        assert_eq!(
            renumber("x = $10 AND y = $2 AND z = '$'", 5),
            "x = $15 AND y = $7 AND z = '$'"
        );
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
