//! A profile bound to keys, working on text: JSON text in the profile's own form for JSON
//! profiles, the raw string for signer profiles. This is what the command-line tool drives.
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::django::SessionRowCodec;
use crate::error::{ConfigError, Error};
use crate::profile::{Payload, Profile};
use crate::serializer::{AnySigner, DecodeLimits, Serializer};
use crate::signer::{Keys, VerifiedBy};
use std::time::{Duration, SystemTime};

/// A verified token's content as text.
///
/// ```
/// use signed_cookie::codec::Codec;
/// use signed_cookie::profile::Profile;
/// let codec = Codec::new(&Profile::flask(), "k".into()).unwrap();
/// let now = std::time::SystemTime::now();
/// let token = codec.sign_text(r#"{"a":1}"#, now).unwrap();
/// let back = codec.verify_text(&token, None, now).unwrap();
/// assert_eq!(back.text, r#"{"a":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedText {
    /// JSON text (JSON profiles) or the raw string.
    pub text: String,
    /// When it was signed, Unix seconds (timed formats).
    pub timestamp: Option<i64>,
    /// Which key verified it.
    pub verified_by: VerifiedBy,
}

/// A profile bound to keys.
///
/// ```
/// use signed_cookie::codec::Codec;
/// use signed_cookie::profile::Profile;
/// let codec = Codec::new(&Profile::lookup("django-signer", None).unwrap(), "k".into()).unwrap();
/// let now = std::time::SystemTime::now();
/// let token = codec.sign_text("hello", now).unwrap();
/// assert_eq!(codec.verify_text(&token, None, now).unwrap().text, "hello");
/// ```
#[derive(Debug, Clone)]
pub enum Codec {
    /// JSON values.
    Json(Serializer),
    /// Raw strings: the first signer signs; each is tried in turn (alternate salts).
    Raw {
        /// The signers, the one that signs first.
        signers: Vec<AnySigner>,
        /// Only `max_token_len` applies: a raw value is not decoded.
        limits: DecodeLimits,
    },
    /// Django session rows.
    SessionRow(SessionRowCodec),
}

impl Codec {
    /// Binds a profile to keys.
    ///
    /// ```
    /// # use signed_cookie::{codec::Codec, profile::Profile};
    /// assert!(Codec::new(&Profile::starlette(), "".into()).is_err()); // empty secret
    /// ```
    pub fn new(profile: &Profile, keys: Keys) -> Result<Codec, ConfigError> {
        Ok(match profile.payload {
            Payload::Json { .. } => Codec::Json(profile.serializer(keys)?),
            Payload::Raw => {
                let mut signers = vec![profile.signer(keys.clone())?];
                for salt in &profile.fallback_salts {
                    signers.push(profile.signer_with_salt(keys.clone(), salt)?);
                }
                Codec::Raw {
                    signers,
                    limits: DecodeLimits::default(),
                }
            }
            Payload::DjangoSessionRow { .. } => {
                Codec::SessionRow(SessionRowCodec::new(profile, keys)?)
            }
        })
    }

    /// Replaces the decode limits of every path: the longest token, the largest inflated
    /// payload, the JSON nesting depth (defaults: [`DecodeLimits::default`]).
    ///
    /// ```
    /// # use signed_cookie::{codec::Codec, profile::Profile, serializer::DecodeLimits};
    /// let limits = DecodeLimits { max_token_len: 64, ..DecodeLimits::default() };
    /// let codec = Codec::new(&Profile::lookup("django-signer", None).unwrap(), "k".into())
    ///     .unwrap()
    ///     .with_limits(limits);
    /// let now = std::time::SystemTime::now();
    /// let long = codec.sign_text(&"x".repeat(100), now).unwrap();
    /// assert!(codec.verify_text(&long, None, now).is_err());
    /// ```
    pub fn with_limits(self, limits: DecodeLimits) -> Codec {
        match self {
            Codec::Json(s) => Codec::Json(s.with_limits(limits)),
            Codec::Raw { signers, .. } => Codec::Raw { signers, limits },
            Codec::SessionRow(rows) => Codec::SessionRow(rows.with_limits(limits)),
        }
    }

    /// Signs text as of `now`: JSON text is parsed in the profile's dialect first.
    ///
    /// ```
    /// # use signed_cookie::{codec::Codec, profile::Profile};
    /// let codec = Codec::new(&Profile::flask(), "k".into()).unwrap();
    /// assert!(codec.sign_text("{not json", std::time::SystemTime::now()).is_err());
    /// ```
    pub fn sign_text(&self, text: &str, now: SystemTime) -> Result<String, Error> {
        match self {
            Codec::Json(s) => s.dumps_value_at(&s.parse_json_text(text)?, now),
            Codec::Raw { signers, .. } => Ok(signers
                .first()
                .map(|s| s.sign_at(text, now))
                .unwrap_or_default()),
            Codec::SessionRow(rows) => {
                let value = crate::json::from_str(text, &Default::default())
                    .map_err(|e| Error::BadPayload(e.into()))?;
                rows.encode(&value, now)
            }
        }
    }

    /// Verifies a token as of `now` and returns its content as text.
    ///
    /// ```
    /// # use signed_cookie::{codec::Codec, profile::Profile};
    /// let codec = Codec::new(&Profile::flask(), "k".into()).unwrap();
    /// let e = codec.verify_text("eyJhIjoxfQ.AQ.xxx", None, std::time::SystemTime::now()).unwrap_err();
    /// assert_eq!(e.kind().as_str(), "bad-signature");
    /// ```
    pub fn verify_text(
        &self,
        token: &str,
        max_age: Option<Duration>,
        now: SystemTime,
    ) -> Result<VerifiedText, Error> {
        match self {
            Codec::Json(s) => {
                let loaded = s.loads_value_at(token, max_age, now)?;
                Ok(VerifiedText {
                    text: s.json_text(&loaded.value)?,
                    timestamp: loaded.timestamp,
                    verified_by: loaded.verified_by,
                })
            }
            Codec::Raw { signers, limits } => {
                limits.check_token_len(token)?;
                let mut last = None;
                for signer in signers {
                    match signer.unsign_at(token, max_age, now) {
                        Ok(v) => {
                            return Ok(VerifiedText {
                                text: v.value.to_owned(),
                                timestamp: v.timestamp,
                                verified_by: v.verified_by,
                            })
                        }
                        // An expired token is not retried under another salt (Django).
                        Err(e @ Error::SignatureExpired { .. }) => return Err(e),
                        Err(e) => last = Some(e),
                    }
                }
                Err(last.unwrap_or(Error::Config(ConfigError::Unsupported(
                    "no signer".to_owned(),
                ))))
            }
            Codec::SessionRow(rows) => {
                let loaded = rows.decode(token)?;
                Ok(VerifiedText {
                    text: crate::json::to_string(&loaded.value, &crate::json::JsonStyle::DJANGO)
                        .map_err(Error::Serialize)?,
                    timestamp: loaded.timestamp,
                    verified_by: loaded.verified_by,
                })
            }
        }
    }
}
