//! A settlement report's and a change request's files beyond their bytes (issue 17), on both
//! backends: a change request takes a quote from its own page; a receipt names
//! the saved expense line it proves (shown in the API read and beside the line on the report
//! page; a line the saved report lacks is refused), and an activity photo the group marks public
//! appears on the public award once staff accept the report — never an unmarked photo, a receipt,
//! or any file's name, in the public read, the page, the CSV or the 360Giving export; and a
//! version 1.0 `ReportAttachmentAdded` written by the old service still loads.

use grants_tests::{on_both_backends, TestApp};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

fn jpeg(seed: u8) -> Vec<u8> {
    let mut bytes = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0".repeat(10);
    bytes.push(seed);
    bytes
}

fn pdf(seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n".to_vec();
    bytes.push(seed);
    bytes
}

async fn upload(
    app: &TestApp,
    token: &str,
    grant: &str,
    fields: &[(&str, &str)],
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let mut form = Form::new();
    for (field, value) in fields {
        form = form.text(field.to_string(), value.to_string());
    }
    let form = form.part("file", Part::bytes(bytes).file_name(name.to_owned()));
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

fn report() -> Value {
    json!({
        "income": [],
        "expenses": [
            {"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 200_000,
             "receipt_date": grants_tests::scenario::today_jst(), "receipt_number": "R-001"}
        ],
        "outcomes": "全10回の観察会に延べ250人が参加した。",
        "participants": 250,
    })
}

/// The public read of the award, once the public list holds it.
async fn public_award(app: &TestApp, grant: &str) -> Value {
    for _ in 0..100 {
        let answer = app.get(&format!("/api/v1/public/awards/{grant}")).await;
        if answer.status == 200 {
            return answer.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the award never reached the public list");
}

on_both_backends!(
    a_receipt_proves_its_line_and_only_a_marked_photo_is_public,
    |app: TestApp| async move {
        let one = app.one_awarded_grant().await;
        let grant = one.grant.clone();
        let member = one.member.clone();
        let report_path = format!("/api/v1/grants/{grant}/settlement-report");

        // Before the report is saved no line exists to prove.
        let (status, refused) = upload(
            &app,
            &member,
            &grant,
            &[("kind", "receipt"), ("receipt_number", "R-001")],
            "領収書.pdf",
            pdf(1),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["code"], "attachment.line_not_on_report");
        assert!(refused["detail_ja"].as_str().unwrap().contains("R-001"));
        app.call(Method::PUT, &report_path, &member, Some(&report()), 200)
            .await;
        let (status, receipt) = upload(
            &app,
            &member,
            &grant,
            &[("kind", "receipt"), ("receipt_number", "R-001")],
            "領収書.pdf",
            pdf(1),
        )
        .await;
        assert_eq!(status, 201, "{receipt}");
        assert_eq!(receipt["receipt_number"], "R-001");
        // A photo names no line, and a receipt is never public.
        let (status, refused) = upload(
            &app,
            &member,
            &grant,
            &[("kind", "activity_photo"), ("receipt_number", "R-001")],
            "観察会.jpg",
            jpeg(1),
        )
        .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (422, Some("attachment.line_only_for_receipt"))
        );
        let (status, refused) = upload(
            &app,
            &member,
            &grant,
            &[("kind", "receipt"), ("public", "true")],
            "領収書2.pdf",
            pdf(2),
        )
        .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (422, Some("attachment.public_only_for_photo"))
        );

        let (status, shown) = upload(
            &app,
            &member,
            &grant,
            &[("kind", "activity_photo"), ("public", "true")],
            "山田太郎さんと観察会.jpg",
            jpeg(2),
        )
        .await;
        assert_eq!(status, 201, "{shown}");
        assert_eq!(shown["public"], true);
        let (status, unmarked) = upload(
            &app,
            &member,
            &grant,
            &[("kind", "activity_photo")],
            "参加者名簿の写真.jpg",
            jpeg(3),
        )
        .await;
        assert_eq!(status, 201, "{unmarked}");
        assert_eq!(unmarked["public"], false);

        // The API read names the line; the report page shows the receipt beside it.
        let read = app
            .call(Method::GET, &report_path, &one.cast.staff, None, 200)
            .await;
        let files = read["attachments"].as_array().unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(
            files
                .iter()
                .filter(|file| file["receipt_number"] == "R-001")
                .count(),
            1
        );
        let browser = grants_tests::browser::Browser::without_redirects(&app);
        assert_eq!(browser.sign_in("member@example.jp").await.status, 303);
        let page = browser.get(&format!("/grants/{grant}/report")).await;
        assert_eq!(page.status, 200);
        let beside = format!(
            "class=\"line-receipt\" href=\"/grants/{grant}/report/attachments/{}\"",
            receipt["id"].as_str().unwrap()
        );
        assert!(
            page.html.contains(&beside),
            "the receipt is linked beside its line"
        );
        assert!(page.html.contains("領収書番号 R-001"));
        // Staff reviewing the report see the receipt beside its line and which photo goes public.
        let staff = grants_tests::browser::Browser::new(&app);
        staff.sign_in("staff@city.example.jp").await;
        let review = staff.get(&format!("/staff/grants/{grant}")).await;
        assert_eq!(review.status, 200);
        assert!(
            review.html.contains(&beside),
            "staff see the receipt beside its line"
        );
        assert!(review.html.contains("公開（承認後に公開ページに載ります）"));

        // Nothing is public before staff accept the report.
        let award = public_award(&app, &grant).await;
        assert_eq!(award["photos"], json!([]));
        let shown_href = format!(
            "/api/v1/public/awards/{grant}/photos/{}",
            shown["id"].as_str().unwrap()
        );
        assert_eq!(app.get(&shown_href).await.status, 404);

        app.call(
            Method::POST,
            &format!("{report_path}/submit"),
            &member,
            None,
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("{report_path}/review"),
            &one.cast.staff,
            Some(&json!({"outcome": "accepted"})),
            200,
        )
        .await;

        // Now the marked photo, and only it, is public: listed, served, on the page.
        let award = public_award(&app, &grant).await;
        let photos = award["photos"].as_array().unwrap();
        assert_eq!(photos.len(), 1);
        assert_eq!(photos[0]["id"], shown["id"]);
        assert_eq!(photos[0]["href"], shown_href.as_str());
        let served = app.client.get(app.url(&shown_href)).send().await.unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "image/jpeg");
        assert_eq!(served.bytes().await.unwrap().as_ref(), jpeg(2).as_slice());
        for hidden in [&unmarked, &receipt] {
            let path = format!(
                "/api/v1/public/awards/{grant}/photos/{}",
                hidden["id"].as_str().unwrap()
            );
            assert_eq!(
                app.get(&path).await.status,
                404,
                "an unmarked file is never public"
            );
        }
        let public_page = app
            .client
            .get(app.url(&format!("/awards/{grant}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            public_page.contains(&shown_href),
            "the public page shows the photo"
        );
        // No public output names an unmarked file, nor any file's name.
        let exports = [
            serde_json::to_string(&award).unwrap(),
            public_page,
            app.get("/api/v1/public/awards").await.body.to_string(),
            app.client
                .get(app.url("/api/v1/public/awards.csv"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            app.client
                .get(app.url("/api/v1/public/awards.360giving.json"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        ];
        for output in &exports {
            for hidden in [&unmarked, &receipt] {
                assert!(!output.contains(hidden["id"].as_str().unwrap()));
                assert!(!output.contains(hidden["sha256"].as_str().unwrap()));
            }
            for name in ["山田太郎", "参加者名簿", "領収書.pdf"] {
                assert!(!output.contains(name), "{name} in a public output");
            }
        }
    }
);

on_both_backends!(
    a_change_request_takes_a_quote_from_its_page,
    |app: TestApp| async move {
        let one = app.one_awarded_grant().await;
        let grant = one.grant.clone();
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
                &format!("/api/v1/grants/{grant}/change-requests"),
                &one.member,
                Some(&change),
                201,
            )
            .await;
        let cid = requested["change_requests"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["change_request_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let browser = grants_tests::browser::Browser::without_redirects(&app);
        assert_eq!(browser.sign_in("member@example.jp").await.status, 303);
        // The grant page links the request's files; its page offers the upload form.
        let page = browser.get(&format!("/grants/{grant}")).await;
        let files_page = format!("/grants/{grant}/changes/{cid}");
        assert!(page.html.contains(&format!("href=\"{files_page}\"")));
        let page = browser.get(&files_page).await;
        assert_eq!(page.status, 200);
        assert!(page.html.contains("添付書類はまだありません"));
        let csrf = page.csrf();
        let post = |name: &str, bytes: Vec<u8>| {
            let form = Form::new()
                .text("kind", "quote")
                .part("file", Part::bytes(bytes).file_name(name.to_owned()));
            browser
                .client
                .post(app.url(&format!("{files_page}/attachments")))
                .query(&[("_csrf", csrf.as_str())])
                .multipart(form)
                .send()
        };
        let answer = post("新しい会場の見積書.pdf", pdf(7)).await.unwrap();
        assert_eq!(answer.status(), 303);
        let page = browser.get(&format!("{files_page}?attached=1")).await;
        assert!(page.html.contains("ファイルを添付しました。"));
        assert!(page.html.contains("新しい会場の見積書.pdf"));
        let link = format!("{files_page}/attachments/");
        let at = page.html.find(&link).unwrap();
        let href = page.html[at..at + page.html[at..].find('"').unwrap()].to_owned();
        let file = browser.client.get(app.url(&href)).send().await.unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.bytes().await.unwrap().as_ref(), pdf(7).as_slice());
        // A refused type: the page again with the rule in Japanese beside the file field.
        let answer = post("見積書.pdf", b"\x7fELF\x02\x01\x01".repeat(50))
            .await
            .unwrap();
        assert_eq!(answer.status(), 422);
        let html = answer.text().await.unwrap();
        assert!(html.contains("id=\"e-file\">添付できるのはPDF"), "{html}");
        // Removed from the page; once staff decide, the form is gone.
        let answer = browser
            .post(&format!("{href}/remove"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(answer.status, 303, "{}", answer.html);
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/grants/{grant}"),
                &one.member,
                None,
                200,
            )
            .await;
        assert_eq!(read["change_requests"][0]["attachments"], json!([]));
        app.call(
            Method::POST,
            &format!("/api/v1/grants/{grant}/change-requests/{cid}/decision"),
            &one.cast.staff,
            Some(&json!({"approved": false, "reason": "計画の変更は認められない"})),
            200,
        )
        .await;
        let page = browser.get(&files_page).await;
        assert!(!page.html.contains("enctype=\"multipart/form-data\""));
        assert!(page.html.contains("ファイルを追加・削除できません"));
    }
);

/// A `ReportAttachmentAdded` as version 1.0 stored it (no line, no `public`), written into a
/// grant's stream as the old service did: the grant loads, the file names no line and is not public.
async fn a_version_1_report_file_loads(backend: grants_tests::Backend) {
    use grants_projections::LogPool;
    let app = grants_tests::spawn_app(backend).await;
    let one = app.one_awarded_grant().await;
    grants_tests::process::caught_up(&app, grants_app::documents::issue::NAME).await;
    let pool = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap()
        .clone();
    let select =
        "SELECT max(sequence) FROM events WHERE aggregate_type = 'grant' AND aggregate_id = $1";
    let sequence: i64 = match &pool {
        LogPool::Sqlite(p) => {
            sqlx::query_scalar(select)
                .bind(&one.grant)
                .fetch_one(p)
                .await
        }
        LogPool::Postgres(p) => {
            sqlx::query_scalar(select)
                .bind(&one.grant)
                .fetch_one(p)
                .await
        }
    }
    .unwrap();
    let file = uuid::Uuid::now_v7();
    let payload = json!({"ReportAttachmentAdded": {
        "attachment": {"id": file, "kind": "activity_photo", "file_name": "観察会.jpg",
                       "media_type": "image/jpeg", "size": 20, "sha256": "ab".repeat(32)},
        "by": uuid::Uuid::now_v7(), "at": "2027-02-20T03:00:00Z"
    }})
    .to_string();
    let insert = |cast: &str| {
        format!(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             VALUES ('grant', $1, $2, 'ReportAttachmentAdded', '1.0', $3{cast}, '{{}}'{cast})"
        )
    };
    match &pool {
        LogPool::Sqlite(p) => sqlx::query(&insert(""))
            .bind(&one.grant)
            .bind(sequence + 1)
            .bind(&payload)
            .execute(p)
            .await
            .map(|_| ()),
        LogPool::Postgres(p) => sqlx::query(&insert("::json"))
            .bind(&one.grant)
            .bind(sequence + 1)
            .bind(&payload)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap();
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/grants/{}/settlement-report", one.grant),
            &one.member,
            None,
            200,
        )
        .await;
    let files = read["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{read}");
    assert_eq!(files[0]["id"], json!(file));
    assert_eq!(files[0]["receipt_number"], Value::Null);
    assert_eq!(files[0]["public"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_report_file_loads_sqlite() {
    a_version_1_report_file_loads(grants_tests::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_report_file_loads_postgres() {
    a_version_1_report_file_loads(grants_tests::Backend::Postgres).await;
}
