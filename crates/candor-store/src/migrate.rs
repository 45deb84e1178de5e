//! Embedded migrations, one folder per backend. Never edit an applied
//! migration; add a new one (and its twin for the other backend).

use crate::db::{Db, Pools};
use crate::error::Result;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

/// (version, description, SQLite text, PostgreSQL text)
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "customers",
        include_str!("../migrations/sqlite/0002_customers.sql"),
        include_str!("../migrations/postgres/0002_customers.sql"),
    ),
    (
        3,
        "conversations",
        include_str!("../migrations/sqlite/0003_conversations.sql"),
        include_str!("../migrations/postgres/0003_conversations.sql"),
    ),
    (
        10,
        "community",
        include_str!("../migrations/sqlite/0010_community.sql"),
        include_str!("../migrations/postgres/0010_community.sql"),
    ),
    (
        20,
        "commitments",
        include_str!("../migrations/sqlite/0020_commitments.sql"),
        include_str!("../migrations/postgres/0020_commitments.sql"),
    ),
    (
        21,
        "pact",
        include_str!("../migrations/sqlite/0021_pact.sql"),
        include_str!("../migrations/postgres/0021_pact.sql"),
    ),
    (
        24,
        "likeness keys",
        include_str!("../migrations/sqlite/0024_likeness_keys.sql"),
        include_str!("../migrations/postgres/0024_likeness_keys.sql"),
    ),
    (
        40,
        "email",
        include_str!("../migrations/sqlite/0040_email.sql"),
        include_str!("../migrations/postgres/0040_email.sql"),
    ),
    (
        45,
        "coach rules",
        include_str!("../migrations/sqlite/0045_coach_rules.sql"),
        include_str!("../migrations/postgres/0045_coach_rules.sql"),
    ),
    (
        46,
        "clock figures index",
        include_str!("../migrations/sqlite/0046_clock_figures_index.sql"),
        include_str!("../migrations/postgres/0046_clock_figures_index.sql"),
    ),
    (
        47,
        "phone calls",
        include_str!("../migrations/sqlite/0047_phone_calls.sql"),
        include_str!("../migrations/postgres/0047_phone_calls.sql"),
    ),
    (
        48,
        "social listening",
        include_str!("../migrations/sqlite/0048_social_listening.sql"),
        include_str!("../migrations/postgres/0048_social_listening.sql"),
    ),
    (
        49,
        "trust",
        include_str!("../migrations/sqlite/0049_trust.sql"),
        include_str!("../migrations/postgres/0049_trust.sql"),
    ),
    (
        50,
        "next actions and campaigns",
        include_str!("../migrations/sqlite/0050_actions_campaigns.sql"),
        include_str!("../migrations/postgres/0050_actions_campaigns.sql"),
    ),
    (
        51,
        "chat",
        include_str!("../migrations/sqlite/0051_chat.sql"),
        include_str!("../migrations/postgres/0051_chat.sql"),
    ),
    (
        52,
        "leases",
        include_str!("../migrations/sqlite/0052_leases.sql"),
        include_str!("../migrations/postgres/0052_leases.sql"),
    ),
];

/// The newest migration version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0)
}

fn migrator(postgres: bool) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sqlite, pg)| {
            let sql = if postgres { *pg } else { *sqlite };
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

impl Db {
    /// Applies every pending migration, each in its own transaction. On
    /// PostgreSQL an advisory lock lets many nodes start at once.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => migrator(false).run(write).await?,
            Pools::Postgres(p) => migrator(true).run(p).await?,
        }
        self.fill_likeness_keys().await?;
        Ok(())
    }

    /// The newest applied migration, or 0 on an empty database.
    pub async fn applied_version(&self) -> Result<i64> {
        let sql = "SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE";
        let version: std::result::Result<Option<i64>, sqlx::Error> =
            crate::db::read!(self, p => sqlx::query_scalar(sql).fetch_one(p).await);
        match version {
            Ok(v) => Ok(v.unwrap_or(0)),
            Err(sqlx::Error::Database(e)) if e.message().contains("_sqlx_migrations") => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether every migration this build knows has been applied.
    pub async fn is_migrated(&self) -> Result<bool> {
        let sql = "SELECT version FROM _sqlx_migrations WHERE success = TRUE";
        let applied: std::result::Result<Vec<i64>, sqlx::Error> =
            crate::db::read!(self, p => sqlx::query_scalar(sql).fetch_all(p).await);
        let applied = match applied {
            Ok(v) => v,
            Err(sqlx::Error::Database(e)) if e.message().contains("_sqlx_migrations") => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(MIGRATIONS.iter().all(|m| applied.contains(&m.0)))
    }
}
