//! Shared by the fuzz targets: a byte cursor for the input layouts, the table of every profile
//! and compat bound to the harness keys, re-signing (so that fuzzed payloads get past the
//! signature check and reach the decoders), an `arbitrary` generator of Python values, and a
//! NaN-aware comparison.
//!
//! Input layouts are plain bytes (a few selector bytes, then the text) rather than derived
//! `Arbitrary` structs, so that `make_corpus.py` can turn golden tokens into seeds directly.

use arbitrary::{Arbitrary, Unstructured};
use signed_cookie::codec::Codec;
use signed_cookie::json::{Int, Map, Value};
use signed_cookie::profile::{Compat, Payload, Profile};
use signed_cookie::serializer::{AnySigner, Serializer};
use signed_cookie::{Digest, KeyDerivation, Keys, Signer};
use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The key the golden vectors were signed with: golden seeds verify as they are.
pub const GOLDEN_SECRET: &str = "golden-secret-key";
/// The harness's current key where a profile rotates keys (the golden key is then a fallback).
pub const CURRENT_SECRET: &str = "fuzz-current-key";
/// The clock of most golden vectors.
pub const GOLDEN_NOW: u64 = 1_700_000_000;

/// Reads selector bytes off the front of an input; missing bytes read as zero.
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Wraps the fuzzer's input.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data }
    }

    /// One byte.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// Four bytes, big-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Tokens are `&str`: invalid UTF-8 is replaced rather than skipped, so every input runs.
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Unix seconds as a clock.
pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// The harness keys for a profile: rotation where the profile has it.
pub fn keys_for(profile: &Profile) -> Keys {
    if profile.key_rotation {
        Keys::new(CURRENT_SECRET).with_fallbacks([GOLDEN_SECRET])
    } else {
        Keys::new(GOLDEN_SECRET)
    }
}

/// One profile and compat, bound to the harness keys.
pub struct Entry {
    /// The profile.
    pub profile: Profile,
    /// What the CLI drives.
    pub codec: Codec,
    /// The serializer (JSON and session-row profiles).
    pub serializer: Option<Serializer>,
    /// The signer that signs this profile's tokens (for re-signing fuzzed tokens).
    pub signer: AnySigner,
    /// Django ≤ 3.2's legacy `session_data` MAC, for session-row profiles that read it.
    pub legacy_rows: Option<Signer>,
}

/// Every `Profile::NAMES` × `Profile::compats`, built once.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut all = Vec::new();
        for name in Profile::NAMES {
            for compat in Profile::compats(name) {
                let Ok(profile) = Profile::lookup(name, Some(compat.name())) else {
                    panic!("profile {name} {} does not build", compat.name());
                };
                all.push(entry(profile));
            }
        }
        all
    })
}

/// Binds one profile to the harness keys.
pub fn entry(profile: Profile) -> Entry {
    let keys = keys_for(&profile);
    let codec = Codec::new(&profile, keys.clone()).expect("codec");
    let serializer = match profile.payload {
        Payload::Raw => None,
        _ => Some(profile.serializer(keys.clone()).expect("serializer")),
    };
    let signer = profile.signer(keys.clone()).expect("signer");
    let legacy_rows = match profile.payload {
        Payload::DjangoSessionRow { read_legacy, .. } if read_legacy => Some(
            Signer::builder(keys)
                .salt("django.contrib.sessionsSessionStore")
                .key_derivation(KeyDerivation::Concat)
                .digest(Digest::Sha1)
                .build()
                .expect("legacy signer"),
        ),
        _ => None,
    };
    Entry {
        profile,
        codec,
        serializer,
        signer,
        legacy_rows,
    }
}

/// Replaces whatever follows the last separator with a valid signature of what precedes it,
/// so the rest of the token (timestamp, payload) reaches the code behind the signature check.
pub fn resign(signer: &Signer, token: &str) -> String {
    let signed = match token.rsplit_once(signer.separator()) {
        Some((signed, _)) => signed,
        None => token,
    };
    signer.sign(signed)
}

/// `base64(hexmac ":" json)`: a Django ≤ 3.0 `session_data` row for the JSON bytes.
pub fn legacy_row(signer: &Signer, json: &[u8]) -> String {
    let mut row: Vec<u8> = signer
        .mac(json)
        .as_ref()
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect();
    row.push(b':');
    row.extend_from_slice(json);
    signed_cookie::encoding::base64_encode(&row)
}

/// Structural equality where NaN equals NaN, `-0.0` differs from `0.0`, and dicts compare
/// as dicts (order aside: Flask sorts keys when it writes).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// What a plain-JSON dialect gives back for `v`: tuples come back as lists, Markup as str;
/// `None` when plain JSON cannot hold it (bytes, UUIDs, datetimes).
pub fn plain_form(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Tuple(items) | Value::List(items) => {
            Value::List(items.iter().map(plain_form).collect::<Option<_>>()?)
        }
        Value::Dict(m) => Value::Dict(
            m.iter()
                .map(|(k, v)| Some((k.clone(), plain_form(v)?)))
                .collect::<Option<Map>>()?,
        ),
        Value::Markup(s) => Value::Str(s.clone()),
        Value::Bytes(_) | Value::Uuid(_) | Value::DateTime(_) => return None,
        other => other.clone(),
    })
}

/// True when `v` holds a one-key dict whose key is a Flask tag key: Flask 0.10–0.12 has no
/// `" di"` escape, so such a dict loads back as the tagged value (as in Flask itself).
pub fn has_ambiguous_tag_dict(v: &Value) -> bool {
    match v {
        Value::Dict(m) => {
            (m.len() == 1
                && m.keys()
                    .any(|k| matches!(k.as_str(), " t" | " u" | " b" | " m" | " d" | " di")))
                || m.values().any(has_ambiguous_tag_dict)
        }
        Value::List(items) | Value::Tuple(items) => items.iter().any(has_ambiguous_tag_dict),
        _ => false,
    }
}

/// The datetimes Flask can tag: years 1 to 9999.
pub fn has_unwritable_datetime(v: &Value) -> bool {
    match v {
        Value::DateTime(t) => !(-62_135_596_800..253_402_300_800).contains(t),
        Value::Dict(m) => m.values().any(has_unwritable_datetime),
        Value::List(items) | Value::Tuple(items) => items.iter().any(has_unwritable_datetime),
        _ => false,
    }
}

/// A Python value generated from fuzzer bytes, at most [`ArbValue::MAX_DEPTH`] deep.
#[derive(Debug, Clone)]
pub struct ArbValue(pub Value);

impl ArbValue {
    /// Containers nest at most this deep (well inside every limit).
    pub const MAX_DEPTH: usize = 12;

    fn gen(u: &mut Unstructured<'_>, depth: usize) -> arbitrary::Result<Value> {
        let kinds = if depth >= Self::MAX_DEPTH { 9 } else { 12 };
        Ok(match u.int_in_range(0..=kinds - 1)? {
            0 => Value::Null,
            1 => Value::Bool(u.arbitrary()?),
            2 => Value::Int(Int::from(u.arbitrary::<i64>()?)),
            3 => {
                // Beyond i64: Python ints of any size, kept as text.
                let big: i128 = u.arbitrary()?;
                let text = format!("{big}{}", u.int_in_range(0..=999_999u32)?);
                Value::Int(text.parse().unwrap_or_else(|_| Int::from(big)))
            }
            4 => Value::Float(f64::from_bits(u.arbitrary()?)),
            5 => Value::from(u.arbitrary::<String>()?),
            6 => Value::Bytes(u.arbitrary()?),
            7 => Value::Markup(u.arbitrary::<String>()?.into()),
            8 => match u.int_in_range(0..=1u8)? {
                0 => Value::Uuid(u.arbitrary()?),
                // From year 100: Python's date parser (and so Flask's) reads years 0–99 as 19xx/20xx.
                _ => Value::DateTime(u.int_in_range(-59_011_459_200..=253_402_300_799)?),
            },
            9 => Value::List(Self::items(u, depth)?),
            10 => Value::Tuple(Self::items(u, depth)?),
            _ => {
                let mut m = Map::new();
                for _ in 0..u.arbitrary_len::<(String, u8)>()?.min(8) {
                    let key = match u.int_in_range(0..=3u8)? {
                        // Tag keys too: the " di" escape must keep them apart from tags.
                        0 => [" t", " u", " b", " m", " d", " di", " t__"]
                            [usize::from(u.int_in_range(0..=6u8)?)]
                        .to_owned(),
                        _ => u.arbitrary()?,
                    };
                    m.insert(key.into(), Self::gen(u, depth + 1)?);
                }
                Value::Dict(m)
            }
        })
    }

    fn items(u: &mut Unstructured<'_>, depth: usize) -> arbitrary::Result<Vec<Value>> {
        let n = u.arbitrary_len::<u8>()?.min(8);
        (0..n).map(|_| Self::gen(u, depth + 1)).collect()
    }
}

impl<'a> Arbitrary<'a> for ArbValue {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Self::gen(u, 0).map(ArbValue)
    }
}

/// The compat of an entry, for messages.
pub fn label(e: &Entry) -> String {
    format!("{} {}", e.profile.name, compat_name(e.profile.compat))
}

fn compat_name(c: Compat) -> &'static str {
    c.name()
}
