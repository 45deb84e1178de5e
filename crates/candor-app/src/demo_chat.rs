//! The demo's live chat: the widget's settings (a signing secret, and the
//! demo server's own origin allowed once it is known) and a few chats that
//! came through the widget, answered or waiting.

use crate::caller::Caller;
use crate::chat::visitor::{self, Hello};
use crate::chat::{self, settings};
use crate::context::App;
use crate::conversations::add_message_as;
use crate::error::AppResult;
use candor_store::staff::{User, Workspace};

/// The site user the demo's signed chat comes from.
pub const DEMO_USER_ID: &str = "northwind-shop-1042";

/// (visitor id, signed?, name, messages from the visitor, the reply, email given)
type DemoChat = (
    &'static str,
    bool,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const CHATS: &[DemoChat] = &[
    (
        "demo-visitor-helmet-size",
        false,
        "",
        &["Hi! Does the Aero helmet come in XL?", "My head is 62 cm around."],
        "Hi, yes: the Aero comes in XL (61–65 cm), so it fits you. Shall I set one aside for pick-up?",
        "",
    ),
    (
        "demo-visitor-late-order",
        false,
        "",
        &["My order #4471 was due yesterday and the tracking link shows nothing."],
        "",
        "ole.hansen@mail.example",
    ),
    (
        "demo-visitor-shop-user",
        true,
        "Ines Duarte",
        &["Can I change the delivery address of the order I placed this morning?"],
        "Yes, Ines: it has not left the warehouse yet. I changed it to the address in your account.",
        "",
    ),
];

/// Makes the widget's settings and the demo chats (answered by `agent`).
/// Without a key to seal the secret with (some tests), only the anonymous chats.
pub async fn load(app: &App, owner: &User, agent: &User) -> AppResult<()> {
    let as_owner = Caller::session(owner.clone());
    let secret = match app.secret_key {
        Some(_) => {
            settings::set_origins(app, &as_owner, &["https://shop.northwind.example".to_string()])
                .await?
                .secret
        }
        None => None,
    };
    let ws = owner.workspace_id;
    for (visitor_id, signed, name, texts, reply, email) in CHATS {
        if *signed && secret.is_none() {
            continue;
        }
        let hello = Hello {
            visitor: visitor_id.to_string(),
            user_id: signed.then(|| DEMO_USER_ID.to_string()),
            user_hash: match (signed, &secret) {
                (true, Some(secret)) => Some(candor_core::chat::sign_user(secret, DEMO_USER_ID)),
                _ => None,
            },
            user_name: (!name.is_empty()).then(|| name.to_string()),
        };
        let v = visitor::identify(app, ws, &hello).await?;
        let mut conversation = None;
        for (i, text) in texts.iter().enumerate() {
            let posted = visitor::post(app, &v, &format!("{visitor_id}-{i}"), text).await?;
            conversation = Some(posted.conversation_id);
        }
        if !email.is_empty() {
            visitor::give_email(app, &v, email).await?;
        }
        if let (Some(id), false) = (conversation, reply.is_empty()) {
            // Answered while the visitor was there: recorded as delivered.
            add_message_as(app, &Caller::session(agent.clone()), id, "outbound", reply, false).await?;
        }
    }
    Ok(())
}

/// Allows the demo server's own origin (known once it listens), so the
/// "what a customer sees" page works from it.
pub async fn allow_origin(app: &App, owner: &User, origin: &str) -> AppResult<()> {
    if app.secret_key.is_none() {
        return Ok(());
    }
    let caller = Caller::session(owner.clone());
    let mut origins = settings::get(app, &caller).await?.allowed_origins;
    let origin = match candor_core::chat::parse_origin(origin) {
        Ok(o) => o,
        Err(_) => return Ok(()),
    };
    if !origins.contains(&origin) {
        origins.push(origin);
        chat::settings::set_origins(app, &caller, &origins).await?;
    }
    Ok(())
}

/// The demo workspace's owner, for [`allow_origin`].
pub async fn owner_of(app: &App, ws: &Workspace) -> AppResult<Option<User>> {
    Ok(app
        .db
        .users(ws.id)
        .await?
        .into_iter()
        .find(|u| u.role == candor_core::staff::Role::Owner))
}
