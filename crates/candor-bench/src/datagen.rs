//! The data set: a list of generator steps run in order. The first makes a
//! workspace, its owner and an API token through candor-app (so the token is
//! real); the others write rows straight into the tables in large batches.

use crate::bulk::{self, Bulk};
use crate::buying;
use crate::ceiling_schema;
use crate::clocks::Thread;
use crate::community;
use crate::database::{Conn, FreshDb};
use crate::inbox::{self, Routing};
use crate::pact;
use crate::people::{self, People};
use crate::seed::{Pool, Seed};
use anyhow::{Context, Result, anyhow};
use candor_app::{App, accounts};
use candor_core::SystemClock;
use candor_core::events::{Actor, kind};
use candor_store::secrets::hash_secret;
use candor_store::{Backend, Db};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sqlx::Executor;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
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
    /// Organizations customers belong to.
    pub organizations: u64,
    /// Customers (about three identities each).
    pub customers: u64,
    /// Purchases over two years.
    pub purchases: u64,
    /// Conversations over two years (about five messages each).
    pub conversations: u64,
    /// Events in the timeline of the customer with many events.
    pub heavy_events: u64,
    /// Of the conversations, those of that customer.
    pub heavy_conversations: u64,
    /// Of the purchases, those of that customer.
    pub heavy_purchases: u64,
    /// Rows of the purchases CSV whose import is timed.
    pub import_rows: u64,
    /// Topics in the public community.
    pub topics: u64,
    /// Replies of the community topic whose page is measured.
    pub topic_replies: u64,
}

/// A quick check: seconds to generate.
pub const SMALL: Scale = Scale {
    name: "small",
    staff: 20,
    tokens: 200,
    events: 20_000,
    ceiling_rows: 10_000,
    organizations: 10,
    customers: 1_000,
    purchases: 10_000,
    conversations: 10_000,
    heavy_events: 10_000,
    heavy_conversations: 600,
    heavy_purchases: 400,
    import_rows: 1_000,
    topics: 1_000,
    topic_replies: 200,
};

/// The sizes the figures are quoted at.
pub const FULL: Scale = Scale {
    name: "full",
    staff: 200,
    tokens: 5_000,
    events: 1_000_000,
    ceiling_rows: 1_000_000,
    organizations: 1_000,
    customers: 100_000,
    purchases: 1_000_000,
    conversations: 1_000_000,
    heavy_events: 10_000,
    heavy_conversations: 600,
    heavy_purchases: 400,
    import_rows: 100_000,
    topics: 100_000,
    topic_replies: 200,
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
    /// DOUBLE PRECISION.
    Float(f64),
    /// An id or NULL.
    OptUuid(Option<Uuid>),
    /// A BIGINT or NULL.
    OptInt(Option<i64>),
    /// TEXT or NULL.
    OptText(Option<String>),
    /// DOUBLE PRECISION or NULL.
    OptFloat(Option<f64>),
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
        name: "teams",
        run: inbox::teams,
    },
    Step {
        name: "organizations",
        run: people::organizations,
    },
    Step {
        name: "customers",
        run: people::customers,
    },
    Step {
        name: "purchases",
        run: buying::purchases,
    },
    Step {
        name: "value-refresh",
        run: buying::value_refresh,
    },
    Step {
        name: "conversations",
        run: inbox::conversations,
    },
    Step {
        name: "commitments",
        run: pact::commitments,
    },
    Step {
        name: "community",
        run: community::community,
    },
    Step {
        name: "heavy-customer",
        run: buying::heavy_customer,
    },
    Step {
        name: "segment",
        run: buying::segment,
    },
    Step {
        name: "import-file",
        run: buying::import_file,
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
    /// Generated rows are spread over the years before this moment.
    pub now: Timestamp,
    /// The customers made so far, for the steps after theirs.
    pub people: People,
    /// Teams, rules and staff, for the conversations.
    pub routing: Routing,
    /// What happened in each conversation, for the commitments step.
    pub threads: Vec<Thread>,
    /// The run's temporary directory (the import file goes there).
    pub work_dir: PathBuf,
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

/// The moment of the `i`th of `n` things spread evenly from `from` to `to`,
/// oldest first.
pub fn between(from: Timestamp, to: Timestamp, i: u64, n: u64) -> Timestamp {
    let span = to.duration_since(from).as_micros();
    let step = span / i128::from(n.max(1));
    let at = SignedDuration::from_micros(i64::try_from(step * i128::from(i)).unwrap_or(0));
    from.saturating_add(at).unwrap_or(from)
}

impl Gen {
    /// Writes `rows` into `table` (see [`Bulk`]). Rows are drawn from the
    /// iterator batch by batch, so a large table never sits in memory whole.
    pub async fn insert(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: impl IntoIterator<Item = Vec<V>>,
    ) -> Result<u64> {
        let mut bulk = Bulk::new(self.backend, &[(table, columns)]);
        for row in rows {
            self.put(&mut bulk, 0, row).await?;
        }
        let written = self.finish(bulk).await?;
        Ok(written)
    }

    /// Adds a row for table `t` of `bulk`, writing a batch when one is full.
    /// The tables before `t` (its parents) are written first, so that
    /// foreign keys always find their rows.
    pub async fn put(&mut self, bulk: &mut Bulk, t: usize, row: Vec<V>) -> Result<()> {
        if !bulk.push(t, row) {
            return Ok(());
        }
        for table in 0..=t {
            self.flush_table(bulk, table).await?;
        }
        if bulk.since_commit >= bulk::COMMIT_EVERY {
            for table in 0..bulk.tables.len() {
                self.flush_table(bulk, table).await?;
            }
            self.execute("COMMIT").await?;
            bulk.in_tx = false;
            bulk.since_commit = 0;
        }
        Ok(())
    }

    async fn flush_table(&mut self, bulk: &mut Bulk, t: usize) -> Result<()> {
        if bulk.tables[t].rows.is_empty() {
            return Ok(());
        }
        if !bulk.in_tx {
            self.execute("BEGIN").await?;
            bulk.in_tx = true;
        }
        let started = Instant::now();
        let n = bulk::write_batch(&mut self.conn, &mut bulk.tables[t]).await?;
        bulk.writing += started.elapsed();
        bulk.since_commit += n;
        Ok(())
    }

    /// Writes what `bulk` still holds, commits, and counts the rows written.
    /// Returns the rows written into all of its tables.
    pub async fn finish(&mut self, mut bulk: Bulk) -> Result<u64> {
        for t in 0..bulk.tables.len() {
            self.flush_table(&mut bulk, t).await?;
        }
        if bulk.in_tx {
            self.execute("COMMIT").await?;
        }
        if std::env::var_os("CANDOR_BENCH_PROFILE").is_some() {
            eprintln!(
                "   ({:.1} s writing {})",
                bulk.writing.as_secs_f64(),
                bulk.tables.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
            );
        }
        let mut total = 0;
        for t in &bulk.tables {
            *self.rows.entry(t.name.to_string()).or_default() += t.written;
            total += t.written;
        }
        Ok(total)
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
pub async fn generate(db: &FreshDb, scale: Scale, work_dir: &Path) -> Result<(Seed, DataReport)> {
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
        people: People::default(),
        routing: Routing::default(),
        threads: Vec::new(),
        work_dir: work_dir.to_path_buf(),
    };
    if g.backend == Backend::Sqlite {
        // A large page cache while the indexes of millions of rows are built.
        g.execute("PRAGMA cache_size = -1000000").await?;
    }
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
        g.seed.workspace_slug = ws.slug.clone();
        g.seed.var("workspace_slug", ws.slug.clone());
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
        let columns: &'static [&'static str] = &["id", "workspace_id", "email", "name", "role", "active", "created_at"];
        g.insert("users", columns, rows).await?;
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
        let columns: &'static [&'static str] = &[
            "id",
            "workspace_id",
            "user_id",
            "name",
            "token_hash",
            "prefix",
            "scopes",
            "created_at",
        ];
        g.insert("api_tokens", columns, rows).await?;
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
        let columns: &'static [&'static str] = &[
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
        g.insert("events", columns, rows).await?;
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
