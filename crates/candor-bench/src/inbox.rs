//! The inbox: teams of the staff with their languages and routing rules
//! (made through Candor's operations), and conversations with their messages
//! over two years, as the ingest path, routing, replies, notes and status
//! changes write them: `conversation.created`, `message.received`,
//! `conversation.assigned`, `message.sent`, `note.added` and
//! `conversation.status_changed` events, all filed under the customer.

use crate::bulk::Bulk;
use crate::clocks::Thread;
use crate::datagen::{Gen, StepFuture, V, between};
use crate::people::{EVENT_COLUMNS, event_row, owner};
use crate::rng::{Rng, weighted_prefix};
use crate::seed::Pool;
use crate::texts::{LANGUAGES, Texts};
use anyhow::anyhow;
use candor_app::routing::{AgentInput, RuleInput, TeamInput, create_team, set_rules, update_agent};
use candor_core::conversation::{AgentStatus, Channel, Delivery, MessageKind, Priority, Status};
use candor_core::events::{Actor, kind};
use candor_core::ids::uuid_v7_at;
use candor_core::routing::{Facts, Member, Rule, Team, route};
use candor_core::{UserId, WorkspaceId};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// What the teams step leaves for the conversations.
#[derive(Default)]
pub struct Routing {
    /// The rules, in order.
    pub rules: Vec<Rule>,
    /// Teams with their members (languages, status, load so far).
    pub teams: Vec<Team>,
    /// Staff names by id (replies are signed with them).
    pub names: HashMap<UserId, String>,
    /// Agents, for replies in conversations nobody is assigned to.
    pub agents: Vec<UserId>,
}

/// (name, assignment mode, languages its members speak, share of the agents in tenths)
const TEAMS: &[(&str, &str, &[&str], u64)] = &[
    ("Support English", "round-robin", &["en"], 4),
    ("Support Deutsch", "least-loaded", &["de", "en"], 2),
    ("Support Europe", "round-robin", &["fr", "es", "en"], 2),
    ("Billing", "least-loaded", &["en", "de", "fr", "es"], 1),
    ("VIP", "least-loaded", &["en", "de", "fr", "es"], 1),
];

/// Teams of the agents, their languages and status, and routing rules by tag
/// and language, through Candor's operations (`{team_id}`).
pub fn teams(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let caller = owner(g).await?;
        let ws = WorkspaceId::from_uuid(g.seed.workspace_id);
        let fail = |e: candor_app::AppError| anyhow!("{e}");
        let users = g.app.db.users(ws).await.map_err(|e| anyhow!("{e}"))?;
        let agents: Vec<&candor_store::staff::User> =
            users.iter().filter(|u| u.id.as_uuid() != g.seed.owner_id).collect();
        // Agents go to teams by tenths: 0-3 English, 4-5 German, 6-7 Europe, 8 Billing, 9 VIP.
        let team_of = |i: usize| -> usize {
            let mut t = (i % 10) as u64;
            for (n, (_, _, _, share)) in TEAMS.iter().enumerate() {
                if t < *share {
                    return n;
                }
                t -= share;
            }
            0
        };
        let mut rng = Rng::new(41);
        for (i, a) in agents.iter().enumerate() {
            let (_, _, langs, _) = TEAMS[team_of(i)];
            let input = AgentInput {
                languages: Some(langs.iter().map(|l| l.to_string()).collect()),
                status: Some(if rng.chance(0.1) { "away" } else { "available" }.into()),
            };
            update_agent(&g.app, &caller, a.id, &input).await.map_err(fail)?;
        }
        let mut ids = Vec::new();
        for (n, (name, mode, _, _)) in TEAMS.iter().enumerate() {
            let members: Vec<String> = agents
                .iter()
                .enumerate()
                .filter(|(i, _)| team_of(*i) == n)
                .map(|(_, a)| a.id.to_string())
                .collect();
            let input = TeamInput {
                name: Some(name.to_string()),
                assign_mode: Some(mode.to_string()),
                members: Some(members),
            };
            ids.push(create_team(&g.app, &caller, &input).await.map_err(fail)?.id);
        }
        let rule = |team: usize, tag: Option<&str>, language: Option<&str>| RuleInput {
            tag: tag.map(str::to_string),
            language: language.map(str::to_string),
            team_id: ids[team].to_string(),
            ..RuleInput::default()
        };
        let rules = vec![
            rule(4, Some("vip"), None),
            rule(3, Some("billing"), None),
            rule(1, None, Some("de")),
            rule(2, None, Some("fr")),
            rule(2, None, Some("es")),
            rule(0, None, Some("en")),
        ];
        set_rules(&g.app, &caller, &rules).await.map_err(fail)?;

        // The state routing decides on, as candor_app::routing::route_in loads it.
        let stored = g.app.db.rules(ws).await.map_err(|e| anyhow!("{e}"))?;
        let settings: HashMap<UserId, candor_store::routing::AgentRecord> = g
            .app
            .db
            .agents(ws)
            .await
            .map_err(|e| anyhow!("{e}"))?
            .into_iter()
            .map(|a| (a.user_id, a))
            .collect();
        let teams = g.app.db.teams(ws).await.map_err(|e| anyhow!("{e}"))?;
        g.routing.rules = stored
            .into_iter()
            .map(|r| Rule {
                id: r.id,
                position: r.position,
                channel: r.channel,
                language: r.language,
                tag: r.tag,
                tier: r.tier,
                organization: r.organization_id,
                team: r.team_id,
            })
            .collect();
        g.routing.teams = teams
            .iter()
            .map(|t| Team {
                id: t.id,
                mode: t.mode,
                cursor: t.cursor,
                members: t
                    .members
                    .iter()
                    .map(|u| {
                        let a = settings.get(u);
                        Member {
                            user: *u,
                            languages: a.map(|a| a.languages.clone()).unwrap_or_default(),
                            available: a.is_none_or(|a| a.status == AgentStatus::Available),
                            load: 0,
                        }
                    })
                    .collect(),
            })
            .collect();
        g.routing.names = users.iter().map(|u| (u.id, u.name.clone())).collect();
        g.routing.agents = agents.iter().map(|a| a.id).collect();
        g.seed
            .pool("team_id", Pool::List(ids.iter().map(|t| t.to_string()).collect()));
        Ok(())
    })
}

const CONVERSATION_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "customer_id",
    "channel",
    "thread_ref",
    "subject",
    "status",
    "priority",
    "assignee_id",
    "team_id",
    "tags",
    "language",
    "previous_conversation_id",
    "preview",
    "last_sentiment",
    "message_count",
    "created_at",
    "updated_at",
    "last_activity_at",
];

const MESSAGE_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "conversation_id",
    "kind",
    "body",
    "html",
    "author_type",
    "author_id",
    "author_name",
    "language",
    "sentiment",
    "delivery",
    "channel",
    "external_id",
    "created_at",
];

const CONVERSATION_TAG_COLUMNS: &[&str] = &["workspace_id", "conversation_id", "tag"];

fn channel(rng: &mut Rng) -> Channel {
    match rng.below(100) {
        0..=39 => Channel::Email,
        40..=64 => Channel::Chat,
        65..=79 => Channel::Api,
        80..=89 => Channel::Phone,
        _ => Channel::Social,
    }
}

fn priority(rng: &mut Rng) -> Priority {
    match rng.below(100) {
        0..=14 => Priority::Low,
        15..=79 => Priority::Normal,
        80..=94 => Priority::High,
        _ => Priority::Urgent,
    }
}

/// Where a conversation stands by the age of its start: recent ones open or
/// waiting on the customer, older ones solved, most of the old closed.
fn status(rng: &mut Rng, age: SignedDuration) -> Status {
    let days = age.as_hours() / 24;
    if days < 2 {
        if rng.chance(0.55) {
            Status::Open
        } else {
            Status::Pending
        }
    } else if days < 10 {
        if rng.chance(0.2) {
            Status::Pending
        } else {
            Status::Solved
        }
    } else if rng.chance(0.08) {
        Status::Solved
    } else {
        Status::Closed
    }
}

fn minutes(rng: &mut Rng, lo: i64, hi: i64) -> SignedDuration {
    SignedDuration::from_secs(rng.between(lo * 60, hi * 60))
}

/// Conversations over two years with their messages, tags and events
/// (`{conversation_id}`, `{reply_conversation_id}`).
pub fn conversations(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, n, now) = (g.seed.workspace_id, g.scale.conversations, g.now);
        let owner = Actor::Staff(UserId::from_uuid(g.seed.owner_id));
        let texts = Texts::new();
        let mut rng = Rng::new(53);
        let (from, to) = (
            now - SignedDuration::from_hours(24 * 730),
            now - SignedDuration::from_mins(10),
        );
        let latest = now - SignedDuration::from_mins(1);
        let heavy = g.people.heavy;
        let heavy_every = (n / g.scale.heavy_conversations.max(1)).max(1);
        let mut bulk = Bulk::new(
            g.backend,
            &[
                ("conversations", CONVERSATION_COLUMNS),
                ("messages", MESSAGE_COLUMNS),
                ("conversation_tags", CONVERSATION_TAG_COLUMNS),
                ("events", EVENT_COLUMNS),
            ],
        );
        let sample_every = (n / 10_000).max(1);
        let mut sampled = Vec::new();
        let mut replyable = Vec::new();
        let mut teams = std::mem::take(&mut g.routing.teams);
        for j in 0..n {
            let t0 = between(from, to, j, n);
            let existing = g.people.existing_at(t0.as_microsecond());
            let c = if j % heavy_every == heavy_every / 2 && existing > heavy {
                heavy
            } else {
                weighted_prefix(&mut rng, &g.people.talk, existing)
            };
            let person = &g.people.list[c];
            let customer = person.id;
            let ch = channel(&mut rng);
            let lang = if rng.chance(0.85) {
                person.language
            } else {
                LANGUAGES[rng.below(LANGUAGES.len() as u64) as usize].0
            };
            let topic = &texts.topics[*rng.pick(texts.topics_in(lang))];
            let first = &topic.inbound[0];
            let language = first.language;
            let prio = priority(&mut rng);
            let mut tags: Vec<String> = topic.tag.iter().map(|t| t.to_string()).collect();
            if person.vip {
                tags.push("vip".into());
            }
            // Routing, as route_in decides it (the tier is not known to the facts here).
            let facts = Facts {
                channel: Some(ch),
                language: language.map(str::to_string),
                tags: tags.clone(),
                tier: None,
                organization: None,
            };
            let decision = route(&facts, &g.routing.rules, &teams);
            if let (Some(team), Some(user)) = (decision.team, decision.assignee)
                && let Some(t) = teams.iter_mut().find(|t| t.id == team)
            {
                t.cursor = Some(user);
                if let Some(m) = t.members.iter_mut().find(|m| m.user == user) {
                    m.load += 1;
                }
            }
            let st = status(&mut rng, now.duration_since(t0));
            // The thread: customer and agent by turns, odd lengths end with
            // the customer (open), even with a reply; some carry a note.
            let turns = if st == Status::Open {
                1 + 2 * rng.below(5)
            } else {
                2 + 2 * rng.below(4)
            };
            let note = turns >= 2 && rng.chance(0.1);
            let mut plan: Vec<(MessageKind, Timestamp)> = Vec::new();
            let mut at = t0;
            for k in 0..turns {
                let kind = if k % 2 == 0 {
                    MessageKind::Inbound
                } else {
                    MessageKind::Outbound
                };
                if k > 0 {
                    at += if kind == MessageKind::Outbound {
                        minutes(&mut rng, 10, 480)
                    } else {
                        minutes(&mut rng, 30, 2880)
                    };
                }
                plan.push((kind, at));
                if k == 0 && note {
                    at += minutes(&mut rng, 1, 30);
                    plan.push((MessageKind::Note, at));
                }
            }
            let change = (st != Status::Open).then(|| at + minutes(&mut rng, 1, 2880));
            // Squeeze the thread into the time left before now.
            let end = change.unwrap_or(at);
            let (plan, change) = if end > latest {
                let room = latest.duration_since(t0).as_secs_f64().max(1.0);
                let span = end.duration_since(t0).as_secs_f64().max(1.0);
                let squeeze = |x: Timestamp| {
                    let secs = x.duration_since(t0).as_secs_f64() * room / span;
                    t0 + SignedDuration::from_micros((secs * 1e6) as i64)
                };
                (
                    plan.into_iter().map(|(k, x)| (k, squeeze(x))).collect::<Vec<_>>(),
                    change.map(squeeze),
                )
            } else {
                (plan, change)
            };
            let last_at = plan.last().map(|x| x.1).unwrap_or(t0);
            let agent = decision
                .assignee
                .or_else(|| (!g.routing.agents.is_empty()).then(|| *rng.pick(&g.routing.agents)));
            let agent_name = agent.and_then(|a| g.routing.names.get(&a).cloned()).unwrap_or_default();
            let api = ch == Channel::Api;
            let in_actor = if api { owner } else { Actor::System };
            let subject = topic.subject;
            let thread = match ch {
                Channel::Email => Some(format!("<c{j}@mail.bench.example>")),
                Channel::Chat => Some(format!("chat-session-{j}")),
                Channel::Social => Some(format!("social-thread-{j}")),
                _ => None,
            };

            let id = uuid_v7_at(t0);
            let us = |x: Timestamp| x.as_microsecond();
            let mut events: Vec<Vec<V>> = Vec::with_capacity(plan.len() + 3);
            let mut messages: Vec<Vec<V>> = Vec::with_capacity(plan.len());
            events.push(event_row(
                uuid_v7_at(t0),
                ws,
                us(t0),
                in_actor,
                kind::CONVERSATION_CREATED,
                "conversation",
                id,
                json!({"subject": subject, "channel": ch, "priority": prio, "tags": tags,
                    "previous_conversation_id": Option::<Uuid>::None})
                .to_string(),
                Some(customer),
            ));
            let (mut preview, mut sentiment) = (String::new(), None);
            let (mut inbound_n, mut outbound_n) = (0usize, 0usize);
            for (m, (mkind, mat)) in plan.iter().enumerate() {
                let mid = uuid_v7_at(*mat);
                let (text, author_type, author_id, author_name) = match mkind {
                    MessageKind::Inbound => {
                        let t = &topic.inbound[inbound_n.min(topic.inbound.len() - 1)];
                        inbound_n += 1;
                        (t, "customer", Some(customer), person.name.clone())
                    }
                    MessageKind::Outbound => {
                        let t = &topic.outbound[outbound_n % topic.outbound.len()];
                        outbound_n += 1;
                        (t, "staff", agent.map(|a| a.as_uuid()), agent_name.clone())
                    }
                    MessageKind::Note => (
                        &texts.notes[j as usize % texts.notes.len()],
                        "staff",
                        agent.map(|a| a.as_uuid()),
                        agent_name.clone(),
                    ),
                };
                let external = (*mkind == MessageKind::Inbound)
                    .then(|| match ch {
                        Channel::Email => Some(format!("<m{j}.{m}@mail.bench.example>")),
                        Channel::Chat => Some(format!("chat-{j}-{m}")),
                        Channel::Social => Some(format!("social-{j}-{m}")),
                        _ => None,
                    })
                    .flatten();
                // A reply on a channel that sends is queued, then sent by its adapter.
                let queued =
                    (*mkind == MessageKind::Outbound && ch.delivery_job().is_some()).then_some(Delivery::Queued);
                let stored_delivery = queued.map(|_| Delivery::Sent);
                messages.push(vec![
                    V::Uuid(mid),
                    V::Uuid(ws),
                    V::Uuid(id),
                    V::Text(mkind.as_str().into()),
                    V::Text(text.body.clone()),
                    V::OptText(None),
                    V::Text(author_type.into()),
                    V::OptUuid(author_id),
                    V::Text(author_name.clone()),
                    V::OptText(text.language.map(str::to_string)),
                    V::OptFloat(Some(text.sentiment)),
                    V::OptText(stored_delivery.map(|d| d.as_str().to_string())),
                    V::Text(ch.as_str().into()),
                    V::OptText(external),
                    V::Int(us(*mat)),
                ]);
                let staff_actor = agent.map(Actor::Staff).unwrap_or(owner);
                match mkind {
                    MessageKind::Inbound => {
                        preview = text.preview.clone();
                        sentiment = Some(text.sentiment);
                        events.push(event_row(
                            uuid_v7_at(*mat),
                            ws,
                            us(*mat),
                            in_actor,
                            kind::MESSAGE_RECEIVED,
                            "conversation",
                            id,
                            json!({"message_id": mid, "channel": ch, "excerpt": text.preview,
                                "language": text.language, "sentiment": text.sentiment,
                                "attachments": 0, "subject": subject})
                            .to_string(),
                            Some(customer),
                        ));
                        if m == 0 && decision.team.is_some() {
                            events.push(event_row(
                                uuid_v7_at(*mat),
                                ws,
                                us(*mat),
                                Actor::System,
                                kind::CONVERSATION_ASSIGNED,
                                "conversation",
                                id,
                                json!({"team_id": decision.team, "assignee_id": decision.assignee,
                                    "rule_id": decision.rule, "by": "routing"})
                                .to_string(),
                                Some(customer),
                            ));
                        }
                    }
                    MessageKind::Outbound | MessageKind::Note => {
                        if *mkind == MessageKind::Outbound {
                            preview = text.preview.clone();
                        }
                        let kind = if *mkind == MessageKind::Note {
                            kind::NOTE_ADDED
                        } else {
                            kind::MESSAGE_SENT
                        };
                        events.push(event_row(
                            uuid_v7_at(*mat),
                            ws,
                            us(*mat),
                            staff_actor,
                            kind,
                            "conversation",
                            id,
                            json!({"message_id": mid, "channel": ch, "excerpt": text.preview,
                                "author": agent_name, "delivery": queued, "subject": subject})
                            .to_string(),
                            Some(customer),
                        ));
                    }
                }
            }
            if let Some(when) = change {
                events.push(event_row(
                    uuid_v7_at(when),
                    ws,
                    us(when),
                    agent.map(Actor::Staff).unwrap_or(owner),
                    kind::CONVERSATION_STATUS_CHANGED,
                    "conversation",
                    id,
                    json!({"from": Status::Open, "to": st, "subject": subject}).to_string(),
                    Some(customer),
                ));
            }
            let conversation = vec![
                V::Uuid(id),
                V::Uuid(ws),
                V::Uuid(customer),
                V::Text(ch.as_str().into()),
                V::OptText(thread),
                V::Text(subject.into()),
                V::Text(st.as_str().into()),
                V::Text(prio.as_str().into()),
                V::OptUuid(decision.assignee.map(|u| u.as_uuid())),
                V::OptUuid(decision.team.map(|t| t.as_uuid())),
                V::Text(serde_json::to_string(&tags)?),
                V::OptText(language.map(str::to_string)),
                V::OptUuid(None),
                V::Text(preview),
                V::OptFloat(sentiment),
                V::Int(plan.len() as i64),
                V::Int(us(t0)),
                V::Int(us(change.unwrap_or(last_at))),
                V::Int(us(last_at)),
            ];
            g.put(&mut bulk, 0, conversation).await?;
            for m in messages {
                g.put(&mut bulk, 1, m).await?;
            }
            for tag in &tags {
                g.put(&mut bulk, 2, vec![V::Uuid(ws), V::Uuid(id), V::Text(tag.clone())])
                    .await?;
            }
            if c == heavy {
                g.people.heavy_events += events.len() as u64;
            }
            for e in events {
                g.put(&mut bulk, 3, e).await?;
            }
            g.threads.push(Thread {
                id,
                customer: c,
                channel: ch,
                priority: prio,
                status: st,
                subject,
                assignee: decision.assignee,
                agent,
                steps: plan,
                change,
            });
            if j % sample_every == 0 {
                sampled.push(id.to_string());
            }
            if api && matches!(st, Status::Open | Status::Pending) && replyable.len() < 10_000 {
                replyable.push(id.to_string());
            }
        }
        g.finish(bulk).await?;
        g.routing.teams = teams;
        g.seed.pool("conversation_id", Pool::List(sampled));
        if replyable.is_empty() {
            return Err(anyhow!("no open conversation on the API channel to reply to"));
        }
        g.seed.pool("reply_conversation_id", Pool::List(replyable));
        Ok(())
    })
}
