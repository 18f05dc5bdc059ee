//! The public exports: the CSV round-trips Japanese text through a CSV parser, the 360Giving package
//! validates against the 1.4.3 schemas offline, and neither carries personal data (rule 12).

mod common;

use common::{database, seed_history, Backend, PATIENCE, PERSONAL, REGISTRATION_NUMBER};
use grants_domain::grant::GrantStatus;
use grants_projections::awards::{self, Award};
use grants_projections::public::{self, CSV_HEADERS, PLACEHOLDER_FUNDER_ID, PLACEHOLDER_PREFIX};
use grants_projections::{Awards, Publisher, Runner};
use jsonschema::{Registry, Resource, Retrieve, Uri};
use serde_json::Value;
use time::macros::date;

/// Copies of the 1.4.3 schemas (CC BY 4.0, 360Giving), unchanged from shared/data/360giving.
const SCHEMAS: &str = "tests/data/360giving";
const GRANT_SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json";
/// The package schema 1.4.3 refers to the grant schema by its 1.4.2 address.
const GRANT_SCHEMA_REF: &str =
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json";

fn publisher() -> Publisher {
    Publisher::placeholder("岡崎市", date!(2026 - 04 - 01))
}

fn award(grant_id: &str, title: &str, summary: &str) -> Award {
    Award {
        grant_id: grant_id.to_owned(),
        fiscal_year: Some(2025),
        course: Some("ステップアップ".to_owned()),
        group_name: Some("康生まちづくりの会".to_owned()),
        title: Some(title.to_owned()),
        summary: Some(summary.to_owned()),
        amount_awarded: 286_000,
        award_date: Some(date!(2025 - 06 - 10)),
        amount_finalised: Some(240_000),
        status: GrantStatus::Closed,
        registration_number: Some(REGISTRATION_NUMBER.to_owned()),
        planned_start: Some(date!(2025 - 07 - 01)),
        planned_end: Some(date!(2026 - 02 - 28)),
    }
}

/// Every line break outside a quoted field is CRLF.
fn line_ends_are_crlf(text: &str) -> bool {
    let mut quoted = false;
    let mut previous = '\0';
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted && previous != '\r' => return false,
            '\r' if !quoted => {}
            _ => {}
        }
        previous = c;
    }
    !quoted && text.ends_with("\r\n")
}

#[test]
fn the_csv_round_trips_japanese_text_with_commas_quotes_and_newlines() {
    let tricky = [
        award(
            "g-1",
            "花いっぱい運動, 第2期",
            "商店街の空き地に「花壇」をつくる、\"みんなの庭\"",
        ),
        award("g-2", "見守り\n活動", "一行目\r\n二行目, そして \"三行目\""),
        award("g-3", "=SUM(A1)", "-1+1"),
    ];
    let mut partial = award("g-4", "未確定", "概要");
    partial.amount_finalised = None;
    partial.fiscal_year = None;
    partial.course = None;
    partial.status = GrantStatus::InProgress;
    let rows = [tricky.to_vec(), vec![partial]].concat();

    let bytes = public::awards_csv(&rows);
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "starts with the BOM"
    );
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    assert!(line_ends_are_crlf(text), "CRLF line ends: {text:?}");
    assert!(text.starts_with("\u{feff}助成ID,年度,コース,団体名,団体登録番号,事業名,事業概要,交付決定額,交付決定日,確定額,状態,状態コード\r\n"));

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[3..]);
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers, CSV_HEADERS);
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("every record parses");
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(&rows) {
        let field = |i: usize| record.get(i).expect("a field");
        assert_eq!(record.len(), CSV_HEADERS.len());
        assert_eq!(field(0), row.grant_id);
        assert_eq!(field(3), row.group_name.as_deref().unwrap_or(""));
        assert_eq!(field(4), REGISTRATION_NUMBER);
        // Text a spreadsheet would run as a formula keeps its text behind a leading quote.
        let safe = |text: &Option<String>| {
            public::spreadsheet_safe(text.as_deref().unwrap_or("")).into_owned()
        };
        assert_eq!(field(5), safe(&row.title));
        assert_eq!(field(6), safe(&row.summary));
        assert_eq!(field(7), "286000");
        assert_eq!(field(8), "2025-06-10");
        assert_eq!(field(11), row.status.as_str());
    }
    let first = &records[0];
    assert_eq!(
        (first.get(1), first.get(2), first.get(9), first.get(10)),
        (
            Some("2025"),
            Some("ステップアップ"),
            Some("240000"),
            Some("完了")
        )
    );
    assert_eq!(
        (records[2].get(5), records[2].get(6)),
        (Some("'=SUM(A1)"), Some("'-1+1"))
    );
    let last = &records[3];
    assert_eq!(
        (last.get(1), last.get(2), last.get(9), last.get(10)),
        (Some(""), Some(""), Some(""), Some("事業実施中"))
    );

    // No rows: the BOM and the header line only.
    let empty = public::awards_csv(&[]);
    assert_eq!(empty.iter().filter(|b| **b == b'\n').count(), 1);
}

/// Refuses every retrieval, so validation never reaches the network or the file system: all a
/// schema needs is registered.
struct Offline;

impl Retrieve for Offline {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("{uri} is not registered and nothing is fetched").into())
    }
}

fn schema(name: &str) -> Value {
    let path = format!("{}/{SCHEMAS}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The errors of `package` against the 360Giving package schema, with the grant schema registered
/// under its `$id` and the address the package schema uses (1.4.2).
fn validation_errors(package: &Value) -> Vec<String> {
    let grant = schema("360-giving-schema.json");
    assert_eq!(grant["$id"], GRANT_SCHEMA_ID);
    let registry = Registry::new()
        .retriever(Offline)
        .add(GRANT_SCHEMA_ID, Resource::from_contents(grant.clone()))
        .and_then(|r| r.add(GRANT_SCHEMA_REF, Resource::from_contents(grant)))
        .and_then(|r| r.prepare())
        .expect("the grant schema registers");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        // The schemas' dates are `oneOf` a `date-time` format and a `YYYY-MM-DD` pattern: with formats
        // as mere annotations (the 2020-12 default) a date matches both and fails `oneOf`. 360Giving's
        // own validator asserts formats, so this one does too.
        .should_validate_formats(true)
        .with_retriever(Offline)
        .with_registry(&registry)
        .build(&schema("360-giving-package-schema.json"))
        .expect("the package schema compiles offline");
    validator
        .iter_errors(package)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_validator_rejects_what_360giving_rejects() {
    let mut package = public::three_sixty_giving(&[award("g-1", "題", "概要")], &publisher());
    assert_eq!(validation_errors(&package), Vec::<String>::new());
    package["grants"][0]
        .as_object_mut()
        .expect("a grant")
        .remove("recipientOrganization");
    package["grants"][0]["currency"] = "YEN".into();
    let errors = validation_errors(&package);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.ends_with("at /grants/0/currency")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("oneOf") && e.ends_with("at /grants/0")),
        "{errors:?}"
    );
    // No grants is no package.
    let errors = validation_errors(&public::three_sixty_giving(&[], &publisher()));
    assert!(
        errors.iter().any(|e| e.ends_with("at /grants")),
        "{errors:?}"
    );
}

#[test]
fn the_package_names_grants_funder_and_recipients() {
    let mut unregistered = award("g-2", "題", "概要");
    unregistered.registration_number = None;
    unregistered.planned_start = None;
    let mut undated = award("g-3", "題", "概要");
    undated.award_date = None;
    let package = public::three_sixty_giving(
        &[award("g-1", "題", "概要"), unregistered, undated],
        &publisher(),
    );
    assert_eq!(validation_errors(&package), Vec::<String>::new());

    let grants = package["grants"].as_array().expect("grants");
    assert_eq!(grants.len(), 2, "the undated award is left out");
    let first = &grants[0];
    assert_eq!(first["id"], format!("360G-{PLACEHOLDER_PREFIX}-g-1"));
    assert_eq!(first["currency"], "JPY");
    assert_eq!(first["amountAwarded"], 286_000);
    assert_eq!(first["awardDate"], "2025-06-10");
    assert_eq!(
        first["plannedDates"][0],
        serde_json::json!({"startDate": "2025-07-01", "endDate": "2026-02-28"})
    );
    assert_eq!(
        first["fundingOrganization"][0],
        serde_json::json!({"id": PLACEHOLDER_FUNDER_ID, "name": "岡崎市"})
    );
    assert_eq!(
        first["recipientOrganization"][0],
        serde_json::json!({"id": format!("{PLACEHOLDER_FUNDER_ID}-{REGISTRATION_NUMBER}"), "name": "康生まちづくりの会"})
    );
    let second = &grants[1];
    assert!(second.get("plannedDates").is_none());
    assert_eq!(
        second["recipientOrganization"][0]["id"],
        format!("{PLACEHOLDER_FUNDER_ID}-GRANT-g-2")
    );
    assert_eq!(package["publisher"]["name"], "岡崎市");
    assert_eq!(package["issued"], "2026-04-01");

    // The caller names the city's own identifiers.
    let city = Publisher {
        org_id: "JP-XYZ-232025".to_owned(),
        prefix: "jp-232025".to_owned(),
        ..publisher()
    };
    let package = public::three_sixty_giving(&[award("g-1", "題", "概要")], &city);
    assert_eq!(package["grants"][0]["id"], "360G-jp-232025-g-1");
    assert_eq!(
        package["grants"][0]["fundingOrganization"][0]["id"],
        "JP-XYZ-232025"
    );
    assert_eq!(validation_errors(&package), Vec::<String>::new());
}

async fn the_exports_hold_no_personal_data(backend: Backend) {
    let db = database(backend).await;
    let (_, last) = seed_history(&db.pool).await;
    Runner::new(db.pool.clone())
        .with(Awards)
        .catch_up_to(last, PATIENCE)
        .await
        .expect("catch-up");
    let rows = awards::list(&db.pool, &awards::AwardQuery::filtered(None, None))
        .await
        .expect("the list");
    assert_eq!(rows.len(), 4);
    assert!(rows
        .iter()
        .all(|a| a.registration_number.as_deref() == Some(REGISTRATION_NUMBER)));

    let csv = String::from_utf8(public::awards_csv(&rows)).expect("UTF-8");
    let package = public::three_sixty_giving(&rows, &publisher());
    assert_eq!(validation_errors(&package), Vec::<String>::new());
    let json = package.to_string();
    for (name, text) in [("CSV", &csv), ("360Giving", &json)] {
        for personal in PERSONAL {
            assert!(
                !text.contains(personal),
                "{personal} leaked into the {name}: {text}"
            );
        }
        for forbidden in [
            "score",
            "scores",
            "public_benefit",
            "comment",
            "contact",
            "email",
        ] {
            assert!(
                !text.contains(forbidden),
                "{forbidden} in the {name}: {text}"
            );
        }
    }
    // The 360Giving organisations carry only an id and a name: none of the schema's contact fields.
    for grant in package["grants"].as_array().expect("grants") {
        for organisation in ["recipientOrganization", "fundingOrganization"] {
            let keys: Vec<&String> = grant[organisation][0]
                .as_object()
                .expect("an organisation")
                .keys()
                .collect();
            assert_eq!(keys, ["id", "name"], "{organisation}");
        }
        assert!(grant.get("recipientIndividual").is_none());
    }
}

#[tokio::test]
async fn the_exports_hold_no_personal_data_on_sqlite() {
    the_exports_hold_no_personal_data(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_exports_hold_no_personal_data_on_postgres() {
    the_exports_hold_no_personal_data(Backend::Postgres).await;
}
