//! The reader: the grammar of CPython's `json.loads` (strict mode).

use compact_str::CompactString;

use super::{Error, Int, Limits, Map, Value};

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: &'a Limits,
    /// Parsed values not yet in their container, innermost last. Each value is pushed where
    /// it is parsed (not moved through return slots), and each array takes its own in one
    /// exact-size allocation when it closes.
    values: Vec<Value>,
    /// Members of the objects being parsed, likewise.
    members: Vec<(CompactString, Value)>,
    /// Where strings with escapes are unescaped, reused from one to the next.
    scratch: String,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn unexpected(&self, offset: usize, expected: &'static str) -> Error {
        match self.text.get(offset..).and_then(|s| s.chars().next()) {
            Some(found) => Error::UnexpectedChar {
                offset,
                found,
                expected,
            },
            None => Error::UnexpectedEnd,
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<(), Error> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            self.values.push(value);
            Ok(())
        } else {
            Err(self.unexpected(self.pos, "a JSON value"))
        }
    }

    /// Parses one value and pushes it on `self.values`.
    fn value(&mut self, depth: usize) -> Result<(), Error> {
        match self.peek() {
            None => Err(Error::UnexpectedEnd),
            Some(b'"') => {
                self.pos += 1;
                let text = self.string()?;
                self.values.push(Value::Str(text));
                Ok(())
            }
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'N') => self.literal("NaN", Value::Float(f64::NAN)),
            Some(b'I') => self.literal("Infinity", Value::Float(f64::INFINITY)),
            Some(b'-') if self.bytes.get(self.pos + 1) == Some(&b'I') => {
                self.literal("-Infinity", Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => {
                let number = self.number()?;
                self.values.push(number);
                Ok(())
            }
            Some(_) => Err(self.unexpected(self.pos, "a JSON value")),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected(self.pos, "a digit")),
        }
        let int_end = self.pos;
        if !matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            let digits = self.bytes.get(int_start..int_end).unwrap_or_default();
            // Up to 18 digits always fit an i64 (the ints of a session: no text detour).
            if digits.len() <= 18 && digits.len() <= self.limits.max_int_digits {
                let magnitude = digits
                    .iter()
                    .fold(0i64, |n, &d| n * 10 + i64::from(d.wrapping_sub(b'0') % 10));
                let n = if negative { -magnitude } else { magnitude };
                return Ok(Value::Int(Int::from(n)));
            }
        }
        let mut is_float = false;
        // '.' counts only when a digit follows (else it is left as extra data).
        if self.peek() == Some(b'.') && matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9')) {
            is_float = true;
            self.pos += 1;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            let e_start = self.pos;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            let digits_start = self.pos;
            self.digits();
            if self.pos > digits_start {
                is_float = true;
            } else {
                // Python backtracks; the 'e' then is extra data.
                self.pos = e_start;
            }
        }
        let text = self.text.get(start..self.pos).unwrap_or("0");
        if is_float {
            // Rust's parser is correctly rounded like Python's float() and
            // also gives ±inf on overflow (`1e400`).
            let f: f64 = text.parse().map_err(|_| Error::InvalidInt)?;
            return Ok(Value::Float(f));
        }
        let digits = self.text.get(int_start..int_end).unwrap_or("0");
        if digits.len() > self.limits.max_int_digits {
            return Err(Error::IntTooLong {
                offset: start,
                digits: digits.len(),
                limit: self.limits.max_int_digits,
            });
        }
        Ok(Value::Int(Int::from_sign_digits(negative, digits)))
    }

    fn hex4(&self, at: usize) -> Option<u16> {
        let chunk = self.bytes.get(at..at + 4)?;
        let mut v: u16 = 0;
        for &b in chunk {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return None,
            };
            v = (v << 4) | u16::from(d);
        }
        Some(v)
    }

    /// Parses string contents; `self.pos` is just after the opening quote.
    #[inline(always)]
    fn string(&mut self) -> Result<CompactString, Error> {
        let start = self.pos;
        self.pos += plain_run(self.bytes.get(start..).unwrap_or_default());
        if self.peek() == Some(b'"') {
            // No escapes (nearly every string of a session): one copy, straight from the text.
            // The run stops only at ASCII bytes, so it is on char boundaries.
            let text = self.text.get(start..self.pos).unwrap_or_default();
            self.pos += 1;
            return Ok(CompactString::new(text));
        }
        self.string_with_escapes(start)
    }

    /// The rest of a string whose plain run from `start` stopped before its closing quote.
    #[cold]
    fn string_with_escapes(&mut self, start: usize) -> Result<CompactString, Error> {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        out.push_str(self.text.get(start..self.pos).unwrap_or_default());
        loop {
            match self.peek() {
                None => return Err(Error::UnexpectedEnd),
                Some(b'"') => {
                    self.pos += 1;
                    let text = CompactString::new(&out);
                    self.scratch = out;
                    return Ok(text);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(Error::ControlCharInString { offset: self.pos }),
            }
            let run_start = self.pos;
            self.pos += plain_run(self.bytes.get(self.pos..).unwrap_or_default());
            out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let at = self.pos;
        let c = match self.bytes.get(at + 1) {
            None => return Err(Error::UnexpectedEnd),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let unit = self
                    .hex4(at + 2)
                    .ok_or(Error::InvalidEscape { offset: at })?;
                self.pos = at + 6;
                let c = match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(Error::LoneSurrogate { offset: at });
                        }
                        let low = self
                            .hex4(self.pos + 2)
                            .ok_or(Error::InvalidEscape { offset: self.pos })?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Error::LoneSurrogate { offset: at });
                        }
                        self.pos += 6;
                        let code = 0x10000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        char::from_u32(code).ok_or(Error::LoneSurrogate { offset: at })?
                    }
                    0xDC00..=0xDFFF => return Err(Error::LoneSurrogate { offset: at }),
                    _ => char::from_u32(u32::from(unit))
                        .ok_or(Error::InvalidEscape { offset: at })?,
                };
                out.push(c);
                return Ok(());
            }
            Some(_) => return Err(Error::InvalidEscape { offset: at }),
        };
        out.push(c);
        self.pos = at + 2;
        Ok(())
    }

    fn check_depth(&self, depth: usize) -> Result<(), Error> {
        // The parser recurses once per level: never deeper than the writer and the tagger go,
        // whatever the configured limit.
        let limit = self.limits.max_depth.min(super::MAX_WRITE_DEPTH);
        if depth > limit {
            Err(Error::TooDeep { limit })
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), Error> {
        self.check_depth(depth)?;
        self.pos += 1; // '{'
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.values.push(Value::Dict(Map::new()));
            return Ok(());
        }
        let mark = self.members.len();
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.unexpected(self.pos, "property name enclosed in double quotes"));
            }
            self.pos += 1;
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.unexpected(self.pos, "':' delimiter"));
            }
            self.pos += 1;
            self.skip_ws();
            self.value(depth)?;
            let value = self.values.pop().unwrap_or_default();
            self.members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    let members = self.members.split_off(mark);
                    self.values.push(Value::Dict(Map::from_members(members)));
                    return Ok(());
                }
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(self.unexpected(self.pos, "',' delimiter")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Error> {
        self.check_depth(depth)?;
        self.pos += 1; // '['
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.values.push(Value::List(Vec::new()));
            return Ok(());
        }
        let mark = self.values.len();
        loop {
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    let items = self.values.split_off(mark);
                    self.values.push(Value::List(items));
                    return Ok(());
                }
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(self.unexpected(self.pos, "',' delimiter")),
            }
        }
    }
}

/// Length of the leading run of `bytes` with no `"`, `\\` or control character, eight bytes
/// at a time (most of a session's bytes are in such runs).
#[inline]
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        // `chunks_exact(8)` yields 8 bytes: the conversion cannot fail.
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // A byte that is zero (after the xor) or below 0x20 sets its high bit; bytes above
        // the lowest such byte may too (borrows), which the lowest set bit ignores. Bytes of
        // 0x80 and more never count: `!w` clears their high bit.
        let hits = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | w.wrapping_sub(ONES * 0x20) & !w)
            & HIGHS;
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(words.remainder().len())
}

/// Parses JSON text exactly as CPython's `json.loads(str)` does.
///
/// Accepts `NaN`, `Infinity`, `-Infinity`, integers of any length up to
/// `limits.max_int_digits`, floats as Python's `float()` (`1e400` is
/// infinity); joins surrogate-pair escapes; duplicate keys keep the last
/// value at the first position. Rejects control characters in strings, a
/// leading BOM, trailing data, nesting beyond `limits.max_depth`, and (the
/// one difference from Python) unpaired surrogate escapes.
///
/// ```
/// use signed_cookie::json::{from_str, Limits, Value};
/// let v = from_str(r#" {"a": 1, "a": "\ud83d\ude00"} "#, &Limits::default())?;
/// assert_eq!(v.get("a"), Some(&Value::from("\u{1F600}")));
/// assert!(from_str("[1] x", &Limits::default()).is_err());
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn from_str(text: &str, limits: &Limits) -> Result<Value, Error> {
    if text.starts_with('\u{feff}') {
        return Err(Error::Bom);
    }
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        limits,
        // Room for the pending values of a typical session without regrowing.
        values: Vec::with_capacity((text.len() / 16).clamp(4, 128)),
        members: Vec::with_capacity((text.len() / 16).clamp(4, 128)),
        scratch: String::new(),
    };
    p.skip_ws();
    p.value(0)?;
    p.skip_ws();
    if p.pos != p.bytes.len() {
        return Err(Error::TrailingData { offset: p.pos });
    }
    // `value` pushed exactly one value.
    Ok(p.values.pop().unwrap_or_default())
}

/// Parses JSON bytes as CPython's `json.loads(bytes)` does (Starlette
/// passes bytes): the encoding is detected like `json.detect_encoding`
/// (UTF-8 with an optional BOM, UTF-16 or UTF-32 by BOM or by zero-byte
/// pattern), then the text is parsed by [`from_str`]. Encoded surrogates,
/// which Python's `surrogatepass` lets through, are rejected.
///
/// ```
/// use signed_cookie::json::{from_slice, Limits, Value};
/// let limits = Limits::default();
/// assert_eq!(from_slice(b"\xef\xbb\xbf[1]", &limits)?, Value::List(vec![1i64.into()]));
/// assert_eq!(from_slice(b"1\x00", &limits)?, Value::from(1i64)); // UTF-16-LE
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn from_slice(bytes: &[u8], limits: &Limits) -> Result<Value, Error> {
    let text = decode_detected(bytes)?;
    from_str(&text, limits)
}

fn decode_detected(b: &[u8]) -> Result<String, Error> {
    const UTF32_BE: &[u8] = b"\x00\x00\xfe\xff";
    const UTF32_LE: &[u8] = b"\xff\xfe\x00\x00";
    if b.starts_with(UTF32_BE) {
        return decode_utf32(b.get(4..).unwrap_or_default(), true, "utf-32");
    }
    if b.starts_with(UTF32_LE) {
        return decode_utf32(b.get(4..).unwrap_or_default(), false, "utf-32");
    }
    if b.starts_with(b"\xfe\xff") {
        return decode_utf16(b.get(2..).unwrap_or_default(), true, "utf-16");
    }
    if b.starts_with(b"\xff\xfe") {
        return decode_utf16(b.get(2..).unwrap_or_default(), false, "utf-16");
    }
    if let Some(rest) = b.strip_prefix(b"\xef\xbb\xbf") {
        return decode_utf8(rest, 3);
    }
    match (b.first(), b.get(1), b.get(2), b.get(3)) {
        (Some(0), Some(b1), Some(_), Some(_)) => {
            if *b1 != 0 {
                decode_utf16(b, true, "utf-16-be")
            } else {
                decode_utf32(b, true, "utf-32-be")
            }
        }
        (Some(_), Some(0), Some(b2), Some(b3)) => {
            if *b2 != 0 || *b3 != 0 {
                decode_utf16(b, false, "utf-16-le")
            } else {
                decode_utf32(b, false, "utf-32-le")
            }
        }
        (Some(0), Some(_), None, None) => decode_utf16(b, true, "utf-16-be"),
        (Some(_), Some(0), None, None) => decode_utf16(b, false, "utf-16-le"),
        _ => decode_utf8(b, 0),
    }
}

fn decode_utf8(b: &[u8], base: usize) -> Result<String, Error> {
    match std::str::from_utf8(b) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(Error::InvalidEncoding {
            encoding: "utf-8",
            offset: base + e.valid_up_to(),
        }),
    }
}

fn decode_utf16(b: &[u8], big_endian: bool, encoding: &'static str) -> Result<String, Error> {
    let chunks = b.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err(Error::InvalidEncoding {
            encoding,
            offset: b.len() - 1,
        });
    }
    let units = chunks.map(|c| match c {
        [x, y] if big_endian => u16::from_be_bytes([*x, *y]),
        [x, y] => u16::from_le_bytes([*x, *y]),
        _ => 0,
    });
    let mut out = String::with_capacity(b.len() / 2);
    for (i, r) in char::decode_utf16(units).enumerate() {
        match r {
            Ok(c) => out.push(c),
            Err(_) => {
                return Err(Error::InvalidEncoding {
                    encoding,
                    offset: i * 2,
                })
            }
        }
    }
    Ok(out)
}

fn decode_utf32(b: &[u8], big_endian: bool, encoding: &'static str) -> Result<String, Error> {
    let chunks = b.chunks_exact(4);
    if !chunks.remainder().is_empty() {
        return Err(Error::InvalidEncoding {
            encoding,
            offset: b.len() - chunks.remainder().len(),
        });
    }
    let mut out = String::with_capacity(b.len() / 4);
    for (i, c) in chunks.enumerate() {
        let v = match c {
            [w, x, y, z] if big_endian => u32::from_be_bytes([*w, *x, *y, *z]),
            [w, x, y, z] => u32::from_le_bytes([*w, *x, *y, *z]),
            _ => 0,
        };
        match char::from_u32(v) {
            Some(ch) => out.push(ch),
            None => {
                return Err(Error::InvalidEncoding {
                    encoding,
                    offset: i * 4,
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_runs_stop_at_the_first_quote_backslash_or_control_byte() {
        for len in 0..40 {
            for at in 0..len {
                for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    // Bytes next to the stops in value: '!', '#', '[', ']', 0x20, 0x7f, UTF-8.
                    let mut bytes: Vec<u8> = (0..len)
                        .map(|i| [b'!', b'#', b'[', b']', 0x20, 0x7f, 0xc3, 0xa9][i % 8])
                        .collect();
                    assert_eq!(plain_run(&bytes), len);
                    bytes[at] = stop;
                    if at + 1 < len {
                        bytes[at + 1] = 0x01;
                    }
                    assert_eq!(plain_run(&bytes), at, "len {len} at {at} stop {stop:#x}");
                }
            }
        }
    }
    use crate::json::{to_string, JsonStyle};

    fn p(s: &str) -> Result<Value, Error> {
        from_str(s, &Limits::default())
    }

    #[test]
    fn accepts_python_grammar() {
        assert_eq!(p(" \t\n\r1 \n").unwrap(), Value::from(1i64));
        assert_eq!(p("-0").unwrap(), Value::from(0i64));
        assert_eq!(
            p("-0.0").unwrap().as_f64().map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(p("1e400").unwrap(), Value::Float(f64::INFINITY));
        assert_eq!(
            p("-1E-400").unwrap().as_f64().map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(p("-Infinity").unwrap(), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(p("NaN").unwrap(), Value::Float(f) if f.is_nan()));
        assert_eq!(p("1.5e3").unwrap(), Value::Float(1500.0));
        assert_eq!(
            p("\"\\/\\b\\f\\u00E9\"").unwrap(),
            Value::from("/\u{8}\u{c}é")
        );
        assert_eq!(p("\"\u{7f}é\"").unwrap(), Value::from("\u{7f}é"));
        let big = p("1180591620717411303424").unwrap();
        assert_eq!(
            to_string(&big, &JsonStyle::FLASK).unwrap(),
            "1180591620717411303424"
        );
        let neg = p("-18446744073709551617").unwrap();
        assert_eq!(
            to_string(&neg, &JsonStyle::FLASK).unwrap(),
            "-18446744073709551617"
        );
        let d = p(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(
            to_string(&d, &JsonStyle::DJANGO).unwrap(),
            r#"{"a":3,"b":2}"#
        );
        assert_eq!(p(r#""\ud83d\ude00""#).unwrap(), Value::from("\u{1F600}"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            " ",
            "01",
            "1.",
            ".5",
            "1e",
            "1e+",
            "-",
            "+1",
            "[1,]",
            "{\"a\":1,}",
            "{1:2}",
            "[1 2]",
            "nul",
            "true1",
            "\"abc",
            "\"\t\"",
            "\"\\x\"",
            "\"\\u12\"",
            "-NaN",
            "infinity",
            "{\"a\" 1}",
            "[",
            "{",
            "\u{feff}1",
            "1 1",
            "'a'",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\ud800x\"",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should fail");
        }
        assert!(matches!(
            p("[1,]"),
            Err(Error::UnexpectedChar { offset: 3, .. })
        ));
        assert!(matches!(
            p("\"\\ud800\""),
            Err(Error::LoneSurrogate { offset: 1 })
        ));
        assert!(matches!(
            p("\"a\u{1}\""),
            Err(Error::ControlCharInString { offset: 2 })
        ));
        assert!(matches!(p("1 x"), Err(Error::TrailingData { offset: 2 })));
        assert!(matches!(p("\u{feff}1"), Err(Error::Bom)));
    }

    #[test]
    fn limits() {
        let ok = "1".repeat(4300);
        assert!(p(&ok).is_ok());
        assert!(p(&format!("-{ok}")).is_ok());
        assert!(matches!(
            p(&"1".repeat(4301)),
            Err(Error::IntTooLong { digits: 4301, .. })
        ));
        let ten = Limits {
            max_int_digits: 10,
            ..Limits::default()
        };
        assert!(from_str("-1234567890", &ten).is_ok());
        assert!(matches!(
            from_str("[12345678901]", &ten),
            Err(Error::IntTooLong {
                digits: 11,
                offset: 1,
                limit: 10
            })
        ));
        // Floats have no digit limit in Python.
        assert!(p(&format!("{}.0", "1".repeat(5000))).is_ok());
        let deep_ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(p(&deep_ok).is_ok());
        let deep_bad = format!("{}{}", "[".repeat(129), "]".repeat(129));
        assert!(matches!(p(&deep_bad), Err(Error::TooDeep { limit: 128 })));
        let hostile = "[{\"a\":".repeat(100_000);
        assert!(p(&hostile).is_err());
    }

    #[test]
    fn bytes_detection() {
        let l = Limits::default();
        assert_eq!(
            from_slice(b"[1]", &l).unwrap(),
            Value::List(vec![1i64.into()])
        );
        let utf16be: Vec<u8> = "[\"é\"]"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(
            from_slice(&utf16be, &l).unwrap(),
            Value::List(vec!["é".into()])
        );
        let utf32le: Vec<u8> = "{}"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert!(from_slice(&utf32le, &l).unwrap().as_dict().is_some());
        assert!(from_slice(b"\xff", &l).is_err());
        assert!(from_slice(b"\"\xed\xa0\x80\"", &l).is_err());
    }
}
