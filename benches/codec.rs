//! Sign and verify per profile on the three sessions of `benches/sessions.json` (the same
//! sessions `scripts/compare.py` gives the Python peers): a small Flask-style session, a 1 KB
//! and a 3 KB compressible one.
//!
//! Also times `json::from_str` alone on each session, and the JSON step of a Flask and a
//! Starlette verify (parse, untag, drop) (group `json`), and zlib alone (group `zlib`): this
//! crate's inflate and deflate beside C zlib's (flate2, one stream reset per call), on the
//! sessions as Flask compresses them. Those are the floors under verify and sign.
//!
//! Run: `cargo bench --bench codec -- --warm-up-time 1 --measurement-time 2`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use signed_cookie::encoding::{zlib_compress, zlib_compress_into, zlib_decompress_into, Inflater};
use signed_cookie::json::{self, Limits, Value};
use signed_cookie::profile::{Payload, Profile};
use signed_cookie::serializer::{Envelope, FlaskTaggedJson, JsonDialect, PlainJson, TextEncoding};
use signed_cookie::tagged::TagScheme;
use std::time::{Duration, UNIX_EPOCH};

const SECRET: &str = "bench-secret-key-0123456789";

/// The profiles benchmarked, with Django set to compress as its session backends do.
fn profiles() -> Vec<Profile> {
    let mut django = Profile::django();
    if let Payload::Json {
        envelope: Envelope::UrlSafe { compress },
        ..
    } = &mut django.payload
    {
        *compress = true;
    }
    vec![
        Profile::flask(),
        Profile::itsdangerous(),
        django,
        Profile::django_cookie(),
        Profile::starlette(),
    ]
}

fn codec(c: &mut Criterion) {
    let sessions = json::from_str(include_str!("sessions.json"), &Limits::default())
        .expect("benches/sessions.json is JSON");
    let sessions = sessions.as_dict().expect("a dict of sessions");
    let now = UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    let max_age = Some(Duration::from_secs(3600));
    for profile in profiles() {
        let serializer = profile.serializer(SECRET).expect("profile builds");
        let mut group = c.benchmark_group(profile.name);
        for (size, value) in sessions {
            let token = serializer.dumps_value_at(value, now).expect("signs");
            let back = serializer
                .loads_value_at(&token, max_age, now)
                .expect("verifies");
            assert_eq!(&back.value, value, "{} {size} round trip", profile.name);
            group.throughput(Throughput::Bytes(token.len() as u64));
            group.bench_function(BenchmarkId::new("sign", size), |b| {
                b.iter(|| serializer.dumps_value_at(black_box(value), now))
            });
            group.bench_function(BenchmarkId::new("verify", size), |b| {
                b.iter(|| serializer.loads_value_at(black_box(&token), max_age, now))
            });
        }
        group.finish();
    }
    // The raw layers under the session profiles: what is left once JSON and zlib are gone.
    let mut group = c.benchmark_group("layers");
    let serializer = Profile::flask().serializer(SECRET).expect("builds");
    let small: &Value = &sessions["small"];
    let token = serializer.dumps_value_at(small, now).expect("signs");
    group.bench_function("flask/verify-signature-only/small", |b| {
        b.iter(|| {
            serializer
                .signer()
                .unsign_at(black_box(&token), max_age, now)
        })
    });
    group.finish();
    // JSON parsing alone, value dropped included: the session texts as Flask writes them.
    let mut group = c.benchmark_group("json");
    for (size, value) in sessions {
        let text = json::to_string(value, &json::JsonStyle::FLASK).expect("writes");
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(BenchmarkId::new("parse", size), |b| {
            b.iter(|| json::from_str(black_box(&text), &Limits::default()))
        });
        // What verify does with the inflated payload: Flask parses and untags, Starlette
        // reads `json.loads(bytes)`; the value is dropped in the loop.
        let flask = FlaskTaggedJson {
            scheme: TagScheme::Flask,
        };
        group.bench_function(BenchmarkId::new("load-flask", size), |b| {
            b.iter(|| flask.load(black_box(text.as_bytes()), &Limits::default()))
        });
        let spaced = json::to_string(value, &json::JsonStyle::PYTHON_DEFAULT).expect("writes");
        let starlette = PlainJson {
            style: json::JsonStyle::PYTHON_DEFAULT,
            text: TextEncoding::PythonBytes,
        };
        group.bench_function(BenchmarkId::new("load-starlette", size), |b| {
            b.iter(|| starlette.load(black_box(spaced.as_bytes()), &Limits::default()))
        });
    }
    group.finish();
    // zlib alone. C zlib gets the same reuse as ours (a stream reset, not rebuilt, per call).
    let mut group = c.benchmark_group("zlib");
    for (size, value) in sessions {
        let text = json::to_string(value, &json::JsonStyle::FLASK).expect("writes");
        let compressed = zlib_compress(text.as_bytes());
        let mut c_zlib = flate2::Compress::new(flate2::Compression::new(6), true);
        let mut out = Vec::with_capacity(2 * text.len() + 64);
        c_zlib
            .compress_vec(text.as_bytes(), &mut out, flate2::FlushCompress::Finish)
            .expect("compresses");
        assert_eq!(out, compressed, "{size}: the same bytes as C zlib");
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(BenchmarkId::new("deflate", size), |b| {
            b.iter(|| {
                out.clear();
                zlib_compress_into(black_box(text.as_bytes()), &mut out);
            })
        });
        group.bench_function(BenchmarkId::new("deflate-c-zlib", size), |b| {
            b.iter(|| {
                c_zlib.reset();
                out.clear();
                c_zlib.compress_vec(
                    black_box(text.as_bytes()),
                    &mut out,
                    flate2::FlushCompress::Finish,
                )
            })
        });
        let mut inflater = Inflater::new();
        group.bench_function(BenchmarkId::new("inflate", size), |b| {
            b.iter(|| {
                zlib_decompress_into(&mut inflater, black_box(&compressed), 1 << 20, &mut out)
            })
        });
        let mut c_inflate = flate2::Decompress::new(true);
        group.bench_function(BenchmarkId::new("inflate-c-zlib", size), |b| {
            b.iter(|| {
                c_inflate.reset(true);
                out.clear();
                c_inflate.decompress_vec(
                    black_box(&compressed),
                    &mut out,
                    flate2::FlushDecompress::Finish,
                )
            })
        });
        assert_eq!(out, text.as_bytes(), "{size}: C zlib inflates it back");
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
