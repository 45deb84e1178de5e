//! Alerts a falling trajectory raised: the inbox's "Trust falling" view
//! lists them; someone reaches out to the customer or dismisses the alert.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::live::{LiveEvent, publish};
use candor_core::TrustAlertId;
use candor_core::events::Subject;
use candor_core::staff::Scope;
use candor_core::trust::kind;
use candor_store::events::NewEvent;
use candor_store::trust::alerts::TrustAlert;
use candor_store::trust::steps::StoredStep;
use serde::Serialize;
use serde_json::json;

/// An open alert with the steps that made the trajectory fall.
#[derive(Clone, Debug, Serialize)]
pub struct AlertView {
    /// The alert.
    #[serde(flatten)]
    pub alert: TrustAlert,
    /// The customer's latest steps, newest first.
    pub steps: Vec<super::StepView>,
}

/// Open alerts, newest first.
pub async fn open(app: &App, caller: &Caller, limit: u32) -> AppResult<Vec<AlertView>> {
    caller.require(Scope::Read)?;
    let ws = caller.workspace();
    let mut out = Vec::new();
    for alert in app.db.open_trust_alerts(ws, limit).await? {
        let steps: Vec<StoredStep> = app.db.trust_steps(ws, alert.customer_id, 3).await?;
        out.push(AlertView {
            steps: steps.iter().map(super::StepView::of).collect(),
            alert,
        });
    }
    Ok(out)
}

/// What someone did about an alert.
pub const HOW: [&str; 2] = ["reached_out", "dismissed"];

/// Marks an alert handled: `how` is "reached_out" or "dismissed". Handling
/// a handled alert again changes nothing.
pub async fn handle(app: &App, caller: &Caller, id: TrustAlertId, how: &str) -> AppResult<TrustAlert> {
    caller.require(Scope::Write)?;
    if !HOW.contains(&how) {
        return Err(AppError::invalid("how", "\"reached_out\" or \"dismissed\""));
    }
    let ws = caller.workspace();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (changed, customer) = tx.handle_trust_alert(ws, id, caller.user.id, how, now).await?;
    if changed {
        tx.append_customer_event(
            now,
            NewEvent {
                workspace_id: ws,
                actor: caller.actor(),
                kind: kind::ALERT_HANDLED,
                subject: Subject::new("customer", customer.as_uuid()),
                payload: json!({"alert_id": id, "how": how, "by": caller.user.name}),
            },
            Some(customer),
        )
        .await?;
    }
    tx.commit().await?;
    if changed {
        publish(app, LiveEvent::workspace(ws, "trust.alert")).await;
    }
    Ok(app.db.trust_alert(ws, id).await?)
}
