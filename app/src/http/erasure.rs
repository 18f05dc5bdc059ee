//! Crypto-shredding (issue 19): staff erase a group's personal data at the end of its retention
//! period. The group records `PersonalDataErased` (who, when; no personal data) and the group's key
//! is destroyed (`crate::personal`): the sealed contact details stay in the log, so every hash,
//! signed head and proof still verifies, and read as 「削除済み」 everywhere.

use axum::extract::State;
use axum::response::IntoResponse;
use grants_domain::group::{GroupCommand, GroupError};
use grants_domain::GroupId;
use serde_json::json;

use super::context::CommandContext;
use super::error::{existing, ApiError};
use super::extract::{Json, Path};
use super::openapi as doc;
use super::AppState;
use crate::personal::{group_subject, Keys};
use crate::policy::Staff;
use crate::store::ActorRole;

/// `POST /api/v1/groups/{id}/personal-data/erasure`.
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/personal-data/erasure",
    operation_id = "groups_erase_personal_data",
    tag = "groups",
    summary = "団体の個人情報の削除 / staff erase a group's personal data (its key is destroyed)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    responses((status = 200, description = "erased", body = doc::PersonalDataErased)),
)]
pub async fn erase(
    State(state): State<AppState>,
    Staff(actor): Staff,
    context: CommandContext,
    Path(id): Path<GroupId>,
) -> Result<impl IntoResponse, ApiError> {
    let group = existing(&state.stores.groups, id).await?;
    let keys = Keys::new(&state.db);
    let subject = group_subject(id);
    if group.personal_data_erased() {
        // Asked again, e.g. after a crash between the event and the key's destruction: the key
        // goes now, and the caller learns that the erasure was done before.
        keys.destroy(&subject).await?;
        return Err(ApiError::refused(&GroupError::AlreadyErased));
    }
    let command = GroupCommand::ErasePersonalData {
        by: actor.user_id,
        at: context.now,
    };
    let executed = context
        .run(&state.stores.groups, id, command, &actor, ActorRole::Staff)
        .await?;
    keys.destroy(&subject).await?;
    Ok(Json(json!({ "id": id, "position": executed.position })))
}
