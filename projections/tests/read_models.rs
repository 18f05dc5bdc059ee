//! The `applications` and `grant_ledger` read models: what they hold after the seeded history, their
//! query functions, and a rebuild that equals the live projection, on both backends.

mod common;

use common::{
    append, application_id, database, grant_id, seed_history, Backend, GROUP, GROUP_2, PATIENCE,
    ROUND, STAFF,
};
use grants_projections::{applications, grant_ledger};
use grants_projections::{Applications, GrantLedger, LogCursor, LogPool, Runner};
use serde_json::json;

/// (status, group name, requested, maximum, grant id) of an application.
type ApplicationSummary<'a> = (&'a str, &'a str, i64, Option<i64>, Option<&'a str>);

/// (status, decided, paid net of refunds, finalised, refund due, payable) of a grant.
type LedgerSummary<'a> = (&'a str, i64, i64, Option<i64>, i64, i64);

fn runner(pool: &LogPool) -> Runner {
    Runner::new(pool.clone())
        .with(Applications)
        .with(GrantLedger)
        .batch_size(5)
}

async fn applications_are_projected(backend: Backend) {
    let db = database(backend).await;
    let (_, last) = seed_history(&db.pool).await;
    runner(&db.pool)
        .catch_up_to(last, PATIENCE)
        .await
        .expect("catch-up");

    let all = applications::list(&db.pool, None, None, None)
        .await
        .expect("the list");
    let summary: Vec<ApplicationSummary> = all
        .iter()
        .map(|a| {
            (
                a.status.as_str(),
                a.group_name.as_deref().unwrap_or(""),
                a.requested_amount,
                a.max_amount,
                a.grant_id.as_deref(),
            )
        })
        .collect();
    let first = "康生まちづくりの会";
    let second = "籠田公園を愛する会";
    let grants: Vec<String> = (0..4).map(grant_id).collect();
    assert_eq!(
        summary,
        vec![
            (
                "awarded",
                first,
                286_000,
                Some(286_000),
                Some(grants[0].as_str())
            ),
            (
                "awarded",
                first,
                100_000,
                Some(286_000),
                Some(grants[1].as_str())
            ),
            (
                "awarded",
                first,
                450_000,
                Some(286_000),
                Some(grants[2].as_str())
            ),
            (
                "awarded",
                first,
                200_000,
                Some(286_000),
                Some(grants[3].as_str())
            ),
            ("draft", second, 60_000, None, None),
            ("ineligible", second, 70_000, Some(286_000), None),
            ("withdrawn", second, 90_000, Some(286_000), None),
            ("not_adopted", second, 120_000, Some(286_000), None),
        ]
    );
    assert!(all.iter().all(|a| a.round_id == ROUND));
    assert_eq!(all[4].title, "公園の清掃, \"花壇\"づくり\nと見守り");
    // The first submission's instant, kept through a return and a resubmission.
    let ineligible = &all[5];
    assert_eq!(
        ineligible.submitted_at.map(|at| at.unix_timestamp()),
        Some(1_746_838_800) // 2025-05-10T10:00:00+09:00
    );
    assert_eq!(all[4].submitted_at, None);

    // Filters: round, status, the applicant's own groups.
    let awarded = applications::list(&db.pool, Some(ROUND), Some("awarded"), None)
        .await
        .expect("the list");
    assert_eq!(awarded.len(), 4);
    let own = applications::list(&db.pool, None, None, Some(&[GROUP_2.to_owned()]))
        .await
        .expect("the list");
    assert_eq!(own.len(), 4);
    assert!(own.iter().all(|a| a.group_id == GROUP_2));
    let both = [GROUP.to_owned(), GROUP_2.to_owned()];
    assert_eq!(
        applications::list(&db.pool, None, Some("draft"), Some(&both))
            .await
            .expect("the list")
            .len(),
        1
    );
    assert!(applications::list(&db.pool, None, None, Some(&[]))
        .await
        .expect("the list")
        .is_empty());
    assert!(
        applications::list(&db.pool, Some("another round"), None, None)
            .await
            .expect("the list")
            .is_empty()
    );

    let one = applications::get(&db.pool, &application_id(0))
        .await
        .expect("the application")
        .expect("it exists");
    assert_eq!(one, all[0]);
    assert!(applications::get(&db.pool, "nonsense")
        .await
        .expect("no application")
        .is_none());
}

#[tokio::test]
async fn applications_are_projected_on_sqlite() {
    applications_are_projected(Backend::Sqlite).await;
}

#[tokio::test]
async fn applications_are_projected_on_postgres() {
    applications_are_projected(Backend::Postgres).await;
}

async fn the_grant_ledger_is_projected(backend: Backend) {
    let db = database(backend).await;
    let (_, last) = seed_history(&db.pool).await;
    runner(&db.pool)
        .catch_up_to(last, PATIENCE)
        .await
        .expect("catch-up");

    let rows = grant_ledger::list_by_round(&db.pool, ROUND)
        .await
        .expect("the ledger");
    let summary: Vec<LedgerSummary> = rows
        .iter()
        .map(|g| {
            (
                g.status.as_str(),
                g.decided_amount,
                g.paid_total,
                g.finalised_amount,
                g.refund_due,
                g.payable,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("closed", 286_000, 240_000, Some(240_000), 0, 0),
            ("withdrawn", 100_000, 0, None, 0, 0),
            // Paid 228,800, finalised 165,000, 63,800 refunded: 165,000 net, nothing owed.
            ("refund_due", 450_000, 165_000, Some(165_000), 0, 0),
            ("cancelled", 200_000, 0, None, 200_000, 0),
        ]
    );
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.grant_id, grant_id(i));
        assert_eq!(row.application_id, Some(application_id(i)));
        assert_eq!(row.round_id.as_deref(), Some(ROUND));
        assert_eq!(row.group_id.as_deref(), Some(GROUP));
        assert_eq!(row.notice_number, Some(format!("岡市協第{i}号")));
        assert_eq!(
            row.decided_on.map(|d| d.to_string()).as_deref(),
            Some("2025-06-10")
        );
        assert_eq!(
            row.completion_deadline.map(|d| d.to_string()).as_deref(),
            Some("2026-02-28")
        );
    }
    assert_eq!(
        grant_ledger::get(&db.pool, &grant_id(2))
            .await
            .expect("the grant")
            .as_ref(),
        rows.get(2)
    );
    assert!(grant_ledger::get(&db.pool, "nonsense")
        .await
        .expect("no grant")
        .is_none());
    assert!(grant_ledger::list_by_round(&db.pool, "another round")
        .await
        .expect("the ledger")
        .is_empty());
}

#[tokio::test]
async fn the_grant_ledger_is_projected_on_sqlite() {
    the_grant_ledger_is_projected(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_grant_ledger_is_projected_on_postgres() {
    the_grant_ledger_is_projected(Backend::Postgres).await;
}

/// Between a final settlement and its payment the city owes the remainder.
async fn payable_follows_the_final_payment(backend: Backend) {
    use common::append;
    use serde_json::json;
    let db = database(backend).await;
    let grant = "0190a000-0000-7000-8000-0000000009a9";
    let (staff, at) = (common::STAFF, "2025-07-01T10:00:00+09:00");
    let events = [
        common::grant_decided(
            grant,
            &common::application_id(9),
            common::ROUND,
            286_000,
            "岡市協第9号",
            "花壇",
            json!({}),
        ),
        json!({"PaymentRecorded": {"amount": 228_800, "paid_on": "2025-07-01", "kind": "advance",
            "paid_total": 228_800, "by": staff, "at": at}}),
        json!({"ChangeApproved": {"change_request_id": "0190a000-0000-7000-8000-0000000009c1",
            "previous_amount": 286_000, "decided_amount": 300_000,
            "budget": {"income": [], "expenses": []},
            "period": {"start": "2025-07-01", "end": "2026-03-15"},
            "completion_deadline": "2026-03-15", "reason": "拡充", "by": staff, "at": at}}),
        json!({"AmountFinalised": {"finalised": 240_000, "subsidy_base": 320_000,
            "uncounted_receipts": [], "refund_due": 0, "payable": 11_200, "refund_due_on": null,
            "by": staff, "at": at}}),
    ];
    let mut last = 0;
    for (i, event) in events.iter().enumerate() {
        last = append(&db.pool, "grant", grant, i as i64 + 1, event).await;
    }
    let runner = runner(&db.pool);
    runner.catch_up_to(last, PATIENCE).await.expect("catch-up");
    let row = grant_ledger::get(&db.pool, grant)
        .await
        .expect("the grant")
        .expect("it exists");
    assert_eq!(
        (
            row.status.as_str(),
            row.decided_amount,
            row.paid_total,
            row.payable
        ),
        ("finalised", 300_000, 228_800, 11_200)
    );
    assert_eq!(
        row.completion_deadline.map(|d| d.to_string()).as_deref(),
        Some("2026-03-15")
    );
    assert_eq!(row.updated_position, last);

    let paid = append(
        &db.pool,
        "grant",
        grant,
        5,
        &json!({"PaymentRecorded": {"amount": 11_200, "paid_on": "2026-03-20", "kind": "final",
            "paid_total": 240_000, "by": staff, "at": "2026-03-20T10:00:00+09:00"}}),
    )
    .await;
    runner.catch_up_to(paid, PATIENCE).await.expect("catch-up");
    let row = grant_ledger::get(&db.pool, grant)
        .await
        .expect("the grant")
        .expect("it exists");
    assert_eq!((row.paid_total, row.payable), (240_000, 0));
}

#[tokio::test]
async fn payable_follows_the_final_payment_on_sqlite() {
    payable_follows_the_final_payment(Backend::Sqlite).await;
}

#[tokio::test]
async fn payable_follows_the_final_payment_on_postgres() {
    payable_follows_the_final_payment(Backend::Postgres).await;
}

/// A group whose `GroupRegistered` comes after its application's start in the log (the service
/// never writes such a log, the read model copes all the same): the row gets the name when the
/// registration arrives, live and in a rebuild whose batches split the two.
async fn a_group_registered_after_its_application_names_it(backend: Backend) {
    let db = database(backend).await;
    let group = "0190a000-0000-7000-8000-0000000000a9";
    let application = "0190a000-0000-7000-8000-0000000002a9";
    append(
        &db.pool,
        "application",
        application,
        1,
        &common::draft_started(application, group, "遅れて届く団体名", 50_000),
    )
    .await;
    // Another application in between, so that a batch of two splits the start and the name.
    append(
        &db.pool,
        "application",
        &application_id(9),
        1,
        &common::draft_started(&application_id(9), GROUP, "別の申請", 10_000),
    )
    .await;
    let last = append(
        &db.pool,
        "group",
        group,
        1,
        &json!({"GroupRegistered": {"group_id": group, "name": "後から登録した会",
            "registration_number": "市民活動第789号",
            "contact": {"representative_name": "田中", "address": "岡崎市", "phone": "0564",
                "email": "tanaka@example.jp"},
            "founded_on": "2020-04-01", "member_count": 6, "resident_member_count": 6,
            "purpose": "見守り", "by": STAFF, "at": "2025-05-02T10:00:00+09:00"}}),
    )
    .await;
    let name = |rows: Vec<applications::ApplicationRow>| {
        rows.into_iter()
            .find(|row| row.application_id == application)
            .and_then(|row| row.group_name)
    };
    let runner = runner(&db.pool).batch_size(1).rebuild_batch_size(2);
    runner.catch_up_to(last, PATIENCE).await.expect("catch-up");
    let live = applications::list(&db.pool, None, None, None)
        .await
        .expect("applications");
    assert_eq!(name(live), Some("後から登録した会".to_owned()));

    assert_eq!(
        runner.rebuild(applications::NAME).await.expect("rebuild"),
        3
    );
    let rebuilt = applications::list(&db.pool, None, None, None)
        .await
        .expect("applications");
    assert_eq!(name(rebuilt), Some("後から登録した会".to_owned()));
}

#[tokio::test]
async fn a_group_registered_after_its_application_names_it_on_sqlite() {
    a_group_registered_after_its_application_names_it(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_group_registered_after_its_application_names_it_on_postgres() {
    a_group_registered_after_its_application_names_it(Backend::Postgres).await;
}

/// The checkpoints of the two read models.
async fn checkpoints(runner: &Runner) -> (LogCursor, LogCursor) {
    (
        runner
            .checkpoint(applications::NAME)
            .await
            .expect("checkpoint"),
        runner
            .checkpoint(grant_ledger::NAME)
            .await
            .expect("checkpoint"),
    )
}

async fn rebuilt_read_models_equal_the_live_ones(backend: Backend) {
    let db = database(backend).await;
    let (appended, last) = seed_history(&db.pool).await;
    // Live: one event per transaction (batches of one).
    let live = runner(&db.pool).batch_size(1);
    live.catch_up_to(last, PATIENCE).await.expect("catch-up");
    // The rebuilds (below): the whole log in one batch, folded in memory, then in batches of two
    // that cross every boundary.
    let runner = runner(&db.pool);
    let live_applications = applications::list(&db.pool, None, None, None)
        .await
        .expect("applications");
    let live_ledger = grant_ledger::list_by_round(&db.pool, ROUND)
        .await
        .expect("ledger");
    let live_checkpoints = checkpoints(&runner).await;
    assert_eq!(live_applications.len(), 8);
    assert_eq!(live_ledger.len(), 4);

    for rebuild_batch in [10_000, 2] {
        let runner = runner.clone().rebuild_batch_size(rebuild_batch);
        assert_eq!(
            runner.rebuild(applications::NAME).await.expect("rebuild"),
            appended
        );
        assert_eq!(
            runner.rebuild(grant_ledger::NAME).await.expect("rebuild"),
            appended
        );

        assert_eq!(
            applications::list(&db.pool, None, None, None)
                .await
                .expect("applications"),
            live_applications
        );
        assert_eq!(
            grant_ledger::list_by_round(&db.pool, ROUND)
                .await
                .expect("ledger"),
            live_ledger
        );
        assert_eq!(checkpoints(&runner).await, live_checkpoints);
        assert_eq!(runner.catch_up().await.expect("catch-up"), 0);
    }
}

#[tokio::test]
async fn rebuilt_read_models_equal_the_live_ones_on_sqlite() {
    rebuilt_read_models_equal_the_live_ones(Backend::Sqlite).await;
}

#[tokio::test]
async fn rebuilt_read_models_equal_the_live_ones_on_postgres() {
    rebuilt_read_models_equal_the_live_ones(Backend::Postgres).await;
}
