//! Properties of every profile, checked with proptest over generated values, keys and salts:
//!
//! - every value round-trips through every profile (as the framework gives it back);
//! - any single-byte change, truncation or extension of a valid token is rejected;
//! - a token signed with a retired key is rejected, and accepted with that key as a fallback;
//! - tokens of one profile or salt never verify under another (unless both sign alike);
//! - no input panics any profile's decoders.

use proptest::prelude::*;
use signed_cookie::codec::Codec;
use signed_cookie::json::{Int, Map, Value};
use signed_cookie::profile::{Compat, Dialect, Payload, Profile};
use signed_cookie::{Algorithm, ConfigError, ErrorKind, Keys};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const KEY: &str = "property-secret-key";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// Every `Profile::NAMES` × compat.
fn profiles() -> Vec<Profile> {
    let mut all = Vec::new();
    for name in Profile::NAMES {
        for compat in Profile::compats(name) {
            all.push(Profile::lookup(name, Some(compat.name())).unwrap());
        }
    }
    all
}

/// Every profile bound to `KEY`, built once.
fn codecs() -> &'static [(Profile, Codec)] {
    static ALL: OnceLock<Vec<(Profile, Codec)>> = OnceLock::new();
    ALL.get_or_init(|| {
        profiles()
            .into_iter()
            .map(|p| {
                let c = Codec::new(&p, Keys::new(KEY)).unwrap();
                (p, c)
            })
            .collect()
    })
}

fn label(p: &Profile) -> String {
    format!("{} {}", p.name, p.compat.name())
}

fn is_raw(p: &Profile) -> bool {
    matches!(p.payload, Payload::Raw)
}

fn is_flask(p: &Profile) -> bool {
    matches!(
        p.payload,
        Payload::Json {
            dialect: Dialect::Flask | Dialect::Flask012,
            ..
        }
    )
}

// ---------------------------------------------------------------------------------------------
// Values

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Python ints past i64.
        "-?[1-9][0-9]{19,40}".prop_map(|s| Value::Int(s.parse::<Int>().unwrap())),
        any::<f64>().prop_map(Value::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0)].prop_map(Value::Float),
        any::<String>().prop_map(Value::from),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
        any::<String>().prop_map(|s| Value::Markup(s.into())),
        any::<u128>().prop_map(Value::Uuid),
        // Years 100 to 9999: Python's date parser reads years 0-99 as 19xx/20xx.
        (-59_011_459_200i64..253_402_300_800).prop_map(Value::DateTime),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        // Tag keys: Flask escapes one-key dicts that look like tags.
        1 => prop_oneof![Just(" t"), Just(" di"), Just(" b"), Just(" u"), Just(" t__")]
            .prop_map(str::to_owned),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Tuple),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Dict(kv.into_iter().collect::<Map>())),
        ]
    })
}

/// Structural equality where NaN equals NaN and `-0.0` is not `0.0`.
fn same(a: &Value, b: &Value) -> bool {
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

/// What plain JSON gives back: tuples as lists, Markup as str; `None` where Python's
/// `json.dumps` raises (bytes, UUIDs, datetimes).
fn plain_form(v: &Value) -> Option<Value> {
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

/// A one-key dict whose key is a tag key: Flask 0.10-0.12 (no `" di"`) reads it back as the
/// tagged value, as Flask itself does.
fn ambiguous_for_flask012(v: &Value) -> bool {
    match v {
        Value::Dict(m) => {
            (m.len() == 1
                && m.keys()
                    .any(|k| matches!(k.as_str(), " t" | " b" | " u" | " m" | " d")))
                || m.values().any(ambiguous_for_flask012)
        }
        Value::List(items) | Value::Tuple(items) => items.iter().any(ambiguous_for_flask012),
        _ => false,
    }
}

/// A token of `p` for `value` (its text for raw profiles), signed with `KEY`.
fn token_for(p: &Profile, codec: &Codec, value: &Value, raw: &str) -> String {
    if is_raw(p) {
        return codec.sign_text(raw, now()).unwrap();
    }
    match codec {
        Codec::Json(s) => s.dumps_value_at(&plain_json(value), now()).unwrap(),
        Codec::SessionRow(rows) => rows.encode(&plain_json(value), now()).unwrap(),
        Codec::Raw { .. } => unreachable!(),
    }
}

/// A value every dialect writes and reads back.
fn plain_json(v: &Value) -> Value {
    match plain_form(v) {
        Some(plain) if !ambiguous_for_flask012(&plain) => plain,
        _ => Value::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn every_value_round_trips_through_every_profile(v in value(), raw in any::<String>()) {
        for (p, codec) in codecs() {
            if is_raw(p) {
                let token = codec.sign_text(&raw, now()).unwrap();
                let back = codec.verify_text(&token, p.default_max_age, now()).unwrap();
                prop_assert_eq!(&back.text, &raw, "{}", label(p));
                continue;
            }
            let expected = if is_flask(p) { Some(v.clone()) } else { plain_form(&v) };
            let dumped = match codec {
                Codec::Json(s) => s.dumps_value_at(&v, now()),
                Codec::SessionRow(rows) => rows.encode(&v, now()),
                Codec::Raw { .. } => unreachable!(),
            };
            let Some(expected) = expected else {
                // Python's json.dumps refuses bytes, UUIDs and datetimes: so do we.
                prop_assert_eq!(dumped.unwrap_err().kind(), ErrorKind::Serialize);
                continue;
            };
            let token = dumped.unwrap();
            if p.compat == Compat::Flask012 && ambiguous_for_flask012(&v) {
                // Flask 0.12 reads such a dict as a tag (or fails on it), as Python does.
                continue;
            }
            let loaded = match codec {
                Codec::Json(s) => s.loads_value_at(&token, p.default_max_age, now()).unwrap(),
                Codec::SessionRow(rows) => rows.decode(&token).unwrap(),
                Codec::Raw { .. } => unreachable!(),
            };
            prop_assert!(same(&loaded.value, &expected), "{}: {:?} came back as {:?}",
                label(p), v, loaded.value);
            // The CLI's text form round-trips too.
            let text = codec.verify_text(&token, None, now()).unwrap().text;
            let again = codec.sign_text(&text, now()).unwrap();
            prop_assert_eq!(codec.verify_text(&again, None, now()).unwrap().text, text);
        }
    }

    #[test]
    fn django_signed_cookies_round_trip_for_any_name_and_salt(
        name in any::<String>(), salt in any::<String>(), raw in any::<String>(),
    ) {
        for compat in Profile::compats("django-signed-cookie") {
            let p = Profile::django_signed_cookie(*compat, &name, &salt).unwrap();
            let codec = Codec::new(&p, Keys::new(KEY)).unwrap();
            let token = codec.sign_text(&raw, now()).unwrap();
            prop_assert_eq!(codec.verify_text(&token, None, now()).unwrap().text, raw.clone());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tampering

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn any_single_byte_change_is_rejected(
        v in value(), raw in "[ -~]{0,40}", at in any::<prop::sample::Index>(), to in 0x20u8..0x7f,
    ) {
        for (p, codec) in codecs() {
            let token = token_for(p, codec, &v, &raw);
            let mut bytes = token.clone().into_bytes();
            let i = at.index(bytes.len());
            bytes[i] = if bytes[i] != to { to } else if to == b'~' { b' ' } else { to + 1 };
            let tampered = String::from_utf8(bytes).unwrap();
            prop_assert!(codec.verify_text(&tampered, None, now()).is_err(),
                "{}: {token} changed at {i} to {:?} still verifies", label(p), char::from(to));
        }
    }

    #[test]
    fn any_truncation_is_rejected(v in value(), raw in "[ -~]{0,40}", cut in any::<prop::sample::Index>()) {
        for (p, codec) in codecs() {
            let token = token_for(p, codec, &v, &raw);
            let short = &token[..cut.index(token.len())];
            prop_assert!(codec.verify_text(short, None, now()).is_err(),
                "{}: {token} cut to {short} still verifies", label(p));
        }
    }

    #[test]
    fn any_extension_is_rejected(
        v in value(), raw in "[ -~]{0,40}", tail in ".{1,12}", head in ".{1,12}",
    ) {
        for (p, codec) in codecs() {
            let token = token_for(p, codec, &v, &raw);
            for extended in [format!("{token}{tail}"), format!("{head}{token}")] {
                prop_assert!(codec.verify_text(&extended, None, now()).is_err(),
                    "{}: {extended} verifies", label(p));
            }
        }
    }
}

#[test]
fn every_truncation_of_one_token_per_profile_is_rejected() {
    let v = Value::Dict(
        [("user_id".to_owned(), Value::from(42i64))]
            .into_iter()
            .collect(),
    );
    let mut checked = 0;
    for (p, codec) in codecs() {
        let token = token_for(p, codec, &v, "hello world");
        assert!(codec.verify_text(&token, None, now()).is_ok());
        for cut in 0..token.len() {
            assert!(
                codec.verify_text(&token[..cut], None, now()).is_err(),
                "{}: {}",
                label(p),
                &token[..cut]
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

// ---------------------------------------------------------------------------------------------
// Key rotation

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_retired_key_is_rejected_and_accepted_as_a_fallback(
        old in "\\PC{1,24}", new in "\\PC{1,24}", v in value(), raw in any::<String>(),
    ) {
        prop_assume!(old != new);
        for mut p in profiles() {
            if !p.key_rotation {
                // Versions without rotation refuse fallback keys rather than accept tokens
                // the Python app would reject.
                let err = Codec::new(&p, Keys::new(new.as_str()).with_fallbacks([old.as_str()]));
                prop_assert!(matches!(err, Err(ConfigError::Unsupported(_))), "{}", label(&p));
                p.key_rotation = true;
            }
            let signed_old = Codec::new(&p, Keys::new(old.as_str())).unwrap();
            let new_only = Codec::new(&p, Keys::new(new.as_str())).unwrap();
            let rotated =
                Codec::new(&p, Keys::new(new.as_str()).with_fallbacks([old.as_str()])).unwrap();
            let token = token_for(&p, &signed_old, &v, &raw);
            let err = new_only.verify_text(&token, None, now()).unwrap_err();
            prop_assert_eq!(err.kind(), ErrorKind::BadSignature, "{}", label(&p));
            let ok = rotated.verify_text(&token, None, now()).unwrap();
            prop_assert_eq!(ok.verified_by.key_index, 1, "{}", label(&p));
            prop_assert!(ok.verified_by.is_fallback());
            prop_assert_eq!(&ok.text, &signed_old.verify_text(&token, None, now()).unwrap().text);
            // The rotated codec signs with the new key only.
            let fresh = rotated.sign_text(&ok.text, now()).unwrap();
            prop_assert!(new_only.verify_text(&fresh, None, now()).is_ok());
            prop_assert!(signed_old.verify_text(&fresh, None, now()).is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Profiles and salts

/// The (salt, secret prefix, algorithm, separator) a profile signs with.
fn signs_with(p: &Profile) -> (String, String, Algorithm, char) {
    (
        p.salt.clone(),
        p.secret_prefix.clone(),
        p.algorithm,
        p.separator,
    )
}

/// Whether `b` accepts signatures made the way `a` makes them: same separator, and `a`'s salt,
/// prefix and algorithm among those `b` verifies with. Such pairs share tokens by design (Flask
/// 3.1 and 1.1; Django 2.2 tokens under 3.2's SHA-1 fallback; timed and untimed itsdangerous
/// signers with the same salt, where Python too reads `value.timestamp` as an untimed value).
fn signs_alike(a: &Profile, b: &Profile) -> bool {
    let (salt, prefix, alg, sep) = signs_with(a);
    sep == b.separator
        && prefix == b.secret_prefix
        && std::iter::once(&b.salt)
            .chain(&b.fallback_salts)
            .any(|s| *s == salt)
        && std::iter::once(&b.algorithm)
            .chain(&b.legacy_algorithms)
            .any(|x| *x == alg)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn tokens_never_verify_under_another_profile(v in value(), raw in any::<String>()) {
        let all = codecs();
        let mut crossed = 0;
        for (a, codec_a) in all {
            let token = token_for(a, codec_a, &v, &raw);
            for (b, codec_b) in all {
                if std::ptr::eq(a, b) || signs_alike(a, b) {
                    continue;
                }
                prop_assert!(codec_b.verify_text(&token, None, now()).is_err(),
                    "a {} token verifies under {}", label(a), label(b));
                crossed += 1;
            }
        }
        prop_assert!(crossed > 900, "{crossed}");
    }

    #[test]
    fn tokens_never_verify_under_another_salt(
        s1 in "\\PC{1,30}", s2 in "\\PC{1,30}", v in value(), raw in any::<String>(),
    ) {
        for p in profiles() {
            if matches!(p.payload, Payload::DjangoSessionRow { write_legacy: true, .. }) {
                // Django 2.2 writes legacy rows, whose MAC has a fixed salt of its own.
                continue;
            }
            let (mut p1, mut p2) = (p.clone(), p.clone());
            p1.set_salt(&s1);
            p2.set_salt(&s2);
            if p1.salt == p2.salt {
                continue;
            }
            let c1 = Codec::new(&p1, Keys::new(KEY)).unwrap();
            let c2 = Codec::new(&p2, Keys::new(KEY)).unwrap();
            let token = token_for(&p1, &c1, &v, &raw);
            prop_assert!(c1.verify_text(&token, None, now()).is_ok());
            if p2.fallback_salts.contains(&p1.salt) {
                continue;
            }
            prop_assert!(c2.verify_text(&token, None, now()).is_err(),
                "{}: salt {:?} token verifies under {:?}", label(&p), p1.salt, p2.salt);
        }
    }
}

#[test]
fn the_profiles_that_sign_alike_are_only_the_expected_ones() {
    let all = profiles();
    let mut alike = std::collections::BTreeSet::new();
    for a in &all {
        for b in &all {
            if a.name != b.name && signs_alike(a, b) {
                alike.insert((a.name, b.name));
            }
        }
    }
    // Across names, only the timed and untimed itsdangerous serializers (same salt and key) and
    // the itsdangerous signers with Starlette (which signs with itsdangerous' default signer).
    let expected = [
        ("itsdangerous", "itsdangerous-untimed"),
        ("itsdangerous-signer", "itsdangerous-signer-untimed"),
        ("itsdangerous-signer", "starlette"),
        ("itsdangerous-signer-untimed", "starlette"),
    ];
    let expected: std::collections::BTreeSet<_> = expected
        .iter()
        .flat_map(|&(a, b)| [(a, b), (b, a)])
        .collect();
    assert_eq!(alike, expected);
}

// ---------------------------------------------------------------------------------------------
// No panics

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics_any_profile(token in "\\PC{0,80}|[.:A-Za-z0-9_=-]{0,120}") {
        for (p, codec) in codecs() {
            let _ = codec.verify_text(&token, p.default_max_age, now());
            if !is_raw(p) {
                let _ = p.loads_unverified(&token);
            }
        }
        let _ = signed_cookie::inspect::inspect(&token);
    }
}
