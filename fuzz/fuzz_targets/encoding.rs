//! The byte decoders: strict base64url and base64, base62, big-endian integers, timestamps,
//! bounded zlib, Python's lenient `b64decode` and HTTP dates.
//!
//! Layout: `[which] [limit: u32] data…`. which: the decoder (modulo 9; 8 is the compressor);
//! limit: the zlib output limit, modulo 2^20 + 1 (small limits included).
//!
//! Checked: the strict decoders accept only canonical text (encode ∘ decode = identity), every
//! integer decoder inverts its encoder, and zlib never returns more than its limit, with a reused
//! inflater giving the same answer as a fresh one. The crate's own deflate (used to sign inputs
//! of up to 16 000 bytes) writes exactly the bytes of a fresh C zlib stream at level 6, as
//! Python's `zlib.compress` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::encoding::*;
use signed_cookie::tagged::{http_date, parse_http_date, py_b64decode};
use signed_cookie::TimestampFormat;
use signed_cookie_fuzz::{text, Cursor};
use std::cell::RefCell;

thread_local! {
    static INFLATER: RefCell<Inflater> = const { RefCell::new(Inflater::new()) };
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let which = input.u8();
    let limit = (input.u32() % ((1 << 20) + 1)) as usize;
    let rest = input.rest();
    match which % 9 {
        0 => {
            if let Ok(decoded) = base64url_decode(rest) {
                assert_eq!(base64url_encode(&decoded).as_bytes(), rest);
                let mut buf = vec![0u8; decoded.len()];
                assert_eq!(
                    base64url_decode_slice(rest, &mut buf).ok(),
                    Some(decoded.len())
                );
                assert_eq!(buf, decoded);
            }
            let mut small = [0u8; 8];
            let _ = base64url_decode_slice(rest, &mut small);
            let mut v = vec![1, 2, 3];
            assert_eq!(
                base64url_decode_into(rest, &mut v).is_ok(),
                base64url_decode(rest).is_ok()
            );
        }
        1 => {
            if let Ok(decoded) = base64_decode(rest) {
                assert_eq!(base64_encode(&decoded).as_bytes(), rest);
            }
        }
        2 => {
            let t = text(rest);
            if let Ok(n) = base62_decode(&t) {
                assert_eq!(base62_decode(&base62_encode(n)).ok(), Some(n));
            }
            if let Some(n) = rest.get(..8) {
                let n = i64::from_be_bytes(n.try_into().expect("8 bytes"));
                assert_eq!(base62_decode(&base62_encode(n)).ok(), Some(n));
            }
        }
        3 => {
            if let Ok(n) = bytes_to_int(rest) {
                let canonical = rest
                    .iter()
                    .position(|&b| b != 0)
                    .map_or(&[][..], |i| &rest[i..]);
                assert_eq!(int_to_bytes(n).as_ref(), canonical);
            }
            for format in [
                TimestampFormat::ITSDANGEROUS,
                TimestampFormat::Bytes {
                    epoch: 1_293_840_000,
                },
                TimestampFormat::Base62,
            ] {
                if let Some(t) = format.decode(&text(rest)) {
                    let _ = format.encode(t);
                }
            }
        }
        4 | 5 => {
            let fresh = zlib_decompress(rest, limit);
            if let Ok(out) = &fresh {
                assert!(out.len() <= limit);
            }
            let mut out = Vec::new();
            let reused =
                INFLATER.with(|i| zlib_decompress_into(&mut i.borrow_mut(), rest, limit, &mut out));
            assert_eq!(reused.is_ok(), fresh.is_ok());
            if let Ok(f) = fresh {
                assert_eq!(f, out);
                // What inflates re-compresses and inflates to the same bytes.
                assert_eq!(zlib_decompress(&zlib_compress(&f), limit).ok(), Some(f));
            }
        }
        6 => {
            let _ = py_b64decode(rest);
        }
        8 => {
            use std::io::Write;
            let ours = zlib_compress(rest);
            let mut c_zlib =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
            c_zlib.write_all(rest).expect("write to a Vec");
            let theirs = c_zlib.finish().expect("finish into a Vec");
            assert!(
                ours == theirs,
                "deflate differs from C zlib for {} bytes",
                rest.len()
            );
            assert_eq!(
                zlib_decompress(&ours, rest.len()).ok().as_deref(),
                Some(rest)
            );
        }
        _ => {
            if let Some(t) = parse_http_date(&text(rest)) {
                let _ = http_date(t);
            }
            if let Some(n) = rest.get(..8) {
                let _ = http_date(i64::from_be_bytes(n.try_into().expect("8 bytes")));
            }
        }
    }
});
