//! The OpenAPI document describes the contract of api.md, and the browsable page is served.

use grants_tests::{on_both_backends, TestApp};
use serde_json::Value;

/// Every verb and path of api.md's table that the service serves, and whether api.md gives the
/// command a body.
const CONTRACT: &[(&str, &str, bool)] = &[
    ("post", "/api/v1/accounts", true),
    ("post", "/api/v1/sessions", true),
    ("delete", "/api/v1/sessions/current", false),
    ("post", "/api/v1/users", true),
    ("post", "/api/v1/groups", true),
    ("get", "/api/v1/groups/{id}", false),
    ("post", "/api/v1/rounds", true),
    ("get", "/api/v1/rounds", false),
    ("get", "/api/v1/rounds/{id}", false),
    ("post", "/api/v1/rounds/{id}/committee", true),
    ("post", "/api/v1/rounds/{id}/scoring/close", false),
    ("post", "/api/v1/rounds/{id}/corrections", true),
    ("get", "/api/v1/rounds/{id}/ranking", false),
    ("post", "/api/v1/rounds/{id}/decisions", true),
    ("post", "/api/v1/applications", true),
    ("patch", "/api/v1/applications/{id}", true),
    ("post", "/api/v1/applications/{id}/submit", false),
    ("post", "/api/v1/applications/{id}/maximum", true),
    ("post", "/api/v1/applications/{id}/withdraw", true),
    ("post", "/api/v1/applications/{id}/screening", true),
    ("get", "/api/v1/applications/{id}", false),
    (
        "post",
        "/api/v1/applications/{id}/conflict-declaration",
        true,
    ),
    ("put", "/api/v1/applications/{id}/my-review", true),
    ("post", "/api/v1/applications/{id}/my-review/submit", false),
    ("get", "/api/v1/grants/{id}", false),
    ("post", "/api/v1/grants/{id}/withdraw", false),
    ("post", "/api/v1/grants/{id}/advance-requests", true),
    ("post", "/api/v1/grants/{id}/payments", true),
    ("post", "/api/v1/grants/{id}/change-requests", true),
    (
        "post",
        "/api/v1/grants/{id}/change-requests/{cid}/decision",
        true,
    ),
    ("put", "/api/v1/grants/{id}/settlement-report", true),
    (
        "post",
        "/api/v1/grants/{id}/settlement-report/submit",
        false,
    ),
    ("post", "/api/v1/grants/{id}/settlement-report/review", true),
    ("post", "/api/v1/grants/{id}/refunds", true),
    ("post", "/api/v1/grants/{id}/cancellation", true),
    ("post", "/api/v1/grants/{id}/settlement-deadline", true),
    (
        "post",
        "/api/v1/grants/{id}/settlement-report/delay-acceptance",
        false,
    ),
    ("get", "/healthz", false),
    ("get", "/readyz", false),
    ("get", "/api/v1/openapi.json", false),
    ("get", "/api/docs", false),
    ("get", "/api/v1/applications", false),
    ("get", "/api/v1/public/awards", false),
    ("get", "/api/v1/public/awards/{id}", false),
    ("get", "/api/v1/public/award-filters", false),
    ("get", "/api/v1/public/awards.csv", false),
    ("get", "/api/v1/public/awards.360giving.json", false),
    ("get", "/api/v1/audit/events", false),
    (
        "get",
        "/api/v1/audit/streams/{aggregate_type}/{aggregate_id}",
        false,
    ),
    ("get", "/api/v1/audit/applications/{id}", false),
    ("get", "/api/v1/audit/verification", false),
    ("get", "/metrics", false),
    // Extensions of api.md (docs/decisions.md): the staff pages' lists.
    ("get", "/api/v1/grants", false),
    ("get", "/api/v1/users", false),
    // Extension (issue 16): the year's figures for staff and auditors.
    ("get", "/api/v1/figures", false),
    ("get", "/api/v1/figures.csv", false),
    // Extension (issue 19): the verifiable log (docs/verification.md).
    ("get", "/api/v1/public/tree-heads", false),
    ("get", "/api/v1/public/tree-heads/key", false),
    ("get", "/api/v1/audit/proofs/inclusion", false),
    ("get", "/api/v1/audit/proofs/consistency", false),
    ("get", "/api/v1/audit/export", false),
];

/// Rows of api.md's table the service does not serve yet. When one is implemented, its route (and
/// so its documentation) appears and this test asks for it to move into `CONTRACT`.
const NOT_YET_SERVED: &[(&str, &str)] = &[];

/// Routes that need no bearer token.
const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/v1/accounts"),
    ("post", "/api/v1/sessions"),
    ("post", "/api/v1/password-resets"),
    ("post", "/api/v1/password-resets/confirm"),
    ("post", "/api/v1/email-verifications"),
    ("get", "/api/v1/rounds"),
    ("get", "/api/v1/rounds/{id}"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/docs"),
    ("get", "/api/v1/public/awards"),
    ("get", "/api/v1/public/awards/{id}"),
    ("get", "/api/v1/public/awards/{id}/photos/{photo_id}"),
    ("get", "/api/v1/public/award-filters"),
    ("get", "/api/v1/public/awards.csv"),
    ("get", "/api/v1/public/awards.360giving.json"),
    ("get", "/api/v1/public/tree-heads"),
    ("get", "/api/v1/public/tree-heads/key"),
    ("get", "/metrics"),
];

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(*method) {
                found.push((method.to_string(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

/// The schema a `$ref` names, followed until it is not a reference.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    while let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().expect("a schema name");
        schema = &document["components"]["schemas"][name];
        assert!(!schema.is_null(), "{reference} is defined");
    }
    schema
}

on_both_backends!(
    the_document_describes_the_contract,
    |app: TestApp| async move {
        let answer = app.get("/api/v1/openapi.json").await;
        assert_eq!(answer.status, 200);
        assert!(answer.content_type.starts_with("application/json"));
        let document = answer.body;
        assert!(
            document["openapi"]
                .as_str()
                .is_some_and(|version| version.starts_with("3.1.")),
            "{:?}",
            document["openapi"]
        );
        let operations = operations(&document);

        for (method, path, has_body) in CONTRACT {
            let operation = &document["paths"][path][method];
            assert!(operation.is_object(), "{method} {path} is documented");
            let is_command = *method != "get";
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            if *has_body {
                let schema = resolve(&document, body);
                assert!(
                    schema["properties"].is_object(),
                    "{method} {path} documents its request fields: {schema}"
                );
            }
            if is_command {
                let parameters = operation["parameters"].as_array().expect("parameters");
                assert!(
                    parameters
                        .iter()
                        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
                    "{method} {path} takes an Idempotency-Key"
                );
            }
            for name in path
                .split('/')
                .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            {
                assert!(
                    operation["parameters"].as_array().is_some_and(|ps| ps
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path")),
                    "{method} {path} documents its path parameter {name}"
                );
            }
            let responses = operation["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|code| code.starts_with('2')),
                "{method} {path} documents its success answer"
            );
        }

        for (method, path) in NOT_YET_SERVED {
            assert!(
                document["paths"][path][method].is_null(),
                "{method} {path} is served now: move it to CONTRACT"
            );
        }

        // Every documented operation: bearer unless public, a unique operationId, and problem+json
        // answers for its errors.
        let mut operation_ids = std::collections::BTreeSet::new();
        for (method, path, operation) in &operations {
            let id = operation["operationId"].as_str().expect("an operationId");
            assert!(operation_ids.insert(id.to_owned()), "{id} is unique");
            let security = operation["security"].as_array().expect("security");
            let anonymous = security
                .iter()
                .any(|requirement| requirement.as_object().is_some_and(|r| r.is_empty()));
            let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
            assert_eq!(anonymous, public, "{method} {path}: public is {public}");
            if !public {
                assert!(
                    security.iter().any(|r| r.get("bearer").is_some()),
                    "{method} {path} needs the bearer token"
                );
                let unauthorized =
                    &operation["responses"]["401"]["content"]["application/problem+json"]["schema"];
                let problem = resolve(&document, unauthorized);
                for field in [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "detail_ja",
                    "detail_en",
                    "errors",
                ] {
                    assert!(
                        problem["properties"][field].is_object(),
                        "the problem schema has {field}"
                    );
                }
            }
        }
        assert_eq!(
            document["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );

        // The request bodies' real shapes: money as integers, ratios as strings, dates as dates.
        let schemas = &document["components"]["schemas"];
        assert_eq!(schemas["Yen"]["type"], "integer");
        assert_eq!(schemas["Ratio"]["type"], "string");
        let payment = resolve(
            &document,
            &document["paths"]["/api/v1/grants/{id}/payments"]["post"]["requestBody"]["content"]
                ["application/json"]["schema"],
        );
        assert_eq!(payment["properties"]["paid_on"]["format"], "date");
        assert_eq!(
            payment["properties"]["amount"]["$ref"],
            "#/components/schemas/Yen"
        );
        let round = resolve(
            &document,
            &document["paths"]["/api/v1/rounds"]["post"]["requestBody"]["content"]
                ["application/json"]["schema"],
        );
        assert_eq!(round["properties"]["opens_at"]["format"], "date-time");
        assert_eq!(
            round["properties"]["pass_ratio"]["$ref"],
            "#/components/schemas/Ratio"
        );
        let draft = resolve(
            &document,
            &document["paths"]["/api/v1/applications"]["post"]["requestBody"]["content"]
                ["application/json"]["schema"],
        );
        for field in [
            "round_id",
            "group_id",
            "title",
            "period",
            "budget",
            "requested_amount",
        ] {
            assert!(
                draft["properties"][field].is_object(),
                "a draft has {field}"
            );
        }
    }
);

on_both_backends!(
    the_docs_page_is_served_self_contained,
    |app: TestApp| async move {
        let response = app
            .client
            .get(app.url("/api/docs"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert!(header("content-type").starts_with("text/html"));
        let policy = header("content-security-policy");
        assert!(policy.contains("default-src 'none'"), "{policy}");
        assert!(policy.contains("script-src 'sha256-"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let html = response.text().await.expect("a body");
        assert!(html.contains("/api/v1/openapi.json"));
        assert!(html.contains("lang=\"ja\""));
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "the page loads nothing from elsewhere"
        );
    }
);
