//! Screening (形式審査) records what staff checked — the member count, the residents, the group's
//! rules (規約) — and who, over real HTTP on both backends (`application::screening`): an
//! acceptance without every check is refused in both languages; the application's read and the
//! staff page show the record.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;
use time::Duration;

/// A submitted application in an open round; returns (staff, member, application).
async fn submitted(app: &TestApp) -> (String, String, String) {
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, Duration::hours(1)))
        .await;
    let member = app.applicant("member@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let mut draft = form(200_000, 0, 200_000);
    draft["round_id"] = json!(round);
    draft["group_id"] = json!(group);
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
    (cast.staff, member, id)
}

on_both_backends!(
    an_acceptance_records_the_checks_and_who_did_them,
    |app: TestApp| async move {
        let (staff, member, id) = submitted(&app).await;
        let path = format!("/api/v1/applications/{id}/screening");
        let partial = json!({"outcome": "eligible", "checks": {"members": true, "residents": false, "rules": false}});
        let refused = app
            .send(Method::POST, &path, Some(&staff), Some(&partial))
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "application.checks_incomplete");
        assert_eq!(
            refused.body["detail_ja"],
            "受理するには、市内在住の構成員・団体の規約の確認が必要です（規則1の要件）"
        );
        assert!(refused.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("not checked: residents, rules"));

        let me = app
            .call(Method::GET, "/api/v1/sessions/current", &staff, None, 200)
            .await;
        let full = json!({"outcome": "eligible", "checks": {
            "members": true, "residents": true, "rules": true,
            "note": "会員名簿（12名、うち市内在住8名）と規約を確認"}});
        let screened = app
            .call(Method::POST, &path, &staff, Some(&full), 200)
            .await;
        assert_eq!(screened["status"], "eligible");
        let checks = &screened["screening_checks"];
        assert_eq!(checks["members"], true);
        assert_eq!(checks["residents"], true);
        assert_eq!(checks["rules"], true);
        assert_eq!(
            checks["note"],
            "会員名簿（12名、うち市内在住8名）と規約を確認"
        );
        assert_eq!(checks["by"], me["user"]["id"], "{me:?}");
        // The group sees what was checked on its application.
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{id}"),
                &member,
                None,
                200,
            )
            .await;
        assert_eq!(read["screening_checks"]["rules"], true);
    }
);

on_both_backends!(
    staff_tick_the_checks_on_the_screening_page,
    |app: TestApp| async move {
        let (_, _, id) = submitted(&app).await;
        let browser = Browser::new(&app);
        browser.sign_in("staff@city.example.jp").await;
        let path = format!("/staff/applications/{id}");
        let page = browser.get(&path).await;
        assert!(page.html.contains("団体の規約（公益的な目的）を確認した"));
        // Accepting without the checks: refused beside them, what was typed kept.
        let refused = browser
            .post(
                &path,
                &[
                    ("_csrf", &page.csrf()),
                    ("_form", &page.form_id()),
                    ("checks_shown", "1"),
                    ("check_members", "on"),
                    ("check_note", "会員名簿を確認"),
                    ("reason", ""),
                    ("outcome", "eligible"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.html.contains("id=\"e-checks\""));
        assert!(refused.html.contains("会員名簿を確認"));
        let page = browser.get(&path).await;
        let done = browser
            .post(
                &path,
                &[
                    ("_csrf", &page.csrf()),
                    ("_form", &page.form_id()),
                    ("checks_shown", "1"),
                    ("check_members", "on"),
                    ("check_residents", "on"),
                    ("check_rules", "on"),
                    ("check_note", "会員名簿と規約を確認"),
                    ("reason", ""),
                    ("outcome", "eligible"),
                ],
            )
            .await;
        assert_eq!(done.status, 200);
        assert!(done.html.contains("形式審査の結果を登録しました。"));
        let page = browser.get(&path).await;
        assert!(page.html.contains("id=\"screening-checks\""));
        assert!(page.html.contains("会員名簿と規約を確認"));
        assert!(page.html.contains("確認済み"));
    }
);
