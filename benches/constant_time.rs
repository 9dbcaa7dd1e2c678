//! Verification time does not depend on where a forged signature first differs from the real
//! one: the MAC comparison is constant time (`subtle`, through `hmac`'s `verify_slice`).
//!
//! For a SHA-1 (itsdangerous, Flask) and a SHA-256 (Django) signer, the same message is verified
//! with its correct signature and with forgeries that differ from it in the first byte only, in
//! the last byte only, and in every byte; `unsign` (the whole token path: split, strict base64,
//! HMAC, compare) and `verify_mac` (raw MAC bytes) are both measured. An early-exit comparison of
//! the same bytes is measured as a control: it shows the size of difference this benchmark can
//! see when a comparison is not constant time.
//!
//! Run: `cargo bench --bench constant_time -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use signed_cookie::encoding::base64url_encode;
use signed_cookie::{Digest, Signer};

const VALUE: &str = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA";

/// The real MAC and forgeries of it, by where they first differ.
fn forgeries(mac: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut first = mac.to_vec();
    first[0] ^= 0x01;
    let mut last = mac.to_vec();
    *last.last_mut().unwrap() ^= 0x01;
    let all: Vec<u8> = mac.iter().map(|b| b ^ 0xff).collect();
    vec![
        ("correct", mac.to_vec()),
        ("differs-at-first-byte", first),
        ("differs-at-last-byte", last),
        ("differs-everywhere", all),
    ]
}

/// A comparison that stops at the first difference, as `==` on slices may.
#[inline(never)]
fn early_exit_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return false;
        }
    }
    true
}

fn constant_time(c: &mut Criterion) {
    for (name, digest, sep) in [("sha1", Digest::Sha1, '.'), ("sha256", Digest::Sha256, ':')] {
        let signer = Signer::builder("bench-secret-key")
            .digest(digest)
            .separator(sep)
            .build()
            .unwrap();
        let mac = signer.mac(VALUE.as_bytes());
        let cases = forgeries(mac.as_ref());

        let mut group = c.benchmark_group(format!("unsign/{name}"));
        for (case, forged) in &cases {
            let token = format!("{VALUE}{sep}{}", base64url_encode(forged));
            assert_eq!(signer.unsign(&token).is_ok(), *case == "correct");
            group.bench_with_input(BenchmarkId::from_parameter(case), &token, |b, t| {
                b.iter(|| signer.unsign(black_box(t)).is_ok())
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("verify_mac/{name}"));
        for (case, forged) in &cases {
            group.bench_with_input(BenchmarkId::from_parameter(case), forged, |b, m| {
                b.iter(|| {
                    signer
                        .verify_mac(black_box(VALUE.as_bytes()), black_box(m))
                        .is_some()
                })
            });
        }
        group.finish();
    }

    // Control: an early-exit comparison of 64-byte MACs (the longest, SHA-512).
    let mac = [0x5au8; 64];
    let mut group = c.benchmark_group("control/early-exit-eq-64-bytes");
    for (case, forged) in forgeries(&mac) {
        group.bench_with_input(BenchmarkId::from_parameter(case), &forged, |b, f| {
            b.iter(|| early_exit_eq(black_box(&mac), black_box(f)))
        });
    }
    group.finish();
}

criterion_group!(benches, constant_time);
criterion_main!(benches);
