//! Customers signing in to the community, in time order: whoever posts,
//! replies, says "me too", follows or accepts an answer without a live
//! session first asks for a link and uses it (`community::members`): the
//! request's event and the sign-in email, the sign-in's event, the email
//! identity marked verified, a session of 30 days (kept while it lives;
//! used links and expired sessions are purged hourly). Posting limits are
//! counted per person and address as `Tx::hit_limit` counts them, and a
//! post the limits would refuse stops the step: the data set holds only
//! what Candor accepts.

use crate::datagen::{Gen, V};
use crate::forum_mail::{OUTBOX_COLUMNS, outbox_row, sign_in};
use crate::people::{EVENT_COLUMNS, event_row};
use crate::rng::Rng;
use anyhow::{Result, bail};
use candor_app::community::members::{LINKS_PER_HOUR, LINKS_PER_HOUR_PER_ADDRESS};
use candor_app::community::posting::{
    REPLIES_PER_HOUR, REPLIES_PER_HOUR_PER_ADDRESS, TOPICS_PER_HOUR, TOPICS_PER_HOUR_PER_ADDRESS,
};
use candor_core::community::kind;
use candor_core::events::Actor;
use candor_core::ids::uuid_v7_at;
use candor_store::community::members::COMMUNITY_SESSION_LIFETIME;
use candor_store::secrets::hash_secret;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::collections::HashMap;
use std::net::Ipv6Addr;
use uuid::Uuid;

/// What a signed-in customer did, and which posting limit it counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deed {
    /// Posted a topic.
    Topic,
    /// Replied.
    Reply,
    /// Said "me too", followed, or accepted an answer: no limit.
    Other,
}

/// One customer action on the community.
#[derive(Clone, Copy, Debug)]
pub struct Visit {
    /// When.
    pub at: Timestamp,
    /// Who (an index into the generated people).
    pub person: usize,
    /// What.
    pub deed: Deed,
}

/// The address a customer's requests come from: one each, in the
/// documentation range.
pub fn client(person: usize) -> String {
    let p = person as u64;
    Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, (p >> 32) as u16, (p >> 16) as u16, p as u16).to_string()
}

/// A limit's counter (`community_limits`): the window's start and hits in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    /// When the window started.
    pub start: Timestamp,
    /// Hits in it.
    pub hits: i64,
}

/// Counts a hit at `now` as `Tx::hit_limit` does (a new window once the
/// last is an hour old); false when it is over `max`, i.e. refused.
pub fn hit(counters: &mut HashMap<String, Counter>, key: String, now: Timestamp, max: i64) -> bool {
    let cut = now - SignedDuration::from_hours(1);
    let c = counters.entry(key).or_insert(Counter { start: now, hits: 0 });
    if c.start <= cut {
        *c = Counter { start: now, hits: 0 };
    }
    c.hits += 1;
    c.hits <= max
}

const SESSION_COLUMNS: &[&str] = &[
    "id_hash",
    "workspace_id",
    "customer_id",
    "email",
    "csrf_token",
    "created_at",
    "expires_at",
];

const LIMIT_COLUMNS: &[&str] = &["workspace_id", "key", "window_start", "hits"];

/// Writes the sign-ins, the sessions still live, the limits' counters, and
/// marks the signed-in addresses verified. Returns the events written about
/// `heavy`.
pub async fn write(g: &mut Gen, mut visits: Vec<Visit>, community: &str, heavy: usize) -> Result<u64> {
    let (ws, now) = (g.seed.workspace_id, g.now);
    visits.sort_by_key(|v| v.at);
    let mut rng = Rng::new(97);
    let mut bulk = crate::bulk::Bulk::new(
        g.backend,
        &[
            ("events", EVENT_COLUMNS),
            ("outbox", OUTBOX_COLUMNS),
            ("community_sessions", SESSION_COLUMNS),
        ],
    );
    let mail = sign_in(community);
    let mut until: HashMap<usize, Timestamp> = HashMap::new();
    let mut live: HashMap<usize, (Timestamp, Timestamp, String, String)> = HashMap::new();
    let mut counters: HashMap<String, Counter> = HashMap::new();
    let mut verified: Vec<usize> = Vec::new();
    let mut heavy_events = 0;
    for v in visits {
        let Some(p) = g.people.list.get(v.person).cloned() else {
            continue;
        };
        let addr = client(v.person);
        if until.get(&v.person).is_none_or(|u| *u <= v.at) {
            // The link is asked for a few minutes before, and used within two.
            let asked = v.at - SignedDuration::from_secs(rng.between(180, 600));
            let used = asked + SignedDuration::from_secs(rng.between(20, 120));
            let ok = hit(&mut counters, format!("link:e:{}", p.email), asked, LINKS_PER_HOUR)
                & hit(
                    &mut counters,
                    format!("link:a:{addr}"),
                    asked,
                    LINKS_PER_HOUR_PER_ADDRESS,
                );
            if !ok {
                bail!("{} would be refused a sign-in link at {asked}", p.email);
            }
            g.put(
                &mut bulk,
                1,
                outbox_row(ws, &p.email, &mail, asked, SignedDuration::from_secs(2)),
            )
            .await?;
            let requested = event_row(
                uuid_v7_at(asked),
                ws,
                asked.as_microsecond(),
                Actor::System,
                kind::SIGN_IN_REQUESTED,
                "workspace",
                ws,
                "{}".into(),
                None,
            );
            g.put(&mut bulk, 0, requested).await?;
            let payload = json!({"email": p.email, "verified": true, "created": false});
            let signed = event_row(
                uuid_v7_at(used),
                ws,
                used.as_microsecond(),
                Actor::System,
                kind::SIGNED_IN,
                "customer",
                p.id,
                payload.to_string(),
                Some(p.id),
            );
            g.put(&mut bulk, 0, signed).await?;
            if v.person == heavy {
                heavy_events += 1;
            }
            let expires = used + COMMUNITY_SESSION_LIFETIME;
            until.insert(v.person, expires);
            let secret = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
            let csrf = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
            live.insert(v.person, (used, expires, hash_secret(&secret), csrf));
            verified.push(v.person);
        }
        let ok = match v.deed {
            Deed::Topic => {
                hit(&mut counters, format!("topic:c:{}", p.id), v.at, TOPICS_PER_HOUR)
                    & hit(
                        &mut counters,
                        format!("topic:a:{addr}"),
                        v.at,
                        TOPICS_PER_HOUR_PER_ADDRESS,
                    )
            }
            Deed::Reply => {
                hit(&mut counters, format!("reply:c:{}", p.id), v.at, REPLIES_PER_HOUR)
                    & hit(
                        &mut counters,
                        format!("reply:a:{addr}"),
                        v.at,
                        REPLIES_PER_HOUR_PER_ADDRESS,
                    )
            }
            Deed::Other => true,
        };
        if !ok {
            bail!("the posting limits would refuse {}'s post at {}", p.email, v.at);
        }
    }
    for (person, (created, expires, hash, csrf)) in live {
        let Some(p) = g.people.list.get(person) else {
            continue;
        };
        if expires <= now {
            continue;
        }
        let row = vec![
            V::Text(hash),
            V::Uuid(ws),
            V::Uuid(p.id),
            V::Text(p.email.clone()),
            V::Text(csrf),
            V::Int(created.as_microsecond()),
            V::Int(expires.as_microsecond()),
        ];
        g.put(&mut bulk, 2, row).await?;
    }
    g.finish(bulk).await?;
    let rows = counters.into_iter().map(move |(key, c)| {
        vec![
            V::Uuid(ws),
            V::Text(key),
            V::Int(c.start.as_microsecond()),
            V::Int(c.hits),
        ]
    });
    g.insert("community_limits", LIMIT_COLUMNS, rows).await?;
    verified.sort_unstable();
    verified.dedup();
    let emails: Vec<(Uuid, String)> = verified
        .iter()
        .filter_map(|i| g.people.list.get(*i))
        .map(|p| (p.id, p.email.clone()))
        .collect();
    mark_verified(g, &emails).await?;
    Ok(heavy_events)
}

/// Marks each customer's signed-in email identity verified
/// (`Tx::mark_identity_verified`), a few hundred in a statement.
async fn mark_verified(g: &mut Gen, emails: &[(Uuid, String)]) -> Result<()> {
    use crate::database::Conn;
    let ws = g.seed.workspace_id;
    for chunk in emails.chunks(400) {
        macro_rules! update {
            ($db:ty, $c:expr) => {{
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "UPDATE customer_identities SET verified = TRUE WHERE NOT verified AND kind = 'email' AND workspace_id = ",
                );
                qb.push_bind(ws);
                qb.push(" AND (customer_id, value) IN (");
                let mut list = qb.separated(", ");
                for (id, email) in chunk {
                    list.push("(");
                    list.push_bind_unseparated(*id);
                    list.push_unseparated(", ");
                    list.push_bind_unseparated(email.clone());
                    list.push_unseparated(")");
                }
                qb.push(")");
                qb.build().execute(&mut *$c).await?;
            }};
        }
        match &mut g.conn {
            Conn::Sqlite(c) => update!(sqlx::Sqlite, c),
            Conn::Postgres(c) => update!(sqlx::Postgres, c),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_per_window_as_the_store_does() {
        let t0: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let mut c = HashMap::new();
        for i in 0..5 {
            assert!(hit(&mut c, "k".into(), t0 + SignedDuration::from_mins(i), 5));
        }
        assert!(!hit(&mut c, "k".into(), t0 + SignedDuration::from_mins(30), 5));
        assert!(hit(&mut c, "k".into(), t0 + SignedDuration::from_mins(61), 5));
        assert_eq!(c.get("k").map(|x| x.hits), Some(1));
    }

    #[test]
    fn every_customer_has_an_address_of_their_own() {
        assert_eq!(client(1), "2001:db8::1");
        assert_ne!(client(70_000), client(70_000 + 65_536));
    }
}
