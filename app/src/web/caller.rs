//! The pages' way to the service layer: the session's signed-in actor, which every use case takes
//! as its caller ([`Web::caller`]), the reads the pages show through it ([`Reads`]), and a use
//! case's refusal as the pages show it (the same [`Problem`] the API's problem+json answer becomes,
//! so a page handles both alike).

use std::str::FromStr;

use grants_domain::{ApplicationId, GrantId};

use crate::auth::Actor;
use crate::service::application_read::ApplicationRead;
use crate::service::caller::{signed_in, Enrolment};
use crate::service::grant_read::{GrantRead, SettlementReportRead};
use crate::service::{applications, grants, ServiceError};
use crate::state::AppState;
use crate::web::api::Problem;
use crate::web::Web;

impl Web {
    /// The actor signed in under the session's `token` (a problem with 401 once it has ended; 403
    /// for staff and auditors who must enrol a second factor first).
    pub async fn caller(&self, token: &str) -> Result<Actor, Problem> {
        Ok(signed_in(&self.state, token, Enrolment::Required).await?)
    }

    /// The reads of the service layer as the session's caller.
    pub async fn reads(&self, token: &str) -> Result<Reads<'_>, Problem> {
        Ok(Reads {
            state: &self.state,
            actor: self.caller(token).await?,
        })
    }
}

/// The service layer's reads as one signed-in caller: each use case checks that the caller may
/// read what it asks for, exactly as for the API.
pub struct Reads<'a> {
    state: &'a AppState,
    actor: Actor,
}

impl Reads<'_> {
    /// A grant's read (`/api/v1/grants/{id}`).
    pub async fn grant(&self, id: &str) -> Result<GrantRead, Problem> {
        Ok(grants::view(self.state, &self.actor, path_id(id)?).await?)
    }

    /// A grant's settlement report with its files (`/api/v1/grants/{id}/settlement-report`).
    pub async fn settlement_report(&self, id: &str) -> Result<SettlementReportRead, Problem> {
        Ok(grants::settlement_report(self.state, &self.actor, path_id(id)?).await?)
    }

    /// An application's read (`/api/v1/applications/{id}`).
    pub async fn application(&self, id: ApplicationId) -> Result<ApplicationRead, Problem> {
        let application = applications::read(self.state, &self.actor, id).await?;
        Ok(ApplicationRead::of(&application))
    }
}

/// The id of a page's path: a path that names no id names nothing that exists.
fn path_id<T: FromStr>(text: &str) -> Result<T, ServiceError> {
    text.parse().map_err(|_| ServiceError::not_found())
}

/// A grant's id in a page's path.
pub fn grant_id(text: &str) -> Result<GrantId, Problem> {
    Ok(path_id(text)?)
}

impl From<ServiceError> for Problem {
    fn from(error: ServiceError) -> Self {
        Problem {
            status: crate::http::error::status(error.kind),
            code: error.code.clone(),
            detail_ja: error.detail_ja.clone(),
            field: error.field.as_ref().map(|field| field.to_string()),
            errors: error
                .errors
                .iter()
                .flatten()
                .map(|one| (one.field.map(str::to_owned), one.message_ja.clone()))
                .collect(),
        }
    }
}
