//! The upcasters that let old event shapes load: each turns a stored payload of an older version into
//! the current shape before it is deserialised. Stored events are never rewritten (rule 11).
//!
//! - `ApplicationDraftStarted` 1.0 -> 2.0: the content gained `beneficiaries` (対象者・受益者); a draft
//!   started before has an empty one, which the group fills in before submission (it is required by
//!   `check_complete`, never by loading).

use cqrs_es::persist::{EventUpcaster, SemanticVersionEventUpcaster};
use serde_json::Value;

use crate::application::DRAFT_STARTED_VERSION;

/// Every upcaster the event stores must be given, in the order they apply.
pub fn upcasters() -> Vec<Box<dyn EventUpcaster>> {
    vec![Box::new(SemanticVersionEventUpcaster::new(
        "ApplicationDraftStarted",
        DRAFT_STARTED_VERSION,
        Box::new(add_empty_beneficiaries),
    ))]
}

/// `{"ApplicationDraftStarted": {"content": {...}}}` gains `"beneficiaries": ""` in its content. A
/// payload of any other shape is left as it is, so that deserialising it reports the real problem.
fn add_empty_beneficiaries(mut payload: Value) -> Value {
    if let Some(content) = payload
        .get_mut("ApplicationDraftStarted")
        .and_then(|body| body.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        content
            .entry("beneficiaries")
            .or_insert_with(|| Value::String(String::new()));
    }
    payload
}
