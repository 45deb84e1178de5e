//! The next best action beside a conversation (candor_core::next_action has
//! the rules): gathering the facts and tuning the rules.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::conversation::MessageKind;
use candor_core::events::{Subject, kind};
use candor_core::next_action::{self, Action, Bought, CallWho, CallWhy, Facts, PromiseFact, Rules};
use candor_core::segment;
use candor_core::staff::Scope;
use candor_core::value::{Stage, Tier};
use candor_core::{ConversationId, WorkspaceId};
use candor_store::events::NewEvent;
use candor_store::staff::User;
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use serde_json::json;

/// The workspace's rules: its own, else the defaults.
pub async fn rules_of(app: &App, ws: WorkspaceId) -> AppResult<Rules> {
    Ok(app.db.next_action_rules(ws).await?.unwrap_or_default())
}

/// The rules, for anyone who may read.
pub async fn rules(app: &App, caller: &Caller) -> AppResult<Rules> {
    caller.require(Scope::Read)?;
    rules_of(app, caller.workspace()).await
}

/// Replaces the rules (owners and admins). Every field is checked first;
/// offer conditions are stored in canonical form.
pub async fn put_rules(app: &App, caller: &Caller, rules: Rules) -> AppResult<Rules> {
    caller.require(Scope::Admin)?;
    let rules = rules.checked().map_err(|e| match e.position {
        Some(position) => AppError::InvalidQuery {
            field: e.field,
            message: e.message,
            position: Some(position),
        },
        None => AppError::invalid(&e.field, e.message),
    })?;
    let ws = caller.workspace();
    // A condition must also apply in this workspace (e.g. amounts in its currency).
    let ctx = crate::segments::context(app, ws).await?;
    for (i, o) in rules.offers.iter().enumerate() {
        let expr = crate::segments::parse(&format!("offers[{i}].when"), &o.when)?;
        let mut probe = candor_store::sql::Sql::new("");
        candor_store::segments::compile(&expr, &ctx, &mut probe)
            .map_err(|e| AppError::invalid(&format!("offers[{i}].when"), e.0))?;
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    tx.put_next_action_rules(now, ws, &rules, Some(caller.user.id)).await?;
    tx.append_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: caller.actor(),
            kind: kind::NEXT_ACTION_RULES_CHANGED,
            subject: Subject::new("workspace", ws.as_uuid()),
            payload: json!({"rules": rules}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(rules)
}

/// The workspace's time zone, UTC when unknown.
pub async fn time_zone(app: &App, ws: WorkspaceId) -> TimeZone {
    app.db
        .workspace(ws)
        .await
        .ok()
        .and_then(|w| TimeZone::get(&w.time_zone).ok())
        .unwrap_or(TimeZone::UTC)
}

/// The staff member a customer's owner attribute names (by sign-in address
/// or full name, in any case).
fn account_owner<'a>(staff: &'a [User], named: &str) -> Option<&'a User> {
    let named = named.trim();
    staff
        .iter()
        .filter(|u| u.active)
        .find(|u| u.email.eq_ignore_ascii_case(named) || u.name.eq_ignore_ascii_case(named))
}

/// What would serve the customer of this conversation now, most pressing first.
pub async fn for_conversation(app: &App, caller: &Caller, id: ConversationId) -> AppResult<Vec<Action>> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let now = app.now();
    let conversation = app.db.conversation(ws, id).await?;
    let mut customer = app.db.customer(ws, conversation.customer_id).await?;
    if let Some(survivor) = customer.merged_into {
        customer = app.db.customer(ws, survivor).await?;
    }
    let rules = rules_of(app, ws).await?;
    let tz = time_zone(app, ws).await;
    let staff = app.db.users(ws).await?;
    let name_of = |u: candor_core::UserId| {
        staff
            .iter()
            .find(|s| s.id == u)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "A former colleague".into())
    };

    let promises = if rules.promises.enabled {
        let since = now - SignedDuration::from_hours(24 * i64::from(rules.promises.broken_within_days));
        app.db
            .promises_for_actions(ws, customer.id, since)
            .await?
            .into_iter()
            .map(|p| PromiseFact {
                id: p.id,
                description: p.description,
                owner: name_of(p.owner_id),
                due_at: p.due_at,
                state: p.state,
                settled_at: p.settled_at,
                replaced: p.replaced,
            })
            .collect()
    } else {
        Vec::new()
    };

    let messages = app.db.messages(ws, id, 500).await?;
    let customer_wrote = messages.iter().any(|m| m.kind == MessageKind::Inbound);
    let stage = customer.value.stage;
    let wants_products = rules.already_bought.enabled || (rules.win_back.enabled && stage == Stage::Former);
    let products = if wants_products {
        app.db.products_bought(ws, customer.id).await?
    } else {
        Vec::new()
    };
    let bought = if rules.already_bought.enabled {
        // The customer's own words name what they want: the subject and their messages.
        let mut words = conversation.subject.clone();
        for m in messages.iter().filter(|m| m.kind == MessageKind::Inbound) {
            words.push('\n');
            words.push_str(&m.body);
        }
        products
            .iter()
            .filter(|p| next_action::names_product(&words, &p.product, p.name.as_deref()))
            .map(|p| Bought {
                product: p.product.clone(),
                name: p.name.clone(),
                count: p.count,
                last_at: p.last_at,
            })
            .collect()
    } else {
        Vec::new()
    };

    let offers_met = if rules.offers.is_empty() {
        Vec::new()
    } else {
        let exprs: Vec<_> = rules
            .offers
            .iter()
            .map(|o| segment::parse(&o.when).unwrap_or_else(|_| never()))
            .collect();
        let ctx = crate::segments::context(app, ws).await?;
        app.db.customer_meets(ws, customer.id, &exprs, &ctx).await?
    };

    let tier = customer.value.tier;
    let wants_caller = rules.call.enabled
        && ((rules.call.tier_a && tier == Some(Tier::A)) || (rules.call.at_risk && stage == Stage::AtRisk));
    let caller_who = if wants_caller {
        let owner = customer
            .attributes
            .get(&rules.call.owner_attribute)
            .and_then(|v| v.as_str())
            .and_then(|named| account_owner(&staff, named));
        match owner {
            Some(u) => Some(CallWho {
                user_id: u.id,
                name: u.name.clone(),
                why: CallWhy::AccountOwner,
            }),
            None => app.db.most_replies_to(ws, customer.id).await?.map(|(u, n)| CallWho {
                user_id: u,
                name: name_of(u),
                why: CallWhy::MostReplies(n),
            }),
        }
    } else {
        None
    };

    let facts = Facts {
        now,
        time_zone: tz,
        stage,
        tier,
        last_purchase_at: customer.value.last_purchase_at,
        last_product: products
            .first()
            .map(|p| p.name.clone().unwrap_or_else(|| p.product.clone())),
        customer_wrote,
        promises,
        bought,
        offers_met,
        caller: caller_who,
    };
    Ok(next_action::evaluate(&rules, &facts))
}

/// A condition nobody meets, for a stored one that no longer parses.
fn never() -> segment::Expr {
    segment::Expr::Not(Box::new(segment::Expr::And(Vec::new())))
}
