//! Differential fuzzing of the crate's inflater against C zlib (flate2).
//!
//! Input layout: 4 bytes (big-endian) of output limit, modulo 2^20 + 1; then the zlib stream.
//!
//! Checked: the crate accepts exactly the streams C zlib's `inflate` ends within the limit
//! (given the whole output space at once), with the same output; a reused state (thread-local,
//! its tables left by earlier inputs) agrees with a fresh one; `TooLarge` exactly where C zlib
//! writes past the limit or fails later (never for a stream it rejects within the limit).
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::encoding::{zlib_decompress, zlib_decompress_into, DecodeError, Inflater};
use signed_cookie_fuzz::Cursor;
use std::cell::RefCell;

thread_local! {
    static INFLATER: RefCell<Inflater> = const { RefCell::new(Inflater::new()) };
}

/// C zlib with room for one byte past the limit: the whole output if the stream ends in it.
fn c_zlib(data: &[u8], limit: usize) -> (Option<Vec<u8>>, bool) {
    let mut inflater = flate2::Decompress::new(true);
    let mut out = Vec::with_capacity(limit + 1);
    let status = inflater.decompress_vec(data, &mut out, flate2::FlushDecompress::Finish);
    let past_limit = out.len() > limit;
    match status {
        Ok(flate2::Status::StreamEnd) if !past_limit => (Some(out), false),
        _ => (None, past_limit),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let limit = (input.u32() % ((1 << 20) + 1)) as usize;
    let stream = input.rest();

    let fresh = zlib_decompress(stream, limit);
    let mut out = Vec::new();
    let reused = INFLATER.with(|i| zlib_decompress_into(&mut i.borrow_mut(), stream, limit, &mut out));
    assert_eq!(reused.as_ref().err(), fresh.as_ref().err());
    if let Ok(f) = &fresh {
        assert_eq!(f, &out);
        assert!(f.len() <= limit);
    }

    let (theirs, c_past_limit) = c_zlib(stream, limit);
    assert_eq!(fresh.as_ref().ok(), theirs.as_ref(), "differs from C zlib, limit {limit}");
    if c_past_limit {
        // C zlib wrote past the limit: we refuse too, by `TooLarge` or by an error found
        // first (a stored block longer than the input is refused whole, not streamed).
        assert!(fresh.is_err());
    }
    if fresh == Err(DecodeError::TooLarge { limit }) {
        assert!(c_past_limit, "TooLarge where C zlib stops within the limit");
    }
});
