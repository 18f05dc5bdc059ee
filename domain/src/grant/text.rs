//! Text fields: trimmed, required where the rules need them, and within published lengths so that the
//! UI can show the limits instead of hiding them.

use super::errors::GrantError;

/// Longest short text (a title, a name, a receipt number, a line's item), in characters.
pub const SHORT_TEXT_MAX_CHARS: usize = 200;
/// Longest long text (a summary, conditions, a reason, the outcomes of the project), in characters.
pub const LONG_TEXT_MAX_CHARS: usize = 4_000;
/// Most lines a settlement report may hold (income and receipts each).
pub const MAX_REPORT_LINES: usize = 1_000;

/// The trimmed text, refused when empty or too long.
pub fn required(field: &'static str, text: &str, max: usize) -> Result<String, GrantError> {
    let text = optional(field, text, max)?;
    if text.is_empty() {
        return Err(GrantError::TextRequired { field });
    }
    Ok(text)
}

/// The trimmed text, which may be empty, refused when too long.
pub fn optional(field: &'static str, text: &str, max: usize) -> Result<String, GrantError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(GrantError::TextTooLong { field, max });
    }
    Ok(text.to_owned())
}
