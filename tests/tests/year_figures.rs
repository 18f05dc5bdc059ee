//! The year's figures (issue 16, item 9) over real HTTP on both backends, checked against a
//! hand-made example: two rounds of this fiscal year, one per course, whose grants go through
//! decisions, payments, settlement (one report returned and corrected), refunds, a withdrawal and a
//! cancellation. Every figure of the API, the CSV and the staff page is compared with numbers
//! written by hand below; then the read model is rebuilt from the log and must give the same.
//!
//! The example (rates 1/1: every group's first grant in its course; advances at the 4/5 cap):
//!
//! ステップアップ:
//! - A1 みどりの会: awarded ¥100,000; advance ¥80,000 paid; report: eligible ¥100,000 less income
//!   ¥30,000 = ¥70,000 finalised, 250 participants; ¥10,000 refunded.
//! - A2 あおぞら子ども会: awarded ¥100,000, then the group withdraws the grant (取下げ).
//! - A3 ひかりの会: submitted, then withdrawn before the decision (an application, no award).
//!
//! スタートアップ:
//! - B1 つばさの会: awarded ¥200,000; advance ¥160,000 paid; a first report with 100 participants
//!   is returned, the corrected one (eligible ¥250,000 less ¥30,000 = ¥220,000, capped at ¥200,000;
//!   120 participants) accepted; the remaining ¥40,000 paid.
//! - B2 さくらの会: awarded ¥150,000; advance ¥120,000 paid; cancelled (取消し) with ¥120,000 to
//!   refund, of which ¥50,000 received so far.
//! - B3 ひかりの会: a draft never submitted (no application in the figures).

use grants_tests::browser::Browser;
use grants_tests::consistency::caught_up;
use grants_tests::scenario::{form, step_up_round, this_fiscal_year, today_jst};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

/// A settlement report: eligible rentals `eligible`, ineligible food ¥8,000, income ¥30,000.
fn report(eligible: i64, participants: i64) -> Value {
    json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 30_000}],
        "expenses": [
            {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": eligible,
             "receipt_date": today_jst(), "receipt_number": "R-001"},
            {"category": "food", "item": "打合せの弁当", "quantity": 10, "unit_price": 800,
             "receipt_date": today_jst(), "receipt_number": "R-002"}
        ],
        "outcomes": "観察会を開いた。",
        "participants": participants,
    })
}

/// One course's (or the year's) figures, in the API's order of fields.
#[allow(clippy::too_many_arguments)]
fn figures(
    applications: i64,
    awards: i64,
    withdrawn: i64,
    cancelled: i64,
    decided: i64,
    paid: i64,
    refunded: i64,
    finalised_grants: i64,
    finalised: i64,
    participants: i64,
) -> Value {
    json!({
        "applications": applications, "awards": awards, "withdrawn": withdrawn,
        "cancelled": cancelled, "decided": decided, "paid": paid, "refunded": refunded,
        "net_paid": paid - refunded, "finalised_grants": finalised_grants,
        "finalised": finalised, "participants": participants,
    })
}

/// The figures written by hand from the example above.
fn expected(year: i32) -> Value {
    // スタートアップ: B1 and B2 submitted and awarded, B2 cancelled; decided ¥200,000 (B1 only);
    // paid 160,000 + 40,000 + 120,000; refunded 50,000; B1 finalised at 200,000 with 120 people.
    let mut start_up = figures(2, 2, 0, 1, 200_000, 320_000, 50_000, 1, 200_000, 120);
    start_up["course"] = json!("スタートアップ");
    // ステップアップ: A1, A2, A3 submitted; A1 and A2 awarded, A2 withdrawn; decided ¥100,000 (A1);
    // paid 80,000; refunded 10,000; A1 finalised at 70,000 with 250 people.
    let mut step_up = figures(3, 2, 1, 0, 100_000, 80_000, 10_000, 1, 70_000, 250);
    step_up["course"] = json!("ステップアップ");
    json!([{
        "fiscal_year": year,
        "courses": [start_up, step_up],
        "total": figures(5, 4, 1, 1, 300_000, 400_000, 60_000, 2, 270_000, 370),
    }])
}

/// A step-up round under another course name.
fn round_of(course: &str, budget: i64) -> Value {
    let mut settings = step_up_round(budget, Duration::seconds(8));
    settings["course"] = json!(course);
    settings["title"] = json!(format!("市民公益活動事業費補助金（{course}）"));
    settings
}

on_both_backends!(
    the_years_figures_match_the_hand_made_example,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let staff = cast.staff.clone();
        let names = [
            "みどりの会",
            "あおぞら子ども会",
            "ひかりの会",
            "つばさの会",
            "さくらの会",
        ];
        let mut members = Vec::new();
        let mut groups = Vec::new();
        for (n, name) in names.iter().enumerate() {
            let member = app.applicant(&format!("member{n}@example.jp")).await;
            groups.push(app.register_group(&member, name).await);
            members.push(member);
        }

        let step_up = app
            .open_round(&cast, &round_of("ステップアップ", 2_000_000))
            .await;
        let start_up = app
            .open_round(&cast, &round_of("スタートアップ", 1_000_000))
            .await;

        // Applications: A1, A2 (step-up), B1, B2 (start-up) eligible and scored.
        let mut eligible = Vec::new();
        for (n, round, amount) in [
            (0, &step_up, 100_000),
            (1, &step_up, 100_000),
            (3, &start_up, 200_000),
            (4, &start_up, 150_000),
        ] {
            let (id, max) = app
                .eligible_application(
                    &cast,
                    &members[n],
                    round,
                    &groups[n],
                    &form(amount, 0, amount),
                )
                .await;
            assert_eq!(max, amount);
            app.score(&cast, &id, &[45], &[]).await;
            eligible.push(id);
        }
        // A3: submitted, then withdrawn by the group. B3: a draft only.
        let mut draft = form(100_000, 0, 100_000);
        draft["round_id"] = json!(step_up);
        draft["group_id"] = json!(groups[2]);
        let a3 = app
            .call(
                Method::POST,
                "/api/v1/applications",
                &members[2],
                Some(&draft),
                201,
            )
            .await;
        let a3 = a3["id"].as_str().unwrap().to_owned();
        app.call(
            Method::POST,
            &format!("/api/v1/applications/{a3}/submit"),
            &members[2],
            None,
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("/api/v1/applications/{a3}/withdraw"),
            &members[2],
            Some(&json!({"reason": "会の都合"})),
            200,
        )
        .await;
        draft["round_id"] = json!(start_up);
        app.call(
            Method::POST,
            "/api/v1/applications",
            &members[2],
            Some(&draft),
            201,
        )
        .await;

        app.close_and_rank(&cast, &step_up).await;
        app.close_and_rank(&cast, &start_up).await;
        let a1 = app.award(&cast, &step_up, &eligible[0], 100_000).await;
        let a2 = app.award(&cast, &step_up, &eligible[1], 100_000).await;
        let b1 = app.award(&cast, &start_up, &eligible[2], 200_000).await;
        let b2 = app.award(&cast, &start_up, &eligible[3], 150_000).await;

        let grant = |id: &str| format!("/api/v1/grants/{id}");
        let advance = |member: &str, id: &str, amount: i64| {
            let (app, staff) = (&app, &staff);
            let (member, path) = (member.to_owned(), grant(id));
            async move {
                app.call(
                    Method::POST,
                    &format!("{path}/advance-requests"),
                    &member,
                    Some(&json!({"amount": amount})),
                    201,
                )
                .await;
                let payment = json!({"amount": amount, "paid_on": today_jst(), "kind": "advance"});
                app.call(
                    Method::POST,
                    &format!("{path}/payments"),
                    staff,
                    Some(&payment),
                    201,
                )
                .await;
            }
        };
        let submit_report = |member: &str, id: &str, report: Value| {
            let app = &app;
            let (member, path) = (member.to_owned(), grant(id));
            async move {
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
            }
        };
        let review = |id: &str, body: Value| {
            let (app, staff, path) = (&app, &staff, grant(id));
            async move {
                app.call(
                    Method::POST,
                    &format!("{path}/settlement-report/review"),
                    staff,
                    Some(&body),
                    200,
                )
                .await
            }
        };

        // A1: advance 80,000; finalised 70,000; 10,000 refunded.
        advance(&members[0], &a1, 80_000).await;
        submit_report(&members[0], &a1, report(100_000, 250)).await;
        let finalised = review(&a1, json!({"outcome": "accepted"})).await;
        assert_eq!(finalised["finalised_amount"], 70_000);
        assert_eq!(finalised["refund_due"], 10_000);
        app.call(
            Method::POST,
            &format!("{}/refunds", grant(&a1)),
            &staff,
            Some(&json!({"amount": 10_000, "received_on": today_jst()})),
            201,
        )
        .await;

        // A2: withdrawn by the group.
        app.call(
            Method::POST,
            &format!("{}/withdraw", grant(&a2)),
            &members[1],
            None,
            200,
        )
        .await;

        // B1: advance 160,000; a report returned, the corrected one finalised at 200,000; 40,000
        // paid.
        advance(&members[3], &b1, 160_000).await;
        submit_report(&members[3], &b1, report(250_000, 100)).await;
        review(
            &b1,
            json!({"outcome": "returned", "reason": "参加者数を確認してください"}),
        )
        .await;
        submit_report(&members[3], &b1, report(250_000, 120)).await;
        let finalised = review(&b1, json!({"outcome": "accepted"})).await;
        assert_eq!(finalised["finalised_amount"], 200_000);
        assert_eq!(finalised["payable"], 40_000);
        let last = json!({"amount": 40_000, "paid_on": today_jst(), "kind": "final"});
        app.call(
            Method::POST,
            &format!("{}/payments", grant(&b1)),
            &staff,
            Some(&last),
            201,
        )
        .await;

        // B2: advance 120,000; cancelled with all of it to refund; 50,000 received.
        advance(&members[4], &b2, 120_000).await;
        app.call(
            Method::POST,
            &format!("{}/cancellation", grant(&b2)),
            &staff,
            Some(&json!({"reason": "目的外使用", "refund_amount": 120_000})),
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("{}/refunds", grant(&b2)),
            &staff,
            Some(&json!({"amount": 50_000, "received_on": today_jst()})),
            201,
        )
        .await;

        caught_up(&app.client, &app.address).await;
        let year = this_fiscal_year();
        let expected = expected(year);

        // The API: every year, and the one year asked for; a year without rounds has no figures.
        let auditor = app
            .account_with_role("auditor", "auditor@city.example.jp")
            .await;
        let all = app
            .call(Method::GET, "/api/v1/figures", &auditor, None, 200)
            .await;
        assert_eq!(all, expected);
        let one = app
            .call(
                Method::GET,
                &format!("/api/v1/figures?fiscal_year={year}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(one, expected);
        let none = app
            .call(
                Method::GET,
                &format!("/api/v1/figures?fiscal_year={}", year - 1),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(none, json!([]));
        // Applicants do not read the city's figures.
        let refused = app
            .send(Method::GET, "/api/v1/figures", Some(&members[0]), None)
            .await;
        assert_eq!(refused.status, 403);

        // The CSV: the same numbers, one line per course and the year's total.
        let response = app
            .client
            .get(app.url(&format!("/api/v1/figures.csv?fiscal_year={year}")))
            .bearer_auth(&staff)
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = response.text().await.expect("the CSV");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            vec![
                "年度,コース,申請件数,採択件数,うち取下げ,うち取消し,交付決定額,支払額,返還額,差引支出額,確定件数,確定額,参加者数",
                &format!("{year},スタートアップ,2,2,0,1,200000,320000,50000,270000,1,200000,120"),
                &format!("{year},ステップアップ,3,2,1,0,100000,80000,10000,70000,1,70000,250"),
                &format!("{year},合計,5,4,1,1,300000,400000,60000,340000,2,270000,370"),
            ]
        );

        // The staff page: amounts in yen with separators, the note, the CSV links.
        let browser = Browser::new(&app);
        browser.sign_in("staff@city.example.jp").await;
        let page = browser.get("/staff/figures").await;
        assert_eq!(page.status, 200, "{}", page.html);
        let heading = format!("{year}年度（令和{}年度）", year - 2018);
        for shown in [
            heading.as_str(),
            "スタートアップ",
            "ステップアップ",
            "¥300,000",
            "¥400,000",
            "¥340,000",
            "¥270,000",
            "370人",
            "集計の考え方",
            "href=\"/staff/figures.csv\"",
        ] {
            assert!(page.html.contains(shown), "{shown}");
        }
        assert!(page.html.contains("href=\"/staff/figures\""), "in the menu");
        let download = browser
            .get(&format!("/staff/figures.csv?fiscal_year={year}"))
            .await;
        assert_eq!(download.status, 200);
        assert_eq!(
            download.html.trim_start_matches('\u{feff}'),
            csv.trim_start_matches('\u{feff}')
        );

        // A rebuild from the log gives the same figures: the whole log in one batch, then in
        // batches of three that cross every boundary (an award and its grant's events apart).
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .expect("the database");
        for batch in [5_000, 3] {
            let runner = grants_app::state::projection_runner(db.clone()).rebuild_batch_size(batch);
            runner
                .rebuild(grants_projections::year_figures::NAME)
                .await
                .expect("a rebuild");
            let rebuilt = grants_projections::year_figures::figures(&db, None)
                .await
                .expect("the figures");
            assert_eq!(serde_json::to_value(rebuilt).unwrap(), expected);
        }
    }
);
