//! Committee, conflict of interest, sealed scores, ranking and the award decision over real HTTP.

use grants_tests::scenario::SHORT_WINDOW;
use grants_tests::{on_both_backends, TestApp, TEST_PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn instant(offset: Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap()
}

fn round(closes_in: Duration) -> Value {
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
    json!({
        "fiscal_year": 2026, "course": "はじめの一歩", "title": "はじめの一歩", "description": "",
        "budget": 300_000, "cap": 100_000, "floor": 0, "rate_schedule": ["1/1"], "rounding_unit": 1_000,
        "max_grants_per_group": 2, "opens_at": instant(Duration::hours(-1)), "closes_at": instant(closes_in),
        "criteria": criteria, "pass_ratio": "7/10", "advance_cap_ratio": "4/5",
        "change_threshold_ratio": "1/5", "settlement_days": 30,
    })
}

fn scores(points: u32) -> Value {
    json!({"scores": {"public_benefit": points, "civic": points, "growth": points, "feasibility": points, "independence": points}, "comment": "良い計画"})
}

on_both_backends!(
    reviewers_score_staff_rank_and_decide,
    |app: TestApp| async move {
        let staff = app
            .account_with_role("staff", "staff@city.example.jp")
            .await;

        // The accounts first (signing in hashes passwords, slow on a busy machine), so that the
        // round's short window is not spent before the draft is made.
        let mut reviewers = Vec::new();
        let mut reviewer_ids = Vec::new();
        for n in 0..3 {
            let email = format!("rev{n}@example.jp");
            let body = json!({"email": email, "password": TEST_PASSWORD, "display_name": format!("委員{n}"), "role": "reviewer"});
            let user = app
                .send(Method::POST, "/api/v1/users", Some(&staff), Some(&body))
                .await;
            reviewer_ids.push(user.body["id"].clone());
            reviewers.push(app.sign_in(&email, TEST_PASSWORD).await);
        }

        let member = app.applicant("member@example.jp").await;
        let group = json!({"name": "みどりの会", "registration_number": "42", "representative_name": "代表 太郎",
        "address": "本町1", "phone": "0564-00-0000", "email": "midori@example.jp", "founded_on": "2019-05-01",
        "member_count": 12, "resident_member_count": 8, "purpose": "公園の緑化"});
        let group_id = app
            .send(Method::POST, "/api/v1/groups", Some(&member), Some(&group))
            .await
            .body["id"]
            .clone();
        let created = app
            .send(
                Method::POST,
                "/api/v1/rounds",
                Some(&staff),
                Some(&round(SHORT_WINDOW)),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let round_id = created.body["id"].as_str().unwrap().to_owned();
        for reviewer_id in &reviewer_ids {
            let appointed = app
                .send(
                    Method::POST,
                    &format!("/api/v1/rounds/{round_id}/committee"),
                    Some(&staff),
                    Some(&json!({"reviewer_id": reviewer_id})),
                )
                .await;
            assert_eq!(appointed.status, 200, "{:?}", appointed.body);
        }
        let draft = json!({"round_id": round_id, "group_id": group_id, "title": "こども自然教室", "summary": "観察会",
        "purpose": "自然体験", "beneficiaries": "小学生", "period": {"start": "2026-06-01", "end": "2027-02-28"},
        "budget": {"income": [], "expenses": [{"category": "printing", "item": "チラシ", "quantity": 1000, "unit_price": 90}]},
        "requested_amount": 90_000});
        let application = app
            .send(
                Method::POST,
                "/api/v1/applications",
                Some(&member),
                Some(&draft),
            )
            .await;
        assert_eq!(application.status, 201, "{:?}", application.body);
        let id = application.body["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/applications/{id}");
        assert_eq!(
            app.send(Method::POST, &format!("{path}/submit"), Some(&member), None)
                .await
                .status,
            200
        );
        let eligible = app
            .send(
                Method::POST,
                &format!("{path}/screening"),
                Some(&staff),
                Some(&json!({"outcome": "eligible"})),
            )
            .await;
        assert_eq!(eligible.status, 200, "{:?}", eligible.body);

        // Rule 4: scoring needs a declaration first; a conflicted reviewer cannot score.
        let undeclared = app
            .send(
                Method::PUT,
                &format!("{path}/my-review"),
                Some(&reviewers[0]),
                Some(&scores(8)),
            )
            .await;
        assert_eq!(undeclared.status, 409, "{:?}", undeclared.body);
        let conflicted = app
            .send(
                Method::POST,
                &format!("{path}/conflict-declaration"),
                Some(&reviewers[2]),
                Some(&json!({"conflict": true, "note": "団体の役員と親族"})),
            )
            .await;
        assert_eq!(conflicted.status, 200, "{:?}", conflicted.body);
        // A conflicted reviewer no longer sees the application; the others still do.
        let hidden = app
            .send(Method::GET, &path, Some(&reviewers[2]), None)
            .await;
        assert_eq!(hidden.status, 404);
        let shown = app
            .send(Method::GET, &path, Some(&reviewers[0]), None)
            .await;
        assert_eq!(shown.status, 200);
        let refused = app
            .send(
                Method::PUT,
                &format!("{path}/my-review"),
                Some(&reviewers[2]),
                Some(&scores(8)),
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        for (reviewer, points) in reviewers[..2].iter().zip([8, 9]) {
            let declared = app
                .send(
                    Method::POST,
                    &format!("{path}/conflict-declaration"),
                    Some(reviewer),
                    Some(&json!({"conflict": false})),
                )
                .await;
            assert_eq!(declared.status, 200, "{:?}", declared.body);
            let out_of_range = app
                .send(
                    Method::PUT,
                    &format!("{path}/my-review"),
                    Some(reviewer),
                    Some(&scores(11)),
                )
                .await;
            assert_eq!(out_of_range.status, 422);
            assert_eq!(
                app.send(
                    Method::PUT,
                    &format!("{path}/my-review"),
                    Some(reviewer),
                    Some(&scores(points))
                )
                .await
                .status,
                200
            );
            let sealed = app
                .send(
                    Method::POST,
                    &format!("{path}/my-review/submit"),
                    Some(reviewer),
                    None,
                )
                .await;
            assert_eq!(sealed.status, 200, "{:?}", sealed.body);
            assert_eq!(sealed.body["total"], points * 5);
        }
        // Sealed: reviewers do not see the ranking until staff close scoring.
        let early = app
            .send(
                Method::GET,
                &format!("/api/v1/rounds/{round_id}/ranking"),
                Some(&reviewers[0]),
                None,
            )
            .await;
        assert_eq!(early.status, 404);

        app.until_closed(&staff, &round_id).await;
        let closed = app
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round_id}/scoring/close"),
                Some(&staff),
                None,
            )
            .await;
        assert_eq!(closed.status, 200, "{:?}", closed.body);
        let fixed = app
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round_id}/ranking"),
                Some(&staff),
                None,
            )
            .await;
        assert_eq!(fixed.status, 200, "{:?}", fixed.body);
        // 40 + 45, the conflicted slot filled with trunc(85 / 2) = 42: total 127 of 150, above 7/10.
        assert_eq!(fixed.body["rows"][0]["total"], 127);
        assert_eq!(fixed.body["rows"][0]["outcome"], "adopted");
        let seen = app
            .send(
                Method::GET,
                &format!("/api/v1/rounds/{round_id}/ranking"),
                Some(&reviewers[0]),
                None,
            )
            .await;
        assert_eq!(seen.status, 200);

        // Rule 6: more than requested is refused and nothing is decided; then the award.
        let too_much = json!({"awards": [{"application_id": id, "amount": 91_000, "completion_deadline": "2027-02-28"}]});
        let refused = app
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round_id}/decisions"),
                Some(&staff),
                Some(&too_much),
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        let award = json!({"awards": [{"application_id": id, "amount": 90_000, "conditions": "成果報告会を開くこと", "completion_deadline": "2027-02-28"}]});
        let decided = app
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round_id}/decisions"),
                Some(&staff),
                Some(&award),
            )
            .await;
        assert_eq!(decided.status, 200, "{:?}", decided.body);
        let grant = &decided.body["grants"][0];
        assert!(grant["notice_number"].as_str().unwrap().contains("市協"));
        let awarded = app.send(Method::GET, &path, Some(&member), None).await;
        assert_eq!(awarded.body["status"], "awarded");
        assert_eq!(awarded.body["grant_id"], grant["grant_id"]);
        let grant_path = format!("/api/v1/grants/{}", grant["grant_id"].as_str().unwrap());
        let read = app
            .send(Method::GET, &grant_path, Some(&member), None)
            .await;
        assert_eq!(read.status, 200, "{:?}", read.body);
        assert_eq!(read.body["status"], "decided");
        assert_eq!(read.body["decided_amount"], 90_000);
        assert_eq!(read.body["paid_total"], 0);
        assert_eq!(
            app.send(Method::GET, &grant_path, Some(&reviewers[0]), None)
                .await
                .status,
            404
        );
        let round_now = app.get(&format!("/api/v1/rounds/{round_id}")).await;
        assert_eq!(round_now.body["remaining_budget"], 210_000);
        let twice = app
            .send(
                Method::POST,
                &format!("/api/v1/rounds/{round_id}/decisions"),
                Some(&staff),
                Some(&award),
            )
            .await;
        assert_eq!(twice.status, 409, "{:?}", twice.body);
    }
);
