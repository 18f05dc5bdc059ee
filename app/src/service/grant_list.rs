//! The grants as a list (`grant_ledger` read model): staff and auditors see every grant; applicants
//! their own groups' grants (and a coordinator those of the groups that consented to it), as the
//! applications list shows them their own applications; reviewers none.

use grants_domain::grant::GrantStatus;
use grants_domain::RoundId;
use grants_projections::grant_ledger::{GrantQuery, ListedGrant, MAX_PAGE};

use super::ServiceError;
use crate::auth::Actor;
use crate::state::AppState;

/// Which grants a list holds.
#[derive(Debug, Default)]
pub struct GrantFilter {
    /// Only grants in this status.
    pub status: Option<GrantStatus>,
    /// Only this round's grants.
    pub round_id: Option<RoundId>,
    /// Only grants with an advance request waiting for staff to pay it.
    pub open_advance: bool,
}

impl GrantFilter {
    /// The status as the read model stores it (its snake_case name).
    pub fn status_code(&self) -> Option<String> {
        self.status.map(|status| {
            serde_json::to_value(status)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
    }
}

/// One page of the grants `actor` may see, in grant id order (oldest decision first), after the
/// grant `after`, at most `limit` of them.
pub async fn page(
    state: &AppState,
    actor: &Actor,
    filter: &GrantFilter,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<ListedGrant>, ServiceError> {
    let groups = crate::policy::grant_list_groups(state, actor).await?;
    let status = filter.status_code();
    let round = filter.round_id.map(|id| id.to_string());
    let query = GrantQuery {
        status: status.as_deref(),
        round_id: round.as_deref(),
        group_ids: groups.as_deref(),
        open_advance: filter.open_advance,
        after,
        limit,
    };
    Ok(grants_projections::grant_ledger::list(&state.db, &query).await?)
}

/// Every grant `actor` may see that the filter holds, page after page.
pub async fn all(
    state: &AppState,
    actor: &Actor,
    filter: &GrantFilter,
) -> Result<Vec<ListedGrant>, ServiceError> {
    let mut grants: Vec<ListedGrant> = Vec::new();
    loop {
        let after = grants.last().map(|grant| grant.ledger.grant_id.clone());
        let next = page(state, actor, filter, after.as_deref(), MAX_PAGE).await?;
        let full = next.len() == MAX_PAGE as usize;
        grants.extend(next);
        if !full {
            return Ok(grants);
        }
    }
}
