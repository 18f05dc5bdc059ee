//! A stream's timeline on the audit pages comes in pages of 50 events (issue 15 finding 7), on
//! both backends: a draft saved 59 times (60 events) shows events 1–50, then 51–60.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;
use time::Duration;

on_both_backends!(a_long_timeline_is_paged, |app: TestApp| async move {
    let cast = app.cast(0).await;
    let round = app
        .open_round(&cast, &step_up_round(2_000_000, Duration::hours(1)))
        .await;
    let member = app.applicant("member@example.jp").await;
    let group = app.register_group(&member, "みどりの会").await;
    let mut draft = form(412_345, 30_000, 286_000);
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
    let id = started["id"].as_str().unwrap();
    for n in 0..59 {
        app.call(
            Method::PATCH,
            &format!("/api/v1/applications/{id}"),
            &member,
            Some(&{
                let mut saved = form(412_345, 30_000, 286_000);
                saved["title"] = json!(format!("こども自然教室 第{n}版"));
                saved
            }),
            200,
        )
        .await;
    }

    app.account_with_role("auditor", "auditor@example.jp").await;
    let auditor = Browser::new(&app);
    auditor.sign_in("auditor@example.jp").await;
    let path = format!("/audit/streams/application/{id}");
    let first = auditor.get(&path).await;
    assert_eq!(first.status, 200, "{}", first.html);
    assert!(first.html.contains("60件中 1〜50件目"), "{}", first.html);
    assert!(first.html.contains(&format!("{path}?from=50")));
    let second = auditor.get(&format!("{path}?from=50")).await;
    assert!(second.html.contains("60件中 51〜60件目"), "{}", second.html);
    assert!(second.html.contains("start=\"51\""));
    assert!(second.html.contains(&format!("{path}?from=0")));
});
