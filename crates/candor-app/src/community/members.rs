//! Customers signing in to post: a one-time link sent to their address. Using
//! it finds the customer by that email identity (or creates them), marks the
//! identity verified, and opens a community session. So the company knows who
//! is speaking, and the customer speaks under their real name.

use super::mail::{Site, queue_sign_in};
use super::posting::limit;
use super::{absolute, community_path};
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::reference::{CustomerRef, resolve_in};
use candor_core::community::kind;
use candor_core::customer::clean_name;
use candor_core::events::{Actor, Subject};
use candor_core::identity::{Identity, IdentityKind};
use candor_core::{CustomerId, WorkspaceId};
use candor_store::StoreError;
use candor_store::events::NewEvent;
use serde_json::json;

/// Sign-in links one address may ask for in an hour.
pub const LINKS_PER_HOUR: i64 = 5;
/// Sign-in links one client address may ask for in an hour.
pub const LINKS_PER_HOUR_PER_ADDRESS: i64 = 20;

/// A sign-in request as sent from the form.
#[derive(Clone, Debug, Default)]
pub struct LinkRequest<'a> {
    /// The customer's email address.
    pub email: &'a str,
    /// Their real name (used when we do not know them yet).
    pub name: &'a str,
    /// The local path to return to.
    pub next: &'a str,
    /// Where the request came from.
    pub client: &'a str,
    /// The honeypot field.
    pub honeypot: &'a str,
}

/// The secret link, returned so a development server can show it (never in
/// production: it is the key to the customer's account).
#[derive(Clone, Debug)]
pub struct LinkSent {
    /// The full sign-in URL.
    pub url: String,
}

/// Sends a sign-in link to an address. The answer is the same whether the
/// address is known or not.
pub async fn request_link(app: &App, site: &Site<'_>, req: &LinkRequest<'_>) -> AppResult<Option<LinkSent>> {
    let ws = site.workspace.id;
    let identity =
        Identity::parse(IdentityKind::Email, req.email, None).map_err(|e| AppError::invalid("email", e.to_string()))?;
    let name = clean_name(req.name).map_err(|m| AppError::invalid("name", m))?;
    if !req.honeypot.trim().is_empty() {
        return Ok(None);
    }
    let known_name = match app.db.customer_by_identity(ws, &identity).await? {
        Some(c) => !c.name.trim().is_empty(),
        None => false,
    };
    if !known_name && name.is_empty() {
        return Err(AppError::invalid(
            "name",
            "tell us your name: community posts carry the poster's real name",
        ));
    }
    let next = if req.next.starts_with(&community_path(&site.workspace.slug)) && !req.next.contains("//") {
        req.next.to_string()
    } else {
        community_path(&site.workspace.slug)
    };
    let mut tx = app.db.begin().await?;
    limit(
        &mut tx,
        app,
        ws,
        &format!("link:e:{}", identity.value()),
        LINKS_PER_HOUR,
    )
    .await?;
    limit(
        &mut tx,
        app,
        ws,
        &format!("link:a:{}", req.client),
        LINKS_PER_HOUR_PER_ADDRESS,
    )
    .await?;
    let secret = tx
        .create_sign_in_link(app.now(), ws, identity.value(), &name, &next)
        .await?;
    let url = absolute(
        site.base_url,
        &format!("{}/signin/{secret}", community_path(&site.workspace.slug)),
    );
    queue_sign_in(&mut tx, app, site, identity.value(), &url).await?;
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::SIGN_IN_REQUESTED,
            subject: Subject::new("workspace", ws.as_uuid()),
            payload: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(LinkSent { url }))
}

/// A customer signed in by a link.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The customer.
    pub customer_id: CustomerId,
    /// The session cookie's secret.
    pub cookie: String,
    /// Where to go next.
    pub next: String,
}

/// Uses a sign-in link (once, before it expires): links the address to its
/// customer (creating one if unknown), marks it verified, opens a session.
pub async fn use_link(app: &App, ws: WorkspaceId, secret: &str) -> AppResult<SignedIn> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let link = match tx.use_sign_in_link(now, ws, secret).await {
        Ok(l) => l,
        Err(StoreError::NotFound) => {
            return Err(AppError::Unauthorized(
                "this sign-in link has been used or has expired; ask for a new one".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let identity = Identity::parse(IdentityKind::Email, &link.email, None)
        .map_err(|e| AppError::Internal(format!("a stored sign-in address is invalid: {e}")))?;
    let r = CustomerRef::Identity {
        identity: identity.clone(),
        name: Some(link.name.clone()),
    };
    let (customer, created) = resolve_in(&mut tx, app, ws, Actor::System, "", &r, "community").await?;
    tx.mark_identity_verified(ws, customer, &identity).await?;
    if !link.name.is_empty() {
        tx.name_customer_if_nameless(now, ws, customer, &link.name).await?;
    }
    let cookie = tx.create_customer_session(now, ws, customer, identity.value()).await?;
    tx.append_customer_event(
        now,
        NewEvent {
            workspace_id: ws,
            actor: Actor::System,
            kind: kind::SIGNED_IN,
            subject: Subject::new("customer", customer.as_uuid()),
            payload: json!({"email": identity.value(), "verified": true, "created": created}),
        },
        Some(customer),
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn {
        customer_id: customer,
        cookie,
        next: link.next_path,
    })
}

/// Ends a customer's community session.
pub async fn sign_out(app: &App, cookie: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    tx.end_customer_session(cookie).await?;
    tx.commit().await?;
    Ok(())
}
