//! The layer that tells the handlers who the client is ([`crate::auth::ClientIp`]): the socket's peer,
//! or behind a trusted reverse proxy the address it forwarded (`crate::auth::client`).

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::HeaderName;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use crate::auth::client::client_ip;
use crate::auth::ClientIp;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The middleware that records the client's address (`ClientIp`) in the request's extensions.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let forwarded: Vec<&str> = request
            .headers()
            .get_all(&X_FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        let client = client_ip(peer, &forwarded, &state.trusted_proxies);
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}
