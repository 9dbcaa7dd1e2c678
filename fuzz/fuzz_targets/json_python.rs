//! The Python-compatible JSON reader (`json::from_str`, `json::from_slice`) on hostile text, and
//! the writer on whatever it accepts.
//!
//! Layout: `[mode] text…`. mode: bit 0 bytes (`from_slice`, encoding detection) rather than
//! text, bit 1 a small nesting limit (8).
//!
//! Checked: whatever parses writes back in every style, and that text parses to the same value
//! and writes identically (a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::json::{from_slice, from_str, from_value, to_string, JsonStyle, Limits};
use signed_cookie_fuzz::{same, text, Cursor};

const STYLES: [JsonStyle; 4] = [
    JsonStyle::FLASK,
    JsonStyle::ITSDANGEROUS,
    JsonStyle::DJANGO,
    JsonStyle::PYTHON_DEFAULT,
];

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let mode = input.u8();
    let rest = input.rest();
    let limits = if mode & 2 != 0 {
        Limits {
            max_depth: 8,
            ..Limits::default()
        }
    } else {
        Limits::default()
    };
    let parsed = if mode & 1 != 0 {
        from_slice(rest, &limits)
    } else {
        from_str(&text(rest), &limits)
    };
    let Ok(value) = parsed else { return };
    for style in &STYLES {
        let written = to_string(&value, style).expect("a parsed value is writable");
        let again = from_str(&written, &limits).expect("written JSON parses");
        assert!(same(&value, &again), "{written}");
        assert_eq!(to_string(&again, style).expect("writable"), written);
    }
    // The serde bridge and Display never panic.
    let _ = from_value::<serde_json::Value>(value.clone());
    let _ = value.to_string();
});
