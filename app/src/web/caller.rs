//! The pages' way to the service layer: the session's signed-in actor, which every use case takes
//! as its caller ([`Web::caller`]), the reads the pages show through it ([`Reads`]), and a use
//! case's refusal as the pages show it (the same [`Problem`] the API's problem+json answer becomes,
//! so a page handles both alike).

use std::str::FromStr;

use crate::auth::AccountRow;
use crate::auth::Actor;
use crate::mail::Notices;
use crate::policy::{Reviewer, Staff};
use crate::service::application_read::ApplicationRead;
use crate::service::caller::{signed_in, Enrolment};
use crate::service::grant_list::{self, GrantFilter};
use crate::service::grant_read::{GrantRead, SettlementReportRead};
use crate::service::group_read::GroupListRow;
use crate::service::review_read::ReviewRead;
use crate::service::round_read::RoundRead;
use crate::service::{
    applications, decisions, grants, groups, promotions, reviews, rounds, ServiceError,
};
use crate::state::AppState;
use crate::web::problem::Problem;
use crate::web::Web;
use grants_domain::account::Role;
use grants_projections::applications::ApplicationRow;
use grants_projections::grant_ledger::ListedGrant;

impl Web {
    /// The actor signed in under the session's `token` (a problem with 401 once it has ended; 403
    /// for staff and auditors who must enrol a second factor first).
    pub async fn caller(&self, token: &str) -> Result<Actor, Problem> {
        Ok(signed_in(&self.state, token, Enrolment::Required).await?)
    }

    /// The actor signed in under `token`, before a second factor is enrolled (the enrolment and
    /// sign-out use cases, which staff and auditors reach before they enrol).
    pub async fn caller_enrolling(&self, token: &str) -> Result<Actor, Problem> {
        Ok(signed_in(&self.state, token, Enrolment::NotRequired).await?)
    }

    /// The reads of the service layer as the session's caller.
    pub async fn reads(&self, token: &str) -> Result<Reads<'_>, Problem> {
        Ok(Reads {
            state: &self.state,
            actor: Some(self.caller(token).await?),
        })
    }

    /// The reads of the service layer as the session's caller, once the read models have reached
    /// log position `at` (the position a command answered: read-your-writes), waiting at most as
    /// long as the API's `?min_position=` does.
    pub async fn reads_after(&self, token: &str, at: Option<i64>) -> Result<Reads<'_>, Problem> {
        if let Some(position) = at {
            let wait = crate::http::consistency::MAX_WAIT;
            if self
                .state
                .projections
                .wait_for(position, wait)
                .await
                .is_err()
            {
                tracing::debug!(position, "a page read before the read models reached it");
            }
        }
        self.reads(token).await
    }

    /// The reads of the service layer as the session's caller, or as the public without one.
    pub async fn reads_as(&self, token: Option<&str>) -> Result<Reads<'_>, Problem> {
        match token {
            Some(token) => self.reads(token).await,
            None => Ok(Reads {
                state: &self.state,
                actor: None,
            }),
        }
    }
}

/// The service layer's reads as one caller (or the public): each use case checks that the caller
/// may read what it asks for, exactly as for the API.
pub struct Reads<'a> {
    state: &'a AppState,
    actor: Option<Actor>,
}

impl Reads<'_> {
    /// The signed-in caller, or 401 for the public.
    fn actor(&self) -> Result<&Actor, ServiceError> {
        self.actor.as_ref().ok_or_else(ServiceError::unauthorized)
    }

    /// A grant's read (`/api/v1/grants/{id}`).
    pub async fn grant(&self, id: &str) -> Result<GrantRead, Problem> {
        Ok(grants::view(self.state, self.actor()?, path_id(id)?).await?)
    }

    /// A grant's settlement report with its files (`/api/v1/grants/{id}/settlement-report`).
    pub async fn settlement_report(&self, id: &str) -> Result<SettlementReportRead, Problem> {
        Ok(grants::settlement_report(self.state, self.actor()?, path_id(id)?).await?)
    }

    /// An application's read (`/api/v1/applications/{id}`).
    pub async fn application(&self, id: &str) -> Result<ApplicationRead, Problem> {
        let application = applications::read(self.state, self.actor()?, path_id(id)?).await?;
        Ok(ApplicationRead::of(&application))
    }

    /// A round's read (`/api/v1/rounds/{id}`), as anyone may read it.
    pub async fn round(&self, id: &str) -> Result<RoundRead, Problem> {
        Ok(rounds::view(self.state, self.actor.as_ref(), path_id(id)?).await?)
    }

    /// The caller's groups (`/api/v1/groups`).
    pub async fn my_groups(&self) -> Result<Vec<GroupListRow>, Problem> {
        let groups = groups::mine(self.state, self.actor()?).await?;
        Ok(groups.iter().map(GroupListRow::of).collect())
    }

    /// Every opened round, newest first, as the caller may read it (`/api/v1/rounds`).
    pub async fn rounds(&self) -> Result<Vec<RoundRead>, Problem> {
        let rounds = rounds::list(self.state).await?;
        Ok(rounds
            .iter()
            .map(|(id, round, settings)| {
                rounds::read_for(*id, round, settings, self.actor.as_ref())
            })
            .collect())
    }

    /// The applications the caller may list (`/api/v1/applications?round_id=&status=`).
    pub async fn applications(
        &self,
        filter: &applications::ListFilter,
    ) -> Result<Vec<ApplicationRow>, Problem> {
        Ok(applications::list(self.state, self.actor()?, filter).await?)
    }

    /// Every grant the caller may list that `filter` holds (`/api/v1/grants`, page after page).
    pub async fn grants(&self, filter: &GrantFilter) -> Result<Vec<ListedGrant>, Problem> {
        Ok(grant_list::all(self.state, self.actor()?, filter).await?)
    }

    /// Every account holding `role`, oldest first, for staff only (`/api/v1/users?role=`).
    pub async fn accounts(&self, role: Role) -> Result<Vec<AccountRow>, Problem> {
        Staff::admit(self.actor()?.clone())?;
        const PAGE: u32 = 1_000;
        let mut accounts: Vec<AccountRow> = Vec::new();
        loop {
            let after = accounts.last().map(|account| account.id.clone());
            let page =
                crate::auth::list_accounts(&self.state.db, Some(role), after.as_deref(), PAGE)
                    .await
                    .map_err(ServiceError::from)?;
            let full = page.len() == PAGE as usize;
            accounts.extend(page);
            if !full {
                return Ok(accounts);
            }
        }
    }

    /// The offers made to an application (`/api/v1/applications/{id}/offers`).
    pub async fn offers(&self, id: &str) -> Result<promotions::Offers, Problem> {
        Ok(promotions::of_application(self.state, self.actor()?, path_id(id)?).await?)
    }

    /// A round's ranking, fixed or a preview (`/api/v1/rounds/{id}/ranking`).
    pub async fn ranking(&self, id: &str) -> Result<decisions::Ranking, Problem> {
        Ok(decisions::ranking(self.state, self.actor()?, path_id(id)?).await?)
    }

    /// The caller's own scoresheet on an application (`/api/v1/applications/{id}/my-review`).
    pub async fn my_review(&self, id: &str) -> Result<ReviewRead, Problem> {
        let reviewer = Reviewer::admit(self.actor()?.clone())?;
        let review = reviews::mine(self.state, &reviewer, path_id(id)?).await?;
        Ok(ReviewRead::of(&review))
    }

    /// The caller's notices, read or unread (`/api/v1/notices`).
    pub async fn notices(&self) -> Result<Notices, Problem> {
        Ok(crate::mail::notices_of(&self.state.db, self.actor()?.user_id).await?)
    }

    /// Whether the caller's submissions wait for the proof of its address: the service requires
    /// one and the account's address is not proved yet.
    pub async fn email_unverified(&self) -> Result<bool, Problem> {
        if !self.state.require_verified_email {
            return Ok(false);
        }
        let account = crate::accounts::load(self.state, self.actor()?.user_id).await?;
        Ok(!account.is_some_and(|account| account.email_verified()))
    }
}

/// The id of a page's path: a path that names no id names nothing that exists.
pub fn path_id<T: FromStr>(text: &str) -> Result<T, ServiceError> {
    text.parse().map_err(|_| ServiceError::not_found())
}
