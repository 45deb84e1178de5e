//! What the Pact tests share: a workspace with published commitments on
//! Monday–Friday 09:00–18:00 UTC, staff, a clock to move, and a worker with
//! the Pact's jobs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use candor_app::conversations::{self, CreateConversation, UpdateConversation};
use candor_app::reference::CustomerByIdentity;
use candor_app::worker::{Step, Worker};
use candor_app::{App, Caller, accounts, commitments};
use candor_core::commitments::{Commitment, Commitments, RedressAction};
use candor_core::hours::{BusinessCalendar, OpenInterval, WeeklyHours};
use candor_core::staff::Role;
use candor_core::{ConversationId, ManualClock, WorkspaceId};
use candor_store::Db;
use candor_store::staff::{NewUser, User};
use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

/// Monday 2 March 2026, 09:00 UTC: the hour the office opens.
pub fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

pub fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

pub struct Pact {
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub ws: WorkspaceId,
    pub owner: Caller,
    pub agent: Caller,
    pub worker: Worker,
}

/// Email at normal priority: first reply 1 hour, next reply 2 hours,
/// resolution 8 business hours; warnings at 75%.
pub fn commitments(actions: Vec<RedressAction>) -> Commitments {
    let hours = WeeklyHours::weekdays(&[OpenInterval::new(
        Time::constant(9, 0, 0, 0),
        Time::constant(18, 0, 0, 0),
    )]);
    Commitments {
        calendar: BusinessCalendar::new("UTC", hours, Default::default()).unwrap(),
        warn_at: 0.75,
        commitments: vec![Commitment {
            channel: "email".into(),
            priority: "normal".into(),
            first_reply: Some("PT1H".parse().unwrap()),
            next_reply: Some("PT2H".parse().unwrap()),
            resolution: Some("PT8H".parse().unwrap()),
        }],
        redress: "We take 10% off your next service.".into(),
        redress_actions: actions,
    }
}

pub async fn staff(app: &App, ws: WorkspaceId, name: &str, role: Role) -> User {
    let mut tx = app.db.begin().await.unwrap();
    let email = format!("{}@acme.example", name.split(' ').next().unwrap().to_lowercase());
    let u = tx
        .create_user(
            app.now(),
            NewUser {
                workspace_id: ws,
                email: &email,
                name,
                role,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    u
}

pub async fn pact(db: Db, slug_name: &str, actions: Vec<RedressAction>) -> Pact {
    pact_with(db, slug_name, commitments(actions)).await
}

/// Email at urgent priority: first reply 30 minutes, next reply 1 hour,
/// resolution 4 business hours.
pub fn urgent() -> Commitment {
    Commitment {
        channel: "email".into(),
        priority: "urgent".into(),
        first_reply: Some("PT30M".parse().unwrap()),
        next_reply: Some("PT1H".parse().unwrap()),
        resolution: Some("PT4H".parse().unwrap()),
    }
}

/// A workspace with `published` in force from a week before `t0()`.
pub async fn pact_with(db: Db, slug_name: &str, published: Commitments) -> Pact {
    // The commitments come into force a week before the tests' conversations.
    let clock = Arc::new(ManualClock::new(t0() - SignedDuration::from_hours(24 * 7)));
    let app = App::new(db, clock.clone());
    let email = format!("olivia@{}.example", slug_name.to_lowercase());
    let (ws, owner) = accounts::create_owner(&app, slug_name, &email, "Olivia Owner", "correct horse battery")
        .await
        .unwrap();
    let owner = Caller::session(owner);
    commitments::publish(&app, &owner, &published).await.unwrap();
    let agent = Caller::session(staff(&app, ws.id, "Andrea Agent", Role::Agent).await);
    clock.set(t0());
    let mut worker = Worker::new(app.clone());
    candor_app::breaches::register_jobs(&mut worker);
    candor_app::promises::register_jobs(&mut worker);
    Pact {
        app,
        clock,
        ws: ws.id,
        owner,
        agent,
        worker,
    }
}

impl Pact {
    /// Opens an email conversation at the current time, assigned to the agent.
    pub async fn open(&self, email: &str) -> ConversationId {
        self.open_on(email, "email").await
    }

    pub async fn open_on(&self, email: &str, channel: &str) -> ConversationId {
        let input = CreateConversation {
            customer: Some(CustomerByIdentity {
                kind: "email".into(),
                value: email.into(),
                name: Some("Jane Doe".into()),
            }),
            subject: Some("The light does not work".into()),
            body: "The front light I bought last week does not turn on.".into(),
            channel: Some(channel.into()),
            ..Default::default()
        };
        let v = conversations::create(&self.app, &self.owner, &input).await.unwrap();
        let id: ConversationId = v.id.parse().unwrap();
        let change = UpdateConversation {
            assignee_id: Some(serde_json::Value::String(self.agent.user.id.to_string())),
            ..Default::default()
        };
        conversations::update(&self.app, &self.owner, id, &change)
            .await
            .unwrap();
        id
    }

    pub async fn reply(&self, id: ConversationId, body: &str) {
        conversations::add_message(&self.app, &self.agent, id, "outbound", body)
            .await
            .unwrap();
    }

    pub async fn customer_writes(&self, id: ConversationId, body: &str) {
        conversations::add_message(&self.app, &self.agent, id, "inbound", body)
            .await
            .unwrap();
    }

    pub async fn set_priority(&self, id: ConversationId, priority: &str) {
        let change = UpdateConversation {
            priority: Some(priority.into()),
            ..Default::default()
        };
        conversations::update(&self.app, &self.agent, id, &change)
            .await
            .unwrap();
    }

    pub async fn set_status(&self, id: ConversationId, status: &str) {
        let change = UpdateConversation {
            status: Some(status.into()),
            ..Default::default()
        };
        conversations::update(&self.app, &self.agent, id, &change)
            .await
            .unwrap();
    }

    /// Moves the clock to `at` and runs every job due by then.
    pub async fn at(&self, at: Timestamp) -> Vec<Step> {
        self.clock.set(at);
        self.worker.drain().await.unwrap()
    }

    pub async fn events(&self, kind: &str) -> Vec<candor_store::events::Event> {
        let page = self.app.db.events(self.ws, None, 500).await.unwrap();
        page.items.into_iter().filter(|e| e.kind == kind).collect()
    }
}
