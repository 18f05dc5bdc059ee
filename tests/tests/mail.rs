//! Mail from the log (app/src/mail), against a real SMTP server: the aiosmtpd sink that
//! `scripts/test` starts (scripts/lib/smtp_sink.sh) and that writes every message it accepts as
//! JSON into `GRANTS_TEST_SMTP_DIR`. Every test's group member has an address of its own, so the
//! tests share the sink and each counts only its own mails.
//!
//! - A submission sends exactly one Japanese mail to the group, with the 受付番号; the member sees
//!   it as an unread notice on `/my`, and staff see it delivered.
//! - The outbox process run again from the start of the log sends nothing twice.
//! - The service killed (SIGKILL) right after a submission's commit, before its mail: the service
//!   started again sends exactly one.
//! - With the SMTP server down, the mail is retried and staff see the failure (API, work queue,
//!   `/staff/mail`); when the server is back it is delivered, once.

use std::path::PathBuf;
use std::time::Duration;

use grants_tests::scenario::{form, step_up_round, SHORT_WINDOW};
use grants_tests::smtp::{app_mailing_to, fresh_address, mails_to, sink, wait_for_mails};
use grants_tests::{process, spawn_app_with, Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const OUTBOX: &str = grants_app::mail::outbox::NAME;

/// A group member with an address no other test uses submits an application; returns the
/// address, the member's token, staff's token and the application id.
async fn a_submission(app: &TestApp) -> (String, String, String, String) {
    let cast = app.cast(0).await;
    // The window closes later than the draft reminder's lead, so the only mail is the submission's.
    let window = time::Duration::days(grants_domain::reminder::DRAFT_LEAD_DAYS + 7);
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, window))
        .await;
    let address = fresh_address("member");
    let member = app.applicant(&address).await;
    let group = app.register_group(&member, "みどりの会").await;
    let id = app
        .draft(&member, &round, &group, &form(200_000, 0, 200_000))
        .await;
    app.call(
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        &member,
        None,
        200,
    )
    .await;
    (address, member, cast.staff, id)
}

/// A page as the signed-in browser of `token` gets it.
async fn page(app: &TestApp, path: &str, token: &str) -> String {
    let answer = app
        .client
        .get(app.url(path))
        .header(
            "cookie",
            format!("{}={token}", grants_app::web::session::SESSION_COOKIE),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    answer.text().await.unwrap()
}

async fn outbox_rows(app: &TestApp, template: &str) -> i64 {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM outbox_mails WHERE template = $1",
    )
    .bind(template)
    .fetch_one(pool)
    .await
    .unwrap())
}

async fn a_submission_is_mailed_once_to_the_group(backend: Backend) {
    let (port, _) = sink();
    let app = app_mailing_to(backend, port).await;
    let (address, member, staff, id) = a_submission(&app).await;

    let mails = wait_for_mails(&address, 1).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    let receipt = grants_domain::application::receipt_number(id.parse().unwrap());
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/applications/{id}"),
            &member,
            None,
            200,
        )
        .await;
    assert_eq!(
        read["receipt_number"],
        receipt.as_str(),
        "the group can look it up"
    );
    let subject = mail["subject"].as_str().unwrap();
    let body = mail["body"].as_str().unwrap();
    assert!(subject.contains("申請を受け付けました"), "{subject}");
    assert!(subject.contains("こども自然教室"), "{subject}");
    assert!(body.contains(&format!("受付番号：{receipt}")), "{body}");
    assert!(body.contains("みどりの会 御中"), "{body}");
    assert!(body.contains("受付日時：令和"), "{body}");
    assert!(
        body.contains(&format!("https://grants.example.jp/applications/{id}")),
        "{body}"
    );
    let message_id = mail["message_id"].as_str().unwrap().to_owned();
    assert!(message_id.starts_with('<') && message_id.ends_with("@localhost>"));

    // The member sees it as an unread notice, and can mark it read.
    let notices = app
        .call(Method::GET, "/api/v1/notices", &member, None, 200)
        .await;
    assert_eq!(notices["unread"], 1, "{notices}");
    assert_eq!(notices["items"][0]["id"], message_id.as_str());
    assert_eq!(notices["items"][0]["link"], format!("/applications/{id}"));
    // On /my, in a browser: unread, then marked read with its button.
    let browser = grants_tests::browser::Browser::new(&app);
    browser.sign_in(&address).await;
    let my = browser.get("/my").await;
    assert!(my.html.contains("【未読】"), "{}", my.html);
    assert!(my.html.contains(subject), "{}", my.html);
    let (csrf, form_id) = (my.csrf(), my.form_id());
    let after = browser
        .post(
            "/my/notices/read",
            &[("_csrf", &csrf), ("_form", &form_id), ("id", &message_id)],
        )
        .await;
    assert_eq!(after.status, 200);
    assert!(after.url.ends_with("/my"), "{}", after.url);
    assert!(!after.html.contains("【未読】"), "{}", after.html);
    let notices = app
        .call(Method::GET, "/api/v1/notices", &member, None, 200)
        .await;
    assert_eq!(notices["unread"], 0, "{notices}");
    assert_eq!(notices["items"][0]["read"], true);

    // Staff see it delivered.
    let outbox = app
        .call(Method::GET, "/api/v1/mail?state=all", &staff, None, 200)
        .await;
    let row = outbox["mails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["message_id"] == message_id.as_str())
        .expect("the mail in the outbox");
    assert_eq!(row["template"], "submitted");
    assert_eq!(row["attempts"], 1);
    assert!(row["sent_at"].is_string(), "{row}");

    // The outbox process run again from the start of the log: nothing is written or sent twice.
    process::caught_up(&app, OUTBOX).await;
    process::restart_from_the_beginning(&app, OUTBOX).await;
    process::caught_up(&app, OUTBOX).await;
    // Longer than the sender's pause between passes.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(outbox_rows(&app, "submitted").await, 1);
    assert_eq!(mails_to(&address).len(), 1, "the mail was not sent again");
    let notices = app
        .call(Method::GET, "/api/v1/notices", &member, None, 200)
        .await;
    assert_eq!(notices["items"].as_array().unwrap().len(), 1);

    // Staff return it for correction: the group is told why.
    app.call(
        Method::POST,
        &format!("/api/v1/applications/{id}/screening"),
        &staff,
        Some(&json!({"outcome": "returned", "reason": "参加者数を確認してください"})),
        200,
    )
    .await;
    let mails = wait_for_mails(&address, 2).await;
    let returned = mails
        .iter()
        .find(|mail| mail["subject"].as_str().unwrap().contains("補正"))
        .expect("the return's mail");
    let body = returned["body"].as_str().unwrap();
    assert!(
        body.contains("補正の理由：参加者数を確認してください"),
        "{body}"
    );
    assert!(body.contains(&format!("受付番号：{receipt}")), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_is_mailed_once_to_the_group_sqlite() {
    a_submission_is_mailed_once_to_the_group(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_is_mailed_once_to_the_group_postgres() {
    a_submission_is_mailed_once_to_the_group(Backend::Postgres).await;
}

/// A port on loopback that nothing listens on right now.
async fn a_free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// From now on, `port` reaches the sink: each connection is relayed to it byte for byte.
async fn bring_up(port: u16, sink_port: u16) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the mail server's port is still free");
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) =
                    tokio::net::TcpStream::connect(("127.0.0.1", sink_port)).await
                {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
}

async fn an_outage_delays_the_mail_and_staff_see_it(backend: Backend) {
    let (sink_port, _) = sink();
    // The service's mail server is down: nothing listens on its port yet.
    let port = a_free_port().await;
    let app = app_mailing_to(backend, port).await;
    let (address, _member, staff, _id) = a_submission(&app).await;

    // The delivery fails, is counted and kept for staff.
    let mut failing = Value::Null;
    for _ in 0..100 {
        let outbox = app
            .call(Method::GET, "/api/v1/mail", &staff, None, 200)
            .await;
        if outbox["failing"].as_i64() == Some(1) {
            failing = outbox;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = &failing["mails"][0];
    assert_eq!(row["template"], "submitted", "{failing}");
    assert!(row["attempts"].as_i64().unwrap() >= 1, "{row}");
    assert!(row["last_error"].is_string(), "{row}");
    assert!(row["sent_at"].is_null(), "{row}");
    let queue = app
        .call(Method::GET, "/api/v1/work-queue", &staff, None, 200)
        .await;
    assert_eq!(queue["failing_mail"], 1, "{queue}");
    let html = page(&app, "/staff/mail", &staff).await;
    assert!(html.contains("再送待ち"), "{html}");
    assert!(mails_to(&address).is_empty());

    // The server comes back: the next try delivers it, once.
    bring_up(port, sink_port).await;
    let mails = wait_for_mails(&address, 1).await;
    assert_eq!(mails.len(), 1);
    for _ in 0..50 {
        let outbox = app
            .call(Method::GET, "/api/v1/mail", &staff, None, 200)
            .await;
        if outbox["failing"] == 0 {
            assert!(outbox["mails"].as_array().unwrap().is_empty(), "{outbox}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the mail stayed failing after its delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_delays_the_mail_and_staff_see_it_sqlite() {
    an_outage_delays_the_mail_and_staff_see_it(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_delays_the_mail_and_staff_see_it_postgres() {
    an_outage_delays_the_mail_and_staff_see_it(Backend::Postgres).await;
}

async fn a_decision_is_mailed_with_the_amount_and_the_notice_number(backend: Backend) {
    let (port, _) = sink();
    let app = app_mailing_to(backend, port).await;
    let cast = app.cast(1).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
        .await;
    let address = fresh_address("member");
    let member = app.applicant(&address).await;
    let group = app.register_group(&member, "みどりの会").await;
    let (application, _) = app
        .eligible_application(&cast, &member, &round, &group, &form(200_000, 0, 200_000))
        .await;
    app.score(&cast, &application, &[45], &[]).await;
    app.close_and_rank(&cast, &round).await;
    let grant = app.award(&cast, &round, &application, 200_000).await;

    // Received, screened, awarded: one mail each. The window is seconds long, so the draft may
    // also have been reminded before it was submitted; that mail is not counted here.
    let not_reminders = || -> Vec<Value> {
        mails_to(&address)
            .into_iter()
            .filter(|mail| {
                !mail["subject"]
                    .as_str()
                    .unwrap()
                    .contains("提出期限が近づいています")
            })
            .collect()
    };
    wait_for_mails(&address, 3).await;
    for _ in 0..100 {
        if not_reminders().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mails = not_reminders();
    let subjects: Vec<&str> = mails
        .iter()
        .map(|mail| mail["subject"].as_str().unwrap())
        .collect();
    assert_eq!(mails.len(), 3, "{subjects:?}");
    let awarded = mails
        .iter()
        .find(|mail| {
            mail["subject"]
                .as_str()
                .unwrap()
                .contains("交付決定のお知らせ")
        })
        .expect("the award's mail");
    let body = awarded["body"].as_str().unwrap();
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/grants/{grant}"),
            &member,
            None,
            200,
        )
        .await;
    let notice_number = read["notice_number"].as_str().unwrap();
    assert!(body.contains("交付決定額：200,000円"), "{body}");
    assert!(
        body.contains(&format!("文書番号：{notice_number}")),
        "{body}"
    );
    assert!(body.contains("事業の完了期限：令和"), "{body}");
    assert!(
        body.contains(&format!("https://grants.example.jp/grants/{grant}")),
        "{body}"
    );
    assert!(subjects
        .iter()
        .any(|subject| subject.contains("書類審査の結果")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_is_mailed_with_the_amount_and_the_notice_number_sqlite() {
    a_decision_is_mailed_with_the_amount_and_the_notice_number(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_is_mailed_with_the_amount_and_the_notice_number_postgres() {
    a_decision_is_mailed_with_the_amount_and_the_notice_number(Backend::Postgres).await;
}

/// The embedded default: each mail written once as a `.eml` file, named by its Message-ID.
async fn without_smtp_each_mail_is_a_file(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let app = spawn_app_with(backend, |config| {
        config.mail.mail_dir = Some(mail_dir.clone());
    })
    .await;
    let (_address, _member, _staff, _id) = a_submission(&app).await;
    let files = || -> Vec<PathBuf> {
        std::fs::read_dir(&mail_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                    .collect()
            })
            .unwrap_or_default()
    };
    for _ in 0..100 {
        if !files().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let written = files();
    assert_eq!(written.len(), 1, "{written:?}");
    let text = std::fs::read_to_string(&written[0]).unwrap();
    let name = written[0].file_stem().unwrap().to_str().unwrap();
    assert!(
        text.contains(&format!("Message-ID: <{name}@localhost>")),
        "{text}"
    );
    assert!(
        text.contains("Content-Type: text/plain; charset=utf-8"),
        "{text}"
    );

    process::caught_up(&app, OUTBOX).await;
    process::restart_from_the_beginning(&app, OUTBOX).await;
    process::caught_up(&app, OUTBOX).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(files().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_each_mail_is_a_file_sqlite() {
    without_smtp_each_mail_is_a_file(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_each_mail_is_a_file_postgres() {
    without_smtp_each_mail_is_a_file(Backend::Postgres).await;
}

#[tokio::test]
#[ignore = "started by the mail crash test as its server process"]
async fn mail_test_server() {
    grants_tests::child::serve_from_env().await;
}

async fn killed_after_the_event_it_mails_once_after_the_restart(backend: Backend) {
    use grants_tests::child::Server;
    let (port, _) = sink();
    let (url, _sqlite_dir) = grants_tests::fresh_database(backend).await;
    let work = tempfile::tempdir().unwrap();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let env = [("GRANTS_CHILD_SMTP_URL", smtp.as_str())];
    let server = Server::start_with("mail::mail_test_server", &url, work.path(), None, &env).await;
    let app = TestApp::at(&server.base, &url);
    let (address, _member, _staff, _id) = a_submission(&app).await;
    // Killed as soon as the submission is answered: its event is committed, and its mail most
    // likely not yet written (the outbox looks every 200 ms), or written and not yet sent.
    server.kill();

    let server = Server::start_with("mail::mail_test_server", &url, work.path(), None, &env).await;
    let app = TestApp::at(&server.base, &url);
    let mails = wait_for_mails(&address, 1).await;
    process::caught_up(&app, OUTBOX).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(mails_to(&address).len(), 1, "{mails:?}");
    assert_eq!(outbox_rows(&app, "submitted").await, 1);
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_the_event_it_mails_once_after_the_restart_sqlite() {
    killed_after_the_event_it_mails_once_after_the_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_the_event_it_mails_once_after_the_restart_postgres() {
    killed_after_the_event_it_mails_once_after_the_restart(Backend::Postgres).await;
}

/// Two services share one outbox (as two servers behind a load balancer do): each of more mails
/// than one pass claims (three batches' worth) reaches the SMTP server once, and each row ends
/// sent after one try. The rows are written straight into the outbox, as the outbox process
/// writes them, so that both senders find a backlog at once.
async fn two_senders_deliver_each_mail_once(backend: Backend) {
    const MAILS: usize = 60;
    let (port, _) = sink();
    let first = app_mailing_to(backend, port).await;
    let smtp = format!("smtp://127.0.0.1:{port}");
    let second = grants_tests::spawn_second_instance_with(&first, |config| {
        config.mail.smtp_url = Some(smtp);
    })
    .await;
    let address = fresh_address("backlog");
    let db = grants_app::db::Database::connect(&first.database_url)
        .await
        .unwrap();
    let created = "2026-12-03T00:00:00Z";
    // One transaction, so that both senders find the whole backlog at once.
    grants_app::with_pool!(&db, pool => {
        let mut tx = pool.begin().await.unwrap();
        for n in 0..MAILS {
            let message_id = format!("<backlog{n}-{}@localhost>", uuid::Uuid::new_v4().simple());
            let stream = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO outbox_mails (message_id, stream_id, sequence, template, subject_id, \
                 position, group_id, recipients, subject, body, created_at, next_attempt_at) \
                 VALUES ($1, $2, 1, 'submitted', $2, $3, $2, $4, $5, 'body', $6, 0)",
            )
            .bind(&message_id)
            .bind(&stream)
            .bind(i64::try_from(n).unwrap())
            .bind(&address)
            .bind(format!("backlog {n}"))
            .bind(created)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    });

    wait_for_mails(&address, MAILS).await;
    // Longer than a sender's pause between passes: a second delivery would have come by now.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let mails = mails_to(&address);
    let mut ids: Vec<&str> = mails
        .iter()
        .map(|mail| mail["message_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((mails.len(), ids.len()), (MAILS, MAILS));
    let tries: Vec<(i32, bool)> = grants_app::with_pool!(&db, pool => sqlx::query_as(
        "SELECT attempts, sent_at IS NOT NULL FROM outbox_mails WHERE recipients = $1",
    )
    .bind(&address)
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(tries, vec![(1, true); MAILS]);
    drop(second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_deliver_each_mail_once_sqlite() {
    two_senders_deliver_each_mail_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_deliver_each_mail_once_postgres() {
    two_senders_deliver_each_mail_once(Backend::Postgres).await;
}
