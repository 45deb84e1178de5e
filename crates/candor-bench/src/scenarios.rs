//! What a run measures: one table of scenarios, Candor's and the ceiling's.

use anyhow::{Result, bail};

/// Which server a scenario is sent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// `candor serve`.
    Candor,
    /// `candor-ceiling`, the bare axum + sqlx program.
    Ceiling,
}

impl Target {
    /// Its name in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Candor => "candor",
            Target::Ceiling => "ceiling",
        }
    }
}

/// One kind of request, sent over and over.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Short name, used by `--scenarios` and in the table.
    pub name: &'static str,
    /// Which server answers it.
    pub target: Target,
    /// HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/row/{row_id}`.
    pub path: &'static str,
    /// Body template (sent as JSON), if any.
    pub body: Option<&'static str>,
    /// Header templates.
    pub headers: &'static [(&'static str, &'static str)],
    /// The status of a correct answer.
    pub expect: u16,
    /// The ceiling scenario it is compared with, if any.
    pub compare: Option<&'static str>,
    /// One line on what it does.
    pub about: &'static str,
}

/// The owner's API token, as a bearer header.
pub const AUTH: &[(&str, &str)] = &[("Authorization", "Bearer {token}")];

/// A raw email posted by a provider's webhook: the token and the type.
pub const RAW_EMAIL: &[(&str, &str)] = &[("Authorization", "Bearer {token}"), ("Content-Type", "message/rfc822")];

/// Every scenario, ceiling first. Candor scenarios name the ceiling scenario
/// they are compared with.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "insert",
        target: Target::Ceiling,
        method: "POST",
        path: "/insert",
        body: Some(r#"{"name": "bench {seq}", "body": "A row written by the benchmark to measure a bare insert."}"#),
        headers: &[],
        expect: 201,
        compare: None,
        about: "bare: insert one row, answer 201",
    },
    Scenario {
        name: "newest",
        target: Target::Ceiling,
        method: "GET",
        path: "/newest",
        body: None,
        headers: &[],
        expect: 200,
        compare: None,
        about: "bare: the 50 newest rows as JSON (~10 KB)",
    },
    Scenario {
        name: "row",
        target: Target::Ceiling,
        method: "GET",
        path: "/row/{row_id}",
        body: None,
        headers: &[],
        expect: 200,
        compare: None,
        about: "bare: one row by key",
    },
    Scenario {
        name: "count",
        target: Target::Ceiling,
        method: "GET",
        path: "/count?upto={customer_count}",
        body: None,
        headers: &[],
        expect: 200,
        compare: None,
        about: "bare: count the rows matching a filter among as many rows as there are customers",
    },
    Scenario {
        name: "healthz",
        target: Target::Candor,
        method: "GET",
        path: "/healthz",
        body: None,
        headers: &[],
        expect: 200,
        compare: None,
        about: "liveness: the HTTP stack alone, no database",
    },
    Scenario {
        name: "me",
        target: Target::Candor,
        method: "GET",
        path: "/api/v1/me",
        body: None,
        headers: AUTH,
        expect: 200,
        compare: Some("row"),
        about: "GET /api/v1/me: token lookup + one read",
    },
    Scenario {
        name: "token-create",
        target: Target::Candor,
        method: "POST",
        path: "/api/v1/tokens",
        body: Some(r#"{"name": "bench"}"#),
        headers: AUTH,
        expect: 201,
        compare: Some("insert"),
        about: "POST /api/v1/tokens: a token and its event in one transaction",
    },
    Scenario {
        name: "email-inbound",
        target: Target::Candor,
        method: "POST",
        path: "/api/v1/channels/email/inbound",
        body: Some(include_str!("../data/support-mail.eml")),
        headers: RAW_EMAIL,
        expect: 202,
        compare: Some("insert"),
        about: "a raw 10 KB support email through the ingest path IMAP uses: parse, thread, store, analyse",
    },
    Scenario {
        name: "customer-lookup",
        target: Target::Candor,
        method: "GET",
        path: "/api/v1/customers?identity={identity}",
        body: None,
        headers: AUTH,
        expect: 200,
        compare: Some("row"),
        about: "look a customer up by an identity (email, phone or external id)",
    },
    Scenario {
        name: "customer-timeline",
        target: Target::Candor,
        method: "GET",
        path: "/api/v1/customers/{heavy_customer_id}/timeline",
        body: None,
        headers: AUTH,
        expect: 200,
        compare: Some("newest"),
        about: "first page (50) of the timeline of the customer with 10,000 events",
    },
    Scenario {
        name: "segment-count",
        target: Target::Candor,
        method: "GET",
        path: "/api/v1/segments/{segment_id}",
        body: None,
        headers: AUTH,
        expect: 200,
        compare: Some("count"),
        about: "a saved segment (tier:A ltv>500) with its count over all customers",
    },
    Scenario {
        name: "conversation-create",
        target: Target::Candor,
        method: "POST",
        path: "/api/v1/conversations",
        body: Some(
            r#"{"customer": {"kind": "email", "value": "new{seq}@bench.example", "name": "New Customer {seq}"}, "subject": "Question about my order", "body": "Hello, I ordered a city bike last week and would like to know when it will be delivered. Thank you!"}"#,
        ),
        headers: AUTH,
        expect: 201,
        compare: Some("insert"),
        about: "open a conversation through the ingest path: new customer, routing, events",
    },
    Scenario {
        name: "message-post",
        target: Target::Candor,
        method: "POST",
        path: "/api/v1/conversations/{reply_conversation_id}/messages",
        body: Some(
            r#"{"kind": "outbound", "body": "Thanks for waiting. Your order left our warehouse today and should arrive within two days."}"#,
        ),
        headers: AUTH,
        expect: 201,
        compare: Some("insert"),
        about: "an agent's reply in an open API-channel conversation, with its event",
    },
    Scenario {
        name: "inbox-list",
        target: Target::Candor,
        method: "GET",
        path: "/api/v1/conversations?team={team_id}&status=open&limit=50",
        body: None,
        headers: AUTH,
        expect: 200,
        compare: Some("newest"),
        about: "the 50 newest open conversations of a team",
    },
    Scenario {
        name: "conversation-page",
        target: Target::Candor,
        method: "GET",
        path: "/api/v1/conversations/{conversation_id}",
        body: None,
        headers: AUTH,
        expect: 200,
        compare: Some("row"),
        about: "one conversation with its messages, attachments and customer name",
    },
    Scenario {
        name: "public-commitments",
        target: Target::Candor,
        method: "GET",
        path: "/api/v1/public/{workspace_slug}/commitments",
        body: None,
        headers: &[],
        expect: 200,
        compare: Some("row"),
        about: "the public commitments with their measured figures over 7, 30 and 90 days (kept a minute), no sign-in",
    },
    Scenario {
        name: "topic-page",
        target: Target::Candor,
        method: "GET",
        path: "/w/{workspace_slug}/community/t/{topic_slug}",
        body: None,
        headers: &[],
        expect: 200,
        compare: Some("newest"),
        about: "the public HTML page of the community topic with 200 replies, for a reader not signed in",
    },
    Scenario {
        name: "repeat-purchase",
        target: Target::Candor,
        method: "POST",
        path: "/api/v1/checks/repeat-purchase",
        body: Some("{repeat_check}"),
        headers: AUTH,
        expect: 200,
        compare: Some("row"),
        about: "the check a shop calls before an order: did this customer (by email) buy this product before?",
    },
];

/// Scenarios whose first request to a freshly started Candor, before any
/// cache holds their answer, is timed on its own.
pub const COLD: &[&str] = &["public-commitments"];

/// A scenario by name.
pub fn by_name(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The scenarios a `--scenarios` list selects (all for "all"), in table
/// order, with the ceiling scenarios the selected Candor ones compare with.
pub fn select(list: &str) -> Result<Vec<&'static Scenario>> {
    let wanted: Vec<&str> = list.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if wanted.is_empty() || wanted == ["all"] {
        return Ok(SCENARIOS.iter().collect());
    }
    let mut names: Vec<&str> = Vec::new();
    for w in &wanted {
        let Some(s) = by_name(w) else {
            let known: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
            bail!("--scenarios: no scenario \"{w}\" (known: {})", known.join(", "));
        };
        names.push(s.name);
        names.extend(s.compare);
    }
    Ok(SCENARIOS.iter().filter(|s| names.contains(&s.name)).collect())
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text sent as it is.
    Text(String),
    /// A placeholder, `{name}`.
    Var(String),
}

/// Splits a template into text and `{name}` placeholders. A brace that does
/// not open a name (`{"a": 1}`) is text.
pub fn parse_template(template: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            text.push_str(&rest[..open]);
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Var(after[..name_len].to_string()));
            rest = &after[name_len + 1..];
        } else {
            text.push_str(&rest[..=open]);
            rest = after;
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_at_names_only() {
        assert_eq!(
            parse_template(r#"{"name": "bench {seq}"}"#),
            vec![
                Part::Text(r#"{"name": "bench "#.into()),
                Part::Var("seq".into()),
                Part::Text(r#""}"#.into())
            ]
        );
        assert_eq!(
            parse_template("/row/{row_id}"),
            vec![Part::Text("/row/".into()), Part::Var("row_id".into())]
        );
        assert_eq!(parse_template("/healthz"), vec![Part::Text("/healthz".into())]);
        assert_eq!(parse_template("{}"), vec![Part::Text("{}".into())]);
    }

    #[test]
    fn selection_brings_the_ceiling_it_compares_with() {
        let names = |l: &str| select(l).map(|v| v.iter().map(|s| s.name).collect::<Vec<_>>()).ok();
        assert_eq!(names("me"), Some(vec!["row", "me"]));
        assert_eq!(names("all").map(|v| v.len()), Some(SCENARIOS.len()));
        assert_eq!(names("healthz"), Some(vec!["healthz"]));
        assert!(select("nope").is_err());
    }

    #[test]
    fn every_comparison_names_a_ceiling_scenario() {
        for s in SCENARIOS {
            if let Some(c) = s.compare {
                assert!(by_name(c).is_some_and(|c| c.target == Target::Ceiling), "{}", s.name);
            }
        }
    }
}
