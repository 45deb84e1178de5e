//! The demo's live chat: the widget's settings (a secret, the shop's origin)
//! and chats that came through the widget — one answered, one waiting with
//! the visitor's email, one from a signed-in shop user. On both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::App;
use candor_core::conversation::{Channel, Delivery};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{ManualClock, chat};
use candor_store::conversations::Filter;
use candor_store::secrets::SecretKey;
use candor_store::{Db, both_backends};
use std::sync::Arc;

async fn the_demo_has_chats(db: Db) {
    let clock = Arc::new(ManualClock::new("2026-03-04T11:00:00Z".parse().unwrap()));
    let app = App::new(db, clock).with_secret_key(SecretKey::generate());
    let outcome = candor_app::demo::load(&app).await.unwrap();
    let ws = outcome.workspace.id;
    let settings = candor_app::chat::settings::widget_settings(&app, ws).await.unwrap();
    assert_eq!(settings.allowed_origins, vec!["https://shop.northwind.example"]);
    let secret = settings.secret.unwrap();
    assert!(secret.starts_with("chs_"));

    // The server's own origin joins the list once it is known.
    let owner = candor_app::demo_chat::owner_of(&app, &outcome.workspace)
        .await
        .unwrap()
        .unwrap();
    candor_app::demo_chat::allow_origin(&app, &owner, "http://127.0.0.1:8080")
        .await
        .unwrap();
    let settings = candor_app::chat::settings::widget_settings(&app, ws).await.unwrap();
    assert!(chat::origin_allowed(
        &settings.allowed_origins,
        Some("http://127.0.0.1:8080")
    ));

    let filter = Filter {
        channel: Some(Channel::Chat),
        ..Default::default()
    };
    let page = app.db.conversations(ws, &filter, None, 200).await.unwrap();
    let widget: Vec<_> = page
        .items
        .iter()
        .map(|(c, _)| c)
        .filter(|c| candor_app::chat::delivery::widget_thread(c.thread_ref.as_deref()))
        .collect();
    assert_eq!(widget.len(), 3, "{widget:?}");
    let signed = widget
        .iter()
        .find(|c| c.thread_ref.as_deref() == Some("u:northwind-shop-1042"))
        .unwrap();
    let ines = app
        .db
        .customer_by_identity(
            ws,
            &Identity::parse(IdentityKind::External, candor_app::demo_chat::DEMO_USER_ID, None).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ines.name, "Ines Duarte");
    assert_eq!(signed.customer_id, ines.id);
    // The answered chats' replies are delivered; the waiting one has the visitor's email.
    for c in &widget {
        let messages = app.db.messages(ws, c.id, 50).await.unwrap();
        for m in messages.iter().filter(|m| m.delivery.is_some()) {
            assert_eq!(m.delivery, Some(Delivery::Sent));
        }
    }
    let ole = app
        .db
        .customer_by_identity(
            ws,
            &Identity::parse(IdentityKind::Email, "ole.hansen@mail.example", None).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(widget.iter().any(|c| c.customer_id == ole.id));
}
both_backends!(chat_demo, the_demo_has_chats);
