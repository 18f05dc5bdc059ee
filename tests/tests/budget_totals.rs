//! The application's budget with its totals (issue 15 finding 10), on both backends: the
//! applicant's form and the staff's screening page add the budget up as the domain does (domain.md's
//! first worked example: ¥412,345 of rentals and ¥30,000 of fees, a subsidy base of ¥382,345).

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, step_up_round};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;
use time::Duration;

on_both_backends!(
    the_budget_is_totalled_on_the_form_and_for_staff,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::hours(1)))
            .await;
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let mut draft = form(412_345, 30_000, 286_000);
        draft["round_id"] = json!(round);
        draft["group_id"] = json!(group);
        let started = app
            .call(
                Method::POST,
                "/api/v1/applications",
                &member,
                Some(&draft),
                201,
            )
            .await;
        let id = started["id"].as_str().unwrap();

        let applicant = Browser::new(&app);
        applicant.sign_in("member@example.jp").await;
        for path in [
            format!("/applications/{id}"),
            format!("/applications/{id}/edit"),
        ] {
            let page = applicant.get(&path).await;
            assert_eq!(page.status, 200, "{}", page.html);
            for expected in [
                "予算の合計",
                "id=\"total-cost\">¥412,345",
                "id=\"income-total\">¥30,000",
                "id=\"subsidy-base\">¥382,345",
            ] {
                assert!(
                    page.html.contains(expected),
                    "{path} {expected}: {}",
                    page.html
                );
            }
        }

        app.call(
            Method::POST,
            &format!("/api/v1/applications/{id}/submit"),
            &member,
            None,
            200,
        )
        .await;
        app.account_with_role("staff", "clerk@city.example.jp")
            .await;
        let staff = Browser::new(&app);
        staff.sign_in("clerk@city.example.jp").await;
        let page = staff.get(&format!("/staff/applications/{id}")).await;
        assert_eq!(page.status, 200, "{}", page.html);
        assert!(
            page.html.contains("id=\"total-cost\">¥412,345"),
            "{}",
            page.html
        );
        assert!(page.html.contains("id=\"eligible-expenses\">¥412,345"));
        assert!(page.html.contains("id=\"subsidy-base\">¥382,345"));
    }
);
