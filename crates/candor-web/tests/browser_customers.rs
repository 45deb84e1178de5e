//! Customer pages in a real headless Chromium over the demo company's data:
//! searching with the query language, one customer's page with a note, and
//! merging a suggested duplicate through its preview.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_app::demo;
use candor_web::testing::{Browser, PageResult, TestBackend, TestServer};

/// A server with the demo data and a browser signed in as its owner.
async fn demo_session() -> PageResult<(TestServer, Browser)> {
    let s = TestServer::start(TestBackend::Sqlite).await;
    // Chromium starts while the demo loads.
    let (loaded, b) = tokio::join!(demo::load(&s.app), Browser::start());
    loaded.unwrap();
    let b = b?;
    b.sign_in(&s, demo::DEMO_EMAIL, demo::DEMO_PASSWORD).await?;
    Ok((s, b))
}

/// The cells of column `n` (from 1) of the customer table.
async fn column(b: &Browser, n: usize) -> Vec<String> {
    b.texts(&format!("main table tbody tr td:nth-child({n})")).await
}

/// Searches the customer list for `q` through the form.
async fn search(b: &Browser, q: &str) -> PageResult<()> {
    b.fill("#q", q).await?;
    b.submit("form[role=search] button").await
}

async fn search_and_read(s: &TestServer, b: &Browser) -> PageResult<()> {
    b.goto(&s.url("/")).await?;
    b.submit("nav a[href='/customers']").await?;
    b.wait_for_text("h1", "Customers").await?;
    assert!(column(b, 1).await.len() >= 50, "the first page is full");
    // Filters of the query language.
    search(b, "tier:A").await?;
    let tiers = column(b, 4).await;
    assert!(!tiers.is_empty() && tiers.iter().all(|t| t == "A"), "{tiers:?}");
    let names = column(b, 1).await;
    assert!(names.len() < 50, "tier A is the top few: {names:?}");
    // Someone whose name is theirs alone, with the identity the list shows.
    let contacts = column(b, 2).await;
    let (name, contact) = names
        .iter()
        .zip(&contacts)
        .find(|(n, _)| names.iter().filter(|m| m == n).count() == 1)
        .map(|(n, c)| (n.clone(), c.clone()))
        .unwrap();
    // A filter with a first name narrows to people of that name.
    let first = name.split(' ').next().unwrap();
    search(b, &format!("tier:A {first}")).await?;
    assert_eq!(b.value("#q").await?, format!("tier:A {first}"));
    let found = column(b, 1).await;
    assert!(found.contains(&name), "{found:?}");
    assert!(found.iter().all(|n| n.contains(first)), "{found:?}");
    assert!(column(b, 4).await.iter().all(|t| t == "A"));
    // And a quoted full name to one.
    search(b, &format!("tier:A \"{name}\"")).await?;
    assert_eq!(column(b, 1).await, vec![name.clone()]);
    // Excluding a tier, and a quoted phrase.
    search(b, "\"Meyer\" -tier:A").await?;
    let mut meyers = column(b, 1).await;
    meyers.sort();
    assert_eq!(meyers, ["Jonathan Meyer", "Jonathon Meyer"]);
    // A query the language does not know says what is wrong.
    search(b, "ltv>lots").await?;
    b.wait_for("[role=alert]").await?;
    b.wait_for_text("main", "No customers match.").await?;
    // A quick filter link.
    b.submit("nav.filters a[href*='stage']").await?;
    let stages = column(b, 3).await;
    assert!(
        !stages.is_empty() && stages.iter().all(|t| t == "at-risk"),
        "{stages:?}"
    );

    // One customer's page: value, identities, timeline.
    search(b, &format!("tier:A \"{name}\"")).await?;
    b.submit("main table a").await?;
    b.wait_for_text("h1", &name).await?;
    let (kind, id) = contact.split_once(':').unwrap();
    b.wait_for_text("section[aria-labelledby=h-who] ul li", &format!("{kind}: {id}"))
        .await?;
    let value = b.text("section[aria-labelledby=h-value] dl").await?;
    assert!(value.contains("Tier\nA"), "{value}");
    assert!(value.contains("EUR"), "{value}");
    b.wait_for_text("ol.timeline li", "Customer created (demo)").await?;
    b.wait_for_text("ol.timeline li", "Bought").await?;
    let purchases = b.texts("ol.timeline li").await;
    let bought = purchases.iter().filter(|l| l.contains("Bought")).count();
    let orders = value
        .lines()
        .skip_while(|l| *l != "Orders")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    assert!(
        bought >= orders.parse::<usize>().unwrap(),
        "{orders} orders, {purchases:?}"
    );

    // A note: typed, saved, shown, and on the timeline.
    b.fill("#note", "Prefers a call after 17:00 about the cargo bike")
        .await?;
    b.submit("form[action$='/notes'] button").await?;
    b.wait_for_text("h1", &name).await?;
    b.wait_for_text("section[aria-labelledby=h-notes] li", "Prefers a call after 17:00")
        .await?;
    let newest = b.text("ol.timeline li").await?;
    assert!(newest.contains("Note: Prefers a call after 17:00"), "{newest}");
    assert_eq!(b.value("#note").await?, "");
    Ok(())
}

#[tokio::test]
async fn search_customer_page_and_note() -> PageResult<()> {
    let (s, b) = demo_session().await?;
    let result = search_and_read(&s, &b).await;
    drop(b);
    s.finish().await;
    result
}

async fn merge_a_duplicate(s: &TestServer, b: &Browser) -> PageResult<()> {
    b.goto(&s.url("/customers?q=%22Jonathan%20Meyer%22")).await?;
    b.submit("main table a").await?;
    b.wait_for_text("h1", "Jonathan Meyer").await?;
    let survivor = b.path().await?;
    // The duplicate is suggested, with the reason.
    b.wait_for_text("section[aria-labelledby=h-dups] li", "Jonathon Meyer")
        .await?;
    let other = b.attr("section[aria-labelledby=h-dups] li a", "href").await?.unwrap();
    // The preview lists what moves, and cancelling changes nothing.
    b.submit("section[aria-labelledby=h-dups] a[href*='/merge']").await?;
    b.wait_for_text("h1", "Merge Jonathon Meyer into Jonathan Meyer")
        .await?;
    b.wait_for_text("main ul li", "email:j.meyer@urbancouriers.example")
        .await?;
    b.wait_for_text("main ul li", "phone:").await?;
    b.submit("main form a").await?;
    assert_eq!(b.path().await?, survivor);
    b.goto(&s.url(&other)).await?;
    b.wait_for_text("h1", "Jonathon Meyer").await?;
    // Merging through the preview.
    b.goto(&s.url(&survivor)).await?;
    b.submit("section[aria-labelledby=h-dups] a[href*='/merge']").await?;
    b.submit("main form button[type=submit]").await?;
    b.wait_for_text("h1", "Jonathan Meyer").await?;
    assert_eq!(b.path().await?, survivor);
    let who = b.texts("section[aria-labelledby=h-who] ul li").await;
    for id in [
        "email: jonathan.meyer@urbancouriers.example",
        "email: j.meyer@urbancouriers.example",
        "phone: ",
    ] {
        assert!(who.iter().any(|w| w.starts_with(id)), "{id} in {who:?}");
    }
    b.wait_for_text("ol.timeline li", "Merged Jonathon Meyer into this customer")
        .await?;
    assert!(b.texts("section[aria-labelledby=h-dups]").await.is_empty());
    // The old address leads to the survivor; the list shows one Meyer.
    b.goto(&s.url(&other)).await?;
    b.wait_for_text("h1", "Jonathan Meyer").await?;
    assert_eq!(b.path().await?, survivor);
    b.goto(&s.url("/customers?q=Meyer")).await?;
    b.wait_for_text("h1", "Customers").await?;
    assert_eq!(column(b, 1).await, ["Jonathan Meyer"]);
    Ok(())
}

#[tokio::test]
async fn merge_a_suggested_duplicate() -> PageResult<()> {
    let (s, b) = demo_session().await?;
    let result = merge_a_duplicate(&s, &b).await;
    drop(b);
    s.finish().await;
    result
}
