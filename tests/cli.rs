//! The command-line contract (shared/CLI.md), checked on the real binary: exit statuses, what
//! goes to stdout and stderr, every option, and the golden tokens the Python libraries wrote.

mod common;

use common::{golden, kinds_for_python_error, GOLDEN_ENVS as ENVS};
use serde_json::Value as Json;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_signed-cookie");
const T0: &str = "1700000000";

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    /// The first word on stderr (CLI.md: the error kind), exactly as a script splitting on
    /// white space sees it.
    fn word(&self) -> &str {
        self.stderr.split_whitespace().next().unwrap_or("")
    }

    #[track_caller]
    fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        self.stdout
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("stdout does not end in one newline: {self:?}"))
    }

    #[track_caller]
    fn fails_with(&self, word: &str) {
        assert_eq!((self.code, self.word()), (1, word), "{self:?}");
        assert!(
            self.stdout.is_empty(),
            "nothing on stdout when it fails: {self:?}"
        );
    }

    #[track_caller]
    fn usage_error(&self) {
        assert_eq!(self.code, 2, "expected a usage error: {self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        assert!(!self.stderr.is_empty(), "{self:?}");
    }
}

fn run_with_input(args: &[&str], input: Option<&[u8]>) -> Out {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run signed-cookie");
    if let Some(bytes) = input {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(bytes).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    Out {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn run(args: &[&str]) -> Out {
    run_with_input(args, None)
}

fn run_stdin(args: &[&str], input: &str) -> Out {
    run_with_input(args, Some(input.as_bytes()))
}

fn sign(args: &[&str], value: &str) -> String {
    let mut all = vec!["sign"];
    all.extend_from_slice(args);
    all.extend(["--", value]);
    run(&all).ok().to_owned()
}

fn verify(args: &[&str], token: &str) -> Out {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    all.extend(["--", token]);
    run(&all)
}

/// A file under the target dir, unique to this test process.
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

// ---------------------------------------------------------------------------------------------
// golden tokens: the CLI signs them byte for byte and verifies them
// ---------------------------------------------------------------------------------------------

fn field<'a>(v: &'a Json, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Json::as_str)
}

/// The CLI options for a golden request (tests/interop/README.md field names).
fn options(req: &Json, compat: &str) -> Vec<String> {
    let mut args = vec![
        "--profile".to_owned(),
        field(req, "profile").expect("profile").to_owned(),
        "--compat".to_owned(),
        compat.to_owned(),
        "--secret".to_owned(),
        field(req, "secret").expect("secret").to_owned(),
    ];
    for key in req["fallbacks"].as_array().into_iter().flatten() {
        args.extend([
            "--fallback".to_owned(),
            key.as_str().expect("key").to_owned(),
        ]);
    }
    // Django's `algorithm` is the CLI's --digest, like itsdangerous' digest_method.
    let digest = field(req, "algorithm").or(field(req, "digest"));
    for (flag, value) in [
        ("--salt", field(req, "salt")),
        ("--digest", digest),
        ("--key-derivation", field(req, "key_derivation")),
        ("--separator", field(req, "separator")),
        ("--cookie-name", field(req, "cookie_name")),
    ] {
        if let Some(v) = value {
            args.extend([flag.to_owned(), v.to_owned()]);
        }
    }
    let now = &req["now"];
    args.push(format!("--now={now}"));
    args
}

/// Runs the CLI with `value` as its last argument, or on stdin where argv cannot carry it.
fn run_last(args: &[String], value: &str) -> Out {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    if value.contains('\0') {
        all.push("-");
        run_stdin(&all, &format!("{value}\n"))
    } else {
        all.extend(["--", value]);
        run(&all)
    }
}

#[test]
fn golden_vectors_sign_byte_for_byte_and_verify() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for env in ENVS {
        for v in golden(env)["vectors"].as_array().expect("vectors") {
            let compat = field(v, "compat").expect("compat");
            let case = format!("{env} {} {} [{}]", v["profile"], compat, v["case"]);
            let (value, token) = (field(v, "value").unwrap(), field(v, "token").unwrap());
            let opts = options(v, compat);
            // CLI.md: the CLI writes modern session rows; Django 2.2's compat writes its own.
            let writes = !(v["legacy"] == Json::Bool(true) && compat != "django-2.2");
            if writes {
                let mut args = vec!["sign".to_owned()];
                args.extend(opts.iter().cloned());
                if v["compress"] == Json::Bool(true) {
                    args.push("--compress".to_owned());
                }
                let out = run_last(&args, value);
                if out.code != 0 || out.stdout != format!("{token}\n") {
                    failures.push(format!("{case}: sign gave {out:?}, python {token}"));
                }
            }
            let mut args = vec!["verify".to_owned()];
            args.extend(opts);
            let out = run_last(&args, token);
            if out.code != 0 || out.stdout != format!("{value}\n") {
                failures.push(format!("{case}: verify gave {out:?}, python {value:?}"));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 1000, "{checked}");
}

/// The verify options of a golden `accepted` or `rejections` entry, with its max age.
fn verify_args(entry: &Json) -> Vec<String> {
    let req = &entry["request"];
    let mut args = vec!["verify".to_owned()];
    args.extend(options(req, field(entry, "compat").expect("compat")));
    args.push(match req["max_age"].as_f64() {
        Some(secs) => format!("--max-age={secs}"),
        None => "--max-age=none".to_owned(),
    });
    args
}

#[test]
fn golden_accepted_tokens_verify_and_lenient_base64_is_a_bad_signature() {
    let mut failures = Vec::new();
    let (mut checked, mut lenient) = (0, 0);
    for env in ENVS {
        for a in golden(env)["accepted"].as_array().expect("accepted") {
            let case = format!("{env} {} [{}]", a["profile"], a["case"]);
            let out = run_last(&verify_args(a), field(&a["request"], "token").unwrap());
            if a["lenient_only"] == Json::Bool(true) {
                // CLI.md, last paragraph: only canonical base64.
                lenient += 1;
                if (out.code, out.word()) != (1, "bad-signature") || !out.stdout.is_empty() {
                    failures.push(format!("{case}: lenient-only token gave {out:?}"));
                }
            } else if out.code != 0 || out.stdout != format!("{}\n", field(a, "value").unwrap()) {
                failures.push(format!("{case}: {out:?}, python {}", a["value"]));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked > 100 && lenient > 20,
        "{checked} cases, {lenient} lenient"
    );
}

#[test]
fn golden_rejections_exit_1_with_the_kind_as_first_word() {
    let mut failures = Vec::new();
    let (mut checked, mut refused) = (0, 0);
    for env in ENVS {
        for r in golden(env)["rejections"].as_array().expect("rejections") {
            let error = field(r, "error").unwrap();
            let case = format!("{env} {} [{}] ({error})", r["profile"], r["case"]);
            let out = run_last(&verify_args(r), field(&r["request"], "token").unwrap());
            checked += 1;
            if out.code == 2 && out.stderr.contains("no key rotation") {
                // --fallback for a version without key rotation is refused up front.
                refused += 1;
                continue;
            }
            if out.code != 1
                || !out.stdout.is_empty()
                || !kinds_for_python_error(error).contains(&out.word())
            {
                failures.push(format!("{case}: {out:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked > 300 && refused > 0,
        "{checked} cases, {refused} refused"
    );
}

// ---------------------------------------------------------------------------------------------
// decode
// ---------------------------------------------------------------------------------------------

#[test]
fn decode_needs_no_key_prints_the_payload_and_says_it_is_unverified() {
    // itsdangerous 2.2 / Flask 3.1 at 1700000000 (golden).
    let token = "eyJhIjoxfQ.ZVPxAA.-1QlRaColPEibXlFRFd2EAdBB74";
    let out = run(&["decode", token]);
    assert_eq!(out.ok(), r#"{"a":1}"#);
    assert!(out.stderr.contains("unverified"), "{out:?}");
    assert!(
        out.stderr.contains("1700000000"),
        "the time it was signed: {out:?}"
    );
    assert!(out.stderr.contains("2023"), "the time, readable: {out:?}");

    // The same on stdin; a compressed Flask session; a Django token (base62 time).
    assert_eq!(
        run_stdin(&["decode", "-"], &format!("{token}\n")).ok(),
        r#"{"a":1}"#
    );
    let big = format!(r#"{{"k":"{}"}}"#, "ab".repeat(200));
    let flask = sign(&["--profile", "flask", "--secret", "k", "--now", T0], &big);
    assert!(flask.starts_with('.'), "compressed: {flask}");
    let out = run(&["decode", &flask]);
    assert_eq!(out.ok(), big);
    assert!(
        out.stderr.contains("unverified") && out.stderr.contains("1700000000"),
        "{out:?}"
    );
    let django = sign(
        &["--profile", "django", "--secret", "k", "--now", T0],
        r#"{"a":1}"#,
    );
    let out = run(&["decode", &django]);
    assert_eq!(out.ok(), r#"{"a":1}"#);
    assert!(
        out.stderr.contains("unverified") && out.stderr.contains("1700000000"),
        "{out:?}"
    );
    // An untimed token has no time to show.
    let untimed = sign(
        &["--profile", "itsdangerous-untimed", "--secret", "k"],
        "[1]",
    );
    let out = run(&["decode", &untimed]);
    assert_eq!(out.ok(), "[1]");
    assert!(
        out.stderr.contains("unverified") && !out.stderr.contains("signed at"),
        "{out:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// verify, sign: each profile, each outcome
// ---------------------------------------------------------------------------------------------

/// (profile, value, extra options): one of each, raw-string profiles with a raw value.
const PROFILES: [(&str, &str, &[&str]); 12] = [
    ("flask", r#"{" t":[1,2],"user_id":42}"#, &[]),
    ("itsdangerous", r#"{"a":[1,2.5,"é"]}"#, &[]),
    ("itsdangerous-untimed", "[1,2,3]", &[]),
    ("itsdangerous-signer", "hello world", &[]),
    ("itsdangerous-signer-untimed", "hello world", &[]),
    ("django", r#"{"a":NaN,"b":18446744073709551616}"#, &[]),
    ("django-signer", "a:b c", &[]),
    ("django-timestamp-signer", "a:b c", &[]),
    ("django-cookie", r#"{"_auth_user_id":"1"}"#, &[]),
    ("django-signed-cookie", "dark", &["--cookie-name", "theme"]),
    ("django-db", r#"{"_auth_user_id":"1"}"#, &[]),
    ("starlette", r#"{"user": "ann", "n": [1, 2]}"#, &[]),
];

fn is_raw(profile: &str) -> bool {
    profile.contains("-signer") || profile == "django-signed-cookie"
}

#[test]
fn every_profile_signs_then_verifies_the_same_value_and_reports_each_failure_kind() {
    for (profile, value, extra) in PROFILES {
        let mut opts = vec!["--profile", profile, "--secret", "k", "--now", T0];
        opts.extend_from_slice(extra);
        let token = sign(&opts, value);
        assert_eq!(verify(&opts, &token).ok(), value, "{profile}");

        // The wrong key: bad-signature, nothing on stdout.
        let mut wrong = opts.clone();
        wrong[3] = "not-k";
        verify(&wrong, &token).fails_with("bad-signature");

        // A changed byte of the signature (the first: the last may hold only spare bits).
        let sep = if profile.starts_with("django") {
            ':'
        } else {
            '.'
        };
        if let Some(cut) = token.rfind(sep) {
            let (head, sig) = token.split_at(cut + 1);
            let first = if sig.starts_with('A') { "B" } else { "A" };
            let tampered = format!("{head}{first}{}", &sig[1..]);
            verify(&opts, &tampered).fails_with("bad-signature");
        }

        // Expired, where the token is timed: a day later with a max age of an hour.
        let timed = !matches!(
            profile,
            "itsdangerous-untimed" | "itsdangerous-signer-untimed" | "django-signer" | "django-db"
        );
        if timed {
            let mut late = vec!["--profile", profile, "--secret", "k", "--now", "1700086400"];
            late.extend_from_slice(extra);
            verify(&[&late[..], &["--max-age", "3600"]].concat(), &token).fails_with("expired");
            // No age check at all: it verifies.
            let unlimited = [&late[..], &["--max-age", "none"]].concat();
            assert_eq!(verify(&unlimited, &token).ok(), value, "{profile}");
        }
        if is_raw(profile) {
            // Raw-string profiles print the raw value and one newline.
            assert_eq!(verify(&opts, &token).stdout, format!("{value}\n"));
        }
    }
}

#[test]
fn bad_time_signature_and_bad_payload_are_reported_as_such() {
    // An untimed Signer token (same salt) given to a TimestampSigner: the signature holds,
    // the timestamp is missing.
    let untimed = sign(
        &["--profile", "itsdangerous-signer-untimed", "--secret", "k"],
        "v",
    );
    let timed = ["--profile", "itsdangerous-signer", "--secret", "k"];
    verify(&timed, &untimed).fails_with("bad-time-signature");
    // A correctly signed payload that is not JSON: "not json" in base64url.
    let raw_signer = [
        "--profile",
        "itsdangerous-signer-untimed",
        "--salt",
        "itsdangerous",
    ];
    let token = sign(
        &[&raw_signer[..], &["--secret", "k"]].concat(),
        "bm90IGpzb24",
    );
    let serializer = ["--profile", "itsdangerous-untimed", "--secret", "k"];
    verify(&serializer, &token).fails_with("bad-payload");
    // And a payload that is not base64 even to Python's lenient decoder.
    let token = sign(&[&raw_signer[..], &["--secret", "k"]].concat(), "e");
    verify(&serializer, &token).fails_with("bad-payload");
}

#[test]
fn non_canonical_base64_is_a_bad_signature() {
    // Signatures: Python's lenient decoder would read each of these the same.
    let opts = ["--profile", "itsdangerous-signer-untimed", "--secret", "k"];
    let token = sign(&opts, "v");
    assert_eq!(verify(&opts, &token).ok(), "v");
    let (head, sig) = token.split_at(token.rfind('.').unwrap() + 1);
    // 27 characters carry 160 bits + 2 spare bits: flip the lowest.
    let last = sig.chars().last().unwrap();
    const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let spare_flipped = B64URL.chars().nth(B64URL.find(last).unwrap() ^ 1).unwrap();
    let variants = [
        format!("{head}{}{spare_flipped}", &sig[..sig.len() - 1]),
        format!("{head}{sig}="),
        format!("{head}{sig}=="),
        format!("{head}{}!!{}", &sig[..5], &sig[5..]),
    ];
    for t in &variants {
        verify(&opts, t).fails_with("bad-signature");
    }
    let plus_slash = (0..100)
        .map(|i| sign(&opts, &format!("v{i}")))
        .find(|t| t.contains('-') || t.contains('_'))
        .expect("a signature with - or _");
    verify(&opts, &plus_slash.replace('-', "+").replace('_', "/")).fails_with("bad-signature");

    // Payloads, correctly signed by a key holder but not canonical: {"a":1} is eyJhIjoxfQ,
    // {"a":"~~~"} is eyJhIjoifn5-In0.
    let raw = [
        "--profile",
        "itsdangerous-signer-untimed",
        "--salt",
        "itsdangerous",
        "--secret",
        "k",
    ];
    let serializer = ["--profile", "itsdangerous-untimed", "--secret", "k"];
    assert_eq!(
        verify(&serializer, &sign(&raw, "eyJhIjoxfQ")).ok(),
        r#"{"a":1}"#
    );
    for payload in [
        "eyJhIjoxfR",
        "eyJhIjoxfQ==",
        "eyJhIjoifn5+In0",
        "eyJh!!!!IjoxfQ==",
    ] {
        verify(&serializer, &sign(&raw, payload)).fails_with("bad-signature");
    }
    // Django's signing.loads, the same.
    let raw = [
        "--profile",
        "django-timestamp-signer",
        "--salt",
        "django.core.signing",
        "--secret",
        "k",
        "--now",
        T0,
    ];
    let django = ["--profile", "django", "--secret", "k", "--now", T0];
    assert_eq!(
        verify(&django, &sign(&raw, "eyJhIjoxfQ")).ok(),
        r#"{"a":1}"#
    );
    verify(&django, &sign(&raw, "eyJhIjoxfR")).fails_with("bad-signature");
}

#[test]
fn dash_reads_stdin_with_one_trailing_newline_stripped() {
    let opts = ["--profile", "itsdangerous-signer-untimed", "--secret", "k"];
    let token = sign(&opts, "hello");
    let verify_stdin = |input: &str| run_stdin(&[&["verify"][..], &opts, &["-"]].concat(), input);
    assert_eq!(verify_stdin(&format!("{token}\n")).ok(), "hello");
    assert_eq!(verify_stdin(&token).ok(), "hello");
    // Only one newline goes: the second is part of the token, which no longer verifies.
    verify_stdin(&format!("{token}\n\n")).fails_with("bad-signature");
    // A CRLF line end counts as one newline.
    assert_eq!(verify_stdin(&format!("{token}\r\n")).ok(), "hello");

    let sign_stdin = |input: &str| {
        run_stdin(&[&["sign"][..], &opts, &["-"]].concat(), input)
            .ok()
            .to_owned()
    };
    assert_eq!(sign_stdin("hello\n"), token);
    assert_eq!(sign_stdin("hello"), token);
    let two = sign_stdin("hello\n\n");
    assert_eq!(two, sign(&opts, "hello\n"));
    assert_eq!(
        verify(&opts, &two).stdout,
        "hello\n\n",
        "the raw value, then a newline"
    );
    // Bytes argv cannot carry go through stdin.
    let nul = sign_stdin("a\0b\n");
    assert_eq!(verify_stdin(&format!("{nul}\n")).stdout, "a\0b\n");
    // JSON on stdin.
    let json = run_stdin(
        &[
            "sign",
            "--profile",
            "django",
            "--secret",
            "k",
            "--now",
            T0,
            "-",
        ],
        "{\"a\":1}\n",
    );
    let django = ["--profile", "django", "--secret", "k", "--now", T0];
    assert_eq!(verify(&django, json.ok()).ok(), r#"{"a":1}"#);
}

#[test]
fn fallback_keys_are_repeatable_and_tried_after_the_secret() {
    let old = sign(
        &["--profile", "flask", "--secret", "old", "--now", T0],
        r#"{"a":1}"#,
    );
    let new = ["--profile", "flask", "--secret", "new", "--now", T0];
    verify(&new, &old).fails_with("bad-signature");
    let with_fallbacks = [&new[..], &["--fallback", "older", "--fallback", "old"]].concat();
    assert_eq!(verify(&with_fallbacks, &old).ok(), r#"{"a":1}"#);
    let one = [&new[..], &["--fallback", "old"]].concat();
    assert_eq!(verify(&one, &old).ok(), r#"{"a":1}"#);
    // Signing uses --secret, never a fallback.
    let signed = sign(&with_fallbacks, r#"{"a":1}"#);
    assert_eq!(signed, sign(&new, r#"{"a":1}"#));
    // Django 4.2+ rotates; versions without rotation refuse --fallback (a usage error rather
    // than accepting tokens the Python app rejects).
    let old = sign(
        &["--profile", "django", "--secret", "old", "--now", T0],
        "1",
    );
    let django = [
        "--profile",
        "django",
        "--secret",
        "new",
        "--fallback",
        "old",
        "--now",
        T0,
    ];
    assert_eq!(verify(&django, &old).ok(), "1");
    for (profile, compat) in [
        ("flask", "flask-1.1"),
        ("flask", "flask-0.12"),
        ("itsdangerous", "itsdangerous-1.1"),
        ("django", "django-3.2"),
        ("django", "django-2.2"),
        ("starlette", "starlette-1.10"),
    ] {
        let args = ["--profile", profile, "--compat", compat, "--secret", "new"];
        let out = verify(&[&args[..], &["--fallback", "old"]].concat(), &old);
        out.usage_error();
    }
}

#[test]
fn max_age_defaults_to_the_framework_and_none_disables_it() {
    // Signed at 1700000000; Flask's default is 31 days, Django's cookie and Starlette's 14.
    let day = 86_400;
    for (profile, value, default_days) in [
        ("flask", r#"{"a":1}"#, Some(31)),
        ("django-cookie", r#"{"a":1}"#, Some(14)),
        ("starlette", r#"{"a": 1}"#, Some(14)),
        ("itsdangerous", r#"{"a":1}"#, None),
        ("django", r#"{"a":1}"#, None),
    ] {
        let token = sign(&["--profile", profile, "--secret", "k", "--now", T0], value);
        let days = default_days.unwrap_or(3650);
        let within = format!("{}", 1_700_000_000 + days * day);
        let later = format!("{}", 1_700_000_000 + (days + 1) * day);
        let args_within = ["--profile", profile, "--secret", "k", "--now", &within];
        assert_eq!(verify(&args_within, &token).ok(), value, "{profile}");
        let args_later = ["--profile", profile, "--secret", "k", "--now", &later];
        let out = verify(&args_later, &token);
        match default_days {
            Some(_) => out.fails_with("expired"),
            None => assert_eq!(out.ok(), value, "{profile}: no default max age"),
        }
        let unlimited = [&args_later[..], &["--max-age", "none"]].concat();
        assert_eq!(verify(&unlimited, &token).ok(), value, "{profile}");
        // An explicit max age: equal passes, one more second expires.
        let exact = [
            "--profile",
            profile,
            "--secret",
            "k",
            "--now",
            "1700000010",
            "--max-age",
            "10",
        ];
        assert_eq!(verify(&exact, &token).ok(), value, "{profile}");
        let over = [
            "--profile",
            profile,
            "--secret",
            "k",
            "--now",
            "1700000011",
            "--max-age",
            "10",
        ];
        verify(&over, &token).fails_with("expired");
    }
}

#[test]
fn now_sets_the_signing_and_the_verification_time() {
    // Golden: itsdangerous 2.2's URLSafeTimedSerializer("k") at 1700000000 is stable.
    let opts = [
        "--profile",
        "itsdangerous-signer",
        "--secret",
        "secret-key",
        "--now",
        T0,
    ];
    assert_eq!(
        sign(&opts, "hello"),
        "hello.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI"
    );
    // Fractions of a second: itsdangerous signs int(now).
    let frac = [
        "--profile",
        "itsdangerous-signer",
        "--secret",
        "secret-key",
        "--now",
        "1700000000.9",
    ];
    assert_eq!(
        sign(&frac, "hello"),
        "hello.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI"
    );
    // From the future: itsdangerous 2.x calls it expired (with a max age), Django accepts.
    let before = [
        "--profile",
        "itsdangerous-signer",
        "--secret",
        "secret-key",
        "--now",
        "1699999000",
        "--max-age",
        "3600",
    ];
    verify(&before, "hello.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI").fails_with("expired");
    let old_compat = [&before[..], &["--compat", "itsdangerous-1.1"]].concat();
    assert_eq!(
        verify(&old_compat, "hello.ZVPxAA.UQx3EIPGLNk6IyY28rz4wwlRRWI").ok(),
        "hello"
    );
    let django = sign(
        &[
            "--profile",
            "django-timestamp-signer",
            "--secret",
            "k",
            "--now",
            T0,
        ],
        "v",
    );
    let earlier = [
        "--profile",
        "django-timestamp-signer",
        "--secret",
        "k",
        "--now",
        "1699999000",
        "--max-age",
        "3600",
    ];
    assert_eq!(verify(&earlier, &django).ok(), "v");
    // Without --now the clock is the real one: a fresh token verifies.
    let fresh = sign(&["--profile", "flask", "--secret", "k"], r#"{"a":1}"#);
    assert_eq!(
        verify(&["--profile", "flask", "--secret", "k"], &fresh).ok(),
        r#"{"a":1}"#
    );
}

#[test]
fn every_compat_value_of_the_table_works_and_others_are_usage_errors() {
    let table: [(&str, &[&str]); 12] = [
        ("flask", &["flask-3.1", "flask-1.1", "flask-0.12"]),
        ("itsdangerous", &["itsdangerous-2.2", "itsdangerous-1.1"]),
        (
            "itsdangerous-untimed",
            &["itsdangerous-2.2", "itsdangerous-1.1"],
        ),
        (
            "itsdangerous-signer",
            &["itsdangerous-2.2", "itsdangerous-1.1"],
        ),
        (
            "itsdangerous-signer-untimed",
            &["itsdangerous-2.2", "itsdangerous-1.1"],
        ),
        (
            "django",
            &["django-5.2", "django-4.2", "django-3.2", "django-2.2"],
        ),
        (
            "django-signer",
            &["django-5.2", "django-4.2", "django-3.2", "django-2.2"],
        ),
        (
            "django-timestamp-signer",
            &["django-5.2", "django-4.2", "django-3.2", "django-2.2"],
        ),
        (
            "django-cookie",
            &["django-5.2", "django-4.2", "django-3.2", "django-2.2"],
        ),
        (
            "django-signed-cookie",
            &["django-5.2", "django-4.2", "django-3.2", "django-2.2"],
        ),
        (
            "django-db",
            &["django-5.2", "django-4.2", "django-3.2", "django-2.2"],
        ),
        ("starlette", &["starlette-1.10"]),
    ];
    for (profile, compats) in table {
        let value = PROFILES.iter().find(|p| p.0 == profile).unwrap().1;
        let base = [
            "--profile",
            profile,
            "--secret",
            "k",
            "--now",
            T0,
            "--cookie-name",
            "c",
        ];
        let base = if profile == "django-signed-cookie" {
            &base[..]
        } else {
            &base[..6]
        };
        // The first compat is the default: the same token without --compat.
        let default = sign(base, value);
        for (i, compat) in compats.iter().enumerate() {
            let opts = [base, &["--compat", compat]].concat();
            let token = sign(&opts, value);
            if i == 0 {
                assert_eq!(token, default, "{profile}: {compat} is the default");
            }
            assert_eq!(verify(&opts, &token).ok(), value, "{profile} {compat}");
        }
        for wrong in [
            "flask-2.0",
            "django-5.0",
            "nope",
            if profile == "starlette" {
                "flask-3.1"
            } else {
                "starlette-1.10"
            },
        ] {
            verify(&[base, &["--compat", wrong]].concat(), &default).usage_error();
        }
    }
    // Versions differ where the libraries do: Flask 0.12's epoch, Django 2.2's SHA-1.
    let v = r#"{"a":1}"#;
    let f31 = sign(&["--profile", "flask", "--secret", "k", "--now", T0], v);
    let f012 = sign(
        &[
            "--profile",
            "flask",
            "--compat",
            "flask-0.12",
            "--secret",
            "k",
            "--now",
            T0,
        ],
        v,
    );
    assert_ne!(f31, f012);
    let d22 = sign(
        &[
            "--profile",
            "django",
            "--compat",
            "django-2.2",
            "--secret",
            "k",
            "--now",
            T0,
        ],
        v,
    );
    let d52 = sign(&["--profile", "django", "--secret", "k", "--now", T0], v);
    assert_eq!(d22.rsplit(':').next().unwrap().len(), 27, "SHA-1");
    assert_eq!(d52.rsplit(':').next().unwrap().len(), 43, "SHA-256");
    // Django 3.2 still accepts SHA-1 tokens; 4.2 does not.
    let d32 = [
        "--profile",
        "django",
        "--compat",
        "django-3.2",
        "--secret",
        "k",
        "--now",
        T0,
    ];
    assert_eq!(verify(&d32, &d22).ok(), v);
    let d42 = [
        "--profile",
        "django",
        "--compat",
        "django-4.2",
        "--secret",
        "k",
        "--now",
        T0,
    ];
    verify(&d42, &d22).fails_with("bad-signature");
}

#[test]
fn django_signed_cookie_needs_a_cookie_name_which_is_part_of_the_salt() {
    let base = [
        "--profile",
        "django-signed-cookie",
        "--secret",
        "k",
        "--now",
        T0,
    ];
    run(&[&["sign"][..], &base, &["v"]].concat()).usage_error();
    verify(&base, "v:1r31eq:abc").usage_error();
    let theme = [&base[..], &["--cookie-name", "theme"]].concat();
    let token = sign(&theme, "dark");
    assert_eq!(verify(&theme, &token).ok(), "dark");
    verify(&[&base[..], &["--cookie-name", "other"]].concat(), &token).fails_with("bad-signature");
    // --salt is set_signed_cookie's salt.
    let salted = [&theme[..], &["--salt", "s"]].concat();
    let salted_token = sign(&salted, "dark");
    assert_ne!(salted_token, token);
    assert_eq!(verify(&salted, &salted_token).ok(), "dark");
    verify(&theme, &salted_token).fails_with("bad-signature");
    // 5.2 reads the legacy salt (name + salt) of older versions; 4.2 does not read 5.2's.
    let legacy = sign(&[&salted[..], &["--compat", "django-4.2"]].concat(), "dark");
    assert_eq!(verify(&salted, &legacy).ok(), "dark");
    verify(
        &[&salted[..], &["--compat", "django-4.2"]].concat(),
        &salted_token,
    )
    .fails_with("bad-signature");
}

#[test]
fn compress_applies_to_the_django_json_profiles() {
    let value = format!(r#"{{"k":"{}"}}"#, "ab".repeat(100));
    let opts = ["--profile", "django", "--secret", "k", "--now", T0];
    let plain = sign(&opts, &value);
    let compressed = sign(&[&opts[..], &["--compress"]].concat(), &value);
    assert!(
        !plain.starts_with('.') && compressed.starts_with('.'),
        "{plain} {compressed}"
    );
    assert!(compressed.len() < plain.len());
    assert_eq!(verify(&opts, &compressed).ok(), value);
    // Only when it saves space, as dumps(compress=True).
    let tiny = sign(&[&opts[..], &["--compress"]].concat(), "1");
    assert_eq!(tiny, sign(&opts, "1"));
    // django-cookie always compresses; --compress is accepted and changes nothing.
    let cookie = ["--profile", "django-cookie", "--secret", "k", "--now", T0];
    assert_eq!(
        sign(&[&cookie[..], &["--compress"]].concat(), &value),
        sign(&cookie, &value)
    );
    // Not for the other profiles.
    for profile in ["flask", "itsdangerous", "starlette", "django-signer"] {
        let args = [
            "sign",
            "--profile",
            profile,
            "--secret",
            "k",
            "--compress",
            "{}",
        ];
        run(&args).usage_error();
    }
}

#[test]
fn usage_errors_exit_2() {
    let token = "eyJhIjoxfQ.ZVPxAA.-1QlRaColPEibXlFRFd2EAdBB74";
    let cases: &[&[&str]] = &[
        &["verify", "--profile", "nope", "--secret", "k", token],
        &["verify", "--secret", "k", token],
        &["verify", "--profile", "flask", token],
        &["sign", "--profile", "flask", "{}"],
        &["verify", "--profile", "flask", "--secret", "k"],
        &[
            "verify",
            "--profile",
            "flask",
            "--secret",
            "k",
            "--max-age",
            "soon",
            token,
        ],
        &[
            "verify",
            "--profile",
            "flask",
            "--secret",
            "k",
            "--max-age=-5",
            token,
        ],
        &[
            "verify",
            "--profile",
            "flask",
            "--secret",
            "k",
            "--now",
            "yesterday",
            token,
        ],
        &[
            "verify",
            "--profile",
            "flask",
            "--secret",
            "k",
            "--digest",
            "md5",
            token,
        ],
        &[
            "verify",
            "--profile",
            "flask",
            "--secret",
            "k",
            "--key-derivation",
            "pbkdf2",
            token,
        ],
        &[
            "verify",
            "--profile",
            "itsdangerous-signer",
            "--secret",
            "k",
            "--separator",
            "ab",
            token,
        ],
        &[
            "verify",
            "--profile",
            "itsdangerous-signer",
            "--secret",
            "k",
            "--separator",
            "a",
            token,
        ],
        &["verify", "--profile", "flask", "--secret", "", token],
        &[
            "verify",
            "--profile",
            "flask",
            "--secret",
            "k",
            "--bogus",
            token,
        ],
        &["frobnicate", token],
        &[],
        &["sign", "--profile", "flask", "--secret", "k", "{not json"],
        &["crack", "--profile", "flask", token],
        &[
            "crack",
            "--profile",
            "flask",
            "--wordlist",
            "/nonexistent/wordlist",
            token,
        ],
    ];
    for args in cases {
        let out = run(args);
        out.usage_error();
        assert!(out.stderr.len() > 10, "says why: {args:?} {out:?}");
    }
}

#[test]
fn options_change_the_token_as_the_libraries_options_do() {
    // Golden (itsdangerous 2.2 and Django 5.2) covers every combination; here each option must
    // at least take effect and round-trip.
    let base = [
        "--profile",
        "itsdangerous-signer",
        "--secret",
        "k",
        "--now",
        T0,
    ];
    let plain = sign(&base, "v");
    for extra in [
        &["--salt", "other"][..],
        &["--digest", "sha256"],
        &["--key-derivation", "hmac"],
        &["--separator", "|"],
        &[
            "--salt",
            "",
            "--digest",
            "sha512",
            "--key-derivation",
            "none",
            "--separator",
            "~",
        ],
    ] {
        let opts = [&base[..], extra].concat();
        let token = sign(&opts, "v");
        assert_ne!(token, plain, "{extra:?}");
        assert_eq!(verify(&opts, &token).ok(), "v", "{extra:?}");
        verify(&base, &token).fails_with("bad-signature");
    }
    let token = sign(&[&base[..], &["--separator", "|"]].concat(), "v");
    assert_eq!(token.matches('|').count(), 2, "{token}");
}

// ---------------------------------------------------------------------------------------------
// crack
// ---------------------------------------------------------------------------------------------

#[test]
fn crack_finds_the_key_in_a_wordlist_or_says_not_found() {
    let words: Vec<String> = (0..5000).map(|i| format!("candidate-{i}")).collect();
    let mut list = words.join("\n");
    list.push_str("\n12345\n-1\n0x10\n1e9\n\n\r\nhunter2\r\nlast\n");
    let wordlist = temp_file("words.txt", list.as_bytes());
    let wordlist = wordlist.to_str().unwrap();
    for (profile, key, extra) in [
        ("flask", "hunter2", &[][..]), // a CRLF line
        ("django", "candidate-4321", &[]),
        ("django-signed-cookie", "12345", &["--cookie-name", "theme"]), // a numeric line
        ("starlette", "last", &[]),
        ("itsdangerous-signer-untimed", "1e9", &[]),
        ("django-db", "0x10", &[]),
    ] {
        let value = if is_raw(profile) { "v" } else { r#"{"a": 1}"# };
        let opts = [&["--profile", profile][..], extra].concat();
        let token = sign(&[&opts[..], &["--secret", key]].concat(), value);
        for threads in [None, Some("1")] {
            let mut args = [&["crack"][..], &opts, &["--wordlist", wordlist]].concat();
            if let Some(n) = threads {
                args.extend(["--threads", n]);
            }
            args.extend(["--", &token]);
            let out = run(&args);
            assert_eq!(out.ok(), key, "{profile} {threads:?}");
        }
        // Not in the list: not-found, exit 1.
        let other = sign(
            &[&opts[..], &["--secret", "not in the list"]].concat(),
            value,
        );
        let args = [
            &["crack"][..],
            &opts,
            &["--threads", "1", "--wordlist", wordlist, "--", &other],
        ]
        .concat();
        let out = run(&args);
        assert_eq!(
            (out.code, out.word()),
            (1, "not-found"),
            "{profile}: {out:?}"
        );
        assert!(out.stdout.is_empty(), "{out:?}");
    }
    // The token on stdin; an empty wordlist.
    let token = sign(&["--profile", "flask", "--secret", "hunter2"], "{}");
    let out = run_stdin(
        &["crack", "--profile", "flask", "--wordlist", wordlist, "-"],
        &format!("{token}\n"),
    );
    assert_eq!(out.ok(), "hunter2");
    let empty = temp_file("empty.txt", b"");
    let out = run(&[
        "crack",
        "--profile",
        "flask",
        "--wordlist",
        empty.to_str().unwrap(),
        &token,
    ]);
    assert_eq!((out.code, out.word()), (1, "not-found"), "{out:?}");
}
