//! The pages' one way to the service: the JSON API, called in-process through the router, exactly as
//! a remote client would call it (bearer token, Idempotency-Key, problem+json answers).
//!
//! Pages decide no business rule and no access rule: whatever they show or do, the API route behind
//! it has decided. This module only carries requests and answers across.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

/// The largest answer a page reads (the audit log's pages are the biggest).
const ANSWER_LIMIT_BYTES: usize = 8 * 1024 * 1024;

/// The API router (without the pages), shared by every page handler.
#[derive(Clone)]
pub struct Api {
    router: Router,
}

/// A refusal or failure as the API answered it.
#[derive(Clone, Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub code: String,
    pub detail_ja: String,
    /// The input field the rule names, if any.
    pub field: Option<String>,
    /// Every field refusal of a check that judged several fields at once (the answer's `errors`):
    /// the field, if any, and the rule in Japanese. Empty when the answer had none.
    pub errors: Vec<(Option<String>, String)>,
}

impl Problem {
    /// Whether the session behind the call has ended (expired or signed out).
    pub fn is_signed_out(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }

    /// The same refusal with the API's field names turned into a form's (`pairs` of `(api,
    /// form)`), for the field and for each of `errors`.
    pub fn renamed(&self, pairs: &[(&str, &str)]) -> Self {
        let rename = |field: &Option<String>| {
            field.as_ref().map(|field| {
                pairs
                    .iter()
                    .find(|(api, _)| api == field)
                    .map_or_else(|| field.clone(), |(_, ours)| (*ours).to_owned())
            })
        };
        let mut problem = self.clone();
        problem.field = rename(&self.field);
        for (field, _) in &mut problem.errors {
            *field = rename(field);
        }
        problem
    }

    fn from_answer(status: StatusCode, body: &[u8]) -> Self {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let text = |name: &str| json[name].as_str().map(str::to_owned);
        Problem {
            status,
            code: text("code").unwrap_or_else(|| format!("http.{}", status.as_u16())),
            detail_ja: text("detail_ja").unwrap_or_else(|| {
                "処理できませんでした。時間をおいて再度お試しください".to_owned()
            }),
            field: text("field"),
            errors: json["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|one| {
                    let detail = one["detail_ja"].as_str()?.to_owned();
                    Some((one["field"].as_str().map(str::to_owned), detail))
                })
                .collect(),
        }
    }
}

/// One request to the API.
pub struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub token: Option<&'a str>,
    pub body: Option<Value>,
    pub idempotency_key: Option<String>,
    /// The page's client, so that the API's throttles count the person, not the service itself.
    pub client: Option<std::net::IpAddr>,
}

impl<'a> Call<'a> {
    pub fn get(path: impl Into<String>, token: Option<&'a str>) -> Self {
        Call {
            method: Method::GET,
            path: path.into(),
            token,
            body: None,
            idempotency_key: None,
            client: None,
        }
    }

    /// A command with a JSON body (or none).
    pub fn command(
        method: Method,
        path: impl Into<String>,
        token: Option<&'a str>,
        body: Option<Value>,
    ) -> Self {
        Call {
            method,
            path: path.into(),
            token,
            body,
            idempotency_key: None,
            client: None,
        }
    }

    /// The same call on behalf of the page's client (`crate::auth::ClientAddr`).
    pub fn from_client(mut self, client: Option<std::net::IpAddr>) -> Self {
        self.client = client;
        self
    }

    /// The same call under an Idempotency-Key: a repeat appends nothing and gets the first answer.
    pub fn idempotent(mut self, key: Option<String>) -> Self {
        self.idempotency_key = key;
        self
    }
}

impl Api {
    pub fn new(router: Router) -> Self {
        Api { router }
    }

    /// Sends a call and returns the JSON answer (`Null` for an empty one) or the problem.
    pub async fn send(&self, call: Call<'_>) -> Result<Value, Problem> {
        let mut request = Request::builder()
            .method(call.method)
            .uri(&call.path)
            .header(header::ACCEPT, "application/json");
        if let Some(token) = call.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(key) = call.idempotency_key {
            request = request.header("idempotency-key", key);
        }
        // The page read its form under its own limit; the API reads the JSON made of it under
        // the same (`http::extract::InProcessBodyLimit`).
        request = request.extension(crate::http::extract::InProcessBodyLimit(
            2 * super::form::PAGE_FORM_LIMIT_BYTES,
        ));
        if let Some(client) = call.client {
            request = request.extension(crate::auth::ClientIp(client));
        }
        let body = match call.body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        json_answer(self.dispatch(request.body(body)).await?).await
    }

    /// Passes a browser's upload (its `Content-Type` with the multipart boundary, and its body as it
    /// streams in) on to the API route `path`: the page neither reads nor holds the file.
    pub async fn forward_upload(
        &self,
        path: &str,
        token: &str,
        content_type: Option<header::HeaderValue>,
        body: Body,
        client: Option<std::net::IpAddr>,
    ) -> Result<Value, Problem> {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::ACCEPT, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        if let Some(client) = client {
            request = request.extension(crate::auth::ClientIp(client));
        }
        json_answer(self.dispatch(request.body(body)).await?).await
    }

    /// `GET path` for an attached file: the API's answer passed on as it streams (its type, its
    /// `Content-Disposition`, its verified bytes), or the problem.
    pub async fn stream_file(
        &self,
        path: &str,
        token: &str,
    ) -> Result<axum::response::Response, Problem> {
        let request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty());
        let response = self.dispatch(request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(problem_of(response).await)
    }

    /// `GET path` for a file the API answers (a CSV): its content type, its
    /// `Content-Disposition` and its bytes, or the problem.
    pub async fn get_file(&self, path: &str, token: Option<&str>) -> Result<File, Problem> {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = self.dispatch(request.body(Body::empty())).await?;
        let status = response.status();
        let (content_type, disposition) = {
            let headers = response.headers();
            let text = |name: header::HeaderName| {
                headers
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            (
                text(header::CONTENT_TYPE),
                text(header::CONTENT_DISPOSITION),
            )
        };
        let bytes = axum::body::to_bytes(response.into_body(), ANSWER_LIMIT_BYTES)
            .await
            .unwrap_or_default();
        if status.is_success() {
            Ok(File {
                content_type,
                disposition,
                bytes: bytes.to_vec(),
            })
        } else {
            Err(Problem::from_answer(status, &bytes))
        }
    }

    /// `GET path` with the caller's token, if any.
    pub async fn get(
        &self,
        path: impl Into<String>,
        token: Option<&str>,
    ) -> Result<Value, Problem> {
        self.send(Call::get(path, token)).await
    }

    /// Every row of a keyset-paged list (`after` = the last row's `id_field`, pages of 1,000), for
    /// `path` with its filters already in the query string: asks for the next page while the last
    /// one was full, as the `Link: rel="next"` header of a full page says.
    pub async fn get_all(
        &self,
        path: &str,
        token: Option<&str>,
        id_field: &str,
    ) -> Result<Vec<Value>, Problem> {
        const PAGE: usize = 1_000;
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut rows: Vec<Value> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = format!("{path}{separator}limit={PAGE}");
            if let Some(after) = &after {
                url.push_str(&format!("&after={}", encode(after)));
            }
            let page = self.get(url, token).await?;
            let page = page.as_array().cloned().unwrap_or_default();
            let full = page.len() == PAGE;
            after = page
                .last()
                .and_then(|row| row[id_field].as_str())
                .map(str::to_owned);
            rows.extend(page);
            if !full || after.is_none() {
                return Ok(rows);
            }
        }
    }
}

impl Api {
    /// Hands a request (as built, or the builder's error) to the API router in process.
    async fn dispatch(
        &self,
        request: Result<Request<Body>, axum::http::Error>,
    ) -> Result<axum::response::Response, Problem> {
        let request = request.map_err(|_| Problem {
            status: StatusCode::BAD_REQUEST,
            code: "request.malformed".into(),
            detail_ja: "リクエストを組み立てられませんでした".into(),
            field: None,
            errors: Vec::new(),
        })?;
        match self.router.clone().oneshot(request).await {
            Ok(response) => Ok(response),
            Err(never) => match never {},
        }
    }
}

/// A JSON answer (`Null` for an empty one), or the problem the API answered.
async fn json_answer(response: axum::response::Response) -> Result<Value, Problem> {
    if response.status().is_success() {
        let bytes = axum::body::to_bytes(response.into_body(), ANSWER_LIMIT_BYTES)
            .await
            .unwrap_or_default();
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    } else {
        Err(problem_of(response).await)
    }
}

/// The problem of a refused answer.
async fn problem_of(response: axum::response::Response) -> Problem {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), ANSWER_LIMIT_BYTES)
        .await
        .unwrap_or_default();
    Problem::from_answer(status, &bytes)
}

/// A file as the API answered it ([`Api::get_file`]).
#[derive(Clone, Debug)]
pub struct File {
    pub content_type: String,
    pub disposition: String,
    pub bytes: Vec<u8>,
}

/// A query string parameter, percent-encoded.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
