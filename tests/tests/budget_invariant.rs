//! The budget invariant of issue 14, on both backends: at rest (every process manager caught up), a
//! round's decided total equals what its grants hold, after an interleaving of decisions, raises and
//! cuts (some racing for the same money), rejected changes, withdrawals, finalisations and
//! cancellations. What a grant holds on its round: nothing once withdrawn, its finalised amount once
//! finalised below the decided amount, its decided amount otherwise (a cancellation keeps it:
//! `Grant::budget_freed_by`).
//!
//! The interleavings come from a fixed seed per run of a small generator, so a failure is
//! reproducible; each step may be refused (4xx) but never fails (5xx). Two steps run at once.

use grants_tests::scenario::{fiscal_year_end, form, step_up_round, today_jst};
use grants_tests::{on_both_backends, process, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use time::Duration;

/// A tiny deterministic generator (SplitMix64), enough to vary the steps.
struct Steps(u64);

impl Steps {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below
    }
}

struct Grant {
    id: String,
    member: String,
}

fn budget(total_cost: i64) -> Value {
    json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 0}],
        "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": total_cost}],
    })
}

fn report(eligible: i64) -> Value {
    json!({
        "income": [{"kind": "project_income", "description": "参加費", "amount": 0}],
        "expenses": [{"category": "rentals", "item": "会場使用料", "quantity": 1, "unit_price": eligible,
                      "receipt_date": today_jst(), "receipt_number": "R-001"}],
        "outcomes": "予定どおり実施した。",
        "participants": 40,
    })
}

/// Sends and checks that the service refused or accepted, never failed.
async fn attempt(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Option<Value> {
    let answer = app.send(method, path, Some(token), body.as_ref()).await;
    assert!(
        answer.status < 500,
        "{path}: {} {:?}",
        answer.status,
        answer.body
    );
    (answer.status < 300).then_some(answer.body)
}

/// The group asks to change its plan to `total_cost`, and staff decide with `new_amount`.
async fn change(app: &TestApp, staff: &str, grant: &Grant, total_cost: i64, decision: Value) {
    let path = format!("/api/v1/grants/{}", grant.id);
    let period = json!({"start": today_jst(), "end": fiscal_year_end()});
    let body =
        json!({"reason": "計画を見直したため", "budget": budget(total_cost), "period": period});
    let Some(asked) = attempt(
        app,
        Method::POST,
        &format!("{path}/change-requests"),
        &grant.member,
        Some(body),
    )
    .await
    else {
        return;
    };
    if let Some(change) = asked["change_request_id"].as_str() {
        let decide = format!("{path}/change-requests/{change}/decision");
        if attempt(app, Method::POST, &decide, staff, Some(decision))
            .await
            .is_none()
        {
            // Refused (the budget ran out meanwhile, say): staff then turn the request down.
            let reject = json!({"approved": false, "reason": "予算の残りがないため"});
            attempt(app, Method::POST, &decide, staff, Some(reject)).await;
        }
    }
}

async fn step(app: &TestApp, staff: &str, grant: &Grant, choice: u64, amount: i64) {
    let path = format!("/api/v1/grants/{}", grant.id);
    match choice {
        0..=5 => {
            let decision =
                json!({"approved": true, "new_amount": amount, "reason": "計画に合わせて変更"});
            change(app, staff, grant, amount, decision).await;
        }
        6 | 7 => {
            let decision = json!({"approved": false, "reason": "目的が変わるため"});
            change(app, staff, grant, amount, decision).await;
        }
        8 => {
            let body = json!({"reason": "活動を続けられなくなったため"});
            attempt(
                app,
                Method::POST,
                &format!("{path}/withdraw"),
                &grant.member,
                Some(body),
            )
            .await;
        }
        9 => {
            let body = json!({"reason": "補助の条件に違反したため", "refund_amount": 0});
            attempt(
                app,
                Method::POST,
                &format!("{path}/cancellation"),
                staff,
                Some(body),
            )
            .await;
        }
        _ => {
            let report_path = format!("{path}/settlement-report");
            attempt(
                app,
                Method::PUT,
                &report_path,
                &grant.member,
                Some(report(amount)),
            )
            .await;
            attempt(
                app,
                Method::POST,
                &format!("{report_path}/submit"),
                &grant.member,
                None,
            )
            .await;
            let accept = json!({"outcome": "accepted"});
            attempt(
                app,
                Method::POST,
                &format!("{report_path}/review"),
                staff,
                Some(accept),
            )
            .await;
        }
    }
}

/// What a grant holds on its round, from its read.
fn held(grant: &Value) -> i64 {
    let decided = grant["decided_amount"].as_i64().unwrap();
    if grant["status"] == "withdrawn" {
        return 0;
    }
    grant["finalised_amount"]
        .as_i64()
        .map_or(decided, |finalised| finalised.min(decided))
}

async fn run(app: TestApp, seed: u64) {
    let cast = app.cast(1).await;
    let round = app
        // Long enough for four groups to register and apply on a loaded machine.
        .open_round(&cast, &step_up_round(1_000_000, Duration::seconds(10)))
        .await;
    let mut applications = Vec::new();
    let mut members = Vec::new();
    for n in 0..4 {
        let member = app.applicant(&format!("member{n}@example.jp")).await;
        let group = app.register_group(&member, &format!("会{n}")).await;
        let (application, _) = app
            .eligible_application(&cast, &member, &round, &group, &form(200_000, 0, 200_000))
            .await;
        app.score(&cast, &application, &[45], &[]).await;
        applications.push(application);
        members.push(member);
    }
    app.close_and_rank(&cast, &round).await;
    let mut grants = Vec::new();
    for (application, member) in applications.iter().zip(members) {
        let id = app.award(&cast, &round, application, 200_000).await;
        grants.push(Grant { id, member });
    }

    let mut steps = Steps(seed);
    for _ in 0..12 {
        // Two steps at once, so that raises race for the same remainder; when both fall on one
        // grant, a cut and a raise race on it (seed 1796184821170656464 once showed the raise
        // approved on top of the cut: the grant's reservation check, `ReservationOutdated`).
        let (a, b) = (steps.next(4) as usize, steps.next(4) as usize);
        let (choice_a, choice_b) = (steps.next(12), steps.next(12));
        let amount_a = 100_000 + steps.next(40) as i64 * 10_000;
        let amount_b = 100_000 + steps.next(40) as i64 * 10_000;
        tokio::join!(
            step(&app, &cast.staff, &grants[a], choice_a, amount_a),
            step(&app, &cast.staff, &grants[b], choice_b, amount_b),
        );
    }

    process::caught_up(&app, grants_app::process::change::NAME).await;
    process::caught_up(&app, grants_app::process::release::NAME).await;
    let mut total = 0;
    for grant in &grants {
        let read = app
            .call(
                Method::GET,
                &format!("/api/v1/grants/{}", grant.id),
                &cast.staff,
                None,
                200,
            )
            .await;
        total += held(&read);
    }
    let mut seen = Vec::new();
    for event_type in [
        "ChangeReserved",
        "ChangeReservationCancelled",
        "ChangeApproved",
        "AwardReleased",
        "GrantWithdrawn",
        "AmountFinalised",
        "GrantCancelled",
    ] {
        seen.push(format!(
            "{event_type} {}",
            process::count_events(&app, event_type).await
        ));
    }
    eprintln!("seed {seed}: {}", seen.join(", "));
    let round = app.get(&format!("/api/v1/rounds/{round}")).await.body;
    if round["decided_total"].as_i64().unwrap() != total {
        // The round's and the grants' histories, to see which step broke the invariant.
        eprintln!("{}", process::dump_events(&app, "round").await);
        eprintln!("{}", process::dump_events(&app, "grant").await);
    }
    assert_eq!(
        round["decided_total"].as_i64().unwrap(),
        total,
        "seed {seed}: the round holds what its grants hold"
    );
    assert!(round["decided_total"].as_i64().unwrap() <= 1_000_000);
}

on_both_backends!(
    at_rest_a_round_holds_what_its_grants_hold,
    |app: TestApp| async move {
        // A seed of this run, printed so that a failure can be replayed.
        let seed = std::env::var("GRANTS_INVARIANT_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64);
        eprintln!("budget invariant seed: {seed} (GRANTS_INVARIANT_SEED to replay)");
        run(app, seed).await;
    }
);
