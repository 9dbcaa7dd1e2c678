//! Golden vectors made by the real Flask, itsdangerous, Django and Starlette (see
//! tests/interop/gen_golden.py), checked without Python: every token the library signed is
//! signed byte for byte the same here and verifies to the same value; every token it accepted
//! verifies; every token it rejected is rejected, with the matching kind of error.

mod common;

use common::GOLDEN_ENVS as ENVS;
use common::*;
use serde_json::Value as Json;

fn compat_of(case: &Json) -> &str {
    str_field(case, "compat").expect("compat")
}

#[test]
fn tokens_signed_by_python_are_signed_identically_and_verify() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for env in ENVS {
        let golden = golden(env);
        for v in golden["vectors"].as_array().unwrap() {
            let codec = codec_for(v, compat_of(v));
            let now = now_for(v);
            let value = str_field(v, "value").unwrap();
            let token = str_field(v, "token").unwrap();
            let case = format!("{env} {} {}", v["profile"], v["case"]);
            match codec.sign_text(value, now) {
                Ok(ours) if ours == token => {}
                Ok(ours) => {
                    failures.push(format!("{case}: signed\n  ours   {ours}\n  python {token}"))
                }
                Err(e) => failures.push(format!("{case}: sign failed: {e}")),
            }
            match codec.verify_text(token, None, now) {
                Ok(got) if got.text == value => {}
                Ok(got) => failures.push(format!(
                    "{case}: verified to\n  ours   {}\n  python {value}",
                    got.text
                )),
                Err(e) => failures.push(format!("{case}: verify failed: {e}")),
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} vectors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 1000, "only {checked} vectors");
}

#[test]
fn tokens_python_accepts_verify_here_except_non_canonical_base64() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for env in ENVS {
        let golden = golden(env);
        for a in golden["accepted"].as_array().unwrap() {
            let req = &a["request"];
            let codec = codec_for(req, compat_of(a));
            let result = codec.verify_text(
                str_field(req, "token").unwrap(),
                max_age_for(req),
                now_for(req),
            );
            let case = format!("{env} {} {}", a["profile"], a["case"]);
            let lenient_only = a["lenient_only"].as_bool() == Some(true);
            match (result, lenient_only) {
                (Ok(got), false) if got.text == str_field(a, "value").unwrap() => {}
                (Ok(got), false) => failures.push(format!("{case}: got {}", got.text)),
                (Err(e), false) => failures.push(format!("{case}: rejected: {e}")),
                // CLI.md: only canonical base64 is accepted, as Django does.
                (Err(e), true) if e.kind().as_str() == "bad-signature" => {}
                (other, true) => {
                    failures.push(format!("{case}: lenient-only token gave {other:?}"))
                }
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 100, "only {checked} cases");
}

#[test]
fn tokens_python_rejects_are_rejected_with_the_same_kind_of_error() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for env in ENVS {
        let golden = golden(env);
        for r in golden["rejections"].as_array().unwrap() {
            let req = &r["request"];
            let error = str_field(r, "error").unwrap();
            let case = format!("{env} {} {} ({error})", r["profile"], r["case"]);
            let profile = profile_for(req, compat_of(r));
            let codec = match signed_cookie::codec::Codec::new(&profile, keys_for(req)) {
                Ok(codec) => codec,
                // A version without key rotation: fallback keys are refused up front.
                Err(e)
                    if !profile.key_rotation
                        && kinds_for_python_error(error).contains(&"bad-signature") =>
                {
                    assert!(e.to_string().contains("no key rotation"), "{case}: {e}");
                    checked += 1;
                    continue;
                }
                Err(e) => panic!("{case}: {e}"),
            };
            let result = codec.verify_text(
                str_field(req, "token").unwrap(),
                max_age_for(req),
                now_for(req),
            );
            match result {
                Ok(got) => failures.push(format!("{case}: accepted as {}", got.text)),
                Err(e) if kinds_for_python_error(error).contains(&e.kind().as_str()) => {}
                Err(e) => failures.push(format!("{case}: rejected as {} ({e})", e.kind().as_str())),
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "only {checked} cases");
}
