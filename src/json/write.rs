//! The writer: byte-identical to CPython 3.11 `json.dumps`.

use std::io::{self, Write};

use serde_json::ser::{CharEscape, Formatter};

use super::{Error, JsonStyle, Map, Value};
use crate::tagged::TagScheme;

/// Maximum nesting the writer, `tagged::tag` and `tagged::untag` descend
/// into (Python's own limit is its recursion limit of about 1000; 512 keeps
/// the recursion safe on a 2 MiB thread stack even in debug builds).
///
/// ```
/// use signed_cookie::json::{to_string, Error, JsonStyle, Value, MAX_WRITE_DEPTH};
/// let mut v = Value::Null;
/// for _ in 0..=MAX_WRITE_DEPTH { v = Value::List(vec![v]); }
/// assert!(matches!(to_string(&v, &JsonStyle::FLASK), Err(Error::TooDeep { .. })));
/// ```
pub const MAX_WRITE_DEPTH: usize = 512;

/// A `serde_json` [`Formatter`] with the separators, float `repr` and
/// string escaping of Python's `json.dumps`.
///
/// It can also drive `serde_json::Serializer` directly, but that serializer
/// turns NaN into `null` and cannot sort keys; [`to_writer`] walks a
/// [`Value`] itself and only uses this formatter for the tokens.
///
/// ```
/// use signed_cookie::json::{JsonStyle, PythonFormatter};
/// let mut out = Vec::new();
/// let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter::new(JsonStyle::PYTHON_DEFAULT));
/// serde::Serialize::serialize(&(1, 1e16, "é"), &mut ser)?;
/// assert_eq!(String::from_utf8(out).unwrap(), r#"[1, 1e+16, "\u00e9"]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PythonFormatter {
    style: JsonStyle,
}

impl PythonFormatter {
    /// A formatter for the given style.
    ///
    /// ```
    /// use signed_cookie::json::{JsonStyle, PythonFormatter};
    /// let _f = PythonFormatter::new(JsonStyle::FLASK);
    /// ```
    pub fn new(style: JsonStyle) -> PythonFormatter {
        PythonFormatter { style }
    }

    /// `", "` or `","` between items.
    #[inline]
    fn write_item_separator<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        if self.style.spaced {
            w.write_all(b", ")
        } else {
            w.write_all(b",")
        }
    }
}

fn write_u_escape<W: ?Sized + Write>(w: &mut W, unit: u16) -> io::Result<()> {
    w.write_all(&u_escape(unit))
}

/// `\uXXXX` with lowercase hex digits, as Python writes it.
#[inline]
fn u_escape(unit: u16) -> [u8; 6] {
    // Lowercase hex digit of the low four bits, without indexing.
    let hex = |n: u16| {
        let d = (n & 0xF) as u8;
        if d < 10 {
            b'0' + d
        } else {
            b'a' + d - 10
        }
    };
    [
        b'\\',
        b'u',
        hex(unit >> 12),
        hex(unit >> 8),
        hex(unit >> 4),
        hex(unit),
    ]
}

/// One in each byte of a word, and the top bit of each byte.
const ONES: u64 = 0x0101_0101_0101_0101;
const TOPS: u64 = 0x8080_8080_8080_8080;

/// Flags (top bit of the byte) the bytes of the little-endian word `x` that a JSON string must
/// escape: controls, `"` and `\`, and with `ensure_ascii` 0x7F and above.
///
/// Each test is exact for its lowest flagged byte; a borrow or carry can only flag bytes
/// above a real hit, so the lowest flag overall is always a real one (which is all that the
/// scan uses).
#[inline]
fn escape_flags(x: u64, ensure_ascii: bool) -> u64 {
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    let mut flags = (x.wrapping_sub(ONES * 0x20) & !x)
        | (quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash);
    if ensure_ascii {
        // Bytes >= 0x7F: adding one sets the top bit of 0x7F, the rest have it already.
        flags |= x.wrapping_add(ONES) | x;
    }
    flags & TOPS
}

impl PythonFormatter {
    /// Appends the leading run of `bytes` that Python writes unchanged inside a string and
    /// returns its length.
    ///
    /// Eight bytes at a time: each word is appended whole, then cut back to the first byte
    /// that needs an escape, so the copy and the scan are one pass without `memcpy` calls.
    /// In `ensure_ascii` style the run stops at the lead byte of a non-ASCII character, so it
    /// always ends on a character boundary.
    #[inline]
    fn copy_plain_run(&self, out: &mut Vec<u8>, bytes: &[u8]) -> usize {
        let ascii = self.style.ensure_ascii;
        let first_flag = |flags: u64| (flags.trailing_zeros() / 8) as usize;
        let mut rest = bytes;
        let mut done = 0;
        while let Some((word, tail)) = rest.split_first_chunk::<8>() {
            out.extend_from_slice(word);
            let flags = escape_flags(u64::from_le_bytes(*word), ascii);
            if flags != 0 {
                let hit = first_flag(flags);
                out.truncate(out.len() - 8 + hit);
                return done + hit;
            }
            done += 8;
            rest = tail;
        }
        if rest.is_empty() {
            return done;
        }
        // The tail: from the last eight bytes when there are that many (one load), shifted
        // down and padded with plain bytes.
        let word = match bytes.last_chunk::<8>() {
            Some(last) => {
                let shift = 8 * (8 - rest.len());
                (u64::from_le_bytes(*last) >> shift) | ((ONES * u64::from(b'a')) << (64 - shift))
            }
            None => load_padded(rest, b'a'),
        };
        out.extend_from_slice(&word.to_le_bytes());
        let flags = escape_flags(word, ascii);
        // The padding is plain, so a flag is within `rest`.
        let keep = if flags != 0 {
            first_flag(flags)
        } else {
            rest.len()
        };
        out.truncate(out.len() - 8 + keep);
        done + keep
    }

    /// Length of the leading run of `bytes` that Python writes unchanged inside a string.
    #[inline]
    fn plain_run(&self, bytes: &[u8]) -> usize {
        let ascii = self.style.ensure_ascii;
        let mut rest = bytes;
        let mut done = 0;
        while let Some((word, tail)) = rest.split_first_chunk::<8>() {
            let flags = escape_flags(u64::from_le_bytes(*word), ascii);
            if flags != 0 {
                return done + (flags.trailing_zeros() / 8) as usize;
            }
            done += 8;
            rest = tail;
        }
        if rest.is_empty() {
            return done;
        }
        let flags = escape_flags(load_padded(rest, b'a'), ascii);
        if flags != 0 {
            return done + (flags.trailing_zeros() / 8) as usize;
        }
        bytes.len()
    }

    /// Writes the escape Python's `json.dumps` uses for `c`, a character that
    /// [`plain_run`](Self::plain_run) stopped at.
    fn write_escaped_char(&self, out: &mut Vec<u8>, c: char) {
        let short: &[u8] = match c {
            '"' => b"\\\"",
            '\\' => b"\\\\",
            '\n' => b"\\n",
            '\r' => b"\\r",
            '\t' => b"\\t",
            '\u{8}' => b"\\b",
            '\u{c}' => b"\\f",
            _ => b"",
        };
        if !short.is_empty() {
            out.extend_from_slice(short);
        } else if c < ' ' || (self.style.ensure_ascii && c >= '\u{7f}') {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.extend_from_slice(&u_escape(*unit));
            }
        } else {
            // Not reached (`plain_run` only stops at the characters above); kept exact anyway.
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
    }

    /// Writes the body of a JSON string (no quotes): plain runs copied, the rest escaped.
    // Inlined in release builds only: in debug ones it swells the recursion's frames.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn write_str_body(&self, out: &mut Vec<u8>, s: &str) {
        // Most keys and many values are short and plain: one or two words, checked at once
        // and appended whole, without the general loop's call.
        let bytes = s.as_bytes();
        let ascii = self.style.ensure_ascii;
        match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(first), Some(last)) if bytes.len() <= 16 => {
                let (lo, hi) = (u64::from_le_bytes(*first), u64::from_le_bytes(*last));
                if escape_flags(lo, ascii) | escape_flags(hi, ascii) == 0 {
                    let end = out.len() + bytes.len();
                    out.extend_from_slice(first);
                    out.truncate(end - 8);
                    out.extend_from_slice(last);
                    return;
                }
            }
            (None, _) if !bytes.is_empty() => {
                let word = load_padded(bytes, b'a');
                if escape_flags(word, ascii) == 0 {
                    let end = out.len() + bytes.len();
                    out.extend_from_slice(&word.to_le_bytes());
                    out.truncate(end);
                    return;
                }
            }
            _ => {}
        }
        let run = self.copy_plain_run(out, s.as_bytes());
        if run != s.len() {
            self.write_escaped_rest(out, s, run);
        }
    }

    /// The rest of a string body from `run`, the first byte that needs an escape.
    #[inline(never)]
    fn write_escaped_rest(&self, out: &mut Vec<u8>, s: &str, run: usize) {
        // `copy_plain_run` ends on a char boundary, so `get` always succeeds.
        let mut rest = s.get(run..).unwrap_or_default();
        loop {
            let mut chars = rest.chars();
            let Some(c) = chars.next() else {
                return;
            };
            self.write_escaped_char(out, c);
            rest = chars.as_str();
            let run = self.copy_plain_run(out, rest.as_bytes());
            rest = rest.get(run..).unwrap_or_default();
        }
    }

    /// Writes `s` as a quoted JSON string in this style.
    ///
    /// ```
    /// use signed_cookie::json::{JsonStyle, PythonFormatter};
    /// let mut out = Vec::new();
    /// PythonFormatter::new(JsonStyle::FLASK).write_str(&mut out, "é\n\"");
    /// assert_eq!(out, br#""\u00e9\n\"""#);
    /// ```
    #[inline]
    pub fn write_str(&self, out: &mut Vec<u8>, s: &str) {
        out.push(b'"');
        self.write_str_body(out, s);
        out.push(b'"');
    }

    /// Writes a dict key with the separators around it: `,"key":` (`, "key": ` when spaced),
    /// without the comma for the first key. The same bytes as `begin_object_key`, the string
    /// and `begin_object_value`, in fewer appends.
    // Inlined in release builds only: in debug ones it swells the recursion's frames.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn write_key(&self, out: &mut Vec<u8>, first: bool, key: &str) {
        match (first, self.style.spaced) {
            (true, _) => out.push(b'"'),
            (false, false) => out.extend_from_slice(b",\""),
            (false, true) => out.extend_from_slice(b", \""),
        }
        self.write_str_body(out, key);
        if self.style.spaced {
            out.extend_from_slice(b"\": ");
        } else {
            out.extend_from_slice(b"\":");
        }
    }
}

/// Appends the decimal digits of `n`, as `int.__repr__` (and `itoa`) writes them: the digits
/// are laid out in a fixed-size block that is appended whole and cut to length, so no
/// `memcpy` call is made for a few bytes.
#[inline]
fn write_i64(out: &mut Vec<u8>, n: i64) {
    // Counts, prices, small ids: up to four digits, as one word without a loop.
    if let Ok(small @ 0..=9999) = u32::try_from(n) {
        let len =
            1 + usize::from(small >= 10) + usize::from(small >= 100) + usize::from(small >= 1000);
        let digits = (small / 1000)
            | ((small / 100 % 10) << 8)
            | ((small / 10 % 10) << 16)
            | ((small % 10) << 24);
        let word = (digits + 0x3030_3030) >> (8 * (4 - len));
        out.extend_from_slice(&word.to_le_bytes());
        out.truncate(out.len() - 4 + len);
        return;
    }
    let mut block = [0u8; 24];
    let mut magnitude = n.unsigned_abs();
    let sign = usize::from(n < 0);
    if let Some(minus) = block.first_mut() {
        *minus = b'-';
    }
    let len = sign + magnitude.checked_ilog10().unwrap_or(0) as usize + 1;
    let mut at = len;
    while magnitude >= 100 {
        let pair = (magnitude % 100) as usize;
        magnitude /= 100;
        at -= 2;
        if let Some(dst) = block.get_mut(at..at + 2) {
            dst.copy_from_slice(&two_digits(pair));
        }
    }
    if magnitude >= 10 {
        at -= 2;
        if let Some(dst) = block.get_mut(at..at + 2) {
            dst.copy_from_slice(&two_digits(magnitude as usize));
        }
    } else if let Some(dst) = block.get_mut(at - 1) {
        *dst = b'0' + magnitude as u8;
    }
    out.extend_from_slice(&block);
    out.truncate(out.len() - 24 + len);
}

/// The two ASCII digits of `n` (below 100).
#[inline]
fn two_digits(n: usize) -> [u8; 2] {
    [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]
}

/// The 1 to 7 `bytes` as a little-endian word, padded with `pad`, without a byte loop (whose
/// byte stores and word load would stall store forwarding): two overlapping reads (four bytes
/// each, or single bytes) cover any length.
#[inline]
fn load_padded(bytes: &[u8], pad: u8) -> u64 {
    let n = bytes.len().min(7);
    let word = match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(first), Some(last)) => {
            u64::from(u32::from_le_bytes(*first))
                | (u64::from(u32::from_le_bytes(*last)) << (8 * (n - 4)))
        }
        _ => {
            let at = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(b'a'));
            at(0)
                | (at(n / 2) << (8 * (n / 2)))
                | (at(n.saturating_sub(1)) << (8 * n.saturating_sub(1)))
        }
    };
    word | ((ONES * u64::from(pad)) & (!0u64 << (8 * n)))
}

impl Formatter for PythonFormatter {
    // Separators and literals are written as constant-length slices, one per branch: a
    // `Vec` then stores them inline instead of calling `memcpy` for one or two bytes.
    #[inline]
    fn write_bool<W: ?Sized + Write>(&mut self, w: &mut W, value: bool) -> io::Result<()> {
        if value {
            w.write_all(b"true")
        } else {
            w.write_all(b"false")
        }
    }

    #[inline]
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            self.write_item_separator(w)
        }
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            self.write_item_separator(w)
        }
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.style.spaced {
            w.write_all(b": ")
        } else {
            w.write_all(b":")
        }
    }

    fn write_f32<W: ?Sized + Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        // Shortest f32 digits, then Python's layout (as to_value does).
        let widened = if value.is_finite() {
            value.to_string().parse::<f64>().unwrap_or(f64::from(value))
        } else {
            f64::from(value)
        };
        self.write_f64(w, widened)
    }

    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        let mut buf = FloatBuf::new();
        w.write_all(buf.format(value))
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json hands over runs with `"`, `\` and controls already taken out; what is
        // left to escape here is 0x7F and non-ASCII in `ensure_ascii` style.
        if self.plain_run(fragment.as_bytes()) == fragment.len() {
            return w.write_all(fragment.as_bytes());
        }
        let mut escaped = Vec::with_capacity(fragment.len() + 16);
        self.write_str_body(&mut escaped, fragment);
        w.write_all(&escaped)
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let s: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(b) => return write_u_escape(w, u16::from(b)),
        };
        w.write_all(s)
    }
}

/// A stack buffer holding one float in Python's `repr` layout (at most 24 bytes:
/// `-1.7976931348623157e+308`).
struct FloatBuf {
    bytes: [u8; 32],
    len: usize,
}

impl FloatBuf {
    fn new() -> FloatBuf {
        FloatBuf {
            bytes: [0; 32],
            len: 0,
        }
    }

    fn push(&mut self, s: &[u8]) {
        if let Some(dst) = self.bytes.get_mut(self.len..self.len + s.len()) {
            dst.copy_from_slice(s);
            self.len += s.len();
        }
    }

    fn push_zeros(&mut self, n: usize) {
        for _ in 0..n {
            self.push(b"0");
        }
    }

    /// Python's `float.__repr__` of `value`; see [`float_repr`].
    fn format(&mut self, value: f64) -> &[u8] {
        self.len = 0;
        if value.is_nan() {
            self.push(b"NaN");
        } else if value.is_infinite() {
            self.push(if value > 0.0 {
                b"Infinity"
            } else {
                b"-Infinity"
            });
        } else {
            self.layout(value);
        }
        self.bytes.get(..self.len).unwrap_or_default()
    }

    fn layout(&mut self, value: f64) {
        // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7" (at most 24 bytes).
        let mut sci = [0u8; 32];
        let sci_len = {
            let mut cursor = &mut sci[..];
            if write!(cursor, "{value:e}").is_err() {
                return;
            }
            32 - cursor.len()
        };
        let sci = sci.get(..sci_len).unwrap_or_default();
        let (negative, body) = match sci.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, sci),
        };
        let e_at = body.iter().position(|&b| b == b'e').unwrap_or(body.len());
        let (mantissa, exp_text) = body.split_at(e_at);
        let exp: i32 = std::str::from_utf8(exp_text.get(1..).unwrap_or_default())
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let mut digits = [0u8; 24];
        let mut n_digits = 0;
        for &d in mantissa.iter().filter(|&&d| d != b'.') {
            if let Some(slot) = digits.get_mut(n_digits) {
                *slot = d;
                n_digits += 1;
            }
        }
        let digits = digits.get(..n_digits).unwrap_or_default();
        if negative {
            self.push(b"-");
        }
        if (-4..16).contains(&exp) {
            if exp >= 0 {
                let int_len = usize::try_from(exp).unwrap_or(0) + 1;
                if digits.len() <= int_len {
                    self.push(digits);
                    self.push_zeros(int_len - digits.len());
                    self.push(b".0");
                } else {
                    let (int_part, frac) = digits.split_at(int_len);
                    self.push(int_part);
                    self.push(b".");
                    self.push(frac);
                }
            } else {
                self.push(b"0.");
                self.push_zeros(usize::try_from(-exp - 1).unwrap_or(0));
                self.push(digits);
            }
        } else {
            let (first, rest) = digits.split_at(1.min(digits.len()));
            self.push(first);
            if !rest.is_empty() {
                self.push(b".");
                self.push(rest);
            }
            self.push(if exp < 0 { b"e-" } else { b"e+" });
            // At least two digits, as C's `%e`: `1e-05`, `1e+16`, `1e+308`.
            let abs = exp.unsigned_abs();
            if abs >= 100 {
                self.push(&[b'0' + (abs / 100 % 10) as u8]);
            }
            self.push(&[b'0' + (abs / 10 % 10) as u8, b'0' + (abs % 10) as u8]);
        }
    }
}

/// Python's `float.__repr__`, as `json.dumps` writes floats.
///
/// Shortest round-trip digits; positional notation when the decimal exponent
/// is in `-4..16`, otherwise `d.ddde±XX`; integral values keep `.0`;
/// non-finite values are the bare words `NaN`, `Infinity`, `-Infinity`.
///
/// ```
/// use signed_cookie::json::float_repr;
/// assert_eq!(float_repr(1e16), "1e+16");
/// assert_eq!(float_repr(1e-5), "1e-05");
/// assert_eq!(float_repr(1e15), "1000000000000000.0");
/// assert_eq!(float_repr(-0.0), "-0.0");
/// assert_eq!(float_repr(f64::NAN), "NaN");
/// ```
pub fn float_repr(value: f64) -> String {
    let mut buf = FloatBuf::new();
    // The layout is ASCII.
    String::from_utf8_lossy(buf.format(value)).into_owned()
}
/// How values plain JSON cannot hold are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// As Python's `json.dumps`: error.
    Strict,
    /// For `Display`: Flask tag form, `...` beyond the depth limit.
    Display,
    /// Flask's `TaggedJSONSerializer.dumps`: every value Flask tags is written in its tag form
    /// as it is met, as `tagged::tag` would have rewritten it, without building the tagged
    /// copy.
    Tagged(TagScheme),
}

struct Walker<'a> {
    fmt: PythonFormatter,
    out: &'a mut Vec<u8>,
    mode: Mode,
}

fn io_err(e: io::Error) -> Error {
    Error::Custom(e.to_string())
}

/// A dict entry's sort key, packed in one word: the first seven bytes of the key (big-endian,
/// zero-padded) above the entry's position. Sorting these words orders the entries by key
/// (UTF-8 byte order is Python's code point order, and zero padding puts a prefix first)
/// except among keys that share their first seven bytes, which [`sort_ties`] then orders.
#[inline]
fn packed_sort_key(key: &str, at: usize) -> u64 {
    let bytes = key.as_bytes();
    let prefix = match bytes.first_chunk::<8>() {
        Some(first) => u64::from_be_bytes(*first),
        None if bytes.is_empty() => 0,
        None => load_padded(bytes, 0).swap_bytes(),
    };
    (prefix & !0xFF) | (at as u64 & 0xFF)
}

/// Orders the runs of packed keys whose seven-byte prefixes are equal by their whole keys.
fn sort_ties(order: &mut [u64], entries: &[(super::CompactString, Value)]) {
    let key = |packed: u64| {
        entries
            .get((packed & 0xFF) as usize)
            .map_or("", |(k, _)| k.as_str())
    };
    let mut start = 0;
    while let Some(&first) = order.get(start) {
        let run = order
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&p| p >> 8 == first >> 8)
            .count();
        if run > 1 {
            if let Some(tied) = order.get_mut(start..start + run) {
                tied.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
            }
        }
        start += run;
    }
}

/// Dicts up to this many keys are sorted on the stack.
const SORT_ON_STACK: usize = 16;

/// Whether two neighbours of the sorted packed keys share their seven-byte prefix.
#[inline]
fn has_ties(sorted: &[u64]) -> bool {
    sorted.windows(2).any(|pair| match pair {
        [a, b] => a >> 8 == b >> 8,
        _ => false,
    })
}

/// Dicts up to this many keys are sorted by packed word (the position takes one byte).
const SORT_PACKED: usize = 256;

impl Walker<'_> {
    #[inline]
    fn string(&mut self, s: &str) {
        self.fmt.write_str(self.out, s);
    }

    fn list(&mut self, items: &[Value], depth: usize) -> Result<(), Error> {
        self.fmt.begin_array(self.out).map_err(io_err)?;
        for (i, item) in items.iter().enumerate() {
            self.fmt
                .begin_array_value(self.out, i == 0)
                .map_err(io_err)?;
            self.value(item, depth)?;
            self.fmt.end_array_value(self.out).map_err(io_err)?;
        }
        self.fmt.end_array(self.out).map_err(io_err)
    }

    fn dict(&mut self, map: &Map, depth: usize) -> Result<(), Error> {
        if let Mode::Tagged(scheme) = self.mode {
            if let Some((key, value)) = crate::tagged::escaped_entry(map, scheme) {
                return self.escaped_dict(key, value, depth);
            }
        }
        if self.fmt.style.sort_keys {
            return self.sorted_dict(map, depth);
        }
        self.fmt.begin_object(self.out).map_err(io_err)?;
        for (i, (k, v)) in map.iter().enumerate() {
            self.entry(i, k, v, depth)?;
        }
        self.fmt.end_object(self.out).map_err(io_err)
    }

    /// `sort_keys=True`: the entries' positions are sorted by packed key (see
    /// [`packed_sort_key`]), on the stack for a small dict.
    /// Not inlined, so that the stack block stays out of the recursion's common frames.
    #[inline(never)]
    fn sorted_dict(&mut self, map: &Map, depth: usize) -> Result<(), Error> {
        let entries = map.as_slice();
        if entries.len() > SORT_PACKED {
            return self.sorted_large_dict(entries, depth);
        }
        let mut stack = [0u64; SORT_ON_STACK];
        let mut heap = Vec::new();
        let packed = entries
            .iter()
            .enumerate()
            .map(|(at, (k, _))| packed_sort_key(k, at));
        let order: &mut [u64] = if entries.len() <= SORT_ON_STACK {
            for (slot, key) in stack.iter_mut().zip(packed) {
                *slot = key;
            }
            stack.get_mut(..entries.len()).unwrap_or_default()
        } else {
            heap.extend(packed);
            &mut heap
        };
        order.sort_unstable();
        if has_ties(order) {
            sort_ties(order, entries);
        }
        self.fmt.begin_object(self.out).map_err(io_err)?;
        for (i, &packed) in order.iter().enumerate() {
            if let Some((k, v)) = entries.get((packed & 0xFF) as usize) {
                self.entry(i, k, v, depth)?;
            }
        }
        self.fmt.end_object(self.out).map_err(io_err)
    }

    /// `sort_keys=True` for a dict too large to number its entries in a byte.
    #[cold]
    fn sorted_large_dict(
        &mut self,
        entries: &[(super::CompactString, Value)],
        depth: usize,
    ) -> Result<(), Error> {
        let mut sorted: Vec<&(super::CompactString, Value)> = entries.iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        self.fmt.begin_object(self.out).map_err(io_err)?;
        for (i, (k, v)) in sorted.into_iter().enumerate() {
            self.entry(i, k, v, depth)?;
        }
        self.fmt.end_object(self.out).map_err(io_err)
    }

    // Inlined in release builds only: in debug ones it swells the recursion's frames.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn entry(&mut self, i: usize, k: &str, v: &Value, depth: usize) -> Result<(), Error> {
        self.fmt.write_key(self.out, i == 0, k);
        self.value(v, depth)?;
        self.fmt.end_object_value(self.out).map_err(io_err)
    }

    /// Flask's `{" di": {key + "__": value}}` for a one-key dict whose key is a tag key; the
    /// outer dict is entered already.
    #[cold]
    fn escaped_dict(&mut self, key: &str, value: &Value, depth: usize) -> Result<(), Error> {
        let mut escaped = String::with_capacity(key.len() + 2);
        escaped.push_str(key);
        escaped.push_str("__");
        self.fmt.begin_object(self.out).map_err(io_err)?;
        self.fmt.write_key(self.out, true, " di");
        if let Some(inner) = self.enter(depth)? {
            self.fmt.begin_object(self.out).map_err(io_err)?;
            self.entry(0, &escaped, value, inner)?;
            self.fmt.end_object(self.out).map_err(io_err)?;
        }
        self.fmt.end_object(self.out).map_err(io_err)
    }

    /// A tag object `{key: ...}` around what `body` writes, one level deeper.
    fn tag_object(
        &mut self,
        key: &'static str,
        depth: usize,
        body: impl FnOnce(&mut Self, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Some(inner) = self.enter(depth)? else {
            return Ok(());
        };
        self.fmt.begin_object(self.out).map_err(io_err)?;
        self.fmt.write_key(self.out, true, key);
        body(self, inner)?;
        self.fmt.end_object(self.out).map_err(io_err)
    }

    /// A leaf Flask tags (bytes, UUID, datetime) in `Tagged` mode: its tag object, as
    /// `tagged::tag` builds it (and with its errors).
    #[cold]
    fn tagged_leaf(&mut self, v: &Value, scheme: TagScheme, depth: usize) -> Result<(), Error> {
        let tagged = crate::tagged::tag(v, scheme)?;
        match tagged.as_dict().and_then(|m| m.first()) {
            Some((key, text @ Value::Str(_))) => {
                let key = key.clone();
                let Some(inner) = self.enter(depth)? else {
                    return Ok(());
                };
                self.tag_form(&key, text, inner)
            }
            _ => Err(Error::Custom("unexpected tag form".into())),
        }
    }

    /// Flask's tag form `{key: inner}`, for `Display`.
    fn tag_form(&mut self, key: &str, inner: &Value, depth: usize) -> Result<(), Error> {
        self.fmt.begin_object(self.out).map_err(io_err)?;
        self.entry(0, key, inner, depth)?;
        self.fmt.end_object(self.out).map_err(io_err)
    }

    /// The depth of a container's children; past the limit, an error (or `...` for `Display`).
    #[inline]
    fn enter(&mut self, depth: usize) -> Result<Option<usize>, Error> {
        let depth = depth + 1;
        if depth <= MAX_WRITE_DEPTH {
            return Ok(Some(depth));
        }
        if self.mode == Mode::Display {
            self.out.extend_from_slice(b"...");
            return Ok(None);
        }
        Err(Error::TooDeep {
            limit: MAX_WRITE_DEPTH,
        })
    }

    /// Writes one value. The common scalars are written right here, inlined into the loops of
    /// lists and dicts; containers and the rare kinds go through [`Walker::compound`].
    // Inlined in release builds only: in debug ones it swells the recursion's frames.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn value(&mut self, v: &Value, depth: usize) -> Result<(), Error> {
        match v {
            Value::Str(s) => {
                self.string(s);
                Ok(())
            }
            Value::Int(i) => match i.as_i64() {
                Some(small) => {
                    write_i64(self.out, small);
                    Ok(())
                }
                None => self.big_int(i),
            },
            Value::Bool(b) => self.fmt.write_bool(self.out, *b).map_err(io_err),
            Value::Null => self.fmt.write_null(self.out).map_err(io_err),
            _ => self.compound(v, depth),
        }
    }

    #[inline(never)]
    fn compound(&mut self, v: &Value, depth: usize) -> Result<(), Error> {
        match v {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Str(_) => self.value(v, depth),
            Value::Float(f) => self.fmt.write_f64(self.out, *f).map_err(io_err),
            Value::Markup(s) => match self.mode {
                Mode::Tagged(_) => self.tag_object(" m", depth, |w, _| {
                    w.string(s);
                    Ok(())
                }),
                Mode::Strict | Mode::Display => {
                    self.string(s);
                    Ok(())
                }
            },
            Value::Tuple(items) if matches!(self.mode, Mode::Tagged(_)) => {
                self.tag_object(" t", depth, |w, inner| match w.enter(inner)? {
                    Some(inner) => w.list(items, inner),
                    None => Ok(()),
                })
            }
            Value::List(items) | Value::Tuple(items) => match self.enter(depth)? {
                Some(inner) => self.list(items, inner),
                None => Ok(()),
            },
            Value::Bytes(_) | Value::Uuid(_) | Value::DateTime(_)
                if matches!(self.mode, Mode::Tagged(_)) =>
            {
                match self.mode {
                    Mode::Tagged(scheme) => self.tagged_leaf(v, scheme, depth),
                    Mode::Strict | Mode::Display => Err(Error::Custom("unreachable".into())),
                }
            }
            Value::Dict(m) => match self.enter(depth)? {
                Some(inner) => self.dict(m, inner),
                None => Ok(()),
            },
            Value::Bytes(b) => match self.enter(depth)? {
                None => Ok(()),
                Some(inner) => match self.mode {
                    Mode::Strict | Mode::Tagged(_) => Err(Error::NotSerializable { kind: "bytes" }),
                    Mode::Display => {
                        use base64::Engine as _;
                        let text = base64::engine::general_purpose::STANDARD.encode(b);
                        self.tag_form(" b", &Value::Str(text.into()), inner)
                    }
                },
            },
            Value::Uuid(u) => match self.mode {
                Mode::Strict | Mode::Tagged(_) => Err(Error::NotSerializable { kind: "UUID" }),
                Mode::Display => match self.enter(depth)? {
                    Some(inner) => {
                        self.tag_form(" u", &Value::Str(format!("{u:032x}").into()), inner)
                    }
                    None => Ok(()),
                },
            },
            Value::DateTime(t) => match self.mode {
                Mode::Strict | Mode::Tagged(_) => Err(Error::NotSerializable { kind: "datetime" }),
                Mode::Display => match self.enter(depth)? {
                    Some(inner) => {
                        let text = crate::tagged::http_date(*t);
                        self.tag_form(" d", &Value::Str(text.into()), inner)
                    }
                    None => Ok(()),
                },
            },
        }
    }

    /// An integer beyond `i64`, from its exact decimal text.
    #[cold]
    fn big_int(&mut self, i: &super::Int) -> Result<(), Error> {
        self.fmt
            .write_number_str(self.out, &i.to_string())
            .map_err(io_err)
    }
}

/// Appends the JSON text of `value` to `out`, exactly as CPython's
/// `json.dumps(value, separators=..., sort_keys=..., ensure_ascii=...)`.
///
/// Tuples are written as arrays and Markup as strings (as Python does);
/// bytes, UUIDs and datetimes give [`Error::NotSerializable`] (Python's
/// `TypeError`) and must be tagged first. On error, `out` may hold a
/// partial document.
///
/// ```
/// use signed_cookie::json::{to_writer, JsonStyle, Value};
/// let mut out = Vec::new();
/// to_writer(&Value::Tuple(vec![0.1.into(), f64::INFINITY.into()]), &JsonStyle::DJANGO, &mut out)?;
/// assert_eq!(out, b"[0.1,Infinity]");
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn to_writer(value: &Value, style: &JsonStyle, out: &mut Vec<u8>) -> Result<(), Error> {
    Walker {
        fmt: PythonFormatter::new(*style),
        out,
        mode: Mode::Strict,
    }
    .value(value, 0)
}

/// The JSON text of `value` as a `String`; see [`to_writer`].
///
/// ```
/// use signed_cookie::json::{to_string, JsonStyle, Value};
/// let v = Value::from("\u{1F600}/\n");
/// assert_eq!(to_string(&v, &JsonStyle::FLASK)?, r#""\ud83d\ude00/\n""#);
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn to_string(value: &Value, style: &JsonStyle) -> Result<String, Error> {
    let mut out = Vec::new();
    to_writer(value, style, &mut out)?;
    // The writer only emits UTF-8 (escapes are ASCII, strings are `str`).
    String::from_utf8(out).map_err(|e| Error::Custom(e.to_string()))
}

/// Flask's `TaggedJSONSerializer.dumps` of `value` in `style`: the bytes of
/// `to_writer(&tagged::tag(value, scheme)?, style, out)`, written in one pass.
///
/// On error `out` may hold a partial document, and the error may differ from the two-pass
/// one (the walk order differs): callers redo the two passes to report it.
pub(crate) fn to_writer_tagged(
    value: &Value,
    style: &JsonStyle,
    scheme: TagScheme,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    Walker {
        fmt: PythonFormatter::new(*style),
        out,
        mode: Mode::Tagged(scheme),
    }
    .value(value, 0)
}

/// `Display` rendering: Django style, never failing.
pub(crate) fn write_display(value: &Value, out: &mut Vec<u8>) {
    let mut w = Walker {
        fmt: PythonFormatter::new(JsonStyle::DJANGO),
        out,
        mode: Mode::Display,
    };
    if w.value(value, 0).is_err() {
        out.extend_from_slice(b"<unprintable>");
    }
}

#[cfg(test)]
#[path = "write_previous.rs"]
mod previous;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{Int, Map};
    use proptest::prelude::*;

    /// Strings that exercise every escape: word and tail boundaries around `"`, `\\`,
    /// controls, 0x7F, two- to four-byte UTF-8 and plain runs of every length.
    fn tricky_string() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z\"\\\u{0}-\u{1f}\u{7f}\u{80}\u{e9}\u{2028}\u{ffff}\u{1F600}/ ]{0,40}",
            "[ -~]{0,40}",
        ]
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            prop_oneof![
                Just(i64::MIN),
                Just(i64::MAX),
                Just(0),
                Just(-1),
                Just(10),
                Just(99),
                Just(100)
            ]
            .prop_map(Value::from),
            "-?[1-9][0-9]{18,40}".prop_map(|s| Value::Int(s.parse::<Int>().unwrap())),
            any::<f64>().prop_map(Value::Float),
            prop_oneof![
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(-0.0),
                Just(f64::MIN_POSITIVE),
                Just(5e-324),
                Just(f64::MAX),
                Just(1e16),
                Just(1e-5),
                Just(0.0001),
            ]
            .prop_map(Value::Float),
            tricky_string().prop_map(|s| Value::Str(s.into())),
            tricky_string().prop_map(|s| Value::Markup(s.into())),
            proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
            any::<u128>().prop_map(Value::Uuid),
            (-59_011_459_200i64..253_402_300_800).prop_map(Value::DateTime),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            tricky_string(),
            // Keys sharing their first eight bytes, and keys that differ only in padding.
            "(abcdefgh|abcdefg|abc|a\\x00?|\\x00){1,3}",
            "[a-c]{0,3}",
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 64, 20, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Tuple),
                // Up to 20 keys: both the on-stack and the heap sort.
                // `into`: the key type of `Map` need not stay `String`.
                #[allow(clippy::useless_conversion)]
                proptest::collection::vec((key(), inner), 0..20).prop_map(|kv| {
                    let mut m = Map::new();
                    for (k, v) in kv {
                        m.insert(k.into(), v);
                    }
                    Value::Dict(m)
                }),
            ]
        })
    }

    const STYLES: [JsonStyle; 4] = [
        JsonStyle::FLASK,
        JsonStyle::ITSDANGEROUS,
        JsonStyle::DJANGO,
        JsonStyle::PYTHON_DEFAULT,
    ];

    /// Keys that exercise Flask's `" di"` escaping: every tag key of both schemes, near
    /// misses, and ordinary keys.
    fn tag_key() -> impl Strategy<Value = String> {
        prop_oneof![
            prop_oneof![
                Just(" t"),
                Just(" di"),
                Just(" b"),
                Just(" m"),
                Just(" u"),
                Just(" d"),
                Just(" x"),
                Just("t"),
                Just(" t "),
            ]
            .prop_map(str::to_owned),
            key(),
        ]
    }

    fn tagged_value() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(5, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Tuple),
                #[allow(clippy::useless_conversion)]
                proptest::collection::vec((tag_key(), inner), 0..4).prop_map(|kv| {
                    let mut m = Map::new();
                    for (k, v) in kv {
                        m.insert(k.into(), v);
                    }
                    Value::Dict(m)
                }),
            ]
        })
    }

    /// The two-pass form the one-pass tagged writer must match.
    fn tag_then_write(v: &Value, style: &JsonStyle, scheme: TagScheme) -> Result<Vec<u8>, Error> {
        let mut out = b"prefix".to_vec();
        to_writer(&crate::tagged::tag(v, scheme)?, style, &mut out)?;
        Ok(out)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Writing Flask's tags in one pass gives the bytes of tagging, then writing, and
        /// fails exactly when that fails.
        #[test]
        fn tagged_writer_matches_tag_then_write(v in tagged_value()) {
            for scheme in [TagScheme::Flask, TagScheme::Flask012] {
                for style in STYLES {
                    let mut fast = b"prefix".to_vec();
                    let fast_result = to_writer_tagged(&v, &style, scheme, &mut fast);
                    match tag_then_write(&v, &style, scheme) {
                        Ok(slow) => {
                            prop_assert!(fast_result.is_ok(), "{:?}", fast_result);
                            prop_assert_eq!(
                                String::from_utf8_lossy(&fast),
                                String::from_utf8_lossy(&slow)
                            );
                        }
                        Err(_) => prop_assert!(fast_result.is_err()),
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The fast writer gives the previous writer's bytes (or the same error) in every
        /// style, and the same `Display` text.
        #[test]
        fn fast_writer_matches_previous_writer(v in value()) {
            for style in STYLES {
                let mut fast = b"prefix".to_vec();
                let mut slow = b"prefix".to_vec();
                let fast_result = to_writer(&v, &style, &mut fast);
                let slow_result = previous::to_writer(&v, &style, &mut slow);
                match (fast_result, slow_result) {
                    (Ok(()), Ok(())) => prop_assert_eq!(
                        String::from_utf8_lossy(&fast),
                        String::from_utf8_lossy(&slow),
                        "{:?}",
                        style
                    ),
                    (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                    (a, b) => prop_assert!(false, "{:?}: {:?} vs {:?}", style, a, b),
                }
            }
            let mut fast = Vec::new();
            let mut slow = Vec::new();
            write_display(&v, &mut fast);
            previous::write_display(&v, &mut slow);
            prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&slow));
        }

        /// Driving serde_json's serializer, the formatter writes what the previous one did.
        #[test]
        fn formatter_through_serde_matches_previous(v in value()) {
            for style in STYLES {
                let mut fast = Vec::new();
                let mut slow = Vec::new();
                let a = serde::Serialize::serialize(
                    &v,
                    &mut serde_json::Serializer::with_formatter(&mut fast, PythonFormatter::new(style)),
                );
                let b = serde::Serialize::serialize(
                    &v,
                    &mut serde_json::Serializer::with_formatter(
                        &mut slow,
                        previous::PythonFormatter::new(style),
                    ),
                );
                prop_assert_eq!(a.is_ok(), b.is_ok());
                prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&slow));
            }
        }

        #[test]
        fn float_repr_matches_previous(f in any::<f64>()) {
            prop_assert_eq!(float_repr(f), previous::float_repr(f));
        }

        #[test]
        fn float_repr_matches_previous_for_short_decimals(m in -99_999i64..99_999, e in -330i32..310) {
            let f: f64 = format!("{m}e{e}").parse().unwrap();
            prop_assert_eq!(float_repr(f), previous::float_repr(f));
        }

        #[test]
        fn ints_match_previous(n in any::<i64>(), digits in 1u32..19) {
            let small = n % 10i64.pow(digits);
            for n in [n, small] {
                let mut fast = Vec::new();
                write_i64(&mut fast, n);
                prop_assert_eq!(String::from_utf8(fast).unwrap(), n.to_string());
            }
        }
    }

    #[test]
    fn float_examples() {
        let cases: &[(f64, &str)] = &[
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e15, "1000000000000000.0"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (5e-324, "5e-324"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123456789.125, "123456789.125"),
            (1e22, "1e+22"),
            (2.5e-7, "2.5e-07"),
            (1.5, "1.5"),
            (-12.0, "-12.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (0.00012, "0.00012"),
            (1.5e300, "1.5e+300"),
            (-1.5e-300, "-1.5e-300"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(float_repr(*v), *want, "{v:e}");
        }
    }

    #[test]
    fn strings_and_styles() {
        let s = Value::from("a\"\\\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é\u{2028}\u{1F600}/");
        assert_eq!(
            to_string(&s, &JsonStyle::FLASK).unwrap(),
            r#""a\"\\\n\r\t\b\f\u0001\u001f\u007f\u00e9\u2028\ud83d\ude00/""#
        );
        assert_eq!(
            to_string(&s, &JsonStyle::ITSDANGEROUS).unwrap(),
            "\"a\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f}é\u{2028}\u{1F600}/\""
        );
        let mut m = Map::new();
        for k in ["é", "b", "a", "_", "C", "9", "10", " x", ""] {
            m.insert(k.into(), Value::from(1i64));
        }
        let v = Value::Dict(m);
        assert_eq!(
            to_string(&v, &JsonStyle::FLASK).unwrap(),
            r#"{"":1," x":1,"10":1,"9":1,"C":1,"_":1,"a":1,"b":1,"\u00e9":1}"#
        );
        assert_eq!(
            to_string(&v, &JsonStyle::PYTHON_DEFAULT).unwrap(),
            r#"{"\u00e9": 1, "b": 1, "a": 1, "_": 1, "C": 1, "9": 1, "10": 1, " x": 1, "": 1}"#
        );
    }

    #[test]
    fn big_ints_and_errors() {
        let big: Int = "1180591620717411303424".parse().unwrap();
        let v = Value::List(vec![
            Value::Int(big),
            Value::from(-18446744073709551617i128),
            Value::Int("1000000000000000000000000000000".parse().unwrap()),
        ]);
        assert_eq!(
            to_string(&v, &JsonStyle::DJANGO).unwrap(),
            "[1180591620717411303424,-18446744073709551617,1000000000000000000000000000000]"
        );
        assert!(matches!(
            to_string(&Value::Bytes(vec![]), &JsonStyle::FLASK),
            Err(Error::NotSerializable { kind: "bytes" })
        ));
        assert!(matches!(
            to_string(&Value::Uuid(0), &JsonStyle::FLASK),
            Err(Error::NotSerializable { kind: "UUID" })
        ));
        assert!(matches!(
            to_string(&Value::DateTime(0), &JsonStyle::FLASK),
            Err(Error::NotSerializable { kind: "datetime" })
        ));
        assert_eq!(
            to_string(&Value::Markup("<b>".into()), &JsonStyle::FLASK).unwrap(),
            "\"<b>\""
        );
    }

    #[test]
    fn deep_values_within_limit_on_test_thread_stack() {
        let mut v = Value::Null;
        for _ in 0..MAX_WRITE_DEPTH {
            let mut m = Map::new();
            m.insert(" t".into(), Value::Tuple(vec![v]));
            v = Value::Dict(m);
        }
        // Dict + tuple per level: twice the limit, so this must fail cleanly.
        assert!(matches!(
            to_string(&v, &JsonStyle::FLASK),
            Err(Error::TooDeep { .. })
        ));
        assert!(crate::tagged::tag(&v, crate::tagged::TagScheme::Flask).is_err());
        let mut w = Value::Null;
        for _ in 0..MAX_WRITE_DEPTH {
            w = Value::List(vec![w]);
        }
        assert!(to_string(&w, &JsonStyle::FLASK).is_ok());
        let tagged = crate::tagged::tag(&w, crate::tagged::TagScheme::Flask).unwrap();
        assert!(crate::tagged::untag(tagged, crate::tagged::TagScheme::Flask).is_ok());
        assert!(!w.to_string().is_empty());
    }

    /// Around the depth limit, each tag adds the levels its tag object adds: the one-pass
    /// writer succeeds and fails where tagging, then writing, does.
    #[test]
    fn tagged_writer_depth_limit_matches_tag_then_write() {
        let mut one_key = Map::new();
        one_key.insert(" t".into(), Value::Null);
        let leaves = [
            Value::Null,
            Value::Tuple(vec![Value::Null]),
            Value::Markup("m".into()),
            Value::Bytes(vec![1]),
            Value::Dict(one_key),
        ];
        for leaf in leaves {
            for levels in MAX_WRITE_DEPTH - 3..=MAX_WRITE_DEPTH + 1 {
                let mut v = leaf.clone();
                for _ in 0..levels {
                    v = Value::List(vec![v]);
                }
                let mut fast = b"prefix".to_vec();
                let fast_result =
                    to_writer_tagged(&v, &JsonStyle::FLASK, TagScheme::Flask, &mut fast);
                let slow = tag_then_write(&v, &JsonStyle::FLASK, TagScheme::Flask);
                assert_eq!(fast_result.is_ok(), slow.is_ok(), "{leaf:?} at {levels}");
                if let Ok(slow) = slow {
                    assert_eq!(fast, slow);
                }
            }
        }
    }

    /// Dicts past the packed sort (more than 256 keys), and keys that share their first
    /// seven or eight bytes, sort as the previous writer sorts them.
    #[test]
    fn large_and_prefix_sharing_dicts_sort_as_before() {
        for n in [3usize, 17, 255, 256, 257, 600] {
            let mut m = Map::new();
            for i in 0..n {
                let k = match i % 4 {
                    0 => format!("{}", i * 7919 % 1000),
                    1 => format!("recently{}", i % 37),
                    2 => format!("recentl{}", (i * 31) % 97),
                    _ => format!("recentl\u{e9}{}", i % 13),
                };
                m.insert(k.into(), Value::from(i as i64));
            }
            let v = Value::Dict(m);
            let mut fast = Vec::new();
            let mut slow = Vec::new();
            to_writer(&v, &JsonStyle::FLASK, &mut fast).unwrap();
            previous::to_writer(&v, &JsonStyle::FLASK, &mut slow).unwrap();
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(slow).unwrap(),
                "{n}"
            );
        }
    }

    #[test]
    fn empty_containers_spaced() {
        let v = Value::List(vec![Value::List(vec![]), Value::Dict(Map::new())]);
        assert_eq!(
            to_string(&v, &JsonStyle::PYTHON_DEFAULT).unwrap(),
            "[[], {}]"
        );
    }
}
