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
        self.status.map(|status| status.as_str().to_owned())
    }
}

/// The ledger query's values for a caller and a filter (the query borrows them).
struct Scope {
    groups: Option<Vec<String>>,
    status: Option<String>,
    round: Option<String>,
    open_advance: bool,
}

impl Scope {
    async fn of(
        state: &AppState,
        actor: &Actor,
        filter: &GrantFilter,
    ) -> Result<Self, ServiceError> {
        Ok(Scope {
            groups: crate::policy::grant_list_groups(state, actor).await?,
            status: filter.status_code(),
            round: filter.round_id.map(|id| id.to_string()),
            open_advance: filter.open_advance,
        })
    }

    fn query<'a>(&'a self, after: Option<&'a str>, limit: u32) -> GrantQuery<'a> {
        GrantQuery {
            status: self.status.as_deref(),
            round_id: self.round.as_deref(),
            group_ids: self.groups.as_deref(),
            open_advance: self.open_advance,
            after,
            limit,
        }
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
    let scope = Scope::of(state, actor, filter).await?;
    Ok(grants_projections::grant_ledger::list(&state.db, &scope.query(after, limit)).await?)
}

/// Every grant `actor` may see that the filter holds, page after page.
pub async fn all(
    state: &AppState,
    actor: &Actor,
    filter: &GrantFilter,
) -> Result<Vec<ListedGrant>, ServiceError> {
    let scope = Scope::of(state, actor, filter).await?;
    every(state, scope.query(None, MAX_PAGE)).await
}

/// Every grant of the ledger that `query` holds (its `after` and `limit` aside), page after page.
pub async fn every(
    state: &AppState,
    query: GrantQuery<'_>,
) -> Result<Vec<ListedGrant>, ServiceError> {
    let mut grants: Vec<ListedGrant> = Vec::new();
    loop {
        let after = grants.last().map(|grant| grant.ledger.grant_id.clone());
        let page_query = GrantQuery {
            after: after.as_deref(),
            limit: MAX_PAGE,
            ..query
        };
        let next = grants_projections::grant_ledger::list(&state.db, &page_query).await?;
        let full = next.len() == MAX_PAGE as usize;
        grants.extend(next);
        if !full {
            return Ok(grants);
        }
    }
}
