//! Flask's tagged JSON: `tagged::untag` over whatever the JSON reader accepts, for both tag
//! schemes, and `tag` on whatever untags.
//!
//! Layout: `[scheme] text…`. scheme: bit 0 Flask 0.10–0.12 rather than Flask ≥ 1.0.
//!
//! Checked: a value that untags is tagged and written again, and that text untags to the same
//! value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::json::{from_str, from_value, to_string, JsonStyle, Limits};
use signed_cookie::tagged::{tag, untag, TagScheme};
use signed_cookie_fuzz::{has_unwritable_datetime, same, text, Cursor};

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let scheme = if input.u8() & 1 == 0 {
        TagScheme::Flask
    } else {
        TagScheme::Flask012
    };
    let limits = Limits::default();
    let Ok(json) = from_str(&text(input.rest()), &limits) else {
        return;
    };
    let Ok(value) = untag(json, scheme) else {
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
