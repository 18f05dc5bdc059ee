//! Helpers for the projection tests: a fresh SQLite file or a fresh PostgreSQL database, migrated
//! with the service's migrations, and plain-SQL event inserts as the event stores write them.
//!
//! PostgreSQL: a new database with a random name in the cluster named by `GRANTS_TEST_DATABASE_URL`
//! (`scripts/test` starts one and exports it). Without that variable the tests fail, never skip.

#![allow(dead_code)]

use std::str::FromStr;
use std::time::Duration;

/// How long a test waits for projections (other tests' open transactions in the same cluster hold
/// the PostgreSQL reader back for a moment).
pub const PATIENCE: Duration = Duration::from_secs(20);

use grants_projections::LogPool;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Connection, PgPool};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The two backends every behaviour is tested on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A migrated database; keeps the SQLite file's directory alive.
pub struct TestDb {
    pub pool: LogPool,
    _dir: Option<tempfile::TempDir>,
}

pub async fn database(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => sqlite().await,
        Backend::Postgres => TestDb {
            pool: LogPool::Postgres(postgres(8).await),
            _dir: None,
        },
    }
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("grants.sqlite3"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("the SQLite file opens");
    SQLITE_MIGRATIONS
        .run(&pool)
        .await
        .expect("migrations apply");
    TestDb {
        pool: LogPool::Sqlite(pool),
        _dir: Some(dir),
    }
}

/// A fresh, migrated PostgreSQL database and a pool of at most `connections` to it.
pub async fn postgres(connections: u32) -> PgPool {
    let base = std::env::var("GRANTS_TEST_DATABASE_URL").expect(
        "GRANTS_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
    );
    let name = format!("grants_test_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(&base)
        .await
        .expect("the test PostgreSQL cluster answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .expect("a fresh test database");
    let options = PgConnectOptions::from_str(&base)
        .expect("a PostgreSQL URL")
        .database(&name);
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .expect("the test database answers");
    POSTGRES_MIGRATIONS
        .run(&pool)
        .await
        .expect("migrations apply");
    pool
}

/// The metadata every test event carries.
pub fn metadata() -> Value {
    json!({"actor_id": "0190a000-0000-7000-8000-000000000001", "actor_role": "staff", "request_id": "req-1"})
}

/// Appends one event the way the stores do and returns its position.
pub async fn append(
    pool: &LogPool,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
    payload: &Value,
) -> i64 {
    let event_type = payload
        .as_object()
        .and_then(|map| map.keys().next().cloned())
        .expect("a payload {\"EventType\": {...}}");
    match pool {
        LogPool::Sqlite(pool) => {
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
                 VALUES ($1, $2, $3, $4, '1.0', $5, $6)",
            )
            .bind(aggregate_type)
            .bind(aggregate_id)
            .bind(sequence)
            .bind(&event_type)
            .bind(payload.to_string())
            .bind(metadata().to_string())
            .execute(pool)
            .await
            .expect("the event is appended");
            sqlx::query_scalar(
                "SELECT position FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3",
            )
            .bind(aggregate_type)
            .bind(aggregate_id)
            .bind(sequence)
            .fetch_one(pool)
            .await
            .expect("the event has a position")
        }
        LogPool::Postgres(pool) => sqlx::query_scalar(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             VALUES ($1, $2, $3, $4, '1.0', $5::json, $6::json) RETURNING position",
        )
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(sequence)
        .bind(&event_type)
        .bind(payload.to_string())
        .bind(metadata().to_string())
        .fetch_one(pool)
        .await
        .expect("the event is appended"),
    }
}

/// Runs a statement that needs no answer on either backend.
pub async fn execute(pool: &LogPool, sql: &str) {
    match pool {
        LogPool::Sqlite(pool) => {
            sqlx::query(sql).execute(pool).await.expect(sql);
        }
        LogPool::Postgres(pool) => {
            sqlx::query(sql).execute(pool).await.expect(sql);
        }
    }
}

/// Personal data that appears in the log and must never reach a public output (rule 12).
pub const PERSONAL: [&str; 10] = [
    "山田太郎",
    "岡崎市康生通西2-9",
    "0564-23-6000",
    "yamada@example.jp",
    "reviewer-score-37",
    "審査委員 佐藤花子",
    "鈴木一郎",
    "岡崎市籠田町1-1",
    "0564-11-2222",
    "suzuki@example.jp",
];

/// The seeded groups: the first (flat contact fields, as early events had them) holds the grants, the
/// second (today's `contact` object) only applications.
pub const GROUP: &str = "0190a000-0000-7000-8000-0000000000a1";
pub const GROUP_2: &str = "0190a000-0000-7000-8000-0000000000a2";
pub const ROUND: &str = "0190a000-0000-7000-8000-0000000000b1";
pub const REGISTRATION_NUMBER: &str = "市民活動第123号";

/// The grant (and application) ids of the seed, `i` in 0..4.
pub fn grant_id(i: usize) -> String {
    format!("0190a000-0000-7000-8000-00000000010{i}")
}

pub fn application_id(i: usize) -> String {
    format!("0190a000-0000-7000-8000-00000000020{i}")
}

pub const STAFF: &str = "0190a000-0000-7000-8000-000000000001";

/// A whole `GrantDecided` as the grant aggregate records it (the read models fold the domain's
/// typed events), with `extra` fields merged into its decision (personal data a read model must
/// leave out, say).
pub fn grant_decided(
    grant: &str,
    application: &str,
    round: &str,
    amount: i64,
    notice_number: &str,
    title: &str,
    extra: Value,
) -> Value {
    let mut decision = json!({"grant_id": grant, "application_id": application, "round_id": round,
        "group_id": GROUP, "fiscal_year": 2025, "course": "ステップアップ",
        "title": title, "summary": "商店街の空き地に花壇をつくる",
        "group_name": "康生まちづくりの会", "amount": amount, "notice_number": notice_number,
        "conditions": "", "completion_deadline": "2026-02-28",
        "terms": {"cap": 500_000, "floor": 0, "rate": "3/4", "rounding_unit": 1_000},
        "advance_cap_ratio": "4/5", "change_threshold_ratio": "1/5", "settlement_days": 30,
        "planned": {"income": [], "expenses": []},
        "planned_period": {"start": "2025-07-01", "end": "2026-02-28"}});
    if let (Some(decision), Some(extra)) = (decision.as_object_mut(), extra.as_object()) {
        decision.extend(extra.clone());
    }
    json!({"GrantDecided": {"decision": decision, "decided_on": "2025-06-10", "by": STAFF,
        "at": "2025-06-10T10:00:00+09:00"}})
}

/// Whole `RoundSettings` as the round aggregate records them, of `fiscal_year` and `course`.
pub fn round_settings(fiscal_year: i32, course: &str) -> Value {
    let criteria: Vec<Value> = [
        "public_benefit",
        "civic",
        "growth",
        "feasibility",
        "independence",
    ]
    .iter()
    .map(|key| json!({"key": key, "label": key, "min": 0, "max": 10}))
    .collect();
    json!({"fiscal_year": fiscal_year, "course": course, "title": "市民公益活動事業費補助金",
        "description": "", "budget": 2_000_000, "cap": 500_000, "floor": 0,
        "rate_schedule": ["1/1", "3/4", "1/2"], "rounding_unit": 1_000, "max_grants_per_group": 3,
        "opens_at": format!("{fiscal_year}-04-01T00:00:00+09:00"),
        "closes_at": format!("{fiscal_year}-05-31T17:00:00+09:00"),
        "criteria": criteria, "pass_ratio": "7/10", "advance_cap_ratio": "4/5",
        "change_threshold_ratio": "1/5", "settlement_days": 30})
}

/// A whole `AwardDecided` as the round aggregate records it, for `amount` yen to `grant` (a UUID).
pub fn award_decided(grant: &str, application: &str, amount: i64) -> Value {
    json!({"AwardDecided": {"application_id": application, "grant_id": grant, "group_id": GROUP,
        "amount": amount, "notice_number": "", "conditions": "", "completion_deadline": "2026-02-28",
        "decided_on": "2025-06-10", "by": STAFF, "decided_at": "2025-06-10T10:00:00+09:00"}})
}

/// A small history: a group with personal data, a round, a review, four grants, payments,
/// finalisation, withdrawal, cancellation and closing.
/// Returns the number of events appended and the last one's position.
pub async fn seed_history(pool: &LogPool) -> (usize, i64) {
    let group = GROUP;
    let round = ROUND;
    let mut events: Vec<(&str, String, Value)> = vec![
        (
            "group",
            group.into(),
            json!({"GroupRegistered": {
            "group_id": group, "name": "康生まちづくりの会", "registration_number": REGISTRATION_NUMBER,
            "representative_name": "山田太郎",
            "address": "岡崎市康生通西2-9", "phone": "0564-23-6000", "email": "yamada@example.jp",
            "member_count": 12, "by": STAFF, "at": "2025-04-01T09:00:00+09:00"}}),
        ),
        (
            "round",
            round.into(),
            json!({"RoundOpened": {"round_id": round,
            "settings": round_settings(2025, "ステップアップ"),
            "by": STAFF, "at": "2025-04-02T09:00:00+09:00"}}),
        ),
        (
            "review",
            "0190a000-0000-7000-8000-0000000000c1".into(),
            json!({"ScoresSaved": {
            "reviewer_name": "審査委員 佐藤花子", "scores": {"public_benefit": 8}, "comment": "reviewer-score-37",
            "by": STAFF, "at": "2025-05-01T09:00:00+09:00"}}),
        ),
    ];
    for (i, amount) in [286_000i64, 100_000, 450_000, 200_000].iter().enumerate() {
        let grant = grant_id(i);
        let application = application_id(i);
        events.push(("round", round.into(), json!({"AwardDecided": {
            "application_id": application, "grant_id": grant, "group_id": group, "amount": amount,
            "notice_number": format!("岡市協第{i}号"), "conditions": "", "completion_deadline": "2026-02-28",
            "decided_on": "2025-06-10", "by": STAFF, "decided_at": "2025-06-10T10:00:00+09:00"}})));
        // Personal data beside the award, which no public read model may copy.
        let personal =
            json!({"representative_name": "山田太郎", "contact_email": "yamada@example.jp"});
        let title = format!("康生通りの花いっぱい運動 {i}");
        let notice = format!("岡市協第{i}号");
        let decided = grant_decided(
            &grant,
            &application,
            round,
            *amount,
            &notice,
            &title,
            personal,
        );
        events.push(("grant", grant.clone(), decided));
        let later: Vec<Value> = match i {
            0 => vec![
                json!({"PaymentRecorded": {"amount": 228_800, "paid_on": "2025-07-01", "kind": "advance", "paid_total": 228_800, "by": STAFF, "at": "2025-07-01T10:00:00+09:00"}}),
                json!({"SettlementReportSubmitted": {"report": {"outcomes": "花壇 3 か所"}, "deadline": "2026-03-30", "by": STAFF, "at": "2026-03-01T10:00:00+09:00"}}),
                json!({"AmountFinalised": {"finalised": 240_000, "subsidy_base": 320_000, "uncounted_receipts": [], "refund_due": 0, "payable": 11_200, "refund_due_on": null, "by": STAFF, "at": "2026-03-10T10:00:00+09:00"}}),
                json!({"PaymentRecorded": {"amount": 11_200, "paid_on": "2026-03-20", "kind": "final", "paid_total": 240_000, "by": STAFF, "at": "2026-03-20T10:00:00+09:00"}}),
                json!({"GrantClosed": {"by": STAFF, "at": "2026-03-20T10:00:00+09:00"}}),
            ],
            1 => vec![
                json!({"GrantWithdrawn": {"reason": "会員の転居", "by": STAFF, "at": "2025-06-12T10:00:00+09:00"}}),
            ],
            2 => vec![
                json!({"AdvanceRequested": {"amount": 228_800, "requested_total": 228_800, "by": STAFF, "at": "2025-07-01T10:00:00+09:00"}}),
                json!({"PaymentRecorded": {"amount": 228_800, "paid_on": "2025-07-05", "kind": "advance", "paid_total": 228_800, "by": STAFF, "at": "2025-07-05T10:00:00+09:00"}}),
                json!({"AmountFinalised": {"finalised": 165_000, "subsidy_base": 220_000, "uncounted_receipts": ["R-9"], "refund_due": 63_800, "payable": 0, "refund_due_on": "2026-04-30", "by": STAFF, "at": "2026-03-10T10:00:00+09:00"}}),
                json!({"RefundReceived": {"amount": 63_800, "received_on": "2026-04-20", "outstanding": 0, "refunded_total": 63_800, "by": STAFF, "at": "2026-04-20T10:00:00+09:00"}}),
            ],
            _ => vec![
                json!({"GrantCancelled": {"reason": "目的外使用", "refund_amount": 200_000, "refund_due_on": "2026-01-31", "by": STAFF, "at": "2025-12-01T10:00:00+09:00"}}),
            ],
        };
        for event in later {
            events.push(("grant", grant.clone(), event));
        }
    }
    events.extend(application_history());
    let mut sequences = std::collections::HashMap::new();
    let mut last = 0;
    for (aggregate_type, aggregate_id, payload) in &events {
        let sequence = sequences
            .entry((*aggregate_type, aggregate_id.clone()))
            .or_insert(0i64);
        *sequence += 1;
        last = append(pool, aggregate_type, aggregate_id, *sequence, payload).await;
    }
    (events.len(), last)
}

/// The applications of the seed, appended after the grants (so that the positions the tamper tests
/// name stay where they are): the four awarded applications of the grants, and four of the second
/// group that end as a draft, ineligible, withdrawn and not adopted.
/// An application's content as the domain records it, with `title` and `amount`.
pub fn application_content(title: &str, amount: i64) -> Value {
    json!({"title": title, "summary": "概要", "purpose": "目的", "beneficiaries": "地域の子ども",
        "period": {"start": "2025-07-01", "end": "2026-02-28"},
        "budget": {"income": [], "expenses": [{"category": "supplies", "item": "花の苗", "quantity": 10, "unit_price": 1000}]},
        "requested_amount": amount})
}

/// A whole `ApplicationDraftStarted` of `group`'s application in [`ROUND`].
pub fn draft_started(application: &str, group: &str, title: &str, amount: i64) -> Value {
    draft_started_in(ROUND, application, group, title, amount)
}

/// A whole `ApplicationDraftStarted` of `group`'s application in `round`.
pub fn draft_started_in(
    round: &str,
    application: &str,
    group: &str,
    title: &str,
    amount: i64,
) -> Value {
    json!({"ApplicationDraftStarted": {"application_id": application, "round_id": round,
        "group_id": group, "prior_grants": 1, "max_grants_per_group": 3,
        "terms": {"cap": 500_000, "floor": 0, "rate": "3/4", "rounding_unit": 1_000},
        "window": {"opens_at": "2025-04-01T00:00:00+09:00", "closes_at": "2025-05-31T17:00:00+09:00"},
        "content": application_content(title, amount), "by": STAFF,
        "at": "2025-05-01T10:00:00+09:00"}})
}

fn application_history() -> Vec<(&'static str, String, Value)> {
    let content = application_content;
    let at = |day: u32| format!("2025-05-{day:02}T10:00:00+09:00");
    let started = draft_started;
    let submitted = |kind: &str, amount: i64, day: u32| json!({kind: {"requested_amount": amount, "max_amount": 286_000, "by": STAFF, "at": at(day)}});
    let plain = |kind: &str, day: u32| json!({kind: {"by": STAFF, "at": at(day)}});
    let mut events: Vec<(&'static str, String, Value)> = vec![(
        "group",
        GROUP_2.into(),
        json!({"GroupRegistered": {"group_id": GROUP_2, "name": "籠田公園を愛する会",
            "registration_number": "市民活動第456号",
            "contact": {"representative_name": "鈴木一郎", "address": "岡崎市籠田町1-1",
                "phone": "0564-11-2222", "email": "suzuki@example.jp"},
            "founded_on": "2019-04-01", "member_count": 8, "resident_member_count": 8,
            "purpose": "公園の清掃", "by": STAFF, "at": "2025-04-01T09:00:00+09:00"}}),
    )];
    for (i, amount) in [286_000i64, 100_000, 450_000, 200_000].iter().enumerate() {
        let id = application_id(i);
        let title = format!("康生通りの花いっぱい運動 {i}");
        for payload in [
            started(&id, GROUP, &title, *amount),
            submitted("ApplicationSubmitted", *amount, 10),
            plain("ApplicationScreenedEligible", 12),
            json!({"ApplicationAwarded": {"grant_id": grant_id(i), "amount": amount, "by": STAFF, "at": at(30)}}),
        ] {
            events.push(("application", id.clone(), payload));
        }
    }
    let second = |n: usize| format!("0190a000-0000-7000-8000-00000000030{n}");
    let histories: [Vec<Value>; 4] = [
        vec![
            started(&second(0), GROUP_2, "公園の清掃", 50_000),
            json!({"ApplicationDraftSaved": {"content": content("公園の清掃, \"花壇\"づくり\nと見守り", 60_000), "by": STAFF, "at": at(2)}}),
        ],
        vec![
            started(&second(1), GROUP_2, "公園の遊具点検", 80_000),
            submitted("ApplicationSubmitted", 80_000, 10),
            json!({"ApplicationReturned": {"reason": "予算書の不備", "by": STAFF, "at": at(11)}}),
            submitted("ApplicationResubmitted", 70_000, 20),
            json!({"ApplicationScreenedIneligible": {"reason": "対象外経費のみ", "by": STAFF, "at": at(21)}}),
        ],
        vec![
            started(&second(2), GROUP_2, "夏祭り", 90_000),
            submitted("ApplicationSubmitted", 90_000, 10),
            json!({"ApplicationWithdrawn": {"reason": "中止", "from": "submitted", "by": STAFF, "at": at(15)}}),
        ],
        vec![
            started(&second(3), GROUP_2, "防災訓練", 120_000),
            submitted("ApplicationSubmitted", 120_000, 10),
            plain("ApplicationScreenedEligible", 12),
            plain("ApplicationRunnerUp", 30),
            json!({"ApplicationNotAdopted": {"reason": null, "by": STAFF, "at": at(31)}}),
        ],
    ];
    for (n, history) in histories.into_iter().enumerate() {
        for payload in history {
            events.push(("application", second(n), payload));
        }
    }
    events
}
