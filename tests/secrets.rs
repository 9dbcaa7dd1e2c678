//! Secrets: `Debug` never prints a key (nor a derived key) for any type that holds one, empty
//! secrets are refused everywhere, and secrets and derived keys are wiped before their memory
//! is freed.
//!
//! The wiping test uses this binary's global allocator: while a thread is armed, every block it
//! frees is searched for the secret and for the derived keys, so a copy left behind anywhere on
//! the heap (a clone, a grown buffer, a temporary) is caught when it is released.

use signed_cookie::codec::Codec;
use signed_cookie::django::SessionRowCodec;
use signed_cookie::profile::{Compat, Payload, Profile};
use signed_cookie::serializer::AnySigner;
use signed_cookie::{
    ConfigError, Digest, KeyDerivation, Keys, SecretKey, Signer, TimestampFormat, TimestampSigner,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

const SECRET: &str = "Sup3r-S3cret-Key-Value-1234";
const FALLBACK: &str = "0ld-Fallback-Secret-5678";

// ---------------------------------------------------------------------------------------------
// An allocator that looks for needles in freed memory

struct Scanning;

/// Up to four byte strings that must never be found in memory being freed.
type Needles = [Option<&'static [u8]>; 4];

thread_local! {
    static NEEDLES: Cell<Option<&'static Needles>> = const { Cell::new(None) };
    static FOUND: Cell<usize> = const { Cell::new(0) };
}

fn scan(block: &[u8]) {
    let Ok(Some(needles)) = NEEDLES.try_with(Cell::get) else {
        return;
    };
    for needle in needles.iter().flatten() {
        if !needle.is_empty() && block.windows(needle.len()).any(|w| w == *needle) {
            let _ = FOUND.try_with(|f| f.set(f.get() + 1));
        }
    }
}

// SAFETY: allocation is forwarded to the system allocator; `dealloc` reads the block, which is
// still allocated and `layout.size()` bytes long, before freeing it.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        scan(unsafe { std::slice::from_raw_parts(ptr, layout.size()) });
        unsafe { System.dealloc(ptr, layout) }
    }
    // `realloc` is left to the default (alloc, copy, dealloc), so a moved block is scanned too.
}

#[global_allocator]
static ALLOCATOR: Scanning = Scanning;

/// Runs `f` with the needles armed on this thread and returns how many freed blocks held one.
fn freed_blocks_holding(needles: &[&[u8]], f: impl FnOnce()) -> usize {
    let mut armed: Needles = [None; 4];
    for (slot, n) in armed.iter_mut().zip(needles) {
        // Leaked, so that the needles themselves are never freed while armed.
        *slot = Some(Box::leak(n.to_vec().into_boxed_slice()));
    }
    FOUND.with(|c| c.set(0));
    NEEDLES.with(|c| c.set(Some(Box::leak(Box::new(armed)))));
    f();
    NEEDLES.with(|c| c.set(None));
    FOUND.with(Cell::get)
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn every_profile() -> Vec<Profile> {
    let mut all = Vec::new();
    for name in Profile::NAMES {
        for compat in Profile::compats(name) {
            let mut p = Profile::lookup(name, Some(compat.name())).unwrap();
            // Rotation on, so fallback keys are held everywhere they can be.
            p.key_rotation = true;
            all.push(p);
        }
    }
    all
}

fn keys() -> Keys {
    Keys::new(String::from(SECRET)).with_fallbacks([String::from(FALLBACK)])
}

/// The derived MAC keys of a profile for both secrets.
fn derived_keys(p: &Profile) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for secret in [SECRET, FALLBACK] {
        let prefixed = format!("{}{secret}", p.secret_prefix);
        for salt in std::iter::once(&p.salt).chain(&p.fallback_salts) {
            for alg in std::iter::once(&p.algorithm).chain(&p.legacy_algorithms) {
                out.push(
                    alg.key_derivation
                        .derive(alg.digest, prefixed.as_bytes(), salt.as_bytes())
                        .to_vec(),
                );
            }
        }
    }
    out
}

/// Every rendering of `bytes` a `Debug` output could plausibly contain.
fn renderings(bytes: &[u8]) -> Vec<String> {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let list = format!("{bytes:?}");
    let mut out = vec![
        hex.clone(),
        hex.to_uppercase(),
        list.trim_matches(|c| c == '[' || c == ']').to_owned(),
        signed_cookie::encoding::base64url_encode(bytes),
        signed_cookie::encoding::base64_encode(bytes),
    ];
    if let Ok(text) = std::str::from_utf8(bytes) {
        out.push(text.to_owned());
        out.push(format!("{text:?}"));
    }
    // Only long enough renderings: a two-digit number is not a leak.
    out.retain(|r| r.len() >= 8);
    out
}

/// The first rendering of a key found in `debug`.
fn leaked(debug: &str, secrets: &[Vec<u8>]) -> Option<String> {
    secrets
        .iter()
        .flat_map(|s| renderings(s))
        .find(|r| debug.contains(r.as_str()))
}

fn assert_no_key_in(what: &str, debug: &str, secrets: &[Vec<u8>]) {
    if let Some(r) = leaked(debug, secrets) {
        panic!("{what} prints a key ({r}):\n{debug}");
    }
}

fn check_debug<T: std::fmt::Debug>(what: &str, value: &T, secrets: &[Vec<u8>]) -> usize {
    assert_no_key_in(what, &format!("{value:?}"), secrets);
    assert_no_key_in(what, &format!("{value:#?}"), secrets);
    1
}

// ---------------------------------------------------------------------------------------------
// Debug

#[test]
fn debug_never_prints_a_key_or_a_derived_key() {
    let mut secrets = vec![SECRET.as_bytes().to_vec(), FALLBACK.as_bytes().to_vec()];
    let mut checked = 0;
    checked += check_debug("SecretKey", &SecretKey::from(SECRET), &secrets);
    checked += check_debug("Keys", &keys(), &secrets);
    let builder = Signer::builder(keys()).salt("s").secret_prefix("p");
    checked += check_debug("SignerBuilder", &builder, &secrets);
    let signer = builder.build().unwrap();
    checked += check_debug("Signer", &signer, &secrets);
    let timed = TimestampSigner::itsdangerous(signer.clone());
    checked += check_debug("TimestampSigner", &timed, &secrets);
    checked += check_debug("AnySigner", &AnySigner::Timed(timed), &secrets);
    for p in every_profile() {
        secrets.extend(derived_keys(&p));
        let what = format!("{} {}", p.name, p.compat.name());
        checked += check_debug(&what, &p.signer(keys()).unwrap(), &secrets);
        checked += check_debug(&what, &Codec::new(&p, keys()).unwrap(), &secrets);
        if !matches!(p.payload, Payload::Raw) {
            checked += check_debug(&what, &p.serializer(keys()).unwrap(), &secrets);
        }
        if matches!(p.payload, Payload::DjangoSessionRow { .. }) {
            checked += check_debug(&what, &SessionRowCodec::new(&p, keys()).unwrap(), &secrets);
        }
    }
    // The check itself would see a key that is printed.
    assert_no_key_in("control", "no key here", &secrets);
    assert!(leaked(&format!("{:?}", SECRET.as_bytes()), &secrets).is_some());
    assert!(leaked(
        &format!("{:?}", derived_keys(&Profile::flask())[0]),
        &secrets
    )
    .is_some());
    println!("{checked} objects checked against {} keys", secrets.len());
}

// ---------------------------------------------------------------------------------------------
// Empty secrets

#[test]
fn empty_secrets_are_refused_everywhere() {
    assert_eq!(
        Signer::builder("").build().unwrap_err(),
        ConfigError::EmptySecret
    );
    assert_eq!(
        Signer::builder(Keys::new("k").with_fallbacks([""]))
            .build()
            .unwrap_err(),
        ConfigError::EmptySecret
    );
    assert!(Keys::from_oldest_to_newest(Vec::<String>::new()).is_none());
    for p in every_profile() {
        let what = format!("{} {}", p.name, p.compat.name());
        for keys in [Keys::new(""), Keys::new("k").with_fallbacks([""])] {
            assert_eq!(
                Codec::new(&p, keys.clone()).unwrap_err(),
                ConfigError::EmptySecret,
                "{what}"
            );
            assert_eq!(
                p.signer(keys.clone()).unwrap_err(),
                ConfigError::EmptySecret,
                "{what}"
            );
            if !matches!(p.payload, Payload::Raw) {
                assert_eq!(
                    p.serializer(keys).unwrap_err(),
                    ConfigError::EmptySecret,
                    "{what}"
                );
            }
        }
    }
    let django = Profile::django_signed_cookie(Compat::Django52, "name", "salt").unwrap();
    assert!(Codec::new(&django, Keys::new("")).is_err());
}

// ---------------------------------------------------------------------------------------------
// Zeroize

#[test]
fn secrets_and_derived_keys_are_wiped_before_their_memory_is_freed() {
    let now = std::time::SystemTime::now();
    for p in every_profile() {
        let what = format!("{} {}", p.name, p.compat.name());
        let derived = derived_keys(&p);
        let mut needles: Vec<&[u8]> = vec![SECRET.as_bytes(), FALLBACK.as_bytes()];
        needles.extend(derived.iter().take(2).map(Vec::as_slice));
        let found = freed_blocks_holding(&needles, || {
            let codec = Codec::new(&p, keys()).unwrap();
            let token = codec.sign_text("\"v\"", now).unwrap();
            let _ = codec.verify_text(&token, None, now);
            let copy = codec.clone();
            drop(codec);
            drop(copy);
        });
        assert_eq!(found, 0, "{what}: a freed block held a key");
    }
    // Every derivation, called directly.
    for kd in [
        KeyDerivation::Concat,
        KeyDerivation::DjangoConcat,
        KeyDerivation::Hmac,
        KeyDerivation::None,
    ] {
        let expected = kd
            .derive(Digest::Sha256, SECRET.as_bytes(), b"salt")
            .to_vec();
        let found = freed_blocks_holding(&[SECRET.as_bytes(), &expected], || {
            let k = kd.derive(Digest::Sha256, SECRET.as_bytes(), b"salt");
            assert_eq!(*k, expected);
            let key = SecretKey::from(String::from(SECRET));
            drop(key);
        });
        assert_eq!(found, 0, "{kd:?}");
    }
    // The check is live: a plain copy of the secret is caught when freed.
    let found = freed_blocks_holding(&[SECRET.as_bytes()], || {
        drop(SECRET.as_bytes().to_vec());
    });
    assert_eq!(found, 1);
    // Formats that hold no key at all are not affected.
    let _ = TimestampFormat::Base62.encode(0);
}
