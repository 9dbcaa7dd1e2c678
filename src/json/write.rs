//! The writer: byte-identical to CPython 3.11 `json.dumps`.

use std::io::{self, Write};

use serde_json::ser::{CharEscape, Formatter};

use super::{Error, JsonStyle, Value};

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

    fn separator(&self) -> &'static [u8] {
        if self.style.spaced {
            b", "
        } else {
            b","
        }
    }
}

fn write_u_escape<W: ?Sized + Write>(w: &mut W, unit: u16) -> io::Result<()> {
    // Lowercase hex digit of the low four bits, without indexing.
    let hex = |n: u16| {
        let d = (n & 0xF) as u8;
        if d < 10 {
            b'0' + d
        } else {
            b'a' + d - 10
        }
    };
    let buf = [
        b'\\',
        b'u',
        hex(unit >> 12),
        hex(unit >> 8),
        hex(unit >> 4),
        hex(unit),
    ];
    w.write_all(&buf)
}

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(self.separator())
        }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(self.separator())
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.style.spaced { b": " } else { b":" })
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
        w.write_all(float_repr(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.style.ensure_ascii {
            return w.write_all(fragment.as_bytes());
        }
        // serde_json hands over unescaped runs; escape 0x7F and non-ASCII.
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() && c != '\x7f' {
                continue;
            }
            w.write_all(fragment.as_bytes().get(start..i).unwrap_or_default())?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write_u_escape(w, *unit)?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(fragment.as_bytes().get(start..).unwrap_or_default())
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
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let sci = format!("{value:e}");
    let (negative, body) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci.as_str()),
    };
    let (mantissa, exp) = body.split_once('e').unwrap_or((body, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = usize::try_from(exp).unwrap_or(0) + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                let (int_part, frac) = digits.split_at(int_len);
                out.push_str(int_part);
                out.push('.');
                out.push_str(frac);
            }
        } else {
            out.push_str("0.");
            let zeros = usize::try_from(-exp - 1).unwrap_or(0);
            out.extend(std::iter::repeat_n('0', zeros));
            out.push_str(&digits);
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        out.push_str(&abs.to_string());
    }
    out
}

/// How values plain JSON cannot hold are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// As Python's `json.dumps`: error.
    Strict,
    /// For `Display`: Flask tag form, `...` beyond the depth limit.
    Display,
}

struct Walker<'a> {
    fmt: PythonFormatter,
    out: &'a mut Vec<u8>,
    mode: Mode,
}

fn io_err(e: io::Error) -> Error {
    Error::Custom(e.to_string())
}

impl Walker<'_> {
    fn string(&mut self, s: &str) -> Result<(), Error> {
        let bytes = s.as_bytes();
        // Printable ASCII other than `"` and `\` is written as it is in every style: one copy.
        if bytes
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        {
            self.out.reserve(bytes.len() + 2);
            self.out.push(b'"');
            self.out.extend_from_slice(bytes);
            self.out.push(b'"');
            return Ok(());
        }
        self.fmt.begin_string(self.out).map_err(io_err)?;
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape = match b {
                b'"' => CharEscape::Quote,
                b'\\' => CharEscape::ReverseSolidus,
                b'\n' => CharEscape::LineFeed,
                b'\r' => CharEscape::CarriageReturn,
                b'\t' => CharEscape::Tab,
                0x08 => CharEscape::Backspace,
                0x0c => CharEscape::FormFeed,
                0..=0x1f => CharEscape::AsciiControl(b),
                _ => continue,
            };
            // `i` is an ASCII byte, so both slices end on char boundaries.
            if let Some(run) = s.get(start..i) {
                if !run.is_empty() {
                    self.fmt
                        .write_string_fragment(self.out, run)
                        .map_err(io_err)?;
                }
            }
            self.fmt
                .write_char_escape(self.out, escape)
                .map_err(io_err)?;
            start = i + 1;
        }
        if let Some(run) = s.get(start..) {
            if !run.is_empty() {
                self.fmt
                    .write_string_fragment(self.out, run)
                    .map_err(io_err)?;
            }
        }
        self.fmt.end_string(self.out).map_err(io_err)
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

    fn entries<'v, I>(&mut self, entries: I, depth: usize) -> Result<(), Error>
    where
        I: Iterator<Item = (&'v str, &'v Value)> + Clone,
    {
        self.fmt.begin_object(self.out).map_err(io_err)?;
        // Python compares str by code point; UTF-8 byte order agrees.
        if !self.fmt.style.sort_keys || entries.clone().is_sorted_by(|a, b| a.0 <= b.0) {
            for (i, (k, v)) in entries.enumerate() {
                self.entry(i, k, v, depth)?;
            }
        } else {
            // Sessions have a handful of keys: sort them on the stack, not in a new vector.
            const ON_STACK: usize = 16;
            static NULL: Value = Value::Null;
            let count = entries.clone().count();
            let mut stack = [("", &NULL); ON_STACK];
            let mut heap = Vec::new();
            let sorted: &mut [(&str, &Value)] = if count <= ON_STACK {
                for (slot, entry) in stack.iter_mut().zip(entries) {
                    *slot = entry;
                }
                stack.get_mut(..count).unwrap_or_default()
            } else {
                heap.extend(entries);
                &mut heap
            };
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (i, &(k, v)) in sorted.iter().enumerate() {
                self.entry(i, k, v, depth)?;
            }
        }
        self.fmt.end_object(self.out).map_err(io_err)
    }

    fn entry(&mut self, i: usize, k: &str, v: &Value, depth: usize) -> Result<(), Error> {
        self.fmt
            .begin_object_key(self.out, i == 0)
            .map_err(io_err)?;
        self.string(k)?;
        self.fmt.end_object_key(self.out).map_err(io_err)?;
        self.fmt.begin_object_value(self.out).map_err(io_err)?;
        self.value(v, depth)?;
        self.fmt.end_object_value(self.out).map_err(io_err)
    }

    fn tag_form(&mut self, key: &'static str, inner: &Value, depth: usize) -> Result<(), Error> {
        self.entries(std::iter::once((key, inner)), depth)
    }

    fn value(&mut self, v: &Value, depth: usize) -> Result<(), Error> {
        let container = matches!(
            v,
            Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Bytes(_)
        ) || (self.mode == Mode::Display
            && matches!(v, Value::Uuid(_) | Value::DateTime(_)));
        let depth = if container { depth + 1 } else { depth };
        if depth > MAX_WRITE_DEPTH {
            if self.mode == Mode::Display {
                return self.out.write_all(b"...").map_err(io_err);
            }
            return Err(Error::TooDeep {
                limit: MAX_WRITE_DEPTH,
            });
        }
        match v {
            Value::Null => self.fmt.write_null(self.out).map_err(io_err),
            Value::Bool(b) => self.fmt.write_bool(self.out, *b).map_err(io_err),
            Value::Int(i) => match i.as_i64() {
                Some(small) => self.fmt.write_i64(self.out, small).map_err(io_err),
                None => self
                    .fmt
                    .write_number_str(self.out, &i.to_string())
                    .map_err(io_err),
            },
            Value::Float(f) => self.fmt.write_f64(self.out, *f).map_err(io_err),
            Value::Str(s) | Value::Markup(s) => self.string(s),
            Value::List(items) | Value::Tuple(items) => self.list(items, depth),
            Value::Dict(m) => self.entries(m.iter().map(|(k, v)| (k.as_str(), v)), depth),
            Value::Bytes(b) => match self.mode {
                Mode::Strict => Err(Error::NotSerializable { kind: "bytes" }),
                Mode::Display => {
                    use base64::Engine as _;
                    let text = base64::engine::general_purpose::STANDARD.encode(b);
                    self.tag_form(" b", &Value::from(text), depth)
                }
            },
            Value::Uuid(u) => match self.mode {
                Mode::Strict => Err(Error::NotSerializable { kind: "UUID" }),
                Mode::Display => self.tag_form(" u", &Value::from(format!("{u:032x}")), depth),
            },
            Value::DateTime(t) => match self.mode {
                Mode::Strict => Err(Error::NotSerializable { kind: "datetime" }),
                Mode::Display => {
                    let text = crate::tagged::http_date(*t);
                    self.tag_form(" d", &Value::from(text), depth)
                }
            },
        }
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
mod tests {
    use super::*;
    use crate::json::{Int, Map};

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

    #[test]
    fn empty_containers_spaced() {
        let v = Value::List(vec![Value::List(vec![]), Value::Dict(Map::new())]);
        assert_eq!(
            to_string(&v, &JsonStyle::PYTHON_DEFAULT).unwrap(),
            "[[], {}]"
        );
    }
}
