//! The two notices an application receives without a grant (issue 17), on both backends: the
//! 次点の打診 issued from the log when the ranking makes it the runner-up, and the 不交付決定通知書
//! when its group declines the offer. Each is listed on the application, downloaded by its group
//! (staff read the same bytes, a stranger nothing), hashes to what the log recorded, and
//! `pdftotext` finds the 受付番号, the group's name and the offered amount in it.
//!
//! Budget 500,000: A asks 300,000 (adopted), B 250,000 (runner-up, offered 200,000).

use grants_tests::documents::{assert_says, download, issued, pdf_text};
use grants_tests::scenario::{fiscal_year_end, form, step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest;

/// Downloads `notice` as the group, checks it against its recorded SHA-256 and that staff read the
/// same bytes and a stranger nothing; returns its text.
async fn read_back(
    app: &TestApp,
    notice: &Value,
    member: &str,
    staff: &str,
    stranger: &str,
) -> String {
    let href = notice["href"].as_str().unwrap();
    let (status, bytes, _) = download(app, href, member).await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        notice["sha256"].as_str().unwrap(),
        "the downloaded notice is the one the log recorded"
    );
    let (status, staff_bytes, _) = download(app, href, staff).await;
    assert_eq!((status, staff_bytes), (200, bytes.clone()));
    assert_eq!(download(app, href, stranger).await.0, 404);
    pdf_text(&bytes)
}

on_both_backends!(
    a_runner_up_is_offered_then_declines_and_receives_both_notices,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let staff = cast.staff.clone();
        let round = app
            .open_round(&cast, &step_up_round(500_000, SHORT_WINDOW))
            .await;
        let mut members = Vec::new();
        let mut applications = Vec::new();
        for (n, (requested, total)) in [(300_000, 45), (250_000, 42)].into_iter().enumerate() {
            let member = app.applicant(&format!("member{n}@example.jp")).await;
            let group = app
                .register_group(&member, ["あさひ会", "川辺の学校"][n])
                .await;
            let (application, _) = app
                .eligible_application(&cast, &member, &round, &group, &form(300_000, 0, requested))
                .await;
            app.score(&cast, &application, &[total], &[]).await;
            members.push(member);
            applications.push(application);
        }
        let ranking = app.close_and_rank(&cast, &round).await;
        assert_eq!(ranking["offer"]["remainder"], 200_000);

        let runner_up = &applications[1];
        let member = &members[1];
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{runner_up}"),
                member,
                None,
                200,
            )
            .await;
        let receipt = read["receipt_number"].as_str().unwrap().to_owned();
        let documents = format!("/api/v1/applications/{runner_up}/documents");
        let stranger = app.applicant("stranger@example.jp").await;

        // 次点の打診: issued from the ranking, with the 受付番号 and the amount offered.
        let offer = issued(&app, &documents, member, "runner_up_offer").await;
        assert_eq!(offer["label_ja"], "次点の打診");
        let text = read_back(&app, &offer, member, &staff, &stranger).await;
        assert_says(&text, &["打診", &receipt, "川辺の学校", "200,000円"]);

        // The adopted one is decided; the runner-up declines: 不交付決定通知書.
        let body = json!({"awards": [{"application_id": applications[0], "amount": 300_000, "conditions": "", "completion_deadline": fiscal_year_end()}]});
        app.call(
            Method::POST,
            &format!("/api/v1/rounds/{round}/decisions"),
            &staff,
            Some(&body),
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("/api/v1/rounds/{round}/runner-up-offer"),
            member,
            Some(&json!({"application_id": runner_up, "accept": false})),
            200,
        )
        .await;
        let refusal = issued(&app, &documents, member, "non_award_notice").await;
        assert_eq!(refusal["label_ja"], "不交付決定通知書");
        assert!(refusal["document_number"]
            .as_str()
            .unwrap()
            .contains(&receipt));
        let text = read_back(&app, &refusal, member, &staff, &stranger).await;
        assert_says(
            &text,
            &["不交付決定通知書", &receipt, "川辺の学校", "審査請求"],
        );

        // The adopted group's application lists neither.
        let other = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{}/documents", applications[0]),
                &members[0],
                None,
                200,
            )
            .await;
        assert!(other["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|document| document["kind"] != "non_award_notice"
                && document["kind"] != "runner_up_offer"));
    }
);
