//! What happened to a group. Every event is "1.0".

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::ids::{GroupId, UserId};

/// A group's personal contact data, kept in one struct so that every projection can drop it as a whole:
/// personal data must never reach public outputs (rule 12).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub representative_name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
}

/// An event of the group aggregate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GroupEvent {
    GroupRegistered {
        group_id: GroupId,
        name: String,
        registration_number: String,
        /// Personal data: never copy it into a public output.
        contact: ContactDetails,
        founded_on: Date,
        member_count: u32,
        resident_member_count: u32,
        purpose: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    MemberAdded {
        user_id: UserId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    MembershipUpdated {
        member_count: u32,
        resident_member_count: u32,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    GroupDeregistered {
        reason: String,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

impl DomainEvent for GroupEvent {
    fn event_type(&self) -> String {
        match self {
            Self::GroupRegistered { .. } => "GroupRegistered",
            Self::MemberAdded { .. } => "MemberAdded",
            Self::MembershipUpdated { .. } => "MembershipUpdated",
            Self::GroupDeregistered { .. } => "GroupDeregistered",
        }
        .into()
    }

    fn event_version(&self) -> String {
        match self {
            Self::GroupRegistered { .. }
            | Self::MemberAdded { .. }
            | Self::MembershipUpdated { .. }
            | Self::GroupDeregistered { .. } => "1.0",
        }
        .into()
    }
}
