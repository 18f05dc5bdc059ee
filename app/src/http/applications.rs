//! Applications: drafting, saving, submitting, screening, withdrawing and reading one.
//!
//! The handlers gather the facts a command needs from other aggregates (the round's terms and window,
//! the group's standing, the group's earlier grants) and let the `Application` aggregate decide.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_domain::account::Role;
use grants_domain::application::{Application, ApplicationCommand, ApplicationContent, Period};
use grants_domain::{
    ApplicationId, ApplicationWindow, Budget, GroupId, Refusal, RoundId, ScreeningOutcome, Yen,
};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{unreadable, Json, Lenient, Path, Query};
use super::openapi as doc;
use super::rounds::load_round;
use super::AppState;
use crate::auth::Actor;
use crate::http::error::existing_for_command;
use crate::policy::{own_application, visible_application, visible_group, Applicant, Owned, Staff};
use crate::store::{ActorRole, Executed, Loaded};

/// The form as the API carries it (api.md).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApplicationForm)]
pub struct Form {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    beneficiaries: String,
    #[schema(value_type = doc::Period)]
    period: Lenient<Period>,
    #[serde(default)]
    #[schema(value_type = doc::Budget)]
    budget: Lenient<Budget>,
    #[schema(value_type = doc::Yen)]
    requested_amount: Lenient<Yen>,
}

const PERIOD_JA: &str = "事業期間の開始日と終了日を入力してください（例：2026-06-01）";
const PERIOD_EN: &str = "must hold a start and an end date such as 2026-06-01";
const BUDGET_JA: &str =
    "収支予算の各行で費目・種類を選び、数量・金額は0以上の整数で入力してください";
const BUDGET_EN: &str =
    "each budget line needs a known category or kind and whole numbers of 0 or more";
const AMOUNT_JA: &str = "補助金申請額は0以上の整数（円）で入力してください";
const AMOUNT_EN: &str = "must be a whole number of yen, 0 or more";

impl Form {
    /// The content the form stands for. A value that could not be read (a period without dates,
    /// a budget line with an unknown category or a non-numeric amount, a negative amount) is
    /// refused together with every refusal of the domain's limits on the other fields, in the
    /// form's order; nothing is saved.
    fn content(self) -> Result<ApplicationContent, ApiError> {
        let mut found = Vec::new();
        if self.period.0.is_none() {
            found.push(unreadable("period", PERIOD_JA, PERIOD_EN));
        }
        if self.budget.0.is_none() {
            found.push(unreadable("budget", BUDGET_JA, BUDGET_EN));
        }
        if self.requested_amount.0.is_none() {
            found.push(unreadable("requested_amount", AMOUNT_JA, AMOUNT_EN));
        }
        let read = !found.is_empty();
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
            period: self.period.0.unwrap_or(placeholder),
            budget: self.budget.0.unwrap_or_default(),
            requested_amount: self.requested_amount.0.unwrap_or(Yen::ZERO),
        };
        if !read {
            return Ok(content);
        }
        if let Err(refusal) = content.trimmed().check_limits() {
            found.extend(refusal.each());
        }
        found.sort_by_key(|one| {
            grants_domain::refusal::form_position(&ApplicationContent::FORM_FIELDS, one.field)
        });
        Err(ApiError::invalid_fields(&found))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraft {
    #[schema(value_type = uuid::Uuid)]
    round_id: RoundId,
    #[schema(value_type = uuid::Uuid)]
    group_id: GroupId,
    #[serde(flatten)]
    form: Form,
}

/// The answer to a command on an application.
fn answer(executed: &Executed<Application>) -> Value {
    let mut body = application_json(&executed.state);
    body["position"] = json!(executed.position);
    body
}

/// An application as its readers see it.
pub fn application_json(application: &Application) -> Value {
    let content = application.content();
    json!({
        "id": application.id(),
        "receipt_number": grants_domain::application::receipt_number(application.id()),
        "round_id": application.round_id(),
        "group_id": application.group_id(),
        "status": application.status(),
        "title": content.map(|c| c.title.as_str()),
        "summary": content.map(|c| c.summary.as_str()),
        "purpose": content.map(|c| c.purpose.as_str()),
        "beneficiaries": content.map(|c| c.beneficiaries.as_str()),
        "period": content.map(|c| c.period),
        "budget": content.map(|c| &c.budget),
        "requested_amount": content.map(|c| c.requested_amount),
        "max_amount": application.max_amount(),
        "rate": application.terms().map(|terms| terms.rate),
        "submitted_at": application.submitted_at().map(crate::http::jst),
        "returned_reason": application.returned_reason(),
        "closing_reason": application.closing_reason(),
        "grant_id": application.grant_id(),
        "awarded_amount": application.awarded_amount(),
        "amount_warning": application
            .status()
            .filter(|status| status.is_editable())
            .and_then(|_| application.amount_warning())
            .map(|warning| {
                json!({
                    "field": warning.field(),
                    "code": warning.code(),
                    "detail_ja": warning.message_ja(),
                    "detail_en": warning.message_en(),
                })
            }),
        "attachments": super::attachments::attachments_json(application),
        "screening_checks": application.screening_checks().map(|record| json!({
            "members": record.checks.members,
            "residents": record.checks.residents,
            "rules": record.checks.rules,
            "note": record.checks.note,
            "by": record.by,
            "at": crate::http::jst(record.at),
        })),
    })
}

/// `POST /api/v1/applications`: a group member starts a draft in an open round.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// Only this round's applications.
    #[param(value_type = Option<uuid::Uuid>)]
    round_id: Option<RoundId>,
    /// Only applications in this status (draft, submitted, returned, eligible, ...).
    #[param(value_type = Option<doc::ApplicationStatus>)]
    status: Option<grants_domain::ApplicationStatus>,
}

/// `GET /api/v1/applications?round_id=&status=`: staff and auditors see every application;
/// applicants their own groups'; reviewers those of the rounds whose committee they sit on that have
/// reached review (screened eligible or later).
#[utoipa::path(
    get,
    path = "/api/v1/applications",
    operation_id = "applications_list",
    tag = "applications",
    summary = "申請の一覧 / applications by round and status",
    params(ListFilter),
    responses((status = 200, description = "applications, oldest first", body = Vec<doc::ApplicationListRow>)),
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(filter): Query<ListFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let pool = state.db.log_pool();
    let round = filter.round_id.map(|id| id.to_string());
    let status = filter.status.map(|status| {
        serde_json::to_value(status)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    let everything = crate::policy::oversees(&actor);
    let mut rows = if everything {
        list_rows(&pool, round.as_deref(), status.as_deref(), None).await?
    } else {
        let groups: Vec<String> = crate::queries::groups_of(&state.db, actor.user_id)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect();
        list_rows(&pool, round.as_deref(), status.as_deref(), Some(&groups)).await?
    };
    if !everything && actor.has(Role::Reviewer) {
        for round_id in crate::queries::round_ids(&state.db).await? {
            let on_round = round
                .as_deref()
                .is_none_or(|wanted| wanted == round_id.to_string());
            let (committee_round, _) = load_round(&state, round_id).await?;
            if on_round && committee_round.committee.contains(&actor.user_id) {
                let id = round_id.to_string();
                let committee_rows = list_rows(&pool, Some(&id), status.as_deref(), None).await?;
                rows.extend(committee_rows.into_iter().filter(reached_review));
            }
        }
        rows.sort_by(|a, b| a.application_id.cmp(&b.application_id));
        rows.dedup_by(|a, b| a.application_id == b.application_id);
    }
    Ok(Json(rows))
}

/// Whether a row's application has reached review: the committee sees no other (as
/// `policy::visible_application` decides for one application).
fn reached_review(row: &grants_projections::applications::ApplicationRow) -> bool {
    row.status.has_reached_review()
}

async fn list_rows(
    pool: &grants_projections::LogPool,
    round: Option<&str>,
    status: Option<&str>,
    groups: Option<&[String]>,
) -> Result<Vec<grants_projections::applications::ApplicationRow>, ApiError> {
    grants_projections::applications::list(pool, round, status, groups)
        .await
        .map_err(ApiError::from)
}

#[utoipa::path(
    post,
    path = "/api/v1/applications",
    operation_id = "applications_start",
    tag = "applications",
    summary = "申請書の作成（下書き） / start a draft",
    request_body = NewDraft,
    responses((status = 201, description = "the draft", body = doc::ApplicationRead)),
)]
pub async fn start(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Json(body): Json<NewDraft>,
) -> Result<impl IntoResponse, ApiError> {
    let group = visible_group(&state, &actor, body.group_id).await?;
    if !group.is_member(actor.user_id) {
        // Staff see every group, but only its members apply for it.
        return Err(ApiError::not_found());
    }
    let (_, settings) = load_round(&state, body.round_id).await?;
    let prior_grants =
        crate::queries::prior_grants(&state.db, body.group_id, &settings.course, body.round_id)
            .await?;
    let application_id: ApplicationId = context.new_id();
    let command = ApplicationCommand::StartDraft {
        application_id,
        round_id: body.round_id,
        group_id: body.group_id,
        group: group.standing(),
        prior_grants,
        max_grants_per_group: settings.max_grants_per_group,
        terms: settings.amount_terms(prior_grants),
        window: ApplicationWindow {
            opens_at: settings.opens_at,
            closes_at: settings.closes_at,
        },
        content: body.form.content()?,
        by: actor.user_id,
        at: context.now,
    };
    let executed = context
        .create(
            &state.stores.applications,
            application_id,
            command,
            &actor,
            ActorRole::Applicant,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(answer(&executed))))
}

/// `GET /api/v1/applications/{id}`: its group's members, staff and auditors; the round's committee
/// once it has reached review (screened eligible or later), except a member who declared a
/// conflict. Anyone else gets 404.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{id}",
    operation_id = "applications_get",
    tag = "applications",
    summary = "申請の参照 / an application (its group, staff, auditors; the committee once screened eligible)",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    responses((status = 200, description = "the application", body = doc::ApplicationRead)),
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<ApplicationId>,
) -> Result<impl IntoResponse, ApiError> {
    let application = visible_application(&state, &actor, id).await?;
    Ok(Json(application_json(&application)))
}

async fn run(
    state: &AppState,
    application: Loaded<Application>,
    command: ApplicationCommand,
    context: &CommandContext,
    actor: &Actor,
    role: ActorRole,
) -> Result<Json<Value>, ApiError> {
    let executed = context
        .run_loaded(
            &state.stores.applications,
            application,
            command,
            actor,
            role,
        )
        .await?;
    Ok(Json(answer(&executed)))
}

/// [`run`] for a member of the application's group, on the application `own_application` loaded.
async fn run_own(
    state: &AppState,
    own: Owned<Application>,
    command: ApplicationCommand,
    context: &CommandContext,
    actor: &Actor,
) -> Result<Json<Value>, ApiError> {
    run(
        state,
        own.loaded,
        command,
        context,
        actor,
        ActorRole::Applicant,
    )
    .await
}

/// `PATCH /api/v1/applications/{id}`: save the draft (the whole form).
#[utoipa::path(
    patch,
    path = "/api/v1/applications/{id}",
    operation_id = "applications_save",
    tag = "applications",
    summary = "下書きの保存（下書き・差戻し中のみ） / save the draft (the whole form)",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    request_body = Form,
    responses((status = 200, description = "the application", body = doc::ApplicationRead)),
)]
pub async fn save(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(form): Json<Form>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_application(&state, &actor, id).await?;
    let command = ApplicationCommand::SaveDraft {
        content: form.content()?,
        by: actor.user_id,
        at: context.now,
    };
    run_own(&state, own, command, &context, &actor).await
}

/// Rule 3's maximum for a budget not yet saved, computed exactly as submission computes it.
#[derive(serde::Serialize, ToSchema)]
pub struct MaximumPreview {
    /// The maximum subsidy this budget would earn (`AmountTerms::max_subsidy`).
    #[schema(value_type = doc::Yen)]
    maximum: Yen,
    /// The rate fixed when the draft started (by the group's earlier grants).
    #[schema(value_type = doc::Ratio)]
    rate: grants_domain::Ratio,
    /// The course's cap.
    #[schema(value_type = doc::Yen)]
    cap: Yen,
    /// Every expense, eligible or not (事業費総額).
    #[schema(value_type = doc::Yen)]
    total_cost: Yen,
    /// Expenses in eligible categories (補助対象経費).
    #[schema(value_type = doc::Yen)]
    eligible_expenses: Yen,
    /// Project income plus other subsidies (事業収入・他の補助金).
    #[schema(value_type = doc::Yen)]
    project_income: Yen,
    /// `eligible_expenses - project_income`, never below zero.
    #[schema(value_type = doc::Yen)]
    subsidy_base: Yen,
}

/// `POST /api/v1/applications/{id}/maximum`: what the maximum would be for this budget, with the
/// draft's own terms. A query: it appends no event and changes nothing (docs/decisions.md).
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/maximum",
    operation_id = "applications_preview_maximum",
    tag = "applications",
    summary = "補助上限額の試算（保存しない） / the maximum for a budget, without saving",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    request_body = doc::Budget,
    responses((status = 200, description = "the maximum and the sums behind it", body = MaximumPreview)),
)]
pub async fn preview_maximum(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    Path(id): Path<ApplicationId>,
    Json(budget): Json<Budget>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_application(&state, &actor, id).await?;
    let terms = *own.state().terms().ok_or_else(ApiError::not_found)?;
    let overflow = |_| {
        ApiError::refused(&grants_domain::amount::AmountError::Overflow(
            grants_domain::budget::BudgetOverflow,
        ))
    };
    let totals = budget.totals().map_err(overflow)?;
    let maximum = terms.max_subsidy(&budget).map_err(overflow)?;
    Ok(Json(MaximumPreview {
        maximum,
        rate: terms.rate,
        cap: terms.cap,
        total_cost: totals.total_cost,
        eligible_expenses: totals.eligible_expenses,
        project_income: totals.deductions,
        subsidy_base: totals.subsidy_base,
    }))
}

/// `POST /api/v1/applications/{id}/submit`.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/submit",
    operation_id = "applications_submit",
    tag = "applications",
    summary = "申請の提出 / submit inside the window",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    responses((status = 200, description = "the application", body = doc::ApplicationRead)),
)]
pub async fn submit(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_application(&state, &actor, id).await?;
    crate::auth::verification::require_verified(&state, actor.user_id).await?;
    let command = ApplicationCommand::Submit {
        group: own.group.standing(),
        by: actor.user_id,
        at: context.now,
    };
    run_own(&state, own, command, &context, &actor).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ApplicationWithdrawal)]
pub struct Reason {
    reason: String,
}

/// `POST /api/v1/applications/{id}/withdraw`.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/withdraw",
    operation_id = "applications_withdraw",
    tag = "applications",
    summary = "申請の取下げ / withdraw before the decision",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    request_body = Reason,
    responses((status = 200, description = "the application", body = doc::ApplicationRead)),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    Applicant(actor): Applicant,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(body): Json<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let own = own_application(&state, &actor, id).await?;
    let command = ApplicationCommand::Withdraw {
        reason: body.reason,
        by: actor.user_id,
        at: context.now,
    };
    run_own(&state, own, command, &context, &actor).await
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ScreeningOutcome)]
enum Outcome {
    Eligible,
    Ineligible,
    Returned,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    outcome: Outcome,
    #[serde(default)]
    reason: String,
    /// What was checked (members, residents, the group's rules); all three to accept.
    #[serde(default)]
    #[schema(value_type = Option<doc::ScreeningChecks>)]
    checks: Option<grants_domain::application::ScreeningChecks>,
}

/// `POST /api/v1/applications/{id}/screening`: staff screen a submitted application.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{id}/screening",
    operation_id = "applications_screen",
    tag = "applications",
    summary = "形式審査 / staff screen a submitted application",
    params(("id" = uuid::Uuid, Path, description = "the application id")),
    request_body = Screening,
    responses((status = 200, description = "the application", body = doc::ApplicationRead)),
)]
pub async fn screen(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(body): Json<Screening>,
) -> Result<impl IntoResponse, ApiError> {
    let application = existing_for_command(&state.stores.applications, id).await?;
    let outcome = match body.outcome {
        Outcome::Eligible => ScreeningOutcome::Eligible,
        Outcome::Ineligible => ScreeningOutcome::Ineligible {
            reason: body.reason,
        },
        Outcome::Returned => ScreeningOutcome::Returned {
            reason: body.reason,
        },
    };
    let command = ApplicationCommand::Screen {
        outcome,
        checks: body.checks,
        by: actor.user_id,
        at: context.now,
    };
    run(
        &state,
        application,
        command,
        &context,
        &actor,
        ActorRole::Staff,
    )
    .await
}
