//! The grant read over HTTP, on both backends: `GET /api/v1/grants/{id}` lists the grant's payments
//! and refunds and its change requests with staff's decisions (an extension of api.md's grant
//! read), and refusals name their field, on domain.md's third worked example (286,000 decided, 228,800 advanced, 165,000
//! finalised, 63,800 refunded).

use grants_tests::scenario::{form, step_up_round, today_jst, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;
use time::Duration;

/// A budget of one rentals line of `total_cost` yen and 30,000 yen of participant fees.
fn budget(total_cost: i64) -> serde_json::Value {
    json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 30_000}],
        "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": total_cost}],
    })
}

on_both_backends!(
    the_grant_read_lists_payments_refunds_and_change_requests,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let mut settings = step_up_round(2_000_000, SHORT_WINDOW);
        settings["rate_schedule"] = json!(["3/4", "1/2"]);
        let round = app.open_round(&cast, &settings).await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let application_form = form(412_345, 30_000, 286_000);
        let (application, _) = app
            .eligible_application(&cast, &member, &round, &group, &application_form)
            .await;
        app.score(&cast, &application, &[45], &[]).await;
        app.close_and_rank(&cast, &round).await;
        let grant = app.award(&cast, &round, &application, 286_000).await;
        let path = format!("/api/v1/grants/{grant}");

        let fresh = app.call(Method::GET, &path, &member, None, 200).await;
        assert_eq!(fresh["payments"], json!([]));
        assert_eq!(fresh["change_requests"], json!([]));

        // A minor change (a cut within 1/5) and one that needs approval, which staff reject.
        let period = application_form["period"].clone();
        let minor = app
            .call(
                Method::POST,
                &format!("{path}/change-requests"),
                &member,
                Some(&json!({"reason": "会場の使用料が下がったため", "budget": budget(400_000), "period": period})),
                201,
            )
            .await;
        let big = app
            .call(
                Method::POST,
                &format!("{path}/change-requests"),
                &member,
                Some(&json!({"reason": "回数を半分にするため", "budget": budget(200_000), "period": period})),
                201,
            )
            .await;
        app.call(
            Method::POST,
            &format!(
                "{path}/change-requests/{}/decision",
                big["change_request_id"].as_str().unwrap()
            ),
            &cast.staff,
            Some(&json!({"approved": false, "reason": "事業の目的が果たせないため"})),
            200,
        )
        .await;

        // Refusals name the field of the body they concern (Problem.field).
        let refused = app
            .call(
                Method::POST,
                &format!("{path}/advance-requests"),
                &member,
                Some(&json!({"amount": 228_801})),
                422,
            )
            .await;
        assert_eq!(refused["code"], "grant.advance_above_cap");
        assert_eq!(refused["field"], "amount");
        // A value the body cannot hold names the top-level field it sits in.
        let refused = app
            .call(
                Method::POST,
                &format!("{path}/advance-requests"),
                &member,
                Some(&json!({"amount": 2_000_000_000_000_i64})),
                422,
            )
            .await;
        assert_eq!(refused["code"], "request.invalid_field");
        assert_eq!(refused["field"], "amount");
        let undated = json!({"expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1,
            "unit_price": 1_000, "receipt_date": "", "receipt_number": "R-1"}]});
        let refused = app
            .call(
                Method::PUT,
                &format!("{path}/settlement-report"),
                &member,
                Some(&undated),
                422,
            )
            .await;
        assert_eq!(refused["code"], "request.invalid_field");
        assert_eq!(refused["field"], "expenses");
        let tomorrow = (time::OffsetDateTime::now_utc().to_offset(grants_domain::JST)
            + Duration::days(1))
        .date()
        .to_string();
        let refused = app
            .call(
                Method::POST,
                &format!("{path}/payments"),
                &cast.staff,
                Some(&json!({"amount": 1_000, "paid_on": tomorrow, "kind": "advance"})),
                422,
            )
            .await;
        assert_eq!(refused["code"], "grant.date_in_future");
        assert_eq!(refused["field"], "paid_on");
        let reversed = json!({"start": period["end"], "end": period["start"]});
        let refused = app
            .call(
                Method::POST,
                &format!("{path}/change-requests"),
                &member,
                Some(
                    &json!({"reason": "日程の変更", "budget": budget(400_000), "period": reversed}),
                ),
                422,
            )
            .await;
        assert_eq!(refused["field"], "period", "{refused}");

        // The advance at the 4/5 cap, the report (250,000 spent), the finalisation and the refund.
        let today = today_jst();
        app.call(
            Method::POST,
            &format!("{path}/payments"),
            &cast.staff,
            Some(&json!({"amount": 228_800, "paid_on": today, "kind": "advance"})),
            201,
        )
        .await;
        let report = json!({
            "income": [{"kind": "project_income", "description": "参加費", "amount": 30_000}],
            "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 250_000,
                          "receipt_date": today, "receipt_number": "R-001"}],
            "outcomes": "全5回の観察会を開いた。",
            "participants": 120,
        });
        app.call(
            Method::PUT,
            &format!("{path}/settlement-report"),
            &member,
            Some(&report),
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("{path}/settlement-report/submit"),
            &member,
            None,
            200,
        )
        .await;
        let reviewed = app
            .call(
                Method::POST,
                &format!("{path}/settlement-report/review"),
                &cast.staff,
                Some(&json!({"outcome": "accepted"})),
                200,
            )
            .await;
        assert_eq!(reviewed["finalised_amount"], 165_000, "worked example 3");
        assert_eq!(reviewed["refund_due"], 63_800);
        // The refund's 納期限: 30 days after the review (JST), in the read while it is outstanding.
        let due_on = grants_domain::fiscal_year::jst_date(time::OffsetDateTime::now_utc())
            + Duration::days(30);
        assert_eq!(reviewed["refund_due_on"], due_on.to_string());
        app.call(
            Method::POST,
            &format!("{path}/refunds"),
            &cast.staff,
            Some(&json!({"amount": 63_800, "received_on": today})),
            201,
        )
        .await;

        for reader in [&member, &cast.staff] {
            let read = app.call(Method::GET, &path, reader, None, 200).await;
            assert_eq!(read["status"], "closed");
            assert_eq!(read["paid_total"], 165_000);
            assert_eq!(read["refund_due_on"], json!(null), "received in full");
            assert_eq!(
                read["payments"],
                json!([
                    {"kind": "advance", "amount": 228_800, "date": today},
                    {"kind": "refund", "amount": 63_800, "date": today},
                ])
            );
            let changes = read["change_requests"].as_array().expect("a list");
            assert_eq!(changes.len(), 2, "{changes:?}");
            assert_eq!(changes[0]["change_request_id"], minor["change_request_id"]);
            assert_eq!(changes[0]["status"], "notified");
            assert_eq!(changes[0]["reason"], "会場の使用料が下がったため");
            assert_eq!(changes[0]["total_cost_before"], 412_345);
            assert_eq!(changes[0]["total_cost_after"], 400_000);
            assert_eq!(changes[0]["period"], period);
            assert_eq!(changes[0]["decision"], json!(null));
            assert!(changes[0]["requested_at"]
                .as_str()
                .unwrap()
                .ends_with("+09:00"));
            assert_eq!(changes[1]["change_request_id"], big["change_request_id"]);
            assert_eq!(changes[1]["status"], "rejected");
            assert_eq!(changes[1]["total_cost_before"], 400_000);
            assert_eq!(changes[1]["total_cost_after"], 200_000);
            assert_eq!(changes[1]["decision"]["approved"], false);
            assert_eq!(
                changes[1]["decision"]["reason"],
                "事業の目的が果たせないため"
            );
            assert_eq!(changes[1]["decision"]["decided_amount"], json!(null));
        }
    }
);
