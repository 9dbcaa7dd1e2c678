//! Live interop with the real Python libraries: one `tests/interop/peer.py` per pinned env
//! (Flask 3.1 / 1.1 / 0.12, Django 2.2 / 3.2 / 4.2 / 5.2, Starlette 1.10), driven over JSON
//! lines. For every profile and compat the env covers, tokens go both ways: Python signs and Rust
//! verifies, Rust signs and Python verifies, and Rust's token equals Python's byte for byte. Then
//! the edges: expiry, future timestamps, tampering, wrong keys, key rotation, Django's SHA-1 and
//! salt fallbacks, session rows, and a seeded random sweep.
//!
//! The venvs are made by `tests/interop/setup_venvs.sh` (idempotent; ~1 min cold). Set
//! `SIGNED_COOKIE_SKIP_INTEROP=1` to skip these tests; under `CI` they may not be skipped.

mod common;

use common::*;
use serde_json::{json, Value as Json};
use signed_cookie::codec::Codec;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const SECRET: &str = "interop-secret-key";
const OLD_KEY: &str = "interop-old-key";
const OLDER_KEY: &str = "interop-older-key";
const T0: i64 = 1_700_000_000;
const MAX_AGE: i64 = 1000;
/// A peer that does not answer within this is hung: the test fails rather than waits.
const PEER_TIMEOUT: Duration = Duration::from_secs(60);
/// Building every venv cold takes about a minute; a hung network must not hang the tests.
const SETUP_TIMEOUT: Duration = Duration::from_secs(900);
/// Random JSON values per env in the property-style sweep.
const RANDOM_VALUES: usize = 100;
/// Random raw strings per raw-string profile.
const RANDOM_RAW: usize = 25;

// ---------------------------------------------------------------------------------------------
// setup: venvs once per test binary, skipping only when asked and never under CI
// ---------------------------------------------------------------------------------------------

fn repo() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

fn venv_root() -> String {
    std::env::var("INTEROP_VENV_DIR").unwrap_or_else(|_| format!("{}/target/interop", repo()))
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "False"))
}

static SETUP: OnceLock<Result<(), String>> = OnceLock::new();

/// Runs setup_venvs.sh (idempotent), bounded: a stuck `pip install` fails the tests.
fn run_setup() -> Result<(), String> {
    let script = format!("{}/tests/interop/setup_venvs.sh", repo());
    let log = std::env::temp_dir().join(format!("signed-cookie-setup-{}.log", std::process::id()));
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let started = Instant::now();
    let mut child = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .stdout(file.try_clone().map_err(|e| e.to_string())?)
        .stderr(file)
        .spawn()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > SETUP_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("timed out after {SETUP_TIMEOUT:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => break Err(e.to_string()),
        }
    };
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    println!("{text}setup_venvs.sh took {:.1?}", started.elapsed());
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{script} failed ({s}):\n{text}")),
        Err(e) => Err(format!("{script}: {e}\n{text}")),
    }
}

/// True when the interop tests should run; panics when they cannot although they must.
fn interop_enabled(test: &str) -> bool {
    if std::env::var("SIGNED_COOKIE_SKIP_INTEROP").as_deref() == Ok("1") {
        assert!(
            !under_ci(),
            "{test}: SIGNED_COOKIE_SKIP_INTEROP=1 under CI: the interop tests must run in CI"
        );
        println!("{test}: skipped (SIGNED_COOKIE_SKIP_INTEROP=1)");
        return false;
    }
    let setup = SETUP.get_or_init(run_setup);
    if let Err(e) = setup {
        panic!(
            "{test}: the interop venvs could not be set up (set SIGNED_COOKIE_SKIP_INTEROP=1 to \
             skip these tests outside CI):\n{e}"
        );
    }
    true
}

// ---------------------------------------------------------------------------------------------
// the peer: one long-lived python process per env, JSON lines, bounded waits
// ---------------------------------------------------------------------------------------------

struct Peer {
    env: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<std::io::Result<String>>,
    stderr: Arc<Mutex<String>>,
    exchanges: usize,
}

impl Peer {
    fn spawn(env: &'static str) -> Peer {
        let python = format!("{}/{env}/bin/python", venv_root());
        let script = format!("{}/tests/interop/peer.py", repo());
        let mut child = Command::new(&python)
            .arg(&script)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{env}: cannot start {python} {script}: {e}"));
        let stdout = child.stdout.take().expect("peer stdout");
        let mut stderr_pipe = child.stderr.take().expect("peer stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let done = line.is_err();
                if tx.send(line).is_err() || done {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        Peer {
            env,
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            exchanges: 0,
        }
    }

    fn stderr_text(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// One request, one response; a hung or dead peer fails the test with its stderr.
    fn call(&mut self, req: &Json) -> Json {
        let line = format!("{req}\n");
        let written = self
            .stdin
            .as_mut()
            .map(|w| w.write_all(line.as_bytes()).and_then(|_| w.flush()));
        if let Some(Err(e)) = written {
            panic!(
                "{}: cannot write to peer: {e}\n{}",
                self.env,
                self.stderr_text()
            );
        }
        self.exchanges += 1;
        match self.lines.recv_timeout(PEER_TIMEOUT) {
            Ok(Ok(text)) => serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: peer wrote non-JSON {text:?}: {e}", self.env)),
            Ok(Err(e)) => panic!(
                "{}: reading the peer: {e}\n{}",
                self.env,
                self.stderr_text()
            ),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                panic!(
                    "{}: peer gave no answer in {PEER_TIMEOUT:?} to {req}\n{}",
                    self.env,
                    self.stderr_text()
                )
            }
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(100)); // let stderr drain
                panic!(
                    "{}: peer exited ({:?}) on {req}\n{}",
                    self.env,
                    self.child.try_wait(),
                    self.stderr_text()
                )
            }
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.stdin.take()); // EOF: the peer's loop ends by itself
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// requests and the two sides
// ---------------------------------------------------------------------------------------------

/// Python's answer to a verify: the value text, or (exception class, message).
type PyResult = Result<String, (String, String)>;

fn base(profile: &str, compat: &str) -> Json {
    let mut req = json!({"profile": profile, "compat": compat, "secret": SECRET, "now": T0});
    if profile == "django-signed-cookie" {
        req["cookie_name"] = json!("sessionid");
    }
    req
}

/// `req` with the fields of `changes` replaced.
fn with(req: &Json, changes: Json) -> Json {
    let mut out = req.clone();
    if let (Some(o), Json::Object(c)) = (out.as_object_mut(), changes) {
        o.extend(c);
    }
    out
}

fn compat(req: &Json) -> &str {
    str_field(req, "compat").expect("compat")
}

fn is_raw(profile: &str) -> bool {
    profile.contains("-signer") || profile == "django-signed-cookie"
}

fn is_timed(profile: &str) -> bool {
    !matches!(
        profile,
        "itsdangerous-untimed" | "itsdangerous-signer-untimed" | "django-signer" | "django-db"
    )
}

fn separator(req: &Json) -> char {
    str_field(req, "separator")
        .and_then(|s| s.chars().next())
        .unwrap_or(
            if str_field(req, "profile").unwrap().starts_with("django") {
                ':'
            } else {
                '.'
            },
        )
}

fn rust_codec(req: &Json) -> Result<Codec, String> {
    Codec::new(&profile_for(req, compat(req)), keys_for(req)).map_err(|e| e.to_string())
}

fn rust_sign(req: &Json, value: &str) -> Result<String, String> {
    rust_codec(req)?
        .sign_text(value, now_for(req))
        .map_err(|e| e.to_string())
}

fn rust_verify(req: &Json, token: &str) -> Result<String, signed_cookie::Error> {
    let codec = rust_codec(req).unwrap_or_else(|e| panic!("codec for {req}: {e}"));
    codec
        .verify_text(token, max_age_for(req), now_for(req))
        .map(|v| v.text)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    Accept,
    Reject,
    /// Whatever Python does (the point is that Rust does the same).
    AsPython,
}

/// One env's run: its peer and what went wrong so far.
struct Run {
    peer: Peer,
    failures: Vec<String>,
    checks: usize,
    /// Values neither side would sign (both refused: they agree, but nothing was exchanged).
    refused_by_both: usize,
    started: Instant,
}

impl Run {
    fn start(env: &'static str) -> Run {
        let mut peer = Peer::spawn(env);
        let info = peer.call(&json!({"op": "info"}));
        let (lib, version) = (
            info["library"].as_str().unwrap_or("?"),
            info["version"].as_str().unwrap_or("?"),
        );
        let expected = match env {
            "flask31" => ("flask", "3.1."),
            "flask11" => ("flask", "1.1."),
            "flask012" => ("flask", "0.12."),
            "django22" => ("django", "2.2."),
            "django32" => ("django", "3.2."),
            "django42" => ("django", "4.2."),
            "django52" => ("django", "5.2."),
            _ => ("starlette", "1.10."),
        };
        assert!(
            lib == expected.0 && version.starts_with(expected.1),
            "{env}: the venv holds {lib} {version}, not {} {}x",
            expected.0,
            expected.1
        );
        Run {
            peer,
            failures: Vec::new(),
            checks: 0,
            refused_by_both: 0,
            started: Instant::now(),
        }
    }

    fn fail(&mut self, what: String) {
        self.failures.push(what);
    }

    fn py_sign(&mut self, req: &Json, value: &str) -> Result<String, (String, String)> {
        let mut q = with(req, json!({"op": "sign", "value": value}));
        q.as_object_mut().map(|o| o.remove("token"));
        let r = self.peer.call(&q);
        if r["ok"] == json!(true) {
            Ok(r["token"].as_str().expect("token").to_owned())
        } else {
            Err(py_error(&r))
        }
    }

    fn py_verify(&mut self, req: &Json, token: &str) -> PyResult {
        let mut q = with(req, json!({"op": "verify", "token": token}));
        q.as_object_mut().map(|o| o.remove("value"));
        let r = self.peer.call(&q);
        if r["ok"] == json!(true) {
            Ok(r["value"].as_str().expect("value").to_owned())
        } else {
            Err(py_error(&r))
        }
    }

    /// Python signs `value`, Rust signs it too: the tokens are equal, each side verifies the
    /// token to the same text. Then Rust signs the canonical text at another time and Python
    /// reads it back. Returns Python's token. Where Python refuses to sign, Rust must too.
    fn roundtrip(&mut self, case: &str, req: &Json, value: &str) -> Option<String> {
        let ctx = format!(
            "{} {} [{case}] value {value:?}",
            str_field(req, "profile").unwrap(),
            compat(req)
        );
        self.checks += 1;
        let ours = rust_sign(req, value);
        let theirs = match self.py_sign(req, value) {
            Ok(t) => t,
            Err((error, message)) => {
                match ours {
                    Ok(t) => self.fail(format!(
                        "{ctx}: Python cannot sign it ({error}: {message}), Rust signed {t}"
                    )),
                    Err(_) => self.refused_by_both += 1,
                }
                return None;
            }
        };
        match &ours {
            Ok(t) if *t == theirs => {}
            Ok(t) => self.fail(format!(
                "{ctx}: tokens differ\n  rust   {t}\n  python {theirs}"
            )),
            Err(e) => self.fail(format!(
                "{ctx}: Rust cannot sign ({e}), Python signed {theirs}"
            )),
        }
        let unlimited = with(req, json!({"max_age": null}));
        let canonical = match self.py_verify(&unlimited, &theirs) {
            Ok(v) => v,
            Err((error, message)) => {
                // The library signs what it cannot read back: Rust must refuse it as well.
                if let Ok(v) = rust_verify(&unlimited, &theirs) {
                    self.fail(format!(
                        "{ctx}: Python rejects its own token ({error}: {message}), Rust read {v}"
                    ));
                }
                return Some(theirs);
            }
        };
        match rust_verify(&unlimited, &theirs) {
            Ok(v) if v == canonical => {}
            Ok(v) => self.fail(format!(
                "{ctx}: Python's token verified to\n  rust   {v}\n  python {canonical}"
            )),
            Err(e) => self.fail(format!("{ctx}: Rust rejects Python's token {theirs}: {e}")),
        }
        // Rust → Python on a token of Rust's own (another time: another token).
        let later = with(
            &unlimited,
            json!({"now": req["now"].as_f64().unwrap_or(0.0) + 777.0}),
        );
        match rust_sign(&later, &canonical) {
            Ok(t) => {
                match self.py_verify(&later, &t) {
                    Ok(v) if v == canonical => {}
                    Ok(v) => self.fail(format!(
                        "{ctx}: Rust's token {t} verified in Python to {v}, not {canonical}"
                    )),
                    Err((error, message)) => self.fail(format!(
                        "{ctx}: Python rejects Rust's token {t}: {error}: {message}"
                    )),
                }
                match self.py_sign(&later, &canonical) {
                    Ok(p) if p == t => {}
                    other => self.fail(format!(
                        "{ctx}: canonical text at now+777\n  rust   {t}\n  python {other:?}"
                    )),
                }
            }
            Err(e) => self.fail(format!(
                "{ctx}: Rust cannot sign the canonical {canonical}: {e}"
            )),
        }
        Some(theirs)
    }

    /// Both sides verify `token` under `req`: same value, or both reject with the same kind of
    /// error. `expect` pins down what the library does.
    fn compare(&mut self, case: &str, req: &Json, token: &str, expect: Expect) {
        self.checks += 1;
        let ctx = format!(
            "{} {} [{case}] token {token}",
            str_field(req, "profile").unwrap(),
            compat(req)
        );
        let theirs = self.py_verify(req, token);
        let ours = rust_verify(req, token);
        match (&theirs, expect) {
            (Ok(v), Expect::Reject) => {
                self.fail(format!("{ctx}: expected Python to reject, it accepted {v}"))
            }
            (Err((e, m)), Expect::Accept) => self.fail(format!(
                "{ctx}: expected Python to accept, it raised {e}: {m}"
            )),
            _ => {}
        }
        match (theirs, ours) {
            (Ok(p), Ok(r)) if p == r => {}
            (Ok(p), Ok(r)) => {
                self.fail(format!("{ctx}: values differ\n  rust   {r}\n  python {p}"))
            }
            (Ok(p), Err(e)) => self.fail(format!("{ctx}: Python accepts ({p}), Rust rejects: {e}")),
            (Err((e, m)), Ok(r)) => self.fail(format!(
                "{ctx}: Python rejects ({e}: {m}), Rust accepts: {r}"
            )),
            (Err((pe, pm)), Err(re)) => {
                if !kinds_for_python_error(&pe).contains(&re.kind().as_str()) {
                    self.fail(format!(
                        "{ctx}: Python raised {pe} ({pm}), Rust said {} ({re})",
                        re.kind().as_str()
                    ));
                }
            }
        }
    }

    fn finish(self, env: &str) {
        let exchanges = self.peer.exchanges;
        println!(
            "{env}: {exchanges} exchanges with Python, {} checks ({} values refused by both), \
             {} failures, {:.1?}",
            self.checks,
            self.refused_by_both,
            self.failures.len(),
            self.started.elapsed()
        );
        assert!(
            self.failures.is_empty(),
            "{env}: {} of {} checks failed:\n{}",
            self.failures.len(),
            self.checks,
            self.failures.join("\n")
        );
        assert!(
            exchanges > 0 && self.checks > 0,
            "{env}: nothing was exchanged"
        );
        drop(self.peer); // kills the peer
    }
}

fn py_error(r: &Json) -> (String, String) {
    (
        r["error"].as_str().unwrap_or("?").to_owned(),
        r["message"].as_str().unwrap_or("").to_owned(),
    )
}

// ---------------------------------------------------------------------------------------------
// values
// ---------------------------------------------------------------------------------------------

const SESSION: &str = r#"{"user_id":42,"csrf_token":"5f4dcc3b5aa765d61d8327deb882cf99a1b2c3d4","_fresh":true,"_permanent":true}"#;

/// About 3 KB of JSON that zlib shrinks a lot.
fn big_session() -> String {
    let items: Vec<String> = (0..40)
        .map(|i| {
            format!(r#"{{"id":{i},"name":"item number {i}","tags":["alpha","beta","gamma"]}}"#)
        })
        .collect();
    let text = format!(r#"{{"user_id":7,"items":[{}]}}"#, items.join(","));
    assert!(text.len() > 2500, "{}", text.len());
    text
}

fn json_values(profile: &str) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = vec![
        ("session", SESSION.into()),
        (
            "unicode",
            "{\"e\":\"é\",\"emoji\":\"😀\",\"ls\":\"\u{2028}\",\"esc\":\"\\u2028\\u00e9\\ud83d\\ude00\",\"mix\":\"naïve 😀 \u{2029}\\t\\n\\u0000\\u007f\"}".into(),
        ),
        (
            "floats",
            r#"{"a":0.1,"b":1e16,"c":1e-05,"d":-0.0,"e":NaN,"f":Infinity,"g":-Infinity,"h":5e-324,"i":1.7976931348623157e308,"j":123456789012345678.0}"#.into(),
        ),
        (
            "big ints",
            r#"{"a":18446744073709551616,"b":-1180591620717411303424,"c":1000000000000000000000000000000,"d":9007199254740993,"e":-0}"#.into(),
        ),
        (
            "nested",
            r#"{"l":[1,[2,[3,{}]]],"d":{"e":{"f":null,"g":[true,false]}},"z":{"y":[[[]]]}}"#.into(),
        ),
        ("key order", r#"{"é":0,"b":1,"a":2,"_":3,"C":4,"9":5,"10":6," x":7,"":8}"#.into()),
        ("3 KB compressible", big_session()),
    ];
    if profile != "starlette" {
        v.push(("empty", "{}".into())); // Starlette never writes an empty session
    }
    // Input that is not in canonical form: parsed as json.loads does, then written canonically.
    v.extend([
        (
            "duplicate keys (last wins)",
            r#"{"a":1,"b":0,"a":2}"#.into(),
        ),
        ("whitespace", " { \"b\" : [ 1 , 2 ] ,\n\"a\":\t2 } ".into()),
        (
            "exponent spellings, overflow to inf",
            r#"{"f":1E400,"g":-1e-400,"h":1.0E+2}"#.into(),
        ),
        (
            "nested 127 deep",
            format!("{{\"d\":{}1{}}}", "[".repeat(126), "]".repeat(126)),
        ),
        (
            "int of 4300 digits",
            format!("{{\"i\":{}}}", "9".repeat(4300)),
        ),
        // Python refuses these to sign; Rust must too.
        (
            "int of 4301 digits",
            format!("{{\"i\":{}}}", "9".repeat(4301)),
        ),
        ("BOM before the JSON text", "\u{feff}{\"a\":1}".into()),
        ("trailing garbage", r#"{"a":1} x"#.into()),
        ("nan in lower case", r#"{"a":nan}"#.into()),
    ]);
    if matches!(profile, "itsdangerous" | "itsdangerous-untimed" | "django") {
        v.push(("list", "[1,2,3]".into()));
        v.push(("string", r#""just a string""#.into()));
        v.push(("int", "42".into()));
        v.push(("null", "null".into()));
    }
    if profile == "flask" {
        v.extend([
            ("tag tuple", r#"{"t":{" t":[1,{" t":[2,3]}]}}"#.into()),
            ("tag bytes", r#"{"b":{" b":"AP8="},"e":{" b":""}}"#.into()),
            (
                "tag markup",
                r#"{"m":{" m":"<b>bold</b> &amp; \u00e9"}}"#.into(),
            ),
            (
                "tag uuid",
                r#"{"u":{" u":"12345678123456781234567812345678"}}"#.into(),
            ),
            (
                "tag datetime",
                r#"{"d":{" d":"Thu, 02 Jan 2020 03:04:05 GMT"}}"#.into(),
            ),
            ("tag di escaping", r#"{"x":{" di":{" t":[1,2]}}}"#.into()),
            ("tag not a tag", r#"{" z":1,"y":{" z":2}}"#.into()),
        ]);
    }
    v
}

const RAW_VALUES: [(&str, &str); 6] = [
    ("plain", "hello"),
    ("empty", ""),
    ("unicode", "é😀\u{2028}"),
    ("separators", "a.b:c|d"),
    ("quotes spaces", "a b\"c\\d"),
    ("controls", "\u{0}\u{7f}"),
];

fn session_value(profile: &str) -> String {
    if is_raw(profile) {
        "hello".into()
    } else {
        SESSION.into()
    }
}

// ---------------------------------------------------------------------------------------------
// a seeded generator for the property-style sweep
// ---------------------------------------------------------------------------------------------

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Characters that stress JSON escaping and encodings: quotes, backslashes, controls, DEL,
/// Latin-1, the BMP's edges, astral planes, the JavaScript line separators, a BOM.
const CHAR_POOL: &str = "abcxyzAQ07 \"\\/.:|\u{0}\u{1f}\t\n\u{7f}\u{80}éßÿ中😀\u{2028}\u{2029}\u{feff}\u{ffff}\u{10ffff}";

fn random_string(rng: &mut XorShift) -> String {
    let pool: Vec<char> = CHAR_POOL.chars().collect();
    let len = rng.below(12);
    (0..len).map(|_| *rng.pick(&pool)).collect()
}

fn random_float(rng: &mut XorShift) -> String {
    match rng.below(6) {
        0 => rng
            .pick(&[
                "0.1",
                "1e16",
                "1e-05",
                "-0.0",
                "5e-324",
                "1.7976931348623157e308",
                "1e22",
                "1e21",
                "123456789012345678.0",
                "0.5",
                "100.0",
                "1e-07",
                "0.0001",
                "NaN",
                "Infinity",
                "-Infinity",
            ])
            .to_string(),
        1 | 2 => loop {
            let f = f64::from_bits(rng.next());
            if f.is_finite() {
                break format!("{f:e}");
            }
        },
        _ => {
            let mantissa = rng.below(1 << 40) as i64 - (1 << 39);
            let exp = rng.below(30) as i32 - 15;
            format!("{mantissa}e{exp}")
        }
    }
}

fn random_int(rng: &mut XorShift) -> String {
    match rng.below(3) {
        0 => (rng.below(2001) as i64 - 1000).to_string(),
        1 => (rng.next() as i64).to_string(),
        _ => {
            let digits = 1 + rng.below(40);
            let mut s = String::from(if rng.below(2) == 0 { "-" } else { "" });
            s.push(char::from(b'1' + rng.below(9) as u8));
            for _ in 1..digits {
                s.push(char::from(b'0' + rng.below(10) as u8));
            }
            s
        }
    }
}

/// A Flask tag in its JSON form (`{" t": …}`, `{" b": …}`, …).
fn random_tag(rng: &mut XorShift, depth: u32) -> String {
    match rng.below(5) {
        0 => format!(r#"{{" t":{}}}"#, random_list(rng, depth, true)),
        1 => {
            let bytes: Vec<u8> = (0..rng.below(10)).map(|_| rng.next() as u8).collect();
            format!(
                r#"{{" b":"{}"}}"#,
                signed_cookie::encoding::base64_encode(&bytes)
            )
        }
        2 => format!(r#"{{" m":{}}}"#, json_string(&random_string(rng))),
        3 => format!(
            r#"{{" u":"{:032x}"}}"#,
            u128::from(rng.next()) << 64 | u128::from(rng.next())
        ),
        _ => format!(
            r#"{{" d":"{}"}}"#,
            signed_cookie::tagged::http_date(rng.below(4_000_000_000) as i64)
        ),
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

fn random_value(rng: &mut XorShift, depth: u32, flask: bool) -> String {
    let kinds = if depth == 0 { 6 } else { 9 };
    match rng.below(kinds) {
        0 => "null".into(),
        1 => rng.pick(&["true", "false"]).to_string(),
        2 => random_int(rng),
        3 => random_float(rng),
        4 => json_string(&random_string(rng)),
        5 if flask => random_tag(rng, depth.saturating_sub(1)),
        5 => json_string(&random_string(rng)),
        6 => random_list(rng, depth - 1, flask),
        _ => random_dict(rng, depth - 1, flask),
    }
}

fn random_list(rng: &mut XorShift, depth: u32, flask: bool) -> String {
    let items: Vec<String> = (0..rng.below(5))
        .map(|_| random_value(rng, depth, flask))
        .collect();
    format!("[{}]", items.join(","))
}

fn random_dict(rng: &mut XorShift, depth: u32, flask: bool) -> String {
    let mut keys = std::collections::BTreeSet::new();
    let mut items = Vec::new();
    for _ in 0..rng.below(6) {
        let key = random_string(rng);
        if keys.insert(key.clone()) {
            items.push(format!(
                "{}:{}",
                json_string(&key),
                random_value(rng, depth, flask)
            ));
        }
    }
    format!("{{{}}}", items.join(","))
}

// ---------------------------------------------------------------------------------------------
// the checks, per profile
// ---------------------------------------------------------------------------------------------

fn env_profiles(env: &str) -> Vec<(&'static str, &'static str)> {
    let its = |c: &'static str| {
        [
            "itsdangerous",
            "itsdangerous-untimed",
            "itsdangerous-signer",
            "itsdangerous-signer-untimed",
        ]
        .map(|p| (p, c))
    };
    let django = |c: &'static str| {
        [
            "django",
            "django-signer",
            "django-timestamp-signer",
            "django-cookie",
            "django-signed-cookie",
            "django-db",
        ]
        .map(|p| (p, c))
        .to_vec()
    };
    match env {
        "flask31" => [
            vec![("flask", "flask-3.1")],
            its("itsdangerous-2.2").to_vec(),
        ]
        .concat(),
        "flask11" => [
            vec![("flask", "flask-1.1")],
            its("itsdangerous-1.1").to_vec(),
        ]
        .concat(),
        // itsdangerous 0.24 is no --compat value: Flask 0.12's session only.
        "flask012" => vec![("flask", "flask-0.12")],
        "django22" => django("django-2.2"),
        "django32" => django("django-3.2"),
        "django42" => django("django-4.2"),
        "django52" => django("django-5.2"),
        "starlette" => vec![("starlette", "starlette-1.10")],
        _ => unreachable!("{env}"),
    }
}

/// Versions that verify with fallback keys (Flask 3.1, itsdangerous 2.x, Django ≥ 4.1).
fn rotates(compat: &str) -> bool {
    matches!(
        compat,
        "flask-3.1" | "itsdangerous-2.2" | "django-4.2" | "django-5.2"
    )
}

fn values(run: &mut Run, profile: &str, base: &Json) {
    if is_raw(profile) {
        for (case, v) in RAW_VALUES {
            run.roundtrip(case, base, v);
        }
    } else {
        for (case, v) in json_values(profile) {
            run.roundtrip(case, base, &v);
        }
    }
    let session = session_value(profile);
    if is_timed(profile) || profile == "django-db" {
        for now in [
            1_400_000_000.0,
            2_147_483_648.0,
            4_102_444_800.0,
            1_700_000_000.75,
        ] {
            run.roundtrip(
                &format!("now {now}"),
                &with(base, json!({"now": now})),
                &session,
            );
        }
    }
    let c = compat(base).to_owned();
    let django_alg = c != "django-2.2";
    match profile {
        p if p.starts_with("itsdangerous") => {
            for (digest, kd) in [
                ("sha256", "hmac"),
                ("sha512", "concat"),
                ("sha1", "none"),
                ("sha384", "django-concat"),
                ("sha224", "hmac"),
            ] {
                let req = with(base, json!({"digest": digest, "key_derivation": kd}));
                run.roundtrip(&format!("{digest} {kd}"), &req, &session);
            }
            for (salt, sep) in [("custom-salt", "|"), ("", "~"), ("s", ".")] {
                let req = with(base, json!({"salt": salt, "separator": sep}));
                run.roundtrip(&format!("salt {salt:?} sep {sep}"), &req, &session);
            }
        }
        "django" => {
            let big = big_session();
            for (case, v) in [
                ("compress session", SESSION),
                ("compress 3 KB", big.as_str()),
                ("compress unicode", r#"{"s":"é😀"}"#),
                ("compress list", "[1,2,3]"),
            ] {
                run.roundtrip(case, &with(base, json!({"compress": true})), v);
                run.roundtrip(case, &with(base, json!({"compress": false})), v);
            }
            run.roundtrip("salt", &with(base, json!({"salt": "my.salt"})), SESSION);
            let compressed_salt = with(base, json!({"salt": "my.salt", "compress": true}));
            run.roundtrip("salt compress", &compressed_salt, &big);
            if django_alg {
                for alg in ["sha1", "sha256", "sha512"] {
                    run.roundtrip(alg, &with(base, json!({"algorithm": alg})), SESSION);
                }
            }
        }
        "django-signer" | "django-timestamp-signer" => {
            run.roundtrip("salt", &with(base, json!({"salt": "my.salt"})), "hello");
            run.roundtrip("empty salt", &with(base, json!({"salt": ""})), "hello");
            for sep in ["/", "|", "~"] {
                run.roundtrip(sep, &with(base, json!({"separator": sep})), "a:b");
            }
            if django_alg {
                for alg in ["sha1", "sha256", "sha512"] {
                    run.roundtrip(alg, &with(base, json!({"algorithm": alg})), "hello");
                }
            }
        }
        "django-cookie" if c == "django-3.2" => {
            run.roundtrip(
                "sha1 setting",
                &with(base, json!({"algorithm": "sha1"})),
                SESSION,
            );
        }
        "django-signed-cookie" => {
            for (name, salt) in [
                ("a", "bc"),
                ("ab", "c"),
                ("sessionid", ""),
                ("__Host-x", "s"),
            ] {
                let req = with(base, json!({"cookie_name": name, "salt": salt}));
                for (case, v) in &RAW_VALUES[..3] {
                    run.roundtrip(&format!("cookie {name:?} salt {salt:?} {case}"), &req, v);
                }
            }
            if c == "django-3.2" {
                run.roundtrip(
                    "sha1 setting",
                    &with(base, json!({"algorithm": "sha1"})),
                    "v",
                );
            }
        }
        "django-db" if c == "django-3.2" => {
            // DEFAULT_HASHING_ALGORITHM = 'sha1' makes 3.2 write the legacy format.
            for (case, v) in json_values(profile).into_iter().take(6) {
                run.roundtrip(
                    &format!("legacy {case}"),
                    &with(base, json!({"legacy": true})),
                    &v,
                );
            }
        }
        _ => {}
    }
}

/// Age, future timestamps, fractions of seconds: Python's verdict is the reference.
fn ages(run: &mut Run, profile: &str, base: &Json) {
    if !is_timed(profile) {
        return;
    }
    let value = session_value(profile);
    let c = compat(base).to_owned();
    let rejects_future = matches!(
        c.as_str(),
        "flask-3.1" | "itsdangerous-2.2" | "starlette-1.10"
    );
    let t0 = T0 as f64;
    let max = MAX_AGE as f64;
    // (case, signed at, verified at, max_age, expectation)
    let cases: Vec<(&str, f64, f64, Json, Expect)> = vec![
        (
            "age == max_age",
            t0,
            t0 + max,
            json!(MAX_AGE),
            Expect::Accept,
        ),
        (
            "age = max_age + 1",
            t0,
            t0 + max + 1.0,
            json!(MAX_AGE),
            Expect::Reject,
        ),
        (
            "age = max_age + 0.5",
            t0,
            t0 + max + 0.5,
            json!(MAX_AGE),
            Expect::AsPython,
        ),
        (
            "signed at +0.9, age max_age + 0.4",
            t0 + 0.9,
            t0 + max + 0.4,
            json!(MAX_AGE),
            Expect::AsPython,
        ),
        (
            "max_age fractional",
            t0,
            t0 + max,
            json!(max - 0.5),
            Expect::Reject,
        ),
        ("max_age 0, same second", t0, t0, json!(0), Expect::Accept),
        (
            "max_age 0, next second",
            t0,
            t0 + 1.0,
            json!(0),
            Expect::Reject,
        ),
        (
            "ancient, max_age null",
            t0,
            t0 + 1e8,
            Json::Null,
            Expect::Accept,
        ),
        (
            "future +100, max_age set",
            t0 + 100.0,
            t0,
            json!(MAX_AGE),
            if rejects_future {
                Expect::Reject
            } else {
                Expect::Accept
            },
        ),
        (
            "future +100, max_age null",
            t0 + 100.0,
            t0,
            Json::Null,
            Expect::Accept,
        ),
        (
            "future +0.5",
            t0 + 1.0,
            t0 + 0.5,
            json!(MAX_AGE),
            Expect::AsPython,
        ),
    ];
    for (case, signed_at, verified_at, max_age, expect) in cases {
        let signer = with(base, json!({"now": signed_at}));
        let Ok(token) = run.py_sign(&signer, &value) else {
            run.fail(format!("{profile} {c} [{case}]: Python cannot sign"));
            continue;
        };
        let verifier = with(base, json!({"now": verified_at, "max_age": max_age}));
        run.compare(case, &verifier, &token, expect);
        // And the same on a token Rust signed.
        match rust_sign(&signer, &value) {
            Ok(ours) => run.compare(&format!("{case}, Rust's token"), &verifier, &ours, expect),
            Err(e) => run.fail(format!("{profile} {c} [{case}]: Rust cannot sign: {e}")),
        }
    }
}

fn flip(c: char) -> char {
    if c == 'B' {
        'C'
    } else {
        'B'
    }
}

fn replace_at(s: &str, i: usize) -> String {
    s.char_indices()
        .map(|(j, c)| if j == i { flip(c) } else { c })
        .collect()
}

/// Tampering, wrong keys and salts: both sides reject.
fn tampering(run: &mut Run, profile: &str, base: &Json) {
    let value = session_value(profile);
    let c = compat(base).to_owned();
    let Ok(token) = run.py_sign(base, &value) else {
        run.fail(format!("{profile} {c}: Python cannot sign the session"));
        return;
    };
    let legacy_row = profile == "django-db" && !token.contains(':');
    if legacy_row {
        // base64(hexhash ":" json): a byte of the hash, a byte of the JSON, not base64 at all.
        let raw = signed_cookie::encoding::base64_decode(token.as_bytes()).expect("row");
        let mut hash = raw.clone();
        hash[0] = if hash[0] == b'0' { b'1' } else { b'0' };
        let mut body = raw.clone();
        let last = body.len() - 2;
        body[last] = b'7';
        for (case, t) in [
            (
                "legacy row: tampered hash",
                signed_cookie::encoding::base64_encode(&hash),
            ),
            (
                "legacy row: tampered JSON",
                signed_cookie::encoding::base64_encode(&body),
            ),
            (
                "legacy row: not base64",
                format!("{}!", &token[..token.len() - 1]),
            ),
        ] {
            run.compare(case, base, &t, Expect::Reject);
        }
    } else {
        let sep = separator(base);
        let cut = token.rfind(sep).expect("separator") + sep.len_utf8();
        let (head, sig) = token.split_at(cut);
        let start = usize::from(head.starts_with('.'));
        run.compare(
            "tampered payload",
            base,
            &(replace_at(head, start) + sig),
            Expect::Reject,
        );
        // The first character: changing the last could touch only spare bits.
        run.compare(
            "tampered signature",
            base,
            &format!("{head}{}", replace_at(sig, 0)),
            Expect::Reject,
        );
        if is_timed(profile) {
            let ts_at = head[..head.len() - 1].rfind(sep).expect("timestamp") + 1;
            let t = replace_at(head, ts_at) + sig;
            run.compare("tampered timestamp", base, &t, Expect::Reject);
        }
        run.compare(
            "signature removed",
            base,
            &head[..head.len() - 1],
            Expect::Reject,
        );
        run.compare("no separator", base, "garbage", Expect::Reject);
    }
    let wrong = with(base, json!({"secret": "wrong-key"}));
    run.compare("wrong key", &wrong, &token, Expect::Reject);
    if !matches!(
        profile,
        "flask" | "starlette" | "django-cookie" | "django-db"
    ) {
        let wrong = with(base, json!({"salt": "other-salt"}));
        run.compare("wrong salt", &wrong, &token, Expect::Reject);
    }
    if profile == "django-signed-cookie" {
        let other = with(base, json!({"cookie_name": "other"}));
        run.compare("wrong cookie name", &other, &token, Expect::Reject);
    }
}

/// Key rotation: old keys in fallbacks, both directions; versions without rotation refuse
/// fallbacks on the Rust side and ignore them on the Python side.
fn rotation(run: &mut Run, profile: &str, base: &Json) {
    let value = session_value(profile);
    let c = compat(base).to_owned();
    let old = with(base, json!({"secret": OLD_KEY}));
    let rotated = with(base, json!({"fallbacks": [OLDER_KEY, OLD_KEY]}));
    let Ok(py_old) = run.py_sign(&old, &value) else {
        run.fail(format!(
            "{profile} {c}: Python cannot sign with the old key"
        ));
        return;
    };
    let rs_old = rust_sign(&old, &value).expect("rust sign with the old key");
    run.compare("old key, no fallbacks", base, &py_old, Expect::Reject);
    if rotates(&c) {
        run.compare(
            "Python old key, Rust fallback",
            &rotated,
            &py_old,
            Expect::Accept,
        );
        run.compare(
            "Rust old key, Python fallback",
            &rotated,
            &rs_old,
            Expect::Accept,
        );
        // Signing always uses the current key: a plain verifier of the new key reads it.
        match rust_sign(&rotated, &value) {
            Ok(t) => run.compare(
                "signed by current key with fallbacks",
                base,
                &t,
                Expect::Accept,
            ),
            Err(e) => run.fail(format!(
                "{profile} {c}: Rust cannot sign with fallbacks: {e}"
            )),
        }
        let single = with(base, json!({"fallbacks": [OLD_KEY]}));
        run.compare("single fallback", &single, &py_old, Expect::Accept);
    } else {
        run.checks += 1;
        // Python ignores the fallbacks and rejects the old key's token ...
        if let Ok(v) = run.py_verify(&rotated, &py_old) {
            run.fail(format!(
                "{profile} {c}: Python without rotation accepted {v}"
            ));
        }
        // ... and Rust refuses to be configured with them.
        match rust_codec(&rotated) {
            Err(e) if e.contains("no key rotation") => {}
            Err(e) => run.fail(format!("{profile} {c}: fallbacks refused, but as: {e}")),
            Ok(_) => run.fail(format!("{profile} {c}: Rust accepted fallback keys")),
        }
    }
}

/// Django-specific: SHA-1 in 3.2, signed-cookie salts, session rows across versions.
fn django_specifics(run: &mut Run, profile: &str, base: &Json) {
    let c = compat(base).to_owned();
    let value = session_value(profile);
    let takes_algorithm = matches!(
        profile,
        "django" | "django-signer" | "django-timestamp-signer"
    );
    // A SHA-1 token (from an algorithm argument or 3.2's DEFAULT_HASHING_ALGORITHM) read by a
    // default verifier: 3.2 accepts it, 4.x/5.x reject it.
    let sha1_writable = (takes_algorithm && c != "django-2.2")
        || (c == "django-3.2" && matches!(profile, "django-cookie" | "django-signed-cookie"));
    if sha1_writable {
        let sha1 = with(base, json!({"algorithm": "sha1"}));
        if let Ok(t) = run.py_sign(&sha1, &value) {
            let expect = if c == "django-3.2" {
                Expect::Accept
            } else {
                Expect::Reject
            };
            run.compare("Python SHA-1 token, default verifier", base, &t, expect);
            match rust_sign(&sha1, &value) {
                Ok(ours) => run.compare("Rust SHA-1 token, default verifier", base, &ours, expect),
                Err(e) => run.fail(format!("{profile} {c}: Rust cannot sign SHA-1: {e}")),
            }
            if takes_algorithm && profile != "django" {
                let sha512 = with(base, json!({"algorithm": "sha512"}));
                run.compare("SHA-1 token, sha512 verifier", &sha512, &t, expect);
            }
        } else {
            run.fail(format!("{profile} {c}: Python cannot sign with SHA-1"));
        }
    }
    if profile == "django-signed-cookie" {
        // The token of ("a", "bc") read as ("ab", "c"): same legacy salt, different v2 salt.
        let a_bc = with(base, json!({"cookie_name": "a", "salt": "bc"}));
        let ab_c = with(base, json!({"cookie_name": "ab", "salt": "c"}));
        if let Ok(t) = run.py_sign(&a_bc, "x") {
            run.compare("('a','bc') read as ('ab','c')", &ab_c, &t, Expect::AsPython);
        }
        // 5.2 reads cookies written with the legacy salt (name + salt) by older versions: Rust's
        // django-4.2 tokens are byte-identical to Django 4.2's (checked in the django42 run).
        if c == "django-5.2" {
            for (name, salt) in [("sessionid", ""), ("theme", "s")] {
                let legacy = with(
                    base,
                    json!({"compat": "django-4.2", "cookie_name": name, "salt": salt}),
                );
                let t = rust_sign(&legacy, "legacy salted").expect("sign legacy");
                let modern = with(base, json!({"cookie_name": name, "salt": salt}));
                run.compare("legacy salt read by 5.2", &modern, &t, Expect::Accept);
            }
        }
    }
    if profile == "django-db" {
        // Legacy rows written by Django 2.2 (Rust's django-2.2 rows are byte-identical to
        // Django 2.2's, checked in the django22 run): 2.2 and 3.2 read them, 4.x does not.
        let legacy = with(base, json!({"compat": "django-2.2"}));
        let row = rust_sign(&legacy, SESSION).expect("legacy row");
        let expect = if matches!(c.as_str(), "django-2.2" | "django-3.2") {
            Expect::Accept
        } else {
            Expect::Reject
        };
        run.compare("legacy row (2.2 format)", base, &row, expect);
        // Modern rows written by this version, read back by the other side.
        if c != "django-2.2" {
            match run.py_sign(base, SESSION) {
                Ok(t) if t.contains(':') => run.compare("modern row", base, &t, Expect::Accept),
                other => run.fail(format!("{c}: no modern row by default: {other:?}")),
            }
        }
    }
}

/// Values Python writes and reads that this crate refuses on purpose, as `bad-payload`: a
/// string with a lone UTF-16 surrogate (a Rust string cannot hold one) and JSON nested deeper
/// than the parser's limit of 128 levels (no unbounded recursion on hostile input).
fn known_deviations(run: &mut Run, profile: &str, base: &Json) {
    if is_raw(profile) || profile.starts_with("itsdangerous") {
        return; // raw strings; itsdangerous writes raw UTF-8 and cannot encode a lone surrogate
    }
    let deep = format!("{{\"d\":{}1{}}}", "[".repeat(200), "]".repeat(200));
    for (case, value) in [
        ("lone surrogate", r#"{"s":"\ud800x"}"#),
        ("nested 201 deep", &deep),
    ] {
        run.checks += 1;
        let ctx = format!("{profile} {} [{case}]", compat(base));
        let token = match run.py_sign(base, value) {
            Ok(t) => t,
            Err(e) => return run.fail(format!("{ctx}: Python no longer signs it: {e:?}")),
        };
        if let Err(e) = run.py_verify(base, &token) {
            run.fail(format!("{ctx}: Python no longer reads it: {e:?}"));
        }
        match rust_verify(base, &token) {
            Err(e) if e.kind().as_str() == "bad-payload" => {}
            other => run.fail(format!(
                "{ctx}: Rust verify gave {other:?}, not bad-payload"
            )),
        }
        if let Ok(t) = rust_sign(base, value) {
            run.fail(format!("{ctx}: Rust signed it: {t}"));
        }
    }
}

/// Payloads signed by a key holder in non-canonical base64: Python's lenient decoder reads
/// them, this crate calls them `bad-signature` (CLI.md, last paragraph); base64 that Python
/// cannot read either is `bad-payload` on both sides. The raw signer with the serializer's salt
/// signs the payload text exactly as given.
fn lenient_payloads(run: &mut Run, profile: &str, base: &Json) {
    let raw_signer = match profile {
        "itsdangerous-untimed" => with(
            base,
            json!({"profile": "itsdangerous-signer-untimed", "salt": "itsdangerous"}),
        ),
        "django" => with(
            base,
            json!({"profile": "django-timestamp-signer", "salt": "django.core.signing"}),
        ),
        _ => return,
    };
    // {"a":1} is eyJhIjoxfQ.
    for (case, payload, lenient) in [
        ("canonical", "eyJhIjoxfQ", false),
        ("canonical with -", "eyJhIjoifn5-In0", false),
        ("spare bits set", "eyJhIjoxfR", true),
        ("extra padding", "eyJhIjoxfQ==", true),
        ("+/ alphabet", "eyJhIjoifn5+In0", true), // {"a":"~~~"} is eyJhIjoifn5-In0
        ("junk characters", "eyJh!!!!IjoxfQ==", true),
        ("junk that breaks the padding", "eyJhIjox!fQ", false),
        ("one character", "e", false),
    ] {
        let ctx = format!("{profile} {} [lenient payload: {case}]", compat(base));
        let token = match run.py_sign(&raw_signer, payload) {
            Ok(t) => t,
            Err(e) => return run.fail(format!("{ctx}: Python cannot sign it: {e:?}")),
        };
        if !lenient {
            run.compare(&format!("payload {case}"), base, &token, Expect::AsPython);
            continue;
        }
        run.checks += 1;
        if let Err(e) = run.py_verify(base, &token) {
            run.fail(format!(
                "{ctx}: Python's lenient decoder no longer reads it: {e:?}"
            ));
        }
        match rust_verify(base, &token) {
            Err(e) if e.kind().as_str() == "bad-signature" => {}
            other => run.fail(format!("{ctx}: Rust gave {other:?}, not bad-signature")),
        }
    }
}

fn random_sweep(run: &mut Run, env: &str, profiles: &[(&'static str, &'static str)]) {
    let seed = env.bytes().fold(0x9e37_79b9_7f4a_7c15_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = XorShift(seed | 1);
    let flask = profiles.iter().any(|(p, _)| *p == "flask");
    for i in 0..RANDOM_VALUES {
        let mut value = random_dict(&mut rng, 3, flask);
        if value == "{}" {
            value = r#"{"never written":"empty"}"#.into(); // Starlette never writes {}
        }
        for &(profile, c) in profiles.iter().filter(|(p, _)| !is_raw(p)) {
            let now = 1_400_000_000 + rng.below(2_600_000_000) as i64;
            let req = with(&base(profile, c), json!({"now": now}));
            run.roundtrip(&format!("random #{i}"), &req, &value);
        }
    }
    for &(profile, c) in profiles.iter().filter(|(p, _)| is_raw(p)) {
        for i in 0..RANDOM_RAW {
            let value = random_string(&mut rng);
            let now = 1_400_000_000 + rng.below(2_600_000_000) as i64;
            let req = with(&base(profile, c), json!({"now": now}));
            run.roundtrip(&format!("random raw #{i}"), &req, &value);
        }
    }
}

fn run_env(env: &'static str) {
    if !interop_enabled(env) {
        return;
    }
    let mut run = Run::start(env);
    let profiles = env_profiles(env);
    for &(profile, c) in &profiles {
        let base = base(profile, c);
        values(&mut run, profile, &base);
        ages(&mut run, profile, &base);
        tampering(&mut run, profile, &base);
        rotation(&mut run, profile, &base);
        if profile.starts_with("django") {
            django_specifics(&mut run, profile, &base);
        }
        known_deviations(&mut run, profile, &base);
        lenient_payloads(&mut run, profile, &base);
    }
    random_sweep(&mut run, env, &profiles);
    run.finish(env);
}

#[test]
fn flask31() {
    run_env("flask31");
}

#[test]
fn flask11() {
    run_env("flask11");
}

#[test]
fn flask012() {
    run_env("flask012");
}

#[test]
fn django22() {
    run_env("django22");
}

#[test]
fn django32() {
    run_env("django32");
}

#[test]
fn django42() {
    run_env("django42");
}

#[test]
fn django52() {
    run_env("django52");
}

#[test]
fn starlette() {
    run_env("starlette");
}
