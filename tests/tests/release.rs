//! The budget-release process (`app/src/process/release.rs`): a grant's withdrawal gives its budget
//! back to the round exactly once, whether the handler released it, the service died between the
//! grant's commit and the round's (the background run completes it from the log), or both ran.

use grants_domain::grant::GrantCommand;
use grants_domain::GrantId;
use grants_tests::{on_both_backends, process, TestApp};
use reqwest::Method;

async fn releases(app: &TestApp) -> i64 {
    process::count_events(app, "AwardReleased").await
}

async fn background_caught_up(app: &TestApp) {
    process::caught_up(app, grants_app::process::release::NAME).await;
}

on_both_backends!(
    a_withdrawal_whose_release_never_ran_is_completed_from_the_log,
    |app: TestApp| async move {
        let grants_tests::scenario::OneGrant { round, grant, .. } = app.one_awarded_grant().await;
        // Only the grant's part, straight into the store: as if the service died right after it.
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        let state = grants_app::http::AppState::new(db);
        let metadata = process::died_after("died-after-the-grant");
        let command = GrantCommand::Withdraw {
            reason: "活動を続けられなくなったため".into(),
            by: metadata.actor_id,
            at: metadata.recorded_at,
        };
        state
            .stores
            .grants
            .execute(grant.parse::<GrantId>().unwrap(), command, &metadata)
            .await
            .unwrap();

        // The running service's background process gives the budget back, once.
        background_caught_up(&app).await;
        let after = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(after.body["remaining_budget"], 1_000_000);
        assert_eq!(releases(&app).await, 1);
    }
);

on_both_backends!(
    the_handler_and_the_background_run_release_a_withdrawal_once,
    |app: TestApp| async move {
        let grants_tests::scenario::OneGrant {
            round,
            grant,
            member,
            ..
        } = app.one_awarded_grant().await;
        let path = format!("/api/v1/grants/{grant}/withdraw");
        app.call(Method::POST, &path, &member, None, 200).await;
        // The handler released at once: its answer's round shows it.
        let after = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(after.body["remaining_budget"], 1_000_000);
        background_caught_up(&app).await;
        assert_eq!(
            releases(&app).await,
            1,
            "the background run appended nothing more"
        );

        // And a run of the process from the start of the log (a fresh checkpoint) adds nothing.
        process::restart_from_the_beginning(&app, grants_app::process::release::NAME).await;
        background_caught_up(&app).await;
        assert_eq!(releases(&app).await, 1);
        let again = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(again.body["remaining_budget"], 1_000_000);
    }
);
