//! What must hold of a log after faults: every read model equals its rebuild, and the service has
//! caught up with the log. Shared by the crash test and the fault suite.

use std::time::{Duration, Instant};

use grants_projections::{
    applications, audit_chain, awards, directory, grant_ledger, merkle_store, work_items,
    year_figures, LogPool,
};
use serde_json::{json, Value};

/// Every projection's rows, in a comparable form.
pub async fn read_models(pool: &LogPool) -> Value {
    let awards = awards::list(pool, &awards::AwardQuery::default())
        .await
        .unwrap();
    let applications = applications::list(pool, None, None, None).await.unwrap();
    let mut rounds: Vec<String> = applications
        .iter()
        .map(|row| row.round_id.clone())
        .collect();
    rounds.sort();
    rounds.dedup();
    let mut ledger = Vec::new();
    for round in &rounds {
        ledger.extend(grant_ledger::list_by_round(pool, round).await.unwrap());
    }
    let chain = audit_chain::hashes_between(pool, 0, i64::MAX)
        .await
        .unwrap();
    let mut chain: Vec<(i64, String)> = chain.into_iter().collect();
    chain.sort();
    let size = merkle_store::tree_size(pool).await.unwrap();
    let tree = merkle_store::root(pool, size)
        .await
        .unwrap()
        .map(|root| (size, grants_verifier::to_hex(&root)));
    let directory = directory::rows(pool).await.unwrap();
    let figures = year_figures::figures(pool, None).await.unwrap();
    let work_items = work_items::list(pool).await.unwrap();
    json!({"awards": awards, "applications": applications, "ledger": ledger, "chain": chain,
        "tree": tree, "directory": directory, "figures": figures, "work_items": work_items})
}

/// How many events the log holds.
pub async fn events(pool: &LogPool) -> i64 {
    grants_projections::on_pool!(pool, pool => sqlx::query_scalar::<_, i64>("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await
        .unwrap())
}

/// Waits until /readyz says every projection has caught up with the log.
pub async fn caught_up(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
            let body: Value = response.json().await.unwrap_or_default();
            let lags = body["projections"].as_array().cloned().unwrap_or_default();
            if !lags.is_empty() && lags.iter().all(|lag| lag["behind_events"] == 0) {
                return;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "projections did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
