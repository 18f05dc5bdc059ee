//! The audit log's filters over HTTP, on both backends (an extension of api.md's
//! `GET /api/v1/audit/events`): `aggregate_type`, `from` and `until` (RFC 3339, both ends
//! included) return exactly the matching events of the unfiltered log, in position order and in
//! pages; a value that cannot be one is a 422 naming its parameter.

use grants_tests::scenario::step_up_round;
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn instant(event: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(event["recorded_at"].as_str().unwrap(), &Rfc3339).unwrap()
}

fn positions(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|event| event["position"].as_i64().unwrap())
        .collect()
}

/// An RFC 3339 instant in a query string: its `+` must not be read as a space.
fn encode(value: &str) -> String {
    value.replace('+', "%2B")
}

on_both_backends!(
    the_audit_filters_return_exactly_the_matching_events,
    |app: TestApp| async move {
        let cast = app.cast(2).await;
        app.open_round(&cast, &step_up_round(1_000_000, Duration::days(1)))
            .await;
        // A pause on the clock between the round's events and the groups' ones.
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let between = OffsetDateTime::now_utc();
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let member = app.applicant("member@example.jp").await;
        app.register_group(&member, "みどりの会").await;
        app.register_group(&member, "あおぞらの会").await;
        let auditor = app.account_with_role("auditor", "auditor@example.jp").await;
        let read = |query: String| {
            let app = &app;
            let auditor = &auditor;
            async move {
                let page = app
                    .call(
                        Method::GET,
                        &format!("/api/v1/audit/events?{query}"),
                        auditor,
                        None,
                        200,
                    )
                    .await;
                page.as_array().expect("a list").clone()
            }
        };
        let all = read(String::new()).await;
        assert!(all.len() > 8, "{}", all.len());
        let expect = |keep: &dyn Fn(&Value) -> bool| -> Vec<i64> {
            positions(&all.iter().filter(|e| keep(e)).cloned().collect::<Vec<_>>())
        };

        // By stream type.
        for kind in ["round", "group", "account"] {
            let only = read(format!("aggregate_type={kind}")).await;
            assert!(!only.is_empty(), "{kind}");
            assert_eq!(
                positions(&only),
                expect(&|e: &Value| e["aggregate_type"] == kind),
                "{kind}"
            );
        }
        assert_eq!(
            read("aggregate_type=review".into()).await,
            Vec::<Value>::new()
        );

        // By a range of commit times, both ends included, given in any offset.
        let jst = |at: OffsetDateTime| {
            encode(&at.to_offset(grants_domain::JST).format(&Rfc3339).unwrap())
        };
        let after_pause = read(format!("from={}", jst(between))).await;
        assert_eq!(
            positions(&after_pause),
            expect(&|e: &Value| instant(e) >= between)
        );
        assert!(after_pause.iter().all(|e| e["aggregate_type"] != "round"));
        let before_pause = read(format!(
            "until={}",
            encode(&between.format(&Rfc3339).unwrap())
        ))
        .await;
        assert_eq!(
            positions(&before_pause),
            expect(&|e: &Value| instant(e) <= between)
        );
        assert_eq!(before_pause.len() + after_pause.len(), all.len());

        // An event's own instant as both ends: that event (and any committed at the same instant).
        let group_event = all
            .iter()
            .find(|e| e["aggregate_type"] == "group")
            .expect("a group event");
        let at = instant(group_event);
        let exact = read(format!("from={}&until={}", jst(at), jst(at))).await;
        assert!(positions(&exact).contains(&group_event["position"].as_i64().unwrap()));
        assert_eq!(positions(&exact), expect(&|e: &Value| instant(e) == at));

        // The filters combine, and page by position.
        let groups_since =
            expect(&|e: &Value| e["aggregate_type"] == "group" && instant(e) >= between);
        assert!(groups_since.len() >= 2, "{groups_since:?}");
        let first = read(format!(
            "aggregate_type=group&from={}&limit=1",
            jst(between)
        ))
        .await;
        assert_eq!(positions(&first), groups_since[..1]);
        let rest = read(format!(
            "aggregate_type=group&from={}&after={}",
            jst(between),
            groups_since[0]
        ))
        .await;
        assert_eq!(positions(&rest), groups_since[1..]);

        // A value that cannot be one: 422, in Japanese and English, naming the parameter.
        for (query, field) in [
            ("from=yesterday", "from"),
            ("until=2026-06-01T09:00:00", "until"),
            ("aggregate_type=invoice", "aggregate_type"),
            (
                "from=2026-06-02T00:00:00%2B09:00&until=2026-06-01T00:00:00%2B09:00",
                "until",
            ),
        ] {
            let refused = app
                .send(
                    Method::GET,
                    &format!("/api/v1/audit/events?{query}"),
                    Some(&auditor),
                    None,
                )
                .await;
            assert_eq!(refused.status, 422, "{query}: {:?}", refused.body);
            assert_eq!(refused.body["field"], field, "{query}");
            assert_eq!(refused.body["status"], 422);
            let ja = refused.body["detail_ja"].as_str().unwrap();
            assert!(!ja.is_ascii(), "{ja}");
            assert!(!refused.body["detail_en"].as_str().unwrap().is_empty());
        }

        // Several at once: every one is named, the stream type first (as each alone is).
        let refused = app
            .send(
                Method::GET,
                "/api/v1/audit/events?aggregate_type=invoice&from=yesterday&until=never",
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["field"], "aggregate_type");
        assert_eq!(refused.body["code"], "audit.unknown_aggregate_type");
        let fields: Vec<&str> = refused.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["aggregate_type", "from", "until"],
            "{:?}",
            refused.body
        );
    }
);
