//! # signed-cookie
//!
//! Stateless signed session cookies, byte for byte as Python's itsdangerous, Flask, Django and
//! Starlette write and verify them: read a Flask or Django session in a Rust service, or write
//! one that the Python app accepts.
//!
//! The layers follow itsdangerous, each adding one idea:
//! [`encoding`] (base64url, base62, bounded zlib) → [`Signer`] (keys, salt, key derivation,
//! digest, separator) → [`TimestampSigner`] (timestamp, max age) → [`serializer`] (serde values
//! as Python JSON) → [`profile`] (the exact settings of each framework and version).
//!
//! ```
//! use signed_cookie::profile::Profile;
//! use signed_cookie::Keys;
//! use serde_json::json;
//!
//! // Flask 3.1: SECRET_KEY = "new", SECRET_KEY_FALLBACKS = ["old"].
//! let flask = Profile::flask().serializer(Keys::new("new").with_fallbacks(["old"]))?;
//! let cookie = flask.dumps(&json!({"user_id": 42, "_permanent": true}))?;
//! let session: serde_json::Value = flask.loads(&cookie)?; // max age: 31 days, as Flask
//! assert_eq!(session["user_id"], 42);
//! # Ok::<(), signed_cookie::Error>(())
//! ```
// `deny`, not `forbid`: one module (the audit's SIMD kernel, `audit/lanes.rs`) needs CPU
// intrinsics and says why they are sound. Everything else stays free of `unsafe`.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod adler32;
pub mod audit;
pub mod codec;
mod deflate;
pub mod django;
pub mod encoding;
mod error;
mod inflate;
pub mod inspect;
pub mod json;
pub mod profile;
pub mod serializer;
pub mod session;
mod signer;
pub mod tagged;
mod timed;

pub use error::{ConfigError, Error, ErrorKind, PayloadFault, SignatureFault, TimeFault};
pub use signer::{
    Algorithm, Digest, KeyDerivation, Keys, MacOutput, SecretKey, Signer, SignerBuilder, VerifiedBy,
};
pub use timed::{AgeRules, TimestampFormat, TimestampSigner, Unsigned, ITSDANGEROUS_0_24_EPOCH};

/// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Helpers shared by the unit tests of several modules.
#[cfg(test)]
mod test_support {
    /// A deterministic xorshift64 generator from `seed`: varied test inputs without a
    /// dependency, the same on every run.
    pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }
}
