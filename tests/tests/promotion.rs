//! 繰上げ採択 end to end: money that comes back to a round (a declined runner-up offer, a withdrawal)
//! is offered by staff to the next passing application in rank order, shown on the ranking, accepted
//! by its group and awarded through the ordinary decision, which opens the grant once.
//!
//! Worked numbers: budget 500,000, unit 1,000. A asks 300,000 (adopted), B 250,000 (runner-up,
//! offered 200,000), C 150,500 (passed, not adopted). B declines, A withdraws: 500,000 is free, and C
//! is offered min(150,500, 500,000) rounded down = 150,000.

use grants_tests::scenario::{fiscal_year_end, form, step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn refused(app: &TestApp, path: &str, token: &str, body: Option<&Value>, code: &str) {
    let answer = app.send(Method::POST, path, Some(token), body).await;
    assert_eq!(answer.status, 422, "{path}: {:?}", answer.body);
    assert_eq!(answer.body["code"], code, "{:?}", answer.body);
    assert!(
        answer.body["detail_ja"]
            .as_str()
            .is_some_and(|ja| !ja.is_empty()),
        "the rule in Japanese: {:?}",
        answer.body
    );
}

on_both_backends!(
    money_that_comes_back_is_offered_to_the_next_application_and_awarded_once,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let staff = cast.staff.clone();
        let round = app
            .open_round(&cast, &step_up_round(500_000, SHORT_WINDOW))
            .await;
        let mut members = Vec::new();
        let mut applications = Vec::new();
        for (n, (requested, total)) in [(300_000, 45), (250_000, 42), (150_500, 40)]
            .into_iter()
            .enumerate()
        {
            let member = app.applicant(&format!("member{n}@example.jp")).await;
            let group = app.register_group(&member, &format!("団体{n}")).await;
            let (application, _) = app
                .eligible_application(&cast, &member, &round, &group, &form(300_000, 0, requested))
                .await;
            app.score(&cast, &application, &[total], &[]).await;
            members.push(member);
            applications.push(application);
        }
        let ranking = app.close_and_rank(&cast, &round).await;
        assert_eq!(ranking["offer"]["remainder"], 200_000);
        assert_eq!(ranking["rows"][2]["outcome"], "not_adopted");
        let promotions = format!("/api/v1/rounds/{round}/promotions");

        // Nothing to offer while the first decisions are pending.
        refused(
            &app,
            &promotions,
            &staff,
            None,
            "round.promotion_adopted_undecided",
        )
        .await;
        let body = json!({"awards": [{"application_id": applications[0], "amount": 300_000, "conditions": "", "completion_deadline": fiscal_year_end()}]});
        let decided = app
            .call(
                Method::POST,
                &format!("/api/v1/rounds/{round}/decisions"),
                &staff,
                Some(&body),
                200,
            )
            .await;
        let grant_a = decided["grants"][0]["grant_id"]
            .as_str()
            .unwrap()
            .to_owned();
        refused(
            &app,
            &promotions,
            &staff,
            None,
            "round.promotion_runner_up_pending",
        )
        .await;

        // B declines the runner-up offer; A withdraws: 500,000 is back.
        let answer = json!({"application_id": applications[1], "accept": false});
        app.call(
            Method::POST,
            &format!("/api/v1/rounds/{round}/runner-up-offer"),
            &members[1],
            Some(&answer),
            200,
        )
        .await;
        app.call(
            Method::POST,
            &format!("/api/v1/grants/{grant_a}/withdraw"),
            &members[0],
            None,
            200,
        )
        .await;
        let before = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(before.body["remaining_budget"], 500_000);

        // Only staff offer; the round names C and the amount.
        let by_member = app
            .send(Method::POST, &promotions, Some(&members[2]), None)
            .await;
        assert_eq!(by_member.status, 403);
        let offered = app.call(Method::POST, &promotions, &staff, None, 201).await;
        assert_eq!(
            offered["promotion"]["application_id"],
            json!(applications[2])
        );
        assert_eq!(offered["promotion"]["amount"], 150_000);
        assert_eq!(offered["promotion"]["rank"], 3);
        assert!(offered["promotion"]["accepted"].is_null());
        refused(
            &app,
            &promotions,
            &staff,
            None,
            "round.promotion_offer_open",
        )
        .await;

        // The ranking shows it, and C's group sees its offer.
        let ranking = app
            .call(
                Method::GET,
                &format!("/api/v1/rounds/{round}/ranking"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(ranking["promotions"][0]["amount"], 150_000);
        let own = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{}/promotion-offer", applications[2]),
                &members[2],
                None,
                200,
            )
            .await;
        assert_eq!(own["offer"]["amount"], 150_000);
        assert_eq!(own["round_id"], json!(round));
        let other = app
            .send(
                Method::GET,
                &format!("/api/v1/applications/{}/promotion-offer", applications[2]),
                Some(&members[1]),
                None,
            )
            .await;
        assert_eq!(other.status, 404);

        // Not before C accepts, then at most what was offered, once.
        let award = |amount: i64| json!({"awards": [{"application_id": applications[2], "amount": amount, "conditions": "", "completion_deadline": fiscal_year_end()}]});
        let decisions = format!("/api/v1/rounds/{round}/decisions");
        refused(
            &app,
            &decisions,
            &staff,
            Some(&award(150_000)),
            "round.offer_not_accepted",
        )
        .await;
        let accept = json!({"application_id": applications[2], "accept": true});
        let accepted = app
            .call(
                Method::POST,
                &format!("/api/v1/rounds/{round}/promotion-offer"),
                &members[2],
                Some(&accept),
                200,
            )
            .await;
        assert_eq!(accepted["promotion"]["accepted"], true);
        let decided = app
            .call(Method::POST, &decisions, &staff, Some(&award(150_000)), 200)
            .await;
        let grant_c = decided["grants"][0]["grant_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let again = app
            .send(
                Method::POST,
                &decisions,
                Some(&staff),
                Some(&award(150_000)),
            )
            .await;
        assert_eq!(again.status, 409, "{:?}", again.body);
        assert_eq!(again.body["code"], "round.already_decided");

        // The grant is open through the ordinary decision, and the application awarded.
        let grant = app
            .call(
                Method::GET,
                &format!("/api/v1/grants/{grant_c}"),
                &members[2],
                None,
                200,
            )
            .await;
        assert_eq!(grant["decided_amount"], 150_000);
        assert_eq!(grant["status"], "decided");
        let application = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{}", applications[2]),
                &members[2],
                None,
                200,
            )
            .await;
        assert_eq!(application["status"], "awarded");
        let after = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(after.body["remaining_budget"], 350_000);

        // Nobody is left to promote (B declined as runner-up).
        refused(
            &app,
            &promotions,
            &staff,
            None,
            "round.promotion_no_candidate",
        )
        .await;
    }
);

on_both_backends!(
    a_declined_promotion_leaves_the_application_not_adopted,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let staff = cast.staff.clone();
        let mut settings = step_up_round(300_000, SHORT_WINDOW);
        settings["cap"] = json!(300_000);
        let round = app.open_round(&cast, &settings).await;
        let mut members = Vec::new();
        let mut applications = Vec::new();
        // A 300,000 fills the budget: no runner-up (nothing left), B passes below.
        for (n, (requested, total)) in [(300_000, 45), (100_000, 40)].into_iter().enumerate() {
            let member = app.applicant(&format!("member{n}@example.jp")).await;
            let group = app.register_group(&member, &format!("団体{n}")).await;
            let (application, _) = app
                .eligible_application(&cast, &member, &round, &group, &form(300_000, 0, requested))
                .await;
            app.score(&cast, &application, &[total], &[]).await;
            members.push(member);
            applications.push(application);
        }
        app.close_and_rank(&cast, &round).await;
        let promotions = format!("/api/v1/rounds/{round}/promotions");
        let grant_a = app.award(&cast, &round, &applications[0], 300_000).await;
        // The whole budget is decided: nothing to offer.
        refused(&app, &promotions, &staff, None, "round.promotion_no_budget").await;
        app.call(
            Method::POST,
            &format!("/api/v1/grants/{grant_a}/withdraw"),
            &members[0],
            None,
            200,
        )
        .await;
        let offered = app.call(Method::POST, &promotions, &staff, None, 201).await;
        assert_eq!(offered["promotion"]["amount"], 100_000);
        let decline = json!({"application_id": applications[1], "accept": false});
        app.call(
            Method::POST,
            &format!("/api/v1/rounds/{round}/promotion-offer"),
            &members[1],
            Some(&decline),
            200,
        )
        .await;
        let application = app
            .call(
                Method::GET,
                &format!("/api/v1/applications/{}", applications[1]),
                &members[1],
                None,
                200,
            )
            .await;
        assert_eq!(application["status"], "not_adopted");
        refused(
            &app,
            &promotions,
            &staff,
            None,
            "round.promotion_no_candidate",
        )
        .await;
    }
);

on_both_backends!(
    a_declined_offer_whose_follow_up_never_ran_is_completed_from_the_log,
    |app: TestApp| async move {
        // A 300,000 is adopted, B 250,000 is the runner-up offered the 200,000 left.
        let cast = app.cast(1).await;
        let round = app
            .open_round(&cast, &step_up_round(500_000, SHORT_WINDOW))
            .await;
        let mut applications = Vec::new();
        for (n, (requested, total)) in [(300_000, 45), (250_000, 42)].into_iter().enumerate() {
            let member = app.applicant(&format!("member{n}@example.jp")).await;
            let group = app.register_group(&member, &format!("団体{n}")).await;
            let (application, _) = app
                .eligible_application(&cast, &member, &round, &group, &form(300_000, 0, requested))
                .await;
            app.score(&cast, &application, &[total], &[]).await;
            applications.push(application);
        }
        app.close_and_rank(&cast, &round).await;
        let status = |id: String| {
            let app = &app;
            let staff = cast.staff.clone();
            async move {
                let read = app
                    .call(
                        Method::GET,
                        &format!("/api/v1/applications/{id}"),
                        &staff,
                        None,
                        200,
                    )
                    .await;
                read["status"].as_str().unwrap().to_owned()
            }
        };
        assert_eq!(status(applications[1].clone()).await, "runner_up");

        // Only the round's part of the decline, straight into the store: as if the service died
        // right after it.
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        let state = grants_app::http::AppState::new(db);
        let metadata = grants_tests::process::died_after("died-after-the-decline");
        let command = grants_domain::round::RoundCommand::RespondToOffer {
            application_id: applications[1].parse().unwrap(),
            accept: false,
            by: metadata.actor_id,
            at: metadata.recorded_at,
        };
        state
            .stores
            .rounds
            .execute(
                round.parse::<grants_domain::RoundId>().unwrap(),
                command,
                &metadata,
            )
            .await
            .unwrap();

        // The running service's follow-up records the application not adopted, once.
        grants_tests::process::caught_up(&app, grants_app::follow_up::NAME).await;
        assert_eq!(status(applications[1].clone()).await, "not_adopted");
        grants_tests::process::restart_from_the_beginning(&app, grants_app::follow_up::NAME).await;
        grants_tests::process::caught_up(&app, grants_app::follow_up::NAME).await;
        assert_eq!(
            grants_tests::process::count_events(&app, "ApplicationNotAdopted").await,
            1
        );
    }
);
