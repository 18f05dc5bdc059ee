//! The public list in keyset pages (`?after=&limit=` with `Link: rel="next"`), one award by id, and
//! the `/awards` page's "next" link, over a read model of 25 awards written straight into the
//! `awards` table (the projection's own tests cover how events become these rows).

use grants_tests::browser::Browser;
use grants_tests::{on_both_backends, TestApp};
use serde_json::Value;

/// 25 awards: fiscal years 2025 and 2026, two courses, award dates with ties.
async fn twenty_five_awards(app: &TestApp) -> Vec<String> {
    let db = grants_app::db::Database::connect(&app.database_url)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..25u8 {
        let grant_id = uuid::Uuid::now_v7().to_string();
        let year = if n % 2 == 0 { 2025 } else { 2026 };
        let course = if n % 3 == 0 {
            "はじめの一歩"
        } else {
            "ステップアップ"
        };
        // Five dates, five awards each: the grant id breaks the ties.
        let date = time::Date::from_calendar_date(2026, time::Month::May, 1 + n % 5).unwrap();
        grants_app::with_pool!(&db, pool => sqlx::query(
            "INSERT INTO awards (grant_id, fiscal_year, course, group_name, title, amount_awarded, award_date, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'decided')",
        )
        .bind(&grant_id)
        .bind(year)
        .bind(course)
        .bind(format!("団体{n}"))
        .bind(format!("事業{n}"))
        .bind(100_000i64 + i64::from(n))
        .bind(date)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
        ids.push(grant_id);
    }
    ids
}

/// Follows `Link: rel="next"` from `first` to the end; the grant ids in order and the page count.
async fn walk(app: &TestApp, first: &str) -> (Vec<String>, usize) {
    let mut next = Some(first.to_owned());
    let mut ids = Vec::new();
    let mut pages = 0;
    while let Some(path) = next.take() {
        let answer = app.client.get(app.url(&path)).send().await.unwrap();
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
        assert!(page.len() <= 7 && (next.is_none() || page.len() == 7));
        ids.extend(
            page.iter()
                .map(|award| award["grant_id"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        assert!(pages < 10, "the pages never end");
    }
    (ids, pages)
}

on_both_backends!(
    the_public_list_comes_in_keyset_pages,
    |app: TestApp| async move {
        twenty_five_awards(&app).await;
        let all = app.get("/api/v1/public/awards.csv").await;
        assert_eq!(all.status, 200);

        // The whole list, 7 at a time: every award once, in (award_date, grant_id) order.
        let (ids, pages) = walk(&app, "/api/v1/public/awards?limit=7").await;
        assert_eq!(pages, 4);
        assert_eq!(ids.len(), 25);
        let whole = app.get("/api/v1/public/awards?limit=1000").await.body;
        let whole: Vec<&Value> = whole.as_array().unwrap().iter().collect();
        let key = |award: &Value| {
            (
                award["award_date"].as_str().unwrap().to_owned(),
                award["grant_id"].as_str().unwrap().to_owned(),
            )
        };
        let mut sorted = whole.clone();
        sorted.sort_by_key(|award| key(award));
        assert_eq!(whole, sorted, "ordered by award date, then grant");
        let whole_ids: Vec<String> = whole.iter().map(|award| key(award).1).collect();
        assert_eq!(ids, whole_ids);

        // The filters carry over to the next pages.
        let (ids, _) = walk(
            &app,
            "/api/v1/public/awards?fiscal_year=2026&course=%E3%82%B9%E3%83%86%E3%83%83%E3%83%97%E3%82%A2%E3%83%83%E3%83%97&limit=7",
        )
        .await;
        let expected = whole
            .iter()
            .filter(|award| award["fiscal_year"] == 2026 && award["course"] == "ステップアップ")
            .count();
        assert_eq!(ids.len(), expected);
        assert!(expected > 7, "the filtered list spans pages");

        // Without a limit, a page of 100; out of range, a clear refusal naming the field.
        assert_eq!(
            app.get("/api/v1/public/awards")
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            25
        );
        for bad in ["0", "1001"] {
            let answer = app.get(&format!("/api/v1/public/awards?limit={bad}")).await;
            assert_eq!(answer.status, 422, "{bad}: {:?}", answer.body);
            assert_eq!(answer.body["code"], "request.page_limit");
            assert_eq!(answer.body["field"], "limit");
        }
        // A cursor that names no award gives an empty page.
        let unknown = uuid::Uuid::now_v7();
        let answer = app
            .get(&format!("/api/v1/public/awards?after={unknown}"))
            .await;
        assert_eq!(answer.body, Value::Array(vec![]));

        // One award by id, and 404 for an unknown one.
        let one = app
            .get(&format!("/api/v1/public/awards/{}", whole_ids[3]))
            .await;
        assert_eq!(one.status, 200);
        // The list's row, and the photos its group made public (none here).
        let mut one = one.body;
        assert_eq!(one["photos"], serde_json::json!([]));
        one.as_object_mut().unwrap().remove("photos");
        assert_eq!(&&one, &whole[3]);
        assert_eq!(
            app.get(&format!("/api/v1/public/awards/{unknown}"))
                .await
                .status,
            404
        );
    }
);

on_both_backends!(
    the_awards_page_links_to_the_next_page,
    |app: TestApp| async move {
        let ids = twenty_five_awards(&app).await;
        let browser = Browser::new(&app);
        let page = browser.get("/awards").await;
        assert_eq!(page.status, 200);
        assert!(page.html.contains("事業0") && page.html.contains("事業24"));
        assert!(
            !page.html.contains("rel=\"next\""),
            "25 awards fit one page"
        );
        let one = browser.get(&format!("/awards/{}", ids[7])).await;
        assert_eq!(one.status, 200);
        assert!(one.html.contains("事業7") && one.html.contains("¥100,007"));
        let missing = browser
            .get(&format!("/awards/{}", uuid::Uuid::now_v7()))
            .await;
        assert_eq!(missing.status, 404);
    }
);

on_both_backends!(the_site_has_an_icon, |app: TestApp| async move {
    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
    }
    let home = app.client.get(app.url("/")).send().await.unwrap();
    let html = home.text().await.unwrap();
    assert!(html.contains("rel=\"icon\" href=\"/static/favicon.svg\""));
});
