//! Flask's tagged JSON: `tagged::untag` over whatever the JSON reader accepts, for both tag
//! schemes, and `tag` on whatever untags.
//!
//! Layout: `[scheme] text…`. scheme: bit 0 Flask 0.10–0.12 rather than Flask ≥ 1.0.
//!
//! Checked: Flask's serializer (which untags as the reader closes each object) loads exactly
//! what untagging the parsed tree gives, value or error; a value that untags is tagged and
//! written again, and that text untags to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::json::{from_str, from_value, to_string, JsonStyle, Limits};
use signed_cookie::serializer::{FlaskTaggedJson, JsonDialect};
use signed_cookie::tagged::{tag, untag, TagScheme};
use signed_cookie::PayloadFault;
use signed_cookie_fuzz::{has_unwritable_datetime, same, text, Cursor};

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let scheme = if input.u8() & 1 == 0 {
        TagScheme::Flask
    } else {
        TagScheme::Flask012
    };
    let limits = Limits::default();
    let text = text(input.rest());
    let after_parsing = from_str(&text, &limits).and_then(|json| untag(json, scheme));
    let while_parsing = FlaskTaggedJson { scheme }.load(text.as_bytes(), &limits);
    match (&after_parsing, &while_parsing) {
        (Ok(a), Ok(b)) => assert!(same(a, b), "{text:?}: {a:?} vs {b:?}"),
        (Err(a), Err(PayloadFault::Json(b))) => {
            assert_eq!(a.to_string(), b.to_string(), "{text:?}")
        }
        _ => panic!("{text:?}: {after_parsing:?} vs {while_parsing:?}"),
    }
    let Ok(value) = after_parsing else {
        return;
    };
    let _ = value.to_string();
    let _ = from_value::<serde_json::Value>(value.clone());
    let tagged = match tag(&value, scheme) {
        Ok(t) => t,
        Err(err) => {
            assert!(
                has_unwritable_datetime(&value),
                "untagged but cannot tag: {err}"
            );
            return;
        }
    };
    let written = to_string(&tagged, &JsonStyle::FLASK).expect("tagged values write");
    let back = untag(
        from_str(&written, &limits).expect("written JSON parses"),
        scheme,
    )
    .expect("written tags untag");
    assert!(same(&value, &back), "{written}");
});
