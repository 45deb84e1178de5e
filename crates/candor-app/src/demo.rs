//! The demo workspace a newcomer can click through: a bicycle maker with
//! named staff. Later capabilities add their own demo data here.

use crate::accounts;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::passwords::hash_password;
use candor_core::events::{Actor, Subject, kind};
use candor_core::staff::{FullName, Role};
use candor_store::StoreError;
use candor_store::events::NewEvent;
use candor_store::staff::{NewUser, Workspace};
use serde_json::json;

/// The demo workspace's slug.
pub const DEMO_SLUG: &str = "northwind";
/// The demo owner's sign-in address.
pub const DEMO_EMAIL: &str = "maya@northwind.example";
/// The demo owner's password. It is public: the demo is for local trials.
pub const DEMO_PASSWORD: &str = "northwind-demo";

/// Staff of the demo company: name, address, role.
const DEMO_STAFF: &[(&str, &str, Role)] = &[
    ("Priya Raman", "priya@northwind.example", Role::Admin),
    ("Tomás Herrera", "tomas@northwind.example", Role::Agent),
    ("Annika Vogel", "annika@northwind.example", Role::Agent),
    ("Luc Moreau", "luc@northwind.example", Role::Agent),
    ("Sam Okafor", "sam@northwind.example", Role::Viewer),
];

/// What loading the demo did.
#[derive(Debug)]
pub struct DemoOutcome {
    /// The demo workspace.
    pub workspace: Workspace,
    /// False when it was there already (nothing was loaded twice).
    pub created: bool,
}

/// Loads the demo workspace unless it exists.
/// Northwind's own coach rule: bike-shop words its customers do not use.
const DEMO_COACH_RULES: &str = r#"# Northwind's own rules, added to Candor's.
[[rule]]
id = "northwind.ticket-speak"
category = "doublespeak"
message = "Riders do not have tickets; they have a bike that needs fixing."
suggestion = "Name it: \"your question about the brake pads\"."
patterns = ["your (support |service |)ticket (number |)(is|has been|was)"]

[[rule]]
id = "northwind.warranty-wall"
category = "policy"
message = "Hiding behind the warranty terms: say what we can do for the rider."
suggestion = "Say what happens next: \"the frame is past its warranty, but we can repair it for 40 €\"."
patterns = ["(this|that|it) is not covered (by|under) (the|our|your) warranty"]
"#;

pub async fn load(app: &App) -> AppResult<DemoOutcome> {
    match app.db.workspace_by_slug(DEMO_SLUG).await {
        Ok(workspace) => {
            return Ok(DemoOutcome {
                workspace,
                created: false,
            });
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let created = accounts::create_owner_with_slug(
        app,
        Some(DEMO_SLUG),
        "Northwind Cycles",
        DEMO_EMAIL,
        "Maya Lindqvist",
        DEMO_PASSWORD,
    )
    .await;
    let (workspace, owner) = match created {
        Ok(made) => made,
        // Another node loaded it at the same moment.
        Err(AppError::Conflict { .. }) => {
            let workspace = app.db.workspace_by_slug(DEMO_SLUG).await?;
            return Ok(DemoOutcome {
                workspace,
                created: false,
            });
        }
        Err(e) => return Err(e),
    };
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut tx = app.db.begin().await?;
    for (name, email, role) in DEMO_STAFF {
        let name = FullName::parse(name).map_err(|e| AppError::Internal(e.to_string()))?;
        let user = tx
            .create_user(
                app.now(),
                NewUser {
                    workspace_id: workspace.id,
                    email,
                    name: name.as_str(),
                    role: *role,
                    password_hash: Some(&hash),
                },
            )
            .await?;
        tx.append_event(
            app.now(),
            NewEvent {
                workspace_id: workspace.id,
                actor: Actor::Staff(owner.id),
                kind: kind::STAFF_CREATED,
                subject: Subject::new("user", user.id.as_uuid()),
                payload: json!({"email": user.email, "name": user.name, "role": role}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    let started = std::time::Instant::now();
    crate::demo_customers::load(app, workspace.id).await?;
    let customers = started.elapsed();
    // The commitments come first: every conversation is measured by them.
    let now = app.now();
    crate::demo_commitments::load(app, &owner, now - jiff::SignedDuration::from_hours(24 * 100)).await?;
    crate::demo_conversations::load(app, workspace.id).await?;
    let agents: Vec<_> = app
        .db
        .users(workspace.id)
        .await?
        .into_iter()
        .filter(|u| u.role == candor_core::staff::Role::Agent)
        .collect();
    crate::demo_commitments::history(app, workspace.id, &agents, now).await?;
    crate::demo_trust::load(app, workspace.id, &agents, now).await?;
    let conversations = started.elapsed() - customers;
    tracing::debug!(
        customers_ms = customers.as_millis() as u64,
        conversations_ms = conversations.as_millis() as u64,
        "demo data loaded"
    );
    crate::demo_community::load(app, workspace.id).await?;
    crate::demo_social::load(app, &owner).await?;
    if let Some(agent) = agents.first() {
        crate::demo_chat::load(app, &owner, agent).await?;
    }
    crate::coach_rules::put(app, &crate::Caller::session(owner.clone()), "en", DEMO_COACH_RULES).await?;
    crate::demo_campaigns::load(app, &owner).await?;
    Ok(DemoOutcome {
        workspace,
        created: true,
    })
}

/// Keeps a promise of the demo's story, told on a past clock. The story's
/// due times are already past in real time, so another node's job worker
/// (running while this node loads) may judge the promise broken first; the
/// story then simply shows it broken.
pub(crate) async fn keep_story_promise(
    past: &App,
    caller: &crate::caller::Caller,
    id: candor_core::PromiseId,
) -> AppResult<()> {
    match crate::promises::keep(past, caller, id).await {
        Ok(_) => Ok(()),
        Err(AppError::Conflict { .. }) => {
            tracing::info!(promise = %id, "a demo promise was judged broken by another node first");
            Ok(())
        }
        Err(e) => Err(e),
    }
}
