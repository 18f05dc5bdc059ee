//! The parts of the grant read (`GET /api/v1/grants/{id}`) the grant pages act on, read once into
//! the domain's own types: what remains to pay, the advance requests with where each stands, and
//! the actions the grant's state allows. The pages show what these say; the rules behind them
//! (which request is open, which action is allowed) are the domain's.

use grants_domain::grant::{AdvanceRequest, AdvanceRequestStatus, GrantAction};
use grants_domain::Yen;
use serde::Deserialize;
use serde_json::Value;

/// The typed parts of one grant read; a part the answer lacks reads as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GrantRead {
    pub remaining_to_pay: Option<Yen>,
    pub advance_requests: Vec<AdvanceRequest>,
    pub allowed_actions: Vec<GrantAction>,
}

impl GrantRead {
    /// The typed parts of the API's answer (empty when it is not a grant read).
    pub fn of(grant: &Value) -> Self {
        Self::deserialize(grant).unwrap_or_default()
    }

    /// The advance requests that wait for staff to pay them, in the order made.
    pub fn open_advances(&self) -> impl Iterator<Item = &AdvanceRequest> {
        self.advance_requests
            .iter()
            .filter(|request| request.status == AdvanceRequestStatus::Open)
    }

    /// Whether the grant's state lets `action` be asked for now.
    pub fn allows(&self, action: GrantAction) -> bool {
        self.allowed_actions.contains(&action)
    }
}
