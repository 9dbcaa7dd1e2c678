//! Profiles: the exact settings each framework and version uses, as data — a salt, a key
//! derivation, a digest, a separator, a timestamp format, a JSON dialect, an envelope, a
//! default max age. The code path is the same for all of them.

use crate::error::{ConfigError, Error};
use crate::json::JsonStyle;
use crate::serializer::{
    AnySigner, Envelope, FlaskTaggedJson, JsonDialect, PlainJson, Serializer, TextEncoding,
};
use crate::signer::{Algorithm, Digest, KeyDerivation, Keys, Signer};
use crate::tagged::TagScheme;
use crate::timed::{AgeRules, TimestampFormat, TimestampSigner, ITSDANGEROUS_0_24_EPOCH};
use std::time::Duration;

/// A library version whose exact behaviour a profile reproduces (the CLI's `--compat`).
///
/// ```
/// use signed_cookie::profile::Compat;
/// assert_eq!("django-3.2".parse::<Compat>().unwrap(), Compat::Django32);
/// assert_eq!(Compat::Flask012.name(), "flask-0.12");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compat {
    /// Flask 3.1 (itsdangerous 2.2).
    Flask31,
    /// Flask 1.1 (itsdangerous 1.1).
    Flask11,
    /// Flask 0.12 (itsdangerous 0.24).
    Flask012,
    /// itsdangerous 2.2.
    Itsdangerous22,
    /// itsdangerous 1.1.
    Itsdangerous11,
    /// Django 5.2.
    Django52,
    /// Django 4.2.
    Django42,
    /// Django 3.2.
    Django32,
    /// Django 2.2.
    Django22,
    /// Starlette 1.10.
    Starlette110,
}

const ALL_COMPATS: [Compat; 10] = [
    Compat::Flask31,
    Compat::Flask11,
    Compat::Flask012,
    Compat::Itsdangerous22,
    Compat::Itsdangerous11,
    Compat::Django52,
    Compat::Django42,
    Compat::Django32,
    Compat::Django22,
    Compat::Starlette110,
];

impl Compat {
    /// The `--compat` spelling.
    ///
    /// ```
    /// assert_eq!(signed_cookie::profile::Compat::Starlette110.name(), "starlette-1.10");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Compat::Flask31 => "flask-3.1",
            Compat::Flask11 => "flask-1.1",
            Compat::Flask012 => "flask-0.12",
            Compat::Itsdangerous22 => "itsdangerous-2.2",
            Compat::Itsdangerous11 => "itsdangerous-1.1",
            Compat::Django52 => "django-5.2",
            Compat::Django42 => "django-4.2",
            Compat::Django32 => "django-3.2",
            Compat::Django22 => "django-2.2",
            Compat::Starlette110 => "starlette-1.10",
        }
    }

    /// The itsdangerous generation underneath (for the age rules and fallback signers).
    fn itsdangerous_generation(self) -> ItsdangerousGeneration {
        match self {
            Compat::Flask11 | Compat::Itsdangerous11 => ItsdangerousGeneration::V1_1,
            Compat::Flask012 => ItsdangerousGeneration::V0_24,
            _ => ItsdangerousGeneration::V2,
        }
    }
}

impl std::str::FromStr for Compat {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        ALL_COMPATS
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| ConfigError::UnknownCompat {
                profile: String::new(),
                compat: s.to_owned(),
            })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ItsdangerousGeneration {
    V0_24,
    V1_1,
    V2,
}

impl ItsdangerousGeneration {
    fn timestamp(self) -> (TimestampFormat, AgeRules) {
        match self {
            ItsdangerousGeneration::V0_24 => (
                TimestampFormat::Bytes {
                    epoch: ITSDANGEROUS_0_24_EPOCH,
                },
                AgeRules::ITSDANGEROUS_1,
            ),
            ItsdangerousGeneration::V1_1 => {
                (TimestampFormat::ITSDANGEROUS, AgeRules::ITSDANGEROUS_1)
            }
            ItsdangerousGeneration::V2 => (TimestampFormat::ITSDANGEROUS, AgeRules::ITSDANGEROUS_2),
        }
    }

    /// `TimedSerializer` always asks for the timestamp as a `datetime`.
    fn timed_serializer(self) -> (TimestampFormat, AgeRules) {
        let (format, rules) = self.timestamp();
        (format, rules.with_datetime())
    }

    /// itsdangerous 1.x serializers also accept SHA-512 `django-concat` signatures
    /// (`default_fallback_signers`).
    fn serializer_fallbacks(self) -> Vec<Algorithm> {
        match self {
            ItsdangerousGeneration::V1_1 => {
                vec![Algorithm::new(KeyDerivation::DjangoConcat, Digest::Sha512)]
            }
            _ => Vec::new(),
        }
    }
}

/// The JSON dialect of a profile, as data.
///
/// ```
/// use signed_cookie::profile::Dialect;
/// assert_ne!(Dialect::Flask, Dialect::Django);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Flask ≥ 1.0 tagged JSON, sorted, ASCII.
    Flask,
    /// Flask 0.10–0.12 tagged JSON.
    Flask012,
    /// itsdangerous' `_CompactJSON`: compact, raw UTF-8.
    Itsdangerous,
    /// Django's `JSONSerializer`: compact, ASCII, read as Latin-1.
    Django,
    /// `json.dumps` defaults (Starlette).
    PythonDefault,
}

static FLASK: FlaskTaggedJson = FlaskTaggedJson {
    scheme: TagScheme::Flask,
};
static FLASK_012: FlaskTaggedJson = FlaskTaggedJson {
    scheme: TagScheme::Flask012,
};
static ITSDANGEROUS: PlainJson = PlainJson {
    style: JsonStyle::ITSDANGEROUS,
    text: TextEncoding::Utf8,
};
static DJANGO: PlainJson = PlainJson {
    style: JsonStyle::DJANGO,
    text: TextEncoding::Latin1,
};
static PYTHON_DEFAULT: PlainJson = PlainJson {
    style: JsonStyle::PYTHON_DEFAULT,
    text: TextEncoding::PythonBytes,
};

impl Dialect {
    /// The implementation.
    ///
    /// ```
    /// let d = signed_cookie::profile::Dialect::Django.implementation();
    /// let mut out = Vec::new();
    /// d.dump(&signed_cookie::json::Value::from("é"), &mut out).unwrap();
    /// assert_eq!(out, br#""\u00e9""#);
    /// ```
    pub fn implementation(self) -> &'static dyn JsonDialect {
        match self {
            Dialect::Flask => &FLASK,
            Dialect::Flask012 => &FLASK_012,
            Dialect::Itsdangerous => &ITSDANGEROUS,
            Dialect::Django => &DJANGO,
            Dialect::PythonDefault => &PYTHON_DEFAULT,
        }
    }
}

/// What the signed value is.
///
/// ```
/// use signed_cookie::profile::{Payload, Profile};
/// assert!(matches!(Profile::flask().payload, Payload::Json { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// A JSON value in a dialect, carried in an envelope.
    Json {
        /// JSON dialect.
        dialect: Dialect,
        /// Payload encoding.
        envelope: Envelope,
    },
    /// A raw string, signed as it is.
    Raw,
    /// Django's `session_data` column: the modern signed form (3.1+), and the legacy
    /// `base64(hexhash:json)` form (≤ 3.0).
    DjangoSessionRow {
        /// Modern rows are read (≥ 3.1).
        read_modern: bool,
        /// Legacy rows are read (≤ 3.2).
        read_legacy: bool,
        /// Legacy rows are written (≤ 3.0, as Django 2.2 does).
        write_legacy: bool,
    },
}

/// Everything that distinguishes one framework's tokens from another's.
///
/// ```
/// use signed_cookie::profile::Profile;
/// let flask = Profile::flask();
/// assert_eq!(flask.salt, "cookie-session");
/// assert_eq!(flask.algorithm.key_derivation, signed_cookie::KeyDerivation::Hmac);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The CLI name (`flask`, `django-cookie`, …).
    pub name: &'static str,
    /// The library version reproduced.
    pub compat: Compat,
    /// The salt.
    pub salt: String,
    /// Salts tried after [`salt`](Self::salt) when the signature does not match (never after
    /// expiry): Django 5.2's legacy signed-cookie salt.
    pub fallback_salts: Vec<String>,
    /// Prepended to every secret before key derivation (`django.http.cookies`).
    pub secret_prefix: String,
    /// Key derivation and digest that sign.
    pub algorithm: Algorithm,
    /// Other algorithms that still verify.
    pub legacy_algorithms: Vec<Algorithm>,
    /// Separator.
    pub separator: char,
    /// Timestamp format and age rules, for timed tokens.
    pub timestamp: Option<(TimestampFormat, AgeRules)>,
    /// What is signed.
    pub payload: Payload,
    /// The max age the framework applies by default.
    pub default_max_age: Option<Duration>,
    /// The version verifies with older keys too (Flask 3.1's and Django 4.1+'s
    /// `SECRET_KEY_FALLBACKS`, itsdangerous 2.x key lists). Where it does not, fallback keys are
    /// refused rather than silently accepting tokens the Python app would reject; set this to
    /// `true` to rotate keys on the Rust side anyway.
    pub key_rotation: bool,
}

const DAY: u64 = 86_400;

impl Profile {
    fn itsdangerous_base(name: &'static str, compat: Compat, salt: &str) -> Profile {
        Profile {
            name,
            compat,
            salt: salt.to_owned(),
            fallback_salts: Vec::new(),
            secret_prefix: String::new(),
            algorithm: Algorithm::new(KeyDerivation::DjangoConcat, Digest::Sha1),
            legacy_algorithms: Vec::new(),
            separator: '.',
            timestamp: Some(compat.itsdangerous_generation().timestamp()),
            payload: Payload::Raw,
            default_max_age: None,
            key_rotation: compat.itsdangerous_generation() == ItsdangerousGeneration::V2,
        }
    }

    fn django_base(name: &'static str, compat: Compat, salt: &str) -> Profile {
        let (digest, legacy) = match compat {
            Compat::Django22 => (Digest::Sha1, vec![]),
            // 3.1–3.2 accept SHA-1 whatever the configured algorithm.
            Compat::Django32 => (
                Digest::Sha256,
                vec![Algorithm::new(KeyDerivation::DjangoConcat, Digest::Sha1)],
            ),
            _ => (Digest::Sha256, vec![]),
        };
        Profile {
            name,
            compat,
            salt: salt.to_owned(),
            fallback_salts: Vec::new(),
            secret_prefix: String::new(),
            // Django's salted_hmac: H(salt + "signer" + secret).
            algorithm: Algorithm::new(KeyDerivation::DjangoConcat, digest),
            legacy_algorithms: legacy,
            separator: ':',
            timestamp: Some((TimestampFormat::Base62, AgeRules::DJANGO)),
            payload: Payload::Json {
                dialect: Dialect::Django,
                envelope: Envelope::UrlSafe { compress: false },
            },
            default_max_age: None,
            key_rotation: matches!(compat, Compat::Django42 | Compat::Django52),
        }
    }

    /// Flask 3.1's session cookie.
    ///
    /// ```
    /// assert_eq!(signed_cookie::profile::Profile::flask().name, "flask");
    /// ```
    pub fn flask() -> Profile {
        Self::lookup("flask", None).unwrap_or_else(|_| unreachable!())
    }

    /// itsdangerous 2.2's `URLSafeTimedSerializer`.
    ///
    /// ```
    /// assert_eq!(signed_cookie::profile::Profile::itsdangerous().salt, "itsdangerous");
    /// ```
    pub fn itsdangerous() -> Profile {
        Self::lookup("itsdangerous", None).unwrap_or_else(|_| unreachable!())
    }

    /// Django 5.2's `signing.dumps`/`loads`.
    ///
    /// ```
    /// assert_eq!(signed_cookie::profile::Profile::django().salt, "django.core.signing");
    /// ```
    pub fn django() -> Profile {
        Self::lookup("django", None).unwrap_or_else(|_| unreachable!())
    }

    /// Django 5.2's `signed_cookies` session backend.
    ///
    /// ```
    /// let p = signed_cookie::profile::Profile::django_cookie();
    /// assert_eq!(p.salt, "django.contrib.sessions.backends.signed_cookies");
    /// ```
    pub fn django_cookie() -> Profile {
        Self::lookup("django-cookie", None).unwrap_or_else(|_| unreachable!())
    }

    /// Starlette's `SessionMiddleware` cookie.
    ///
    /// ```
    /// assert_eq!(signed_cookie::profile::Profile::starlette().separator, '.');
    /// ```
    pub fn starlette() -> Profile {
        Self::lookup("starlette", None).unwrap_or_else(|_| unreachable!())
    }

    /// The CLI's profile names.
    pub const NAMES: [&'static str; 12] = [
        "flask",
        "itsdangerous",
        "itsdangerous-untimed",
        "itsdangerous-signer",
        "itsdangerous-signer-untimed",
        "django",
        "django-signer",
        "django-timestamp-signer",
        "django-cookie",
        "django-signed-cookie",
        "django-db",
        "starlette",
    ];

    /// The `--compat` values of a profile, default first.
    ///
    /// ```
    /// use signed_cookie::profile::{Compat, Profile};
    /// assert_eq!(Profile::compats("flask")[0], Compat::Flask31);
    /// ```
    pub fn compats(name: &str) -> &'static [Compat] {
        match name {
            "flask" => &[Compat::Flask31, Compat::Flask11, Compat::Flask012],
            "itsdangerous"
            | "itsdangerous-untimed"
            | "itsdangerous-signer"
            | "itsdangerous-signer-untimed" => &[Compat::Itsdangerous22, Compat::Itsdangerous11],
            "django"
            | "django-signer"
            | "django-timestamp-signer"
            | "django-cookie"
            | "django-signed-cookie"
            | "django-db" => &[
                Compat::Django52,
                Compat::Django42,
                Compat::Django32,
                Compat::Django22,
            ],
            "starlette" => &[Compat::Starlette110],
            _ => &[],
        }
    }

    /// A profile by its CLI name and `--compat` value (`None`: the newest).
    ///
    /// `django-signed-cookie` is built for an empty cookie name and salt; use
    /// [`Profile::django_signed_cookie`] for a real one.
    ///
    /// ```
    /// use signed_cookie::profile::Profile;
    /// let p = Profile::lookup("flask", Some("flask-0.12")).unwrap();
    /// assert_eq!(p.compat.name(), "flask-0.12");
    /// assert!(Profile::lookup("flask", Some("django-5.2")).is_err());
    /// ```
    pub fn lookup(name: &str, compat: Option<&str>) -> Result<Profile, ConfigError> {
        let compats = Self::compats(name);
        let Some(&default) = compats.first() else {
            return Err(ConfigError::UnknownProfile(name.to_owned()));
        };
        let compat = match compat {
            None => default,
            Some(c) => c
                .parse::<Compat>()
                .ok()
                .filter(|c| compats.contains(c))
                .ok_or_else(|| ConfigError::UnknownCompat {
                    profile: name.to_owned(),
                    compat: c.to_owned(),
                })?,
        };
        let generation = compat.itsdangerous_generation();
        let url_safe = |compress| Envelope::UrlSafe { compress };
        let profile = match name {
            "flask" => Profile {
                algorithm: Algorithm::new(KeyDerivation::Hmac, Digest::Sha1),
                legacy_algorithms: generation.serializer_fallbacks(),
                payload: Payload::Json {
                    dialect: if compat == Compat::Flask012 {
                        Dialect::Flask012
                    } else {
                        Dialect::Flask
                    },
                    envelope: url_safe(true),
                },
                // PERMANENT_SESSION_LIFETIME: 31 days.
                default_max_age: Some(Duration::from_secs(31 * DAY)),
                timestamp: Some(generation.timed_serializer()),
                ..Self::itsdangerous_base("flask", compat, "cookie-session")
            },
            "itsdangerous" | "itsdangerous-untimed" => Profile {
                legacy_algorithms: generation.serializer_fallbacks(),
                payload: Payload::Json {
                    dialect: Dialect::Itsdangerous,
                    envelope: url_safe(true),
                },
                timestamp: (name == "itsdangerous").then(|| generation.timed_serializer()),
                ..Self::itsdangerous_base(
                    if name == "itsdangerous" {
                        "itsdangerous"
                    } else {
                        "itsdangerous-untimed"
                    },
                    compat,
                    "itsdangerous",
                )
            },
            "itsdangerous-signer" => {
                Self::itsdangerous_base("itsdangerous-signer", compat, "itsdangerous.Signer")
            }
            "itsdangerous-signer-untimed" => Profile {
                timestamp: None,
                ..Self::itsdangerous_base(
                    "itsdangerous-signer-untimed",
                    compat,
                    "itsdangerous.Signer",
                )
            },
            "django" => Self::django_base("django", compat, "django.core.signing"),
            "django-signer" => Profile {
                timestamp: None,
                payload: Payload::Raw,
                ..Self::django_base("django-signer", compat, "django.core.signing.Signer")
            },
            "django-timestamp-signer" => Profile {
                payload: Payload::Raw,
                ..Self::django_base(
                    "django-timestamp-signer",
                    compat,
                    "django.core.signing.TimestampSigner",
                )
            },
            "django-cookie" => Profile {
                payload: Payload::Json {
                    dialect: Dialect::Django,
                    envelope: url_safe(true),
                },
                // SESSION_COOKIE_AGE: 14 days.
                default_max_age: Some(Duration::from_secs(14 * DAY)),
                ..Self::django_base(
                    "django-cookie",
                    compat,
                    "django.contrib.sessions.backends.signed_cookies",
                )
            },
            "django-signed-cookie" => Self::django_signed_cookie(compat, "", "")?,
            "django-db" => Profile {
                payload: Payload::DjangoSessionRow {
                    read_modern: compat != Compat::Django22,
                    read_legacy: matches!(compat, Compat::Django22 | Compat::Django32),
                    write_legacy: compat == Compat::Django22,
                },
                ..Self::django_base("django-db", compat, "django.contrib.sessions.SessionStore")
            },
            "starlette" => Profile {
                payload: Payload::Json {
                    dialect: Dialect::PythonDefault,
                    envelope: Envelope::StandardBase64,
                },
                default_max_age: Some(Duration::from_secs(14 * DAY)),
                // SessionMiddleware takes one secret_key.
                key_rotation: false,
                ..Self::itsdangerous_base("starlette", compat, "itsdangerous.Signer")
            },
            _ => return Err(ConfigError::UnknownProfile(name.to_owned())),
        };
        Ok(profile)
    }

    /// Django's `HttpResponse.set_signed_cookie(cookie_name, value, salt=salt)`: a timestamp
    /// signer over the raw string with key `django.http.cookies` + secret. Django 5.2 salts with
    /// `django.http.cookies.v2:<len(salt)>:<salt><name>` and still reads the legacy
    /// `<name><salt>`; older versions use only the legacy salt.
    ///
    /// ```
    /// use signed_cookie::profile::{Compat, Profile};
    /// let p = Profile::django_signed_cookie(Compat::Django52, "theme", "").unwrap();
    /// assert_eq!(p.salt, "django.http.cookies.v2:0:theme");
    /// assert_eq!(p.fallback_salts, ["theme"]);
    /// let old = Profile::django_signed_cookie(Compat::Django42, "theme", "x").unwrap();
    /// assert_eq!(old.salt, "themex");
    /// ```
    pub fn django_signed_cookie(
        compat: Compat,
        cookie_name: &str,
        salt: &str,
    ) -> Result<Profile, ConfigError> {
        if !Self::compats("django-signed-cookie").contains(&compat) {
            return Err(ConfigError::UnknownCompat {
                profile: "django-signed-cookie".to_owned(),
                compat: compat.name().to_owned(),
            });
        }
        let legacy = format!("{cookie_name}{salt}");
        let (primary, fallbacks) = if compat == Compat::Django52 {
            (
                format!(
                    "django.http.cookies.v2:{}:{salt}{cookie_name}",
                    salt.chars().count()
                ),
                vec![legacy],
            )
        } else {
            (legacy, vec![])
        };
        Ok(Profile {
            fallback_salts: fallbacks,
            secret_prefix: "django.http.cookies".to_owned(),
            payload: Payload::Raw,
            ..Self::django_base("django-signed-cookie", compat, &primary)
        })
    }

    /// Replaces the salt as the library's own `salt=` argument does: Django's signers treat an
    /// empty salt as their class default (`salt or "django.core.signing.Signer"`).
    ///
    /// ```
    /// use signed_cookie::profile::Profile;
    /// let mut p = Profile::lookup("django-signer", None).unwrap();
    /// p.set_salt("");
    /// assert_eq!(p.salt, "django.core.signing.Signer");
    /// let mut p = Profile::django();
    /// p.set_salt("");
    /// assert_eq!(p.salt, "django.core.signing.TimestampSigner");
    /// let mut p = Profile::itsdangerous();
    /// p.set_salt("");
    /// assert_eq!(p.salt, "");
    /// ```
    pub fn set_salt(&mut self, salt: &str) {
        let django = self.separator == ':' && self.compat.name().starts_with("django");
        self.salt = if salt.is_empty() && django {
            if self.timestamp.is_some() {
                "django.core.signing.TimestampSigner".to_owned()
            } else {
                "django.core.signing.Signer".to_owned()
            }
        } else {
            salt.to_owned()
        };
    }

    /// The signer for these settings and keys (its salt is [`salt`](Self::salt)).
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::lookup("django-signer", None).unwrap()
    ///     .signer("k").unwrap();
    /// assert!(s.sign_at("v", std::time::SystemTime::now()).starts_with("v:"));
    /// ```
    pub fn signer(&self, keys: impl Into<Keys>) -> Result<AnySigner, ConfigError> {
        self.signer_with_salt(keys.into(), &self.salt)
    }

    pub(crate) fn signer_with_salt(
        &self,
        keys: Keys,
        salt: &str,
    ) -> Result<AnySigner, ConfigError> {
        if !self.key_rotation && !keys.fallbacks().is_empty() {
            return Err(ConfigError::Unsupported(format!(
                "{} {} has no key rotation: fallback keys would accept tokens it rejects \
                 (set key_rotation to rotate on the Rust side anyway)",
                self.name,
                self.compat.name()
            )));
        }
        let mut builder = Signer::builder(keys)
            .salt(salt)
            .secret_prefix(&self.secret_prefix)
            .algorithm(self.algorithm)
            .separator(self.separator);
        for legacy in &self.legacy_algorithms {
            builder = builder.also_verify(*legacy);
        }
        let signer = builder.build()?;
        Ok(match self.timestamp {
            Some((format, rules)) => AnySigner::Timed(TimestampSigner::new(signer, format, rules)),
            None => AnySigner::Untimed(signer),
        })
    }

    /// The serializer for these settings and keys, with the framework's default max age.
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::starlette().serializer("k").unwrap();
    /// let t = s.dumps(&serde_json::json!({"user_id": 42})).unwrap();
    /// assert!(t.starts_with("eyJ1c2VyX2lkIjogNDJ9."));
    /// ```
    pub fn serializer(&self, keys: impl Into<Keys>) -> Result<Serializer, ConfigError> {
        let (dialect, envelope) = match self.payload {
            Payload::Json { dialect, envelope } => (dialect, envelope),
            Payload::DjangoSessionRow { .. } => {
                (Dialect::Django, Envelope::UrlSafe { compress: true })
            }
            Payload::Raw => {
                return Err(ConfigError::Unsupported(format!(
                    "profile {} signs raw strings, not JSON values",
                    self.name
                )))
            }
        };
        Ok(
            Serializer::new(self.signer(keys)?, dialect.implementation(), envelope)
                .with_max_age(self.default_max_age),
        )
    }

    /// Reads a token of this profile **without a key**, for inspection: the claimed value and
    /// time, never to be trusted.
    ///
    /// ```
    /// use signed_cookie::profile::Profile;
    /// let token = Profile::flask().serializer("k").unwrap().dumps(&serde_json::json!({"a": 1})).unwrap();
    /// let seen = Profile::flask().loads_unverified(&token).unwrap();
    /// assert_eq!(seen.value_unverified.to_string(), r#"{"a":1}"#);
    /// ```
    pub fn loads_unverified(&self, token: &str) -> Result<crate::serializer::Unverified, Error> {
        self.unverified()?.loads_unverified(token)
    }

    /// A serializer for unverified reading only: its key is a random placeholder, so nothing
    /// it is given verifies. Raw-string profiles have no payload to decode.
    ///
    /// ```
    /// let s = signed_cookie::profile::Profile::flask().unverified().unwrap();
    /// assert!(s.loads_value("x.y.z").is_err());
    /// ```
    pub fn unverified(&self) -> Result<Serializer, ConfigError> {
        let placeholder = Keys::new(format!("unverified {:?}", std::time::SystemTime::now()));
        self.serializer(placeholder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_and_compat_builds() {
        for name in Profile::NAMES {
            for compat in Profile::compats(name) {
                let p = Profile::lookup(name, Some(compat.name())).unwrap();
                assert_eq!(p.name, name);
                p.signer("k").unwrap();
            }
        }
        assert!(Profile::lookup("nope", None).is_err());
    }
}
