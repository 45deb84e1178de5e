//! Who gets what: for a page of customers, each one's decision (send, skip
//! and why, or hold for quiet hours) and their message, rendered. The dry
//! run, the preview and the sender all decide here, so what a dry run shows
//! is what sending does at that moment.

use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::campaign::{self, Decision, Recipient, Template};
use candor_core::identity::IdentityKind;
use candor_core::next_action::day;
use candor_core::{CustomerId, WorkspaceId};
use candor_store::campaigns::Campaign;
use candor_store::customers::Customer;
use candor_store::staff::User;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// What deciding needs about the campaign, read once.
pub struct Context {
    /// The campaign.
    pub campaign: Campaign,
    /// Its subject template.
    pub subject: Template,
    /// Its body template.
    pub body: Template,
    /// Who it is sent as.
    pub sender: User,
    /// The workspace's name.
    pub company: String,
    /// The workspace's zone (dates, and quiet hours of customers without a zone).
    pub zone: TimeZone,
    /// The moment of deciding.
    pub now: Timestamp,
}

/// One customer, decided.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The customer.
    pub customer_id: CustomerId,
    /// Their name.
    pub name: String,
    /// The address the message goes to.
    pub address: Option<String>,
    /// What happens.
    pub decision: Decision,
    /// The subject, rendered.
    pub subject: String,
    /// The body, rendered (without the signature the email adds).
    pub body: String,
}

/// Reads what deciding about `campaign`'s customers needs.
pub async fn context(app: &App, ws: WorkspaceId, campaign: Campaign) -> AppResult<Context> {
    let bad = |what: &str, e: candor_core::campaign::TemplateError| {
        AppError::Internal(format!("the stored {what} template cannot be read: {e}"))
    };
    let subject = Template::parse(&campaign.subject).map_err(|e| bad("subject", e))?;
    let body = Template::parse(&campaign.body).map_err(|e| bad("body", e))?;
    let sender = app.db.user(ws, campaign.sender_id).await?;
    let workspace = app.db.workspace(ws).await?;
    let zone = TimeZone::get(&workspace.time_zone).unwrap_or(TimeZone::UTC);
    Ok(Context {
        campaign,
        subject,
        body,
        sender,
        company: workspace.name,
        zone,
        now: app.now(),
    })
}

/// "— Priya Raman" under the body, as the email carries it.
pub fn signed(body: &str, sender: &str) -> String {
    format!("{body}\n\n— {sender}")
}

/// The first word of a name.
fn first_word(name: &str) -> String {
    name.split_whitespace().next().unwrap_or("").to_string()
}

/// Decides about each customer, in the order given.
pub async fn plan(app: &App, ws: WorkspaceId, ctx: &Context, customers: &[Customer]) -> AppResult<Vec<Planned>> {
    let ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
    let bounced = app.db.bounced_addresses(ws, &ids).await?;
    let last = app.db.last_products(ws, &ids).await?;
    let purpose = ctx.campaign.purpose.as_str();
    let mut out = Vec::with_capacity(customers.len());
    for c in customers {
        // The address an email reply goes to without a thread: their first.
        let address = c
            .identities
            .iter()
            .find(|i| i.kind == IdentityKind::Email)
            .map(|i| i.value.clone());
        let mut values: BTreeMap<&str, String> = BTreeMap::new();
        values.insert("name", c.name.clone());
        values.insert("first_name", first_word(&c.name));
        values.insert("email", address.clone().unwrap_or_default());
        if let Some((product, name, at)) = last.get(&c.id) {
            values.insert("last_product", name.clone().unwrap_or_else(|| product.clone()));
            values.insert("last_purchase_date", day(*at, &ctx.zone));
        }
        values.insert("sender", ctx.sender.name.clone());
        values.insert("sender_first_name", first_word(&ctx.sender.name));
        values.insert("company", ctx.company.clone());
        let zone = c
            .preferences
            .time_zone
            .as_deref()
            .and_then(|z| TimeZone::get(z).ok())
            .unwrap_or_else(|| ctx.zone.clone());
        let quiet_until = c
            .preferences
            .quiet_hours
            .as_ref()
            .and_then(|q| campaign::quiet_until(q, &zone, ctx.now));
        let missing = ctx.subject.missing(&values).or_else(|| ctx.body.missing(&values));
        let decision = campaign::decide(&Recipient {
            address: address.as_deref(),
            bounced: address.as_ref().is_some_and(|a| bounced.contains(a)),
            do_not_email: c.preferences.do_not_contact.iter().any(|d| d == "email"),
            consent: c.consents.get(purpose).is_some_and(|k| k.given),
            quiet_until,
            missing,
        });
        // A subject is one line, whatever the details hold.
        let subject = ctx
            .subject
            .render(&values)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        out.push(Planned {
            customer_id: c.id,
            name: c.name.clone(),
            address,
            decision,
            subject,
            body: ctx.body.render(&values),
        });
    }
    Ok(out)
}
