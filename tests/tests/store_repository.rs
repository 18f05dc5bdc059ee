//! The service's PostgreSQL event repository (`grants_app::store::postgres_log`, issue 20) and
//! postgres-es's on the same tables: each reads what the other wrote, events and snapshots, with
//! the same stored text; a lost race and a moved snapshot are refused and leave nothing behind;
//! and the position the append answers is the log's. Two cached copies read together
//! (`Store::load_two`) are what each read alone gives, and their statement walks the primary key
//! in any plan PostgreSQL may keep for it. A command's state is kept, and a follower's read is as
//! fresh as the event it saw (`Store::load_seen`); several copies of one kind read together
//! (`Store::load_each`) are what each read alone gives.

use cqrs_es::persist::{PersistedEventRepository, PersistenceError, SerializedEvent};
use grants_app::db::Database;
use grants_app::store::postgres_log::{capture_position, PostgresLog, EVENTS_AFTER_EACH};
use grants_app::store::{ActorRole, Stores};
use grants_domain::application::Application;
use grants_domain::group::{Group, GroupCommand};
use grants_domain::{GroupId, Review, Round, RoundId};
use grants_tests::scenario::step_up_round;
use grants_tests::{metadata, spawn_app, Backend};
use postgres_es::PostgresEventRepository;
use reqwest::Method;
use serde_json::json;

fn event(id: &str, sequence: usize, note: &str) -> SerializedEvent {
    SerializedEvent::new(
        id.to_owned(),
        sequence,
        "review".to_owned(),
        "ScoresSaved".to_owned(),
        "1.0".to_owned(),
        // Keys out of order and a nested object: the stored text is jsonb's, whoever writes it.
        json!({"ScoresSaved": {"z": note, "a": [1, 2, {"y": true, "b": null}]}}),
        json!({"request_id": note, "actor_role": "reviewer"}),
    )
}

/// A fresh, migrated PostgreSQL database.
async fn fresh_postgres() -> sqlx::PgPool {
    let (url, _dir) = grants_tests::fresh_database(grants_tests::Backend::Postgres).await;
    let db = Database::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let Database::Postgres(pool) = db else {
        unreachable!()
    };
    pool
}

async fn stored_text(pool: &sqlx::PgPool, id: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT payload::text, metadata::text FROM events
          WHERE aggregate_type = 'review' AND aggregate_id = $1 ORDER BY sequence",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_repository_reads_what_the_other_wrote() {
    let pool = &fresh_postgres().await;
    let ours = PostgresLog::new(pool.clone());
    let theirs = PostgresEventRepository::new(pool.clone());

    // Given two events appended by ours in one statement, when postgres-es reads the stream,
    // then it reads them as written, and the append answered the last one's position.
    let a = "0190a000-0000-7000-8000-00000000aa01";
    let written = vec![event(a, 1, "one"), event(a, 2, "two")];
    let (done, position) = capture_position(ours.persist::<Review>(&written, None)).await;
    done.unwrap();
    let last: i64 = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(position, Some(last));
    assert_eq!(theirs.get_events::<Review>(a).await.unwrap(), written);

    // Given a third event appended by postgres-es, ours reads all three and the one after 2.
    let third = event(a, 3, "three");
    theirs
        .persist::<Review>(std::slice::from_ref(&third), None)
        .await
        .unwrap();
    let all = ours.get_events::<Review>(a).await.unwrap();
    assert_eq!(all, [written.clone(), vec![third.clone()]].concat());
    assert_eq!(
        ours.get_last_events::<Review>(a, 2).await.unwrap(),
        vec![third]
    );
    assert!(ours
        .get_last_events::<Review>(a, 3)
        .await
        .unwrap()
        .is_empty());

    // The stored text is the same whichever wrote it.
    let b = "0190a000-0000-7000-8000-00000000bb01";
    theirs
        .persist::<Review>(&[event(b, 1, "one"), event(b, 2, "two")], None)
        .await
        .unwrap();
    assert_eq!(
        stored_text(pool, a).await[..2],
        stored_text(pool, b).await[..]
    );

    // A lost race: a sequence already taken is refused as one, and none of the batch is written.
    let raced = ours
        .persist::<Review>(&[event(a, 4, "four"), event(a, 3, "again")], None)
        .await;
    assert!(
        matches!(raced, Err(PersistenceError::OptimisticLockError)),
        "{raced:?}"
    );
    assert_eq!(stored_text(pool, a).await.len(), 3);

    // Snapshots: ours writes the first, postgres-es reads it; postgres-es moves it, ours reads that.
    let c = "0190a000-0000-7000-8000-00000000cc01";
    let state = |n: i64| json!({"saved": n});
    ours.persist::<Review>(&[event(c, 1, "one")], Some((c.to_owned(), state(1), 1)))
        .await
        .unwrap();
    let snapshot = theirs.get_snapshot::<Review>(c).await.unwrap().unwrap();
    assert_eq!(
        (
            snapshot.aggregate,
            snapshot.current_sequence,
            snapshot.current_snapshot
        ),
        (state(1), 1, 1)
    );
    theirs
        .persist::<Review>(&[event(c, 2, "two")], Some((c.to_owned(), state(2), 2)))
        .await
        .unwrap();
    let snapshot = ours.get_snapshot::<Review>(c).await.unwrap().unwrap();
    assert_eq!(
        (
            snapshot.aggregate,
            snapshot.current_sequence,
            snapshot.current_snapshot
        ),
        (state(2), 2, 2)
    );
    let (done, position) = capture_position(
        ours.persist::<Review>(&[event(c, 3, "three")], Some((c.to_owned(), state(3), 3))),
    )
    .await;
    done.unwrap();
    assert!(position.is_some());
    assert_eq!(
        theirs
            .get_snapshot::<Review>(c)
            .await
            .unwrap()
            .unwrap()
            .aggregate,
        state(3)
    );

    // A snapshot that moved meanwhile (a stale count) refuses the commit and rolls the events back.
    let stale = ours
        .persist::<Review>(&[event(c, 4, "four")], Some((c.to_owned(), state(4), 3)))
        .await;
    assert!(
        matches!(stale, Err(PersistenceError::OptimisticLockError)),
        "{stale:?}"
    );
    assert_eq!(stored_text(pool, c).await.len(), 3);
    // So does a first snapshot written by a writer that had not seen the stream's (its table keys
    // rows by sequence: it would have been a second row).
    let unseen = ours
        .persist::<Review>(&[event(c, 4, "four")], Some((c.to_owned(), state(4), 1)))
        .await;
    assert!(
        matches!(unseen, Err(PersistenceError::OptimisticLockError)),
        "{unseen:?}"
    );
    assert_eq!(stored_text(pool, c).await.len(), 3);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM snapshots WHERE aggregate_id = $1")
        .bind(c)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

/// A service with an open round (one reviewer) and Alice's group.
struct Opened {
    app: grants_tests::TestApp,
    cast: grants_tests::scenario::Cast,
    round: String,
    alice: String,
    group: String,
}

async fn an_open_round_and_a_group(backend: Backend) -> Opened {
    let app = spawn_app(backend).await;
    let cast = app.cast(1).await;
    let round = app
        .open_round(&cast, &step_up_round(1_000_000, time::Duration::hours(1)))
        .await;
    let alice = app.applicant("alice@example.jp").await;
    let group = app.register_group(&alice, "川辺を守る会").await;
    Opened {
        app,
        cast,
        round,
        alice,
        group,
    }
}

/// `Store::load_two` (a draft's group and round, one read of the log for both copies in memory on
/// PostgreSQL) answers exactly what each store's own read answers, uncached: cold, warm, after the
/// group changed, after the round changed, for an id with no events.
async fn two_copies_read_together_are_what_each_read_alone_gives(backend: Backend) {
    let Opened {
        app,
        cast,
        round,
        alice,
        group,
    } = an_open_round_and_a_group(backend).await;
    let db = Database::connect(&app.database_url).await.unwrap();
    let stores = Stores::new(&db);
    let (group_id, round_id) = (
        group.parse::<GroupId>().unwrap(),
        round.parse::<RoundId>().unwrap(),
    );

    let together = || async {
        let (group, round) = stores
            .groups
            .load_two(group_id, &stores.rounds, round_id)
            .await;
        (group.unwrap(), round.unwrap())
    };
    let alone = || async {
        let group = stores.groups.load_for_command(group_id).await.unwrap();
        let round = stores.rounds.load_for_command(round_id).await.unwrap();
        (group.into_state(), round.into_state())
    };
    let same = |(group, round): (Option<Group>, Option<Round>),
                (g, r): (Option<Group>, Option<Round>)| {
        assert_eq!(
            serde_json::to_value(group).unwrap(),
            serde_json::to_value(g).unwrap()
        );
        assert_eq!(
            serde_json::to_value(round).unwrap(),
            serde_json::to_value(r).unwrap()
        );
    };
    // Cold (each read alone, then kept), then warm (the joint read).
    same(together().await, alone().await);
    same(together().await, alone().await);

    // The group changes: a coordinator's consent.
    let coordinator = app
        .coordinator_account(&cast.staff, "coordinator@npo.example.jp", "中間支援 太郎")
        .await;
    app.call(
        Method::POST,
        &format!("/api/v1/groups/{group}/coordinators"),
        &alice,
        Some(&json!({"coordinator_id": coordinator, "may_submit": false})),
        200,
    )
    .await;
    let (group_now, round_now) = together().await;
    assert_eq!(group_now.as_ref().unwrap().coordinators().count(), 1);
    same((group_now, round_now), alone().await);

    // The round changes: scoring closed and the ranking fixed.
    app.close_and_rank(&cast, &round).await;
    same(together().await, alone().await);
    same(together().await, alone().await);

    // An id with no events is none, beside a warm copy.
    let (nobody, round_again) = stores
        .groups
        .load_two(GroupId::new(), &stores.rounds, round_id)
        .await;
    assert!(nobody.unwrap().is_none());
    assert!(round_again.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_copies_read_together_are_what_each_read_alone_gives_sqlite() {
    two_copies_read_together_are_what_each_read_alone_gives(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_copies_read_together_are_what_each_read_alone_gives_postgres() {
    two_copies_read_together_are_what_each_read_alone_gives(Backend::Postgres).await;
}

/// A generic plan is made once and kept by each connection while the table grows. Given a fresh
/// log of a few hundred events, analysed (what a benchmark's setup or the demo leaves), when the
/// catch-up read of cached copies is planned generically, then it walks the primary key for each
/// stream asked and never scans the log: the plain join it replaced kept a hash join over a
/// sequential scan of `events`, which every command paid as the log grew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catch_up_read_walks_the_primary_key_in_a_generic_plan() {
    let pool = &fresh_postgres().await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(&format!(
        "PREPARE catch_up(text[], text[], bigint[]) AS {EVENTS_AFTER_EACH}"
    ))
    .execute(&mut *conn)
    .await
    .unwrap();
    for events in [400, 1_000] {
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             SELECT 'application', 'a-' || $1 || '-' || (n / 2), n % 2 + 1, 'Drafted', '1.0', '{}', '{}'
               FROM generate_series(1, $1) AS n",
        )
        .bind(events)
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query("ANALYZE events")
            .execute(&mut *conn)
            .await
            .unwrap();
        let plan: Vec<String> =
            sqlx::query_scalar("EXPLAIN EXECUTE catch_up('{group,round}', '{g-1,r-1}', '{3,7}')")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("Index Scan using events_pkey") && !plan.contains("Seq Scan on events"),
            "with {events} events the generic plan is:\n{plan}"
        );
    }
}

/// This process (an instance of its own, through `stores`) consents `coordinator` for Alice's
/// `group`, keeping the group's state; then the app (the other instance) withdraws the consent.
/// The answer is the consent's sequence: the kept copy is one event behind the log.
async fn consented_here_withdrawn_there(
    app: &grants_tests::TestApp,
    stores: &Stores,
    group: &str,
    coordinator: &str,
    alice: &str,
) -> usize {
    let alice_id = app.user_id(alice).await;
    let metadata = metadata(alice_id, ActorRole::Applicant);
    let consent = GroupCommand::ConsentCoordinator {
        coordinator: coordinator.parse().unwrap(),
        is_coordinator: true,
        may_submit: false,
        by: alice_id,
        at: metadata.recorded_at,
    };
    let executed = stores
        .groups
        .execute(group.parse::<GroupId>().unwrap(), consent, &metadata)
        .await
        .unwrap();
    app.call(
        Method::DELETE,
        &format!("/api/v1/groups/{group}/coordinators/{coordinator}"),
        alice,
        None,
        200,
    )
    .await;
    executed.events.last().unwrap().sequence
}

/// A command's state is kept for the reads after it (`Store::execute_loaded`), and a follower's
/// `Store::load_seen` is at least as fresh as the event it names: the kept copy when it has that
/// event (no read: a change made since by the other instance is not in it yet), else read from
/// the log, which then gives exactly what a fresh load gives.
async fn a_kept_copy_is_as_fresh_as_the_event_a_follower_saw(backend: Backend) {
    let app = spawn_app(backend).await;
    let cast = app.cast(1).await;
    let alice = app.applicant("alice@example.jp").await;
    let group = app.register_group(&alice, "川辺を守る会").await;
    let coordinator = app
        .coordinator_account(&cast.staff, "coordinator@npo.example.jp", "中間支援 太郎")
        .await;
    // This process is one instance, the app another, on one database.
    let db = Database::connect(&app.database_url).await.unwrap();
    let stores = Stores::new(&db);
    let group_id = group.parse::<GroupId>().unwrap();
    let consented =
        consented_here_withdrawn_there(&app, &stores, &group, &coordinator, &alice).await;

    let coordinators = |group: Option<Group>| group.unwrap().coordinators().count();
    let kept = stores.groups.load_seen(group_id, consented).await.unwrap();
    assert_eq!(coordinators(kept), 1, "the kept copy, not read again");
    let caught_up = stores
        .groups
        .load_seen(group_id, consented + 1)
        .await
        .unwrap();
    let fresh = stores
        .groups
        .load_for_command(group_id)
        .await
        .unwrap()
        .into_state();
    assert_eq!(
        serde_json::to_value(&caught_up).unwrap(),
        serde_json::to_value(&fresh).unwrap()
    );
    assert_eq!(coordinators(caught_up), 0);
    assert!(stores
        .groups
        .load_seen(GroupId::new(), 1)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_copy_is_as_fresh_as_the_event_a_follower_saw_sqlite() {
    a_kept_copy_is_as_fresh_as_the_event_a_follower_saw(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_copy_is_as_fresh_as_the_event_a_follower_saw_postgres() {
    a_kept_copy_is_as_fresh_as_the_event_a_follower_saw(Backend::Postgres).await;
}

/// `Store::load_each` (a follower's batch: its groups read together, then their members) answers,
/// for each id, what its own load answers: cold, warm, after the other instance changed one of
/// them; an id with no events is left out; an id asked with an event the kept copy has is not read
/// again, and asked twice, it is read as fresh as the stricter ask.
async fn copies_read_each_together_are_what_each_read_alone_gives(backend: Backend) {
    let Opened {
        app,
        cast,
        alice,
        group,
        ..
    } = an_open_round_and_a_group(backend).await;
    let bob = app.applicant("bob@example.jp").await;
    let other = app.register_group(&bob, "山の手の会").await;
    let coordinator = app
        .coordinator_account(&cast.staff, "coordinator@npo.example.jp", "中間支援 太郎")
        .await;
    let db = Database::connect(&app.database_url).await.unwrap();
    let stores = Stores::new(&db);
    let nobody = GroupId::new().to_string();
    let up_to_date = |ids: &[&String]| -> Vec<(String, Option<usize>)> {
        ids.iter().map(|id| ((*id).clone(), None)).collect()
    };
    let same_as_alone = |each: std::collections::HashMap<String, Group>| {
        let stores = &stores;
        async move {
            for (id, group) in each {
                let alone = stores.groups.load_for_command(&id).await.unwrap();
                assert_eq!(
                    serde_json::to_value(Some(group)).unwrap(),
                    serde_json::to_value(alone.into_state()).unwrap()
                );
            }
        }
    };

    // Cold (each read alone, then kept), then warm (one read for both).
    for _ in 0..2 {
        let each = stores
            .groups
            .load_each(&up_to_date(&[&group, &other, &nobody]))
            .await
            .unwrap();
        assert_eq!(each.len(), 2, "the id with no events is left out");
        same_as_alone(each).await;
    }

    let consented =
        consented_here_withdrawn_there(&app, &stores, &group, &coordinator, &alice).await;

    let coordinators =
        |each: &std::collections::HashMap<String, Group>| each[&group].coordinators().count();
    let seen = stores
        .groups
        .load_each(&[(group.clone(), Some(consented))])
        .await
        .unwrap();
    assert_eq!(
        coordinators(&seen),
        1,
        "the kept copy has the event: not read"
    );
    let stricter = stores
        .groups
        .load_each(&[(group.clone(), Some(consented)), (group.clone(), None)])
        .await
        .unwrap();
    assert_eq!(coordinators(&stricter), 0, "asked up to date once: read");
    let each = stores
        .groups
        .load_each(&up_to_date(&[&group, &other]))
        .await
        .unwrap();
    assert_eq!(coordinators(&each), 0);
    same_as_alone(each).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_read_each_together_are_what_each_read_alone_gives_sqlite() {
    copies_read_each_together_are_what_each_read_alone_gives(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_read_each_together_are_what_each_read_alone_gives_postgres() {
    copies_read_each_together_are_what_each_read_alone_gives(Backend::Postgres).await;
}

/// `Store::load_for_command_with` (a decision's round and its applications; a group's command on
/// its application with the group: one read of the log for all copies in memory on PostgreSQL)
/// answers, for each, exactly what a load from the log answers: cold, warm, after the other
/// instance changed one of them, for an id asked twice and for an id with no events.
async fn copies_loaded_together_for_a_command_are_what_the_log_gives(backend: Backend) {
    let Opened {
        app,
        round,
        alice,
        group,
        ..
    } = an_open_round_and_a_group(backend).await;
    let form = grants_tests::scenario::form(300_000, 0, 200_000);
    let first = app.draft(&alice, &round, &group, &form).await;
    let second = app.draft(&alice, &round, &group, &form).await;
    // This process is one instance, the app another, on one database.
    let db = Database::connect(&app.database_url).await.unwrap();
    let stores = Stores::new(&db);
    let round_id = round.parse::<RoundId>().unwrap();

    let together = |ids: Vec<String>| {
        let stores = &stores;
        async move {
            let (round, applications) = stores
                .rounds
                .load_for_command_with(round_id, &stores.applications, &ids)
                .await;
            let applications: Vec<Option<Application>> = applications
                .into_iter()
                .map(|loaded| loaded.unwrap().into_state())
                .collect();
            (round.unwrap().into_state(), applications)
        }
    };
    let from_log = |ids: Vec<String>| {
        let stores = &stores;
        async move {
            let round = stores
                .rounds
                .load_uncached(&round_id.to_string())
                .await
                .unwrap();
            let mut applications = Vec::new();
            for id in &ids {
                let loaded = stores.applications.load_uncached(id).await.unwrap();
                applications.push(loaded.into_state());
            }
            (round.into_state(), applications)
        }
    };
    let same = |(round, applications): (Option<Round>, Vec<Option<Application>>),
                (r, a): (Option<Round>, Vec<Option<Application>>)| {
        assert_eq!(
            serde_json::to_value(round).unwrap(),
            serde_json::to_value(r).unwrap()
        );
        assert_eq!(applications, a);
    };
    let both = vec![first.clone(), second.clone()];
    // Cold (each loaded on its own, then kept), then warm (the joint read).
    same(together(both.clone()).await, from_log(both.clone()).await);
    same(together(both.clone()).await, from_log(both.clone()).await);

    // The other instance submits the second: the copy kept here is one event behind.
    app.call(
        Method::POST,
        &format!("/api/v1/applications/{second}/submit"),
        &alice,
        None,
        200,
    )
    .await;
    let (round_now, now) = together(both.clone()).await;
    assert_eq!(
        now[1].as_ref().and_then(Application::status),
        Some(grants_domain::ApplicationStatus::Submitted),
        "caught up with the other instance's event"
    );
    same((round_now, now), from_log(both.clone()).await);

    // An id asked twice, and an id with no events, beside warm copies.
    let twice = vec![first.clone(), first.clone()];
    same(together(twice.clone()).await, from_log(twice).await);
    let nobody = vec![
        first.clone(),
        grants_domain::ApplicationId::new().to_string(),
    ];
    let (_, answered) = together(nobody).await;
    assert!(answered[0].is_some() && answered[1].is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_loaded_together_for_a_command_are_what_the_log_gives_sqlite() {
    copies_loaded_together_for_a_command_are_what_the_log_gives(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_loaded_together_for_a_command_are_what_the_log_gives_postgres() {
    copies_loaded_together_for_a_command_are_what_the_log_gives(Backend::Postgres).await;
}
