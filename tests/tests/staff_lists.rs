//! The staff pages' two lists: `GET /api/v1/grants` (filters, keyset pages with `Link: rel="next"`,
//! who sees which grants) over `grant_ledger` rows written straight into the table (the projection's
//! own tests cover how events become these rows), and `GET /api/v1/users?role=` (staff only).

use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::Value;

const STATUSES: [&str; 3] = ["decided", "report_submitted", "refund_due"];

/// 25 grants over two rounds, three statuses and two groups (`groups[n % 2]`); their ids in order.
async fn twenty_five_grants(app: &TestApp, rounds: [&str; 2], groups: [&str; 2]) -> Vec<String> {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..25u8 {
        let grant_id = uuid::Uuid::now_v7().to_string();
        grants_app::with_pool!(&db, pool => sqlx::query(
            "INSERT INTO grant_ledger (grant_id, application_id, round_id, group_id, status,
               decided_amount, notice_number, updated_position)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
        )
        .bind(&grant_id)
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(rounds[usize::from(n % 2)])
        .bind(groups[usize::from(n % 2)])
        .bind(STATUSES[usize::from(n % 3)])
        .bind(100_000i64 + i64::from(n))
        .bind(format!("市協第{n}号"))
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        ids.push(grant_id);
    }
    ids
}

/// Follows `Link: rel="next"` from `first` to the end with `token`; the rows in order and the page
/// count.
async fn walk(app: &TestApp, first: &str, token: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut next = Some(first.to_owned());
    let mut rows = Vec::new();
    let mut pages = 0;
    while let Some(path) = next.take() {
        let answer = app
            .client
            .get(app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        next = answer
            .headers()
            .get("link")
            .map(|link| link.to_str().unwrap().to_owned())
            .map(|link| {
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                link[1..link.find('>').unwrap()].to_owned()
            });
        let page: Value = answer.json().await.unwrap();
        let page = page.as_array().unwrap();
        assert!(page.len() <= limit && (next.is_none() || page.len() == limit));
        rows.extend(page.iter().cloned());
        pages += 1;
        assert!(pages < 30, "the pages never end");
    }
    (rows, pages)
}

fn ids_of(rows: &[Value], field: &str) -> Vec<String> {
    rows.iter()
        .map(|row| row[field].as_str().unwrap().to_owned())
        .collect()
}

on_both_backends!(
    the_grant_list_filters_and_pages,
    |app: TestApp| async move {
        let staff = app
            .account_with_role("staff", "staff@city.example.jp")
            .await;
        let auditor = app
            .account_with_role("auditor", "auditor@city.example.jp")
            .await;
        let reviewer = app
            .account_with_role("reviewer", "reviewer@example.jp")
            .await;
        let member = app.applicant("member@example.jp").await;
        let stranger = app.applicant("stranger@example.jp").await;
        let group = app.register_group(&member, "みどりの会").await;
        let other_group = uuid::Uuid::now_v7().to_string();
        let (round_a, round_b) = (
            uuid::Uuid::now_v7().to_string(),
            uuid::Uuid::now_v7().to_string(),
        );
        let ids = twenty_five_grants(&app, [&round_a, &round_b], [&group, &other_group]).await;

        // The whole list, 7 at a time: every grant once, in grant id order.
        let (rows, pages) = walk(&app, "/api/v1/grants?limit=7", &staff, 7).await;
        assert_eq!(pages, 4);
        assert_eq!(ids_of(&rows, "grant_id"), ids);
        assert_eq!(rows[0]["decided_amount"], 100_000);
        assert_eq!(rows[0]["notice_number"], "市協第0号");
        assert_eq!(rows[0]["status"], "decided");
        // Auditors read it too.
        let (audited, _) = walk(&app, "/api/v1/grants?limit=1000", &auditor, 1000).await;
        assert_eq!(audited, rows);

        // The filters carry over to the next pages, alone and together.
        for (query, keep) in [
            (
                "status=report_submitted",
                Box::new(|n: usize| n % 3 == 1) as Box<dyn Fn(usize) -> bool>,
            ),
            (
                &*format!("round_id={round_b}"),
                Box::new(|n: usize| n % 2 == 1),
            ),
            (
                &*format!("round_id={round_a}&status=decided"),
                Box::new(|n: usize| n % 2 == 0 && n % 3 == 0),
            ),
        ] {
            let (rows, _) = walk(&app, &format!("/api/v1/grants?{query}&limit=2"), &staff, 2).await;
            let expected: Vec<String> = ids
                .iter()
                .enumerate()
                .filter(|(n, _)| keep(*n))
                .map(|(_, id)| id.clone())
                .collect();
            assert!(expected.len() > 2, "{query}: the filtered list spans pages");
            assert_eq!(ids_of(&rows, "grant_id"), expected, "{query}");
        }

        // Without a limit, a page of 100; out of range or a bad status, a clear refusal.
        let all = app
            .call(Method::GET, "/api/v1/grants", &staff, None, 200)
            .await;
        assert_eq!(all.as_array().unwrap().len(), 25);
        for bad in ["0", "1001"] {
            let answer = app
                .send(
                    Method::GET,
                    &format!("/api/v1/grants?limit={bad}"),
                    Some(&staff),
                    None,
                )
                .await;
            assert_eq!(answer.status, 422, "{bad}: {:?}", answer.body);
            assert_eq!(answer.body["code"], "request.page_limit");
            assert_eq!(answer.body["field"], "limit");
        }
        let answer = app
            .send(
                Method::GET,
                "/api/v1/grants?status=paid",
                Some(&staff),
                None,
            )
            .await;
        assert!(matches!(answer.status, 400 | 422), "{:?}", answer.body);
        // A cursor past the end gives an empty page.
        let past = uuid::Uuid::now_v7();
        let empty = app
            .call(
                Method::GET,
                &format!("/api/v1/grants?after={past}"),
                &staff,
                None,
                200,
            )
            .await;
        assert_eq!(empty, Value::Array(vec![]));

        // Read-your-writes: `min_position` is accepted and waited for.
        let head = app
            .call(Method::GET, "/api/v1/audit/verification", &staff, None, 200)
            .await["events_checked"]
            .as_i64()
            .unwrap();
        let waited = app
            .client
            .get(app.url(&format!("/api/v1/grants?min_position={head}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(waited.status(), 200);
        assert!(waited.headers().get("x-projections-behind").is_none());

        // An applicant sees only their own groups' grants, paged the same way; an applicant of no
        // group none; a reviewer is refused; nobody signed out.
        let (own, _) = walk(&app, "/api/v1/grants?limit=4", &member, 4).await;
        let expected: Vec<String> = ids.iter().step_by(2).cloned().collect();
        assert_eq!(ids_of(&own, "grant_id"), expected);
        assert!(own.iter().all(|row| row["group_id"] == group.as_str()));
        let (none, _) = walk(&app, "/api/v1/grants", &stranger, 100).await;
        assert!(none.is_empty());
        let refused = app
            .send(Method::GET, "/api/v1/grants", Some(&reviewer), None)
            .await;
        assert_eq!(refused.status, 403, "{:?}", refused.body);
        let anonymous = app.get("/api/v1/grants").await;
        assert_eq!(anonymous.status, 401);
    }
);

on_both_backends!(
    the_user_list_shows_reviewers_to_staff_only,
    |app: TestApp| async move {
        let cast = app.cast(3).await;
        let auditor = app
            .account_with_role("auditor", "auditor@city.example.jp")
            .await;
        let member = app.applicant("member@example.jp").await;

        let reviewers = app
            .call(
                Method::GET,
                "/api/v1/users?role=reviewer",
                &cast.staff,
                None,
                200,
            )
            .await;
        let reviewers = reviewers.as_array().unwrap();
        let ids: Vec<String> = ids_of(reviewers, "id");
        let expected: Vec<String> = cast.reviewers.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(
            ids, expected,
            "every reviewer, oldest first, and nobody else"
        );
        assert_eq!(reviewers[0]["display_name"], "委員0");
        assert_eq!(reviewers[0]["email"], "reviewer0@example.jp");
        assert_eq!(reviewers[0]["roles"], serde_json::json!(["reviewer"]));
        assert!(reviewers[0].get("password_hash").is_none());

        // Paged like the other lists.
        let (paged, pages) =
            walk(&app, "/api/v1/users?role=reviewer&limit=2", &cast.staff, 2).await;
        assert_eq!(pages, 2);
        assert_eq!(ids_of(&paged, "id"), expected);
        // Without a role: every account (staff, reviewers, the auditor, the applicant).
        let everyone = app
            .call(Method::GET, "/api/v1/users", &cast.staff, None, 200)
            .await;
        assert_eq!(everyone.as_array().unwrap().len(), 6);
        let staff_only = app
            .call(
                Method::GET,
                "/api/v1/users?role=staff",
                &cast.staff,
                None,
                200,
            )
            .await;
        assert_eq!(staff_only.as_array().unwrap().len(), 1);

        // Nobody else sees the list (e-mail addresses are personal data).
        for token in [&auditor, &member, &cast.reviewers[0].1] {
            let refused = app
                .send(
                    Method::GET,
                    "/api/v1/users?role=reviewer",
                    Some(token),
                    None,
                )
                .await;
            assert_eq!(refused.status, 403, "{:?}", refused.body);
            assert!(!refused.body.to_string().contains("@example.jp"));
        }
        assert_eq!(app.get("/api/v1/users?role=reviewer").await.status, 401);
    }
);

on_both_backends!(
    the_dashboard_lists_every_grant_waiting_for_staff,
    |app: TestApp| async move {
        // More waiting grants than one page of the grant list holds, of no particular fiscal year,
        // and finalised grants with and without a remainder to pay.
        let db = grants_app::db::Database::connect(&app.database_url)
            .await
            .unwrap();
        // (status, payable, refund_due)
        let rows = (0..1_003).map(|_| ("report_submitted", 0i64, 0i64)).chain([
            ("refund_due", 0, 14_000),
            ("finalised", 5_000, 0),
            ("finalised", 0, 0),
            ("in_progress", 0, 0),
        ]);
        for (status, payable, refund_due) in rows {
            grants_app::with_pool!(&db, pool => sqlx::query(
                "INSERT INTO grant_ledger (grant_id, status, decided_amount, payable, refund_due,
                 updated_position) VALUES ($1, $2, 100000, $3, $4, 1)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(status)
            .bind(payable)
            .bind(refund_due)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
        }
        app.account_with_role("staff", "staff@city.example.jp")
            .await;
        let staff = grants_tests::browser::Browser::new(&app);
        staff.sign_in("staff@city.example.jp").await;
        let dashboard = staff.get("/staff").await;
        assert_eq!(dashboard.status, 200, "{}", dashboard.html);
        assert!(
            dashboard.html.contains("対応が必要な交付（1005件）"),
            "1,003 reports, a refund and a remainder to pay"
        );
        assert_eq!(dashboard.html.matches("実績報告の審査").count(), 1_003);
        assert_eq!(dashboard.html.matches("返還金の受領").count(), 1);
        assert_eq!(dashboard.html.matches("確定額の支払").count(), 1);
    }
);
