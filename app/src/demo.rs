//! Demo data, so that a newcomer sees a lived-in service: `grants demo seed`, or `grants serve --demo`
//! on an empty log.
//!
//! Everything goes through the real HTTP API in-process (the router, without a socket), so the demo
//! obeys every rule a user would, and its events look exactly like a user's. It builds, in the current
//! fiscal year:
//! - a closed はじめの一歩 round whose grant has lived its whole life: decided, advance paid, settlement
//!   accepted, amount finalised, remainder paid, closed; and one application not adopted;
//! - an open ステップアップ round (the open call) with a submitted application and a draft.
//!
//! The demo's scoring window has to close before it can rank, so seeding waits a few seconds.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use grants_domain::account::Role;
use grants_domain::fiscal_year::jst_date;
use grants_domain::{FiscalYear, UserId};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;

use crate::accounts::{open_account, NewAccount};
use crate::router::router;
use crate::state::AppState;
use crate::store::{ActorRole, CommandMetadata};

/// The demo accounts' password (printed by the seed; demo data only).
pub const DEMO_PASSWORD: &str = "demo-password-2026";
/// The demo's staff account (市民協働推進課).
pub const DEMO_STAFF: &str = "staff@demo.example.jp";
/// The demo's auditor (監査担当): reads the log, the timelines and the state as of an instant.
pub const DEMO_AUDITOR: &str = "auditor@demo.example.jp";

/// How long the demo's first application window stays open.
const WINDOW_SECONDS: i64 = 8;

/// Why seeding the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A request of the seed was answered with a refusal.
    #[error("{method} {path} answered {status}: {body}")]
    Refused {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
        /// The status it was answered with.
        status: StatusCode,
        /// The answer's body.
        body: String,
    },
    /// The demo's staff account could not be opened (the service's English message).
    #[error("the demo could not open its staff account: {0}")]
    Staff(String),
}

/// The API, called in-process.
struct Client {
    router: Router,
}

impl Client {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, DemoError> {
        let mut request = Request::builder().method(method.clone()).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let request = request.body(body).expect("a well-formed request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
            .await
            .unwrap_or_default();
        if !status.is_success() {
            return Err(DemoError::Refused {
                method,
                path: path.to_owned(),
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Result<Value, DemoError> {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    async fn sign_in(&self, email: &str) -> Result<String, DemoError> {
        let body = json!({"email": email, "password": DEMO_PASSWORD});
        let answer = self
            .call(Method::POST, "/api/v1/sessions", None, Some(body))
            .await?;
        Ok(answer["token"].as_str().unwrap_or_default().to_owned())
    }
}

fn rfc3339(instant: OffsetDateTime) -> String {
    instant.format(&Rfc3339).unwrap_or_default()
}

fn criteria() -> Value {
    json!([
        {"key": "public_benefit", "label": "公益性", "min": 0, "max": 10},
        {"key": "civic", "label": "市民性", "min": 0, "max": 10},
        {"key": "growth", "label": "発展性", "min": 0, "max": 10},
        {"key": "feasibility", "label": "実現性", "min": 0, "max": 10},
        {"key": "independence", "label": "自立性", "min": 0, "max": 10},
    ])
}

fn round(
    course: &str,
    cap: i64,
    rates: &[&str],
    max_grants: u32,
    budget: i64,
    opens: OffsetDateTime,
    closes: OffsetDateTime,
) -> Value {
    let year = FiscalYear::of_instant(opens);
    json!({
        "fiscal_year": year.year(),
        "course": course,
        "title": format!("{year} 市民公益活動事業費補助金（{course}）"),
        "description": "市民活動団体が行う、地域の課題解決や公益の増進につながる事業に補助します。",
        "budget": budget, "cap": cap, "floor": 0, "rate_schedule": rates, "rounding_unit": 1_000,
        "max_grants_per_group": max_grants, "opens_at": rfc3339(opens), "closes_at": rfc3339(closes),
        "criteria": criteria(), "pass_ratio": "7/10", "advance_cap_ratio": "4/5",
        "change_threshold_ratio": "1/5", "settlement_days": 30,
    })
}

fn group(name: &str, purpose: &str) -> Value {
    json!({
        "name": name, "registration_number": format!("市民活動-{}", name.chars().count()),
        "representative_name": "（デモ）代表者", "address": "（デモ）市内", "phone": "0000-00-0000",
        "email": "demo-group@example.jp", "founded_on": "2018-04-01", "member_count": 15,
        "resident_member_count": 10, "purpose": purpose,
    })
}

/// What a demo group plans: the project and its money.
#[derive(Clone, Copy)]
struct Plan {
    title: &'static str,
    summary: &'static str,
    expenses: i64,
    income: i64,
    requested: i64,
}

fn form(round: &Value, group: &Value, plan: &Plan, (start, end): (&str, &str)) -> Value {
    let Plan {
        title,
        summary,
        expenses,
        income,
        requested,
    } = *plan;
    json!({
        "round_id": round, "group_id": group, "title": title, "summary": summary,
        "purpose": "地域の人が気軽に参加できる場をつくり、つながりを育てる。",
        "beneficiaries": "市内在住・在勤の方",
        "period": {"start": start, "end": end},
        "budget": {
            "income": [{"kind": "project_income", "description": "参加費", "amount": income}],
            "expenses": [
                {"category": "rentals", "item": "会場使用料", "quantity": 10, "unit_price": expenses / 10},
                {"category": "food", "item": "打合せ時の茶菓", "quantity": 10, "unit_price": 500}
            ]
        },
        "requested_amount": requested,
    })
}

fn sheet(total: u32) -> Value {
    let keys = [
        "public_benefit",
        "civic",
        "growth",
        "feasibility",
        "independence",
    ];
    let scores: serde_json::Map<String, Value> = (0u32..)
        .zip(keys)
        .map(|(n, key)| {
            (
                key.to_owned(),
                json!(total / 5 + u32::from(n >= 5 - total % 5)),
            )
        })
        .collect();
    json!({"scores": scores, "comment": "（デモ）計画が具体的で、地域への広がりが期待できる。"})
}

/// Seeds the demo through the API; returns what a newcomer needs to sign in.
pub async fn seed(state: &AppState) -> Result<String, DemoError> {
    let now = OffsetDateTime::now_utc();
    let system = CommandMetadata {
        attempt: None,
        actor_id: UserId::new(),
        actor_role: ActorRole::System,
        on_behalf_of: None,
        request_id: "demo-seed".into(),
        idempotency_key: None,
        recorded_at: now,
    };
    let staff_account = NewAccount {
        email: DEMO_STAFF.into(),
        password: DEMO_PASSWORD.into(),
        display_name: "市民協働推進課（デモ）".into(),
        role: Role::Staff,
        self_registered: false,
    };
    open_account(state, UserId::new(), staff_account, &system)
        .await
        .map_err(|error| DemoError::Staff(error.detail_en.clone()))?;
    let api = Client {
        router: router(state.clone()),
    };
    let staff = api.sign_in(DEMO_STAFF).await?;

    let body = json!({"email": DEMO_AUDITOR, "password": DEMO_PASSWORD, "display_name": "監査担当（デモ）", "role": "auditor"});
    api.post("/api/v1/users", &staff, body).await?;

    let mut reviewers = Vec::new();
    for n in 1..=3 {
        let email = format!("reviewer{n}@demo.example.jp");
        let body = json!({"email": email, "password": DEMO_PASSWORD, "display_name": format!("審査委員{n}（デモ）"), "role": "reviewer"});
        let id = api.post("/api/v1/users", &staff, body).await?["id"].clone();
        reviewers.push((id, api.sign_in(&email).await?));
    }
    let mut members = Vec::new();
    for (n, (name, purpose)) in [
        ("みどりの会", "公園の緑化と子どもの自然体験"),
        (
            "まちなか多文化サロン",
            "外国にルーツを持つ住民の交流と日本語学習の支援",
        ),
        ("ひだまり見守り隊", "高齢者の見守りと居場所づくり"),
    ]
    .iter()
    .enumerate()
    {
        let email = format!("group{}@demo.example.jp", n + 1);
        let body = json!({"email": email, "password": DEMO_PASSWORD, "display_name": format!("{name}の担当者（デモ）")});
        let opened = api
            .call(Method::POST, "/api/v1/accounts", None, Some(body))
            .await?;
        // The demo's applicants have verified their addresses, so that they may submit.
        if let Some(user_id) = opened["id"].as_str().and_then(|id| id.parse().ok()) {
            crate::accounts::mark_verified(state, user_id, &system)
                .await
                .map_err(|error| DemoError::Staff(error.detail_en.clone()))?;
        }
        let token = api.sign_in(&email).await?;
        let group_id = api
            .post("/api/v1/groups", &token, group(name, purpose))
            .await?["id"]
            .clone();
        members.push((token, group_id));
    }

    // A はじめの一歩 round whose window closes in a moment, so that its grant can live its life.
    let today = jst_date(now).to_string();
    let year_end = FiscalYear::of_instant(now).last_day().to_string();
    let first_closes = OffsetDateTime::now_utc() + Duration::seconds(WINDOW_SECONDS);
    let first = round(
        "はじめの一歩",
        100_000,
        &["1/1"],
        2,
        300_000,
        now - Duration::days(30),
        first_closes,
    );
    let first_id = api.post("/api/v1/rounds", &staff, first).await?["id"].clone();
    let first_path = format!("/api/v1/rounds/{}", first_id.as_str().unwrap_or_default());
    for (id, _) in &reviewers {
        api.post(
            &format!("{first_path}/committee"),
            &staff,
            json!({"reviewer_id": id}),
        )
        .await?;
    }
    let plans = [
        (
            "こども自然観察会",
            "市内の公園で毎月、親子で自然観察をする。",
            120_000,
            20_000,
            100_000,
            42,
        ),
        (
            "多文化こども食堂の準備講座",
            "調理ボランティア向けの衛生講座を開く。",
            60_000,
            0,
            60_000,
            30,
        ),
    ];
    let mut applications = Vec::new();
    for ((token, group_id), (title, summary, expenses, income, requested, total)) in
        members.iter().zip(plans)
    {
        let plan = Plan {
            title,
            summary,
            expenses,
            income,
            requested,
        };
        let draft = form(&first_id, group_id, &plan, (&today, &year_end));
        let id = api.post("/api/v1/applications", token, draft).await?["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let path = format!("/api/v1/applications/{id}");
        api.call(Method::POST, &format!("{path}/submit"), Some(token), None)
            .await?;
        api.post(
            &format!("{path}/screening"),
            &staff,
            json!({"outcome": "eligible"}),
        )
        .await?;
        for (n, (_, reviewer)) in reviewers.iter().enumerate() {
            let conflicted = n == 2 && total == 30;
            api.post(&format!("{path}/conflict-declaration"), reviewer, json!({"conflict": conflicted, "note": if conflicted { "団体の会員である" } else { "" }})).await?;
            if !conflicted {
                api.call(
                    Method::PUT,
                    &format!("{path}/my-review"),
                    Some(reviewer),
                    Some(sheet(total)),
                )
                .await?;
                api.call(
                    Method::POST,
                    &format!("{path}/my-review/submit"),
                    Some(reviewer),
                    None,
                )
                .await?;
            }
        }
        applications.push((id, requested));
    }
    let until_closed = first_closes - OffsetDateTime::now_utc() + Duration::milliseconds(200);
    if until_closed.is_positive() {
        tokio::time::sleep(until_closed.unsigned_abs()).await;
    }
    api.call(
        Method::POST,
        &format!("{first_path}/scoring/close"),
        Some(&staff),
        None,
    )
    .await?;
    api.call(
        Method::POST,
        &format!("{first_path}/ranking"),
        Some(&staff),
        None,
    )
    .await?;
    let (adopted, requested) = &applications[0];
    let decision = json!({
        "awards": [{"application_id": adopted, "amount": requested, "conditions": "事業終了後に成果報告会を開くこと", "completion_deadline": year_end}],
        "rejections": [{"application_id": applications[1].0, "reason": "合格基準点（7割）に達しなかったため"}],
    });
    let decided = api
        .post(&format!("{first_path}/decisions"), &staff, decision)
        .await?;
    let grant = decided["grants"][0]["grant_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let grant_path = format!("/api/v1/grants/{grant}");
    let group_token = &members[0].0;
    api.post(
        &format!("{grant_path}/advance-requests"),
        group_token,
        json!({"amount": 80_000}),
    )
    .await?;
    api.post(
        &format!("{grant_path}/payments"),
        &staff,
        json!({"amount": 80_000, "paid_on": today, "kind": "advance"}),
    )
    .await?;
    let report = json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 18_000}],
        "expenses": [
            {"category": "rentals", "item": "会場使用料", "quantity": 10, "unit_price": 11_000, "receipt_date": today, "receipt_number": "R-0001"},
            {"category": "supplies", "item": "ルーペ", "quantity": 20, "unit_price": 400, "receipt_date": today, "receipt_number": "R-0002"}
        ],
        "outcomes": "全10回、延べ230人の親子が参加した。",
        "participants": 230,
    });
    api.call(
        Method::PUT,
        &format!("{grant_path}/settlement-report"),
        Some(group_token),
        Some(report),
    )
    .await?;
    api.call(
        Method::POST,
        &format!("{grant_path}/settlement-report/submit"),
        Some(group_token),
        None,
    )
    .await?;
    let finalised = api
        .post(
            &format!("{grant_path}/settlement-report/review"),
            &staff,
            json!({"outcome": "accepted"}),
        )
        .await?;
    let payable = finalised["payable"].as_i64().unwrap_or(0);
    if payable > 0 {
        api.post(
            &format!("{grant_path}/payments"),
            &staff,
            json!({"amount": payable, "paid_on": today, "kind": "final"}),
        )
        .await?;
    }

    // The open call: a ステップアップ round open for a month, with a submitted application and a draft.
    let second = round(
        "ステップアップ",
        500_000,
        &["1/1", "3/4", "1/2"],
        3,
        2_000_000,
        now - Duration::days(1),
        now + Duration::days(30),
    );
    let second_id = api.post("/api/v1/rounds", &staff, second).await?["id"].clone();
    let second_path = format!("/api/v1/rounds/{}", second_id.as_str().unwrap_or_default());
    for (id, _) in &reviewers {
        api.post(
            &format!("{second_path}/committee"),
            &staff,
            json!({"reviewer_id": id}),
        )
        .await?;
    }
    let (token, group_id) = &members[0];
    let draft = form(
        &second_id,
        group_id,
        &Plan {
            title: "里山の自然学校",
            summary: "年間を通じて里山で自然体験講座を開く。",
            expenses: 412_340,
            income: 30_000,
            requested: 286_000,
        },
        (&today, &year_end),
    );
    let submitted = api.post("/api/v1/applications", token, draft).await?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    api.call(
        Method::POST,
        &format!("/api/v1/applications/{submitted}/submit"),
        Some(token),
        None,
    )
    .await?;
    let (token, group_id) = &members[2];
    let draft = form(
        &second_id,
        group_id,
        &Plan {
            title: "地域の居場所カフェ",
            summary: "月2回、高齢者と子どもが集う居場所を開く。",
            expenses: 200_000,
            income: 20_000,
            requested: 150_000,
        },
        (&today, &year_end),
    );
    api.post("/api/v1/applications", token, draft).await?;

    Ok(format!(
        "demo data seeded. Sign in with the password {DEMO_PASSWORD:?} as:\n  staff      {DEMO_STAFF}\n  auditor    {DEMO_AUDITOR}\n  reviewers  reviewer1..3@demo.example.jp\n  applicants group1..3@demo.example.jp"
    ))
}

/// Whether the log is still empty (the demo only seeds a fresh service).
pub async fn log_is_empty(state: &AppState) -> Result<bool, sqlx::Error> {
    let db = &state.db;
    let events: i64 = crate::with_pool!(db, pool => sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?);
    Ok(events == 0)
}
