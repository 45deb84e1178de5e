//! Candor's web layer: the JSON API under /api/v1, server-rendered pages,
//! sessions and tokens, health and metrics. It holds no business rules.

pub mod accounts_api;
pub mod api;
pub mod auth;
pub mod chat;
pub mod error;
pub mod health;
pub mod idempotency;
pub mod insight_api;
pub mod json;
pub mod live;
pub mod observe;
pub mod pages;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;
pub mod uploads;

pub use state::{WebConfig, WebState};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Every route of the application.
pub fn router(state: WebState) -> Router {
    // The composer takes files: its body may be as large as a few of them.
    let upload_limit = uploads::body_limit(state.app.files.max_bytes());
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/customers", get(pages::customers::list))
        .route("/customers/{id}", get(pages::customers::show))
        .route("/customers/{id}/notes", post(pages::customers::add_note))
        .route("/customers/{id}/calls", post(pages::calls::log))
        .route("/social", get(pages::social::stream))
        .route("/social/mentions/{id}/reply", post(pages::social::reply))
        .route("/social/alerts/{id}/reach-out", post(pages::social::reach_out))
        .route("/social/alerts/{id}/dismiss", post(pages::social::dismiss))
        .route("/settings/social", get(pages::social::settings))
        .route("/settings/social/rules", post(pages::social::add_rule))
        .route("/settings/social/rules/{id}/delete", post(pages::social::delete_rule))
        .route(
            "/customers/{id}/merge",
            get(pages::customers::preview).post(pages::customers::confirm),
        )
        .route("/inbox", get(pages::inbox::list))
        .route("/inbox/{id}", get(pages::conversation::show))
        .route(
            "/inbox/{id}/messages",
            post(pages::conversation::reply).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/inbox/{id}/update", post(pages::conversation::update))
        .route("/inbox/{id}/publish", post(pages::conversation::publish))
        .route("/inbox/{id}/html/{message}", get(pages::email::message_html))
        .route("/settings/coach", get(pages::coach::show))
        .route("/settings/coach/try", post(pages::coach::try_text))
        .route("/settings/coach/new", post(pages::coach::save_new))
        .route("/settings/coach/{language}", post(pages::coach::save))
        .route("/settings/email", get(pages::email::show).post(pages::email::create))
        .route("/settings/email/{id}", post(pages::email::update))
        .route("/settings/email/{id}/test", post(pages::email::test))
        .route("/settings/email/{id}/delete", post(pages::email::delete))
        .route("/inbox/{id}/promises", post(pages::pact::make))
        .route("/promises", get(pages::pact::list))
        .route("/promises/{id}/keep", post(pages::pact::keep))
        .route("/promises/{id}/repromise", post(pages::pact::repromise))
        .route("/redress", get(pages::redress::redress))
        .route("/redress/{id}/done", post(pages::pact::redress_done))
        .route("/redress/{id}/send", post(pages::pact::redress_send))
        .route("/settings/routing", get(pages::routing::show))
        .route("/settings/routing/teams", post(pages::routing::create_team))
        .route("/settings/routing/teams/{id}", post(pages::routing::update_team))
        .route("/settings/routing/rules", post(pages::routing::add_rule))
        .route("/settings/routing/rules/{id}/delete", post(pages::routing::delete_rule))
        .route("/settings/routing/agents/{id}", post(pages::routing::update_agent))
        .route("/settings/staff", get(pages::staff::show))
        .route("/settings/staff/invite", post(pages::staff::invite))
        .route("/settings/staff/{id}/role", post(pages::staff::change_role))
        .route("/settings/staff/{id}/active", post(pages::staff::set_active))
        .route("/settings/tokens", get(pages::tokens::show).post(pages::tokens::create))
        .route("/settings/tokens/{id}/revoke", post(pages::tokens::revoke))
        .route("/invite/{secret}", get(pages::invite::show).post(pages::invite::accept))
        .route(
            "/settings/commitments",
            get(pages::commitments::settings).post(pages::commitments::save),
        )
        .route("/w/{slug}/commitments", get(pages::commitments::public))
        .merge(community_routes())
        .merge(pages::trust::routes())
        .merge(pages::next_actions::routes())
        .merge(pages::campaigns::routes())
        .merge(chat::page_routes())
        .route("/static/{*path}", get(pages::asset))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(auth::same_origin_only));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api", api::router(state.clone()))
        .merge(chat::public_routes())
        .merge(pages)
        .layer(middleware::from_fn(observe::observe))
        .with_state(state)
}

/// The public community and the staff's community pages.
fn community_routes() -> Router<WebState> {
    use pages::community::{actions, admin, feeds, public, signin};
    Router::new()
        .route("/w/{slug}/community", get(public::index))
        .route("/w/{slug}/community/about", get(public::about))
        .route("/w/{slug}/community/feed.atom", get(feeds::community))
        .route("/w/{slug}/community/tags/{tag}/feed.atom", get(feeds::tag))
        .route("/w/{slug}/community/new", get(actions::new_form).post(actions::create))
        .route("/w/{slug}/community/signin", get(signin::show).post(signin::request))
        .route(
            "/w/{slug}/community/signin/{secret}",
            get(signin::confirm).post(signin::use_link),
        )
        .route("/w/{slug}/community/signout", post(signin::sign_out))
        .route("/w/{slug}/community/t/{topic}", get(public::topic))
        .route("/w/{slug}/community/t/{topic}/feed.atom", get(feeds::topic))
        .route("/w/{slug}/community/t/{topic}/reply", post(actions::reply))
        .route("/w/{slug}/community/t/{topic}/me-too", post(actions::me_too))
        .route("/w/{slug}/community/t/{topic}/follow", post(actions::follow))
        .route("/w/{slug}/community/t/{topic}/unfollow", post(actions::unfollow))
        .route("/w/{slug}/community/t/{topic}/accept", post(actions::accept))
        .route("/community-admin", get(admin::index))
        .route("/community-admin/outbox", get(admin::outbox))
        .route(
            "/community-admin/settings",
            get(admin::settings).post(admin::save_settings),
        )
        .route("/community-admin/topics/{id}", get(admin::topic))
        .route("/community-admin/topics/{id}/{action}", post(admin::action))
        .route("/community-admin/moderation/{id}/{decision}", post(admin::decide))
}

/// Serves the application on `listener` until `shutdown` resolves, then
/// finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: WebState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
