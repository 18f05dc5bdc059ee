//! An application's use cases before the decision: start a draft, save it, preview its maximum,
//! submit, withdraw, screen; read one or a list (rules 1 to 3).
//!
//! Each use case takes the caller (as a guard where only one role may act), typed input and the
//! request's [`CommandContext`]; it gathers the facts the command needs from other aggregates (the
//! round's terms and window, the group's standing, the group's earlier grants) and lets the
//! `Application` aggregate decide. Reading a form's fields is the adapters' part; [`DraftForm`]
//! turns what they read into [`ApplicationContent`], naming every unreadable field at once.

use grants_domain::account::Role;
use grants_domain::amount::{AmountError, AmountTerms};
use grants_domain::application::{
    Application, ApplicationCommand, ApplicationContent, Period, ScreeningChecks,
};
use grants_domain::budget::{BudgetOverflow, BudgetTotals};
use grants_domain::{
    ApplicationId, ApplicationStatus, ApplicationWindow, Budget, FieldRefusal, GroupId, RoundId,
    ScreeningOutcome, Yen,
};
use grants_projections::applications::ApplicationRow;

use super::error::unreadable;
use super::{load, CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::{
    own_application, seen_group, visible_application, Applicant, GroupHelper, Staff,
};
use crate::state::AppState;
use crate::store::{ActorRole, Executed};

/// Which applications a list holds.
#[derive(Debug, Default)]
pub struct ListFilter {
    /// Only this round's.
    pub round_id: Option<RoundId>,
    /// Only those in this status.
    pub status: Option<ApplicationStatus>,
}

/// The applications `actor` may see, oldest first: staff and auditors every one; applicants their
/// own groups'; reviewers those of the rounds whose committee they sit on that have reached review
/// (screened eligible or later, as `policy::visible_application` decides for one).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    filter: &ListFilter,
) -> Result<Vec<ApplicationRow>, ServiceError> {
    let pool = state.db.clone();
    let round = filter.round_id.map(|id| id.to_string());
    let status = filter.status.map(ApplicationStatus::as_str);
    let everything = crate::policy::oversees(actor);
    let groups: Option<Vec<String>> = if everything {
        None
    } else {
        let groups = crate::policy::acting_groups(state, actor).await?;
        Some(groups.iter().map(|group| group.id().to_string()).collect())
    };
    let list = |round: Option<String>, groups: Option<Vec<String>>| {
        let pool = pool.clone();
        async move {
            grants_projections::applications::list(
                &pool,
                round.as_deref(),
                status,
                groups.as_deref(),
            )
            .await
            .map_err(ServiceError::from)
        }
    };
    let mut rows = list(round.clone(), groups).await?;
    if !everything && actor.has(Role::Reviewer) {
        for round_id in crate::queries::round_ids(&state.db).await? {
            let id = round_id.to_string();
            if round.as_deref().is_some_and(|wanted| wanted != id) {
                continue;
            }
            let (committee_round, _) = load::round(state, round_id).await?;
            if committee_round.committee.contains(&actor.user_id) {
                let committee_rows = list(Some(id), None).await?;
                rows.extend(
                    committee_rows
                        .into_iter()
                        .filter(|row| row.status.has_reached_review()),
                );
            }
        }
        rows.sort_by(|a, b| a.application_id.cmp(&b.application_id));
        rows.dedup_by(|a, b| a.application_id == b.application_id);
    }
    Ok(rows)
}

/// An application its group's members, staff and auditors may read, and the round's committee once
/// it has reached review (except a member who declared a conflict); not found for anyone else.
pub async fn read(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
) -> Result<Application, ServiceError> {
    visible_application(state, actor, id).await
}

/// An application form as an adapter read it: the texts as typed, and `None` for a period, a budget
/// or an amount that could not be read (a date missing, a budget line with an unknown category or a
/// quantity that is not a number, an amount that is not a whole number of yen).
#[derive(Debug, Default)]
pub struct DraftForm {
    /// The project's title as typed.
    pub title: String,
    /// The project's summary (事業の概要) as typed.
    pub summary: String,
    /// The project's purpose (目的) as typed.
    pub purpose: String,
    /// Who the project serves (受益者), as typed.
    pub beneficiaries: String,
    /// The project period; `None` when a date is missing or unreadable.
    pub period: Option<Period>,
    /// The budget (収支予算); `None` when a line could not be read.
    pub budget: Option<Budget>,
    /// The amount requested in integer yen; `None` when it is not a whole number of yen.
    pub requested_amount: Option<Yen>,
}

const PERIOD_JA: &str = "事業期間の開始日と終了日を入力してください（例：2026-06-01）";
const PERIOD_EN: &str = "must hold a start and an end date such as 2026-06-01";
const BUDGET_JA: &str =
    "収支予算の各行で費目・種類を選び、数量・金額は0以上の整数で入力してください";
const BUDGET_EN: &str =
    "each budget line needs a known category or kind and whole numbers of 0 or more";
const AMOUNT_JA: &str = "補助金申請額は0以上の整数（円）で入力してください";
const AMOUNT_EN: &str = "must be a whole number of yen, 0 or more";

/// A plan's period that could not be read (the application's and a change request's).
pub fn unreadable_period() -> FieldRefusal {
    unreadable("period", PERIOD_JA, PERIOD_EN)
}

/// A plan's budget that could not be read (the application's and a change request's).
pub fn unreadable_budget() -> FieldRefusal {
    unreadable("budget", BUDGET_JA, BUDGET_EN)
}

impl DraftForm {
    /// The content the form stands for. A value that could not be read is refused together with
    /// every refusal of the domain's limits on the other fields, in the form's order; nothing is
    /// saved.
    pub fn content(self) -> Result<ApplicationContent, ServiceError> {
        let mut found: Vec<FieldRefusal> = Vec::new();
        if self.period.is_none() {
            found.push(unreadable_period());
        }
        if self.budget.is_none() {
            found.push(unreadable_budget());
        }
        if self.requested_amount.is_none() {
            found.push(unreadable("requested_amount", AMOUNT_JA, AMOUNT_EN));
        }
        // The limits do not judge the period or the amount requested; an unreadable budget is
        // judged as an empty one.
        let placeholder = Period {
            start: time::Date::MIN,
            end: time::Date::MIN,
        };
        let content = ApplicationContent {
            title: self.title,
            summary: self.summary,
            purpose: self.purpose,
            beneficiaries: self.beneficiaries,
            period: self.period.unwrap_or(placeholder),
            budget: self.budget.unwrap_or_default(),
            requested_amount: self.requested_amount.unwrap_or(Yen::ZERO),
        };
        if found.is_empty() {
            return Ok(content);
        }
        if let Err(refusal) = content.trimmed().check_limits() {
            found.extend(grants_domain::Refusal::each(&refusal));
        }
        found.sort_by_key(|one| {
            grants_domain::refusal::form_position(&ApplicationContent::FORM_FIELDS, one.field)
        });
        Err(ServiceError::invalid_fields(&found))
    }
}

/// A new draft: in which round, for which group, with what content.
#[derive(Debug)]
pub struct NewDraft {
    /// The round applied to.
    pub round_id: RoundId,
    /// The applying group.
    pub group_id: GroupId,
    /// The form's content as checked.
    pub content: ApplicationContent,
}

/// A member of the group starts a draft in an open round.
pub async fn start(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    input: NewDraft,
) -> Result<Executed<Application>, ServiceError> {
    let (group, (_, settings)) =
        load::group_and_round(state, input.group_id, input.round_id).await?;
    let group = seen_group(actor, group)?;
    if !group.is_member(actor.user_id) {
        // Staff see every group, but only its members apply for it.
        return Err(ServiceError::not_found());
    }
    let prior_grants =
        crate::queries::prior_grants(&state.db, input.group_id, &settings.course, input.round_id)
            .await?;
    let application_id: ApplicationId = context.new_id();
    let command = ApplicationCommand::StartDraft {
        application_id,
        round_id: input.round_id,
        group_id: input.group_id,
        group: group.standing(),
        prior_grants,
        max_grants_per_group: settings.max_grants_per_group,
        terms: settings.amount_terms(prior_grants),
        window: ApplicationWindow {
            opens_at: settings.opens_at,
            closes_at: settings.closes_at,
        },
        content: input.content,
        by: actor.user_id,
        at: context.now,
    };
    context
        .create(
            &state.stores.applications,
            application_id,
            command,
            actor,
            ActorRole::Applicant,
        )
        .await
}

/// The group saves its draft (the whole form), while it is a draft or returned for correction; a
/// coordinator it consented to may too (recorded as acting on its behalf).
pub async fn save(
    state: &AppState,
    context: &CommandContext,
    GroupHelper(actor): &GroupHelper,
    id: ApplicationId,
    content: ApplicationContent,
) -> Result<Executed<Application>, ServiceError> {
    let command = ApplicationCommand::SaveDraft {
        content,
        by: actor.user_id,
        at: context.now,
    };
    run_own(state, context, actor, id, command).await
}

/// Rule 3's maximum for a budget not yet saved, with the sums behind it.
#[derive(Debug)]
pub struct MaximumPreview {
    /// The maximum subsidy this budget would earn (`AmountTerms::max_subsidy`).
    pub maximum: Yen,
    /// The draft's terms (its rate was fixed when it started).
    pub terms: AmountTerms,
    /// The budget's sums (事業費総額, 補助対象経費, deductions, base).
    pub totals: BudgetTotals,
}

/// What the maximum would be for `budget` with the draft's own terms, computed exactly as
/// submission computes it. A query: it appends nothing.
pub async fn preview_maximum(
    state: &AppState,
    Applicant(actor): &Applicant,
    id: ApplicationId,
    budget: &Budget,
) -> Result<MaximumPreview, ServiceError> {
    let own = own_application(state, actor, id).await?;
    let terms = *own.state().terms().ok_or_else(ServiceError::not_found)?;
    let overflow =
        |_: BudgetOverflow| ServiceError::refused(&AmountError::Overflow(BudgetOverflow));
    Ok(MaximumPreview {
        maximum: terms.max_subsidy(budget).map_err(overflow)?,
        totals: budget.totals().map_err(overflow)?,
        terms,
    })
}

/// The group submits inside the window (an unverified address may not, while the service requires
/// verified ones); a coordinator only if the group allowed it (`Group::check_submission`).
pub async fn submit(
    state: &AppState,
    context: &CommandContext,
    GroupHelper(actor): &GroupHelper,
    id: ApplicationId,
) -> Result<Executed<Application>, ServiceError> {
    let own = own_application(state, actor, id).await?;
    own.group
        .check_submission(actor.user_id)
        .map_err(|refusal| ServiceError::refused(&refusal))?;
    crate::auth::verification::require_verified(state, actor.user_id).await?;
    let command = ApplicationCommand::Submit {
        group: own.group.standing(),
        by: actor.user_id,
        at: context.now,
    };
    let metadata = context.metadata_acting(actor, own.acting, own.group.id());
    context
        .run_loaded_with(&state.stores.applications, own.loaded, command, &metadata)
        .await
}

/// The group withdraws before the decision.
pub async fn withdraw(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: ApplicationId,
    reason: String,
) -> Result<Executed<Application>, ServiceError> {
    let command = ApplicationCommand::Withdraw {
        reason,
        by: actor.user_id,
        at: context.now,
    };
    run_own(state, context, actor, id, command).await
}

/// Staff screen a submitted application: eligible (with all three checks), ineligible or returned
/// for correction (with a reason).
pub async fn screen(
    state: &AppState,
    context: &CommandContext,
    Staff(actor): &Staff,
    id: ApplicationId,
    outcome: ScreeningOutcome,
    checks: Option<ScreeningChecks>,
) -> Result<Executed<Application>, ServiceError> {
    let application = load::existing_for_command(&state.stores.applications, id).await?;
    let command = ApplicationCommand::Screen {
        outcome,
        checks,
        by: actor.user_id,
        at: context.now,
    };
    context
        .run_loaded(
            &state.stores.applications,
            application,
            command,
            actor,
            ActorRole::Staff,
        )
        .await
}

/// Runs a command of the group's member on its own application.
async fn run_own(
    state: &AppState,
    context: &CommandContext,
    actor: &Actor,
    id: ApplicationId,
    command: ApplicationCommand,
) -> Result<Executed<Application>, ServiceError> {
    let own = own_application(state, actor, id).await?;
    let metadata = context.metadata_acting(actor, own.acting, own.group.id());
    context
        .run_loaded_with(&state.stores.applications, own.loaded, command, &metadata)
        .await
}
