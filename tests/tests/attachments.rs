//! Files attached to an application (issue 17), over real HTTP on both backends and both stores
//! (the embedded directory and S3-compatible storage, moto's server started by `scripts/test`):
//! upload, read back with the checksum; a wrong type and a file too big refused with nothing
//! referenced; a corrupt and a deleted blob detected on read, by `/readyz` and by the audit's
//! verification; removal while editable and its refusal after submission; a stranger reads nothing.

use grants_tests::scenario::{form, step_up_round};
use grants_tests::{spawn_app, spawn_app_with, Backend, TestApp};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest;
use time::Duration;

/// Where a test's blobs live, so that it can damage them behind the service's back.
enum Storage {
    Directory,
    S3 { endpoint: String, bucket: String },
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n".to_vec();
    bytes.resize(size, b' ');
    bytes
}

async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    upload_to(&app.client, &app.address, token, id, kind, name, bytes).await
}

async fn upload_to(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let form = Form::new()
        .text("kind", kind.to_owned())
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let response = client
        .post(format!("{base}/api/v1/applications/{id}/attachments"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("the service answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn attachments(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/applications/{id}"),
            token,
            None,
            200,
        )
        .await;
    read["attachments"].as_array().cloned().unwrap_or_default()
}

async fn damage(app: &TestApp, storage: &Storage, sha256: &str, bytes: Option<&[u8]>) {
    match storage {
        Storage::Directory => {
            let path = app
                .attachments
                .attachments_dir
                .clone()
                .unwrap()
                .join("sha256")
                .join(&sha256[..2])
                .join(sha256);
            match bytes {
                Some(bytes) => std::fs::write(path, bytes).unwrap(),
                None => std::fs::remove_file(path).unwrap(),
            }
        }
        Storage::S3 { endpoint, bucket } => {
            use object_store::ObjectStore;
            let store = object_store::aws::AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_region("us-east-1")
                .with_endpoint(endpoint)
                .with_allow_http(true)
                .with_access_key_id("test")
                .with_secret_access_key("test")
                .build()
                .unwrap();
            let path = object_store::path::Path::from(format!("sha256/{sha256}"));
            match bytes {
                Some(bytes) => {
                    store.put(&path, bytes.to_vec().into()).await.unwrap();
                }
                None => store.delete(&path).await.unwrap(),
            }
        }
    }
}

/// `grants audit verify`'s check of every referenced file, once the notices the log calls for are
/// issued (each grant's 交付決定通知書 is a file too).
async fn verification(app: &TestApp) -> grants_app::audit::AttachmentVerification {
    grants_tests::process::caught_up(app, grants_app::documents::issue::NAME).await;
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let blobs = app.attachments.store(&app.database_url).unwrap();
    grants_app::audit::verify_attachments(&db, &blobs)
        .await
        .unwrap()
}

async fn exercise(app: TestApp, storage: Storage) {
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, Duration::hours(1)))
        .await;
    let member = app.applicant("member@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let id = app
        .draft(&member, &round, &group, &form(200_000, 0, 200_000))
        .await;

    // Upload and read back: the digest is the content's, the download is byte for byte.
    let rules = pdf(300_000);
    let expected_sha = hex::encode(sha2::Sha256::digest(&rules));
    let (status, added) = upload(
        &app,
        &member,
        &id,
        "rules",
        "団体規約 2026.pdf",
        rules.clone(),
    )
    .await;
    assert_eq!(status, 201, "{added:?}");
    assert_eq!(added["sha256"], expected_sha);
    assert_eq!(added["media_type"], "application/pdf");
    assert_eq!(added["size"], 300_000);
    assert_eq!(added["kind_ja"], "規約");
    let listed = attachments(&app, &member, &id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["file_name"], "団体規約 2026.pdf");
    let href = added["href"].as_str().unwrap().to_owned();
    let download = app
        .client
        .get(app.url(&href))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''%E5%9B%A3%E4%BD%93%E8%A6%8F%E7%B4%84%202026.pdf"),
        "{disposition}"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), rules.as_slice());
    // Staff read it too (whoever may read the application).
    let as_staff = app
        .client
        .get(app.url(&href))
        .bearer_auth(&cast.staff)
        .send()
        .await
        .unwrap();
    assert_eq!(as_staff.status(), 200);

    // A program named .pdf: the content decides, 415 with the rule, nothing referenced.
    let (status, refused) = upload(
        &app,
        &member,
        &id,
        "quote",
        "見積書.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".repeat(100),
    )
    .await;
    assert_eq!(status, 415, "{refused:?}");
    assert_eq!(refused["code"], "attachment.unsupported_type");
    assert!(refused["detail_ja"]
        .as_str()
        .unwrap()
        .contains("内容で判定"));
    // Over 10 MB: 413, nothing referenced.
    let (status, refused) = upload(
        &app,
        &member,
        &id,
        "quote",
        "見積書.pdf",
        pdf(10 * 1024 * 1024 + 1),
    )
    .await;
    assert_eq!(status, 413, "{refused:?}");
    assert_eq!(refused["code"], "attachment.file_too_large");
    assert_eq!(refused["detail_ja"], "ファイルは1件10MBまでです");
    // A kind the application does not take: 422 beside the field.
    let (status, refused) = upload(
        &app,
        &member,
        &id,
        "receipt",
        "領収書.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
    )
    .await;
    assert_eq!(status, 422, "{refused:?}");
    assert_eq!(refused["field"], "kind");
    assert_eq!(attachments(&app, &member, &id).await.len(), 1);
    if let Storage::Directory = storage {
        let spool = app.attachments.attachments_dir.clone().unwrap().join("tmp");
        assert_eq!(
            std::fs::read_dir(spool).unwrap().count(),
            0,
            "no upload is left behind"
        );
    }

    // A stranger neither reads nor removes it.
    let stranger = app.applicant("stranger@example.jp").await;
    let answer = app.send(Method::GET, &href, Some(&stranger), None).await;
    assert_eq!(answer.status, 404);
    let answer = app.send(Method::DELETE, &href, Some(&stranger), None).await;
    assert_eq!(answer.status, 404);

    // A corrupt blob is refused on read, counted by /readyz and named by the audit.
    assert!(verification(&app).await.ok);
    damage(&app, &storage, &expected_sha, Some(b"%PDF-1.4 tampered")).await;
    let answer = app.send(Method::GET, &href, Some(&member), None).await;
    assert_eq!(answer.status, 500, "{:?}", answer.body);
    assert_eq!(answer.body["code"], "attachment.corrupt");
    assert_eq!(answer.content_type, "application/problem+json");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.body["attachments"]["status"], "ok");
    assert_eq!(ready.body["attachments"]["failed_reads"], 1);
    let found = verification(&app).await;
    assert!(!found.ok);
    assert_eq!(found.problems.len(), 1);
    assert_eq!(found.problems[0].problem, "corrupt");
    assert_eq!(found.problems[0].aggregate_id, id);
    // ... and a deleted one too.
    damage(&app, &storage, &expected_sha, None).await;
    let answer = app.send(Method::GET, &href, Some(&member), None).await;
    assert_eq!(answer.body["code"], "attachment.missing");
    assert_eq!(verification(&app).await.problems[0].problem, "missing");
    // Uploading the same content again heals the store; the application refuses it twice.
    let (status, refused) = upload(&app, &member, &id, "rules", "規約.pdf", rules.clone()).await;
    assert_eq!(status, 422, "{refused:?}");
    assert_eq!(refused["code"], "attachment.same_content");
    assert!(verification(&app).await.ok);

    // Removal while editable; after submission neither removal nor upload.
    let answer = app.send(Method::DELETE, &href, Some(&member), None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["attachments"], json!([]));
    let (status, quote) = upload(
        &app,
        &member,
        &id,
        "quote",
        "見積書.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{quote:?}");
    app.call(
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        &member,
        None,
        200,
    )
    .await;
    let answer = app
        .send(
            Method::DELETE,
            quote["href"].as_str().unwrap(),
            Some(&member),
            None,
        )
        .await;
    assert_eq!(answer.status, 409, "{:?}", answer.body);
    assert_eq!(answer.body["code"], "application.not_editable");
    let (status, refused) = upload(
        &app,
        &member,
        &id,
        "other",
        "メモ.txt",
        "追加の資料".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, 409, "{refused:?}");
    assert_eq!(attachments(&app, &member, &id).await.len(), 1);
    // Never in public outputs.
    let public = app.get("/api/v1/public/awards").await;
    assert!(!public.body.to_string().contains("見積書"));
}

async fn with_s3(backend: Backend) {
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
    let app = spawn_app_with(backend, |config| {
        config.attachments.attachments_s3_bucket = Some(bucket.clone());
        config.attachments.attachments_s3_endpoint = Some(endpoint.clone());
        config.attachments.attachments_s3_access_key_id = Some("test".into());
        config.attachments.attachments_s3_secret_access_key = Some("test".into());
    })
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.body["attachments"]["store"], "s3", "{:?}", ready.body);
    exercise(app, Storage::S3 { endpoint, bucket }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_sqlite() {
    exercise(spawn_app(Backend::Sqlite).await, Storage::Directory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_postgres() {
    exercise(spawn_app(Backend::Postgres).await, Storage::Directory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_sqlite() {
    with_s3(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_postgres() {
    with_s3(Backend::Postgres).await;
}

/// The group's application page: the upload form, the list, a refusal beside its field, removal.
async fn on_the_page(app: TestApp) {
    use grants_tests::browser::Browser;
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, Duration::hours(1)))
        .await;
    let member = app.applicant("page@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let id = app
        .draft(&member, &round, &group, &form(200_000, 0, 200_000))
        .await;
    let browser = Browser::without_redirects(&app);
    assert_eq!(browser.sign_in("page@example.jp").await.status, 303);
    let page = browser.get(&format!("/applications/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("添付書類はまだありません"));
    assert!(page.html.contains("enctype=\"multipart/form-data\""));
    let csrf = page.csrf();
    let form_id = upload_form_id(&page.html);
    let post_once = |kind: &str, name: &str, bytes: Vec<u8>, csrf: &str, form_id: &str| {
        let form = Form::new()
            .text("kind", kind.to_owned())
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        browser
            .client
            .post(app.url(&format!("/applications/{id}/attachments")))
            .query(&[("_csrf", csrf), ("_form", form_id)])
            .multipart(form)
            .send()
    };
    let post =
        |kind: &str, name: &str, bytes: Vec<u8>, csrf: &str| post_once(kind, name, bytes, csrf, "");
    // The form posted twice (a double click, a reload): both answers go on, one file is attached.
    for _ in 0..2 {
        let answer = post_once("member_list", "名簿.pdf", pdf(2_000), &csrf, &form_id)
            .await
            .unwrap();
        assert_eq!(answer.status(), 303);
    }
    assert_eq!(attachments(&app, &member, &id).await.len(), 1);
    let page = browser.get(&format!("/applications/{id}?attached=1")).await;
    assert!(page.html.contains("ファイルを添付しました。"));
    assert!(page.html.contains("名簿.pdf"));
    let link = format!("/applications/{id}/attachments/");
    let at = page.html.find(&link).unwrap();
    let href = &page.html[at..at + page.html[at..].find('"').unwrap()];
    let file = browser.client.get(app.url(href)).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().len(), 2_000);
    // A wrong type: the page again, the rule beside the file field.
    let answer = post(
        "quote",
        "見積書.pdf",
        b"\x7fELF\x02\x01\x01".repeat(50),
        &csrf,
    )
    .await
    .unwrap();
    assert_eq!(answer.status(), 422);
    let html = answer.text().await.unwrap();
    assert!(html.contains("id=\"e-file\">添付できるのはPDF"), "{html}");
    // Without the page's token nothing is stored.
    let answer = post("quote", "見積書.pdf", pdf(3_000), "forged")
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert_eq!(attachments(&app, &member, &id).await.len(), 1);
    // Removal from the page.
    let remove = format!("{href}/remove");
    let answer = browser.post(&remove, &[("_csrf", &csrf)]).await;
    assert_eq!(answer.status, 303, "{}", answer.html);
    assert!(attachments(&app, &member, &id).await.is_empty());
}

grants_tests::on_both_backends!(the_application_page_attaches_and_removes, on_the_page);

/// The one-time id in the upload form's action (`…/attachments?_csrf=…&_form=…`).
fn upload_form_id(html: &str) -> String {
    let at = html
        .find("&amp;_form=")
        .expect("the upload form names its one-time id")
        + 11;
    html[at..at + 32].to_owned()
}

/// Receipts and activity photos on a grant's settlement report: attached, read by the group and
/// staff and nobody else, removed, and refused once the report may no longer change.
async fn on_the_report(app: TestApp) {
    let one = app.one_awarded_grant().await;
    let base = format!("/api/v1/grants/{}/settlement-report/attachments", one.grant);
    let post = |kind: &str, name: &str, bytes: Vec<u8>| {
        let form = Form::new()
            .text("kind", kind.to_owned())
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        app.client
            .post(app.url(&base))
            .bearer_auth(&one.member)
            .multipart(form)
            .send()
    };
    let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0".repeat(10);
    let answer = post("activity_photo", "観察会.jpg", jpeg.clone())
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let photo: Value = answer.json().await.unwrap();
    assert_eq!(photo["media_type"], "image/jpeg");
    let answer = post("receipt", "領収書 No.12.pdf", pdf(5_000))
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    // A plan's file does not belong on the report.
    let answer = post("rules", "規約.pdf", pdf(6_000)).await.unwrap();
    assert_eq!(answer.status(), 422);
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/grants/{}/settlement-report", one.grant),
            &one.cast.staff,
            None,
            200,
        )
        .await;
    assert_eq!(read["attachments"].as_array().unwrap().len(), 2);
    let href = photo["href"].as_str().unwrap();
    for token in [&one.member, &one.cast.staff] {
        let file = app
            .client
            .get(app.url(href))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.bytes().await.unwrap().as_ref(), jpeg.as_slice());
    }
    let stranger = app.applicant("stranger@example.jp").await;
    assert_eq!(
        app.send(Method::GET, href, Some(&stranger), None)
            .await
            .status,
        404
    );
    // The committee reads applications, not a grant's receipts.
    let reviewer_token = &one.cast.reviewers[0].1;
    assert_eq!(
        app.send(Method::GET, href, Some(reviewer_token), None)
            .await
            .status,
        404
    );
    // The report page lists them and takes one more.
    let browser = grants_tests::browser::Browser::without_redirects(&app);
    assert_eq!(browser.sign_in("member@example.jp").await.status, 303);
    let page = browser.get(&format!("/grants/{}/report", one.grant)).await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("観察会.jpg") && page.html.contains(">領収書</option>"));
    let form = Form::new().text("kind", "receipt").part(
        "file",
        Part::bytes(pdf(4_000)).file_name("領収書 No.13.pdf"),
    );
    let answer = browser
        .client
        .post(app.url(&format!("/grants/{}/report/attachments", one.grant)))
        .query(&[("_csrf", page.csrf())])
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    let page = browser
        .get(&format!("/grants/{}/report?attached=1", one.grant))
        .await;
    assert!(page.html.contains("領収書 No.13.pdf"));
    assert_eq!(
        app.send(Method::DELETE, href, Some(&one.member), None)
            .await
            .status,
        200
    );
    // The files attached so far and the grant's 交付決定通知書.
    assert_eq!(verification(&app).await.files_checked, 3 + 1);
    // A change request awaiting staff takes a quote for the new plan.
    let change = json!({
        "reason": "参加者が増えたため会場を広くする",
        "budget": {
            "income": [{"kind": "project_income", "description": "参加費", "amount": 0}],
            "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 300_000}],
        },
        "period": {"start": grants_tests::scenario::today_jst(), "end": grants_tests::scenario::fiscal_year_end()},
    });
    let requested = app
        .call(
            Method::POST,
            &format!("/api/v1/grants/{}/change-requests", one.grant),
            &one.member,
            Some(&change),
            201,
        )
        .await;
    let changes = requested["change_requests"].as_array().unwrap();
    let cid = changes.last().unwrap()["change_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let change_base = format!(
        "/api/v1/grants/{}/change-requests/{cid}/attachments",
        one.grant
    );
    let form = Form::new().text("kind", "quote").part(
        "file",
        Part::bytes(pdf(8_000)).file_name("新しい会場の見積書.pdf"),
    );
    let answer = app
        .client
        .post(app.url(&change_base))
        .bearer_auth(&one.member)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let quote: Value = answer.json().await.unwrap();
    let grant = app
        .call(
            Method::GET,
            &format!("/api/v1/grants/{}", one.grant),
            &one.cast.staff,
            None,
            200,
        )
        .await;
    let listed = &grant["change_requests"].as_array().unwrap().last().unwrap()["attachments"];
    assert_eq!(listed[0]["file_name"], "新しい会場の見積書.pdf");
    let href = quote["href"].as_str().unwrap();
    assert_eq!(
        app.send(Method::GET, href, Some(&one.cast.staff), None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.send(Method::GET, href, Some(&stranger), None)
            .await
            .status,
        404
    );
    assert_eq!(verification(&app).await.files_checked, 4 + 1);
    // A withdrawn grant's report takes nothing more.
    let reason = json!({"reason": "会場が確保できなくなったため"});
    app.call(
        Method::POST,
        &format!("/api/v1/grants/{}/withdraw", one.grant),
        &one.member,
        Some(&reason),
        200,
    )
    .await;
    let answer = post("receipt", "領収書2.pdf", pdf(7_000)).await.unwrap();
    assert_eq!(answer.status(), 409);
    // Nor its change request.
    assert_eq!(
        app.send(Method::DELETE, href, Some(&one.member), None)
            .await
            .status,
        409
    );
}

grants_tests::on_both_backends!(
    the_settlement_report_takes_receipts_and_photos,
    on_the_report
);

#[tokio::test]
#[ignore = "started by the upload-kill test as its server process"]
async fn attachment_test_server() {
    grants_tests::child::serve_from_env().await;
}

/// An upload cut off by SIGKILL of the service: nothing refers to the partial file, the file
/// acknowledged before is whole after the restart, and the restart clears the spool.
async fn killed_midway(backend: Backend) {
    use grants_tests::child::Server;
    use tokio::io::AsyncWriteExt;
    let app = spawn_app(backend).await;
    let dir = app.attachments.attachments_dir.clone().unwrap();
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, Duration::hours(1)))
        .await;
    let member = app.applicant("kill@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let id = app
        .draft(&member, &round, &group, &form(200_000, 0, 200_000))
        .await;
    let work = tempfile::tempdir().unwrap();
    let env = [("GRANTS_CHILD_ATTACHMENTS_DIR", dir.as_os_str())];
    let server = Server::start_with(
        "attachments::attachment_test_server",
        &app.database_url,
        work.path(),
        None,
        &env,
    )
    .await;
    // One file acknowledged by the child.
    let kept = pdf(400_000);
    let (status, acknowledged) = upload_to(
        &app.client,
        &server.base,
        &member,
        &id,
        "rules",
        "規約.pdf",
        kept.clone(),
    )
    .await;
    assert_eq!(status, 201, "{acknowledged:?}");
    // A second one that stops after 1 MB of a declared 5 MB; then SIGKILL.
    let boundary = "grantsboundary";
    let mut head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nquote\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"見積書.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    head.extend(pdf(1024 * 1024));
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "POST /api/v1/applications/{id}/attachments HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {member}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        5 * 1024 * 1024
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&head).await.unwrap();
    stream.flush().await.unwrap();
    let spool = dir.join("tmp");
    let partial = |spool: &std::path::Path| {
        std::fs::read_dir(spool)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().starts_with("upload-"))
            .map(|entry| entry.metadata().map(|m| m.len()).unwrap_or(0))
            .max()
    };
    let waited = std::time::Instant::now();
    while partial(&spool).unwrap_or(0) < 512 * 1024 {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(20),
            "the upload reached the spool"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.kill();
    drop(stream);
    // Nothing names the partial file; the acknowledged one is there and whole.
    let files = attachments(&app, &member, &id).await;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["sha256"], acknowledged["sha256"]);
    assert!(
        partial(&spool).is_some(),
        "the killed upload left its temporary file"
    );
    let restarted = Server::start_with(
        "attachments::attachment_test_server",
        &app.database_url,
        work.path(),
        None,
        &env,
    )
    .await;
    assert_eq!(partial(&spool), None, "the restart cleared the spool");
    let file = app
        .client
        .get(format!(
            "{}{}",
            restarted.base,
            acknowledged["href"].as_str().unwrap()
        ))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), kept.as_slice());
    assert!(verification(&app).await.ok);
    restarted.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_killed_midway_sqlite() {
    killed_midway(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_killed_midway_postgres() {
    killed_midway(Backend::Postgres).await;
}
