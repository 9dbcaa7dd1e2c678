//! Arbitrary value → sign → verify returns the same value, for every profile and compat.
//!
//! The value is built by `arbitrary` from the input (any Python kind the crate models, nested
//! up to 12 deep). Plain-JSON dialects give tuples back as lists and Markup as str, and refuse
//! bytes, UUIDs and datetimes (as Python's `json.dumps` does); Flask's tagged JSON keeps every
//! kind, except that Flask 0.10–0.12 reads a one-key dict with a tag key as the tagged value (as
//! it does itself). Raw-string profiles round-trip the value's text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::codec::Codec;
use signed_cookie::profile::{Compat, Dialect, Payload};
use signed_cookie::Error;
use signed_cookie_fuzz::{
    at, entries, has_ambiguous_tag_dict, has_unwritable_datetime, label, plain_form, same,
    ArbValue, GOLDEN_NOW,
};

fuzz_target!(|input: (u8, ArbValue, String)| {
    let (which, ArbValue(value), raw) = input;
    let all = entries();
    let e = &all[usize::from(which) % all.len()];
    let now = at(GOLDEN_NOW);
    match (&e.codec, e.profile.payload) {
        (Codec::Raw { .. }, _) => {
            let token = e.codec.sign_text(&raw, now).expect("raw strings sign");
            let back = e
                .codec
                .verify_text(&token, e.profile.default_max_age, now)
                .unwrap_or_else(|err| panic!("{}: {err}", label(e)));
            assert_eq!(back.text, raw, "{}", label(e));
        }
        (_, payload) => {
            let s = e.serializer.as_ref().expect("serializer");
            let flask = matches!(
                payload,
                Payload::Json {
                    dialect: Dialect::Flask | Dialect::Flask012,
                    ..
                }
            );
            let expected = if flask {
                (!has_unwritable_datetime(&value)).then(|| value.clone())
            } else {
                plain_form(&value)
            };
            let (token, expected) = match (s.dumps_value_at(&value, now), expected) {
                (Ok(t), Some(x)) => (t, x),
                (Err(Error::Serialize(_)), None) => return,
                (got, expected) => {
                    panic!("{}: dumps gave {got:?}, expected {expected:?}", label(e))
                }
            };
            if e.profile.compat == Compat::Flask012 && has_ambiguous_tag_dict(&value) {
                // Flask 0.12 reads such a dict as a tag, or fails on it, as Flask itself does.
                return;
            }
            let loaded = s
                .loads_value_at(&token, e.profile.default_max_age, now)
                .unwrap_or_else(|err| panic!("{}: {err} for {token}", label(e)));
            assert!(
                same(&loaded.value, &expected),
                "{}: {value:?} came back as {:?}",
                label(e),
                loaded.value
            );
            if let Codec::SessionRow(rows) = &e.codec {
                let row = rows.encode(&value, now).expect("row encodes");
                assert!(same(
                    &rows.decode(&row).expect("row decodes").value,
                    &expected
                ));
            }
        }
    }
});
