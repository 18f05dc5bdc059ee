//! The staff's searchable lists of applications and grants (issue 15 finding 10), on both
//! backends: filtered by status, by round and by text in the group's name or the title.

use grants_tests::browser::Browser;
use grants_tests::{on_both_backends, TestApp};

on_both_backends!(
    staff_search_applications_and_grants,
    |app: TestApp| async move {
        let one = app.one_awarded_grant().await;
        app.account_with_role("staff", "clerk@city.example.jp")
            .await;
        let staff = Browser::new(&app);
        staff.sign_in("clerk@city.example.jp").await;

        let count = |html: &str| -> String {
            let start = html.find("id=\"result-count\">").expect("a count") + 18;
            html[start..].split('<').next().unwrap().to_owned()
        };
        // The grant list reads a projection that follows the log a moment later.
        let mut page = staff
            .get("/staff/grants?q=%E3%81%BF%E3%81%A9%E3%82%8A")
            .await;
        for _ in 0..50 {
            if count(&page.html) == "1件" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            page = staff
                .get("/staff/grants?q=%E3%81%BF%E3%81%A9%E3%82%8A")
                .await;
        }
        assert_eq!(
            count(&page.html),
            "1件",
            "みどり finds みどりの会: {}",
            page.html
        );
        assert!(page.html.contains(&format!("/staff/grants/{}", one.grant)));
        let none = staff.get("/staff/grants?q=nothing-like-it").await;
        assert_eq!(count(&none.html), "0件");
        assert!(none.html.contains("条件に合う交付はありません。"));
        let closed = staff.get("/staff/grants?status=closed").await;
        assert_eq!(count(&closed.html), "0件");
        let decided = staff
            .get(&format!(
                "/staff/grants?status=decided&round_id={}",
                one.round
            ))
            .await;
        assert_eq!(count(&decided.html), "1件", "{}", decided.html);
        assert!(decided.html.contains("selected"), "the filter is kept");

        let awarded = staff.get("/staff/applications?status=awarded").await;
        assert_eq!(awarded.status, 200, "{}", awarded.html);
        assert_eq!(count(&awarded.html), "1件", "{}", awarded.html);
        let drafts = staff
            .get("/staff/applications?status=draft&q=%E3%81%BF%E3%81%A9%E3%82%8A")
            .await;
        assert_eq!(count(&drafts.html), "0件");
        // An unknown status filters nothing rather than failing.
        let unknown = staff.get("/staff/applications?status=nonsense").await;
        assert_eq!(count(&unknown.html), "1件");
    }
);
