//! Forms that report every refusal at once, each beside its field, and keep what was typed
//! (issue 15, findings 3 and 4), over real HTTP on both backends.

use grants_tests::browser::{Browser, Page};
use grants_tests::scenario::{fiscal_year_end, step_up_round, today_jst};
use grants_tests::{on_both_backends, TestApp};
use time::Duration;

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> (Browser<'a>, String) {
    let token = app.applicant(email).await;
    let browser = Browser::without_redirects(app);
    assert_eq!(browser.sign_in(email).await.status, 303);
    (browser, token)
}

fn tomorrow() -> String {
    let today = time::Date::parse(
        &today_jst(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap();
    (today + Duration::days(1)).to_string()
}

/// The message shown beside a field (`<p class="error" id="e-NAME">`), if any.
fn error_beside(page: &Page, field: &str) -> Option<String> {
    let marker = format!("id=\"e-{field}\">");
    let at = page.html.find(&marker)? + marker.len();
    let end = at + page.html[at..].find('<')?;
    Some(page.html[at..end].to_owned())
}

on_both_backends!(
    a_group_form_with_five_bad_fields_shows_five_errors_and_keeps_everything,
    |app: TestApp| async move {
        let (browser, token) = signed_in(&app, "five@example.jp").await;
        let form = browser.get("/groups/new").await;
        assert_eq!(form.status, 200);
        let purpose = "川".repeat(2001);
        let founded = tomorrow();
        let (csrf, form_id) = (form.csrf(), form.form_id());
        let fields = [
            ("_csrf", csrf.as_str()),
            ("_form", form_id.as_str()),
            ("name", "みどりの会"),
            ("registration_number", ""),
            ("representative_name", "岡崎 花子"),
            ("address", "岡崎市十王町2丁目9"),
            ("phone", "0564-23-0000"),
            ("email", "midori.example.jp"),
            ("founded_on", founded.as_str()),
            ("member_count", "-3"),
            ("resident_member_count", "2"),
            ("purpose", purpose.as_str()),
        ];
        let answer = browser.post("/groups/new", &fields).await;
        assert_eq!(answer.status, 422, "{}", answer.html);
        for (field, expected) in [
            ("registration_number", "登録番号を入力してください"),
            ("email", "メールアドレスの形式が正しくありません"),
            ("founded_on", "設立日に未来の日付は指定できません"),
            ("member_count", "0以上の整数"),
            (
                "purpose",
                "活動目的は2000文字以内で入力してください（現在2001文字）",
            ),
        ] {
            let shown = error_beside(&answer, field)
                .unwrap_or_else(|| panic!("an error beside {field}: {}", answer.html));
            assert!(shown.contains(expected), "{field}: {shown}");
        }
        assert_eq!(
            answer.html.matches("class=\"error\" id=\"e-").count(),
            5,
            "five errors, no more: {}",
            answer.html
        );
        for kept in [
            "value=\"みどりの会\"",
            "value=\"岡崎 花子\"",
            "value=\"midori.example.jp\"",
            &format!("value=\"{founded}\""),
            "value=\"-3\"",
            "value=\"2\"",
            &format!(">{purpose}</textarea>"),
        ] {
            assert!(answer.html.contains(kept), "kept: {kept}");
        }
        let groups = app
            .send(reqwest::Method::GET, "/api/v1/groups", Some(&token), None)
            .await;
        assert_eq!(groups.body.as_array().map(Vec::len), Some(0));

        // The API says the same in one problem+json: every field refusal in `errors`.
        let refused = app
            .send(
                reqwest::Method::POST,
                "/api/v1/groups",
                Some(&token),
                Some(&serde_json::json!({
                    "name": "みどりの会", "registration_number": "",
                    "representative_name": "岡崎 花子", "address": "岡崎市",
                    "phone": "0564-23-0000", "email": "midori.example.jp",
                    "founded_on": founded, "member_count": -3,
                    "resident_member_count": 2, "purpose": purpose,
                })),
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        let errors = refused.body["errors"].as_array().expect("errors");
        let fields: Vec<&str> = errors
            .iter()
            .map(|one| one["field"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            fields,
            [
                "registration_number",
                "email",
                "founded_on",
                "member_count",
                "purpose"
            ]
        );
        for one in errors {
            assert!(one["detail_ja"].is_string() && one["detail_en"].is_string());
            assert!(one["code"].is_string());
        }
        assert_eq!(refused.body["field"], "registration_number");
    }
);

fn application_fields(
    csrf: &str,
    form_id: &str,
    group: &str,
    summary: &str,
    requested: &str,
) -> Vec<(String, String)> {
    [
        ("_csrf", csrf),
        ("_form", form_id),
        ("group_id", group),
        ("title", "こども自然教室"),
        ("summary", summary),
        ("purpose", "子どもが身近な自然に親しむ機会をつくる。"),
        ("beneficiaries", "市内の小学生"),
        ("period_start", &today_jst()),
        ("period_end", &fiscal_year_end()),
        ("expense_category", "rentals"),
        ("expense_item", "会場使用料"),
        ("expense_quantity", "1"),
        ("expense_unit_price", "412,345"),
        ("income_kind", "project_income"),
        ("income_description", "参加費"),
        ("income_amount", "30000"),
        ("requested_amount", requested),
        ("_action", "save"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .collect()
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

fn first_group(page: &Page) -> String {
    let at = page.html.find("name=\"group_id\"").expect("a group select");
    let value = page.html[at..]
        .split("<option value=\"")
        .nth(1)
        .expect("an option");
    value[..value.find('"').unwrap()].to_owned()
}

on_both_backends!(
    a_50000_character_summary_comes_back_beside_its_field_with_the_text_kept,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::days(10)))
            .await;
        let (browser, token) = signed_in(&app, "long@example.jp").await;
        app.register_group(&token, "みどりの会").await;
        let path = format!("/rounds/{round}/apply");
        let form = browser.get(&path).await;
        let summary = "あ".repeat(50_000);
        let fields = application_fields(
            &form.csrf(),
            &form.form_id(),
            &first_group(&form),
            &summary,
            "300000",
        );
        let answer = browser.post(&path, &borrowed(&fields)).await;
        assert_eq!(
            answer.status,
            422,
            "{}",
            &answer.html[..answer.html.len().min(2000)]
        );
        assert_eq!(
            error_beside(&answer, "summary").as_deref(),
            Some("事業概要は400文字以内で入力してください（現在50000文字）")
        );
        assert!(
            answer.html.contains(&format!(">{summary}</textarea>")),
            "the text is kept"
        );
        assert!(answer.html.contains("value=\"412,345\""));

        // Beyond even the page's limit: a Japanese page that says what happened.
        let huge = "あ".repeat(300_000);
        let fields = application_fields(
            &form.csrf(),
            &form.form_id(),
            &first_group(&form),
            &huge,
            "300000",
        );
        let too_large = browser.post(&path, &borrowed(&fields)).await;
        assert_eq!(too_large.status, 413);
        assert!(
            too_large.html.contains("<html lang=\"ja\">"),
            "{}",
            too_large.html
        );
        assert!(too_large.html.contains("送信内容が大きすぎます"));
        assert!(!too_large.html.contains("Failed to buffer"));
    }
);

on_both_backends!(
    a_draft_asking_more_than_its_maximum_saves_with_a_warning_beside_the_amount,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::days(10)))
            .await;
        let (browser, token) = signed_in(&app, "over@example.jp").await;
        app.register_group(&token, "みどりの会").await;
        let path = format!("/rounds/{round}/apply");
        let form = browser.get(&path).await;
        let fields = application_fields(
            &form.csrf(),
            &form.form_id(),
            &first_group(&form),
            "市内の公園で自然観察会を開く。",
            "999,999",
        );
        let saved = browser.post(&path, &borrowed(&fields)).await;
        assert_eq!(saved.status, 303, "{}", saved.html);
        let location = saved.headers["location"].to_str().unwrap().to_owned();
        let edit = browser.get(&location).await;
        assert_eq!(edit.status, 200);
        let marker = "id=\"w-requested_amount\">";
        let at = edit.html.find(marker).expect("a warning beside 申請額") + marker.len();
        let warning = &edit.html[at..at + edit.html[at..].find('<').unwrap()];
        assert!(warning.contains("999,999"), "{warning}");
        assert!(warning.contains("382,000"), "{warning}");
        assert!(warning.contains("提出できません"), "{warning}");
        assert!(edit.html.contains("value=\"999999\""));
    }
);
