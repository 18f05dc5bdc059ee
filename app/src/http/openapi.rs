//! The OpenAPI 3.1 document of the API, generated from the code with utoipa.
//!
//! Every route is registered in [`super::api_router`] through utoipa-axum's `routes!()`, which adds
//! the handler to the axum router and its `#[utoipa::path]` description to the document in one
//! step, so a route cannot be added without being documented. Every schema is derived from the type
//! the code really reads or answers: the domain's value types (the domain crate's `openapi`
//! feature), the rows of the read models and the verifier's heads and proofs (the `openapi`
//! features of `grants-projections` and `grants-verifier`), the command bodies, the typed reads of
//! `crate::service` and the answers the handlers build (some re-exported below under the names the
//! annotations use). This module holds no copy of any of them: only the `Position` scalar and
//! [`ApiDoc`]'s modifier, which adds what every operation shares by rule (bearer security, the
//! `Idempotency-Key` header on commands, the error answers) so that no handler can forget them.
//!
//! It also serves the document (`GET /api/v1/openapi.json`) and a self-contained browsable page
//! (`GET /api/docs`) under a strict Content-Security-Policy.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, Object, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, KnownFormat, ObjectBuilder, OpenApi as OpenApiDocument, Ref, RefOr, Required,
    ResponseBuilder, SchemaFormat, Type,
};
use utoipa::{OpenApi, ToSchema};

// ---------------------------------------------------------------------------------------------
// The domain's value types and the commands' bodies: their real types, which derive their schemas
// (the domain's with its `openapi` feature), re-exported under the names the annotations use.

pub use super::error::ProblemDetails as Problem;
pub use crate::service::application_read::ApplicationRead;
pub use crate::service::attachment_read::AttachmentRead;
pub use crate::service::grant_read::{GrantRead, SettlementReportRead};
pub use crate::service::grants::{
    AdvanceAsked as AdvanceRequest, Cancellation, ChangeDecision, ChangeRequest, Payment, Refund,
    ReportReview, ReportSubmission, ReviewDecision as ReportReviewOutcome,
};
pub use crate::service::round_read::RoundRead;
pub use grants_domain::account::Role;
pub use grants_domain::application::ScreeningChecks;
pub use grants_domain::budget::{Budget, ExpenseCategory, ExpenseLine, IncomeKind, IncomeLine};
pub use grants_domain::criteria::Criterion;
pub use grants_domain::grant::{
    AdvanceRequestStatus, GrantStatus, PaymentKind, Period, ReceiptLine, SettlementReport,
};
pub use grants_domain::group::RegistrationState;
pub use grants_domain::round::{RankOutcome, RoundSettings};
pub use grants_domain::{ApplicationStatus, FiscalYear, Ratio, Yen};

/// Declares a named scalar schema (a component) that the domain's value types are described by.
macro_rules! scalar_schema {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
                RefOr::T(utoipa::openapi::schema::Schema::Object($schema.build()))
            }
        }

        impl ToSchema for $name {}
    };
}

scalar_schema!(
    /// A log position.
    Position,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(
            "The global log position of the command's last event.",
        ))
        .examples([serde_json::json!(42)])
);

// ---------------------------------------------------------------------------------------------
// The document.

/// The name of the bearer-token security scheme in the OpenAPI document.
pub const BEARER: &str = "bearer";

/// The OpenAPI document of the API (served at `/api/v1/openapi.json`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Grants API",
        description = "市民公益活動事業費補助金の申請・審査・交付・精算 API (v1). \
                       Money is integer yen, ratios are strings such as \"3/4\", dates are \
                       \"YYYY-MM-DD\" and instants RFC 3339 with offset.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(Problem)),
    tags(
        (name = "operations", description = "稼働監視 / liveness and readiness"),
        (name = "accounts", description = "アカウントとセッション / accounts and sessions"),
        (name = "groups", description = "団体 / citizen groups"),
        (name = "rounds", description = "募集回・審査委員・順位・交付決定 / rounds, committee, ranking, decisions"),
        (name = "applications", description = "申請 / applications"),
        (name = "reviews", description = "審査 / committee reviews"),
        (name = "grants", description = "交付後の手続き / grants after the award"),
        (name = "figures", description = "年度の実績 / the year's figures"),
        (name = "mail", description = "メールとお知らせ / mail and in-app notices"),
        (name = "documentation", description = "この API の説明 / this document"),
    ),
)]
pub struct ApiDoc;

/// Completes every operation after the routes are registered (see the module comment): an
/// operation that does not declare `security` needs the bearer token; commands take an optional
/// `Idempotency-Key`; and each gets the problem+json answers its shape allows.
pub fn complete(mut openapi: OpenApiDocument) -> OpenApiDocument {
    openapi.openapi = utoipa::openapi::OpenApiVersion::Version31;
    openapi
        .components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token from POST /api/v1/sessions: `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    if let Some(components) = openapi.components.as_mut() {
        merge_flattened(&mut components.schemas);
    }
    for (path, item) in openapi.paths.paths.iter_mut() {
        let keeps_key = !super::idempotency::KEY_NOT_KEPT.contains(&path.as_str());
        let operations = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation.as_mut() {
                complete_operation(method, keeps_key, operation);
            }
        }
    }
    openapi
}

fn complete_operation(method: HttpMethod, keeps_key: bool, operation: &mut Operation) {
    // Error answers are problem+json, whatever content type an annotation gave them.
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if status.starts_with('4') || status.starts_with('5') {
            if let Some(content) = response.content.shift_remove("application/json") {
                response
                    .content
                    .insert("application/problem+json".to_owned(), content);
            }
        }
    }
    // A bearer token is optional here (`security((), ("bearer" = []))`): one that is sent must work.
    let optional_bearer = operation
        .security
        .as_ref()
        .is_some_and(|alternatives| alternatives.len() > 1);
    let secured = operation.security.is_none();
    if secured {
        operation.security = Some(vec![SecurityRequirement::new::<_, _, &str>(BEARER, [])]);
    }
    let is_command = !matches!(method, HttpMethod::Get);
    let has_body = operation.request_body.is_some();
    let has_path_params = operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| parameter.parameter_in == ParameterIn::Path);
    let tags = operation.tags.clone().unwrap_or_default();
    if tags
        .iter()
        .any(|tag| tag == "documentation" || tag == "operations")
    {
        return;
    }
    if !is_command {
        operation.parameters.get_or_insert_with(Vec::new).push(
            ParameterBuilder::new()
                .name("min_position")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(
                    "Read-your-writes: wait (up to 5 s) until the read models have applied the log                      up to this position (a command's answer carries it). If they have not, the                      answer carries the header x-projections-behind: true.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .build(),
        );
    }
    if is_command {
        operation.parameters.get_or_insert_with(Vec::new).push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(if keeps_key {
                    "1 to 200 characters. A retry with the same key gets the first answer and \
                     appends nothing new; the same key with another body or path is refused (422)."
                } else {
                    "Not kept for this command: its body or answer carries a secret (a password, \
                     a session token, a TOTP secret or code), which is never stored for replay. \
                     Repeating it is safe by its own rules (a second session, an address \
                     registered once, a reset link used once)."
                }))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(200)),
                ))
                .build(),
        );
    }
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|parameter| parameter.parameter_in == ParameterIn::Query);
    let mut errors: Vec<(u16, &str)> = Vec::new();
    if has_body || is_command || has_query {
        errors.push((
            400,
            "malformed input (JSON syntax, a query parameter, or Idempotency-Key)",
        ));
    }
    if secured {
        errors.push((
            401,
            "not signed in: missing, unknown or expired bearer token",
        ));
        errors.push((403, "signed in, but the role does not allow this"));
    }
    if optional_bearer {
        errors.push((
            401,
            "a bearer token was sent but is unknown or expired (send none to read as the public)",
        ));
        errors.push((
            403,
            "a staff member's or auditor's token before they enrolled a second factor, while the \
             service requires one (auth.totp_enrolment_required; send none to read as the public)",
        ));
    }
    if has_path_params || is_command {
        errors.push((404, "unknown, or not visible to the caller"));
    }
    if is_command {
        errors.push((
            409,
            "the object's state forbids this, or a concurrent change won",
        ));
    }
    if has_body {
        errors.push((413, "the body is larger than 256 KiB"));
        errors.push((415, "the body is not sent as application/json"));
    }
    if has_body || is_command {
        errors.push((
            422,
            "a wrong type, an unknown field, or a business rule refused it (detail_ja/detail_en say which rule)",
        ));
    }
    if matches!(
        operation.operation_id.as_deref(),
        Some("accounts_sign_in" | "accounts_register")
    ) {
        errors.push((
            429,
            "too many attempts from this address or for this account: wait Retry-After seconds",
        ));
    }
    errors.push((500, "the server failed; the answer reveals nothing"));
    errors.push((
        503,
        "the database is unavailable or the request took too long: retry after Retry-After \
         seconds (a command with the same Idempotency-Key runs at most once)",
    ));
    for (status, description) in errors {
        let status = status.to_string();
        if operation.responses.responses.contains_key(&status) {
            continue;
        }
        operation
            .responses
            .responses
            .insert(status, problem_response(description));
    }
}

/// A struct with a `#[serde(flatten)]` field is described as `allOf` of its parts; when a part
/// refuses unknown fields (`additionalProperties: false`) no object could satisfy every part. Such
/// schemas are merged into one object with the properties of all parts.
fn merge_flattened(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let snapshot = schemas.clone();
    let object_of = |schema: &RefOr<Schema>| -> Option<Object> {
        match schema {
            RefOr::T(Schema::Object(object)) => Some(object.clone()),
            RefOr::Ref(reference) => {
                let name = reference.ref_location.rsplit('/').next()?;
                match snapshot.get(name)? {
                    RefOr::T(Schema::Object(object)) => Some(object.clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    for schema in schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all_of)) = schema else {
            continue;
        };
        let Some(parts) = all_of
            .items
            .iter()
            .map(object_of)
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let closed = parts.iter().any(|part| {
            matches!(
                part.additional_properties.as_deref(),
                Some(AdditionalProperties::FreeForm(false))
            )
        });
        let mut merged = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(all_of.description.clone())
            .build();
        for part in parts {
            merged.properties.extend(part.properties);
            merged.required.extend(part.required);
            if merged.description.is_none() {
                merged.description = part.description;
            }
        }
        if closed {
            merged.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
        *schema = RefOr::T(Schema::Object(merged));
    }
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// The document, built once from the router that serves the API.
pub fn document() -> &'static OpenApiDocument {
    static DOCUMENT: OnceLock<OpenApiDocument> = OnceLock::new();
    DOCUMENT.get_or_init(|| complete(super::api_router().split_for_parts().1))
}

fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| serde_json::to_string(document()).expect("the OpenAPI document serialises"))
}

/// `GET /api/v1/openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "documentation",
    summary = "OpenAPI 3.1 文書 / the OpenAPI document",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)),
)]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
        .into_response()
}

const DOCS_STYLE: &str = include_str!("docs.css");
const DOCS_SCRIPT: &str = include_str!("docs.js");

fn csp_hash(source: &str) -> String {
    let digest = Sha256::digest(source.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page and its Content-Security-Policy: nothing but this origin and the page's own inline
/// style and script, by hash.
fn docs_page() -> &'static (String, HeaderValue) {
    static PAGE: OnceLock<(String, HeaderValue)> = OnceLock::new();
    PAGE.get_or_init(|| {
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Grants API 仕様</title>\n<style>{DOCS_STYLE}</style>\n</head>\n<body>\n\
             <header><h1>Grants API 仕様</h1>\n\
             <p>この一覧は <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> から作られています。\
             金額は円の整数、比率は \"3/4\" のような文字列、日付は YYYY-MM-DD、日時は RFC 3339 です。</p>\n\
             <nav id=\"toc\"></nav></header>\n<main id=\"operations\"><p id=\"status\">読み込み中…</p></main>\n\
             <script>{DOCS_SCRIPT}</script>\n</body>\n</html>\n"
        );
        let policy = format!(
            "default-src 'none'; connect-src 'self'; img-src 'self'; style-src {}; script-src {}; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            csp_hash(DOCS_STYLE),
            csp_hash(DOCS_SCRIPT),
        );
        (
            html,
            HeaderValue::from_str(&policy).expect("the policy is a valid header value"),
        )
    })
}

/// `GET /api/docs`: a browsable page of the document (Japanese, self-contained, works offline).
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "documentation",
    summary = "API 仕様の閲覧ページ / a browsable page of this document",
    security(()),
    responses((status = 200, description = "An HTML page", content_type = "text/html")),
)]
pub async fn docs() -> Response {
    let (html, policy) = docs_page();
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, policy.clone()),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        html.as_str(),
    )
        .into_response()
}
