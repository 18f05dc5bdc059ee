//! Files attached to an application, to a grant's settlement report or to one of its change
//! requests: adding one, taking one off, reading one (issue 17; the store is `crate::blobs`).
//!
//! Adding is two steps around the upload: [`open`] checks, before a byte is read, that the caller
//! is a member of the object's group and that the object may take a file now; the adapter then
//! streams the file into the store, durably; [`attach`] records the event that names it. A refused
//! upload is referenced by nothing. Who may read the object may read its files, checked against
//! their SHA-256 (`file`); only its group's members add and remove them, while the domain says
//! the object may change.

use bytes::Bytes;
use grants_domain::application::{Application, ApplicationCommand};
use grants_domain::attachment::{Attached, Attachment};
use grants_domain::grant::GrantCommand;
use grants_domain::group::Acting;
use grants_domain::{ApplicationId, AttachmentId, ChangeRequestId, Grant, GrantId};

use super::{CommandContext, ServiceError};
use crate::auth::Actor;
use crate::policy::{
    own_application, own_grant, visible_application, visible_grant, GroupHelper, Owned,
};
use crate::state::AppState;
use crate::store::Position;

/// The object a file is attached to.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// An application (見積書, 規約, 名簿, 事業計画の資料), while its group may edit it.
    Application(ApplicationId),
    /// A grant's settlement report (領収書, 活動写真), before it is submitted or while returned.
    Report(GrantId),
    /// A change request of a grant (a quote for the new plan), while it awaits staff.
    Change(GrantId, ChangeRequestId),
}

/// What a settlement report's file may say besides itself: the expense line a receipt proves and
/// whether an activity photo is public. Other objects' files say neither.
#[derive(Debug, Default)]
pub struct Marks {
    /// The receipt number of the saved expense line a receipt proves; `None` for no line.
    pub receipt_number: Option<String>,
    /// Whether the group lets the public see this activity photo on the awarded project.
    pub public: bool,
}

/// An object open for a new file: loaded for the command, the caller's and its state checked.
pub struct Open {
    target: Target,
    object: Object,
}

enum Object {
    Application(Box<Owned<Application>>),
    Grant(Box<Owned<Grant>>),
}

/// Checks, before the upload is read, that the caller may add a file to `target` now.
pub async fn open(
    state: &AppState,
    context: &CommandContext,
    GroupHelper(actor): &GroupHelper,
    target: Target,
) -> Result<Open, ServiceError> {
    let refused = |refusal: &dyn grants_domain::Refusal| ServiceError::refused(refusal);
    let object = match target {
        Target::Application(id) => {
            let own = own_application(state, actor, id).await?;
            own.state()
                .check_editable(context.now)
                .map_err(|refusal| refused(&refusal))?;
            Object::Application(Box::new(own))
        }
        Target::Report(id) => {
            let own = own_grant(state, actor, id).await?;
            own.state()
                .check_report_editable()
                .map_err(|refusal| refused(&refusal))?;
            Object::Grant(Box::new(own))
        }
        Target::Change(id, change) => {
            let own = members_only(own_grant(state, actor, id).await?)?;
            own.state()
                .check_change_open(change)
                .map_err(|refusal| refused(&refusal))?;
            Object::Grant(Box::new(own))
        }
    };
    Ok(Open { target, object })
}

/// Records the file kept in the store on the object `open` checked; answers the file as attached
/// and the event's position.
pub async fn attach(
    state: &AppState,
    context: &CommandContext,
    GroupHelper(actor): &GroupHelper,
    open: Open,
    attachment: Attachment,
    marks: Marks,
) -> Result<(Attached, Position), ServiceError> {
    let id = attachment.id;
    let (by, at) = (actor.user_id, context.now);
    let missing = || ServiceError::internal("the attachment is not on its object after the event");
    match (open.target, open.object) {
        (Target::Application(_), Object::Application(own)) => {
            let command = ApplicationCommand::AddAttachment { attachment, by, at };
            let metadata = context.metadata_acting(actor, own.acting, own.group.id());
            let executed = context
                .run_loaded_with(&state.stores.applications, own.loaded, command, &metadata)
                .await?;
            let attached = executed.state.attachment(id).cloned().ok_or_else(missing)?;
            Ok((attached, executed.position))
        }
        (target, Object::Grant(own)) => {
            let command = match target {
                Target::Change(_, change_request_id) => GrantCommand::AddChangeAttachment {
                    change_request_id,
                    attachment,
                    by,
                    at,
                },
                _ => GrantCommand::AddReportAttachment {
                    attachment,
                    receipt_number: marks.receipt_number,
                    public: marks.public,
                    by,
                    at,
                },
            };
            let metadata = context.metadata_acting(actor, own.acting, own.group.id());
            let executed = context
                .run_loaded_with(&state.stores.grants, own.loaded, command, &metadata)
                .await?;
            let attached = files_of_grant(&executed.state, target)
                .into_iter()
                .find(|one| one.attachment.id == id)
                .ok_or_else(missing)?;
            Ok((attached, executed.position))
        }
        (_, Object::Application(_)) => Err(ServiceError::internal(
            "an application opened for a grant's file",
        )),
    }
}

/// Takes a file off `target` while it may change; answers the object's files afterwards and the
/// event's position.
pub async fn remove(
    state: &AppState,
    context: &CommandContext,
    GroupHelper(actor): &GroupHelper,
    target: Target,
    attachment_id: AttachmentId,
) -> Result<(Vec<Attached>, Position), ServiceError> {
    let (by, at) = (actor.user_id, context.now);
    match target {
        Target::Application(id) => {
            let own = own_application(state, actor, id).await?;
            if own.state().attachment(attachment_id).is_none() {
                return Err(ServiceError::not_found());
            }
            let command = ApplicationCommand::RemoveAttachment {
                attachment_id,
                by,
                at,
            };
            let metadata = context.metadata_acting(actor, own.acting, own.group.id());
            let executed = context
                .run_loaded_with(&state.stores.applications, own.loaded, command, &metadata)
                .await?;
            Ok((executed.state.attachments().to_vec(), executed.position))
        }
        Target::Report(id) | Target::Change(id, _) => {
            let own = own_grant(state, actor, id).await?;
            let own = match target {
                Target::Change(..) => members_only(own)?,
                _ => own,
            };
            if !files_of_grant(own.state(), target)
                .iter()
                .any(|one| one.attachment.id == attachment_id)
            {
                return Err(ServiceError::not_found());
            }
            let command = match target {
                Target::Change(_, change_request_id) => GrantCommand::RemoveChangeAttachment {
                    change_request_id,
                    attachment_id,
                    by,
                    at,
                },
                _ => GrantCommand::RemoveReportAttachment {
                    attachment_id,
                    by,
                    at,
                },
            };
            let metadata = context.metadata_acting(actor, own.acting, own.group.id());
            let executed = context
                .run_loaded_with(&state.stores.grants, own.loaded, command, &metadata)
                .await?;
            Ok((files_of_grant(&executed.state, target), executed.position))
        }
    }
}

/// One file of `target` for whoever may read the object, with its bytes checked against the
/// SHA-256 the log recorded (a missing or corrupt file is an error, never served).
pub async fn file(
    state: &AppState,
    actor: &Actor,
    target: Target,
    attachment_id: AttachmentId,
) -> Result<(Attached, Bytes), ServiceError> {
    let files = match target {
        Target::Application(id) => visible_application(state, actor, id)
            .await?
            .attachments()
            .to_vec(),
        Target::Report(id) | Target::Change(id, _) => {
            files_of_grant(&visible_grant(state, actor, id).await?, target)
        }
    };
    let attached = files
        .into_iter()
        .find(|one| one.attachment.id == attachment_id)
        .ok_or_else(ServiceError::not_found)?;
    let bytes = state.blobs.read(&attached.attachment.sha256).await?;
    Ok((attached, bytes))
}

/// The files of a grant's report or of one of its change requests.
fn files_of_grant(grant: &Grant, target: Target) -> Vec<Attached> {
    match target {
        Target::Change(_, change) => grant.change_files(change),
        _ => grant.report_attachments.clone(),
    }
}

/// A change request's files are the group's members' alone: a coordinator it consented to helps
/// with drafts and settlement reports (and their files), not with changes of plan (403).
fn members_only(own: Owned<Grant>) -> Result<Owned<Grant>, ServiceError> {
    match own.acting {
        Acting::Member => Ok(own),
        Acting::Coordinator { .. } => Err(ServiceError::forbidden()),
    }
}
