//! The command side's questions (`grants_app::queries`) answer what the full scans of the log they
//! replaced answered, over a real history on both backends: three groups (one member in two of them),
//! awards in two courses, a third round in which rule 1's count picks the rate. The scans are kept
//! here, as they were, as the oracle.

use grants_app::db::Database;
use grants_domain::application::ApplicationEvent;
use grants_domain::group::GroupEvent;
use grants_domain::round::RoundEvent;
use grants_domain::{ApplicationId, GroupId, RoundId, UserId};
use grants_tests::scenario::{form, step_up_round, SHORT_WINDOW};
use grants_tests::{on_both_backends, TestApp};
use reqwest::Method;
use serde_json::json;
use time::Duration;

/// The old scans of `app/src/queries.rs`, unchanged but for their names.
mod scan {
    use super::*;

    async fn payloads(
        db: &Database,
        aggregate_type: &str,
        event_type: &str,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        grants_app::with_pool!(db, pool => sqlx::query_as(
            "SELECT aggregate_id, CAST(payload AS TEXT) FROM events
              WHERE aggregate_type = $1 AND event_type = $2 ORDER BY position",
        )
        .bind(aggregate_type)
        .bind(event_type)
        .fetch_all(pool)
        .await)
    }

    pub async fn round_ids(db: &Database) -> Result<Vec<RoundId>, sqlx::Error> {
        Ok(payloads(db, "round", "RoundOpened")
            .await?
            .into_iter()
            .filter_map(|(id, _)| id.parse().ok())
            .collect())
    }

    pub async fn prior_grants(
        db: &Database,
        group_id: GroupId,
        course: &str,
        this_round: RoundId,
    ) -> Result<u32, sqlx::Error> {
        let courses: std::collections::HashMap<String, String> =
            payloads(db, "round", "RoundOpened")
                .await?
                .into_iter()
                .filter_map(|(id, payload)| match serde_json::from_str(&payload) {
                    Ok(RoundEvent::RoundOpened { settings, .. }) => Some((id, settings.course)),
                    _ => None,
                })
                .collect();
        let this_round = this_round.to_string();
        let count = payloads(db, "round", "AwardDecided")
            .await?
            .into_iter()
            .filter(|(round, _)| {
                *round != this_round && courses.get(round).map(String::as_str) == Some(course)
            })
            .filter(|(_, payload)| {
                matches!(serde_json::from_str(payload), Ok(RoundEvent::AwardDecided { group_id: g, .. }) if g == group_id)
            })
            .count();
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub async fn applications_in_round(
        db: &Database,
        round_id: RoundId,
    ) -> Result<Vec<ApplicationId>, sqlx::Error> {
        Ok(payloads(db, "application", "ApplicationDraftStarted")
            .await?
            .into_iter()
            .filter(|(_, payload)| {
                matches!(serde_json::from_str(payload), Ok(ApplicationEvent::ApplicationDraftStarted { round_id: r, .. }) if r == round_id)
            })
            .filter_map(|(id, _)| id.parse().ok())
            .collect())
    }

    pub async fn groups_of(db: &Database, user_id: UserId) -> Result<Vec<GroupId>, sqlx::Error> {
        Ok(payloads(db, "group", "MemberAdded")
            .await?
            .into_iter()
            .filter(|(_, payload)| {
                matches!(serde_json::from_str(payload), Ok(GroupEvent::MemberAdded { user_id: u, .. }) if u == user_id)
            })
            .filter_map(|(id, _)| id.parse().ok())
            .collect())
    }

    /// Every member account of the log (the users to ask about).
    pub async fn members(db: &Database) -> Vec<UserId> {
        payloads(db, "group", "MemberAdded")
            .await
            .unwrap()
            .into_iter()
            .filter_map(|(_, payload)| match serde_json::from_str(&payload) {
                Ok(GroupEvent::MemberAdded { user_id, .. }) => Some(user_id),
                _ => None,
            })
            .collect()
    }
}

/// Every question, asked of the directory and of the scan, answers the same; returns how many
/// questions were compared.
async fn compare(db: &Database, groups: &[GroupId], courses: &[&str]) -> usize {
    use grants_app::queries;
    let mut compared = 0;
    let rounds = scan::round_ids(db).await.unwrap();
    assert_eq!(queries::round_ids(db).await.unwrap(), rounds);
    compared += 1;
    let mut users = scan::members(db).await;
    users.push(UserId::new());
    for user in users {
        assert_eq!(
            queries::groups_of(db, user).await.unwrap(),
            scan::groups_of(db, user).await.unwrap(),
            "groups of {user}"
        );
        compared += 1;
    }
    let mut asked_rounds = rounds.clone();
    asked_rounds.push(RoundId::new());
    for round in &asked_rounds {
        assert_eq!(
            queries::applications_in_round(db, *round).await.unwrap(),
            scan::applications_in_round(db, *round).await.unwrap(),
            "applications of round {round}"
        );
        compared += 1;
        for group in groups {
            for course in courses {
                assert_eq!(
                    queries::prior_grants(db, *group, course, *round)
                        .await
                        .unwrap(),
                    scan::prior_grants(db, *group, course, *round)
                        .await
                        .unwrap(),
                    "prior grants of {group} in {course} from {round}"
                );
                compared += 1;
            }
        }
    }
    compared
}

on_both_backends!(
    the_directory_answers_what_the_log_scan_answered,
    |app: TestApp| async move {
        let cast = app.cast(1).await;
        let members = [
            app.applicant("first@example.jp").await,
            app.applicant("second@example.jp").await,
        ];
        let group_ids = [
            app.register_group(&members[0], "みどりの会").await,
            app.register_group(&members[1], "あおぞら子ども会").await,
            app.register_group(&members[0], "川の学校").await,
        ];
        let step_up = "ステップアップ";
        let first_step = "はじめの一歩";
        let mut first_step_round = step_up_round(2_000_000, SHORT_WINDOW);
        first_step_round["course"] = json!(first_step);
        let rounds = [
            app.open_round(&cast, &step_up_round(2_000_000, SHORT_WINDOW))
                .await,
            app.open_round(&cast, &first_step_round).await,
        ];
        // Round 0 (step-up): groups 0 and 1; round 1 (first step): groups 0 and 2.
        let entries = [(0, 0, 0), (0, 1, 1), (1, 0, 0), (1, 0, 2)];
        let mut applications = Vec::new();
        for (round, member, group) in entries {
            let (id, _) = app
                .eligible_application(
                    &cast,
                    &members[member],
                    &rounds[round],
                    &group_ids[group],
                    &form(100_000, 0, 100_000),
                )
                .await;
            app.score(&cast, &id, &[40], &[]).await;
            applications.push((round, id));
        }
        app.close_and_rank(&cast, &rounds[0]).await;
        app.close_and_rank(&cast, &rounds[1]).await;
        for (round, id) in &applications {
            app.award(&cast, &rounds[*round], id, 100_000).await;
        }
        let third = app
            .open_round(&cast, &step_up_round(2_000_000, Duration::days(1)))
            .await;

        let db = Database::connect(&app.database_url).await.unwrap();
        let groups: Vec<GroupId> = group_ids.iter().map(|id| id.parse().unwrap()).collect();
        let courses = [step_up, first_step, "ない"];
        let compared = compare(&db, &groups, &courses).await;
        assert!(compared > 30, "{compared} questions");
        let third_id: RoundId = third.parse().unwrap();
        assert_eq!(
            grants_app::queries::prior_grants(&db, groups[0], step_up, third_id)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            grants_app::queries::groups_of(&db, scan::members(&db).await[0])
                .await
                .unwrap(),
            vec![groups[0], groups[2]]
        );

        // Group 0's second step-up grant is at 3/4 in the third round (domain.md's first worked
        // example): the directory's count chose the rate.
        let mut draft = form(412_345, 30_000, 286_000);
        draft["round_id"] = json!(third);
        draft["group_id"] = json!(group_ids[0]);
        let started = app
            .call(
                Method::POST,
                "/api/v1/applications",
                &members[0],
                Some(&draft),
                201,
            )
            .await;
        assert_eq!(started["max_amount"], 286_000);
        // Group 2 had its grant in the other course: the first step-up grant, at 1/1, capped by
        // what it requested.
        let mut draft = form(100_000, 0, 100_000);
        draft["round_id"] = json!(third);
        draft["group_id"] = json!(group_ids[2]);
        let started = app
            .call(
                Method::POST,
                "/api/v1/applications",
                &members[0],
                Some(&draft),
                201,
            )
            .await;
        assert_eq!(started["max_amount"], 100_000);
        assert_eq!(compare(&db, &groups, &courses).await, compared);
    }
);

/// Rule 1's count on PostgreSQL is one statement (the rows, the tail and the tail's courses in one
/// snapshot): it answers what the scan answers with the directory never run, caught up, and lagging
/// behind awards whose round is in its rows, awards whose round is in the tail too, and another
/// group's award; and a second course and the asking round are left out as the rule says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prior_grants_in_one_statement_are_exact_never_run_caught_up_and_lagging() {
    use grants_projections::{Directory, Runner};

    let (url, _dir) = grants_tests::fresh_database(grants_tests::Backend::Postgres).await;
    let db = Database::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let Database::Postgres(pg) = &db else {
        unreachable!()
    };
    let staff = UserId::new();
    let (group, other_group) = (GroupId::new(), GroupId::new());
    let metadata = json!({"actor_id": staff, "actor_role": "staff", "request_id": "one-statement"})
        .to_string();
    let step_up = "ステップアップ";
    let first_step = "はじめの一歩";
    let mut sequences = std::collections::HashMap::<RoundId, i64>::new();
    let mut append = |round: RoundId, payload: serde_json::Value| {
        let sequence = sequences.entry(round).or_insert(0);
        *sequence += 1;
        let sequence = *sequence;
        let metadata = metadata.clone();
        async move {
            let event_type = payload.as_object().unwrap().keys().next().unwrap().clone();
            sqlx::query(
                "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type,
                   event_version, payload, metadata)
                 VALUES ('round', $1, $2, $3, '1.0', $4::json, $5::json)",
            )
            .bind(round.to_string())
            .bind(sequence)
            .bind(event_type)
            .bind(payload.to_string())
            .bind(metadata)
            .execute(pg)
            .await
            .unwrap();
        }
    };
    let opened = |round: RoundId, course: &str| {
        let mut settings = step_up_round(2_000_000, Duration::days(1));
        settings["course"] = json!(course);
        let payload = json!({"RoundOpened": {"round_id": round, "settings": settings, "by": staff,
            "at": "2026-04-01T00:00:00Z"}});
        assert!(serde_json::from_value::<RoundEvent>(payload.clone()).is_ok());
        payload
    };
    let award = |group: GroupId| {
        let payload = json!({"AwardDecided": {"application_id": ApplicationId::new(),
            "grant_id": uuid::Uuid::now_v7(), "group_id": group, "amount": 100_000,
            "notice_number": "岡市協第1号", "conditions": "", "completion_deadline": "2027-02-28",
            "decided_on": "2026-06-10", "by": staff, "decided_at": "2026-06-10T01:00:00Z"}});
        assert!(serde_json::from_value::<RoundEvent>(payload.clone()).is_ok());
        payload
    };
    let rounds: Vec<RoundId> = (0..4).map(|_| RoundId::new()).collect();
    append(rounds[0], opened(rounds[0], step_up)).await;
    append(rounds[0], award(group)).await;
    append(rounds[1], opened(rounds[1], first_step)).await;
    append(rounds[1], award(group)).await;
    append(rounds[1], award(other_group)).await;
    append(rounds[2], opened(rounds[2], step_up)).await;

    let asked = [
        (group, step_up, rounds[3]),
        (group, step_up, rounds[0]),
        (group, first_step, rounds[3]),
        (other_group, first_step, rounds[3]),
        (other_group, step_up, rounds[0]),
    ];
    let answers = |db: Database| async move {
        let mut answers = Vec::new();
        for (group, course, round) in asked {
            let directory = grants_app::queries::prior_grants(&db, group, course, round)
                .await
                .unwrap();
            let scanned = scan::prior_grants(&db, group, course, round).await.unwrap();
            assert_eq!(directory, scanned, "{group} in {course} asked from {round}");
            answers.push(directory);
        }
        answers
    };
    // Never run: every fact is in the tail.
    assert_eq!(answers(db.clone()).await, [1, 0, 1, 1, 0]);
    Runner::new(db.clone())
        .with(Directory)
        .catch_up()
        .await
        .unwrap();
    // Caught up: every fact is in the rows.
    assert_eq!(answers(db.clone()).await, [1, 0, 1, 1, 0]);
    // Lagging: an award in a round of the rows (its course from the directory's row), a round
    // opened and awarded in the tail, another group's award in the tail (counted for it only).
    append(rounds[2], award(group)).await;
    append(rounds[3], opened(rounds[3], step_up)).await;
    append(rounds[3], award(group)).await;
    append(rounds[3], award(other_group)).await;
    assert_eq!(answers(db.clone()).await, [2, 2, 1, 1, 1]);
    let runner = Runner::new(db.clone()).with(Directory);
    runner.catch_up().await.unwrap();
    assert_eq!(answers(db.clone()).await, [2, 2, 1, 1, 1]);
    // Far behind: a tail longer than one statement reads (other groups' awards), then one more of
    // the group's; the answer comes from the read transaction and is still the scan's.
    let tail = usize::try_from(grants_projections::directory::ONE_STATEMENT_TAIL).unwrap();
    for _ in 0..tail {
        append(rounds[1], award(GroupId::new())).await;
    }
    append(rounds[1], award(other_group)).await;
    assert_eq!(answers(db.clone()).await, [2, 2, 1, 2, 1]);
    runner.catch_up().await.unwrap();
    assert_eq!(answers(db.clone()).await, [2, 2, 1, 2, 1]);
}

/// A rough measurement, not a check (run it with `--run-ignored only`): on PostgreSQL, a log of
/// 1,000 rounds with 100 awards each (100,000 `AwardDecided`) and as many other events, the old scan
/// against the directory for rule 1's count, caught up, lagging 100 events, and never run. Prints
/// the times and checks the answers agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; prints timings"]
async fn prior_grants_timing_on_postgres() {
    use grants_projections::{Directory, Runner};
    use std::time::Instant;

    const ROUNDS: usize = 1_000;
    const AWARDS_PER_ROUND: usize = 100;
    const GROUPS: usize = 10_000;

    let (url, _dir) = grants_tests::fresh_database(grants_tests::Backend::Postgres).await;
    let db = Database::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let Database::Postgres(pg) = &db else {
        unreachable!()
    };
    let staff = UserId::new();
    let settings = step_up_round(2_000_000, Duration::days(1));
    let groups: Vec<GroupId> = (0..GROUPS).map(|_| GroupId::new()).collect();
    let metadata =
        json!({"actor_id": staff, "actor_role": "staff", "request_id": "timing"}).to_string();
    let rounds: Vec<RoundId> = (0..ROUNDS).map(|_| RoundId::new()).collect();
    for (r, round) in rounds.iter().enumerate() {
        let mut columns: [Vec<String>; 4] = Default::default();
        let mut sequences: Vec<i64> = Vec::new();
        let mut push =
            |aggregate_type: &str, id: String, sequence: i64, payload: serde_json::Value| {
                let event_type = payload.as_object().unwrap().keys().next().unwrap().clone();
                columns[0].push(aggregate_type.to_owned());
                columns[1].push(id);
                columns[2].push(event_type);
                columns[3].push(payload.to_string());
                sequences.push(sequence);
            };
        let opened = json!({"RoundOpened": {"round_id": round, "settings": settings, "by": staff,
            "at": "2026-04-01T00:00:00Z"}});
        if r == 0 {
            assert!(serde_json::from_value::<RoundEvent>(opened.clone()).is_ok());
        }
        push("round", round.to_string(), 1, opened);
        for a in 0..AWARDS_PER_ROUND {
            let group = groups[(r * AWARDS_PER_ROUND + a) % GROUPS];
            let award = json!({"AwardDecided": {"application_id": ApplicationId::new(),
                "grant_id": uuid::Uuid::now_v7(), "group_id": group, "amount": 100_000,
                "notice_number": "岡市協第1号", "conditions": "", "completion_deadline": "2027-02-28",
                "decided_on": "2026-06-10", "by": staff, "decided_at": "2026-06-10T01:00:00Z"}});
            if r == 0 && a == 0 {
                assert!(serde_json::from_value::<RoundEvent>(award.clone()).is_ok());
            }
            push("round", round.to_string(), a as i64 + 2, award);
            // One event of another kind per award, as a real life has many.
            let other = json!({"ScoringClosed": {"by": staff, "at": "2026-06-01T00:00:00Z"}});
            push("review", ApplicationId::new().to_string(), 1, other);
        }
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
               payload, metadata)
             SELECT t, i, s, e, '1.0', p::json, $6::json
               FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) AS u(t, i, s, e, p)",
        )
        .bind(&columns[0])
        .bind(&columns[1])
        .bind(&sequences)
        .bind(&columns[2])
        .bind(&columns[3])
        .bind(&metadata)
        .execute(pg)
        .await
        .unwrap();
    }
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pg)
        .await
        .unwrap();
    sqlx::query("ANALYZE").execute(pg).await.unwrap();

    let group = groups[7];
    let this_round = RoundId::new();
    let course = "ステップアップ";
    let time = |label: &'static str| {
        let db = db.clone();
        async move {
            let mut best = std::time::Duration::MAX;
            let mut answer = 0;
            for _ in 0..5 {
                let started = Instant::now();
                answer = if label == "scan" {
                    scan::prior_grants(&db, group, course, this_round)
                        .await
                        .unwrap()
                } else {
                    grants_app::queries::prior_grants(&db, group, course, this_round)
                        .await
                        .unwrap()
                };
                best = best.min(started.elapsed());
            }
            (answer, best)
        }
    };
    let (scanned, scan_time) = time("scan").await;
    let (never_run, never_run_time) = time("directory").await;
    let runner = Runner::new(db.clone()).with(Directory).batch_size(5_000);
    let started = Instant::now();
    runner.catch_up().await.unwrap();
    let catch_up_time = started.elapsed();
    let (caught_up, caught_up_time) = time("directory").await;
    // 100 more awards for the group that the directory has not applied.
    let lag_round = RoundId::new();
    for a in 0..100 {
        let payload = if a == 0 {
            json!({"RoundOpened": {"round_id": lag_round, "settings": settings, "by": staff,
                "at": "2026-04-01T00:00:00Z"}})
        } else {
            json!({"AwardDecided": {"application_id": ApplicationId::new(),
                "grant_id": uuid::Uuid::now_v7(), "group_id": group, "amount": 100_000,
                "notice_number": "岡市協第1号", "conditions": "", "completion_deadline": "2027-02-28",
                "decided_on": "2026-06-10", "by": staff, "decided_at": "2026-06-10T01:00:00Z"}})
        };
        let event_type = payload.as_object().unwrap().keys().next().unwrap().clone();
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
               payload, metadata) VALUES ('round', $1, $2, $3, '1.0', $4::json, $5::json)",
        )
        .bind(lag_round.to_string())
        .bind(a as i64 + 1)
        .bind(event_type)
        .bind(payload.to_string())
        .bind(&metadata)
        .execute(pg)
        .await
        .unwrap();
    }
    let (lagging, lagging_time) = time("directory").await;
    let (scanned_after, scan_after_time) = time("scan").await;
    eprintln!(
        "{events} events ({ROUNDS} rounds, {} awards): prior_grants best of 5: \
         scan {scan_time:?}; directory never run {never_run_time:?}; \
         caught up {caught_up_time:?} (catch-up took {catch_up_time:?}); \
         lagging 100 events {lagging_time:?} (scan then {scan_after_time:?})",
        ROUNDS * AWARDS_PER_ROUND
    );
    assert_eq!((never_run, caught_up), (scanned, scanned));
    assert_eq!(lagging, scanned_after);
    assert_eq!(scanned_after, scanned + 99);
}
