//! Organizations and customers with their identities and tags. Rows are what
//! Candor's own operations write, events included: `customer.created`
//! (customers::create_in), `organization.created`. What customers buy is in
//! `buying`.

use crate::bulk::Bulk;
use crate::datagen::{Gen, StepFuture, V, between};
use crate::rng::Rng;
use crate::seed::Pool;
use crate::texts::{self, DOMAINS, LANGUAGES};
use anyhow::{Result, anyhow};
use candor_app::Caller;
use candor_core::customer::{Consent, Consents, Preferences, name_key};
use candor_core::events::{Actor, kind};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::ids::uuid_v7_at;
use candor_core::likeness::{identity_match_key, name_blocks};
use jiff::SignedDuration;
use serde_json::json;
use uuid::Uuid;

/// A generated customer, as later steps need it.
#[derive(Clone, Debug)]
pub struct Person {
    /// The customer's id.
    pub id: Uuid,
    /// When it was created, µs.
    pub created_us: i64,
    /// The language it writes in.
    pub language: &'static str,
    /// Its display name.
    pub name: String,
    /// Its first email address (normalised).
    pub email: String,
    /// Tagged "vip".
    pub vip: bool,
}

/// What the customer steps leave for the others.
#[derive(Default)]
pub struct People {
    /// Customers in order of creation.
    pub list: Vec<Person>,
    /// Running sums of how often each writes in (conversations).
    pub talk: Vec<f64>,
    /// Running sums of how often each buys.
    pub buy: Vec<f64>,
    /// The customer with many events (an index into `list`).
    pub heavy: usize,
    /// Events about the heavy customer written so far.
    pub heavy_events: u64,
    /// Organizations: id and name key.
    pub orgs: Vec<(Uuid, String)>,
}

impl People {
    /// How many customers existed at `us`.
    pub fn existing_at(&self, us: i64) -> usize {
        self.list.partition_point(|p| p.created_us <= us)
    }
}

/// The columns of an event row (Tx::append_customer_event).
pub const EVENT_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "at",
    "actor_type",
    "actor_id",
    "kind",
    "subject_type",
    "subject_id",
    "payload",
    "customer_id",
];

/// An event row.
#[allow(clippy::too_many_arguments)]
pub fn event_row(
    id: Uuid,
    ws: Uuid,
    at_us: i64,
    actor: Actor,
    kind: &str,
    subject_type: &str,
    subject_id: Uuid,
    payload: String,
    customer: Option<Uuid>,
) -> Vec<V> {
    let actor_id = match actor {
        Actor::Staff(u) => Some(u.as_uuid()),
        Actor::System => None,
    };
    vec![
        V::Uuid(id),
        V::Uuid(ws),
        V::Int(at_us),
        V::Text(actor.kind().into()),
        V::OptUuid(actor_id),
        V::Text(kind.into()),
        V::Text(subject_type.into()),
        V::Uuid(subject_id),
        V::Text(payload),
        V::OptUuid(customer),
    ]
}

/// The owner as a caller of Candor's operations.
pub async fn owner(g: &Gen) -> Result<Caller> {
    let ws = candor_core::WorkspaceId::from_uuid(g.seed.workspace_id);
    let user = g
        .app
        .db
        .user(ws, candor_core::UserId::from_uuid(g.seed.owner_id))
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok(Caller::session(user))
}

pub(crate) fn owner_actor(g: &Gen) -> Actor {
    Actor::Staff(candor_core::UserId::from_uuid(g.seed.owner_id))
}

const ORG_COLUMNS: &[&str] = &["id", "workspace_id", "name", "name_key", "domain", "created_at"];

/// Organizations (companies grouping customers), each with its event.
pub fn organizations(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, n) = (g.seed.workspace_id, g.scale.organizations);
        let actor = owner_actor(g);
        let (from, to) = (g.now - SignedDuration::from_hours(24 * 760), g.now);
        let mut bulk = Bulk::new(g.backend, &[("organizations", ORG_COLUMNS), ("events", EVENT_COLUMNS)]);
        let mut orgs = Vec::with_capacity(n as usize);
        for i in 0..n {
            let at = between(from, to, i, n);
            let id = uuid_v7_at(at);
            let name = format!(
                "{} {}",
                texts::last_names("en")[i as usize % 10],
                ORG_KINDS[i as usize % ORG_KINDS.len()]
            );
            let name = format!("{name} {i}");
            let domain = format!("org{i}.example");
            g.put(
                &mut bulk,
                0,
                vec![
                    V::Uuid(id),
                    V::Uuid(ws),
                    V::Text(name.clone()),
                    V::Text(name_key(&name)),
                    V::OptText(Some(domain.clone())),
                    V::Int(at.as_microsecond()),
                ],
            )
            .await?;
            let payload = json!({"name": name, "domain": Some(&domain)}).to_string();
            let row = event_row(
                uuid_v7_at(at),
                ws,
                at.as_microsecond(),
                actor,
                kind::ORGANIZATION_CREATED,
                "organization",
                id,
                payload,
                None,
            );
            g.put(&mut bulk, 1, row).await?;
            orgs.push((id, name_key(&name)));
        }
        g.finish(bulk).await?;
        g.people.orgs = orgs;
        Ok(())
    })
}

const ORG_KINDS: &[&str] = &["Logistics", "Couriers", "Bikes", "Deliveries", "Labs", "Studio"];

const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "name",
    "name_key",
    "search_text",
    "organization_id",
    "tags",
    "attributes",
    "preferences",
    "consents",
    "language",
    "preferred_channel",
    "consent_keys",
    "dnc_keys",
    "merged_into",
    "created_at",
    "updated_at",
    "ltv_minor",
    "ltv_currency",
    "orders",
    "last_purchase_at",
    "tier",
    "stage",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "name_first_block",
    "name_last_block",
];

const IDENTITY_COLUMNS: &[&str] = &[
    "id",
    "workspace_id",
    "customer_id",
    "kind",
    "value",
    "verified",
    "created_at",
    "match_key",
];
const CUSTOMER_TAG_COLUMNS: &[&str] = &["workspace_id", "customer_id", "tag"];

/// Letters of a name as an email address takes them.
fn ascii(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'é' | 'è' | 'ê' | 'É' => out.push('e'),
            'á' | 'à' | 'Á' => out.push('a'),
            'í' => out.push('i'),
            'ó' => out.push('o'),
            'ú' => out.push('u'),
            'ñ' => out.push('n'),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

fn language(rng: &mut Rng) -> &'static str {
    let total: u32 = LANGUAGES.iter().map(|(_, w)| w).sum();
    let mut x = rng.below(u64::from(total)) as u32;
    for (l, w) in LANGUAGES {
        if x < *w {
            return l;
        }
        x -= w;
    }
    "en"
}

/// The identities a customer is created with, normalised by candor-core.
fn identities(rng: &mut Rng, i: u64, first: &str, last: &str) -> Result<Vec<(Identity, bool)>> {
    let (f, l) = (ascii(first), ascii(last));
    // As people type them: a capital and a space to trim; stored lowercased.
    let cap: String = f
        .chars()
        .take(1)
        .flat_map(char::to_uppercase)
        .chain(f.chars().skip(1))
        .collect();
    let mut raw: Vec<(IdentityKind, String)> = vec![(
        IdentityKind::Email,
        format!(" {cap}.{l}{i}@{} ", DOMAINS[i as usize % DOMAINS.len()]),
    )];
    if i.is_multiple_of(5) {
        raw.push((IdentityKind::Email, format!("{f}{i}@work.example")));
    }
    if rng.chance(0.7) {
        // Berlin numbers as people write them; stored in E.164.
        let n = 20_000_000 + i;
        raw.push((IdentityKind::Phone, format!("+49 30 {} {:04}", n / 10_000, n % 10_000)));
    }
    if rng.chance(0.8) {
        raw.push((IdentityKind::External, format!("crm-{i:07}")));
    }
    if rng.chance(0.2) {
        raw.push((IdentityKind::Social, format!("Twitter:@{f}{l}{i}")));
    }
    if rng.chance(0.1) {
        raw.push((IdentityKind::Chat, format!("visitor-{i:08x}")));
    }
    raw.into_iter()
        .map(|(kind, value)| {
            let verified = kind == IdentityKind::Email && rng.chance(0.5);
            Identity::parse(kind, &value, None)
                .map(|id| (id, verified))
                .map_err(|e| anyhow!("{kind} {value:?}: {e}"))
        })
        .collect()
}

/// URL query text for an identity in tagged form (`+` would read as a space).
fn query_value(identity: &Identity) -> String {
    identity
        .to_string()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' | b'@' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Customers with their identities, tags and `customer.created` events
/// (`{customer_id}`, `{identity}`).
pub fn customers(g: &mut Gen) -> StepFuture<'_> {
    Box::pin(async move {
        let (ws, n, now) = (g.seed.workspace_id, g.scale.customers, g.now);
        let owner = owner_actor(g);
        let mut rng = Rng::new(11);
        // Created over two years and a month, the newest a day ago.
        let (from, to) = (
            now - SignedDuration::from_hours(24 * 760),
            now - SignedDuration::from_hours(24),
        );
        let heavy = (n / 10) as usize;
        let orgs = std::mem::take(&mut g.people.orgs);
        let mut bulk = Bulk::new(
            g.backend,
            &[
                ("customers", CUSTOMER_COLUMNS),
                ("customer_identities", IDENTITY_COLUMNS),
                ("customer_tags", CUSTOMER_TAG_COLUMNS),
                ("events", EVENT_COLUMNS),
            ],
        );
        let mut people = Vec::with_capacity(n as usize);
        let (mut talk, mut buy) = (Vec::with_capacity(n as usize), Vec::with_capacity(n as usize));
        let (mut talk_sum, mut buy_sum) = (0.0, 0.0);
        let sample_every = (n / 5_000).max(1);
        let mut lookups = Vec::new();
        let mut customer_ids = Vec::new();
        for i in 0..n {
            let at = between(from, to, i, n);
            let us = at.as_microsecond();
            let id = uuid_v7_at(at);
            let lang = language(&mut rng);
            let first = *rng.pick(texts::first_names(lang));
            let last = *rng.pick(texts::last_names(lang));
            let name = format!("{first} {last}");
            let ids = identities(&mut rng, i, first, last)?;
            let org = (!orgs.is_empty() && rng.chance(0.15)).then(|| &orgs[rng.below(orgs.len() as u64) as usize]);
            let vip = rng.chance(0.03);
            let mut tags: Vec<String> = Vec::new();
            if vip {
                tags.push("vip".into());
            }
            if rng.chance(0.2) {
                tags.push("newsletter".into());
            }
            if org.is_some() {
                tags.push("b2b".into());
            }
            let preferences = Preferences {
                language: rng.chance(0.7).then(|| lang.to_string()),
                channel: rng
                    .chance(0.4)
                    .then(|| rng.pick(&["email", "chat", "phone"]).to_string()),
                time_zone: rng.chance(0.6).then(|| {
                    match lang {
                        "de" => "Europe/Berlin",
                        "fr" => "Europe/Paris",
                        "es" => "Europe/Madrid",
                        _ => "Europe/London",
                    }
                    .to_string()
                }),
                quiet_hours: None,
                do_not_contact: if rng.chance(0.03) {
                    vec!["phone".into()]
                } else {
                    Vec::new()
                },
            };
            let mut consents = Consents::new();
            if rng.chance(0.3) {
                consents.insert(
                    "marketing".into(),
                    Consent {
                        given: true,
                        at,
                        how: "signup form".into(),
                    },
                );
            }
            let consent_keys = if consents.is_empty() {
                String::new()
            } else {
                " marketing ".into()
            };
            let dnc_keys = if preferences.do_not_contact.is_empty() {
                String::new()
            } else {
                format!(" {} ", preferences.do_not_contact.join(" "))
            };
            // The text bare words search (Tx::refresh_search_text).
            let mut emails: Vec<&str> = ids
                .iter()
                .filter(|(x, _)| x.kind() == IdentityKind::Email)
                .map(|(x, _)| x.value())
                .collect();
            emails.sort_unstable();
            let mut search = name_key(&name);
            for e in &emails {
                search.push('\n');
                search.push_str(e);
            }
            if let Some((_, key)) = org {
                search.push('\n');
                search.push_str(key);
            }
            let email = emails.first().map(|e| e.to_string()).unwrap_or_default();
            let row = vec![
                V::Uuid(id),
                V::Uuid(ws),
                V::Text(name.clone()),
                V::Text(name_key(&name)),
                V::Text(search),
                V::OptUuid(org.map(|(o, _)| *o)),
                V::Text(serde_json::to_string(&tags)?),
                V::Text("{}".into()),
                V::Text(serde_json::to_string(&preferences)?),
                V::Text(serde_json::to_string(&consents)?),
                V::OptText(preferences.language.clone()),
                V::OptText(preferences.channel.clone()),
                V::Text(consent_keys),
                V::Text(dnc_keys),
                V::OptUuid(None),
                V::Int(us),
                V::Int(us),
                V::Int(0),
                V::OptText(None),
                V::Int(0),
                V::OptInt(None),
                V::OptText(None),
                V::Text("lead".into()),
                V::OptInt(None),
                V::OptInt(None),
                V::OptInt(None),
                V::Text(name_blocks(&name).0),
                V::Text(name_blocks(&name).1),
            ];
            g.put(&mut bulk, 0, row).await?;
            for (identity, verified) in &ids {
                let row = vec![
                    V::Uuid(uuid_v7_at(at)),
                    V::Uuid(ws),
                    V::Uuid(id),
                    V::Text(identity.kind().as_str().into()),
                    V::Text(identity.value().into()),
                    V::Bool(*verified),
                    V::Int(us),
                    V::Text(identity_match_key(identity.kind(), identity.value())),
                ];
                g.put(&mut bulk, 1, row).await?;
            }
            for tag in &tags {
                g.put(&mut bulk, 2, vec![V::Uuid(ws), V::Uuid(id), V::Text(tag.clone())])
                    .await?;
            }
            let (source, actor) = match rng.below(10) {
                0..=3 => ("import", Actor::System),
                4..=6 => ("api", owner),
                7 | 8 => ("email", Actor::System),
                _ => ("chat", Actor::System),
            };
            let tagged: Vec<String> = ids.iter().map(|(x, _)| x.to_string()).collect();
            let payload = json!({"name": name, "identities": tagged, "tags": tags, "source": source}).to_string();
            let row = event_row(
                uuid_v7_at(at),
                ws,
                us,
                actor,
                kind::CUSTOMER_CREATED,
                "customer",
                id,
                payload,
                Some(id),
            );
            g.put(&mut bulk, 3, row).await?;
            if i as usize == heavy {
                g.people.heavy_events += 1;
            }
            if i % sample_every == 0 {
                customer_ids.push(id);
                // Look-ups by every kind people look customers up by.
                let pick = match i / sample_every % 5 {
                    0 | 1 => ids.iter().find(|(x, _)| x.kind() == IdentityKind::Email),
                    2 => ids.iter().find(|(x, _)| x.kind() == IdentityKind::Phone),
                    _ => ids.iter().find(|(x, _)| x.kind() == IdentityKind::External),
                }
                .or_else(|| ids.first());
                if let Some((x, _)) = pick {
                    lookups.push(query_value(x));
                }
            }
            let is_heavy = i as usize == heavy;
            talk_sum += if is_heavy { 0.0 } else { rng.pareto(1.5, 200.0) };
            buy_sum += if is_heavy || rng.chance(0.25) {
                0.0
            } else {
                rng.pareto(1.2, 500.0)
            };
            talk.push(talk_sum);
            buy.push(buy_sum);
            people.push(Person {
                id,
                created_us: us,
                language: lang,
                name,
                email,
                vip,
            });
        }
        g.finish(bulk).await?;
        g.seed.pool(
            "customer_id",
            Pool::List(customer_ids.iter().map(Uuid::to_string).collect()),
        );
        g.seed.pool("identity", Pool::List(lookups));
        g.seed.var("customer_count", n.to_string());
        if let Some(p) = people.get(heavy) {
            g.seed.var("heavy_customer_id", p.id.to_string());
        }
        g.people.list = people;
        g.people.talk = talk;
        g.people.buy = buy;
        g.people.heavy = heavy;
        g.people.orgs = orgs;
        Ok(())
    })
}
