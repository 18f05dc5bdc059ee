//! Fields of an event's payload, read as JSON rather than as the domain's types, so that a reshaped
//! event still projects.
//!
//! [`Fields::get`] looks a field up under `decision` first (the reshaped `GrantDecided` carries the
//! award there), then at the top of the body. A field a projection must have and does not find is a
//! [`ProjectionError::Event`] naming the projection, the event and the field.

use serde_json::Value;

use crate::error::ProjectionError;
use crate::event_log::LoggedEvent;

/// The body of one event, as one projection reads it.
pub(crate) struct Fields<'e> {
    projection: &'static str,
    event: &'e LoggedEvent,
    body: &'e Value,
}

impl<'e> Fields<'e> {
    pub(crate) fn new(projection: &'static str, event: &'e LoggedEvent) -> Self {
        Fields {
            projection,
            event,
            body: event.body(),
        }
    }

    /// `decision.<field>` when present, else `<field>`.
    pub(crate) fn get(&self, field: &str) -> Option<&'e Value> {
        self.body
            .get("decision")
            .and_then(|decision| decision.get(field))
            .or_else(|| self.body.get(field))
    }

    /// A nested field, `path[0].path[1]...`, looked up from [`Fields::get`].
    pub(crate) fn at(&self, path: &[&str]) -> Option<&'e Value> {
        let (first, rest) = path.split_first()?;
        rest.iter()
            .try_fold(self.get(first)?, |value, field| value.get(field))
    }

    pub(crate) fn missing(&self, field: &str) -> ProjectionError {
        ProjectionError::Event {
            projection: self.projection,
            event_type: self.event.event_type.clone(),
            position: self.event.position,
            detail: format!("no valid `{field}`"),
        }
    }

    pub(crate) fn optional_text(&self, field: &str) -> Option<String> {
        self.get(field).and_then(Value::as_str).map(str::to_owned)
    }

    pub(crate) fn text(&self, field: &str) -> Result<String, ProjectionError> {
        self.optional_text(field).ok_or_else(|| self.missing(field))
    }
}
