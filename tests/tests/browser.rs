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
