//! Browser tests: the pages in Debian's Chromium, driven by `tests/browser/*.mjs` (playwright-core,
//! axe-core). Each test starts the service on port 0 (SQLite), seeds what the page flow needs
//! through the API, runs the script against it and asserts it exits 0.
//!
//! `scripts/test` installs Chromium and exports `GRANTS_CHROMIUM`; `GRANTS_SKIP_BROWSER=1` skips
//! these tests. Screenshots go to `target/screenshots/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use grants_tests::{spawn_app, Backend};

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Installs playwright-core and axe-core as package-lock.json pins them, if they are missing.
fn npm_ci(dir: &Path) {
    if dir.join("node_modules").is_dir() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm runs (install Node.js and npm)");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

/// Runs `node tests/browser/<script> <base-url>`; true when it exits 0.
fn run_script(script: &str, base_url: &str) -> bool {
    run_script_with(script, base_url, &[])
}

/// Runs `node tests/browser/<script> <base-url> <args>…`; true when it exits 0.
fn run_script_with(script: &str, base_url: &str, args: &[String]) -> bool {
    let dir = browser_dir();
    npm_ci(&dir);
    let chromium = std::env::var("GRANTS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "no Chromium at {chromium}: run scripts/test (it installs it) or set GRANTS_SKIP_BROWSER=1"
    );
    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    Command::new("node")
        .arg(dir.join(script))
        .arg(base_url)
        .args(args)
        .env("GRANTS_CHROMIUM", &chromium)
        .env("GRANTS_SCREENSHOTS", screenshots)
        .status()
        .expect("node runs")
        .success()
}

fn skipped() -> bool {
    let skip = std::env::var("GRANTS_SKIP_BROWSER").is_ok_and(|value| value == "1");
    if skip {
        eprintln!("GRANTS_SKIP_BROWSER=1: browser test skipped");
    }
    skip
}

/// Public pages, registering, a group, an application saved and submitted; axe-core on each page
/// type; screenshots.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_registers_and_submits_in_a_browser() {
    if skipped() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    // A lived-in service: a finished grant on the public list and an open call to apply to.
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .expect("the test database");
    grants_app::demo::seed(&grants_app::http::AppState::new(db))
        .await
        .expect("the demo seeds");
    let base = app.address.clone();
    let passed = tokio::task::spawn_blocking(move || run_script("applicant_flow.mjs", &base))
        .await
        .expect("the script ran");
    assert!(
        passed,
        "tests/browser/applicant_flow.mjs failed (see its output above)"
    );
}

/// The grant and audit pages: a decided grant's page, an advance refused then requested, the
/// settlement report pre-filled and saved, the change form; the auditor's log, a timeline and the
/// state as of an instant; axe-core on each page type; screenshots.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_follows_its_grant_and_an_auditor_reads_the_log_in_a_browser() {
    use grants_tests::scenario::{form, step_up_round, SHORT_WINDOW};

    if skipped() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let cast = app.cast(1).await;
    let mut settings = step_up_round(2_000_000, SHORT_WINDOW);
    settings["rate_schedule"] = serde_json::json!(["3/4", "1/2"]);
    let round = app.open_round(&cast, &settings).await;
    let member = app.applicant("grant-member@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let (application, _) = app
        .eligible_application(
            &cast,
            &member,
            &round,
            &group,
            &form(412_345, 30_000, 286_000),
        )
        .await;
    app.score(&cast, &application, &[45], &[]).await;
    app.close_and_rank(&cast, &round).await;
    let grant = app.award(&cast, &round, &application, 286_000).await;
    app.account_with_role("auditor", "auditor@example.jp").await;
    // The dashboard reads the applications' projection, which follows the log a moment later.
    for _ in 0..50 {
        let listed = app
            .call(
                reqwest::Method::GET,
                "/api/v1/applications",
                &member,
                None,
                200,
            )
            .await;
        if listed[0]["grant_id"] == grant.as_str() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let base = app.address.clone();
    let passed = tokio::task::spawn_blocking(move || run_script("grant_audit_flow.mjs", &base))
        .await
        .expect("the script ran");
    assert!(
        passed,
        "tests/browser/grant_audit_flow.mjs failed (see its output above)"
    );
}

/// The staff pages on the demo data (dashboard, round, screening, application, committee, ranking,
/// decisions, one decision, grant, new round, and refused forms); axe-core on each page type;
/// screenshots `staff-*.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_pages_are_accessible_in_a_browser() {
    if skipped() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .expect("the test database");
    grants_app::demo::seed(&grants_app::http::AppState::new(db))
        .await
        .expect("the demo seeds");
    let base = app.address.clone();
    let passed = tokio::task::spawn_blocking(move || run_script("staff_flow.mjs", &base))
        .await
        .expect("the script ran");
    assert!(
        passed,
        "tests/browser/staff_flow.mjs failed (see its output above)"
    );
}

/// The whole life of a grant, every step through the pages in one script, each person in their
/// own browser context: staff open a round and appoint the committee, a citizen registers, registers
/// a group and applies, staff screen it, each reviewer declares and scores, staff close scoring, fix
/// the ranking and decide, the group requests an advance and files its settlement report, staff
/// accept it and pay the rest, and an anonymous visitor sees the award with its finalised amount.
/// Only the accounts that cannot register themselves (staff, reviewers) are opened here; the script
/// is given their e-mail addresses and the reviewers' ids, as the committee page asks for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_lives_its_whole_life_in_a_browser() {
    if skipped() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let staff_email = "life-staff@city.example.jp";
    app.account_with_role("staff", staff_email).await;
    let mut reviewers = Vec::new();
    for n in 1..=2 {
        let email = format!("life-reviewer{n}@example.jp");
        let token = app.account_with_role("reviewer", &email).await;
        let me = app
            .call(
                reqwest::Method::GET,
                "/api/v1/sessions/current",
                &token,
                None,
                200,
            )
            .await;
        let id = me["user"]["id"].as_str().expect("a user id").to_owned();
        reviewers.push(serde_json::json!({ "email": email, "id": id }));
    }
    let cast = serde_json::json!({
        "password": grants_tests::TEST_PASSWORD,
        "staff": staff_email,
        "reviewers": reviewers,
    })
    .to_string();
    let base = app.address.clone();
    let passed =
        tokio::task::spawn_blocking(move || run_script_with("whole_life.mjs", &base, &[cast]))
            .await
            .expect("the script ran");
    assert!(
        passed,
        "tests/browser/whole_life.mjs failed (see its output above)"
    );
}
