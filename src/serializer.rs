//! Serializer: a value → JSON (in one framework's dialect) → payload text (base64, maybe zlib)
//! → signed token, and back, as itsdangerous' `URLSafe(Timed)Serializer` does.
//!
//! Nothing is base64-decoded, decompressed or parsed before the signature holds, except in
//! [`Serializer::loads_unverified`], which says so in its name.
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::encoding::{
    base64_decode_into, base64_encode_into, base64url_decode_into, base64url_encode_into,
    zlib_compress_into, zlib_decompress_into, Inflater, DEFAULT_MAX_DECOMPRESSED,
};
use crate::error::{Error, PayloadFault, SignatureFault};
use crate::json::{self, JsonStyle, Value};
use crate::signer::{Signer, VerifiedBy};
use crate::tagged::{self, TagScheme};
use crate::timed::TimestampSigner;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;
use std::fmt::Debug;
use std::time::{Duration, SystemTime};

/// How a value becomes JSON bytes and back: one framework's `json.dumps`/`json.loads`.
///
/// The quirks that differ between frameworks live in implementations of this trait, never in
/// branches of the serializer.
///
/// ```
/// use signed_cookie::json::{JsonStyle, Limits, Value};
/// use signed_cookie::serializer::{JsonDialect, PlainJson, TextEncoding};
/// let django = PlainJson { style: JsonStyle::DJANGO, text: TextEncoding::Latin1 };
/// let mut out = Vec::new();
/// django.dump(&Value::from("é"), &mut out).unwrap();
/// assert_eq!(out, br#""\u00e9""#);
/// assert_eq!(django.load(b"\"\xc3\xa9\"", &Limits::default()).unwrap(), Value::from("Ã©"));
/// ```
pub trait JsonDialect: Debug + Send + Sync {
    /// Writes the JSON bytes for `value`.
    ///
    /// ```
    /// use signed_cookie::json::{JsonStyle, Value};
    /// use signed_cookie::serializer::{JsonDialect, PlainJson, TextEncoding};
    /// let plain = PlainJson { style: JsonStyle::DJANGO, text: TextEncoding::Utf8 };
    /// let mut out = Vec::new();
    /// plain.dump(&Value::from(vec![Value::from(1i64), Value::Null]), &mut out).unwrap();
    /// assert_eq!(out, b"[1,null]");
    /// ```
    fn dump(&self, value: &Value, out: &mut Vec<u8>) -> Result<(), json::Error>;
    /// Reads JSON bytes (already verified) into a value.
    ///
    /// ```
    /// use signed_cookie::json::{JsonStyle, Limits, Value};
    /// use signed_cookie::serializer::{JsonDialect, PlainJson, TextEncoding};
    /// let plain = PlainJson { style: JsonStyle::DJANGO, text: TextEncoding::Utf8 };
    /// assert_eq!(plain.load(b" 42 ", &Limits::default()).unwrap(), Value::from(42i64));
    /// assert!(plain.load(b"{", &Limits::default()).is_err());
    /// ```
    fn load(&self, bytes: &[u8], limits: &json::Limits) -> Result<Value, PayloadFault>;
    /// Reads JSON that is already text (as `json.loads(str)` does): no byte decoding, so a
    /// Latin-1 dialect does not re-read UTF-8 text as Latin-1.
    ///
    /// ```
    /// use signed_cookie::json::{JsonStyle, Limits, Value};
    /// use signed_cookie::serializer::{JsonDialect, PlainJson, TextEncoding};
    /// let django = PlainJson { style: JsonStyle::DJANGO, text: TextEncoding::Latin1 };
    /// assert_eq!(django.load_text("\"é\"", &Limits::default()).unwrap(), Value::from("é"));
    /// ```
    fn load_text(&self, text: &str, limits: &json::Limits) -> Result<Value, PayloadFault> {
        self.load(text.as_bytes(), limits)
    }
}

/// How JSON bytes are turned into text before parsing.
///
/// ```
/// assert_ne!(signed_cookie::serializer::TextEncoding::Utf8, signed_cookie::serializer::TextEncoding::Latin1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// Strict UTF-8 (itsdangerous, Flask, Starlette).
    Utf8,
    /// Latin-1: every byte is one character (Django's `JSONSerializer.loads`).
    Latin1,
    /// What `json.loads(bytes)` does: UTF-8 (a BOM allowed), or UTF-16/32 detected from the
    /// first bytes (Starlette passes the decoded bytes straight to `json.loads`).
    PythonBytes,
}

fn decode_text(
    bytes: &[u8],
    encoding: TextEncoding,
) -> Result<std::borrow::Cow<'_, str>, PayloadFault> {
    match encoding {
        TextEncoding::Utf8 | TextEncoding::PythonBytes => std::str::from_utf8(bytes)
            .map(std::borrow::Cow::Borrowed)
            .map_err(|_| PayloadFault::Utf8),
        TextEncoding::Latin1 => Ok(if bytes.is_ascii() {
            // ASCII is valid UTF-8 and maps to itself.
            std::borrow::Cow::Borrowed(std::str::from_utf8(bytes).map_err(|_| PayloadFault::Utf8)?)
        } else {
            std::borrow::Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())
        }),
    }
}

/// Plain `json.dumps` with one framework's settings (Django, itsdangerous, Starlette).
///
/// ```
/// use signed_cookie::json::{JsonStyle, Value};
/// use signed_cookie::serializer::{JsonDialect, PlainJson, TextEncoding};
/// let starlette = PlainJson { style: JsonStyle::PYTHON_DEFAULT, text: TextEncoding::Utf8 };
/// let mut out = Vec::new();
/// starlette.dump(&Value::List(vec![1i64.into(), 2i64.into()]), &mut out).unwrap();
/// assert_eq!(out, b"[1, 2]");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainJson {
    /// Output settings.
    pub style: JsonStyle,
    /// How bytes become text on load.
    pub text: TextEncoding,
}

impl JsonDialect for PlainJson {
    fn dump(&self, value: &Value, out: &mut Vec<u8>) -> Result<(), json::Error> {
        json::to_writer(value, &self.style, out)
    }
    fn load(&self, bytes: &[u8], limits: &json::Limits) -> Result<Value, PayloadFault> {
        match self.text {
            TextEncoding::PythonBytes => Ok(json::from_slice(bytes, limits)?),
            text => Ok(json::from_str(&decode_text(bytes, text)?, limits)?),
        }
    }
    fn load_text(&self, text: &str, limits: &json::Limits) -> Result<Value, PayloadFault> {
        Ok(json::from_str(text, limits)?)
    }
}

/// Flask's `TaggedJSONSerializer`: tag tuples, bytes, Markup, UUIDs and datetimes, then dump
/// compact, sorted and ASCII as Flask's `app.json` does inside a request.
///
/// ```
/// use signed_cookie::json::{Limits, Value};
/// use signed_cookie::serializer::{FlaskTaggedJson, JsonDialect};
/// use signed_cookie::tagged::TagScheme;
/// let flask = FlaskTaggedJson { scheme: TagScheme::Flask };
/// let mut out = Vec::new();
/// flask.dump(&Value::Tuple(vec![1i64.into()]), &mut out).unwrap();
/// assert_eq!(out, br#"{" t":[1]}"#);
/// assert_eq!(flask.load(&out, &Limits::default()).unwrap(), Value::Tuple(vec![1i64.into()]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlaskTaggedJson {
    /// Flask ≥ 1.0 or the older 0.10–0.12 tags.
    pub scheme: TagScheme,
}

impl JsonDialect for FlaskTaggedJson {
    fn dump(&self, value: &Value, out: &mut Vec<u8>) -> Result<(), json::Error> {
        let start = out.len();
        if json::to_writer_tagged(value, &JsonStyle::FLASK, self.scheme, out).is_ok() {
            return Ok(());
        }
        // The one-pass writer meets errors in its own order: report the one that tagging,
        // then writing, meets first.
        out.truncate(start);
        json::to_writer(&tagged::tag(value, self.scheme)?, &JsonStyle::FLASK, out)
    }
    fn load(&self, bytes: &[u8], limits: &json::Limits) -> Result<Value, PayloadFault> {
        let text = decode_text(bytes, TextEncoding::Utf8)?;
        let untag = tagged::UntagWhileParsing(self.scheme);
        Ok(json::from_str_with(&text, limits, &untag)?)
    }
}

/// How JSON bytes are carried in the token.
///
/// ```
/// use signed_cookie::serializer::Envelope;
/// let flask = Envelope::UrlSafe { compress: true };
/// assert_ne!(flask, Envelope::StandardBase64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// base64url without padding; with `compress`, zlib is used when it saves at least two bytes
    /// and marked by a leading `.`. A `.` payload is always inflated on load.
    UrlSafe {
        /// Try zlib when dumping.
        compress: bool,
    },
    /// Standard base64 with padding, never compressed (Starlette).
    StandardBase64,
}

/// Limits applied to untrusted tokens, set with [`Serializer::with_limits`] and
/// `Codec::with_limits` (tested in `tests/limits.rs`):
///
/// | limit | default | when exceeded |
/// |---|---|---|
/// | `max_token_len` | 1 MiB | `BadSignature` (`TooLong`), before any MAC or decoding |
/// | `max_decompressed` | 1 MiB | `BadPayload` (`Zlib(TooLarge)`); memory stays near the limit |
/// | `json.max_depth` | 128 (at most 512, [`json::MAX_WRITE_DEPTH`]) | `BadPayload` (`Json(TooDeep)`) |
/// | `json.max_int_digits` | 4300, as Python 3.11 | `BadPayload` (`Json(IntTooLong)`) |
///
/// ```
/// let limits = signed_cookie::serializer::DecodeLimits::default();
/// assert_eq!(limits.max_decompressed, 1 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Longest token accepted (default 1 MiB); longer ones are refused before any MAC is
    /// computed.
    pub max_token_len: usize,
    /// Largest inflated payload (default 1 MiB): a signed zlib bomb stops here.
    pub max_decompressed: usize,
    /// JSON nesting and integer limits.
    pub json: json::Limits,
}

impl DecodeLimits {
    /// Refuses a token over [`max_token_len`](Self::max_token_len) before any work is done on it.
    ///
    /// ```
    /// use signed_cookie::serializer::DecodeLimits;
    /// let limits = DecodeLimits { max_token_len: 3, ..DecodeLimits::default() };
    /// assert!(limits.check_token_len("abc").is_ok());
    /// assert!(limits.check_token_len("abcd").is_err());
    /// ```
    pub fn check_token_len(&self, token: &str) -> Result<(), Error> {
        if token.len() > self.max_token_len {
            return Err(Error::bad_signature(SignatureFault::TooLong {
                len: token.len(),
                limit: self.max_token_len,
            }));
        }
        Ok(())
    }
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_token_len: 1 << 20,
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
            json: json::Limits::default(),
        }
    }
}

/// A signer with or without a timestamp.
///
/// ```
/// use signed_cookie::serializer::AnySigner;
/// use signed_cookie::Signer;
/// let s = AnySigner::Untimed(Signer::builder("k").build().unwrap());
/// let now = std::time::SystemTime::now();
/// let token = s.sign_at("v", now);
/// assert_eq!(s.unsign_at(&token, None, now).unwrap().value, "v");
/// ```
#[derive(Debug, Clone)]
pub enum AnySigner {
    /// `value.sig`.
    Untimed(Signer),
    /// `value.ts.sig`.
    Timed(TimestampSigner),
}

/// A verified token from [`AnySigner`].
///
/// ```
/// # use signed_cookie::serializer::AnySigner;
/// let s = AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap());
/// let now = std::time::SystemTime::now();
/// let token = s.sign_at("v", now);
/// let v = s.unsign_at(&token, None, now).unwrap();
/// assert_eq!(v.timestamp, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified<'t> {
    /// The signed value.
    pub value: &'t str,
    /// When it was signed (timed tokens only), Unix seconds.
    pub timestamp: Option<i64>,
    /// Which key verified it.
    pub verified_by: VerifiedBy,
}

impl AnySigner {
    /// The separator.
    ///
    /// ```
    /// # let s = signed_cookie::serializer::AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap());
    /// assert_eq!(s.separator(), '.');
    /// ```
    pub fn separator(&self) -> char {
        self.signer().separator()
    }

    /// The underlying signer.
    ///
    /// ```
    /// # let s = signed_cookie::serializer::AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap());
    /// assert_eq!(s.signer().separator(), '.');
    /// ```
    pub fn signer(&self) -> &Signer {
        match self {
            AnySigner::Untimed(s) => s,
            AnySigner::Timed(t) => t.signer(),
        }
    }

    /// True for timestamp signers.
    ///
    /// ```
    /// # let s = signed_cookie::serializer::AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap());
    /// assert!(!s.is_timed());
    /// ```
    pub fn is_timed(&self) -> bool {
        matches!(self, AnySigner::Timed(_))
    }

    /// Signs `value` as of `now` (ignored when untimed).
    ///
    /// ```
    /// # let s = signed_cookie::serializer::AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap());
    /// assert!(s.sign_at("v", std::time::SystemTime::now()).starts_with("v."));
    /// ```
    pub fn sign_at(&self, value: &str, now: SystemTime) -> String {
        let mut token = String::with_capacity(value.len() + 100);
        token.push_str(value);
        self.sign_in_place(&mut token, now);
        token
    }

    /// Appends the timestamp (if timed) and signature to `token`, whose content is the value.
    ///
    /// ```
    /// # let s = signed_cookie::serializer::AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap());
    /// let mut t = String::from("v");
    /// s.sign_in_place(&mut t, std::time::SystemTime::now());
    /// assert!(t.starts_with("v."));
    /// ```
    pub fn sign_in_place(&self, token: &mut String, now: SystemTime) {
        match self {
            AnySigner::Untimed(s) => s.append_signature(token),
            AnySigner::Timed(t) => t.sign_in_place(token, now),
        }
    }

    /// Verifies as of `now`; `max_age` only applies to timed signers.
    ///
    /// ```
    /// # let s = signed_cookie::serializer::AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap());
    /// assert!(s.unsign_at("v.x", None, std::time::SystemTime::now()).is_err());
    /// ```
    pub fn unsign_at<'t>(
        &self,
        token: &'t str,
        max_age: Option<Duration>,
        now: SystemTime,
    ) -> Result<Verified<'t>, Error> {
        match self {
            AnySigner::Untimed(s) => s.unsign(token).map(|(value, verified_by)| Verified {
                value,
                timestamp: None,
                verified_by,
            }),
            AnySigner::Timed(t) => t.unsign_at(token, max_age, now).map(|u| Verified {
                value: u.value,
                timestamp: Some(u.timestamp),
                verified_by: u.verified_by,
            }),
        }
    }

    /// Splits a token without verifying it: `(value, timestamp field)`.
    fn split_unverified<'t>(&self, token: &'t str) -> Option<(&'t str, Option<&'t str>)> {
        let sep = self.separator();
        let (signed, _sig) = token.rsplit_once(sep)?;
        match self {
            AnySigner::Untimed(_) => Some((signed, None)),
            AnySigner::Timed(_) => signed.rsplit_once(sep).map(|(v, ts)| (v, Some(ts))),
        }
    }

    fn timestamp_of(&self, field: &str) -> Option<i64> {
        match self {
            AnySigner::Untimed(_) => None,
            AnySigner::Timed(t) => t.format().decode(field),
        }
    }
}

/// A verified, loaded token.
///
/// ```
/// use signed_cookie::profile::Profile;
/// let s = Profile::flask().serializer("k").unwrap();
/// let now = std::time::SystemTime::now();
/// let token = s.dumps_at(&serde_json::json!({"a": 1}), now).unwrap();
/// let loaded = s.loads_value_at(&token, None, now).unwrap();
/// assert!(!loaded.verified_by.is_fallback());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The value.
    pub value: Value,
    /// When it was signed (timed formats), Unix seconds.
    pub timestamp: Option<i64>,
    /// Which key verified it: a fallback means the cookie should be re-signed.
    pub verified_by: VerifiedBy,
}

/// What a token carries, read **without** checking its signature (itsdangerous'
/// `loads_unsafe`): for inspection only, never for decisions.
///
/// ```
/// use signed_cookie::profile::Profile;
/// let token = Profile::flask().serializer("k").unwrap().dumps(&serde_json::json!({"a": 1})).unwrap();
/// let seen = Profile::flask().unverified().unwrap().loads_unverified(&token).unwrap();
/// assert_eq!(seen.value_unverified.to_string(), r#"{"a":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    /// The value the token claims. Anyone can forge it.
    pub value_unverified: Value,
    /// The time the token claims, Unix seconds (timed formats).
    pub timestamp_unverified: Option<i64>,
}

/// What a load needs per thread, behind one thread-local lookup and one borrow: the inflater
/// (its tables are reused, so nothing is zeroed per cookie) and the byte buffers (zlib bytes,
/// decoded JSON), so that verifying allocates no scratch space per call.
#[derive(Default)]
struct LoadScratch {
    inflater: Inflater,
    deflated: Vec<u8>,
    json: Vec<u8>,
}

thread_local! {
    static LOAD_SCRATCH: RefCell<LoadScratch> = const {
        RefCell::new(LoadScratch {
            inflater: Inflater::new(),
            deflated: Vec::new(),
            json: Vec::new(),
        })
    };
    /// Per-thread byte buffers of signing (zlib bytes, encoded JSON).
    static ZLIB_BYTES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static JSON_BYTES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A rare large payload should not stay pinned to the thread.
fn release_if_large(buf: &mut Vec<u8>) {
    if buf.capacity() > 64 << 10 {
        *buf = Vec::new();
    }
}

/// Runs `f` with the per-thread scratch value of `key`; with a fresh one if it is in use
/// (a re-entrant call).
fn with_scratch<T: Default, R>(
    key: &'static std::thread::LocalKey<RefCell<T>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut T::default()),
    })
}

/// Runs `f` with one of the per-thread buffers, emptied.
fn with_buffer<R>(
    key: &'static std::thread::LocalKey<RefCell<Vec<u8>>>,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    with_scratch(key, |buf| {
        buf.clear();
        let result = f(buf);
        release_if_large(buf);
        result
    })
}

/// Values to and from signed tokens: JSON dialect + envelope + (timestamp) signer.
///
/// ```
/// use signed_cookie::profile::Profile;
/// use std::collections::BTreeMap;
/// let serializer = Profile::itsdangerous().serializer("secret-key")?;
/// let mut session = BTreeMap::new();
/// session.insert("user_id".to_string(), 42);
/// let token = serializer.dumps(&session)?;
/// let back: BTreeMap<String, i64> = serializer.loads(&token)?;
/// assert_eq!(back, session);
/// # Ok::<(), signed_cookie::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Serializer {
    signer: AnySigner,
    dialect: &'static dyn JsonDialect,
    envelope: Envelope,
    limits: DecodeLimits,
    default_max_age: Option<Duration>,
}

impl Serializer {
    /// Assembles a serializer. Profiles do this for every supported framework.
    ///
    /// ```
    /// use signed_cookie::json::JsonStyle;
    /// use signed_cookie::serializer::{AnySigner, Envelope, PlainJson, Serializer, TextEncoding};
    /// static DIALECT: PlainJson = PlainJson { style: JsonStyle::DJANGO, text: TextEncoding::Latin1 };
    /// let s = Serializer::new(
    ///     AnySigner::Untimed(signed_cookie::Signer::builder("k").build().unwrap()),
    ///     &DIALECT,
    ///     Envelope::UrlSafe { compress: false },
    /// );
    /// assert!(s.dumps(&1).unwrap().starts_with("MQ."));
    /// ```
    pub fn new(signer: AnySigner, dialect: &'static dyn JsonDialect, envelope: Envelope) -> Self {
        Serializer {
            signer,
            dialect,
            envelope,
            limits: DecodeLimits::default(),
            default_max_age: None,
        }
    }

    /// Replaces the decode limits.
    ///
    /// ```
    /// use signed_cookie::serializer::DecodeLimits;
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap()
    ///     .with_limits(DecodeLimits { max_token_len: 4096, ..DecodeLimits::default() });
    /// assert!(s.loads_value(&"a".repeat(5000)).is_err());
    /// ```
    pub fn with_limits(mut self, limits: DecodeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The maximum age [`loads`](Self::loads) uses (the framework's default for session
    /// profiles).
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap()
    ///     .with_max_age(Some(Duration::from_secs(60)));
    /// assert_eq!(s.max_age(), Some(Duration::from_secs(60)));
    /// ```
    pub fn with_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// The maximum age used by [`loads`](Self::loads).
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// assert_eq!(s.max_age(), Some(std::time::Duration::from_secs(31 * 86400)));
    /// ```
    pub fn max_age(&self) -> Option<Duration> {
        self.default_max_age
    }

    /// The signer.
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// assert!(s.signer().is_timed());
    /// ```
    pub fn signer(&self) -> &AnySigner {
        &self.signer
    }

    /// Signs any serde value now.
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::django().serializer("k").unwrap();
    /// let token = s.dumps(&vec![1, 2, 3]).unwrap();
    /// assert_eq!(s.loads::<Vec<i32>>(&token).unwrap(), vec![1, 2, 3]);
    /// ```
    #[doc(alias = "sign_object")]
    pub fn dumps<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, Error> {
        self.dumps_at(value, SystemTime::now())
    }

    /// Signs any serde value as of `now`.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let s = signed_cookie::profile::Profile::flask().serializer("secret").unwrap();
    /// let t = s.dumps_at(&serde_json::json!({"a": 1}), UNIX_EPOCH + Duration::from_secs(1)).unwrap();
    /// assert!(t.starts_with("eyJhIjoxfQ.AQ."));
    /// ```
    pub fn dumps_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: SystemTime,
    ) -> Result<String, Error> {
        let value = json::to_value(value).map_err(Error::Serialize)?;
        self.dumps_value_at(&value, now)
    }

    /// Signs a [`Value`] as of `now`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// let now = std::time::SystemTime::now();
    /// let t = s.dumps_value_at(&Value::Bytes(vec![0, 255]), now).unwrap();
    /// assert_eq!(s.loads_value_at(&t, None, now).unwrap().value, Value::Bytes(vec![0, 255]));
    /// ```
    pub fn dumps_value_at(&self, value: &Value, now: SystemTime) -> Result<String, Error> {
        // The JSON goes to a per-thread buffer (it grows once, not per call); the token is
        // the one allocation, sized for the uncompressed payload, the timestamp (at most 13
        // characters) and the longest signature (86) with their separators.
        with_buffer(&JSON_BYTES, |json_bytes| {
            self.dialect
                .dump(value, json_bytes)
                .map_err(Error::Serialize)?;
            let mut token = String::with_capacity(json_bytes.len().div_ceil(3) * 4 + 104);
            self.envelope.wrap(json_bytes, &mut token);
            self.signer.sign_in_place(&mut token, now);
            Ok(token)
        })
    }

    /// The JSON text a value takes inside the token (before base64 and zlib).
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// assert_eq!(s.json_text(&Value::Tuple(vec![])).unwrap(), r#"{" t":[]}"#);
    /// ```
    pub fn json_text(&self, value: &Value) -> Result<String, Error> {
        let mut out = Vec::new();
        self.dialect
            .dump(value, &mut out)
            .map_err(Error::Serialize)?;
        String::from_utf8(out)
            .map_err(|_| Error::Serialize(json::Error::Custom("non-UTF-8 JSON".into())))
    }

    /// Parses JSON text in this serializer's dialect (the form [`json_text`](Self::json_text)
    /// writes).
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// assert_eq!(s.parse_json_text(r#"{" t":[]}"#).unwrap(), Value::Tuple(vec![]));
    /// ```
    pub fn parse_json_text(&self, text: &str) -> Result<Value, Error> {
        Ok(self.dialect.load_text(text, &self.limits.json)?)
    }

    /// Verifies and loads into any serde type, with the serializer's default max age, now.
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// assert!(s.loads::<serde_json::Value>("garbage").is_err());
    /// ```
    #[doc(alias = "unsign_object")]
    pub fn loads<T: DeserializeOwned>(&self, token: &str) -> Result<T, Error> {
        let loaded = self.loads_value_at(token, self.default_max_age, SystemTime::now())?;
        json::from_value(loaded.value).map_err(|e| Error::BadPayload(PayloadFault::Json(e)))
    }

    /// Verifies and loads a [`Value`] with the default max age, now.
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// let t = s.dumps(&serde_json::json!({"n": 1})).unwrap();
    /// assert_eq!(s.loads_value(&t).unwrap().value.to_string(), r#"{"n":1}"#);
    /// ```
    pub fn loads_value(&self, token: &str) -> Result<Loaded, Error> {
        self.loads_value_at(token, self.default_max_age, SystemTime::now())
    }

    /// Verifies and loads a [`Value`] as of `now` with an explicit max age.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let s = signed_cookie::profile::Profile::flask().serializer("k").unwrap();
    /// let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let t = s.dumps_at(&serde_json::json!({"n": 1}), t0).unwrap();
    /// let an_hour = Some(Duration::from_secs(3600));
    /// assert!(s.loads_value_at(&t, an_hour, t0 + Duration::from_secs(3600)).is_ok());
    /// assert!(s.loads_value_at(&t, an_hour, t0 + Duration::from_secs(3601)).is_err());
    /// ```
    pub fn loads_value_at(
        &self,
        token: &str,
        max_age: Option<Duration>,
        now: SystemTime,
    ) -> Result<Loaded, Error> {
        self.limits.check_token_len(token)?;
        let verified = self.signer.unsign_at(token, max_age, now)?;
        let value = match self.load_payload(verified.value) {
            // CLI.md: base64 that only Python's lenient decoder reads (spare bits, extra `=`,
            // `+/`, junk) is a bad signature, as no library writes it; base64 that Python
            // cannot decode either stays a bad payload, as there.
            Err(Error::BadPayload(PayloadFault::Base64(_)))
                if self.envelope.python_decodes_leniently(verified.value) =>
            {
                return Err(Error::BadSignature {
                    fault: SignatureFault::Mismatch,
                    payload: Some(verified.value.to_owned()),
                    date_signed: verified.timestamp,
                });
            }
            other => other?,
        };
        Ok(Loaded {
            value,
            timestamp: verified.timestamp,
            verified_by: verified.verified_by,
        })
    }

    /// Reads a token **without verifying** it (itsdangerous' `loads_unsafe`), for inspection.
    /// Decoding is bounded by the same limits as verified loads.
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::flask().unverified().unwrap();
    /// assert!(s.loads_unverified("no-separators").is_err());
    /// ```
    pub fn loads_unverified(&self, token: &str) -> Result<Unverified, Error> {
        self.limits.check_token_len(token)?;
        let Some((value, ts_field)) = self.signer.split_unverified(token) else {
            return Err(Error::bad_signature(SignatureFault::NoSeparator(
                self.signer.separator(),
            )));
        };
        Ok(Unverified {
            value_unverified: self.load_payload(value)?,
            timestamp_unverified: ts_field.and_then(|f| self.signer.timestamp_of(f)),
        })
    }

    /// Decodes the envelope and parses the JSON of a payload.
    fn load_payload(&self, payload: &str) -> Result<Value, Error> {
        with_scratch(&LOAD_SCRATCH, |scratch| {
            let LoadScratch {
                inflater,
                deflated,
                json,
            } = scratch;
            json.clear();
            let result =
                match self
                    .envelope
                    .unwrap_with(payload, &self.limits, json, inflater, deflated)
                {
                    Ok(()) => self
                        .dialect
                        .load(json, &self.limits.json)
                        .map_err(Error::from),
                    Err(fault) => Err(fault.into()),
                };
            release_if_large(json);
            result
        })
    }
}

impl Envelope {
    /// Appends the payload text for `json` to `out`.
    ///
    /// ```
    /// use signed_cookie::serializer::Envelope;
    /// let mut out = String::new();
    /// Envelope::UrlSafe { compress: true }.wrap(&[b'a'; 100], &mut out);
    /// assert!(out.starts_with(".eJ"));
    /// ```
    pub fn wrap(&self, json: &[u8], out: &mut String) {
        match self {
            Envelope::UrlSafe { compress } => {
                if *compress {
                    let compressed = with_buffer(&ZLIB_BYTES, |compressed| {
                        zlib_compress_into(json, compressed);
                        // Python: `if len(compressed) < (len(json) - 1)`.
                        if compressed.len() + 1 < json.len() {
                            out.push('.');
                            base64url_encode_into(compressed, out);
                            true
                        } else {
                            false
                        }
                    });
                    if compressed {
                        return;
                    }
                }
                base64url_encode_into(json, out);
            }
            Envelope::StandardBase64 => base64_encode_into(json, out),
        }
    }

    /// True when Python's lenient decoder (itsdangerous' and Django's padded
    /// `urlsafe_b64decode`, Starlette's `b64decode`) reads the payload's base64, canonical or
    /// not.
    ///
    /// ```
    /// use signed_cookie::serializer::Envelope;
    /// let url_safe = Envelope::UrlSafe { compress: false };
    /// assert!(url_safe.python_decodes_leniently("eyJhIjoxfR")); // spare bits set
    /// assert!(url_safe.python_decodes_leniently("eyJhIjoxfQ=="));
    /// assert!(!url_safe.python_decodes_leniently("e"));
    /// ```
    pub fn python_decodes_leniently(&self, payload: &str) -> bool {
        match self {
            Envelope::UrlSafe { .. } => {
                let body = payload.strip_prefix('.').unwrap_or(payload);
                // want_bytes(errors="ignore") drops non-ASCII; urlsafe_b64decode maps -_ to +/.
                let mut text: Vec<u8> = body
                    .bytes()
                    .filter(u8::is_ascii)
                    .map(|b| match b {
                        b'-' => b'+',
                        b'_' => b'/',
                        b => b,
                    })
                    .collect();
                text.resize(text.len() + (4 - text.len() % 4) % 4, b'=');
                tagged::py_b64decode(&text).is_ok()
            }
            Envelope::StandardBase64 => tagged::py_b64decode(payload.as_bytes()).is_ok(),
        }
    }

    /// Decodes payload text into JSON bytes (into `out`), inflating within the limits.
    ///
    /// ```
    /// use signed_cookie::serializer::{DecodeLimits, Envelope};
    /// let mut out = Vec::new();
    /// Envelope::StandardBase64.unwrap("e30=", &DecodeLimits::default(), &mut out).unwrap();
    /// assert_eq!(out, b"{}");
    /// ```
    pub fn unwrap(
        &self,
        payload: &str,
        limits: &DecodeLimits,
        out: &mut Vec<u8>,
    ) -> Result<(), PayloadFault> {
        with_scratch(&LOAD_SCRATCH, |scratch| {
            self.unwrap_with(
                payload,
                limits,
                out,
                &mut scratch.inflater,
                &mut scratch.deflated,
            )
        })
    }

    /// [`Envelope::unwrap`] with the caller's scratch space.
    fn unwrap_with(
        &self,
        payload: &str,
        limits: &DecodeLimits,
        out: &mut Vec<u8>,
        inflater: &mut Inflater,
        deflated: &mut Vec<u8>,
    ) -> Result<(), PayloadFault> {
        match self {
            Envelope::UrlSafe { .. } => match payload.strip_prefix('.') {
                Some(compressed) => {
                    let result = base64url_decode_into(compressed.as_bytes(), deflated)
                        .map_err(PayloadFault::Base64)
                        .and_then(|()| {
                            zlib_decompress_into(inflater, deflated, limits.max_decompressed, out)
                                .map_err(PayloadFault::Zlib)
                        });
                    release_if_large(deflated);
                    result
                }
                None => {
                    base64url_decode_into(payload.as_bytes(), out).map_err(PayloadFault::Base64)
                }
            },
            Envelope::StandardBase64 => {
                base64_decode_into(payload.as_bytes(), out).map_err(PayloadFault::Base64)
            }
        }
    }
}
