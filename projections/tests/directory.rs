//! The `directory` read model, on both backends: its answers at every checkpoint (none, each event
//! applied one by one, caught up) equal the answers of the whole log; a fact committed after the
//! checkpoint is counted; on PostgreSQL also one the runner cannot read yet because an older
//! transaction is still open; and a rebuild equals the live tables.

mod common;

use common::{append, database, Backend, PATIENCE};
use grants_domain::group::{prior_grant_count, PriorAward};
use grants_projections::directory::{self, Directory};
use grants_projections::{LogPool, Runner, Step};
use serde_json::json;

const STAFF: &str = "0190a000-0000-7000-8000-000000000001";
const STEP_UP: &str = "ステップアップ";
const FIRST_STEP: &str = "はじめの一歩";

fn id(prefix: char, n: usize) -> String {
    format!("0190a000-0000-7000-8000-{prefix}{n:011}")
}

fn round(n: usize) -> String {
    id('b', n)
}

fn group(n: usize) -> String {
    id('a', n)
}

fn user(n: usize) -> String {
    id('c', n)
}

fn application(n: usize) -> String {
    id('d', n)
}

fn runner(pool: &LogPool) -> Runner {
    Runner::new(pool.clone()).with(Directory).batch_size(1)
}

/// Per aggregate, the next sequence number.
#[derive(Default)]
struct Log {
    sequences: std::collections::HashMap<String, i64>,
    last: i64,
}

impl Log {
    async fn append(
        &mut self,
        pool: &LogPool,
        aggregate_type: &str,
        aggregate_id: &str,
        payload: serde_json::Value,
    ) {
        let sequence = self.sequences.entry(aggregate_id.to_owned()).or_insert(0);
        *sequence += 1;
        self.last = append(pool, aggregate_type, aggregate_id, *sequence, &payload).await;
    }

    async fn open_round(&mut self, pool: &LogPool, n: usize, course: &str) {
        let payload = json!({"RoundOpened": {"round_id": round(n),
            "settings": common::round_settings(2026, course),
            "by": STAFF, "at": "2026-04-02T09:00:00+09:00"}});
        self.append(pool, "round", &round(n), payload).await;
    }

    async fn add_member(&mut self, pool: &LogPool, group_n: usize, user_n: usize) {
        let payload = json!({"MemberAdded": {"user_id": user(user_n), "by": STAFF,
            "at": "2026-04-03T09:00:00+09:00"}});
        self.append(pool, "group", &group(group_n), payload).await;
    }

    async fn remove_member(&mut self, pool: &LogPool, group_n: usize, user_n: usize) {
        let payload = json!({"MemberRemoved": {"user_id": user(user_n), "by": STAFF,
            "at": "2026-04-05T09:00:00+09:00"}});
        self.append(pool, "group", &group(group_n), payload).await;
    }

    async fn coordinator(&mut self, pool: &LogPool, group_n: usize, user_n: usize, consent: bool) {
        let payload = if consent {
            json!({"CoordinatorConsented": {"coordinator": user(user_n), "may_submit": false,
                "by": STAFF, "at": "2026-04-06T09:00:00+09:00"}})
        } else {
            json!({"CoordinatorConsentWithdrawn": {"coordinator": user(user_n), "by": STAFF,
                "at": "2026-04-06T10:00:00+09:00"}})
        };
        self.append(pool, "group", &group(group_n), payload).await;
    }

    async fn start(
        &mut self,
        pool: &LogPool,
        application_n: usize,
        round_n: usize,
        group_n: usize,
    ) {
        let payload = common::draft_started_in(
            &round(round_n),
            &application(application_n),
            &group(group_n),
            "t",
            100_000,
        );
        self.append(pool, "application", &application(application_n), payload)
            .await;
    }

    async fn award(
        &mut self,
        pool: &LogPool,
        round_n: usize,
        application_n: usize,
        group_n: usize,
    ) {
        let payload = json!({"AwardDecided": {"application_id": application(application_n),
            "grant_id": id('e', application_n), "group_id": group(group_n), "amount": 100_000,
            "notice_number": "岡市協第1号", "conditions": "", "completion_deadline": "2027-02-28",
            "decided_on": "2026-06-10", "by": STAFF, "decided_at": "2026-06-10T10:00:00+09:00"}});
        self.append(pool, "round", &round(round_n), payload).await;
    }

    /// A release (which rule 1's count has never un-counted) and an unrelated event.
    async fn release(&mut self, pool: &LogPool, round_n: usize, application_n: usize) {
        let payload = json!({"AwardReleased": {"application_id": application(application_n),
            "grant_id": id('e', application_n), "amount": 100_000, "remaining_amount": 0,
            "by": STAFF, "at": "2026-07-01T10:00:00+09:00"}});
        self.append(pool, "round", &round(round_n), payload).await;
    }
}

/// Rounds 1 and 3 are step-up, round 2 first-step, round 4 step-up (opened last). Group 1 was
/// awarded in rounds 1, 2 and 3 (the round-1 award later released), group 2 in round 1. User 1
/// belongs to groups 2 then 1 (added in that order), user 2 to group 1. Rounds and members are
/// interleaved with the rest so that log order matters.
async fn seed(pool: &LogPool) -> Log {
    let mut log = Log::default();
    log.open_round(pool, 3, STEP_UP).await;
    log.add_member(pool, 2, 1).await;
    log.open_round(pool, 1, STEP_UP).await;
    log.add_member(pool, 1, 2).await;
    log.start(pool, 11, 1, 1).await;
    log.open_round(pool, 2, FIRST_STEP).await;
    log.start(pool, 12, 1, 2).await;
    log.add_member(pool, 1, 1).await;
    log.start(pool, 21, 2, 1).await;
    log.start(pool, 31, 3, 1).await;
    log.award(pool, 1, 11, 1).await;
    log.award(pool, 1, 12, 2).await;
    log.award(pool, 2, 21, 1).await;
    log.release(pool, 1, 11).await;
    log.award(pool, 3, 31, 1).await;
    log.open_round(pool, 4, STEP_UP).await;
    log.start(pool, 41, 4, 1).await;
    log
}

/// Everything the directory answers about the seed.
#[derive(Debug, PartialEq, Eq)]
struct Answers {
    rounds: Vec<String>,
    groups_of_1: Vec<String>,
    groups_of_2: Vec<String>,
    groups_of_3: Vec<String>,
    in_round_1: Vec<String>,
    in_round_4: Vec<String>,
    in_round_5: Vec<String>,
    /// The domain's count of prior grants for (group, course, this round) from the directory's awards.
    prior: Vec<u32>,
}

const PRIOR_QUESTIONS: [(usize, &str, usize); 7] = [
    (1, STEP_UP, 4),
    (1, STEP_UP, 3),
    (1, STEP_UP, 1),
    (1, FIRST_STEP, 4),
    (1, FIRST_STEP, 2),
    (2, STEP_UP, 4),
    (2, FIRST_STEP, 4),
];

/// Rule 1's count as the service makes it: the directory's awards of the group, counted by the domain.
async fn prior_grants(pool: &LogPool, group_id: &str, course: &str, this_round: &str) -> u32 {
    let awards: Vec<PriorAward> = directory::prior_awards(pool, group_id)
        .await
        .expect("prior awards")
        .into_iter()
        .map(|(round_id, course)| PriorAward {
            round_id: round_id.parse().expect("a round id"),
            course,
        })
        .collect();
    prior_grant_count(&awards, course, this_round.parse().expect("a round id"))
}

async fn answers(pool: &LogPool) -> Answers {
    let mut prior = Vec::new();
    for (g, course, r) in PRIOR_QUESTIONS {
        prior.push(prior_grants(pool, &group(g), course, &round(r)).await);
    }
    Answers {
        rounds: directory::round_ids(pool).await.expect("rounds"),
        groups_of_1: directory::groups_of(pool, &user(1)).await.expect("groups"),
        groups_of_2: directory::groups_of(pool, &user(2)).await.expect("groups"),
        groups_of_3: directory::groups_of(pool, &user(3)).await.expect("groups"),
        in_round_1: directory::applications_in_round(pool, &round(1))
            .await
            .expect("applications"),
        in_round_4: directory::applications_in_round(pool, &round(4))
            .await
            .expect("applications"),
        in_round_5: directory::applications_in_round(pool, &round(5))
            .await
            .expect("applications"),
        prior,
    }
}

/// What a scan of the seeded log answers (worked out by hand from [`seed`]).
fn expected() -> Answers {
    Answers {
        rounds: vec![round(3), round(1), round(2), round(4)],
        groups_of_1: vec![group(2), group(1)],
        groups_of_2: vec![group(1)],
        groups_of_3: vec![],
        in_round_1: vec![application(11), application(12)],
        in_round_4: vec![application(41)],
        in_round_5: vec![],
        // Group 1: step-up awards in rounds 1 (released, still counted) and 3; first-step in 2.
        prior: vec![2, 1, 1, 1, 0, 1, 0],
    }
}

/// [`expected`] once group 1 also has its round-4 step-up award: two prior step-up grants seen from
/// rounds 1 and 3 as well.
fn expected_with_round_4_award() -> Answers {
    let mut answers = expected();
    answers.prior[1] = 2;
    answers.prior[2] = 2;
    answers
}

async fn every_checkpoint_answers_like_the_whole_log(backend: Backend) {
    let db = database(backend).await;
    let log = seed(&db.pool).await;
    let runner = runner(&db.pool);
    // Never run: all of it is tail.
    assert_eq!(answers(&db.pool).await, expected(), "before the first step");
    // One event at a time: every split between rows and tail.
    let mut steps = 0;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match runner.step(directory::NAME).await.expect("a step") {
            Step::Applied(_) => {
                steps += 1;
                assert_eq!(answers(&db.pool).await, expected(), "after {steps} steps");
            }
            Step::Idle | Step::Busy => {
                if runner.reached(log.last).await.expect("reached") {
                    break;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the directory caught up"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    }
    assert_eq!(steps, 17, "every event applied once");

    // A rebuild equals the live tables and answers the same.
    let live = directory::rows(&db.pool).await.expect("rows");
    assert_eq!(live.rounds.len(), 4);
    assert_eq!(live.members.len(), 3);
    assert_eq!(live.awards.len(), 4);
    assert_eq!(live.applications.len(), 5);
    assert_eq!(
        live.rounds[0],
        (round(1), STEP_UP.to_owned(), Some(2026), live.rounds[0].3)
    );
    let live_checkpoint = runner
        .checkpoint(directory::NAME)
        .await
        .expect("checkpoint");
    assert_eq!(runner.rebuild(directory::NAME).await.expect("rebuild"), 17);
    assert_eq!(directory::rows(&db.pool).await.expect("rows"), live);
    assert_eq!(
        runner
            .checkpoint(directory::NAME)
            .await
            .expect("checkpoint"),
        live_checkpoint
    );
    assert_eq!(answers(&db.pool).await, expected(), "after the rebuild");
}

#[tokio::test]
async fn every_checkpoint_answers_like_the_whole_log_on_sqlite() {
    every_checkpoint_answers_like_the_whole_log(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_checkpoint_answers_like_the_whole_log_on_postgres() {
    every_checkpoint_answers_like_the_whole_log(Backend::Postgres).await;
}

async fn facts_after_the_checkpoint_count(backend: Backend) {
    let db = database(backend).await;
    let mut log = seed(&db.pool).await;
    let runner = runner(&db.pool);
    runner
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    // The projection stops; the log goes on: group 1's third step-up grant (round 4), a new member, a
    // new round and an application in it.
    log.award(&db.pool, 4, 41, 1).await;
    log.add_member(&db.pool, 2, 3).await;
    log.open_round(&db.pool, 5, STEP_UP).await;
    log.start(&db.pool, 51, 5, 2).await;
    let checkpoint = runner
        .checkpoint(directory::NAME)
        .await
        .expect("checkpoint");
    assert!(checkpoint.position < log.last, "the directory lags");
    let ahead = |mut answers: Answers| {
        answers.rounds.push(round(5));
        answers.groups_of_3.push(group(2));
        answers.in_round_5.push(application(51));
        answers
    };
    let now = answers(&db.pool).await;
    assert_eq!(now, ahead(expected_with_round_4_award()));
    assert_eq!(
        prior_grants(&db.pool, &group(1), STEP_UP, &round(5)).await,
        3,
        "the award after the checkpoint counts"
    );
    // Once caught up, the same answers (nothing counted twice).
    runner
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    assert_eq!(answers(&db.pool).await, now);
    assert_eq!(
        prior_grants(&db.pool, &group(1), STEP_UP, &round(5)).await,
        3
    );
}

#[tokio::test]
async fn facts_after_the_checkpoint_count_on_sqlite() {
    facts_after_the_checkpoint_count(Backend::Sqlite).await;
}

#[tokio::test]
async fn facts_after_the_checkpoint_count_on_postgres() {
    facts_after_the_checkpoint_count(Backend::Postgres).await;
}

/// PostgreSQL: a transaction that took its id before the award and is still open holds the runner
/// back (it may yet write below the award in log order), so the award stays after the checkpoint
/// however long the runner runs; the directory still counts it.
#[tokio::test]
async fn a_committed_award_the_runner_cannot_read_yet_counts_on_postgres() {
    let db = database(Backend::Postgres).await;
    let mut log = seed(&db.pool).await;
    let runner = runner(&db.pool);
    runner
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    let LogPool::Postgres(pg) = &db.pool else {
        unreachable!()
    };
    let mut older = pg.begin().await.expect("a transaction");
    let _xid: String = sqlx::query_scalar("SELECT pg_current_xact_id()::text")
        .fetch_one(&mut *older)
        .await
        .expect("an xid");
    log.award(&db.pool, 4, 41, 1).await;
    assert_eq!(runner.catch_up().await.expect("catch-up"), 0, "held back");
    assert!(!runner.reached(log.last).await.expect("reached"));
    assert_eq!(
        prior_grants(&db.pool, &group(1), STEP_UP, &round(5)).await,
        3,
        "a committed award counts although the runner cannot read it yet"
    );
    assert_eq!(answers(&db.pool).await, expected_with_round_4_award());
    older.rollback().await.expect("rollback");
    runner
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    assert_eq!(
        prior_grants(&db.pool, &group(1), STEP_UP, &round(5)).await,
        3
    );
    assert_eq!(answers(&db.pool).await, expected_with_round_4_award());
}

async fn groups_of(pool: &LogPool, user_n: usize) -> Vec<String> {
    directory::groups_of(pool, &user(user_n))
        .await
        .expect("groups of")
}

/// A member account removed from a group (issue 18) leaves the user's groups at once, from the
/// tail and from the rows; added again it comes back at its new position; a batch that removes and
/// adds the same member applies them in log order; a rebuild equals the live rows.
async fn a_removed_member_leaves_the_users_groups(backend: Backend) {
    let db = database(backend).await;
    let mut log = Log::default();
    log.add_member(&db.pool, 1, 7).await;
    log.add_member(&db.pool, 2, 7).await;
    let one_by_one = runner(&db.pool);
    one_by_one
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    assert_eq!(groups_of(&db.pool, 7).await, [group(1), group(2)]);

    log.remove_member(&db.pool, 1, 7).await;
    assert_eq!(groups_of(&db.pool, 7).await, [group(2)], "from the tail");
    one_by_one
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    assert_eq!(groups_of(&db.pool, 7).await, [group(2)], "from the rows");

    log.add_member(&db.pool, 1, 7).await;
    assert_eq!(groups_of(&db.pool, 7).await, [group(2), group(1)]);
    // One batch: group 2 removes and adds user 7 again, group 1 removes it.
    log.remove_member(&db.pool, 2, 7).await;
    log.add_member(&db.pool, 2, 7).await;
    log.remove_member(&db.pool, 1, 7).await;
    assert_eq!(groups_of(&db.pool, 7).await, [group(2)], "from the tail");
    let batched = Runner::new(db.pool.clone()).with(Directory);
    batched
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    assert_eq!(groups_of(&db.pool, 7).await, [group(2)], "from the rows");
    let live = directory::rows(&db.pool).await.expect("rows");
    assert_eq!(live.members.len(), 1);
    assert_eq!(live.members[0].2, log.last - 1, "the new position");
    batched.rebuild(directory::NAME).await.expect("rebuild");
    assert_eq!(directory::rows(&db.pool).await.expect("rows"), live);
}

#[tokio::test]
async fn a_removed_member_leaves_the_users_groups_on_sqlite() {
    a_removed_member_leaves_the_users_groups(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_removed_member_leaves_the_users_groups_on_postgres() {
    a_removed_member_leaves_the_users_groups(Backend::Postgres).await;
}

async fn helped(pool: &LogPool, user_n: usize) -> Vec<String> {
    directory::groups_helped(pool, &user(user_n))
        .await
        .expect("groups helped")
}

/// The groups a coordinator helps (issue 18, item 5): a consent adds the group, a new consent
/// with other terms keeps its place, a withdrawal takes it out, from the tail and from the rows,
/// also within one batch; a rebuild equals the live rows.
async fn a_coordinator_helps_the_groups_that_consented(backend: Backend) {
    let db = database(backend).await;
    let mut log = Log::default();
    log.coordinator(&db.pool, 1, 9, true).await;
    log.coordinator(&db.pool, 2, 9, true).await;
    log.coordinator(&db.pool, 1, 9, true).await;
    assert_eq!(
        helped(&db.pool, 9).await,
        [group(1), group(2)],
        "from the tail"
    );
    let batched = Runner::new(db.pool.clone()).with(Directory);
    batched
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    assert_eq!(
        helped(&db.pool, 9).await,
        [group(1), group(2)],
        "from the rows"
    );
    log.coordinator(&db.pool, 1, 9, false).await;
    assert_eq!(
        helped(&db.pool, 9).await,
        [group(2)],
        "withdrawn, from the tail"
    );
    log.coordinator(&db.pool, 2, 9, false).await;
    log.coordinator(&db.pool, 2, 9, true).await;
    batched
        .catch_up_to(log.last, PATIENCE)
        .await
        .expect("catch-up");
    assert_eq!(helped(&db.pool, 9).await, [group(2)], "from the rows");
    assert!(helped(&db.pool, 8).await.is_empty());
    let live = directory::rows(&db.pool).await.expect("rows");
    assert_eq!(live.coordinators.len(), 1);
    assert_eq!(live.coordinators[0].2, log.last);
    batched.rebuild(directory::NAME).await.expect("rebuild");
    assert_eq!(directory::rows(&db.pool).await.expect("rows"), live);
}

#[tokio::test]
async fn a_coordinator_helps_the_groups_that_consented_on_sqlite() {
    a_coordinator_helps_the_groups_that_consented(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_coordinator_helps_the_groups_that_consented_on_postgres() {
    a_coordinator_helps_the_groups_that_consented(Backend::Postgres).await;
}
