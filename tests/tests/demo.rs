//! `grants demo seed` builds a lived-in service through the API, on both backends.

use grants_tests::{on_both_backends, TestApp};

on_both_backends!(
    the_demo_seeds_a_finished_grant_and_an_open_call,
    |app: TestApp| async move {
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        // As `serve --demo` runs it: applicants must verify their addresses to submit, which the
        // demo's have.
        let mut state = grants_app::http::AppState::new(db.clone());
        state.require_verified_email = true;
        assert!(grants_app::demo::log_is_empty(&state).await.unwrap());
        let greeting = grants_app::demo::seed(&state)
            .await
            .expect("the demo seeds");
        assert!(greeting.contains(grants_app::demo::DEMO_STAFF));
        assert!(!grants_app::demo::log_is_empty(&state).await.unwrap());

        let rounds = app.get("/api/v1/rounds").await;
        assert_eq!(rounds.body.as_array().unwrap().len(), 2);
        let count = |event_type: &'static str| {
            let db = db.clone();
            async move {
                grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM events WHERE event_type = $1",
            )
            .bind(event_type)
            .fetch_one(pool)
            .await
            .unwrap())
            }
        };
        assert_eq!(
            count("GrantClosed").await,
            1,
            "one grant lived its whole life"
        );
        assert_eq!(count("ApplicationNotAdopted").await, 1);
        assert_eq!(count("ApplicationSubmitted").await, 3);
        let staff = app
            .sign_in(
                grants_app::demo::DEMO_STAFF,
                grants_app::demo::DEMO_PASSWORD,
            )
            .await;
        assert!(!staff.is_empty());
        // The demo's auditor reads the log.
        assert!(greeting.contains(grants_app::demo::DEMO_AUDITOR));
        let auditor = app
            .sign_in(
                grants_app::demo::DEMO_AUDITOR,
                grants_app::demo::DEMO_PASSWORD,
            )
            .await;
        let log = app
            .send(
                reqwest::Method::GET,
                "/api/v1/audit/events",
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(log.status, 200, "{:?}", log.body);
    }
);
