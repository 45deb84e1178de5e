//! Customer lists by the segment query language, and saved segments.

use crate::caller::Caller;
use crate::context::App;
use crate::customers::currency_of;
use crate::error::{AppError, AppResult};
use candor_core::events::{Subject, kind};
use candor_core::segment::{self, Expr};
use candor_core::staff::Scope;
use candor_core::{CustomerId, SegmentId, WorkspaceId};
use candor_store::events::NewEvent;
use candor_store::segments::{CustomerPage, QueryContext, Segment};
use serde_json::json;

/// The default page size of lists.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page.
pub const MAX_LIMIT: u32 = 200;

/// Parses a query; errors name `field` and carry the position.
pub fn parse(field: &str, q: &str) -> AppResult<Expr> {
    segment::parse(q).map_err(|e| AppError::InvalidQuery {
        field: field.to_string(),
        message: e.to_string(),
        position: Some(e.position),
    })
}

/// What compiling a query for this workspace needs now.
pub async fn context(app: &App, ws: WorkspaceId) -> AppResult<QueryContext> {
    let time_zone = app
        .db
        .workspace(ws)
        .await
        .ok()
        .and_then(|w| jiff::tz::TimeZone::get(&w.time_zone).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(QueryContext {
        now: app.now(),
        currency: currency_of(app, ws).await?,
        time_zone,
    })
}

fn compile_error(field: &str, e: candor_store::segments::CompileError) -> AppError {
    AppError::InvalidQuery {
        field: field.to_string(),
        message: e.0,
        position: None,
    }
}

/// One page of the customers matching `q` (newest first).
pub async fn find(
    app: &App,
    caller: &Caller,
    field: &str,
    q: &str,
    after: Option<CustomerId>,
    limit: u32,
) -> AppResult<CustomerPage> {
    caller.require(Scope::Read)?;
    let expr = parse(field, q)?;
    find_expr(app, caller.workspace(), field, &expr, after, limit).await
}

/// [`find`] for a parsed query, without the scope check.
pub async fn find_expr(
    app: &App,
    ws: WorkspaceId,
    field: &str,
    expr: &Expr,
    after: Option<CustomerId>,
    limit: u32,
) -> AppResult<CustomerPage> {
    let ctx = context(app, ws).await?;
    app.db
        .find_customers(ws, expr, &ctx, after, limit.clamp(1, 1000))
        .await?
        .map_err(|e| compile_error(field, e))
}

/// How many customers match `q`.
pub async fn count(app: &App, ws: WorkspaceId, field: &str, expr: &Expr) -> AppResult<i64> {
    let ctx = context(app, ws).await?;
    app.db
        .count_customers(ws, expr, &ctx)
        .await?
        .map_err(|e| compile_error(field, e))
}

/// Saves a segment; the query is stored in canonical form.
pub async fn create(app: &App, caller: &Caller, name: &str, query: &str) -> AppResult<(Segment, i64)> {
    caller.require(Scope::Write)?;
    let ws = caller.workspace();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "give the segment a name of 1 to 100 characters",
        ));
    }
    let expr = parse("query", query)?;
    let count = count(app, ws, "query", &expr).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let segment = tx
        .create_segment(now, ws, &name, &expr.to_string(), Some(caller.user.id))
        .await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::SEGMENT_CREATED,
            subject: Subject::new("segment", segment.id.as_uuid()),
            payload: json!({"name": segment.name, "query": segment.query}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((segment, count))
}

/// Every saved segment with its current count.
pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<(Segment, i64)>> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let mut out = Vec::new();
    for s in app.db.segments(ws).await? {
        let n = match segment::parse(&s.query) {
            Ok(expr) => count(app, ws, "query", &expr).await.unwrap_or(0),
            Err(_) => 0,
        };
        out.push((s, n));
    }
    Ok(out)
}

/// A saved segment and its parsed query.
pub async fn get(app: &App, caller: &Caller, id: SegmentId) -> AppResult<(Segment, Expr)> {
    caller.require(Scope::Read)?;
    let s = app.db.segment(caller.workspace(), id).await?;
    let expr = parse("query", &s.query)?;
    Ok((s, expr))
}
