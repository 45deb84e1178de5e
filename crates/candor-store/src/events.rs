//! The event log: every change appends one, in the transaction of the change.

use crate::db::{Db, Tx, read};
use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql, bind_args};
use candor_core::clock::{from_micros, to_micros};
use candor_core::events::{Actor, Subject};
use candor_core::{CustomerId, EventId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// One stored event.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// Time-ordered id; also the cursor.
    pub id: EventId,
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// When it happened.
    pub at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// What happened, e.g. "staff.signed_in".
    pub kind: String,
    /// What it happened to.
    pub subject: Subject,
    /// Details, as JSON.
    pub payload: serde_json::Value,
}

/// An event about to be appended.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// Who caused it.
    pub actor: Actor,
    /// What happened.
    pub kind: &'a str,
    /// What it happened to.
    pub subject: Subject,
    /// Details, as JSON.
    pub payload: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    workspace_id: Uuid,
    at: i64,
    actor_type: String,
    actor_id: Option<Uuid>,
    kind: String,
    subject_type: String,
    subject_id: Uuid,
    payload: String,
}

impl EventRow {
    fn into_event(self) -> Result<Event> {
        let actor = match (self.actor_type.as_str(), self.actor_id) {
            ("staff", Some(id)) => Actor::Staff(UserId::from_uuid(id)),
            ("system", _) => Actor::System,
            (other, _) => return Err(StoreError::Corrupt(format!("event actor type {other}"))),
        };
        Ok(Event {
            id: EventId::from_uuid(self.id),
            workspace_id: WorkspaceId::from_uuid(self.workspace_id),
            at: from_micros(self.at),
            actor,
            kind: self.kind,
            subject: Subject {
                kind: self.subject_type,
                id: self.subject_id,
            },
            payload: serde_json::from_str(&self.payload)
                .map_err(|e| StoreError::Corrupt(format!("event payload: {e}")))?,
        })
    }
}

const EVENT_COLUMNS: &str = "id, workspace_id, at, actor_type, actor_id, kind, subject_type, subject_id, payload";

impl Tx {
    /// Appends an event at `at`; it commits or rolls back with the transaction.
    /// An event whose subject is a customer is filed under that customer's timeline.
    pub async fn append_event(&mut self, at: Timestamp, event: NewEvent<'_>) -> Result<EventId> {
        let customer = (event.subject.kind == "customer").then(|| CustomerId::from_uuid(event.subject.id));
        self.append_customer_event(at, event, customer).await
    }

    /// Appends an event that concerns `customer` (e.g. one of their purchases or
    /// notes), so that it shows in the customer's timeline.
    pub async fn append_customer_event(
        &mut self,
        at: Timestamp,
        event: NewEvent<'_>,
        customer: Option<CustomerId>,
    ) -> Result<EventId> {
        let id = EventId::new_at(at);
        let mut sql = Sql::new(
            "INSERT INTO events (id, workspace_id, at, actor_type, actor_id, kind, subject_type, subject_id, payload, customer_id)",
        );
        sql.values([event_args(id, at, &event, customer)]);
        // A fresh id: nothing but a broken database refuses the row.
        self.defer(sql).await?;
        // Trust counts move with the event that moves them (docs/trust.md).
        self.tally_event(
            event.workspace_id,
            at,
            event.kind,
            event.actor,
            customer,
            &event.payload,
        )
        .await?;
        Ok(id)
    }
}

/// An event row's values in the order of `INSERT INTO events (id,
/// workspace_id, at, actor_type, actor_id, kind, subject_type, subject_id, payload, customer_id)`.
pub(crate) fn event_args(id: EventId, at: Timestamp, event: &NewEvent<'_>, customer: Option<CustomerId>) -> Vec<Arg> {
    let actor_id = match event.actor {
        Actor::Staff(u) => Some(u.as_uuid()),
        Actor::System => None,
    };
    vec![
        Arg::Uuid(id.as_uuid()),
        Arg::Uuid(event.workspace_id.as_uuid()),
        Arg::I64(to_micros(at)),
        Arg::Text(event.actor.kind().to_string()),
        Arg::uuid_or_null(actor_id),
        Arg::Text(event.kind.to_string()),
        Arg::Text(event.subject.kind.clone()),
        Arg::Uuid(event.subject.id),
        Arg::Text(event.payload.to_string()),
        Arg::uuid_or_null(customer.map(|c| c.as_uuid())),
    ]
}

/// A page of events, newest first, and the cursor for the next page.
#[derive(Clone, Debug)]
pub struct EventPage {
    /// The events on this page.
    pub items: Vec<Event>,
    /// Pass as `before` to get the next (older) page.
    pub next: Option<EventId>,
}

impl Db {
    /// Events about one subject, newest first, older than `before` if given.
    pub async fn events_for_subject(
        &self,
        workspace: WorkspaceId,
        subject: &Subject,
        before: Option<EventId>,
        limit: u32,
    ) -> Result<EventPage> {
        let limit = limit.clamp(1, 500) as i64;
        let before = before.map(|b| b.as_uuid());
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND subject_type = $2 \
             AND subject_id = $3 AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
        );
        let rows: Vec<EventRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid())
            .bind(&subject.kind)
            .bind(subject.id)
            .bind(before)
            .bind(limit + 1)
            .fetch_all(p).await)?;
        page(rows, limit)
    }

    /// Every event about a customer and their things (purchases, notes, merged
    /// customers…), newest first, older than `before` if given.
    pub async fn events_for_customer(
        &self,
        workspace: WorkspaceId,
        customer: CustomerId,
        before: Option<EventId>,
        limit: u32,
    ) -> Result<EventPage> {
        let limit = limit.clamp(1, 500) as i64;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND customer_id = $2 \
             AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        );
        let rows: Vec<EventRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid())
            .bind(customer.as_uuid())
            .bind(before.map(|b| b.as_uuid()))
            .bind(limit + 1)
            .fetch_all(p).await)?;
        page(rows, limit)
    }

    /// Every event of a workspace, newest first, older than `before` if given.
    pub async fn events(&self, workspace: WorkspaceId, before: Option<EventId>, limit: u32) -> Result<EventPage> {
        let limit = limit.clamp(1, 500) as i64;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = $1 \
             AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<EventRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid())
            .bind(before.map(|b| b.as_uuid()))
            .bind(limit + 1)
            .fetch_all(p).await)?;
        page(rows, limit)
    }

    /// Events of a workspace after `after`, oldest first: for consumers that
    /// follow the log (reports, webhooks, rebuilds).
    pub async fn events_after(&self, workspace: WorkspaceId, after: Option<EventId>, limit: u32) -> Result<Vec<Event>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = $1 \
             AND ($2 IS NULL OR id > $2) ORDER BY id ASC LIMIT $3"
        );
        let rows: Vec<EventRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace.as_uuid())
            .bind(after.map(|b| b.as_uuid()))
            .bind(limit.clamp(1, 5000) as i64)
            .fetch_all(p).await)?;
        rows.into_iter().map(EventRow::into_event).collect()
    }
}

impl Db {
    /// The events of the given kinds about some subjects of one type, by
    /// subject and then in the order they were made (by the subject index);
    /// what a rebuild of figures derived from them replays.
    pub async fn events_of_subjects(
        &self,
        workspace: WorkspaceId,
        subject_type: &str,
        ids: &[Uuid],
        kinds: &[&str],
    ) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = "));
            sql.bind(Arg::Uuid(workspace.as_uuid()))
                .push(" AND subject_type = ")
                .bind(Arg::Text(subject_type.to_string()))
                .push(" AND subject_id IN ")
                .bind_list(chunk.iter().copied())
                .push(" AND kind IN (");
            for (i, k) in kinds.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Arg::Text(k.to_string()));
            }
            sql.push(") ORDER BY subject_id, id");
            let rows: Vec<EventRow> = read!(self, p => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), sql.args)
                .fetch_all(p).await)?;
            for row in rows {
                out.push(row.into_event()?);
            }
        }
        Ok(out)
    }
}

fn page(mut rows: Vec<EventRow>, limit: i64) -> Result<EventPage> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let items: Vec<Event> = rows.into_iter().map(EventRow::into_event).collect::<Result<_>>()?;
    let next = if more { items.last().map(|e| e.id) } else { None };
    Ok(EventPage { items, next })
}
