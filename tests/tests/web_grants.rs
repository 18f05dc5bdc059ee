//! The applicant's grant pages over real HTTP, on both backends: the group sees its grant on `/my`
//! and on its own page, requests an advance (a refusal keeps what was typed, with the rule beside
//! the field), files the settlement report pre-filled from the application's budget and, once staff
//! accept it, sees the amount the API finalised (domain.md's worked example: 286,000 decided,
//! 228,800 advanced, 240,000 finalised, 11,200 payable); requests a change and withdraws; and a
//! stranger is refused by the API's policy. An advance request waits visibly until staff pay it:
//! on the group's page, on the staff grant page (with what remains to pay) and in `/staff`'s count;
//! the staff page offers the review only once a report is submitted, and folds the cancellation.

use grants_tests::browser::{Browser, Page};
use grants_tests::scenario::{form, step_up_round, today_jst, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;

/// A decided grant of 286,000 yen at rate 3/4 (domain.md's first worked example), for a group
/// whose member signs in as `email`; returns the staff token and the grant id.
async fn decided_grant(app: &TestApp, email: &str) -> (String, String) {
    let cast = app.cast(1).await;
    let mut settings = step_up_round(2_000_000, SHORT_WINDOW);
    settings["rate_schedule"] = json!(["3/4", "1/2"]);
    let round = app.open_round(&cast, &settings).await;
    let member = app.applicant(email).await;
    let group = app.register_group(&member, "みどりの会").await;
    let (application, max) = app
        .eligible_application(
            &cast,
            &member,
            &round,
            &group,
            &form(412_345, 30_000, 286_000),
        )
        .await;
    assert_eq!(max, 286_000, "worked example 1");
    app.score(&cast, &application, &[45], &[]).await;
    app.close_and_rank(&cast, &round).await;
    let grant = app.award(&cast, &round, &application, 286_000).await;
    // The dashboard reads the applications' projection, which follows the log a moment later.
    for _ in 0..50 {
        let listed = app
            .call(Method::GET, "/api/v1/applications", &member, None, 200)
            .await;
        if listed[0]["grant_id"] == grant.as_str() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    (cast.staff, grant)
}

fn guard_fields(page: &Page) -> [(&'static str, String); 2] {
    [("_csrf", page.csrf()), ("_form", page.form_id())]
}

/// Posts `fields` with the form guard of `page`.
async fn post_form(
    browser: &Browser<'_>,
    page: &Page,
    path: &str,
    fields: &[(&str, &str)],
) -> Page {
    let guard = guard_fields(page);
    let mut all: Vec<(&str, &str)> = guard.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(fields);
    browser.post(path, &all).await
}

on_both_backends!(
    the_group_requests_an_advance_and_files_its_settlement_report,
    |app: TestApp| async move {
        let (staff, grant) = decided_grant(&app, "member@example.jp").await;
        let browser = Browser::new(&app);
        browser.sign_in("member@example.jp").await;

        // The dashboard lists the grant; its page shows the decision.
        let my = browser.get("/my").await;
        assert!(my.html.contains(&format!("/grants/{grant}")), "{}", my.html);
        assert!(my.html.contains("¥286,000"));
        let path = format!("/grants/{grant}");
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.html.contains("交付決定額"));
        assert!(page.html.contains("¥286,000"));
        assert!(page.html.contains("こども自然教室"));

        // An amount no yen field can hold: the API names the field, the page shows it there.
        let huge = post_form(
            &browser,
            &page,
            &format!("{path}/advance"),
            &[("amount", "2,000,000,000,000")],
        )
        .await;
        assert_eq!(huge.status, 422, "{}", huge.html);
        assert!(huge.html.contains("id=\"e-amount\""), "{}", huge.html);

        // Rule 7: one yen above the 4/5 cap is refused; the typed amount stays, the rule beside it.
        let refused = post_form(
            &browser,
            &huge,
            &format!("{path}/advance"),
            &[("amount", "228,801")],
        )
        .await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert_eq!(refused.input("amount").as_deref(), Some("228,801"));
        let beside = refused
            .html
            .split("id=\"e-amount\"")
            .nth(1)
            .expect("a message beside the amount");
        assert!(beside.starts_with(">概算払の合計"), "{beside:.200}");
        assert!(beside.contains("上限"), "{beside:.200}");

        let requested = post_form(
            &browser,
            &refused,
            &format!("{path}/advance"),
            &[("amount", "228800")],
        )
        .await;
        assert_eq!(requested.status, 200, "{}", requested.html);
        assert!(requested.html.contains("概算払を請求しました"));
        let payment = json!({"amount": 228_800, "paid_on": today_jst(), "kind": "advance"});
        app.call(
            Method::POST,
            &format!("/api/v1/grants/{grant}/payments"),
            &staff,
            Some(&payment),
            201,
        )
        .await;

        // The grant page lists the payment as the API recorded it.
        let paid = browser.get(&path).await;
        let payments = paid
            .html
            .split("id=\"payment-table\"")
            .nth(1)
            .expect("a table of payments");
        assert!(payments.contains("概算払"), "{payments:.400}");
        assert!(payments.contains("¥228,800"), "{payments:.400}");

        // The report starts from the application's budget lines.
        let report = browser.get(&format!("{path}/report")).await;
        assert_eq!(report.status, 200);
        assert_eq!(report.input("expense_item").as_deref(), Some("会場使用料"));
        assert_eq!(
            report.input("expense_unit_price").as_deref(),
            Some("412345")
        );
        assert_eq!(report.input("income_amount").as_deref(), Some("30000"));
        assert!(report.html.contains("value=\"rentals\" selected"));

        // A receipt without its date and a count that is not a number are refused at once, each
        // beside its field, and nothing typed is lost.
        let mut lines = vec![
            ("expense_category", "rentals"),
            ("expense_item", "会場使用料"),
            ("expense_quantity", "1"),
            ("expense_unit_price", "350000"),
            ("expense_receipt_date", ""),
            ("expense_receipt_number", "R-001"),
            ("income_kind", "project_income"),
            ("income_description", "参加費"),
            ("income_amount", "30000"),
            ("outcomes", "全10回の観察会に延べ250人が参加した。"),
            ("participants", "たくさん"),
            ("_action", "save"),
        ];
        let undated = post_form(&browser, &report, &format!("{path}/report"), &lines).await;
        assert_eq!(undated.status, 422, "{}", undated.html);
        assert!(
            undated.html.contains("id=\"e-expenses\""),
            "{}",
            undated.html
        );
        assert!(
            undated.html.contains("id=\"e-participants\""),
            "{}",
            undated.html
        );
        assert_eq!(undated.input("participants").as_deref(), Some("たくさん"));
        lines[10] = ("participants", "250");
        assert_eq!(
            undated.input("expense_unit_price").as_deref(),
            Some("350000")
        );
        assert!(undated
            .html
            .contains("全10回の観察会に延べ250人が参加した。"));

        let today = today_jst();
        lines[4] = ("expense_receipt_date", &today);
        let saved = post_form(&browser, &undated, &format!("{path}/report"), &lines).await;
        assert_eq!(saved.status, 200, "{}", saved.html);
        assert!(saved.url.ends_with("/report?saved=1"), "{}", saved.url);
        assert!(saved.html.contains("保存しました"));
        assert_eq!(saved.input("expense_unit_price").as_deref(), Some("350000"));
        assert_eq!(
            saved.input("expense_receipt_date").as_deref(),
            Some(today.as_str())
        );

        lines[11] = ("_action", "submit");
        let submitted = post_form(&browser, &saved, &format!("{path}/report"), &lines).await;
        assert_eq!(submitted.status, 200, "{}", submitted.html);
        assert!(submitted.html.contains("実績報告を提出しました"));
        assert!(submitted.html.contains("実績報告提出済"));

        // Staff accept; the page shows the amount the API finalised: 3/4 x 320,000 = 240,000.
        app.call(
            Method::POST,
            &format!("/api/v1/grants/{grant}/settlement-report/review"),
            &staff,
            Some(&json!({"outcome": "accepted"})),
            200,
        )
        .await;
        let finalised = browser.get(&path).await;
        let figure = |id: &str| {
            finalised
                .html
                .split(&format!("id=\"{id}\">"))
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(figure("finalised-amount"), "¥240,000", "worked example 2");
        assert_eq!(figure("payable"), "¥11,200");
        assert_eq!(figure("paid-total"), "¥228,800");
    }
);

on_both_backends!(
    the_group_requests_a_change_and_withdraws_and_a_stranger_is_refused,
    |app: TestApp| async move {
        let (_, grant) = decided_grant(&app, "member@example.jp").await;
        let path = format!("/grants/{grant}");

        // A stranger (another applicant) neither sees the grant nor acts on it: the API says 404.
        app.applicant("stranger@example.jp").await;
        let stranger = Browser::new(&app);
        stranger.sign_in("stranger@example.jp").await;
        let hidden = stranger.get(&path).await;
        assert_eq!(hidden.status, 404);
        let my = stranger.get("/my").await;
        assert!(!my.html.contains(&grant));
        let forged = stranger
            .post(
                &format!("{path}/withdraw"),
                &[("_csrf", &my.csrf()), ("reason", "他人の辞退")],
            )
            .await;
        assert_eq!(forged.status, 404);

        let browser = Browser::new(&app);
        browser.sign_in("member@example.jp").await;

        // The change form starts from the plan; a change without its reason is refused beside it.
        let change = browser.get(&format!("{path}/change")).await;
        assert_eq!(change.status, 200);
        assert_eq!(
            change.input("expense_unit_price").as_deref(),
            Some("412345")
        );
        let start = change.input("period_start").unwrap();
        let end = change.input("period_end").unwrap();
        let mut fields = vec![
            ("reason", ""),
            ("period_start", start.as_str()),
            ("period_end", end.as_str()),
            ("expense_category", "rentals"),
            ("expense_item", "会場使用料"),
            ("expense_quantity", "1"),
            ("expense_unit_price", "400000"),
            ("income_kind", "project_income"),
            ("income_description", "参加費"),
            ("income_amount", "30000"),
        ];
        let refused = post_form(&browser, &change, &format!("{path}/change"), &fields).await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(refused.html.contains("id=\"e-reason\""), "{}", refused.html);
        assert_eq!(
            refused.input("expense_unit_price").as_deref(),
            Some("400000")
        );
        fields[0] = ("reason", "会場の使用料が下がったため");
        let changed = post_form(&browser, &refused, &format!("{path}/change"), &fields).await;
        assert_eq!(changed.status, 200, "{}", changed.html);
        assert!(changed.html.contains("変更を申請しました"));
        // The grant page lists the change: a cut within 1/5 is a minor change, applied at once.
        let changes = changed
            .html
            .split("id=\"change-table\"")
            .nth(1)
            .expect("a table of change requests");
        assert!(
            changes.contains("会場の使用料が下がったため"),
            "{changes:.600}"
        );
        assert!(changes.contains("軽微な変更（届出）"), "{changes:.600}");
        assert!(
            changes.contains("¥412,345") && changes.contains("¥400,000"),
            "{changes:.600}"
        );

        // Rule 6: the group withdraws within 10 days of the decision.
        let withdrawn = post_form(
            &browser,
            &changed,
            &format!("{path}/withdraw"),
            &[("reason", "代表者の転居により実施できなくなったため")],
        )
        .await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.html);
        assert!(withdrawn.html.contains("交付を辞退しました"));
        assert!(withdrawn.html.contains("取下げ"));
        assert!(
            !withdrawn.html.contains("概算払を請求する"),
            "a withdrawn grant offers no advance"
        );
    }
);

/// The text of the element with this id, up to the next tag.
fn figure(page: &Page, id: &str) -> String {
    page.html
        .split(&format!("id=\"{id}\">"))
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or("")
        .to_owned()
}

/// Today on the Japanese calendar as the pages write dates: 2026年6月15日.
fn today_ja() -> String {
    let today = grants_domain::fiscal_year::jst_date(time::OffsetDateTime::now_utc());
    format!(
        "{}年{}月{}日",
        today.year(),
        u8::from(today.month()),
        today.day()
    )
}

/// `/staff` once it counts `count` grants needing action.
async fn staff_count(browser: &Browser<'_>, count: usize) -> Page {
    let needle = format!("対応が必要な交付（{count}件）");
    for _ in 0..50 {
        let page = browser.get("/staff").await;
        if page.html.contains(&needle) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = browser.get("/staff").await;
    panic!("/staff never showed {needle}: {}", page.html);
}

on_both_backends!(
    an_advance_request_waits_for_staff_and_the_staff_page_offers_what_the_grant_allows,
    |app: TestApp| async move {
        let (staff_token, grant) = decided_grant(&app, "member@example.jp").await;
        let staff = Browser::new(&app);
        staff.sign_in("staff@city.example.jp").await;
        let staff_path = format!("/staff/grants/{grant}");

        // Decided ¥286,000, nothing paid: all of it remains to pay. No report yet: no approval;
        // the cancellation waits folded in a closed <details>.
        let decided = staff.get(&staff_path).await;
        assert_eq!(decided.status, 200, "{}", decided.html);
        assert_eq!(figure(&decided, "payable"), "¥286,000");
        assert!(!decided.html.contains("承認して額を確定する"));
        assert!(decided.html.contains("id=\"review-waiting\""));
        assert!(
            decided.html.contains(
                "<details id=\"cancellation-form\"><summary>交付決定を取り消す</summary>"
            ),
            "{}",
            decided.html
        );
        let folded = decided
            .html
            .split("<details id=\"cancellation-form\">")
            .nth(1)
            .unwrap();
        assert!(folded.contains("/cancellation\""), "the form is inside");
        assert!(!decided.html.contains("id=\"advance-request-table\""));
        staff_count(&staff, 0).await;

        // The group requests ¥100,000 on its page: it shows there as waiting for the city.
        let member = Browser::new(&app);
        member.sign_in("member@example.jp").await;
        let path = format!("/grants/{grant}");
        let page = member.get(&path).await;
        let requested = post_form(
            &member,
            &page,
            &format!("{path}/advance"),
            &[("amount", "100,000")],
        )
        .await;
        assert_eq!(requested.status, 200, "{}", requested.html);
        let waiting = requested
            .html
            .split("id=\"advance-requests\"")
            .nth(1)
            .expect("the open advance requests on the group's page");
        assert!(
            waiting.contains("概算払の請求（審査待ち）"),
            "{waiting:.600}"
        );
        assert!(waiting.contains("¥100,000"), "{waiting:.600}");
        assert!(waiting.contains(&today_ja()), "{waiting:.600}");

        // Staff see it: counted on /staff, listed on the grant page with the way to pay it.
        let dashboard = staff_count(&staff, 1).await;
        assert!(
            dashboard.html.contains("概算払の支払"),
            "{}",
            dashboard.html
        );
        assert!(dashboard.html.contains(&staff_path));
        let listed = staff.get(&staff_path).await;
        let table = listed
            .html
            .split("id=\"advance-request-table\"")
            .nth(1)
            .expect("the open advance requests on the staff page");
        assert!(table.contains("¥100,000"), "{table:.800}");
        assert!(table.contains(&today_ja()), "{table:.800}");
        let pay_link = format!("{staff_path}?pay=100000#payments");
        assert!(table.contains(&pay_link), "{table:.800}");
        let api_grant = format!("/api/v1/grants/{grant}");
        let read = app
            .call(Method::GET, &api_grant, &staff_token, None, 200)
            .await;
        assert_eq!(read["open_advance"], 100_000);
        assert_eq!(read["advance_requests"][0]["status"], "open");
        assert_eq!(read["advance_requests"][0]["amount"], 100_000);

        // The link fills the payment form; staff record the payment.
        let prefilled = staff.get(&format!("{staff_path}?pay=100000")).await;
        assert_eq!(prefilled.input("payment_amount").as_deref(), Some("100000"));
        let today = today_jst();
        let paid = post_form(
            &staff,
            &prefilled,
            &format!("{staff_path}/payments"),
            &[
                ("payment_amount", "100000"),
                ("paid_on", &today),
                ("payment_kind", "advance"),
            ],
        )
        .await;
        assert_eq!(paid.status, 200, "{}", paid.html);
        assert!(paid.html.contains("支払を記録しました"));
        assert_eq!(figure(&paid, "payable"), "¥186,000");
        assert!(!paid.html.contains("id=\"advance-request-table\""));
        staff_count(&staff, 0).await;
        let read = app
            .call(Method::GET, &api_grant, &staff_token, None, 200)
            .await;
        assert_eq!(read["advance_requests"][0]["status"], "paid");
        assert_eq!(read["open_advance"], 0);

        // A refused cancellation (more than was paid) opens the folded form with its error.
        let refused = post_form(
            &staff,
            &paid,
            &format!("{staff_path}/cancellation"),
            &[
                ("cancel_reason", "事業が実施されなかったため"),
                ("cancel_refund_amount", "200000"),
            ],
        )
        .await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(
            refused
                .html
                .contains("<details id=\"cancellation-form\" open>"),
            "{}",
            refused.html
        );
        assert!(refused.html.contains("id=\"e-cancel_refund_amount\""));

        // Once the group submits its report, staff may approve or return it.
        let member_token = app
            .sign_in("member@example.jp", grants_tests::TEST_PASSWORD)
            .await;
        let report = json!({
            "income": [],
            "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 150_000,
                          "receipt_date": today, "receipt_number": "R-001"}],
            "outcomes": "全10回の観察会に延べ250人が参加した。",
            "participants": 250,
        });
        app.call(
            Method::PUT,
            &format!("{api_grant}/settlement-report"),
            &member_token,
            Some(&report),
            200,
        )
        .await;
        let saved = staff.get(&staff_path).await;
        assert!(
            !saved.html.contains("承認して額を確定する"),
            "a saved report is not yet submitted"
        );
        app.call(
            Method::POST,
            &format!("{api_grant}/settlement-report/submit"),
            &member_token,
            None,
            200,
        )
        .await;
        let submitted = staff.get(&staff_path).await;
        assert!(
            submitted.html.contains("承認して額を確定する"),
            "{}",
            submitted.html
        );
        assert!(submitted.html.contains("差し戻す"));
        assert!(!submitted.html.contains("id=\"review-waiting\""));
    }
);

/// How many advance requests the grant read lists.
async fn advance_requests(app: &TestApp, member: &str, grant: &str) -> usize {
    let path = format!("/api/v1/grants/{grant}");
    let read = app.call(Method::GET, &path, member, None, 200).await;
    read["advance_requests"].as_array().map_or(0, Vec::len)
}

on_both_backends!(
    a_form_posted_twice_runs_its_command_once_and_a_refusal_replays,
    |app: TestApp| async move {
        let (_, grant) = decided_grant(&app, "twice@example.jp").await;
        let browser = Browser::new(&app);
        browser.sign_in("twice@example.jp").await;
        let member = app
            .sign_in("twice@example.jp", grants_tests::TEST_PASSWORD)
            .await;
        let path = format!("/grants/{grant}");
        let page = browser.get(&path).await;

        // Rule 7's refusal, posted twice with the same one-time form id: the same refusal twice.
        let too_much = [("amount", "228,801")];
        for _ in 0..2 {
            let refused = post_form(&browser, &page, &format!("{path}/advance"), &too_much).await;
            assert_eq!(refused.status, 422, "{}", refused.html);
            assert!(refused.html.contains("id=\"e-amount\""), "{}", refused.html);
        }

        // A request posted twice (a double click, a reload): one advance request in the grant.
        let form = browser.get(&path).await;
        for _ in 0..2 {
            let requested = post_form(
                &browser,
                &form,
                &format!("{path}/advance"),
                &[("amount", "100000")],
            )
            .await;
            assert_eq!(requested.status, 200, "{}", requested.html);
            assert!(requested.html.contains("概算払を請求しました"));
        }
        assert_eq!(advance_requests(&app, &member, &grant).await, 1);

        // The same form id with other fields is another submission: refused, nothing appended.
        let other = post_form(
            &browser,
            &form,
            &format!("{path}/advance"),
            &[("amount", "1000")],
        )
        .await;
        assert_eq!(other.status, 422, "{}", other.html);
        assert_eq!(advance_requests(&app, &member, &grant).await, 1);
    }
);
