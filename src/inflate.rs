//! zlib (RFC 1950) and DEFLATE (RFC 1951) decompression into a flat, bounded buffer.
//!
//! Why not C zlib: a cookie inflates to a few hundred bytes to a few KB, so zlib's fixed costs
//! (stream state, a 32 KiB window, building the tables of each dynamic block at full size)
//! outweigh the decoding itself. Here the whole stream is decoded in one call into the caller's
//! buffer (the window is the output itself), and each Huffman table gets a root only as wide as
//! its longest code (at most 10 bits for literals/lengths, 8 for distances; longer codes go to
//! subtables), filled by doubling as libdeflate does.
//!
//! The rest follows libdeflate too: a table entry holds a symbol's value, its code length and
//! the extra bits that follow (one lookup and one shift per symbol); a 64-bit bit buffer refilled
//! by one 8-byte load (up to four literals, or a whole match, per refill); matches copied 16
//! bytes at a time where the output has room, with a careful path near the output limit. A
//! dynamic block's header lists each symbol under its code length as the lengths are read, so
//! building a table needs no sort, and each codeword comes from its canonical code by a table
//! of reversed bits. Decoding a literal is a chain of a table load and a shift (the floor of
//! this design); everything else is kept off that chain.
//!
//! It accepts exactly what C zlib's `inflate` accepts when given the whole output space at once,
//! including bytes after the Adler-32, which are ignored as Python's `zlib.decompress` ignores
//! them; and it refuses the rest with zlib's message (tests and the `inflate` fuzz target
//! compare the two).

use crate::adler32::adler32;
use crate::encoding::DecodeError;

/// What is wrong with a zlib stream; the messages are C zlib's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ZlibError {
    /// The input ends before the stream does.
    #[error("incomplete or truncated stream")]
    Truncated,
    /// The two header bytes are not a multiple of 31.
    #[error("incorrect header check")]
    HeaderCheck,
    /// The method is not deflate (8).
    #[error("unknown compression method")]
    UnknownMethod,
    /// The window is larger than 32 KiB.
    #[error("invalid window size")]
    WindowSize,
    /// The stream needs a preset dictionary, which cookies never use.
    #[error("need dictionary")]
    NeedsDictionary,
    /// Block type 3.
    #[error("invalid block type")]
    BlockType,
    /// A stored block's length and its complement disagree.
    #[error("invalid stored block lengths")]
    StoredLengths,
    /// More than 286 literal/length or 30 distance codes.
    #[error("too many length or distance symbols")]
    TooManySymbols,
    /// The code-length code is empty, incomplete or oversubscribed.
    #[error("invalid code lengths set")]
    CodeLengthsSet,
    /// A repeat with nothing to repeat, or past the last code length.
    #[error("invalid bit length repeat")]
    LengthRepeat,
    /// The end-of-block symbol has no code.
    #[error("invalid code -- missing end-of-block")]
    MissingEndOfBlock,
    /// The literal/length code is incomplete or oversubscribed.
    #[error("invalid literal/lengths set")]
    LitLenSet,
    /// The distance code is incomplete or oversubscribed.
    #[error("invalid distances set")]
    DistanceSet,
    /// A literal/length code with no symbol (or symbol 286, 287).
    #[error("invalid literal/length code")]
    LitLenCode,
    /// A distance code with no symbol (or symbol 30, 31).
    #[error("invalid distance code")]
    DistanceCode,
    /// A match reaching back before the start of the output.
    #[error("invalid distance too far back")]
    DistanceTooFarBack,
    /// The Adler-32 of the output differs from the stream's.
    #[error("incorrect data check")]
    DataCheck,
}

/// Reusable decoding state: the Huffman tables and the code lengths of the current block,
/// kept between calls so that nothing is zeroed or allocated per stream (every entry a lookup
/// can reach is written before it is read).
///
/// ```
/// use signed_cookie::encoding::{zlib_compress, zlib_decompress_into, Inflater};
/// let mut inflater = Inflater::new();
/// let mut out = Vec::new();
/// zlib_decompress_into(&mut inflater, &zlib_compress(b"abc"), 100, &mut out).unwrap();
/// assert_eq!(out, b"abc");
/// ```
#[derive(Clone)]
pub struct Inflater {
    litlen: [u32; LITLEN_TABLE],
    dist: [u32; DIST_TABLE],
    precode: [u32; PRECODE_TABLE],
    /// Code lengths of the current dynamic block by symbol (literal/length codes, then
    /// distance codes), with room for a repeat running past the last one.
    lens: [u8; LENS_SPACE],
    /// The symbols of each code length, ascending, listed as the lengths are read (the
    /// literal/length symbols, then the distance symbols as `litlen_count + symbol`): each
    /// code's canonical order without a sort.
    by_length: [[u16; BUCKET]; 16],
    /// The tables hold the fixed code (rebuilt only after a dynamic block).
    fixed_loaded: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater").finish_non_exhaustive()
    }
}

impl Default for Inflater {
    fn default() -> Self {
        Self::new()
    }
}

impl Inflater {
    /// A fresh state (about 22 KB; keep one per thread on hot paths).
    ///
    /// ```
    /// let inflater = signed_cookie::encoding::Inflater::new();
    /// # let _ = inflater;
    /// ```
    pub const fn new() -> Self {
        Inflater {
            litlen: [0; LITLEN_TABLE],
            dist: [0; DIST_TABLE],
            precode: [0; PRECODE_TABLE],
            lens: [0; LENS_SPACE],
            by_length: [[0; BUCKET]; 16],
            fixed_loaded: false,
        }
    }
}

// Table entries (u32), as libdeflate's: one lookup gives everything a symbol needs.
// - bits 0-7: the bits to consume: the code length plus the extra bits that follow it (for
//   lengths and distances), or the root bits for a subtable pointer (code-length codes: the
//   code length alone, their extra bits are taken apart);
// - bits 8-11: the code length alone (where the extra bits start), or a subtable's index bits;
// - bits 12-15: flags; bits 16-30: the value (literal byte, base length or distance, code
//   length, subtable start; repeat codes keep their extra bit count in bits 20-23 and their
//   base count in bits 24-31);
// - bit 31: a literal.
// Consuming an entry shifts the bit buffer by the entry itself (the shift count is masked to
// its low 6 bits; no entry consumes 64 bits or more).
const LITERAL: u32 = 1 << 31;
/// A subtable pointer, the end of block or an invalid code: off the fast path.
const EXCEPTIONAL: u32 = 1 << 15;
const SUBTABLE: u32 = 1 << 14;
const END_OF_BLOCK: u32 = 1 << 13;
/// A code-length repeat code (16, 17, 18), with its extra bit count in bits 20-23.
const REPEAT: u32 = 1 << 12;
/// A repeat code (16) that repeats the previous length (17 and 18 repeat zero).
const REPEAT_PREVIOUS: u32 = 1 << 13;
/// An entry no code reaches (or a symbol DEFLATE leaves undefined): an error when decoded.
const INVALID: u32 = EXCEPTIONAL;

const LITLEN_ROOT_MAX: u32 = 10;
const DIST_ROOT_MAX: u32 = 8;
/// Above zlib's `enough 288 10 15` (1334): the largest root table plus subtables any complete
/// code needs. A power of two, so that masked indices need no bounds checks; `build_table`
/// still checks every subtable against the end.
const LITLEN_TABLE: usize = 2048;
/// Above `enough 32 8 15` (402).
const DIST_TABLE: usize = 512;
/// The code-length code has at most 7-bit codes: one root table, no subtables.
const PRECODE_TABLE: usize = 128;
/// Code lengths read per block: at most 286 + 30 (a symbol starts below 316), and a repeat
/// writes up to 138 from where it starts. A power of two, so that masked indices need no
/// bounds checks.
const LENS_SPACE: usize = 512;
/// Symbols of one code length: at most 286 + 30, and a repeat writes 8 past the last one.
const BUCKET: usize = 316 + 8;

const MAX_MATCH: usize = 258;
/// Output room the fast loop needs for one step: three literals and a match, whose copy may
/// write up to 32 bytes (16-byte chunks) past where it ends.
const FAST_ROOM: usize = 3 + MAX_MATCH + MATCH_SLACK;
/// What a fast match copy may write past the match's end.
const MATCH_SLACK: usize = 32;

/// `base` (an entry without its code length) for a code of `len` bits.
const fn with_length(base: u32, len: u32) -> u32 {
    base + (len << 8) + len
}

/// Per literal/length symbol, its entry without the code length.
const LITLEN_ENTRIES: [u32; 288] = {
    const BASE: [u32; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const EXTRA: [u32; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    let mut t = [0; 288];
    let mut sym = 0;
    while sym < 288 {
        t[sym] = match sym {
            0..=255 => LITERAL | (sym as u32) << 16,
            256 => EXCEPTIONAL | END_OF_BLOCK,
            257..=285 => BASE[sym - 257] << 16 | EXTRA[sym - 257],
            _ => INVALID,
        };
        sym += 1;
    }
    t
};

/// Per distance symbol, its entry without the code length.
const DIST_ENTRIES: [u32; 32] = {
    let mut t = [INVALID; 32];
    let mut sym = 0;
    let mut base = 1;
    while sym < 30 {
        let extra = if sym < 4 { 0 } else { sym as u32 / 2 - 1 };
        t[sym] = base << 16 | extra;
        base += 1 << extra;
        sym += 1;
    }
    t
};

/// Per code-length symbol: a length in bits 16-19, or a repeat code with its base count in
/// bits 24-31, its extra bits in bits 20-23 and what it repeats (the previous length, or
/// zero). The code length alone is consumed first, then a repeat's extra bits.
const PRECODE_ENTRIES: [u32; 19] = {
    let mut t = [0; 19];
    let mut sym = 0;
    while sym < 16 {
        t[sym] = (sym as u32) << 16;
        sym += 1;
    }
    t[16] = 3 << 24 | 2 << 20 | REPEAT | REPEAT_PREVIOUS;
    t[17] = 3 << 24 | 3 << 20 | REPEAT;
    t[18] = 11 << 24 | 7 << 20 | REPEAT;
    t
};

/// The order in which a dynamic block lists the code-length code's lengths.
const PRECODE_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// The extra bits of `entry`'s symbol, from `saved` (the bit buffer before the entry was
/// consumed): the bits between the code length and the consumed length.
#[inline(always)]
fn extra_bits(saved: u64, entry: u32) -> u32 {
    ((saved & !(u64::MAX << (entry & 63))) >> ((entry >> 8) & 15)) as u32
}

/// Which incomplete codes zlib lets through (it rejects every oversubscribed one).
#[derive(Clone, Copy, PartialEq)]
enum CodeKind {
    /// Must be complete.
    CodeLengths,
    /// May be a single 1-bit code (the other bit pattern is then an invalid code).
    LitLen,
    /// May also be empty (a block of literals only).
    Dist,
}

/// A code to build a table for: its symbols by code length, in canonical order.
struct Code<'a> {
    /// Symbols per code length (`counts[0]` unused). (References, not copies: the arrays were
    /// just written element by element, and copying them whole would stall on the stores.)
    counts: &'a [u16; 16],
    by_length: &'a [[u16; BUCKET]; 16],
    /// Where the code's symbols start in each length's list (distance symbols follow the
    /// literal/length symbols of the same length).
    first: &'a [u16; 16],
    /// Subtracted from a listed symbol to index `entries`.
    offset: u16,
    /// Per symbol, its table entry without the code length.
    entries: &'a [u32],
}

impl Code<'_> {
    fn symbols(&self, len: usize) -> &[u16] {
        let first = usize::from(self.first[len]);
        &self.by_length[len][first..first + usize::from(self.counts[len])]
    }

    fn entry(&self, symbol: u16, len: usize) -> u32 {
        with_length(self.entries[usize::from(symbol - self.offset)], len as u32)
    }
}

/// Lists the symbols of `lens` by length in `by_length` (in symbol order); returns the counts.
fn list_by_length(lens: &[u8], by_length: &mut [[u16; BUCKET]; 16]) -> [u16; 16] {
    let mut counts = [0u16; 16];
    for (symbol, &len) in lens.iter().enumerate() {
        let len = usize::from(len & 15);
        by_length[len][usize::from(counts[len])] = symbol as u16;
        counts[len] += 1;
    }
    counts
}

/// Copies `table[..end]` after itself. Small tables copy 8 entries whatever their size (the
/// entries past `2 * end` are garbage, overwritten before the table is used), without a call.
#[inline(always)]
fn double_table(table: &mut [u32], end: usize) {
    if end <= 8 {
        let mut first = [0; 8];
        first.copy_from_slice(&table[..8]);
        table[end..end + 8].copy_from_slice(&first);
    } else {
        table.copy_within(..end, end);
    }
}

/// Fills `table` for `code`; returns the root table's bits. Codes up to the root width fill
/// the root by doubling: each length's codewords are written once, then the table so far is
/// copied after itself. Longer codes get subtables, each sized for the codes sharing its root
/// prefix.
fn build_table(
    code: &Code,
    table: &mut [u32],
    root_max: u32,
    kind: CodeKind,
) -> Result<u32, ZlibError> {
    let malformed = match kind {
        CodeKind::CodeLengths => ZlibError::CodeLengthsSet,
        CodeKind::LitLen => ZlibError::LitLenSet,
        CodeKind::Dist => ZlibError::DistanceSet,
    };
    let counts = code.counts;
    // The code space the codes use, in units of 2^-15: above 2^15 is oversubscribed (at some
    // length, then at all longer ones), below is incomplete. Branch-free over all lengths.
    let mut used: u32 = 0;
    let mut present: u32 = 0;
    for (len, &count) in counts.iter().enumerate().skip(1) {
        used += u32::from(count) << (15 - len);
        present |= u32::from(count != 0) << len;
    }
    if present == 0 {
        // No codes at all: only distances may (their table then rejects every code).
        if kind != CodeKind::Dist {
            return Err(malformed);
        }
        // (zlib reads one bit before it finds such a code invalid.)
        table[..2].fill(with_length(INVALID, 1));
        return Ok(1);
    }
    let max_len = (u32::BITS - 1 - present.leading_zeros()) as usize;
    if used > 1 << 15 {
        return Err(malformed);
    }
    if used < 1 << 15 {
        // Incomplete: zlib accepts it only as one 1-bit code (not for code lengths).
        if kind == CodeKind::CodeLengths || max_len != 1 {
            return Err(malformed);
        }
        table[0] = code.entry(code.symbols(1)[0], 1);
        table[1] = with_length(INVALID, 1);
        return Ok(1);
    }

    let root = max_len.min(root_max as usize);
    // Canonical codes: each length's codes follow on from the shorter ones'. Each symbol's
    // codeword is its code reversed (DEFLATE sends codes from their high bit), computed on its
    // own (no chain from one codeword to the next).
    let mut next_code = 0usize;
    let mut len = present.trailing_zeros() as usize;
    loop {
        for (k, &symbol) in code.symbols(len).iter().enumerate() {
            let codeword = usize::from(REVERSED[(next_code + k) & 1023] >> (10 - len));
            table[codeword] = code.entry(symbol, len);
        }
        next_code = (next_code + usize::from(counts[len])) << 1;
        if len == root {
            break;
        }
        // Doubling the table for each step within the root.
        double_table(table, 1 << len);
        len += 1;
    }

    // Codes longer than the root: subtables after the root table.
    let root_mask = (1usize << root) - 1;
    let mut table_end = 1usize << root;
    let mut prefix = usize::MAX;
    let mut sub_start = 0;
    for len in root + 1..=max_len {
        for (k, &symbol) in code.symbols(len).iter().enumerate() {
            let codeword = usize::from(((next_code + k) as u16).reverse_bits() >> (16 - len));
            if codeword & root_mask != prefix {
                // A new subtable, as wide as needed to hold all codes sharing this prefix.
                prefix = codeword & root_mask;
                sub_start = table_end;
                let mut sub_bits = len - root;
                let mut used = usize::from(counts[len]) - k;
                while used < 1 << sub_bits {
                    sub_bits += 1;
                    used =
                        (used << 1) + usize::from(*counts.get(root + sub_bits).ok_or(malformed)?);
                }
                table_end = sub_start + (1 << sub_bits);
                if table_end > table.len() {
                    return Err(malformed); // unreachable: the table is sized for any complete code
                }
                table[prefix] = EXCEPTIONAL
                    | SUBTABLE
                    | (sub_start as u32) << 16
                    | (sub_bits as u32) << 8
                    | root as u32;
            }
            let value = code.entry(symbol, len - root);
            let stride = 1 << (len - root);
            let mut i = sub_start + (codeword >> root);
            while i < table_end {
                table[i] = value;
                i += stride;
            }
        }
        next_code = (next_code + usize::from(counts[len])) << 1;
    }
    Ok(root as u32)
}

/// `REVERSED[c]`: the 10-bit `c` with its bits reversed.
const REVERSED: [u16; 1024] = {
    let mut t = [0; 1024];
    let mut c = 0;
    while c < 1024 {
        t[c] = (c as u16).reverse_bits() >> 6;
        c += 1;
    }
    t
};

/// Input bits, least significant first, in a 64-bit buffer (libdeflate's bit reader).
#[derive(Clone, Copy)]
struct Bits<'a> {
    /// The whole input.
    data: &'a [u8],
    /// The last 8 input bytes (all of a shorter input) followed by zeros: refills continue
    /// here when fewer than 8 bytes are left, so that they never copy byte by byte. The zeros
    /// let a truncated stream run on until a check notices that its bits are used up.
    tail: &'a [u8; TAIL],
    /// The input from the next byte to load (in `data` or in `tail`): a refill checks only its
    /// length.
    rest: &'a [u8],
    /// Where `rest` ends, as an offset into the input continued by the tail's zeros.
    end: usize,
    buf: u64,
    /// The low 8 bits count the bits in `buf`: the last ones before `rest` (the bits above may
    /// hold a copy of the next byte; refills OR the same bits there). The bits above are
    /// garbage: consuming an entry subtracts the whole entry, whose low byte is the count.
    left: u64,
}

/// Bytes of `Bits::tail`.
const TAIL: usize = 32;

/// The last 8 bytes of `data` (all of a shorter input) followed by zeros. One 8-byte store
/// where the input allows (not a byte copy that a vector load would then stall on).
fn padded_tail(data: &[u8]) -> [u8; TAIL] {
    let mut tail = [0; TAIL];
    match data.last_chunk::<8>() {
        Some(last) => tail[..8].copy_from_slice(last),
        None => tail[..data.len()].copy_from_slice(data),
    }
    tail
}

/// Where `padded_tail` starts in `data`.
fn tail_start(data: &[u8]) -> usize {
    data.len().saturating_sub(8)
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], tail: &'a [u8; TAIL], start: usize) -> Self {
        Bits {
            data,
            tail,
            rest: data.get(start..).unwrap_or_default(),
            end: data.len(),
            buf: 0,
            left: 0,
        }
    }

    /// Tops the buffer up to at least 56 bits with one unaligned 8-byte load.
    #[inline(always)]
    fn refill(&mut self) -> Result<(), ZlibError> {
        // Whole bytes that fit in the buffer after the bits it holds.
        let loaded = 7 - ((self.left as usize >> 3) & 7);
        let word = match self.rest.first_chunk::<8>() {
            Some(word) => *word,
            None => {
                *self = self.switch_to_tail()?;
                *self.rest.first_chunk::<8>().ok_or(ZlibError::Truncated)?
            }
        };
        self.buf |= u64::from_le_bytes(word).wrapping_shl(self.left as u32);
        self.rest = &self.rest[loaded..];
        self.left |= 56;
        Ok(())
    }

    /// Continues in the tail once fewer than 8 bytes of `data` are left. In the tail, that
    /// means at least 16 zero bytes have been loaded, so at least one consumed: the stream is
    /// truncated. Out of line and by value, so that the hot loops keep their registers.
    #[cold]
    #[inline(never)]
    fn switch_to_tail(mut self) -> Result<Self, ZlibError> {
        if self.end != self.data.len() {
            return Err(ZlibError::Truncated);
        }
        let at = self.data.len() - self.rest.len() - tail_start(self.data);
        self.rest = &self.tail[at..];
        self.end = tail_start(self.data) + TAIL;
        Ok(self)
    }

    fn consumed_bits(&self) -> usize {
        (self.end - self.rest.len()) * 8 - usize::from(self.left as u8)
    }

    /// Whether a bit past the input has been consumed (the stream is truncated).
    fn overran(&self) -> bool {
        self.consumed_bits() > self.data.len() * 8
    }

    /// Consumes the bits of a table entry (its low byte).
    #[inline(always)]
    fn consume(&mut self, entry: u32) {
        self.buf = self.buf.wrapping_shr(entry);
        self.left = self.left.wrapping_sub(u64::from(entry));
    }

    #[inline(always)]
    fn take(&mut self, n: u32) -> u32 {
        let value = (self.buf & ((1 << n) - 1)) as u32;
        self.consume(n);
        value
    }

    /// Drops the bits up to the next byte boundary and returns the position of the next input
    /// byte, emptying the buffer so that bytes can be read directly.
    fn align_to_byte(&mut self) -> Result<usize, ZlibError> {
        self.consume(self.left as u32 & 7);
        let next = self.consumed_bits() / 8;
        if next > self.data.len() {
            return Err(ZlibError::Truncated);
        }
        *self = Bits::new(self.data, self.tail, next);
        Ok(next)
    }
}

/// The output: `buf[..pos]` is written, `buf[pos..]` is zeroed space, never past `limit`.
struct Sink<'a> {
    buf: &'a mut Vec<u8>,
    pos: usize,
    limit: usize,
}

impl Sink<'_> {
    /// Makes room for `need` more bytes (plus the fast loop's room where the limit allows).
    #[cold]
    fn grow(&mut self, need: usize) -> Result<(), DecodeError> {
        let limit = self.limit;
        let wanted = self
            .pos
            .checked_add(need)
            .filter(|&end| end <= limit)
            .ok_or(DecodeError::TooLarge { limit })?;
        let new_len = (self.buf.len() * 2).max(wanted + FAST_ROOM).min(limit);
        // Exact: never more memory than the limit allows.
        self.buf.reserve_exact(new_len - self.buf.len());
        self.buf.resize(new_len, 0);
        Ok(())
    }

    /// Grows the buffer towards the limit, to the fast loop's room if the limit allows.
    #[cold]
    fn grow_for_fast_loop(&mut self) {
        let new_len = (self.buf.len() * 2)
            .max(self.pos + FAST_ROOM)
            .min(self.limit);
        self.buf.reserve_exact(new_len - self.buf.len());
        self.buf.resize(new_len, 0);
    }

    #[inline(always)]
    fn push(&mut self, byte: u8) -> Result<(), DecodeError> {
        if self.pos >= self.buf.len() {
            self.grow(1)?;
        }
        self.buf[self.pos] = byte;
        self.pos += 1;
        Ok(())
    }

    fn extend(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        if self.buf.len() - self.pos < bytes.len() {
            self.grow(bytes.len())?;
        }
        self.buf[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
        self.pos += bytes.len();
        Ok(())
    }

    /// Appends `len` bytes copied from `dist` back (they may overlap what is being written).
    fn copy_match(&mut self, dist: usize, len: usize) -> Result<(), DecodeError> {
        if dist > self.pos {
            return Err(DecodeError::Zlib(ZlibError::DistanceTooFarBack));
        }
        let (from, to) = (self.pos - dist, self.pos);
        if self.buf.len() - to < len + MATCH_SLACK {
            if self.buf.len() - to < len {
                self.grow(len)?;
            }
            if self.buf.len() - to < len + MATCH_SLACK {
                // At the limit: no room to overshoot, copy exactly.
                for i in 0..len {
                    self.buf[to + i] = self.buf[from + i];
                }
                self.pos += len;
                return Ok(());
            }
        }
        copy_match_with_slack(self.buf, from, to, len);
        self.pos += len;
        Ok(())
    }
}

/// Copies `N` bytes from `from` to `to` within `buf`.
#[inline(always)]
fn copy_chunk<const N: usize>(buf: &mut [u8], from: usize, to: usize) {
    let mut chunk = [0; N];
    chunk.copy_from_slice(&buf[from..from + N]);
    buf[to..to + N].copy_from_slice(&chunk);
}

/// Copies `buf[from..from + len]` to `to` (> `from`) as LZ77 does, byte after byte, so that
/// an overlap repeats the pattern; may overwrite up to `MATCH_SLACK` bytes after `to + len`.
/// Whole chunks are copied where each reads only bytes final before it.
#[inline(always)]
fn copy_match_with_slack(buf: &mut [u8], from: usize, to: usize, len: usize) {
    let dist = to - from;
    if dist >= 16 {
        // Most matches are short: two chunks without a test, then the rest.
        copy_chunk::<16>(buf, from, to);
        copy_chunk::<16>(buf, from + 16, to + 16);
        let mut i = 32;
        while i < len {
            copy_chunk::<16>(buf, from + i, to + i);
            i += 16;
        }
    } else if dist >= 8 {
        let mut i = 0;
        while i < len {
            copy_chunk::<8>(buf, from + i, to + i);
            i += 8;
        }
    } else if dist == 1 {
        let run = [buf[from]; 16];
        let mut i = 0;
        while i < len {
            buf[to + i..to + i + 16].copy_from_slice(&run);
            i += 16;
        }
    } else {
        for i in 0..len {
            buf[to + i] = buf[from + i];
        }
    }
}

/// Inflates the zlib stream `data` into `out` (cleared first), failing with
/// [`DecodeError::TooLarge`] before the output would pass `limit` bytes.
pub(crate) fn inflate_zlib(
    state: &mut Inflater,
    data: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    out.clear();
    // A first guess that fits typical cookies (JSON deflates 3 to 6 times), so that growing
    // (a copy and more zeroing) is rare; grown geometrically up to the limit.
    let initial = data
        .len()
        .saturating_mul(6)
        .saturating_add(FAST_ROOM)
        .min(limit);
    out.resize(initial, 0);
    let mut sink = Sink {
        buf: out,
        pos: 0,
        limit,
    };
    let result = inflate_into(state, data, &mut sink);
    let written = sink.pos;
    out.truncate(if result.is_ok() { written } else { 0 });
    result
}

fn inflate_into(state: &mut Inflater, data: &[u8], sink: &mut Sink) -> Result<(), DecodeError> {
    let [cmf, flg, ..] = *data else {
        return Err(ZlibError::Truncated.into());
    };
    if (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return Err(ZlibError::HeaderCheck.into());
    }
    if cmf & 0x0f != 8 {
        return Err(ZlibError::UnknownMethod.into());
    }
    if cmf >> 4 > 7 {
        return Err(ZlibError::WindowSize.into());
    }
    if flg & 0x20 != 0 {
        // zlib reads the dictionary's 4-byte id before it asks for the dictionary.
        return Err(if data.len() < 6 {
            ZlibError::Truncated
        } else {
            ZlibError::NeedsDictionary
        }
        .into());
    }
    let tail = padded_tail(data);
    let mut bits = Bits::new(data, &tail, 2);
    loop {
        bits.refill()?;
        let header = bits.take(3);
        match header >> 1 {
            0 => stored_block(&mut bits, sink)?,
            1 => {
                if !state.fixed_loaded {
                    load_fixed_tables(state)?;
                }
                huffman_block(Tables::new(state, 9, 5), &mut bits, sink)?;
            }
            2 => {
                state.fixed_loaded = false;
                let (litlen_bits, dist_bits) = read_dynamic_tables(state, &mut bits)?;
                huffman_block(Tables::new(state, litlen_bits, dist_bits), &mut bits, sink)?;
            }
            _ => return Err(ZlibError::BlockType.into()),
        }
        if header & 1 == 1 {
            break;
        }
    }
    let end = bits.align_to_byte()?;
    let check = data.get(end..end + 4).ok_or(ZlibError::Truncated)?;
    let expected = u32::from_be_bytes([check[0], check[1], check[2], check[3]]);
    if adler32(&sink.buf[..sink.pos]) != expected {
        return Err(ZlibError::DataCheck.into());
    }
    // Bytes after the checksum are ignored, as zlib and Python's zlib.decompress do.
    Ok(())
}

impl From<ZlibError> for DecodeError {
    fn from(error: ZlibError) -> Self {
        DecodeError::Zlib(error)
    }
}

fn stored_block(bits: &mut Bits, sink: &mut Sink) -> Result<(), DecodeError> {
    let start = bits.align_to_byte()?;
    let data = bits.data;
    let header = data.get(start..start + 4).ok_or(ZlibError::Truncated)?;
    let len = u16::from_le_bytes([header[0], header[1]]);
    if len != !u16::from_le_bytes([header[2], header[3]]) {
        return Err(ZlibError::StoredLengths.into());
    }
    let body = start + 4;
    let bytes = data
        .get(body..body + usize::from(len))
        .ok_or(ZlibError::Truncated)?;
    sink.extend(bytes)?;
    *bits = Bits::new(data, bits.tail, body + usize::from(len));
    Ok(())
}

fn load_fixed_tables(state: &mut Inflater) -> Result<(), ZlibError> {
    let mut lens = [8u8; 288];
    lens[144..256].fill(9);
    lens[256..280].fill(7);
    let counts = list_by_length(&lens, &mut state.by_length);
    let code = Code {
        counts: &counts,
        by_length: &state.by_length,
        first: &[0; 16],
        offset: 0,
        entries: &LITLEN_ENTRIES,
    };
    build_table(&code, &mut state.litlen, 9, CodeKind::LitLen)?;
    let counts = list_by_length(&[5; 32], &mut state.by_length);
    let code = Code {
        counts: &counts,
        by_length: &state.by_length,
        first: &[0; 16],
        offset: 0,
        entries: &DIST_ENTRIES,
    };
    build_table(&code, &mut state.dist, 5, CodeKind::Dist)?;
    state.fixed_loaded = true;
    Ok(())
}

/// Reads a dynamic block's code descriptions and builds its tables; returns their root bits.
fn read_dynamic_tables(state: &mut Inflater, input: &mut Bits) -> Result<(u32, u32), ZlibError> {
    // A local copy, so that the bit buffer stays in registers.
    let mut local = *input;
    let result = read_code_lengths(state, &mut local);
    *input = local;
    truncation_first(result, input)
}

/// The body of [`read_dynamic_tables`], on its local copy of the bits.
#[inline(always)]
fn read_code_lengths(state: &mut Inflater, bits: &mut Bits) -> Result<(u32, u32), ZlibError> {
    bits.refill()?;
    let litlen_count = bits.take(5) as usize + 257;
    let dist_count = bits.take(5) as usize + 1;
    let precode_count = bits.take(4) as usize + 4;
    if litlen_count > 286 || dist_count > 30 {
        return Err(ZlibError::TooManySymbols);
    }
    // 14 header bits and 14 lengths of 3 bits fit one refill.
    let mut precode_lens = [0u8; 19];
    for (i, &sym) in PRECODE_ORDER[..precode_count].iter().enumerate() {
        if i == 14 {
            bits.refill()?;
        }
        precode_lens[sym] = bits.take(3) as u8;
    }
    // Only the used lengths are listed: zeros are most of them, and counting them would chain
    // one read-modify-write of the same count after another.
    let mut counts = [0u16; 16];
    for (symbol, &len) in precode_lens.iter().enumerate() {
        if len != 0 {
            let len = usize::from(len & 7);
            state.by_length[len][usize::from(counts[len])] = symbol as u16;
            counts[len] += 1;
        }
    }
    if counts == [0; 16] {
        // zlib takes an empty code-length code as one that reads every length as 0, one bit
        // each; it then finds no end-of-block code (or, first, the end of the input).
        let mut left = litlen_count + dist_count;
        while left > 0 {
            bits.refill()?;
            let n = left.min(32);
            bits.consume(n as u32);
            left -= n;
        }
        return Err(ZlibError::MissingEndOfBlock);
    }
    let code = Code {
        counts: &counts,
        by_length: &state.by_length,
        first: &[0; 16],
        offset: 0,
        entries: &PRECODE_ENTRIES,
    };
    let precode_bits = build_table(&code, &mut state.precode, 7, CodeKind::CodeLengths)?;

    // The code lengths, each symbol listed under its length as it is read (and its length
    // kept in `lens`). Explicit lengths (nine in ten symbols) take the short path.
    let total = litlen_count + dist_count;
    let precode_mask = (1usize << precode_bits) - 1;
    let (lens, by_length) = (&mut state.lens, &mut state.by_length);
    let mut counts = [0u16; 16];
    let (mut i, mut previous) = (0usize, 0usize);
    while i < total {
        // Four codes of at most 7 + 7 bits fit one refill.
        bits.refill()?;
        for _ in 0..4 {
            let e = state.precode[bits.buf as usize & precode_mask & (PRECODE_TABLE - 1)];
            bits.consume(e);
            if e & REPEAT == 0 {
                let len = (e >> 16) as usize & 15;
                lens[i & 511] = len as u8;
                let count = &mut counts[len];
                by_length[len][usize::from(*count)] = i as u16;
                *count += 1;
                previous = len;
                i += 1;
            } else {
                let repeat = (e >> 24) as usize + bits.take((e >> 20) & 15) as usize;
                if e & REPEAT_PREVIOUS != 0 {
                    if i == 0 {
                        return Err(ZlibError::LengthRepeat);
                    }
                    // At most 6: write 8 whatever the count.
                    lens[i..i + 8].fill(previous as u8);
                    let count = usize::from(counts[previous]);
                    for (k, symbol) in by_length[previous][count..count + 8].iter_mut().enumerate()
                    {
                        *symbol = (i + k) as u16;
                    }
                    counts[previous] += repeat as u16;
                } else {
                    if e >> 24 == 11 {
                        lens[i..i + 138].fill(0);
                    } else {
                        lens[i..i + 10].fill(0);
                    }
                    previous = 0;
                }
                i += repeat;
            }
            if i >= total {
                break;
            }
        }
    }
    if i > total {
        return Err(ZlibError::LengthRepeat);
    }
    if lens[256] == 0 {
        return Err(ZlibError::MissingEndOfBlock);
    }
    // Distance symbols follow the literal/length symbols in each length's list.
    let mut dist_counts = [0u16; 16];
    for &len in &lens[litlen_count..total] {
        dist_counts[usize::from(len & 15)] += 1;
    }
    let mut litlen_counts = [0u16; 16];
    for len in 1..16 {
        litlen_counts[len] = counts[len] - dist_counts[len];
    }
    let litlen_bits = build_table(
        &Code {
            counts: &litlen_counts,
            by_length,
            first: &[0; 16],
            offset: 0,
            entries: &LITLEN_ENTRIES,
        },
        &mut state.litlen,
        LITLEN_ROOT_MAX,
        CodeKind::LitLen,
    )?;
    let dist_bits = build_table(
        &Code {
            counts: &dist_counts,
            by_length,
            first: &litlen_counts,
            offset: litlen_count as u16,
            entries: &DIST_ENTRIES,
        },
        &mut state.dist,
        DIST_ROOT_MAX,
        CodeKind::Dist,
    )?;
    Ok((litlen_bits, dist_bits))
}

/// The tables of the current block, with their root masks.
#[derive(Clone, Copy)]
struct Tables<'a> {
    litlen: &'a [u32; LITLEN_TABLE],
    litlen_mask: usize,
    dist: &'a [u32; DIST_TABLE],
    dist_mask: usize,
}

impl<'a> Tables<'a> {
    fn new(state: &'a Inflater, litlen_bits: u32, dist_bits: u32) -> Self {
        Tables {
            litlen: &state.litlen,
            litlen_mask: (1 << litlen_bits) - 1,
            dist: &state.dist,
            dist_mask: (1 << dist_bits) - 1,
        }
    }

    /// The root entry for the next bits. (The masks keep the index inside the root, and so
    /// inside the array, without a bounds check.)
    #[inline(always)]
    fn litlen_root(&self, buf: u64) -> u32 {
        self.litlen[buf as usize & self.litlen_mask & ((1 << LITLEN_ROOT_MAX) - 1)]
    }

    /// The entry in the subtable `pointer` points to, for the bits after the root.
    #[inline(always)]
    fn litlen_sub(&self, pointer: u32, buf: u64) -> u32 {
        let index = (pointer >> 16) as usize + (buf as usize & ((1 << ((pointer >> 8) & 15)) - 1));
        self.litlen[index & (LITLEN_TABLE - 1)]
    }

    #[inline(always)]
    fn dist_root(&self, buf: u64) -> u32 {
        self.dist[buf as usize & self.dist_mask & ((1 << DIST_ROOT_MAX) - 1)]
    }

    #[inline(always)]
    fn dist_sub(&self, pointer: u32, buf: u64) -> u32 {
        let index = (pointer >> 16) as usize + (buf as usize & ((1 << ((pointer >> 8) & 15)) - 1));
        self.dist[index & (DIST_TABLE - 1)]
    }

    /// Decodes a distance (after a length), with at least 15 + 13 bits in `bits`.
    #[inline(always)]
    fn distance(&self, bits: &mut Bits) -> Result<usize, ZlibError> {
        let mut d = self.dist_root(bits.buf);
        if d & EXCEPTIONAL != 0 {
            // An invalid code's bits are read first, as zlib reads them (it may find the
            // input ends before).
            bits.consume(d);
            if d & SUBTABLE == 0 {
                return Err(ZlibError::DistanceCode);
            }
            d = self.dist_sub(d, bits.buf);
            if d & EXCEPTIONAL != 0 {
                bits.consume(d);
                return Err(ZlibError::DistanceCode);
            }
        }
        let saved = bits.buf;
        bits.consume(d);
        Ok(((d >> 16) + extra_bits(saved, d)) as usize)
    }
}

/// One symbol of a Huffman-coded block.
enum Symbol {
    Literal(u8),
    Match { len: usize, dist: usize },
    EndOfBlock,
}

/// Decodes one symbol, for the careful path near the end of the output.
fn decode_symbol(tables: Tables, bits: &mut Bits) -> Result<Symbol, ZlibError> {
    // One refill covers a whole match: 15 + 5 + 15 + 13 = 48 bits at most.
    bits.refill()?;
    let mut e = tables.litlen_root(bits.buf);
    if e & SUBTABLE != 0 {
        bits.consume(e);
        e = tables.litlen_sub(e, bits.buf);
    }
    let saved = bits.buf;
    bits.consume(e);
    if e & LITERAL != 0 {
        return Ok(Symbol::Literal((e >> 16) as u8));
    }
    if e & EXCEPTIONAL != 0 {
        if e & END_OF_BLOCK != 0 {
            return Ok(Symbol::EndOfBlock);
        }
        return Err(ZlibError::LitLenCode);
    }
    let len = ((e >> 16) + extra_bits(saved, e)) as usize;
    let dist = tables.distance(bits)?;
    Ok(Symbol::Match { len, dist })
}

/// Decodes one Huffman-coded block up to its end-of-block symbol.
fn huffman_block(tables: Tables, bits: &mut Bits, sink: &mut Sink) -> Result<(), DecodeError> {
    // A local copy, so that the bit buffer stays in registers.
    let mut b = *bits;
    let result = decode_block(tables, &mut b, sink);
    *bits = b;
    truncation_first(result, bits)
}

/// zlib reports an error only once it has read the bits that show it: an error found in
/// bits past the input (the zero padding) is, for zlib, a stream that ends too early.
#[inline(always)]
fn truncation_first<T, E: From<ZlibError>>(result: Result<T, E>, bits: &Bits) -> Result<T, E> {
    match result {
        Err(_) if bits.overran() => Err(ZlibError::Truncated.into()),
        other => other,
    }
}

/// The body of [`huffman_block`], on its local copy of the bits.
#[inline(always)]
fn decode_block(tables: Tables, bits: &mut Bits, sink: &mut Sink) -> Result<(), DecodeError> {
    // `bits` is the caller's local copy (this is inlined); the output position is a local.
    let b = bits;
    loop {
        // While one step's output fits, no size checks. A step is up to four literals, or up
        // to three literals and a match: one refill (56 bits) covers four root literals (at
        // most 10 bits each), a second one the match (at most 48 bits).
        let buf = sink.buf.as_mut_slice();
        let mut pos = sink.pos;
        // `pos <= fast_end` tells the compiler that a step's writes are in bounds.
        let fast_end = buf.len().checked_sub(FAST_ROOM);
        'fast: while fast_end.is_some_and(|end| pos <= end) {
            b.refill()?;
            let mut e = tables.litlen_root(b.buf);
            if e & LITERAL != 0 {
                // One bounds check for up to four literals.
                let out: &mut [u8; 4] = (&mut buf[pos..pos + 4]).try_into().unwrap();
                let mut literals = 0;
                loop {
                    b.consume(e);
                    out[literals] = (e >> 16) as u8;
                    literals += 1;
                    e = tables.litlen_root(b.buf);
                    if e & LITERAL == 0 {
                        break;
                    }
                    if literals == 4 {
                        pos += 4;
                        continue 'fast;
                    }
                }
                pos += literals;
                b.refill()?;
            }
            if e & EXCEPTIONAL != 0 {
                if e & SUBTABLE != 0 {
                    b.consume(e);
                    e = tables.litlen_sub(e, b.buf);
                    if e & LITERAL != 0 {
                        b.consume(e);
                        buf[pos] = (e >> 16) as u8;
                        pos += 1;
                        continue;
                    }
                }
                if e & EXCEPTIONAL != 0 {
                    b.consume(e);
                    if e & END_OF_BLOCK != 0 {
                        sink.pos = pos;
                        return Ok(());
                    }
                    // (Its bits read, as zlib reads them.)
                    return Err(ZlibError::LitLenCode.into());
                }
            }
            let saved = b.buf;
            b.consume(e);
            let len = ((e >> 16) + extra_bits(saved, e)) as usize;
            let dist = tables.distance(b)?;
            if dist > pos {
                return Err(ZlibError::DistanceTooFarBack.into());
            }
            copy_match_with_slack(buf, pos - dist, pos, len);
            pos += len;
        }
        sink.pos = pos;
        // Out of room for a fast step: grow the buffer if the limit allows, else near the
        // limit one symbol with exact checks.
        if sink.buf.len() < sink.limit {
            sink.grow_for_fast_loop();
            continue;
        }
        // (A symbol read from the zero padding past the input that then does not fit is
        // truncation, not `TooLarge`: see `truncation_first`.)
        let symbol = decode_symbol(tables, b)?;
        match symbol {
            Symbol::Literal(byte) => sink.push(byte)?,
            Symbol::Match { len, dist } => sink.copy_match(dist, len)?,
            Symbol::EndOfBlock => {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    /// C zlib (flate2) given the whole output space at once, with the same limit rule:
    /// `Some(output)` where zlib ends the stream within `limit` bytes.
    fn c_zlib(data: &[u8], limit: usize) -> Option<Vec<u8>> {
        let mut inflater = flate2::Decompress::new(true);
        let mut out = Vec::with_capacity(limit.saturating_add(1).min(1 << 22));
        match inflater.decompress_vec(data, &mut out, flate2::FlushDecompress::Finish) {
            Ok(flate2::Status::StreamEnd) if out.len() <= limit => Some(out),
            _ => None,
        }
    }

    fn ours(data: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        inflate_zlib(&mut Inflater::new(), data, limit, &mut out)?;
        assert!(out.capacity() <= limit.max(1) + 64 || out.capacity() <= data.len() * 6 + 300);
        Ok(out)
    }

    fn compress(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Both accept the same streams with the same output, and refuse the rest.
    fn agree(data: &[u8], limit: usize) {
        let theirs = c_zlib(data, limit);
        let mine = ours(data, limit);
        assert_eq!(
            mine.as_ref().ok(),
            theirs.as_ref(),
            "{data:02x?} limit {limit}: {mine:?}"
        );
        // A reused state gives the same answer.
        let mut state = Inflater::new();
        let mut out = Vec::new();
        let _ = inflate_zlib(
            &mut state,
            &compress(b"warm the tables up, fixed", 1),
            100,
            &mut out,
        );
        let again = inflate_zlib(&mut state, data, limit, &mut out).map(|()| out);
        assert_eq!(again.as_ref().ok(), theirs.as_ref());
    }

    fn json_like() -> impl Strategy<Value = Vec<u8>> {
        let word = prop::sample::select(vec![
            "\"user_id\":",
            "42",
            ",",
            "{",
            "}",
            "[",
            "]",
            "\"csrf_token\":",
            "\"",
            "true",
            "null",
            "\"_flashes\":",
            "\"message\"",
            "1fadc45dfe67a90d22e83e7dc3c6035",
            "\"_fresh\":",
            "false",
            " ",
            "\\u00e9",
            "3.25",
        ]);
        prop::collection::vec(word, 0..400).prop_map(|w| w.concat().into_bytes())
    }

    fn payload() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2000),
            prop::collection::vec(0u8..4, 0..3000),
            json_like(),
        ]
    }

    #[test]
    fn inflates_what_c_zlib_and_python_write() {
        let text = br#"{"_fresh":false,"_permanent":true,"csrf_token":"1fadc45dfe67a90d22e83e7dc3c603579df4caec","user_id":42}"#;
        for level in 0..=9 {
            let c = compress(text, level);
            assert_eq!(ours(&c, 1000).unwrap(), text);
        }
        assert_eq!(
            ours(&crate::encoding::zlib_compress(text), 1000).unwrap(),
            text
        );
        // Empty output, exact limit, one byte short.
        assert_eq!(ours(&compress(b"", 6), 0).unwrap(), b"");
        assert_eq!(ours(&compress(text, 6), text.len()).unwrap(), text);
        assert_eq!(
            ours(&compress(text, 6), text.len() - 1),
            Err(DecodeError::TooLarge {
                limit: text.len() - 1
            })
        );
        // Trailing bytes after the checksum are ignored, as Python's zlib.decompress does.
        let mut trailing = compress(text, 6);
        trailing.extend_from_slice(b"garbage");
        assert_eq!(ours(&trailing, 1000).unwrap(), text);
    }

    #[test]
    fn malformed_streams_fail_with_zlib_s_reasons() {
        let zlib = |e| Err(DecodeError::Zlib(e));
        assert_eq!(ours(b"", 10), zlib(ZlibError::Truncated));
        assert_eq!(ours(&[0x78, 0x9d, 3, 0], 10), zlib(ZlibError::HeaderCheck));
        assert_eq!(
            ours(&[0x87, 0x05, 3, 0], 10),
            zlib(ZlibError::UnknownMethod)
        );
        assert_eq!(ours(&[0x88, 0x1c, 3, 0], 10), zlib(ZlibError::WindowSize));
        assert_eq!(
            ours(&[0x78, 0xbb, 0, 0, 0, 1], 10),
            zlib(ZlibError::NeedsDictionary)
        );
        // Before the dictionary's id is read, the stream is short.
        assert_eq!(ours(&[0x78, 0xbb, 0, 0, 0], 10), zlib(ZlibError::Truncated));
        // Block type 3.
        assert_eq!(
            ours(&[0x78, 0x9c, 0x07, 0, 0, 0, 0, 0], 10),
            zlib(ZlibError::BlockType)
        );
        // Stored block whose length complement is wrong.
        assert_eq!(
            ours(
                &[0x78, 0x01, 0x01, 1, 0, 0xff, 0xff, b'a', 0, 0x62, 0, 0x62],
                10
            ),
            zlib(ZlibError::StoredLengths)
        );
        // Fixed block: literal 'a' then a match of distance 2 after one byte.
        let mut too_far = compress(b"a", 6);
        too_far.truncate(2);
        too_far.extend_from_slice(&[0x4b, 0x04, 0x02, 0x00]);
        assert!(ours(&too_far, 10).is_err());
        // Wrong checksum.
        let mut c = compress(b"hello hello", 6);
        let n = c.len();
        c[n - 1] ^= 1;
        assert_eq!(ours(&c, 100), zlib(ZlibError::DataCheck));
        // Every truncation of a valid stream.
        let c = compress(br#"{"a":[1,2,3,1,2,3,1,2,3],"b":"xyzxyzxyz"}"#, 9);
        for end in 0..c.len() {
            assert!(ours(&c[..end], 100).is_err(), "truncated at {end}");
            agree(&c[..end], 100);
        }
    }

    /// zlib's message for a stream it refuses (given the whole output space), or `None`.
    fn c_zlib_message(data: &[u8]) -> Option<String> {
        let mut inflater = flate2::Decompress::new(true);
        let mut out = Vec::with_capacity(1 << 20);
        match inflater.decompress_vec(data, &mut out, flate2::FlushDecompress::Finish) {
            Ok(flate2::Status::StreamEnd) => None,
            // Python's `zlib.decompress` names a stream that stops early so.
            Ok(_) => Some("incomplete or truncated stream".to_owned()),
            Err(e) => Some(e.message().unwrap_or_default().to_owned()),
        }
    }

    /// Regression: a stream cut short used to be refused for an error read in the zero
    /// padding past its end ("invalid code lengths set", "invalid distance too far back" …)
    /// where zlib, which stops at the end of the input, says it is truncated; and an empty
    /// code-length code was refused at once, where zlib reads on and reports the missing
    /// end-of-block code. Every truncation and some bit flips of streams of JSON-like text
    /// at every level: the same message as zlib.
    #[test]
    fn truncated_streams_fail_with_zlib_s_message_not_a_later_error() {
        let mut random = crate::test_support::xorshift(0x9e37_79b9_7f4a_7c15_u64);
        let mut checked = 0;
        for round in 0..300 {
            let n = (random() % 400) as usize;
            let alphabet = b"{\"abc\": [1, 2], xyz}";
            let text: Vec<u8> = (0..n)
                .map(|_| alphabet[(random() % alphabet.len() as u64) as usize])
                .collect();
            let stream = compress(&text, round % 9 + 1);
            let mut damaged: Vec<Vec<u8>> = (0..stream.len())
                .map(|end| stream[..end].to_vec())
                .collect();
            for _ in 0..20 {
                let mut flipped = stream.clone();
                let at = 2 + (random() as usize) % (flipped.len() - 2);
                flipped[at] ^= 1 << (random() % 8);
                let end = (random() as usize) % (flipped.len() + 1);
                damaged.push(flipped[..end].to_vec());
                damaged.push(flipped);
            }
            for data in damaged {
                let mine = match ours(&data, 1 << 20) {
                    Ok(_) => None,
                    Err(DecodeError::Zlib(e)) => Some(e.to_string()),
                    Err(e) => panic!("{data:02x?}: {e}"),
                };
                assert_eq!(mine, c_zlib_message(&data), "{data:02x?}");
                checked += 1;
            }
        }
        assert!(checked > 40_000, "{checked}");
        // Refused by both, with zlib's message.
        let refused_as = |data: &[u8], error: ZlibError| {
            assert_eq!(ours(data, 1000), Err(DecodeError::Zlib(error)));
            assert_eq!(c_zlib_message(data), Some(error.to_string()));
        };
        // Found by the `inflate` fuzz target (fuzz/regressions/inflate/): an invalid distance
        // code whose bits run past the input (zlib needs them before it can tell).
        let short_code = [0x78, 0x01, 0x0a, 0x8f, 0x70, 0x8f, 0x1a, 0x85, 0x03, 0xf5];
        refused_as(&short_code, ZlibError::Truncated);
        // The empty code-length code: a final dynamic block (bits 1, 01), HLIT 0, HDIST 0,
        // HCLEN 15: 19 lengths of 0, then 257 + 1 one-bit lengths (332 bits in all).
        let mut empty = vec![0x78, 0x01, 0b0000_0101, 0b1110_0000, 0b0000_0001];
        empty.extend([0; 40]);
        refused_as(&empty, ZlibError::MissingEndOfBlock);
        empty.truncate(20);
        refused_as(&empty, ZlibError::Truncated);
    }

    /// A final fixed-Huffman block made of the given codes (value, bit count), sent from
    /// their high bit as DEFLATE sends Huffman codes.
    fn fixed_block(codes: &[(u32, u32)]) -> Vec<u8> {
        let (mut bits, mut n) = (0b011u64, 3); // BFINAL = 1, BTYPE = 01
        for &(code, len) in codes {
            for i in (0..len).rev() {
                bits |= u64::from(code >> i & 1) << n;
                n += 1;
            }
        }
        let mut data = vec![0x78, 0x01];
        data.extend_from_slice(&bits.to_le_bytes());
        data
    }

    #[test]
    fn fixed_code_symbols_286_and_distance_30_are_invalid() {
        // Literal/length 286: 8-bit code 11000110.
        let data = fixed_block(&[(0b1100_0110, 8)]);
        assert_eq!(
            ours(&data, 10),
            Err(DecodeError::Zlib(ZlibError::LitLenCode))
        );
        agree(&data, 10);
        // 'a' (10010001), length 3 (symbol 257: 0000001), distance code 30 (11110).
        let data = fixed_block(&[(0b1001_0001, 8), (1, 7), (0b11110, 5)]);
        assert_eq!(
            ours(&data, 10),
            Err(DecodeError::Zlib(ZlibError::DistanceCode))
        );
        agree(&data, 10);
        // The same match at distance 1 (00000) is fine up to its checksum; at distance 2
        // (00001) it reaches before the output.
        let data = fixed_block(&[(0b1001_0001, 8), (1, 7), (0b00001, 5)]);
        assert_eq!(
            ours(&data, 10),
            Err(DecodeError::Zlib(ZlibError::DistanceTooFarBack))
        );
        agree(&data, 10);
    }

    #[test]
    fn long_codes_go_through_subtables() {
        // Symbol frequencies along the Fibonacci sequence give Huffman codes up to the 15-bit
        // limit, past the 10-bit literal/length and 8-bit distance roots. Distances too: runs
        // repeated at Fibonacci-weighted distances.
        let mut data = Vec::new();
        let (mut a, mut b) = (1usize, 1usize);
        for byte in 0u8..24 {
            data.extend(std::iter::repeat_n(byte, a.min(4000)));
            (a, b) = (b, a + b);
        }
        let mut shuffled: Vec<u8> = Vec::with_capacity(data.len());
        let mut x = 12345u32;
        while !data.is_empty() {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            shuffled.push(data.swap_remove(x as usize % data.len()));
        }
        for level in [1, 6, 9] {
            let c = compress(&shuffled, level);
            assert_eq!(ours(&c, shuffled.len()).unwrap(), shuffled, "level {level}");
            agree(&c, 1 << 20);
        }
    }

    #[test]
    fn adler32_matches_the_definition() {
        fn slow(data: &[u8]) -> u32 {
            let (mut a, mut b) = (1u32, 0u32);
            for &x in data {
                a = (a + u32::from(x)) % 65521;
                b = (b + a) % 65521;
            }
            b << 16 | a
        }
        for len in [0, 1, 7, 8, 15, 16, 17, 31, 100, 5551, 5552, 5553, 20000] {
            let ones = vec![0xffu8; len];
            assert_eq!(adler32(&ones), slow(&ones), "len {len}");
            let mixed: Vec<u8> = (0..len).map(|i| (i * 7919 % 251) as u8).collect();
            assert_eq!(adler32(&mixed), slow(&mixed), "len {len}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn round_trips_every_level(data in payload(), level in 0u32..=9) {
            let c = compress(&data, level);
            prop_assert_eq!(ours(&c, data.len()).unwrap(), data.clone());
            agree(&c, 1 << 20);
        }

        #[test]
        fn round_trips_python_settings_with_limits(data in payload(), slack in 0usize..40) {
            let c = crate::encoding::zlib_compress(&data);
            let limit = (data.len() + slack).saturating_sub(20);
            match ours(&c, limit) {
                Ok(out) => prop_assert!(out == data && data.len() <= limit),
                Err(e) => {
                    let too_large = DecodeError::TooLarge { limit };
                    prop_assert!(data.len() > limit && e == too_large);
                }
            }
        }

        #[test]
        fn agrees_with_c_zlib_on_damaged_streams(
            data in payload(),
            level in 0u32..=9,
            flips in prop::collection::vec((any::<prop::sample::Index>(), 0u8..8), 0..4),
            cut in any::<prop::sample::Index>(),
            do_cut in any::<bool>(),
            tail in prop::collection::vec(any::<u8>(), 0..8),
            limit in prop_oneof![Just(1usize << 20), 0usize..3000],
        ) {
            let mut c = compress(&data, level);
            for (at, bit) in flips {
                let i = at.index(c.len());
                c[i] ^= 1 << bit;
            }
            if do_cut {
                c.truncate(cut.index(c.len() + 1));
            }
            c.extend_from_slice(&tail);
            agree(&c, limit);
        }

        #[test]
        fn agrees_with_c_zlib_on_garbage(
            header in prop::sample::select(vec![[0x78u8, 0x9c], [0x78, 0x01], [0x78, 0xda], [0x08, 0x1d]]),
            body in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut c = header.to_vec();
            c.extend_from_slice(&body);
            agree(&c, 1 << 16);
            agree(&body, 1 << 16);
        }
    }
}
