//! Timestamp signer: `value SEP timestamp SEP signature`, with a maximum age, as itsdangerous'
//! `TimestampSigner` and Django's `signing.TimestampSigner` write and check it.
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::encoding::{
    base62_decode, base62_encode, base64url_decode_slice, base64url_encode_into,
};
use crate::encoding::{bytes_to_int, int_to_bytes};
use crate::error::{Error, SignatureFault, TimeFault};
use crate::signer::{rsplit_once, Signer, VerifiedBy};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// itsdangerous 0.24 counted seconds from 2011-01-01 00:00:00 UTC.
pub const ITSDANGEROUS_0_24_EPOCH: i64 = 1_293_840_000;

/// How the timestamp field is written.
///
/// ```
/// use signed_cookie::TimestampFormat;
/// assert_eq!(TimestampFormat::ITSDANGEROUS.encode(1_700_000_000), "ZVPxAA");
/// assert_eq!(TimestampFormat::Base62.encode(1_700_000_000), "1r31eq");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    /// itsdangerous: seconds since `epoch`, big-endian bytes without leading zeros, base64url.
    Bytes {
        /// Unix time of the epoch the count starts from (0, or 2011-01-01 for itsdangerous 0.24).
        epoch: i64,
    },
    /// Django: Unix seconds in base62 (`0-9A-Za-z`), `-` for negative.
    Base62,
}

impl TimestampFormat {
    /// itsdangerous ≥ 1.0: Unix epoch.
    pub const ITSDANGEROUS: TimestampFormat = TimestampFormat::Bytes { epoch: 0 };

    /// The field for a Unix time in seconds. Times before the epoch of the byte format
    /// (which cannot be packed) are written as the epoch itself.
    ///
    /// ```
    /// assert_eq!(signed_cookie::TimestampFormat::ITSDANGEROUS.encode(0), "");
    /// ```
    pub fn encode(self, unix_seconds: i64) -> String {
        let mut out = String::new();
        self.encode_into(unix_seconds, &mut out);
        out
    }

    /// Appends the field for a Unix time to `out`.
    ///
    /// ```
    /// let mut s = String::from("v.");
    /// signed_cookie::TimestampFormat::ITSDANGEROUS.encode_into(1, &mut s);
    /// assert_eq!(s, "v.AQ");
    /// ```
    pub fn encode_into(self, unix_seconds: i64, out: &mut String) {
        match self {
            TimestampFormat::Bytes { epoch } => {
                let count = u64::try_from(unix_seconds.saturating_sub(epoch)).unwrap_or(0);
                base64url_encode_into(int_to_bytes(count).as_ref(), out);
            }
            TimestampFormat::Base62 => out.push_str(&base62_encode(unix_seconds)),
        }
    }

    /// The Unix time (seconds) a field stands for.
    ///
    /// ```
    /// use signed_cookie::TimestampFormat;
    /// assert_eq!(TimestampFormat::ITSDANGEROUS.decode("ZVPxAA"), Some(1_700_000_000));
    /// assert_eq!(TimestampFormat::Bytes { epoch: 1_293_840_000 }.decode("GDWCgA"), Some(1_700_000_000));
    /// assert_eq!(TimestampFormat::Base62.decode("1r31eq"), Some(1_700_000_000));
    /// assert_eq!(TimestampFormat::Base62.decode("1r3!"), None);
    /// ```
    pub fn decode(self, field: &str) -> Option<i64> {
        match self {
            TimestampFormat::Bytes { epoch } => {
                // More than eight bytes does not fit the buffer: refused, as by `bytes_to_int`.
                let mut bytes = [0u8; 8];
                let len = base64url_decode_slice(field.as_bytes(), &mut bytes).ok()?;
                let count = i64::try_from(bytes_to_int(bytes.get(..len)?).ok()?).ok()?;
                count.checked_add(epoch)
            }
            TimestampFormat::Base62 => base62_decode(field).ok(),
        }
    }
}

/// How the age of a token is judged against `max_age`.
///
/// ```
/// use signed_cookie::AgeRules;
/// assert!(AgeRules::ITSDANGEROUS_2.reject_future);
/// assert!(!AgeRules::DJANGO.reject_future);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeRules {
    /// A token signed after "now" is expired (itsdangerous ≥ 2.0). Django and itsdangerous ≤ 1.1
    /// accept it.
    pub reject_future: bool,
    /// The age counts fractions of a second (`time.time() - ts`, Django) rather than whole
    /// seconds (`int(time.time()) - ts`, itsdangerous).
    pub fractional: bool,
    /// The verifier turns the timestamp into a Python `datetime` (itsdangerous' timed
    /// serializers, and so Flask), which fails past the year 9999: such tokens are refused.
    pub as_datetime: bool,
}

/// 9999-12-31 23:59:59 UTC, the last second a Python `datetime` holds.
const LAST_PYTHON_DATETIME: i64 = 253_402_300_799;

impl AgeRules {
    /// itsdangerous 2.x.
    pub const ITSDANGEROUS_2: AgeRules = AgeRules {
        reject_future: true,
        fractional: false,
        as_datetime: false,
    };
    /// itsdangerous 0.24 and 1.1.
    pub const ITSDANGEROUS_1: AgeRules = AgeRules {
        reject_future: false,
        fractional: false,
        as_datetime: false,
    };
    /// Django, every version.
    pub const DJANGO: AgeRules = AgeRules {
        reject_future: false,
        fractional: true,
        as_datetime: false,
    };

    /// The same rules, for a verifier that also converts the timestamp to a `datetime`.
    ///
    /// ```
    /// assert!(signed_cookie::AgeRules::ITSDANGEROUS_2.with_datetime().as_datetime);
    /// ```
    pub const fn with_datetime(self) -> AgeRules {
        AgeRules {
            as_datetime: true,
            ..self
        }
    }
}

/// A verified timed token.
///
/// ```
/// use signed_cookie::{Signer, TimestampSigner};
/// use std::time::{Duration, UNIX_EPOCH};
/// let ts = TimestampSigner::itsdangerous(Signer::builder("k").build().unwrap());
/// let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let token = ts.sign_at("v", t0);
/// let ok = ts.unsign_at(&token, None, t0).unwrap();
/// assert_eq!((ok.value, ok.timestamp), ("v", 1_700_000_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsigned<'t> {
    /// The signed value, without timestamp and signature.
    pub value: &'t str,
    /// When it was signed, Unix seconds.
    pub timestamp: i64,
    /// Which key verified it.
    pub verified_by: VerifiedBy,
}

/// Unix time as seconds with fraction; times before 1970 are negative.
pub(crate) fn unix_seconds_f64(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// Whole Unix seconds, as `int(time.time())` gives them.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs_f64().ceil() as u64).unwrap_or(i64::MAX),
    }
}

/// Signs with a timestamp and checks the age on the way back.
///
/// ```
/// use signed_cookie::{Error, Signer, TimestampSigner};
/// use std::time::{Duration, UNIX_EPOCH};
/// let ts = TimestampSigner::itsdangerous(Signer::builder("secret-key").build()?);
/// let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let token = ts.sign_at("hello", t0);
/// // What itsdangerous 2.2 signs at that time.
/// assert_eq!(token, "hello.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI");
/// let later = t0 + Duration::from_secs(11);
/// let err = ts.unsign_at(&token, Some(Duration::from_secs(10)), later).unwrap_err();
/// assert!(matches!(err, Error::SignatureExpired { date_signed: 1_700_000_000, .. }));
/// # Ok::<(), signed_cookie::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimestampSigner {
    signer: Signer,
    format: TimestampFormat,
    rules: AgeRules,
}

impl TimestampSigner {
    /// A timestamp signer with an explicit format and age rules.
    ///
    /// ```
    /// use signed_cookie::{AgeRules, Signer, TimestampFormat, TimestampSigner};
    /// let django = TimestampSigner::new(
    ///     Signer::builder("k").separator(':').build().unwrap(),
    ///     TimestampFormat::Base62,
    ///     AgeRules::DJANGO,
    /// );
    /// # let _ = django;
    /// ```
    pub fn new(signer: Signer, format: TimestampFormat, rules: AgeRules) -> Self {
        TimestampSigner {
            signer,
            format,
            rules,
        }
    }

    /// itsdangerous 2.x's `TimestampSigner` over the given signer.
    ///
    /// ```
    /// let ts = signed_cookie::TimestampSigner::itsdangerous(
    ///     signed_cookie::Signer::builder("k").build().unwrap(),
    /// );
    /// assert_eq!(ts.format(), signed_cookie::TimestampFormat::ITSDANGEROUS);
    /// ```
    pub fn itsdangerous(signer: Signer) -> Self {
        Self::new(
            signer,
            TimestampFormat::ITSDANGEROUS,
            AgeRules::ITSDANGEROUS_2,
        )
    }

    /// The underlying signer.
    ///
    /// ```
    /// let ts = signed_cookie::TimestampSigner::itsdangerous(
    ///     signed_cookie::Signer::builder("k").build().unwrap(),
    /// );
    /// assert_eq!(ts.signer().separator(), '.');
    /// ```
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The timestamp format.
    ///
    /// ```
    /// # let ts = signed_cookie::TimestampSigner::itsdangerous(signed_cookie::Signer::builder("k").build().unwrap());
    /// assert_eq!(ts.format(), signed_cookie::TimestampFormat::ITSDANGEROUS);
    /// ```
    pub fn format(&self) -> TimestampFormat {
        self.format
    }

    /// Signs `value` with the current time.
    ///
    /// ```
    /// # let ts = signed_cookie::TimestampSigner::itsdangerous(signed_cookie::Signer::builder("k").build().unwrap());
    /// assert!(ts.unsign(&ts.sign("v"), None).is_ok());
    /// ```
    pub fn sign(&self, value: &str) -> String {
        self.sign_at(value, SystemTime::now())
    }

    /// Signs `value` as of `now`.
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # let ts = signed_cookie::TimestampSigner::itsdangerous(signed_cookie::Signer::builder("k").build().unwrap());
    /// let t = ts.sign_at("v", UNIX_EPOCH + Duration::from_secs(1));
    /// assert!(t.starts_with("v.AQ."));
    /// ```
    pub fn sign_at(&self, value: &str, now: SystemTime) -> String {
        let mut token = String::with_capacity(value.len() + 100);
        token.push_str(value);
        self.sign_in_place(&mut token, now);
        token
    }

    /// Appends `SEP timestamp SEP signature` to `token`, whose content is the value.
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # let ts = signed_cookie::TimestampSigner::itsdangerous(signed_cookie::Signer::builder("k").build().unwrap());
    /// let now = UNIX_EPOCH + Duration::from_secs(9);
    /// let mut t = String::from("v");
    /// ts.sign_in_place(&mut t, now);
    /// assert_eq!(t, ts.sign_at("v", now));
    /// ```
    pub fn sign_in_place(&self, token: &mut String, now: SystemTime) {
        token.push(self.signer.separator());
        self.format.encode_into(unix_seconds(now), token);
        self.signer.append_signature(token);
    }

    /// Verifies `token` now; `max_age` of `None` skips the age check.
    ///
    /// ```
    /// # let ts = signed_cookie::TimestampSigner::itsdangerous(signed_cookie::Signer::builder("k").build().unwrap());
    /// let token = ts.sign("v");
    /// let v = ts.unsign(&token, Some(std::time::Duration::from_secs(60))).unwrap();
    /// assert_eq!(v.value, "v");
    /// ```
    pub fn unsign<'t>(
        &self,
        token: &'t str,
        max_age: Option<Duration>,
    ) -> Result<Unsigned<'t>, Error> {
        self.unsign_at(token, max_age, SystemTime::now())
    }

    /// Verifies `token` as of `now`, in itsdangerous' order: signature, then timestamp, then
    /// age. A bad signature reports the value and the date the token claims, unverified.
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # let ts = signed_cookie::TimestampSigner::itsdangerous(signed_cookie::Signer::builder("k").build().unwrap());
    /// let t0 = UNIX_EPOCH + Duration::from_secs(100);
    /// let token = ts.sign_at("v", t0 + Duration::from_secs(5));
    /// // From the future: itsdangerous 2.x calls it expired.
    /// assert!(ts.unsign_at(&token, Some(Duration::from_secs(60)), t0).is_err());
    /// assert!(ts.unsign_at(&token, None, t0).is_ok());
    /// ```
    pub fn unsign_at<'t>(
        &self,
        token: &'t str,
        max_age: Option<Duration>,
        now: SystemTime,
    ) -> Result<Unsigned<'t>, Error> {
        let sep = self.signer.separator();
        let (signed, verified_by) = match self.signer.unsign(token) {
            Ok(ok) => (ok.0, Some(ok.1)),
            Err(e) => match rsplit_once(token, sep) {
                Some((signed, _)) => (signed, None),
                None => return Err(e),
            },
        };
        let Some((value, ts_field)) = rsplit_once(signed, sep) else {
            return Err(match verified_by {
                None => Error::BadSignature {
                    fault: SignatureFault::Mismatch,
                    payload: Some(signed.to_owned()),
                    date_signed: None,
                },
                Some(_) => Error::BadTimeSignature {
                    fault: TimeFault::Missing,
                    payload: signed.to_owned(),
                },
            });
        };
        let timestamp = self.format.decode(ts_field);
        let Some(verified_by) = verified_by else {
            return Err(Error::BadSignature {
                fault: SignatureFault::Mismatch,
                payload: Some(value.to_owned()),
                date_signed: timestamp,
            });
        };
        let Some(timestamp) =
            timestamp.filter(|&t| !self.rules.as_datetime || t <= LAST_PYTHON_DATETIME)
        else {
            return Err(Error::BadTimeSignature {
                fault: TimeFault::Malformed,
                payload: value.to_owned(),
            });
        };
        if let Some(max_age) = max_age {
            let age = if self.rules.fractional {
                unix_seconds_f64(now) - timestamp as f64
            } else {
                unix_seconds(now).saturating_sub(timestamp) as f64
            };
            let max = max_age.as_secs_f64();
            if age > max || (self.rules.reject_future && age < 0.0) {
                return Err(Error::SignatureExpired {
                    payload: value.to_owned(),
                    date_signed: timestamp,
                    age_seconds: age,
                    max_age_seconds: max,
                });
            }
        }
        Ok(Unsigned {
            value,
            timestamp,
            verified_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Digest, ErrorKind};

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn its() -> TimestampSigner {
        TimestampSigner::itsdangerous(Signer::builder("secret").build().unwrap())
    }

    #[test]
    fn age_equal_to_max_age_passes_one_more_second_expires() {
        let ts = its();
        let t = ts.sign_at("v", at(1000));
        assert!(ts
            .unsign_at(&t, Some(Duration::from_secs(10)), at(1010))
            .is_ok());
        let e = ts
            .unsign_at(&t, Some(Duration::from_secs(10)), at(1011))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignatureExpired);
        assert_eq!(e.payload(), Some("v"));
        // max_age 0 accepts only the same second.
        assert!(ts.unsign_at(&t, Some(Duration::ZERO), at(1000)).is_ok());
    }

    #[test]
    fn future_tokens_depend_on_the_rules() {
        let t = its().sign_at("v", at(2000));
        assert!(its()
            .unsign_at(&t, Some(Duration::from_secs(10)), at(1999))
            .is_err());
        let old = TimestampSigner::new(
            Signer::builder("secret").build().unwrap(),
            TimestampFormat::ITSDANGEROUS,
            AgeRules::ITSDANGEROUS_1,
        );
        assert!(old
            .unsign_at(&t, Some(Duration::from_secs(10)), at(1999))
            .is_ok());
    }

    #[test]
    fn django_age_is_fractional() {
        let signer = Signer::builder("k")
            .separator(':')
            .digest(Digest::Sha256)
            .build()
            .unwrap();
        let ts = TimestampSigner::new(signer, TimestampFormat::Base62, AgeRules::DJANGO);
        let t = ts.sign_at("v", at(100));
        assert!(t.starts_with("v:1c:"));
        let half_past = at(100) + Duration::from_millis(500);
        assert!(ts.unsign_at(&t, Some(Duration::ZERO), half_past).is_err());
        assert!(ts.unsign_at(&t, Some(Duration::ZERO), at(100)).is_ok());
    }

    #[test]
    fn tampered_timed_token_carries_value_and_claimed_date() {
        let ts = its();
        let t = ts.sign_at("value", at(1_700_000_000));
        let tampered = format!("x{t}");
        match ts
            .unsign_at(&tampered, None, at(1_700_000_000))
            .unwrap_err()
        {
            Error::BadSignature {
                payload,
                date_signed,
                ..
            } => {
                assert_eq!(payload.as_deref(), Some("xvalue"));
                assert_eq!(date_signed, Some(1_700_000_000));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn valid_signature_without_timestamp_is_bad_time_signature() {
        let s = Signer::builder("secret").build().unwrap();
        let untimed = s.sign("value");
        let e = its().unsign_at(&untimed, None, at(0)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadTimeSignature);
        let malformed = s.sign("value.!!");
        let e = its().unsign_at(&malformed, None, at(0)).unwrap_err();
        assert!(matches!(
            e,
            Error::BadTimeSignature {
                fault: TimeFault::Malformed,
                ..
            }
        ));
        // Longer than 8 bytes.
        let long = s.sign("value.AAAAAAAAAAAA");
        assert_eq!(
            its().unsign_at(&long, None, at(0)).unwrap_err().kind(),
            ErrorKind::BadTimeSignature
        );
    }

    #[test]
    fn itsdangerous_0_24_epoch() {
        let ts = TimestampSigner::new(
            Signer::builder("k").build().unwrap(),
            TimestampFormat::Bytes {
                epoch: ITSDANGEROUS_0_24_EPOCH,
            },
            AgeRules::ITSDANGEROUS_1,
        );
        let t = ts.sign_at("v", at(1_700_000_000));
        assert!(t.starts_with("v.GDWCgA."));
        assert_eq!(
            ts.unsign_at(&t, None, at(0)).unwrap().timestamp,
            1_700_000_000
        );
    }
}
