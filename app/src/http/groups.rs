//! Citizen groups: requests read (every unreadable value named at once), answers written; the use
//! cases are `crate::service::groups`'s.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_domain::group::registration::RegistrationForm;
use grants_domain::GroupId;
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;

use super::answers::Created;
use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Lenient, Path};
use super::AppState;
use crate::auth::Actor;
use crate::policy::Applicant;
use crate::service::group_read::{GroupListRow, GroupRead};
use crate::service::groups as service;

/// The body of `POST /api/v1/groups`: a group's registration, its contact details included.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = GroupRegistration)]
pub struct Registration {
    name: String,
    registration_number: String,
    representative_name: String,
    address: String,
    phone: String,
    email: String,
    #[schema(value_type = Date)]
    founded_on: Lenient<Date>,
    #[schema(value_type = u32)]
    member_count: Lenient<u32>,
    #[schema(value_type = u32)]
    resident_member_count: Lenient<u32>,
    purpose: String,
}

/// `POST /api/v1/groups`: an applicant registers a group and becomes its first member.
#[utoipa::path(
    post,
    path = "/api/v1/groups",
    operation_id = "groups_register",
    tag = "groups",
    summary = "団体の登録（登録者が構成員になる） / register a group; the caller becomes a member",
    request_body = Registration,
    responses((status = 201, description = "the group", body = Created)),
)]
pub async fn register(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Json(body): Json<Registration>,
) -> Result<impl IntoResponse, ApiError> {
    let form = RegistrationForm {
        name: body.name,
        registration_number: body.registration_number,
        representative_name: body.representative_name,
        address: body.address,
        phone: body.phone,
        email: body.email,
        founded_on: body.founded_on.0,
        member_count: body.member_count.0,
        resident_member_count: body.resident_member_count.0,
        purpose: body.purpose,
    };
    let input = service::Registration::read(form, context.now)?;
    let (group_id, executed) = service::register(&state, &context, &applicant, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: group_id.as_uuid(),
            position: executed.position,
        }),
    ))
}

/// `GET /api/v1/groups/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/groups/{id}",
    operation_id = "groups_get",
    tag = "groups",
    summary = "団体の参照 / a group (members, staff, auditors)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    responses((status = 200, description = "the group", body = GroupRead)),
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GroupId>,
) -> Result<impl IntoResponse, ApiError> {
    let group = service::read(&state, &actor, id).await?;
    Ok(Json(GroupRead::of(&group)))
}

/// `GET /api/v1/groups`: the groups the caller is a member of, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/groups",
    operation_id = "groups_list",
    tag = "groups",
    summary = "自分が構成員である団体の一覧 / the caller's groups",
    responses((status = 200, description = "the caller's groups", body = Vec<GroupListRow>)),
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<impl IntoResponse, ApiError> {
    let groups: Vec<_> = service::mine(&state, &actor)
        .await?
        .iter()
        .map(GroupListRow::of)
        .collect();
    Ok(Json(groups))
}
