//! Keyset pages for the lists that grow without bound (the grant list, the account list): `after` is
//! the id of the last row of the previous page, `limit` the page length (1 to 1,000, default 100),
//! and a full page carries `Link: <…>; rel="next"` (RFC 8288), as `GET /api/v1/public/awards` does.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::ApiError;
use super::extract::Json;

/// The page length when the request names none.
pub const DEFAULT_PAGE: u32 = 100;
/// The longest page.
pub const MAX_PAGE: u32 = 1_000;

/// The page length asked for, or 422 outside 1-1,000.
pub fn limit(asked: Option<u32>) -> Result<u32, ApiError> {
    let limit = asked.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid(
            "request.page_limit",
            "limit（1ページの件数）は1から1000までで指定してください",
            "limit (rows per page) must be from 1 to 1000",
        )
        .with_field("limit"))
    }
}

/// The JSON answer for one page; when the page is full, a `Link` to the next one: `path` with the
/// request's filters (`filters`, in order), `after` = `last` and the same `limit`.
pub fn answer<T: Serialize>(
    rows: Vec<T>,
    limit: u32,
    last: Option<&str>,
    path: &str,
    filters: &[(&str, Option<String>)],
) -> Response {
    let next = match last {
        Some(last) if rows.len() == limit as usize => {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (name, value) in filters {
                if let Some(value) = value {
                    query.append_pair(name, value);
                }
            }
            query.append_pair("after", last);
            query.append_pair("limit", &limit.to_string());
            Some(format!("<{path}?{}>; rel=\"next\"", query.finish()))
        }
        _ => None,
    };
    let mut response = Json(rows).into_response();
    if let Some(value) = next.and_then(|link| HeaderValue::from_str(&link).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}
