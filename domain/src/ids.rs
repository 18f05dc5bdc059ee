//! Identifiers: one newtype per kind of thing, over time-ordered UUID v7, so that an application id can
//! never be passed where a grant id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id that holds `uuid`.
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self(Uuid::nil())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }
    };
}

id_type!(
    /// A registered citizen group (市民活動団体).
    GroupId
);
id_type!(
    /// A funding round (公募 / 募集回).
    RoundId
);
id_type!(
    /// An application (交付申請).
    ApplicationId
);
id_type!(
    /// A grant after the award decision (交付決定).
    GrantId
);
id_type!(
    /// A user account: applicant, reviewer, staff, auditor or coordinator.
    UserId
);
id_type!(
    /// A change request (変更承認申請) on a grant.
    ChangeRequestId
);
id_type!(
    /// A file attached to an application, a settlement report or a change request (添付書類).
    AttachmentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_time_ordered_v7() {
        let first = ApplicationId::new();
        let second = ApplicationId::new();
        assert_eq!(first.as_uuid().get_version_num(), 7);
        assert!(first < second);
        assert_eq!(first.to_string().parse::<ApplicationId>().unwrap(), first);
    }
}
