//! The Rust side of `scripts/compare.py`: times sign and verify for each case it is given, on
//! the very tokens the Python peers made, and prints one JSON object per case.
//!
//! Input (a file, or `-` for stdin): `{"now": UNIX, "cases": [{"profile": "flask", "size":
//! "small", "secret": "...", "value": {...}, "token": "...", "now": UNIX}]}` (a case's `now`
//! overrides the global one). For each case the value is signed as of `now` (the output says
//! whether that gives the peer's token byte for byte), the peer's token is verified, then both
//! operations are timed. Without an input file, the sessions of `benches/sessions.json` are
//! signed here.
//!
//! Time is the CPU time of the measuring thread (as Python's `time.thread_time_ns`), so the
//! ratio to the peers holds even when other work shares the machine.
//!
//! Run: `cargo run --release --example codec_timing [-- CASES.json [SECONDS_PER_BATCH]]`

use signed_cookie::json::{self, Limits, Value};
use signed_cookie::profile::{Payload, Profile};
use signed_cookie::serializer::{Envelope, Serializer};
use std::hint::black_box;
use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// CPU time of the calling thread, in nanoseconds (`/proc/thread-self/schedstat`, Linux).
/// Falls back to wall time elsewhere.
fn thread_cpu_ns() -> u64 {
    if std::env::var_os("WALL").is_some() {
        let since = SystemTime::now().duration_since(UNIX_EPOCH);
        return since.map_or(0, |d| d.as_nanos() as u64);
    }
    let cpu = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok());
    cpu.unwrap_or_else(|| {
        let since = SystemTime::now().duration_since(UNIX_EPOCH);
        since.map_or(0, |d| d.as_nanos() as u64)
    })
}

/// Median ns/op over `batches` batches of about `batch_seconds` each.
fn time_op(batch_seconds: f64, batches: usize, mut op: impl FnMut()) -> f64 {
    // Calibrate: double the count until one batch takes a tenth of the target.
    let mut n: u64 = 1;
    loop {
        let t0 = thread_cpu_ns();
        for _ in 0..n {
            op();
        }
        let dt = (thread_cpu_ns() - t0) as f64 * 1e-9;
        if dt > batch_seconds / 10.0 {
            n = ((n as f64) * batch_seconds / dt).ceil() as u64;
            break;
        }
        n *= 2;
    }
    let mut per_op: Vec<f64> = (0..batches)
        .map(|_| {
            let t0 = thread_cpu_ns();
            for _ in 0..n {
                op();
            }
            (thread_cpu_ns() - t0) as f64 / n as f64
        })
        .collect();
    per_op.sort_by(f64::total_cmp);
    per_op[per_op.len() / 2]
}

/// The benchmarked profiles by the names the comparison script uses.
fn profile(name: &str) -> Profile {
    match name {
        // `signing.dumps(..., compress=True)`, as Django's session backends call it.
        "django" => {
            let mut p = Profile::django();
            if let Payload::Json {
                envelope: Envelope::UrlSafe { compress },
                ..
            } = &mut p.payload
            {
                *compress = true;
            }
            p
        }
        other => Profile::lookup(other, None).unwrap_or_else(|e| panic!("{other}: {e}")),
    }
}

struct Case {
    /// The signing time of the peer's token (Unix seconds), when it differs from the global.
    now: Option<i64>,
    profile: String,
    size: String,
    secret: String,
    value: Value,
    token: Option<String>,
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("case field {key:?} missing"))
        .to_owned()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let input = args.next().filter(|s| !s.is_empty());
    let batch_seconds: f64 = args.next().map_or(0.2, |s| s.parse().expect("seconds"));
    let limits = Limits::default();
    let (now_unix, cases) = match input.as_deref() {
        Some(path) => {
            let mut text = String::new();
            if path == "-" {
                std::io::stdin().read_to_string(&mut text).expect("stdin");
            } else {
                text = std::fs::read_to_string(path).expect("cases file");
            }
            let doc = json::from_str(&text, &limits).expect("cases are JSON");
            let now = doc.get("now").and_then(Value::as_i64).expect("now");
            let cases = doc
                .get("cases")
                .and_then(Value::as_list)
                .expect("cases")
                .iter()
                .map(|c| Case {
                    now: c.get("now").and_then(Value::as_i64),
                    profile: str_field(c, "profile"),
                    size: str_field(c, "size"),
                    secret: str_field(c, "secret"),
                    value: c.get("value").cloned().expect("value"),
                    token: Some(str_field(c, "token")),
                })
                .collect();
            (now, cases)
        }
        None => {
            let sessions = json::from_str(include_str!("../benches/sessions.json"), &limits)
                .expect("benches/sessions.json");
            let mut cases = Vec::new();
            for p in [
                "flask",
                "itsdangerous",
                "django",
                "django-cookie",
                "starlette",
            ] {
                for (size, value) in sessions.as_dict().expect("dict") {
                    cases.push(Case {
                        now: None,
                        profile: p.to_owned(),
                        size: size.to_string(),
                        secret: "bench-secret-key-0123456789".to_owned(),
                        value: value.clone(),
                        token: None,
                    });
                }
            }
            (1_750_000_000, cases)
        }
    };
    // ONLY=profile/size (or ONLY=profile) limits the run, for profiling one case.
    let only = std::env::var("ONLY").ok();
    for case in cases {
        let name = format!("{}/{}", case.profile, case.size);
        if only
            .as_deref()
            .is_some_and(|o| o != name && o != case.profile)
        {
            continue;
        }
        let now = UNIX_EPOCH + Duration::from_secs(case.now.unwrap_or(now_unix) as u64);
        let p = profile(&case.profile);
        let serializer: Serializer = p.serializer(case.secret.as_str()).expect("serializer");
        let ours = serializer.dumps_value_at(&case.value, now).expect("sign");
        let identical = case.token.as_ref().map(|t| *t == ours);
        let token = case.token.unwrap_or(ours);
        let max_age = serializer.max_age();
        let loaded = serializer
            .loads_value_at(&token, max_age, now)
            .unwrap_or_else(|e| panic!("{} {}: {e}", case.profile, case.size));
        assert_eq!(loaded.value, case.value, "{} {}", case.profile, case.size);
        let op = std::env::var("OP").unwrap_or_default();
        let sign_ns = if op == "verify" {
            0.0
        } else {
            time_op(batch_seconds, 5, || {
                black_box(serializer.dumps_value_at(black_box(&case.value), now).ok());
            })
        };
        let verify_ns = if op == "sign" {
            0.0
        } else {
            time_op(batch_seconds, 5, || {
                black_box(
                    serializer
                        .loads_value_at(black_box(&token), max_age, now)
                        .ok(),
                );
            })
        };
        println!(
            "{{\"profile\": \"{}\", \"size\": \"{}\", \"token_len\": {}, \"identical\": {}, \"sign_ns\": {:.1}, \"verify_ns\": {:.1}}}",
            case.profile,
            case.size,
            token.len(),
            identical.map_or("null".to_owned(), |b| b.to_string()),
            sign_ns,
            verify_ns
        );
    }
}
