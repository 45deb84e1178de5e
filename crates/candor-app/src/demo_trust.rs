//! The demo's trust stories, on top of the answered history (whose solved
//! conversations and promises are steps already): a tier A rider whose last
//! two contacts went badly (late first replies, a sale pushed at an angry
//! customer, upset to the end), so the trajectory falls, the rider is at risk
//! and the inbox shows the alert; and a tier A rider whose contact went well
//! (a fast answer, the tone rising to thanks, a promise kept, preferences and
//! consent shared).

use crate::caller::Caller;
use crate::context::App;
use crate::conversations::{UpdateConversation, add_message_as, update};
use crate::customers::{self, UpdateCustomer};
use crate::demo_commitments::{catch_up, in_the_past, reply_with_redress};
use crate::error::AppResult;
use crate::ingest::{InboundMessage, ingest};
use crate::promises::{self, MakePromise};
use crate::reference::CustomerRef;
use candor_core::conversation::{Channel, Priority};
use candor_core::customer::Preferences;
use candor_core::value::{Stage, Tier};
use candor_core::{ConversationId, CustomerId, ManualClock, WorkspaceId};
use candor_store::staff::User;
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde_json::json;

fn weekday_before(date: Date) -> Date {
    let mut d = date.yesterday().unwrap_or(date);
    while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
        d = d.yesterday().unwrap_or(d);
    }
    d
}

fn at(tz: &TimeZone, day: Date, hour: i8, minute: i8) -> Timestamp {
    day.at(hour, minute, 0, 0)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or_default()
}

/// Tier A customers with no step yet, so each story's steps are their latest.
async fn untouched_tier_a(app: &App, ws: WorkspaceId) -> AppResult<Vec<CustomerId>> {
    let mut out = Vec::new();
    for (id, _) in app.db.customer_names(ws).await? {
        let c = app.db.customer(ws, id).await?;
        if c.value.tier == Some(Tier::A)
            && c.value.stage == Stage::Customer
            && app.db.trust_steps(ws, id, 1).await?.is_empty()
        {
            out.push(id);
        }
    }
    Ok(out)
}

struct Story<'a> {
    past: &'a App,
    clock: &'a ManualClock,
    ws: WorkspaceId,
    agent: &'a Caller,
}

impl Story<'_> {
    async fn open(
        &self,
        customer: CustomerId,
        when: Timestamp,
        n: usize,
        subject: &str,
        text: &str,
    ) -> AppResult<ConversationId> {
        self.clock.set(when);
        let mut m = InboundMessage::new(self.ws, CustomerRef::Id(customer), Channel::Email, text);
        m.subject = Some(subject.into());
        m.priority = Some(Priority::Normal);
        m.external_id = Some(format!("demo-trust-{n}"));
        let id = ingest(self.past, m).await?.conversation.id;
        let assign = UpdateConversation {
            assignee_id: Some(json!(self.agent.user.id.to_string())),
            ..Default::default()
        };
        update(self.past, self.agent, id, &assign).await?;
        Ok(id)
    }

    async fn customer_writes(&self, id: ConversationId, when: Timestamp, text: &str) -> AppResult<()> {
        catch_up(self.past, self.clock, self.ws, id, when).await?;
        add_message_as(self.past, self.agent, id, "inbound", text, false).await?;
        Ok(())
    }

    async fn reply(&self, id: ConversationId, when: Timestamp, text: &str) -> AppResult<()> {
        catch_up(self.past, self.clock, self.ws, id, when).await?;
        reply_with_redress(self.past, self.agent, self.ws, id, text).await
    }

    async fn solve(&self, id: ConversationId, when: Timestamp) -> AppResult<()> {
        catch_up(self.past, self.clock, self.ws, id, when).await?;
        let solved = UpdateConversation {
            status: Some("solved".into()),
            ..Default::default()
        };
        update(self.past, self.agent, id, &solved).await?;
        Ok(())
    }
}

/// Adds the trust stories (after the history, at `now`).
pub async fn load(app: &App, ws: WorkspaceId, agents: &[User], now: Timestamp) -> AppResult<()> {
    let (Some(agent), Some(other)) = (agents.first(), agents.get(1)) else {
        return Ok(());
    };
    let tz = crate::insight::workspace_calendar(app, ws).await?.time_zone().clone();
    let today = now.to_zoned(tz.clone()).date();
    let candidates = untouched_tier_a(app, ws).await?;
    let (Some(falling), Some(trusting)) = (candidates.first().copied(), candidates.get(1).copied()) else {
        return Ok(());
    };
    let (past, clock) = in_the_past(app, now);
    let (agent, other) = (Caller::session(agent.clone()), Caller::session(other.clone()));

    // The rider whose trust falls: two contacts in a row that went badly.
    let s = Story {
        past: &past,
        clock: &clock,
        ws,
        agent: &agent,
    };
    let d2 = weekday_before(today);
    let d1 = weekday_before(d2);
    let c = s
        .open(
            falling,
            at(&tz, d1, 10, 0),
            1,
            "Cargo bike motor cuts out",
            "The motor of my new cargo bike cuts out on every hill. I use it for deliveries and I am losing money every day this goes on. This is really frustrating.",
        )
        .await?;
    s.reply(
        c,
        at(&tz, d1, 15, 30),
        "Please check the battery contacts. By the way, have you seen our special offer on spare batteries?",
    )
    .await?;
    s.customer_writes(
        c,
        at(&tz, d1, 16, 0),
        "The contacts are fine. It cut out again on the way home. This is not acceptable.",
    )
    .await?;
    s.reply(
        c,
        at(&tz, d1, 16, 40),
        "Bring it in tomorrow and we will look at the controller.",
    )
    .await?;
    s.solve(c, at(&tz, d1, 17, 0)).await?;
    let c = s
        .open(
            falling,
            at(&tz, d2, 9, 15),
            2,
            "Still cutting out after the repair",
            "You kept my bike for a day and the motor still cuts out. I am very disappointed and I am thinking of returning it.",
        )
        .await?;
    s.reply(c, at(&tz, d2, 14, 45), "We are sorry. A technician will call you.")
        .await?;
    s.solve(c, at(&tz, d2, 15, 0)).await?;

    // The rider whose trust grows: a fast, kind answer, a promise kept, and
    // what the rider chose to tell us.
    let s = Story {
        past: &past,
        clock: &clock,
        ws,
        agent: &other,
    };
    let d = weekday_before(d1);
    let c = s
        .open(
            trusting,
            at(&tz, d, 11, 0),
            3,
            "Chain keeps falling off",
            "The chain on my daughter's bike keeps falling off and she is upset because she cannot ride to school.",
        )
        .await?;
    s.reply(
        c,
        at(&tz, d, 11, 20),
        "The rear derailleur needs a small turn of the limit screw; here is how. If it still slips, bring it by and we fix it while you wait.",
    )
    .await?;
    let due = at(&tz, d, 17, 0);
    let p = promises::make(
        &past,
        &other,
        &MakePromise {
            conversation_id: c.to_string(),
            description: "call you this afternoon to check the chain holds".into(),
            due_at: due.to_string(),
            ..Default::default()
        },
        "hand",
    )
    .await?;
    s.customer_writes(
        c,
        at(&tz, d, 12, 0),
        "Thank you so much, that fixed it! She rode to school happily. Great service.",
    )
    .await?;
    clock.set(at(&tz, d, 15, 0));
    crate::demo::keep_story_promise(&past, &other, p.id).await?;
    s.solve(c, at(&tz, d, 15, 10)).await?;
    clock.set(at(&tz, d, 15, 20));
    let shared = UpdateCustomer {
        name: None,
        tags: None,
        attributes: None,
        organization_id: None,
        preferences: Some(Preferences {
            language: Some("en".into()),
            channel: Some("email".into()),
            time_zone: Some("Europe/Berlin".into()),
            quiet_hours: None,
            do_not_contact: Vec::new(),
        }),
        consent: serde_json::from_value(json!({"newsletter": {"given": true, "how": "said yes on the phone"}})).ok(),
    };
    customers::update(&past, &other, trusting, &shared).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_before_skip_weekends() {
        let monday = Date::constant(2026, 3, 9);
        assert_eq!(weekday_before(monday), Date::constant(2026, 3, 6));
        assert_eq!(weekday_before(Date::constant(2026, 3, 11)), Date::constant(2026, 3, 10));
    }
}
