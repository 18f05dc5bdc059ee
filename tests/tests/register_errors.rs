//! An empty `/register` reports every field at once (issue 15 finding 3), through the API's
//! `errors` list and beside each field on the page, keeping what was typed; on both backends.

use grants_tests::browser::Browser;
use grants_tests::{on_both_backends, TestApp};
use serde_json::json;

on_both_backends!(
    an_empty_registration_reports_every_field_at_once,
    |app: TestApp| async move {
        let refused = app
            .post_json(
                "/api/v1/accounts",
                &json!({"email": "", "password": "", "display_name": ""}),
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let fields: Vec<&str> = refused.body["errors"]
            .as_array()
            .expect("an errors list")
            .iter()
            .map(|error| error["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["email", "password", "display_name"]);

        // One bad field answers as before: its code and field.
        let one = app
            .post_json(
                "/api/v1/accounts",
                &json!({"email": "someone@example.jp", "password": "short", "display_name": "山田"}),
            )
            .await;
        assert_eq!(one.status, 422);
        assert_eq!(one.body["code"], "account.weak_password");
        assert_eq!(one.body["field"], "password");

        // The page shows each beside its field and keeps the name typed.
        let browser = Browser::new(&app);
        let form = browser.get("/register").await;
        let page = browser
            .post(
                "/register",
                &[
                    ("_csrf", form.csrf().as_str()),
                    ("_form", form.form_id().as_str()),
                    ("display_name", "   "),
                    ("email", "not-an-address"),
                    ("password", ""),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.html);
        for field in ["e-email", "e-password", "e-display_name"] {
            assert!(
                page.html.contains(&format!("id=\"{field}\"")),
                "{field}: {}",
                page.html
            );
        }
        assert_eq!(page.input("email").as_deref(), Some("not-an-address"));
    }
);
