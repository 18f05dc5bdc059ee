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
/// An event no upcaster changes (every event of the current versions) is deserialised in place:
/// from its parsed payload, or, where the reader kept the text only
/// ([`crate::event_log::Decode::Text`], which the typed read models ask of a rebuild), straight
/// from the log's text with no JSON tree in between. Only an older event is parsed into a tree (or
/// copied) to be upcast.
pub fn decode<E: DeserializeOwned>(
    projection: &'static str,
    event: &LoggedEvent,
) -> Result<E, ProjectionError> {
    let upcast = upcasters()
        .iter()
        .any(|upcaster| upcaster.can_upcast(&event.event_type, &event.event_version));
    let text_only = event.payload.is_null();
    let loaded = match (upcast, text_only) {
        (false, false) => E::deserialize(&event.payload),
        (false, true) => serde_json::from_str(&event.text.payload),
        (true, _) => upcast_payload(event).and_then(serde_json::from_value),
    };
    loaded.map_err(|error| ProjectionError::Event {
        projection,
        event_type: event.event_type.clone(),
        position: event.position,
        detail: format!("does not load as the domain's event: {error}"),
    })
}

/// The payload of an older event, as the domain's upcasters turn it into the current shape.
fn upcast_payload(event: &LoggedEvent) -> Result<serde_json::Value, serde_json::Error> {
    let payload = if event.payload.is_null() {
        serde_json::from_str(&event.text.payload)?
    } else {
        event.payload.clone()
    };
    let mut serialized = SerializedEvent {
        aggregate_id: event.aggregate_id.clone(),
        sequence: usize::try_from(event.sequence).unwrap_or_default(),
        aggregate_type: event.aggregate_type.clone(),
        event_type: event.event_type.clone(),
        event_version: event.event_version.clone(),
        payload,
        metadata: serde_json::Value::Null,
    };
    for upcaster in upcasters() {
        if upcaster.can_upcast(&serialized.event_type, &serialized.event_version) {
            serialized = upcaster.upcast(serialized);
        }
    }
    Ok(serialized.payload)
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

    use super::decode;
    use crate::event_log::{EventText, LoggedEvent, Reads};

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

    /// A `RoundOpened` (current) and an `AwardDecided` 1.0 (upcast) load the same from the parsed
    /// payload and from the text alone.
    #[test]
    fn an_event_loads_the_same_from_its_text_and_from_its_tree() {
        let award = json!({"AwardDecided": {"application_id": "0190a000-0000-7000-8000-000000000201",
            "grant_id": "0190a000-0000-7000-8000-000000000101",
            "group_id": "0190a000-0000-7000-8000-0000000000a1", "amount": 100_000,
            "notice_number": "", "conditions": "", "completion_deadline": "2026-02-28",
            "decided_on": "2025-06-10", "by": "0190a000-0000-7000-8000-000000000001",
            "decided_at": "2025-06-10T10:00:00+09:00"}});
        let event = |payload: &serde_json::Value, version: &str, text_only: bool| LoggedEvent {
            position: 1,
            recorded_at: time::OffsetDateTime::UNIX_EPOCH,
            aggregate_type: "round".into(),
            aggregate_id: "0190a000-0000-7000-8000-0000000000b1".into(),
            sequence: 1,
            event_type: "AwardDecided".into(),
            event_version: version.into(),
            payload: if text_only {
                serde_json::Value::Null
            } else {
                payload.clone()
            },
            metadata: serde_json::Value::Null,
            text: EventText {
                payload: payload.to_string(),
                metadata: "{}".into(),
            },
            transaction_id: 0,
        };
        for version in ["1.0", "2.0"] {
            let from_tree: RoundEvent = decode("test", &event(&award, version, false)).unwrap();
            let from_text: RoundEvent = decode("test", &event(&award, version, true)).unwrap();
            assert_eq!(from_tree, from_text);
            assert!(matches!(
                from_text,
                RoundEvent::AwardDecided {
                    prior_grants: None,
                    ..
                }
            ));
        }
        let broken = event(&json!({"AwardDecided": {}}), "2.0", true);
        assert!(decode::<RoundEvent>("test", &broken).is_err());
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
