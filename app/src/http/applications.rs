//! Applications: drafting, saving, submitting, screening, withdrawing and reading one.
//!
//! The handlers read requests (a form with every unreadable field named at once) and write answers;
//! the use cases are `crate::service::applications`'s.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_domain::application::{Application, ApplicationContent, Period};
use grants_domain::{ApplicationId, Budget, GroupId, RoundId, ScreeningOutcome, Yen};
use serde::Deserialize;
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Lenient, Path, Query};
use super::openapi as doc;
use super::AppState;
use crate::auth::Actor;
use crate::policy::{Applicant, GroupHelper, Staff};
use crate::service::application_read::ApplicationRead;
use crate::service::applications as service;
use crate::store::Executed;

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

impl Form {
    /// The content the form stands for, every unreadable field named at once
    /// ([`service::DraftForm::content`]).
    fn content(self) -> Result<ApplicationContent, ApiError> {
        let read = service::DraftForm {
            title: self.title,
            summary: self.summary,
            purpose: self.purpose,
            beneficiaries: self.beneficiaries,
            period: self.period.0,
            budget: self.budget.0,
            requested_amount: self.requested_amount.0,
        };
        read.content()
    }
}

/// The body of `POST /api/v1/applications`: a group starts a draft in a round.
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

/// The answer to a command on an application: its read, with the position of the last event.
fn answer(executed: &Executed<Application>) -> ApplicationRead {
    let mut read = ApplicationRead::of(&executed.state);
    read.position = Some(executed.position);
    read
}

/// The list's query (`?round_id=&status=`).
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
    responses((status = 200, description = "applications, oldest first", body = Vec<grants_projections::applications::ApplicationRow>)),
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(filter): Query<ListFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let filter = service::ListFilter {
        round_id: filter.round_id,
        status: filter.status,
    };
    Ok(Json(service::list(&state, &actor, &filter).await?))
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
/// `POST /api/v1/applications`: a group member starts a draft in an open round.
pub async fn start(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Json(body): Json<NewDraft>,
) -> Result<impl IntoResponse, ApiError> {
    let input = service::NewDraft {
        round_id: body.round_id,
        group_id: body.group_id,
        content: body.form.content()?,
    };
    let executed = service::start(&state, &context, &applicant, input).await?;
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
    let application = service::read(&state, &actor, id).await?;
    Ok(Json(ApplicationRead::of(&application)))
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
    applicant: GroupHelper,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(form): Json<Form>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::save(&state, &context, &applicant, id, form.content()?).await?;
    Ok(Json(answer(&executed)))
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
    applicant: Applicant,
    Path(id): Path<ApplicationId>,
    Json(budget): Json<Budget>,
) -> Result<impl IntoResponse, ApiError> {
    let preview = service::preview_maximum(&state, &applicant, id, &budget).await?;
    Ok(Json(MaximumPreview {
        maximum: preview.maximum,
        rate: preview.terms.rate,
        cap: preview.terms.cap,
        total_cost: preview.totals.total_cost,
        eligible_expenses: preview.totals.eligible_expenses,
        project_income: preview.totals.deductions,
        subsidy_base: preview.totals.subsidy_base,
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
    applicant: GroupHelper,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::submit(&state, &context, &applicant, id).await?;
    Ok(Json(answer(&executed)))
}

/// The body of `POST /api/v1/applications/{id}/withdraw`: the group's reason for withdrawing.
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
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(body): Json<Reason>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::withdraw(&state, &context, &applicant, id, body.reason).await?;
    Ok(Json(answer(&executed)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ScreeningOutcome)]
enum Outcome {
    Eligible,
    Ineligible,
    Returned,
}

/// The body of `POST /api/v1/applications/{id}/screening`: staff's screening outcome (形式審査).
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
    staff: Staff,
    context: CommandContext,
    Path(id): Path<ApplicationId>,
    Json(body): Json<Screening>,
) -> Result<impl IntoResponse, ApiError> {
    let outcome = match body.outcome {
        Outcome::Eligible => ScreeningOutcome::Eligible,
        Outcome::Ineligible => ScreeningOutcome::Ineligible {
            reason: body.reason,
        },
        Outcome::Returned => ScreeningOutcome::Returned {
            reason: body.reason,
        },
    };
    let executed = service::screen(&state, &context, &staff, id, outcome, body.checks).await?;
    Ok(Json(answer(&executed)))
}
