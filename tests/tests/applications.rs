//! A round opens, a group drafts, saves and submits an application inside the window, staff screen it:
//! the first steps of a grant's life over real HTTP, on both backends.

use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn instant(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap()
}

/// The step-up course of domain.md's demo configuration, open now.
fn step_up_round() -> Value {
    let criteria: Vec<Value> = [
        ("public_benefit", "公益性"),
        ("civic", "市民性"),
        ("growth", "発展性"),
        ("feasibility", "実現性"),
        ("independence", "自立性"),
    ]
    .iter()
    .map(|(key, label)| json!({"key": key, "label": label, "min": 0, "max": 10}))
    .collect();
    json!({
        "fiscal_year": 2026,
        "course": "ステップアップ",
        "title": "令和8年度 市民公益活動事業費補助金（ステップアップ）",
        "description": "市民が主体となって行う公益的な活動を支援します。",
        "budget": 2_000_000,
        "cap": 500_000,
        "floor": 0,
        "rate_schedule": ["1/1", "3/4", "1/2"],
        "rounding_unit": 1_000,
        "max_grants_per_group": 3,
        "opens_at": instant(Duration::hours(-1)),
        "closes_at": instant(Duration::hours(1)),
        "criteria": criteria,
        "pass_ratio": "7/10",
        "advance_cap_ratio": "4/5",
        "change_threshold_ratio": "1/5",
        "settlement_days": 30,
    })
}

fn group() -> Value {
    json!({
        "name": "みどりの会", "registration_number": "市民活動-0042", "representative_name": "代表 太郎",
        "address": "市内本町1-2-3", "phone": "0564-00-0000", "email": "midori@example.jp",
        "founded_on": "2019-05-01", "member_count": 12, "resident_member_count": 8,
        "purpose": "公園の緑化と子どもの自然体験",
    })
}

fn form(requested: i64) -> Value {
    json!({
        "title": "こども自然教室",
        "summary": "市内の公園で月1回の自然観察会を開く。",
        "purpose": "子どもが身近な自然に親しむ機会をつくる。",
        "beneficiaries": "市内の小学生とその保護者",
        "period": {"start": "2026-06-01", "end": "2027-02-28"},
        "budget": {
            "income": [{"kind": "project_income", "description": "参加費", "amount": 30_000}],
            "expenses": [
                {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 412_345},
                {"category": "food", "item": "打合せ時の飲食", "quantity": 1, "unit_price": 8_000}
            ]
        },
        "requested_amount": requested,
    })
}

on_both_backends!(
    a_group_drafts_submits_and_staff_screen,
    |app: TestApp| async move {
        let staff = app
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        let round = app
            .send(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&step_up_round()),
            )
            .await;
        assert_eq!(round.status, 201, "{:?}", round.body);
        let round_id = round.body["id"].as_str().unwrap().to_owned();

        // Anyone reads the open call.
        let call = app.get(&format!("/api/v1/rounds/{round_id}")).await;
        assert_eq!(call.status, 200);
        assert_eq!(call.body["rate_schedule"], json!(["1/1", "3/4", "1/2"]));
        assert!(
            call.body.get("committee").is_none(),
            "the public does not see the committee"
        );
        let listed = app.get("/api/v1/rounds").await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);

        let member = app.applicant("member@example.jp").await;
        let group = app
            .send(
                Method::POST,
                "/api/v1/groups",
                Some(&member),
                Some(&group()),
            )
            .await;
        let group_id = group.body["id"].as_str().unwrap().to_owned();

        let mut draft = form(400_000);
        draft["round_id"] = json!(round_id);
        draft["group_id"] = json!(group_id);
        let started = app
            .send(
                Method::POST,
                "/api/v1/applications",
                Some(&member),
                Some(&draft),
            )
            .await;
        assert_eq!(started.status, 201, "{:?}", started.body);
        assert_eq!(started.body["status"], "draft");
        // First grant in the course: rate 1/1 of (412,345 - 30,000); food never counts -> 382,000.
        assert_eq!(started.body["max_amount"], 382_000);
        let id = started.body["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/applications/{id}");

        // Asking for more than the maximum is refused at submission by rule 3, and nothing changes.
        let refused = app
            .send(Method::POST, &format!("{path}/submit"), Some(&member), None)
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "amount.above_maximum");
        assert_eq!(
            app.send(Method::GET, &path, Some(&member), None).await.body["status"],
            "draft"
        );

        let saved = app
            .send(Method::PATCH, &path, Some(&member), Some(&form(382_000)))
            .await;
        assert_eq!(saved.status, 200, "{:?}", saved.body);
        let submitted = app
            .send(Method::POST, &format!("{path}/submit"), Some(&member), None)
            .await;
        assert_eq!(submitted.status, 200, "{:?}", submitted.body);
        assert_eq!(submitted.body["status"], "submitted");
        assert!(
            submitted.body["position"].as_i64().unwrap() > saved.body["position"].as_i64().unwrap()
        );
        assert!(submitted.body["submitted_at"]
            .as_str()
            .unwrap()
            .ends_with("+09:00"));

        // Submitted twice: the state forbids it.
        let again = app
            .send(Method::POST, &format!("{path}/submit"), Some(&member), None)
            .await;
        assert_eq!(again.status, 409, "{:?}", again.body);

        // Another applicant cannot see or touch it; staff screen it.
        let stranger = app.applicant("stranger@example.jp").await;
        assert_eq!(
            app.send(Method::GET, &path, Some(&stranger), None)
                .await
                .status,
            404
        );
        let not_staff = app
            .send(
                Method::POST,
                &format!("{path}/screening"),
                Some(&member),
                Some(&json!({"outcome": "eligible"})),
            )
            .await;
        assert_eq!(not_staff.status, 403);
        let screened = app
            .send(
                Method::POST,
                &format!("{path}/screening"),
                Some(&staff),
                Some(&json!({"outcome": "eligible"})),
            )
            .await;
        assert_eq!(screened.status, 200, "{:?}", screened.body);
        assert_eq!(screened.body["status"], "eligible");
    }
);

on_both_backends!(
    bad_round_settings_are_refused_with_the_rule,
    |app: TestApp| async move {
        let staff = app
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        let mut inverted = step_up_round();
        inverted["floor"] = json!(600_000);
        let refused = app
            .send(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&inverted),
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "round.floor_above_cap");
        let mut decimal_rate = step_up_round();
        decimal_rate["pass_ratio"] = json!("0.7");
        let malformed = app
            .send(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&decimal_rate),
            )
            .await;
        assert_eq!(malformed.status, 422);
        let listed = app.get("/api/v1/rounds").await;
        assert_eq!(listed.body, json!([]), "a refused command changed nothing");
        let unknown = app
            .get(&format!("/api/v1/rounds/{}", uuid::Uuid::now_v7()))
            .await;
        assert_eq!(unknown.status, 404);
    }
);
