//! One community topic and everything that happens on it, in time order, as
//! the operations write it: posting (the topic, its tags, its search entry,
//! the poster following it), replies, status changes, an accepted answer,
//! "me too"s and follows, each with its event, and the emails followers get.
//! The topic row is written last, with the counters `Tx::recount_topic`
//! keeps and the `updated_at` every change moves.

use crate::community::{Forum, Shape, us};
use crate::datagen::V;
use crate::forum_mail::{self, News, outbox_row};
use crate::forum_texts::{ANSWERS, REPLIES, moods};
use crate::people::{People, Person, event_row};
use crate::rng::weighted_prefix;
use crate::signins::{Deed, Visit};
use anyhow::{Result, anyhow};
use candor_app::community::check_tags;
use candor_core::community::{
    Mood, ReplyId, TopicId, TopicStatus, Visibility, check_body, check_title, kind, topic_slug, unique_slug,
};
use candor_core::events::Actor;
use candor_core::ids::uuid_v7_at;
use candor_core::{CustomerId, UserId};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::collections::HashSet;
use uuid::Uuid;

/// The columns of `community_topics`.
pub const TOPIC_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "slug",
    "kind",
    "title",
    "body",
    "body_html",
    "mood",
    "customer_id",
    "author_name",
    "status",
    "status_note",
    "status_at",
    "visibility",
    "locked",
    "merged_into",
    "private_note",
    "conversation_id",
    "accepted_reply_id",
    "tags",
    "me_too",
    "followers",
    "replies",
    "first_official_at",
    "last_activity_at",
    "created_at",
    "updated_at",
];
/// The columns of `community_topic_tags`.
pub const TAG_COLUMNS: &[&str] = &["workspace_id", "topic_id", "tag"];
/// The columns of `community_replies`.
pub const REPLY_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "topic_id",
    "customer_id",
    "user_id",
    "author_name",
    "author_role",
    "official",
    "body",
    "body_html",
    "visibility",
    "created_at",
];
/// The columns of `community_status_changes`.
pub const STATUS_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "topic_id",
    "status",
    "note",
    "note_html",
    "user_id",
    "author_name",
    "author_role",
    "created_at",
];
/// The columns of `community_me_too`.
pub const ME_TOO_COLUMNS: &[&str] = &["workspace_id", "topic_id", "customer_id", "created_at"];
/// The columns of `community_followers`.
pub const FOLLOWER_COLUMNS: &[&str] = &["workspace_id", "topic_id", "customer_id", "email", "created_at"];
/// The columns of `community_fts` (SQLite only).
pub const FTS_COLUMNS: &[&str] = &["title", "body", "workspace_id", "topic_id", "reply_id"];

/// The tables' places in the step's `Bulk`, parents first; `FTS` only on SQLite.
pub const TOPICS: usize = 0;
const TAGS: usize = 1;
const REPLIES_T: usize = 2;
const STATUSES: usize = 3;
const ME_TOO: usize = 4;
const FOLLOWERS: usize = 5;
const EVENTS: usize = 6;
const OUTBOX: usize = 7;
const FTS: usize = 8;

/// Rows tagged with their table's place.
pub type Rows = Vec<(usize, Vec<V>)>;

/// What happens on a topic after it is posted.
enum Act {
    Reply { by: Author, official: bool },
    Status(TopicStatus, usize),
    Accept { asker: bool, staff: usize },
    MeToo(usize),
    Follow(usize),
}

#[derive(Clone, Copy)]
enum Author {
    /// A customer, by index.
    Customer(usize),
    /// A staff member of the forum, by index.
    Staff(usize),
}

/// A topic being written: its row's fields as they change, and its other rows.
struct Live<'p> {
    id: Uuid,
    created: Timestamp,
    slug: String,
    title: String,
    body: String,
    tags: Vec<String>,
    mood: Option<Mood>,
    poster: usize,
    p: &'p Person,
    followers: Vec<usize>,
    replies: i64,
    me_too: i64,
    updated: i64,
    last_activity: i64,
    first_official: Option<i64>,
    status: TopicStatus,
    note: Option<String>,
    status_at: Option<i64>,
    accepted: Option<Uuid>,
    first_reply: Option<Uuid>,
    official_reply: Option<Uuid>,
    rows: Rows,
}

impl Live<'_> {
    /// A change at `t` (`Tx::recount_topic`): `updated_at` always moves,
    /// the last activity only for replies and the staff's changes.
    fn touch(&mut self, t: Timestamp, activity: bool) {
        self.updated = if self.updated >= us(t) { self.updated + 1 } else { us(t) };
        if activity {
            self.last_activity = us(t);
        }
    }

    fn event(&mut self, ws: Uuid, t: Timestamp, actor: Actor, kind: &str, payload: serde_json::Value, about: Uuid) {
        let row = event_row(
            uuid_v7_at(t),
            ws,
            us(t),
            actor,
            kind,
            "community_topic",
            self.id,
            payload.to_string(),
            Some(about),
        );
        self.rows.push((EVENTS, row));
    }
}

impl Forum {
    /// The rows of one topic posted at `at` and everything that happens on it.
    pub fn topic(&mut self, people: &People, at: Timestamp, shape: &Shape) -> Result<Rows> {
        let mut live = self.post(people, at, shape)?;
        for (t, act) in self.plan(people, at, shape, live.poster) {
            match act {
                Act::Reply { by, official } => self.reply(people, &mut live, t, by, official)?,
                Act::Status(s, who) => self.status(people, &mut live, t, s, who),
                Act::Accept { asker, staff } => self.accept(&mut live, t, asker, staff),
                Act::MeToo(who) => self.join(people, &mut live, t, who, false)?,
                Act::Follow(who) => self.join(people, &mut live, t, who, true)?,
            }
        }
        self.finish(live, shape)
    }

    /// Posting (`posting::post_topic`): the topic's slug, tags, search entry
    /// and event, and the poster following it.
    fn post<'p>(&mut self, people: &'p People, at: Timestamp, shape: &Shape) -> Result<Live<'p>> {
        let ws = self.ws;
        let poster = weighted_prefix(&mut self.rng, &people.talk, people.existing_at(us(at)).max(1));
        let p = people.list.get(poster).ok_or_else(|| anyhow!("no customer to post"))?;
        let o = shape.opening;
        let title = check_title(&o.title.replace("{product}", shape.product)).map_err(|e| anyhow!(e))?;
        let base = topic_slug(&title);
        let mut id = TopicId::new_at(at);
        let slug = if self.taken.contains(&base) {
            // A slug taken twice would fail the unique index, and the poster would try again.
            let mut s = unique_slug(&base, id.as_uuid());
            while self.taken.contains(&s) {
                id = TopicId::new_at(at);
                s = unique_slug(&base, id.as_uuid());
            }
            s
        } else {
            base
        };
        self.taken.insert(slug.clone());
        let tid = id.as_uuid();
        let tags = check_tags(&o.tags.iter().map(|t| t.to_string()).collect::<Vec<_>>()).map_err(|e| anyhow!("{e}"))?;
        let body = check_body(&o.body.replace("{product}", shape.product), false).map_err(|e| anyhow!(e))?;
        let mood: Option<Mood> = *self.rng.pick(moods(o.kind));
        let mut live = Live {
            id: tid,
            created: at,
            slug,
            title,
            body,
            tags,
            mood,
            poster,
            p,
            followers: vec![poster],
            replies: 0,
            me_too: 0,
            updated: us(at),
            last_activity: us(at),
            first_official: None,
            status: TopicStatus::New,
            note: None,
            status_at: None,
            accepted: None,
            first_reply: None,
            official_reply: None,
            rows: Vec::new(),
        };
        for tag in &live.tags {
            live.rows
                .push((TAGS, vec![V::Uuid(ws), V::Uuid(tid), V::Text(tag.clone())]));
        }
        if self.sqlite {
            let row = vec![
                V::Text(live.title.clone()),
                V::Text(live.body.clone()),
                V::Uuid(ws),
                V::Uuid(tid),
                V::OptUuid(None),
            ];
            live.rows.push((FTS, row));
        }
        let payload = json!({"customer_id": CustomerId::from_uuid(p.id), "kind": o.kind, "title": live.title,
            "mood": mood, "tags": live.tags, "visibility": Visibility::Published, "source": "community"});
        live.event(ws, at, Actor::System, kind::TOPIC_POSTED, payload, p.id);
        self.visits.push(Visit {
            at,
            person: poster,
            deed: Deed::Topic,
        });
        let row = vec![
            V::Uuid(ws),
            V::Uuid(tid),
            V::Uuid(p.id),
            V::Text(p.email.clone()),
            V::Int(us(at)),
        ];
        live.rows.push((FOLLOWERS, row));
        live.touch(at, false);
        Ok(live)
    }

    /// What happens on the topic and when, in time order: staff answers
    /// (the first official, within two days), customers' replies (a quarter
    /// by the poster), status changes after the first answer, an accepted
    /// answer some time after the first reply, "me too"s and follows.
    fn plan(&mut self, people: &People, at: Timestamp, shape: &Shape, poster: usize) -> Vec<(Timestamp, Act)> {
        let mut acts: Vec<(Timestamp, Act)> = Vec::new();
        let first_answer = at
            + SignedDuration::from_secs(self.rng.between(900, 172_800))
                .min(shape.life)
                .max(SignedDuration::from_mins(1));
        for k in 0..shape.answers {
            let t = if k == 0 {
                first_answer
            } else {
                self.during(at, shape.life)
            };
            let staff = self.rng.below(self.staff.len() as u64) as usize;
            let official = k == 0 || self.rng.chance(0.9);
            let by = Author::Staff(staff);
            acts.push((t, Act::Reply { by, official }));
        }
        for _ in 0..shape.replies {
            let t = self.during(at, shape.life);
            let who = if self.rng.chance(0.25) {
                poster
            } else {
                weighted_prefix(&mut self.rng, &people.talk, people.existing_at(us(t)).max(1))
            };
            let by = Author::Customer(who);
            acts.push((t, Act::Reply { by, official: false }));
        }
        let mut t = first_answer;
        for s in &shape.statuses {
            t += SignedDuration::from_secs(self.rng.between(3_600, 30 * 86_400));
            let staff = self.rng.below(self.staff.len() as u64) as usize;
            acts.push((t, Act::Status(*s, staff)));
        }
        let not = HashSet::from([poster]);
        for who in self.distinct(people, at, shape.me_too, &not) {
            acts.push((self.during(at, shape.life), Act::MeToo(who)));
        }
        for who in self.distinct(people, at, shape.followers, &not) {
            acts.push((self.during(at, shape.life), Act::Follow(who)));
        }
        let now = self.now;
        acts.retain(|(t, _)| *t < now);
        acts.sort_by_key(|(t, _)| *t);
        let first = acts
            .iter()
            .find(|(_, a)| matches!(a, Act::Reply { .. }))
            .map(|(t, _)| *t);
        if shape.accept
            && let Some(t) = first
        {
            let when = t + SignedDuration::from_secs(self.rng.between(600, 172_800));
            if when < now {
                let staff = self.rng.below(self.staff.len() as u64) as usize;
                let asker = self.rng.chance(0.6);
                let i = acts.partition_point(|(x, _)| *x <= when);
                acts.insert(i, (when, Act::Accept { asker, staff }));
            }
        }
        acts
    }

    /// Emails `mail` to every follower but `skip` (`mail::notify_followers`).
    fn tell(
        &mut self,
        people: &People,
        live: &mut Live<'_>,
        t: Timestamp,
        mail: &forum_mail::Email,
        skip: Option<usize>,
    ) {
        for f in live.followers.iter().filter(|f| Some(**f) != skip) {
            let to = people.list.get(*f).map(|x| x.email.as_str()).unwrap_or("");
            let sent = SignedDuration::from_secs(self.rng.between(1, 30));
            live.rows.push((OUTBOX, outbox_row(self.ws, to, mail, t, sent)));
        }
    }

    /// A reply (`posting::reply_as_customer`, `staff::reply_as_staff`).
    fn reply(&mut self, people: &People, live: &mut Live<'_>, t: Timestamp, by: Author, official: bool) -> Result<()> {
        let ws = self.ws;
        let rid = ReplyId::new_at(t).as_uuid();
        let text = match by {
            Author::Customer(_) => *self.rng.pick(REPLIES),
            Author::Staff(_) => *self.rng.pick(ANSWERS),
        };
        let html = self.html(text);
        let (customer, user, name, role): (Option<Uuid>, Option<UserId>, String, Option<String>) = match by {
            Author::Customer(c) => {
                let who = people.list.get(c).ok_or_else(|| anyhow!("no customer {c}"))?;
                self.visits.push(Visit {
                    at: t,
                    person: c,
                    deed: Deed::Reply,
                });
                (Some(who.id), None, who.name.clone(), None)
            }
            Author::Staff(s) => {
                let st = &self.staff[s];
                (None, Some(st.id), st.name.clone(), Some(st.role.clone()))
            }
        };
        live.rows.push((
            REPLIES_T,
            vec![
                V::Uuid(rid),
                V::Uuid(ws),
                V::Uuid(live.id),
                V::OptUuid(customer),
                V::OptUuid(user.map(|u| u.as_uuid())),
                V::Text(name.clone()),
                V::OptText(role.clone()),
                V::Bool(official),
                V::Text(text.into()),
                V::Text(html.clone()),
                V::Text(Visibility::Published.as_str().into()),
                V::Int(us(t)),
            ],
        ));
        if self.sqlite {
            let row = vec![
                V::Text(String::new()),
                V::Text(text.into()),
                V::Uuid(ws),
                V::Uuid(live.id),
                V::OptUuid(Some(rid)),
            ];
            live.rows.push((FTS, row));
        }
        live.replies += 1;
        live.first_reply.get_or_insert(rid);
        if official {
            live.first_official.get_or_insert(us(t));
            live.official_reply.get_or_insert(rid);
        }
        live.touch(t, true);
        let poster = live.p.id;
        match (user, customer) {
            (Some(u), _) => {
                let payload = json!({"reply_id": ReplyId::from_uuid(rid), "official": official, "author": name,
                    "role": role});
                live.event(ws, t, Actor::Staff(u), kind::REPLY_POSTED, payload, poster);
            }
            (None, c) => {
                let payload = json!({"reply_id": ReplyId::from_uuid(rid), "customer_id": c.map(CustomerId::from_uuid),
                    "official": false, "visibility": Visibility::Published});
                live.event(ws, t, Actor::System, kind::REPLY_POSTED, payload, c.unwrap_or(poster));
            }
        }
        let news = News::Reply {
            author: &name,
            official_role: if official { role.as_deref() } else { None },
            body: text,
            body_html: &html,
        };
        let mail = forum_mail::news(&self.name, &self.slug, &live.slug, &live.title, &news);
        let skip = match by {
            Author::Customer(c) => Some(c),
            Author::Staff(_) => None,
        };
        self.tell(people, live, t, &mail, skip);
        Ok(())
    }

    /// A status with its candid note (`staff::set_status`).
    fn status(&mut self, people: &People, live: &mut Live<'_>, t: Timestamp, s: TopicStatus, who: usize) {
        let ws = self.ws;
        let (name, role, uid) = {
            let st = &self.staff[who];
            (st.name.clone(), st.role.clone(), st.id)
        };
        let note = crate::forum_texts::status_note(s);
        let note_html = self.html(note);
        live.rows.push((
            STATUSES,
            vec![
                V::Uuid(uuid_v7_at(t)),
                V::Uuid(ws),
                V::Uuid(live.id),
                V::Text(s.as_str().into()),
                V::Text(note.into()),
                V::Text(note_html.clone()),
                V::OptUuid(Some(uid.as_uuid())),
                V::Text(name.clone()),
                V::OptText(Some(role.clone())),
                V::Int(us(t)),
            ],
        ));
        let payload = json!({"from": live.status, "to": s, "note": note, "author": name, "role": role});
        let poster = live.p.id;
        live.event(ws, t, Actor::Staff(uid), kind::STATUS_CHANGED, payload, poster);
        live.status = s;
        live.note = Some(note.to_string());
        live.status_at = Some(us(t));
        live.touch(t, true);
        let news = News::Status {
            label: s.label(),
            note,
            note_html: &note_html,
            author: &name,
        };
        let mail = forum_mail::news(&self.name, &self.slug, &live.slug, &live.title, &news);
        self.tell(people, live, t, &mail, None);
    }

    /// The question's first official reply (or first reply) accepted, by the
    /// asker or by staff (`staff::accept_answer`).
    fn accept(&mut self, live: &mut Live<'_>, t: Timestamp, asker: bool, staff: usize) {
        let Some(reply) = live.official_reply.or(live.first_reply) else {
            return;
        };
        let actor = if asker {
            self.visits.push(Visit {
                at: t,
                person: live.poster,
                deed: Deed::Other,
            });
            Actor::System
        } else {
            Actor::Staff(self.staff[staff].id)
        };
        live.accepted = Some(reply);
        live.status = TopicStatus::Answered;
        live.status_at = Some(us(t));
        live.touch(t, true);
        let poster = live.p.id;
        let payload = json!({"reply_id": Some(ReplyId::from_uuid(reply))});
        live.event(self.ws, t, actor, kind::ANSWER_ACCEPTED, payload, poster);
    }

    /// "Me too" or a follow by a signed-in customer (`posting::me_too`,
    /// `posting::set_following`).
    fn join(&mut self, people: &People, live: &mut Live<'_>, t: Timestamp, who: usize, follow: bool) -> Result<()> {
        let ws = self.ws;
        let c = people.list.get(who).ok_or_else(|| anyhow!("no customer {who}"))?;
        self.visits.push(Visit {
            at: t,
            person: who,
            deed: Deed::Other,
        });
        if follow {
            live.followers.push(who);
            let row = vec![
                V::Uuid(ws),
                V::Uuid(live.id),
                V::Uuid(c.id),
                V::Text(c.email.clone()),
                V::Int(us(t)),
            ];
            live.rows.push((FOLLOWERS, row));
        } else {
            live.me_too += 1;
            live.rows.push((
                ME_TOO,
                vec![V::Uuid(ws), V::Uuid(live.id), V::Uuid(c.id), V::Int(us(t))],
            ));
        }
        live.touch(t, false);
        let payload = json!({"customer_id": CustomerId::from_uuid(c.id)});
        let k = if follow { kind::FOLLOWED } else { kind::ME_TOO };
        live.event(ws, t, Actor::System, k, payload, c.id);
        Ok(())
    }

    /// The topic row, first, then the rest.
    fn finish(&mut self, mut live: Live<'_>, shape: &Shape) -> Result<Rows> {
        let html = self.html(&live.body);
        let row = vec![
            V::Uuid(live.id),
            V::Uuid(self.ws),
            V::Text(live.slug),
            V::Text(shape.opening.kind.as_str().into()),
            V::Text(live.title),
            V::Text(live.body),
            V::Text(html),
            V::OptText(live.mood.map(|m| m.as_str().to_string())),
            V::Uuid(live.p.id),
            V::Text(live.p.name.clone()),
            V::Text(live.status.as_str().into()),
            V::OptText(live.note),
            V::OptInt(live.status_at),
            V::Text(Visibility::Published.as_str().into()),
            V::Bool(false),
            V::OptUuid(None),
            V::OptText(None),
            V::OptUuid(None),
            V::OptUuid(live.accepted),
            V::Text(serde_json::to_string(&live.tags)?),
            V::Int(live.me_too),
            V::Int(live.followers.len() as i64),
            V::Int(live.replies),
            V::OptInt(live.first_official),
            V::Int(live.last_activity),
            V::Int(us(live.created)),
            V::Int(live.updated),
        ];
        let mut rows = Vec::with_capacity(live.rows.len() + 1);
        rows.push((TOPICS, row));
        rows.append(&mut live.rows);
        Ok(rows)
    }
}
