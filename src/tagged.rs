//! Flask's tagged JSON (`flask.json.tag.TaggedJSONSerializer`, and the
//! older `flask.sessions.TaggedJSONSerializer` of Flask 0.10–0.12).
//!
//! Tagging turns the Python-only kinds of [`Value`] (tuples, bytes, Markup,
//! UUIDs, datetimes) into one-key "tag objects" that plain JSON can carry;
//! untagging reverses it with Flask's exact (bottom-up) semantics.
//!
//! Known approximations of Python behaviour (all on inputs Flask itself
//! never writes): `{" m": x}` with a non-scalar `x` (Python would build
//! `Markup(str(x))`) is an error here; non-ASCII Unicode digits inside
//! `" u"`/`" d"` strings (which Python's `int()` accepts) are rejected;
//! the legacy scheme uses the modern date parser with the old error policy.
//!
//! ```
//! use signed_cookie::json::{from_str, to_string, JsonStyle, Limits, Map, Value};
//! use signed_cookie::tagged::{tag, untag, TagScheme};
//! let mut m = Map::new();
//! m.insert("t".into(), Value::Tuple(vec![1i64.into(), Value::Bytes(b"z".to_vec())]));
//! let v = Value::Dict(m);
//! let text = to_string(&tag(&v, TagScheme::Flask)?, &JsonStyle::FLASK)?;
//! assert_eq!(text, r#"{"t":{" t":[1,{" b":"eg=="}]}}"#);
//! let back = untag(from_str(&text, &Limits::default())?, TagScheme::Flask)?;
//! assert_eq!(back, v);
//! # Ok::<(), signed_cookie::json::Error>(())
//! ```
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine as _;

use crate::json::{
    float_repr, CompactString, Error, Map, SingleMemberObjects, Value, MAX_WRITE_DEPTH,
};

/// Which Flask version's tag rules to use.
///
/// ```
/// use signed_cookie::json::{from_str, Limits, Value};
/// use signed_cookie::tagged::{untag, TagScheme};
/// let v = from_str(r#"{" di": {" t__": [1]}}"#, &Limits::default())?;
/// assert!(untag(v.clone(), TagScheme::Flask)?.get(" t").is_some());
/// // Flask 0.10-0.12 had no " di" tag: the dict stays as it is.
/// assert_eq!(untag(v.clone(), TagScheme::Flask012)?, v);
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagScheme {
    /// Flask 1.0–3.1 (`flask/json/tag.py`): with `" di"` escaping of
    /// one-key dicts whose key is a tag key.
    Flask,
    /// Flask 0.10–0.12 (`flask/sessions.py`): no `" di"`, so such dicts are
    /// ambiguous and load as the tagged value.
    Flask012,
}

/// 0001-01-01T00:00:00Z as Unix seconds.
const MIN_DATETIME: i64 = -62_135_596_800;
/// 10000-01-01T00:00:00Z as Unix seconds.
const MAX_DATETIME_EXCL: i64 = 253_402_300_800;

const FLASK_KEYS: [&str; 6] = [" di", " t", " b", " m", " u", " d"];
const FLASK012_KEYS: [&str; 5] = [" t", " u", " b", " m", " d"];

fn is_tag_key(key: &str, scheme: TagScheme) -> bool {
    // Every tag key starts with a space; nearly no session key does.
    if !key.starts_with(' ') {
        return false;
    }
    match scheme {
        TagScheme::Flask => FLASK_KEYS.contains(&key),
        TagScheme::Flask012 => FLASK012_KEYS.contains(&key),
    }
}

fn one(key: &str, value: Value) -> Value {
    let mut m = Map::with_capacity(1);
    m.insert(key.into(), value);
    Value::Dict(m)
}

fn bad(tag: &'static str, reason: impl Into<String>) -> Error {
    Error::BadTag {
        tag,
        reason: reason.into(),
    }
}

/// Tags `value` as Flask's `TaggedJSONSerializer.tag` does, giving a plain
/// JSON [`Value`] ready for `json::to_string(.., &JsonStyle::FLASK)`.
///
/// Tuples → `{" t": [...]}`, bytes → `{" b": "<standard base64>"}`,
/// Markup → `{" m": str}`, UUIDs → `{" u": "<32 hex>"}`, datetimes →
/// `{" d": "<http date>"}` (a datetime outside years 1..=9999 UTC is an
/// error, as Python's `OverflowError`); with [`TagScheme::Flask`] a one-key dict whose
/// key is a tag key becomes `{" di": {key + "__": value}}`.
///
/// ```
/// use signed_cookie::json::{to_string, JsonStyle, Map, Value};
/// use signed_cookie::tagged::{tag, TagScheme};
/// let mut inner = Map::new();
/// inner.insert(" t".into(), Value::List(vec![1i64.into(), 2i64.into()]));
/// let mut outer = Map::new();
/// outer.insert("x".into(), Value::Dict(inner));
/// let tagged = tag(&Value::Dict(outer), TagScheme::Flask)?;
/// assert_eq!(to_string(&tagged, &JsonStyle::FLASK)?, r#"{"x":{" di":{" t__":[1,2]}}}"#);
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn tag(value: &Value, scheme: TagScheme) -> Result<Value, Error> {
    tag_rec(value, scheme, 0)
}

fn tag_rec(value: &Value, scheme: TagScheme, depth: usize) -> Result<Value, Error> {
    if depth > MAX_WRITE_DEPTH {
        return Err(Error::TooDeep {
            limit: MAX_WRITE_DEPTH,
        });
    }
    // Keep this frame small: the non-recursive work lives in helpers.
    let d = depth + 1;
    match value {
        Value::Dict(m) => {
            if let Some((k, v)) = escaped_entry(m, scheme) {
                return Ok(escape_dict(k, tag_rec(v, scheme, d)?));
            }
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                out.insert(k.clone(), tag_rec(v, scheme, d)?);
            }
            Ok(Value::Dict(out))
        }
        Value::Tuple(items) => Ok(one(" t", tag_list(items, scheme, d)?)),
        Value::List(items) => tag_list(items, scheme, d),
        leaf => tag_leaf(leaf),
    }
}

/// The entry of a one-key dict that needs `" di"` escaping.
pub(crate) fn escaped_entry(m: &Map, scheme: TagScheme) -> Option<(&CompactString, &Value)> {
    if scheme != TagScheme::Flask || m.len() != 1 {
        return None;
    }
    m.first().filter(|(k, _)| is_tag_key(k, scheme))
}

#[inline(never)]
fn escape_dict(key: &str, tagged: Value) -> Value {
    one(" di", one(&format!("{key}__"), tagged))
}

#[inline(never)]
fn tag_leaf(value: &Value) -> Result<Value, Error> {
    Ok(match value {
        Value::Bytes(b) => one(
            " b",
            Value::Str(base64::engine::general_purpose::STANDARD.encode(b).into()),
        ),
        Value::Markup(s) => one(" m", Value::Str(s.clone())),
        Value::Uuid(u) => one(" u", Value::Str(format!("{u:032x}").into())),
        Value::DateTime(t) => {
            // Python's `astimezone(utc)` raises OverflowError outside 1..=9999.
            if !(MIN_DATETIME..MAX_DATETIME_EXCL).contains(t) {
                return Err(bad(" d", "OverflowError: date value out of range"));
            }
            one(" d", Value::Str(http_date(*t).into()))
        }
        other => other.clone(),
    })
}

fn tag_list(items: &[Value], scheme: TagScheme, depth: usize) -> Result<Value, Error> {
    // A plain loop: iterator adapters cost several stack frames per level
    // in debug builds.
    let mut out = Vec::with_capacity(items.len());
    for v in items {
        out.push(tag_rec(v, scheme, depth)?);
    }
    Ok(Value::List(out))
}

/// Untags a parsed JSON value as Flask's `TaggedJSONSerializer.loads` does:
/// bottom-up, converting only one-key dicts whose key is a registered tag.
///
/// `" di"` cuts the last two characters off the inner dict's first key;
/// `" t"` builds a tuple from any iterable (list, string, dict keys);
/// `" b"` decodes like Python's non-validating `base64.b64decode`;
/// `" u"` accepts what `uuid.UUID(str)` accepts; `" m"` gives Markup;
/// `" d"` parses like werkzeug's `parse_date` and gives `Null` when that
/// returns `None`. Where Flask raises (making the cookie a `BadPayload`),
/// this returns [`Error::BadTag`].
///
/// ```
/// use signed_cookie::json::{from_str, Limits, Value};
/// use signed_cookie::tagged::{untag, TagScheme};
/// let v = from_str(r#"[{" b": "!!!"}, {" d": "not a date"}, {" z": 1}]"#, &Limits::default())?;
/// let u = untag(v, TagScheme::Flask)?;
/// assert_eq!(u.as_list().unwrap()[0], Value::Bytes(vec![]));
/// assert_eq!(u.as_list().unwrap()[1], Value::Null);
/// assert!(u.as_list().unwrap()[2].get(" z").is_some());
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn untag(mut value: Value, scheme: TagScheme) -> Result<Value, Error> {
    untag_in_place(&mut value, scheme, 0)?;
    Ok(value)
}

/// Bottom-up, in place: only the tagged dicts are replaced (rebuilding every map would
/// re-hash every key of the session on each load).
fn untag_in_place(value: &mut Value, scheme: TagScheme, depth: usize) -> Result<(), Error> {
    if depth > MAX_WRITE_DEPTH {
        return Err(Error::TooDeep {
            limit: MAX_WRITE_DEPTH,
        });
    }
    match value {
        Value::Dict(m) => {
            for v in m.values_mut() {
                untag_in_place(v, scheme, depth + 1)?;
            }
            let tagged = m.len() == 1 && m.first().is_some_and(|(k, _)| is_tag_key(k, scheme));
            if tagged {
                if let Value::Dict(m) = std::mem::replace(value, Value::Null) {
                    *value = untag_dict(m, scheme)?;
                }
            }
            Ok(())
        }
        Value::List(items) => {
            for v in items {
                untag_in_place(v, scheme, depth + 1)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn untag_dict(m: Map, scheme: TagScheme) -> Result<Value, Error> {
    if m.len() != 1 {
        return Ok(Value::Dict(m));
    }
    let is_tag = m.first().is_some_and(|(k, _)| is_tag_key(k, scheme));
    if !is_tag {
        return Ok(Value::Dict(m));
    }
    let Some((key, inner)) = m.into_iter().next() else {
        return Ok(Value::Null);
    };
    untag_member(&key, inner, scheme)
}

/// The value of the one-member dict `{key: inner}` whose key is a tag key, `inner` already
/// untagged.
fn untag_member(key: &str, inner: Value, scheme: TagScheme) -> Result<Value, Error> {
    match key {
        " di" => untag_di(inner),
        " t" => to_tuple(inner),
        " b" => untag_bytes(inner),
        " m" => to_markup(inner),
        " u" => untag_uuid(inner),
        " d" => untag_date(inner, scheme),
        _ => Ok(one(key, inner)),
    }
}

/// Untagging as the JSON reader closes each object (what [`untag`] does over a parsed tree,
/// in the same order, without walking the tree again).
pub(crate) struct UntagWhileParsing(pub(crate) TagScheme);

impl SingleMemberObjects for UntagWhileParsing {
    #[inline]
    fn claims(&self, key: &str) -> bool {
        is_tag_key(key, self.0)
    }
    fn convert(&self, key: CompactString, value: Value) -> Result<Value, Error> {
        untag_member(&key, value, self.0)
    }
}

/// `TagDict.to_python`: `key = next(iter(value)); {key[:-2]: value[key]}`.
fn untag_di(inner: Value) -> Result<Value, Error> {
    match inner {
        Value::Dict(m) => match m.into_iter().next() {
            Some((k, v)) => {
                let n = k.chars().count().saturating_sub(2);
                let cut: String = k.chars().take(n).collect();
                Ok(one(&cut, v))
            }
            None => Err(bad(" di", "StopIteration: empty dict")),
        },
        other => Err(bad(
            " di",
            format!("cannot index a {} by its first item", other.type_name()),
        )),
    }
}

/// Python's `tuple(value)`.
fn to_tuple(inner: Value) -> Result<Value, Error> {
    let items = match inner {
        Value::List(items) | Value::Tuple(items) => items,
        Value::Str(s) | Value::Markup(s) => s
            .chars()
            .map(|c| Value::Str(CompactString::new(c.encode_utf8(&mut [0; 4]))))
            .collect(),
        Value::Dict(m) => m.into_keys().map(Value::Str).collect(),
        Value::Bytes(b) => b.into_iter().map(Value::from).collect(),
        other => {
            return Err(bad(
                " t",
                format!("'{}' object is not iterable", other.type_name()),
            ))
        }
    };
    Ok(Value::Tuple(items))
}

/// `markupsafe.Markup(value)`, i.e. `str(value)` for non-strings.
fn to_markup(inner: Value) -> Result<Value, Error> {
    let text: String = match inner {
        Value::Str(s) | Value::Markup(s) => return Ok(Value::Markup(s)),
        Value::Null => "None".to_owned(),
        Value::Bool(b) => if b { "True" } else { "False" }.to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => "nan".to_owned(),
        Value::Float(f) if f.is_infinite() => if f > 0.0 { "inf" } else { "-inf" }.to_owned(),
        Value::Float(f) => float_repr(f),
        Value::Uuid(u) => {
            let h = format!("{u:032x}");
            let part = |r: std::ops::Range<usize>| h.get(r).unwrap_or_default().to_owned();
            format!(
                "{}-{}-{}-{}-{}",
                part(0..8),
                part(8..12),
                part(12..16),
                part(16..20),
                part(20..32)
            )
        }
        other => {
            return Err(bad(
                " m",
                format!("Markup(str({})) is not supported", other.type_name()),
            ))
        }
    };
    Ok(Value::Markup(text.into()))
}

fn untag_bytes(inner: Value) -> Result<Value, Error> {
    let data: Vec<u8> = match inner {
        Value::Str(s) | Value::Markup(s) => {
            if !s.is_ascii() {
                return Err(bad(
                    " b",
                    "string argument should contain only ASCII characters",
                ));
            }
            s.into_string().into_bytes()
        }
        Value::Bytes(b) => b,
        other => {
            return Err(bad(
                " b",
                format!(
                    "argument should be a bytes-like object or ASCII string, not '{}'",
                    other.type_name()
                ),
            ))
        }
    };
    py_b64decode(&data)
        .map(Value::Bytes)
        .map_err(|e| bad(" b", e))
}

fn b64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// CPython's `binascii.a2b_base64(data, strict_mode=False)`, which is what
/// `base64.b64decode(s)` runs: non-alphabet characters are skipped, padding
/// ends the input once it completes a quad, and the leftover bits of a
/// partial quad are dropped.
///
/// ```
/// use signed_cookie::tagged::py_b64decode;
/// assert_eq!(py_b64decode(b"!!!").unwrap(), b"");
/// assert_eq!(py_b64decode(b"YQ==YWJj").unwrap(), b"a");
/// assert_eq!(py_b64decode(b"YR==").unwrap(), b"a");
/// assert!(py_b64decode(b"YQ").is_err()); // "Incorrect padding"
/// ```
pub fn py_b64decode(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    let mut quad_pos = 0u32;
    let mut left = 0u32;
    let mut pads = 0u32;
    for &ch in data {
        if ch == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(v) = b64_value(ch) else {
            continue;
        };
        pads = 0;
        match quad_pos {
            0 => {
                quad_pos = 1;
                left = v;
            }
            1 => {
                quad_pos = 2;
                out.push((((left << 2) | (v >> 4)) & 0xff) as u8);
                left = v & 0x0f;
            }
            2 => {
                quad_pos = 3;
                out.push((((left << 4) | (v >> 2)) & 0xff) as u8);
                left = v & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push((((left << 6) | v) & 0xff) as u8);
                left = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more than a multiple of 4",
            out.len() / 3 * 4 + 1
        )),
        _ => Err("Incorrect padding".to_owned()),
    }
}

/// Python's `str.isspace()` for one character (also what `str.split()`
/// and `int()` treat as whitespace).
fn py_isspace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{1f}'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Result of Python's `int(s, radix)` on ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PyInt {
    Val(i128),
    /// Magnitude beyond `i128` (sign: negative?).
    Huge(bool),
}

/// Python's `int(s, radix)` (radix 10 or 16) as sign and magnitude
/// (`None` magnitude: beyond `u128`); `None` is `ValueError`.
fn py_int_raw(s: &str, radix: u32) -> Option<(bool, Option<u128>)> {
    let s = s.trim_matches(py_isspace);
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let mut after_prefix = false;
    if radix == 16 {
        if let Some(r) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            rest = r;
            after_prefix = true;
        }
    }
    let mut value: Option<u128> = Some(0);
    let mut digits = 0usize;
    let mut prev_underscore = false;
    for (i, c) in rest.chars().enumerate() {
        if c == '_' {
            // Single underscores between digits (or right after "0x").
            if prev_underscore || (i == 0 && !after_prefix) {
                return None;
            }
            prev_underscore = true;
            continue;
        }
        let d = c.to_digit(radix)?;
        prev_underscore = false;
        digits += 1;
        value = value
            .and_then(|v| v.checked_mul(u128::from(radix)))
            .and_then(|v| v.checked_add(u128::from(d)));
    }
    if digits == 0 || prev_underscore {
        return None;
    }
    if radix == 10 && digits > 4300 {
        return None;
    }
    Some((negative, value))
}

/// Python's `int(s, radix)`; `None` is `ValueError`.
fn py_int(s: &str, radix: u32) -> Option<PyInt> {
    let (negative, mag) = py_int_raw(s, radix)?;
    Some(match mag.and_then(|m| i128::try_from(m).ok()) {
        Some(v) => PyInt::Val(if negative { -v } else { v }),
        None => PyInt::Huge(negative),
    })
}

/// `uuid.UUID(hex)` on a string, as `int`.
fn parse_uuid(s: &str) -> Option<u128> {
    let s = s.replace("urn:", "").replace("uuid:", "");
    let s = s.trim_matches(|c| c == '{' || c == '}').replace('-', "");
    if s.chars().count() != 32 {
        return None;
    }
    match py_int_raw(&s, 16)? {
        (false, mag) => mag,
        (true, Some(0)) => Some(0),
        (true, _) => None,
    }
}

fn untag_uuid(inner: Value) -> Result<Value, Error> {
    match inner {
        Value::Str(s) | Value::Markup(s) => parse_uuid(&s)
            .map(Value::Uuid)
            .ok_or_else(|| bad(" u", "badly formed hexadecimal UUID string")),
        other => Err(bad(
            " u",
            format!("'{}' object has no attribute 'replace'", other.type_name()),
        )),
    }
}

fn is_falsy(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Int(i) => i.as_i64() == Some(0),
        Value::Float(f) => *f == 0.0,
        Value::Str(s) | Value::Markup(s) => s.is_empty(),
        Value::List(l) | Value::Tuple(l) => l.is_empty(),
        Value::Dict(m) => m.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::Uuid(_) | Value::DateTime(_) => false,
    }
}

fn untag_date(inner: Value, scheme: TagScheme) -> Result<Value, Error> {
    let legacy = scheme == TagScheme::Flask012;
    match inner {
        Value::Str(s) | Value::Markup(s) => match parse_date_py(&s, legacy) {
            DateParse::Ok(t) => Ok(Value::DateTime(t)),
            DateParse::Invalid => Ok(Value::Null),
            DateParse::Raise(reason) => Err(bad(" d", reason)),
        },
        ref v if is_falsy(v) => Ok(Value::Null),
        // Modern: bytes fail inside the parser with a (caught) TypeError.
        Value::Bytes(_) if !legacy => Ok(Value::Null),
        other => Err(bad(
            " d",
            format!("'{}' object has no attribute 'split'", other.type_name()),
        )),
    }
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian (year, month, day) of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Werkzeug's `http_date` for a UTC instant: `"Thu, 02 Jan 2020 03:04:05 GMT"`.
///
/// Meant for years 1..=9999 (Python's `datetime` range); outside it the
/// proleptic Gregorian year is printed as is.
///
/// ```
/// use signed_cookie::tagged::http_date;
/// assert_eq!(http_date(1577934245), "Thu, 02 Jan 2020 03:04:05 GMT");
/// assert_eq!(http_date(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT");
/// ```
pub fn http_date(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = usize::try_from((days + 3).rem_euclid(7)).unwrap_or(0);
    let month = usize::try_from(m - 1).unwrap_or(0);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAY_NAMES.get(weekday).copied().unwrap_or("Mon"),
        d,
        MONTH_NAMES.get(month).copied().unwrap_or("Jan"),
        y,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses a date like werkzeug's `parse_date` (via
/// `email.utils.parsedate_to_datetime`), giving Unix seconds in UTC.
///
/// Accepts everything Python does: optional day name, RFC 850 dashes,
/// two-digit years (69–99 → 19xx, else 20xx, so years below 100 cannot
/// round-trip), `:`/`.` time separators, zone names (`GMT`, `EST`, ...)
/// and numeric offsets (converted to UTC). `None` where Python gives
/// `None` or raises.
///
/// ```
/// use signed_cookie::tagged::parse_http_date;
/// assert_eq!(parse_http_date("Thu, 02 Jan 2020 03:04:05 GMT"), Some(1577934245));
/// assert_eq!(parse_http_date("02 Jan 2020 04:04:05 +0100"), Some(1577934245));
/// assert_eq!(parse_http_date("not a date"), None);
/// ```
pub fn parse_http_date(s: &str) -> Option<i64> {
    match parse_date_py(s, false) {
        DateParse::Ok(t) => Some(t),
        _ => None,
    }
}

enum DateParse {
    Ok(i64),
    /// Python returns `None`.
    Invalid,
    /// Python raises an exception that `parse_date` does not catch.
    Raise(String),
}

struct DateFields {
    yy: PyInt,
    mon: i128,
    dd: PyInt,
    hh: PyInt,
    mi: PyInt,
    ss: PyInt,
    /// Offset in seconds; `None` for no (usable) zone.
    tz: Option<PyInt>,
}

/// `email._parseaddr._parsedate_tz`; `None` is its `None`.
fn parsedate_tz(data: &str) -> Option<DateFields> {
    let mut data: Vec<String> = data
        .split(py_isspace)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let first = data.first()?.clone();
    if first.ends_with(',')
        || DAY_NAMES
            .iter()
            .any(|d| d.to_lowercase() == first.to_lowercase())
    {
        data.remove(0);
    } else if let Some(i) = first.rfind(',') {
        if let (Some(slot), Some(tail)) = (data.first_mut(), first.get(i + 1..)) {
            *slot = tail.to_owned();
        }
    }
    if data.len() == 3 {
        let stuff: Vec<String> = data.first()?.split('-').map(str::to_owned).collect();
        if stuff.len() == 3 {
            let rest: Vec<String> = data.get(1..)?.to_vec();
            data = stuff.into_iter().chain(rest).collect();
        }
    }
    if data.len() == 4 {
        let s = data.get(3)?.clone();
        let i = s.find('+').or_else(|| s.find('-'));
        match i {
            Some(i) if i > 0 => {
                data.truncate(3);
                data.push(s.get(..i)?.to_owned());
                data.push(s.get(i..)?.to_owned());
            }
            _ => data.push(String::new()),
        }
    }
    if data.len() < 5 {
        return None;
    }
    data.truncate(5);
    let mut it = data.into_iter();
    let (mut dd, mm, mut yy, mut tm, mut tz) =
        (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
    if dd.is_empty() || mm.is_empty() || yy.is_empty() {
        return None;
    }
    const MONTHS: [&str; 24] = [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let mut mm = mm.to_lowercase();
    if !MONTHS.contains(&mm.as_str()) {
        let new_mm = dd.to_lowercase();
        dd = mm;
        mm = new_mm;
        if !MONTHS.contains(&mm.as_str()) {
            return None;
        }
    }
    let mut mon = i128::try_from(MONTHS.iter().position(|m| *m == mm)? + 1).ok()?;
    if mon > 12 {
        mon -= 12;
    }
    if dd.ends_with(',') {
        dd.pop();
    }
    if yy.find(':').is_some_and(|i| i > 0) {
        std::mem::swap(&mut yy, &mut tm);
    }
    if yy.ends_with(',') {
        yy.pop();
        if yy.is_empty() {
            return None;
        }
    }
    let starts_digit = yy
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric()));
    if !starts_digit {
        std::mem::swap(&mut yy, &mut tz);
    }
    if tm.ends_with(',') {
        tm.pop();
    }
    let parts: Vec<&str> = tm.split(':').collect();
    let (thh, tmm, tss): (&str, &str, &str) = match parts.as_slice() {
        [h, m] => (h, m, "0"),
        [h, m, s] => (h, m, s),
        [one] if one.contains('.') => match one.split('.').collect::<Vec<_>>().as_slice() {
            [h, m] => (h, m, "0"),
            [h, m, s] => (h, m, s),
            _ => return None,
        },
        _ => return None,
    };
    let mut yy = py_int(&yy, 10)?;
    let dd = py_int(&dd, 10)?;
    let hh = py_int(thh, 10)?;
    let mi = py_int(tmm, 10)?;
    let ss = py_int(tss, 10)?;
    if let PyInt::Val(y) = yy {
        if y < 100 {
            yy = PyInt::Val(if y > 68 { y + 1900 } else { y + 2000 });
        }
    }
    let tz_upper = tz.to_uppercase();
    let named = match tz_upper.as_str() {
        "UT" | "UTC" | "GMT" | "Z" => Some(0),
        "ADT" => Some(-300),
        "AST" | "EDT" => Some(-400),
        "EST" | "CDT" => Some(-500),
        "CST" | "MDT" => Some(-600),
        "MST" | "PDT" => Some(-700),
        "PST" => Some(-800),
        _ => None,
    };
    let tzoffset = match named {
        Some(v) => Some(PyInt::Val(v)),
        None => match py_int(&tz_upper, 10) {
            Some(PyInt::Val(0)) if tz_upper.starts_with('-') => None,
            other => other,
        },
    };
    let tz = tzoffset.map(|off| match off {
        PyInt::Val(0) => PyInt::Val(0),
        PyInt::Val(v) => {
            let a = v.unsigned_abs();
            let secs = (a / 100)
                .checked_mul(3600)
                .and_then(|h| h.checked_add((a % 100) * 60))
                .and_then(|s| i128::try_from(s).ok());
            match secs {
                Some(s) => PyInt::Val(if v < 0 { -s } else { s }),
                None => PyInt::Huge(v < 0),
            }
        }
        huge => huge,
    });
    Some(DateFields {
        yy,
        mon,
        dd,
        hh,
        mi,
        ss,
        tz,
    })
}

fn parse_date_py(s: &str, legacy: bool) -> DateParse {
    let Some(f) = parsedate_tz(s) else {
        return DateParse::Invalid;
    };
    // timedelta(seconds=tz) overflows past 999999999 days (OverflowError);
    // timezone() wants strictly less than 24 hours (ValueError).
    const MAX_TD: i128 = 999_999_999 * 86_400;
    let offset: i128 = match f.tz {
        None => 0,
        Some(PyInt::Val(v)) if (-MAX_TD..MAX_TD + 86_400).contains(&v) => {
            if !legacy && v.abs() >= 86_400 {
                return DateParse::Invalid;
            }
            v
        }
        Some(_) => {
            return if legacy {
                DateParse::Invalid
            } else {
                DateParse::Raise("OverflowError: timedelta out of range".to_owned())
            }
        }
    };
    // datetime() converts each field to a C int first (OverflowError).
    let mut fields = [0i64; 5];
    for (slot, v) in fields.iter_mut().zip([f.yy, f.dd, f.hh, f.mi, f.ss]) {
        match v {
            PyInt::Val(x) if i32::try_from(x).is_ok() => *slot = x as i64,
            _ => {
                return if legacy {
                    DateParse::Invalid
                } else {
                    DateParse::Raise("OverflowError: signed integer out of range".to_owned())
                }
            }
        }
    }
    let [y, d, h, mi, sec] = fields;
    let m = f.mon as i64;
    if !(1..=9999).contains(&y)
        || !(1..=days_in_month(y, m)).contains(&d)
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0..60).contains(&sec)
    {
        return DateParse::Invalid;
    }
    let local = days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + sec;
    let utc = i128::from(local) - offset;
    if legacy {
        // naive datetime - timedelta must stay within years 1..=9999.
        let min = i128::from(days_from_civil(1, 1, 1) * 86_400);
        let max = i128::from(days_from_civil(10_000, 1, 1) * 86_400);
        if utc < min || utc >= max {
            return DateParse::Invalid;
        }
    }
    match i64::try_from(utc) {
        Ok(t) => DateParse::Ok(t),
        Err(_) => DateParse::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{from_str, to_string, JsonStyle, Limits};
    use proptest::prelude::*;

    fn parse(s: &str) -> Value {
        from_str(s, &Limits::default()).unwrap()
    }

    fn dict(pairs: Vec<(&str, Value)>) -> Value {
        Value::Dict(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    fn flask_dump(v: &Value) -> String {
        to_string(&tag(v, TagScheme::Flask).unwrap(), &JsonStyle::FLASK).unwrap()
    }

    #[test]
    fn formats_examples() {
        let v = dict(vec![(
            "x",
            dict(vec![(" t", Value::List(vec![1i64.into(), 2i64.into()]))]),
        )]);
        assert_eq!(flask_dump(&v), r#"{"x":{" di":{" t__":[1,2]}}}"#);
        assert_eq!(untag(parse(&flask_dump(&v)), TagScheme::Flask).unwrap(), v);

        let nested = dict(vec![(
            " t",
            Value::Tuple(vec![
                1i64.into(),
                dict(vec![(" b", Value::Bytes(b"z".to_vec()))]),
            ]),
        )]);
        let text = flask_dump(&nested);
        assert_eq!(
            text,
            r#"{" di":{" t__":{" t":[1,{" di":{" b__":{" b":"eg=="}}}]}}}"#
        );
        assert_eq!(untag(parse(&text), TagScheme::Flask).unwrap(), nested);

        let keys = ["é", "b", "a", "_", "C", "9", "10", " x", ""];
        let v = dict(keys.iter().map(|k| (*k, Value::Null)).collect());
        assert_eq!(
            flask_dump(&v),
            r#"{"":null," x":null,"10":null,"9":null,"C":null,"_":null,"a":null,"b":null,"\u00e9":null}"#
        );
    }

    #[test]
    fn all_tags_round_trip() {
        let v = dict(vec![
            ("b", Value::Bytes(vec![0, 255])),
            ("m", Value::Markup("<b>x</b>".into())),
            ("u", Value::Uuid(0x12345678_1234_5678_1234_567812345678)),
            ("d", Value::DateTime(1577934245)),
            ("t", Value::Tuple(vec![])),
        ]);
        let text = flask_dump(&v);
        assert_eq!(
            text,
            r#"{"b":{" b":"AP8="},"d":{" d":"Thu, 02 Jan 2020 03:04:05 GMT"},"m":{" m":"<b>x</b>"},"t":{" t":[]},"u":{" u":"12345678123456781234567812345678"}}"#
        );
        assert_eq!(untag(parse(&text), TagScheme::Flask).unwrap(), v);
    }

    #[test]
    fn loading_untags_as_objects_close_with_python_error_order() {
        use crate::serializer::{FlaskTaggedJson, JsonDialect};
        use crate::PayloadFault;
        let load = |s: &str| {
            FlaskTaggedJson {
                scheme: TagScheme::Flask,
            }
            .load(s.as_bytes(), &Limits::default())
        };
        assert_eq!(
            load(r#"{"a":{" t":[1,{" t":[]}]},"b":{" di":{" t__":2}}}"#).unwrap(),
            dict(vec![
                ("a", Value::Tuple(vec![1i64.into(), Value::Tuple(vec![])])),
                ("b", dict(vec![(" t", 2i64.into())])),
            ])
        );
        // Repeats of a tag key leave a one-member dict, which Python untags (found by the
        // fuzz target `json_tagged`).
        assert_eq!(
            load(r#"{"d":{" t":"x", " t":[1]}}"#).unwrap(),
            dict(vec![("d", Value::Tuple(vec![1i64.into()]))])
        );
        assert_eq!(
            load(r#"[{" d":"x", " d":"not a date"}, {" b":"!!", "x":1, " b":"AP8="}]"#).unwrap(),
            Value::List(vec![
                Value::Null,
                dict(vec![(" b", "AP8=".into()), ("x", 1i64.into())])
            ])
        );
        // Python untags a parsed document: a syntax error after a bad tag wins over it.
        assert!(matches!(
            load(r#"[{" b": 1}, 1 2]"#),
            Err(PayloadFault::Json(Error::UnexpectedChar { offset: 14, .. }))
        ));
        assert!(matches!(
            load(r#"[{" b": 1}] x"#),
            Err(PayloadFault::Json(Error::TrailingData { offset: 12 }))
        ));
        // Else the first bad tag in document order (inner objects first).
        assert!(matches!(
            load(r#"[{" t": {" u": 5}}, {" b": 1}]"#),
            Err(PayloadFault::Json(Error::BadTag { tag: " u", .. }))
        ));
        assert!(matches!(
            load(r#"[{" m": []}, {" b": 1}]"#),
            Err(PayloadFault::Json(Error::BadTag { tag: " m", .. }))
        ));
    }

    #[test]
    fn untag_edge_cases() {
        let u = |s: &str| untag(parse(s), TagScheme::Flask);
        assert_eq!(u(r#"{" z": 1}"#).unwrap(), parse(r#"{" z": 1}"#));
        assert_eq!(
            u(r#"{" t": 1, "q": 2}"#).unwrap(),
            parse(r#"{" t": 1, "q": 2}"#)
        );
        // " di" keeps the first key minus its last two characters.
        assert_eq!(
            u(r#"{" di": {"ab": 1, "cd": 2}}"#).unwrap(),
            dict(vec![("", 1i64.into())])
        );
        assert_eq!(
            u(r#"{" di": {"xé!": 1}}"#).unwrap(),
            dict(vec![("x", 1i64.into())])
        );
        assert!(u(r#"{" di": {}}"#).is_err());
        assert!(u(r#"{" di": [1]}"#).is_err());
        assert!(u(r#"{" di": {" t": [1]}}"#).is_err());
        // tuple() of any iterable.
        assert_eq!(
            u(r#"{" t": "ab"}"#).unwrap(),
            Value::Tuple(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            u(r#"{" t": {"k": 1}}"#).unwrap(),
            Value::Tuple(vec!["k".into()])
        );
        assert!(u(r#"{" t": 1}"#).is_err());
        assert!(u(r#"{" t": null}"#).is_err());
        // bytes
        assert_eq!(u(r#"{" b": "!!!"}"#).unwrap(), Value::Bytes(vec![]));
        assert!(u(r#"{" b": "YQ"}"#).is_err());
        assert!(u(r#"{" b": "é"}"#).is_err());
        assert!(u(r#"{" b": 1}"#).is_err());
        // uuid forms
        let id = Value::Uuid(0x12345678_1234_5678_1234_567812345678);
        for form in [
            "12345678123456781234567812345678",
            "12345678-1234-5678-1234-567812345678",
            "{12345678-1234-5678-1234-567812345678}",
            "urn:uuid:12345678-1234-5678-1234-567812345678",
            "12345678123456781234567812345678",
            "0x345678123456781234567812345678",
        ] {
            let want = if form.starts_with("0x") {
                Value::Uuid(0x345678123456781234567812345678)
            } else {
                id.clone()
            };
            assert_eq!(
                u(&format!(r#"{{" u": "{form}"}}"#)).unwrap(),
                want,
                "{form}"
            );
        }
        assert!(u(r#"{" u": "1234"}"#).is_err());
        assert!(u(r#"{" u": "g2345678123456781234567812345678"}"#).is_err());
        assert!(u(r#"{" u": "-2345678123456781234567812345678"}"#).is_err());
        assert!(u(r#"{" u": 5}"#).is_err());
        // dates
        assert_eq!(u(r#"{" d": "not a date"}"#).unwrap(), Value::Null);
        assert_eq!(u(r#"{" d": null}"#).unwrap(), Value::Null);
        assert_eq!(u(r#"{" d": 0}"#).unwrap(), Value::Null);
        assert!(u(r#"{" d": 5}"#).is_err());
        assert_eq!(
            u(r#"{" d": "Thu, 02 Jan 2020 03:04:05 -0130"}"#).unwrap(),
            Value::DateTime(1577934245 + 5400)
        );
        // markup
        assert_eq!(u(r#"{" m": 5}"#).unwrap(), Value::Markup("5".into()));
        assert_eq!(u(r#"{" m": null}"#).unwrap(), Value::Markup("None".into()));
        // Flask 0.12 has no " di" and loads tag-looking dicts as tags.
        assert_eq!(
            untag(parse(r#"{" t": [1]}"#), TagScheme::Flask012).unwrap(),
            Value::Tuple(vec![1i64.into()])
        );
        let v = dict(vec![(" t", Value::List(vec![]))]);
        assert_eq!(tag(&v, TagScheme::Flask012).unwrap(), v);
        // Loads fine (aware 9999-12-31 local), but Python cannot re-dump it.
        let late = u(r#"{" d": "31 december 9999 23:59:59 EST"}"#).unwrap();
        assert_eq!(late, Value::DateTime(253402318799));
        assert!(tag(&late, TagScheme::Flask).is_err());
        assert!(tag(&Value::DateTime(-62135596801), TagScheme::Flask).is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
        let p = parse_http_date;
        assert_eq!(p("Fri, 31 Dec 9999 23:59:59 GMT"), Some(253402300799));
        assert_eq!(p("02-Jan-2020 03:04:05 GMT"), Some(1577934245));
        assert_eq!(p("Thursday, 02-Jan-20 03:04:05 GMT"), Some(1577934245));
        assert_eq!(p("2 January 2020 03.04.05"), Some(1577934245));
        assert_eq!(p("Jan 02 2020 03:04:05 EST"), Some(1577934245 + 5 * 3600));
        assert_eq!(p("Thu, 02 Jan 2020 03:04 +0000"), Some(1577934240));
        assert_eq!(p("Mon, 01 Jan 0001 00:00:00 GMT"), Some(978307200)); // 2001!
        assert_eq!(p("Thu, 31 Feb 2020 03:04:05 GMT"), None);
        assert_eq!(p("Thu, 02 Jan 2020 24:00:00 GMT"), None);
        assert_eq!(p("Thu, 02 Jan 2020 03:04:05 +2400"), None);
        assert_eq!(p(""), None);
        assert!(matches!(
            parse_date_py("02 Jan 99999999999 03:04:05", false),
            DateParse::Raise(_)
        ));
        assert!(matches!(
            parse_date_py("02 Jan 99999999999 03:04:05", true),
            DateParse::Invalid
        ));
        for t in [
            0i64,
            1577934245,
            253402300799,
            -62135596800 + 100 * 366 * 86400,
        ] {
            assert_eq!(p(&http_date(t)), Some(t));
        }
    }

    #[test]
    fn b64_like_python() {
        assert_eq!(py_b64decode(b"Y=Q==").unwrap(), b"a");
        assert_eq!(py_b64decode(b"YW=!=Jj").unwrap(), b"a");
        assert_eq!(py_b64decode(b"YW Jj\n").unwrap(), b"abc");
        assert!(py_b64decode(b"YWJjZ").is_err());
        assert!(py_b64decode(b"YWJ").is_err());
        assert_eq!(py_b64decode(b"").unwrap(), b"");
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<i128>().prop_map(Value::from),
            any::<f64>().prop_map(Value::Float),
            "\\PC{0,8}".prop_map(Value::from),
            prop::sample::select(vec![" t", " b", " di", " m", " u", " d", "x__"])
                .prop_map(Value::from),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,6}",
            prop::sample::select(vec![" t", " b", " di", " m", " u", " d", " t__", ""])
                .prop_map(str::to_owned),
        ]
    }

    fn plain() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::List),
                prop::collection::vec((key(), inner), 0..5)
                    .prop_map(|kv| Value::Dict(kv.into_iter().collect())),
            ]
        })
    }

    fn tagged_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            leaf(),
            prop::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes),
            "\\PC{0,8}".prop_map(|s: String| Value::Markup(s.into())),
            any::<u128>().prop_map(Value::Uuid),
            // Years 100..=9999: Python maps years below 100 to 19xx/20xx.
            (-59011459200i64..253402300800).prop_map(Value::DateTime),
        ]
    }

    fn rich() -> impl Strategy<Value = Value> {
        tagged_leaf().prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::List),
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Tuple),
                prop::collection::vec((key(), inner), 0..5)
                    .prop_map(|kv| Value::Dict(kv.into_iter().collect())),
            ]
        })
    }

    /// Equality with NaN == NaN.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Float(x), Value::Float(y)) => {
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
            }
            (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            (Value::Dict(x), Value::Dict(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
            }
            _ => a == b,
        }
    }

    proptest! {
        #[test]
        fn plain_json_round_trip(v in plain()) {
            for style in [JsonStyle::FLASK, JsonStyle::ITSDANGEROUS, JsonStyle::DJANGO, JsonStyle::PYTHON_DEFAULT] {
                let text = to_string(&v, &style).unwrap();
                let back = from_str(&text, &Limits::default()).unwrap();
                if style.sort_keys {
                    // Same text when written again (order-insensitive compare).
                    prop_assert_eq!(to_string(&back, &style).unwrap(), text);
                } else {
                    prop_assert!(same(&v, &back), "{:?} vs {:?}", v, back);
                }
            }
        }

        #[test]
        fn tag_untag_round_trip(v in rich()) {
            let text = to_string(&tag(&v, TagScheme::Flask).unwrap(), &JsonStyle::DJANGO).unwrap();
            let back = untag(from_str(&text, &Limits::default()).unwrap(), TagScheme::Flask).unwrap();
            prop_assert!(same(&v, &back), "{:?} vs {:?} via {}", v, back, text);
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = from_str(&s, &Limits::default());
        }

        #[test]
        fn untag_never_panics(s in "[\\[\\]{}\" :,a-z0-9dtbmu\\\\!=-]{0,40}") {
            if let Ok(v) = from_str(&s, &Limits::default()) {
                let _ = untag(v.clone(), TagScheme::Flask);
                let _ = untag(v, TagScheme::Flask012);
            }
        }

        /// Untagging as objects close (what Flask's serializer loads with) gives what
        /// untagging the parsed tree gives: the same value, or the same error.
        #[test]
        fn untag_while_parsing_is_untag_after_parsing(
            s in "([\\[\\]{}\" :,]|\" [tbmud]i?\"|\"[a-z ]{0,3}\"|[0-9]{1,3}|true|null|\"[A-Za-z0-9+/=]{0,8}\"){0,24}"
        ) {
            for scheme in [TagScheme::Flask, TagScheme::Flask012] {
                let after = from_str(&s, &Limits::default()).and_then(|v| untag(v, scheme));
                let while_parsing =
                    crate::json::from_str_with(&s, &Limits::default(), &UntagWhileParsing(scheme));
                match (&after, &while_parsing) {
                    (Ok(a), Ok(b)) => prop_assert!(same(a, b), "{s}: {a:?} vs {b:?}"),
                    (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                    _ => prop_assert!(false, "{s}: {after:?} vs {while_parsing:?}"),
                }
            }
        }
    }
}
