//! Correcting a round after it opened (募集要項の訂正): staff send the corrected settings with a
//! reason; the round records which fields changed (`RoundCorrected`).
//!
//! What may change, and when:
//! - **Always** (with a reason): the title and the description (a typo), and the budget upwards
//!   (補正予算). The budget may fall only while no application exists, and never below what is
//!   already decided.
//! - **The closing of the window** may move later (an extension) until scoring closes; it may move
//!   earlier only while no application exists, and never to an instant already past.
//! - **Never**: the fiscal year and the course, which the read models file the round under (the
//!   count of a group's prior grants in the course relies on them).
//! - **Everything else** (opening of the window, cap, floor, rates, rounding
//!   unit, grants per group, criteria, pass line, advance cap, change threshold, settlement days
//!   and grace date) is frozen once any application exists. The issue speaks of a *submitted*
//!   application; this city freezes at the first *draft*, because a draft copies the amount terms
//!   when it starts (`settings.rs`), so a change after it would leave that draft on the old terms
//!   while later ones got the new. Staff who must change a frozen term close the round and open a
//!   new one.
//! - The app tells the round how many applications exist (`applications`), read from the log's
//!   directory just before the command; an application started in the instant between is the
//!   accepted race (it keeps the terms it copied, which were the old ones).
//! - A correction that changes nothing is refused, and the corrected settings must pass the same
//!   checks as at opening.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::errors::RoundError;
use super::events::RoundEvent;
use super::settings::{check_text, RoundSettings};
use super::Round;
use crate::ids::UserId;
use crate::text::Lines;

/// Longest reason for a correction, in characters.
pub const CORRECTION_REASON_MAX_CHARS: usize = 2_000;

/// One correction as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// The settings' fields that changed, by their API names.
    pub changed: Vec<String>,
    /// Staff's reason for the correction.
    pub reason: String,
    /// When staff corrected (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub corrected_at: OffsetDateTime,
}

/// The fields that differ between two settings, by their API names, in the settings' order.
pub fn changed_fields(before: &RoundSettings, after: &RoundSettings) -> Vec<&'static str> {
    let mut changed = Vec::new();
    macro_rules! compare {
        ($($field:ident),*) => {
            $(if before.$field != after.$field {
                changed.push(stringify!($field));
            })*
        };
    }
    compare!(
        fiscal_year,
        course,
        title,
        description,
        budget,
        cap,
        floor,
        rate_schedule,
        rounding_unit,
        max_grants_per_group,
        opens_at,
        closes_at,
        criteria,
        pass_ratio,
        advance_cap_ratio,
        change_threshold_ratio,
        settlement_days,
        settlement_grace_date
    );
    changed
}

impl Round {
    /// Staff correct the round's settings with a reason (see the module doc).
    pub(super) fn correct(
        &self,
        settings: RoundSettings,
        reason: &str,
        applications: u32,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<Vec<RoundEvent>, RoundError> {
        let current = self.opened()?;
        check_text(
            reason,
            "reason",
            CORRECTION_REASON_MAX_CHARS,
            true,
            Lines::Many,
        )?;
        let settings = settings.trimmed();
        let changed = changed_fields(current, &settings);
        if changed.is_empty() {
            return Err(RoundError::CorrectionUnchanged);
        }
        let any_application = applications > 0;
        for field in &changed {
            match *field {
                "title" | "description" => {}
                // The read models file rounds by course and fiscal year (the prior-grant count).
                "fiscal_year" | "course" => return Err(RoundError::NeverCorrected { field }),
                "budget" => {
                    if settings.budget < current.budget && any_application {
                        return Err(RoundError::SettingFrozen { field: "budget" });
                    }
                    let decided = self.decided_total();
                    if settings.budget < decided {
                        return Err(RoundError::BudgetBelowDecided {
                            budget: settings.budget,
                            decided,
                        });
                    }
                }
                "closes_at" => {
                    if self.is_scoring_closed() {
                        return Err(RoundError::ScoringAlreadyClosed);
                    }
                    if settings.closes_at < current.closes_at && any_application {
                        return Err(RoundError::SettingFrozen { field: "closes_at" });
                    }
                    if settings.closes_at <= at {
                        return Err(RoundError::ClosingInPast);
                    }
                }
                frozen => {
                    if any_application {
                        return Err(RoundError::SettingFrozen { field: frozen });
                    }
                }
            }
        }
        settings.validate()?;
        Ok(vec![RoundEvent::RoundCorrected {
            settings,
            changed: changed.into_iter().map(str::to_owned).collect(),
            reason: reason.trim().to_owned(),
            by,
            at,
        }])
    }
}
