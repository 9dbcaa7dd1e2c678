//! Base64 encoding for the sign path: the `base64` crate's encoder spends about nine
//! instructions per input byte; this one, two characters per table lookup and six input bytes
//! per word, about three, in safe code. Decoding stays with the `base64` crate (strict mode).
// Signing takes any bytes: no input may panic.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

/// Which alphabet, and whether `=` padding is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base64Style {
    /// `+/` with `=` padding (Starlette, Flask's `" b"` tag, Django's session rows).
    StandardPadded,
    /// `-_` without padding (itsdangerous and Django payloads and signatures).
    UrlSafeUnpadded,
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The two characters of every 12-bit value, as a little-endian `u16`.
// Evaluated at compile time only (for the statics below): an index out of range would fail the
// build, never a run.
#[allow(clippy::indexing_slicing)]
const fn pair_table(alphabet: &[u8; 64]) -> [u16; 4096] {
    let mut table = [0u16; 4096];
    let mut i = 0;
    while i < 4096 {
        table[i] = alphabet[i >> 6] as u16 | (alphabet[i & 63] as u16) << 8;
        i += 1;
    }
    table
}

static STANDARD_PAIRS: [u16; 4096] = pair_table(STANDARD);
static URL_SAFE_PAIRS: [u16; 4096] = pair_table(URL_SAFE);

/// Input bytes per stack block (a multiple of 6): the output is staged on the stack, checked as
/// UTF-8 (one fast ASCII pass) and appended to the `String`.
const BLOCK_IN: usize = 768;
const BLOCK_OUT: usize = BLOCK_IN / 3 * 4;

/// Characters for `len` input bytes.
pub(crate) fn encoded_len(len: usize, style: Base64Style) -> usize {
    match style {
        Base64Style::StandardPadded => len.div_ceil(3) * 4,
        Base64Style::UrlSafeUnpadded => (len * 4).div_ceil(3),
    }
}

/// Appends the base64 of `data` to `out`.
pub(crate) fn encode_into(data: &[u8], out: &mut String, style: Base64Style) {
    let (pairs, alphabet) = match style {
        Base64Style::StandardPadded => (&STANDARD_PAIRS, STANDARD),
        Base64Style::UrlSafeUnpadded => (&URL_SAFE_PAIRS, URL_SAFE),
    };
    out.reserve(encoded_len(data.len(), style));
    let mut block = [0u8; BLOCK_OUT];
    let mut chunks = data.chunks_exact(BLOCK_IN);
    for chunk in &mut chunks {
        let written = encode_groups(chunk, &mut block, pairs);
        push_ascii(out, block.get(..written).unwrap_or_default());
    }
    let rest = chunks.remainder();
    let whole = rest.len() / 3 * 3;
    let (groups, tail) = rest.split_at(whole);
    let mut written = encode_groups(groups, &mut block, pairs);
    let char_at = |i: u8| alphabet.get(usize::from(i & 63)).copied().unwrap_or(b'A');
    let mut put = |c: u8| {
        if let Some(slot) = block.get_mut(written) {
            *slot = c;
            written += 1;
        }
    };
    match *tail {
        [a] => {
            put(char_at(a >> 2));
            put(char_at(a << 4));
            if style == Base64Style::StandardPadded {
                put(b'=');
                put(b'=');
            }
        }
        [a, b] => {
            put(char_at(a >> 2));
            put(char_at(a << 4 | b >> 4));
            put(char_at(b << 2));
            if style == Base64Style::StandardPadded {
                put(b'=');
            }
        }
        _ => {}
    }
    push_ascii(out, block.get(..written).unwrap_or_default());
}

/// Encodes whole 3-byte groups of `data` (at most `BLOCK_IN` bytes) into `block`; returns the
/// number of characters written.
#[inline]
fn encode_groups(data: &[u8], block: &mut [u8; BLOCK_OUT], pairs: &[u16; 4096]) -> usize {
    let pair = |bits: u64| pairs.get((bits & 0xfff) as usize).copied().unwrap_or(0);
    let mut written = 0;
    // Six bytes per step, read as the top of a big-endian word (the two bytes after them are
    // read and ignored), so the last step needs eight readable bytes.
    let mut rest = data;
    let mut dst = block.chunks_exact_mut(8);
    while let (Some(word), Some(out)) = (rest.first_chunk::<8>(), dst.next()) {
        let x = u64::from_be_bytes(*word);
        let chars = u64::from(pair(x >> 52))
            | u64::from(pair(x >> 40)) << 16
            | u64::from(pair(x >> 28)) << 32
            | u64::from(pair(x >> 16)) << 48;
        out.copy_from_slice(&chars.to_le_bytes());
        written += 8;
        rest = rest.get(6..).unwrap_or_default();
    }
    // Fewer than eight bytes left: three at a time.
    for group in rest.chunks_exact(3) {
        let [a, b, c] =
            [group.first(), group.get(1), group.get(2)].map(|b| b.copied().unwrap_or(0));
        let x = u64::from(a) << 16 | u64::from(b) << 8 | u64::from(c);
        let chars = u32::from(pair(x >> 12)) | u32::from(pair(x)) << 16;
        if let Some(out) = block.get_mut(written..written + 4) {
            out.copy_from_slice(&chars.to_le_bytes());
            written += 4;
        }
    }
    written
}

/// Appends characters of the base64 alphabets (always ASCII, so the check cannot fail).
#[inline]
fn push_ascii(out: &mut String, chars: &[u8]) {
    if let Ok(text) = std::str::from_utf8(chars) {
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Same text as the `base64` crate for both alphabets, including around block edges.
        #[test]
        fn matches_base64_crate(
            data in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..40),
                proptest::collection::vec(any::<u8>(), 760..780),
                proptest::collection::vec(any::<u8>(), 1530..1545),
                proptest::collection::vec(any::<u8>(), 0..5000),
            ],
            prefix in "[a-z.]{0,3}",
        ) {
            let engines = [
                (Base64Style::StandardPadded, &base64::engine::general_purpose::STANDARD),
                (Base64Style::UrlSafeUnpadded, &base64::engine::general_purpose::URL_SAFE_NO_PAD),
            ];
            for (style, engine) in engines {
                let mut ours = prefix.clone();
                encode_into(&data, &mut ours, style);
                let theirs = format!("{prefix}{}", engine.encode(&data));
                prop_assert_eq!(&ours, &theirs);
                prop_assert_eq!(ours.len() - prefix.len(), encoded_len(data.len(), style));
            }
        }
    }
}
