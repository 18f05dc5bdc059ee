//! Accounts and sessions over HTTP: register, sign in, sign out, staff opening accounts.

use grants_tests::{on_both_backends, TestApp, TEST_PASSWORD};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    an_applicant_registers_signs_in_and_out,
    |app: TestApp| async move {
        let token = app.applicant("Hanako@Example.jp").await;
        // The address is compared case-insensitively: the same person cannot register twice.
        let again = app
        .post_json(
            "/api/v1/accounts",
            &json!({"email": "hanako@example.jp", "password": TEST_PASSWORD, "display_name": "x"}),
        )
        .await;
        assert_eq!(again.status, 409, "{:?}", again.body);
        assert_eq!(again.content_type, "application/problem+json");

        let signed_out = app
            .send(
                Method::DELETE,
                "/api/v1/sessions/current",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(signed_out.status, 204);
        let after = app
            .send(
                Method::DELETE,
                "/api/v1/sessions/current",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(after.status, 401, "a signed-out token is dead");
    }
);

on_both_backends!(
    wrong_address_and_wrong_password_get_the_same_401,
    |app: TestApp| async move {
        app.applicant("taro@example.jp").await;
        let wrong_password = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "taro@example.jp", "password": "wrong password!!"}),
            )
            .await;
        let wrong_address = app
            .post_json(
                "/api/v1/sessions",
                &json!({"email": "nobody@example.jp", "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(wrong_password.status, 401);
        assert_eq!(wrong_password.body, wrong_address.body);
    }
);

on_both_backends!(
    weak_passwords_and_bad_addresses_are_refused,
    |app: TestApp| async move {
        for (email, password) in [
            ("a@example.jp", "short"),
            ("a@example.jp", "password1234"),
            ("not-an-address", TEST_PASSWORD),
        ] {
            let answer = app
                .post_json(
                    "/api/v1/accounts",
                    &json!({"email": email, "password": password, "display_name": "x"}),
                )
                .await;
            assert_eq!(answer.status, 422, "{email} {password}: {:?}", answer.body);
            assert!(answer.body["detail_ja"].as_str().is_some());
        }
    }
);

on_both_backends!(
    only_staff_open_reviewer_accounts,
    |app: TestApp| async move {
        let staff = app
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        let applicant = app.applicant("group@example.jp").await;
        let body = json!({"email": "rev@example.jp", "password": TEST_PASSWORD, "display_name": "審査 一郎", "role": "reviewer"});
        let refused = app
            .send(Method::POST, "/api/v1/users", Some(&applicant), Some(&body))
            .await;
        assert_eq!(refused.status, 403);
        let anonymous = app
            .send(Method::POST, "/api/v1/users", None, Some(&body))
            .await;
        assert_eq!(anonymous.status, 401);
        let created = app
            .send(Method::POST, "/api/v1/users", Some(&staff), Some(&body))
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        assert!(created.body["position"].as_i64().unwrap() > 0);
        let reviewer = app.sign_in("rev@example.jp", TEST_PASSWORD).await;
        assert!(!reviewer.is_empty());
    }
);

on_both_backends!(
    malformed_and_oversized_bodies_get_problems,
    |app: TestApp| async move {
        let malformed = app.post_raw("/api/v1/accounts", "{not json").await;
        assert_eq!(malformed.status, 400);
        assert_eq!(malformed.content_type, "application/problem+json");
        let unknown_field = app
        .post_json("/api/v1/accounts", &json!({"email": "a@b.jp", "password": TEST_PASSWORD, "display_name": "x", "admin": true}))
        .await;
        assert_eq!(unknown_field.status, 422);
        let huge = format!("{{\"email\":\"{}\"}}", "a".repeat(300 * 1024));
        let too_large = app.post_raw("/api/v1/accounts", huge).await;
        assert_eq!(too_large.status, 413);
    }
);

on_both_backends!(
    repeated_failures_are_slowed_down_not_locked_out,
    |app: TestApp| async move {
        app.applicant("target@example.jp").await;
        let wrong = json!({"email": "target@example.jp", "password": "not the password"});
        for _ in 0..5 {
            assert_eq!(app.post_json("/api/v1/sessions", &wrong).await.status, 401);
        }
        let slowed = app
            .client
            .post(app.url("/api/v1/sessions"))
            .json(&json!({"email": "target@example.jp", "password": TEST_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            slowed.status().as_u16(),
            429,
            "even the right password waits its turn"
        );
        assert_eq!(slowed.headers()["retry-after"], "1");
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let token = app.sign_in("target@example.jp", TEST_PASSWORD).await;
        assert!(!token.is_empty(), "after the wait the real user signs in");
    }
);

on_both_backends!(
    answers_carry_security_headers_and_no_secrets,
    |app: TestApp| async move {
        let response = app
            .client
            .get(app.url("/api/v1/rounds"))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "CORS stays closed"
        );

        let token = app.applicant("secret@example.jp").await;
        let auditor = app.account_with_role("auditor", "auditor@example.jp").await;
        let log = app
            .send(Method::GET, "/api/v1/audit/events", Some(&auditor), None)
            .await;
        let log = log.body.to_string();
        for secret in [TEST_PASSWORD, "$argon2", token.as_str()] {
            assert!(!log.contains(secret), "{secret} appears in the audit log");
        }
        let users = app
            .send(Method::GET, "/api/v1/applications", Some(&token), None)
            .await;
        assert!(!users.body.to_string().contains("$argon2"));
    }
);

on_both_backends!(an_expired_session_is_refused, |app: TestApp| async move {
    let token = app.applicant("expiring@example.jp").await;
    // Thirteen hours later, as far as the sessions table is concerned. Before the token's first
    // use: a use would keep the session in the service's memory (auth::session_cache, whose
    // entries expire with the session: its unit tests), and nothing but the service's own
    // revocations writes this table.
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query("UPDATE sessions SET expires_at = expires_at - 13 * 3600")
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
    let expired = app
        .send(Method::GET, "/api/v1/applications", Some(&token), None)
        .await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.body["code"], "auth.not_signed_in");
});

on_both_backends!(
    one_guessed_account_does_not_lock_out_the_others_behind_the_same_address,
    |app: TestApp| async move {
        app.applicant("target@example.jp").await;
        app.applicant("citizen@example.jp").await;
        let wrong = json!({"email": "target@example.jp", "password": "not the password"});
        // Fifty guesses at once, then on until seven have failed: after the fifth failure each wait
        // doubles from one second, so the seventh leaves a wait of four seconds, longer than the
        // checks below take even on a busy machine.
        let mut failures = 0;
        for attempt in 0..400 {
            let status = app.post_json("/api/v1/sessions", &wrong).await.status;
            assert!(status == 401 || status == 429, "{status}");
            failures += u32::from(status == 401);
            if attempt >= 50 && failures >= 7 {
                break;
            }
            if attempt >= 50 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        assert!(failures >= 7, "only {failures} guesses were let through");
        // The guessed account waits, through the API and through the web form alike.
        let right = json!({"email": "target@example.jp", "password": TEST_PASSWORD});
        assert_eq!(app.post_json("/api/v1/sessions", &right).await.status, 429);
        let browser = grants_tests::browser::Browser::new(&app);
        let page = browser.sign_in("target@example.jp").await;
        assert!(
            page.html.contains("ログインの失敗が続いたため"),
            "the web form shares the limiter: {}",
            page.html
        );
        // Another citizen from the same address signs in at once.
        let token = app.sign_in("citizen@example.jp", TEST_PASSWORD).await;
        assert!(!token.is_empty());
    }
);

on_both_backends!(
    failures_at_the_web_form_count_for_the_api_too,
    |app: TestApp| async move {
        app.applicant("target@example.jp").await;
        let browser = grants_tests::browser::Browser::new(&app);
        for _ in 0..5 {
            let login = browser.get("/login").await;
            let csrf = login.csrf();
            browser
                .post(
                    "/login",
                    &[
                        ("_csrf", &csrf),
                        ("email", "target@example.jp"),
                        ("password", "not the password"),
                        ("next", ""),
                    ],
                )
                .await;
        }
        let right = json!({"email": "target@example.jp", "password": TEST_PASSWORD});
        assert_eq!(app.post_json("/api/v1/sessions", &right).await.status, 429);
    }
);

on_both_backends!(
    sign_ups_from_one_address_are_throttled,
    |app: TestApp| async move {
        for n in 0..10 {
            let body = json!({"email": format!("a{n}@example.jp"), "password": TEST_PASSWORD, "display_name": "申請 花子"});
            assert_eq!(app.post_json("/api/v1/accounts", &body).await.status, 201);
        }
        let body = json!({"email": "eleventh@example.jp", "password": TEST_PASSWORD, "display_name": "申請 花子"});
        let refused = app.post_json("/api/v1/accounts", &body).await;
        assert_eq!(refused.status, 429, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "auth.too_many_sign_ups");
    }
);

mod behind_a_proxy {
    use super::*;

    async fn wrong_from(app: &TestApp, forwarded_for: &str) -> u16 {
        app.client
            .post(app.url("/api/v1/sessions"))
            .header("X-Forwarded-For", forwarded_for)
            .json(&json!({"email": "target@example.jp", "password": "not the password"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_forwarded_address_counts_only_when_the_proxy_is_trusted() {
        // Trusted: each forwarded client is counted apart.
        let app = grants_tests::spawn_app_with(grants_tests::Backend::Sqlite, |config| {
            config.trusted_proxies =
                vec![grants_app::auth::client::parse_trusted_proxy("127.0.0.1").unwrap()];
        })
        .await;
        app.applicant("target@example.jp").await;
        for _ in 0..5 {
            assert_eq!(wrong_from(&app, "198.51.100.1").await, 401);
        }
        assert_eq!(wrong_from(&app, "198.51.100.1").await, 429);
        assert_eq!(
            wrong_from(&app, "198.51.100.2").await,
            401,
            "another client"
        );

        // Not trusted: the header is ignored, every request is the peer's.
        let app = grants_tests::spawn_app(grants_tests::Backend::Sqlite).await;
        app.applicant("target@example.jp").await;
        for n in 0..5 {
            assert_eq!(wrong_from(&app, &format!("198.51.100.{n}")).await, 401);
        }
        assert_eq!(wrong_from(&app, "198.51.100.99").await, 429);
    }
}
