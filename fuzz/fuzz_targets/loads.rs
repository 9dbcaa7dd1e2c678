//! Every profile's loads on hostile tokens: `Codec::verify_text` (what the CLI runs) and
//! `Serializer::loads_value_at`, for each of `Profile::NAMES` × compat.
//!
//! Layout: `[profile] [flags] token…`. profile: index into every (name, compat), modulo their
//! number. flags: bit 0 re-sign the token (so its timestamp and payload reach the decoders),
//! bit 1 apply the profile's default max age, bit 2 clock = golden time (else 2^31 s).
//!
//! Checked beyond "no panic": a token that loads gives JSON text that signs again and loads back
//! to the same text; the codec and the serializer agree on whether a token is good.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::codec::Codec;
use signed_cookie::Error;
use signed_cookie_fuzz::{at, entries, label, resign, text, Cursor, GOLDEN_NOW};

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let all = entries();
    let e = &all[usize::from(input.u8()) % all.len()];
    let flags = input.u8();
    let token = text(input.rest());
    let token = if flags & 1 != 0 {
        resign(e.signer.signer(), &token)
    } else {
        token.into_owned()
    };
    let max_age = if flags & 2 != 0 {
        e.profile.default_max_age
    } else {
        None
    };
    let now = at(if flags & 4 != 0 { GOLDEN_NOW } else { 1 << 31 });

    let verified = e.codec.verify_text(&token, max_age, now);
    if let Some(s) = &e.serializer {
        let loaded = s.loads_value_at(&token, max_age, now);
        if matches!(e.codec, Codec::Json(_)) {
            assert_eq!(
                verified.is_ok(),
                loaded.is_ok(),
                "{}: codec {verified:?} vs serializer {loaded:?}",
                label(e)
            );
            if let Ok(l) = &loaded {
                // A loaded value is always writable again in its own dialect.
                s.json_text(&l.value)
                    .unwrap_or_else(|err| panic!("{}: loaded but unwritable: {err}", label(e)));
            }
        }
        let _ = s.loads_unverified(&token);
    }
    match verified {
        Ok(v) => {
            // Sign the text again and read it back: the same text, as of the same clock.
            let again = e
                .codec
                .sign_text(&v.text, now)
                .unwrap_or_else(|err| panic!("{}: verified text does not sign: {err}", label(e)));
            let back = e
                .codec
                .verify_text(&again, None, now)
                .unwrap_or_else(|err| panic!("{}: re-signed token refused: {err}", label(e)));
            assert_eq!(back.text, v.text, "{}", label(e));
        }
        Err(Error::Serialize(err)) => panic!("{}: verify gave a serialize error: {err}", label(e)),
        Err(Error::Config(err)) => panic!("{}: verify gave a config error: {err}", label(e)),
        Err(_) => {}
    }
});
