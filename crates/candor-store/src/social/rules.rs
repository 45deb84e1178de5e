//! Monitoring rules and the alerts they raise on mentions.

use crate::db::{Db, Tx, on_tx, read};
use crate::error::{Result, StoreError};
use candor_core::clock::{from_micros, to_micros};
use candor_core::social::RuleSpec;
use candor_core::{ConversationId, CustomerId, MentionId, SocialAlertId, SocialRuleId, UserId, WorkspaceId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A stored monitoring rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SocialRule {
    /// Its id.
    pub id: SocialRuleId,
    /// What people call it.
    pub name: String,
    /// What it looks for.
    pub spec: RuleSpec,
    /// When it was added.
    pub created_at: Timestamp,
    /// Who added it.
    pub created_by: Option<UserId>,
    /// When it was removed (its alerts stay).
    pub removed_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: Uuid,
    name: String,
    spec: String,
    created_at: i64,
    created_by: Option<Uuid>,
    removed_at: Option<i64>,
}

impl RuleRow {
    fn into_rule(self) -> Result<SocialRule> {
        Ok(SocialRule {
            id: SocialRuleId::from_uuid(self.id),
            name: self.name,
            spec: serde_json::from_str(&self.spec)
                .map_err(|e| StoreError::Corrupt(format!("social rule spec: {e}")))?,
            created_at: from_micros(self.created_at),
            created_by: self.created_by.map(UserId::from_uuid),
            removed_at: self.removed_at.map(from_micros),
        })
    }
}

const RULE_COLUMNS: &str = "id, name, spec, created_at, created_by, removed_at";

/// A stored alert: a rule that fired on a mention.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SocialAlert {
    /// Its id.
    pub id: SocialAlertId,
    /// The mention.
    pub mention_id: MentionId,
    /// The rule.
    pub rule_id: SocialRuleId,
    /// The customer who wrote it, if known.
    pub customer_id: Option<CustomerId>,
    /// Why it fired, in words.
    pub reason: String,
    /// "open" or "handled".
    pub state: String,
    /// When it fired.
    pub created_at: Timestamp,
    /// When someone dealt with it.
    pub handled_at: Option<Timestamp>,
    /// Who.
    pub handled_by: Option<UserId>,
    /// "reached-out" or "dismissed".
    pub handled_how: Option<String>,
    /// The conversation started from it.
    pub conversation_id: Option<ConversationId>,
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: Uuid,
    mention_id: Uuid,
    rule_id: Uuid,
    customer_id: Option<Uuid>,
    reason: String,
    state: String,
    created_at: i64,
    handled_at: Option<i64>,
    handled_by: Option<Uuid>,
    handled_how: Option<String>,
    conversation_id: Option<Uuid>,
}

impl AlertRow {
    fn into_alert(self) -> SocialAlert {
        SocialAlert {
            id: SocialAlertId::from_uuid(self.id),
            mention_id: MentionId::from_uuid(self.mention_id),
            rule_id: SocialRuleId::from_uuid(self.rule_id),
            customer_id: self.customer_id.map(CustomerId::from_uuid),
            reason: self.reason,
            state: self.state,
            created_at: from_micros(self.created_at),
            handled_at: self.handled_at.map(from_micros),
            handled_by: self.handled_by.map(UserId::from_uuid),
            handled_how: self.handled_how,
            conversation_id: self.conversation_id.map(ConversationId::from_uuid),
        }
    }
}

const ALERT_COLUMNS: &str = "id, mention_id, rule_id, customer_id, reason, state, created_at, handled_at, handled_by, \
    handled_how, conversation_id";

impl Tx {
    /// Stores a new rule.
    pub async fn insert_social_rule(&mut self, ws: WorkspaceId, r: &SocialRule) -> Result<()> {
        let spec = serde_json::to_string(&r.spec).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        on_tx!(self, x => sqlx::query(
            "INSERT INTO social_rules (id, workspace_id, name, kind, spec, created_at, created_by, removed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)")
            .bind(r.id.as_uuid()).bind(ws.as_uuid()).bind(&r.name).bind(r.spec.kind().as_str()).bind(spec)
            .bind(to_micros(r.created_at)).bind(r.created_by.map(|u| u.as_uuid()))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Removes a live rule; `false` when there is no such live rule.
    pub async fn remove_social_rule(&mut self, ws: WorkspaceId, id: SocialRuleId, now: Timestamp) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE social_rules SET removed_at = $1 WHERE workspace_id = $2 AND id = $3 AND removed_at IS NULL")
            .bind(to_micros(now)).bind(ws.as_uuid()).bind(id.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The workspace's live rules, oldest first, inside the transaction.
    pub async fn live_social_rules(&mut self, ws: WorkspaceId) -> Result<Vec<SocialRule>> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM social_rules WHERE workspace_id = $1 AND removed_at IS NULL ORDER BY id"
        );
        let rows: Vec<RuleRow> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_all(&mut **x).await)?;
        rows.into_iter().map(RuleRow::into_rule).collect()
    }

    /// Stores an alert unless the rule fired on this mention already; `false` then.
    pub async fn insert_social_alert(&mut self, ws: WorkspaceId, a: &SocialAlert) -> Result<bool> {
        let n = on_tx!(self, x => sqlx::query(
            "INSERT INTO social_alerts (id, workspace_id, mention_id, rule_id, customer_id, reason, state, created_at, \
             handled_at, handled_by, handled_how, conversation_id) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, NULL, NULL, NULL, NULL) \
             ON CONFLICT (workspace_id, mention_id, rule_id) DO NOTHING")
            .bind(a.id.as_uuid()).bind(ws.as_uuid()).bind(a.mention_id.as_uuid()).bind(a.rule_id.as_uuid())
            .bind(a.customer_id.map(|c| c.as_uuid())).bind(&a.reason).bind(to_micros(a.created_at))
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Whether `rule` raised an alert after `since` (a volume spike raises one per window).
    pub async fn rule_fired_since(&mut self, ws: WorkspaceId, rule: SocialRuleId, since: Timestamp) -> Result<bool> {
        let (n,): (i64,) = on_tx!(self, x => sqlx::query_as(
            "SELECT COUNT(*) FROM social_alerts WHERE workspace_id = $1 AND rule_id = $2 AND created_at > $3")
            .bind(ws.as_uuid()).bind(rule.as_uuid()).bind(to_micros(since)).fetch_one(&mut **x).await)?;
        Ok(n > 0)
    }

    /// One alert, inside the transaction.
    pub async fn social_alert(&mut self, ws: WorkspaceId, id: SocialAlertId) -> Result<SocialAlert> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM social_alerts WHERE workspace_id = $1 AND id = $2");
        let row: Option<AlertRow> = on_tx!(self, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(&mut **x).await)?;
        row.map(AlertRow::into_alert).ok_or(StoreError::NotFound)
    }

    /// Marks every open alert of a mention handled; `how` says how. Returns how many.
    pub async fn handle_mention_alerts(
        &mut self,
        ws: WorkspaceId,
        mention: MentionId,
        by: UserId,
        how: &str,
        conversation: Option<ConversationId>,
        now: Timestamp,
    ) -> Result<u64> {
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE social_alerts SET state = 'handled', handled_at = $1, handled_by = $2, handled_how = $3, \
             conversation_id = $4 WHERE workspace_id = $5 AND mention_id = $6 AND state = 'open'")
            .bind(to_micros(now)).bind(by.as_uuid()).bind(how).bind(conversation.map(|c| c.as_uuid()))
            .bind(ws.as_uuid()).bind(mention.as_uuid())
            .execute(&mut **x).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}

impl Db {
    /// The workspace's live rules, oldest first.
    pub async fn social_rules(&self, ws: WorkspaceId) -> Result<Vec<SocialRule>> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM social_rules WHERE workspace_id = $1 AND removed_at IS NULL ORDER BY id"
        );
        let rows: Vec<RuleRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(RuleRow::into_rule).collect()
    }

    /// Every rule, removed ones too (alerts name them), oldest first.
    pub async fn social_rules_all(&self, ws: WorkspaceId) -> Result<Vec<SocialRule>> {
        let sql = format!("SELECT {RULE_COLUMNS} FROM social_rules WHERE workspace_id = $1 ORDER BY id");
        let rows: Vec<RuleRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).fetch_all(p).await)?;
        rows.into_iter().map(RuleRow::into_rule).collect()
    }

    /// A rule, live or removed.
    pub async fn social_rule(&self, ws: WorkspaceId, id: SocialRuleId) -> Result<SocialRule> {
        let sql = format!("SELECT {RULE_COLUMNS} FROM social_rules WHERE workspace_id = $1 AND id = $2");
        let row: Option<RuleRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)?.into_rule()
    }

    /// One alert.
    pub async fn social_alert(&self, ws: WorkspaceId, id: SocialAlertId) -> Result<SocialAlert> {
        let sql = format!("SELECT {ALERT_COLUMNS} FROM social_alerts WHERE workspace_id = $1 AND id = $2");
        let row: Option<AlertRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(id.as_uuid()).fetch_optional(p).await)?;
        row.map(AlertRow::into_alert).ok_or(StoreError::NotFound)
    }

    /// Open alerts, newest first, before the cursor `before`.
    pub async fn open_social_alerts(
        &self,
        ws: WorkspaceId,
        before: Option<SocialAlertId>,
        limit: u32,
    ) -> Result<(Vec<SocialAlert>, Option<SocialAlertId>)> {
        let limit = limit.clamp(1, 500);
        let before = before.map(|b| b.as_uuid()).unwrap_or(Uuid::max());
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM social_alerts WHERE workspace_id = $1 AND state = 'open' AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<AlertRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(before).bind(i64::from(limit) + 1).fetch_all(p).await)?;
        let more = rows.len() > limit as usize;
        let items: Vec<SocialAlert> = rows
            .into_iter()
            .take(limit as usize)
            .map(AlertRow::into_alert)
            .collect();
        let next = if more { items.last().map(|a| a.id) } else { None };
        Ok((items, next))
    }

    /// The alerts raised on a mention, oldest first.
    pub async fn alerts_of_mention(&self, ws: WorkspaceId, mention: MentionId) -> Result<Vec<SocialAlert>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM social_alerts WHERE workspace_id = $1 AND mention_id = $2 ORDER BY id"
        );
        let rows: Vec<AlertRow> = read!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ws.as_uuid()).bind(mention.as_uuid()).fetch_all(p).await)?;
        Ok(rows.into_iter().map(AlertRow::into_alert).collect())
    }

    /// How many alerts the workspace has (open and handled).
    pub async fn count_social_alerts(&self, ws: WorkspaceId) -> Result<i64> {
        let (n,): (i64,) = read!(self, p => sqlx::query_as("SELECT COUNT(*) FROM social_alerts WHERE workspace_id = $1")
            .bind(ws.as_uuid()).fetch_one(p).await)?;
        Ok(n)
    }
}
