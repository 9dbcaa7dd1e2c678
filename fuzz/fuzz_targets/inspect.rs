//! Keyless reading: `inspect::inspect` and every JSON profile's `loads_unverified`, on hostile
//! tokens. Nothing here checks a signature, so every byte reaches the decoders.
//!
//! Layout: `token…`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::inspect::inspect;
use signed_cookie_fuzz::{entries, text};

fuzz_target!(|data: &[u8]| {
    let token = text(data);
    let seen = inspect(&token);
    assert_eq!(seen.timed, seen.timestamp_unverified.is_some());
    if seen.compressed {
        assert_ne!(seen.format, "raw");
    }
    for e in entries() {
        if let Some(s) = &e.serializer {
            let _ = s.loads_unverified(&token);
        }
    }
});
