//! Read-your-writes: every read accepts `?min_position=N` (the `position` a command answered) and
//! waits, briefly, until the read models have applied the log up to N. Reads served from the
//! aggregates themselves are current anyway; the wait matters for lists, the public list and audit
//! reads. After `MAX_WAIT` the read answers with what it has and says so in a header; a position the
//! log does not hold is not waited for (answered at once, with the header).

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::AppState;

/// The longest a read waits for the read models.
pub const MAX_WAIT: Duration = Duration::from_secs(5);

/// The header set when the read models had not reached `min_position` in time.
pub const STALE_HEADER: &str = "x-projections-behind";

fn min_position(request: &Request) -> Result<Option<i64>, ApiError> {
    let Some(query) = request.uri().query() else {
        return Ok(None);
    };
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name == "min_position" {
            return value.parse::<i64>().map(Some).map_err(|_| {
                ApiError::bad_request(
                    "min_position は整数で指定してください",
                    "min_position must be an integer log position",
                )
            });
        }
    }
    Ok(None)
}

/// The middleware that holds a read with `?min_position=N` until the read models reach N (at most
/// `MAX_WAIT`).
pub async fn wait_for_position(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let position = match min_position(&request) {
        Ok(Some(position)) => position,
        Ok(None) => return next.run(request).await,
        Err(problem) => return problem.into_response(),
    };
    let reached = state.projections.wait_for(position, MAX_WAIT).await.is_ok();
    let mut response = next.run(request).await;
    if !reached {
        response
            .headers_mut()
            .insert(STALE_HEADER, HeaderValue::from_static("true"));
    }
    response
}
