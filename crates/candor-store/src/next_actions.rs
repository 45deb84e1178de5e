//! What the next-best-action panel reads: the workspace's rules, the
//! promises made to a customer, what they bought (by product), who answered
//! them most, and which offer conditions they meet — each one indexed query.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use crate::segments::{QueryContext, compile};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::next_action::Rules;
use candor_core::promises::PromiseState;
use candor_core::segment::Expr;
use candor_core::{CustomerId, PromiseId, UserId, WorkspaceId};
use jiff::Timestamp;
use uuid::Uuid;

/// A promise made to the customer, as the panel needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerPromise {
    /// Its id.
    pub id: PromiseId,
    /// What was promised.
    pub description: String,
    /// Who owes it.
    pub owner_id: UserId,
    /// When it is due.
    pub due_at: Timestamp,
    /// Open, kept or broken.
    pub state: PromiseState,
    /// When it was settled.
    pub settled_at: Option<Timestamp>,
    /// Whether a later promise makes it again.
    pub replaced: bool,
}

/// What a customer bought of one product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductBought {
    /// The product's id.
    pub product: String,
    /// Its latest name.
    pub name: Option<String>,
    /// Paid purchases.
    pub count: i64,
    /// The latest.
    pub last_at: Timestamp,
}

/// The most product lines read for one customer (a customer with more is
/// a shop or a reseller; the most recent lines are the ones they talk about).
const MAX_PRODUCTS: i64 = 500;

impl Db {
    /// The workspace's rules as stored, if it changed the defaults.
    pub async fn next_action_rules(&self, ws: WorkspaceId) -> Result<Option<Rules>> {
        let row: Option<(String,)> = read!(self, p => sqlx::query_as(
            "SELECT rules FROM next_action_rules WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_optional(p).await)?;
        row.map(|(json,)| {
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("next-action rules: {e}")))
        })
        .transpose()
    }

    /// The promises made to `customer` that the panel may list: open ones,
    /// and broken ones settled since `broken_since`, with whether a later
    /// promise makes each again.
    pub async fn promises_for_actions(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        broken_since: Timestamp,
    ) -> Result<Vec<CustomerPromise>> {
        type Row = (Uuid, String, Uuid, i64, String, Option<i64>, i64);
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT p.id, p.description, p.owner_id, p.due_at, p.state, p.settled_at, \
             (SELECT COUNT(*) FROM promises r WHERE r.workspace_id = p.workspace_id \
             AND r.customer_id = p.customer_id AND r.replaces_id = p.id) \
             FROM promises p WHERE p.workspace_id = $1 AND p.customer_id = $2 \
             AND (p.state = 'open' OR (p.state = 'broken' AND p.settled_at >= $3)) ORDER BY p.due_at LIMIT 100")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(to_micros(broken_since)).fetch_all(p).await)?;
        rows.into_iter()
            .map(|(id, description, owner, due, state, settled, replaced)| {
                Ok(CustomerPromise {
                    id: PromiseId::from_uuid(id),
                    description,
                    owner_id: UserId::from_uuid(owner),
                    due_at: from_micros(due),
                    state: state.parse().map_err(StoreError::Corrupt)?,
                    settled_at: settled.map(from_micros),
                    replaced: replaced > 0,
                })
            })
            .collect()
    }

    /// Every product the customer paid for, with how often and when last,
    /// most recent first.
    pub async fn products_bought(&self, ws: WorkspaceId, customer: CustomerId) -> Result<Vec<ProductBought>> {
        type Row = (String, Option<String>, i64, i64);
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT product, MAX(product_name), COUNT(*), MAX(at) FROM purchases \
             WHERE workspace_id = $1 AND customer_id = $2 AND status = 'paid' \
             GROUP BY product ORDER BY MAX(at) DESC LIMIT $3")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(MAX_PRODUCTS).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(product, name, count, last)| ProductBought {
                product,
                name,
                count,
                last_at: from_micros(last),
            })
            .collect())
    }

    /// The active staff member who sent the customer the most replies, and
    /// how many (ties: the most recent reply wins).
    pub async fn most_replies_to(&self, ws: WorkspaceId, customer: CustomerId) -> Result<Option<(UserId, i64)>> {
        let row: Option<(Uuid, i64)> = read!(self, p => sqlx::query_as(
            "SELECT m.author_id, COUNT(*) FROM conversations c \
             JOIN messages m ON m.workspace_id = c.workspace_id AND m.conversation_id = c.id \
             JOIN users u ON u.id = m.author_id AND u.workspace_id = c.workspace_id \
             WHERE c.workspace_id = $1 AND c.customer_id = $2 AND m.kind = 'outbound' AND m.author_type = 'staff' \
             AND u.active = $3 \
             GROUP BY m.author_id ORDER BY COUNT(*) DESC, MAX(m.created_at) DESC LIMIT 1")
            .bind(ws.as_uuid()).bind(customer.as_uuid()).bind(true).fetch_optional(p).await)?;
        Ok(row.map(|(u, n)| (UserId::from_uuid(u), n)))
    }

    /// For each condition, whether the live customer meets it, in one
    /// query (at most 62 conditions; a condition that cannot be compiled
    /// is not met).
    pub async fn customer_meets(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        conditions: &[Expr],
        ctx: &QueryContext,
    ) -> Result<Vec<bool>> {
        if conditions.is_empty() {
            return Ok(Vec::new());
        }
        let conditions = &conditions[..conditions.len().min(62)];
        // Each condition sets one bit of a single number.
        let mut sql = Sql::new("SELECT CAST(0");
        let mut compiled = Vec::with_capacity(conditions.len());
        for (i, expr) in conditions.iter().enumerate() {
            let mut part = sql.clone();
            part.push(" + CASE WHEN ");
            if compile(expr, ctx, &mut part).is_ok() {
                part.push(" THEN ").bind(Arg::I64(1i64 << i)).push(" ELSE 0 END");
                sql = part;
                compiled.push(true);
            } else {
                compiled.push(false);
            }
        }
        sql.push(" AS BIGINT) FROM customers c WHERE c.workspace_id = ")
            .bind(Arg::Uuid(ws.as_uuid()))
            .push(" AND c.id = ")
            .bind(Arg::Uuid(customer.as_uuid()))
            .push(" AND c.merged_into IS NULL");
        let bits: Option<i64> = read!(self, p => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
            .fetch_optional(p).await)?;
        let bits = bits.unwrap_or(0);
        Ok((0..conditions.len())
            .map(|i| compiled[i] && bits & (1i64 << i) != 0)
            .collect())
    }
}

impl Tx {
    /// Stores the workspace's rules.
    pub async fn put_next_action_rules(
        &mut self,
        now: Timestamp,
        ws: WorkspaceId,
        rules: &Rules,
        by: Option<UserId>,
    ) -> Result<()> {
        let json = serde_json::to_string(rules).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_tx!(self, x => sqlx::query(
            "INSERT INTO next_action_rules (workspace_id, rules, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id) DO UPDATE SET rules = $2, updated_at = $3, updated_by = $4")
            .bind(ws.as_uuid()).bind(json).bind(to_micros(now)).bind(by.map(|u| u.as_uuid()))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
