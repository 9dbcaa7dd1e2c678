//! A real database loop: Django's own ORM writes sessions into a SQLite `django_session` table,
//! the `django_db_session` example reads, changes and creates rows there, and Django reads them
//! back. Django 5.2 and 4.2 use the modern row format; Django 3.2 (with the transitional
//! `DEFAULT_HASHING_ALGORITHM = 'sha1'`) and 2.2 write legacy rows.
//!
//! Needs the venvs of `tests/interop/setup_venvs.sh` (made here, idempotently). Without them the
//! tests skip, unless `CI` is set: then a failed setup fails.

use base64::Engine as _;
use serde_json::Value as Json;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const SETUP_TIMEOUT: Duration = Duration::from_secs(900);
/// The shared target dir may be locked by other builds for a while.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1200);
const PYTHON_TIMEOUT: Duration = Duration::from_secs(120);
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(30);
const SECRET: &str = "django-insecure-7#shared-between-django-and-rust";
const FOURTEEN_DAYS: f64 = 14.0 * 24.0 * 3600.0;

/// A session with what real ones hold: a user id, non-ASCII text (with a character outside the
/// BMP, which Django escapes as a surrogate pair), nested dicts and lists, a float, a big int.
const DJANGO_DATA: &str = r#"{"_auth_user_id":"42","name":"Zoë 🍪 名前","cart":{"items":[{"sku":"A-1","qty":2}],"total":19.99,"meta":{"nested":{"deep":true,"none":null}}},"big":123456789012345678901234567890,"ratio":0.1}"#;
/// `DJANGO_DATA` as Django's JSONSerializer writes it (`json.dumps(separators=(",", ":"))`).
const DJANGO_DATA_DUMPED: &str = r#"{"_auth_user_id":"42","name":"Zo\u00eb \ud83c\udf6a \u540d\u524d","cart":{"items":[{"sku":"A-1","qty":2}],"total":19.99,"meta":{"nested":{"deep":true,"none":null}}},"big":123456789012345678901234567890,"ratio":0.1}"#;
const PATCH: &str = r#"{"name":"Zoë the 2nd","cart":{"items":[]},"added":"ü ✓"}"#;
/// `DJANGO_DATA` after `session.update(PATCH)`: changed keys keep their place, new ones go last.
const PATCHED_DUMPED: &str = r#"{"_auth_user_id":"42","name":"Zo\u00eb the 2nd","cart":{"items":[]},"big":123456789012345678901234567890,"ratio":0.1,"added":"\u00fc \u2713"}"#;
const RUST_DATA: &str = r#"{"user":"ünï","prefs":{"theme":"dark","langs":["fr","日本語"]}}"#;
const RUST_DATA_DUMPED: &str =
    r#"{"user":"\u00fcn\u00ef","prefs":{"theme":"dark","langs":["fr","\u65e5\u672c\u8a9e"]}}"#;

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs a command to completion or kills it at the deadline (then panics).
fn run(command: &mut Command, timeout: Duration) -> Output {
    let description = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {description}: {e}"));
    // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("timed out after {timeout:?}: {description}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn venv_root() -> PathBuf {
    std::env::var_os("INTEROP_VENV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(MANIFEST_DIR).join("target/interop"))
}

/// Makes the four Django venvs once per test run; `false` means skip (never when `CI` is set).
fn venvs_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        let script = Path::new(MANIFEST_DIR).join("tests/interop/setup_venvs.sh");
        let out = run(
            Command::new("bash")
                .arg(script)
                .args(["django52", "django42", "django32", "django22"]),
            SETUP_TIMEOUT,
        );
        if out.code == Some(0) {
            return true;
        }
        let why = format!(
            "setup_venvs.sh failed ({:?}):\n{}\n{}",
            out.code, out.stdout, out.stderr
        );
        assert!(std::env::var_os("CI").is_none(), "CI is set: {why}");
        eprintln!("SKIPPING the Django database tests: {why}");
        false
    })
}

/// Builds the example once (examples have no `CARGO_BIN_EXE_*`) and returns its path, as
/// cargo reports it.
fn example_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = option_env!("CARGO").unwrap_or("cargo");
        let out = run(
            Command::new(cargo)
                .current_dir(MANIFEST_DIR)
                .args(["build", "--example", "django_db_session"])
                .arg("--message-format=json"),
            BUILD_TIMEOUT,
        );
        assert_eq!(out.code, Some(0), "cargo build failed:\n{}", out.stderr);
        out.stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<Json>(line).ok())
            .filter(|msg| msg["target"]["name"] == "django_db_session")
            .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no django_db_session executable")
    })
}

/// A fresh directory, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "signed-cookie-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One Django version, configured by `tests/interop/django_db.py` over one SQLite file.
struct Django<'a> {
    venv: &'a str,
    db: &'a Path,
    sha1: bool,
}

impl Django<'_> {
    fn call(&self, args: &[&str]) -> Json {
        let python = venv_root().join(self.venv).join("bin/python");
        let mut command = Command::new(python);
        command
            .arg(Path::new(MANIFEST_DIR).join("tests/interop/django_db.py"))
            .arg("--db")
            .arg(self.db)
            .args(["--secret", SECRET]);
        if self.sha1 {
            command.arg("--sha1");
        }
        let out = run(command.args(args), PYTHON_TIMEOUT);
        assert_eq!(
            out.code,
            Some(0),
            "{} {args:?} failed:\n{}",
            self.venv,
            out.stderr
        );
        serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("{} {args:?} printed {:?}: {e}", self.venv, out.stdout))
    }

    fn migrate(&self, version_prefix: &str) {
        let version = self.call(&["migrate"])["django"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            version.starts_with(version_prefix),
            "{} is Django {version}",
            self.venv
        );
    }

    /// Creates a session through `SessionStore`; returns its key and raw `session_data`.
    fn create(&self, data: &str) -> (String, String) {
        let out = self.call(&["create", data]);
        (
            out["key"].as_str().unwrap().to_owned(),
            out["session_data"].as_str().unwrap().to_owned(),
        )
    }

    /// Loads a session through `SessionStore`, asserting Django found and decoded it cleanly.
    fn load_ok(&self, key: &str) -> Json {
        let out = self.call(&["load", key]);
        assert_eq!(
            out["found"], true,
            "{} did not load {key}: {out}",
            self.venv
        );
        assert_eq!(out["error"], Json::Null, "{}: {out}", self.venv);
        assert_eq!(
            out["corrupted"],
            serde_json::json!([]),
            "{}: {out}",
            self.venv
        );
        out
    }
}

/// The example, pointed at one database and one Django version.
struct Rust<'a> {
    db: &'a Path,
    compat: &'a str,
    extra: &'a [&'a str],
}

impl Rust<'_> {
    fn try_call(&self, secret: &str, args: &[&str]) -> Output {
        run(
            Command::new(example_binary())
                .arg("--db")
                .arg(self.db)
                .args(["--secret", secret, "--compat", self.compat])
                .args(self.extra)
                .args(args),
            EXAMPLE_TIMEOUT,
        )
    }

    fn call(&self, args: &[&str]) -> String {
        let out = self.try_call(SECRET, args);
        assert_eq!(
            out.code,
            Some(0),
            "example {} {args:?} failed:\n{}",
            self.compat,
            out.stderr
        );
        out.stdout.trim_end().to_owned()
    }
}

fn is_legacy_row(row: &str) -> bool {
    // base64("<40 hex>:" + json): modern rows are `payload:ts:sig` and never decode like this.
    base64::engine::general_purpose::STANDARD
        .decode(row)
        .is_ok_and(|raw| {
            raw.len() > 41
                && raw[40] == b':'
                && raw[..40]
                    .iter()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        })
}

fn is_modern_row(row: &str) -> bool {
    row.split(':').count() == 3
}

fn assert_django_key(key: &str) {
    assert_eq!(key.len(), 32, "{key:?}");
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{key:?}"
    );
}

/// Django → Rust get → Rust set → Django, then Rust create → Django, for one version.
fn full_loop(django: &Django, rust: &Rust, writes_legacy: bool) {
    let row_form = |row: &str| {
        if writes_legacy {
            is_legacy_row(row)
        } else {
            is_modern_row(row)
        }
    };

    let (key, row) = django.create(DJANGO_DATA);
    assert!(
        row_form(&row),
        "{} wrote an unexpected row {row:?}",
        django.venv
    );
    let before = django.load_ok(&key);
    assert_eq!(before["data"], DJANGO_DATA_DUMPED);

    assert_eq!(rust.call(&["get", &key]), DJANGO_DATA_DUMPED);
    assert_eq!(rust.call(&["set", &key, PATCH]), PATCHED_DUMPED);
    let after = django.load_ok(&key);
    assert_eq!(
        after["data"], PATCHED_DUMPED,
        "Django did not see the change"
    );
    assert!(row_form(after["session_data"].as_str().unwrap()), "{after}");
    assert_eq!(
        after["expire_date"], before["expire_date"],
        "set must keep expire_date"
    );
    assert_eq!(rust.call(&["get", &key]), PATCHED_DUMPED);

    let new_key = rust.call(&["create", RUST_DATA]);
    assert_django_key(&new_key);
    let created = django.load_ok(&new_key);
    assert_eq!(created["data"], RUST_DATA_DUMPED);
    assert!(
        row_form(created["session_data"].as_str().unwrap()),
        "{created}"
    );
    let expires_in = created["expires_in"].as_f64().unwrap();
    assert!(
        (FOURTEEN_DAYS - 120.0..=FOURTEEN_DAYS).contains(&expires_in),
        "Django reads the expiry as {expires_in} s from now"
    );

    // Failures are reported, not papered over.
    let wrong_key = rust.try_call("not-the-secret", &["get", &key]);
    assert_eq!(wrong_key.code, Some(1));
    assert!(
        wrong_key.stderr.contains("bad signature"),
        "{}",
        wrong_key.stderr
    );
    let missing = rust.try_call(SECRET, &["get", "nosuchsessionkeyinthistable00000"]);
    assert_eq!(missing.code, Some(1));
    assert!(
        missing.stderr.contains("no unexpired session"),
        "{}",
        missing.stderr
    );
}

#[test]
fn django_5_2_reads_what_rust_writes_to_its_session_table() {
    if !venvs_ready() {
        return;
    }
    let dir = TempDir::new("django52-db");
    let db = dir.0.join("db.sqlite3");
    let django = Django {
        venv: "django52",
        db: &db,
        sha1: false,
    };
    django.migrate("5.2");
    let rust = Rust {
        db: &db,
        compat: "django-5.2",
        extra: &[],
    };
    full_loop(&django, &rust, false);
}

#[test]
fn django_4_2_reads_what_rust_writes_to_its_session_table() {
    if !venvs_ready() {
        return;
    }
    let dir = TempDir::new("django42-db");
    let db = dir.0.join("db.sqlite3");
    let django = Django {
        venv: "django42",
        db: &db,
        sha1: false,
    };
    django.migrate("4.2");
    let rust = Rust {
        db: &db,
        compat: "django-4.2",
        extra: &[],
    };
    full_loop(&django, &rust, false);
}

#[test]
fn django_2_2_legacy_rows_round_trip() {
    if !venvs_ready() {
        return;
    }
    let dir = TempDir::new("django22-db");
    let db = dir.0.join("db.sqlite3");
    let django = Django {
        venv: "django22",
        db: &db,
        sha1: false,
    };
    django.migrate("2.2");
    let rust = Rust {
        db: &db,
        compat: "django-2.2",
        extra: &[],
    };
    full_loop(&django, &rust, true);

    // Django 4.0+ dropped the legacy format; so does the 4.2 codec.
    let (key, _) = django.create(DJANGO_DATA);
    let newer = Rust {
        db: &db,
        compat: "django-4.2",
        extra: &[],
    };
    assert_eq!(newer.try_call(SECRET, &["get", &key]).code, Some(1));
}

#[test]
fn django_3_2_legacy_rows_round_trip() {
    if !venvs_ready() {
        return;
    }
    let dir = TempDir::new("django32-db");
    let db = dir.0.join("db.sqlite3");
    // A 3.2 app in transitional mode writes legacy rows and reads legacy or SHA-1 rows only.
    let transitional = Django {
        venv: "django32",
        db: &db,
        sha1: true,
    };
    transitional.migrate("3.2");
    let as_transitional = Rust {
        db: &db,
        compat: "django-3.2",
        extra: &["--default-hashing-algorithm", "sha1"],
    };
    full_loop(&transitional, &as_transitional, true);

    // The plain 3.2 codec reads the legacy row Django wrote and writes the modern form, which
    // a 3.2 app with the default SHA-256 setting reads ...
    let modern = Django {
        venv: "django32",
        db: &db,
        sha1: false,
    };
    let as_modern = Rust {
        db: &db,
        compat: "django-3.2",
        extra: &[],
    };
    let (key, row) = transitional.create(DJANGO_DATA);
    assert!(is_legacy_row(&row), "{row:?}");
    assert_eq!(modern.load_ok(&key)["data"], DJANGO_DATA_DUMPED);
    assert_eq!(as_modern.call(&["get", &key]), DJANGO_DATA_DUMPED);
    assert_eq!(as_modern.call(&["set", &key, PATCH]), PATCHED_DUMPED);
    let after = modern.load_ok(&key);
    assert_eq!(after["data"], PATCHED_DUMPED);
    assert!(
        is_modern_row(after["session_data"].as_str().unwrap()),
        "{after}"
    );
    let new_key = as_modern.call(&["create", RUST_DATA]);
    assert_eq!(modern.load_ok(&new_key)["data"], RUST_DATA_DUMPED);

    // ... but the transitional app does not: it verifies with SHA-1 only and then tries the row
    // as legacy base64, so it starts an empty session. (Whether it also logs "Session data
    // corrupted" depends on the row: the lenient b64decode of a modern row fails in about 3 of 4
    // cases, which logs; otherwise the missing ':' is swallowed silently.) Hence
    // --default-hashing-algorithm.
    let rejected = transitional.call(&["load", &key]);
    assert_eq!(rejected["data"], "{}", "{rejected}");
    assert_eq!(
        rejected["session_data"], after["session_data"],
        "{rejected}"
    );
    // The example mirrors that: in transitional mode it refuses the SHA-256 row too.
    assert_eq!(
        as_transitional.try_call(SECRET, &["get", &key]).code,
        Some(1)
    );
}
