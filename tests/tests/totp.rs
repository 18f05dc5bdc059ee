//! A TOTP second factor (app/src/auth/totp.rs, RFC 6238) over real HTTP, on both backends: a staff
//! member enrols (the secret and its otpauth:// URI, confirmed with a code this test computes with
//! totp-rs on the service's clock, which answers ten recovery codes); from then on signing in asks
//! for a code: none or a wrong one is refused, a computed one lets in once (the same step again is
//! refused), a recovery code lets in once. Accounts that did not enrol sign in as before. A
//! colleague resets a lost device's factor (never one's own), and both are on the account's record.

use grants_tests::process::count_events;
use grants_tests::{on_both_backends, TestApp, TEST_PASSWORD};
use reqwest::Method;
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

fn code_at(secret: &str, at: time::OffsetDateTime) -> String {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32");
    // The service enables totp-rs's `otpauth` feature, which adds the issuer and the account name.
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).expect("a TOTP");
    totp.generate(u64::try_from(at.unix_timestamp()).unwrap())
}

/// Begins `token`'s enrolment; answers the secret.
async fn begin(app: &TestApp, token: &str) -> String {
    let begun = app
        .call(
            Method::POST,
            "/api/v1/sessions/current/totp",
            token,
            None,
            201,
        )
        .await;
    begun["secret"].as_str().unwrap().to_owned()
}

/// Confirms `token`'s enrolment with the current code of `secret`.
async fn confirm(app: &TestApp, token: &str, secret: &str) {
    app.call(
        Method::POST,
        "/api/v1/sessions/current/totp/confirm",
        token,
        Some(&json!({"code": code_at(secret, app.clock.now())})),
        200,
    )
    .await;
}

async fn sign_in(app: &TestApp, email: &str, code: Option<&str>) -> grants_tests::Answer {
    let mut body = json!({"email": email, "password": TEST_PASSWORD});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    app.post_json("/api/v1/sessions", &body).await
}

on_both_backends!(
    an_enrolled_staff_member_signs_in_with_a_code_or_a_recovery_code,
    |app: TestApp| async move {
        let email = "staff-totp@example.jp";
        let staff = app.account_with_role("staff", email).await;
        let begun = app
            .call(
                Method::POST,
                "/api/v1/sessions/current/totp",
                &staff,
                None,
                201,
            )
            .await;
        let secret = begun["secret"].as_str().unwrap().to_owned();
        let uri = begun["otpauth_uri"].as_str().unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains(&format!("secret={secret}")), "{uri}");
        // Not yet confirmed: signing in needs no code.
        assert_eq!(sign_in(&app, email, None).await.status, 201);

        let wrong = app
            .send(
                Method::POST,
                "/api/v1/sessions/current/totp/confirm",
                Some(&staff),
                Some(&json!({"code": "000000"})),
            )
            .await;
        assert_eq!(wrong.status, 422, "{:?}", wrong.body);
        let now = app.clock.now();
        let confirmed = app
            .call(
                Method::POST,
                "/api/v1/sessions/current/totp/confirm",
                &staff,
                Some(&json!({"code": code_at(&secret, now)})),
                200,
            )
            .await;
        let recovery: Vec<String> = confirmed["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(recovery.len(), 10);

        // Enrolled: no code, a wrong code: refused.
        let none = sign_in(&app, email, None).await;
        assert_eq!(none.status, 401);
        assert_eq!(none.body["code"], "auth.totp_required");
        let bad = sign_in(&app, email, Some("123456")).await;
        assert_eq!(bad.status, 401);
        assert_eq!(bad.body["code"], "auth.bad_totp");
        // A code of the next step (the clock moved 30 s on) lets in, once.
        app.clock.advance(time::Duration::seconds(30));
        let code = code_at(&secret, app.clock.now());
        let ok = sign_in(&app, email, Some(&code)).await;
        assert_eq!(ok.status, 201, "{:?}", ok.body);
        let token = ok.body["token"].as_str().unwrap();
        app.call(Method::GET, "/api/v1/work-queue", token, None, 200)
            .await;
        assert_eq!(
            sign_in(&app, email, Some(&code)).await.status,
            401,
            "replayed"
        );
        // A recovery code lets in once.
        assert_eq!(sign_in(&app, email, Some(&recovery[0])).await.status, 201);
        assert_eq!(sign_in(&app, email, Some(&recovery[0])).await.status, 401);
        // The sign-in page: without the code it asks for it; with a fresh one it signs in.
        let browser = grants_tests::browser::Browser::new(&app);
        let refused = browser.sign_in(email).await;
        assert!(
            refused.html.contains("確認コードを入力してください"),
            "{}",
            refused.html
        );
        app.clock.advance(time::Duration::seconds(30));
        let login = browser.get("/login").await;
        let code = code_at(&secret, app.clock.now());
        let signed_in = browser
            .post(
                "/login",
                &[
                    ("_csrf", &login.csrf()),
                    ("email", email),
                    ("password", TEST_PASSWORD),
                    ("code", &code),
                    ("next", ""),
                ],
            )
            .await;
        assert!(signed_in.url.ends_with("/staff"), "{}", signed_in.url);
        // Enrolling again is refused; another account signs in without a code.
        let again = app
            .send(
                Method::POST,
                "/api/v1/sessions/current/totp",
                Some(token),
                None,
            )
            .await;
        assert_eq!(again.status, 409);
        app.account_with_role("auditor", "auditor-plain@example.jp")
            .await;

        // The device is lost: another staff member resets the factor, never its owner. It is
        // recorded on the account; the owner's sessions end and the next sign-in needs no code
        // until they enrol again.
        let me = app
            .call(Method::GET, "/api/v1/sessions/current", token, None, 200)
            .await["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let reset = format!("/api/v1/users/{me}/totp/reset");
        let own = app.send(Method::POST, &reset, Some(token), None).await;
        assert_eq!(own.status, 422, "{:?}", own.body);
        assert_eq!(own.body["code"], "account.own_second_factor");
        let colleague = app
            .account_with_role("staff", "colleague-totp@example.jp")
            .await;
        app.call(Method::POST, &reset, &colleague, None, 200).await;
        assert_eq!(count_events(&app, "SecondFactorReset").await, 1);
        let ended = app
            .send(Method::GET, "/api/v1/work-queue", Some(token), None)
            .await;
        assert_eq!(ended.status, 401, "the owner's sessions end");
        assert_eq!(sign_in(&app, email, None).await.status, 201);
        let nothing = app.send(Method::POST, &reset, Some(&colleague), None).await;
        assert_eq!(nothing.status, 409, "{:?}", nothing.body);
        assert_eq!(nothing.body["code"], "account.no_second_factor");

        // An auditor enrols on the page 2段階認証の設定.
        let auditor = "auditor-totp@example.jp";
        app.account_with_role("auditor", auditor).await;
        let browser = grants_tests::browser::Browser::new(&app);
        browser.sign_in(auditor).await;
        let start = browser.get("/account/totp").await;
        let shown = browser
            .post("/account/totp/start", &[("_csrf", &start.csrf())])
            .await;
        let marker = "id=\"totp-secret\">";
        let at = shown.html.find(marker).expect("the secret") + marker.len();
        let secret = shown.html[at..].split('<').next().unwrap().to_owned();
        let code = code_at(&secret, app.clock.now());
        let done = browser
            .post(
                "/account/totp/confirm",
                &[
                    ("_csrf", &shown.csrf()),
                    ("secret", &secret),
                    ("uri", ""),
                    ("code", &code),
                ],
            )
            .await;
        assert!(done.html.contains("recovery-codes"), "{}", done.html);
        assert_eq!(sign_in(&app, auditor, None).await.status, 401);
        // Both enrolments are on their accounts' records.
        assert_eq!(count_events(&app, "SecondFactorEnrolled").await, 2);
    }
);

/// With enrolment required (`--require-staff-totp`, the default of `grants serve`), a staff member
/// who has not enrolled can only enrol; applicants are not held; once enrolled, work goes on.
async fn staff_must_enrol_first(backend: grants_tests::Backend) {
    let app =
        grants_tests::spawn_app_with(backend, |config| config.require_staff_totp = true).await;
    let staff = app
        .account_with_role("staff", "staff-required@example.jp")
        .await;
    let held = app
        .send(Method::GET, "/api/v1/work-queue", Some(&staff), None)
        .await;
    assert_eq!(held.status, 403, "{:?}", held.body);
    assert_eq!(held.body["code"], "auth.totp_enrolment_required");
    assert!(held.body["detail_ja"]
        .as_str()
        .unwrap()
        .contains("/account/totp"));
    app.call(Method::GET, "/api/v1/sessions/current", &staff, None, 200)
        .await;
    let applicant = app.applicant("applicant-free@example.jp").await;
    app.register_group(&applicant, "みどりの会").await;

    let secret = begin(&app, &staff).await;
    confirm(&app, &staff, &secret).await;
    app.call(Method::GET, "/api/v1/work-queue", &staff, None, 200)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_must_enrol_first_sqlite() {
    staff_must_enrol_first(grants_tests::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_must_enrol_first_postgres() {
    staff_must_enrol_first(grants_tests::Backend::Postgres).await;
}

/// The secret as `totp_secrets` stores it.
async fn stored_secret(app: &TestApp, user_id: &str) -> String {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, String>(
        "SELECT secret FROM totp_secrets WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await
    .unwrap())
}

/// Puts `user_id`'s secret back in clear, as the table kept it before sealing (40 hex digits).
async fn store_in_clear(app: &TestApp, user_id: &str, clear: &str) {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query(
        "UPDATE totp_secrets SET secret = $1 WHERE user_id = $2",
    )
    .bind(clear)
    .bind(user_id)
    .execute(pool)
    .await
    .unwrap()
    .rows_affected());
}

on_both_backends!(
    the_secret_is_sealed_at_rest_and_one_kept_in_clear_still_verifies,
    |app: TestApp| async move {
        let email = "sealed-totp@example.jp";
        let staff = app.account_with_role("staff", email).await;
        let me = app
            .call(Method::GET, "/api/v1/sessions/current", &staff, None, 200)
            .await["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let secret = begin(&app, &staff).await;
        let clear = hex::encode(Secret::Encoded(secret.clone()).to_bytes().unwrap());
        // Sealed from the start: neither the secret's hex nor its base32 is in the row.
        let stored = stored_secret(&app, &me).await;
        assert!(!stored.to_lowercase().contains(&clear), "{stored}");
        assert!(!stored.contains(&secret), "{stored}");
        assert!(stored.contains("XChaCha20-Poly1305"), "{stored}");
        confirm(&app, &staff, &secret).await;

        // A row from before sealing: the secret in clear still verifies, and is sealed by it.
        store_in_clear(&app, &me, &clear).await;
        app.clock.advance(time::Duration::seconds(30));
        let code = code_at(&secret, app.clock.now());
        let signed_in = sign_in(&app, email, Some(&code)).await;
        assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
        let resealed = stored_secret(&app, &me).await;
        assert!(resealed.contains("XChaCha20-Poly1305"), "{resealed}");
        assert!(!resealed.to_lowercase().contains(&clear), "{resealed}");

        // A service starting on a database with secrets in clear seals them at start, with the
        // same key (the key file beside the SQLite file, the configured key on PostgreSQL): a
        // code checked by the new instance lets in.
        store_in_clear(&app, &me, &clear).await;
        let second = grants_tests::spawn_second_instance(&app).await;
        let at_start = stored_secret(&app, &me).await;
        assert!(at_start.contains("XChaCha20-Poly1305"), "{at_start}");
        app.clock.advance(time::Duration::seconds(30));
        let code = code_at(&secret, app.clock.now());
        assert_eq!(sign_in(&second, email, Some(&code)).await.status, 201);
    }
);

/// The reset form of the staff accounts page (the second form of `/staff/users/new`) as a page of
/// its own, so that its one-time id and CSRF token are the first found.
fn reset_form(page: &grants_tests::browser::Page) -> grants_tests::browser::Page {
    let at = page.html.find("id=\"totp-reset\"").expect("the reset form");
    grants_tests::browser::Page {
        status: page.status,
        headers: page.headers.clone(),
        html: page.html[at..].to_owned(),
        url: page.url.clone(),
    }
}

on_both_backends!(
    staff_reset_a_colleagues_second_factor_on_the_accounts_page,
    |app: TestApp| async move {
        let email = "lost-device@example.jp";
        let owner = app.account_with_role("staff", email).await;
        let secret = begin(&app, &owner).await;
        confirm(&app, &owner, &secret).await;
        assert_eq!(sign_in(&app, email, None).await.status, 401);
        let colleague = "colleague-page@example.jp";
        app.account_with_role("staff", colleague).await;
        let browser = grants_tests::browser::Browser::new(&app);
        browser.sign_in(colleague).await;
        let post = |address: &'static str| {
            let browser = &browser;
            async move {
                let page = reset_form(&browser.get("/staff/users/new").await);
                let fields = [
                    ("_csrf", page.csrf()),
                    ("_form", page.form_id()),
                    ("reset_email", address.to_owned()),
                ];
                let borrowed: Vec<(&str, &str)> =
                    fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
                (
                    browser.post("/staff/users/totp-reset", &borrowed).await,
                    fields,
                )
            }
        };

        // The refusals, in Japanese: no such address; one's own (never by its owner).
        let (unknown, _) = post("nobody@example.jp").await;
        assert_eq!(unknown.status, 422, "{}", unknown.html);
        assert!(unknown
            .html
            .contains("このメールアドレスのアカウントはありません"));
        assert!(unknown.html.contains("value=\"nobody@example.jp\""));
        let (own, _) = post(colleague).await;
        assert_eq!(own.status, 422, "{}", own.html);
        assert!(
            own.html.contains("自分の2段階認証は解除できません"),
            "{}",
            own.html
        );
        assert_eq!(count_events(&app, "SecondFactorReset").await, 0);

        // The colleague's: reset, recorded once, the owner's sessions ended, and the next
        // sign-in needs no code (they enrol again).
        let (done, fields) = post(email).await;
        assert_eq!(done.status, 200, "{}", done.html);
        assert!(
            done.html.contains("2段階認証を解除しました"),
            "{}",
            done.html
        );
        assert_eq!(count_events(&app, "SecondFactorReset").await, 1);
        let ended = app
            .send(Method::GET, "/api/v1/work-queue", Some(&owner), None)
            .await;
        assert_eq!(ended.status, 401);
        assert_eq!(sign_in(&app, email, None).await.status, 201);
        // The same submission posted again (a double click) is the same reset, not a refusal.
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let replayed = browser.post("/staff/users/totp-reset", &borrowed).await;
        assert!(replayed.html.contains("2段階認証を解除しました"));
        assert_eq!(count_events(&app, "SecondFactorReset").await, 1);
        // A new submission: nothing left to reset.
        let (nothing, _) = post(email).await;
        assert_eq!(nothing.status, 422, "{}", nothing.html);
        assert!(nothing
            .html
            .contains("このアカウントには解除する2段階認証がありません"));

        // Auditors may not reset anyone's factor.
        let auditor = "auditor-page@example.jp";
        app.account_with_role("auditor", auditor).await;
        let other = grants_tests::browser::Browser::new(&app);
        other.sign_in(auditor).await;
        // (The session's CSRF token from a form the auditor has, so that only the role refuses.)
        let page = other.get("/account/totp").await;
        let refused = other
            .post(
                "/staff/users/totp-reset",
                &[("_csrf", &page.csrf()), ("reset_email", email)],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.html);
        assert!(!refused.html.contains("2段階認証を解除しました"));
    }
);
