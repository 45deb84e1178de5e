//! Who is calling: bearer tokens for the API, session cookies for pages, and
//! the checks that keep other sites from posting forms in a user's name.

use crate::error::ApiError;
use crate::state::WebState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use candor_app::Caller;
use candor_store::access::Session;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "candor_session";
/// The cookie that pairs with forms shown before sign-in.
pub const FORM_COOKIE: &str = "candor_form";

/// Resolves `Authorization: Bearer` on every API request, once. A present
/// but wrong token is refused here; a missing one is refused by handlers
/// that need a caller.
pub async fn api_auth(State(state): State<WebState>, mut req: Request, next: Next) -> Response {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        let Some(secret) = secret.filter(|s| !s.is_empty()) else {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the Authorization header must be \"Bearer TOKEN\"",
            )
            .into_response();
        };
        match state.app.db.token_caller(state.app.now(), secret).await {
            Ok(Some(found)) => {
                let caller = Caller::token(found.user, &found.token.scopes);
                req.extensions_mut().insert(caller);
            }
            Ok(None) => {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the API token is unknown, revoked, or its user is deactivated",
                )
                .into_response();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    next.run(req).await
}

/// The authenticated API caller; 401 without a token.
pub struct ApiCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().map(ApiCaller).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send \"Authorization: Bearer TOKEN\"; create a token with `candor token create` or on the Tokens page",
            )
        })
    }
}

/// A signed-in staff member on a page; others are sent to the sign-in page.
pub struct StaffSession {
    /// The session (user and form token).
    pub session: Session,
    /// The session cookie's value, to end it.
    pub cookie: String,
}

impl StaffSession {
    /// The caller for operations.
    pub fn caller(&self) -> Caller {
        Caller::session(self.session.user.clone())
    }

    /// Refuses a form whose token is not this session's.
    #[allow(clippy::result_large_err)] // the refusal is the page to send; it is built once per bad form
    pub fn check_form(&self, token: &str) -> Result<(), Response> {
        if constant_time_eq(token.as_bytes(), self.session.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(forbidden_page(
                "This form has expired or did not come from Candor. Go back, reload the page and try again.",
            ))
        }
    }
}

impl FromRequestParts<WebState> for StaffSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let to_login = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next: String = url_escape(next);
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(cookie) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(to_login());
        };
        match state.app.db.session(state.app.now(), &cookie).await {
            Ok(Some(session)) => Ok(StaffSession { session, cookie }),
            Ok(None) => Err(to_login()),
            Err(e) => {
                tracing::error!(error = %e, "cannot read a session");
                Err((
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Candor cannot reach its database right now.",
                )
                    .into_response())
            }
        }
    }
}

/// Refuses unsafe requests to pages that another site started: the browser
/// says where a request comes from in Sec-Fetch-Site, or else in Origin.
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !same_origin(req.headers()) {
        return forbidden_page("This form was sent from another site, so Candor refused it.");
    }
    next.run(req).await
}

fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) == Some(host),
        (Some(_), None) => false,
        // Neither header: not a browser, or a very old one; the form token still applies.
        (None, _) => true,
    }
}

/// A cookie for `name` with the house settings: HttpOnly, SameSite=Lax, and
/// Secure behind TLS.
pub fn cookie(state: &WebState, name: &'static str, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.behind_tls())
        .path("/")
        .max_age(time_duration(max_age_secs))
        .build()
}

fn time_duration(secs: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(secs)
}

/// A cookie that removes `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build((name, "")).path("/").build();
    c.make_removal();
    c
}

/// A 403 page.
pub fn forbidden_page(message: &str) -> Response {
    crate::pages::message_page(StatusCode::FORBIDDEN, "Not allowed", message)
}

/// Compares secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Percent-encodes a path for a query parameter.
pub fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Only local paths are followed after sign-in, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h));
        h.insert(header::HOST, "candor.test:8080".parse().unwrap());
        h.insert(header::ORIGIN, "http://candor.test:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "http://evil.test".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(same_origin(&h));
    }

    #[test]
    fn next_paths_stay_local() {
        assert_eq!(safe_next(Some("/settings/staff")), "/settings/staff");
        assert_eq!(safe_next(Some("//evil.test")), "/");
        assert_eq!(safe_next(Some("https://evil.test")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
