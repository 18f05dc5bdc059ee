//! RFC 8785 (JCS) canonical JSON written straight from JSON text, without building a
//! `serde_json::Value`: the hot path of every leaf hash (the export check, `grants audit verify`,
//! the chain's projection). It gives the same bytes as `serde_jcs` over the parsed value (tested
//! below, and by every check of an export whose hashes `serde_jcs` made), and falls back to
//! `serde_jcs` for what is rare in the log: numbers that are not small integers, strings with
//! escapes (decoded by `serde_json`).
//!
//! - objects: members sorted by the UTF-16 code units of their decoded keys; a repeated key keeps
//!   its last value (as `serde_json` does);
//! - strings: only `"`, `\` and control characters escaped (`\b \t \n \f \r`, else `\u00xx`);
//! - numbers: as ECMAScript prints the double (an integer of up to 15 digits is its digits);
//! - no whitespace.

/// The text is not JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JcsError {
    /// Byte offset in the text.
    pub at: usize,
    /// What is wrong there.
    pub message: &'static str,
}

impl std::fmt::Display for JcsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.at)
    }
}

impl std::error::Error for JcsError {}

/// Members of objects being written: the key's canonical bytes and the member's bytes in `out`.
#[derive(Clone, Copy)]
struct Member {
    key_start: usize,
    key_end: usize,
    start: usize,
    end: usize,
}

/// A reusable writer: keeps its buffers between calls, so a long run allocates almost nothing.
#[derive(Default)]
pub struct Canonicalizer {
    members: Vec<Member>,
    scratch: Vec<u8>,
}

const MAX_DEPTH: usize = 128;

impl Canonicalizer {
    /// Appends the JCS form of the JSON `text` to `out`.
    pub fn write(&mut self, text: &str, out: &mut Vec<u8>) -> Result<(), JcsError> {
        let bytes = text.as_bytes();
        let mut reader = Reader { text, bytes, at: 0 };
        reader.skip_ws();
        self.value(&mut reader, out, 0)?;
        reader.skip_ws();
        if reader.at != bytes.len() {
            return Err(reader.error("trailing characters"));
        }
        Ok(())
    }

    fn value(&mut self, r: &mut Reader, out: &mut Vec<u8>, depth: usize) -> Result<(), JcsError> {
        if depth > MAX_DEPTH {
            return Err(r.error("nested too deeply"));
        }
        match r.peek() {
            Some(b'{') => self.object(r, out, depth),
            Some(b'[') => {
                r.at += 1;
                out.push(b'[');
                r.skip_ws();
                if r.peek() == Some(b']') {
                    r.at += 1;
                    out.push(b']');
                    return Ok(());
                }
                loop {
                    self.value(r, out, depth + 1)?;
                    r.skip_ws();
                    match r.next() {
                        Some(b',') => {
                            out.push(b',');
                            r.skip_ws();
                        }
                        Some(b']') => {
                            out.push(b']');
                            return Ok(());
                        }
                        _ => return Err(r.error("expected , or ] in an array")),
                    }
                }
            }
            Some(b'"') => r.string(out),
            Some(b't') => r.literal(b"true", out),
            Some(b'f') => r.literal(b"false", out),
            Some(b'n') => r.literal(b"null", out),
            Some(b'-' | b'0'..=b'9') => r.number(out),
            _ => Err(r.error("expected a value")),
        }
    }

    fn object(&mut self, r: &mut Reader, out: &mut Vec<u8>, depth: usize) -> Result<(), JcsError> {
        r.at += 1;
        out.push(b'{');
        let base = self.members.len();
        let body = out.len();
        r.skip_ws();
        if r.peek() == Some(b'}') {
            r.at += 1;
            out.push(b'}');
            return Ok(());
        }
        loop {
            if r.peek() != Some(b'"') {
                return Err(r.error("expected a key"));
            }
            let start = out.len();
            r.string(out)?;
            let key_end = out.len();
            r.skip_ws();
            if r.next() != Some(b':') {
                return Err(r.error("expected : after a key"));
            }
            out.push(b':');
            r.skip_ws();
            self.value(r, out, depth + 1)?;
            self.members.push(Member {
                key_start: start + 1,
                key_end: key_end - 1,
                start,
                end: out.len(),
            });
            r.skip_ws();
            match r.next() {
                Some(b',') => {
                    out.push(b',');
                    r.skip_ws();
                }
                Some(b'}') => break,
                _ => return Err(r.error("expected , or } in an object")),
            }
        }
        let members = &mut self.members[base..];
        let sorted = members
            .windows(2)
            .all(|w| compare_keys(out, &w[0], &w[1]) == std::cmp::Ordering::Less);
        if !sorted {
            members.sort_by(|a, b| compare_keys(out, a, b));
            self.scratch.clear();
            let mut first = true;
            for (i, member) in members.iter().enumerate() {
                // A repeated key: the last one stands (the stable sort kept their order).
                if members
                    .get(i + 1)
                    .is_some_and(|next| compare_keys(out, member, next).is_eq())
                {
                    continue;
                }
                if !first {
                    self.scratch.push(b',');
                }
                first = false;
                self.scratch
                    .extend_from_slice(&out[member.start..member.end]);
            }
            out.truncate(body);
            out.extend_from_slice(&self.scratch);
        }
        out.push(b'}');
        self.members.truncate(base);
        Ok(())
    }
}

/// JCS's order of two keys: by UTF-16 code units of the decoded strings. UTF-8 byte order is the
/// same unless a key holds a character from U+E000 up (lead byte 0xEE and above) or an escape.
fn compare_keys(out: &[u8], a: &Member, b: &Member) -> std::cmp::Ordering {
    let (ka, kb) = (&out[a.key_start..a.key_end], &out[b.key_start..b.key_end]);
    let plain = |k: &[u8]| k.iter().all(|&c| c != b'\\' && c < 0xEE);
    if plain(ka) && plain(kb) {
        return ka.cmp(kb);
    }
    let decode = |m: &Member| -> String {
        serde_json::from_slice(&out[m.start..m.key_end + 1]).unwrap_or_default()
    };
    decode(a).encode_utf16().cmp(decode(b).encode_utf16())
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, message: &'static str) -> JcsError {
        JcsError {
            at: self.at,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &[u8], out: &mut Vec<u8>) -> Result<(), JcsError> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            out.extend_from_slice(word);
            Ok(())
        } else {
            Err(self.error("expected true, false or null"))
        }
    }

    /// A string from its opening quote: copied as it is when it has no escape (its characters are
    /// then already canonical), else decoded and written with JCS's escapes.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), JcsError> {
        let start = self.at;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            i = skip_plain(self.bytes, i);
            match self.bytes.get(i) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(&c) if c < 0x20 => {
                    self.at = i;
                    return Err(self.error("control character in a string"));
                }
                Some(_) => i += 1,
            }
        }
        let end = i + 1;
        self.at = end;
        if !escaped {
            out.extend_from_slice(&self.bytes[start..end]);
            return Ok(());
        }
        let decoded: String =
            serde_json::from_str(&self.text[start..end]).map_err(|_| JcsError {
                at: start,
                message: "bad escape in a string",
            })?;
        write_string(&decoded, out);
        Ok(())
    }

    fn number(&mut self, out: &mut Vec<u8>) -> Result<(), JcsError> {
        let start = self.at;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let text = &self.bytes[start..self.at];
        let digits = text.strip_prefix(b"-").unwrap_or(text);
        let small_integer = !digits.is_empty()
            && digits.len() <= 15
            && digits.iter().all(u8::is_ascii_digit)
            && (digits.len() == 1 || digits[0] != b'0');
        if small_integer {
            // Exact as a double, and ECMAScript prints such a double as its digits ("-0" as "0").
            if digits == b"0" {
                out.push(b'0');
            } else {
                out.extend_from_slice(text);
            }
            return Ok(());
        }
        let value: serde_json::Value =
            serde_json::from_str(&self.text[start..self.at]).map_err(|_| JcsError {
                at: start,
                message: "not a number",
            })?;
        serde_jcs::to_writer(&mut *out, &value).map_err(|_| JcsError {
            at: start,
            message: "a number JCS cannot write",
        })
    }
}

/// The index of the first byte from `i` on that is `"`, `\\` or a control character (eight bytes
/// at a time), or the end.
fn skip_plain(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
        let quote = zero(x ^ (ONES * u64::from(b'"')));
        let backslash = zero(x ^ (ONES * u64::from(b'\\')));
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let found = quote | backslash | control;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = bytes.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

/// A string with JCS's escapes, quoted.
pub fn write_string(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let escape: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xf)],
            ],
            _ => continue,
        };
        out.extend_from_slice(&bytes[from..i]);
        out.extend_from_slice(escape);
        from = i + 1;
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

/// A number as JCS writes it (through the double, as ECMAScript does).
pub fn write_i64(value: i64, out: &mut Vec<u8>) {
    if value.unsigned_abs() < (1 << 53) {
        let mut buffer = itoa_buffer();
        out.extend_from_slice(format_i64(value, &mut buffer));
    } else {
        let _ = serde_jcs::to_writer(&mut *out, &value);
    }
}

fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

fn format_i64(value: i64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut n = value.unsigned_abs();
    let mut i = buffer.len();
    loop {
        i -= 1;
        buffer[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        i -= 1;
        buffer[i] = b'-';
    }
    &buffer[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        String::from_utf8(serde_jcs::to_vec(&value).unwrap()).unwrap()
    }

    fn fast(text: &str) -> String {
        let mut out = Vec::new();
        Canonicalizer::default().write(text, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_same_bytes_as_serde_jcs() {
        let cases = [
            r#"{"z": 1, "a": {"y": [1, 2, {"c": null, "b": true}], "x": false}, "m": "text"}"#,
            r#"{"b": 1.0, "a": -0, "c": 1e21, "d": 0.1, "e": -12.5e-3, "f": 123456789012345678, "g": 9007199254740993, "h": 100}"#,
            r#"{"esc": "a\"b\\c\/d\u00e9\u20ac\n\t\r\b\f\u0001\u001f\u007f\u2028", "k\u00e9y": 1, "ke": 2}"#,
            r#"{"\ud83d\ude00": 1, "\ufb01": 2, "a": 3, "": 4}"#,
            r#"{"dup": 1, "a": 0, "dup": 2}"#,
            r#"[ ]"#,
            r#"{ }"#,
            r#"  {"a" : [ {"b":{}} , [] , "" ] }  "#,
            r#""まちづくり \"会\"""#,
            r#"{"amount": 300000, "neg": -45, "zero": 0, "big": -999999999999999}"#,
        ];
        for case in cases {
            assert_eq!(fast(case), reference(case), "{case}");
        }
    }

    #[test]
    fn bad_json_is_refused() {
        for bad in [
            "{",
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            "[1 2]",
            "tru",
            r#""a"#,
            "{} {}",
            r#""\x""#,
            "1.2.3",
        ] {
            let mut out = Vec::new();
            assert!(
                Canonicalizer::default().write(bad, &mut out).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn integers_as_jcs_writes_them() {
        for value in [0, 1, -1, 42, i64::MAX, i64::MIN, 1 << 53, -(1 << 53) + 1] {
            let mut out = Vec::new();
            write_i64(value, &mut out);
            assert_eq!(out, serde_jcs::to_vec(&value).unwrap(), "{value}");
        }
    }
}
