//! The `signed-cookie` command line: decode, verify, sign and audit signed cookies.
//! Its interface is the contract in `shared/CLI.md`.

use clap::{Args, Parser, Subcommand};
use signed_cookie::codec::Codec;
use signed_cookie::profile::{Payload, Profile};
use signed_cookie::serializer::Envelope;
use signed_cookie::{Digest, KeyDerivation, Keys};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod crack;

#[derive(Parser)]
#[command(
    name = "signed-cookie",
    version,
    about = "Decode, verify, sign and audit Flask, itsdangerous, Django and Starlette signed cookies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print what a token carries, without a key (unverified).
    Decode {
        /// The token, or `-` for standard input.
        token: String,
    },
    /// Verify a token and print its value.
    Verify {
        #[command(flatten)]
        options: ProfileOptions,
        /// The token, or `-` for standard input.
        token: String,
    },
    /// Sign a value (JSON for JSON profiles, a raw string for signer profiles).
    Sign {
        #[command(flatten)]
        options: ProfileOptions,
        /// Compress as Django's `dumps(compress=True)` does (django profiles).
        #[arg(long)]
        compress: bool,
        /// The value, or `-` for standard input.
        value: String,
    },
    /// Find the secret key of a token in a wordlist.
    Crack {
        #[command(flatten)]
        options: ProfileOptions,
        /// One candidate key per line.
        #[arg(long, value_name = "FILE")]
        wordlist: std::path::PathBuf,
        /// Worker threads (default: every core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// The token, or `-` for standard input.
        token: String,
    },
}

#[derive(Args)]
struct ProfileOptions {
    /// The format: flask, itsdangerous, itsdangerous-untimed, itsdangerous-signer,
    /// itsdangerous-signer-untimed, django, django-signer, django-timestamp-signer,
    /// django-cookie, django-signed-cookie, django-db, starlette.
    #[arg(long, value_name = "P", value_parser = clap::builder::PossibleValuesParser::new(Profile::NAMES))]
    profile: String,
    /// The library version to behave as (default: the newest).
    #[arg(long, value_name = "V")]
    compat: Option<String>,
    /// The current key: it signs, and is tried first.
    #[arg(long, value_name = "KEY")]
    secret: Option<String>,
    /// An older key that still verifies (repeatable).
    #[arg(long = "fallback", value_name = "KEY")]
    fallbacks: Vec<String>,
    /// Replaces the profile's salt.
    #[arg(long, value_name = "S")]
    salt: Option<String>,
    /// sha1, sha224, sha256, sha384, sha512.
    #[arg(long, value_name = "D")]
    digest: Option<Digest>,
    /// concat, django-concat, hmac, none.
    #[arg(long = "key-derivation", value_name = "K")]
    key_derivation: Option<KeyDerivation>,
    /// One character.
    #[arg(long, value_name = "C")]
    separator: Option<char>,
    /// Reject tokens older than this many seconds; `none` disables the check.
    #[arg(long = "max-age", value_name = "SECS", value_parser = parse_max_age)]
    max_age: Option<MaxAge>,
    /// The clock, in Unix seconds.
    #[arg(long, value_name = "UNIX", value_parser = parse_now)]
    now: Option<SystemTime>,
    /// django-signed-cookie: the cookie's name, which takes part in its salt.
    #[arg(long = "cookie-name", value_name = "N")]
    cookie_name: Option<String>,
}

#[derive(Clone, Copy)]
enum MaxAge {
    Seconds(Duration),
    Disabled,
}

fn parse_max_age(s: &str) -> Result<MaxAge, String> {
    if s == "none" {
        return Ok(MaxAge::Disabled);
    }
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is neither a number of seconds nor `none`"))?;
    Duration::try_from_secs_f64(secs)
        .map(MaxAge::Seconds)
        .map_err(|_| format!("{s:?} is not a valid number of seconds"))
}

fn parse_now(s: &str) -> Result<SystemTime, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of Unix seconds"))?;
    let offset = Duration::try_from_secs_f64(secs.abs())
        .map_err(|_| format!("{s:?} is not a valid time"))?;
    let t = if secs < 0.0 {
        UNIX_EPOCH.checked_sub(offset)
    } else {
        UNIX_EPOCH.checked_add(offset)
    };
    t.ok_or_else(|| format!("{s:?} is out of range"))
}

/// A usage error: exit status 2.
struct Usage(String);

impl ProfileOptions {
    fn profile(&self, compress: bool) -> Result<Profile, Usage> {
        let mut profile = if self.profile == "django-signed-cookie" {
            let compat = match &self.compat {
                Some(c) => c.parse().map_err(|_| {
                    Usage(format!("profile django-signed-cookie has no compat {c:?}"))
                })?,
                None => Profile::compats("django-signed-cookie")[0],
            };
            let Some(name) = &self.cookie_name else {
                return Err(Usage(
                    "--profile django-signed-cookie needs --cookie-name".to_owned(),
                ));
            };
            Profile::django_signed_cookie(compat, name, self.salt.as_deref().unwrap_or(""))
                .map_err(|e| Usage(e.to_string()))?
        } else {
            let mut p = Profile::lookup(&self.profile, self.compat.as_deref())
                .map_err(|e| Usage(e.to_string()))?;
            if let Some(salt) = &self.salt {
                p.set_salt(salt);
            }
            p
        };
        if let Some(d) = self.digest {
            profile.algorithm.digest = d;
        }
        if let Some(k) = self.key_derivation {
            profile.algorithm.key_derivation = k;
        }
        if let Some(c) = self.separator {
            profile.separator = c;
        }
        if compress {
            match &mut profile.payload {
                Payload::Json {
                    envelope: Envelope::UrlSafe { compress },
                    ..
                } if self.profile.starts_with("django") => *compress = true,
                Payload::DjangoSessionRow { .. } => {}
                _ => {
                    return Err(Usage(format!(
                        "--compress applies to the django JSON profiles, not {}",
                        self.profile
                    )))
                }
            }
        }
        Ok(profile)
    }

    fn keys(&self) -> Result<Keys, Usage> {
        let Some(secret) = &self.secret else {
            return Err(Usage("--secret is required".to_owned()));
        };
        Ok(Keys::new(secret.as_str()).with_fallbacks(self.fallbacks.iter().map(String::as_str)))
    }

    fn codec(&self, compress: bool) -> Result<(Profile, Codec), Usage> {
        let profile = self.profile(compress)?;
        let codec = Codec::new(&profile, self.keys()?).map_err(|e| Usage(e.to_string()))?;
        Ok((profile, codec))
    }

    fn max_age(&self, profile: &Profile) -> Option<Duration> {
        match self.max_age {
            Some(MaxAge::Seconds(d)) => Some(d),
            Some(MaxAge::Disabled) => None,
            None => profile.default_max_age,
        }
    }

    fn now(&self) -> SystemTime {
        self.now.unwrap_or_else(SystemTime::now)
    }
}

/// `-` reads standard input, with one trailing newline stripped.
fn argument(value: String) -> Result<String, Usage> {
    if value != "-" {
        return Ok(value);
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
    if input.ends_with('\n') {
        input.pop();
        if input.ends_with('\r') {
            input.pop();
        }
    }
    Ok(input)
}

fn print_stdout(line: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

fn describe_time(unix: i64) -> String {
    format!("{} ({unix})", signed_cookie::tagged::http_date(unix))
}

fn run(cli: Cli) -> Result<ExitCode, Usage> {
    match cli.command {
        Command::Decode { token } => {
            let token = argument(token)?;
            let seen = signed_cookie::inspect::inspect(&token);
            eprintln!(
                "unverified: the signature was not checked (format looks like {})",
                seen.format
            );
            if seen.compressed {
                eprintln!("compressed: zlib");
            }
            if let Some(ts) = seen.timestamp_unverified {
                eprintln!("signed at: {}", describe_time(ts));
            }
            Ok(print_stdout(&seen.payload_unverified))
        }
        Command::Verify { options, token } => {
            let token = argument(token)?;
            let (profile, codec) = options.codec(false)?;
            match codec.verify_text(&token, options.max_age(&profile), options.now()) {
                Ok(v) => Ok(print_stdout(&v.text)),
                Err(e) => {
                    // The kind alone as the first word, for scripts; the details after it.
                    eprintln!("{} ({e})", e.kind().as_str());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Sign {
            options,
            compress,
            value,
        } => {
            let value = argument(value)?;
            let (_, codec) = options.codec(compress)?;
            match codec.sign_text(&value, options.now()) {
                Ok(token) => Ok(print_stdout(&token)),
                Err(e) => Err(Usage(format!("cannot sign this value: {e}"))),
            }
        }
        Command::Crack {
            options,
            wordlist,
            threads,
            token,
        } => {
            let token = argument(token)?;
            let profile = options.profile(false)?;
            crack::run(&profile, &token, &wordlist, threads)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("usage: {message}");
            ExitCode::from(2)
        }
    }
}
