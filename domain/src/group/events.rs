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
    /// The representative's name (代表者氏名).
    pub representative_name: String,
    /// The group's postal address.
    pub address: String,
    /// The group's phone number.
    pub phone: String,
    /// The group's contact e-mail address.
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
    /// An applicant registered the group (市民活動団体登録); always followed by `MemberAdded` for them.
    /// Version 2.0: `contact` is sealed in the log.
    GroupRegistered {
        /// The new group.
        group_id: GroupId,
        /// The group's name (団体名); public.
        name: String,
        /// The city's registration number for the group; public.
        registration_number: String,
        /// Personal data: never copy it into a public output.
        contact: ContactDetails,
        /// The day the group was founded.
        founded_on: Date,
        /// How many people are members (not user accounts).
        member_count: u32,
        /// How many members live in the city.
        resident_member_count: u32,
        /// The group's public-interest purpose; may be empty (then rule 1 refuses its
        /// applications).
        purpose: String,
        /// The applicant who registered it; its first member and representative.
        by: UserId,
        /// When it registered (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A user account now acts for the group (its registrant, or an invited person who accepted).
    MemberAdded {
        /// The account added.
        user_id: UserId,
        /// Who added it (the same account, when it accepted an invitation).
        by: UserId,
        /// When it was added (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group's member counts were recorded anew, even below rule 1's minimum.
    MembershipUpdated {
        /// How many people are members.
        member_count: u32,
        /// How many of them live in the city.
        resident_member_count: u32,
        /// Who recorded them.
        by: UserId,
        /// When they were recorded (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group's registration ended; it takes no further commands but an erasure.
    GroupDeregistered {
        /// Why it ended.
        reason: String,
        /// Who ended it.
        by: UserId,
        /// When it ended (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A member account no longer acts for the group (the representative removed it).
    MemberRemoved {
        /// The account removed.
        user_id: UserId,
        /// The representative.
        by: UserId,
        /// When it was removed (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The representative (代表者) handed the role to another member account. Until the first
    /// such event the representative is the account that registered the group.
    RepresentativeChanged {
        /// The new representative.
        user_id: UserId,
        /// The representative who handed the role over.
        by: UserId,
        /// When it was handed over (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The representative consented that a coordinator (中間支援) reads and edits the group's drafts
    /// and settlement reports, and submits them when `may_submit`. A later consent replaces it.
    CoordinatorConsented {
        /// The coordinator's account.
        coordinator: UserId,
        /// Whether it may also submit on the group's behalf.
        may_submit: bool,
        /// The representative.
        by: UserId,
        /// When the consent was given (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The representative withdrew the coordinator's consent: its access ends.
    CoordinatorConsentWithdrawn {
        /// The coordinator's account.
        coordinator: UserId,
        /// The representative.
        by: UserId,
        /// When the consent was withdrawn (UTC).
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The group's personal data was erased: its key is destroyed, so the sealed contact details
    /// in the log can no longer be opened. Holds no personal data itself.
    PersonalDataErased {
        /// Who erased it (a staff member or the operator).
        by: UserId,
        /// When it was erased (UTC).
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
    /// The group registered: its public fields only.
    GroupRegistered {
        /// The group.
        group_id: GroupId,
        /// The group's name (団体名).
        name: String,
        /// The city's registration number for the group.
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
