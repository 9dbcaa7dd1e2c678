//! Python-compatible JSON: a value model for Python objects, a reader with
//! the grammar of CPython's `json.loads`, and a writer whose output is
//! byte-identical to CPython 3.11's `json.dumps` for the settings used by
//! itsdangerous, Flask, Django and Starlette.
//!
//! Known difference from Python: a JSON string containing an unpaired UTF-16
//! surrogate escape (such as `"\ud800"`) is accepted by Python but cannot be
//! held by a Rust `String`; [`from_str`] rejects it with
//! [`Error::LoneSurrogate`].
//!
//! ```
//! use signed_cookie::json::{from_str, to_string, JsonStyle, Limits};
//! let v = from_str(r#"{"b": 1e16, "a": [NaN, "\u00e9"]}"#, &Limits::default())?;
//! assert_eq!(to_string(&v, &JsonStyle::FLASK)?, r#"{"a":[NaN,"\u00e9"],"b":1e+16}"#);
//! # Ok::<(), signed_cookie::json::Error>(())
//! ```
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod de;
mod int;
pub mod map;
mod parse;
mod ser;
mod value;
mod write;

pub use compact_str::CompactString;
pub use int::Int;
pub use map::Map;
pub use parse::{from_slice, from_str};
pub(crate) use parse::{from_str_with, SingleMemberObjects};
pub use value::Value;
pub(crate) use write::to_writer_tagged;
pub use write::{float_repr, to_string, to_writer, PythonFormatter, MAX_WRITE_DEPTH};

/// Output settings of `json.dumps` that differ between the frameworks.
///
/// ```
/// use signed_cookie::json::{to_string, JsonStyle, Value};
/// let v = Value::List(vec![1i64.into(), "é".into()]);
/// assert_eq!(to_string(&v, &JsonStyle::PYTHON_DEFAULT)?, r#"[1, "\u00e9"]"#);
/// assert_eq!(to_string(&v, &JsonStyle::ITSDANGEROUS)?, "[1,\"é\"]");
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JsonStyle {
    /// `true`: separators `", "` and `": "` (Python's default);
    /// `false`: compact `","` and `":"`.
    pub spaced: bool,
    /// Sort object keys by code point (`sort_keys=True`).
    pub sort_keys: bool,
    /// Escape 0x7F and every non-ASCII character as `\uXXXX`
    /// (`ensure_ascii=True`).
    pub ensure_ascii: bool,
}

impl JsonStyle {
    /// Flask's `app.json` inside a request: compact, sorted, ASCII.
    ///
    /// ```
    /// use signed_cookie::json::{from_str, to_string, JsonStyle, Limits};
    /// let v = from_str(r#"{"b":1,"a":2}"#, &Limits::default())?;
    /// assert_eq!(to_string(&v, &JsonStyle::FLASK)?, r#"{"a":2,"b":1}"#);
    /// # Ok::<(), signed_cookie::json::Error>(())
    /// ```
    pub const FLASK: JsonStyle = JsonStyle {
        spaced: false,
        sort_keys: true,
        ensure_ascii: true,
    };
    /// itsdangerous' `_CompactJSON`: compact, insertion order, raw UTF-8.
    ///
    /// ```
    /// use signed_cookie::json::{to_string, JsonStyle, Value};
    /// assert_eq!(to_string(&Value::from("é"), &JsonStyle::ITSDANGEROUS)?, "\"é\"");
    /// # Ok::<(), signed_cookie::json::Error>(())
    /// ```
    pub const ITSDANGEROUS: JsonStyle = JsonStyle {
        spaced: false,
        sort_keys: false,
        ensure_ascii: false,
    };
    /// Django's `JSONSerializer`: compact, insertion order, ASCII.
    ///
    /// ```
    /// use signed_cookie::json::{to_string, JsonStyle, Value};
    /// assert_eq!(to_string(&Value::from("é"), &JsonStyle::DJANGO)?, r#""\u00e9""#);
    /// # Ok::<(), signed_cookie::json::Error>(())
    /// ```
    pub const DJANGO: JsonStyle = JsonStyle {
        spaced: false,
        sort_keys: false,
        ensure_ascii: true,
    };
    /// Plain `json.dumps` defaults (Starlette, itsdangerous' plain
    /// `Serializer`): spaced, insertion order, ASCII.
    ///
    /// ```
    /// use signed_cookie::json::{from_str, to_string, JsonStyle, Limits};
    /// let v = from_str(r#"{"user_id":42}"#, &Limits::default())?;
    /// assert_eq!(to_string(&v, &JsonStyle::PYTHON_DEFAULT)?, r#"{"user_id": 42}"#);
    /// # Ok::<(), signed_cookie::json::Error>(())
    /// ```
    pub const PYTHON_DEFAULT: JsonStyle = JsonStyle {
        spaced: true,
        sort_keys: false,
        ensure_ascii: true,
    };
}

/// Resource limits for parsing hostile input.
///
/// ```
/// use signed_cookie::json::{from_str, Error, Limits};
/// let limits = Limits { max_depth: 2, ..Limits::default() };
/// assert!(from_str("[[1]]", &limits).is_ok());
/// assert!(matches!(from_str("[[[1]]]", &limits), Err(Error::TooDeep { limit: 2 })));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Maximum nesting of arrays/objects (default 128). The parser recurses
    /// once per level, so a value above [`MAX_WRITE_DEPTH`] (512, as deep as
    /// the writer and the Flask tagger go) counts as 512.
    pub max_depth: usize,
    /// Maximum number of digits of an integer literal (default 4300, the
    /// `sys.int_info.default_max_str_digits` of Python 3.11, which makes
    /// `json.loads` raise `ValueError` beyond it).
    pub max_int_digits: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 128,
            max_int_digits: 4300,
        }
    }
}

/// Errors of parsing, writing, (de)serializing and (un)tagging.
///
/// Offsets are byte offsets into the parsed text.
///
/// ```
/// use signed_cookie::json::{from_str, Error, Limits};
/// let err = from_str("[1,]", &Limits::default()).unwrap_err();
/// assert!(matches!(err, Error::UnexpectedChar { offset: 3, .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text ended where more was expected.
    #[error("unexpected end of JSON input")]
    UnexpectedEnd,
    /// A character that the grammar does not allow here.
    #[error("unexpected character {found:?} at byte {offset}: expected {expected}")]
    UnexpectedChar {
        /// Byte offset of the character.
        offset: usize,
        /// The character found.
        found: char,
        /// What the grammar expected.
        expected: &'static str,
    },
    /// Arrays/objects nested deeper than the limit.
    #[error("JSON nested deeper than {limit} levels")]
    TooDeep {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// An integer literal with more digits than `Limits::max_int_digits`
    /// (Python 3.11 raises `ValueError` for it).
    #[error(
        "integer literal at byte {offset} has {digits} digits, more than the limit of {limit}"
    )]
    IntTooLong {
        /// Byte offset of the literal.
        offset: usize,
        /// Number of digits in the literal.
        digits: usize,
        /// The limit.
        limit: usize,
    },
    /// A `\uXXXX` escape of an unpaired UTF-16 surrogate (accepted by Python,
    /// not representable in a Rust string).
    #[error("unpaired UTF-16 surrogate escape at byte {offset}")]
    LoneSurrogate {
        /// Byte offset of the backslash.
        offset: usize,
    },
    /// A raw control character (below U+0020) inside a string.
    #[error("invalid control character in string at byte {offset}")]
    ControlCharInString {
        /// Byte offset of the character.
        offset: usize,
    },
    /// An unknown or malformed backslash escape.
    #[error("invalid escape in string at byte {offset}")]
    InvalidEscape {
        /// Byte offset of the backslash.
        offset: usize,
    },
    /// Non-whitespace after the top-level value (Python's "Extra data").
    #[error("extra data after JSON value at byte {offset}")]
    TrailingData {
        /// Byte offset of the first extra character.
        offset: usize,
    },
    /// The text starts with a byte order mark (Python's `json.loads(str)`
    /// rejects it).
    #[error("unexpected UTF-8 BOM at start of JSON text")]
    Bom,
    /// Bytes that do not decode in the detected encoding.
    #[error("invalid {encoding} at byte {offset}")]
    InvalidEncoding {
        /// The encoding Python's `json.detect_encoding` chose.
        encoding: &'static str,
        /// Byte offset of the offending input.
        offset: usize,
    },
    /// A value that plain JSON cannot represent (Python raises `TypeError`):
    /// bytes, UUIDs and datetimes must be tagged first.
    #[error("object of type {kind} is not JSON serializable")]
    NotSerializable {
        /// Python type name: `bytes`, `UUID` or `datetime`.
        kind: &'static str,
    },
    /// Text that is not a decimal integer.
    #[error("invalid integer literal")]
    InvalidInt,
    /// An integer that does not fit the requested Rust type.
    #[error("integer {value} out of range for the requested type")]
    IntOutOfRange {
        /// Decimal text of the integer.
        value: String,
    },
    /// A map key that JSON cannot represent.
    #[error("map key must be a string, integer, float, bool, char or unit")]
    KeyMustBeString,
    /// A tagged-JSON value that Flask would fail to load.
    #[error("invalid tagged JSON for tag {tag:?}: {reason}")]
    BadTag {
        /// The tag key, such as `" b"`.
        tag: &'static str,
        /// What went wrong (mirrors the Python exception).
        reason: String,
    },
    /// A message from serde.
    #[error("{0}")]
    Custom(String),
}

impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Error {
        Error::Custom(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Error {
        Error::Custom(msg.to_string())
    }
}

/// Converts any `Serialize` value into a [`Value`].
///
/// NaN/infinity are kept; `&[u8]` via `serialize_bytes` becomes
/// [`Value::Bytes`]; Rust tuples and tuple structs become [`Value::Tuple`];
/// sequences become lists; map keys are stringified as `json.dumps` does
/// (`true` → `"true"`, integers as decimal, floats via `repr`, unit → `"null"`);
/// `None`/unit become `null`; enums follow serde_json's external tagging.
///
/// ```
/// use signed_cookie::json::{to_value, Value};
/// #[derive(serde::Serialize)]
/// struct S { id: u32, pair: (i32, bool) }
/// let v = to_value(&S { id: 7, pair: (1, true) })?;
/// assert_eq!(v.get("id"), Some(&Value::from(7i64)));
/// assert_eq!(v.get("pair"), Some(&Value::Tuple(vec![1i64.into(), true.into()])));
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn to_value<T: serde::Serialize + ?Sized>(v: &T) -> Result<Value, Error> {
    v.serialize(ser::ValueSerializer)
}

/// Converts a [`Value`] into any `DeserializeOwned` type.
///
/// Tuples deserialize as sequences, bytes as bytes, [`Value::Uuid`] as its
/// 32-digit lowercase hex string, [`Value::Markup`] as a string and
/// [`Value::DateTime`] as Unix seconds. Integers beyond `i64`/`u64` are an
/// error unless the target asks for `i128`/`u128`.
///
/// ```
/// use signed_cookie::json::{from_str, from_value, Limits};
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct S { id: u32, tags: Vec<String> }
/// let v = from_str(r#"{"id": 7, "tags": ["a"]}"#, &Limits::default())?;
/// let s: S = from_value(v)?;
/// assert_eq!(s, S { id: 7, tags: vec!["a".into()] });
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
pub fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, Error> {
    T::deserialize(v)
}
