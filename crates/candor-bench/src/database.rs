//! A fresh database per backend and run, and a raw connection to fill it.

use anyhow::{Context, Result, anyhow};
use candor_store::Backend;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// A database made for one run.
#[derive(Debug)]
pub struct FreshDb {
    /// Which backend.
    pub backend: Backend,
    /// Its URL, for sqlx and for `candor --database-url`.
    pub url: String,
    /// SQLite: Candor's data directory, holding `candor.db`.
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL: the server's maintenance URL and the database's name.
    pg: Option<(String, String)>,
}

/// `postgres://user@host:port` without any database path.
fn server_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    match rest.find('/') {
        Some(slash) => url[..scheme_end + 3 + slash].to_string(),
        None => url.to_string(),
    }
}

impl FreshDb {
    /// Creates an empty database: a SQLite file in `work_dir`, or a new
    /// database `candor_bench_<time>` on the PostgreSQL server of `pg_url`.
    pub async fn create(backend: Backend, pg_url: &str, work_dir: &Path) -> Result<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = work_dir.join("sqlite-data");
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                Ok(Self {
                    backend,
                    url: format!("sqlite://{}", dir.join("candor.db").display()),
                    data_dir: Some(dir),
                    pg: None,
                })
            }
            Backend::Postgres => {
                let server = server_url(pg_url);
                let admin = format!("{server}/postgres");
                let stamp = jiff::Timestamp::now().as_millisecond();
                let name = format!("candor_bench_{stamp}");
                let mut c = PgConnection::connect(&admin)
                    .await
                    .with_context(|| format!("cannot reach PostgreSQL at {admin}"))?;
                c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .with_context(|| format!("cannot create the database {name}"))?;
                c.close().await.ok();
                Ok(Self {
                    backend,
                    url: format!("{server}/{name}"),
                    data_dir: None,
                    pg: Some((admin, name)),
                })
            }
        }
    }

    /// A SQLite data directory kept across runs (`--reuse-data`).
    pub fn kept_sqlite(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("--reuse-data: cannot create {}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("--reuse-data: cannot resolve {}", dir.display()))?;
        Ok(Self {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", dir.join("candor.db").display()),
            data_dir: Some(dir),
            pg: None,
        })
    }

    /// Removes a PostgreSQL database (a SQLite file goes with the run's
    /// temporary directory).
    pub async fn drop_database(&self) -> Result<()> {
        if let Some((admin, name)) = &self.pg {
            let mut c = PgConnection::connect(admin).await?;
            c.execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await
            .with_context(|| format!("cannot drop the database {name}"))?;
            c.close().await.ok();
        }
        Ok(())
    }

    /// A connection for bulk writes, with Candor's SQLite settings.
    pub async fn connect(&self) -> Result<Conn> {
        match self.backend {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(&self.url)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30));
                Ok(Conn::Sqlite(opts.connect().await?))
            }
            Backend::Postgres => Ok(Conn::Postgres(
                PgConnection::connect(&self.url)
                    .await
                    .map_err(|e| anyhow!("cannot connect to {}: {e}", self.url))?,
            )),
        }
    }
}

/// A raw connection to either backend.
pub enum Conn {
    /// SQLite.
    Sqlite(SqliteConnection),
    /// PostgreSQL.
    Postgres(PgConnection),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_part_of_a_url() {
        assert_eq!(
            server_url("postgres://postgres@127.0.0.1:5432"),
            "postgres://postgres@127.0.0.1:5432"
        );
        assert_eq!(
            server_url("postgres://u@h:5432/x?sslmode=disable"),
            "postgres://u@h:5432"
        );
    }
}
