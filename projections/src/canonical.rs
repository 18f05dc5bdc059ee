//! Canonical bytes of JSON values and of logged events, the input of the audit hash chain.
//!
//! Canonical JSON here: no whitespace, object keys sorted by their UTF-8 bytes, strings escaped as
//! serde_json escapes them, numbers as serde_json prints them. The same value always gives the same
//! bytes, whatever key order or spacing the database kept (PostgreSQL `json` keeps the text as sent;
//! what postgres-es sends is jsonb's text: keys by length, a space after `:` and `,`).
//!
//! [`write_text`] canonicalises the log's text without building a `Value` where it can vouch for
//! the bytes (the audit chain canonicalises every event of a rebuild), and parses it otherwise.

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

/// Appends the canonical bytes of the JSON `text` to `out`: always the bytes of parsing it and
/// [`write_value`]. Objects are re-ordered and spacing dropped straight from the text; strings whose
/// escapes serde_json would write the same way and integers it keeps exactly are copied. Anything
/// else (a float, a long integer, another escape, an escaped or repeated key, text that is not
/// JSON) sends the whole text through serde_json instead, which also reports what is wrong.
pub fn write_text(text: &str, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let mark = out.len();
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
    };
    if scanner.value(out).is_some() && scanner.at_end() {
        return Ok(());
    }
    out.truncate(mark);
    let value: Value = serde_json::from_str(text)?;
    write_value(&value, out);
    Ok(())
}

/// The fast path of [`write_text`]: each method writes one canonical value, or answers `None` where
/// it cannot vouch for the bytes.
struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
    /// Arrays and objects open around the value being read: past serde_json's own limit, the text
    /// is left to serde_json to refuse.
    depth: usize,
}

/// serde_json's nesting limit.
const MAX_DEPTH: usize = 128;

impl<'t> Scanner<'t> {
    fn skip_space(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_space();
        self.at == self.bytes.len()
    }

    /// Skips spaces and takes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn value(&mut self, out: &mut Vec<u8>) -> Option<()> {
        self.skip_space();
        match *self.bytes.get(self.at)? {
            b'{' | b'[' if self.depth >= MAX_DEPTH => None,
            b'{' => {
                self.depth += 1;
                let written = self.object(out);
                self.depth -= 1;
                written
            }
            b'[' => {
                self.depth += 1;
                let written = self.array(out);
                self.depth -= 1;
                written
            }
            b'"' => {
                out.extend_from_slice(self.string()?);
                Some(())
            }
            b't' => self.literal(b"true", out),
            b'f' => self.literal(b"false", out),
            b'n' => self.literal(b"null", out),
            b'-' | b'0'..=b'9' => self.integer(out),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8], out: &mut Vec<u8>) -> Option<()> {
        self.bytes[self.at..].starts_with(word).then(|| {
            self.at += word.len();
            out.extend_from_slice(word);
        })
    }

    /// An integer of at most 18 digits, which serde_json keeps as an i64 or u64 and prints as
    /// written; `-0`, leading zeros, fractions and exponents are left to serde_json.
    fn integer(&mut self, out: &mut Vec<u8>) -> Option<()> {
        let start = self.at;
        if self.bytes[self.at] == b'-' {
            self.at += 1;
        }
        let digits = self.at;
        while matches!(self.bytes.get(self.at), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        let count = self.at - digits;
        let zero_led = self.bytes.get(digits) == Some(&b'0') && (count > 1 || digits > start);
        if count == 0 || count > 18 || zero_led {
            return None;
        }
        if matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        out.extend_from_slice(&self.bytes[start..self.at]);
        Some(())
    }

    /// A string with its quotes, if serde_json writes it back byte for byte: other characters
    /// as they are, and only `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00xx` (lowercase)
    /// for the other control characters.
    fn string(&mut self) -> Option<&'t [u8]> {
        let start = self.at;
        self.at += 1;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(&self.bytes[start..self.at]);
                }
                b'\\' => match *self.bytes.get(self.at + 1)? {
                    b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 2,
                    b'u' => {
                        let code = self.bytes.get(self.at + 2..self.at + 6)?;
                        let lower_hex = |b: &u8| matches!(b, b'0'..=b'9' | b'a'..=b'f');
                        let control = code[..2] == *b"00"
                            && matches!(code[2], b'0' | b'1')
                            && lower_hex(&code[3]);
                        // The five with a short escape are written short.
                        let short =
                            code[2] == b'0' && matches!(code[3], b'8' | b'9' | b'a' | b'c' | b'd');
                        if !control || short {
                            return None;
                        }
                        self.at += 6;
                    }
                    _ => return None,
                },
                0x00..=0x1f => return None,
                _ => self.at += 1,
            }
        }
    }

    fn array(&mut self, out: &mut Vec<u8>) -> Option<()> {
        self.at += 1;
        out.push(b'[');
        if self.eat(b']') {
            out.push(b']');
            return Some(());
        }
        loop {
            self.value(out)?;
            if self.eat(b']') {
                out.push(b']');
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
            out.push(b',');
        }
    }

    /// The members are written in the text's order, then moved into key order.
    fn object(&mut self, out: &mut Vec<u8>) -> Option<()> {
        self.at += 1;
        if self.eat(b'}') {
            out.extend_from_slice(b"{}");
            return Some(());
        }
        let start = out.len();
        // (the key's text with its quotes, where its value's bytes start and end in `out`)
        let mut members: Vec<(&'t [u8], usize, usize)> = Vec::new();
        loop {
            self.skip_space();
            if self.bytes.get(self.at) != Some(&b'"') {
                return None;
            }
            let key = self.string()?;
            // An escape would make the text's order differ from the key's bytes' order.
            if key.contains(&b'\\') || !self.eat(b':') {
                return None;
            }
            let value_start = out.len();
            self.value(out)?;
            members.push((key, value_start, out.len()));
            if self.eat(b'}') {
                break;
            }
            if !self.eat(b',') {
                return None;
            }
        }
        let content = |key: &'t [u8]| &key[1..key.len() - 1];
        members.sort_by(|a, b| content(a.0).cmp(content(b.0)));
        // serde_json keeps the last of repeated keys: leave those to it.
        if members.windows(2).any(|pair| pair[0].0 == pair[1].0) {
            return None;
        }
        let values = out.split_off(start);
        out.push(b'{');
        for (i, (key, from, to)) in members.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key);
            out.push(b':');
            out.extend_from_slice(&values[from - start..to - start]);
        }
        out.push(b'}');
        Some(())
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
/// `Value` array, which cost a clone of the payload and metadata per event, and from the log's text
/// ([`LoggedEvent::text`]) rather than the parsed values.
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
    for (column, text) in [
        ("payload", &event.text.payload),
        ("metadata", &event.text.metadata),
    ] {
        out.push(b',');
        write_text(text, &mut out).map_err(|e| ProjectionError::Corrupt {
            position: event.position,
            column,
            detail: e.to_string(),
        })?;
    }
    out.push(b',');
    write_json(&recorded_at, &mut out);
    out.push(b']');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_log::EventText;

    /// `value` as PostgreSQL's jsonb prints it (what the log holds on PostgreSQL): keys by length,
    /// then bytes; a space after `:` and `,`.
    fn jsonb_text(value: &Value) -> String {
        match value {
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(jsonb_text).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries
                    .sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
                let entries: Vec<String> = entries
                    .into_iter()
                    .map(|(key, item)| {
                        format!("{}: {}", Value::from(key.as_str()), jsonb_text(item))
                    })
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
            scalar => scalar.to_string(),
        }
    }

    fn from_text(text: &str) -> String {
        let mut out = Vec::new();
        write_text(text, &mut out).expect("JSON");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn the_text_gives_the_bytes_of_the_parsed_value() {
        let texts = [
            r#"{"b": 1, "a": [true, null, "x\"y"], "é": {"z": 2, "y": 1.5}}"#,
            r#"{"ab": 1, "ab!": 2, "a b": 3, "": 4, "AB": 5}"#,
            r#" [ 0 , -1 , 123456789012345678 , 1234567890123456789 , 18446744073709551616 ] "#,
            r#"[-0, 1e3, 1E3, 2.50, -0.0, 1.0e-7, 100000000000000000000000000]"#,
            r#"["\/", "\u00e9", "\u001f", "\u001F", "\u0008", "\b\f\n\r\t", "\ud83d\ude00", "", "市民"]"#,
            r#"{"a\"b": 1, "a#": 2}"#,
            r#"{"k": 1, "k": 2}"#,
            r#"{"outer": {"inner": {"deep": [{"b": [], "a": {}}]}}}"#,
            "\t{\n\"x\"\r:\ttrue }\n",
            "\"plain\"",
            "null",
        ];
        for text in texts {
            let value: Value = serde_json::from_str(text).expect(text);
            let mut expected = Vec::new();
            write_value(&value, &mut expected);
            assert_eq!(from_text(text).as_bytes(), expected, "{text}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(write_text(&deep, &mut Vec::new()).is_err());
        for broken in [
            "{",
            "[1,]",
            r#"{"a" 1}"#,
            "\"\u{1}\"",
            "tru",
            "01",
            "1 2",
            "",
        ] {
            assert!(write_text(broken, &mut Vec::new()).is_err(), "{broken}");
        }
    }

    /// The texts the log holds take the fast path: no value is built for them.
    #[test]
    fn the_logs_texts_take_the_fast_path() {
        let payload = r#"{"ScoresSaved": {"at": "2026-11-25T16:40:44.057858295Z", "scores": {"civic": 8, "growth": 8}, "comment": "計画が具体的で、\n地域への広がり\"が\"期待できる。"}}"#;
        let value: Value = serde_json::from_str(payload).expect("JSON");
        for text in [payload.to_owned(), value.to_string(), jsonb_text(&value)] {
            let mut scanner = Scanner {
                bytes: text.as_bytes(),
                at: 0,
                depth: 0,
            };
            let mut out = Vec::new();
            assert!(
                scanner.value(&mut out).is_some() && scanner.at_end(),
                "{text}"
            );
            assert_eq!(out, value.to_string().into_bytes());
        }
    }

    /// Values built from a fixed pseudo-random sequence, printed as serde_json, pretty and as jsonb
    /// does: the three texts give the bytes of the value.
    #[test]
    fn generated_values_give_the_same_bytes_from_every_spelling() {
        fn generate(next: &mut dyn FnMut(u64) -> u64, depth: u32) -> Value {
            const WORDS: [&str; 8] = ["a", "ab", "b", "é", "キー", "a\"q", "tab\there", "Z\u{1}"];
            match next(if depth > 3 { 5 } else { 7 }) {
                0 => Value::Null,
                1 => Value::Bool(next(2) == 0),
                2 => Value::from(next(1 << 40) as i64 - (1 << 39)),
                3 => Value::from(next(1000) as f64 / 8.0),
                4 => Value::from(WORDS[next(8) as usize]),
                5 => Value::Array((0..next(4)).map(|_| generate(next, depth + 1)).collect()),
                _ => Value::Object(
                    (0..next(5))
                        .map(|_| {
                            (
                                WORDS[next(8) as usize].to_owned(),
                                generate(next, depth + 1),
                            )
                        })
                        .collect(),
                ),
            }
        }
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..2_000 {
            let value = generate(&mut next, 0);
            let mut expected = Vec::new();
            write_value(&value, &mut expected);
            let pretty = serde_json::to_string_pretty(&value).expect("JSON");
            for text in [value.to_string(), pretty, jsonb_text(&value)] {
                assert_eq!(from_text(&text).as_bytes(), expected, "{text}");
            }
        }
    }

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
            text: EventText {
                payload: jsonb_text(&payload),
                metadata: r#"{"request_id": "r", "actor_id": null}"#.into(),
            },
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
