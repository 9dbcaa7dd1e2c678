//! Reading a token of unknown origin **without a key**: which format it looks like, what it
//! carries and when it claims to have been signed. For inspection and audits only; nothing here
//! is verified.
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::encoding::{base64_decode, base64url_decode, zlib_decompress, DEFAULT_MAX_DECOMPRESSED};
use crate::timed::TimestampFormat;

/// The longest token [`inspect`] looks at (see [`inspect_with_limits`] to choose another).
pub const MAX_INSPECT_LEN: usize = 1 << 20;

/// What an unverified token carries.
///
/// ```
/// let seen = signed_cookie::inspect::inspect("eyJhIjoxfQ.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI");
/// assert_eq!(seen.payload_unverified, r#"{"a":1}"#);
/// assert_eq!(seen.timestamp_unverified, Some(1_700_000_000));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The family the token looks like: `itsdangerous` (Flask, itsdangerous), `starlette`,
    /// `django`, or `raw` when the payload is not encoded JSON.
    pub format: &'static str,
    /// The payload as carried: the JSON text after base64 and zlib, or the raw value.
    pub payload_unverified: String,
    /// True when the payload was zlib-compressed.
    pub compressed: bool,
    /// The time it claims to be signed, Unix seconds (itsdangerous ≥ 1.0 or Django epoch).
    pub timestamp_unverified: Option<i64>,
    /// True when a timestamp field was found.
    pub timed: bool,
}

/// Decodes base64url (with `.` meaning zlib) or standard base64 into UTF-8 JSON-looking text.
fn decode_payload(field: &str, max_decompressed: usize) -> Option<(String, bool, bool)> {
    let (compressed, body) = match field.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, field),
    };
    let (bytes, standard) = match base64url_decode(body.as_bytes()) {
        Ok(b) => (b, false),
        Err(_) if !compressed => (base64_decode(body.as_bytes()).ok()?, true),
        Err(_) => return None,
    };
    let bytes = if compressed {
        zlib_decompress(&bytes, max_decompressed).ok()?
    } else {
        bytes
    };
    let text = String::from_utf8(bytes).ok()?;
    let looks_like_json = matches!(text.trim_start().bytes().next(), Some(b'{' | b'[' | b'"'))
        || text.parse::<f64>().is_ok()
        || matches!(text.as_str(), "true" | "false" | "null");
    looks_like_json.then_some((text, compressed, standard))
}

/// Reads what a token claims, guessing its format from its shape.
///
/// ```
/// use signed_cookie::inspect::inspect;
/// let django = inspect("eyJhIjoxfQ:1r31eq:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
/// assert_eq!((django.format, django.timestamp_unverified), ("django", Some(1_700_000_000)));
/// assert_eq!(inspect("hello:sig").format, "raw");
/// ```
pub fn inspect(token: &str) -> Inspection {
    inspect_with_limits(token, MAX_INSPECT_LEN, DEFAULT_MAX_DECOMPRESSED)
}

/// [`inspect`] with explicit bounds: tokens longer than `max_token_len` are not looked into
/// (reported as an empty `raw` token), and payloads inflating past `max_decompressed` bytes are
/// not decoded.
///
/// ```
/// use signed_cookie::inspect::inspect_with_limits;
/// let token = "eyJhIjoxfQ.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI";
/// assert_eq!(inspect_with_limits(token, 1000, 1000).format, "itsdangerous");
/// assert_eq!(inspect_with_limits(token, 10, 1000).payload_unverified, "");
/// ```
pub fn inspect_with_limits(
    token: &str,
    max_token_len: usize,
    max_decompressed: usize,
) -> Inspection {
    let raw = |value: &str, ts: Option<i64>, timed: bool| Inspection {
        format: "raw",
        payload_unverified: value.to_owned(),
        compressed: false,
        timestamp_unverified: ts,
        timed,
    };
    if token.len() > max_token_len {
        return raw("", None, false);
    }
    // Django uses ':' and never '.' outside a leading compression marker.
    let sep = if token.trim_start_matches('.').contains('.') || !token.contains(':') {
        '.'
    } else {
        ':'
    };
    let (format, ts_format) = if sep == ':' {
        ("django", TimestampFormat::Base62)
    } else {
        ("itsdangerous", TimestampFormat::ITSDANGEROUS)
    };
    let Some((signed, _signature)) = token.rsplit_once(sep) else {
        return raw(token, None, false);
    };
    let (value, timestamp) = match signed.rsplit_once(sep) {
        // `.eJx…` alone is a compressed untimed payload, not a timestamp split.
        Some(("", _)) => (signed, None),
        Some((value, ts)) => match ts_format.decode(ts) {
            Some(t) => (value, Some(t)),
            None => (signed, None),
        },
        None => (signed, None),
    };
    match decode_payload(value, max_decompressed) {
        Some((text, compressed, standard)) => Inspection {
            format: if standard { "starlette" } else { format },
            payload_unverified: text,
            compressed,
            timestamp_unverified: timestamp,
            timed: timestamp.is_some(),
        },
        None => raw(value, timestamp, timestamp.is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_flask_and_starlette_payloads() {
        let body = crate::encoding::zlib_compress(br#"{"a":"aaaaaaaaaaaaaaaaaaaaaaaa"}"#);
        let token = format!(".{}.ZVPxAA.sig", crate::encoding::base64url_encode(&body));
        let seen = inspect(&token);
        assert!(seen.compressed);
        assert_eq!(
            seen.payload_unverified,
            r#"{"a":"aaaaaaaaaaaaaaaaaaaaaaaa"}"#
        );
        let starlette = inspect("eyJ1c2VyX2lkIjogNDJ9.ZVPxAA.sig");
        assert_eq!(starlette.payload_unverified, r#"{"user_id": 42}"#);
        let padded = inspect("eyJhIjogMX0=.ZVPxAA.sig");
        assert_eq!(padded.format, "starlette");
    }

    #[test]
    fn garbage_never_panics() {
        for t in ["", ".", "..", ":", "::", ".:.", "a.b.c.d", "é.é.é", ".!.!"] {
            let _ = inspect(t);
        }
    }
}
