//! What happened to a group. Every event is "1.0" but `GroupRegistered`, "2.0" since its contact
//! details are sealed in the log (issue 19, crypto-shredding): the event store seals
//! [`ContactDetails`] with the group's own key before the event is appended and opens it when the
//! group is loaded (`app/src/personal`), so the domain sees them as plain text; a 1.0 event holds
//! them in plain text (see `crate::upcasting`).

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

/// What every personal field reads as once the data subject's key is destroyed.
pub const ERASED: &str = "削除済み";

/// The version of `GroupRegistered` whose contact details the log holds sealed.
pub const GROUP_REGISTERED_VERSION: &str = "2.0";

impl ContactDetails {
    /// The contact details after erasure: every field 「削除済み」.
    pub fn erased() -> Self {
        ContactDetails {
            representative_name: ERASED.into(),
            address: ERASED.into(),
            phone: ERASED.into(),
            email: ERASED.into(),
        }
    }
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
    /// A member account no longer acts for the group (the representative removed it).
    MemberRemoved {
        user_id: UserId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The representative (代表者) handed the role to another member account. Until the first
    /// such event the representative is the account that registered the group.
    RepresentativeChanged {
        user_id: UserId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The representative consented that a coordinator (中間支援) reads and edits the group's drafts
    /// and settlement reports, and submits them when `may_submit`. A later consent replaces it.
    CoordinatorConsented {
        coordinator: UserId,
        may_submit: bool,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The representative withdrew the coordinator's consent: its access ends.
    CoordinatorConsentWithdrawn {
        coordinator: UserId,
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group's personal data was erased: its key is destroyed, so the sealed contact details
    /// in the log can no longer be opened. Holds no personal data itself.
    PersonalDataErased {
        by: UserId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// A group's event as a read model decodes it: only what is public of it (rule 12). A
/// `GroupRegistered` gives the group's name and registration number, public in municipal grant
/// lists; its contact details (sealed in the log since version 2.0, issue 19) are no field here, so
/// a read model neither opens nor holds them. The payload is the [`GroupEvent`]'s, whose other
/// fields are passed over.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub enum PublicGroupEvent {
    GroupRegistered {
        group_id: GroupId,
        name: String,
        registration_number: String,
    },
}

impl DomainEvent for GroupEvent {
    fn event_type(&self) -> String {
        match self {
            Self::GroupRegistered { .. } => "GroupRegistered",
            Self::MemberAdded { .. } => "MemberAdded",
            Self::MembershipUpdated { .. } => "MembershipUpdated",
            Self::GroupDeregistered { .. } => "GroupDeregistered",
            Self::PersonalDataErased { .. } => "PersonalDataErased",
            Self::MemberRemoved { .. } => "MemberRemoved",
            Self::RepresentativeChanged { .. } => "RepresentativeChanged",
            Self::CoordinatorConsented { .. } => "CoordinatorConsented",
            Self::CoordinatorConsentWithdrawn { .. } => "CoordinatorConsentWithdrawn",
        }
        .into()
    }

    fn event_version(&self) -> String {
        match self {
            Self::GroupRegistered { .. } => GROUP_REGISTERED_VERSION,
            Self::MemberAdded { .. }
            | Self::MembershipUpdated { .. }
            | Self::GroupDeregistered { .. }
            | Self::PersonalDataErased { .. }
            | Self::MemberRemoved { .. }
            | Self::RepresentativeChanged { .. }
            | Self::CoordinatorConsented { .. }
            | Self::CoordinatorConsentWithdrawn { .. } => "1.0",
        }
        .into()
    }
}
