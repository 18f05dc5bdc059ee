//! What every refusal of a command has in common, so that the HTTP layer can map any of them in one place
//! without deciding anything: a stable code, a Japanese and an English message, and a kind.
//!
//! Each aggregate keeps its own `thiserror` enum (its `Display` is the English message) and implements
//! [`Refusal`] for it.

/// How a refusal should be understood by a caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalKind {
    /// The input itself is unacceptable (a value out of its range, a malformed ratio). HTTP 422.
    Invalid,
    /// A business rule refused the command (over the cap, outside the window). HTTP 422.
    Rule,
    /// The current state forbids the command (already submitted, already decided). HTTP 409.
    State,
}

/// A refusal that names the rule it enforces.
pub trait Refusal: std::error::Error {
    /// A stable, machine-readable code such as `application.outside_window`.
    fn code(&self) -> &'static str;
    /// The rule in Japanese, for the people who use the service.
    fn message_ja(&self) -> String;
    /// The rule in English (the `Display` text).
    fn message_en(&self) -> String {
        self.to_string()
    }
    fn kind(&self) -> RefusalKind;
    /// The input field the refusal is about, by its name in the HTTP contract (`title`,
    /// `requested_amount`), when it is about one: so that a form can show the message beside it.
    fn field(&self) -> Option<&'static str> {
        None
    }
}
