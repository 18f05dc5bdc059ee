//! Who is looking at a page: the session cookie (the API's bearer token, HttpOnly, SameSite=Lax,
//! Secure over https), the visitor cookie (a random secret per browser that binds the CSRF tokens of
//! forms shown before sign-in), and the signed-in user as the API reports it.
//!
//! Not for: access rules. A page shows a role's menu from the user's roles, but every action and read
//! is the API's to allow.

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};

use super::csrf::{random_hex, Binding};
use super::Web;
use crate::service::caller::{signed_in, Enrolment};

/// The cookie that holds the session's bearer token.
pub const SESSION_COOKIE: &str = "grants_session";
/// The cookie that identifies the browser before sign-in (forms posted signed out, CSRF).
pub const VISITOR_COOKIE: &str = "grants_visitor";

/// How long the session cookie lives: the API's session lifetime.
const SESSION_MAX_AGE: i64 = crate::auth::token::SESSION_LIFETIME.whole_seconds();

/// The signed-in user, as `GET /api/v1/sessions/current` answers.
#[derive(Clone, Debug)]
pub struct User {
    /// The user's account id.
    pub id: String,
    /// The name the account shows.
    pub display_name: String,
    /// The user's roles by their API names (`staff`, `applicant`, ...), for the menus.
    pub roles: Vec<String>,
}

impl Visitor {
    /// The secret of the browser's visitor cookie (what a signed-out form's key is scoped to).
    pub fn visitor_secret(&self) -> &str {
        &self.visitor_secret
    }
}

impl User {
    /// Whether the user holds `role` (by its API name); for menus, never for access.
    pub fn has(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }

    /// The signed-in actor as the pages show it (its name, and its roles for the menus).
    pub fn of(actor: &crate::auth::Actor) -> Self {
        User {
            id: actor.user_id.to_string(),
            display_name: actor.display_name.clone(),
            roles: actor
                .roles
                .iter()
                .map(|role| role.as_str().to_owned())
                .collect(),
        }
    }
}

/// The visitor cookie's value for this request (set by [`visitor_cookie`] when the browser had none).
#[derive(Clone, Debug)]
struct VisitorSecret(String);

/// The person behind a request.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// The session cookie's token, whether or not its session is still alive.
    pub cookie_token: Option<String>,
    /// The signed-in user, when the session is alive.
    pub user: Option<User>,
    visitor_secret: String,
    /// Whether the page was reached over https (behind a TLS-terminating proxy).
    pub secure: bool,
    /// The CSRF token forms on this page carry.
    pub csrf: String,
    /// The browser's address (`crate::auth::ClientAddr`), passed on to sign-ins and sign-ups.
    pub client: Option<std::net::IpAddr>,
    /// The city's contact for the programme (the page's foot).
    pub contact: std::sync::Arc<crate::config::ContactConfig>,
}

impl Visitor {
    /// The bearer token of a live session.
    pub fn token(&self) -> Option<&str> {
        self.user.as_ref().and(self.cookie_token.as_deref())
    }

    /// Whether the browser still holds a session cookie whose session has ended.
    pub fn session_expired(&self) -> bool {
        self.cookie_token.is_some() && self.user.is_none()
    }

    /// Whether `presented` is this browser's CSRF token bound to `binding`.
    pub async fn csrf_matches(&self, web: &Web, binding: Binding, presented: &str) -> bool {
        let secret = match binding {
            Binding::Session => match &self.cookie_token {
                Some(token) => token.as_str(),
                None => return false,
            },
            Binding::Visitor => self.visitor_secret.as_str(),
        };
        web.csrf
            .verify(binding, secret, presented)
            .await
            .unwrap_or(false)
    }

    /// The same visitor after signing in with `token` as `user`.
    pub async fn signed_in(mut self, web: &Web, token: String, user: User) -> Self {
        self.csrf = web
            .csrf
            .token(Binding::Session, &token)
            .await
            .unwrap_or_default();
        self.cookie_token = Some(token);
        self.user = Some(user);
        self
    }
}

/// The value of one cookie (ours are hex: at most 128 characters are taken).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty() && value.len() <= 128)
}

/// Whether the request reached us over https (we sit behind a proxy that terminates TLS).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// One of our cookies: the whole site's, never readable by scripts, not sent on cross-site
/// requests other than top-level navigation, https-only behind a TLS proxy.
fn cookie_header(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(age) = max_age {
        cookie = cookie.max_age(time::Duration::seconds(age));
    }
    HeaderValue::from_str(&cookie.build().to_string()).expect("cookie values are hex")
}

/// The `Set-Cookie` that keeps a new session.
pub fn set_session(token: &str, secure: bool) -> (axum::http::HeaderName, HeaderValue) {
    (
        SET_COOKIE,
        cookie_header(SESSION_COOKIE, token, Some(SESSION_MAX_AGE), secure),
    )
}

/// The `Set-Cookie` that forgets the session.
pub fn clear_session(secure: bool) -> (axum::http::HeaderName, HeaderValue) {
    (
        SET_COOKIE,
        cookie_header(SESSION_COOKIE, "", Some(0), secure),
    )
}

/// Middleware: gives every browser a visitor cookie (a random secret), so that even the first form
/// it is shown carries a CSRF token bound to something only that browser holds.
pub async fn visitor_cookie(mut request: Request, next: Next) -> Response {
    let existing = cookie(request.headers(), VISITOR_COOKIE)
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()));
    let secure = is_https(request.headers());
    let (secret, fresh) = match existing {
        Some(secret) => (secret, false),
        None => (random_hex(32), true),
    };
    request
        .extensions_mut()
        .insert(VisitorSecret(secret.clone()));
    let mut response = next.run(request).await;
    if fresh {
        response.headers_mut().append(
            SET_COOKIE,
            cookie_header(VISITOR_COOKIE, &secret, None, secure),
        );
    }
    response
}

impl FromRequestParts<Web> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let visitor_secret = parts
            .extensions
            .get::<VisitorSecret>()
            .map(|secret| secret.0.clone())
            .unwrap_or_else(|| random_hex(32));
        let cookie_token = cookie(&parts.headers, SESSION_COOKIE);
        let user = match &cookie_token {
            Some(token) => signed_in(&web.state, token, Enrolment::NotRequired)
                .await
                .ok()
                .map(|actor| User::of(&actor)),
            None => None,
        };
        let csrf = match (&user, &cookie_token) {
            (Some(_), Some(token)) => web.csrf.token(Binding::Session, token).await,
            _ => web.csrf.token(Binding::Visitor, &visitor_secret).await,
        }
        .map_err(|error| {
            tracing::error!(%error, "the CSRF key could not be read");
            super::view::server_error().into_response()
        })?;
        Ok(Visitor {
            cookie_token,
            user,
            visitor_secret,
            secure: is_https(&parts.headers),
            csrf,
            client: parts
                .extensions
                .get::<crate::auth::ClientIp>()
                .map(|client| client.0),
            contact: web.contact.clone(),
        })
    }
}
