//! Byte encodings shared by every format: URL-safe base64, integers as big-endian bytes, base62,
//! and bounded zlib.
//!
//! Decoding is strict: only the canonical form that the Python libraries write is accepted
//! (no padding, no `+/`, no junk characters, zero spare bits). itsdangerous' own decoder is more
//! lenient; `../shared/CLI.md` fixes this crate's choice, which matches Django's exact string
//! comparison of signatures.
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub use crate::inflate::{Inflater, ZlibError};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};
use std::io::Write;

// The hot paths (every token's payload, timestamp and signature) use `base64-simd`: 3-4x
// faster than `base64` on 20-1000 byte inputs, and as strict (no padding in base64url,
// canonical padding in standard base64, spare bits zero; checked against `base64` by
// `simd_codec_agrees_with_strict_base64` below). `base64` only words the error on failure.

/// URL-safe alphabet, no padding written, padding refused, spare bits must be zero.
const URL_SAFE_FAST: base64_simd::Base64 = base64_simd::URL_SAFE_NO_PAD;

/// Standard alphabet with `=` padding, canonical only (Starlette payloads, Flask's `" b"` tag,
/// Django's legacy session rows).
const STANDARD_FAST: base64_simd::Base64 = base64_simd::STANDARD;

/// The same rules as [`URL_SAFE_FAST`], to describe what is wrong with a refused input.
const URL_SAFE_STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// The same rules as [`STANDARD_FAST`], to describe what is wrong with a refused input.
const STANDARD_STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

/// The error for `data`, which the fast decoder refused: the strict `base64` decoder's words.
#[cold]
#[inline(never)]
fn base64_error(engine: &GeneralPurpose, data: &[u8]) -> DecodeError {
    DecodeError::Base64(match engine.decode(data) {
        Err(e) => e.to_string(),
        // Not expected (the decoders agree); refused all the same.
        Ok(_) => "not canonical base64".to_owned(),
    })
}

/// A byte string that is not canonical base64, base62 or zlib.
///
/// ```
/// use signed_cookie::encoding::{base62_decode, base64url_decode, zlib_decompress, DecodeError};
/// assert!(matches!(base64url_decode(b"a"), Err(DecodeError::Base64(_))));
/// assert_eq!(base62_decode("?"), Err(DecodeError::Base62));
/// let err = zlib_decompress(b"x", 100).unwrap_err();
/// assert_eq!(err.to_string(), "invalid zlib data: incomplete or truncated stream");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not canonical base64 of the expected alphabet.
    #[error("invalid base64: {0}")]
    Base64(String),
    /// Not base62 (`0-9A-Za-z`, optional leading `-`) or out of range.
    #[error("invalid base62 number")]
    Base62,
    /// A timestamp field longer than eight bytes.
    #[error("integer field is {0} bytes long, more than 8")]
    IntTooLong(usize),
    /// The zlib stream is corrupt or truncated.
    #[error("invalid zlib data: {0}")]
    Zlib(ZlibError),
    /// The zlib stream inflates past the configured limit.
    #[error("decompressed data exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in force.
        limit: usize,
    },
}

/// Encodes bytes as URL-safe base64 without padding, as itsdangerous and Django write it.
///
/// ```
/// assert_eq!(signed_cookie::encoding::base64url_encode(b"\xff\xfe"), "__4");
/// ```
pub fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::new();
    base64url_encode_into(data, &mut out);
    out
}

/// Appends URL-safe base64 of `data`, without padding, to `out`.
///
/// ```
/// let mut s = String::from("x.");
/// signed_cookie::encoding::base64url_encode_into(b"hi", &mut s);
/// assert_eq!(s, "x.aGk");
/// ```
pub fn base64url_encode_into(data: &[u8], out: &mut String) {
    URL_SAFE_FAST.encode_append(data, out)
}

/// URL-safe base64 of `data`, without padding, written at the start of `out`; empty if `out`
/// is too short.
pub(crate) fn base64url_encode_slice<'o>(data: &[u8], out: &'o mut [u8]) -> &'o [u8] {
    let len = URL_SAFE_FAST.encoded_length(data.len());
    match out.get_mut(..len) {
        Some(dst) => URL_SAFE_FAST.encode(data, base64_simd::Out::from_slice(dst)),
        None => &[],
    }
}

/// Decodes canonical URL-safe base64 without padding.
///
/// ```
/// use signed_cookie::encoding::base64url_decode;
/// assert_eq!(base64url_decode(b"__4").unwrap(), b"\xff\xfe");
/// assert!(base64url_decode(b"__4=").is_err()); // padding
/// assert!(base64url_decode(b"__5").is_err()); // spare bits set
/// ```
pub fn base64url_decode(data: &[u8]) -> Result<Vec<u8>, DecodeError> {
    URL_SAFE_FAST
        .decode_to_vec(data)
        .map_err(|_| base64_error(&URL_SAFE_STRICT, data))
}

/// Decodes canonical URL-safe base64 into `out` (cleared first), reusing its allocation.
///
/// ```
/// let mut buf = Vec::new();
/// signed_cookie::encoding::base64url_decode_into(b"aGk", &mut buf).unwrap();
/// assert_eq!(buf, b"hi");
/// ```
pub fn base64url_decode_into(data: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    out.clear();
    URL_SAFE_FAST
        .decode_append(data, out)
        .map_err(|_| base64_error(&URL_SAFE_STRICT, data))
}

/// Decodes canonical URL-safe base64 into a fixed buffer and returns the decoded length.
///
/// ```
/// let mut buf = [0u8; 8];
/// let n = signed_cookie::encoding::base64url_decode_slice(b"aGk", &mut buf).unwrap();
/// assert_eq!(&buf[..n], b"hi");
/// ```
pub fn base64url_decode_slice(data: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
    let len = URL_SAFE_FAST
        .decoded_length(data)
        .map_err(|_| base64_error(&URL_SAFE_STRICT, data))?;
    // `base64_simd` panics on a short output; say so as `base64` did.
    let Some(dst) = out.get_mut(..len) else {
        return Err(DecodeError::Base64("Output slice too small".to_owned()));
    };
    URL_SAFE_FAST
        .decode(data, base64_simd::Out::from_slice(dst))
        .map(|decoded| decoded.len())
        .map_err(|_| base64_error(&URL_SAFE_STRICT, data))
}

/// Encodes bytes as standard base64 with `=` padding.
///
/// ```
/// assert_eq!(signed_cookie::encoding::base64_encode(b"\x00\xff"), "AP8=");
/// ```
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    base64_encode_into(data, &mut out);
    out
}

/// Appends standard base64 of `data`, with `=` padding, to `out`.
///
/// ```
/// let mut s = String::from("x.");
/// signed_cookie::encoding::base64_encode_into(b"\xff", &mut s);
/// assert_eq!(s, "x./w==");
/// ```
pub fn base64_encode_into(data: &[u8], out: &mut String) {
    STANDARD_FAST.encode_append(data, out)
}

/// Decodes canonical standard base64 with `=` padding.
///
/// ```
/// use signed_cookie::encoding::base64_decode;
/// assert_eq!(base64_decode(b"AP8=").unwrap(), b"\x00\xff");
/// assert!(base64_decode(b"AP8").is_err());
/// ```
pub fn base64_decode(data: &[u8]) -> Result<Vec<u8>, DecodeError> {
    STANDARD_FAST
        .decode_to_vec(data)
        .map_err(|_| base64_error(&STANDARD_STRICT, data))
}

/// Decodes canonical standard base64 into `out` (cleared first), reusing its allocation.
///
/// ```
/// let mut buf = Vec::new();
/// signed_cookie::encoding::base64_decode_into(b"AP8=", &mut buf).unwrap();
/// assert_eq!(buf, b"\x00\xff");
/// assert!(signed_cookie::encoding::base64_decode_into(b"AP8", &mut buf).is_err());
/// ```
pub fn base64_decode_into(data: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    out.clear();
    STANDARD_FAST
        .decode_append(data, out)
        .map_err(|_| base64_error(&STANDARD_STRICT, data))
}

/// itsdangerous' `int_to_bytes`: big-endian with leading zero bytes stripped (0 is empty).
///
/// ```
/// use signed_cookie::encoding::int_to_bytes;
/// assert_eq!(int_to_bytes(0).as_ref(), b"");
/// assert_eq!(int_to_bytes(1_700_000_000).as_ref(), [0x65, 0x53, 0xf1, 0x00]);
/// ```
pub fn int_to_bytes(value: u64) -> IntBytes {
    let bytes = value.to_be_bytes();
    let skip = (value.leading_zeros() / 8) as usize;
    IntBytes { bytes, skip }
}

/// The bytes of an integer as [`int_to_bytes`] lays them out, without allocating.
///
/// ```
/// let b = signed_cookie::encoding::int_to_bytes(258);
/// assert_eq!(b.as_ref(), [1, 2]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct IntBytes {
    bytes: [u8; 8],
    skip: usize,
}

impl AsRef<[u8]> for IntBytes {
    fn as_ref(&self) -> &[u8] {
        self.bytes.get(self.skip..).unwrap_or_default()
    }
}

/// itsdangerous' `bytes_to_int`: big-endian, at most eight bytes.
///
/// ```
/// use signed_cookie::encoding::bytes_to_int;
/// assert_eq!(bytes_to_int(b"").unwrap(), 0);
/// assert_eq!(bytes_to_int(&[1, 2]).unwrap(), 258);
/// assert!(bytes_to_int(&[0; 9]).is_err());
/// ```
pub fn bytes_to_int(data: &[u8]) -> Result<u64, DecodeError> {
    if data.len() > 8 {
        return Err(DecodeError::IntTooLong(data.len()));
    }
    Ok(data.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

const BASE62_ALPHABET: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Django's `b62_encode`: alphabet `0-9A-Za-z`, big-endian, `-` for negative numbers.
///
/// ```
/// use signed_cookie::encoding::base62_encode;
/// assert_eq!(base62_encode(1_700_000_000), "1r31eq");
/// assert_eq!(base62_encode(0), "0");
/// assert_eq!(base62_encode(-1000), "-G8");
/// ```
pub fn base62_encode(value: i64) -> String {
    let mut n = value.unsigned_abs();
    // Least significant digit first; reversed below.
    let mut digits = Vec::with_capacity(12);
    loop {
        let d = (n % 62) as usize;
        digits.push(BASE62_ALPHABET.get(d).copied().unwrap_or(b'0'));
        n /= 62;
        if n == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(digits.len() + 1);
    if value < 0 {
        out.push('-');
    }
    out.extend(digits.iter().rev().map(|&d| char::from(d)));
    out
}

/// Django's `b62_decode`, restricted to values that fit an `i64`.
///
/// ```
/// use signed_cookie::encoding::base62_decode;
/// assert_eq!(base62_decode("1r31eq").unwrap(), 1_700_000_000);
/// assert_eq!(base62_decode("-G8").unwrap(), -1000);
/// assert!(base62_decode("1r3!").is_err());
/// ```
pub fn base62_decode(text: &str) -> Result<i64, DecodeError> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut n: i64 = 0;
    // Django's decoder maps an empty string to 0 and so do we.
    for c in digits.bytes() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A' + 10,
            b'a'..=b'z' => c - b'a' + 36,
            _ => return Err(DecodeError::Base62),
        };
        // Negative numbers accumulate downwards, so that i64::MIN, which base62_encode
        // writes, decodes too (found by fuzzing).
        n = n
            .checked_mul(62)
            .and_then(|n| {
                if negative {
                    n.checked_sub(i64::from(d))
                } else {
                    n.checked_add(i64::from(d))
                }
            })
            .ok_or(DecodeError::Base62)?;
    }
    Ok(n)
}

/// The default bound on decompressed payloads: 1 MiB, far above any cookie or session row.
pub const DEFAULT_MAX_DECOMPRESSED: usize = 1 << 20;

/// `zlib.compress(data)` at the default level 6, with the zlib header and Adler-32, as
/// Python writes it.
///
/// ```
/// let c = signed_cookie::encoding::zlib_compress(b"aaaaaaaaaaaaaaaaaaaa");
/// assert_eq!(&c[..2], b"\x78\x9c");
/// ```
pub fn zlib_compress(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2 + 16);
    zlib_compress_into(data, &mut out);
    out
}

/// [`zlib_compress`], appending to `out`: the hot path of signing, with no allocation once
/// `out` has room.
///
/// Inputs of up to 16 000 bytes (every cookie) go through this crate's port of zlib's
/// deflate, which writes the same bytes as a fresh C zlib stream without its per-call setup;
/// longer ones through a fresh C zlib stream (a reused one may differ from Python's output).
///
/// ```
/// use signed_cookie::encoding::{zlib_compress_into, zlib_decompress};
/// let mut out = b"prefix".to_vec();
/// zlib_compress_into(b"abcabcabcabc", &mut out);
/// assert_eq!(zlib_decompress(&out[6..], 100).unwrap(), b"abcabcabcabc");
/// ```
pub fn zlib_compress_into(data: &[u8], out: &mut Vec<u8>) {
    if crate::deflate::zlib_compress_into(data, out) {
        return;
    }
    let mut encoder = flate2::write::ZlibEncoder::new(out, flate2::Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    let _ = encoder.finish();
}

/// Inflates a complete zlib stream, failing once the output would pass `limit` bytes.
///
/// Memory use stays below `limit` plus one buffer, however the stream was crafted.
///
/// ```
/// use signed_cookie::encoding::{zlib_compress, zlib_decompress};
/// let bomb = zlib_compress(&vec![0u8; 10_000_000]);
/// assert!(zlib_decompress(&bomb, 1 << 20).is_err());
/// assert_eq!(zlib_decompress(&zlib_compress(b"abc"), 100).unwrap(), b"abc");
/// ```
pub fn zlib_decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    zlib_decompress_into(&mut Inflater::new(), data, limit, &mut out)?;
    Ok(out)
}

/// [`zlib_decompress`] with a caller-owned [`Inflater`] and output buffer (cleared, and left
/// empty on error), so that a hot path allocates nothing per call. Bytes after the stream's
/// Adler-32 are ignored, as Python's `zlib.decompress` ignores them.
///
/// ```
/// use signed_cookie::encoding::{zlib_compress, zlib_decompress_into, Inflater};
/// let mut inflater = Inflater::new();
/// let mut out = Vec::new();
/// zlib_decompress_into(&mut inflater, &zlib_compress(b"abc"), 100, &mut out).unwrap();
/// assert_eq!(out, b"abc");
/// ```
pub fn zlib_decompress_into(
    inflater: &mut Inflater,
    data: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    crate::inflate::inflate_zlib(inflater, data, limit, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_encode_as_itsdangerous_does() {
        let field = |ts: u64| base64url_encode(int_to_bytes(ts).as_ref());
        assert_eq!(field(0), "");
        assert_eq!(field(1), "AQ");
        assert_eq!(field(1_700_000_000), "ZVPxAA");
        assert_eq!(field(u64::from(u32::MAX)), "_____w");
        assert_eq!(field(4_102_444_800), "9IZXAA");
        assert_eq!(field((1 << 40) + 5), "AQAAAAAF");
        // itsdangerous 0.24 counts from 2011-01-01.
        assert_eq!(field(1_700_000_000 - 1_293_840_000), "GDWCgA");
    }

    #[test]
    fn base62_matches_django_examples() {
        assert_eq!(base62_encode(61), "z");
        assert_eq!(base62_encode(4_102_444_800), "4TdRIW");
        assert_eq!(
            base62_encode(i64::MIN),
            format!("-{}", base62_encode_u(1u64 << 63))
        );
        for n in [0, 1, 61, 62, -1, -62, i64::MAX, i64::MIN + 1] {
            assert_eq!(base62_decode(&base62_encode(n)).unwrap(), n);
        }
        assert_eq!(base62_decode("").unwrap(), 0);
        assert!(base62_decode("zzzzzzzzzzzzzz").is_err());
    }

    fn base62_encode_u(mut n: u64) -> String {
        let mut s = Vec::new();
        while n > 0 {
            s.push(BASE62_ALPHABET[(n % 62) as usize]);
            n /= 62;
        }
        s.reverse();
        String::from_utf8(s).unwrap()
    }

    #[test]
    fn lenient_base64_forms_are_refused() {
        let sig = base64url_encode(&[0xf8u8; 20]);
        assert!(sig.contains('-'));
        assert_eq!(sig.len(), 27);
        assert!(base64url_decode(sig.as_bytes()).is_ok());
        for bad in [
            format!("{sig}="),
            format!("{sig}=="),
            sig.replace('-', "+"),
            format!("{}!!{}", &sig[..5], &sig[5..]),
            format!("{} ", sig),
        ] {
            assert!(base64url_decode(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn zlib_bomb_is_refused_within_the_limit() {
        let bomb = zlib_compress(&vec![b'a'; 50 << 20]);
        assert!(bomb.len() < 100_000);
        assert_eq!(
            zlib_decompress(&bomb, 1 << 20),
            Err(DecodeError::TooLarge { limit: 1 << 20 })
        );
        // Exactly at the limit is fine.
        let exact = zlib_compress(&[b'x'; 4096]);
        assert_eq!(zlib_decompress(&exact, 4096).unwrap().len(), 4096);
        assert!(matches!(
            zlib_decompress(&exact, 4095),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    /// Base64 text near the canonical form: valid encodings of random bytes with one or two
    /// characters changed, dropped or added, in both alphabets.
    fn near_base64() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let noise = prop_oneof![
            Just(b'='),
            Just(b'+'),
            Just(b'/'),
            Just(b'-'),
            Just(b'_'),
            Just(b'A'),
            Just(b'Q'),
            Just(b'w'),
            Just(b' '),
            Just(b'\n'),
            any::<u8>(),
        ];
        (
            proptest::collection::vec(any::<u8>(), 0..300),
            any::<bool>(),
            proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, noise), 0..3),
        )
            .prop_map(|(bytes, url_safe, edits)| {
                let mut text = if url_safe {
                    URL_SAFE_STRICT.encode(&bytes)
                } else {
                    STANDARD_STRICT.encode(&bytes)
                }
                .into_bytes();
                for (at, kind, c) in edits {
                    let i = at.index(text.len() + 1);
                    match kind {
                        0 if i < text.len() => text[i] = c,
                        1 if i < text.len() => {
                            text.remove(i);
                        }
                        _ => text.insert(i, c),
                    }
                }
                text
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// The fast codec accepts exactly what the strict `base64` engines accept, with the
        /// same bytes, and writes the same text.
        #[test]
        fn simd_codec_agrees_with_strict_base64(text in near_base64()) {
            let strict = URL_SAFE_STRICT.decode(&text).ok();
            proptest::prop_assert_eq!(base64url_decode(&text).ok(), strict.clone());
            let mut into = vec![7u8];
            let ok = base64url_decode_into(&text, &mut into).is_ok();
            proptest::prop_assert_eq!(ok.then_some(into), strict.clone());
            let mut slice = [0u8; 80];
            let n = base64url_decode_slice(&text, &mut slice).ok();
            if let (Some(n), Some(want)) = (n, &strict) {
                proptest::prop_assert_eq!(&slice[..n], &want[..]);
            }
            proptest::prop_assert_eq!(n.is_some(), strict.as_ref().is_some_and(|w| w.len() <= 80));
            proptest::prop_assert_eq!(base64_decode(&text).ok(), STANDARD_STRICT.decode(&text).ok());
            let mut into = vec![7u8];
            let ok = base64_decode_into(&text, &mut into).is_ok();
            proptest::prop_assert_eq!(ok.then_some(into), STANDARD_STRICT.decode(&text).ok());
            if let Some(bytes) = strict {
                proptest::prop_assert_eq!(base64url_encode(&bytes).into_bytes(), text.clone());
            }
            if let Ok(bytes) = STANDARD_STRICT.decode(&text) {
                proptest::prop_assert_eq!(base64_encode(&bytes).into_bytes(), text);
            }
        }
    }

    #[test]
    fn truncated_and_corrupt_zlib_is_an_error() {
        let c = zlib_compress(b"hello hello hello hello");
        assert!(zlib_decompress(&c[..c.len() - 3], 1000).is_err());
        assert!(zlib_decompress(b"not zlib", 1000).is_err());
        assert!(zlib_decompress(b"", 1000).is_err());
    }
}
