//! The small answers that commands of several kinds share: an object created, a request accepted,
//! a command recorded.
//! Their OpenAPI schemas are derived from these types.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::openapi as doc;

/// A created object.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Created {
    /// The new object's id.
    pub id: Uuid,
    /// The log position of the command's last event.
    #[schema(value_type = doc::Position)]
    pub position: i64,
}

/// A request accepted: what it asked for (a mail) follows.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// Always true.
    pub accepted: bool,
}

/// A command recorded: the log position of its event (read models may wait for it with
/// `?min_position=`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Recorded {
    /// The log position of the command's last event.
    pub position: i64,
}
