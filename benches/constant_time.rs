//! Verification time does not depend on where a forged signature first differs from the real
//! one: the MAC comparison is constant time (`subtle`, eight bytes at a time).
//!
//! For a SHA-1 (itsdangerous, Flask) and a SHA-256 (Django) signer, the same message is verified
//! with its correct signature and with forgeries that differ from it in the first byte only, in
//! the last byte only, and in every byte; `unsign` (the whole token path: split, strict base64,
//! HMAC, compare) and `verify_mac` (raw MAC bytes) are both measured. An early-exit comparison of
//! the same bytes is measured as a control: it shows the size of difference this benchmark can
//! see when a comparison is not constant time.
//!
//! The cases of a group are measured interleaved: each benchmark times its own case in chunks of
//! 64 calls and runs the group's other cases (untimed) between chunks, so a change of machine
//! load during the run falls on every case alike instead of on whichever ran last.
//!
//! Run: `cargo bench --bench constant_time -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use signed_cookie::encoding::base64url_encode;
use signed_cookie::{Digest, Signer};
use std::time::{Duration, Instant};

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

/// Benchmarks each of `cases` with `run`, interleaved with the others (see the module docs).
fn interleaved<T>(c: &mut Criterion, group: &str, cases: &[(&str, T)], run: impl Fn(&T) -> bool) {
    const CHUNK: u64 = 64;
    let mut g = c.benchmark_group(group);
    for (i, (case, input)) in cases.iter().enumerate() {
        g.bench_function(BenchmarkId::from_parameter(case), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut done = 0;
                while done < iters {
                    let n = (iters - done).min(CHUNK);
                    let start = Instant::now();
                    for _ in 0..n {
                        black_box(run(black_box(input)));
                    }
                    timed += start.elapsed();
                    for (j, (_, other)) in cases.iter().enumerate() {
                        if j != i {
                            for _ in 0..n {
                                black_box(run(black_box(other)));
                            }
                        }
                    }
                    done += n;
                }
                timed
            })
        });
    }
    g.finish();
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

        let tokens: Vec<(&str, String)> = cases
            .iter()
            .map(|(case, forged)| (*case, format!("{VALUE}{sep}{}", base64url_encode(forged))))
            .collect();
        for (case, token) in &tokens {
            assert_eq!(signer.unsign(token).is_ok(), *case == "correct");
        }
        interleaved(c, &format!("unsign/{name}"), &tokens, |t| {
            signer.unsign(t).is_ok()
        });
        interleaved(c, &format!("verify_mac/{name}"), &cases, |m| {
            signer.verify_mac(VALUE.as_bytes(), m).is_some()
        });
    }

    // Control: an early-exit comparison of 64-byte MACs (the longest, SHA-512).
    let mac = [0x5au8; 64];
    interleaved(c, "control/early-exit-eq-64-bytes", &forgeries(&mac), |f| {
        early_exit_eq(&mac, f)
    });
}

criterion_group!(benches, constant_time);
criterion_main!(benches);
