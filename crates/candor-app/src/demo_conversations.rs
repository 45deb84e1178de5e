//! The demo's inbox: two teams (Repairs speaks German and English, Orders
//! English, Spanish and French), routing rules, the agents' languages, and
//! about forty conversations on every channel and in four languages, in every
//! status, with replies signed by the staff, notes, some angry customers and
//! some conversations that no rule routes (they wait unassigned). Their
//! commitment clocks run as they would have: late replies carry the drafted
//! apology, and what is overdue now is breached on record.

use crate::caller::Caller;
use crate::context::App;
use crate::conversations::{UpdateConversation, add_message_as, update};
use crate::demo_commitments::{catch_up, catch_up_and_apologise, reply_with_redress};
use crate::error::{AppError, AppResult};
use crate::ingest::{InboundMessage, ingest};
use crate::promises::{self, MakePromise};
use crate::reference::CustomerRef;
use crate::routing::{AgentInput, RuleInput, TeamInput, create_team, set_rules, update_agent};
use candor_core::conversation::{Channel, Priority};
use candor_core::{ManualClock, WorkspaceId};
use candor_store::staff::User;
use jiff::SignedDuration;
use std::sync::Arc;

/// (language, channel, subject, the customer's message, a reply or "", a note or "", status, tag, priority)
type Sample = (
    &'static str,
    Channel,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Priority,
);

const SAMPLES: &[Sample] = &[
    (
        "de",
        Channel::Email,
        "Lastenrad: Bremse quietscht",
        "Hallo, die Scheibenbremse an meinem Lastenrad quietscht seit der letzten Inspektion sehr laut. Können Sie sich das ansehen?",
        "Hallo, danke für die Nachricht. Bringen Sie das Rad gern am Donnerstag vorbei, ich schaue mir die Bremse selbst an.",
        "",
        "pending",
        "repair",
        Priority::Normal,
    ),
    (
        "en",
        Channel::Chat,
        "Where is my order?",
        "Hi, I ordered a helmet last week and the tracking has not moved for five days. Where is it?",
        "",
        "",
        "open",
        "",
        Priority::Normal,
    ),
    (
        "fr",
        Channel::Email,
        "Facture en double",
        "Bonjour, j'ai reçu deux factures pour la même commande de pneus. Pouvez-vous vérifier s'il vous plaît ?",
        "Bonjour, vous avez raison, la deuxième facture est une erreur de notre part. Je l'ai annulée aujourd'hui.",
        "",
        "solved",
        "billing",
        Priority::Normal,
    ),
    (
        "es",
        Channel::Social,
        "Pedido incompleto",
        "Mi pedido llegó sin las luces. Es la segunda vez que pasa, estoy muy decepcionado.",
        "",
        "Second incomplete order for this customer: check the packing list at the warehouse.",
        "open",
        "",
        Priority::High,
    ),
    (
        "en",
        Channel::Phone,
        "Cargo bike wobbles at speed",
        "Called in: the front wheel of the cargo bike wobbles above 20 km/h. Customer is worried about safety with kids on board.",
        "I have booked you in for tomorrow morning and we will lend you a bike while yours is with us.",
        "",
        "pending",
        "repair",
        Priority::Urgent,
    ),
    (
        "de",
        Channel::Chat,
        "Ersatzteil lieferbar?",
        "Gibt es die Kette für das City-Rad noch? Ich finde sie nicht mehr im Shop.",
        "",
        "",
        "open",
        "",
        Priority::Low,
    ),
    (
        "en",
        Channel::Api,
        "Refund not received",
        "This is terrible. I returned the lights three weeks ago and still have no refund. Nobody answers my emails.",
        "",
        "Refund was approved on the 3rd but never paid out. Escalated to finance.",
        "open",
        "billing",
        Priority::High,
    ),
    (
        "fr",
        Channel::Chat,
        "Changer l'adresse de livraison",
        "Bonjour, est-ce que je peux encore changer l'adresse de livraison de ma commande d'hier ?",
        "Oui, c'est fait : la commande partira à votre nouvelle adresse.",
        "",
        "closed",
        "",
        Priority::Normal,
    ),
    (
        "es",
        Channel::Email,
        "Garantía del cuadro",
        "Hola, el cuadro de mi bicicleta tiene una grieta cerca del pedalier. ¿Lo cubre la garantía?",
        "Hola, sí, la garantía cubre el cuadro durante cinco años. Le envío una etiqueta de devolución hoy.",
        "",
        "pending",
        "repair",
        Priority::High,
    ),
    (
        "en",
        Channel::Email,
        "Thank you!",
        "Just wanted to say the annual service was fantastic, the bike rides like new. Thanks to the whole team!",
        "Thank you for telling us, it made our day.",
        "",
        "solved",
        "praise",
        Priority::Low,
    ),
    (
        "de",
        Channel::Phone,
        "Termin verschieben",
        "Anruf: Kundin möchte den Inspektionstermin von Montag auf Mittwoch verschieben.",
        "Ich habe den Termin auf Mittwoch, 10 Uhr, verlegt.",
        "",
        "closed",
        "repair",
        Priority::Normal,
    ),
    (
        "en",
        Channel::Social,
        "Broken helmet strap",
        "@northwind my new helmet's strap snapped on the first ride. Not impressed, this is a safety item.",
        "",
        "",
        "open",
        "",
        Priority::High,
    ),
    (
        "fr",
        Channel::Api,
        "Pièce manquante",
        "Il manque la béquille dans le carton du vélo cargo. Comment faire ?",
        "",
        "",
        "open",
        "",
        Priority::Normal,
    ),
    (
        "es",
        Channel::Chat,
        "¿Tienen talla S?",
        "Hola, ¿el casco viene en talla S? Gracias.",
        "Hola, sí, tenemos la talla S en negro y en blanco.",
        "",
        "solved",
        "",
        Priority::Low,
    ),
    (
        "de",
        Channel::Email,
        "Reklamation Reifen",
        "Der Reifen, den ich vor zwei Wochen gekauft habe, ist schon wieder platt. Das ist ärgerlich und teuer.",
        "",
        "Possibly a faulty batch: three tyre complaints this month.",
        "open",
        "repair",
        Priority::Normal,
    ),
    (
        "en",
        Channel::Chat,
        "Upgrade to the cargo bike",
        "I'm thinking about trading in my city bike for the cargo model. Do you take trade-ins?",
        "",
        "",
        "open",
        "sales",
        Priority::Normal,
    ),
    (
        "en",
        Channel::Email,
        "Invoice address",
        "Could you put our company name on the invoice for order nw-00412? We need it for our accounts.",
        "Done: the corrected invoice is attached to your account.",
        "",
        "closed",
        "billing",
        Priority::Low,
    ),
    (
        "es",
        Channel::Phone,
        "Ruido en el pedalier",
        "Llamada: el cliente oye un clic en el pedalier al subir cuestas.",
        "",
        "",
        "pending",
        "repair",
        Priority::Normal,
    ),
    (
        "fr",
        Channel::Social,
        "Service lent",
        "Trois semaines pour une révision, c'est vraiment trop long. Je suis très déçu.",
        "",
        "",
        "open",
        "",
        Priority::High,
    ),
    (
        "de",
        Channel::Api,
        "Rechnung benötigt",
        "Bitte senden Sie mir die Rechnung für meine letzte Bestellung noch einmal zu.",
        "Die Rechnung ist unterwegs, sie sollte in wenigen Minuten ankommen.",
        "",
        "solved",
        "billing",
        Priority::Low,
    ),
];

const FIRST: &[&str] = &[
    "Ada", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas",
];

/// Adds teams, rules, agents' languages and the conversations to `ws`.
pub async fn load(app: &App, ws: WorkspaceId) -> AppResult<()> {
    let staff = app.db.users(ws).await?;
    let by_first = |first: &str| -> AppResult<User> {
        staff
            .iter()
            .find(|u| u.name.starts_with(first))
            .cloned()
            .ok_or_else(|| AppError::Internal(format!("demo staff member {first} is missing")))
    };
    let (maya, priya, tomas, annika, luc) = (
        by_first("Maya")?,
        by_first("Priya")?,
        by_first("Tomás")?,
        by_first("Annika")?,
        by_first("Luc")?,
    );
    let owner = Caller::session(maya.clone());
    for (u, langs) in [
        (&maya, vec!["en", "sv", "de"]),
        (&priya, vec!["en", "hi"]),
        (&tomas, vec!["es", "en"]),
        (&annika, vec!["de", "en"]),
        (&luc, vec!["fr", "en"]),
    ] {
        let input = AgentInput {
            languages: Some(langs.into_iter().map(str::to_string).collect()),
            status: Some("available".into()),
        };
        update_agent(app, &owner, u.id, &input).await?;
    }
    let team = |name: &str, mode: &str, members: Vec<&User>| TeamInput {
        name: Some(name.into()),
        assign_mode: Some(mode.into()),
        members: Some(members.iter().map(|u| u.id.to_string()).collect()),
    };
    let repairs = create_team(app, &owner, &team("Repairs", "least-loaded", vec![&annika, &maya])).await?;
    let orders = create_team(app, &owner, &team("Orders", "round-robin", vec![&tomas, &luc, &priya])).await?;
    let rule = |team: &str, tag: Option<&str>, language: Option<&str>, channel: Option<&str>| RuleInput {
        tag: tag.map(str::to_string),
        language: language.map(str::to_string),
        channel: channel.map(str::to_string),
        team_id: team.to_string(),
        ..Default::default()
    };
    let (r, o) = (repairs.id.to_string(), orders.id.to_string());
    set_rules(
        app,
        &owner,
        &[
            rule(&r, Some("repair"), None, None),
            rule(&r, None, Some("de"), None),
            rule(&o, None, Some("fr"), None),
            rule(&o, None, Some("es"), None),
            rule(&o, None, None, Some("email")),
        ],
    )
    .await?;

    let customers = app.db.customer_names(ws).await?;
    let calendar = crate::insight::workspace_calendar(app, ws).await?;
    let now = app.now();
    let clock = Arc::new(ManualClock::new(now));
    let past = App {
        clock: clock.clone(),
        ..app.clone()
    };
    let agents = [&annika, &tomas, &luc, &maya, &priya];
    for i in 0..40usize {
        let (_language, channel, subject, text, reply, note, status, tag, priority) = SAMPLES[i % SAMPLES.len()];
        // The second round happens on other channels, to other customers, earlier.
        let channel = if i >= SAMPLES.len() {
            [
                Channel::Email,
                Channel::Chat,
                Channel::Api,
                Channel::Social,
                Channel::Phone,
            ][i % 5]
        } else {
            channel
        };
        let sender = match customers.get((i * 7) % customers.len().max(1)) {
            Some((id, _)) if i % 4 != 3 => CustomerRef::Id(*id),
            _ => CustomerRef::Identity {
                identity: candor_core::identity::Identity::parse(
                    candor_core::identity::IdentityKind::Email,
                    &format!("{}.{}@mail.example", FIRST[i % FIRST.len()].to_lowercase(), 100 + i),
                    None,
                )
                .map_err(|e| AppError::Internal(e.to_string()))?,
                name: Some(format!(
                    "{} {}",
                    FIRST[i % FIRST.len()],
                    ["Berg", "Costa", "Lemaire", "Ruiz"][i % 4]
                )),
            },
        };
        let mut started = now - SignedDuration::from_mins(37 * (40 - i as i64) * (1 + (i as i64 % 3)));
        // Customers write at all hours, but most while the shop is open:
        // night messages move to the next opening, unless that is too recent.
        if i % 4 != 1
            && let Ok(open) = candor_core::hours::next_open(&calendar, started)
        {
            let shifted = open + SignedDuration::from_mins((i as i64 * 7) % 90);
            if open != started && shifted < now - SignedDuration::from_hours(1) {
                started = shifted;
            }
        }
        clock.set(started);
        let mut m = InboundMessage::new(ws, sender, channel, text);
        m.subject = Some(subject.to_string());
        m.priority = Some(priority);
        m.tags = if tag.is_empty() { vec![] } else { vec![tag.to_string()] };
        m.external_id = Some(format!("demo-{i}"));
        let done = ingest(&past, m).await?;
        let id = done.conversation.id;
        let agent = done
            .conversation
            .assignee_id
            .and_then(|a| staff.iter().find(|u| u.id == a))
            .unwrap_or(agents[i % agents.len()]);
        let as_agent = Caller::session(agent.clone());
        // Warnings and breaches are given when they fall due, as the worker would.
        let step = |mins: i64| {
            let (past, clock) = (&past, &clock);
            async move {
                let until = past.now() + SignedDuration::from_mins(mins);
                catch_up(past, clock, ws, id, until).await
            }
        };
        if !note.is_empty() {
            step(6).await?;
            add_message_as(&past, &as_agent, id, "note", note, false).await?;
        }
        if !reply.is_empty() {
            // Chats are answered while the customer waits; other channels take longer.
            step(if channel == Channel::Chat { 3 } else { 19 }).await?;
            reply_with_redress(&past, &as_agent, ws, id, reply).await?;
            if let Some(promise) = PROMISES.iter().find(|(n, _)| *n == i) {
                let input = MakePromise {
                    conversation_id: id.to_string(),
                    description: promise.1.into(),
                    due_at: (past.now() + SignedDuration::from_hours(40)).to_string(),
                    ..Default::default()
                };
                promises::make(&past, &as_agent, &input, "detected").await?;
            }
        }
        let answered_unrouted = !reply.is_empty() && done.conversation.assignee_id.is_none();
        if status != "open" || i % 9 == 4 || answered_unrouted {
            step(3).await?;
            let assignee = if i % 9 == 4 {
                // A few conversations wait for someone to take them.
                Some(serde_json::Value::Null)
            } else if answered_unrouted {
                // Whoever answered took it.
                Some(serde_json::Value::String(agent.id.to_string()))
            } else {
                None
            };
            let change = UpdateConversation {
                status: Some(status.to_string()),
                assignee_id: assignee,
                ..Default::default()
            };
            update(&past, &as_agent, id, &change).await?;
        }
        // Whatever fell due since, up to now, is on record too; misses more
        // than a day old have had their apology.
        let day_ago = now - SignedDuration::from_hours(24);
        catch_up_and_apologise(&past, &clock, ws, id, now, Some((&as_agent, day_ago))).await?;
    }
    Ok(())
}

/// Promises confirmed from the replies of some conversations (by sample
/// number), due in 40 hours: still open.
const PROMISES: &[(usize, &str)] = &[
    (0, "look at the brake myself on Thursday"),
    (4, "lend you a bike while yours is with us"),
    (8, "send you a return label today"),
];
