//! Correcting a round after opening over real HTTP, on both backends (`round::correction`): staff
//! extend the window, fix the description and raise the budget with a reason, recorded on the
//! round; the terms applicants relied on are refused once an application exists, in both
//! languages; before any application they may still change; and the staff page does the same.

use grants_tests::browser::Browser;
use grants_tests::scenario::{form, instant, step_up_round};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

/// The round's settings as the round read answers them, without the read's own fields.
fn settings_of(round: &Value) -> Value {
    let mut settings = round.clone();
    for field in [
        "id",
        "scoring_closed",
        "decided_total",
        "remaining_budget",
        "committee",
        "corrections",
        "position",
    ] {
        settings.as_object_mut().unwrap().remove(field);
    }
    settings
}

on_both_backends!(
    staff_correct_a_round_and_the_terms_stay_frozen,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, Duration::hours(1)))
            .await;
        let path = format!("/api/v1/rounds/{round}");
        // A group starts a draft: the round now has an application.
        let member = app.applicant("member@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let mut draft = form(200_000, 0, 200_000);
        draft["round_id"] = json!(round);
        draft["group_id"] = json!(group);
        app.call(
            Method::POST,
            "/api/v1/applications",
            &member,
            Some(&draft),
            201,
        )
        .await;

        let read = app.call(Method::GET, &path, &cast.staff, None, 200).await;
        let mut settings = settings_of(&read);
        let later = instant(Duration::hours(3));
        settings["closes_at"] = json!(later);
        settings["description"] = json!("市民が主体となって行う公益的な活動を支援します。（訂正）");
        settings["budget"] = json!(1_500_000);
        let body =
            json!({"settings": settings, "reason": "説明の誤字を訂正し、受付期間を延長します"});
        let corrected = app
            .call(
                Method::POST,
                &format!("{path}/corrections"),
                &cast.staff,
                Some(&body),
                200,
            )
            .await;
        assert_eq!(corrected["budget"], 1_500_000);
        assert_eq!(corrected["remaining_budget"], 1_500_000);
        assert_eq!(
            corrected["corrections"][0]["changed"],
            json!(["description", "budget", "closes_at"])
        );
        // Anyone reading the open call sees the correction and why.
        let public = app.get(&path).await;
        assert_eq!(
            public.body["corrections"][0]["reason"],
            "説明の誤字を訂正し、受付期間を延長します"
        );
        assert_eq!(
            public.body["description"],
            "市民が主体となって行う公益的な活動を支援します。（訂正）"
        );

        // The rates, the cap and a shorter window are frozen, in both languages.
        let current = settings_of(&corrected);
        for (field, value, ja) in [
            ("rate_schedule", json!(["1/2"]), "補助率"),
            ("cap", json!(400_000), "補助上限額"),
            (
                "closes_at",
                json!(instant(Duration::hours(2))),
                "受付期間（短縮）",
            ),
        ] {
            let mut settings = current.clone();
            settings[field] = value;
            let body = json!({"settings": settings, "reason": "変更"});
            let refused = app
                .send(
                    Method::POST,
                    &format!("{path}/corrections"),
                    Some(&cast.staff),
                    Some(&body),
                )
                .await;
            assert_eq!(refused.status, 422, "{field}: {:?}", refused.body);
            assert_eq!(refused.body["code"], "round.setting_frozen");
            assert!(refused.body["detail_ja"].as_str().unwrap().contains(ja));
            assert!(refused.body["detail_en"]
                .as_str()
                .unwrap()
                .contains("may not change once the round has an application"));
        }
        // Nothing changed, or no reason: refused; only staff correct.
        let same = json!({"settings": current, "reason": "変更"});
        let unchanged = app
            .send(
                Method::POST,
                &format!("{path}/corrections"),
                Some(&cast.staff),
                Some(&same),
            )
            .await;
        assert_eq!(unchanged.body["code"], "round.correction_unchanged");
        let by_member = app
            .send(
                Method::POST,
                &format!("{path}/corrections"),
                Some(&member),
                Some(&body),
            )
            .await;
        assert_eq!(by_member.status, 403);
    }
);

on_both_backends!(
    before_any_application_the_terms_may_change,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, Duration::hours(1)))
            .await;
        let path = format!("/api/v1/rounds/{round}");
        let read = app.call(Method::GET, &path, &cast.staff, None, 200).await;
        let mut settings = settings_of(&read);
        settings["cap"] = json!(400_000);
        let body = json!({"settings": settings, "reason": "上限額の誤りを訂正します"});
        let corrected = app
            .call(
                Method::POST,
                &format!("{path}/corrections"),
                &cast.staff,
                Some(&body),
                200,
            )
            .await;
        assert_eq!(corrected["cap"], 400_000);
        assert_eq!(corrected["corrections"][0]["changed"], json!(["cap"]));
    }
);

on_both_backends!(
    staff_correct_a_round_on_its_page,
    |app: TestApp| async move {
        let cast = app.cast(0).await;
        let round = app
            .open_round(&cast, &step_up_round(1_000_000, Duration::hours(1)))
            .await;
        let browser = Browser::new(&app);
        browser.sign_in("staff@city.example.jp").await;
        let page = browser.get(&format!("/staff/rounds/{round}")).await;
        assert!(page.html.contains("募集要項を訂正する"));
        let page = browser
            .get(&format!("/staff/rounds/{round}/correction"))
            .await;
        assert_eq!(page.status, 200);
        let closes_at = page.input("closes_at").expect("the closing is offered");
        // A refused correction (no reason) comes back with what was typed and the rule.
        let fields = [
            ("_csrf", page.csrf()),
            ("_form", page.form_id()),
            ("closes_at", closes_at.clone()),
            ("description", "訂正後の説明".to_owned()),
            ("budget", "2000000".to_owned()),
            ("reason", String::new()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = browser
            .post(&format!("/staff/rounds/{round}/correction"), &fields)
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.html.contains("訂正後の説明"));
        let page = browser
            .get(&format!("/staff/rounds/{round}/correction"))
            .await;
        let fields = [
            ("_csrf", page.csrf()),
            ("_form", page.form_id()),
            ("closes_at", closes_at),
            ("description", "訂正後の説明".to_owned()),
            ("budget", "2000000".to_owned()),
            ("reason", "予算の補正による増額".to_owned()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let done = browser
            .post(&format!("/staff/rounds/{round}/correction"), &fields)
            .await;
        assert_eq!(done.status, 200, "{}", done.html);
        assert!(done.html.contains("募集要項を訂正しました。"));
        assert!(done.html.contains("予算の補正による増額"));
        let read = app.get(&format!("/api/v1/rounds/{round}")).await;
        assert_eq!(read.body["budget"], 2_000_000);
        assert_eq!(read.body["description"], "訂正後の説明");
    }
);
