//! Hostile input met (issue 13), on both backends: text that a spreadsheet would run as a formula
//! leaves the public CSV as text behind a leading quote; text fields refuse control characters and
//! bidirectional controls (422 naming the field, nothing appended), multi-line ones keep their tabs
//! and line breaks.

use grants_tests::scenario::{form, step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;
use time::Duration;

/// The log's head: every event appended so far, for `?min_position=`.
async fn head(app: &TestApp) -> i64 {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>("SELECT max(position) FROM events")
        .fetch_one(pool)
        .await
        .unwrap())
}

on_both_backends!(
    formula_text_leaves_the_public_csv_neutralised,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, SHORT_WINDOW))
            .await;
        let member = app.applicant("member@example.jp").await;
        let group = app
            .register_group(&member, "=HYPERLINK(\"http://x\")")
            .await;
        let mut application_form = form(100_000, 0, 100_000);
        application_form["title"] = "@SUM(1)".into();
        application_form["summary"] = "-1+1".into();
        let (application, _) = app
            .eligible_application(&cast, &member, &round, &group, &application_form)
            .await;
        app.score(&cast, &application, &[45], &[]).await;
        app.close_and_rank(&cast, &round).await;
        let grant = app.award(&cast, &round, &application, 100_000).await;

        let head = head(&app).await;
        let answer = app
            .client
            .get(app.url(&format!("/api/v1/public/awards.csv?min_position={head}")))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let bytes = answer.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "the BOM stays");
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 1, "{text}");
        let row = &records[0];
        assert_eq!(row.get(0), Some(grant.as_str()));
        assert_eq!(row.get(3), Some("'=HYPERLINK(\"http://x\")"), "group name");
        assert_eq!(row.get(5), Some("'@SUM(1)"), "title");
        assert_eq!(row.get(6), Some("'-1+1"), "summary");
        assert_eq!(row.get(7), Some("100000"), "the amount stays a number");

        // The JSON list is not a spreadsheet: it carries the text as it was given.
        let awards = app.get("/api/v1/public/awards").await.body;
        assert_eq!(awards[0]["group_name"], "=HYPERLINK(\"http://x\")");
        assert_eq!(awards[0]["title"], "@SUM(1)");
    }
);

/// How many events the log holds.
async fn event_count(app: &TestApp) -> i64 {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await
        .unwrap())
}

on_both_backends!(
    control_characters_and_bidi_overrides_are_refused_in_text_fields,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::hours(1)))
            .await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let draft = |title: &str, summary: &str| {
            let mut body = form(100_000, 0, 100_000);
            body["round_id"] = json!(round);
            body["group_id"] = json!(group);
            body["title"] = json!(title);
            body["summary"] = json!(summary);
            body
        };

        for (title, code_point) in [("abc\u{0000}def", "U+0000"), ("abc\u{202E}def", "U+202E")] {
            let before = event_count(&app).await;
            let refused = app
                .send(
                    Method::POST,
                    "/api/v1/applications",
                    Some(&member),
                    Some(&draft(title, "概要")),
                )
                .await;
            assert_eq!(refused.status, 422, "{title:?}: {:?}", refused.body);
            assert_eq!(refused.content_type, "application/problem+json");
            assert_eq!(refused.body["field"], "title", "{:?}", refused.body);
            assert_eq!(refused.body["code"], "text.forbidden_character");
            let (ja, en) = (
                refused.body["detail_ja"].as_str().unwrap(),
                refused.body["detail_en"].as_str().unwrap(),
            );
            assert!(ja.contains("事業名") && ja.contains(code_point), "{ja}");
            assert!(en.contains("title") && en.contains(code_point), "{en}");
            assert_eq!(
                event_count(&app).await,
                before,
                "nothing appended for {title:?}"
            );
        }

        // A multi-line summary keeps its line breaks and tabs; a group's purpose too.
        let summary = "一行目\n\t二行目\r\n三行目";
        let started = app
            .call(
                Method::POST,
                "/api/v1/applications",
                &member,
                Some(&draft("こども自然教室", summary)),
                201,
            )
            .await;
        let id = started["id"].as_str().unwrap();
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{id}"),
                &member,
                None,
                200,
            )
            .await;
        assert_eq!(read["summary"], summary, "{read}");

        // The same rule on another aggregate's command: a group's name is one line.
        let before = event_count(&app).await;
        let mut group_body = grants_tests::scenario::group("みどりの\tかい");
        group_body["purpose"] = json!("緑化\n自然体験");
        let refused = app
            .send(
                Method::POST,
                "/api/v1/groups",
                Some(&member),
                Some(&group_body),
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["field"], "name");
        assert_eq!(event_count(&app).await, before);
    }
);
