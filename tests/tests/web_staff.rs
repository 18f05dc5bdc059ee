//! The staff pages over real HTTP, on both backends: a round opened through its form, screened,
//! its committee appointed, scoring closed, the ranking fixed, awards decided with the remaining
//! budget on the page, a grant paid, its settlement report reviewed and the amount finalised, and
//! the refund received. What other roles do (applications, scores, the report) is seeded through
//! the API. Refusals come back beside their field with everything typed; non-staff are refused by
//! the API's policy, never by the page.

use grants_tests::browser::{Browser, Page};
use grants_tests::scenario::{fiscal_year_end, form, step_up_round, today_jst, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

/// A `datetime-local` value in Japan Standard Time, `offset` from now (seconds included).
fn jst_local(offset: Duration) -> String {
    let at = (OffsetDateTime::now_utc() + offset).to_offset(grants_domain::JST);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Loads `page_path`, then posts its form to `action` with the page's CSRF token and form id.
async fn submit(
    browser: &Browser<'_>,
    page_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Page {
    let page = browser.get(page_path).await;
    assert_eq!(page.status, 200, "{page_path}: {}", page.html);
    let (csrf, form_id) = (page.csrf(), page.form_id());
    let mut all = vec![("_csrf", csrf.as_str()), ("_form", form_id.as_str())];
    all.extend_from_slice(fields);
    browser.post(action, &all).await
}

/// The new-round form's fields: the step-up course of domain.md, five criteria 0-10 points.
fn round_fields<'a>(
    title: &'a str,
    budget: &'a str,
    opens_at: &'a str,
    closes_at: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("fiscal_year", ""),
        ("course", "ステップアップ"),
        ("title", title),
        (
            "description",
            "市民が主体となって行う公益的な活動を支援します。",
        ),
        ("opens_at", opens_at),
        ("closes_at", closes_at),
        ("budget", budget),
        ("cap", "200,000"),
        ("floor", "0"),
        ("rate_schedule", "1/1, 3/4, 1/2"),
        ("rounding_unit", "1000"),
        ("max_grants_per_group", "3"),
    ];
    for (key, label) in [
        ("public_benefit", "公益性"),
        ("civic", "市民性"),
        ("growth", "発展性"),
        ("feasibility", "実現性"),
        ("independence", "自立性"),
    ] {
        fields.extend([
            ("criterion_key", key),
            ("criterion_label", label),
            ("criterion_min", "0"),
            ("criterion_max", "10"),
        ]);
    }
    // The blank rows the form offers come back empty.
    fields.extend([
        ("criterion_key", ""),
        ("criterion_label", ""),
        ("criterion_min", ""),
        ("criterion_max", ""),
    ]);
    fields.extend([
        ("pass_ratio", "7/10"),
        ("advance_cap_ratio", "4/5"),
        ("change_threshold_ratio", "1/5"),
        ("settlement_days", "30"),
    ]);
    fields
}

fn this_fiscal_year() -> String {
    grants_tests::scenario::this_fiscal_year().to_string()
}

/// With the fiscal year filled in (the test cannot borrow a temporary into the list above).
fn with_year<'a>(mut fields: Vec<(&'a str, &'a str)>, year: &'a str) -> Vec<(&'a str, &'a str)> {
    fields[0] = ("fiscal_year", year);
    fields
}

/// An applicant (token) with a group, and a submitted application titled `title`.
async fn submitted(
    app: &TestApp,
    email: &str,
    round: &str,
    title: &str,
    body: Value,
) -> (String, String) {
    let member = app.applicant(email).await;
    let group = app.register_group(&member, &format!("{title}の会")).await;
    let mut draft = body;
    draft["round_id"] = json!(round);
    draft["group_id"] = json!(group);
    draft["title"] = json!(title);
    let started = app
        .call(
            Method::POST,
            "/api/v1/applications",
            &member,
            Some(&draft),
            201,
        )
        .await;
    let id = started["id"].as_str().unwrap().to_owned();
    app.call(
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        &member,
        None,
        200,
    )
    .await;
    (member, id)
}

/// The page at `path` once it shows `needle`: what other roles did through the API reaches the
/// lists (read models) a moment later.
async fn eventually(browser: &Browser<'_>, path: &str, needle: &str) -> Page {
    for _ in 0..50 {
        let page = browser.get(path).await;
        if page.html.contains(needle) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = browser.get(path).await;
    panic!("{path} never showed {needle}: {}", page.html);
}

/// The text of the element with this id (up to its first tag's end), for amounts in summary boxes.
fn text_of(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = page
        .html
        .find(&marker)
        .unwrap_or_else(|| panic!("#{id} on the page: {}", page.html));
    let rest = &page.html[at..];
    let end = rest
        .find("</p>")
        .or_else(|| rest.find("</strong>"))
        .unwrap();
    rest[..end].to_owned()
}

on_both_backends!(
    staff_run_a_round_from_opening_to_the_finalised_amount,
    |app: TestApp| async move {
        let cast = app.cast(2).await;
        let staff = Browser::new(&app);
        let home = staff.sign_in("staff@city.example.jp").await;
        assert!(
            home.url.ends_with("/staff"),
            "staff land on /staff: {}",
            home.url
        );
        assert!(home.html.starts_with("<!DOCTYPE html><html lang=\"ja\">"));
        assert!(home.html.contains("募集回を開設する"));
        assert!(
            home.html.contains("href=\"/account/totp\""),
            "the menu leads staff to their second factor"
        );

        // Open the round through its form; the window closes in a few seconds so that scoring
        // can be closed within the test.
        let closes_in = Duration::seconds(15);
        let closes_at = OffsetDateTime::now_utc() + closes_in;
        let (opens, closes) = (jst_local(Duration::hours(-1)), jst_local(closes_in));
        let year = this_fiscal_year();
        let fields = with_year(
            round_fields(
                "令和8年度 ステップアップ（職員画面）",
                "300,000",
                &opens,
                &closes,
            ),
            &year,
        );
        let opened = submit(&staff, "/staff/rounds/new", "/staff/rounds/new", &fields).await;
        assert_eq!(opened.status, 200, "{}", opened.html);
        assert!(opened.html.contains("募集回を開設しました"));
        assert!(opened.html.contains("¥300,000"), "the budget in yen");
        assert!(opened.html.contains("1/1 → 3/4 → 1/2"));
        let round = opened
            .url
            .split("/staff/rounds/")
            .nth(1)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/rounds/{round}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(read["pass_ratio"], "7/10");
        assert_eq!(read["criteria"].as_array().unwrap().len(), 5);
        assert_eq!(read["budget"], 300_000);

        // Appoint both reviewers through the committee page: staff choose them by name.
        let committee = format!("/staff/rounds/{round}/committee");
        let offered = staff.get(&committee).await;
        assert_eq!(offered.status, 200, "{}", offered.html);
        assert!(
            offered
                .html
                .contains("<select id=\"f-reviewer_id\" name=\"reviewer_id\""),
            "{}",
            offered.html
        );
        for (n, (reviewer, _)) in cast.reviewers.iter().enumerate() {
            assert!(
                offered
                    .html
                    .contains(&format!("<option value=\"{reviewer}\">委員{n}（")),
                "{}",
                offered.html
            );
        }
        for (n, (reviewer, _)) in cast.reviewers.iter().enumerate() {
            let appointed =
                submit(&staff, &committee, &committee, &[("reviewer_id", reviewer)]).await;
            assert_eq!(appointed.status, 200, "{}", appointed.html);
            assert!(appointed.html.contains("審査委員を任命しました"));
            // Members by name, never by account id.
            let list = &appointed.html[appointed.html.find("id=\"committee\"").unwrap()..];
            let list = &list[..list.find("</ul>").unwrap()];
            assert!(list.contains(&format!("委員{n}")), "{list}");
            assert!(!list.contains(reviewer.as_str()), "{list}");
        }

        // Three groups apply (through the API).
        let (_, a) = submitted(
            &app,
            "a@example.jp",
            &round,
            "公園の自然観察会",
            form(260_000, 10_000, 200_000),
        )
        .await;
        let (_member_b, b) = submitted(
            &app,
            "b@example.jp",
            &round,
            "川の清掃活動",
            form(200_000, 10_000, 150_000),
        )
        .await;
        let (_, c) = submitted(
            &app,
            "c@example.jp",
            &round,
            "子ども食堂の準備",
            form(120_000, 10_000, 100_000),
        )
        .await;

        // Screening: a return without a reason is refused beside the reason field.
        eventually(
            &staff,
            &format!("/staff/rounds/{round}/screening"),
            "形式審査を待つ申請（3件）",
        )
        .await;
        let path_c = format!("/staff/applications/{c}");
        let refused = submit(
            &staff,
            &path_c,
            &path_c,
            &[("reason", ""), ("outcome", "returned")],
        )
        .await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(refused.html.contains("id=\"e-reason\""), "{}", refused.html);
        let returned = submit(
            &staff,
            &path_c,
            &path_c,
            &[
                ("reason", "収支予算書の内訳を追記してください"),
                ("outcome", "returned"),
            ],
        )
        .await;
        assert!(returned.html.contains("形式審査の結果を登録しました"));
        for id in [&a, &b] {
            let path = format!("/staff/applications/{id}");
            let accepted = submit(
                &staff,
                &path,
                &path,
                &[("reason", ""), ("outcome", "eligible")],
            )
            .await;
            assert_eq!(accepted.status, 200, "{}", accepted.html);
        }
        let read_c = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{c}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(read_c["status"], "returned");
        assert_eq!(
            read_c["returned_reason"],
            "収支予算書の内訳を追記してください"
        );

        // The reviewers score (through the API): A 89 of 100, B 78; the pass line is 70.
        app.score(&cast, &a, &[45, 44], &[]).await;
        app.score(&cast, &b, &[40, 38], &[]).await;

        // Close scoring once the window has closed.
        let wait = closes_at - OffsetDateTime::now_utc() + Duration::seconds(1);
        if wait.is_positive() {
            tokio::time::sleep(wait.unsigned_abs()).await;
        }
        let close = format!("/staff/rounds/{round}/scoring/close");
        let closed = submit(&staff, &committee, &close, &[]).await;
        assert_eq!(closed.status, 200, "{}", closed.html);
        assert!(
            closed.html.contains("採点を締め切りました"),
            "{}",
            closed.html
        );

        // The ranking: A adopted, B the runner-up offered the remaining ¥100,000.
        let ranking_path = format!("/staff/rounds/{round}/ranking");
        let ranking = staff.get(&ranking_path).await;
        assert_eq!(ranking.status, 200);
        assert!(ranking.html.contains("満点の "), "the pass line is shown");
        assert!(ranking.html.contains("7/10"));
        assert!(ranking.html.contains("89点") && ranking.html.contains("78点"));
        assert!(ranking.html.contains("採択") && ranking.html.contains("次点"));
        let fixed = submit(&staff, &ranking_path, &ranking_path, &[]).await;
        assert!(fixed.html.contains("順位を確定しました"), "{}", fixed.html);
        assert!(fixed.html.contains("id=\"offer\""));
        assert!(fixed.html.contains("¥100,000"), "the remainder offered");

        // Decisions: the remaining budget is on the page before and after each decision.
        let decisions = format!("/staff/rounds/{round}/decisions");
        let list = staff.get(&decisions).await;
        assert!(text_of(&list, "remaining-budget").contains("¥300,000"));
        let decide_a = format!("{decisions}/{a}");
        let too_much = submit(
            &staff,
            &decide_a,
            &decide_a,
            &[
                ("amount", "250,000"),
                ("conditions", "成果報告会を開くこと"),
                ("completion_deadline", &fiscal_year_end()),
                ("reason", ""),
                ("_action", "award"),
            ],
        )
        .await;
        assert_eq!(too_much.status, 422, "{}", too_much.html);
        assert!(
            too_much
                .html
                .contains("id=\"e-amount\">交付額¥250,000が申請額¥200,000を超えています"),
            "the rule beside the amount: {}",
            too_much.html
        );
        assert!(
            too_much.html.contains("value=\"250,000\""),
            "the amount typed stays"
        );
        assert!(
            too_much.html.contains("成果報告会を開くこと"),
            "the conditions typed stay"
        );
        assert!(text_of(&too_much, "remaining-budget").contains("¥300,000"));
        let csrf = too_much.csrf();
        let form_id = too_much.form_id();
        let deadline = fiscal_year_end();
        let decided = staff
            .post(
                &decide_a,
                &[
                    ("_csrf", &csrf),
                    ("_form", &form_id),
                    ("amount", "200000"),
                    ("conditions", "成果報告会を開くこと"),
                    ("completion_deadline", &deadline),
                    ("reason", ""),
                    ("_action", "award"),
                ],
            )
            .await;
        assert_eq!(decided.status, 200, "{}", decided.html);
        assert!(decided.html.contains("交付を決定しました"));
        assert!(
            text_of(&decided, "remaining-budget").contains("¥100,000"),
            "{}",
            decided.html
        );

        // The runner-up's group sees the offer among its next steps, with its last day, and accepts
        // it on its page; then staff award the remainder.
        let group_b = Browser::new(&app);
        group_b.sign_in("b@example.jp").await;
        let my = group_b.get("/my").await;
        assert!(
            my.html
                .contains("次点としての繰上げ交付の申出に回答してください"),
            "{}",
            my.html
        );
        let offer_path = format!("/applications/{b}/runner-up");
        assert!(my.html.contains(&offer_path), "{}", my.html);
        let offer = group_b.get(&offer_path).await;
        assert!(offer.html.contains("¥100,000"), "{}", offer.html);
        assert!(offer.html.contains("未回答"), "{}", offer.html);
        let accepted = submit(&group_b, &offer_path, &offer_path, &[("accept", "true")]).await;
        assert_eq!(accepted.status, 200, "{}", accepted.html);
        assert!(accepted.html.contains("受諾"), "{}", accepted.html);
        let my = group_b.get("/my").await;
        assert!(
            !my.html.contains("次点としての繰上げ交付の申出"),
            "{}",
            my.html
        );
        let decide_b = format!("{decisions}/{b}");
        let runner_up = submit(
            &staff,
            &decide_b,
            &decide_b,
            &[
                ("amount", "100000"),
                ("conditions", ""),
                ("completion_deadline", &deadline),
                ("reason", ""),
                ("_action", "award"),
            ],
        )
        .await;
        assert_eq!(runner_up.status, 200, "{}", runner_up.html);
        assert!(
            text_of(&runner_up, "remaining-budget").contains("¥0"),
            "{}",
            runner_up.html
        );

        // The grant of A: an advance at the 4/5 cap (one yen more is refused beside the amount).
        let read_a = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{a}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        let grant = read_a["grant_id"]
            .as_str()
            .expect("A is awarded")
            .to_owned();
        let grant_page = format!("/staff/grants/{grant}");
        let payments = format!("{grant_page}/payments");
        let today = today_jst();
        let over = submit(
            &staff,
            &grant_page,
            &payments,
            &[
                ("payment_amount", "160001"),
                ("paid_on", &today),
                ("payment_kind", "advance"),
            ],
        )
        .await;
        assert_eq!(over.status, 422, "{}", over.html);
        assert!(
            over.html.contains("id=\"e-payment_amount\""),
            "{}",
            over.html
        );
        assert!(over.html.contains("value=\"160001\""));
        let paid = submit(
            &staff,
            &grant_page,
            &payments,
            &[
                ("payment_amount", "160,000"),
                ("paid_on", &today),
                ("payment_kind", "advance"),
            ],
        )
        .await;
        assert_eq!(paid.status, 200, "{}", paid.html);
        assert!(paid.html.contains("支払を記録しました"));
        assert!(text_of(&paid, "paid-total").contains("¥160,000"));

        // The group files its settlement report (through the API): ¥150,000 actually spent.
        let member_a = app
            .sign_in("a@example.jp", grants_tests::TEST_PASSWORD)
            .await;
        let report = json!({
            "income": [],
            "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 150_000,
                          "receipt_date": today, "receipt_number": "R-001"}],
            "outcomes": "全10回の観察会に延べ250人が参加した。",
            "participants": 250,
        });
        let api_grant = format!("/api/v1/grants/{grant}");
        app.call(
            Method::PUT,
            &format!("{api_grant}/settlement-report"),
            &member_a,
            Some(&report),
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("{api_grant}/settlement-report/submit"),
            &member_a,
            None,
            200,
        )
        .await;
        let dashboard = eventually(&staff, "/staff", "対応が必要な交付（1件）").await;
        assert!(dashboard.html.contains("実績報告の審査"));

        // Staff return it first: without a reason the API refuses, beside the reason field.
        let review = format!("{grant_page}/settlement-review");
        let no_reason = submit(
            &staff,
            &grant_page,
            &review,
            &[("review_reason", ""), ("review_outcome", "returned")],
        )
        .await;
        assert_eq!(no_reason.status, 422, "{}", no_reason.html);
        assert!(
            no_reason.html.contains("id=\"e-review_reason\""),
            "{}",
            no_reason.html
        );
        let returned = submit(
            &staff,
            &grant_page,
            &review,
            &[
                ("review_reason", "領収書の宛名を確認してください"),
                ("review_outcome", "returned"),
            ],
        )
        .await;
        assert_eq!(returned.status, 200, "{}", returned.html);
        assert!(
            text_of(&returned, "grant-status").contains("実績報告差戻し"),
            "{}",
            returned.html
        );
        app.call(
            Method::POST,
            &format!("{api_grant}/settlement-report/submit"),
            &member_a,
            None,
            200,
        )
        .await;

        // Staff accept the report: the amount is finalised at ¥150,000 and ¥10,000 must come back.
        let reviewed = submit(
            &staff,
            &grant_page,
            &format!("{grant_page}/settlement-review"),
            &[("review_reason", ""), ("review_outcome", "accepted")],
        )
        .await;
        assert_eq!(reviewed.status, 200, "{}", reviewed.html);
        assert!(
            reviewed.html.contains("会場使用料"),
            "the report is on the page"
        );
        assert!(text_of(&reviewed, "finalised-amount").contains("¥150,000"));
        assert!(text_of(&reviewed, "refund-due").contains("¥10,000"));
        assert!(text_of(&reviewed, "grant-status").contains("返還待ち"));
        let remaining = staff.get(&decisions).await;
        assert!(
            text_of(&remaining, "remaining-budget").contains("¥50,000"),
            "the finalisation released ¥50,000 of the budget"
        );

        // The refund arrives and the grant closes.
        let refunded = submit(
            &staff,
            &grant_page,
            &format!("{grant_page}/refunds"),
            &[("refund_amount", "10000"), ("received_on", &today)],
        )
        .await;
        assert_eq!(refunded.status, 200, "{}", refunded.html);
        assert!(
            text_of(&refunded, "grant-status").contains("完了"),
            "{}",
            refunded.html
        );
        let read = app
            .call(Method::GET, &api_grant, &cast.staff, None, 200)
            .await;
        assert_eq!(read["status"], "closed");
        assert_eq!(read["finalised_amount"], 150_000);
    }
);

on_both_backends!(
    a_refused_round_comes_back_with_everything_typed_and_the_rule_beside_the_field,
    |app: TestApp| async move {
        app.cast(0).await;
        let staff = Browser::new(&app);
        staff.sign_in("staff@city.example.jp").await;
        let year = this_fiscal_year();
        let (opens, closes) = (jst_local(Duration::days(10)), jst_local(Duration::days(1)));
        let fields = with_year(
            round_fields("令和8年度 はじめの一歩", "1,000,000", &opens, &closes),
            &year,
        );
        let refused = submit(&staff, "/staff/rounds/new", "/staff/rounds/new", &fields).await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(
            refused
                .html
                .contains("id=\"e-closes_at\">募集開始日時は募集締切日時より前にしてください"),
            "the rule beside the closing time: {}",
            refused.html
        );
        assert!(refused.html.contains("value=\"令和8年度 はじめの一歩\""));
        assert!(refused.html.contains("value=\"1,000,000\""));
        assert!(refused.html.contains(&format!("value=\"{closes}\"")));
        assert!(
            refused.html.contains("value=\"independence\""),
            "criteria rows stay"
        );
        let rounds = app.get("/api/v1/rounds").await;
        assert_eq!(rounds.body, json!([]), "no round was opened");

        // A ratio that is not a fraction: the API's refusal goes beside that field.
        let (opens, closes) = (
            jst_local(Duration::hours(-1)),
            jst_local(Duration::days(10)),
        );
        let mut fields = with_year(
            round_fields("分数の誤り", "1,000,000", &opens, &closes),
            &year,
        );
        for field in fields.iter_mut() {
            if field.0 == "pass_ratio" {
                field.1 = "七割";
            }
        }
        let refused = submit(&staff, "/staff/rounds/new", "/staff/rounds/new", &fields).await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.html.contains("id=\"e-pass_ratio\""),
            "{}",
            refused.html
        );
        assert!(refused.html.contains("value=\"七割\""));
    }
);

on_both_backends!(
    non_staff_are_refused_by_the_api_not_by_the_pages,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, Duration::days(10)))
            .await;
        let (member, application) = submitted(
            &app,
            "who@example.jp",
            &round,
            "公園の自然観察会",
            form(260_000, 10_000, 200_000),
        )
        .await;
        let _ = member;

        let applicant = Browser::new(&app);
        applicant.sign_in("who@example.jp").await;
        // The form itself is just a page; opening the round is the API's to refuse.
        let year = this_fiscal_year();
        let (opens, closes) = (
            jst_local(Duration::hours(-1)),
            jst_local(Duration::days(10)),
        );
        let fields = with_year(
            round_fields("申請者による開設", "1,000,000", &opens, &closes),
            &year,
        );
        let refused = submit(
            &applicant,
            "/staff/rounds/new",
            "/staff/rounds/new",
            &fields,
        )
        .await;
        assert_eq!(refused.status, 403, "{}", refused.html);
        assert!(refused.html.contains("この操作を行う権限がありません"));
        // Screening one's own application: the API's staff guard refuses it.
        let own = format!("/staff/applications/{application}");
        let screened = submit(
            &applicant,
            &own,
            &own,
            &[("reason", ""), ("outcome", "eligible")],
        )
        .await;
        assert_eq!(screened.status, 403, "{}", screened.html);
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{application}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(read["status"], "submitted", "nothing was screened");
        // The ranking is not the applicant's to see: the API answers 404.
        let ranking = applicant
            .get(&format!("/staff/rounds/{round}/ranking"))
            .await;
        assert_eq!(ranking.status, 404, "{}", ranking.html);

        // A reviewer cannot appoint to the committee.
        let reviewer = Browser::new(&app);
        reviewer.sign_in("reviewer0@example.jp").await;
        let committee = format!("/staff/rounds/{round}/committee");
        let appointed = submit(
            &reviewer,
            &committee,
            &committee,
            &[("reviewer_id", &cast.reviewers[0].0)],
        )
        .await;
        assert_eq!(appointed.status, 403, "{}", appointed.html);

        // Signed out, a staff page asks to sign in first.
        let stranger = Browser::without_redirects(&app);
        let asked = stranger.get("/staff").await;
        assert_eq!(asked.status, 303);
        assert_eq!(
            asked.headers.get("location").unwrap().to_str().unwrap(),
            "/login?next=%2Fstaff"
        );
    }
);

on_both_backends!(
    a_rejection_a_change_and_a_cancellation_are_decided_on_their_pages,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        let member = app.applicant("change@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let (application, _) = app
            .eligible_application(
                &cast,
                &member,
                &round,
                &group,
                &form(260_000, 10_000, 200_000),
            )
            .await;
        let other = app.applicant("below@example.jp").await;
        let other_group = app.register_group(&other, "あおぞらの会").await;
        let (below, _) = app
            .eligible_application(
                &cast,
                &other,
                &round,
                &other_group,
                &form(120_000, 10_000, 100_000),
            )
            .await;
        app.score(&cast, &application, &[45], &[]).await;
        app.score(&cast, &below, &[20], &[]).await;
        app.close_and_rank(&cast, &round).await;
        let grant = app.award(&cast, &round, &application, 200_000).await;

        // The application below the pass line is rejected on its decision page; a reason is needed.
        let staff = Browser::new(&app);
        staff.sign_in("staff@city.example.jp").await;
        let reject = format!("/staff/rounds/{round}/decisions/{below}");
        let deadline = fiscal_year_end();
        let no_reason = submit(
            &staff,
            &reject,
            &reject,
            &[
                ("amount", "100000"),
                ("conditions", ""),
                ("completion_deadline", &deadline),
                ("reason", "  "),
                ("_action", "reject"),
            ],
        )
        .await;
        assert_eq!(no_reason.status, 422, "{}", no_reason.html);
        assert!(
            no_reason.html.contains("id=\"e-reason\""),
            "{}",
            no_reason.html
        );
        let rejected = submit(
            &staff,
            &reject,
            &reject,
            &[
                ("amount", "100000"),
                ("conditions", ""),
                ("completion_deadline", &deadline),
                ("reason", "合格基準点（7割）に達しなかったため"),
                ("_action", "reject"),
            ],
        )
        .await;
        assert_eq!(rejected.status, 200, "{}", rejected.html);
        assert!(rejected.html.contains("不採択としました"));
        assert!(text_of(&rejected, "remaining-budget").contains("¥800,000"));
        // The group halves its plan: a change that needs approval (rule 8).
        let change = json!({
            "reason": "会場を市の施設に変更したため",
            "budget": {
                "income": [{"kind": "project_income", "description": "参加費", "amount": 10_000}],
                "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": 130_000}],
            },
            "period": {"start": today_jst(), "end": fiscal_year_end()},
        });
        app.call(
            Method::POST,
            &format!("/api/v1/grants/{grant}/change-requests"),
            &member,
            Some(&change),
            201,
        )
        .await;

        let grant_page = format!("/staff/grants/{grant}");
        let decide = format!("{grant_page}/change-decision");
        let shown = staff.get(&grant_page).await;
        assert!(
            shown.html.contains("会場を市の施設に変更したため"),
            "{}",
            shown.html
        );
        let change_id = shown
            .input("change_request_id")
            .expect("the pending change");
        // Above the new plan's maximum (¥120,000): refused beside the amount, the amount kept.
        let refused = submit(
            &staff,
            &grant_page,
            &decide,
            &[
                ("change_request_id", &change_id),
                ("change_new_amount", "150000"),
                ("change_reason", "計画の縮小に合わせて減額"),
                ("change_approved", "true"),
            ],
        )
        .await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(
            refused.html.contains("id=\"e-change_new_amount\""),
            "{}",
            refused.html
        );
        assert!(refused.html.contains("value=\"150000\""));
        assert!(refused.html.contains("計画の縮小に合わせて減額"));
        let approved = submit(
            &staff,
            &grant_page,
            &decide,
            &[
                ("change_request_id", &change_id),
                ("change_new_amount", "120,000"),
                ("change_reason", "計画の縮小に合わせて減額"),
                ("change_approved", "true"),
            ],
        )
        .await;
        assert_eq!(approved.status, 200, "{}", approved.html);
        assert!(approved
            .html
            .contains("変更承認申請の審査結果を登録しました"));
        assert!(approved.html.contains("審査を待つ変更承認申請はありません"));
        assert!(text_of(&approved, "decided-amount").contains("¥120,000"));
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/rounds/{round}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(
            read["remaining_budget"], 880_000,
            "the budget follows the amount"
        );

        // Cancellation (rule 10): a refund above what was paid is refused beside its field, the
        // reason typed kept; then the award is cancelled with nothing to refund.
        let cancel = format!("{grant_page}/cancellation");
        let reason = "事業が実施されなかったため";
        let too_much = submit(
            &staff,
            &grant_page,
            &cancel,
            &[("cancel_reason", reason), ("cancel_refund_amount", "1000")],
        )
        .await;
        assert_eq!(too_much.status, 422, "{}", too_much.html);
        assert!(
            too_much.html.contains("id=\"e-cancel_refund_amount\""),
            "{}",
            too_much.html
        );
        assert!(too_much.html.contains(reason), "the reason typed stays");
        let cancelled = submit(
            &staff,
            &grant_page,
            &cancel,
            &[("cancel_reason", reason), ("cancel_refund_amount", "0")],
        )
        .await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.html);
        assert!(cancelled.html.contains("交付決定を取り消しました"));
        assert!(
            text_of(&cancelled, "grant-status").contains("取消"),
            "{}",
            cancelled.html
        );
    }
);

/// The session token a browser that does not follow redirects received when signing in.
fn session_of(signed_in: &Page) -> String {
    let cookie = signed_in
        .set_cookies()
        .into_iter()
        .find(|cookie| cookie.starts_with("grants_session="))
        .expect("a session cookie");
    cookie["grants_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

on_both_backends!(
    an_ended_session_keeps_what_staff_typed_and_acts_after_signing_in_again,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, Duration::days(10)))
            .await;
        let (_, application) = submitted(
            &app,
            "late@example.jp",
            &round,
            "公園の自然観察会",
            form(260_000, 10_000, 200_000),
        )
        .await;
        let staff = Browser::without_redirects(&app);
        let session = session_of(&staff.sign_in("staff@city.example.jp").await);
        let path = format!("/staff/applications/{application}");
        let screening = staff.get(&path).await;
        // The session ends while staff are typing.
        app.call(
            Method::DELETE,
            "/api/v1/sessions/current",
            &session,
            None,
            204,
        )
        .await;

        // The screening page cannot be read without a session: what was typed comes back in a
        // form that asks for the password, and nothing was screened.
        let reason = "収支予算書の内訳を追記してください";
        let kept = staff
            .post(
                &path,
                &[
                    ("_csrf", &screening.csrf()),
                    ("_form", &screening.form_id()),
                    ("reason", reason),
                    ("outcome", "returned"),
                ],
            )
            .await;
        assert_eq!(kept.status, 422, "{}", kept.html);
        assert!(kept.html.contains("ログインの有効期限が切れたため"));
        assert!(
            kept.html.contains(&format!("value=\"{reason}\"")),
            "{}",
            kept.html
        );
        assert!(kept.html.contains("name=\"_reauth_password\""));
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{application}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(read["status"], "submitted");
        let again = staff
            .post(
                &path,
                &[
                    ("_csrf", &kept.csrf()),
                    ("_form", &kept.form_id()),
                    ("reason", reason),
                    ("outcome", "returned"),
                    ("_reauth_email", "staff@city.example.jp"),
                    ("_reauth_password", grants_tests::TEST_PASSWORD),
                ],
            )
            .await;
        assert_eq!(again.status, 303, "{}", again.html);
        assert!(again
            .set_cookies()
            .iter()
            .any(|cookie| cookie.starts_with("grants_session=")));
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{application}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(read["status"], "returned");
        assert_eq!(read["returned_reason"], reason);

        // The new-round form needs nothing read: it comes back whole, with what was typed.
        let other = Browser::without_redirects(&app);
        let session = session_of(&other.sign_in("staff@city.example.jp").await);
        let new_round = other.get("/staff/rounds/new").await;
        app.call(
            Method::DELETE,
            "/api/v1/sessions/current",
            &session,
            None,
            204,
        )
        .await;
        let year = this_fiscal_year();
        let (opens, closes) = (
            jst_local(Duration::hours(-1)),
            jst_local(Duration::days(10)),
        );
        let mut fields = vec![("_csrf", new_round.csrf()), ("_form", new_round.form_id())];
        fields.extend(
            with_year(
                round_fields("時間をかけて入力した募集回", "1,000,000", &opens, &closes),
                &year,
            )
            .into_iter()
            .map(|(name, value)| (name, value.to_owned())),
        );
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let kept = other.post("/staff/rounds/new", &borrowed).await;
        assert_eq!(kept.status, 422, "{}", kept.html);
        assert!(kept.html.contains("value=\"時間をかけて入力した募集回\""));
        assert!(kept.html.contains("value=\"independence\""));
        assert!(kept.html.contains("name=\"_reauth_password\""));
    }
);

on_both_backends!(
    staff_open_a_reviewer_account_and_appoint_it_by_name,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, Duration::days(10)))
            .await;
        let staff = Browser::new(&app);
        staff.sign_in("staff@city.example.jp").await;
        let weak = submit(
            &staff,
            "/staff/users/new",
            "/staff/users/new",
            &[
                ("display_name", "審査 一郎"),
                ("email", "ichiro@example.jp"),
                ("role", "reviewer"),
                ("password", "short"),
            ],
        )
        .await;
        assert_eq!(weak.status, 422, "{}", weak.html);
        assert!(weak.html.contains("id=\"e-password\""), "{}", weak.html);
        assert!(weak.html.contains("value=\"審査 一郎\""));
        assert!(
            !weak.html.contains("value=\"short\""),
            "a password is never echoed"
        );
        let password = "審査委員の初期パスワード2026";
        let opened = submit(
            &staff,
            "/staff/users/new",
            "/staff/users/new",
            &[
                ("display_name", "審査 一郎"),
                ("email", "ichiro@example.jp"),
                ("role", "reviewer"),
                ("password", password),
            ],
        )
        .await;
        assert_eq!(opened.status, 200, "{}", opened.html);
        assert!(opened.html.contains("アカウントを作成しました"));
        let id = text_of(&opened, "new-user-id");
        let id = id
            .split("<code>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned();
        app.sign_in("ichiro@example.jp", password).await;

        // Without a committee no ranking can be computed: the page says why.
        let member = app.applicant("ranked@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        app.eligible_application(
            &cast,
            &member,
            &round,
            &group,
            &form(260_000, 10_000, 200_000),
        )
        .await;
        let unranked = staff.get(&format!("/staff/rounds/{round}/ranking")).await;
        assert_eq!(unranked.status, 200, "{}", unranked.html);
        assert!(
            unranked.html.contains("順位を計算できません"),
            "{}",
            unranked.html
        );

        let committee = format!("/staff/rounds/{round}/committee");
        let offered = staff.get(&committee).await;
        assert!(
            offered.html.contains(&format!(
                "<option value=\"{id}\">審査 一郎（ichiro@example.jp）</option>"
            )),
            "{}",
            offered.html
        );
        let appointed = submit(&staff, &committee, &committee, &[("reviewer_id", &id)]).await;
        assert!(
            appointed.html.contains("審査委員を任命しました"),
            "{}",
            appointed.html
        );
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/rounds/{round}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(read["committee"], json!([id]));
        // The member is listed by name, and no longer offered.
        assert!(
            appointed
                .html
                .contains("<ul id=\"committee\"><li>審査 一郎</li></ul>"),
            "{}",
            appointed.html
        );
        assert!(!appointed.html.contains(&format!("<option value=\"{id}\"")));
        // An id that is no reviewer's: the API's refusal beside the field.
        let staff_id = app
            .call(
                Method::GET,
                "/api/v1/sessions/current",
                &cast.staff,
                None,
                200,
            )
            .await["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let refused = submit(
            &staff,
            &committee,
            &committee,
            &[("reviewer_id", &staff_id)],
        )
        .await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        assert!(
            refused
                .html
                .contains("id=\"e-reviewer_id\">審査委員のアカウントだけを委員会に委嘱できます"),
            "{}",
            refused.html
        );
    }
);
