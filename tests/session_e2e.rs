//! End to end, with real servers on loopback: a real Flask 3.1 app (Werkzeug's server) beside
//! the `axum_flask_session` example, and a real Django 5.2 app (`signed_cookies` backend)
//! beside the `actix_django_session` example. A real HTTP client with a cookie jar logs in on the
//! Python side, the Rust service reads and changes the session, the Python app sees the change;
//! logging out on either side ends the session on both; a rotated key still works and the Rust
//! side completes the rotation.
//!
//! Every server picks a free port itself (`PORT=0`) and reports it; each is killed when its test
//! ends, and every wait is bounded. The Python venvs come from `tests/interop/setup_venvs.sh`;
//! `SIGNED_COOKIE_SKIP_INTEROP=1` skips these tests, except under `CI`.

use reqwest::blocking::{Client, Response};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{COOKIE, SET_COOKIE, VARY};
use signed_cookie::profile::Profile;
use signed_cookie::Keys;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const OLD_KEY: &str = "e2e-old-key";
const NEW_KEY: &str = "e2e-new-key";
/// A server that has not said where it listens by then has failed.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Any one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------------
// setup: venvs and example binaries, once per test binary
// ---------------------------------------------------------------------------------------------

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "False"))
}

/// True when the tests should run; panics when they cannot although they must.
fn enabled(test: &str) -> bool {
    if std::env::var("SIGNED_COOKIE_SKIP_INTEROP").as_deref() == Ok("1") {
        assert!(
            !under_ci(),
            "{test}: SIGNED_COOKIE_SKIP_INTEROP=1 under CI: the end-to-end tests must run in CI"
        );
        println!("{test}: skipped (SIGNED_COOKIE_SKIP_INTEROP=1)");
        return false;
    }
    static SETUP: OnceLock<Result<(), String>> = OnceLock::new();
    let setup = SETUP.get_or_init(|| {
        let script = repo().join("tests/interop/setup_venvs.sh");
        let out = Command::new("bash")
            .arg(&script)
            .args(["flask31", "django52"])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} failed ({}):\n{}{}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    if let Err(e) = setup {
        panic!("{test}: the Python venvs could not be set up:\n{e}");
    }
    true
}

fn venv_python(env: &str) -> PathBuf {
    let root = std::env::var_os("INTEROP_VENV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/interop"));
    root.join(env).join("bin/python")
}

/// The example binaries, built by cargo with the features this test was built with (so an
/// outer `cargo test` has already built them and this is quick).
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<Vec<(String, PathBuf)>, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let mut features = Vec::new();
        for (on, feature) in [
            (cfg!(feature = "axum"), "axum"),
            (cfg!(feature = "actix"), "actix"),
            (cfg!(feature = "cli"), "cli"),
            (cfg!(feature = "audit-parallel"), "audit-parallel"),
        ] {
            if on {
                features.push(feature);
            }
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(repo()).args([
            "build",
            "--example",
            "axum_flask_session",
            "--example",
            "actix_django_session",
            "--message-format=json-render-diagnostics",
            "--features",
            &features.join(","),
        ]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let out = cmd
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo build of the examples failed ({})",
                out.status
            ));
        }
        let mut found = Vec::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if msg["reason"] != "compiler-artifact" {
                continue;
            }
            if let (Some(name), Some(exe)) =
                (msg["target"]["name"].as_str(), msg["executable"].as_str())
            {
                found.push((name.to_owned(), PathBuf::from(exe)));
            }
        }
        Ok(found)
    });
    match built {
        Ok(found) => found
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| panic!("cargo did not report the example {name}")),
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// servers: started with PORT=0, report their address, killed on drop
// ---------------------------------------------------------------------------------------------

struct Server {
    name: String,
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    fn start(name: &str, mut cmd: Command, secret: &str, fallbacks: &[&str]) -> Server {
        let log = std::env::temp_dir().join(format!(
            "signed-cookie-e2e-{}-{name}.log",
            std::process::id()
        ));
        let log_file = File::create(&log).expect("log file");
        cmd.env("PORT", "0")
            .env("SECRET_KEY", secret)
            .env("SECRET_KEY_FALLBACKS", fallbacks.join(","))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file);
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot start: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.trim().strip_prefix("listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let mut server = Server {
            name: name.to_owned(),
            child,
            base: String::new(),
            log,
        };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => server.base = url,
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                panic!(
                    "{name}: did not report its address within {START_TIMEOUT:?} (exit: \
                     {status:?})\n{}",
                    server.log_text()
                );
            }
        }
        println!("{name}: {} after {:.1?}", server.base, started.elapsed());
        server
    }

    fn flask(name: &str, secret: &str, fallbacks: &[&str]) -> Server {
        let mut cmd = Command::new(venv_python("flask31"));
        cmd.arg(repo().join("tests/e2e/flask_app.py"));
        Server::start(name, cmd, secret, fallbacks)
    }

    fn django(name: &str, secret: &str, fallbacks: &[&str]) -> Server {
        let mut cmd = Command::new(venv_python("django52"));
        cmd.arg(repo().join("tests/e2e/django_app.py"));
        Server::start(name, cmd, secret, fallbacks)
    }

    fn axum(name: &str, secret: &str, fallbacks: &[&str]) -> Server {
        Server::start(
            name,
            Command::new(example("axum_flask_session")),
            secret,
            fallbacks,
        )
    }

    fn actix(name: &str, secret: &str, fallbacks: &[&str]) -> Server {
        Server::start(
            name,
            Command::new(example("actix_django_session")),
            secret,
            fallbacks,
        )
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("--- {} log ---\n{text}", self.name)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("{}", self.log_text());
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

// ---------------------------------------------------------------------------------------------
// the client: a cookie jar, like a browser; cookies are per host, not per port
// ---------------------------------------------------------------------------------------------

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("client")
}

fn browser_with_jar() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("client");
    (client, jar)
}

fn jarless() -> Client {
    Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("client")
}

struct Reply {
    status: u16,
    body: String,
    set_cookies: Vec<String>,
    vary: Vec<String>,
}

fn reply(response: Response) -> Reply {
    let headers = response.headers();
    let all = |name| {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };
    let set_cookies = all(SET_COOKIE);
    let vary = all(VARY);
    Reply {
        status: response.status().as_u16(),
        set_cookies,
        vary,
        body: response.text().unwrap_or_default(),
    }
}

fn get(client: &Client, server: &Server, path: &str) -> Reply {
    reply(
        client
            .get(server.url(path))
            .send()
            .unwrap_or_else(|e| panic!("GET {path} on {}: {e}", server.name)),
    )
}

fn post(client: &Client, server: &Server, path: &str, form: &[(&str, &str)]) -> Reply {
    reply(
        client
            .post(server.url(path))
            .form(form)
            .send()
            .unwrap_or_else(|e| panic!("POST {path} on {}: {e}", server.name)),
    )
}

fn with_cookie(server: &Server, path: &str, cookie: &str) -> Reply {
    reply(
        jarless()
            .get(server.url(path))
            .header(COOKIE, cookie)
            .send()
            .unwrap_or_else(|e| panic!("GET {path} on {}: {e}", server.name)),
    )
}

#[track_caller]
fn expect(r: &Reply, status: u16, body: &str) {
    assert_eq!(
        (r.status, r.body.as_str()),
        (status, body),
        "unexpected reply"
    );
}

/// The attributes of a `Set-Cookie`, normalized for comparing frameworks: lowercase names,
/// `Expires` reduced to past/future (the dates differ by the second), sorted.
fn attributes(set_cookie: &str) -> Vec<String> {
    let cookie = cookie::Cookie::parse(set_cookie.to_owned()).expect("Set-Cookie parses");
    let mut out = vec![format!("name={}", cookie.name())];
    out.push(format!(
        "empty={}",
        cookie.value().is_empty() || cookie.value() == "\"\""
    ));
    if let Some(v) = cookie.http_only() {
        out.push(format!("httponly={v}"));
    }
    if cookie.secure() == Some(true) {
        out.push("secure".into());
    }
    if let Some(p) = cookie.path() {
        out.push(format!("path={p}"));
    }
    if let Some(s) = cookie.same_site() {
        out.push(format!("samesite={}", s.to_string().to_ascii_lowercase()));
    }
    if let Some(m) = cookie.max_age() {
        out.push(format!("max-age={}", m.whole_seconds()));
    }
    if let Some(at) = cookie.expires_datetime() {
        let past = at < cookie::time::OffsetDateTime::now_utc();
        out.push(format!("expires={}", if past { "past" } else { "future" }));
    }
    out.sort();
    out
}

fn only_set_cookie(r: &Reply, who: &str) -> String {
    assert_eq!(
        r.set_cookies.len(),
        1,
        "{who}: one Set-Cookie expected: {:?}",
        r.set_cookies
    );
    r.set_cookies[0].clone()
}

fn varies_on_cookie(r: &Reply) -> bool {
    signed_cookie::session::vary_has_cookie(r.vary.iter().map(String::as_str))
}

/// Starts servers in parallel (each Python start takes a moment).
fn start_all(specs: Vec<Box<dyn FnOnce() -> Server + Send>>) -> Vec<Server> {
    let handles: Vec<_> = specs.into_iter().map(std::thread::spawn).collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Flask ↔ axum
// ---------------------------------------------------------------------------------------------

#[test]
fn flask_and_axum_share_one_login() {
    if !enabled("flask_and_axum_share_one_login") {
        return;
    }
    let started = Instant::now();
    let fallbacks = [OLD_KEY];
    let _ = example("axum_flask_session");
    let mut servers = start_all(vec![
        Box::new(move || Server::flask("flask", NEW_KEY, &fallbacks)),
        Box::new(move || Server::axum("axum", NEW_KEY, &fallbacks)),
    ]);
    let rust = servers.pop().unwrap();
    let flask = servers.pop().unwrap();
    let client = browser();

    expect(&get(&client, &rust, "/whoami"), 401, "not logged in");
    let login = post(&client, &flask, "/login", &[("user_id", "alice")]);
    expect(&login, 200, "logged in");

    // Rust reads Flask's login. Nothing changed, the session is not permanent: no cookie, but
    // the response varies on Cookie — as Flask's own does.
    let rust_who = get(&client, &rust, "/whoami");
    expect(&rust_who, 200, "alice");
    assert!(
        rust_who.set_cookies.is_empty(),
        "{:?}",
        rust_who.set_cookies
    );
    assert!(varies_on_cookie(&rust_who));
    let flask_who = get(&client, &flask, "/whoami");
    assert_eq!(flask_who.set_cookies, rust_who.set_cookies);
    assert!(varies_on_cookie(&flask_who));

    // Rust changes the session; Flask sees the change, and the other way round.
    let rust_visit = post(&client, &rust, "/visit", &[]);
    expect(&rust_visit, 200, "1");
    expect(&post(&client, &rust, "/visit", &[]), 200, "2");
    expect(&get(&client, &flask, "/visits"), 200, "2");
    expect(&get(&client, &flask, "/whoami"), 200, "alice");
    let flask_visit = post(&client, &flask, "/visit", &[]);
    expect(&flask_visit, 200, "3");
    expect(&post(&client, &rust, "/visit", &[]), 200, "4");
    expect(&get(&client, &flask, "/visits"), 200, "4");
    // The cookies carry the same attributes.
    assert_eq!(
        attributes(&only_set_cookie(&rust_visit, "axum")),
        attributes(&only_set_cookie(&flask_visit, "flask")),
    );

    // Logging out on the Rust side ends the session on both.
    let rust_logout = post(&client, &rust, "/logout", &[]);
    expect(&rust_logout, 200, "logged out");
    expect(&get(&client, &flask, "/whoami"), 401, "not logged in");
    expect(&get(&client, &rust, "/whoami"), 401, "not logged in");

    // And on the Flask side.
    post(&client, &flask, "/login", &[("user_id", "bob")]);
    expect(&get(&client, &rust, "/whoami"), 200, "bob");
    let flask_logout = post(&client, &flask, "/logout", &[]);
    expect(&flask_logout, 200, "logged out");
    expect(&get(&client, &rust, "/whoami"), 401, "not logged in");
    expect(&get(&client, &flask, "/whoami"), 401, "not logged in");
    assert_eq!(
        attributes(&only_set_cookie(&rust_logout, "axum")),
        attributes(&only_set_cookie(&flask_logout, "flask")),
    );
    assert!(attributes(&rust_logout.set_cookies[0]).contains(&"expires=past".to_owned()));

    // A permanent session gets Expires and is refreshed on every response, on both sides.
    post(
        &client,
        &flask,
        "/login",
        &[("user_id", "carol"), ("permanent", "1")],
    );
    let rust_who = get(&client, &rust, "/whoami");
    expect(&rust_who, 200, "carol");
    let flask_who = get(&client, &flask, "/whoami");
    assert_eq!(
        attributes(&only_set_cookie(&rust_who, "axum")),
        attributes(&only_set_cookie(&flask_who, "flask")),
    );
    assert!(attributes(&rust_who.set_cookies[0]).contains(&"expires=future".to_owned()));
    println!("flask_and_axum_share_one_login: {:.1?}", started.elapsed());
}

#[test]
fn flask_rotated_key_still_works_and_axum_completes_the_rotation() {
    if !enabled("flask_rotated_key_still_works_and_axum_completes_the_rotation") {
        return;
    }
    let started = Instant::now();
    let _ = example("axum_flask_session");
    let mut servers = start_all(vec![
        Box::new(|| Server::flask("flask-before", OLD_KEY, &[])),
        Box::new(|| Server::axum("axum-rotating", NEW_KEY, &[OLD_KEY])),
        Box::new(|| Server::flask("flask-after", NEW_KEY, &[])),
    ]);
    let after = servers.pop().unwrap();
    let rust = servers.pop().unwrap();
    let before = servers.pop().unwrap();
    let client = browser();

    post(&client, &before, "/login", &[("user_id", "alice")]);
    // Signed with the old key only: the app that dropped it does not know the user.
    expect(&get(&client, &after, "/whoami"), 401, "not logged in");
    // The rotating Rust service accepts it and re-signs it with the new key unasked.
    let rotated = get(&client, &rust, "/whoami");
    expect(&rotated, 200, "alice");
    only_set_cookie(&rotated, "axum");
    // Now the app with only the new key knows the user, and the old app does not.
    expect(&get(&client, &after, "/whoami"), 200, "alice");
    expect(&get(&client, &before, "/whoami"), 401, "not logged in");
    // Once rotated, nothing more is written.
    let again = get(&client, &rust, "/whoami");
    expect(&again, 200, "alice");
    assert!(again.set_cookies.is_empty(), "{:?}", again.set_cookies);
    println!(
        "flask_rotated_key_still_works_and_axum_completes_the_rotation: {:.1?}",
        started.elapsed()
    );
}

#[test]
fn flask_and_axum_agree_on_bad_cookies() {
    if !enabled("flask_and_axum_agree_on_bad_cookies") {
        return;
    }
    let _ = example("axum_flask_session");
    let mut servers = start_all(vec![
        Box::new(|| Server::flask("flask-bad", NEW_KEY, &[])),
        Box::new(|| Server::axum("axum-bad", NEW_KEY, &[])),
    ]);
    let rust = servers.pop().unwrap();
    let flask = servers.pop().unwrap();
    let flask_codec = Profile::flask().serializer(Keys::new(NEW_KEY)).unwrap();

    // A forged cookie: an empty session, no Set-Cookie, on both.
    for server in [&flask, &rust] {
        let r = with_cookie(
            server,
            "/whoami",
            "session=eyJ1c2VyX2lkIjoiZXZlIn0.Zm9v.YmFy",
        );
        expect(&r, 401, "not logged in");
        assert!(
            r.set_cookies.is_empty(),
            "{}: {:?}",
            server.name,
            r.set_cookies
        );
    }
    // A validly signed cookie that is not a dict: Flask fails with a 500, and so does Rust.
    let list = flask_codec.dumps(&[1, 2]).unwrap();
    for server in [&flask, &rust] {
        let r = with_cookie(server, "/whoami", &format!("session={list}"));
        assert_eq!(r.status, 500, "{}", server.name);
    }
    // Flask saves the session even on an error response (the premise of Policy::Flask).
    let failed = post(&jarless(), &flask, "/fail", &[]);
    assert_eq!(failed.status, 500);
    only_set_cookie(&failed, "flask");
    // A cookie Rust signs with the same key is read by Flask.
    let mine = flask_codec
        .dumps(&serde_json::json!({"user_id": "dave"}))
        .unwrap();
    for server in [&flask, &rust] {
        expect(
            &with_cookie(server, "/whoami", &format!("session={mine}")),
            200,
            "dave",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Django ↔ actix
// ---------------------------------------------------------------------------------------------

#[test]
fn django_and_actix_share_one_login() {
    if !enabled("django_and_actix_share_one_login") {
        return;
    }
    let started = Instant::now();
    let _ = example("actix_django_session");
    let mut servers = start_all(vec![
        Box::new(|| Server::django("django", NEW_KEY, &[OLD_KEY])),
        Box::new(|| Server::actix("actix", NEW_KEY, &[OLD_KEY])),
    ]);
    let rust = servers.pop().unwrap();
    let django = servers.pop().unwrap();
    let client = browser();

    expect(&get(&client, &rust, "/whoami"), 401, "not logged in");
    expect(
        &post(&client, &django, "/login", &[("user_id", "alice")]),
        200,
        "logged in",
    );
    let rust_who = get(&client, &rust, "/whoami");
    expect(&rust_who, 200, "alice");
    assert!(
        rust_who.set_cookies.is_empty(),
        "{:?}",
        rust_who.set_cookies
    );
    assert!(varies_on_cookie(&rust_who));

    let rust_visit = post(&client, &rust, "/visit", &[]);
    expect(&rust_visit, 200, "1");
    expect(&post(&client, &rust, "/visit", &[]), 200, "2");
    expect(&get(&client, &django, "/visits"), 200, "2");
    let django_visit = post(&client, &django, "/visit", &[]);
    expect(&django_visit, 200, "3");
    expect(&post(&client, &rust, "/visit", &[]), 200, "4");
    expect(&get(&client, &django, "/whoami"), 200, "alice");
    assert_eq!(
        attributes(&only_set_cookie(&rust_visit, "actix")),
        attributes(&only_set_cookie(&django_visit, "django")),
    );

    // Django does not save the session on a 5xx (the premise of Policy::Django42 and later).
    let failed = post(&client, &django, "/fail", &[]);
    assert_eq!(failed.status, 503);
    assert!(failed.set_cookies.is_empty(), "{:?}", failed.set_cookies);
    // Logout (flush) on the Rust side ends it on both.
    let rust_logout = post(&client, &rust, "/logout", &[]);
    expect(&rust_logout, 200, "logged out");
    expect(&get(&client, &django, "/whoami"), 401, "not logged in");
    expect(&get(&client, &rust, "/whoami"), 401, "not logged in");

    // And on the Django side.
    post(&client, &django, "/login", &[("user_id", "bob")]);
    expect(&get(&client, &rust, "/whoami"), 200, "bob");
    let django_logout = post(&client, &django, "/logout", &[]);
    expect(&django_logout, 200, "logged out");
    expect(&get(&client, &rust, "/whoami"), 401, "not logged in");
    expect(&get(&client, &django, "/whoami"), 401, "not logged in");
    assert_eq!(
        attributes(&only_set_cookie(&rust_logout, "actix")),
        attributes(&only_set_cookie(&django_logout, "django")),
    );
    println!(
        "django_and_actix_share_one_login: {:.1?}",
        started.elapsed()
    );
}

#[test]
fn django_rotated_key_still_works_and_actix_completes_the_rotation() {
    if !enabled("django_rotated_key_still_works_and_actix_completes_the_rotation") {
        return;
    }
    let started = Instant::now();
    let _ = example("actix_django_session");
    let mut servers = start_all(vec![
        Box::new(|| Server::django("django-before", OLD_KEY, &[])),
        Box::new(|| Server::actix("actix-rotating", NEW_KEY, &[OLD_KEY])),
        Box::new(|| Server::django("django-rotating", NEW_KEY, &[OLD_KEY])),
        Box::new(|| Server::django("django-after", NEW_KEY, &[])),
    ]);
    let after = servers.pop().unwrap();
    let django_rotating = servers.pop().unwrap();
    let rust = servers.pop().unwrap();
    let before = servers.pop().unwrap();
    let (client, jar) = browser_with_jar();

    post(&client, &before, "/login", &[("user_id", "alice")]);
    // Django itself accepts the old key as a fallback but does not re-sign…
    let plain = get(&client, &django_rotating, "/whoami");
    expect(&plain, 200, "alice");
    assert!(plain.set_cookies.is_empty(), "{:?}", plain.set_cookies);
    // …so the app without the old key would log the user out — a bad cookie that is accessed
    // makes Django write a fresh, empty one. Check that with a jar-less request.
    let old_cookie = format!(
        "sessionid={}",
        jar_cookie(&jar, &before, "sessionid").expect("the login cookie")
    );
    let rejected = with_cookie(&after, "/whoami", &old_cookie);
    expect(&rejected, 401, "not logged in");
    only_set_cookie(&rejected, "django-after");
    let rejected_rust = with_cookie(&rust, "/whoami", "sessionid=forged:value:x");
    expect(&rejected_rust, 401, "not logged in");
    assert_eq!(
        attributes(&only_set_cookie(&rejected_rust, "actix")),
        attributes(&rejected.set_cookies[0]),
    );

    // The Rust service re-signs with the new key; then the app without the old key accepts it.
    let rotated = get(&client, &rust, "/whoami");
    expect(&rotated, 200, "alice");
    only_set_cookie(&rotated, "actix");
    expect(&get(&client, &after, "/whoami"), 200, "alice");
    let again = get(&client, &rust, "/whoami");
    assert!(again.set_cookies.is_empty(), "{:?}", again.set_cookies);
    println!(
        "django_rotated_key_still_works_and_actix_completes_the_rotation: {:.1?}",
        started.elapsed()
    );
}

/// The value of cookie `name` that `jar` would send to `server`.
fn jar_cookie(jar: &Jar, server: &Server, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(&server.url("/")).ok()?;
    let header = jar.cookies(&url)?;
    signed_cookie::session::cookie_value([header.to_str().ok()?], name, true).map(str::to_owned)
}
