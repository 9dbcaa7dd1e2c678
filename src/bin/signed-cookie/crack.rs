//! `signed-cookie crack`: stream a wordlist through every core and report the key that signed
//! the token.

use crate::Usage;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use signed_cookie::audit::Audit;
use signed_cookie::profile::Profile;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Candidates read per batch: large enough to keep every core busy, small enough that memory
/// stays flat whatever the size of the wordlist.
const BATCH_BYTES: usize = 4 << 20;

/// Reads lines into `buf` (bytes) and `ends` (end offset of each line) until the batch is full.
fn fill_batch(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> std::io::Result<bool> {
    buf.clear();
    ends.clear();
    while buf.len() < BATCH_BYTES {
        let start = buf.len();
        if reader.read_until(b'\n', buf)? == 0 {
            return Ok(false);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
        }
        if buf.len() == start {
            continue; // an empty line is no key
        }
        ends.push(buf.len());
    }
    Ok(true)
}

pub fn run(
    profile: &Profile,
    token: &str,
    wordlist: &Path,
    threads: Option<usize>,
) -> Result<ExitCode, Usage> {
    let audit = Audit::new(profile, token).map_err(|e| Usage(format!("bad token: {e}")))?;
    let file = std::fs::File::open(wordlist)
        .map_err(|e| Usage(format!("cannot open {}: {e}", wordlist.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Usage(format!("cannot start threads: {e}")))?;
    let progress = if std::io::stderr().is_terminal() {
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
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut buf, mut ends) = (Vec::new(), Vec::new());
    let found = AtomicBool::new(false);
    let mut guesses: u64 = 0;
    let started = std::time::Instant::now();
    loop {
        let more = fill_batch(&mut reader, &mut buf, &mut ends)
            .map_err(|e| Usage(format!("cannot read {}: {e}", wordlist.display())))?;
        let starts = std::iter::once(0).chain(ends.iter().copied());
        let lines: Vec<(usize, usize)> = starts.zip(ends.iter().copied()).collect();
        let hit = pool.install(|| {
            lines
                .par_iter()
                .with_min_len(1024)
                .find_any(|&&(s, e)| buf.get(s..e).is_some_and(|c| audit.matches(c)))
                .copied()
        });
        guesses += lines.len() as u64;
        progress.inc(buf.len() as u64 + lines.len() as u64);
        let rate = guesses as f64 / started.elapsed().as_secs_f64().max(1e-9);
        progress.set_message(format!("{guesses} guesses, {:.0}/s", rate));
        if let Some((s, e)) = hit {
            found.store(true, Ordering::Relaxed);
            progress.finish_and_clear();
            let key = String::from_utf8_lossy(buf.get(s..e).unwrap_or_default()).into_owned();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{key}");
            return Ok(ExitCode::SUCCESS);
        }
        if !more {
            break;
        }
    }
    progress.finish_and_clear();
    eprintln!(
        "not-found (no key in {}, {guesses} guesses)",
        wordlist.display()
    );
    Ok(ExitCode::from(1))
}
