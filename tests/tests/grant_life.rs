//! The whole life of two grants over real HTTP, asserted to the yen against domain.md's worked
//! examples: a second step-up grant (rate 3/4) of 286,000 yen, an advance of 228,800 at the 4/5 cap,
//! then one settlement finalised at 240,000 with 11,200 payable and one at 165,000 with 63,800 to
//! refund; both close. The ranking total with one conflicted reviewer of five is 196.

use grants_tests::scenario::{form, step_up_round, today_jst, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

fn report(eligible_expenses: i64) -> Value {
    json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 30_000}],
        "expenses": [
            {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": eligible_expenses,
             "receipt_date": today_jst(), "receipt_number": "R-001"},
            {"category": "food", "item": "打合せの弁当", "quantity": 10, "unit_price": 800,
             "receipt_date": today_jst(), "receipt_number": "R-002"}
        ],
        "outcomes": "全10回の観察会に延べ250人が参加した。",
        "participants": 250,
    })
}

on_both_backends!(
    two_grants_live_their_whole_life,
    |app: TestApp| async move {
        let cast = app.cast(5).await;
        let staff = cast.staff.clone();
        let members = [
            app.applicant("first@example.jp").await,
            app.applicant("second@example.jp").await,
        ];
        let groups = [
            app.register_group(&members[0], "みどりの会").await,
            app.register_group(&members[1], "あおぞら子ども会").await,
        ];

        // Round 1: each group's first step-up grant, at rate 1/1.
        let first = app
            .open_round(&cast, &step_up_round(2_000_000, SHORT_WINDOW))
            .await;
        let mut firsts = Vec::new();
        for (member, group) in members.iter().zip(&groups) {
            let (id, max) = app
                .eligible_application(&cast, member, &first, group, &form(100_000, 0, 100_000))
                .await;
            assert_eq!(max, 100_000);
            app.score(&cast, &id, &[40, 40, 40, 40, 40], &[]).await;
            firsts.push(id);
        }
        app.close_and_rank(&cast, &first).await;
        for id in &firsts {
            app.award(&cast, &first, id, 100_000).await;
        }

        // Round 2: the second grant is at 3/4: 3/4 x (412,345 - 30,000) = 286,758.75 -> 286,000.
        let second = app
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        let mut applications = Vec::new();
        for (member, group) in members.iter().zip(&groups) {
            let (id, max) = app
                .eligible_application(
                    &cast,
                    member,
                    &second,
                    group,
                    &form(412_345, 30_000, 286_000),
                )
                .await;
            assert_eq!(max, 286_000, "worked example 1");
            // Five reviewers, the fifth conflicted: 40 + 37 + 42 + 38 + trunc(39.25) = 196.
            app.score(&cast, &id, &[40, 37, 42, 38, 0], &[4]).await;
            applications.push(id);
        }
        let ranking = app.close_and_rank(&cast, &second).await;
        assert_eq!(ranking["rows"][0]["total"], 196, "worked example 4");
        assert_eq!(ranking["rows"][1]["total"], 196);
        let grants = [
            app.award(&cast, &second, &applications[0], 286_000).await,
            app.award(&cast, &second, &applications[1], 286_000).await,
        ];

        for (n, grant) in grants.iter().enumerate() {
            let member = &members[n];
            let path = format!("/api/v1/grants/{grant}");
            // Rule 7: advances up to 4/5 of the decided amount: 228,800, not a yen more.
            let over = app
                .send(
                    Method::POST,
                    &format!("{path}/advance-requests"),
                    Some(member),
                    Some(&json!({"amount": 228_801})),
                )
                .await;
            assert_eq!(over.status, 422, "{:?}", over.body);
            assert_eq!(over.body["code"], "grant.advance_above_cap");
            app.call(
                Method::POST,
                &format!("{path}/advance-requests"),
                member,
                Some(&json!({"amount": 228_800})),
                201,
            )
            .await;
            let payment = json!({"amount": 228_800, "paid_on": today_jst(), "kind": "advance"});
            let paid = app
                .call(
                    Method::POST,
                    &format!("{path}/payments"),
                    &staff,
                    Some(&payment),
                    201,
                )
                .await;
            assert_eq!(paid["paid_total"], 228_800, "worked example 2: advance");
            assert_eq!(paid["status"], "in_progress");
            // Only staff record payments.
            let refused = app
                .send(
                    Method::POST,
                    &format!("{path}/payments"),
                    Some(member),
                    Some(&payment),
                )
                .await;
            assert_eq!(refused.status, 403);
        }

        // Grant 1: actual eligible 350,000 -> 3/4 x 320,000 = 240,000 finalised, 11,200 payable.
        let path = format!("/api/v1/grants/{}", grants[0]);
        let before_settlement = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        app.call(
            Method::PUT,
            &format!("{path}/settlement-report"),
            &members[0],
            Some(&report(350_000)),
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("{path}/settlement-report/submit"),
            &members[0],
            None,
            200,
        )
        .await;
        let finalised = app
            .call(
                Method::POST,
                &format!("{path}/settlement-report/review"),
                &staff,
                Some(&json!({"outcome": "accepted"})),
                200,
            )
            .await;
        assert_eq!(finalised["finalised_amount"], 240_000, "worked example 2");
        assert_eq!(finalised["payable"], 11_200, "worked example 2");
        assert_eq!(finalised["refund_due"], 0);
        let too_much = json!({"amount": 11_201, "paid_on": today_jst(), "kind": "final"});
        assert_eq!(
            app.send(
                Method::POST,
                &format!("{path}/payments"),
                Some(&staff),
                Some(&too_much)
            )
            .await
            .status,
            422
        );
        let last = json!({"amount": 11_200, "paid_on": today_jst(), "kind": "final"});
        let closed = app
            .call(
                Method::POST,
                &format!("{path}/payments"),
                &staff,
                Some(&last),
                201,
            )
            .await;
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["paid_total"], 240_000);

        // Grant 2: actual eligible 250,000 -> 3/4 x 220,000 = 165,000 finalised, 63,800 to refund.
        let path = format!("/api/v1/grants/{}", grants[1]);
        app.call(
            Method::PUT,
            &format!("{path}/settlement-report"),
            &members[1],
            Some(&report(250_000)),
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("{path}/settlement-report/submit"),
            &members[1],
            None,
            200,
        )
        .await;
        let finalised = app
            .call(
                Method::POST,
                &format!("{path}/settlement-report/review"),
                &staff,
                Some(&json!({"outcome": "accepted"})),
                200,
            )
            .await;
        assert_eq!(finalised["finalised_amount"], 165_000, "worked example 3");
        assert_eq!(finalised["refund_due"], 63_800, "worked example 3");
        assert_eq!(finalised["status"], "refund_due");
        let refund = json!({"amount": 63_800, "received_on": today_jst()});
        let closed = app
            .call(
                Method::POST,
                &format!("{path}/refunds"),
                &staff,
                Some(&refund),
                201,
            )
            .await;
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["paid_total"], 165_000);

        // An auditor's replay as of the moment before the settlement shows the grant as it stood: the
        // advance paid, nothing finalised; now it shows the grant closed at 240,000.
        let auditor = app
            .account_with_role("auditor", "auditor@city.example.jp")
            .await;
        let as_of = |instant: String| {
            format!(
                "/api/v1/audit/applications/{}?as_of={}",
                applications[0],
                instant.replace('+', "%2B")
            )
        };
        let then = app
            .call(Method::GET, &as_of(before_settlement), &auditor, None, 200)
            .await;
        assert_eq!(then["grant"]["status"], "in_progress");
        assert_eq!(then["grant"]["paid_total"], 228_800);
        assert!(then["grant"]["finalised_amount"].is_null());
        let now = app
            .call(
                Method::GET,
                &as_of(grants_tests::scenario::instant(Duration::seconds(1))),
                &auditor,
                None,
                200,
            )
            .await;
        assert_eq!(now["grant"]["status"], "closed");
        assert_eq!(now["grant"]["finalised_amount"], 240_000);
        assert_eq!(now["application"]["max_amount"], 286_000);

        // The round's budget got back what finalisation did not use: (286,000 - 240,000) + (286,000 - 165,000).
        let round = app.get(&format!("/api/v1/rounds/{second}")).await;
        assert_eq!(
            round.body["remaining_budget"],
            1_000_000 - 240_000 - 165_000
        );
        // Another group's member cannot read the grant at all.
        let other = app
            .send(
                Method::GET,
                &format!("/api/v1/grants/{}", grants[0]),
                Some(&members[1]),
                None,
            )
            .await;
        assert_eq!(other.status, 404);
    }
);
