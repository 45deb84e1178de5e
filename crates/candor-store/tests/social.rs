//! Mentions, monitoring rules and alerts in storage, on SQLite and
//! PostgreSQL: a post is stored once, an alert once per mention and rule,
//! filters and paging, removed rules, and workspaces kept apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::social::{RuleSpec, Sentiment};
use candor_core::{MentionId, SocialAlertId, SocialRuleId, UserId, WorkspaceId};
use candor_store::social::rules::{SocialAlert, SocialRule};
use candor_store::social::{Mention, MentionFilter};
use candor_store::{Db, both_backends};
use jiff::{SignedDuration, Timestamp};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

fn mention(i: i64, platform: &str, sentiment: f64) -> Mention {
    let at = t0() + SignedDuration::from_mins(i);
    Mention {
        id: MentionId::new_at(at),
        platform: platform.into(),
        post_url: format!("https://{platform}.example/p/{i}"),
        author: format!("{platform}:fan{i}"),
        author_name: format!("Fan {i}"),
        body: format!("post {i}"),
        posted_at: at,
        in_reply_to: None,
        external_id: None,
        customer_id: None,
        sentiment,
        language: Some("en".into()),
        conversation_id: None,
        handled_at: None,
        handled_by: None,
        created_at: at,
    }
}

async fn workspace(db: &Db, slug: &str) -> WorkspaceId {
    let mut tx = db.begin().await.unwrap();
    let ws = tx.create_workspace(t0(), slug, "Acme", "UTC").await.unwrap();
    tx.commit().await.unwrap();
    ws.id
}

async fn mentions_and_alerts(db: Db) {
    let ws = workspace(&db, "acme").await;
    let other = workspace(&db, "globex").await;
    let mut tx = db.begin().await.unwrap();
    let samples = [
        mention(0, "twitter", -0.6),
        mention(1, "instagram", 0.0),
        mention(2, "twitter", 0.05),
        mention(3, "reddit", 0.4),
    ];
    for m in &samples {
        assert!(tx.insert_mention(ws, m, &m.post_url).await.unwrap());
    }
    // The same post again, under a new id: not stored.
    let mut again = samples[0].clone();
    again.id = MentionId::new_at(t0());
    assert!(!tx.insert_mention(ws, &again, &again.post_url).await.unwrap());
    // The same post in another workspace is that workspace's own.
    assert!(tx.insert_mention(other, &again, &again.post_url).await.unwrap());
    let stored = tx
        .mention_by_key(ws, "twitter", &samples[0].post_url)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.id, samples[0].id);
    let window = tx
        .mentions_posted_between(ws, t0(), t0() + SignedDuration::from_mins(3))
        .await
        .unwrap();
    assert_eq!(window, 3, "(from, to]: posts 1, 2 and 3");
    let rule = SocialRule {
        id: SocialRuleId::new_at(t0()),
        name: "Unhappy".into(),
        spec: RuleSpec::SentimentBelow { threshold: -0.3 },
        created_at: t0(),
        created_by: None,
        removed_at: None,
    };
    tx.insert_social_rule(ws, &rule).await.unwrap();
    let alert = SocialAlert {
        id: SocialAlertId::new_at(t0()),
        mention_id: samples[0].id,
        rule_id: rule.id,
        customer_id: None,
        reason: "sentiment -0.60 is below -0.30".into(),
        state: "open".into(),
        created_at: t0(),
        handled_at: None,
        handled_by: None,
        handled_how: None,
        conversation_id: None,
    };
    assert!(tx.insert_social_alert(ws, &alert).await.unwrap());
    let mut twice = alert.clone();
    twice.id = SocialAlertId::new_at(t0());
    assert!(
        !tx.insert_social_alert(ws, &twice).await.unwrap(),
        "once per mention and rule"
    );
    assert!(
        tx.rule_fired_since(ws, rule.id, t0() - SignedDuration::from_mins(1))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();

    // Filters and paging.
    let all = |f: MentionFilter| {
        let db = db.clone();
        async move { db.mentions(ws, &f, None, 50).await.unwrap().0 }
    };
    assert_eq!(all(MentionFilter::default()).await.len(), 4);
    let twitter = all(MentionFilter {
        platform: Some("twitter".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(twitter.len(), 2);
    assert_eq!(twitter[0].id, samples[2].id, "newest first");
    for (s, n) in [
        (Sentiment::Negative, 1),
        (Sentiment::Neutral, 2),
        (Sentiment::Positive, 1),
    ] {
        let got = all(MentionFilter {
            sentiment: Some(s),
            ..Default::default()
        })
        .await;
        assert_eq!(got.len(), n, "{s}");
    }
    let (page, next) = db.mentions(ws, &MentionFilter::default(), None, 3).await.unwrap();
    assert_eq!(page.len(), 3);
    let (rest, end) = db.mentions(ws, &MentionFilter::default(), next, 3).await.unwrap();
    assert_eq!((rest.len(), end), (1, None));
    assert_eq!(rest[0].id, samples[0].id);

    // Open alerts; handling them.
    let (open, _) = db.open_social_alerts(ws, None, 10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(db.open_social_alerts(other, None, 10).await.unwrap().0.is_empty());
    let by = UserId::new_at(t0());
    let mut tx = db.begin().await.unwrap();
    let n = tx
        .handle_mention_alerts(ws, samples[0].id, by, "dismissed", None, t0())
        .await
        .unwrap();
    assert_eq!(n, 1);
    tx.mark_mention_handled(ws, samples[0].id, by, None, None, t0())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(db.open_social_alerts(ws, None, 10).await.unwrap().0.is_empty());
    let handled = all(MentionFilter {
        handled: Some(true),
        ..Default::default()
    })
    .await;
    assert_eq!(handled.len(), 1);
    assert_eq!(
        db.social_alert(ws, alert.id).await.unwrap().handled_how.as_deref(),
        Some("dismissed")
    );
    assert!(db.social_alert(other, alert.id).await.is_err());

    // Removing a rule keeps it for its alerts, out of the live list.
    let mut tx = db.begin().await.unwrap();
    assert!(tx.remove_social_rule(ws, rule.id, t0()).await.unwrap());
    assert!(!tx.remove_social_rule(ws, rule.id, t0()).await.unwrap());
    assert!(!tx.remove_social_rule(other, rule.id, t0()).await.unwrap());
    tx.commit().await.unwrap();
    assert!(db.social_rules(ws).await.unwrap().is_empty());
    assert_eq!(db.social_rules_all(ws).await.unwrap().len(), 1);
    assert_eq!(db.social_rule(ws, rule.id).await.unwrap().spec, rule.spec);
}

both_backends!(mentions_rules_and_alerts, mentions_and_alerts);
