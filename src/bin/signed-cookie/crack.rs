//! `signed-cookie crack`: stream a wordlist through every core and report the key that signed
//! the token. The search itself is `Audit::search_reader`: flat memory, SIMD lanes, no parsing
//! of lines (a numeric line is a key like any other).

use crate::Usage;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use signed_cookie::audit::{Audit, Progress};
use signed_cookie::profile::Profile;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(
    profile: &Profile,
    token: &str,
    wordlist: &Path,
    threads: Option<usize>,
) -> Result<ExitCode, Usage> {
    let audit = Audit::new(profile, token).map_err(|e| Usage(format!("bad token: {e}")))?;
    if threads == Some(0) {
        return Err(Usage("--threads must be at least 1".to_owned()));
    }
    let file = std::fs::File::open(wordlist)
        .map_err(|e| Usage(format!("cannot open {}: {e}", wordlist.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let on_terminal = std::io::stderr().is_terminal();
    let bar = if on_terminal {
        let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {msg} ({elapsed}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let report = |p: Progress| {
        let rate = p.guesses as f64 / started.elapsed().as_secs_f64().max(1e-9);
        bar.set_position(p.bytes);
        bar.set_message(format!("{} guesses, {}/s", p.guesses, human(rate)));
    };
    let outcome = audit
        .search_reader(file, threads.unwrap_or(0), &report)
        .map_err(|e| Usage(format!("cannot read {}: {e}", wordlist.display())))?;
    bar.finish_and_clear();
    if on_terminal {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{} guesses in {secs:.2} s ({}/s, {} kernel)",
            outcome.guesses,
            human(outcome.guesses as f64 / secs.max(1e-9)),
            audit.kernel()
        );
    }
    if outcome.skipped_long_lines > 0 {
        eprintln!(
            "skipped {} line(s) longer than 1 MiB",
            outcome.skipped_long_lines
        );
    }
    match outcome.key {
        Some(key) => {
            let mut out = std::io::stdout().lock();
            // The key as it is in the wordlist, byte for byte.
            let written = out
                .write_all(&key)
                .and_then(|_| out.write_all(b"\n"))
                .and_then(|_| out.flush());
            Ok(if written.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        None => {
            // The first word alone is the outcome (CLI.md), as for the other errors.
            eprintln!(
                "not-found (no key in {}, {} guesses)",
                wordlist.display(),
                outcome.guesses
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// `12.3M`-style rates.
fn human(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.1}M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1}k", rate / 1e3)
    } else {
        format!("{rate:.0}")
    }
}
