//! Secret-key audit: does a candidate key sign this token? For people checking their own
//! deployments for weak secrets, as flask-unsign does, but for every profile.
//!
//! Everything that does not depend on the key (splitting the token, decoding the signature,
//! choosing algorithms and salts, padding the signed message and the salt into SHA blocks,
//! their message schedules) is done once in [`Audit::new`]. Per guess only the key-dependent
//! hashing is left: for a Flask cookie, the HMAC that derives the key from the candidate (4
//! SHA-1 blocks) and the HMAC of the message under it (2 + the message's blocks).
//!
//! [`Audit::search_lines`] runs SHA-1 targets through a SIMD kernel, one candidate per lane
//! (16 lanes with AVX-512, 8 with AVX2), and everything else one candidate at a time; neither
//! path allocates per guess. [`Audit::search_reader`] streams a wordlist through every core
//! with flat memory.

use crate::encoding::{base64_decode, base64url_decode};
use crate::error::{ConfigError, Error, PayloadFault};
use crate::profile::{Payload, Profile};
use crate::signer::{Algorithm, Digest, KeyDerivation};
use hmac::Mac;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

// The SIMD kernel needs `unsafe` for CPU intrinsics; the module explains why it is sound.
#[allow(unsafe_code)]
mod lanes;

use lanes::{Backend, Batch, ConstBlock, Derive, Plan, MAX_LANES};

/// Longest key kept in a stack buffer when a secret prefix has to be prepended; longer keys
/// are hashed first, as HMAC does with any key longer than a block.
const KEY_BUF: usize = 256;

/// One (message, signature, algorithm, salt) the key must reproduce.
#[derive(Debug, Clone)]
struct Target {
    message: Vec<u8>,
    mac: Vec<u8>,
    algorithm: Algorithm,
    salt: Vec<u8>,
    secret_prefix: Vec<u8>,
    /// The SIMD route, for SHA-1 targets.
    lanes: Option<LaneTarget>,
}

/// How a SHA-1 target fills its lanes.
#[derive(Debug, Clone)]
struct LaneTarget {
    plan: Plan,
    input: LaneInput,
}

#[derive(Debug, Clone)]
enum LaneInput {
    /// The lane block is `prefix + candidate`, zero-padded (HMAC and raw keys, up to 64 bytes).
    KeyBlock { prefix: Vec<u8> },
    /// The lane blocks are the end of `prefix + candidate` after the prefix's whole blocks,
    /// SHA-1 padded (hashed keys, up to two blocks).
    HashTail { tail: Vec<u8>, prefix_len: usize },
}

/// A token prepared for testing candidate keys.
///
/// ```
/// use signed_cookie::audit::Audit;
/// use signed_cookie::profile::Profile;
/// let token = Profile::flask().serializer("hunter2").unwrap().dumps(&serde_json::json!({"a": 1})).unwrap();
/// let audit = Audit::new(&Profile::flask(), &token).unwrap();
/// assert!(!audit.matches(b"password"));
/// assert!(audit.matches(b"hunter2"));
/// ```
#[derive(Debug, Clone)]
pub struct Audit {
    targets: Vec<Target>,
    backend: Backend,
}

fn hash_into<D: sha2::Digest>(parts: &[&[u8]], out: &mut [u8; 64]) -> usize {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    let tag = h.finalize();
    let n = tag.len().min(64);
    out[..n].copy_from_slice(&tag[..n]);
    n
}

fn digest_hash(digest: Digest, parts: &[&[u8]], out: &mut [u8; 64]) -> usize {
    match digest {
        Digest::Sha1 => hash_into::<sha1::Sha1>(parts, out),
        Digest::Sha224 => hash_into::<sha2::Sha224>(parts, out),
        Digest::Sha256 => hash_into::<sha2::Sha256>(parts, out),
        Digest::Sha384 => hash_into::<sha2::Sha384>(parts, out),
        Digest::Sha512 => hash_into::<sha2::Sha512>(parts, out),
    }
}

/// `HMAC(key = key_parts joined, message_parts joined)` into `out`, with no allocation.
fn digest_hmac(
    digest: Digest,
    key_parts: &[&[u8]],
    message_parts: &[&[u8]],
    out: &mut [u8; 64],
) -> usize {
    let key_len: usize = key_parts.iter().map(|p| p.len()).sum();
    let mut joined = [0u8; KEY_BUF];
    let mut hashed = [0u8; 64];
    let key: &[u8] = if let [only] = key_parts {
        only
    } else if key_len <= KEY_BUF {
        let mut at = 0;
        for p in key_parts {
            joined[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        &joined[..key_len]
    } else {
        // Longer than any block: HMAC itself would hash it; do it here, without a buffer.
        let n = digest_hash(digest, key_parts, &mut hashed);
        &hashed[..n]
    };
    macro_rules! run {
        ($d:ty) => {{
            // HMAC takes keys of any length.
            let Ok(mut mac) = hmac::Hmac::<$d>::new_from_slice(key) else {
                return 0;
            };
            for p in message_parts {
                mac.update(p);
            }
            let tag = mac.finalize().into_bytes();
            let n = tag.len().min(64);
            out[..n].copy_from_slice(&tag[..n]);
            n
        }};
    }
    match digest {
        Digest::Sha1 => run!(sha1::Sha1),
        Digest::Sha224 => run!(sha2::Sha224),
        Digest::Sha256 => run!(sha2::Sha256),
        Digest::Sha384 => run!(sha2::Sha384),
        Digest::Sha512 => run!(sha2::Sha512),
    }
}

impl Target {
    fn new(
        message: &[u8],
        mac: Vec<u8>,
        algorithm: Algorithm,
        salt: &[u8],
        secret_prefix: &[u8],
    ) -> Target {
        let mut target = Target {
            message: message.to_vec(),
            mac,
            algorithm,
            salt: salt.to_vec(),
            secret_prefix: secret_prefix.to_vec(),
            lanes: None,
        };
        target.lanes = target.lane_target();
        target
    }

    /// The key-independent part of the SIMD route (SHA-1 only).
    fn lane_target(&self) -> Option<LaneTarget> {
        if self.algorithm.digest != Digest::Sha1 || self.mac.len() != 20 {
            return None;
        }
        let blocks = |bytes: &[u8], already: usize| -> Vec<ConstBlock> {
            lanes::padded_blocks(bytes, already)
                .iter()
                .map(ConstBlock::new)
                .collect()
        };
        let message = blocks(&self.message, 64);
        let mac_word0 = u32::from_be_bytes([self.mac[0], self.mac[1], self.mac[2], self.mac[3]]);
        let key_block = LaneInput::KeyBlock {
            prefix: self.secret_prefix.clone(),
        };
        let (derive, input) = match self.algorithm.key_derivation {
            KeyDerivation::Hmac => (Derive::Hmac(blocks(&self.salt, 64)), key_block),
            KeyDerivation::None => (Derive::Raw, key_block),
            KeyDerivation::Concat | KeyDerivation::DjangoConcat => {
                let mut prefix = self.salt.clone();
                if self.algorithm.key_derivation == KeyDerivation::DjangoConcat {
                    prefix.extend_from_slice(b"signer");
                }
                prefix.extend_from_slice(&self.secret_prefix);
                let whole = prefix.len() / 64 * 64;
                let mut state = lanes::IV;
                for chunk in prefix[..whole].chunks_exact(64) {
                    let mut block = [0u8; 64];
                    block.copy_from_slice(chunk);
                    lanes::compress_scalar(&mut state, &lanes::words_of(&block));
                }
                (
                    Derive::Hash(state),
                    LaneInput::HashTail {
                        tail: prefix[whole..].to_vec(),
                        prefix_len: prefix.len(),
                    },
                )
            }
        };
        Some(LaneTarget {
            plan: Plan {
                derive,
                message,
                mac_word0,
            },
            input,
        })
    }

    fn matches(&self, candidate: &[u8]) -> bool {
        let Algorithm {
            key_derivation,
            digest,
        } = self.algorithm;
        let prefix = self.secret_prefix.as_slice();
        let mut derived = [0u8; 64];
        let n = match key_derivation {
            KeyDerivation::Concat => {
                digest_hash(digest, &[&self.salt, prefix, candidate], &mut derived)
            }
            KeyDerivation::DjangoConcat => digest_hash(
                digest,
                &[&self.salt, b"signer", prefix, candidate],
                &mut derived,
            ),
            KeyDerivation::Hmac => {
                let key: &[&[u8]] = if prefix.is_empty() {
                    &[candidate]
                } else {
                    &[prefix, candidate]
                };
                digest_hmac(digest, key, &[&self.salt], &mut derived)
            }
            KeyDerivation::None => {
                let key: &[&[u8]] = if prefix.is_empty() {
                    &[candidate]
                } else {
                    &[prefix, candidate]
                };
                return self.check_mac(digest, key);
            }
        };
        self.check_mac(digest, &[&derived[..n]])
    }

    fn check_mac(&self, digest: Digest, key: &[&[u8]]) -> bool {
        let mut mac = [0u8; 64];
        let n = digest_hmac(digest, key, &[&self.message], &mut mac);
        // The expected MAC is public (it is in the token), so a plain comparison leaks nothing.
        mac.get(..n) == Some(self.mac.as_slice())
    }
}

impl LaneInput {
    /// Writes `candidate` into lane `lane` of `batch`; false when it does not fit the lanes
    /// (a long key), and the caller tests it on its own.
    #[inline]
    fn fill(&self, candidate: &[u8], batch: &mut Batch, lane: usize) -> bool {
        let mut bytes = [0u8; 128];
        let blocks = match self {
            LaneInput::KeyBlock { prefix } => {
                let len = prefix.len() + candidate.len();
                if len > 64 {
                    return false;
                }
                bytes[..prefix.len()].copy_from_slice(prefix);
                bytes[prefix.len()..len].copy_from_slice(candidate);
                1
            }
            LaneInput::HashTail { tail, prefix_len } => {
                let len = tail.len() + candidate.len();
                if len + 9 > 128 {
                    return false;
                }
                bytes[..tail.len()].copy_from_slice(tail);
                bytes[tail.len()..len].copy_from_slice(candidate);
                bytes[len] = 0x80;
                let blocks = if len + 9 <= 64 { 1 } else { 2 };
                let bits = ((prefix_len + candidate.len()) as u64).wrapping_mul(8);
                bytes[blocks * 64 - 8..blocks * 64].copy_from_slice(&bits.to_be_bytes());
                blocks
            }
        };
        batch.block_count[lane] = blocks as u8;
        for (b, chunk) in bytes.chunks_exact(64).take(blocks).enumerate() {
            for (w, word) in chunk.chunks_exact(4).enumerate() {
                batch.blocks[b][w][lane] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
            }
        }
        true
    }
}

/// What [`Audit::search_lines`] found in one buffer.
///
/// `guesses` counts the candidates (non-empty lines) up to and including the key, or all of
/// them when there is none.
///
/// ```
/// # use signed_cookie::{audit::Audit, profile::Profile};
/// let token = Profile::flask().serializer("s3").unwrap().dumps(&1).unwrap();
/// let found = Audit::new(&Profile::flask(), &token).unwrap().search_lines(b"a\nb\ns3\nc\n");
/// assert_eq!((found.key, found.guesses), (Some(&b"s3"[..]), 3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    /// The key, when one of the lines is it.
    pub key: Option<&'a [u8]>,
    /// Candidates up to and including the key (all of them when there is none).
    pub guesses: u64,
}

/// The end of a [`Audit::search_reader`] run.
///
/// ```
/// # use signed_cookie::{audit::Audit, profile::Profile};
/// let token = Profile::flask().serializer("k").unwrap().dumps(&1).unwrap();
/// let outcome = Audit::new(&Profile::flask(), &token).unwrap()
///     .search_reader(&b"x\ny\n"[..], 1, &|_| {}).unwrap();
/// assert_eq!(outcome.key, None);
/// assert_eq!(outcome.guesses, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The key that signed the token, if the wordlist holds it.
    pub key: Option<Vec<u8>>,
    /// Candidates tested.
    pub guesses: u64,
    /// Lines longer than the read buffer (1 MiB), which were skipped.
    pub skipped_long_lines: u64,
}

/// Progress of a [`Audit::search_reader`] run, reported after each buffer.
///
/// ```
/// let p = signed_cookie::audit::Progress { bytes: 10, guesses: 2 };
/// assert_eq!(p.guesses, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the wordlist read so far.
    pub bytes: u64,
    /// Candidates tested so far.
    pub guesses: u64,
}

/// Read buffer per chunk of the wordlist: a few of these per thread is all the memory a search
/// takes, whatever the wordlist's size.
const CHUNK: usize = 1 << 20;

/// The first `\n` in `bytes`, eight bytes at a time (a wordlist line is a dozen bytes: the
/// byte-by-byte search cost as much as a third of the SIMD kernel).
#[inline]
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let word = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]) ^ (ONES * u64::from(b'\n'));
        // The lowest byte that is zero sets its high bit here; bytes above it may too (borrow),
        // which the lowest set bit ignores.
        let zeros = word.wrapping_sub(ONES) & !word & HIGHS;
        if zeros != 0 {
            return Some(at + (zeros.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i)
}

/// The lane batch of one SIMD target.
struct LaneBatch {
    target: usize,
    batch: Box<Batch>,
    /// Lanes holding a candidate for this target (others may hold stale data).
    valid: u32,
}

/// Per-thread search state: the lane batches of the SIMD targets.
struct Searcher<'a> {
    audit: &'a Audit,
    lanes: usize,
    batches: Vec<LaneBatch>,
    /// Per target: whether it goes through lanes (else it is checked one candidate at a time).
    in_lanes: Vec<bool>,
    /// Per lane: the candidate's line, as (start, end) in the buffer, and its guess number.
    slots: [(usize, usize, u64); MAX_LANES],
    filled: usize,
}

impl<'a> Searcher<'a> {
    fn new(audit: &'a Audit) -> Searcher<'a> {
        let lanes = audit.backend.lanes();
        let in_lanes: Vec<bool> = audit
            .targets
            .iter()
            .map(|t| lanes > 0 && t.lanes.is_some())
            .collect();
        let batches = in_lanes
            .iter()
            .enumerate()
            .filter(|(_, &yes)| yes)
            .map(|(target, _)| LaneBatch {
                target,
                batch: Batch::new(),
                valid: 0,
            })
            .collect();
        Searcher {
            audit,
            lanes,
            batches,
            in_lanes,
            slots: [(0, 0, 0); MAX_LANES],
            filled: 0,
        }
    }

    /// Tests every non-empty line of `buf` (`\n` or `\r\n` ends); stops at the first key.
    fn search<'b>(&mut self, buf: &'b [u8]) -> Found<'b> {
        let mut guesses = 0u64;
        let mut start = 0;
        self.filled = 0;
        while start < buf.len() {
            let end = find_newline(&buf[start..]).map_or(buf.len(), |i| start + i);
            let mut line_end = end;
            if line_end > start && buf[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            if line_end > start {
                guesses += 1;
                if let Some(found) = self.test(buf, start, line_end, guesses) {
                    return found;
                }
            }
            start = end + 1;
        }
        self.flush(buf).unwrap_or(Found { key: None, guesses })
    }

    /// Queues one candidate for the lane targets (or tests it at once where it does not fit
    /// them) and tests it against the other targets.
    #[inline]
    fn test<'b>(
        &mut self,
        buf: &'b [u8],
        start: usize,
        end: usize,
        guess: u64,
    ) -> Option<Found<'b>> {
        let candidate = &buf[start..end];
        let hit = Found {
            key: Some(candidate),
            guesses: guess,
        };
        let lane = self.filled;
        let mut queued = false;
        for lb in &mut self.batches {
            let target = &self.audit.targets[lb.target];
            let fits = target
                .lanes
                .as_ref()
                .is_some_and(|lt| lt.input.fill(candidate, &mut lb.batch, lane));
            if fits {
                lb.valid |= 1 << lane;
                queued = true;
            } else if target.matches(candidate) {
                return Some(hit);
            }
        }
        for (target, in_lanes) in self.audit.targets.iter().zip(&self.in_lanes) {
            if !in_lanes && target.matches(candidate) {
                return Some(hit);
            }
        }
        if queued {
            self.slots[lane] = (start, end, guess);
            self.filled += 1;
            if self.filled == self.lanes {
                return self.flush(buf);
            }
        }
        None
    }

    /// Runs the queued lanes; returns a key found among them.
    fn flush<'b>(&mut self, buf: &'b [u8]) -> Option<Found<'b>> {
        let filled = std::mem::take(&mut self.filled);
        let mut best: Option<Found<'b>> = None;
        for lb in &mut self.batches {
            let valid = std::mem::take(&mut lb.valid);
            if valid == 0 {
                continue;
            }
            let target = &self.audit.targets[lb.target];
            let Some(lt) = &target.lanes else { continue };
            let hits = self.audit.backend.run(&lt.plan, &lb.batch) & valid;
            for (lane, &(s, e, guess)) in self.slots.iter().enumerate().take(filled) {
                // The kernel compares one word of the MAC; confirm the whole of it.
                if hits & (1 << lane) != 0 && target.matches(&buf[s..e]) {
                    if best.is_none_or(|b| guess < b.guesses) {
                        best = Some(Found {
                            key: Some(&buf[s..e]),
                            guesses: guess,
                        });
                    }
                    break;
                }
            }
        }
        best
    }
}

impl Audit {
    /// Prepares `token` of `profile`: every algorithm and salt the profile accepts becomes a
    /// target that a candidate key may match.
    ///
    /// ```
    /// use signed_cookie::audit::Audit;
    /// use signed_cookie::profile::Profile;
    /// assert!(Audit::new(&Profile::flask(), "no-separator").is_err());
    /// ```
    pub fn new(profile: &Profile, token: &str) -> Result<Audit, Error> {
        let mut targets = Vec::new();
        let algorithms: Vec<Algorithm> = std::iter::once(profile.algorithm)
            .chain(profile.legacy_algorithms.iter().copied())
            .collect();
        let salts: Vec<&str> = std::iter::once(profile.salt.as_str())
            .chain(profile.fallback_salts.iter().map(String::as_str))
            .collect();
        if let Some((message, signature)) = token.rsplit_once(profile.separator) {
            if let Ok(mac) = base64url_decode(signature.as_bytes()) {
                for algorithm in &algorithms {
                    if mac.len() != algorithm.digest.output_len() {
                        continue;
                    }
                    for salt in &salts {
                        targets.push(Target::new(
                            message.as_bytes(),
                            mac.clone(),
                            *algorithm,
                            salt.as_bytes(),
                            profile.secret_prefix.as_bytes(),
                        ));
                    }
                }
            }
        }
        if let Payload::DjangoSessionRow {
            read_legacy: true, ..
        } = profile.payload
        {
            if let Some(target) = legacy_row_target(token) {
                targets.push(target);
            }
        }
        if targets.is_empty() {
            return Err(Error::BadPayload(PayloadFault::Shape(format!(
                "not a {} token: no signature of the expected form",
                profile.name
            ))));
        }
        Ok(Audit {
            targets,
            backend: Backend::detect(),
        })
    }

    /// True when `candidate` is a key that signed the token.
    ///
    /// ```
    /// # use signed_cookie::{audit::Audit, profile::Profile};
    /// let p = Profile::lookup("django-signer", None).unwrap();
    /// let token = p.signer("s3cret").unwrap().sign_at("v", std::time::SystemTime::now());
    /// assert!(Audit::new(&p, &token).unwrap().matches(b"s3cret"));
    /// ```
    pub fn matches(&self, candidate: &[u8]) -> bool {
        self.targets.iter().any(|t| t.matches(candidate))
    }

    /// The SIMD kernel in use: `avx512`, `avx2` or `portable` (one candidate at a time).
    ///
    /// ```
    /// # use signed_cookie::{audit::Audit, profile::Profile};
    /// let token = Profile::flask().serializer("k").unwrap().dumps(&1).unwrap();
    /// let kernel = Audit::new(&Profile::flask(), &token).unwrap().kernel();
    /// assert!(["avx512", "avx2", "portable"].contains(&kernel));
    /// ```
    pub fn kernel(&self) -> &'static str {
        self.backend.name()
    }

    /// Tests each line of `lines` as a key (lines end with `\n` or `\r\n`; empty lines are
    /// skipped) and returns the first that signed the token.
    ///
    /// ```
    /// # use signed_cookie::{audit::Audit, profile::Profile};
    /// let token = Profile::flask().serializer("hunter2").unwrap().dumps(&1).unwrap();
    /// let audit = Audit::new(&Profile::flask(), &token).unwrap();
    /// assert_eq!(audit.search_lines(b"x\r\n\nhunter2\r\n").key, Some(&b"hunter2"[..]));
    /// assert_eq!(audit.search_lines(b"123\n1e5\n").key, None); // plain lines, never parsed
    /// ```
    pub fn search_lines<'b>(&self, lines: &'b [u8]) -> Found<'b> {
        Searcher::new(self).search(lines)
    }

    /// Streams a wordlist (one key per line) through `threads` threads (0 = every core) and
    /// returns the key that signed the token, if any. Memory stays at a few megabytes per
    /// thread however long the wordlist; `progress` is called after each megabyte.
    ///
    /// ```
    /// # use signed_cookie::{audit::Audit, profile::Profile};
    /// let token = Profile::django().serializer("right").unwrap().dumps(&[1, 2]).unwrap();
    /// let audit = Audit::new(&Profile::django(), &token).unwrap();
    /// let wordlist = b"wrong\nother\nright\nlast\n";
    /// let outcome = audit.search_reader(&wordlist[..], 2, &|_| {}).unwrap();
    /// assert_eq!(outcome.key.as_deref(), Some(&b"right"[..]));
    /// ```
    pub fn search_reader<R: Read>(
        &self,
        mut reader: R,
        threads: usize,
        progress: &dyn Fn(Progress),
    ) -> std::io::Result<Outcome> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        };
        let guesses = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let found: Mutex<Option<Vec<u8>>> = Mutex::new(None);
        // Buffers circulate between the reader (this thread) and the workers: 2 per worker.
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(threads);
        let full_rx = Mutex::new(full_rx);
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 0..threads * 2 {
            let _ = free_tx.send(Vec::with_capacity(CHUNK));
        }
        let mut skipped_long_lines = 0u64;
        let mut bytes_read = 0u64;
        let read_result = std::thread::scope(|scope| {
            for _ in 0..threads {
                let (full_rx, free_tx) = (&full_rx, free_tx.clone());
                let (guesses, stop, found) = (&guesses, &stop, &found);
                scope.spawn(move || {
                    let mut searcher = Searcher::new(self);
                    loop {
                        let next = match full_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok(buf) = next else { break };
                        if !stop.load(Ordering::Relaxed) {
                            let hit = searcher.search(&buf);
                            guesses.fetch_add(hit.guesses, Ordering::Relaxed);
                            if let Some(key) = hit.key {
                                if let Ok(mut slot) = found.lock() {
                                    slot.get_or_insert_with(|| key.to_vec());
                                }
                                stop.store(true, Ordering::Relaxed);
                            }
                        }
                        let _ = free_tx.send(buf);
                    }
                });
            }
            let result = (|| -> std::io::Result<()> {
                // The unfinished last line of the previous buffer.
                let mut carry: Vec<u8> = Vec::new();
                let mut skipping_long_line = false;
                let mut eof = false;
                while !eof && !stop.load(Ordering::Relaxed) {
                    let Ok(mut buf) = free_rx.recv() else { break };
                    buf.clear();
                    buf.extend_from_slice(&carry);
                    carry.clear();
                    let mut filled = buf.len();
                    buf.resize(CHUNK, 0);
                    while filled < CHUNK {
                        let n = match reader.read(&mut buf[filled..]) {
                            Ok(n) => n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                            Err(e) => return Err(e),
                        };
                        if n == 0 {
                            eof = true;
                            break;
                        }
                        filled += n;
                        bytes_read += n as u64;
                    }
                    buf.truncate(filled);
                    if skipping_long_line {
                        // Drop the rest of a line longer than a buffer.
                        match buf.iter().position(|&b| b == b'\n') {
                            Some(i) => {
                                buf.drain(..=i);
                                skipping_long_line = false;
                            }
                            None => {
                                buf.clear();
                            }
                        }
                    }
                    if !eof {
                        match buf.iter().rposition(|&b| b == b'\n') {
                            Some(i) => {
                                carry.extend_from_slice(&buf[i + 1..]);
                                buf.truncate(i + 1);
                            }
                            None if buf.len() == CHUNK => {
                                // No line end in a whole buffer: too long to be a key here.
                                skipped_long_lines += 1;
                                skipping_long_line = true;
                                buf.clear();
                            }
                            None => {}
                        }
                    }
                    if full_tx.send(buf).is_err() {
                        break;
                    }
                    progress(Progress {
                        bytes: bytes_read,
                        guesses: guesses.load(Ordering::Relaxed),
                    });
                }
                Ok(())
            })();
            drop(full_tx);
            result
        });
        read_result?;
        let key = found.into_inner().unwrap_or(None);
        Ok(Outcome {
            key,
            guesses: guesses.into_inner(),
            skipped_long_lines,
        })
    }
}

/// Django ≤ 3.0 rows: `base64(hexhash ":" json)`, SHA-1, `concat` with a dot-less salt.
fn legacy_row_target(row: &str) -> Option<Target> {
    let raw = base64_decode(row.as_bytes()).ok()?;
    let colon = raw.iter().position(|&b| b == b':')?;
    let hash = std::str::from_utf8(&raw[..colon]).ok()?;
    if hash.len() != 40 {
        return None;
    }
    let mac = (0..20)
        .map(|i| u8::from_str_radix(hash.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some(Target::new(
        &raw[colon + 1..],
        mac,
        Algorithm::new(KeyDerivation::Concat, Digest::Sha1),
        b"django.contrib.sessionsSessionStore",
        b"",
    ))
}

impl From<ConfigError> for PayloadFault {
    fn from(e: ConfigError) -> Self {
        PayloadFault::Shape(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Codec;
    use std::time::SystemTime;

    fn token_for(profile: &Profile, key: &str) -> String {
        let codec = Codec::new(profile, key.into()).unwrap();
        let value = match profile.payload {
            Payload::Raw => "hello",
            _ => r#"{"user_id":42}"#,
        };
        codec.sign_text(value, SystemTime::now()).unwrap()
    }

    fn every_profile() -> Vec<Profile> {
        let mut all = Vec::new();
        for name in Profile::NAMES {
            for compat in Profile::compats(name) {
                all.push(if name == "django-signed-cookie" {
                    Profile::django_signed_cookie(*compat, "theme", "x").unwrap()
                } else {
                    Profile::lookup(name, Some(compat.name())).unwrap()
                });
            }
        }
        all
    }

    #[test]
    fn newline_search_finds_the_first_one_anywhere() {
        for len in 0..40 {
            for at in 0..len {
                // Bytes that look like a newline to a careless bit trick: 0x0b, 0x8a, 0x09.
                let mut bytes: Vec<u8> = (0..len).map(|i| [0x0b, 0x8a, 0x09][i % 3]).collect();
                assert_eq!(find_newline(&bytes), None, "len {len}");
                bytes[at] = b'\n';
                if at + 1 < len {
                    bytes[at + 1] = b'\n';
                }
                assert_eq!(find_newline(&bytes), Some(at), "len {len} at {at}");
            }
        }
    }

    #[test]
    fn every_profile_and_compat_finds_its_key_and_only_its_key() {
        for profile in every_profile() {
            let token = token_for(&profile, "right-key");
            let audit = Audit::new(&profile, &token).unwrap();
            assert!(audit.matches(b"right-key"), "{}", profile.name);
            assert!(!audit.matches(b"wrong-key"), "{}", profile.name);
        }
    }

    /// A wordlist with the key at `at`, and keys of every length around the lane limits.
    fn wordlist(key: &str, at: usize, total: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..total {
            if i == at {
                out.extend_from_slice(key.as_bytes());
            } else {
                let filler = "x".repeat(i % 140);
                out.extend_from_slice(format!("w{i}{filler}").as_bytes());
            }
            out.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
        }
        out
    }

    #[test]
    fn every_kernel_finds_the_key_in_every_lane_position_and_profile() {
        let keys = [
            "right-key".to_owned(),
            "k".repeat(64),  // a full block
            "k".repeat(65),  // one byte past the HMAC lanes
            "m".repeat(100), // a two-block hashed key
            "n".repeat(200), // past every lane
        ];
        for backend in Backend::all() {
            for profile in every_profile() {
                for key in &keys {
                    let token = token_for(&profile, key);
                    let mut audit = Audit::new(&profile, &token).unwrap();
                    audit.backend = backend;
                    for at in [0, 15, 17, 38] {
                        let list = wordlist(key, at, 40);
                        let found = audit.search_lines(&list);
                        assert_eq!(
                            found.key,
                            Some(key.as_bytes()),
                            "{} {} key len {} at {at}",
                            backend.name(),
                            profile.name,
                            key.len()
                        );
                    }
                    let absent = wordlist("absent", 1000, 40);
                    let miss = audit.search_lines(&absent);
                    assert_eq!((miss.key, miss.guesses), (None, 40));
                }
            }
        }
    }

    #[test]
    fn lanes_agree_with_scalar_on_random_candidates() {
        // Flask-like target; random keys of every length, compare the kernel's verdict on
        // each lane with the scalar check (which must be false but for the planted key).
        let profile = Profile::flask();
        let token = token_for(&profile, "planted");
        for backend in Backend::all() {
            let mut audit = Audit::new(&profile, &token).unwrap();
            audit.backend = backend;
            let mut state = 1u64;
            let mut list = Vec::new();
            for i in 0..3000 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let len = (state >> 33) as usize % 70 + 1;
                let line: Vec<u8> = (0..len)
                    .map(|j| b'a' + ((state >> (j % 50)) as u8 % 26))
                    .collect();
                list.extend_from_slice(&line);
                list.push(b'\n');
                if i == 2500 {
                    list.extend_from_slice(b"planted\n");
                }
            }
            let found = audit.search_lines(&list);
            assert_eq!(found.key, Some(&b"planted"[..]), "{}", backend.name());
            assert_eq!(found.guesses, 2502, "{}", backend.name());
        }
    }

    #[test]
    fn streaming_search_uses_chunks_threads_and_skips_overlong_lines() {
        let profile = Profile::flask();
        let token = token_for(&profile, "needle");
        let audit = Audit::new(&profile, &token).unwrap();
        // Several chunks of lines, one line longer than a chunk, the key at the very end.
        let mut list = wordlist("unused", usize::MAX, 200_000);
        list.extend(std::iter::repeat_n(b'z', CHUNK + 10));
        list.push(b'\n');
        list.extend_from_slice(b"needle");
        for threads in [1, 3] {
            let calls = AtomicU64::new(0);
            let outcome = audit
                .search_reader(&list[..], threads, &|_| {
                    calls.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap();
            assert_eq!(outcome.key.as_deref(), Some(&b"needle"[..]));
            assert_eq!(outcome.skipped_long_lines, 1);
            assert!(outcome.guesses >= 1);
            assert!(calls.load(Ordering::Relaxed) > 2);
        }
        let miss = audit.search_reader(&b"a\nb"[..], 2, &|_| {}).unwrap();
        assert_eq!((miss.key, miss.guesses), (None, 2));
    }
}
