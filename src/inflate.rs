//! zlib (RFC 1950) and DEFLATE (RFC 1951) decompression into a flat, bounded buffer.
//!
//! Why not C zlib: a cookie inflates to a few hundred bytes to a few KB, so zlib's fixed costs
//! (stream state, a 32 KiB window, building the tables of each dynamic block at full size)
//! outweigh the decoding itself. Here the whole stream is decoded in one call into the caller's
//! buffer (the window is the output itself), and each Huffman table gets a root only as wide as
//! its longest code (at most 10 bits for literals/lengths, 8 for distances; longer codes go to
//! subtables), filled by doubling as libdeflate does.
//!
//! It accepts exactly what C zlib's `inflate` accepts when given the whole output space at once
//! (tests and the `inflate` fuzz target compare the two), including bytes after the Adler-32,
//! which are ignored as Python's `zlib.decompress` ignores them.

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

/// Reusable decoding state: the Huffman tables, kept between calls so that nothing is zeroed
/// or allocated per stream (every entry a lookup can reach is written before it is read).
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
    /// Code lengths of the current dynamic block (literal/length codes, then distance codes);
    /// only the entries of `used` symbols are current.
    lens: [u8; 286 + 30],
    /// Indices into `lens` with a nonzero length, ascending.
    used: [u16; 286 + 30],
    /// `build_table`'s scratch: symbols sorted by code length.
    sorted: [u16; 288],
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
    /// A fresh state (about 8 KB; keep one per thread on hot paths).
    ///
    /// ```
    /// let inflater = signed_cookie::encoding::Inflater::new();
    /// # let _ = inflater;
    /// ```
    pub const fn new() -> Self {
        Inflater {
            litlen: [0; LITLEN_TABLE],
            dist: [0; DIST_TABLE],
            lens: [0; 286 + 30],
            used: [0; 286 + 30],
            sorted: [0; 288],
            fixed_loaded: false,
        }
    }
}

// Table entries (u32): bits 0-3 the code length to consume (full length, also in subtables),
// bits 4-7 flags, bits 8-11 extra bits to read (or a subtable's index bits), bits 16-31 the
// value (literal byte, base length, base distance, code-length symbol or subtable start).
const LEN_MASK: u32 = 0xf;
const LITERAL: u32 = 1 << 4;
const SUBTABLE: u32 = 1 << 5;
const END_OF_BLOCK: u32 = 1 << 6;
const INVALID: u32 = 1 << 7;

const LITLEN_ROOT_MAX: u32 = 10;
const DIST_ROOT_MAX: u32 = 8;
/// Above zlib's `enough 288 10 15` (1334): the largest root table plus subtables any complete
/// code needs. `build_table` still checks every subtable against the end.
const LITLEN_TABLE: usize = 1536;
/// Above `enough 32 8 15` (402).
const DIST_TABLE: usize = 512;
/// The code-length code has at most 7-bit codes: one root table, no subtables.
const CODELEN_TABLE: usize = 128;

/// Largest match, and the slack past it that the 8-byte match copy may overwrite.
const MAX_MATCH: usize = 258;
const COPY_SLACK: usize = 8;

const fn entry(value: u32, extra: u32, flags: u32) -> u32 {
    value << 16 | extra << 8 | flags
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
            0..=255 => entry(sym as u32, 0, LITERAL),
            256 => END_OF_BLOCK,
            257..=285 => entry(BASE[sym - 257], EXTRA[sym - 257], 0),
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
        t[sym] = entry(base, extra, 0);
        base += 1 << extra;
        sym += 1;
    }
    t
};

const CODELEN_ENTRIES: [u32; 19] = {
    let mut t = [0; 19];
    let mut sym = 0;
    while sym < 19 {
        t[sym] = entry(sym as u32, 0, 0);
        sym += 1;
    }
    t
};

/// The order in which a dynamic block lists the code-length code's lengths.
const CODELEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

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

/// A code to build: the symbols with a code (ascending) and every symbol's code length.
struct Code<'a> {
    used: &'a [u16],
    /// Indexed by symbol; read only at `used` symbols.
    lens: &'a [u8],
    /// Symbols per code length (`count[0]` unused).
    count: [u16; 16],
}

impl<'a> Code<'a> {
    /// A code given by all its symbols' lengths (fixed codes, the code-length code).
    fn from_lens(lens: &'a [u8], used: &'a mut [u16]) -> Self {
        let mut count = [0u16; 16];
        let mut n = 0;
        for (sym, &len) in lens.iter().enumerate() {
            if len != 0 {
                count[usize::from(len & 15)] += 1;
                used[n] = sym as u16;
                n += 1;
            }
        }
        Code {
            used: &used[..n],
            lens,
            count,
        }
    }
}

/// Fills `table` for `code` (symbol `s` maps to `entries[s]`); returns the root table's bits.
/// Codes up to the root width fill the root by doubling: each length's codewords are written
/// once, then the table so far is copied after itself. Longer codes get subtables, each sized
/// for the codes sharing its root prefix.
fn build_table(
    code: &Code,
    entries: &[u32],
    table: &mut [u32],
    sorted: &mut [u16; 288],
    root_max: u32,
    kind: CodeKind,
) -> Result<u32, ZlibError> {
    let malformed = match kind {
        CodeKind::CodeLengths => ZlibError::CodeLengthsSet,
        CodeKind::LitLen => ZlibError::LitLenSet,
        CodeKind::Dist => ZlibError::DistanceSet,
    };
    let count = code.count;
    let Some(max_len) = (1..16).rev().find(|&len| count[len] != 0) else {
        // No codes at all: only distances may (their table then rejects every code).
        if kind != CodeKind::Dist {
            return Err(malformed);
        }
        table[..2].fill(INVALID | 1);
        return Ok(1);
    };
    // Code space left after each length; below zero is oversubscribed.
    let mut left: i32 = 1;
    for &n in &count[1..] {
        left = (left << 1) - i32::from(n);
        if left < 0 {
            return Err(malformed);
        }
    }
    if left > 0 {
        // Incomplete: zlib accepts it only as one 1-bit code (not for code lengths).
        if kind == CodeKind::CodeLengths || max_len != 1 {
            return Err(malformed);
        }
        let sym = usize::from(*code.used.first().ok_or(malformed)?);
        table[0] = entries[sym] | 1;
        table[1] = INVALID | 1;
        return Ok(1);
    }

    // Symbols sorted by code length, then by symbol: the canonical code's order.
    let mut offsets = [0u16; 16];
    for len in 1..15 {
        offsets[len + 1] = offsets[len] + count[len];
    }
    for &sym in code.used {
        let slot = &mut offsets[usize::from(code.lens[usize::from(sym)] & 15)];
        sorted[usize::from(*slot)] = sym;
        *slot += 1;
    }

    let root = (max_len as u32).min(root_max);
    // Codewords are kept bit-reversed (DEFLATE sends codes from their high bit), so "next
    // codeword" sets the highest zero bit and clears the bits above it.
    let mut codeword: usize = 0;
    let mut len = 1;
    while count[len] == 0 {
        len += 1;
    }
    let mut table_end = 1usize << len;
    let mut sym_index = 0;
    let mut remaining = count[len];
    while len as u32 <= root {
        while remaining != 0 {
            table[codeword] = entries[usize::from(sorted[sym_index])] | len as u32;
            sym_index += 1;
            remaining -= 1;
            if codeword == table_end - 1 {
                // The last codeword: the code is complete within the root; double up to it.
                while (len as u32) < root {
                    table.copy_within(..table_end, table_end);
                    table_end <<= 1;
                    len += 1;
                }
                return Ok(root);
            }
            let bit = 1 << (usize::BITS - 1 - (codeword ^ (table_end - 1)).leading_zeros());
            codeword = (codeword & (bit - 1)) | bit;
        }
        // Next used length, doubling the table for each step within the root.
        loop {
            len += 1;
            if len >= 16 {
                return Err(malformed); // unreachable for a complete code
            }
            if len as u32 <= root {
                table.copy_within(..table_end, table_end);
                table_end <<= 1;
            }
            remaining = count[len];
            if remaining != 0 {
                break;
            }
        }
    }

    // Codes longer than the root: subtables after the root table.
    let root_mask = (1usize << root) - 1;
    let mut table_end = 1usize << root;
    let mut prefix = usize::MAX;
    let mut sub_start = 0;
    loop {
        if codeword & root_mask != prefix {
            // A new subtable, as wide as needed to hold all codes sharing this prefix.
            prefix = codeword & root_mask;
            sub_start = table_end;
            let mut sub_bits = len as u32 - root;
            let mut used = u32::from(remaining);
            while used < 1 << sub_bits {
                sub_bits += 1;
                let next = (root + sub_bits) as usize;
                used = (used << 1) + u32::from(*count.get(next).ok_or(malformed)?);
            }
            table_end = sub_start + (1 << sub_bits);
            if table_end > table.len() {
                return Err(malformed); // unreachable: the table is sized for any complete code
            }
            table[prefix] = entry(sub_start as u32, sub_bits, SUBTABLE);
        }
        let value = entries[usize::from(sorted[sym_index])] | len as u32;
        let stride = 1 << (len as u32 - root);
        let mut i = sub_start + (codeword >> root);
        while i < table_end {
            table[i] = value;
            i += stride;
        }
        sym_index += 1;
        let all_ones = (1usize << len) - 1;
        if codeword == all_ones {
            return Ok(root);
        }
        let bit = 1 << (usize::BITS - 1 - (codeword ^ all_ones).leading_zeros());
        codeword = (codeword & (bit - 1)) | bit;
        remaining -= 1;
        while remaining == 0 {
            len += 1;
            remaining = *count.get(len).ok_or(malformed)?;
        }
    }
}

/// Input bits, least significant first, in a 64-bit buffer.
#[derive(Clone, Copy)]
struct Bits<'a> {
    data: &'a [u8],
    /// Next byte to load; past the end once zero padding has been loaded.
    pos: usize,
    buf: u64,
    /// Bits in `buf`: the last `count` bits before `pos` (the bits above may hold a copy of
    /// the next byte; refills OR the same bits there).
    count: u32,
}

impl<'a> Bits<'a> {
    /// Tops the buffer up to at least 56 bits with one unaligned 8-byte load.
    #[inline(always)]
    fn refill(&mut self) -> Result<(), ZlibError> {
        let word = match self.data.get(self.pos..self.pos + 8) {
            Some(word) => {
                let mut bytes = [0; 8];
                bytes.copy_from_slice(word);
                u64::from_le_bytes(bytes)
            }
            None => self.tail_word()?,
        };
        self.buf |= word << self.count;
        self.pos += ((63 - self.count) >> 3) as usize;
        self.count |= 56;
        Ok(())
    }

    /// The last input bytes, padded with zeros. Consuming a padding bit means the stream is
    /// truncated; every decode step takes at most 48 of the 56 bits a refill ensures, so it is
    /// caught at the next refill (or by `align_to_byte`).
    #[inline(never)]
    fn tail_word(&self) -> Result<u64, ZlibError> {
        if self.consumed_bits() > self.data.len() * 8 {
            return Err(ZlibError::Truncated);
        }
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let mut bytes = [0; 8];
        let n = rest.len().min(8);
        bytes[..n].copy_from_slice(&rest[..n]);
        Ok(u64::from_le_bytes(bytes))
    }

    fn consumed_bits(&self) -> usize {
        self.pos * 8 - self.count as usize
    }

    /// The root entry for the next bits (a subtable pointer is not a literal).
    #[inline(always)]
    fn peek_entry(&self, table: &[u32], root_bits: u32) -> u32 {
        table[self.peek(root_bits) as usize]
    }

    #[inline(always)]
    fn peek(&self, n: u32) -> u64 {
        self.buf & ((1 << n) - 1)
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf >>= n;
        self.count -= n;
    }

    #[inline(always)]
    fn take(&mut self, n: u32) -> u64 {
        let value = self.peek(n);
        self.consume(n);
        value
    }

    /// Drops the bits up to the next byte boundary and returns the position of the next input
    /// byte, emptying the buffer so that bytes can be read directly.
    fn align_to_byte(&mut self) -> Result<usize, ZlibError> {
        self.consume(self.count & 7);
        let next = self.consumed_bits() / 8;
        if next > self.data.len() {
            return Err(ZlibError::Truncated);
        }
        self.pos = next;
        self.buf = 0;
        self.count = 0;
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
    /// Makes room for `need` more bytes (plus copy slack where the limit allows).
    #[cold]
    fn grow(&mut self, need: usize) -> Result<(), DecodeError> {
        let limit = self.limit;
        let wanted = self
            .pos
            .checked_add(need)
            .filter(|&end| end <= limit)
            .ok_or(DecodeError::TooLarge { limit })?;
        let new_len = (self.buf.len() * 2)
            .max(wanted + MAX_MATCH + COPY_SLACK)
            .min(limit);
        // Exact: never more memory than the limit allows.
        self.buf.reserve_exact(new_len - self.buf.len());
        self.buf.resize(new_len, 0);
        Ok(())
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
    #[inline(always)]
    fn copy_match(&mut self, dist: usize, len: usize) -> Result<(), DecodeError> {
        if dist > self.pos {
            return Err(DecodeError::Zlib(ZlibError::DistanceTooFarBack));
        }
        let (from, to) = (self.pos - dist, self.pos);
        if self.buf.len() - to < len + COPY_SLACK {
            if self.buf.len() - to < len {
                self.grow(len)?;
            }
            if self.buf.len() - to < len + COPY_SLACK {
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

/// Copies `buf[from..from + len]` to `to` (> `from`) as LZ77 does, byte after byte, so that
/// an overlap repeats the pattern; may overwrite up to `COPY_SLACK` bytes after `to + len`.
#[inline(always)]
fn copy_match_with_slack(buf: &mut [u8], from: usize, to: usize, len: usize) {
    let dist = to - from;
    if dist >= 8 {
        // 8 bytes at a time: each chunk reads only bytes final before it (dist >= 8).
        let mut i = 0;
        while i < len {
            buf.copy_within(from + i..from + i + 8, to + i);
            i += 8;
        }
    } else if dist == 1 {
        let byte = buf[from];
        buf[to..to + len].fill(byte);
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
    // A first guess that fits typical cookies; grown geometrically up to the limit.
    let initial = data
        .len()
        .saturating_mul(4)
        .saturating_add(MAX_MATCH + COPY_SLACK)
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
        return Err(ZlibError::NeedsDictionary.into());
    }
    let mut bits = Bits {
        data,
        pos: 2,
        buf: 0,
        count: 0,
    };
    loop {
        bits.refill()?;
        let header = bits.take(3);
        match header >> 1 {
            0 => stored_block(&mut bits, sink)?,
            1 => {
                if !state.fixed_loaded {
                    load_fixed_tables(state)?;
                }
                let tables = Tables {
                    litlen: &state.litlen,
                    litlen_bits: 9,
                    dist: &state.dist,
                    dist_bits: 5,
                };
                huffman_block(tables, &mut bits, sink)?;
            }
            2 => {
                state.fixed_loaded = false;
                let (litlen_bits, dist_bits) = read_dynamic_tables(state, &mut bits)?;
                let tables = Tables {
                    litlen: &state.litlen,
                    litlen_bits,
                    dist: &state.dist,
                    dist_bits,
                };
                huffman_block(tables, &mut bits, sink)?;
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

/// Adler-32 (RFC 1950), 16 bytes per step: about 3x faster than a byte-serial loop, which
/// would cost as much as the inflating itself on a 3 KB cookie.
///
/// Over 8 bytes `x0..x7`, `a` grows by `Σ xj` and `b` by `8·a + Σ (8 − j)·xj`. Both sums come
/// from the word with its bytes spread into four 16-bit lanes (even and odd bytes): multiplying
/// by a constant whose lanes hold the weights puts the weighted sum in the top lane (every
/// lane stays below 2^16, so nothing carries between them).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u64 = 65521;
    const LANES: u64 = 0x00ff_00ff_00ff_00ff;
    fn sums(word: u64) -> (u64, u64) {
        let even = word & LANES;
        let odd = (word >> 8) & LANES;
        let sum = (even + odd).wrapping_mul(0x0001_0001_0001_0001) >> 48;
        let weighted = (even.wrapping_mul(0x0008_0006_0004_0002) >> 48)
            + (odd.wrapping_mul(0x0007_0005_0003_0001) >> 48);
        (sum, weighted)
    }
    let (mut a, mut b) = (1u64, 0u64);
    let (whole, tail) = data.split_at(data.len() / 16 * 16);
    // Reduce every 5552 bytes, as zlib does (far below what a u64 holds).
    for round in whole.chunks(5552 / 16 * 16) {
        for pair in round.chunks_exact(16) {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(pair);
            let pair = u128::from_le_bytes(bytes);
            let (sum0, weighted0) = sums(pair as u64);
            let (sum1, weighted1) = sums((pair >> 64) as u64);
            b += 16 * a + 8 * sum0 + weighted0 + weighted1;
            a += sum0 + sum1;
        }
        a %= MOD;
        b %= MOD;
    }
    for &byte in tail {
        a += u64::from(byte);
        b += a;
    }
    (((b % MOD) << 16) | (a % MOD)) as u32
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
    bits.pos = body + usize::from(len);
    Ok(())
}

fn load_fixed_tables(state: &mut Inflater) -> Result<(), ZlibError> {
    let mut lens = [8u8; 288];
    lens[144..256].fill(9);
    lens[256..280].fill(7);
    let mut used = [0u16; 288];
    let code = Code::from_lens(&lens, &mut used);
    build_table(
        &code,
        &LITLEN_ENTRIES,
        &mut state.litlen,
        &mut state.sorted,
        9,
        CodeKind::LitLen,
    )?;
    let code = Code::from_lens(&[5; 32], &mut used);
    build_table(
        &code,
        &DIST_ENTRIES,
        &mut state.dist,
        &mut state.sorted,
        5,
        CodeKind::Dist,
    )?;
    state.fixed_loaded = true;
    Ok(())
}

/// Reads a dynamic block's code descriptions and builds its tables; returns their root bits.
fn read_dynamic_tables(state: &mut Inflater, bits: &mut Bits) -> Result<(u32, u32), ZlibError> {
    bits.refill()?;
    let litlen_count = bits.take(5) as usize + 257;
    let dist_count = bits.take(5) as usize + 1;
    let codelen_count = bits.take(4) as usize + 4;
    if litlen_count > 286 || dist_count > 30 {
        return Err(ZlibError::TooManySymbols);
    }
    let mut codelen_lens = [0u8; 19];
    for &sym in &CODELEN_ORDER[..codelen_count] {
        bits.refill()?;
        codelen_lens[sym] = bits.take(3) as u8;
    }
    let mut codelen_table = [0u32; CODELEN_TABLE];
    let mut codelen_used = [0u16; 19];
    let codelen_bits = build_table(
        &Code::from_lens(&codelen_lens, &mut codelen_used),
        &CODELEN_ENTRIES,
        &mut codelen_table,
        &mut state.sorted,
        7,
        CodeKind::CodeLengths,
    )?;

    // Only nonzero lengths are stored (with their symbols listed in `used`, and counted per
    // code): most of the 286 + 30 symbols of a cookie's code are unused.
    let total = litlen_count + dist_count;
    let (lens, used) = (&mut state.lens, &mut state.used);
    let mut counts = [[0u16; 16]; 2];
    let mut used_count = 0;
    let mut litlen_used = 0;
    let mut previous = 0;
    let mut i = 0;
    while i < total {
        bits.refill()?;
        let e = codelen_table[bits.peek(codelen_bits) as usize];
        bits.consume(e & LEN_MASK);
        let (repeat, value) = match e >> 16 {
            sym @ 0..=15 => (1, sym as u8),
            16 if i == 0 => return Err(ZlibError::LengthRepeat),
            16 => (3 + bits.take(2) as usize, previous),
            17 => (3 + bits.take(3) as usize, 0),
            _ => (11 + bits.take(7) as usize, 0),
        };
        let end = i + repeat;
        if end > total {
            return Err(ZlibError::LengthRepeat);
        }
        if value != 0 {
            for (index, len) in (i..end).zip(&mut lens[i..end]) {
                *len = value;
                used[used_count] = index as u16;
                used_count += 1;
                let code = usize::from(index >= litlen_count);
                counts[code][usize::from(value)] += 1;
                litlen_used += 1 - code;
            }
        }
        previous = value;
        i = end;
    }
    let (litlen_syms, dist_syms) = used[..used_count].split_at_mut(litlen_used);
    if litlen_syms.binary_search(&256).is_err() {
        return Err(ZlibError::MissingEndOfBlock);
    }
    // Lengths after the literal/length codes belong to distance symbols from 0.
    for sym in dist_syms.iter_mut() {
        *sym -= litlen_count as u16;
    }
    let litlen_bits = build_table(
        &Code {
            used: litlen_syms,
            lens: &lens[..litlen_count],
            count: counts[0],
        },
        &LITLEN_ENTRIES,
        &mut state.litlen,
        &mut state.sorted,
        LITLEN_ROOT_MAX,
        CodeKind::LitLen,
    )?;
    let dist_bits = build_table(
        &Code {
            used: dist_syms,
            lens: &lens[litlen_count..total],
            count: counts[1],
        },
        &DIST_ENTRIES,
        &mut state.dist,
        &mut state.sorted,
        DIST_ROOT_MAX,
        CodeKind::Dist,
    )?;
    Ok((litlen_bits, dist_bits))
}

/// Looks up the next symbol: the root entry, or the subtable entry it points to.
#[inline(always)]
fn lookup(table: &[u32], root_bits: u32, bits: &Bits) -> u32 {
    let e = table[bits.peek(root_bits) as usize];
    if e & SUBTABLE == 0 {
        return e;
    }
    let index = (bits.buf >> root_bits) & ((1 << ((e >> 8) & 0xf)) - 1);
    table[(e >> 16) as usize + index as usize]
}

/// One symbol of a Huffman-coded block.
enum Symbol {
    Literal(u8),
    Match { len: usize, dist: usize },
    EndOfBlock,
}

/// The tables of the current block with their root bits.
#[derive(Clone, Copy)]
struct Tables<'a> {
    litlen: &'a [u32],
    litlen_bits: u32,
    dist: &'a [u32],
    dist_bits: u32,
}

#[inline(always)]
fn decode_symbol(tables: Tables, bits: &mut Bits) -> Result<Symbol, ZlibError> {
    // One refill covers a whole match: 15 + 5 + 15 + 13 = 48 bits at most.
    bits.refill()?;
    let e = lookup(tables.litlen, tables.litlen_bits, bits);
    bits.consume(e & LEN_MASK);
    if e & LITERAL != 0 {
        return Ok(Symbol::Literal((e >> 16) as u8));
    }
    if e & (END_OF_BLOCK | INVALID) != 0 {
        if e & END_OF_BLOCK != 0 {
            return Ok(Symbol::EndOfBlock);
        }
        return Err(ZlibError::LitLenCode);
    }
    let len = (e >> 16) as usize + bits.take((e >> 8) & 0xf) as usize;
    let d = lookup(tables.dist, tables.dist_bits, bits);
    bits.consume(d & LEN_MASK);
    if d & INVALID != 0 {
        return Err(ZlibError::DistanceCode);
    }
    let dist = (d >> 16) as usize + bits.take((d >> 8) & 0xf) as usize;
    Ok(Symbol::Match { len, dist })
}

/// Decodes one Huffman-coded block up to its end-of-block symbol.
fn huffman_block(tables: Tables, bits: &mut Bits, sink: &mut Sink) -> Result<(), DecodeError> {
    // Local copies, so that the bit buffer and the output position stay in registers.
    let mut local_bits = *bits;
    loop {
        // While the longest match (and its copy's overshoot) fits, no size checks.
        let buf = sink.buf.as_mut_slice();
        let mut pos = sink.pos;
        while pos + MAX_MATCH + COPY_SLACK <= buf.len() {
            match decode_symbol(tables, &mut local_bits)? {
                Symbol::Literal(byte) => {
                    buf[pos] = byte;
                    pos += 1;
                    // Literals run in a row: two more fit the bits left (56 - 15 >= 2 * 15)
                    // and the room left (`COPY_SLACK`), so skip their refills.
                    for _ in 0..2 {
                        let e = local_bits.peek_entry(tables.litlen, tables.litlen_bits);
                        if e & LITERAL == 0 {
                            break;
                        }
                        local_bits.consume(e & LEN_MASK);
                        buf[pos] = (e >> 16) as u8;
                        pos += 1;
                    }
                }
                Symbol::Match { len, dist } => {
                    if dist > pos {
                        return Err(ZlibError::DistanceTooFarBack.into());
                    }
                    copy_match_with_slack(buf, pos - dist, pos, len);
                    pos += len;
                }
                Symbol::EndOfBlock => {
                    sink.pos = pos;
                    *bits = local_bits;
                    return Ok(());
                }
            }
        }
        sink.pos = pos;
        // Near the end of the buffer: one symbol with exact checks, growing the buffer.
        let symbol = decode_symbol(tables, &mut local_bits)?;
        // A symbol read from the zero padding past the input is truncation, not `TooLarge`.
        if local_bits.consumed_bits() > local_bits.data.len() * 8 {
            return Err(ZlibError::Truncated.into());
        }
        match symbol {
            Symbol::Literal(byte) => sink.push(byte)?,
            Symbol::Match { len, dist } => sink.copy_match(dist, len)?,
            Symbol::EndOfBlock => {
                *bits = local_bits;
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
        assert!(out.capacity() <= limit.max(1) + 64 || out.capacity() <= data.len() * 4 + 300);
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
