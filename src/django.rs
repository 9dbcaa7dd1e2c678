//! Django's session rows: the `session_data` column that the `db`, `cached_db` and `file`
//! backends store, in the modern signed form (3.1+) and the legacy `base64(hexhash:json)` form
//! (≤ 3.0), and session keys made as Django makes them.
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::encoding::{base64_decode, base64_encode};
use crate::error::{ConfigError, Error, PayloadFault, SignatureFault};
use crate::json::Value;
use crate::profile::{Payload, Profile};
use crate::serializer::{DecodeLimits, Loaded, Serializer};
use crate::signer::{Digest, KeyDerivation, Keys, Signer};
use std::time::SystemTime;

/// The characters of a Django session key: `[a-z0-9]`.
const SESSION_KEY_ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A new session key as Django's `_get_new_session_key` makes it: 32 characters of
/// `[a-z0-9]` from the operating system's random source, uniformly chosen.
///
/// ```
/// let key = signed_cookie::django::new_session_key().unwrap();
/// assert_eq!(key.len(), 32);
/// assert!(key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
/// ```
pub fn new_session_key() -> Result<String, getrandom::Error> {
    let mut key = String::with_capacity(32);
    let mut pool = [0u8; 64];
    while key.len() < 32 {
        getrandom::fill(&mut pool)?;
        // 252 = 7 * 36: rejecting bytes above it keeps every character equally likely.
        for &b in pool.iter().filter(|&&b| b < 252) {
            if key.len() == 32 {
                break;
            }
            if let Some(&c) = SESSION_KEY_ALPHABET.get(usize::from(b % 36)) {
                key.push(char::from(c));
            }
        }
    }
    Ok(key)
}

/// Reads and writes a Django `session_data` value for one version.
///
/// ```
/// use signed_cookie::django::SessionRowCodec;
/// use signed_cookie::json::Value;
/// use signed_cookie::profile::Profile;
/// let codec = SessionRowCodec::new(&Profile::lookup("django-db", None)?, "secret".into())?;
/// let mut session = signed_cookie::json::Map::new();
/// session.insert("_auth_user_id".into(), Value::from("1"));
/// let row = codec.encode(&Value::Dict(session.clone()), std::time::SystemTime::now())?;
/// assert_eq!(codec.decode(&row)?.value, Value::Dict(session));
/// # Ok::<(), signed_cookie::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionRowCodec {
    modern: Serializer,
    read_modern: bool,
    legacy: Option<Signer>,
    write_legacy: bool,
    limits: DecodeLimits,
}

impl SessionRowCodec {
    /// The codec for a `django-db` profile (its compat decides the legacy handling).
    ///
    /// ```
    /// use signed_cookie::profile::Profile;
    /// let p = Profile::lookup("django-db", Some("django-2.2")).unwrap();
    /// assert!(signed_cookie::django::SessionRowCodec::new(&p, "k".into()).is_ok());
    /// ```
    pub fn new(profile: &Profile, keys: Keys) -> Result<Self, ConfigError> {
        let Payload::DjangoSessionRow {
            read_modern,
            read_legacy,
            write_legacy,
        } = profile.payload
        else {
            return Err(ConfigError::Unsupported(format!(
                "profile {} is not a session-row profile",
                profile.name
            )));
        };
        let legacy = if read_legacy || write_legacy {
            // salted_hmac("django.contrib.sessions" + "SessionStore", data, secret), SHA-1:
            // key = SHA1(key_salt + secret), no "signer" in between and no dot in the salt.
            Some(
                Signer::builder(keys.clone())
                    .salt("django.contrib.sessionsSessionStore")
                    .key_derivation(KeyDerivation::Concat)
                    .digest(Digest::Sha1)
                    .build()?,
            )
        } else {
            None
        };
        Ok(SessionRowCodec {
            modern: profile.serializer(keys)?.with_max_age(None),
            read_modern,
            legacy,
            write_legacy,
            limits: DecodeLimits::default(),
        })
    }

    /// Replaces the decode limits (token length, inflated size, JSON depth) of both row forms.
    ///
    /// ```
    /// use signed_cookie::django::SessionRowCodec;
    /// use signed_cookie::profile::Profile;
    /// use signed_cookie::serializer::DecodeLimits;
    /// let p = Profile::lookup("django-db", None).unwrap();
    /// let limits = DecodeLimits { max_token_len: 16, ..DecodeLimits::default() };
    /// let codec = SessionRowCodec::new(&p, "k".into()).unwrap().with_limits(limits);
    /// let row = codec.encode(&signed_cookie::json::Value::Dict(Default::default()), std::time::SystemTime::now()).unwrap();
    /// assert!(row.len() > 16 && codec.decode(&row).is_err());
    /// ```
    pub fn with_limits(mut self, limits: DecodeLimits) -> Self {
        self.modern = self.modern.with_limits(limits);
        self.limits = limits;
        self
    }

    /// The `session_data` for a session dict, in the form this version writes.
    ///
    /// ```
    /// # use signed_cookie::profile::Profile;
    /// let p = Profile::lookup("django-db", Some("django-2.2")).unwrap();
    /// let codec = signed_cookie::django::SessionRowCodec::new(&p, "k".into()).unwrap();
    /// let row = codec.encode(&signed_cookie::json::Value::Dict(Default::default()), std::time::SystemTime::now()).unwrap();
    /// assert!(row.ends_with('=') || !row.contains(':')); // standard base64, legacy form
    /// ```
    pub fn encode(&self, session: &Value, now: SystemTime) -> Result<String, Error> {
        match (&self.legacy, self.write_legacy) {
            (Some(signer), true) => {
                let mut json = Vec::new();
                crate::profile::Dialect::Django
                    .implementation()
                    .dump(session, &mut json)
                    .map_err(Error::Serialize)?;
                let mut row = hex(signer.mac(&json).as_ref()).into_bytes();
                row.push(b':');
                row.extend_from_slice(&json);
                Ok(base64_encode(&row))
            }
            _ => self.modern.dumps_value_at(session, now),
        }
    }

    /// Decodes a `session_data` value: the modern form, then (for versions that read it) the
    /// legacy one. There is no max age: Django keeps expiry in its own column.
    ///
    /// ```
    /// # use signed_cookie::profile::Profile;
    /// let p = Profile::lookup("django-db", None).unwrap();
    /// let codec = signed_cookie::django::SessionRowCodec::new(&p, "k".into()).unwrap();
    /// assert!(codec.decode("garbage").is_err());
    /// ```
    pub fn decode(&self, row: &str) -> Result<Loaded, Error> {
        let Some(legacy) = &self.legacy else {
            return self.modern.loads_value_at(row, None, SystemTime::now());
        };
        if !self.read_modern {
            return self.decode_legacy(legacy, row);
        }
        let modern = self.modern.loads_value_at(row, None, SystemTime::now());
        match (Some(legacy), modern) {
            (Some(signer), Err(modern_err)) => {
                self.decode_legacy(signer, row).map_err(|legacy_err| {
                    // A row that is not legacy base64 at all is best explained by the modern error.
                    if matches!(legacy_err, Error::BadPayload(PayloadFault::Base64(_))) {
                        modern_err
                    } else {
                        legacy_err
                    }
                })
            }
            (_, result) => result,
        }
    }

    fn decode_legacy(&self, signer: &Signer, row: &str) -> Result<Loaded, Error> {
        self.limits.check_token_len(row)?;
        let raw = base64_decode(row.as_bytes()).map_err(PayloadFault::Base64)?;
        let mismatch = |payload: Option<String>| Error::BadSignature {
            fault: SignatureFault::Mismatch,
            payload,
            date_signed: None,
        };
        let mut fields = raw.splitn(2, |&b| b == b':');
        let (Some(hash), Some(json)) = (fields.next(), fields.next()) else {
            return Err(Error::bad_signature(SignatureFault::NoSeparator(':')));
        };
        let payload = || Some(String::from_utf8_lossy(json).into_owned());
        let mac = unhex(hash).ok_or_else(|| mismatch(payload()))?;
        let verified_by = signer
            .verify_mac(json, &mac)
            .ok_or_else(|| mismatch(payload()))?;
        let value = crate::profile::Dialect::Django
            .implementation()
            .load(json, &self.limits.json)?;
        Ok(Loaded {
            value,
            timestamp: None,
            verified_by,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    // Lowercase hex digit of the low four bits, without indexing.
    let digit = |n: u8| {
        let d = n & 15;
        char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 })
    };
    bytes
        .iter()
        .flat_map(|&b| [digit(b >> 4), digit(b)])
        .collect()
}

/// Lowercase hex only: Django compares the hex strings, so `ABC` never matches `abc`.
fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some((nibble(*hi)? << 4) | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_keys_are_distinct_and_well_formed() {
        let a = new_session_key().unwrap();
        let b = new_session_key().unwrap();
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| SESSION_KEY_ALPHABET.contains(&c)));
    }

    #[test]
    fn hex_round_trip_is_lowercase_only() {
        assert_eq!(hex(&[0xab, 0x01]), "ab01");
        assert_eq!(unhex(b"ab01"), Some(vec![0xab, 0x01]));
        assert_eq!(unhex(b"AB01"), None);
        assert_eq!(unhex(b"abc"), None);
    }

    #[test]
    fn legacy_rows_round_trip_and_modern_versions_refuse_them() {
        let p22 = Profile::lookup("django-db", Some("django-2.2")).unwrap();
        let p32 = Profile::lookup("django-db", Some("django-3.2")).unwrap();
        let p42 = Profile::lookup("django-db", Some("django-4.2")).unwrap();
        let c22 = SessionRowCodec::new(&p22, "k".into()).unwrap();
        let c32 = SessionRowCodec::new(&p32, "k".into()).unwrap();
        let c42 = SessionRowCodec::new(&p42, "k".into()).unwrap();
        let value = crate::json::from_str(r#"{"a":1}"#, &Default::default()).unwrap();
        let row = c22.encode(&value, SystemTime::now()).unwrap();
        assert_eq!(c22.decode(&row).unwrap().value, value);
        assert_eq!(c32.decode(&row).unwrap().value, value);
        assert!(c42.decode(&row).is_err());
        let wrong_key = SessionRowCodec::new(&p22, "other".into()).unwrap();
        assert_eq!(
            wrong_key.decode(&row).unwrap_err().kind(),
            crate::ErrorKind::BadSignature
        );
    }
}
