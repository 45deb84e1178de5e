//! Social listening and calls in Chromium over the demo: the "Reach out
//! first" view, one click to start a conversation with the customer whose
//! post raised the alert, the mention stream with its reply form, the rules
//! page, and logging a call from the customer page — each page checked for
//! what people using assistive technology would trip over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

async fn check(b: &Browser, heading: &str) -> PageResult<()> {
    b.wait_for_text("h1", heading).await?;
    b.assert_accessible().await
}

async fn reach_out_flow(s: &TestServer) -> PageResult<()> {
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    let ws = loaded.unwrap().workspace.id;
    let b = b?;
    b.sign_in(s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    // The demo's alert on the tier-A customer's angry post.
    let (alerts, _) = s.app.db.open_social_alerts(ws, None, 50).await.unwrap();
    let mut vip = None;
    for a in &alerts {
        let m = s.app.db.mention(ws, a.mention_id).await.unwrap();
        // The view shows a mention once, under its newest alert.
        if vip.is_none() && m.author == format!("twitter:{}", candor_app::demo_social::DEMO_VIP_HANDLE) {
            vip = Some((a.id, m));
        }
    }
    let (alert, mention) = vip.expect("the demo raises an alert on the tier-A customer's post");
    let customer = mention.customer_id.expect("the post is matched to the customer");
    b.goto(&s.url("/inbox?view=reach-out")).await?;
    check(&b, "Inbox").await?;
    b.wait_for_text(&format!("#alert-{alert}"), "brakes failed").await?;
    let link = b.attr(&format!("#alert-{alert} a.customer-link"), "href").await?;
    assert_eq!(link.as_deref(), Some(format!("/customers/{customer}").as_str()));
    // One click: the conversation opens, on email, with the post quoted.
    b.submit(&format!("#reach-{alert}")).await?;
    check(&b, "Reaching out about your post on twitter").await?;
    b.wait_for_text("#thread", &mention.post_url).await?;
    let path = b.path().await?;
    let conv: candor_core::ConversationId = path.trim_start_matches("/inbox/").parse().unwrap();
    let c = s.app.db.conversation(ws, conv).await.unwrap();
    assert_eq!(c.channel.as_str(), "email");
    assert_eq!(c.customer_id, customer);
    // The alert is handled: gone from the view.
    b.goto(&s.url("/inbox?view=reach-out")).await?;
    check(&b, "Inbox").await?;
    b.wait_until(
        "the handled alert leaves the view",
        &format!("!document.getElementById('alert-{alert}')"),
    )
    .await?;
    // The stream, with a reply recorded and the post offered to publish it.
    b.goto(&s.url("/social?handled=false")).await?;
    check(&b, "Social mentions").await?;
    let first = b.attr("#mentions li", "id").await?.unwrap();
    let id = first.trim_start_matches("mention-");
    b.fill(&format!("#reply-{id}"), "Thank you for the kind words!").await?;
    b.submit(&format!("#send-{id}")).await?;
    b.wait_for("#open-post").await?;
    check(&b, "Social mentions").await?;
    // The rules page.
    b.goto(&s.url("/settings/social")).await?;
    check(&b, "Social listening").await?;
    b.wait_for("#social-rules").await?;
    // A call logged by hand on the customer page.
    b.goto(&s.url(&format!("/customers/{customer}"))).await?;
    b.wait_for("#log-call").await?;
    b.assert_accessible().await?;
    b.fill("#call-minutes", "4").await?;
    b.fill("#call-notes", "Called about the brakes; new pads on Thursday.")
        .await?;
    b.submit("#log-call-submit").await?;
    b.wait_for_text("#calls", "outbound call, answered, 4 min").await?;
    Ok(())
}

#[tokio::test]
async fn reach_out_from_an_alert() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = reach_out_flow(&s).await;
    s.finish().await;
    result
}
