//! Crypto-shredding (issue 19): staff erase a group's or an account's personal data at the end of
//! its retention period (`crate::service::erasure`). The aggregate records `PersonalDataErased`
//! (who, when; no personal data) and the subject's key is destroyed (`crate::personal`): the sealed
//! fields stay in the log, so every hash, signed head and proof still verifies, and read
//! 「削除済み」 everywhere.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::{GroupId, UserId};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::policy::Staff;
use crate::service::erasure;
use crate::store::ActorRole;

/// The subject's personal data was erased (its key destroyed, `PersonalDataErased` recorded).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonalDataErased {
    /// The group's or the account's id.
    id: Uuid,
    /// The log position of the erasure event.
    position: i64,
}

/// `POST /api/v1/groups/{id}/personal-data/erasure`.
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/personal-data/erasure",
    operation_id = "groups_erase_personal_data",
    tag = "groups",
    summary = "団体の個人情報の削除 / staff erase a group's personal data (its key is destroyed)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    responses(
        (status = 200, description = "erased", body = PersonalDataErased),
        (status = 409, description = "already erased (group.already_erased)", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn erase(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GroupId>,
) -> Result<impl IntoResponse, ApiError> {
    let metadata = context.metadata_for(&actor, ActorRole::Staff);
    let position = erasure::erase_group(&state, id, &metadata).await?;
    Ok(Json(PersonalDataErased {
        id: id.as_uuid(),
        position,
    }))
}

/// `POST /api/v1/users/{id}/personal-data/erasure`.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/personal-data/erasure",
    operation_id = "accounts_erase_personal_data",
    tag = "accounts",
    summary = "アカウントの個人情報の削除 / staff erase an account's personal data (its address and name; its key is destroyed and it can no longer sign in)",
    params(("id" = uuid::Uuid, Path, description = "the account's user id")),
    responses(
        (status = 200, description = "erased", body = PersonalDataErased),
        (status = 409, description = "already erased (account.already_erased)", body = doc::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn erase_account(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<UserId>,
) -> Result<impl IntoResponse, ApiError> {
    let metadata = context.metadata_for(&actor, ActorRole::Staff);
    let position = erasure::erase_account(&state, id, &metadata).await?;
    Ok(Json(PersonalDataErased {
        id: id.as_uuid(),
        position,
    }))
}
