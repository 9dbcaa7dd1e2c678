//! Differential fuzzing of the crate's inflater against C zlib (flate2).
//!
//! Input layout: 4 bytes (big-endian) of output limit, modulo 2^20 + 1; then the zlib stream.
//!
//! Checked: the crate accepts exactly the streams C zlib's `inflate` ends within the limit
//! (given the whole output space at once), with the same output; a reused state (thread-local,
//! its tables left by earlier inputs) agrees with a fresh one; `TooLarge` exactly where C zlib
//! writes past the limit or fails later (never for a stream it rejects within the limit); and a
//! stream refused within the limit is refused with C zlib's message (Python's for one that ends
//! too early).
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::encoding::{zlib_decompress, zlib_decompress_into, DecodeError, Inflater};
use signed_cookie_fuzz::Cursor;
use std::cell::RefCell;

thread_local! {
    static INFLATER: RefCell<Inflater> = const { RefCell::new(Inflater::new()) };
}

/// What C zlib does with room for one byte past the limit.
struct CZlib {
    /// The whole output, if the stream ends within the limit.
    output: Option<Vec<u8>>,
    /// It wrote past the limit.
    past_limit: bool,
    /// Why it refused the stream (Python's words for one that stops early).
    message: Option<String>,
}

fn c_zlib(data: &[u8], limit: usize) -> CZlib {
    let mut inflater = flate2::Decompress::new(true);
    let mut out = Vec::with_capacity(limit + 1);
    let status = inflater.decompress_vec(data, &mut out, flate2::FlushDecompress::Finish);
    let past_limit = out.len() > limit;
    match status {
        Ok(flate2::Status::StreamEnd) if !past_limit => CZlib {
            output: Some(out),
            past_limit,
            message: None,
        },
        Ok(_) => CZlib {
            output: None,
            past_limit,
            message: Some("incomplete or truncated stream".to_owned()),
        },
        Err(e) => CZlib {
            output: None,
            past_limit,
            // (flate2 gives no message for this one; zlib's `z_errmsg` has it.)
            message: Some(match e.needs_dictionary() {
                Some(_) => "need dictionary".to_owned(),
                None => e.message().unwrap_or_default().to_owned(),
            }),
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let limit = (input.u32() % ((1 << 20) + 1)) as usize;
    let stream = input.rest();

    let fresh = zlib_decompress(stream, limit);
    let mut out = Vec::new();
    let reused =
        INFLATER.with(|i| zlib_decompress_into(&mut i.borrow_mut(), stream, limit, &mut out));
    assert_eq!(reused.as_ref().err(), fresh.as_ref().err());
    if let Ok(f) = &fresh {
        assert_eq!(f, &out);
        assert!(f.len() <= limit);
    }

    let theirs = c_zlib(stream, limit);
    let c_past_limit = theirs.past_limit;
    assert_eq!(
        fresh.as_ref().ok(),
        theirs.output.as_ref(),
        "differs from C zlib, limit {limit}"
    );
    if let (Err(DecodeError::Zlib(ours)), false) = (&fresh, c_past_limit) {
        assert_eq!(
            Some(ours.to_string()),
            theirs.message,
            "C zlib's reason, limit {limit}"
        );
    }
    if c_past_limit {
        // C zlib wrote past the limit: we refuse too, by `TooLarge` or by an error found
        // first (a stored block longer than the input is refused whole, not streamed).
        assert!(fresh.is_err());
    }
    if fresh == Err(DecodeError::TooLarge { limit }) {
        assert!(c_past_limit, "TooLarge where C zlib stops within the limit");
    }
});
