//! A decision committed on the round whose follow-up never ran (as if the service died right after
//! the round's commit) is completed from the log: the grant opens and the application is awarded.

use grants_domain::round::{AwardRequest, RoundCommand};
use grants_domain::{ApplicationId, GrantId, GroupId, RoundId, UserId, Yen};
use grants_tests::scenario::{fiscal_year_end, form, step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use time::Date;

on_both_backends!(
    a_decision_left_half_done_is_completed_from_the_log,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let (application, _) = app
            .eligible_application(&cast, &member, &round, &group, &form(200_000, 0, 200_000))
            .await;
        app.score(&cast, &application, &[45], &[]).await;
        app.close_and_rank(&cast, &round).await;

        // Only the round's part of the decision, straight into the store: no grant, no outcome yet.
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        let state = grants_app::http::AppState::new(db);
        let grant_id = GrantId::new();
        let deadline = Date::parse(
            &fiscal_year_end(),
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap();
        let application_id = application.parse::<ApplicationId>().unwrap();
        let budget = state
            .stores
            .applications
            .load(application_id)
            .await
            .unwrap()
            .unwrap()
            .content()
            .unwrap()
            .budget
            .clone();
        let command = RoundCommand::Decide {
            awards: vec![AwardRequest {
                application_id,
                grant_id,
                group_id: group.parse::<GroupId>().unwrap(),
                amount: Yen::new(200_000).unwrap(),
                requested: Yen::new(200_000).unwrap(),
                budget,
                grants_in_other_rounds: 0,
                conditions: String::new(),
                completion_deadline: deadline,
            }],
            rejections: vec![],
            by: UserId::new(),
            at: time::OffsetDateTime::now_utc(),
        };
        let metadata = grants_app::store::CommandMetadata {
            attempt: None,
            actor_id: UserId::new(),
            actor_role: grants_app::store::ActorRole::Staff,
            on_behalf_of: None,
            request_id: "crashed-request".into(),
            idempotency_key: None,
            recorded_at: time::OffsetDateTime::now_utc(),
        };
        state
            .stores
            .rounds
            .execute(round.parse::<RoundId>().unwrap(), command, &metadata)
            .await
            .unwrap();

        // The running service's follow-up completes it.
        let path = format!("/api/v1/applications/{application}");
        let mut status = String::new();
        for _ in 0..100 {
            status = app.call(Method::GET, &path, &member, None, 200).await["status"]
                .as_str()
                .unwrap()
                .to_owned();
            if status == "awarded" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, "awarded");
        let grant = app
            .call(
                Method::GET,
                &format!("/api/v1/grants/{grant_id}"),
                &member,
                None,
                200,
            )
            .await;
        assert_eq!(grant["status"], "decided");
        assert_eq!(grant["decided_amount"], 200_000);
    }
);
