//! A group's member accounts (issue 18, item 4): who they are and who represents the group, inviting
//! an address by a mailed one-time link (`crate::auth::invitation`), accepting it, removing a member
//! and handing the representative's role over. The rules (who may remove or hand over, the last
//! member, a deregistered or erased group) are the `Group` aggregate's; access ends at once on
//! removal because every check of a group's objects asks the group (`crate::policy`).

use grants_domain::account::Role;
use grants_domain::group::registration::check_email;
use grants_domain::group::{Group, GroupCommand, GroupError};
use grants_domain::{GroupId, UserId};

use super::load::existing;
use super::{CommandContext, ServiceError};
use crate::auth::invitation::{self, Invitation, Pending};
use crate::auth::Actor;
use crate::policy::{oversees, visible_group, Applicant};
use crate::state::AppState;
use crate::store::{ActorRole, Executed, Loaded};
use crate::with_pool;

/// One member account of a group.
#[derive(Debug, Clone)]
pub struct Member {
    /// The member's account.
    pub user_id: UserId,
    /// The name the account shows.
    pub display_name: String,
    /// Whether this member is the group's representative (代表者).
    pub representative: bool,
}

/// A coordinator (中間支援) the group consented to.
#[derive(Debug, Clone)]
pub struct Coordinator {
    /// The coordinator's account.
    pub user_id: UserId,
    /// The name the account shows.
    pub display_name: String,
    /// Whether the group lets the coordinator submit as well as edit (leave to submit).
    pub may_submit: bool,
}

/// A group's member accounts (the representative first, then by name), the invitations still
/// open and the coordinators it consented to.
#[derive(Debug, Clone)]
pub struct Members {
    /// The group.
    pub group: Group,
    /// The member accounts, the representative first, then by name.
    pub members: Vec<Member>,
    /// The invitations mailed and not yet accepted, withdrawn or expired.
    pub pending: Vec<Pending>,
    /// The coordinators the group consented to.
    pub coordinators: Vec<Coordinator>,
}

/// The group's members and open invitations, for its members, staff and auditors.
pub async fn list(state: &AppState, actor: &Actor, id: GroupId) -> Result<Members, ServiceError> {
    let group = visible_group(state, actor, id).await?;
    let representative = group.representative();
    let mut members = Vec::new();
    for user_id in group.members() {
        members.push(Member {
            user_id,
            display_name: display_name(state, user_id).await?,
            representative: representative == Some(user_id),
        });
    }
    members.sort_by(|a, b| {
        b.representative
            .cmp(&a.representative)
            .then_with(|| a.display_name.cmp(&b.display_name))
    });
    let pending = invitation::pending(&state.db, id, state.clock.now()).await?;
    let mut coordinators = Vec::new();
    for (user_id, may_submit) in group.coordinators() {
        coordinators.push(Coordinator {
            user_id,
            display_name: display_name(state, user_id).await?,
            may_submit,
        });
    }
    Ok(Members {
        group,
        members,
        pending,
        coordinators,
    })
}

/// An account's name as the directory holds it (「削除済み」 once erased).
async fn display_name(state: &AppState, user_id: UserId) -> Result<String, ServiceError> {
    let name: Option<String> = with_pool!(&state.db, pool => sqlx::query_scalar(
        "SELECT display_name FROM credentials WHERE user_id = $1",
    )
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?);
    Ok(name.unwrap_or_default())
}

/// The live account with this address, if there is one.
async fn account_with(state: &AppState, email: &str) -> Result<Option<UserId>, ServiceError> {
    let id: Option<String> = with_pool!(&state.db, pool => sqlx::query_scalar(
        "SELECT user_id FROM credentials WHERE email = $1 AND erased_at IS NULL",
    )
    .bind(invitation::normalised(email))
    .fetch_optional(pool)
    .await?);
    id.map(|id| id.parse().map_err(ServiceError::internal))
        .transpose()
}

/// The signed-in account's own address.
async fn own_address(state: &AppState, user_id: UserId) -> Result<String, ServiceError> {
    let email: Option<String> = with_pool!(&state.db, pool => sqlx::query_scalar(
        "SELECT email FROM credentials WHERE user_id = $1 AND erased_at IS NULL",
    )
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?);
    email.ok_or_else(ServiceError::unauthorized)
}

/// An invitation mailed: to whom and until when (the link itself only in the mail).
pub struct Invited {
    /// The address invited (trimmed, lower case).
    pub email: String,
    /// When the link expires (UTC).
    pub expires_at: time::OffsetDateTime,
}

/// A member of the group, or staff, invites an address: a one-time link is mailed to it. Auditors
/// may read but not invite (403); anyone else is told the group does not exist.
pub async fn invite(
    state: &AppState,
    actor: &Actor,
    id: GroupId,
    email: &str,
) -> Result<Invited, ServiceError> {
    let group = existing(&state.stores.groups, id).await?;
    let staff = actor.has(Role::Staff);
    if !staff && !group.is_member(actor.user_id) {
        // Auditors and the group's coordinators see the group but invite nobody.
        let sees = oversees(actor) || group.acting(actor.user_id).is_some();
        return Err(if sees {
            ServiceError::forbidden()
        } else {
            ServiceError::not_found()
        });
    }
    group
        .check_invitation()
        .map_err(|refusal| ServiceError::refused(&refusal))?;
    let email = invitation::normalised(email);
    check_email(&email).map_err(|refusal| ServiceError::refused(&refusal).with_field("email"))?;
    if let Some(user_id) = account_with(state, &email).await? {
        if group.is_member(user_id) {
            return Err(ServiceError::refused(&GroupError::AlreadyMember).with_field("email"));
        }
    }
    state
        .invitation_limiter
        .attempt(id, std::time::Instant::now())
        .map_err(ServiceError::too_many_invitations)?;
    let now = state.clock.now();
    let token = invitation::issue(&state.db, id, &email, actor.user_id, now).await?;
    let link = format!(
        "{}/groups/{id}/join?token={token}",
        state.mail.public_url.trim_end_matches('/')
    );
    let (subject, text) = crate::mail::templates::invitation(
        group.name(),
        &actor.display_name,
        &link,
        invitation::LIFETIME.whole_days(),
        &state.city_name,
        &state.contact,
    );
    let sender = state.clone();
    let to = email.clone();
    tokio::spawn(async move {
        if let Err(error) = crate::mail::sender::send_now(&sender, &to, subject, text).await {
            // Neither the address nor the link in the log line.
            tracing::warn!(%error, group_id = %id, "an invitation mail could not be sent");
        }
    });
    Ok(Invited {
        email,
        expires_at: now + invitation::LIFETIME,
    })
}

/// The representative, or staff, withdraws the group's open invitations of `email` (the address
/// as the members' list shows it); the link then says it was withdrawn. Other members are refused
/// by the group's rule (`group.not_representative`); auditors and the group's coordinators see
/// the group but change nothing (403); anyone else is told it does not exist. An address with no
/// open invitation is a conflict (`group.no_open_invitation`).
pub async fn withdraw_invitation(
    state: &AppState,
    actor: &Actor,
    id: GroupId,
    email: &str,
) -> Result<u64, ServiceError> {
    let group = existing(&state.stores.groups, id).await?;
    if !actor.has(Role::Staff) {
        if !group.is_member(actor.user_id) {
            let sees = oversees(actor) || group.acting(actor.user_id).is_some();
            return Err(if sees {
                ServiceError::forbidden()
            } else {
                ServiceError::not_found()
            });
        }
        group
            .check_invitation_withdrawal(actor.user_id)
            .map_err(|refusal| ServiceError::refused(&refusal))?;
    }
    let withdrawn =
        invitation::withdraw(&state.db, id, email, actor.user_id, state.clock.now()).await?;
    if withdrawn == 0 {
        return Err(ServiceError::conflict(
            "group.no_open_invitation",
            "このメールアドレスへの招待中のリンクはありません（受諾・期限切れ・取消しのいずれか）",
            "there is no open invitation of this address (accepted, expired or withdrawn)",
        )
        .with_field("email"));
    }
    Ok(withdrawn)
}

/// What an invitation link is, for the page it lands on (without using it).
pub async fn look_up(
    state: &AppState,
    id: GroupId,
    token: &str,
) -> Result<(Group, Invitation), ServiceError> {
    let group = existing(&state.stores.groups, id).await?;
    let found = invitation::check(&state.db, id, token, state.clock.now()).await?;
    Ok((group, found))
}

/// The invited applicant, signed in with the invited address, accepts: the account becomes a
/// member of the group and the link is used.
pub async fn accept(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GroupId,
    token: &str,
) -> Result<Executed<Group>, ServiceError> {
    // An unknown group is not found, whatever the link.
    existing(&state.stores.groups, id).await?;
    let now = state.clock.now();
    let found = invitation::check(&state.db, id, token, now).await?;
    let Invitation::Valid { email } = found else {
        return Err(invitation::refusal(&found));
    };
    if own_address(state, actor.user_id).await? != email {
        return Err(invitation::other_address());
    }
    let command = GroupCommand::AddMember {
        user_id: actor.user_id,
        by: actor.user_id,
        at: context.now,
    };
    let executed = context
        .run(
            &state.stores.groups,
            id,
            command,
            actor,
            ActorRole::Applicant,
        )
        .await?;
    if !invitation::claim(&state.db, token, actor.user_id, now).await? {
        // Used by a request racing this one, which the group then refused as already a member;
        // or this is a retry of the same request (the idempotency layer answers that one).
        tracing::info!(group_id = %id, "an invitation was claimed by another request first");
    }
    Ok(executed)
}

/// The group the applicant acts on as a member, loaded for the command: 404 for anyone else.
async fn own_group(
    state: &AppState,
    actor: &Actor,
    id: GroupId,
) -> Result<Loaded<Group>, ServiceError> {
    let loaded = state.stores.groups.load_for_command(id).await?;
    match loaded.state() {
        Some(group) if group.is_member(actor.user_id) => Ok(loaded),
        _ => Err(ServiceError::not_found()),
    }
}

/// The representative removes a member account; its access to the group's records ends at once.
pub async fn remove(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GroupId,
    user_id: UserId,
) -> Result<Executed<Group>, ServiceError> {
    let loaded = own_group(state, actor, id).await?;
    let command = GroupCommand::RemoveMember {
        user_id,
        by: actor.user_id,
        at: context.now,
    };
    run_as_member(state, context, actor, loaded, command).await
}

/// The representative hands the role to another member account.
pub async fn make_representative(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GroupId,
    user_id: UserId,
) -> Result<Executed<Group>, ServiceError> {
    let loaded = own_group(state, actor, id).await?;
    let command = GroupCommand::MakeRepresentative {
        user_id,
        by: actor.user_id,
        at: context.now,
    };
    run_as_member(state, context, actor, loaded, command).await
}

/// The representative consents that a coordinator (中間支援) helps the group: it may read the
/// group's records and save its drafts and settlement reports, and submit them when `may_submit`.
/// Consenting again with other terms replaces the consent.
pub async fn consent(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GroupId,
    coordinator: UserId,
    may_submit: bool,
) -> Result<Executed<Group>, ServiceError> {
    let loaded = own_group(state, actor, id).await?;
    let is_coordinator = crate::accounts::load(state, coordinator)
        .await?
        .is_some_and(|account| account.roles.contains(&Role::Coordinator));
    let command = GroupCommand::ConsentCoordinator {
        coordinator,
        is_coordinator,
        may_submit,
        by: actor.user_id,
        at: context.now,
    };
    run_as_member(state, context, actor, loaded, command).await
}

/// The representative withdraws a coordinator's consent: its access ends at once.
pub async fn withdraw_consent(
    state: &AppState,
    context: &CommandContext,
    Applicant(actor): &Applicant,
    id: GroupId,
    coordinator: UserId,
) -> Result<Executed<Group>, ServiceError> {
    let loaded = own_group(state, actor, id).await?;
    let command = GroupCommand::WithdrawCoordinatorConsent {
        coordinator,
        by: actor.user_id,
        at: context.now,
    };
    run_as_member(state, context, actor, loaded, command).await
}

/// Runs a member's (or the representative's) `command` on the group `own_group` loaded; the
/// domain decides whether this member may.
async fn run_as_member(
    state: &AppState,
    context: &CommandContext,
    actor: &crate::auth::Actor,
    loaded: crate::store::Loaded<Group>,
    command: GroupCommand,
) -> Result<Executed<Group>, ServiceError> {
    context
        .run_loaded(
            &state.stores.groups,
            loaded,
            command,
            actor,
            ActorRole::Applicant,
        )
        .await
}
