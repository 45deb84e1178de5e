//! The data set: a list of generator steps run in order. The first makes a
//! workspace, its owner and an API token through candor-app (so the token is
//! real); the others write rows straight into the tables in large batches.

use crate::ceiling_schema;
use crate::database::{Conn, FreshDb};
use crate::seed::{Pool, Seed};
use anyhow::{Context, Result, anyhow};
use candor_app::{App, accounts};
use candor_core::SystemClock;
use candor_core::events::{Actor, kind};
use candor_store::secrets::hash_secret;
use candor_store::{Backend, Db};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sqlx::{Connection, Executor};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// How big the data set is.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Scale {
    /// Its name (`small`, `full`).
    pub name: &'static str,
    /// Staff members besides the owner.
    pub staff: u64,
    /// API tokens besides the owner's.
    pub tokens: u64,
    /// Events in the log.
    pub events: u64,
    /// Rows in the ceiling server's table.
    pub ceiling_rows: u64,
}

/// A quick check: seconds to generate.
pub const SMALL: Scale = Scale {
    name: "small",
    staff: 20,
    tokens: 200,
    events: 20_000,
    ceiling_rows: 10_000,
};

/// The sizes the figures are quoted at.
pub const FULL: Scale = Scale {
    name: "full",
    staff: 200,
    tokens: 5_000,
    events: 1_000_000,
    ceiling_rows: 1_000_000,
};

/// A scale by name.
pub fn scale(name: &str) -> Result<Scale> {
    match name {
        "small" => Ok(SMALL),
        "full" => Ok(FULL),
        other => Err(anyhow!("--scale: \"{other}\" is not small or full")),
    }
}

/// A value in a generated row.
#[derive(Clone, Debug)]
pub enum V {
    /// An id (BLOB in SQLite, UUID in PostgreSQL).
    Uuid(Uuid),
    /// A BIGINT (times are microseconds).
    Int(i64),
    /// TEXT.
    Text(String),
    /// BOOLEAN.
    Bool(bool),
}

/// What a step's future is.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + 'a>>;

/// One generator step.
pub struct Step {
    /// Its name, in the report.
    pub name: &'static str,
    /// What it does.
    pub run: for<'a> fn(&'a mut Gen) -> StepFuture<'a>,
}

/// The steps, in order.
pub const STEPS: &[Step] = &[
    Step {
        name: "workspace",
        run: workspace,
    },
    Step {
        name: "staff",
        run: staff,
    },
    Step {
        name: "tokens",
        run: tokens,
    },
    Step {
        name: "events",
        run: events,
    },
    Step {
        name: "ceiling-rows",
        run: ceiling_rows,
    },
];

/// What a step has at hand.
pub struct Gen {
    /// Which backend.
    pub backend: Backend,
    /// Candor's operations over the database.
    pub app: App,
    /// A raw connection for bulk writes.
    pub conn: Conn,
    /// How much to make.
    pub scale: Scale,
    /// What the scenarios will need; steps fill it.
    pub seed: Seed,
    /// Rows written, by table.
    pub rows: BTreeMap<String, u64>,
    /// Generated rows are spread over the year before this moment.
    pub now: Timestamp,
}

/// How long a step took and what it wrote.
#[derive(Clone, Debug, Serialize)]
pub struct StepReport {
    /// The step.
    pub step: &'static str,
    /// Seconds it took.
    pub seconds: f64,
}

/// What generation produced.
#[derive(Clone, Debug, Serialize)]
pub struct DataReport {
    /// The backend ("sqlite", "postgres").
    pub backend: String,
    /// The scale.
    pub scale: Scale,
    /// Each step's time.
    pub steps: Vec<StepReport>,
    /// Rows written, by table.
    pub rows: BTreeMap<String, u64>,
    /// Total seconds.
    pub seconds: f64,
}

/// The moment of the `i`th of `n` generated things, spread evenly over the
/// year before `now`, oldest first.
pub fn spread(now: Timestamp, i: u64, n: u64) -> Timestamp {
    let year = SignedDuration::from_hours(24 * 365);
    let step = year.as_micros() / i128::from(n.max(1));
    let back = year.as_micros() - step * i128::from(i);
    let back = SignedDuration::from_micros(i64::try_from(back).unwrap_or(i64::MAX));
    now.saturating_sub(back).unwrap_or(now)
}

impl Gen {
    /// Writes `rows` into `table` in multi-row INSERTs, all in one transaction.
    /// Rows are drawn from the iterator batch by batch, so a large table never
    /// sits in memory whole.
    pub async fn insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: impl IntoIterator<Item = Vec<V>>,
    ) -> Result<u64> {
        // Both backends take well over 30 000 bound values a statement.
        let per_batch = (30_000 / columns.len().max(1)).clamp(1, 2_000);
        let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
        let mut written = 0u64;
        let mut rows = rows.into_iter().peekable();
        macro_rules! write_all {
            ($db:ty, $c:expr) => {{
                let mut tx = $c.begin().await?;
                while rows.peek().is_some() {
                    let batch: Vec<Vec<V>> = rows.by_ref().take(per_batch).collect();
                    let mut qb = sqlx::QueryBuilder::<$db>::new(head.clone());
                    qb.push_values(batch, |mut b, row| {
                        for v in row {
                            match v {
                                V::Uuid(u) => b.push_bind(u),
                                V::Int(i) => b.push_bind(i),
                                V::Text(t) => b.push_bind(t),
                                V::Bool(x) => b.push_bind(x),
                            };
                        }
                    });
                    written += qb
                        .build()
                        .execute(&mut *tx)
                        .await
                        .with_context(|| format!("cannot write into {table}"))?
                        .rows_affected();
                }
                tx.commit().await?;
            }};
        }
        match &mut self.conn {
            Conn::Sqlite(c) => write_all!(sqlx::Sqlite, c),
            Conn::Postgres(c) => write_all!(sqlx::Postgres, c),
        }
        *self.rows.entry(table.to_string()).or_default() += written;
        Ok(written)
    }

    /// Runs one statement on the raw connection.
    pub async fn execute(&mut self, sql: &str) -> Result<()> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &mut self.conn {
            Conn::Sqlite(c) => c.execute(sql).await.map(|_| ())?,
            Conn::Postgres(c) => c.execute(sql).await.map(|_| ())?,
        }
        Ok(())
    }
}

/// Runs every step on a freshly migrated database.
pub async fn generate(db: &FreshDb, scale: Scale) -> Result<(Seed, DataReport)> {
    let started = Instant::now();
    let store = Db::connect(&db.url).await.map_err(|e| anyhow!("{e}"))?;
    let mut g = Gen {
        backend: db.backend,
        app: App::new(store.clone(), Arc::new(SystemClock)),
        conn: db.connect().await?,
        scale,
        seed: Seed::default(),
        rows: BTreeMap::new(),
        now: Timestamp::now(),
    };
    let mut steps = Vec::new();
    for step in STEPS {
        let t = Instant::now();
        (step.run)(&mut g)
            .await
            .with_context(|| format!("data step \"{}\"", step.name))?;
        steps.push(StepReport {
            step: step.name,
            seconds: t.elapsed().as_secs_f64(),
        });
    }
    // Fresh statistics, as a database that has lived a while would have.
    g.execute(match g.backend {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "VACUUM ANALYZE",
    })
    .await?;
    store.close().await;
    let report = DataReport {
        backend: match g.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
        .to_string(),
        scale,
        steps,
        rows: g.rows,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((g.seed, report))
}

/// The workspace, its owner and the owner's API token (`{token}`).
fn workspace(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, owner) = accounts::create_owner(
            &g.app,
            "Bench Company",
            "owner@bench.example",
            "Bench Owner",
            "a long password for the benchmark",
        )
        .await?;
        let (_, token) = accounts::create_token(&g.app, Actor::System, &owner, "bench", &[]).await?;
        g.seed.workspace_id = ws.id.as_uuid();
        g.seed.owner_id = owner.id.as_uuid();
        g.seed.var("token", token);
        Ok(())
    })
}

/// Agents of the workspace (`{staff_id}`).
fn staff(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, n, now) = (g.seed.workspace_id, g.scale.staff, g.now);
        let rows: Vec<Vec<V>> = (0..n)
            .map(|i| {
                let at = spread(now, i, n);
                vec![
                    V::Uuid(candor_core::ids::uuid_v7_at(at)),
                    V::Uuid(ws),
                    V::Text(format!("agent{i}@bench.example")),
                    V::Text(format!("Agent Number {i}")),
                    V::Text("agent".into()),
                    V::Bool(true),
                    V::Int(at.as_microsecond()),
                ]
            })
            .collect();
        let ids: Vec<Uuid> = rows
            .iter()
            .filter_map(|r| match r.first() {
                Some(V::Uuid(u)) => Some(*u),
                _ => None,
            })
            .collect();
        let columns = ["id", "workspace_id", "email", "name", "role", "active", "created_at"];
        g.insert("users", &columns, rows).await?;
        g.seed.pool("staff_id", Pool::sample(&ids));
        Ok(())
    })
}

/// Tokens of the agents, so token lookups search a table of some size.
fn tokens(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, n, now) = (g.seed.workspace_id, g.scale.tokens, g.now);
        let Some(Pool::List(staff)) = g.seed.pools.get("staff_id").cloned() else {
            return Ok(());
        };
        let staff: Vec<Uuid> = staff.iter().filter_map(|s| s.parse().ok()).collect();
        if staff.is_empty() {
            return Ok(());
        }
        let rows = (0..n).map(move |i| {
            let at = spread(now, i, n);
            let secret = format!("cnd_bench_{i:08}");
            vec![
                V::Uuid(candor_core::ids::uuid_v7_at(at)),
                V::Uuid(ws),
                V::Uuid(staff[i as usize % staff.len()]),
                V::Text(format!("integration {i}")),
                V::Text(hash_secret(&secret)),
                V::Text(secret.chars().take(10).collect()),
                V::Text("read write".into()),
                V::Int(at.as_microsecond()),
            ]
        });
        let columns = [
            "id",
            "workspace_id",
            "user_id",
            "name",
            "token_hash",
            "prefix",
            "scopes",
            "created_at",
        ];
        g.insert("api_tokens", &columns, rows).await?;
        Ok(())
    })
}

/// A year of the event log: sign-ins of the staff.
fn events(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, n, now) = (g.seed.workspace_id, g.scale.events, g.now);
        let mut people: Vec<Uuid> = match g.seed.pools.get("staff_id") {
            Some(Pool::List(ids)) => ids.iter().filter_map(|s| s.parse().ok()).collect(),
            _ => Vec::new(),
        };
        people.push(g.seed.owner_id);
        let rows = (0..n).map(move |i| {
            let at = spread(now, i, n);
            let who = people[i as usize % people.len()];
            vec![
                V::Uuid(candor_core::ids::uuid_v7_at(at)),
                V::Uuid(ws),
                V::Int(at.as_microsecond()),
                V::Text(Actor::Staff(candor_core::UserId::from_uuid(who)).kind().into()),
                V::Uuid(who),
                V::Text(kind::STAFF_SIGNED_IN.into()),
                V::Text("user".into()),
                V::Uuid(who),
                V::Text("{}".into()),
            ]
        });
        let columns = [
            "id",
            "workspace_id",
            "at",
            "actor_type",
            "actor_id",
            "kind",
            "subject_type",
            "subject_id",
            "payload",
        ];
        g.insert("events", &columns, rows).await?;
        Ok(())
    })
}

/// The ceiling server's table (`{row_id}` draws from its keys).
fn ceiling_rows(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        g.execute(ceiling_schema::create_sql(g.backend)).await?;
        let (n, now) = (g.scale.ceiling_rows, g.now);
        let rows = (0..n).map(move |i| {
            vec![
                V::Int(spread(now, i, n).as_microsecond()),
                V::Text(format!("row {i}")),
                V::Text(ceiling_schema::BODY.into()),
            ]
        });
        g.insert(ceiling_schema::TABLE, &["created_at", "name", "body"], rows)
            .await?;
        g.seed.pool("row_id", Pool::Range { lo: 1, hi: n.max(1) });
        Ok(())
    })
}
