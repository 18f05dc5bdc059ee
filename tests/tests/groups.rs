//! Group registration (rule 1's eligibility) and who may read a group's record.

use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

fn group(members: u32, residents: u32) -> Value {
    json!({
        "name": "みどりの会",
        "registration_number": "市民活動-0042",
        "representative_name": "代表 太郎",
        "address": "市内本町1-2-3",
        "phone": "0564-00-0000",
        "email": "midori@example.jp",
        "founded_on": "2019-05-01",
        "member_count": members,
        "resident_member_count": residents,
        "purpose": "公園の緑化と子どもの自然体験",
    })
}

on_both_backends!(
    a_member_registers_a_group_and_only_members_staff_read_it,
    |app: TestApp| async move {
        let member = app.applicant("member@example.jp").await;
        let created = app
            .send(
                Method::POST,
                "/api/v1/groups",
                Some(&member),
                Some(&group(12, 8)),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/groups/{id}");

        let own = app.send(Method::GET, &path, Some(&member), None).await;
        assert_eq!(own.status, 200);
        assert_eq!(own.body["name"], "みどりの会");

        let staff = app
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        assert_eq!(
            app.send(Method::GET, &path, Some(&staff), None)
                .await
                .status,
            200
        );

        // Another applicant may not even learn that the group exists.
        let stranger = app.applicant("stranger@example.jp").await;
        assert_eq!(
            app.send(Method::GET, &path, Some(&stranger), None)
                .await
                .status,
            404
        );
        assert_eq!(app.send(Method::GET, &path, None, None).await.status, 401);
        let unknown = format!("/api/v1/groups/{}", uuid::Uuid::now_v7());
        assert_eq!(
            app.send(Method::GET, &unknown, Some(&staff), None)
                .await
                .status,
            404
        );
        assert_eq!(
            app.send(Method::GET, "/api/v1/groups/not-a-uuid", Some(&staff), None)
                .await
                .status,
            404
        );
    }
);

on_both_backends!(
    a_group_with_too_few_members_is_refused_by_rule_1,
    |app: TestApp| async move {
        let member = app.applicant("small@example.jp").await;
        let refused = app
            .send(
                Method::POST,
                "/api/v1/groups",
                Some(&member),
                Some(&group(4, 4)),
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["code"], "group.too_few_members");
        assert!(!refused.body["detail_ja"].as_str().unwrap().contains("規則"));
        let wrong_type = app
            .send(
                Method::POST,
                "/api/v1/groups",
                Some(&member),
                Some(&json!({"name": 5})),
            )
            .await;
        assert_eq!(wrong_type.status, 422);
    }
);
