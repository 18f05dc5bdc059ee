//! 繰上げ採択 (promotion, `grants_domain::round::promotion`): staff offer the budget that came back
//! to a round to the next passing application in rank order; its group accepts or declines. The
//! round decides who is next and how much; these use cases only read the candidates' applications.
//!
//! Accepting does not award: staff then decide the award like any other
//! (`super::decisions::decide`), which opens the grant through the decision follow-up, once. A
//! declined offer records the application as not adopted, as a declined runner-up offer does.

use grants_domain::fiscal_year::jst_date;
use grants_domain::round::{PromotionOffer, RoundCommand, RunnerUpOffer};
use grants_domain::{ApplicationId, ApplicationStatus, RoundId, Yen};

use super::decisions::{application_of_round, respond};
use super::rounds::run_as_staff;
use super::{load, CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::{Applicant, Staff};
use crate::state::AppState;

/// Staff offer the money that came back to the next passing application in rank order: the round
/// names the application and the amount (`min(requested, free budget)` rounded down to the rounding
/// unit), or refuses with the rule (fiscal year over, first decisions pending, an offer open,
/// nobody left, not enough budget). Answers the offer made and the position of its event.
pub async fn offer(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: RoundId,
) -> Result<(Option<PromotionOffer>, i64), ServiceError> {
    let round = load::existing_for_command(&state.stores.rounds, id).await?;
    // The candidates' eligibility is a fact of their applications: a withdrawn one is skipped.
    let mut withdrawn = Vec::new();
    for candidate in round.aggregate().promotion_candidates() {
        let application = load::existing(&state.stores.applications, candidate).await?;
        if application.status() != Some(ApplicationStatus::Eligible) {
            withdrawn.push(candidate);
        }
    }
    let next = round
        .aggregate()
        .next_promotion(jst_date(context.now), &withdrawn)
        .map_err(|error| ServiceError::refused(&error))?;
    let application = application_of_round(state, id, next.application_id).await?;
    let requested = application
        .aggregate()
        .content()
        .map_or(Yen::ZERO, |content| content.requested_amount);
    let command = RoundCommand::OfferPromotion {
        application_id: next.application_id,
        requested,
        withdrawn,
        by: actor.user_id,
        at: context.now,
    };
    let executed = run_as_staff(state, context, round, command, actor).await?;
    let offer = executed.state.promotion_of(next.application_id).cloned();
    Ok((offer, executed.position))
}

/// The promoted application's group accepts or declines by the offer's last day. Answers the offer
/// with its answer and the position of the last event appended (with the follow-up's).
pub async fn answer(
    state: &AppState,
    context: &CommandContext,
    applicant: &Applicant,
    id: RoundId,
    application_id: ApplicationId,
    accept: bool,
) -> Result<(Option<PromotionOffer>, i64), ServiceError> {
    let command = RoundCommand::RespondToPromotion {
        application_id,
        accept,
        by: applicant.0.user_id,
        at: context.now,
    };
    let (round, position) = respond(state, context, applicant, id, application_id, command).await?;
    Ok((round.promotion_of(application_id).cloned(), position))
}

/// Every offer an application may answer: its promotion offer and the remainder offered to it as
/// runner-up.
pub struct Offers {
    /// The round the application is in.
    pub round_id: RoundId,
    /// The promotion offer (繰上げ採択) to the application; null when none is open.
    pub promotion: Option<PromotionOffer>,
    /// The remainder offered to it as runner-up (次点の打診); null when none is open.
    pub runner_up: Option<RunnerUpOffer>,
}

/// The offers made to an application, for its group, staff and auditors; not found for anyone
/// else.
pub async fn of_application(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
) -> Result<Offers, ServiceError> {
    let application = load::existing(&state.stores.applications, id).await?;
    if !crate::policy::oversees(actor)
        && !crate::policy::is_member_of(state, actor, application.group_id()).await?
    {
        return Err(ServiceError::not_found());
    }
    let (round, _) = load::round(state, application.round_id()).await?;
    let promotion = round.promotion_of(id).cloned();
    let runner_up = round
        .ranking
        .and_then(|ranking| ranking.offer)
        .filter(|offer| offer.application_id == id);
    Ok(Offers {
        round_id: application.round_id(),
        promotion,
        runner_up,
    })
}
