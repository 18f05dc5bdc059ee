//! Text fields: trimmed, required where the rules need them, within published lengths so that the
//! UI can show the limits instead of hiding them, and holding only the characters
//! [`crate::text::check_characters`] allows.
//!
//! The award's texts copied from the round and the application ([`copied`]) are judged for length
//! only: their characters were judged where they were typed, and a text stored before that rule
//! existed must not block an award that the round has already decided.

use super::errors::GrantError;
use crate::text::{check_characters, Lines};

/// Longest short text (a title, a name, a receipt number, a line's item), in characters.
pub const SHORT_TEXT_MAX_CHARS: usize = 200;
/// Longest long text (a summary, conditions, a reason, the outcomes of the project), in characters.
pub const LONG_TEXT_MAX_CHARS: usize = 4_000;
/// Most lines a settlement report may hold (income and receipts each).
pub const MAX_REPORT_LINES: usize = 1_000;

/// The trimmed text, refused when empty, too long or holding a character `lines` does not allow.
pub fn required(
    field: &'static str,
    text: &str,
    max: usize,
    lines: Lines,
) -> Result<String, GrantError> {
    let text = optional(field, text, max, lines)?;
    if text.is_empty() {
        return Err(GrantError::TextRequired { field });
    }
    Ok(text)
}

/// The trimmed text, which may be empty, refused when too long or holding a character `lines` does
/// not allow.
pub fn optional(
    field: &'static str,
    text: &str,
    max: usize,
    lines: Lines,
) -> Result<String, GrantError> {
    let text = copied(field, text, max)?;
    check_characters(field, &text, lines)?;
    Ok(text)
}

/// A text copied from another aggregate: trimmed, refused only when too long (see the module doc).
pub fn copied(field: &'static str, text: &str, max: usize) -> Result<String, GrantError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(GrantError::TextTooLong { field, max });
    }
    Ok(text.to_owned())
}

/// A copied text that must not be empty.
pub fn copied_required(field: &'static str, text: &str, max: usize) -> Result<String, GrantError> {
    let text = copied(field, text, max)?;
    if text.is_empty() {
        return Err(GrantError::TextRequired { field });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::ForbiddenCharacter;

    #[test]
    fn a_reason_keeps_its_line_breaks_and_refuses_a_bidi_isolate() {
        assert_eq!(
            required("reason", " 一行目\r\n\t二行目 ", 100, Lines::Many),
            Ok("一行目\r\n\t二行目".to_owned())
        );
        assert_eq!(
            required("reason", "a\u{2067}b", 100, Lines::Many),
            Err(GrantError::Text(ForbiddenCharacter {
                field: "reason",
                character: '\u{2067}',
                lines: Lines::Many,
            }))
        );
    }

    #[test]
    fn a_receipt_number_is_one_line() {
        assert!(matches!(
            required("receipt_number", "No.\t12", 100, Lines::One),
            Err(GrantError::Text(ForbiddenCharacter {
                character: '\t',
                ..
            }))
        ));
    }

    #[test]
    fn a_copied_text_is_judged_for_length_only() {
        assert_eq!(
            copied("title", "古い\u{0}題名", 100),
            Ok("古い\u{0}題名".to_owned())
        );
        assert_eq!(
            copied_required("title", "  ", 100),
            Err(GrantError::TextRequired { field: "title" })
        );
    }
}
