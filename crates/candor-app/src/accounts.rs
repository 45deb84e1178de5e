//! Workspaces and staff: creating owners, signing in and out, invitations,
//! roles, deactivation and API tokens. Every change writes its event.

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::passwords::{hash_password, verify_nothing, verify_password};
use candor_core::events::{Actor, Subject, kind};
use candor_core::staff::{FullName, Role, Scope, StaffError, check_new_password, normalize_staff_email};
use candor_core::workspace::{WorkspaceName, check_slug, slugify};
use candor_core::{TokenId, UserId};
use candor_store::access::{ApiToken, Invite};
use candor_store::events::NewEvent;
use candor_store::staff::{NewUser, User, Workspace};
use candor_store::{StoreError, Tx};
use serde_json::json;

fn staff_error(e: StaffError) -> AppError {
    match e {
        StaffError::Name(m) => AppError::invalid("name", m),
        StaffError::Email(m) => AppError::invalid("email", m),
        StaffError::Password(m) => AppError::invalid("password", m),
    }
}

async fn event(
    tx: &mut Tx,
    app: &App,
    user: &User,
    actor: Actor,
    kind: &str,
    subject: Subject,
    payload: serde_json::Value,
) -> AppResult<()> {
    tx.append_event(
        app.now(),
        NewEvent {
            workspace_id: user.workspace_id,
            actor,
            kind,
            subject,
            payload,
        },
    )
    .await?;
    Ok(())
}

fn user_subject(id: UserId) -> Subject {
    Subject::new("user", id.as_uuid())
}

/// Creates a workspace and its owner. The slug comes from the name, with a
/// number added if it is taken.
pub async fn create_owner(
    app: &App,
    workspace_name: &str,
    email: &str,
    name: &str,
    password: &str,
) -> AppResult<(Workspace, User)> {
    create_owner_with_slug(app, None, workspace_name, email, name, password).await
}

/// Like [`create_owner`], with a chosen slug, which must be free.
pub async fn create_owner_with_slug(
    app: &App,
    slug: Option<&str>,
    workspace_name: &str,
    email: &str,
    name: &str,
    password: &str,
) -> AppResult<(Workspace, User)> {
    let ws_name = WorkspaceName::parse(workspace_name).map_err(|e| AppError::invalid("workspace", e.to_string()))?;
    let email = normalize_staff_email(email).map_err(staff_error)?;
    let name = FullName::parse(name).map_err(staff_error)?;
    check_new_password(password).map_err(staff_error)?;
    let hash = hash_password(password)?;
    if let Some(slug) = slug {
        check_slug(slug).map_err(|e| AppError::invalid("slug", e.to_string()))?;
    }
    let base = slug.map(str::to_string).unwrap_or_else(|| slugify(ws_name.as_str()));
    let attempts = if slug.is_some() { 1 } else { 50 };
    for n in 1..=attempts {
        let slug = if n == 1 { base.clone() } else { format!("{base}-{n}") };
        let now = app.now();
        let mut tx = app.db.begin().await?;
        let ws = match tx.create_workspace(now, &slug, ws_name.as_str(), "UTC").await {
            Ok(ws) => ws,
            Err(StoreError::Conflict { field: "workspace", .. }) if attempts > 1 => continue,
            Err(e) => return Err(e.into()),
        };
        let user = tx
            .create_user(
                now,
                NewUser {
                    workspace_id: ws.id,
                    email: &email,
                    name: name.as_str(),
                    role: Role::Owner,
                    password_hash: Some(&hash),
                },
            )
            .await?;
        tx.append_event(
            now,
            NewEvent {
                workspace_id: ws.id,
                actor: Actor::System,
                kind: kind::WORKSPACE_CREATED,
                subject: Subject::new("workspace", ws.id.as_uuid()),
                payload: json!({"slug": ws.slug, "name": ws.name}),
            },
        )
        .await?;
        event(
            &mut tx,
            app,
            &user,
            Actor::System,
            kind::STAFF_CREATED,
            user_subject(user.id),
            json!({"email": user.email, "name": user.name, "role": "owner"}),
        )
        .await?;
        tx.commit().await?;
        return Ok((ws, user));
    }
    Err(AppError::Conflict {
        field: "workspace".into(),
        message: format!("no free slug near \"{base}\""),
    })
}

/// Checks an email and password; on success opens a session and returns
/// the user with the session cookie's value. Failures are slowed down per
/// account and per client address.
pub async fn sign_in(app: &App, email: &str, password: &str, client: &str) -> AppResult<(User, String)> {
    let email = email.trim().to_lowercase();
    let email_key = format!("email:{email}");
    let client_key = format!("ip:{client}");
    let keys = [email_key.as_str(), client_key.as_str()];
    if let Some(until) = app.db.throttled_until(app.now(), &keys).await? {
        return Err(AppError::Throttled { until });
    }
    let wrong = || AppError::Unauthorized("the email or password is wrong".into());
    let user = match app.db.user_by_email(&email).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let ok = match user.as_ref().and_then(|u| u.password_hash().map(|h| (u, h))) {
        Some((u, hash)) => verify_password(password, hash) && u.active,
        None => {
            verify_nothing(password);
            false
        }
    };
    let now = app.now();
    let Some(user) = user.filter(|_| ok) else {
        app.db.record_failure(now, &keys).await?;
        if let Ok(u) = app.db.user_by_email(&email).await {
            let mut tx = app.db.begin().await?;
            event(
                &mut tx,
                app,
                &u,
                Actor::System,
                kind::STAFF_SIGN_IN_FAILED,
                user_subject(u.id),
                json!({}),
            )
            .await?;
            tx.commit().await?;
        }
        return Err(wrong());
    };
    app.db.clear_failures(&keys[..1]).await?;
    let mut tx = app.db.begin().await?;
    let cookie = tx.create_session(now, &user).await?;
    event(
        &mut tx,
        app,
        &user,
        Actor::Staff(user.id),
        kind::STAFF_SIGNED_IN,
        user_subject(user.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok((user, cookie))
}

/// Ends a session.
pub async fn sign_out(app: &App, user: &User, cookie: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    tx.delete_session(cookie).await?;
    event(
        &mut tx,
        app,
        user,
        Actor::Staff(user.id),
        kind::STAFF_SIGNED_OUT,
        user_subject(user.id),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Invites someone by email to join with `role`; returns the invitation and
/// the one-time secret for its link.
pub async fn invite(app: &App, caller: &Caller, email: &str, role: Role) -> AppResult<(Invite, String)> {
    caller.require(Scope::Admin)?;
    if !caller.user.role.may_manage(role) {
        return Err(AppError::Forbidden(format!(
            "a {} may not invite an {role}",
            caller.user.role
        )));
    }
    let email = normalize_staff_email(email).map_err(staff_error)?;
    match app.db.user_by_email(&email).await {
        Ok(_) => {
            return Err(AppError::Conflict {
                field: "email".into(),
                message: format!("{email} has a staff account already"),
            });
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let mut tx = app.db.begin().await?;
    let (invite, secret) = tx
        .create_invite(app.now(), caller.workspace(), &email, role, caller.user.id)
        .await?;
    event(
        &mut tx,
        app,
        &caller.user,
        caller.actor(),
        kind::STAFF_INVITED,
        Subject::new("invite", invite.id.as_uuid()),
        json!({"email": email, "role": role}),
    )
    .await?;
    tx.commit().await?;
    Ok((invite, secret))
}

/// Accepts an invitation: creates the account with the person's real name
/// and password, and signs them in.
pub async fn accept_invite(app: &App, secret: &str, name: &str, password: &str) -> AppResult<(User, String)> {
    let name = FullName::parse(name).map_err(staff_error)?;
    check_new_password(password).map_err(staff_error)?;
    let hash = hash_password(password)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let (workspace, invite) = tx.accept_invite(now, secret).await.map_err(|e| match e {
        StoreError::NotFound => AppError::invalid("invite", "this invitation link is unknown, used or expired"),
        other => other.into(),
    })?;
    let user = tx
        .create_user(
            now,
            NewUser {
                workspace_id: workspace,
                email: &invite.email,
                name: name.as_str(),
                role: invite.role,
                password_hash: Some(&hash),
            },
        )
        .await?;
    event(
        &mut tx,
        app,
        &user,
        Actor::Staff(user.id),
        kind::STAFF_JOINED,
        user_subject(user.id),
        json!({"invite": invite.id, "role": invite.role, "name": user.name}),
    )
    .await?;
    let cookie = tx.create_session(now, &user).await?;
    tx.commit().await?;
    Ok((user, cookie))
}

/// Gives a colleague another role. Only owners touch owners, and the last
/// active owner keeps the role.
pub async fn change_role(app: &App, caller: &Caller, target: UserId, role: Role) -> AppResult<User> {
    caller.require(Scope::Admin)?;
    let mut tx = app.db.begin().await?;
    let user = tx.user(caller.workspace(), target).await?;
    if !caller.user.role.may_manage(user.role) || !caller.user.role.may_manage(role) {
        return Err(AppError::Forbidden(format!(
            "a {} may not change an {} to {role}",
            caller.user.role, user.role
        )));
    }
    if user.role == role {
        return Ok(user);
    }
    if user.role == Role::Owner && tx.active_owner_count(caller.workspace()).await? <= 1 {
        return Err(AppError::invalid("role", "the workspace needs at least one owner"));
    }
    tx.set_user_role(caller.workspace(), target, role).await?;
    event(
        &mut tx,
        app,
        &user,
        caller.actor(),
        kind::STAFF_ROLE_CHANGED,
        user_subject(target),
        json!({"from": user.role, "to": role}),
    )
    .await?;
    let user = tx.user(caller.workspace(), target).await?;
    tx.commit().await?;
    Ok(user)
}

/// Deactivates or reactivates a colleague's account. Deactivation ends their
/// sessions; their tokens stop working while it lasts.
pub async fn set_active(app: &App, caller: &Caller, target: UserId, active: bool) -> AppResult<User> {
    caller.require(Scope::Admin)?;
    let mut tx = app.db.begin().await?;
    let user = tx.user(caller.workspace(), target).await?;
    if !caller.user.role.may_manage(user.role) {
        return Err(AppError::Forbidden(format!(
            "a {} may not change an {}'s account",
            caller.user.role, user.role
        )));
    }
    if user.id == caller.user.id && !active {
        return Err(AppError::invalid("user", "you cannot deactivate your own account"));
    }
    if user.active == active {
        return Ok(user);
    }
    if !active && user.role == Role::Owner && tx.active_owner_count(caller.workspace()).await? <= 1 {
        return Err(AppError::invalid(
            "user",
            "the workspace needs at least one active owner",
        ));
    }
    tx.set_user_active(caller.workspace(), target, active).await?;
    let kind = if active {
        kind::STAFF_REACTIVATED
    } else {
        kind::STAFF_DEACTIVATED
    };
    event(
        &mut tx,
        app,
        &user,
        caller.actor(),
        kind,
        user_subject(target),
        json!({}),
    )
    .await?;
    let user = tx.user(caller.workspace(), target).await?;
    tx.commit().await?;
    Ok(user)
}

/// Checks a token label.
fn token_label(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "give the token a label of 1 to 100 printable characters",
        ));
    }
    Ok(name.to_string())
}

/// Creates an API token for `owner` with `scopes` (empty: all the role
/// allows). Returns the token and its secret, shown only now.
pub async fn create_token(
    app: &App,
    by: Actor,
    owner: &User,
    name: &str,
    scopes: &[Scope],
) -> AppResult<(ApiToken, String)> {
    let name = token_label(name)?;
    let scopes: Vec<Scope> = if scopes.is_empty() {
        owner.role.scopes()
    } else {
        scopes.to_vec()
    };
    if let Some(s) = scopes.iter().find(|s| !owner.role.allows(**s)) {
        return Err(AppError::invalid(
            "scope",
            format!("a {}'s token cannot have the \"{s}\" scope", owner.role),
        ));
    }
    let mut tx = app.db.begin().await?;
    let (token, secret) = tx.create_token(app.now(), owner, &name, &scopes).await?;
    event(
        &mut tx,
        app,
        owner,
        by,
        kind::TOKEN_CREATED,
        Subject::new("token", token.id.as_uuid()),
        json!({"name": name, "scopes": scopes, "user": owner.id}),
    )
    .await?;
    tx.commit().await?;
    Ok((token, secret))
}

/// Creates a token for oneself (anyone may) or for a colleague (admins).
pub async fn create_token_for(
    app: &App,
    caller: &Caller,
    owner: UserId,
    name: &str,
    scopes: &[Scope],
) -> AppResult<(ApiToken, String)> {
    let owner = if owner == caller.user.id {
        caller.user.clone()
    } else {
        caller.require(Scope::Admin)?;
        app.db.user(caller.workspace(), owner).await?
    };
    create_token(app, caller.actor(), &owner, name, scopes).await
}

/// Revokes a token: one's own, or any of the workspace's for admins.
pub async fn revoke_token(app: &App, caller: &Caller, id: TokenId) -> AppResult<ApiToken> {
    let tokens = app.db.tokens(caller.workspace()).await?;
    let token = tokens.into_iter().find(|t| t.id == id).ok_or(AppError::NotFound)?;
    if token.user_id != caller.user.id {
        caller.require(Scope::Admin)?;
    }
    let mut tx = app.db.begin().await?;
    let token = tx.revoke_token(app.now(), caller.workspace(), id).await?;
    event(
        &mut tx,
        app,
        &caller.user,
        caller.actor(),
        kind::TOKEN_REVOKED,
        Subject::new("token", id.as_uuid()),
        json!({"name": token.name}),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Tokens the caller may see: all of the workspace's for admins, else their own.
pub async fn list_tokens(app: &App, caller: &Caller) -> AppResult<Vec<ApiToken>> {
    let all = app.db.tokens(caller.workspace()).await?;
    if caller.require(Scope::Admin).is_ok() {
        Ok(all)
    } else {
        Ok(all.into_iter().filter(|t| t.user_id == caller.user.id).collect())
    }
}
