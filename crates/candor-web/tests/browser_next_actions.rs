//! Next best actions and win-back campaigns in Chromium over the demo: the
//! panel beside a conversation, the rules page, and a campaign's dry run and
//! preview — each page checked for what people using assistive technology
//! would trip over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_store::conversations::Filter;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

async fn check(b: &Browser, heading: &str) -> PageResult<()> {
    b.wait_for_text("h1", heading).await?;
    b.assert_accessible().await
}

async fn flow(s: &TestServer) -> PageResult<()> {
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    let ws = loaded.unwrap().workspace.id;
    let b = b?;
    b.sign_in(s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    let names = s.app.db.customer_names(ws).await.unwrap();
    let conversation_of = |name: &str| {
        let id = names.iter().find(|(_, n)| n == name).map(|(id, _)| *id).unwrap();
        let app = s.app.clone();
        async move {
            let filter = Filter {
                customer: Some(id),
                ..Default::default()
            };
            app.db.conversations(ws, &filter, None, 5).await.unwrap().items[0].0.id
        }
    };

    // Beside the conversation: the broken promise, with its reason.
    let nadia = conversation_of("Nadia Brandt").await;
    b.goto(&s.url(&format!("/inbox/{nadia}"))).await?;
    check(&b, "Cargo bike at the workshop").await?;
    b.wait_for_text(
        "#next-actions-list .nba-promise-broken",
        "Make good on a broken promise",
    )
    .await?;
    b.wait_for_text(
        "#next-actions-list .nba-promise-broken",
        "Say so plainly and put it right",
    )
    .await?;
    // A former customer writing again: the win-back offer.
    let henrik = conversation_of("Henrik Aalto").await;
    b.goto(&s.url(&format!("/inbox/{henrik}"))).await?;
    b.wait_for_text("#next-actions-list .nba-win-back", "A former customer is writing again")
        .await?;

    // The rules: change the win-back offer, and see it beside the conversation.
    b.click("#tune-next-actions").await?;
    check(&b, "Next best actions").await?;
    assert_eq!(b.value("#offer-when-0").await?, "attr.student:true");
    b.fill("#win-back-offer", "Offer a free check-up of their old bike")
        .await?;
    b.submit("#save-rules").await?;
    b.wait_for("#rules-saved").await?;
    // A condition that cannot be read is refused, naming the field.
    b.fill("#offer-when-2", "tier:Q").await?;
    b.fill("#offer-title-2", "Broken").await?;
    b.submit("#save-rules").await?;
    b.wait_for_text("#rules-error", "offers[2].when").await?;
    b.goto(&s.url(&format!("/inbox/{henrik}"))).await?;
    b.wait_for_text(
        "#next-actions-list .nba-win-back",
        "Offer a free check-up of their old bike",
    )
    .await?;

    // The demo campaign: its dry run lists who gets what, and who is skipped and why.
    b.click("#nav-campaigns").await?;
    check(&b, "Campaigns").await?;
    b.submit("#campaigns a[href^='/campaigns/']").await?;
    check(&b, candor_app::demo_campaigns::DEMO_CAMPAIGN).await?;
    b.wait_for_text("#campaign-state", "draft").await?;
    b.wait_for_text("#result-sent", "0").await?;
    b.submit("#dry-run-link").await?;
    check(&b, "Dry run").await?;
    for (outcome, reason, words) in [
        ("skip", "no-consent", "no consent for marketing on record"),
        ("skip", "do-not-contact", "asked not to be contacted by email"),
        ("skip", "no-email", "no email address"),
        ("skip", "bounced", "bounced"),
        ("hold", "quiet-hours", "quiet hours"),
        ("send", "send", "gets the message"),
    ] {
        b.wait_for_text(
            &format!("#dry-run tr[data-outcome='{outcome}'][data-reason='{reason}']"),
            words,
        )
        .await?;
    }
    let skipped: i64 = b.text("#dry-run-skip").await?.parse().unwrap();
    assert!(skipped >= 4, "{skipped}");
    // The message Henrik would get, from Priya, about his cargo bike.
    b.submit("#dry-run tr[data-outcome='send'] a[href*='?customer=']")
        .await?;
    b.wait_for("#preview-body").await?;
    b.assert_accessible().await?;
    let from = b.text("#preview-from").await?;
    assert_eq!(from, "Priya Raman at Northwind Cycles");
    let body = b.text("#preview-body").await?;
    assert!(body.ends_with("— Priya Raman"), "{body}");
    assert!(!body.contains("{{"), "{body}");

    // Writing a campaign: a segment that cannot be read is refused, naming the field.
    b.goto(&s.url("/campaigns")).await?;
    b.fill("#campaign-name", "Spring check-up").await?;
    b.fill("#campaign-segment", "stage:gone").await?;
    b.submit("#create-campaign").await?;
    b.wait_for_text("#campaign-error", "segment").await?;
    b.fill("#campaign-segment", "stage:at-risk").await?;
    b.submit("#create-campaign").await?;
    check(&b, "Spring check-up").await?;
    Ok(())
}

#[tokio::test]
async fn next_actions_and_a_campaign_dry_run() -> PageResult<()> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    let result = flow(&s).await;
    s.finish().await;
    result
}
