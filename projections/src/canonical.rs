//! Canonical bytes of JSON values and of logged events, the input of the audit hash chain.
//!
//! Canonical JSON here: no whitespace, object keys sorted by their UTF-8 bytes, strings escaped as
//! serde_json escapes them, numbers as serde_json prints them. The same value always gives the same
//! bytes, whatever key order or spacing the database kept (PostgreSQL `json` keeps the text as sent).

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::UtcOffset;

use crate::error::ProjectionError;
use crate::event_log::LoggedEvent;

/// Appends the canonical bytes of `value` to `out`. Written straight into `out` (no `to_string` per
/// scalar or key): the audit chain canonicalises every event of a rebuild.
pub fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            write_json(value, out)
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            // serde_json's map is a BTreeMap, already in byte order, unless a crate in the build
            // turns on `preserve_order`: sort only then.
            if map.keys().is_sorted_by(|a, b| a.as_bytes() <= b.as_bytes()) {
                write_entries(map.iter(), out);
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                write_entries(entries.into_iter(), out);
            }
            out.push(b'}');
        }
    }
}

fn write_entries<'v>(entries: impl Iterator<Item = (&'v String, &'v Value)>, out: &mut Vec<u8>) {
    for (i, (key, item)) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json(key, out);
        out.push(b':');
        write_value(item, out);
    }
}

/// serde_json's compact text of a scalar or a string, as `to_string` gives it.
fn write_json<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing a string, number, bool or null into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The canonical bytes of an event: the canonical JSON array
/// `[position, aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata,
/// recorded_at]`, with `recorded_at` in RFC 3339 at UTC. Written field by field rather than as a
/// `Value` array, which cost a clone of the payload and metadata per event.
pub fn event_bytes(event: &LoggedEvent) -> Result<Vec<u8>, ProjectionError> {
    let recorded_at = event
        .recorded_at
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| ProjectionError::Corrupt {
            position: event.position,
            column: "recorded_at",
            detail: e.to_string(),
        })?;
    let mut out = Vec::with_capacity(1024);
    out.push(b'[');
    write_json(&event.position, &mut out);
    for text in [&event.aggregate_type, &event.aggregate_id] {
        out.push(b',');
        write_json(text, &mut out);
    }
    out.push(b',');
    write_json(&event.sequence, &mut out);
    for text in [&event.event_type, &event.event_version] {
        out.push(b',');
        write_json(text, &mut out);
    }
    for value in [&event.payload, &event.metadata] {
        out.push(b',');
        write_value(value, &mut out);
    }
    out.push(b',');
    write_json(&recorded_at, &mut out);
    out.push(b']');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        let value: Value = serde_json::from_str(text).expect("test JSON");
        let mut out = Vec::new();
        write_value(&value, &mut out);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn key_order_and_spacing_do_not_matter() {
        assert_eq!(
            canonical(r#"{ "b": 1, "a": [true, null, "x\"y"], "é": {"z": 2, "y": 1.5} }"#),
            r#"{"a":[true,null,"x\"y"],"b":1,"é":{"y":1.5,"z":2}}"#
        );
    }

    /// The canonical bytes as they were first defined: the event as one `Value` array, every
    /// scalar and key through `to_string`. The chains already stored were hashed from these bytes.
    fn reference_bytes(event: &LoggedEvent) -> Vec<u8> {
        fn write(value: &Value, out: &mut Vec<u8>) {
            match value {
                Value::Array(items) => {
                    out.push(b'[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        write(item, out);
                    }
                    out.push(b']');
                }
                Value::Object(map) => {
                    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                    out.push(b'{');
                    for (i, (key, item)) in entries.into_iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(Value::String(key.clone()).to_string().as_bytes());
                        out.push(b':');
                        write(item, out);
                    }
                    out.push(b'}');
                }
                scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
            }
        }
        let recorded_at = event
            .recorded_at
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .expect("RFC 3339");
        let record = Value::Array(vec![
            Value::from(event.position),
            Value::from(event.aggregate_type.as_str()),
            Value::from(event.aggregate_id.as_str()),
            Value::from(event.sequence),
            Value::from(event.event_type.as_str()),
            Value::from(event.event_version.as_str()),
            event.payload.clone(),
            event.metadata.clone(),
            Value::from(recorded_at),
        ]);
        let mut out = Vec::new();
        write(&record, &mut out);
        out
    }

    #[test]
    fn event_bytes_are_the_bytes_the_chain_was_first_hashed_from() {
        let payload = serde_json::from_str(
            r#"{"GrantDecided": {"z": [1, -2, 3.25, 1e300, 18446744073709551615, null, false],
                "名前": "市民\"活動\"\n\t\u0001 \u2028", "a": {"é": {}, "b": [], "A": "x"}}}"#,
        )
        .expect("test JSON");
        let event = LoggedEvent {
            position: 42,
            recorded_at: time::macros::datetime!(2026-06-01 09:00:00.123456 +09:00),
            aggregate_type: "grant".into(),
            aggregate_id: "g-\"1\"".into(),
            sequence: 7,
            event_type: "GrantDecided".into(),
            event_version: "1.0".into(),
            payload,
            metadata: serde_json::json!({"request_id": "r", "actor_id": null}),
            transaction_id: 9,
        };
        let bytes = event_bytes(&event).expect("bytes");
        assert_eq!(bytes, reference_bytes(&event));
        assert!(bytes.starts_with(
            br#"[42,"grant","g-\"1\"",7,"GrantDecided","1.0",{"GrantDecided":{"a":{"A""#
        ));
    }
}
