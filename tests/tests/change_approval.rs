//! The change-approval saga (`app/src/process/change.rs`), on both backends: a raise is reserved on
//! the round and then approved on the grant, a cut is approved on the grant and released to the
//! round; a reservation whose grant step never ran is completed from the log, and one the grant
//! refuses is cancelled, each exactly once. At rest, the round holds what its grants hold.

use grants_domain::round::RoundCommand;
use grants_domain::{ApplicationId, ChangeRequestId, RoundId};
use grants_tests::scenario::{fiscal_year_end, today_jst, OneGrant};
use grants_tests::{on_both_backends, process, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const CHANGE: &str = grants_app::process::change::NAME;

/// A budget of one rentals line of `total_cost` yen (the first step-up grant is at rate 1/1, so its
/// maximum subsidy is the total cost).
fn budget(total_cost: i64) -> Value {
    json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 0}],
        "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": total_cost}],
    })
}

/// The group asks for a change of its plan to `total_cost`; the change request's id.
async fn request_change(app: &TestApp, one: &OneGrant, total_cost: i64) -> String {
    let period = json!({"start": today_jst(), "end": fiscal_year_end()});
    let asked = app
        .call(
            Method::POST,
            &format!("/api/v1/grants/{}/change-requests", one.grant),
            &one.member,
            Some(&json!({"reason": "回数を増やすため", "budget": budget(total_cost), "period": period})),
            201,
        )
        .await;
    asked["change_request_id"].as_str().unwrap().to_owned()
}

async fn decide(app: &TestApp, one: &OneGrant, change: &str, body: Value, status: u16) -> Value {
    app.call(
        Method::POST,
        &format!(
            "/api/v1/grants/{}/change-requests/{change}/decision",
            one.grant
        ),
        &one.cast.staff,
        Some(&body),
        status,
    )
    .await
}

async fn round_read(app: &TestApp, one: &OneGrant) -> Value {
    app.get(&format!("/api/v1/rounds/{}", one.round)).await.body
}

async fn decided_amount(app: &TestApp, one: &OneGrant) -> i64 {
    let grant = app
        .call(
            Method::GET,
            &format!("/api/v1/grants/{}", one.grant),
            &one.member,
            None,
            200,
        )
        .await;
    grant["decided_amount"].as_i64().unwrap()
}

/// The invariant at rest: the round's decided total is what its one grant holds.
async fn round_holds_what_the_grant_holds(app: &TestApp, one: &OneGrant) {
    process::caught_up(app, CHANGE).await;
    process::caught_up(app, grants_app::process::release::NAME).await;
    let round = round_read(app, one).await;
    assert_eq!(
        round["decided_total"].as_i64().unwrap(),
        decided_amount(app, one).await,
        "the round's decided total is the grant's decided amount"
    );
}

/// A reservation put straight into the round's store, as if the service died right after it.
async fn reserve_directly(app: &TestApp, one: &OneGrant, change: &str, new_amount: i64) {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let state = grants_app::http::AppState::new(db);
    let grant = app
        .call(
            Method::GET,
            &format!("/api/v1/grants/{}", one.grant),
            &one.member,
            None,
            200,
        )
        .await;
    let application_id: ApplicationId = grant["application_id"].as_str().unwrap().parse().unwrap();
    let held_by_grant = grants_domain::Yen::new(grant["decided_amount"].as_i64().unwrap()).unwrap();
    let metadata = process::died_after("died-after-the-reservation");
    let command = RoundCommand::ReserveChange {
        application_id,
        change_request_id: change.parse::<ChangeRequestId>().unwrap(),
        new_amount: grants_domain::Yen::new(new_amount).unwrap(),
        held_by_grant,
        reason: "事業の拡充を認める".into(),
        by: metadata.actor_id,
        at: metadata.recorded_at,
    };
    state
        .stores
        .rounds
        .execute(one.round.parse::<RoundId>().unwrap(), command, &metadata)
        .await
        .unwrap();
}

on_both_backends!(
    a_raise_is_reserved_then_approved_and_a_cut_is_released,
    |app: TestApp| async move {
        let one = app.one_awarded_grant().await;
        // Decided 200,000 of a 1,000,000 budget; the plan grows to 300,000.
        let raise = request_change(&app, &one, 300_000).await;
        // A refused decision reserves nothing: above the new maximum, then off the unit.
        decide(
            &app,
            &one,
            &raise,
            json!({"approved": true, "new_amount": 301_000, "reason": "拡充"}),
            422,
        )
        .await;
        let off = decide(
            &app,
            &one,
            &raise,
            json!({"approved": true, "new_amount": 250_500, "reason": "拡充"}),
            422,
        )
        .await;
        assert_eq!(off["code"], "grant.change_off_rounding_unit");
        assert_eq!(process::count_events(&app, "ChangeReserved").await, 0);

        let approved = decide(
            &app,
            &one,
            &raise,
            json!({"approved": true, "new_amount": 250_000, "reason": "拡充"}),
            200,
        )
        .await;
        assert_eq!(
            approved["decided_amount"], 250_000,
            "the answer shows the grant approved"
        );
        assert_eq!(round_read(&app, &one).await["remaining_budget"], 750_000);
        round_holds_what_the_grant_holds(&app, &one).await;

        // A cut: the grant alone, then 90,000 back to the round.
        let cut = request_change(&app, &one, 160_000).await;
        decide(
            &app,
            &one,
            &cut,
            json!({"approved": true, "new_amount": 160_000, "reason": "縮小"}),
            200,
        )
        .await;
        assert_eq!(round_read(&app, &one).await["remaining_budget"], 840_000);
        round_holds_what_the_grant_holds(&app, &one).await;

        assert_eq!(process::count_events(&app, "ChangeReserved").await, 1);
        assert_eq!(process::count_events(&app, "ChangeApproved").await, 2);
        assert_eq!(process::count_events(&app, "AwardReleased").await, 1);
        assert_eq!(
            process::count_events(&app, "ChangeReservationCancelled").await,
            0
        );
    }
);

on_both_backends!(
    a_reservation_whose_grant_step_never_ran_is_completed_from_the_log_once,
    |app: TestApp| async move {
        let one = app.one_awarded_grant().await;
        let raise = request_change(&app, &one, 300_000).await;
        reserve_directly(&app, &one, &raise, 280_000).await;

        // The running service's background process approves it on the grant.
        process::caught_up(&app, CHANGE).await;
        assert_eq!(decided_amount(&app, &one).await, 280_000);
        round_holds_what_the_grant_holds(&app, &one).await;

        // Following the log again from the start appends nothing more.
        process::restart_from_the_beginning(&app, CHANGE).await;
        process::caught_up(&app, CHANGE).await;
        assert_eq!(process::count_events(&app, "ChangeApproved").await, 1);
        assert_eq!(round_read(&app, &one).await["remaining_budget"], 720_000);
    }
);

on_both_backends!(
    a_reservation_the_grant_refuses_is_cancelled_once,
    |app: TestApp| async move {
        let one = app.one_awarded_grant().await;
        let raise = request_change(&app, &one, 300_000).await;
        // Staff reject the change; a raise of the same change reserved meanwhile (as by a second
        // member of staff whose request died after the round's step) must not stand.
        decide(
            &app,
            &one,
            &raise,
            json!({"approved": false, "reason": "目的が変わるため"}),
            200,
        )
        .await;
        reserve_directly(&app, &one, &raise, 250_000).await;

        process::caught_up(&app, CHANGE).await;
        assert_eq!(
            process::count_events(&app, "ChangeReservationCancelled").await,
            1
        );
        assert_eq!(decided_amount(&app, &one).await, 200_000);
        assert_eq!(round_read(&app, &one).await["remaining_budget"], 800_000);
        round_holds_what_the_grant_holds(&app, &one).await;

        process::restart_from_the_beginning(&app, CHANGE).await;
        process::caught_up(&app, CHANGE).await;
        assert_eq!(
            process::count_events(&app, "ChangeReservationCancelled").await,
            1
        );
        assert_eq!(round_read(&app, &one).await["remaining_budget"], 800_000);
    }
);
