//! Password reset by an e-mailed one-time link (app/src/auth/reset.rs), end to end against the SMTP
//! sink that `scripts/test` starts, on both backends: the link arrives by mail and sets a new
//! password once; a used link, a link voided by a later one, an expired link (the service's clock
//! moved 31 minutes on) and an unknown link are refused with their rule; the link resets only the
//! account it was mailed for; an unknown address is answered alike and mailed nothing; a fifth
//! request for one address within the hour waits; and the pages 「パスワードをお忘れの方」 and the
//! reset form do the same in a browser.

use grants_tests::browser::Browser;
use grants_tests::process::{count_events, dump_events};
use grants_tests::smtp::{app_mailing_to_the_sink, fresh_address, mails_to, wait_for_mails};
use grants_tests::{Backend, TestApp, TEST_PASSWORD};
use reqwest::Method;
use serde_json::json;

const NEW_PASSWORD: &str = "a new passphrase for 2027";

/// Every reset token mailed to `address`, in no particular order.
fn tokens_to(address: &str) -> Vec<String> {
    mails_to(address)
        .iter()
        .filter_map(|mail| mail["body"].as_str())
        .filter_map(|body| {
            let start = body.find("/password/reset?token=")? + "/password/reset?token=".len();
            Some(body[start..start + 64].to_owned())
        })
        .collect()
}

/// Asks for a link for `address` and returns the token of the one new mail it brings.
async fn a_new_link(app: &TestApp, address: &str) -> String {
    let before = tokens_to(address);
    let answer = app
        .post_json("/api/v1/password-resets", &json!({"email": address}))
        .await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    wait_for_mails(address, before.len() + 1).await;
    tokens_to(address)
        .into_iter()
        .find(|token| !before.contains(token))
        .expect("a new token")
}

async fn confirm(app: &TestApp, token: &str, password: &str) -> grants_tests::Answer {
    app.post_json(
        "/api/v1/password-resets/confirm",
        &json!({"token": token, "password": password}),
    )
    .await
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> u16 {
    app.post_json(
        "/api/v1/sessions",
        &json!({"email": email, "password": password}),
    )
    .await
    .status
}

async fn a_mailed_link_resets_the_password_once(backend: Backend) {
    let app = app_mailing_to_the_sink(backend).await;
    let (alice, bob) = (fresh_address("alice"), fresh_address("bob"));
    let alice_session = app.applicant(&alice).await;
    let alice_id = app
        .call(
            Method::GET,
            "/api/v1/sessions/current",
            &alice_session,
            None,
            200,
        )
        .await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.applicant(&bob).await;

    let first = a_new_link(&app, &alice).await;
    let second = a_new_link(&app, &alice).await;
    let mail = &mails_to(&alice)[0];
    assert!(
        mail["subject"]
            .as_str()
            .unwrap()
            .contains("パスワードの再設定"),
        "{mail}"
    );
    assert!(
        mail["body"]
            .as_str()
            .unwrap()
            .contains("https://grants.example.jp/password/reset?token="),
        "{mail}"
    );

    // An unknown address: the same answer, and no mail.
    let nobody = fresh_address("nobody");
    let answer = app
        .post_json("/api/v1/password-resets", &json!({"email": nobody}))
        .await;
    assert_eq!(answer.status, 202);
    assert_eq!(answer.body, json!({"accepted": true}));

    // A weak password is refused beside its field, and the link stays usable.
    let weak = confirm(&app, &second, "short").await;
    assert_eq!(weak.status, 422, "{:?}", weak.body);
    assert_eq!(weak.body["code"], "account.weak_password");
    assert_eq!(weak.body["field"], "password");

    let done = confirm(&app, &second, NEW_PASSWORD).await;
    assert_eq!(done.status, 204, "{:?}", done.body);
    assert_eq!(signs_in(&app, &alice, TEST_PASSWORD).await, 401);
    assert_eq!(signs_in(&app, &alice, NEW_PASSWORD).await, 201);
    // Her sessions from before the reset are over.
    let old_session = app
        .send(
            Method::GET,
            "/api/v1/sessions/current",
            Some(&alice_session),
            None,
        )
        .await;
    assert_eq!(old_session.status, 401);
    // The wrong account is untouched: Bob signs in as before.
    assert_eq!(signs_in(&app, &bob, TEST_PASSWORD).await, 201);
    // The reset is on Alice's record, with no secret in it: neither password nor the link.
    assert_eq!(count_events(&app, "PasswordReset").await, 1);
    let log = dump_events(&app, "account").await;
    let recorded = log
        .lines()
        .find(|line| line.contains(" PasswordReset "))
        .unwrap();
    assert!(recorded.starts_with(&alice_id), "{recorded}");
    assert!(recorded.contains("mailed_link"), "{recorded}");
    for secret in [NEW_PASSWORD, second.as_str(), "$argon2"] {
        assert!(!log.contains(secret), "{secret} in the log");
    }

    // Reused: refused. The earlier link was voided by the reset.
    for token in [&second, &first] {
        let again = confirm(&app, token, "yet another passphrase 1").await;
        assert_eq!(again.status, 410, "{:?}", again.body);
        assert_eq!(again.body["code"], "account.reset_link_used");
        assert!(again.body["detail_ja"]
            .as_str()
            .unwrap()
            .contains("既に使われています"));
    }
    assert_eq!(signs_in(&app, &alice, NEW_PASSWORD).await, 201);

    // Unknown: refused.
    let unknown = confirm(&app, &"0".repeat(64), NEW_PASSWORD).await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.body["code"], "account.reset_link_unknown");

    // Expired: Bob's link, 31 minutes later on the service's clock.
    let bobs = a_new_link(&app, &bob).await;
    app.clock.advance(time::Duration::minutes(31));
    let expired = confirm(&app, &bobs, NEW_PASSWORD).await;
    assert_eq!(expired.status, 410, "{:?}", expired.body);
    assert_eq!(expired.body["code"], "account.reset_link_expired");
    assert_eq!(signs_in(&app, &bob, TEST_PASSWORD).await, 201);
    app.clock.advance(time::Duration::minutes(-31));
    // Refused links recorded nothing.
    assert_eq!(count_events(&app, "PasswordReset").await, 1);

    // In a browser: the sign-in page links 「パスワードをお忘れの方」, whose form mails a link; the
    // link's page sets the password.
    let browser = Browser::new(&app);
    let login = browser.get("/login").await;
    assert!(
        login.html.contains("パスワードをお忘れの方"),
        "{}",
        login.html
    );
    let forgot = browser.get("/password/forgot").await;
    let before = tokens_to(&alice);
    let sent = browser
        .post(
            "/password/forgot",
            &[
                ("_csrf", &forgot.csrf()),
                ("_form", &forgot.form_id()),
                ("email", &alice),
            ],
        )
        .await;
    assert_eq!(sent.status, 200);
    assert!(sent.html.contains("reset-sent"), "{}", sent.html);
    wait_for_mails(&alice, before.len() + 1).await;
    let token = tokens_to(&alice)
        .into_iter()
        .find(|token| !before.contains(token))
        .expect("the page's link");
    let form = browser.get(&format!("/password/reset?token={token}")).await;
    assert_eq!(form.input("token").as_deref(), Some(token.as_str()));
    let reset = browser
        .post(
            "/password/reset",
            &[
                ("_csrf", &form.csrf()),
                ("_form", &form.form_id()),
                ("token", &token),
                ("password", TEST_PASSWORD),
            ],
        )
        .await;
    assert!(reset.html.contains("reset-done"), "{}", reset.html);
    assert_eq!(signs_in(&app, &alice, TEST_PASSWORD).await, 201);
    // The used link again, in the page: the rule in Japanese, beside the form.
    let again = browser
        .post(
            "/password/reset",
            &[
                ("_csrf", &form.csrf()),
                ("_form", &form.form_id()),
                ("token", &token),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert!(again.html.contains("既に使われています"), "{}", again.html);
    assert_eq!(count_events(&app, "PasswordReset").await, 2);
    // A fourth request for Alice's address within the hour must wait.
    let throttled = app
        .post_json("/api/v1/password-resets", &json!({"email": alice}))
        .await;
    assert_eq!(throttled.status, 429, "{:?}", throttled.body);
    assert_eq!(throttled.body["code"], "auth.too_many_resets");

    // (After the throttle's check, which must follow the last request within a second.)
    // An auditor sees both on the account's timeline, in Japanese.
    let auditor_address = fresh_address("auditor");
    app.account_with_role("auditor", &auditor_address).await;
    let auditor = Browser::new(&app);
    auditor.sign_in(&auditor_address).await;
    let timeline = auditor
        .get(&format!("/audit/streams/account/{alice_id}"))
        .await;
    assert_eq!(
        timeline
            .html
            .matches("パスワードの再設定（メールのリンク）")
            .count(),
        2,
        "{}",
        timeline.html
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailed_link_resets_the_password_once_sqlite() {
    a_mailed_link_resets_the_password_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailed_link_resets_the_password_once_postgres() {
    a_mailed_link_resets_the_password_once(Backend::Postgres).await;
}
