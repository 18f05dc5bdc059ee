//! Notice numbers (交付決定通知書の文書番号) as the city numbers its documents, on both backends:
//! the fiscal year's decisions counted from 1 across rounds, `令和N年度市協第1号` with no id
//! fragment, never two grants with one number even when two rounds decide at the same moment; the
//! number the decision answers is the grant's; the prefix is a setting.

use grants_tests::scenario::{form, step_up_round, this_fiscal_year, SHORT_WINDOW};
use grants_tests::{on_both_backends, spawn_app_with, Backend, TestApp};
use reqwest::Method;
use serde_json::json;

/// The fiscal year as the city writes it: 令和8 for 2026.
fn era() -> String {
    let year = this_fiscal_year();
    match year - 2018 {
        1 => "令和元".to_owned(),
        n => format!("令和{n}"),
    }
}

/// Two rounds of this fiscal year, each with one ranked application, decided at the same moment;
/// answers the two decisions' notice numbers and the grants' ids.
async fn two_rounds_decided_at_once(app: &TestApp) -> Vec<(String, String)> {
    let cast = app.cast(1).await;
    let mut ready = Vec::new();
    for n in 1..=2 {
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        let member = app.applicant(&format!("member{n}@example.jp")).await;
        let group = app.register_group(&member, &format!("会{n}")).await;
        let (application, _) = app
            .eligible_application(&cast, &member, &round, &group, &form(200_000, 0, 200_000))
            .await;
        app.score(&cast, &application, &[45], &[]).await;
        ready.push((round, application));
    }
    for (round, _) in &ready {
        app.close_and_rank(&cast, round).await;
    }
    let decide = |(round, application): &(String, String)| {
        let body = json!({"awards": [{"application_id": application, "amount": 200_000,
            "conditions": "", "completion_deadline": grants_tests::scenario::fiscal_year_end()}]});
        let path = format!("/api/v1/rounds/{round}/decisions");
        let staff = cast.staff.clone();
        async move {
            app.call(Method::POST, &path, &staff, Some(&body), 200)
                .await
        }
    };
    let (first, second) = tokio::join!(decide(&ready[0]), decide(&ready[1]));
    [first, second]
        .iter()
        .map(|decided| {
            let grant = &decided["grants"][0];
            (
                grant["notice_number"].as_str().unwrap().to_owned(),
                grant["grant_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn numbered_by_the_fiscal_year(app: TestApp, prefix: &str) {
    let decided = two_rounds_decided_at_once(&app).await;
    let mut numbers: Vec<String> = decided.iter().map(|(number, _)| number.clone()).collect();
    numbers.sort();
    let era = era();
    assert_eq!(
        numbers,
        vec![
            format!("{era}年度{prefix}第1号"),
            format!("{era}年度{prefix}第2号")
        ],
        "sequential within the fiscal year across rounds, no id fragment"
    );
    // The grant records the number the decision answered.
    let staff = app
        .account_with_role("staff", "clerk@city.example.jp")
        .await;
    for (number, grant) in &decided {
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/grants/{grant}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(read["notice_number"], number.as_str());
    }
}

on_both_backends!(
    notice_numbers_count_the_fiscal_year_across_rounds,
    |app: TestApp| async move { numbered_by_the_fiscal_year(app, "市協").await }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prefix_is_a_setting_on_sqlite() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.notice_prefix = "岡市協".into()
    })
    .await;
    numbered_by_the_fiscal_year(app, "岡市協").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prefix_is_a_setting_on_postgres() {
    let app = spawn_app_with(Backend::Postgres, |config| {
        config.notice_prefix = "岡市協".into()
    })
    .await;
    numbered_by_the_fiscal_year(app, "岡市協").await;
}

/// Sixteen grants numbered at once, and one grant asked for four times at once: the register hands
/// out 1 to 16 with no gap and no number twice, and the grant asked four times has one number.
async fn numbers_asked_at_once_take_turns(app: TestApp) {
    use grants_app::notice::assign;
    use grants_domain::{FiscalYear, GrantId};
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let gate = grants_projections::WriteGate::for_pool(&db);
    // A fiscal year no decision of the test's service uses.
    let year = FiscalYear::new(2040).unwrap();
    let grants: Vec<GrantId> = (0..16).map(|_| GrantId::new()).collect();
    let mut asked: Vec<GrantId> = grants.clone();
    asked.extend([grants[0]; 3]);
    let tasks: Vec<_> = asked
        .iter()
        .map(|grant| {
            let (db, gate, grant) = (db.clone(), gate.clone(), *grant);
            tokio::spawn(async move { assign(&db, &gate, grant, year, "市協").await })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().unwrap());
    }
    let by_grant: std::collections::BTreeMap<GrantId, &String> =
        asked.iter().copied().zip(&numbers).collect();
    for (grant, number) in asked.iter().zip(&numbers) {
        assert_eq!(number, by_grant[grant], "one number for {grant}");
    }
    let mut sequences: Vec<u32> = by_grant
        .values()
        .map(|number| {
            let digits = number.trim_start_matches("令和22年度市協第");
            digits.trim_end_matches('号').parse().unwrap()
        })
        .collect();
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=16).collect::<Vec<u32>>());
}

on_both_backends!(
    notice_numbers_asked_at_once_take_turns,
    |app: TestApp| async move { numbers_asked_at_once_take_turns(app).await }
);
