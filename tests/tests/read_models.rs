//! The read models over HTTP, after the demo has lived a grant's life: the public list (JSON, CSV,
//! 360Giving), application lists by role, the audit trail with its hash chain, as-of replays,
//! readiness with projection lag, and metrics. No personal data reaches a public output.

use grants_app::demo::{DEMO_PASSWORD, DEMO_STAFF};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::Value;

async fn seeded(app: &TestApp) -> i64 {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let state = grants_app::http::AppState::new(db.clone());
    grants_app::demo::seed(&state)
        .await
        .expect("the demo seeds");
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>("SELECT max(position) FROM events")
        .fetch_one(pool)
        .await
        .unwrap())
}

on_both_backends!(
    read_models_serve_the_public_staff_and_auditors,
    |app: TestApp| async move {
        let head = seeded(&app).await;
        let staff = app.sign_in(DEMO_STAFF, DEMO_PASSWORD).await;
        let applicant = app.sign_in("group1@demo.example.jp", DEMO_PASSWORD).await;
        let other = app.sign_in("group2@demo.example.jp", DEMO_PASSWORD).await;

        // Read-your-writes: wait for the log's head, then the public list has the demo's grant.
        let awards = app
            .get(&format!("/api/v1/public/awards?min_position={head}"))
            .await;
        assert_eq!(awards.status, 200, "{:?}", awards.body);
        let awards = awards.body.as_array().unwrap().clone();
        assert_eq!(awards.len(), 1);
        assert_eq!(awards[0]["group_name"], "みどりの会");
        assert_eq!(awards[0]["status"], "closed");
        assert_eq!(awards[0]["amount_awarded"], 100_000);
        // The list's filter options: the demo's two courses in this fiscal year.
        let options = app
            .get(&format!("/api/v1/public/award-filters?min_position={head}"))
            .await
            .body;
        assert_eq!(
            options["fiscal_years"],
            serde_json::json!([grants_tests::scenario::this_fiscal_year()])
        );
        assert_eq!(
            options["courses"],
            serde_json::json!(["はじめの一歩", "ステップアップ"])
        );
        let filtered = app.get("/api/v1/public/awards?course=ステップアップ").await;
        assert_eq!(filtered.body, Value::Array(vec![]));

        // CSV with BOM and Japanese headers; the 360Giving package names the grant.
        let csv = app
            .client
            .get(app.url("/api/v1/public/awards.csv"))
            .send()
            .await
            .unwrap();
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = csv.text().await.unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("団体名") && csv.contains("みどりの会"));
        let package = app.get("/api/v1/public/awards.360giving.json").await;
        assert_eq!(package.body["grants"][0]["currency"], "JPY");
        // Rule 12: nothing personal in any public output.
        let public = format!("{}{}{}", Value::Array(awards), csv, package.body);
        for personal in [
            "（デモ）代表者",
            "（デモ）市内",
            "0000-00-0000",
            "demo-group@example.jp",
            "審査委員",
        ] {
            assert!(
                !public.contains(personal),
                "{personal} leaked into a public output"
            );
        }

        // Lists: staff see all, an applicant only their group's, nobody anonymous.
        let all = app
            .call(
                Method::GET,
                &format!("/api/v1/applications?min_position={head}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(all.as_array().unwrap().len(), 4);
        let own = app
            .call(Method::GET, "/api/v1/applications", &applicant, None, 200)
            .await;
        assert_eq!(
            own.as_array().unwrap().len(),
            2,
            "group1 applied in both rounds: {own:?}"
        );
        let theirs = app
            .call(
                Method::GET,
                "/api/v1/applications?status=not_adopted",
                &other,
                None,
                200,
            )
            .await;
        assert_eq!(theirs.as_array().unwrap().len(), 1);
        assert_eq!(
            app.send(Method::GET, "/api/v1/applications", None, None)
                .await
                .status,
            401
        );

        // Audit: the log with hashes, a stream, a replay as of a past instant, and verification.
        let events = app
            .call(
                Method::GET,
                "/api/v1/audit/events?limit=5",
                &staff,
                None,
                200,
            )
            .await;
        let events = events.as_array().unwrap();
        assert_eq!(events.len(), 5);
        assert_eq!(events[0]["position"], 1);
        assert!(events[0]["hash"].as_str().unwrap().len() == 64);
        assert!(events[0]["recorded_at"]
            .as_str()
            .unwrap()
            .ends_with("+09:00"));
        assert_eq!(
            app.send(Method::GET, "/api/v1/audit/events", Some(&applicant), None)
                .await
                .status,
            403
        );
        let awarded = own
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["status"] == "awarded")
            .unwrap()
            .clone();
        let id = awarded["application_id"].as_str().unwrap();
        let stream = app
            .call(
                Method::GET,
                &format!("/api/v1/audit/streams/application/{id}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(stream[0]["event_type"], "ApplicationDraftStarted");
        let now = app
            .call(
                Method::GET,
                &format!("/api/v1/audit/applications/{id}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(now["grant"]["status"], "closed");
        let draft_time = stream[0]["recorded_at"]
            .as_str()
            .unwrap()
            .replace('+', "%2B");
        let then = app
            .call(
                Method::GET,
                &format!("/api/v1/audit/applications/{id}?as_of={draft_time}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(then["application"]["status"], "draft");
        assert!(then["grant"].is_null());
        let verification = app
            .call(
                Method::GET,
                &format!("/api/v1/audit/verification?min_position={head}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(verification["ok"], true);
        // Every event is checked (positions may have gaps on PostgreSQL: a lost race burns one).
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        let events = grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM events WHERE position <= $1",
        )
        .bind(head)
        .fetch_one(pool)
        .await
        .unwrap());
        assert!(verification["events_checked"].as_i64().unwrap() >= events);

        // Operations: lag is reported per projection; metrics count requests without ids or bodies.
        let ready = app.get("/readyz").await;
        let names: Vec<&str> = ready.body["projections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for name in [
            "awards",
            "audit_chain",
            "applications",
            "grant_ledger",
            "directory",
            "year_figures",
        ] {
            assert!(
                names.contains(&name),
                "{name} missing from /readyz: {names:?}"
            );
        }
        // The processes may append an event after the wait above (a reminder, a notice): the
        // awards projection reports that lag until it catches up, which it does within moments.
        // The process managers report theirs beside it, and catch up too.
        let caught_up = [
            "grants_projection_behind_events{projection=\"awards\"} 0".to_owned(),
            "grants_process_behind_events{process=\"decision_follow_up\"} 0".to_owned(),
            "grants_process_behind_events{process=\"mail_outbox\"} 0".to_owned(),
        ];
        let mut metrics = String::new();
        for _ in 0..100 {
            metrics = app
                .client
                .get(app.url("/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if caught_up.iter().all(|line| metrics.contains(line.as_str())) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(metrics.contains("grants_http_requests_total{class=\"2xx\"}"));
        for line in &caught_up {
            assert!(metrics.contains(line.as_str()), "{line} in {metrics}");
        }
        for process in grants_app::FOLLOWERS {
            assert!(
                metrics.contains(&format!(
                    "grants_process_behind_seconds{{process=\"{process}\"}}"
                )),
                "{process} missing from {metrics}"
            );
        }
        assert!(!metrics.contains(id), "no ids in metrics");
    }
);

on_both_backends!(
    a_position_the_log_does_not_hold_is_not_waited_for,
    |app: TestApp| async move {
        let started = std::time::Instant::now();
        let response = app
            .client
            .get(app.url("/api/v1/public/awards?min_position=999999999"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-projections-behind"], "true");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "answered without waiting out the read-your-writes timeout"
        );
    }
);
