//! Candor's web layer: the JSON API under /api/v1, server-rendered pages,
//! sessions and tokens, health and metrics. It holds no business rules.

pub mod accounts_api;
pub mod api;
pub mod auth;
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

pub use state::{WebConfig, WebState};

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Every route of the application.
pub fn router(state: WebState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/customers", get(pages::customers::list))
        .route("/customers/{id}", get(pages::customers::show))
        .route("/customers/{id}/notes", post(pages::customers::add_note))
        .route(
            "/customers/{id}/merge",
            get(pages::customers::preview).post(pages::customers::confirm),
        )
        .route("/inbox", get(pages::inbox::list))
        .route("/inbox/{id}", get(pages::inbox::show))
        .route("/inbox/{id}/messages", post(pages::inbox::reply))
        .route("/inbox/{id}/update", post(pages::inbox::update))
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
        .route("/static/{*path}", get(pages::asset))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(auth::same_origin_only));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .nest("/api", api::router(state.clone()))
        .merge(pages)
        .layer(middleware::from_fn(observe::observe))
        .with_state(state)
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
