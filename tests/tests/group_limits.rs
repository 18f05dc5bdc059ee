//! Issue 16 over real HTTP: the grant-count limit binds at the decision, counting the awards of the
//! same round, and the rate follows the grants counted there; the runner-up is offered the
//! remainder rounded down to the rounding unit, and a decided amount off the unit is refused.

use grants_tests::scenario::{fiscal_year_end, form, step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

fn award(application: &str, amount: i64) -> Value {
    json!({"application_id": application, "amount": amount, "conditions": "",
           "completion_deadline": fiscal_year_end()})
}

fn decision(awards: Vec<Value>) -> Value {
    json!({ "awards": awards })
}

on_both_backends!(
    a_groups_second_award_in_one_round_is_refused_at_one_grant_per_group,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let mut settings = step_up_round(1_000_000, SHORT_WINDOW);
        settings["max_grants_per_group"] = json!(1);
        let round = app.open_round(&cast, &settings).await;

        // The group has no grant yet, so both drafts start (the early check passes twice).
        let mut applications = Vec::new();
        for requested in [300_000, 200_000] {
            let (id, max) = app
                .eligible_application(
                    &cast,
                    &member,
                    &round,
                    &group,
                    &form(requested, 0, requested),
                )
                .await;
            assert_eq!(max, requested);
            app.score(&cast, &id, &[45], &[]).await;
            applications.push(id);
        }
        let ranking = app.close_and_rank(&cast, &round).await;
        let outcomes: Vec<&Value> = ranking["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| &row["outcome"])
            .collect();
        assert_eq!(outcomes, [&json!("adopted"), &json!("adopted")]);

        let path = format!("/api/v1/rounds/{round}/decisions");
        // Both in one decision: the second would be the group's second grant.
        let both = decision(vec![
            award(&applications[0], 300_000),
            award(&applications[1], 200_000),
        ]);
        let refused = app
            .send(Method::POST, &path, Some(&cast.staff), Some(&both))
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "round.grant_limit_reached");
        assert!(refused.body["detail_ja"]
            .as_str()
            .unwrap()
            .contains("上限1回"));
        assert!(refused.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("at most 1 per group"));
        assert_eq!(refused.content_type, "application/problem+json");

        // One at a time: the first is awarded, the second refused against the round's own award.
        app.call(
            Method::POST,
            &path,
            &cast.staff,
            Some(&decision(vec![award(&applications[0], 300_000)])),
            200,
        )
        .await;
        let second = app
            .send(
                Method::POST,
                &path,
                Some(&cast.staff),
                Some(&decision(vec![award(&applications[1], 200_000)])),
            )
            .await;
        assert_eq!(second.status, 422, "{:?}", second.body);
        assert_eq!(second.body["code"], "round.grant_limit_reached");
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/rounds/{round}"),
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(read["decided_total"], 300_000);
    }
);

on_both_backends!(
    a_groups_second_award_in_one_round_takes_the_second_rate,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, SHORT_WINDOW))
            .await;
        // Both drafts start with no grant, at rate 1/1; the second's budget is the worked example:
        // at 3/4, (412,345 - 30,000) gives 286,758.75 -> 286,000, at 1/1 it would be 382,000.
        let (first, _) = app
            .eligible_application(&cast, &member, &round, &group, &form(100_000, 0, 100_000))
            .await;
        let (second, draft_max) = app
            .eligible_application(
                &cast,
                &member,
                &round,
                &group,
                &form(412_345, 30_000, 300_000),
            )
            .await;
        assert_eq!(draft_max, 382_000);
        for id in [&first, &second] {
            app.score(&cast, id, &[45], &[]).await;
        }
        app.close_and_rank(&cast, &round).await;

        let path = format!("/api/v1/rounds/{round}/decisions");
        let above = app
            .send(
                Method::POST,
                &path,
                Some(&cast.staff),
                Some(&decision(vec![
                    award(&first, 100_000),
                    award(&second, 300_000),
                ])),
            )
            .await;
        assert_eq!(above.status, 422, "{:?}", above.body);
        assert_eq!(above.body["code"], "round.above_maximum");
        assert!(above.body["detail_en"]
            .as_str()
            .unwrap()
            .contains("286,000"));
        let decided = app
            .call(
                Method::POST,
                &path,
                &cast.staff,
                Some(&decision(vec![
                    award(&first, 100_000),
                    award(&second, 286_000),
                ])),
                200,
            )
            .await;
        let rates: Vec<Value> = {
            let mut rates = Vec::new();
            for grant in decided["grants"].as_array().unwrap() {
                let path = format!("/api/v1/grants/{}", grant["grant_id"].as_str().unwrap());
                let read = app.call(Method::GET, &path, &cast.staff, None, 200).await;
                rates.push(read["rate"].clone());
            }
            rates
        };
        assert_eq!(rates, [json!("1/1"), json!("3/4")]);
    }
);

on_both_backends!(
    the_runner_up_is_offered_the_remainder_rounded_down_and_off_unit_awards_are_refused,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let members = [
            app.applicant("first@example.jp").await,
            app.applicant("second@example.jp").await,
        ];
        let groups = [
            app.register_group(&members[0], "みどりの会").await,
            app.register_group(&members[1], "あおぞら子ども会").await,
        ];
        // Budget 623,456: 500,000 adopted leaves 123,456, offered as 123,000 (unit 1,000).
        let round = app
            .open_round(&cast, &step_up_round(623_456, SHORT_WINDOW))
            .await;
        let mut applications = Vec::new();
        for ((member, group), (requested, total)) in members
            .iter()
            .zip(&groups)
            .zip([(500_000, 45), (200_000, 40)])
        {
            let (id, _) = app
                .eligible_application(&cast, member, &round, group, &form(requested, 0, requested))
                .await;
            app.score(&cast, &id, &[total], &[]).await;
            applications.push(id);
        }
        let ranking = app.close_and_rank(&cast, &round).await;
        assert_eq!(ranking["rows"][1]["outcome"], "runner_up");
        assert_eq!(ranking["rows"][1]["remainder_offer"], 123_000);
        assert_eq!(ranking["offer"]["remainder"], 123_000);
        let answered = app
            .call(
                Method::POST,
                &format!("/api/v1/rounds/{round}/runner-up-offer"),
                &members[1],
                Some(&json!({"application_id": applications[1], "accept": true})),
                200,
            )
            .await;
        assert_eq!(answered["offer"]["remainder"], 123_000);

        let path = format!("/api/v1/rounds/{round}/decisions");
        // Staff type 499,500 on a 1,000-yen unit: refused, naming 499,000.
        let off_unit = app
            .send(
                Method::POST,
                &path,
                Some(&cast.staff),
                Some(&decision(vec![award(&applications[0], 499_500)])),
            )
            .await;
        assert_eq!(off_unit.status, 422, "{:?}", off_unit.body);
        assert_eq!(off_unit.body["code"], "round.off_rounding_unit");
        assert_eq!(off_unit.body["field"], "amount");
        assert!(off_unit.body["detail_ja"]
            .as_str()
            .unwrap()
            .contains("¥499,000"));
        // The remainder as it was before rounding is above the offer.
        let unrounded = app
            .send(
                Method::POST,
                &path,
                Some(&cast.staff),
                Some(&decision(vec![award(&applications[1], 123_456)])),
            )
            .await;
        assert_eq!(unrounded.status, 422, "{:?}", unrounded.body);
        assert_eq!(unrounded.body["code"], "round.above_remainder");
        let decided = app
            .call(
                Method::POST,
                &path,
                &cast.staff,
                Some(&decision(vec![
                    award(&applications[0], 500_000),
                    award(&applications[1], 123_000),
                ])),
                200,
            )
            .await;
        assert_eq!(decided["grants"][1]["amount"], 123_000);
    }
);
