//! The public community in the data set: its settings and the staff who
//! answer in public (through candor-app), then topics over two years as the
//! posting, reply, status, accepted-answer, "me too" and follow operations
//! write them: the topic row with its counters kept true, tags, replies,
//! status changes, "me too"s and followers, every event, the emails to
//! followers in the outbox, and the search index (an FTS5 row per post on
//! SQLite; PostgreSQL fills its generated tsvector columns itself).
//! Replies are spread heavy-tailed; one topic, left in the seed as
//! `{topic_slug}`, has exactly the scale's number of replies. Signing in
//! is `signins`.

use crate::bulk::Bulk;
use crate::datagen::{Gen, StepFuture, V, between};
use crate::forum_mail::OUTBOX_COLUMNS;
use crate::forum_texts::{ABOUT, BUSY, OPENINGS, Opening, TITLES};
use crate::people::{EVENT_COLUMNS, People, owner};
use crate::rng::{Rng, weighted_prefix};
use crate::signins::{self, Visit};
use crate::texts;
use crate::topics::{
    FOLLOWER_COLUMNS, FTS_COLUMNS, ME_TOO_COLUMNS, REPLY_COLUMNS, STATUS_COLUMNS, TAG_COLUMNS, TOPIC_COLUMNS,
};
use anyhow::anyhow;
use candor_app::community::markdown::render;
use candor_app::community::staff::{SettingsInput, set_person, update_settings};
use candor_app::community::staff_role;
use candor_app::demo_commitments::in_the_past;
use candor_core::community::{TopicKind, TopicStatus};
use candor_core::staff::Role;
use candor_core::{UserId, WorkspaceId};
use candor_store::Backend;
use candor_store::community::Person;
use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Microseconds, as the tables keep times.
pub fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// A heavy-tailed count: Pareto with shape `alpha`, drawn again above
/// `max` (a cap would pile the tail up on one value).
fn truncated(rng: &mut Rng, alpha: f64, max: f64) -> f64 {
    for _ in 0..16 {
        let x = rng.pareto(alpha, f64::MAX);
        if x < max {
            return x;
        }
    }
    1.0
}

/// A staff member who answers in public.
pub struct Staff {
    /// Who.
    pub id: UserId,
    /// Their real name.
    pub name: String,
    /// Their public title, or their role in words.
    pub role: String,
}

/// How a topic's life goes: how much happens on it, over how long.
pub struct Shape {
    /// What it opens with.
    pub opening: &'static Opening,
    /// The product its title and body name.
    pub product: &'static str,
    /// Customers' replies.
    pub replies: usize,
    /// Staff replies (the first of them official).
    pub answers: usize,
    /// "Me too"s.
    pub me_too: usize,
    /// Followers besides the poster.
    pub followers: usize,
    /// The statuses staff set, in order.
    pub statuses: Vec<TopicStatus>,
    /// Whether a question gets an accepted answer.
    pub accept: bool,
    /// The span its activity spreads over.
    pub life: SignedDuration,
}

/// The step's state across topics.
pub struct Forum {
    /// The workspace.
    pub ws: Uuid,
    /// Its slug.
    pub slug: String,
    /// Its name, which the community goes by.
    pub name: String,
    /// Nothing happens after this.
    pub now: Timestamp,
    /// Whether posts go into SQLite's FTS5 table.
    pub sqlite: bool,
    /// The step's random numbers.
    pub rng: Rng,
    /// The staff who answer.
    pub staff: Vec<Staff>,
    /// Topic slugs in use.
    pub taken: HashSet<String>,
    html: HashMap<String, String>,
    /// Who did what when, for the sign-ins.
    pub visits: Vec<Visit>,
}

impl Forum {
    /// Markdown rendered and sanitised as posting does, once per text.
    pub fn html(&mut self, markdown: &str) -> String {
        self.html
            .entry(markdown.to_string())
            .or_insert_with(|| render(markdown))
            .clone()
    }

    /// Up to `k` different customers who existed at `at`, none of `not`:
    /// drawn by how much each writes, then evenly once those run out.
    pub fn distinct(&mut self, people: &People, at: Timestamp, k: usize, not: &HashSet<usize>) -> Vec<usize> {
        let existing = people.existing_at(us(at)).max(1);
        let mut out: Vec<usize> = Vec::with_capacity(k);
        let mut seen = not.clone();
        for attempt in 0..k * 8 {
            if out.len() == k {
                break;
            }
            let p = if attempt < k * 4 {
                weighted_prefix(&mut self.rng, &people.talk, existing)
            } else {
                self.rng.below(existing as u64) as usize
            };
            if p != people.heavy && seen.insert(p) {
                out.push(p);
            }
        }
        out
    }

    pub fn shape(&mut self, busy: bool, age: SignedDuration, replies_busy: u64) -> Shape {
        let rng = &mut self.rng;
        let room = (age - SignedDuration::from_mins(1)).max(SignedDuration::from_mins(1));
        if busy {
            let answers = 12usize.min(replies_busy as usize);
            return Shape {
                opening: &BUSY,
                product: "",
                replies: replies_busy as usize - answers,
                answers,
                me_too: 150,
                followers: 40,
                statuses: vec![TopicStatus::Acknowledged, TopicStatus::InProgress],
                accept: false,
                life: room,
            };
        }
        let k = match rng.below(100) {
            0..=39 => TopicKind::Question,
            40..=69 => TopicKind::Problem,
            70..=87 => TopicKind::Idea,
            _ => TopicKind::Praise,
        };
        let of_kind: Vec<&'static Opening> = OPENINGS.iter().filter(|o| o.kind == k).collect();
        let opening = of_kind[rng.below(of_kind.len() as u64) as usize];
        let product = texts::product(rng.unit()).1;
        let replies = (truncated(rng, 1.2, 300.0) as usize).saturating_sub(1);
        let answered = rng.chance(match k {
            TopicKind::Question => 0.75,
            TopicKind::Problem => 0.8,
            TopicKind::Idea => 0.55,
            TopicKind::Praise => 0.35,
        });
        // In long threads staff come back now and then.
        let answers = if answered { 1 + replies / 15 } else { 0 };
        let me_too = match k {
            TopicKind::Praise => 0,
            _ => (truncated(rng, 1.5, 100.0) as usize).saturating_sub(1),
        };
        let followers = (truncated(rng, 1.8, 40.0) as usize).saturating_sub(1);
        let mut statuses = Vec::new();
        if answered && matches!(k, TopicKind::Problem | TopicKind::Idea) && rng.chance(0.7) {
            statuses.push(TopicStatus::Acknowledged);
            if k == TopicKind::Idea && rng.chance(0.2) {
                statuses.push(TopicStatus::WontDo);
            } else {
                if k == TopicKind::Idea && rng.chance(0.5) {
                    statuses.push(TopicStatus::Planned);
                }
                if rng.chance(0.6) {
                    statuses.push(TopicStatus::InProgress);
                    if rng.chance(0.7) {
                        statuses.push(TopicStatus::Done);
                    }
                }
            }
        }
        let accept = k == TopicKind::Question && replies + answers > 0 && rng.chance(0.55);
        let days = truncated(rng, 1.3, 365.0);
        let life = SignedDuration::from_secs((days * 86_400.0) as i64).min(room);
        Shape {
            opening,
            product,
            replies,
            answers,
            me_too,
            followers,
            statuses,
            accept,
            life,
        }
    }

    /// A moment in the topic's life: `u` of the way through, early more likely.
    pub fn during(&mut self, at: Timestamp, life: SignedDuration) -> Timestamp {
        let u = self.rng.unit();
        let secs = (life.as_secs_f64() * u * u).max(60.0);
        at + SignedDuration::from_secs(secs as i64)
    }
}

/// The community: settings, the staff's public titles, the topics with
/// everything on them, and the sign-ins behind them (`{topic_slug}`).
pub fn community(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (now, n) = (g.now, g.scale.topics.max(1));
        let wsid = WorkspaceId::from_uuid(g.seed.workspace_id);
        let fail = |e: candor_app::AppError| anyhow!("{e}");
        let (from, to) = (
            now - SignedDuration::from_hours(24 * 730),
            now - SignedDuration::from_hours(1),
        );
        let caller = owner(g).await?;
        let (past, _) = in_the_past(&g.app, from - SignedDuration::from_hours(24));
        let settings = SettingsInput {
            moderate_first_posts: Some(false),
            about: Some(ABOUT.into()),
        };
        update_settings(&past, &caller, &settings).await.map_err(fail)?;
        let users = g.app.db.users(wsid).await.map_err(|e| anyhow!("{e}"))?;
        let agents: Vec<_> = users
            .iter()
            .filter(|u| u.active && u.role == Role::Agent)
            .take(TITLES.len())
            .collect();
        let mut staff = Vec::new();
        for (u, (title, bio)) in agents.into_iter().zip(TITLES) {
            let person = Person {
                user_id: u.id,
                title: title.to_string(),
                bio: bio.to_string(),
            };
            set_person(&past, &caller, &person).await.map_err(fail)?;
            let role = staff_role(&g.app, u).await.map_err(fail)?;
            staff.push(Staff {
                id: u.id,
                name: u.name.clone(),
                role,
            });
        }
        if staff.is_empty() {
            return Err(anyhow!("no agent to answer in the community"));
        }
        let workspace = g
            .app
            .db
            .workspace_by_slug(&g.seed.workspace_slug)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let sqlite = g.backend == Backend::Sqlite;
        let mut forum = Forum {
            ws: g.seed.workspace_id,
            slug: workspace.slug.clone(),
            name: workspace.name.clone(),
            now,
            sqlite,
            rng: Rng::new(89),
            staff,
            taken: HashSet::new(),
            html: HashMap::new(),
            visits: Vec::new(),
        };
        let mut tables: Vec<(&'static str, &'static [&'static str])> = vec![
            ("community_topics", TOPIC_COLUMNS),
            ("community_topic_tags", TAG_COLUMNS),
            ("community_replies", REPLY_COLUMNS),
            ("community_status_changes", STATUS_COLUMNS),
            ("community_me_too", ME_TOO_COLUMNS),
            ("community_followers", FOLLOWER_COLUMNS),
            ("events", EVENT_COLUMNS),
            ("outbox", OUTBOX_COLUMNS),
        ];
        if sqlite {
            tables.push(("community_fts", FTS_COLUMNS));
        }
        let mut bulk = Bulk::new(g.backend, &tables);
        // The measured topic started about two months ago (at every scale).
        let busy = n - 1 - (n * 60 / 730).min(n - 1);
        let mut busy_slug = None;
        let heavy = g.people.heavy;
        for i in 0..n {
            let at = between(from, to, i, n);
            let shape = forum.shape(i == busy, now.duration_since(at), g.scale.topic_replies);
            let rows = forum.topic(&g.people, at, &shape)?;
            if i == busy
                && let Some((_, row)) = rows.first()
                && let Some(V::Text(s)) = row.get(2)
            {
                let want = g.scale.topic_replies as i64;
                if !matches!(row.get(22), Some(V::Int(n)) if *n == want) {
                    return Err(anyhow!("the measured topic does not have {want} replies"));
                }
                busy_slug = Some(s.clone());
            }
            for (table, row) in rows {
                g.put(&mut bulk, table, row).await?;
            }
        }
        g.finish(bulk).await?;
        let visits = std::mem::take(&mut forum.visits);
        g.people.heavy_events += signins::write(g, visits, &workspace.name, heavy).await?;
        let slug = busy_slug.ok_or_else(|| anyhow!("the measured topic was not written"))?;
        g.seed.var("topic_slug", slug);
        Ok(())
    })
}
