//! The JSON API under /api/v1, and its OpenAPI document.

pub mod campaigns;
pub mod checks;
pub mod commitments;
pub mod common;
pub mod community;
pub mod community_bridge;
pub mod community_docs;
pub mod conversations;
pub mod customers;
pub mod docs;
pub mod email;
pub mod next_actions;
pub mod pact;
pub mod phone;
pub mod purchases;
pub mod routing;
pub mod segments;
pub mod social;
pub mod trust;

use crate::auth::{ApiCaller, api_auth};
use crate::error::ApiError;
use crate::idempotency::idempotency;
use crate::state::WebState;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post, put};
use axum::{Json, Router, middleware};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// The caller's workspace.
#[derive(Serialize, ToSchema)]
pub struct MeWorkspace {
    id: String,
    slug: String,
    name: String,
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct MeUser {
    id: String,
    email: String,
    name: String,
    role: String,
}

/// Who the token belongs to.
#[derive(Serialize, ToSchema)]
pub struct Me {
    workspace: MeWorkspace,
    user: MeUser,
    /// What this token may do.
    scopes: Vec<String>,
}

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    code: String,
    message: String,
    field: Option<String>,
}

/// The workspace and user behind the bearer token.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(State(state): State<WebState>, ApiCaller(caller): ApiCaller) -> Result<Json<Me>, ApiError> {
    let ws = state.app.db.workspace(caller.workspace()).await?;
    Ok(Json(Me {
        workspace: MeWorkspace {
            id: ws.id.to_string(),
            slug: ws.slug,
            name: ws.name,
        },
        user: MeUser {
            id: caller.user.id.to_string(),
            email: caller.user.email.clone(),
            name: caller.user.name.clone(),
            role: caller.user.role.to_string(),
        },
        scopes: caller.scopes.iter().map(|s| s.to_string()).collect(),
    }))
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's description, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "Candor API", description = "Customers, conversations, commitments and trust. Authenticate with `Authorization: Bearer TOKEN`."),
    paths(me, customers::list, customers::create, customers::get, customers::update, customers::merge_into,
        customers::get_timeline, customers::duplicates, customers::add_identity, customers::remove_identity,
        customers::add_note, customers::purchases, customers::export_csv, customers::export_json,
        purchases::create, purchases::batch, segments::create, segments::list, segments::get, segments::customers,
        segments::export_csv, segments::export_json, segments::create_organization, segments::organizations,
        segments::define_attribute, segments::attributes,
        crate::accounts_api::list_staff, crate::accounts_api::list_tokens, crate::accounts_api::create_token, crate::accounts_api::revoke_token, crate::insight_api::analyze, crate::insight_api::coach, crate::insight_api::list_rules, crate::insight_api::put_rules, crate::insight_api::delete_rules,
        conversations::list, conversations::create, conversations::get, conversations::add_message, conversations::update,
        conversations::typing, conversations::attach, conversations::download, crate::live::stream,
        routing::teams, routing::create_team, routing::update_team, routing::rules, routing::replace_rules,
        routing::add_rule, routing::delete_rule, routing::agents, routing::update_agent,
        checks::repeat_purchase, commitments::get, commitments::put, commitments::public,
        pact::create, pact::list, pact::get, pact::keep, pact::repromise, pact::redress_list, pact::redress_done,
        pact::redress_send, pact::conversation_clocks, pact::notifications, pact::notification_read,
        community::create_topic, community::get_topic, community::update_topic, community::create_reply, community::accept,
        community::hide_topic, community::lock_topic, community::merge_topic, community::move_topic, community::hide_reply,
        community::queue, community::approve, community::reject, community::waiting, community::update_settings,
        community::outbox, community::public_topics, community_bridge::move_to_conversation,
        community_bridge::publish_conversation, email::inbound, email::list_mailboxes,
        email::create_mailbox, email::get_mailbox, email::update_mailbox, email::delete_mailbox, email::test_mailbox,
        phone::log_call, social::receive, social::list, social::get, social::reply, social::list_rules,
        social::add_rule, social::delete_rule, social::list_alerts, social::reach_out, social::dismiss,
        crate::chat::api::get, crate::chat::api::put, crate::chat::api::rotate),
    components(schemas(Me, ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// GET /api/openapi.json
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    let mut doc = ApiDoc::openapi();
    doc.merge(trust::TrustDoc::openapi());
    doc.merge(next_actions::NextActionsDoc::openapi());
    doc.merge(campaigns::CampaignsDoc::openapi());
    Json(doc)
}

async fn unknown_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API route")
}

/// Every /api route.
pub fn router(state: WebState) -> Router<WebState> {
    // Uploads are read up to the file limit by the handler, which answers 413 beyond it.
    let upload_limit = (state.app.files.max_bytes() as usize).saturating_add(1024 * 1024);
    let v1 = Router::new()
        .route("/me", get(me))
        .route("/customers", get(customers::list).post(customers::create))
        .route("/customers/export.csv", get(customers::export_csv))
        .route("/customers/export.json", get(customers::export_json))
        .route("/customers/{id}", get(customers::get).patch(customers::update))
        .route("/customers/{id}/merge", post(customers::merge_into))
        .route("/customers/{id}/timeline", get(customers::get_timeline))
        .route("/customers/{id}/duplicates", get(customers::duplicates))
        .route("/customers/{id}/identities", post(customers::add_identity))
        .route(
            "/customers/{id}/identities/{identity}",
            delete(customers::remove_identity),
        )
        .route("/customers/{id}/notes", post(customers::add_note))
        .route("/customers/{id}/purchases", get(customers::purchases))
        .route("/purchases", post(purchases::create))
        .route("/purchases/batch", post(purchases::batch))
        .route("/segments", get(segments::list).post(segments::create))
        .route("/segments/{id}", get(segments::get))
        .route("/segments/{id}/customers", get(segments::customers))
        .route("/segments/{id}/export.csv", get(segments::export_csv))
        .route("/segments/{id}/export.json", get(segments::export_json))
        .route(
            "/organizations",
            get(segments::organizations).post(segments::create_organization),
        )
        .route(
            "/attributes",
            get(segments::attributes).post(segments::define_attribute),
        )
        .route("/staff", get(crate::accounts_api::list_staff))
        .route(
            "/tokens",
            get(crate::accounts_api::list_tokens).post(crate::accounts_api::create_token),
        )
        .route("/tokens/{id}/revoke", post(crate::accounts_api::revoke_token))
        .route("/insight/analyze", post(crate::insight_api::analyze))
        .route("/coach", post(crate::insight_api::coach))
        .route("/coach/rules", get(crate::insight_api::list_rules))
        .route(
            "/coach/rules/{language}",
            put(crate::insight_api::put_rules).delete(crate::insight_api::delete_rules),
        )
        .route("/checks/repeat-purchase", post(checks::repeat_purchase))
        .route("/commitments", get(commitments::get).put(commitments::put))
        .route("/public/{slug}/commitments", get(commitments::public))
        .route("/conversations", get(conversations::list).post(conversations::create))
        .route(
            "/conversations/{id}",
            get(conversations::get).patch(conversations::update),
        )
        .route("/conversations/{id}/messages", post(conversations::add_message))
        .route("/conversations/{id}/clocks", get(pact::conversation_clocks))
        .route("/promises", get(pact::list).post(pact::create))
        .route("/promises/{id}", get(pact::get))
        .route("/promises/{id}/keep", post(pact::keep))
        .route("/promises/{id}/repromise", post(pact::repromise))
        .route("/redress", get(pact::redress_list))
        .route("/redress/{id}/done", post(pact::redress_done))
        .route("/redress/{id}/send", post(pact::redress_send))
        .route("/notifications", get(pact::notifications))
        .route("/notifications/{id}/read", post(pact::notification_read))
        .route("/conversations/{id}/typing", post(conversations::typing))
        .route(
            "/conversations/{id}/attachments",
            post(conversations::attach).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/attachments/{id}", get(conversations::download))
        .route("/stream", get(crate::live::stream))
        .route("/teams", get(routing::teams).post(routing::create_team))
        .route("/teams/{id}", axum::routing::patch(routing::update_team))
        .route(
            "/routing-rules",
            get(routing::rules).post(routing::add_rule).put(routing::replace_rules),
        )
        .route("/routing-rules/{id}", delete(routing::delete_rule))
        .route("/agents", get(routing::agents))
        .route("/agents/{id}", axum::routing::patch(routing::update_agent))
        .route("/community/topics", post(community::create_topic))
        .route(
            "/community/topics/{id}",
            get(community::get_topic).patch(community::update_topic),
        )
        .route("/community/topics/{id}/replies", post(community::create_reply))
        .route("/community/topics/{id}/accept", post(community::accept))
        .route("/community/topics/{id}/hide", post(community::hide_topic))
        .route("/community/topics/{id}/lock", post(community::lock_topic))
        .route("/community/topics/{id}/merge", post(community::merge_topic))
        .route("/community/topics/{id}/move", post(community::move_topic))
        .route(
            "/community/topics/{id}/conversation",
            post(community_bridge::move_to_conversation),
        )
        .route(
            "/conversations/{id}/publish",
            post(community_bridge::publish_conversation),
        )
        .route("/community/replies/{id}/hide", post(community::hide_reply))
        .route("/community/moderation", get(community::queue))
        .route("/community/moderation/{id}/approve", post(community::approve))
        .route("/community/moderation/{id}/reject", post(community::reject))
        .route("/community/waiting", get(community::waiting))
        .route("/community/settings", patch(community::update_settings))
        .route("/community/outbox", get(community::outbox))
        .route("/public/{slug}/community/topics", get(community::public_topics))
        .route(
            "/channels/email/inbound",
            // A raw email carries its attachments base64-encoded: a third larger.
            post(email::inbound).layer(DefaultBodyLimit::max(upload_limit.saturating_mul(3) / 2)),
        )
        .route(
            "/channels/email/mailboxes",
            get(email::list_mailboxes).post(email::create_mailbox),
        )
        .route(
            "/channels/email/mailboxes/{id}",
            get(email::get_mailbox)
                .put(email::update_mailbox)
                .delete(email::delete_mailbox),
        )
        .route("/channels/email/mailboxes/{id}/test", post(email::test_mailbox))
        .route("/channels/phone/calls", post(phone::log_call))
        .route("/channels/social/mentions", post(social::receive))
        .route(
            "/channels/chat/settings",
            get(crate::chat::api::get).put(crate::chat::api::put),
        )
        .route("/channels/chat/secret", post(crate::chat::api::rotate))
        .route("/social/mentions", get(social::list))
        .route("/social/mentions/{id}", get(social::get))
        .route("/social/mentions/{id}/reply", post(social::reply))
        .route("/social/rules", get(social::list_rules).post(social::add_rule))
        .route("/social/rules/{id}", delete(social::delete_rule))
        .route("/social/alerts", get(social::list_alerts))
        .route("/social/alerts/{id}/reach-out", post(social::reach_out))
        .route("/social/alerts/{id}/dismiss", post(social::dismiss))
        .merge(trust::routes())
        .merge(next_actions::routes())
        .merge(campaigns::routes())
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(state.clone(), idempotency))
        .layer(middleware::from_fn_with_state(state, api_auth));
    Router::new()
        .route("/openapi.json", get(openapi))
        .nest("/v1", v1)
        .fallback(unknown_route)
}
