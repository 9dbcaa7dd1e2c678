//! Errors, shaped after itsdangerous' exceptions: each says what was wrong and carries what a
//! caller needs (the unverified payload, the date signed, the age).

use crate::encoding::DecodeError;

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureFault {
    /// The token has no separator at all.
    #[error("no {0:?} separator found in value")]
    NoSeparator(char),
    /// No key produced this signature (or it is not canonical base64).
    #[error("signature does not match")]
    Mismatch,
    /// The token is longer than the configured limit; nothing was computed over it.
    #[error("token is {len} bytes long, over the limit of {limit}")]
    TooLong {
        /// Length of the token.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
}

/// Why a correctly signed token's timestamp is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeFault {
    /// There is no timestamp field.
    #[error("timestamp missing")]
    Missing,
    /// The timestamp field does not decode to a time.
    #[error("malformed timestamp")]
    Malformed,
}

/// Why a verified payload could not be turned into a value.
#[derive(Debug, thiserror::Error)]
pub enum PayloadFault {
    /// The payload is not base64 of the expected form.
    #[error("could not base64-decode the payload: {0}")]
    Base64(DecodeError),
    /// The payload is not zlib, or inflates past the limit.
    #[error("could not zlib-decompress the payload: {0}")]
    Zlib(DecodeError),
    /// The payload is not UTF-8.
    #[error("payload is not valid UTF-8")]
    Utf8,
    /// The payload is not the JSON this profile reads.
    #[error("could not load the JSON payload: {0}")]
    Json(#[from] crate::json::Error),
    /// The JSON is fine but not of the shape required (a session must be an object).
    #[error("{0}")]
    Shape(String),
}

/// Everything that can go wrong verifying or loading a token.
///
/// ```
/// use signed_cookie::{Error, ErrorKind, Signer};
/// let signer = Signer::builder("k").build().unwrap();
/// let err = signer.unsign("value.bad-signature").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::BadSignature);
/// assert_eq!(err.payload(), Some("value"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The signature does not verify (itsdangerous' `BadSignature`; for a timed token whose
    /// signature fails, itsdangerous raises `BadTimeSignature` and so carries the date too).
    #[error("bad signature: {fault}")]
    BadSignature {
        /// What was wrong.
        fault: SignatureFault,
        /// The unverified value before the signature (and before the timestamp, for timed
        /// tokens), `None` when there was no separator. Never trust it.
        payload: Option<String>,
        /// For timed tokens, the unverified time the token claims (Unix seconds), if any.
        date_signed: Option<i64>,
    },
    /// The signature holds but the timestamp is missing or malformed (`BadTimeSignature`).
    #[error("bad time signature: {fault}")]
    BadTimeSignature {
        /// What was wrong.
        fault: TimeFault,
        /// The signed value without the timestamp.
        payload: String,
    },
    /// The signature holds but the token is older than `max_age`, or (itsdangerous ≥ 2.0)
    /// from the future (`SignatureExpired`).
    #[error("signature expired: age {age_seconds} s {} {max_age_seconds} s", if *age_seconds < 0.0 { "< 0, max age" } else { ">" })]
    SignatureExpired {
        /// The signed value without the timestamp (verified, but expired).
        payload: String,
        /// When the token was signed, Unix seconds.
        date_signed: i64,
        /// Its age at verification time, in seconds (negative: from the future).
        age_seconds: f64,
        /// The maximum age in force, in seconds.
        max_age_seconds: f64,
    },
    /// The signature holds but the payload does not load (`BadPayload`).
    #[error("bad payload: {0}")]
    BadPayload(#[from] PayloadFault),
    /// A value could not be serialized (a type Python's JSON cannot write either).
    #[error("cannot serialize the value: {0}")]
    Serialize(crate::json::Error),
    /// The signer or serializer was configured wrongly.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The kind of an [`Error`], for callers that only branch on it (the CLI prints these words).
///
/// ```
/// assert_eq!(signed_cookie::ErrorKind::SignatureExpired.as_str(), "expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`Error::BadSignature`].
    BadSignature,
    /// [`Error::BadTimeSignature`].
    BadTimeSignature,
    /// [`Error::SignatureExpired`].
    SignatureExpired,
    /// [`Error::BadPayload`].
    BadPayload,
    /// [`Error::Serialize`].
    Serialize,
    /// [`Error::Config`].
    Config,
}

impl ErrorKind {
    /// The word the command-line tool prints first on stderr for this kind.
    ///
    /// ```
    /// assert_eq!(signed_cookie::ErrorKind::BadPayload.as_str(), "bad-payload");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadSignature => "bad-signature",
            ErrorKind::BadTimeSignature => "bad-time-signature",
            ErrorKind::SignatureExpired => "expired",
            ErrorKind::BadPayload => "bad-payload",
            ErrorKind::Serialize => "serialize",
            ErrorKind::Config => "config",
        }
    }
}

impl Error {
    /// A bad signature with nothing to report but the fault.
    pub(crate) fn bad_signature(fault: SignatureFault) -> Error {
        Error::BadSignature {
            fault,
            payload: None,
            date_signed: None,
        }
    }

    /// The kind of error.
    ///
    /// ```
    /// use signed_cookie::{Error, ErrorKind, SignatureFault};
    /// let e = Error::BadSignature { fault: SignatureFault::Mismatch, payload: None, date_signed: None };
    /// assert_eq!(e.kind(), ErrorKind::BadSignature);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::BadSignature { .. } => ErrorKind::BadSignature,
            Error::BadTimeSignature { .. } => ErrorKind::BadTimeSignature,
            Error::SignatureExpired { .. } => ErrorKind::SignatureExpired,
            Error::BadPayload(_) => ErrorKind::BadPayload,
            Error::Serialize(_) => ErrorKind::Serialize,
            Error::Config(_) => ErrorKind::Config,
        }
    }

    /// The (unverified, unless expired) payload the token carried, where there is one.
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").build().unwrap();
    /// assert_eq!(s.unsign("abc.xyz").unwrap_err().payload(), Some("abc"));
    /// ```
    pub fn payload(&self) -> Option<&str> {
        match self {
            Error::BadSignature { payload, .. } => payload.as_deref(),
            Error::BadTimeSignature { payload, .. } | Error::SignatureExpired { payload, .. } => {
                Some(payload)
            }
            _ => None,
        }
    }

    /// The time the token says it was signed (Unix seconds), where known.
    ///
    /// ```
    /// use signed_cookie::{Error, SignatureFault};
    /// let e = Error::BadSignature { fault: SignatureFault::Mismatch, payload: None, date_signed: Some(5) };
    /// assert_eq!(e.date_signed(), Some(5));
    /// ```
    pub fn date_signed(&self) -> Option<i64> {
        match self {
            Error::BadSignature { date_signed, .. } => *date_signed,
            Error::SignatureExpired { date_signed, .. } => Some(*date_signed),
            _ => None,
        }
    }
}

/// A signer, serializer or profile that cannot be built as configured.
///
/// ```
/// let err = signed_cookie::Signer::builder("").build().unwrap_err();
/// assert_eq!(err, signed_cookie::ConfigError::EmptySecret);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Empty secret keys are refused: anyone could sign.
    #[error("the secret key is empty")]
    EmptySecret,
    /// The separator would be ambiguous with base64 text.
    #[error("the separator {0:?} is a base64 character")]
    BadSeparator(char),
    /// Not one of `sha1`, `sha224`, `sha256`, `sha384`, `sha512`.
    #[error("unknown digest {0:?}")]
    UnknownDigest(String),
    /// Not one of `concat`, `django-concat`, `hmac`, `none`.
    #[error("unknown key derivation {0:?}")]
    UnknownKeyDerivation(String),
    /// Not a known profile name.
    #[error("unknown profile {0:?}")]
    UnknownProfile(String),
    /// Not a `--compat` value of the profile.
    #[error("profile {profile} has no compat {compat:?}")]
    UnknownCompat {
        /// The profile.
        profile: String,
        /// What was asked.
        compat: String,
    },
    /// A setting that this profile or version does not have.
    #[error("{0}")]
    Unsupported(String),
}
