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
    /// Whether the input, a rule or the current state refused, which picks the HTTP status.
    fn kind(&self) -> RefusalKind;
    /// The input field the refusal is about, by its name in the HTTP contract (`title`,
    /// `requested_amount`), when it is about one: so that a form can show the message beside it.
    fn field(&self) -> Option<&'static str> {
        None
    }
    /// Every refusal this one stands for, each with its field: itself, unless it gathers the
    /// refusals of several fields found at once (see [`at_once`]).
    fn each(&self) -> Vec<FieldRefusal> {
        vec![FieldRefusal {
            field: self.field(),
            code: self.code(),
            message_ja: self.message_ja(),
            message_en: self.message_en(),
        }]
    }
}

/// Where `field` stands in a form whose fields are `fields` (in order); an unnamed or unknown field
/// goes last. Refusals of several fields are listed in this order.
pub fn form_position(fields: &[&str], field: Option<&str>) -> usize {
    field
        .and_then(|field| fields.iter().position(|name| *name == field))
        .unwrap_or(fields.len())
}

/// One of the refusals a check of several fields found, as the HTTP layer lists them (`errors`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRefusal {
    /// The input field it is about, by its name in the HTTP contract; `None` for the whole command.
    pub field: Option<&'static str>,
    /// The stable code, e.g. `application.outside_window`.
    pub code: &'static str,
    /// The message in Japanese, for the people who use the service.
    pub message_ja: String,
    /// The message in English.
    pub message_en: String,
}

impl FieldRefusal {
    /// The parts of one refusal.
    pub fn of(refusal: &(impl Refusal + ?Sized)) -> Self {
        FieldRefusal {
            field: refusal.field(),
            code: refusal.code(),
            message_ja: refusal.message_ja(),
            message_en: refusal.message_en(),
        }
    }
}

/// The result of a check that judges every field before it answers: `Ok` when it found nothing,
/// the one refusal when it found one, and `several(all)` when it found more (a form then shows each
/// beside its field instead of only the first).
pub fn at_once<E>(mut found: Vec<E>, several: fn(Vec<E>) -> E) -> Result<(), E> {
    match found.len() {
        0 => Ok(()),
        1 => Err(found.remove(0)),
        _ => Err(several(found)),
    }
}

/// The English message of several refusals, one after the other.
pub fn joined_en<E: std::fmt::Display>(all: &[E]) -> String {
    all.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The Japanese message of several refusals, one after the other.
pub fn joined_ja<E: Refusal>(all: &[E]) -> String {
    all.iter()
        .map(Refusal::message_ja)
        .collect::<Vec<_>>()
        .join("。")
}
