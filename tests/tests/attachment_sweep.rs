//! `grants attachments sweep` (issue 17): a blob kept for an upload whose command was refused is
//! named by no event (an orphan); the sweep deletes it once it is older than the grace period and
//! never touches a blob the log names — an attached receipt, a removed photo (the log still names
//! it), the issued 交付決定通知書. On both backends, in the directory store and (with the S3 server
//! `scripts/test` starts) in a bucket.

use grants_app::blob_sweep::sweep;
use grants_tests::{spawn_app, spawn_app_with, Backend, TestApp};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

fn pdf(seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n".to_vec();
    bytes.push(seed);
    bytes
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

async fn upload(
    app: &TestApp,
    token: &str,
    grant: &str,
    fields: &[(&str, &str)],
    bytes: Vec<u8>,
) -> (u16, Value) {
    let mut form = Form::new();
    for (field, value) in fields {
        form = form.text(field.to_string(), value.to_string());
    }
    let form = form.part("file", Part::bytes(bytes).file_name("領収書.pdf"));
    let answer = app
        .client
        .post(app.url(&format!(
            "/api/v1/grants/{grant}/settlement-report/attachments"
        )))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn stored(app: &TestApp) -> Vec<String> {
    let blobs = app.attachments.store(&app.database_url).unwrap();
    let mut listed: Vec<String> = blobs
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|blob| blob.sha256.to_string())
        .collect();
    listed.sort();
    listed
}

async fn exercise(app: TestApp) {
    let one = app.one_awarded_grant().await;
    let (grant, member) = (one.grant.clone(), one.member.clone());
    grants_tests::process::caught_up(&app, grants_app::documents::issue::NAME).await;

    // A receipt kept and named; a photo named, then removed (the log still names it).
    let (status, _) = upload(&app, &member, &grant, &[("kind", "receipt")], pdf(1)).await;
    assert_eq!(status, 201);
    let (status, removed) = upload(&app, &member, &grant, &[("kind", "other")], pdf(2)).await;
    assert_eq!(status, 201);
    app.call(
        reqwest::Method::DELETE,
        removed["href"].as_str().unwrap(),
        &member,
        None,
        200,
    )
    .await;
    // Refused after the blob was kept (the report names no such line): an orphan.
    let (status, refused) = upload(
        &app,
        &member,
        &grant,
        &[("kind", "receipt"), ("receipt_number", "R-9")],
        pdf(3),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    let orphan = sha(&pdf(3));
    let before = stored(&app).await;
    assert!(
        before.contains(&orphan),
        "the refused upload's blob is in the store"
    );
    assert_eq!(
        before.len(),
        4,
        "the notice, the receipt, the removed file and the orphan"
    );

    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let blobs = app.attachments.store(&app.database_url).unwrap();
    let now = OffsetDateTime::now_utc();
    let grace = Duration::hours(1);

    // Within the grace period the orphan is kept (it might belong to an upload in flight).
    let report = sweep(&db, &blobs, now, grace, false).await.unwrap();
    assert_eq!(
        (report.referenced, report.stored, report.young_orphans),
        (3, 4, 1)
    );
    assert!(report.deleted.is_empty());

    // Two hours later: a dry run names it and deletes nothing, then the sweep deletes only it.
    let later = now + Duration::hours(2);
    let report = sweep(&db, &blobs, later, grace, true).await.unwrap();
    assert_eq!(report.deleted, vec![orphan.clone()]);
    assert_eq!(stored(&app).await, before);
    let report = sweep(&db, &blobs, later, grace, false).await.unwrap();
    assert_eq!(report.deleted, vec![orphan.clone()]);
    let after = stored(&app).await;
    assert_eq!(after.len(), 3);
    assert!(!after.contains(&orphan));

    // Everything the log names is still there and whole; a second sweep finds nothing.
    let verification = grants_app::audit::verify_attachments(&db, &blobs)
        .await
        .unwrap();
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.files_checked, 3);
    let report = sweep(&db, &blobs, later, grace, false).await.unwrap();
    assert!(report.deleted.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_directory_sqlite() {
    let app = spawn_app(Backend::Sqlite).await;
    // The command itself: a grace under an hour is refused; a dry run answers.
    let dir = app.attachments.attachments_dir.clone().unwrap();
    let command = |grace: &str| {
        use clap::Parser;
        grants_app::cli::Cli::parse_from([
            "grants",
            "attachments",
            "sweep",
            "--database-url",
            app.database_url.as_str(),
            "--attachments-dir",
            dir.to_str().unwrap(),
            "--grace-hours",
            grace,
            "--dry-run",
        ])
    };
    assert!(grants_app::cli::run(command("0")).await.is_err());
    grants_app::cli::run(command("24")).await.unwrap();
    exercise(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_directory_postgres() {
    exercise(spawn_app(Backend::Postgres).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_s3_postgres() {
    let endpoint = std::env::var("GRANTS_TEST_S3_ENDPOINT").expect(
        "GRANTS_TEST_S3_ENDPOINT is not set: run the tests with scripts/test, which starts moto's S3 server",
    );
    let bucket = format!("grants-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("the S3 server answers");
    assert!(created.status().is_success(), "the bucket is created");
    let app = spawn_app_with(Backend::Postgres, |config| {
        config.attachments.attachments_s3_bucket = Some(bucket.clone());
        config.attachments.attachments_s3_endpoint = Some(endpoint.clone());
        config.attachments.attachments_s3_access_key_id = Some("test".into());
        config.attachments.attachments_s3_secret_access_key = Some("test".into());
    })
    .await;
    exercise(app).await;
}
