//! Rule 6's withdrawal within 10 days, sent as api.md writes it (no body), gives the budget back.

use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;

on_both_backends!(
    a_group_withdraws_its_grant_and_the_budget_returns,
    |app: TestApp| async move {
        let grants_tests::scenario::OneGrant {
            round,
            grant,
            member,
            ..
        } = app.one_awarded_grant().await;
        let before = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(before.body["remaining_budget"], 800_000);

        let path = format!("/api/v1/grants/{grant}/withdraw");
        let stranger = app.applicant("stranger@example.jp").await;
        assert_eq!(
            app.send(Method::POST, &path, Some(&stranger), None)
                .await
                .status,
            404
        );
        let withdrawn = app.call(Method::POST, &path, &member, None, 200).await;
        assert_eq!(withdrawn["status"], "withdrawn");
        let after = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(after.body["remaining_budget"], 1_000_000);
        let again = app.send(Method::POST, &path, Some(&member), None).await;
        assert_eq!(again.status, 409, "{:?}", again.body);
    }
);
