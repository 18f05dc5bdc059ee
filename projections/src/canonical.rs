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

/// Appends the canonical bytes of `value` to `out`.
pub fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            out.extend_from_slice(value.to_string().as_bytes());
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
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(Value::String(key.clone()).to_string().as_bytes());
                out.push(b':');
                write_value(item, out);
            }
            out.push(b'}');
        }
    }
}

/// The canonical bytes of an event: the canonical JSON array
/// `[position, aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata,
/// recorded_at]`, with `recorded_at` in RFC 3339 at UTC.
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
    let mut out = Vec::with_capacity(256);
    write_value(&record, &mut out);
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
}
