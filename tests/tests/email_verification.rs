//! E-mail address verification (app/src/auth/verification.rs), end to end against the SMTP sink, on
//! both backends, with the service requiring verified addresses (`--require-verified-email`): the
//! link mailed on registration; an unverified applicant may draft but not submit; the link's page
//! verifies (an `EmailVerified` event on the account), after which the application is submitted; a
//! used, an unknown and an expired link (the clock moved 8 days) are refused with their rule; a new
//! link can be asked for while signed in, not once verified.

use grants_tests::browser::Browser;
use grants_tests::process::count_events;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::smtp::{fresh_address, mails_to, sink, wait_for_mails};
use grants_tests::{spawn_app_with, Backend, TestApp};
use reqwest::Method;
use serde_json::json;

const SUBJECT: &str = "メールアドレスの確認";

/// Every verification token mailed to `address`.
pub(crate) fn tokens_to(address: &str) -> Vec<String> {
    mails_to(address)
        .iter()
        .filter(|mail| {
            mail["subject"]
                .as_str()
                .is_some_and(|s| s.contains(SUBJECT))
        })
        .filter_map(|mail| mail["body"].as_str())
        .filter_map(|body| {
            let start = body.find("/verify-email?token=")? + "/verify-email?token=".len();
            Some(body[start..start + 64].to_owned())
        })
        .collect()
}

pub(crate) async fn verify(app: &TestApp, token: &str) -> grants_tests::Answer {
    app.post_json("/api/v1/email-verifications", &json!({"token": token}))
        .await
}

async fn an_applicant_verifies_the_address_before_submitting(backend: Backend) {
    let (port, _) = sink();
    let app = spawn_app_with(backend, |config| {
        config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        config.mail.public_url = "https://grants.example.jp".into();
        config.require_verified_email = true;
    })
    .await;
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, time::Duration::hours(1)))
        .await;
    let (hanako, taro) = (fresh_address("hanako"), fresh_address("taro"));
    let member = app.applicant(&hanako).await;
    wait_for_mails(&hanako, 1).await;
    let [token] = tokens_to(&hanako).try_into().expect("one link");
    let mail = &mails_to(&hanako)[0];
    assert!(
        mail["body"].as_str().unwrap().contains(&format!(
            "https://grants.example.jp/verify-email?token={token}"
        )),
        "{mail}"
    );

    // Unverified: a group and a draft, but no submission.
    let group = app.register_group(&member, "みどりの会").await;
    let id = app
        .draft(&member, &round, &group, &form(200_000, 0, 200_000))
        .await;
    let submit = format!("/api/v1/applications/{id}/submit");
    let refused = app.send(Method::POST, &submit, Some(&member), None).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.body["code"], "account.email_unverified");
    assert!(refused.body["detail_ja"]
        .as_str()
        .unwrap()
        .contains("メールアドレスの確認"));

    // The session read says so, and /my shows it with the way to a new link.
    let session = "/api/v1/sessions/current";
    let read = app.call(Method::GET, session, &member, None, 200).await;
    assert_eq!(read["email_verified"], false, "{read}");
    assert_eq!(read["email_verification_required"], true, "{read}");
    let signed_in = Browser::new(&app);
    signed_in.sign_in(&hanako).await;
    let my = signed_in.get("/my").await;
    assert!(my.html.contains("email-unverified"), "{}", my.html);
    assert!(my.html.contains("href=\"/verify-email\""), "{}", my.html);

    // The link's page verifies; then the submission goes through.
    let browser = Browser::new(&app);
    let page = browser.get(&format!("/verify-email?token={token}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.input("token").as_deref(), Some(token.as_str()));
    let done = browser
        .post(
            "/verify-email",
            &[
                ("_csrf", &page.csrf()),
                ("_form", &page.form_id()),
                ("token", &token),
            ],
        )
        .await;
    assert!(done.html.contains("email-verified"), "{}", done.html);
    assert_eq!(count_events(&app, "EmailVerified").await, 1);
    app.call(Method::POST, &submit, &member, None, 200).await;
    let read = app.call(Method::GET, session, &member, None, 200).await;
    assert_eq!(read["email_verified"], true, "{read}");
    let my = signed_in.get("/my").await;
    assert!(!my.html.contains("email-unverified"), "{}", my.html);

    // Used, unknown; and no new link once verified.
    let used = verify(&app, &token).await;
    assert_eq!(used.status, 410, "{:?}", used.body);
    assert_eq!(used.body["code"], "account.verification_link_used");
    let unknown = verify(&app, &"f".repeat(64)).await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.body["code"], "account.verification_link_unknown");
    let resend = "/api/v1/sessions/current/email-verification";
    let again = app.send(Method::POST, resend, Some(&member), None).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert_eq!(again.body["code"], "account.email_already_verified");

    // Expired after 7 days: refused; a new link asked for while signed in verifies.
    let other = app.applicant(&taro).await;
    wait_for_mails(&taro, 1).await;
    let [old] = tokens_to(&taro).try_into().expect("one link");
    app.clock.advance(time::Duration::days(8));
    let expired = verify(&app, &old).await;
    assert_eq!(expired.status, 410, "{:?}", expired.body);
    assert_eq!(expired.body["code"], "account.verification_link_expired");
    let asked = app.send(Method::POST, resend, Some(&other), None).await;
    assert_eq!(asked.status, 202, "{:?}", asked.body);
    wait_for_mails(&taro, 2).await;
    let fresh = tokens_to(&taro)
        .into_iter()
        .find(|token| *token != old)
        .expect("a new link");
    assert_eq!(verify(&app, &fresh).await.status, 204);
    assert_eq!(count_events(&app, "EmailVerified").await, 2);
    app.clock.advance(time::Duration::days(-8));

    // The page offers a new link to a signed-in user; once verified, it says so.
    let signed_in = Browser::new(&app);
    signed_in.sign_in(&hanako).await;
    let page = signed_in.get("/verify-email").await;
    let answer = signed_in
        .post("/verify-email/resend", &[("_csrf", &page.csrf())])
        .await;
    assert!(answer.html.contains("既に確認済み"), "{}", answer.html);
    let ichiro = fresh_address("ichiro");
    app.applicant(&ichiro).await;
    wait_for_mails(&ichiro, 1).await;
    let unverified = Browser::new(&app);
    unverified.sign_in(&ichiro).await;
    let page = unverified.get("/verify-email").await;
    let sent = unverified
        .post("/verify-email/resend", &[("_csrf", &page.csrf())])
        .await;
    assert!(sent.html.contains("verification-sent"), "{}", sent.html);
    wait_for_mails(&ichiro, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_verifies_the_address_before_submitting_sqlite() {
    an_applicant_verifies_the_address_before_submitting(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_verifies_the_address_before_submitting_postgres() {
    an_applicant_verifies_the_address_before_submitting(Backend::Postgres).await;
}
