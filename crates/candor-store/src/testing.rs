//! Fresh databases for tests: a SQLite file in a temporary directory, or a new
//! database on the local PostgreSQL server (`CANDOR_TEST_PG_URL`, by default
//! postgres://postgres@127.0.0.1:5432/postgres).

use crate::db::Db;
use crate::error::{Result, StoreError};
use sqlx::Connection;

/// A migrated database that exists for one test.
pub struct TestDb {
    /// The handle.
    pub db: Db,
    /// The URL it was opened with.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Postgres { name: String },
}

/// The server tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("CANDOR_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A URL for a new, empty PostgreSQL database; the database is created.
pub async fn new_pg_database() -> Result<(String, String)> {
    let admin = pg_admin_url();
    // The creating process's id is in the name so that the test command can
    // drop what interrupted runs left behind without touching running ones.
    let name = format!("candor_t_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Ok((format!("{base}/{name}"), name))
}

/// Drops a database made by [`new_pg_database`].
pub async fn drop_pg_database(name: &str) -> Result<()> {
    if !name.starts_with("candor_t_") || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Config(format!("refusing to drop {name}")));
    }
    let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

impl TestDb {
    /// A migrated SQLite database in a temporary directory.
    pub async fn sqlite() -> Result<Self> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Config(e.to_string()))?;
        let url = format!("sqlite://{}/candor.db", dir.path().display());
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            url,
            cleanup: Cleanup::Dir(dir),
        })
    }

    /// A migrated, fresh PostgreSQL database.
    pub async fn postgres() -> Result<Self> {
        let (url, name) = new_pg_database().await?;
        let db = Db::connect_with(&url, 8).await?;
        db.migrate().await?;
        Ok(Self {
            db,
            url,
            cleanup: Cleanup::Postgres { name },
        })
    }

    /// Closes the database and removes it.
    pub async fn finish(self) {
        self.db.close().await;
        if let Cleanup::Postgres { name } = &self.cleanup {
            let _ = drop_pg_database(name).await;
        }
    }
}

/// Clears the duplicate-detection keys, as rows written before they existed have them.
pub async fn forget_likeness_keys(db: &crate::Db) -> Result<()> {
    let mut tx = db.begin().await?;
    for sql in [
        "UPDATE customer_identities SET match_key = NULL",
        "UPDATE customers SET name_first_block = NULL, name_last_block = NULL",
    ] {
        crate::db::on_tx!(tx, x => sqlx::query(sql).execute(&mut **x).await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await
}

/// Declares a test that runs `$body(db: Db)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($module:ident, $body:ident) => {
        mod $module {
            #[tokio::test]
            async fn sqlite() {
                let t = $crate::testing::TestDb::sqlite()
                    .await
                    .expect("sqlite test database");
                super::$body(t.db.clone()).await;
                t.finish().await;
            }
            #[tokio::test]
            async fn postgres() {
                let t = $crate::testing::TestDb::postgres()
                    .await
                    .expect("postgres test database");
                super::$body(t.db.clone()).await;
                t.finish().await;
            }
        }
    };
}
