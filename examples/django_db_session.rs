//! Reads, updates and creates Django sessions in the `django_session` table of a SQLite
//! database (the `db` session backend), sharing them with the Django app that owns the table.
//!
//! ```text
//! cargo run --example django_db_session -- --db PATH --secret KEY [--compat django-5.2]
//!     [--default-hashing-algorithm sha1] (get KEY | set KEY JSON_PATCH | create JSON)
//! ```
//!
//! * `get KEY` prints the session's data as JSON, in Django's own form (compact, ASCII-only).
//! * `set KEY JSON_PATCH` merges a JSON object into the session (`session.update(patch)`: new
//!   keys go last, changed keys keep their place), writes the row back with `expire_date`
//!   untouched, and prints the merged session.
//! * `create JSON` inserts a new session holding a JSON object, under a fresh key made as
//!   Django makes it and with an `expire_date` 14 days ahead (the default `SESSION_COOKIE_AGE`),
//!   and prints the key.
//!
//! `--secret` is the app's `SECRET_KEY`; `--compat` is the Django version (`django-5.2`,
//! `django-4.2`, `django-3.2`, `django-2.2`; default the newest); it decides which row formats
//! are read and which one is written. `--default-hashing-algorithm sha1` mirrors a Django 3.2
//! app running with the transitional `DEFAULT_HASHING_ALGORITHM = 'sha1'`: such an app writes
//! legacy rows and rejects SHA-256 ones, so this writes legacy rows too.
//!
//! Like Django, `get` and `set` see only unexpired rows. Times are stored as Django stores them
//! with `USE_TZ = True` (the default since Django 5.0) and no per-database `TIME_ZONE`: naive UTC
//! text, `YYYY-MM-DD HH:MM:SS[.ffffff]`, which SQLite compares as text.
//!
//! Exit status: 0 on success, 1 when the database or the session fails (no such session, bad
//! signature, …), 2 for a usage error; the reason goes to stderr.

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use signed_cookie::django::{new_session_key, SessionRowCodec};
use signed_cookie::json::{self, JsonStyle, Limits, Map, Value};
use signed_cookie::profile::{Compat, Payload, Profile};
use signed_cookie::Digest;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `SESSION_COOKIE_AGE`'s default: two weeks.
const SESSION_AGE: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// How long to wait for a lock held by Django before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const USAGE: &str = "usage: django_db_session --db PATH --secret KEY [--compat django-5.2] \
[--default-hashing-algorithm sha1] (get KEY | set KEY JSON_PATCH | create JSON)";

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}\n{USAGE}")]
    Usage(String),
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("no unexpired session with key {0:?}")]
    NoSuchSession(String),
    #[error("session data of {key:?} does not decode: {source}")]
    Undecodable {
        key: String,
        source: signed_cookie::Error,
    },
    #[error("{0}")]
    Session(#[from] signed_cookie::Error),
    #[error("{0}")]
    Config(#[from] signed_cookie::ConfigError),
    #[error("invalid JSON argument: {0}")]
    Json(#[from] json::Error),
    #[error("the JSON argument must be an object, not {0}")]
    NotAnObject(&'static str),
    #[error("no random session key: {0}")]
    Random(getrandom::Error),
    #[error("no free session key after {0} attempts")]
    KeysExhausted(u32),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            _ => 1,
        }
    }
}

enum Command {
    Get { key: String },
    Set { key: String, patch: Map },
    Create { data: Map },
}

struct Options {
    db: String,
    codec: SessionRowCodec,
    command: Command,
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)).and_then(run) {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("django_db_session: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, Failure> {
    let usage = |message: &str| Failure::Usage(message.to_owned());
    let (mut db, mut secret, mut compat, mut hashing) = (None, None, None, None);
    let mut positional = Vec::new();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--db" => &mut db,
            "--secret" => &mut secret,
            "--compat" => &mut compat,
            "--default-hashing-algorithm" => &mut hashing,
            "-h" | "--help" => return Err(usage("help requested")),
            flag if flag.starts_with("--") => return Err(usage(&format!("unknown option {flag}"))),
            _ => {
                positional.push(arg);
                continue;
            }
        };
        *slot = Some(
            args.next()
                .ok_or_else(|| usage(&format!("{arg} needs a value")))?,
        );
    }
    let db = db.ok_or_else(|| usage("--db is required"))?;
    let secret = secret.ok_or_else(|| usage("--secret is required"))?;
    let mut profile = Profile::lookup("django-db", compat.as_deref())?;
    match hashing.as_deref() {
        None | Some("sha256") => {}
        Some("sha1") if profile.compat == Compat::Django32 => {
            // DEFAULT_HASHING_ALGORITHM = 'sha1': SessionBase.encode writes the legacy form, and
            // signing verifies with SHA-1 only (configured and legacy algorithm alike).
            profile.algorithm.digest = Digest::Sha1;
            if let Payload::DjangoSessionRow { write_legacy, .. } = &mut profile.payload {
                *write_legacy = true;
            }
        }
        Some(other) => {
            return Err(usage(&format!(
                "--default-hashing-algorithm {other} is not a setting of {}",
                profile.compat.name()
            )))
        }
    }
    let codec = SessionRowCodec::new(&profile, secret.into())?;
    let object = |text: &str| -> Result<Map, Failure> {
        match json::from_str(text, &Limits::default())? {
            Value::Dict(map) => Ok(map),
            other => Err(Failure::NotAnObject(other.type_name())),
        }
    };
    let command = match positional
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["get", key] => Command::Get {
            key: (*key).to_owned(),
        },
        ["set", key, patch] => Command::Set {
            key: (*key).to_owned(),
            patch: object(patch)?,
        },
        ["create", data] => Command::Create {
            data: object(data)?,
        },
        _ => {
            return Err(usage(
                "expected one of: get KEY, set KEY JSON_PATCH, create JSON",
            ))
        }
    };
    Ok(Options { db, codec, command })
}

fn run(options: Options) -> Result<String, Failure> {
    // Opening read-write without create: a missing file is an error, not a new empty database.
    let mut conn = Connection::open_with_flags(
        &options.db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let now = SystemTime::now();
    let codec = &options.codec;
    match options.command {
        Command::Get { key } => {
            let row = load_row(&conn, &key, now)?;
            let session = decode(codec, &key, &row)?;
            Ok(json::to_string(&session, &JsonStyle::DJANGO)?)
        }
        Command::Set { key, patch } => {
            // One write transaction from read to write, so a concurrent save is not lost silently.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row = load_row(&tx, &key, now)?;
            let mut session = decode(codec, &key, &row)?;
            let Value::Dict(map) = &mut session else {
                return Err(Failure::NotAnObject(session.type_name()));
            };
            map.extend(patch);
            let new_row = codec.encode(&session, now)?;
            tx.execute(
                "UPDATE django_session SET session_data = ?1 WHERE session_key = ?2",
                params![new_row, key],
            )?;
            tx.commit()?;
            Ok(json::to_string(&session, &JsonStyle::DJANGO)?)
        }
        Command::Create { data } => {
            let row = codec.encode(&Value::Dict(data), now)?;
            let expire_date = django_datetime(now + SESSION_AGE);
            // Django retries on a key collision too (SessionStore.create); with 36^32 keys a
            // second attempt is already a sign that something else is wrong.
            const ATTEMPTS: u32 = 3;
            for _ in 0..ATTEMPTS {
                let key = new_session_key().map_err(Failure::Random)?;
                let inserted = conn.execute(
                    "INSERT INTO django_session (session_key, session_data, expire_date) \
                     VALUES (?1, ?2, ?3)",
                    params![key, row, expire_date],
                );
                match inserted {
                    Ok(_) => return Ok(key),
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == ErrorCode::ConstraintViolation => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(Failure::KeysExhausted(ATTEMPTS))
        }
    }
}

/// The `session_data` of an unexpired session, found as Django's `_get_session_from_db` does.
fn load_row(conn: &Connection, key: &str, now: SystemTime) -> Result<String, Failure> {
    conn.query_row(
        "SELECT session_data FROM django_session WHERE session_key = ?1 AND expire_date > ?2",
        params![key, django_datetime(now)],
        |row| row.get(0),
    )
    .optional()?
    .ok_or_else(|| Failure::NoSuchSession(key.to_owned()))
}

fn decode(codec: &SessionRowCodec, key: &str, row: &str) -> Result<Value, Failure> {
    codec
        .decode(row)
        .map(|loaded| loaded.value)
        .map_err(|source| Failure::Undecodable {
            key: key.to_owned(),
            source,
        })
}

/// A UTC time as Django's SQLite backend stores it: Python's `str(naive_datetime)`, which
/// leaves the microseconds out when they are zero.
fn django_datetime(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let micros = since_epoch.subsec_micros();
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let second_of_day = seconds % 86_400;
    let mut text = format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    if micros != 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    text
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm, for
/// non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_match_python_str() {
        assert_eq!(django_datetime(UNIX_EPOCH), "1970-01-01 00:00:00");
        // datetime.utcfromtimestamp(1709210096.5) -> 2024-02-29 12:34:56.500000
        let leap_day = UNIX_EPOCH + Duration::from_micros(1_709_210_096_500_000);
        assert_eq!(django_datetime(leap_day), "2024-02-29 12:34:56.500000");
        let new_year = UNIX_EPOCH + Duration::from_secs(1_735_689_599);
        assert_eq!(django_datetime(new_year), "2024-12-31 23:59:59");
    }
}
