//! Who may call what: the role each route requires, checked before anything of the request is read.
//!
//! A route names its guard in its signature (`Staff(actor): Staff`, read by `crate::http::caller`), so the role check runs as an
//! extractor, before the path's object is loaded and before the body is parsed: a caller without the
//! role gets 401 (not signed in) or 403 (wrong role), never a hint about the body's shape. Whether the
//! caller may touch one particular object (their own group's application, their committee's round) is
//! decided with the object, below in this module, and answers 404 so that nobody learns what exists.
//!
//! | role | may |
//! |---|---|
//! | applicant | register groups, draft/submit/withdraw their groups' applications, act on their groups' grants; invite to their groups, accept an invitation to their address; the representative removes members and hands the role over |
//! | reviewer | read, declare conflicts on and score their committees' applications once screened eligible; rankings once unsealed |
//! | staff | everything except scoring and a group's membership (they may invite, not remove) |
//! | coordinator | (中間支援) for a group that consented: read it, its applications and grants; save its drafts and settlement reports; submit them only if the group allowed it |
//! | auditor | read everything, change nothing |
//! | public | open calls, the public list, sign-up and sign-in |
//!
//! A coordinator reaches a group's objects through the group's consent (`Group::acting`), which
//! [`Owned::acting`] carries to the use case: it records the command as the coordinator's on
//! behalf of the group, and submission asks `Group::check_submission`.

use grants_domain::account::Role;
use grants_domain::group::Acting;

use grants_domain::review::review_id;
use grants_domain::round::{Round, RoundSettings};
use grants_domain::{
    Application, ApplicationId, ApplicationStatus, Grant, GrantId, Group, GroupId, RoundId,
};

use crate::auth::Actor;
use crate::service::load::{existing, found_for_command};
use crate::service::ServiceError;
use crate::state::AppState;
use crate::store::Loaded;

macro_rules! guard {
    ($(#[$doc:meta])* $name:ident, [$($role:expr),+]) => {
        $(#[$doc])*
        pub struct $name(pub Actor);

        impl $name {
            /// The roles this guard admits.
            pub const ROLES: &'static [Role] = &[$($role),+];

            /// The caller, if one of its roles admits it; forbidden otherwise.
            pub fn admit(actor: Actor) -> Result<Self, ServiceError> {
                if Self::ROLES.iter().any(|role| actor.has(*role)) {
                    Ok($name(actor))
                } else {
                    Err(ServiceError::forbidden())
                }
            }
        }
    };
}

guard!(
    /// City staff (市民協働推進課).
    Staff,
    [Role::Staff]
);
guard!(
    /// A member of a citizen group.
    Applicant,
    [Role::Applicant]
);
guard!(
    /// Who may work on a group's drafts and settlement reports: its members, and coordinators
    /// (中間支援) with its consent (checked with the object).
    GroupHelper,
    [Role::Applicant, Role::Coordinator]
);
guard!(
    /// A review committee member (審査委員).
    Reviewer,
    [Role::Reviewer]
);
guard!(
    /// Those who read the whole history: auditors and staff.
    Overseer,
    [Role::Auditor, Role::Staff]
);

// ---------------------------------------------------------------------------------------------
// Objects: who may see or act on this group, application, grant or round. A caller who may not
// learn that the object exists gets 404, exactly as for an unknown id.

/// Whether the actor is a member of the group.
pub async fn is_member_of(
    state: &AppState,
    actor: &Actor,
    group: GroupId,
) -> Result<bool, ServiceError> {
    let group = state.stores.groups.load(group).await?;
    Ok(group.is_some_and(|group| group.is_member(actor.user_id)))
}

/// Whether the actor acts for the group: a member, or a coordinator it consented to.
pub async fn acts_for(
    state: &AppState,
    actor: &Actor,
    group: GroupId,
) -> Result<bool, ServiceError> {
    let group = state.stores.groups.load(group).await?;
    Ok(group.is_some_and(|group| group.acting(actor.user_id).is_some()))
}

/// Staff and auditors see every object (and every field of a round, such as its committee).
pub fn oversees(actor: &Actor) -> bool {
    actor.has(Role::Staff) || actor.has(Role::Auditor)
}

/// A group its members, staff and auditors may see.
pub async fn visible_group(
    state: &AppState,
    actor: &Actor,
    id: GroupId,
) -> Result<Group, ServiceError> {
    seen_group(actor, existing(&state.stores.groups, id).await?)
}

/// [`visible_group`] for a group already loaded: itself, or not found for a caller who may not
/// see it.
pub fn seen_group(actor: &Actor, group: Group) -> Result<Group, ServiceError> {
    if oversees(actor) || group.acting(actor.user_id).is_some() {
        Ok(group)
    } else {
        Err(ServiceError::not_found())
    }
}

/// An application its group's members, staff, auditors and the round's committee may read; the
/// committee only once it has reached review ([`ApplicationStatus::has_reached_review`]), and never a
/// committee member who declared a conflict of interest on it (rule 4).
pub async fn visible_application(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
) -> Result<Application, ServiceError> {
    let application = existing(&state.stores.applications, id).await?;
    if oversees(actor)
        || acts_for(state, actor, application.group_id()).await?
        || committee_sees(state, actor, id, &application).await?
    {
        Ok(application)
    } else {
        Err(ServiceError::not_found())
    }
}

/// Whether the actor sits on the application's committee without a declared conflict on it, and the
/// application has reached review.
async fn committee_sees(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    application: &Application,
) -> Result<bool, ServiceError> {
    if !actor.has(Role::Reviewer) || !reached_review(application) {
        return Ok(false);
    }
    let (round, _) = crate::service::load::round(state, application.round_id()).await?;
    if !round.committee.contains(&actor.user_id) {
        return Ok(false);
    }
    let sheet = state
        .stores
        .reviews
        .load(review_id(id, actor.user_id))
        .await?;
    Ok(sheet.is_none_or(|sheet| sheet.conflict != Some(true)))
}

/// Whether the application has reached review, the committee's precondition for seeing it.
fn reached_review(application: &Application) -> bool {
    application
        .status()
        .is_some_and(ApplicationStatus::has_reached_review)
}

/// An object a member of its group acts on, loaded once for the command (see
/// `Store::load_for_command`), with that group.
pub struct Owned<A: cqrs_es::Aggregate> {
    /// The object, as loaded for the command.
    pub loaded: Loaded<A>,
    /// Its group.
    pub group: Group,
    /// How the actor acts for the group: a member, or a coordinator with its consent (who reaches
    /// only the routes of the [`GroupHelper`] guard).
    pub acting: Acting,
}

impl<A: cqrs_es::Aggregate> Owned<A> {
    /// The object's state.
    pub fn state(&self) -> &A {
        self.loaded.aggregate()
    }
}

/// The actor's group `id` and how they act for it, if they do (a member, or a coordinator it
/// consented to).
async fn member_group(
    state: &AppState,
    actor: &Actor,
    id: GroupId,
) -> Result<Option<(Group, Acting)>, ServiceError> {
    Ok(acting_for(state.stores.groups.load(id).await?, actor))
}

/// The group and how the actor acts for it, if they do.
fn acting_for(group: Option<Group>, actor: &Actor) -> Option<(Group, Acting)> {
    group.and_then(|group| group.acting(actor.user_id).map(|acting| (group, acting)))
}

/// An application loaded for a command, not found when it has no events, and its group (`None`
/// when the group has none). When the application's copy in memory names its group (only the
/// draft's start sets it) both are read with one read of the log (`Store::load_for_command_with`),
/// else the application first and its group after.
async fn application_and_group(
    state: &AppState,
    id: ApplicationId,
) -> Result<(Loaded<Application>, Option<Group>), ServiceError> {
    let stores = &state.stores;
    let Some(group_id) = stores.applications.kept_with(id, Application::group_id) else {
        let loaded = found_for_command(stores.applications.load_for_command(id).await?)?;
        let group = stores.groups.load(loaded.aggregate().group_id()).await?;
        return Ok((loaded, group));
    };
    let (loaded, groups) = stores
        .applications
        .load_for_command_with(id, &stores.groups, &[group_id.to_string()])
        .await;
    let group = groups.into_iter().next().transpose()?;
    Ok((
        found_for_command(loaded?)?,
        group.and_then(Loaded::into_state),
    ))
}

/// An application its group's member acts on (drafting, submission, withdrawal): 403 for others
/// who may read it, 404 for everyone else.
pub async fn own_application(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
) -> Result<Owned<Application>, ServiceError> {
    let (loaded, group) = application_and_group(state, id).await?;
    let application = loaded.aggregate();
    if let Some((group, acting)) = acting_for(group, actor) {
        return Ok(Owned {
            loaded,
            group,
            acting,
        });
    }
    if oversees(actor) || committee_sees(state, actor, id, application).await? {
        Err(ServiceError::forbidden())
    } else {
        Err(ServiceError::not_found())
    }
}

/// A grant its group's members, staff and auditors may read.
pub async fn visible_grant(
    state: &AppState,
    actor: &Actor,
    id: GrantId,
) -> Result<Grant, ServiceError> {
    let grant = decided_grant(state, id)
        .await?
        .into_state()
        .ok_or_else(ServiceError::not_found)?;
    if oversees(actor) || acts_for(state, actor, grant.group_id).await? {
        Ok(grant)
    } else {
        Err(ServiceError::not_found())
    }
}

/// A decided grant loaded for a command (staff act on any), or 404.
pub async fn decided_grant(state: &AppState, id: GrantId) -> Result<Loaded<Grant>, ServiceError> {
    let loaded = state.stores.grants.load_for_command(id).await?;
    if loaded.state().is_some_and(Grant::is_decided) {
        Ok(loaded)
    } else {
        Err(ServiceError::not_found())
    }
}

/// A grant its group's member acts on (withdrawal, advances, changes, the settlement report): 403
/// for staff and auditors, 404 for everyone else.
pub async fn own_grant(
    state: &AppState,
    actor: &Actor,
    id: GrantId,
) -> Result<Owned<Grant>, ServiceError> {
    let loaded = decided_grant(state, id).await?;
    let grant = loaded.aggregate();
    if let Some((group, acting)) = member_group(state, actor, grant.group_id).await? {
        return Ok(Owned {
            loaded,
            group,
            acting,
        });
    }
    if oversees(actor) {
        Err(ServiceError::forbidden())
    } else {
        Err(ServiceError::not_found())
    }
}

/// The round of an application a committee member works on (declaration, scores): 404 for reviewers
/// outside its committee, and for an application that has not reached review (the committee may not
/// learn that a draft exists).
pub async fn committee_round(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
) -> Result<(Round, RoundSettings, RoundId), ServiceError> {
    let application = existing(&state.stores.applications, id).await?;
    if !reached_review(&application) {
        return Err(ServiceError::not_found());
    }
    let (round, settings) = crate::service::load::round(state, application.round_id()).await?;
    if !round.committee.contains(&actor.user_id) {
        return Err(ServiceError::not_found());
    }
    Ok((round, settings, application.round_id()))
}

/// Rule 4's seal: staff and auditors see a round's ranking (and so the totals) at any time, its
/// committee only once staff have closed scoring.
pub fn may_see_ranking(actor: &Actor, round: &Round) -> bool {
    oversees(actor) || (round.committee.contains(&actor.user_id) && round.is_scoring_closed())
}

/// Whose grants the actor may list (`GET /api/v1/grants`): `None` for every group's (staff and
/// auditors); an applicant only their own groups' (as with applications); 403 for anyone else
/// (a reviewer's work ends at the ranking and sees no grants).
pub async fn grant_list_groups(
    state: &AppState,
    actor: &Actor,
) -> Result<Option<Vec<String>>, ServiceError> {
    if oversees(actor) {
        return Ok(None);
    }
    if !actor.has(Role::Applicant) && !actor.has(Role::Coordinator) {
        return Err(ServiceError::forbidden());
    }
    let groups = acting_groups(state, actor).await?;
    Ok(Some(
        groups.iter().map(|group| group.id().to_string()).collect(),
    ))
}

/// The groups the actor acts for, oldest first: those it is a member of, and for a coordinator
/// (中間支援) those that consented to it. Each is checked on the group itself, so a consent just
/// withdrawn (or a member just removed) is not listed while the directory catches up.
pub async fn acting_groups(state: &AppState, actor: &Actor) -> Result<Vec<Group>, ServiceError> {
    let mut ids = crate::queries::groups_of(&state.db, actor.user_id).await?;
    if actor.has(Role::Coordinator) {
        ids.extend(crate::queries::groups_helped(&state.db, actor.user_id).await?);
    }
    let mut groups = Vec::new();
    for id in ids {
        if let Some(group) = state.stores.groups.load(id).await? {
            if group.acting(actor.user_id).is_some() {
                groups.push(group);
            }
        }
    }
    Ok(groups)
}
