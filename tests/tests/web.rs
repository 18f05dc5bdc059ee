//! The HTML pages over real HTTP, on both backends: security headers, cookie flags, CSRF refusals,
//! and forms shown again with everything typed and the rule's Japanese message beside its field.

use grants_tests::browser::Browser;
use grants_tests::scenario::{step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp, TEST_PASSWORD};
use time::Duration;

fn header<'a>(page: &'a grants_tests::browser::Page, name: &str) -> &'a str {
    page.headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

on_both_backends!(
    public_pages_are_japanese_with_strict_security_headers,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        app.open_round(&cast, &step_up_round(2_000_000, Duration::days(10)))
            .await;
        let browser = Browser::new(&app);
        for path in ["/", "/awards", "/login", "/register"] {
            let page = browser.get(path).await;
            assert_eq!(page.status, 200, "{path}");
            assert!(
                page.html.starts_with("<!DOCTYPE html><html lang=\"ja\">"),
                "{path}"
            );
            let csp = header(&page, "content-security-policy");
            assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
            assert_eq!(header(&page, "x-content-type-options"), "nosniff");
            assert!(
                !page.html.contains("<script>"),
                "no inline script on {path}"
            );
            assert!(!page.html.contains("style="), "no inline style on {path}");
        }
        let home = browser.get("/").await;
        assert!(home.html.contains("募集中の公募"));
        assert!(home.html.contains("ステップアップ"));
        assert!(home.html.contains("¥500,000"), "the cap in yen");
        let awards = browser.get("/awards").await;
        assert!(awards.html.contains("/api/v1/public/awards.csv"));
        assert!(awards.html.contains("/api/v1/public/awards.360giving.json"));
        assert_eq!(browser.get("/no-such-page").await.status, 404);
        let css = browser.get("/static/style.css").await;
        assert_eq!(css.status, 200);
        assert!(header(&css, "content-type").starts_with("text/css"));
    }
);

on_both_backends!(
    the_session_cookie_is_http_only_lax_and_secure_over_https,
    |app: TestApp| async move {
        app.applicant("cookie@example.jp").await;
        let browser = Browser::without_redirects(&app);
        let signed_in = browser.sign_in("cookie@example.jp").await;
        assert_eq!(signed_in.status, 303);
        assert_eq!(header(&signed_in, "location"), "/my");
        let cookies = signed_in.set_cookies();
        let session = cookies
            .iter()
            .find(|cookie| cookie.starts_with("grants_session="))
            .expect("a session cookie");
        assert!(session.contains("HttpOnly"), "{session}");
        assert!(session.contains("SameSite=Lax"), "{session}");
        assert!(!session.contains("Secure"), "plain http: {session}");

        // Behind a proxy that terminates TLS, the cookie is Secure.
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client
            .get(app.url("/login"))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        let visitor_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(visitor_cookie.contains("Secure"), "{visitor_cookie}");
        let html = login.text().await.unwrap();
        let csrf = html.split("name=\"_csrf\" value=\"").nth(1).unwrap();
        let csrf = &csrf[..csrf.find('"').unwrap()];
        let answer = client
            .post(app.url("/login"))
            .header("x-forwarded-proto", "https")
            .form(&[
                ("_csrf", csrf),
                ("email", "cookie@example.jp"),
                ("password", TEST_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303);
        let session = answer.headers()["set-cookie"].to_str().unwrap();
        assert!(session.starts_with("grants_session="));
        assert!(
            session.contains("Secure") && session.contains("HttpOnly"),
            "{session}"
        );

        // Signing out ends the session in the API too.
        let token = session
            .trim_start_matches("grants_session=")
            .split(';')
            .next()
            .unwrap();
        let my = browser.get("/my").await;
        let out = browser.post("/logout", &[("_csrf", &my.csrf())]).await;
        assert_eq!(out.status, 303);
        assert!(out
            .set_cookies()
            .iter()
            .any(|cookie| cookie.starts_with("grants_session=;") && cookie.contains("Max-Age=0")));
        let still = app
            .send(
                reqwest::Method::GET,
                "/api/v1/sessions/current",
                Some(token),
                None,
            )
            .await;
        assert_eq!(still.status, 200, "another browser's session lives on");
    }
);

on_both_backends!(
    a_form_without_its_csrf_token_changes_nothing,
    |app: TestApp| async move {
        let browser = Browser::new(&app);
        browser.get("/register").await;
        let fields = [
            ("display_name", "申請 花子"),
            ("email", "forged@example.jp"),
            ("password", TEST_PASSWORD),
        ];
        let forged = browser.post("/register", &fields).await;
        assert_eq!(forged.status, 422);
        assert!(forged.html.contains("送信を確認できませんでした"));
        assert!(
            forged.html.contains("forged@example.jp"),
            "what was typed stays"
        );
        let wrong = browser
            .post(
                "/register",
                &[("_csrf", "00ff"), fields[0], fields[1], fields[2]],
            )
            .await;
        assert_eq!(wrong.status, 422);
        let sign_in = app
            .post_json(
                "/api/v1/sessions",
                &serde_json::json!({"email": "forged@example.jp", "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(sign_in.status, 401, "no account was opened");

        // Another browser's token does not do either.
        let other = Browser::new(&app);
        let others_token = other.get("/register").await.csrf();
        let crossed = browser
            .post(
                "/register",
                &[("_csrf", &others_token), fields[0], fields[1], fields[2]],
            )
            .await;
        assert_eq!(crossed.status, 422);

        // Signed in, the sign-out form's token is bound to the session.
        app.applicant("csrf@example.jp").await;
        let signed_in = Browser::new(&app);
        signed_in.sign_in("csrf@example.jp").await;
        let out = signed_in.post("/logout", &[("_csrf", &others_token)]).await;
        assert_eq!(out.status, 200, "asks instead of signing out");
        assert!(out.html.contains("ログアウトしますか"));
        assert!(signed_in.get("/my").await.html.contains("ログアウト"));
    }
);

on_both_backends!(
    a_refused_registration_shows_the_form_again_with_the_rule_beside_its_field,
    |app: TestApp| async move {
        app.applicant("taken@example.jp").await;
        let browser = Browser::new(&app);
        let form = browser.get("/register").await;
        let answer = browser
            .post(
                "/register",
                &[
                    ("_csrf", &form.csrf()),
                    ("_form", &form.form_id()),
                    ("display_name", "山田 太郎"),
                    ("email", "taken@example.jp"),
                    ("password", TEST_PASSWORD),
                ],
            )
            .await;
        assert_eq!(answer.status, 422);
        assert!(
            answer.html.contains("value=\"山田 太郎\""),
            "the name typed stays"
        );
        assert!(answer.html.contains("value=\"taken@example.jp\""));
        assert!(
            answer
                .html
                .contains("id=\"e-email\">このメールアドレスは既に登録されています"),
            "the message sits beside the e-mail field: {}",
            answer.html
        );
        assert!(answer.html.contains("aria-invalid=\"true\""));
        assert!(
            !answer.html.contains(TEST_PASSWORD),
            "a password is never echoed"
        );
    }
);

on_both_backends!(
    a_registration_posted_twice_opens_one_account_and_signs_in_both_times,
    |app: TestApp| async move {
        let before = grants_tests::process::count_events(&app, "AccountRegistered").await;
        let browser = Browser::without_redirects(&app);
        let form = browser.get("/register").await;
        let fields = [
            ("_csrf", form.csrf()),
            ("_form", form.form_id()),
            ("display_name", "二重 送信".to_owned()),
            ("email", "twice@example.jp".to_owned()),
            ("password", TEST_PASSWORD.to_owned()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let first = browser.post("/register", &fields).await;
        assert_eq!(first.status, 303, "{}", first.html);
        // The same submission again (a double click, a reload): the first one's outcome, no second
        // account, no refusal of an address already registered.
        let again = browser.post("/register", &fields).await;
        assert_eq!(again.status, 303, "{}", again.html);
        let opened = grants_tests::process::count_events(&app, "AccountRegistered").await;
        assert_eq!(opened, before + 1, "one account");
        let sign_in = app
            .post_json(
                "/api/v1/sessions",
                &serde_json::json!({"email": "twice@example.jp", "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(sign_in.status, 201);
        // Another browser's form with the same one-time id is its own submission.
        let other = Browser::without_redirects(&app);
        let other_form = other.get("/register").await;
        let crossed = other
            .post(
                "/register",
                &[
                    ("_csrf", other_form.csrf().as_str()),
                    ("_form", form.form_id().as_str()),
                    ("display_name", "二重 送信"),
                    ("email", "twice@example.jp"),
                    ("password", TEST_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            crossed.status, 422,
            "the address is taken: {}",
            crossed.html
        );
        assert_eq!(
            grants_tests::process::count_events(&app, "AccountRegistered").await,
            opened
        );
    }
);

/// A signed-in applicant's browser (not following redirects) with a registered group, and the
/// session token its cookie holds; the round is open.
async fn applicant_with_group<'a>(app: &'a TestApp, email: &str) -> (Browser<'a>, String, String) {
    let token = app.applicant(email).await;
    app.register_group(&token, "みどりの会").await;
    let browser = Browser::without_redirects(app);
    let signed_in = browser.sign_in(email).await;
    let cookie = signed_in
        .set_cookies()
        .into_iter()
        .find(|cookie| cookie.starts_with("grants_session="))
        .expect("a session cookie");
    let session = cookie["grants_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (browser, session, token)
}

fn location(page: &grants_tests::browser::Page) -> String {
    header(page, "location").to_owned()
}

/// The application form's fields: one eligible expense line of `expenses` yen and project income.
fn application_fields<'a>(
    page: &'a grants_tests::browser::Page,
    csrf: &'a str,
    form: &'a str,
    title: &'a str,
    action: &'a str,
) -> Vec<(&'a str, String)> {
    let group = page.input("group_id");
    let mut fields = vec![
        ("_csrf", csrf.to_owned()),
        ("_form", form.to_owned()),
        ("title", title.to_owned()),
        (
            "summary",
            "市内の公園で月1回の自然観察会を開く。".to_owned(),
        ),
        (
            "purpose",
            "子どもが身近な自然に親しむ機会をつくる。".to_owned(),
        ),
        ("beneficiaries", "市内の小学生とその保護者".to_owned()),
        ("period_start", grants_tests::scenario::today_jst()),
        ("period_end", grants_tests::scenario::fiscal_year_end()),
        ("expense_category", "rentals".to_owned()),
        ("expense_item", "会場使用料".to_owned()),
        ("expense_quantity", "1".to_owned()),
        ("expense_unit_price", "412,345".to_owned()),
        ("expense_category", "".to_owned()),
        ("expense_item", "".to_owned()),
        ("expense_quantity", "".to_owned()),
        ("expense_unit_price", "".to_owned()),
        ("income_kind", "project_income".to_owned()),
        ("income_description", "参加費".to_owned()),
        ("income_amount", "30000".to_owned()),
        ("requested_amount", "300000".to_owned()),
        ("_action", action.to_owned()),
    ];
    if let Some(group) = group {
        fields.push(("group_id", group));
    }
    fields
}

fn borrowed<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// The select's first option is the group; read it from the page.
fn first_group(page: &grants_tests::browser::Page) -> String {
    let at = page.html.find("name=\"group_id\"").expect("a group select");
    let option = &page.html[at..];
    let value = option.split("<option value=\"").nth(1).expect("an option");
    value[..value.find('"').unwrap()].to_owned()
}

on_both_backends!(
    an_over_long_title_comes_back_with_everything_typed_and_the_rule_beside_it,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::days(10)))
            .await;
        let (browser, _, token) = applicant_with_group(&app, "long@example.jp").await;
        let form = browser.get(&format!("/rounds/{round}/apply")).await;
        assert_eq!(form.status, 200);
        for limit in [
            "100文字以内",
            "400文字以内",
            "2000文字以内",
            "1000文字以内",
            "100行まで",
        ] {
            assert!(
                form.html.contains(limit),
                "the limit {limit} is shown up front"
            );
        }
        let long_title = "あ".repeat(101);
        let csrf = form.csrf();
        let form_id = form.form_id();
        let mut fields = application_fields(&form, &csrf, &form_id, &long_title, "save");
        fields.push(("group_id", first_group(&form)));
        let answer = browser
            .post(&format!("/rounds/{round}/apply"), &borrowed(&fields))
            .await;
        assert_eq!(answer.status, 422, "{}", answer.html);
        assert!(
            answer
                .html
                .contains("id=\"e-title\">事業名は100文字以内で入力してください（現在101文字）"),
            "{}",
            answer.html
        );
        assert!(
            answer.html.contains(&format!("value=\"{long_title}\"")),
            "the title typed stays"
        );
        assert!(answer
            .html
            .contains("市内の公園で月1回の自然観察会を開く。"));
        assert!(
            answer.html.contains("value=\"412,345\""),
            "the unit price as typed"
        );
        assert!(answer.html.contains("value=\"参加費\""));
        assert_ne!(
            answer.form_id(),
            form_id,
            "a fresh one-time id for the next try"
        );
        // A quantity that is not a number is named beside the budget together with the title's
        // rule, and the quantity typed stays.
        let (csrf, form_id) = (answer.csrf(), answer.form_id());
        let mut fields = application_fields(&answer, &csrf, &form_id, &long_title, "save");
        fields.push(("group_id", first_group(&form)));
        for (name, value) in &mut fields {
            if *name == "expense_quantity" && value == "1" {
                *value = "三".to_owned();
            }
        }
        let both = browser
            .post(&format!("/rounds/{round}/apply"), &borrowed(&fields))
            .await;
        assert_eq!(both.status, 422, "{}", both.html);
        assert!(both.html.contains("id=\"e-title\""), "{}", both.html);
        assert!(
            both.html.contains("id=\"e-budget\">収支予算の各行で"),
            "{}",
            both.html
        );
        assert!(both.html.contains("value=\"三\""), "the quantity as typed");
        let listed = app
            .send(
                reqwest::Method::GET,
                "/api/v1/applications",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            listed.body.as_array().map(Vec::len),
            Some(0),
            "nothing was started"
        );
    }
);

on_both_backends!(
    saving_shows_the_maximum_and_a_double_submitted_form_appends_nothing,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::days(10)))
            .await;
        let (browser, _, token) = applicant_with_group(&app, "save@example.jp").await;
        let form = browser.get(&format!("/rounds/{round}/apply")).await;
        let (csrf, form_id) = (form.csrf(), form.form_id());
        let mut fields = application_fields(&form, &csrf, &form_id, "こども自然教室", "save");
        fields.push(("group_id", first_group(&form)));
        let first = browser
            .post(&format!("/rounds/{round}/apply"), &borrowed(&fields))
            .await;
        assert_eq!(first.status, 303, "{}", first.html);
        let again = browser
            .post(&format!("/rounds/{round}/apply"), &borrowed(&fields))
            .await;
        assert_eq!(again.status, 303);
        assert_eq!(
            location(&first),
            location(&again),
            "the same draft both times"
        );
        let edit = browser.get(&location(&first)).await;
        assert_eq!(edit.status, 200);
        assert!(edit.html.contains("保存しました"));
        // Rule 3 on the first grant (rate 1/1): 412,345 - 30,000 = 382,345 -> ¥382,000.
        assert!(edit.html.contains("¥382,000"), "{}", edit.html);
        let id = location(&first)
            .trim_start_matches("/applications/")
            .trim_end_matches("/edit?saved=1")
            .to_owned();
        let read = app
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/applications/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(read.body["status"], "draft");
        assert_eq!(read.body["max_amount"], 382_000);
        assert_eq!(read.body["title"], "こども自然教室");

        // Over the maximum: the API's rule 3, beside the requested amount.
        let (csrf, form_id) = (edit.csrf(), edit.form_id());
        let mut fields = application_fields(&edit, &csrf, &form_id, "こども自然教室", "submit");
        for field in fields.iter_mut() {
            if field.0 == "requested_amount" {
                field.1 = "400000".into();
            }
        }
        let refused = browser
            .post(&format!("/applications/{id}/edit"), &borrowed(&fields))
            .await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.html.contains("id=\"e-requested_amount\">申請額"),
            "{}",
            refused.html
        );
        assert!(refused.html.contains("value=\"400000\""));

        // Within it: saved and submitted in one go.
        let (csrf, form_id) = (refused.csrf(), refused.form_id());
        let fields = application_fields(&refused, &csrf, &form_id, "こども自然教室", "submit");
        let submitted = browser
            .post(&format!("/applications/{id}/edit"), &borrowed(&fields))
            .await;
        assert_eq!(submitted.status, 303, "{}", submitted.html);
        let shown = browser.get(&location(&submitted)).await;
        assert!(shown.html.contains("申請書を提出しました"));
        assert!(shown.html.contains("提出済み"));

        // Withdrawn with a reason.
        let withdrawn = browser
            .post(
                &format!("/applications/{id}/withdraw"),
                &[
                    ("_csrf", &shown.csrf()),
                    ("_form", &shown.form_id()),
                    ("reason", "事業を延期するため"),
                ],
            )
            .await;
        assert_eq!(withdrawn.status, 303);
        let read = app
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/applications/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(read.body["status"], "withdrawn");
    }
);

on_both_backends!(
    an_expired_session_keeps_what_was_typed_and_saves_after_signing_in_again,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::days(10)))
            .await;
        let (browser, session, token) = applicant_with_group(&app, "expired@example.jp").await;
        let form = browser.get(&format!("/rounds/{round}/apply")).await;
        let group = first_group(&form);
        // The session ends while the form is being filled in.
        let ended = app
            .send(
                reqwest::Method::DELETE,
                "/api/v1/sessions/current",
                Some(&session),
                None,
            )
            .await;
        assert_eq!(ended.status, 204);
        let (csrf, form_id) = (form.csrf(), form.form_id());
        let mut fields = application_fields(
            &form,
            &csrf,
            &form_id,
            "長い時間をかけて書いた事業名",
            "save",
        );
        fields.push(("group_id", group.clone()));
        let kept = browser
            .post(&format!("/rounds/{round}/apply"), &borrowed(&fields))
            .await;
        assert_eq!(kept.status, 422, "{}", kept.html);
        assert!(kept
            .html
            .contains("ログインの有効期限が切れたため、まだ保存していません"));
        assert!(kept.html.contains("value=\"長い時間をかけて書いた事業名\""));
        assert!(kept.html.contains("市内の公園で月1回の自然観察会を開く。"));
        assert!(
            kept.html
                .contains(&format!("name=\"group_id\" value=\"{group}\"")),
            "the group chosen stays"
        );
        assert!(kept.html.contains("name=\"_reauth_password\""));
        let listed = app
            .send(
                reqwest::Method::GET,
                "/api/v1/applications",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(listed.body.as_array().map(Vec::len), Some(0));

        // A wrong password: still kept.
        let (csrf, form_id) = (kept.csrf(), kept.form_id());
        let mut fields = application_fields(
            &kept,
            &csrf,
            &form_id,
            "長い時間をかけて書いた事業名",
            "save",
        );
        fields.push(("_reauth_email", "expired@example.jp".into()));
        fields.push(("_reauth_password", "wrong password here".into()));
        let wrong = browser
            .post(&format!("/rounds/{round}/apply"), &borrowed(&fields))
            .await;
        assert_eq!(wrong.status, 422);
        assert!(wrong
            .html
            .contains("value=\"長い時間をかけて書いた事業名\""));

        // Signing in on the page saves it.
        let (csrf, form_id) = (wrong.csrf(), wrong.form_id());
        let mut fields = application_fields(
            &wrong,
            &csrf,
            &form_id,
            "長い時間をかけて書いた事業名",
            "save",
        );
        fields.push(("_reauth_email", "expired@example.jp".into()));
        fields.push(("_reauth_password", TEST_PASSWORD.into()));
        let saved = browser
            .post(&format!("/rounds/{round}/apply"), &borrowed(&fields))
            .await;
        assert_eq!(saved.status, 303, "{}", saved.html);
        assert!(saved
            .set_cookies()
            .iter()
            .any(|cookie| cookie.starts_with("grants_session=") && cookie.contains("HttpOnly")));
        let edit = browser.get(&location(&saved)).await;
        assert!(edit.html.contains("value=\"長い時間をかけて書いた事業名\""));
    }
);

on_both_backends!(
    a_reviewer_declares_scores_and_seals_and_an_auditor_reads_the_log,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::days(10)))
            .await;
        let member = app.applicant("reviewed@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let form = grants_tests::scenario::form(412_345, 30_000, 286_000);
        let (id, _) = app
            .eligible_application(&cast, &member, &round, &group, &form)
            .await;

        let reviewer = Browser::new(&app);
        reviewer.sign_in("reviewer0@example.jp").await;
        // The work list is a read model: it catches up with the log within moments.
        let mut list = reviewer.get("/review").await;
        for _ in 0..50 {
            if list.html.contains("こども自然教室") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            list = reviewer.get("/review").await;
        }
        assert_eq!(list.status, 200);
        assert!(list.html.contains("こども自然教室"), "{}", list.html);
        let sheet = reviewer.get(&format!("/review/{id}")).await;
        assert!(sheet.html.contains("利害関係の申告"));
        let declared = reviewer
            .post(
                &format!("/review/{id}/declaration"),
                &[
                    ("_csrf", &sheet.csrf()),
                    ("_form", &sheet.form_id()),
                    ("conflict", "false"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(declared.status, 200, "{}", declared.html);
        assert!(
            declared.html.contains("公益性（0〜10点）"),
            "each criterion with its range"
        );

        // A score out of range: the API's rule, the scores typed kept.
        let mut fields: Vec<(String, String)> = vec![
            ("_csrf".into(), declared.csrf()),
            ("_form".into(), declared.form_id()),
            ("_step".into(), "scores".into()),
        ];
        for (key, points) in [
            ("public_benefit", "11"),
            ("civic", "8"),
            ("growth", "7"),
            ("feasibility", "9"),
            ("independence", "6"),
        ] {
            fields.push((format!("score_{key}"), points.into()));
        }
        fields.push(("comment".into(), "地域への広がりが期待できる".into()));
        fields.push(("_action".into(), "seal".into()));
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = reviewer.post(&format!("/review/{id}"), &refs).await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(refused.html.contains("value=\"11\""));
        assert!(refused.html.contains("地域への広がりが期待できる"));

        // A score that is not a number is named beside its criterion; nothing is saved.
        fields[0].1 = refused.csrf();
        fields[1].1 = refused.form_id();
        fields[3].1 = "10".into();
        fields[4].1 = "八".into();
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let unreadable = reviewer.post(&format!("/review/{id}"), &refs).await;
        assert_eq!(unreadable.status, 422, "{}", unreadable.html);
        assert!(
            unreadable.html.contains("id=\"e-score_civic\""),
            "{}",
            unreadable.html
        );
        assert!(unreadable.html.contains("value=\"八\""));

        fields[0].1 = unreadable.csrf();
        fields[1].1 = unreadable.form_id();
        fields[4].1 = "8".into();
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let sealed = reviewer.post(&format!("/review/{id}"), &refs).await;
        assert_eq!(sealed.status, 200, "{}", sealed.html);
        assert!(
            sealed.html.contains("採点を確定しました（合計 40 点）"),
            "{}",
            sealed.html
        );

        let auditor = Browser::new(&app);
        app.account_with_role("auditor", "auditor@city.example.jp")
            .await;
        auditor.sign_in("auditor@city.example.jp").await;
        let log = auditor.get("/audit").await;
        assert_eq!(log.status, 200);
        assert!(
            log.html.contains("改ざんは検出されませんでした"),
            "{}",
            log.html
        );
        assert!(
            log.html.contains("ReviewSealed")
                || log.html.contains("ScoresheetSealed")
                || log.html.contains("Sealed")
        );
        // An applicant is not an auditor: the API says no, the page says so.
        let applicant = Browser::new(&app);
        applicant.sign_in("reviewed@example.jp").await;
        assert_eq!(applicant.get("/audit").await.status, 403);
    }
);

on_both_backends!(
    a_reviewer_sees_the_totals_only_after_scoring_is_closed,
    |app: TestApp| async move {
        use grants_tests::scenario::form;
        let cast = app.cast(1).await;
        let member = app.applicant("results@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        let (application, _) = app
            .eligible_application(&cast, &member, &round, &group, &form(100_000, 0, 100_000))
            .await;
        app.score(&cast, &application, &[40], &[]).await;
        let reviewer = Browser::new(&app);
        reviewer.sign_in("reviewer0@example.jp").await;
        let path = format!("/review/rounds/{round}/ranking");
        // Before the close the list names the round and links nowhere (the ranking is sealed). The
        // list is a read model: it catches up with the log within moments.
        let mut list = reviewer.get("/review").await;
        for _ in 0..50 {
            if list.html.contains("採点受付中") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            list = reviewer.get("/review").await;
        }
        assert!(
            !list.html.contains(&format!("href=\"{path}\"")),
            "{}",
            list.html
        );
        assert!(list.html.contains("採点受付中"), "{}", list.html);
        assert!(
            list.html.contains("年度 ステップアップ"),
            "the round by its name: {}",
            list.html
        );
        assert!(!list.html.contains("募集回 1"));
        // The sheet shows the round, its budget, the project's period and budget, how scoring works.
        let sheet = reviewer.get(&format!("/review/{application}")).await;
        assert_eq!(sheet.status, 200);
        for expected in [
            "募集回の予算",
            "事業期間",
            "収支予算（支出）",
            "採点のしかた",
            "¥1,000,000",
        ] {
            assert!(sheet.html.contains(expected), "{expected}: {}", sheet.html);
        }

        // Sealed until staff close scoring: the API refuses and the page says so.
        let before = reviewer.get(&path).await;
        assert!([403, 404].contains(&before.status), "{}", before.status);
        assert!(!before.html.contains("40点"));

        app.close_and_rank(&cast, &round).await;
        assert!(reviewer
            .get("/review")
            .await
            .html
            .contains(&format!("href=\"{path}\"")));
        let after = reviewer.get(&path).await;
        assert_eq!(after.status, 200);
        assert!(after.html.contains("順位と合計点") && after.html.contains("40点"));
        assert!(after.html.contains("採択") || after.html.contains("合格"));
    }
);
