//! `TimestampSigner::unsign_at` on hostile tokens: both timestamp formats and epochs, every set
//! of age rules, any max age and clock.
//!
//! Layout: `[config] [flags] [max_age: u32] [now: u32] token…`. config: bits 0–1 format
//! (bytes/epoch 0, bytes/epoch 2011, base62), bits 2–3 age rules, bit 4 `as_datetime`, bit 5
//! separator. flags: bit 0 re-sign, bit 1 apply the max age, bit 2 clock = golden time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::{
    AgeRules, Digest, Error, Signer, TimestampFormat, TimestampSigner, ITSDANGEROUS_0_24_EPOCH,
};
use signed_cookie_fuzz::{at, resign, text, Cursor, GOLDEN_NOW};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let config = input.u8();
    let flags = input.u8();
    let max_age = input.u32();
    let now = input.u32();
    let token = text(input.rest());
    let format = match config & 3 {
        0 => TimestampFormat::ITSDANGEROUS,
        1 => TimestampFormat::Bytes {
            epoch: ITSDANGEROUS_0_24_EPOCH,
        },
        _ => TimestampFormat::Base62,
    };
    let rules = match config >> 2 & 3 {
        0 => AgeRules::ITSDANGEROUS_2,
        1 => AgeRules::ITSDANGEROUS_1,
        _ => AgeRules::DJANGO,
    };
    let rules = if config & 0x10 != 0 {
        rules.with_datetime()
    } else {
        rules
    };
    let sep = if config & 0x20 == 0 { '.' } else { ':' };
    let digest = if sep == ':' {
        Digest::Sha256
    } else {
        Digest::Sha1
    };
    let signer = Signer::builder("golden-secret-key")
        .salt(if sep == ':' {
            "django.core.signing.TimestampSigner"
        } else {
            "itsdangerous.Signer"
        })
        .digest(digest)
        .separator(sep)
        .build()
        .expect("signer");
    let ts = TimestampSigner::new(signer, format, rules);
    let token = if flags & 1 != 0 {
        resign(ts.signer(), &token)
    } else {
        token.into_owned()
    };
    let max_age = (flags & 2 != 0).then(|| Duration::from_secs(u64::from(max_age)));
    let now = at(if flags & 4 != 0 {
        GOLDEN_NOW
    } else {
        u64::from(now)
    });
    match ts.unsign_at(&token, max_age, now) {
        Ok(v) => {
            // value SEP timestamp SEP signature, and the timestamp is what the field says.
            let (signed, _) = token.rsplit_once(sep).expect("separator");
            let (value, field) = signed.rsplit_once(sep).expect("timestamp separator");
            assert_eq!(v.value, value);
            assert_eq!(format.decode(field), Some(v.timestamp));
            if let Some(max) = max_age {
                let age = now
                    .duration_since(at(0))
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0)
                    - v.timestamp as f64;
                assert!(age <= max.as_secs_f64() + 1.0, "accepted at age {age}");
                if rules.reject_future {
                    assert!(age > -1.0, "accepted from the future: {age}");
                }
            }
        }
        Err(Error::BadSignature { .. }) => assert!(flags & 1 == 0, "re-signed token refused"),
        Err(Error::BadTimeSignature { payload, .. }) => {
            assert!(token.starts_with(payload.as_str()))
        }
        Err(Error::SignatureExpired {
            payload,
            age_seconds,
            max_age_seconds,
            ..
        }) => {
            assert!(max_age.is_some());
            assert!(token.starts_with(payload.as_str()));
            assert!(age_seconds > max_age_seconds || age_seconds < 0.0);
        }
        Err(other) => panic!("unsign_at gave {other:?}"),
    }
});
