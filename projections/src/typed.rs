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
///
/// An event no upcaster changes (every event of the current versions) is deserialised from the
/// payload in place; only an older one is copied to be upcast.
pub fn decode<E: DeserializeOwned>(
    projection: &'static str,
    event: &LoggedEvent,
) -> Result<E, ProjectionError> {
    let upcast = upcasters()
        .iter()
        .any(|upcaster| upcaster.can_upcast(&event.event_type, &event.event_version));
    let loaded = if upcast {
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
        serde_json::from_value(serialized.payload)
    } else {
        E::deserialize(&event.payload)
    };
    loaded.map_err(|error| ProjectionError::Event {
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

#[cfg(test)]
mod tests {
    use cqrs_es::Aggregate;
    use grants_domain::application::{Application, ApplicationEvent};
    use grants_domain::grant::{Grant, GrantEvent};
    use grants_domain::group::{Group, GroupEvent};
    use grants_domain::round::{Round, RoundEvent};
    use serde_json::json;

    use crate::event_log::Reads;

    /// Whether the domain's event enum of `aggregate_type` has a variant `event_type`: a payload of
    /// that name with no fields fails for a missing field, any other name as an unknown variant.
    fn is_the_domains(aggregate_type: &str, event_type: &str) -> bool {
        fn names<E: serde::de::DeserializeOwned>(event_type: &str) -> bool {
            match serde_json::from_value::<E>(json!({ event_type: {} })) {
                Ok(_) => true,
                Err(error) => !error.to_string().contains("unknown variant"),
            }
        }
        match aggregate_type {
            Round::TYPE => names::<RoundEvent>(event_type),
            Grant::TYPE => names::<GrantEvent>(event_type),
            Group::TYPE => names::<GroupEvent>(event_type),
            Application::TYPE => names::<ApplicationEvent>(event_type),
            _ => false,
        }
    }

    /// The filters of the read models name the domain's streams and events, so that a misspelt or
    /// renamed event is a failing test rather than events a read model silently never sees.
    #[test]
    fn every_event_a_read_model_reads_is_one_of_the_domains() {
        let reads = [
            crate::applications::READS,
            crate::awards::READS,
            crate::directory::READS,
            crate::grant_ledger::READS,
            crate::work_items::READS,
            crate::year_figures::READS,
        ];
        for read in reads.into_iter().flatten() {
            match *read {
                Reads::Stream(aggregate_type) => assert!(
                    [Round::TYPE, Grant::TYPE, Group::TYPE, Application::TYPE]
                        .contains(&aggregate_type),
                    "{read:?}"
                ),
                Reads::Event(aggregate_type, event_type) => {
                    assert!(is_the_domains(aggregate_type, event_type), "{read:?}");
                }
            }
        }
        assert!(!is_the_domains(Round::TYPE, "GrantDecided"));
    }
}
