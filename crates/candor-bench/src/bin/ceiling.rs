//! The ceiling server: the smallest axum + sqlx program doing the bare
//! version of each benchmark scenario, on the database settings Candor uses
//! (SQLite: WAL, synchronous=NORMAL, one writer connection and a read pool,
//! neither tested before each use;
//! PostgreSQL: one pool of 16). What it reaches on a machine is the most
//! Candor could reach there; Candor's figures are read as ratios of these.
//!
//! `candor-ceiling --database-url URL --listen 127.0.0.1:0` prints
//! "Ceiling is running at http://ADDR" when ready and stops on SIGTERM.

use anyhow::{Context, Result, anyhow};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use candor_bench::ceiling_schema::{COLUMNS, TABLE, create_sql};
use candor_store::Backend;
use clap::Parser;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::io::Write;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// The bare version of each benchmark scenario.
#[derive(Parser, Debug)]
#[command(name = "candor-ceiling", about)]
struct Args {
    /// sqlite://PATH or postgres://…, the database Candor uses in the same run.
    #[arg(long)]
    database_url: String,
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

#[derive(Clone)]
enum Pools {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the pool for reads or writes.
macro_rules! with_pool {
    ($pools:expr, $kind:ident, $p:ident => $body:expr) => {
        match $pools {
            Pools::Sqlite { $kind: $p, .. } => $body,
            Pools::Postgres($p) => $body,
        }
    };
}

#[derive(Serialize, sqlx::FromRow)]
struct Row {
    id: i64,
    created_at: i64,
    name: String,
    body: String,
}

#[derive(Deserialize)]
struct NewRow {
    name: String,
    body: String,
}

type Answer<T> = Result<T, (StatusCode, String)>;

fn fail(e: sqlx::Error) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn now_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

async fn insert(State(pools): State<Pools>, Json(row): Json<NewRow>) -> Answer<(StatusCode, Json<Value>)> {
    let sql = "INSERT INTO ceiling_rows (created_at, name, body) VALUES ($1, $2, $3) RETURNING id";
    let id: i64 = with_pool!(&pools, write, p => sqlx::query_scalar(sql)
        .bind(now_micros()).bind(&row.name).bind(&row.body).fetch_one(p).await)
    .map_err(fail)?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

async fn newest(State(pools): State<Pools>) -> Answer<Json<Value>> {
    let sql = format!("SELECT {COLUMNS} FROM {TABLE} ORDER BY id DESC LIMIT 50");
    let rows: Vec<Row> =
        with_pool!(&pools, read, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await).map_err(fail)?;
    Ok(Json(json!({"items": rows})))
}

async fn row(State(pools): State<Pools>, Path(id): Path<i64>) -> Answer<Json<Row>> {
    let sql = format!("SELECT {COLUMNS} FROM {TABLE} WHERE id = $1");
    let row: Option<Row> =
        with_pool!(&pools, read, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)
            .map_err(fail)?;
    row.map(Json).ok_or((StatusCode::NOT_FOUND, "no such row".into()))
}

#[derive(Deserialize)]
struct Upto {
    upto: i64,
}

/// A count over the first `upto` rows with a filter no index serves: a scan
/// as large as the table a segment count runs over.
async fn count(State(pools): State<Pools>, Query(q): Query<Upto>) -> Answer<Json<Value>> {
    let sql = format!("SELECT COUNT(*) FROM {TABLE} WHERE id <= $1 AND name LIKE '%7%'");
    let n: i64 =
        with_pool!(&pools, read, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(q.upto).fetch_one(p).await)
            .map_err(fail)?;
    Ok(Json(json!({"count": n})))
}

async fn connect(url: &str) -> Result<(Pools, Backend)> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(opts.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(opts.read_only(true))
            .await?;
        Ok((Pools::Sqlite { read, write }, Backend::Sqlite))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok((Pools::Postgres(pool), Backend::Postgres))
    } else {
        Err(anyhow!("--database-url must start with sqlite:// or postgres://"))
    }
}

async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (pools, backend) = connect(&args.database_url).await.context("cannot open the database")?;
    with_pool!(&pools, write, p => sqlx::query(sqlx::AssertSqlSafe(create_sql(backend))).execute(p).await.map(|_| ()))
        .context("cannot create the ceiling table")?;
    let app = Router::new()
        .route("/insert", post(insert))
        .route("/newest", get(newest))
        .route("/row/{id}", get(row))
        .route("/count", get(count))
        .with_state(pools.clone());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    println!("Ceiling is running at http://{local}");
    std::io::stdout().flush()?;
    axum::serve(listener, app).with_graceful_shutdown(terminated()).await?;
    match &pools {
        Pools::Sqlite { read, write } => {
            read.close().await;
            write.close().await;
        }
        Pools::Postgres(p) => p.close().await,
    }
    Ok(())
}
