//! Segment queries compiled to parameterised SQL (one text for both
//! databases; every value a bind), customer lists and counts, and saved segments.

use crate::customers::{CUSTOMER_COLUMNS, Customer};
use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args, contains_pattern, escape_like};
use candor_core::clock::{from_micros, to_micros};
use candor_core::customer::normalize_tag;
use candor_core::segment::{AgoUnit, Cmp, Expr, Term, When};
use candor_core::value::{Currency, Money};
use candor_core::{CustomerId, SegmentId, UserId, WorkspaceId};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use uuid::Uuid;

/// What a query needs to be compiled: the time it is asked at, the
/// workspace's currency (for `ltv`) and time zone (for dates).
#[derive(Clone, Debug)]
pub struct QueryContext {
    /// Now.
    pub now: Timestamp,
    /// The currency `ltv` amounts are read in.
    pub currency: Currency,
    /// Where calendar dates and months are counted.
    pub time_zone: TimeZone,
}

/// A query term that parses but cannot be applied (e.g. `ltv>1.234` in EUR).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CompileError(pub String);

/// Appends the SQL condition for `expr` over customers aliased `c`.
pub fn compile(expr: &Expr, ctx: &QueryContext, sql: &mut Sql) -> Result<(), CompileError> {
    match expr {
        Expr::And(parts) | Expr::Or(parts) if parts.is_empty() => {
            sql.push("1 = 1");
        }
        Expr::And(parts) | Expr::Or(parts) => {
            let joiner = if matches!(expr, Expr::And(_)) { " AND " } else { " OR " };
            sql.push("(");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                compile(part, ctx, sql)?;
            }
            sql.push(")");
        }
        Expr::Not(inner) => {
            sql.push("NOT (");
            compile(inner, ctx, sql)?;
            sql.push(")");
        }
        Expr::Term(term) => term_sql(term, ctx, sql)?,
    }
    Ok(())
}

fn op(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::Eq => " = ",
        Cmp::Gt => " > ",
        Cmp::Lt => " < ",
        Cmp::Ge => " >= ",
        Cmp::Le => " <= ",
    }
}

fn text(s: &str) -> Arg {
    Arg::Text(s.to_string())
}

fn term_sql(term: &Term, ctx: &QueryContext, sql: &mut Sql) -> Result<(), CompileError> {
    match term {
        Term::Text(t) => {
            sql.push("c.search_text LIKE ")
                .bind(Arg::Text(contains_pattern(&t.to_lowercase())))
                .push(" ESCAPE '\\'");
        }
        Term::Tier(Some(t)) => {
            sql.push("(c.tier IS NOT NULL AND c.tier = ")
                .bind(text(t.as_str()))
                .push(")");
        }
        Term::Tier(None) => {
            sql.push("c.tier IS NULL");
        }
        Term::Stage(s) => {
            sql.push("c.stage = ").bind(text(s.as_str()));
        }
        Term::Tag(t) => {
            let tag = normalize_tag(t).unwrap_or_else(|_| t.to_lowercase());
            sql.push("EXISTS (SELECT 1 FROM customer_tags t WHERE t.workspace_id = c.workspace_id AND t.customer_id = c.id AND t.tag = ")
                .bind(Arg::Text(tag))
                .push(")");
        }
        Term::Lang(l) => {
            // "de" also matches regional variants such as "de-at".
            let sub = escape_like(l);
            sql.push("(c.language IS NOT NULL AND (c.language = ")
                .bind(text(l))
                .push(" OR c.language LIKE ")
                .bind(Arg::Text(format!("{sub}-%")))
                .push(" ESCAPE '\\'))");
        }
        Term::Channel(ch) => {
            sql.push("(c.preferred_channel IS NOT NULL AND c.preferred_channel = ")
                .bind(text(ch))
                .push(")");
        }
        Term::Org(o) => {
            sql.push("(EXISTS (SELECT 1 FROM organizations o WHERE o.workspace_id = c.workspace_id AND o.id = c.organization_id AND o.name_key LIKE ")
                .bind(Arg::Text(contains_pattern(&o.to_lowercase())))
                .push(" ESCAPE '\\')");
            if let Ok(id) = Uuid::parse_str(o.trim()) {
                sql.push(" OR (c.organization_id IS NOT NULL AND c.organization_id = ")
                    .bind(Arg::Uuid(id))
                    .push(")");
            }
            sql.push(")");
        }
        Term::Consent(p) => {
            sql.push("c.consent_keys LIKE ")
                .bind(Arg::Text(format!("% {} %", escape_like(p))))
                .push(" ESCAPE '\\'");
        }
        Term::Dnc(true) => {
            sql.push("c.dnc_keys <> ''");
        }
        Term::Dnc(false) => {
            sql.push("c.dnc_keys = ''");
        }
        Term::Attr { name, op: cmp, value } => {
            sql.push("EXISTS (SELECT 1 FROM customer_attributes a WHERE a.workspace_id = c.workspace_id AND a.customer_id = c.id AND a.name = ")
                .bind(Arg::Text(name.to_lowercase()))
                .push(" AND ");
            let number = value.trim().parse::<f64>().ok().filter(|n| n.is_finite());
            match (cmp, number) {
                (Cmp::Eq, Some(n)) => {
                    sql.push("(LOWER(a.value_text) = ")
                        .bind(Arg::Text(value.to_lowercase()))
                        .push(" OR (a.value_num IS NOT NULL AND a.value_num = ")
                        .bind(Arg::F64(n))
                        .push("))");
                }
                (Cmp::Eq, None) => {
                    sql.push("LOWER(a.value_text) = ").bind(Arg::Text(value.to_lowercase()));
                }
                (c, Some(n)) => {
                    sql.push("a.value_num IS NOT NULL AND a.value_num")
                        .push(op(*c))
                        .bind(Arg::F64(n));
                }
                (c, None) => {
                    sql.push("a.value_text").push(op(*c)).bind(text(value));
                }
            }
            sql.push(")");
        }
        Term::Ltv { op: cmp, amount } => {
            let money = Money::parse(amount, ctx.currency).map_err(|e| CompileError(format!("ltv: {e}")))?;
            sql.push("c.ltv_minor").push(op(*cmp)).bind(Arg::I64(money.minor));
        }
        Term::Orders { op: cmp, count } => {
            sql.push("c.orders").push(op(*cmp)).bind(Arg::I64(i64::from(*count)));
        }
        Term::LastPurchase { op: cmp, when } => time_sql("c.last_purchase_at", *cmp, when, ctx, sql)?,
        Term::Created { op: cmp, when } => time_sql("c.created_at", *cmp, when, ctx, sql)?,
    }
    Ok(())
}

fn ago(ctx: &QueryContext, amount: u32, unit: AgoUnit) -> Result<Timestamp, CompileError> {
    let n = i64::from(amount);
    let zoned = ctx.now.to_zoned(ctx.time_zone.clone());
    let span = match unit {
        AgoUnit::Hours => n.hours(),
        AgoUnit::Days => n.days(),
        AgoUnit::Weeks => n.weeks(),
        AgoUnit::Months => n.months(),
        AgoUnit::Years => n.years(),
    };
    zoned
        .checked_sub(span)
        .map(|z| z.timestamp())
        .map_err(|_| CompileError("that time is too far back".into()))
}

fn day_start(ctx: &QueryContext, date: jiff::civil::Date) -> Result<Timestamp, CompileError> {
    date.to_zoned(ctx.time_zone.clone())
        .map(|z| z.timestamp())
        .map_err(|_| CompileError(format!("{date} cannot be used")))
}

fn time_sql(col: &str, cmp: Cmp, when: &When, ctx: &QueryContext, sql: &mut Sql) -> Result<(), CompileError> {
    // (lower bound inclusive?, upper bound) as [from, until) ranges on the column.
    let (from, until): (Option<Timestamp>, Option<Timestamp>) = match *when {
        When::Ago { amount, unit } => {
            let edge = ago(ctx, amount, unit)?;
            match cmp {
                // Age less than N: after the edge.
                Cmp::Lt => (
                    Some(edge.checked_add(jiff::SignedDuration::from_micros(1)).unwrap_or(edge)),
                    None,
                ),
                Cmp::Le => (Some(edge), None),
                Cmp::Gt => (None, Some(edge)),
                Cmp::Ge => (
                    None,
                    Some(edge.checked_add(jiff::SignedDuration::from_micros(1)).unwrap_or(edge)),
                ),
                Cmp::Eq => (
                    Some(ago(ctx, amount.saturating_add(1), unit)?),
                    Some(edge.checked_add(jiff::SignedDuration::from_micros(1)).unwrap_or(edge)),
                ),
            }
        }
        When::Date(d) => {
            let start = day_start(ctx, d)?;
            let next = day_start(
                ctx,
                d.tomorrow().map_err(|_| CompileError(format!("{d} cannot be used")))?,
            )?;
            match cmp {
                Cmp::Lt => (None, Some(start)),
                Cmp::Le => (None, Some(next)),
                Cmp::Gt => (Some(next), None),
                Cmp::Ge => (Some(start), None),
                Cmp::Eq => (Some(start), Some(next)),
            }
        }
    };
    sql.push("(").push(col).push(" IS NOT NULL");
    if let Some(f) = from {
        sql.push(" AND ").push(col).push(" >= ").bind(Arg::I64(to_micros(f)));
    }
    if let Some(u) = until {
        sql.push(" AND ").push(col).push(" < ").bind(Arg::I64(to_micros(u)));
    }
    sql.push(")");
    Ok(())
}

/// A page of customers, newest first.
#[derive(Clone, Debug)]
pub struct CustomerPage {
    /// The customers on this page.
    pub items: Vec<Customer>,
    /// Pass as `after` for the next page.
    pub next: Option<CustomerId>,
}

/// A saved segment.
#[derive(Clone, Debug, Serialize)]
pub struct Segment {
    /// Its id.
    pub id: SegmentId,
    /// Its name.
    pub name: String,
    /// The query, in canonical form.
    pub query: String,
    /// Who saved it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: Timestamp,
}

type SegmentRow = (Uuid, String, String, Option<Uuid>, i64);

fn segment(r: SegmentRow) -> Segment {
    Segment {
        id: SegmentId::from_uuid(r.0),
        name: r.1,
        query: r.2,
        created_by: r.3.map(UserId::from_uuid),
        created_at: from_micros(r.4),
    }
}

fn base(ws: WorkspaceId, expr: &Expr, ctx: &QueryContext, select: &str) -> Result<Sql, CompileError> {
    let mut sql = Sql::new(select);
    sql.push(" FROM customers c WHERE c.workspace_id = ")
        .bind(Arg::Uuid(ws.as_uuid()))
        .push(" AND c.merged_into IS NULL AND ");
    compile(expr, ctx, &mut sql)?;
    Ok(sql)
}

impl Db {
    /// Live customers matching `expr`, newest first, older than `after`.
    pub async fn find_customers(
        &self,
        ws: WorkspaceId,
        expr: &Expr,
        ctx: &QueryContext,
        after: Option<CustomerId>,
        limit: u32,
    ) -> Result<std::result::Result<CustomerPage, CompileError>> {
        let limit = limit.clamp(1, 1000);
        let mut sql = match base(ws, expr, ctx, &format!("SELECT {CUSTOMER_COLUMNS}")) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(a) = after {
            sql.push(" AND c.id < ").bind(Arg::Uuid(a.as_uuid()));
        }
        sql.push(" ORDER BY c.id DESC LIMIT ")
            .bind(Arg::I64(i64::from(limit) + 1));
        let mut items = self.customers_where(ws, sql).await?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = if more { items.last().map(|c| c.id) } else { None };
        Ok(Ok(CustomerPage { items, next }))
    }

    /// How many live customers match `expr`.
    pub async fn count_customers(
        &self,
        ws: WorkspaceId,
        expr: &Expr,
        ctx: &QueryContext,
    ) -> Result<std::result::Result<i64, CompileError>> {
        let sql = match base(ws, expr, ctx, "SELECT COUNT(*)") {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let n: i64 = read!(self, p => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_one(p).await)?;
        Ok(Ok(n))
    }

    /// Every saved segment of the workspace, by name.
    pub async fn segments(&self, ws: WorkspaceId) -> Result<Vec<Segment>> {
        let rows: Vec<SegmentRow> = read!(self, p => sqlx::query_as(
            "SELECT id, name, query, created_by, created_at FROM segments WHERE workspace_id = $1 ORDER BY name")
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(segment).collect())
    }

    /// One saved segment.
    pub async fn segment(&self, ws: WorkspaceId, id: SegmentId) -> Result<Segment> {
        let row: Option<SegmentRow> = read!(self, p => sqlx::query_as(
            "SELECT id, name, query, created_by, created_at FROM segments WHERE workspace_id = $1 AND id = $2")
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(segment).ok_or(StoreError::NotFound)
    }
}

impl Tx {
    /// Saves a segment; a conflict on `name` if the name is taken.
    pub async fn create_segment(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        name: &str,
        query: &str,
        by: Option<UserId>,
    ) -> Result<Segment> {
        let id = SegmentId::new_at(now);
        on_tx!(self, x => sqlx::query(
            "INSERT INTO segments (id, workspace_id, name, query, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.as_uuid()).bind(ws.as_uuid()).bind(name).bind(query).bind(by.map(|u| u.as_uuid()))
            .bind(to_micros(now)).execute(&mut **x).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "name", "a segment with this name exists"))?;
        Ok(Segment {
            id,
            name: name.to_string(),
            query: query.to_string(),
            created_by: by,
            created_at: now,
        })
    }
}
