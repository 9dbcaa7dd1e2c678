//! Hard limits on hostile tokens, each configurable and each tested here: the longest token,
//! the largest inflated payload (a signed zlib bomb, with the memory it costs measured by a
//! counting allocator), the JSON nesting depth (with a ceiling, so recursion is bounded whatever
//! is configured) and the integer length. Also the regression tests for what fuzzing found.
//!
//! Memory is measured per thread: this binary's global allocator counts the bytes each thread
//! has live and the peak since a mark, so tests running in parallel do not disturb each other.

use signed_cookie::codec::Codec;
use signed_cookie::encoding::{base64url_encode, zlib_decompress, DecodeError};
use signed_cookie::inspect::inspect_with_limits;
use signed_cookie::json::{self, Limits, Value, MAX_WRITE_DEPTH};
use signed_cookie::profile::Profile;
use signed_cookie::serializer::{DecodeLimits, Serializer};
use signed_cookie::{Error, Keys, PayloadFault, SignatureFault};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------------
// Counting allocator

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    // `try_with`: thread-local storage may already be gone while a thread exits.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now)
            }
        });
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters change.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            track(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as a new block before the old one is freed: an upper bound of the peak.
            track(new_size as isize);
            track(-(layout.size() as isize));
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the peak of bytes this thread had allocated on top of
/// what was live before.
fn peak_bytes<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get) - base;
    (out, peak.max(0) as usize)
}

// ---------------------------------------------------------------------------------------------
// Helpers

const MIB: usize = 1 << 20;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// A valid zlib stream that inflates to `mib` MiB of zeros, a few hundred bytes per MiB.
///
/// One MiB of zeros is deflated once and flushed to a byte boundary (a sync flush), then that
/// chunk is repeated: its back-references only ever reach zeros, so each copy inflates to
/// another MiB. A final empty block and the Adler-32 of the whole output close the stream.
fn zlib_bomb(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut deflate = Compress::new(Compression::best(), false);
    let mut chunk = Vec::with_capacity(64 * 1024);
    deflate
        .compress_vec(&vec![0u8; MIB], &mut chunk, FlushCompress::Sync)
        .unwrap();
    assert_eq!(deflate.total_in(), MIB as u64);
    let mut bomb = vec![0x78, 0x9c];
    for _ in 0..mib {
        bomb.extend_from_slice(&chunk);
    }
    // Final fixed-Huffman block holding only end-of-block.
    bomb.extend_from_slice(&[0x03, 0x00]);
    // Adler-32 of n zeros: a = 1, b = n mod 65521.
    let b = ((mib * MIB) % 65521) as u32;
    bomb.extend_from_slice(&((b << 16) | 1).to_be_bytes());
    bomb
}

/// A correctly signed Flask token (the key is `k`) whose payload is the given zlib stream.
fn signed_bomb(serializer: &Serializer, deflated: &[u8]) -> String {
    let payload = format!(".{}", base64url_encode(deflated));
    serializer.signer().sign_at(&payload, t0())
}

/// A correctly signed token whose payload is the given JSON text (uncompressed).
fn signed_json(serializer: &Serializer, json_text: &str) -> String {
    serializer
        .signer()
        .sign_at(&base64url_encode(json_text.as_bytes()), t0())
}

fn flask(limits: DecodeLimits) -> Serializer {
    Profile::flask()
        .serializer("k")
        .unwrap()
        .with_limits(limits)
}

/// `n` letters that zlib cannot shrink (Flask would compress a run of one letter).
fn incompressible(n: usize) -> String {
    let mut x: u32 = 0x9E37_79B9;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect()
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn is_too_large(e: &Error) -> bool {
    matches!(
        e,
        Error::BadPayload(PayloadFault::Zlib(DecodeError::TooLarge { .. }))
    )
}

fn is_too_long(e: &Error) -> bool {
    matches!(
        e,
        Error::BadSignature {
            fault: SignatureFault::TooLong { .. },
            ..
        }
    )
}

fn is_too_deep(e: &Error, expected_limit: usize) -> bool {
    matches!(
        e,
        Error::BadPayload(PayloadFault::Json(json::Error::TooDeep { limit })) if *limit == expected_limit
    )
}

// ---------------------------------------------------------------------------------------------
// Decompressed size

#[test]
fn the_zlib_bomb_is_a_valid_stream() {
    let bomb = zlib_bomb(4);
    let out = zlib_decompress(&bomb, 4 * MIB).unwrap();
    assert_eq!(out.len(), 4 * MIB);
    assert!(out.iter().all(|&b| b == 0));
    // Over a thousand to one: 256 MiB fits in a cookie-sized token.
    assert!(zlib_bomb(256).len() < 300 * 1024);
}

#[test]
fn a_signed_zlib_bomb_is_refused_in_bounded_memory() {
    let serializer = flask(DecodeLimits::default());
    let bomb = zlib_bomb(256);
    let token = signed_bomb(&serializer, &bomb);
    assert!(token.len() < DecodeLimits::default().max_token_len);
    let (result, peak) = peak_bytes(|| serializer.loads_value_at(&token, None, t0()));
    let err = result.unwrap_err();
    assert!(is_too_large(&err), "{err}");
    // The inflate buffer stops at the limit (1 MiB); add the decoded base64 and the slack of
    // one buffer growth. 256 MiB would be inflated without the limit.
    let bound = 3 * MIB + token.len();
    println!(
        "256 MiB bomb, {} byte token, limit 1 MiB: peak {peak} bytes (bound {bound})",
        token.len()
    );
    assert!(peak < bound, "peak {peak} bytes");
}

#[test]
fn bomb_memory_follows_the_configured_limit_not_the_bomb() {
    let limits = DecodeLimits {
        max_decompressed: 64 * 1024,
        ..DecodeLimits::default()
    };
    let serializer = flask(limits);
    let mut peaks = Vec::new();
    for mib in [16, 256] {
        let token = signed_bomb(&serializer, &zlib_bomb(mib));
        let (result, peak) = peak_bytes(|| serializer.loads_value_at(&token, None, t0()));
        assert!(is_too_large(&result.unwrap_err()));
        let bound = 3 * limits.max_decompressed + token.len() + 128 * 1024;
        println!(
            "{mib} MiB bomb, {} byte token, limit 64 KiB: peak {peak} bytes",
            token.len()
        );
        assert!(peak < bound, "{mib} MiB bomb: peak {peak} bytes");
        peaks.push(peak);
    }
    // A bomb sixteen times larger costs no more than its larger token.
    assert!(peaks[1] < peaks[0] + 400 * 1024, "{peaks:?}");
}

#[test]
fn an_unsigned_bomb_is_never_inflated_and_keyless_reads_are_bounded() {
    let serializer = flask(DecodeLimits::default());
    let bomb = zlib_bomb(256);
    let forged = format!(".{}.ZVPxAA.forged-signature", base64url_encode(&bomb));
    // Verified loading: the signature fails before anything is decoded.
    let (result, peak) = peak_bytes(|| serializer.loads_value_at(&forged, None, t0()));
    assert_eq!(
        result.unwrap_err().kind(),
        signed_cookie::ErrorKind::BadSignature
    );
    println!("forged bomb, verified load: peak {peak} bytes");
    assert!(peak < forged.len() + 64 * 1024, "peak {peak} bytes");
    // Keyless reads decode without a signature, within the same limits.
    let (result, peak) = peak_bytes(|| serializer.loads_unverified(&forged));
    assert!(is_too_large(&result.unwrap_err()));
    println!("forged bomb, loads_unverified: peak {peak} bytes");
    assert!(peak < 3 * MIB + forged.len(), "peak {peak} bytes");
    let (seen, peak) = peak_bytes(|| inspect_with_limits(&forged, MIB, MIB));
    assert_eq!(seen.format, "raw");
    println!("forged bomb, inspect: peak {peak} bytes");
    assert!(peak < 3 * MIB + 2 * forged.len(), "peak {peak} bytes");
}

/// Regression (fuzz target `encoding`, fuzz/regressions/encoding/): `zlib_decompress_into`
/// sized its first buffer with `clamp(64, limit)`, which panics when the limit is below 64.
#[test]
fn zlib_limit_below_64_bytes_panicked_in_clamp() {
    // The input the fuzzer found: a 7-byte non-stream with a limit of 0.
    assert!(zlib_decompress(&[0, 0, 0, 0, 0x53, 0xf6, 0], 0).is_err());
    let small = signed_cookie::encoding::zlib_compress(b"0123456789");
    for limit in 0..64 {
        match zlib_decompress(&small, limit) {
            Ok(out) => {
                assert!(limit >= 10);
                assert_eq!(out, b"0123456789");
            }
            Err(e) => {
                assert!(limit < 10);
                assert_eq!(e, DecodeError::TooLarge { limit });
            }
        }
    }
    // Through a serializer configured with a tiny limit.
    let s = flask(DecodeLimits {
        max_decompressed: 1,
        ..DecodeLimits::default()
    });
    let token = signed_bomb(&s, &small);
    assert!(is_too_large(
        &s.loads_value_at(&token, None, t0()).unwrap_err()
    ));
}

/// Regression (fuzz target `encoding`, fuzz/regressions/encoding/): `base62_encode(i64::MIN)`
/// wrote `-AzL8n0Y58m8`, which `base62_decode` refused (it negated a positive accumulator,
/// and 2^63 does not fit an i64).
#[test]
fn base62_i64_min_did_not_round_trip() {
    use signed_cookie::encoding::{base62_decode, base62_encode};
    assert_eq!(base62_encode(i64::MIN), "-AzL8n0Y58m8");
    assert_eq!(base62_decode("-AzL8n0Y58m8"), Ok(i64::MIN));
    for n in [i64::MIN, i64::MIN + 1, -62, -1, 0, 1, 61, 62, i64::MAX] {
        assert_eq!(base62_decode(&base62_encode(n)), Ok(n));
    }
    // One past either end is still refused, not wrapped.
    assert!(base62_decode("-AzL8n0Y58m9").is_err());
    assert!(base62_decode("AzL8n0Y58m8").is_err());
    assert_eq!(base62_decode("AzL8n0Y58m7"), Ok(i64::MAX));
}

// ---------------------------------------------------------------------------------------------
// Token length

#[test]
fn token_length_is_limited_on_every_path_before_any_work() {
    let limit = 200;
    let limits = DecodeLimits {
        max_token_len: limit,
        ..DecodeLimits::default()
    };
    let now = t0();
    for (name, compat) in [
        ("flask", None),
        ("itsdangerous-signer", None),
        ("django-signer", None),
        ("django-db", Some("django-3.2")),
        ("starlette", None),
    ] {
        let profile = Profile::lookup(name, compat).unwrap();
        let codec = Codec::new(&profile, Keys::new("k"))
            .unwrap()
            .with_limits(limits);
        // Grow a valid token until it crosses the limit: at the limit it verifies, past it
        // the same kind of valid token is refused as too long.
        let mut at_limit = None;
        let mut over = None;
        for n in 0..400 {
            let text = if matches!(profile.payload, signed_cookie::profile::Payload::Raw) {
                incompressible(n)
            } else {
                format!(r#"{{"k":"{}"}}"#, incompressible(n))
            };
            let token = codec.sign_text(&text, now).unwrap();
            if token.len() <= limit {
                at_limit = Some(token);
            } else {
                over = Some(token);
                break;
            }
        }
        let (at_limit, over) = (at_limit.unwrap(), over.unwrap());
        assert!(codec.verify_text(&at_limit, None, now).is_ok(), "{name}");
        let err = codec.verify_text(&over, None, now).unwrap_err();
        assert!(is_too_long(&err), "{name}: {err}");
    }
    // Keyless inspection has its own bound.
    let token = "eyJhIjoxfQ.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI";
    assert_eq!(
        inspect_with_limits(token, token.len(), MIB).format,
        "itsdangerous"
    );
    assert_eq!(
        inspect_with_limits(token, token.len() - 1, MIB).payload_unverified,
        ""
    );
}

#[test]
fn the_default_token_limit_is_one_mebibyte() {
    let profile = Profile::lookup("django-signer", None).unwrap();
    let codec = Codec::new(&profile, Keys::new("k")).unwrap();
    let now = t0();
    let big = codec.sign_text(&"x".repeat(MIB), now).unwrap();
    assert!(big.len() > MIB);
    assert!(is_too_long(
        &codec.verify_text(&big, None, now).unwrap_err()
    ));
    let fits = codec.sign_text(&"x".repeat(MIB - 100), now).unwrap();
    assert!(codec.verify_text(&fits, None, now).is_ok());
}

// ---------------------------------------------------------------------------------------------
// JSON nesting and recursion

#[test]
fn json_nesting_is_limited_by_default_and_configurably() {
    let s = flask(DecodeLimits::default());
    let ok = signed_json(&s, &nested(128));
    assert!(s.loads_value_at(&ok, None, t0()).is_ok());
    let deep = signed_json(&s, &nested(129));
    let err = s.loads_value_at(&deep, None, t0()).unwrap_err();
    assert!(is_too_deep(&err, 128), "{err}");

    let shallow = DecodeLimits {
        json: Limits {
            max_depth: 4,
            ..Limits::default()
        },
        ..DecodeLimits::default()
    };
    let s = flask(shallow);
    assert!(s
        .loads_value_at(&signed_json(&s, &nested(4)), None, t0())
        .is_ok());
    let err = s
        .loads_value_at(&signed_json(&s, &nested(5)), None, t0())
        .unwrap_err();
    assert!(is_too_deep(&err, 4), "{err}");
}

#[test]
fn recursion_is_bounded_whatever_depth_is_configured() {
    // Even "unlimited" parses at most MAX_WRITE_DEPTH levels: a million-level document is
    // refused without exhausting the stack of this (2 MiB) test thread.
    let unlimited = DecodeLimits {
        json: Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        },
        ..DecodeLimits::default()
    };
    assert_eq!(MAX_WRITE_DEPTH, 512);
    let s = flask(unlimited);
    let hostile = "[{\" t\":".repeat(100_000);
    let err = s
        .loads_value_at(&signed_json(&s, &hostile), None, t0())
        .unwrap_err();
    assert!(is_too_deep(&err, MAX_WRITE_DEPTH), "{err}");
    let err = json::from_str(&nested(1_000_000), &unlimited.json).unwrap_err();
    assert!(matches!(err, json::Error::TooDeep { limit: 512 }), "{err}");

    // At the ceiling everything still works, tags included: parse, untag, tag, write, drop.
    let mut text = String::from("0");
    for _ in 0..MAX_WRITE_DEPTH / 2 {
        text = format!("{{\" t\":[{text}]}}");
    }
    let token = signed_json(&s, &text);
    let loaded = s.loads_value_at(&token, None, t0()).unwrap();
    assert!(matches!(loaded.value, Value::Tuple(_)));
    assert_eq!(s.json_text(&loaded.value).unwrap(), text);
}

#[test]
fn integer_literals_are_limited_as_python_limits_them() {
    let s = flask(DecodeLimits::default());
    let ok = signed_json(&s, &"7".repeat(4300));
    assert!(s.loads_value_at(&ok, None, t0()).is_ok());
    let long = signed_json(&s, &"7".repeat(4301));
    let err = s.loads_value_at(&long, None, t0()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BadPayload(PayloadFault::Json(json::Error::IntTooLong {
                digits: 4301,
                ..
            }))
        ),
        "{err}"
    );
    let s = flask(DecodeLimits {
        json: Limits {
            max_int_digits: 10,
            ..Limits::default()
        },
        ..DecodeLimits::default()
    });
    assert!(s
        .loads_value_at(&signed_json(&s, &"7".repeat(11)), None, t0())
        .is_err());
}
