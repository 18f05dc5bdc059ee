//! The metadata every event carries (architecture: flow of a command, step 3): who, in which role,
//! through which request, with which idempotency key, and when the server recorded it.

use std::collections::HashMap;

use grants_domain::UserId;

use super::attempt::Attempt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The role an actor acted in. Stored in the metadata as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    /// An applicant: a member of a citizen group, acting for it.
    Applicant,
    /// A committee member (審査委員).
    Reviewer,
    /// City staff.
    Staff,
    /// An auditor (監査), who reads and changes nothing.
    Auditor,
    /// A coordinator (中間支援) acting for a group with its consent (`on_behalf_of` names it).
    Coordinator,
    /// The service itself (start-up, demo seeding, follow-up commands of a process).
    System,
}

impl ActorRole {
    /// The role's snake_case name, as stored in the metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorRole::Applicant => "applicant",
            ActorRole::Reviewer => "reviewer",
            ActorRole::Staff => "staff",
            ActorRole::Auditor => "auditor",
            ActorRole::Coordinator => "coordinator",
            ActorRole::System => "system",
        }
    }
}

/// Who asked for a command, and the instant the server took it.
#[derive(Clone, Debug)]
pub struct CommandMetadata {
    /// The account that asked.
    pub actor_id: UserId,
    /// The role it acted in.
    pub actor_role: ActorRole,
    /// The group a coordinator acted for (its id), recorded as `on_behalf_of`; `None` for
    /// everyone else. The events' own `by` names the coordinator's account.
    pub on_behalf_of: Option<String>,
    /// The request's id (`x-request-id`).
    pub request_id: String,
    /// The caller's idempotency key, when it sent one.
    pub idempotency_key: Option<String>,
    /// The server clock when the command was received; the command's `at` is the same instant.
    pub recorded_at: OffsetDateTime,
    /// The execution of an idempotent request this command belongs to, if any: the store records
    /// its id and step with the events and skips a step a resumed execution already committed.
    pub attempt: Option<Attempt>,
}

impl CommandMetadata {
    /// The metadata as the event store keeps it, a string map: `on_behalf_of` and `idempotency_key`
    /// only when set (the attempt's keys are added by the store).
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::from([
            ("actor_id".to_owned(), self.actor_id.to_string()),
            ("actor_role".to_owned(), self.actor_role.as_str().to_owned()),
            ("request_id".to_owned(), self.request_id.clone()),
            (
                "recorded_at".to_owned(),
                self.recorded_at
                    .format(&Rfc3339)
                    .unwrap_or_else(|_| self.recorded_at.to_string()),
            ),
        ]);
        if let Some(group) = &self.on_behalf_of {
            map.insert("on_behalf_of".to_owned(), group.clone());
        }
        if let Some(key) = &self.idempotency_key {
            map.insert("idempotency_key".to_owned(), key.clone());
        }
        map
    }
}
