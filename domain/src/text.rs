//! Which characters a free-text field may hold: the one rule every command's texts pass (issue 13),
//! beside each aggregate's length limits.
//!
//! Refused everywhere: the control characters (Unicode `Cc`: NUL and the rest of C0, DEL, C1), and
//! the bidirectional embedding, override and isolate controls U+202A–U+202E and U+2066–U+2069, which
//! can make a text display in another order than it is stored ("Trojan Source", CVE-2021-42574).
//! A multi-line field (a summary, a reason, a comment: a `<textarea>` on the pages) also takes TAB,
//! LF and CR as part of CRLF (what browsers send); a single-line field (a title, a name, an item)
//! takes none of them.
//!
//! Decision: the bidirectional *marks* U+200E (LRM), U+200F (RLM) and U+061C (ALM) are allowed. They
//! reorder nothing by themselves (each is one invisible strong character, not the start of a run
//! that lasts to the end of the text), they are what Rust's own `text_direction_codepoint` lints and
//! the Trojan Source advice leave alone, and text pasted from Arabic or Hebrew sources carries them.
//!
//! What is not for this module: lengths (each aggregate's published limits) and trimming.

use crate::refusal::{Refusal, RefusalKind};

/// Whether a field may span lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// One line (an `<input>`): no TAB, LF or CR.
    One,
    /// Several lines (a `<textarea>`): TAB, LF and CRLF allowed.
    Many,
}

/// A text holds a character its field may not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the {field} may not contain {} ({}): {}", code_point(*.character), kind_en(*.character), allowed_en(*.lines))]
pub struct ForbiddenCharacter {
    /// The field, by its name in the HTTP contract.
    pub field: &'static str,
    /// The first character refused.
    pub character: char,
    /// Whether the field may span lines (decides whether TAB and line breaks were allowed).
    pub lines: Lines,
}

/// Refuses a text holding a control character or a bidirectional control; TAB, LF and CRLF are
/// allowed in multi-line fields only. Judges the text as it will be stored (after trimming).
pub fn check_characters(
    field: &'static str,
    text: &str,
    lines: Lines,
) -> Result<(), ForbiddenCharacter> {
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        let allowed = match character {
            '\t' | '\n' => lines == Lines::Many,
            '\r' => lines == Lines::Many && characters.peek() == Some(&'\n'),
            c => !c.is_control() && !is_bidi_control(c),
        };
        if !allowed {
            return Err(ForbiddenCharacter {
                field,
                character,
                lines,
            });
        }
    }
    Ok(())
}

/// The embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

fn kind_en(c: char) -> &'static str {
    match c {
        '\t' => "a tab",
        '\n' | '\r' => "a line break",
        c if is_bidi_control(c) => "a bidirectional control",
        _ => "a control character",
    }
}

fn kind_ja(c: char) -> &'static str {
    match c {
        '\t' => "タブ",
        '\n' | '\r' => "改行",
        c if is_bidi_control(c) => "文字の表示方向を変える制御文字",
        _ => "制御文字",
    }
}

fn allowed_en(lines: Lines) -> &'static str {
    match lines {
        Lines::One => "a single-line text takes no control characters, tabs, line breaks or bidirectional controls",
        Lines::Many => "a text takes tabs and line breaks, but no other control characters and no bidirectional controls",
    }
}

fn allowed_ja(lines: Lines) -> &'static str {
    match lines {
        Lines::One => "1行の項目には制御文字・タブ・改行・表示方向の制御文字は使えません",
        Lines::Many => "タブと改行のほかの制御文字と、表示方向の制御文字は使えません",
    }
}

impl ForbiddenCharacter {
    /// The Japanese message with the field called `field_ja` (the aggregate's own name for it).
    pub fn message_ja_as(&self, field_ja: &str) -> String {
        format!(
            "{field_ja}に使えない文字（{}：{}）が含まれています。{}",
            code_point(self.character),
            kind_ja(self.character),
            allowed_ja(self.lines)
        )
    }
}

impl Refusal for ForbiddenCharacter {
    fn code(&self) -> &'static str {
        "text.forbidden_character"
    }

    /// Names the field by its contract name; aggregates with Japanese field names use
    /// [`ForbiddenCharacter::message_ja_as`].
    fn message_ja(&self) -> String {
        self.message_ja_as(self.field)
    }

    fn kind(&self) -> RefusalKind {
        RefusalKind::Invalid
    }

    fn field(&self) -> Option<&'static str> {
        Some(self.field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str, lines: Lines) -> Option<char> {
        check_characters("title", text, lines)
            .err()
            .map(|error| error.character)
    }

    #[test]
    fn given_ordinary_japanese_text_when_checked_then_it_is_accepted() {
        for lines in [Lines::One, Lines::Many] {
            assert_eq!(refused("こども自然教室 2025（第2期）・A&B", lines), None);
            assert_eq!(refused("", lines), None);
        }
    }

    #[test]
    fn given_a_control_character_when_checked_then_it_is_refused_in_every_field() {
        for c in [
            '\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}',
            '\u{85}', '\u{9f}',
        ] {
            for lines in [Lines::One, Lines::Many] {
                assert_eq!(refused(&format!("abc{c}def"), lines), Some(c), "{c:?}");
            }
        }
    }

    #[test]
    fn given_a_bidi_control_when_checked_then_it_is_refused_in_every_field() {
        let controls = ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}');
        for c in controls {
            for lines in [Lines::One, Lines::Many] {
                assert_eq!(refused(&format!("abc{c}def"), lines), Some(c), "{c:?}");
            }
        }
    }

    #[test]
    fn given_a_bidi_mark_when_checked_then_it_is_accepted() {
        for c in ['\u{200E}', '\u{200F}', '\u{061C}'] {
            assert_eq!(refused(&format!("abc{c}def"), Lines::One), None, "{c:?}");
        }
    }

    #[test]
    fn given_tabs_and_line_breaks_when_the_field_has_many_lines_then_they_are_accepted() {
        assert_eq!(refused("一行目\n\t二行目\r\n三行目", Lines::Many), None);
    }

    #[test]
    fn given_a_lone_carriage_return_when_checked_then_it_is_refused_even_in_many_lines() {
        assert_eq!(refused("一行目\r二行目", Lines::Many), Some('\r'));
        assert_eq!(refused("末尾\r", Lines::Many), Some('\r'));
    }

    #[test]
    fn given_a_tab_or_line_break_when_the_field_has_one_line_then_it_is_refused() {
        assert_eq!(refused("a\tb", Lines::One), Some('\t'));
        assert_eq!(refused("a\nb", Lines::One), Some('\n'));
        assert_eq!(refused("a\r\nb", Lines::One), Some('\r'));
    }

    #[test]
    fn the_refusal_names_the_field_and_the_character_in_both_languages() {
        let error = check_characters("title", "abc\u{202E}def", Lines::One).unwrap_err();
        assert_eq!(error.field(), Some("title"));
        assert_eq!(error.code(), "text.forbidden_character");
        assert_eq!(error.kind(), RefusalKind::Invalid);
        assert!(error.message_en().contains("title") && error.message_en().contains("U+202E"));
        assert!(error.message_ja().contains("title") && error.message_ja().contains("U+202E"));
        assert!(error
            .message_ja_as("事業名")
            .starts_with("事業名に使えない文字（U+202E"));
    }
}
