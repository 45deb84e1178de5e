//! A workspace's monitoring rules, kept by its owners and admins.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::SocialRuleId;
use candor_core::events::{Subject, kind};
use candor_core::social::{RuleInput, RuleSpec};
use candor_core::staff::Scope;
use candor_store::events::NewEvent;
use candor_store::social::rules::SocialRule;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The most rules a workspace keeps.
pub const MAX_RULES: usize = 100;

/// A rule as the API and the settings page send it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// What people call it (else its description).
    #[serde(default)]
    pub name: Option<String>,
    /// keyword, sentiment_below, author_tier or volume_spike.
    #[serde(default)]
    pub kind: String,
    /// For keyword: the words or phrases.
    #[serde(default)]
    pub words: Vec<String>,
    /// For sentiment_below: -1 to 1.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// For volume_spike: more than this many mentions…
    #[serde(default)]
    pub count: Option<i64>,
    /// …within this many minutes.
    #[serde(default)]
    pub minutes: Option<i64>,
}

/// A rule as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct RuleView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// What it fires on, in words.
    pub description: String,
    /// Its settings (kind and the fields of that kind).
    pub spec: RuleSpec,
    /// When it was added.
    pub created_at: String,
}

impl RuleView {
    /// The view of a stored rule.
    pub fn of(r: &SocialRule) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            kind: r.spec.kind().to_string(),
            description: r.spec.words(),
            spec: r.spec.clone(),
            created_at: r.created_at.to_string(),
        }
    }
}

/// The workspace's rules (owners and admins).
pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<SocialRule>> {
    caller.require(Scope::Admin)?;
    Ok(app.db.social_rules(caller.workspace()).await?)
}

/// Adds a rule (owners and admins).
pub async fn add(app: &App, caller: &Caller, input: &NewRule) -> AppResult<SocialRule> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let spec = RuleSpec::check(&RuleInput {
        kind: &input.kind,
        words: &input.words,
        threshold: input.threshold,
        count: input.count,
        minutes: input.minutes,
    })
    .map_err(|e| AppError::invalid(&e.field, e.message))?;
    let name = input.name.as_deref().map(str::trim).unwrap_or("");
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "at most 100 characters, on one line"));
    }
    let name = if name.is_empty() {
        let mut d = spec.words();
        d = d.chars().take(100).collect();
        d
    } else {
        name.to_string()
    };
    if app.db.social_rules(ws).await?.len() >= MAX_RULES {
        return Err(AppError::invalid(
            "kind",
            format!("a workspace keeps at most {MAX_RULES} rules"),
        ));
    }
    let now = app.now();
    let rule = SocialRule {
        id: SocialRuleId::new_at(now),
        name,
        spec,
        created_at: now,
        created_by: Some(caller.user.id),
        removed_at: None,
    };
    let mut tx = app.db.begin().await?;
    tx.insert_social_rule(ws, &rule).await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::SOCIAL_RULE_ADDED,
            subject: Subject::new("social_rule", rule.id.as_uuid()),
            payload: json!({"rule_id": rule.id, "name": rule.name, "spec": rule.spec}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rule)
}

/// Removes a rule (owners and admins); its alerts stay.
pub async fn remove(app: &App, caller: &Caller, id: SocialRuleId) -> AppResult<()> {
    caller.require(Scope::Admin)?;
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if !tx.remove_social_rule(ws, id, now).await? {
        return Err(AppError::NotFound);
    }
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::SOCIAL_RULE_REMOVED,
            subject: Subject::new("social_rule", id.as_uuid()),
            payload: json!({"rule_id": id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
