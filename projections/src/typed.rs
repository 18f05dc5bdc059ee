//! The domain's typed events from the log: a payload passed through the same upcasters the event
//! stores use ([`grants_domain::upcasting::upcasters`]), then deserialised into the aggregate's event
//! enum, so that a read model folds `GrantEvent::PaymentRecorded { .. }` rather than a JSON field
//! looked up by name (issue 14).

use std::sync::OnceLock;

use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use serde::de::DeserializeOwned;

use crate::error::ProjectionError;
use crate::event_log::LoggedEvent;

fn upcasters() -> &'static [Box<dyn EventUpcaster>] {
    static UPCASTERS: OnceLock<Vec<Box<dyn EventUpcaster>>> = OnceLock::new();
    UPCASTERS.get_or_init(grants_domain::upcasting::upcasters)
}

/// The event as its aggregate's event type `E`, after upcasting; an event that does not load is a
/// [`ProjectionError::Event`] naming `projection`, as it would be for the aggregate itself.
pub fn decode<E: DeserializeOwned>(
    projection: &'static str,
    event: &LoggedEvent,
) -> Result<E, ProjectionError> {
    let mut serialized = SerializedEvent {
        aggregate_id: event.aggregate_id.clone(),
        sequence: usize::try_from(event.sequence).unwrap_or_default(),
        aggregate_type: event.aggregate_type.clone(),
        event_type: event.event_type.clone(),
        event_version: event.event_version.clone(),
        payload: event.payload.clone(),
        metadata: serde_json::Value::Null,
    };
    for upcaster in upcasters() {
        if upcaster.can_upcast(&serialized.event_type, &serialized.event_version) {
            serialized = upcaster.upcast(serialized);
        }
    }
    serde_json::from_value(serialized.payload).map_err(|error| ProjectionError::Event {
        projection,
        event_type: event.event_type.clone(),
        position: event.position,
        detail: format!("does not load as the domain's event: {error}"),
    })
}

/// A status column (`in_progress`, `runner_up`, ...) as the domain's status type; a word the domain
/// does not know is a decoding error.
pub(crate) fn status<T: DeserializeOwned>(text: String) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|error| sqlx::Error::Decode(Box::new(error)))
}
