//! The round read: a round as anyone may read it (an open call, 募集要項), with its budget position
//! and corrections; staff and auditors also see the committee. Built from the aggregate in one
//! place; its OpenAPI schema is derived from these types. Instants are written in JST.

use grants_domain::round::{Round, RoundSettings};
use grants_domain::{RoundId, UserId, Yen};
use serde::Serialize;
use utoipa::ToSchema;

use super::jst;

/// A round and its settings.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoundRead {
    /// The round.
    pub id: RoundId,
    /// The settings as opened and corrected (flattened into this object).
    #[serde(flatten)]
    pub settings: RoundSettings,
    /// Whether staff closed scoring, after which the ranking may be fixed.
    pub scoring_closed: bool,
    /// What the budget holds for awards, in integer yen.
    pub decided_total: Yen,
    /// What remains of the budget for further awards, in integer yen.
    pub remaining_budget: Yen,
    /// Every correction of the settings after opening, in order (募集要項の訂正).
    pub corrections: Vec<CorrectionRead>,
    /// Staff and auditors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committee: Option<Vec<UserId>>,
    /// Present on the answer to a command: the log position of its last event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

/// One correction of a round's settings after opening (募集要項の訂正).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = RoundCorrectionRecord)]
pub struct CorrectionRead {
    /// The settings' fields that changed, by their API names.
    pub changed: Vec<String>,
    /// Staff's reason for the correction.
    pub reason: String,
    /// When staff corrected it, in JST.
    #[schema(value_type = String, format = DateTime)]
    pub corrected_at: String,
}

impl RoundRead {
    /// The read of round `id`; `insider` (staff, auditors) also sees the committee.
    pub fn of(id: RoundId, round: &Round, settings: &RoundSettings, insider: bool) -> Self {
        RoundRead {
            id,
            settings: settings.clone(),
            scoring_closed: round.is_scoring_closed(),
            decided_total: round.decided_total(),
            remaining_budget: round.remaining_budget(),
            corrections: round
                .corrections
                .iter()
                .map(|correction| CorrectionRead {
                    changed: correction.changed.clone(),
                    reason: correction.reason.clone(),
                    corrected_at: jst(correction.corrected_at),
                })
                .collect(),
            committee: insider.then(|| round.committee.to_vec()),
            position: None,
        }
    }
}
