//! Shared by the golden-vector and live interop tests: turns a peer request (the JSON the Python
//! peer and the golden files use, see tests/interop/README.md) into this crate's profile, keys,
//! clock and max age.
#![allow(dead_code)]

use serde_json::Value as Json;
use signed_cookie::codec::Codec;
use signed_cookie::profile::{Compat, Payload, Profile};
use signed_cookie::serializer::Envelope;
use signed_cookie::{Digest, KeyDerivation, Keys};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn str_field<'a>(req: &'a Json, name: &str) -> Option<&'a str> {
    req.get(name).and_then(Json::as_str)
}

pub fn profile_for(req: &Json, compat: &str) -> Profile {
    let name = str_field(req, "profile").expect("profile");
    let compat_enum: Compat = compat.parse().expect("compat");
    let mut profile = if name == "django-signed-cookie" {
        Profile::django_signed_cookie(
            compat_enum,
            str_field(req, "cookie_name").unwrap_or(""),
            str_field(req, "salt").unwrap_or(""),
        )
        .unwrap()
    } else {
        let mut p = Profile::lookup(name, Some(compat)).unwrap();
        if let Some(salt) = str_field(req, "salt") {
            p.set_salt(salt);
        }
        p
    };
    // Django's explicit `algorithm` (or DEFAULT_HASHING_ALGORITHM on 3.2), else itsdangerous'
    // `digest_method`.
    if let Some(d) = str_field(req, "algorithm").or(str_field(req, "digest")) {
        profile.algorithm.digest = d.parse::<Digest>().unwrap();
    }
    if let Some(k) = str_field(req, "key_derivation") {
        profile.algorithm.key_derivation = k.parse::<KeyDerivation>().unwrap();
    }
    if let Some(sep) = str_field(req, "separator") {
        profile.separator = sep.chars().next().unwrap();
    }
    if req.get("compress").and_then(Json::as_bool) == Some(true) {
        if let Payload::Json {
            envelope: Envelope::UrlSafe { compress },
            ..
        } = &mut profile.payload
        {
            *compress = true;
        }
    }
    if req.get("legacy").and_then(Json::as_bool) == Some(true) {
        if let Payload::DjangoSessionRow { write_legacy, .. } = &mut profile.payload {
            *write_legacy = true;
        }
    }
    profile
}

pub fn keys_for(req: &Json) -> Keys {
    let fallbacks: Vec<String> = req
        .get("fallbacks")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Keys::new(str_field(req, "secret").expect("secret")).with_fallbacks(fallbacks)
}

pub fn now_for(req: &Json) -> SystemTime {
    let secs = req.get("now").and_then(Json::as_f64).expect("now");
    UNIX_EPOCH + Duration::from_secs_f64(secs)
}

pub fn max_age_for(req: &Json) -> Option<Duration> {
    req.get("max_age")
        .and_then(Json::as_f64)
        .map(Duration::from_secs_f64)
}

pub fn codec_for(req: &Json, compat: &str) -> Codec {
    Codec::new(&profile_for(req, compat), keys_for(req)).unwrap()
}

/// Which of this crate's error kinds stand for a Python exception class.
pub fn kinds_for_python_error(error: &str) -> &'static [&'static str] {
    match error {
        "SignatureExpired" => &["expired"],
        // itsdangerous raises BadTimeSignature for a tampered timed token; this crate calls
        // that a bad signature, and keeps bad-time-signature for a valid signature over a
        // missing or malformed timestamp.
        "BadSignature" | "BadTimeSignature" | "SuspiciousSession" => {
            &["bad-signature", "bad-time-signature"]
        }
        "BadPayload" | "binascii.Error" | "zlib.error" | "JSONDecodeError"
        | "UnicodeDecodeError" => &["bad-payload"],
        // Python's bare ValueError: a timestamp past year 9999, a bad base62 field.
        "ValueError" => &["bad-time-signature", "bad-payload", "expired"],
        _ => &[],
    }
}

/// The environments whose golden files `tests/interop/gen_golden.py` writes.
pub const GOLDEN_ENVS: [&str; 8] = [
    "flask31",
    "flask11",
    "flask012",
    "django22",
    "django32",
    "django42",
    "django52",
    "starlette",
];

/// `tests/golden/<env>.json`.
pub fn golden(env: &str) -> Json {
    let path = format!("{}/tests/golden/{env}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect("golden JSON")
}
