//! The budget-release process (`app/src/process/release.rs`): a grant's withdrawal gives its budget
//! back to the round exactly once, whether the handler released it, the service died between the
//! grant's commit and the round's (the background run completes it from the log), or both ran.

use grants_domain::grant::GrantCommand;
use grants_domain::{GrantId, UserId};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;

async fn releases(app: &TestApp) -> i64 {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    grants_app::with_pool!(&db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM events WHERE event_type = 'AwardReleased'",
    )
    .fetch_one(pool)
    .await
    .unwrap())
}

/// Waits until the background run has passed the whole log (its checkpoint is at the head).
async fn background_caught_up(app: &TestApp) {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let pool = db.log_pool();
    for _ in 0..200 {
        let checkpoint =
            grants_projections::checkpoint::current(&pool, grants_app::process::release::NAME)
                .await
                .unwrap();
        let head: Option<i64> = grants_app::with_pool!(&db, pool => sqlx::query_scalar(
            "SELECT max(position) FROM events",
        )
        .fetch_one(pool)
        .await
        .unwrap());
        if Some(checkpoint.position) == head {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the release process did not catch up with the log");
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
        let metadata = grants_app::store::CommandMetadata {
            attempt: None,
            actor_id: UserId::new(),
            actor_role: grants_app::store::ActorRole::Applicant,
            request_id: "died-after-the-grant".into(),
            idempotency_key: None,
            recorded_at: time::OffsetDateTime::now_utc(),
        };
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
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        grants_app::with_pool!(&db, pool => sqlx::query(
            "DELETE FROM projection_checkpoints WHERE name = $1",
        )
        .bind(grants_app::process::release::NAME)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        background_caught_up(&app).await;
        assert_eq!(releases(&app).await, 1);
        let again = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(again.body["remaining_budget"], 1_000_000);
    }
);
