//! A group's member accounts (issue 18, item 4): the list with the representative, inviting an
//! address, accepting an invitation, removing a member and handing the representative's role over.
//! The use cases are `crate::service::members`'s; the rules the group aggregate's. Extensions of
//! api.md.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use grants_domain::{GroupId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::context::CommandContext;
use super::error::ApiError;
use super::extract::{Json, Path};
use super::AppState;
use crate::auth::Actor;
use crate::policy::Applicant;
use crate::service::members as service;
use crate::store::Position;

/// One member account.
#[derive(Serialize, ToSchema)]
pub struct MemberRow {
    #[schema(value_type = uuid::Uuid)]
    user_id: UserId,
    display_name: String,
    /// Whether this account represents the group (代表者).
    representative: bool,
}

/// An invitation not yet accepted nor expired.
#[derive(Serialize, ToSchema)]
pub struct PendingInvitation {
    email: String,
    /// RFC 3339, JST.
    expires_at: String,
}

/// A coordinator (中間支援) the group consented to.
#[derive(Serialize, ToSchema)]
pub struct CoordinatorRow {
    #[schema(value_type = uuid::Uuid)]
    user_id: UserId,
    display_name: String,
    /// Whether the group allows it to submit on its behalf.
    may_submit: bool,
}

/// A group's member accounts (the representative first), its open invitations and the
/// coordinators it consented to.
#[derive(Serialize, ToSchema)]
pub struct MemberList {
    #[schema(value_type = uuid::Uuid)]
    group_id: GroupId,
    group_name: String,
    #[schema(value_type = Option<uuid::Uuid>)]
    representative: Option<UserId>,
    members: Vec<MemberRow>,
    invitations: Vec<PendingInvitation>,
    coordinators: Vec<CoordinatorRow>,
}

/// `GET /api/v1/groups/{id}/members`.
#[utoipa::path(
    get,
    path = "/api/v1/groups/{id}/members",
    operation_id = "groups_members_list",
    tag = "groups",
    summary = "団体のメンバーと代表者、招待中のアドレス / a group's member accounts, its representative and open invitations (members, staff, auditors)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    responses((status = 200, description = "the members", body = MemberList)),
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GroupId>,
) -> Result<impl IntoResponse, ApiError> {
    let found = service::list(&state, &actor, id).await?;
    Ok(Json(MemberList {
        group_id: id,
        group_name: found.group.name().to_owned(),
        representative: found.group.representative(),
        members: found
            .members
            .into_iter()
            .map(|member| MemberRow {
                user_id: member.user_id,
                display_name: member.display_name,
                representative: member.representative,
            })
            .collect(),
        invitations: found
            .pending
            .into_iter()
            .map(|pending| PendingInvitation {
                email: pending.email,
                expires_at: super::jst(pending.expires_at),
            })
            .collect(),
        coordinators: found
            .coordinators
            .into_iter()
            .map(|coordinator| CoordinatorRow {
                user_id: coordinator.user_id,
                display_name: coordinator.display_name,
                may_submit: coordinator.may_submit,
            })
            .collect(),
    }))
}

/// The body of an invitation and of its withdrawal: the address concerned.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    /// The address to invite.
    email: String,
}

/// An invitation mailed.
#[derive(Serialize, ToSchema)]
pub struct InvitationSent {
    email: String,
    /// RFC 3339, JST: the link may be used until then, once.
    expires_at: String,
}

/// `POST /api/v1/groups/{id}/members/invitations`: mails a one-time link (7 days) to the address.
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/members/invitations",
    operation_id = "groups_members_invite",
    tag = "groups",
    summary = "メールアドレスを団体に招待 / invite an address to the group (members, staff)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    request_body = InvitationRequest,
    responses(
        (status = 202, description = "the link is mailed", body = InvitationSent),
        (status = 409, description = "deregistered or erased group, or the address's account is already a member (group.deregistered, group.erased, group.already_member)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a malformed address (group.malformed_email)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 429, description = "more than 20 invitations from the group within the hour (group.too_many_invitations)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn invite(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GroupId>,
    Json(body): Json<InvitationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let invited = service::invite(&state, &actor, id, &body.email).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(InvitationSent {
            email: invited.email,
            expires_at: super::jst(invited.expires_at),
        }),
    ))
}

/// Invitations withdrawn.
#[derive(Serialize, ToSchema)]
pub struct InvitationsWithdrawn {
    /// How many open invitations of the address were withdrawn (usually one).
    withdrawn: u64,
}

/// `POST /api/v1/groups/{id}/members/invitations/withdraw`: withdraws the open invitations of an
/// address (the address in the body, never in the URL: it would reach access logs).
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/members/invitations/withdraw",
    operation_id = "groups_members_withdraw_invitation",
    tag = "groups",
    summary = "招待の取消し / withdraw an open invitation (the representative, staff)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    request_body = InvitationRequest,
    responses(
        (status = 200, description = "withdrawn: the link now answers 410 group.invitation_withdrawn", body = InvitationsWithdrawn),
        (status = 409, description = "no open invitation of this address (group.no_open_invitation)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a member who is not the representative (group.not_representative)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn withdraw_invitation(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<GroupId>,
    Json(body): Json<InvitationRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let withdrawn = service::withdraw_invitation(&state, &actor, id, &body.email).await?;
    Ok(Json(InvitationsWithdrawn { withdrawn }))
}

/// The body of `POST /api/v1/groups/{id}/members/invitations/accept`: the mailed link's token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// The token of the mailed link.
    token: String,
}

/// The group's log position after a change of its members.
#[derive(Serialize, ToSchema)]
pub struct MembersChanged {
    #[schema(value_type = uuid::Uuid)]
    group_id: GroupId,
    #[schema(value_type = i64)]
    position: Position,
}

/// `POST /api/v1/groups/{id}/members/invitations/accept`: the signed-in applicant whose address was
/// invited joins the group; the link is then used.
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/members/invitations/accept",
    operation_id = "groups_members_accept",
    tag = "groups",
    summary = "招待を受けて団体のメンバーになる / accept an invitation (the invited address's account)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    request_body = Acceptance,
    responses(
        (status = 200, description = "the caller is a member", body = MembersChanged),
        (status = 409, description = "already a member, or the group deregistered or erased", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 410, description = "the link expired, was used or was withdrawn (group.invitation_expired, group.invitation_used, group.invitation_withdrawn)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "an unknown link (group.invitation_unknown) or another address's account (group.invitation_other_address)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn accept(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<GroupId>,
    Json(body): Json<Acceptance>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::accept(&state, &context, &applicant, id, &body.token).await?;
    Ok(Json(MembersChanged {
        group_id: id,
        position: executed.position,
    }))
}

/// `DELETE /api/v1/groups/{id}/members/{user_id}`: the representative removes a member account;
/// its access ends at once.
#[utoipa::path(
    delete,
    path = "/api/v1/groups/{id}/members/{user_id}",
    operation_id = "groups_members_remove",
    tag = "groups",
    summary = "メンバーの削除（代表者のみ） / remove a member account (the representative)",
    params(
        ("id" = uuid::Uuid, Path, description = "the group id"),
        ("user_id" = uuid::Uuid, Path, description = "the member's account"),
    ),
    responses(
        (status = 200, description = "removed", body = MembersChanged),
        (status = 409, description = "not a member (group.not_a_member)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "not the representative, the representative, or the last member (group.not_representative, group.representative_cannot_be_removed, group.last_member)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn remove(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path((id, user_id)): Path<(GroupId, UserId)>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::remove(&state, &context, &applicant, id, user_id).await?;
    Ok(Json(MembersChanged {
        group_id: id,
        position: executed.position,
    }))
}

/// `POST /api/v1/groups/{id}/members/{user_id}/representative`: the representative hands the role
/// to another member.
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/members/{user_id}/representative",
    operation_id = "groups_members_make_representative",
    tag = "groups",
    summary = "代表者の交代（代表者のみ） / hand the representative's role to another member",
    params(
        ("id" = uuid::Uuid, Path, description = "the group id"),
        ("user_id" = uuid::Uuid, Path, description = "the member who becomes the representative"),
    ),
    responses(
        (status = 200, description = "handed over", body = MembersChanged),
        (status = 409, description = "not a member, or already the representative (group.not_a_member, group.already_representative)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "the caller is not the representative (group.not_representative)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn make_representative(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path((id, user_id)): Path<(GroupId, UserId)>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::make_representative(&state, &context, &applicant, id, user_id).await?;
    Ok(Json(MembersChanged {
        group_id: id,
        position: executed.position,
    }))
}

/// The body of `POST /api/v1/groups/{id}/coordinators`: the coordinator the representative consents
/// to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The coordinator's account (role `coordinator`).
    #[schema(value_type = uuid::Uuid)]
    coordinator_id: UserId,
    /// Whether it may submit the group's applications and settlement reports.
    #[serde(default)]
    may_submit: bool,
}

/// `POST /api/v1/groups/{id}/coordinators`: the representative consents that a coordinator
/// (中間支援) reads the group's records and edits its drafts and settlement reports (and submits
/// them if `may_submit`); again with other terms, it replaces the consent.
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/coordinators",
    operation_id = "groups_coordinators_consent",
    tag = "groups",
    summary = "コーディネーター（中間支援）への同意（代表者のみ） / consent to a coordinator's help (the representative)",
    params(("id" = uuid::Uuid, Path, description = "the group id")),
    request_body = Consent,
    responses(
        (status = 200, description = "recorded", body = MembersChanged),
        (status = 409, description = "the same consent again (group.consent_unchanged)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "not the representative, or not a coordinator's account (group.not_representative, group.not_a_coordinator)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn consent(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path(id): Path<GroupId>,
    Json(body): Json<Consent>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::consent(
        &state,
        &context,
        &applicant,
        id,
        body.coordinator_id,
        body.may_submit,
    )
    .await?;
    Ok(Json(MembersChanged {
        group_id: id,
        position: executed.position,
    }))
}

/// `DELETE /api/v1/groups/{id}/coordinators/{user_id}`: the representative withdraws the consent;
/// the coordinator's access ends at once.
#[utoipa::path(
    delete,
    path = "/api/v1/groups/{id}/coordinators/{user_id}",
    operation_id = "groups_coordinators_withdraw",
    tag = "groups",
    summary = "コーディネーターへの同意の撤回（代表者のみ） / withdraw a coordinator's consent (the representative)",
    params(
        ("id" = uuid::Uuid, Path, description = "the group id"),
        ("user_id" = uuid::Uuid, Path, description = "the coordinator's account"),
    ),
    responses(
        (status = 200, description = "withdrawn", body = MembersChanged),
        (status = 409, description = "no such consent (group.no_consent)", body = super::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "not the representative (group.not_representative)", body = super::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    applicant: Applicant,
    context: CommandContext,
    Path((id, user_id)): Path<(GroupId, UserId)>,
) -> Result<impl IntoResponse, ApiError> {
    let executed = service::withdraw_consent(&state, &context, &applicant, id, user_id).await?;
    Ok(Json(MembersChanged {
        group_id: id,
        position: executed.position,
    }))
}
