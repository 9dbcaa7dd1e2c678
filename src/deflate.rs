//! `zlib.compress(data)` (level 6, 32 KiB window, memory level 8), byte for byte as C zlib
//! writes it, for the small inputs that cookies carry.
//!
//! Why not C zlib itself: on a cookie-sized input its fixed costs dominate (clearing a 64 KiB
//! hash table on every reset, building trees), which made it most of the signing time. And a
//! *reused* zlib stream can even differ from Python's fresh one: zlib only zeroes the bytes past
//! the input in a fresh window, and `longest_match` reads up to 258 of them when it ranks
//! candidates near the end of the input.
//!
//! This is a line-by-line port of zlib's `deflate_slow`, `longest_match` and `trees.c` for the
//! one configuration Python uses (`good 8, lazy 16, nice 128, chain 128`), restricted to inputs
//! shorter than [`MAX_INPUT`]: one fill of the window, no sliding, and a single block (zlib
//! flushes a block only after 16383 symbols). Longer inputs return `false` and the caller uses
//! C zlib. The tests compare the output with C zlib on many inputs.

use std::cell::RefCell;

/// Longest input handled here: below zlib's first forced block flush (16383 symbols, each at
/// least one byte) and far below its window slide (at 65274 bytes).
pub(crate) const MAX_INPUT: usize = 16_000;

const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
const HASH_BITS: u32 = 15;
const HASH_SIZE: usize = 1 << HASH_BITS;
const HASH_MASK: u32 = (1 << HASH_BITS) - 1;
/// `(HASH_BITS + MIN_MATCH - 1) / MIN_MATCH`.
const HASH_SHIFT: u32 = 5;
/// A match of length 3 further than this is not worth its distance code (zlib's `TOO_FAR`).
const TOO_FAR: usize = 4096;
const GOOD_MATCH: usize = 8;
const MAX_LAZY: usize = 16;
const NICE_MATCH: usize = 128;
const MAX_CHAIN: usize = 128;
/// Zero bytes after the input: `longest_match` reads up to `MAX_MATCH` past a position, and
/// zlib zeroes that much of a fresh window (`WIN_INIT`). A few more keep 8-byte reads in bounds.
const PADDING: usize = MAX_MATCH + 16;

const LENGTH_CODES: usize = 29;
const LITERALS: usize = 256;
const L_CODES: usize = LITERALS + 1 + LENGTH_CODES;
const D_CODES: usize = 30;
const BL_CODES: usize = 19;
const HEAP_SIZE: usize = 2 * L_CODES + 1;
const MAX_BITS: usize = 15;
const MAX_BL_BITS: usize = 7;
const END_BLOCK: usize = 256;
const REP_3_6: usize = 16;
const REPZ_3_10: usize = 17;
const REPZ_11_138: usize = 18;

const EXTRA_LBITS: [u8; LENGTH_CODES] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const EXTRA_DBITS: [u8; D_CODES] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
const EXTRA_BLBITS: [u8; BL_CODES] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER: [u8; BL_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// zlib's `tr_static_init`, computed at compile time.
struct Tables {
    length_code: [u8; 256],
    dist_code: [u8; 512],
    base_length: [u16; LENGTH_CODES],
    base_dist: [u16; D_CODES],
    static_ltree_len: [u8; L_CODES + 2],
    static_ltree_len16: [u16; L_CODES + 2],
    static_ltree_code: [u16; L_CODES + 2],
    static_dtree_code: [u16; D_CODES],
}

const fn bi_reverse(mut code: u32, mut len: u32) -> u32 {
    let mut res = 0;
    loop {
        res |= code & 1;
        code >>= 1;
        res <<= 1;
        len -= 1;
        if len == 0 {
            break;
        }
    }
    res >> 1
}

const fn make_tables() -> Tables {
    let mut t = Tables {
        length_code: [0; 256],
        dist_code: [0; 512],
        base_length: [0; LENGTH_CODES],
        base_dist: [0; D_CODES],
        static_ltree_len: [0; L_CODES + 2],
        static_ltree_len16: [0; L_CODES + 2],
        static_ltree_code: [0; L_CODES + 2],
        static_dtree_code: [0; D_CODES],
    };
    let mut length = 0usize;
    let mut code = 0usize;
    while code < LENGTH_CODES - 1 {
        t.base_length[code] = length as u16;
        let mut n = 0;
        while n < (1 << EXTRA_LBITS[code]) {
            t.length_code[length] = code as u8;
            length += 1;
            n += 1;
        }
        code += 1;
    }
    // Length 258 has two codes; zlib uses the shorter, 285.
    t.length_code[length - 1] = code as u8;
    let mut dist = 0usize;
    code = 0;
    while code < 16 {
        t.base_dist[code] = dist as u16;
        let mut n = 0;
        while n < (1 << EXTRA_DBITS[code]) {
            t.dist_code[dist] = code as u8;
            dist += 1;
            n += 1;
        }
        code += 1;
    }
    dist >>= 7;
    while code < D_CODES {
        t.base_dist[code] = (dist << 7) as u16;
        let mut n = 0;
        while n < (1 << (EXTRA_DBITS[code] - 7)) {
            t.dist_code[256 + dist] = code as u8;
            dist += 1;
            n += 1;
        }
        code += 1;
    }
    let mut bl_count = [0u16; MAX_BITS + 1];
    let mut n = 0;
    while n < L_CODES + 2 {
        let len = match n {
            0..=143 => 8,
            144..=255 => 9,
            256..=279 => 7,
            _ => 8,
        };
        t.static_ltree_len[n] = len;
        t.static_ltree_len16[n] = len as u16;
        bl_count[len as usize] += 1;
        n += 1;
    }
    // gen_codes over the static literal tree.
    let mut next_code = [0u16; MAX_BITS + 1];
    let mut c = 0u32;
    let mut bits = 1;
    while bits <= MAX_BITS {
        c = (c + bl_count[bits - 1] as u32) << 1;
        next_code[bits] = c as u16;
        bits += 1;
    }
    n = 0;
    while n < L_CODES + 2 {
        let len = t.static_ltree_len[n] as usize;
        t.static_ltree_code[n] = bi_reverse(next_code[len] as u32, len as u32) as u16;
        next_code[len] += 1;
        n += 1;
    }
    n = 0;
    while n < D_CODES {
        t.static_dtree_code[n] = bi_reverse(n as u32, 5) as u16;
        n += 1;
    }
    t
}

static TABLES: Tables = make_tables();

fn d_code(dist: usize) -> usize {
    // `dist` is the distance minus one, below 32768.
    let i = if dist < 256 { dist } else { 256 + (dist >> 7) };
    usize::from(TABLES.dist_code[i & 511])
}

/// Node slots per tree array: a power of two above `HEAP_SIZE`, so that indexes masked with
/// `SLOTS - 1` need no bounds check (every real index is below `HEAP_SIZE`).
const SLOTS: usize = 1024;
const SLOT_MASK: usize = SLOTS - 1;

/// One Huffman tree (zlib's `ct_data` array and `tree_desc`): `freq` doubles as `code` and
/// `dad` as `len` in zlib; separate fields give the same results here.
struct Tree {
    freq: [u16; SLOTS],
    code: [u16; SLOTS],
    dad: [u16; SLOTS],
    len: [u16; SLOTS],
    max_code: usize,
}

impl Tree {
    fn new() -> Self {
        Tree {
            freq: [0; SLOTS],
            code: [0; SLOTS],
            dad: [0; SLOTS],
            len: [0; SLOTS],
            max_code: 0,
        }
    }
}

/// What `build_tree` needs from zlib's `static_tree_desc`.
struct TreeKind {
    elems: usize,
    max_length: usize,
    extra_base: usize,
    extra_bits: &'static [u8],
    static_len: Option<&'static [u8]>,
}

const L_KIND: TreeKind = TreeKind {
    elems: L_CODES,
    max_length: MAX_BITS,
    extra_base: LITERALS + 1,
    extra_bits: &EXTRA_LBITS,
    static_len: Some(&TABLES.static_ltree_len),
};
/// zlib's `static_dtree`: every distance code is 5 bits long.
static STATIC_DTREE_LEN: [u8; D_CODES] = [5; D_CODES];
const D_KIND: TreeKind = TreeKind {
    elems: D_CODES,
    max_length: MAX_BITS,
    extra_base: 0,
    extra_bits: &EXTRA_DBITS,
    static_len: Some(&STATIC_DTREE_LEN),
};
const BL_KIND: TreeKind = TreeKind {
    elems: BL_CODES,
    max_length: MAX_BL_BITS,
    extra_base: 0,
    extra_bits: &EXTRA_BLBITS,
    static_len: None,
};

/// The tree-building state zlib keeps in `deflate_state`.
struct Builder {
    heap: [u16; SLOTS],
    heap_len: usize,
    heap_max: usize,
    /// zlib's `smaller(n, m)` compares (freq, depth); `freq << 8 | depth` orders the same.
    key: [u32; SLOTS],
    depth: [u8; SLOTS],
    bl_count: [u16; MAX_BITS + 1],
    opt_len: i64,
    static_len: i64,
}

impl Builder {
    fn new() -> Self {
        Builder {
            heap: [0; SLOTS],
            heap_len: 0,
            heap_max: 0,
            key: [0; SLOTS],
            depth: [0; SLOTS],
            bl_count: [0; MAX_BITS + 1],
            opt_len: 0,
            static_len: 0,
        }
    }

    #[inline]
    fn key_of(&self, node: u16) -> u32 {
        self.key[usize::from(node) & SLOT_MASK]
    }

    #[inline]
    fn pqdownheap(&mut self, mut k: usize) {
        let v = self.heap[k & SLOT_MASK];
        let v_key = self.key_of(v);
        let mut j = k << 1;
        while j <= self.heap_len {
            let mut child = self.heap[j & SLOT_MASK];
            if j < self.heap_len {
                let right = self.heap[(j + 1) & SLOT_MASK];
                // zlib's `smaller(right, left)`: ties go right.
                if self.key_of(right) <= self.key_of(child) {
                    j += 1;
                    child = right;
                }
            }
            if v_key <= self.key_of(child) {
                break;
            }
            self.heap[k & SLOT_MASK] = child;
            k = j;
            j <<= 1;
        }
        self.heap[k & SLOT_MASK] = v;
    }

    fn gen_bitlen(&mut self, tree: &mut Tree, kind: &TreeKind) {
        let max_code = tree.max_code;
        self.bl_count = [0; MAX_BITS + 1];
        let mut overflow = 0i32;
        tree.len[usize::from(self.heap[self.heap_max & SLOT_MASK]) & SLOT_MASK] = 0;
        for h in self.heap_max + 1..HEAP_SIZE {
            let n = usize::from(self.heap[h & SLOT_MASK]) & SLOT_MASK;
            let dad = usize::from(tree.dad[n]) & SLOT_MASK;
            let mut bits = usize::from(tree.len[dad]) + 1;
            if bits > kind.max_length {
                bits = kind.max_length;
                overflow += 1;
            }
            tree.len[n] = bits as u16;
            if n > max_code {
                continue; // not a leaf
            }
            self.bl_count[bits & MAX_BITS] += 1;
            let xbits = if n >= kind.extra_base {
                usize::from(kind.extra_bits[n - kind.extra_base])
            } else {
                0
            };
            let f = i64::from(tree.freq[n]);
            self.opt_len += f * (bits + xbits) as i64;
            if let Some(stree) = kind.static_len {
                self.static_len += f * (usize::from(stree[n]) + xbits) as i64;
            }
        }
        if overflow == 0 {
            return;
        }
        // Rare (long codes on skewed inputs): zlib's repair, verbatim.
        loop {
            let mut bits = kind.max_length - 1;
            while self.bl_count[bits] == 0 {
                bits -= 1;
            }
            self.bl_count[bits] -= 1;
            self.bl_count[bits + 1] += 2;
            self.bl_count[kind.max_length] -= 1;
            overflow -= 2;
            if overflow <= 0 {
                break;
            }
        }
        let mut h = HEAP_SIZE;
        let mut bits = kind.max_length;
        while bits != 0 {
            let mut n = self.bl_count[bits];
            while n != 0 {
                h -= 1;
                let m = usize::from(self.heap[h]);
                if m > max_code {
                    continue;
                }
                if usize::from(tree.len[m]) != bits {
                    self.opt_len +=
                        (bits as i64 - i64::from(tree.len[m])) * i64::from(tree.freq[m]);
                    tree.len[m] = bits as u16;
                }
                n -= 1;
            }
            bits -= 1;
        }
    }

    fn gen_codes(&self, tree: &mut Tree) {
        let mut next_code = [0u16; MAX_BITS + 1];
        let mut code = 0u32;
        for (next, &count) in next_code.iter_mut().skip(1).zip(&self.bl_count) {
            code = (code + u32::from(count)) << 1;
            *next = code as u16;
        }
        for n in 0..=tree.max_code {
            let len = usize::from(tree.len[n & SLOT_MASK]) & MAX_BITS;
            if len == 0 {
                continue;
            }
            // bi_reverse(next_code[len], len)
            tree.code[n & SLOT_MASK] = next_code[len].reverse_bits() >> (16 - len);
            next_code[len] = next_code[len].wrapping_add(1);
        }
    }

    fn build_tree(&mut self, tree: &mut Tree, kind: &TreeKind) {
        let elems = kind.elems;
        let mut max_code: isize = -1;
        self.heap_len = 0;
        self.heap_max = HEAP_SIZE;
        for n in 0..elems {
            if tree.freq[n] != 0 {
                self.heap_len += 1;
                self.heap[self.heap_len] = n as u16;
                max_code = n as isize;
                self.depth[n] = 0;
                self.key[n] = u32::from(tree.freq[n]) << 8;
            } else {
                tree.len[n] = 0;
            }
        }
        // pkzip needs at least one distance code and one bit per code: force two codes.
        while self.heap_len < 2 {
            let node = if max_code < 2 {
                max_code += 1;
                max_code as usize
            } else {
                0
            };
            self.heap_len += 1;
            self.heap[self.heap_len] = node as u16;
            tree.freq[node] = 1;
            self.depth[node] = 0;
            self.key[node] = 1 << 8;
            self.opt_len -= 1;
            if let Some(stree) = kind.static_len {
                self.static_len -= i64::from(stree[node]);
            }
        }
        tree.max_code = max_code as usize;
        let mut n = self.heap_len / 2;
        while n >= 1 {
            self.pqdownheap(n);
            n -= 1;
        }
        let mut node = elems;
        loop {
            // pqremove
            let n = usize::from(self.heap[1]) & SLOT_MASK;
            self.heap[1] = self.heap[self.heap_len & SLOT_MASK];
            self.heap_len -= 1;
            self.pqdownheap(1);
            let m = usize::from(self.heap[1]) & SLOT_MASK;
            self.heap_max -= 1;
            self.heap[self.heap_max & SLOT_MASK] = n as u16;
            self.heap_max -= 1;
            self.heap[self.heap_max & SLOT_MASK] = m as u16;
            let node_slot = node & SLOT_MASK;
            tree.freq[node_slot] = tree.freq[n].wrapping_add(tree.freq[m]);
            self.depth[node_slot] = self.depth[n].max(self.depth[m]) + 1;
            self.key[node_slot] =
                (u32::from(tree.freq[node_slot]) << 8) | u32::from(self.depth[node_slot]);
            tree.dad[n] = node as u16;
            tree.dad[m] = node as u16;
            self.heap[1] = node as u16;
            node += 1;
            self.pqdownheap(1);
            if self.heap_len < 2 {
                break;
            }
        }
        self.heap_max -= 1;
        self.heap[self.heap_max & SLOT_MASK] = self.heap[1];
        self.gen_bitlen(tree, kind);
        self.gen_codes(tree);
    }
}

/// Walks a tree's code lengths as zlib's `scan_tree`/`send_tree` do, calling `emit` with
/// each bit-length symbol run, in order.
///
/// zlib steps element by element; this steps run by run (a run = equal lengths), splitting each
/// run into the same pieces: zeros in pieces of up to 138; a non-zero length in a first piece of
/// up to 7 (after a different length) then pieces of up to 6.
fn walk_tree(tree: &Tree, max_code: usize, mut emit: impl FnMut(Run)) {
    let lens = &tree.len;
    let end = (max_code + 1).min(SLOTS);
    let mut prevlen: i32 = -1;
    let mut n = 0;
    while n < end {
        let curlen = lens[n];
        let mut r = 1;
        while n + r < end && lens[n + r] == curlen {
            r += 1;
        }
        n += r;
        let cur = i32::from(curlen);
        let mut first = true;
        let mut left = r as u32;
        while left > 0 {
            let max_count = if cur == 0 {
                138
            } else if first {
                7
            } else {
                6
            };
            let min_count = if cur == 0 || !first { 3 } else { 4 };
            let count = left.min(max_count);
            left -= count;
            if count < min_count {
                emit(Run::Lengths(cur as usize, count));
            } else if cur != 0 {
                emit(Run::Repeat {
                    len: cur as usize,
                    count,
                    new: cur != prevlen,
                });
            } else if count <= 10 {
                emit(Run::Zeros3To10(count));
            } else {
                emit(Run::Zeros11To138(count));
            }
            prevlen = cur;
            first = false;
        }
    }
}

#[derive(Clone, Copy)]
enum Run {
    /// `count` times the length `len`, sent one by one.
    Lengths(usize, u32),
    /// `len` (sent first when `new`), then REP_3_6 for the rest.
    Repeat {
        len: usize,
        count: u32,
        new: bool,
    },
    Zeros3To10(u32),
    Zeros11To138(u32),
}

/// LSB-first bit writer; the bytes depend only on the bit sequence, so a wider buffer than
/// zlib's 16 bits writes the same stream.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    buf: u64,
    valid: u32,
}

impl Bits<'_> {
    #[inline]
    fn send(&mut self, value: u32, length: u32) {
        self.buf |= u64::from(value) << self.valid;
        self.valid += length;
        if self.valid >= 32 {
            self.out.extend_from_slice(&(self.buf as u32).to_le_bytes());
            self.buf >>= 32;
            self.valid -= 32;
        }
    }

    /// zlib's `bi_windup`: flush, padding the last byte with zeros.
    fn windup(&mut self) {
        while self.valid > 0 {
            self.out.push(self.buf as u8);
            self.buf >>= 8;
            self.valid = self.valid.saturating_sub(8);
        }
        self.buf = 0;
    }
}

/// Chain links, indexed by position (a power of two above `MAX_INPUT`, so masking the index is
/// exact and spares the bounds check).
const PREV_SIZE: usize = 1 << 14;

/// Per-thread buffers, kept between calls: allocating and clearing them costs more than a
/// small deflate.
struct Scratch {
    window: Vec<u8>,
    /// Hash heads tagged with a generation (`generation << 16 | position`), so the table needs
    /// no clearing between calls.
    head: Box<[u32; HASH_SIZE]>,
    generation: u32,
    prev: Box<[u16; PREV_SIZE]>,
    /// Symbols: `distance << 8 | length - 3` for matches, the byte for literals (distance 0).
    syms: Vec<u32>,
    ltree: Tree,
    dtree: Tree,
    bltree: Tree,
    builder: Builder,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            window: Vec::new(),
            head: Box::new([0; HASH_SIZE]),
            generation: 0,
            prev: Box::new([0; PREV_SIZE]),
            syms: Vec::new(),
            ltree: Tree::new(),
            dtree: Tree::new(),
            bltree: Tree::new(),
            builder: Builder::new(),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Option<Box<Scratch>>> = const { RefCell::new(None) };
}

/// Appends `zlib.compress(data)` (level 6) to `out` and returns true, or returns false without
/// writing when `data` is too long for this implementation ([`MAX_INPUT`]).
pub(crate) fn zlib_compress_into(data: &[u8], out: &mut Vec<u8>) -> bool {
    if data.len() > MAX_INPUT {
        return false;
    }
    SCRATCH.with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            // Re-entered on this thread (cannot happen today): use fresh buffers.
            compress(&mut Scratch::new(), data, out);
            return;
        };
        let scratch = slot.get_or_insert_with(|| Box::new(Scratch::new()));
        compress(scratch, data, out);
        // A rare large input should not pin its buffers to the thread.
        if scratch.window.capacity() > 4 * 4096 {
            scratch.window = Vec::new();
            scratch.syms = Vec::new();
        }
    });
    true
}

fn compress(s: &mut Scratch, data: &[u8], out: &mut Vec<u8>) {
    s.window.clear();
    s.window.extend_from_slice(data);
    s.window.resize(data.len() + PADDING, 0);
    s.generation = (s.generation + 1) & 0xffff;
    if s.generation == 0 {
        s.head.fill(0);
        s.generation = 1;
    }
    s.syms.clear();
    // zlib's init_block.
    s.ltree.freq[..L_CODES].fill(0);
    s.dtree.freq[..D_CODES].fill(0);
    s.bltree.freq[..BL_CODES].fill(0);
    s.ltree.freq[END_BLOCK] = 1;
    lz77(s, data.len());
    out.reserve(data.len() / 2 + 64);
    out.extend_from_slice(&[0x78, 0x9c]); // deflate, 32K window, level 6 flags
    let mut bits = Bits {
        out,
        buf: 0,
        valid: 0,
    };
    flush_block(&mut bits, data, s);
    bits.windup();
    out.extend_from_slice(&adler32(data).to_be_bytes());
}

/// zlib's `INSERT_STRING`: hashes the 3 bytes at `pos`, links `pos` into its chain and
/// returns the previous head of the chain (0 = none).
#[inline]
fn insert_string(
    window: &[u8],
    head: &mut [u32; HASH_SIZE],
    prev: &mut [u16; PREV_SIZE],
    generation: u32,
    ins_h: &mut u32,
    pos: usize,
) -> usize {
    *ins_h = ((*ins_h << HASH_SHIFT) ^ u32::from(window[pos + MIN_MATCH - 1])) & HASH_MASK;
    let slot = &mut head[(*ins_h & HASH_MASK) as usize];
    let old = if *slot >> 16 == generation {
        (*slot & 0xffff) as usize
    } else {
        0
    };
    prev[pos & (PREV_SIZE - 1)] = old as u16;
    *slot = (generation << 16) | pos as u32;
    old
}

/// zlib's `deflate_slow` over the whole input at once.
fn lz77(s: &mut Scratch, n: usize) {
    let window = s.window.as_slice();
    let head = &mut *s.head;
    let prev = &mut *s.prev;
    let ltree = &mut s.ltree;
    let dtree = &mut s.dtree;
    let generation = s.generation;
    let syms = &mut s.syms;
    let mut ins_h: u32 = 0;
    if n >= MIN_MATCH {
        ins_h = u32::from(window[0]);
        ins_h = ((ins_h << HASH_SHIFT) ^ u32::from(window[1])) & HASH_MASK;
    }
    let mut strstart = 0usize;
    let mut lookahead = n;
    let mut match_length = MIN_MATCH - 1;
    let mut match_start = 0usize;
    let mut match_available = false;
    while lookahead != 0 {
        let mut hash_head = 0usize;
        if lookahead >= MIN_MATCH {
            hash_head = insert_string(window, head, prev, generation, &mut ins_h, strstart);
        }
        let prev_length = match_length;
        let prev_match = match_start;
        match_length = MIN_MATCH - 1;
        if hash_head != 0 && prev_length < MAX_LAZY {
            // (`strstart - hash_head <= MAX_DIST` always holds below MAX_INPUT.)
            match_length = longest_match(
                window,
                prev,
                strstart,
                hash_head,
                prev_length,
                lookahead,
                &mut match_start,
            );
            if match_length == MIN_MATCH && strstart - match_start > TOO_FAR {
                match_length = MIN_MATCH - 1;
            }
        }
        if prev_length >= MIN_MATCH && match_length <= prev_length {
            let max_insert = strstart + lookahead - MIN_MATCH;
            let dist = strstart - 1 - prev_match;
            let lc = prev_length - MIN_MATCH;
            syms.push(((dist as u32) << 8) | lc as u32);
            ltree.freq[usize::from(TABLES.length_code[lc]) + LITERALS + 1] += 1;
            dtree.freq[d_code(dist - 1)] += 1;
            lookahead -= prev_length - 1;
            for _ in 0..prev_length - 2 {
                strstart += 1;
                if strstart <= max_insert {
                    insert_string(window, head, prev, generation, &mut ins_h, strstart);
                }
            }
            match_available = false;
            match_length = MIN_MATCH - 1;
            strstart += 1;
        } else if match_available {
            let c = window[strstart - 1];
            syms.push(u32::from(c));
            ltree.freq[usize::from(c)] += 1;
            strstart += 1;
            lookahead -= 1;
        } else {
            match_available = true;
            strstart += 1;
            lookahead -= 1;
        }
    }
    if match_available {
        let c = window[strstart - 1];
        syms.push(u32::from(c));
        ltree.freq[usize::from(c)] += 1;
    }
}

/// zlib's `longest_match`: the first longest match along the hash chain, read past the input
/// into the zero padding exactly as zlib reads into its zeroed window, capped at `lookahead`.
#[inline]
fn longest_match(
    window: &[u8],
    prev: &[u16; PREV_SIZE],
    strstart: usize,
    mut cur_match: usize,
    prev_length: usize,
    lookahead: usize,
    match_start: &mut usize,
) -> usize {
    let mut chain_length = if prev_length >= GOOD_MATCH {
        MAX_CHAIN >> 2
    } else {
        MAX_CHAIN
    };
    let nice_match = NICE_MATCH.min(lookahead);
    let mut best_len = prev_length;
    let scan = &window[strstart..strstart + MAX_MATCH + 8];
    loop {
        let candidate = &window[cur_match..cur_match + MAX_MATCH + 8];
        // zlib's quick rejection: a candidate that differs at `best_len` cannot be longer.
        if candidate[best_len] == scan[best_len]
            && candidate[best_len - 1] == scan[best_len - 1]
            && candidate[0] == scan[0]
            && candidate[1] == scan[1]
        {
            // zlib compares from the fourth byte on: the third is equal whenever the first two
            // are and the hashes are.
            let len = (MIN_MATCH + common_prefix(&scan[MIN_MATCH..], &candidate[MIN_MATCH..]))
                .min(MAX_MATCH);
            if len > best_len {
                *match_start = cur_match;
                best_len = len;
                if len >= nice_match {
                    break;
                }
            }
        }
        cur_match = usize::from(prev[cur_match & (PREV_SIZE - 1)]);
        chain_length -= 1;
        if cur_match == 0 || chain_length == 0 {
            break;
        }
    }
    best_len.min(lookahead)
}

/// Length of the common prefix of `a` and `b` (at most the shorter length rounded down to
/// 8), 8 bytes at a time.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut i = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let x = u64::from_le_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        let y = u64::from_le_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]);
        let diff = x ^ y;
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// zlib's `_tr_flush_block` for the last (and only) block.
fn flush_block(bits: &mut Bits<'_>, data: &[u8], s: &mut Scratch) {
    let b = &mut s.builder;
    b.opt_len = 0;
    b.static_len = 0;
    b.build_tree(&mut s.ltree, &L_KIND);
    b.build_tree(&mut s.dtree, &D_KIND);
    let (lmax, dmax) = (s.ltree.max_code, s.dtree.max_code);
    for_runs(&s.ltree, lmax, &mut s.bltree);
    for_runs(&s.dtree, dmax, &mut s.bltree);
    b.build_tree(&mut s.bltree, &BL_KIND);
    let bltree = &s.bltree;
    let mut max_blindex = BL_CODES - 1;
    while max_blindex >= 3 && bltree.len[usize::from(BL_ORDER[max_blindex])] == 0 {
        max_blindex -= 1;
    }
    b.opt_len += 3 * (max_blindex as i64 + 1) + 5 + 5 + 4;
    let mut opt_lenb = (b.opt_len + 3 + 7) >> 3;
    let static_lenb = (b.static_len + 3 + 7) >> 3;
    if static_lenb <= opt_lenb {
        opt_lenb = static_lenb;
    }
    let stored_len = data.len() as i64;
    if stored_len + 4 <= opt_lenb {
        bits.send(1, 3); // stored, last
        bits.windup();
        let len = data.len() as u16;
        bits.out.extend_from_slice(&len.to_le_bytes());
        bits.out.extend_from_slice(&(!len).to_le_bytes());
        bits.out.extend_from_slice(data);
    } else if static_lenb == opt_lenb {
        bits.send((1 << 1) + 1, 3);
        compress_block(
            bits,
            &s.syms,
            &TABLES.static_ltree_code,
            &TABLES.static_ltree_len16,
            &TABLES.static_dtree_code,
            &[5; D_CODES],
        );
    } else {
        bits.send((2 << 1) + 1, 3);
        let (lcodes, dcodes, blcodes) = (lmax + 1, dmax + 1, max_blindex + 1);
        bits.send(lcodes as u32 - 257, 5);
        bits.send(dcodes as u32 - 1, 5);
        bits.send(blcodes as u32 - 4, 4);
        for &rank in BL_ORDER.iter().take(blcodes) {
            bits.send(u32::from(bltree.len[usize::from(rank)]), 3);
        }
        send_tree(bits, &s.ltree, lcodes - 1, bltree);
        send_tree(bits, &s.dtree, dcodes - 1, bltree);
        compress_block(
            bits,
            &s.syms,
            &s.ltree.code,
            &s.ltree.len,
            &s.dtree.code,
            &s.dtree.len,
        );
    }
}

fn for_runs(tree: &Tree, max_code: usize, bl: &mut Tree) {
    walk_tree(tree, max_code, |run| match run {
        Run::Lengths(len, count) => bl.freq[len] += count as u16,
        Run::Repeat { len, new, .. } => {
            if new {
                bl.freq[len] += 1;
            }
            bl.freq[REP_3_6] += 1;
        }
        Run::Zeros3To10(_) => bl.freq[REPZ_3_10] += 1,
        Run::Zeros11To138(_) => bl.freq[REPZ_11_138] += 1,
    });
}

fn send_tree(bits: &mut Bits<'_>, tree: &Tree, max_code: usize, bl: &Tree) {
    let code = |bits: &mut Bits<'_>, c: usize| {
        bits.send(u32::from(bl.code[c]), u32::from(bl.len[c]));
    };
    walk_tree(tree, max_code, |run| match run {
        Run::Lengths(len, count) => {
            for _ in 0..count {
                code(bits, len);
            }
        }
        Run::Repeat { len, count, new } => {
            let mut count = count;
            if new {
                code(bits, len);
                count -= 1;
            }
            code(bits, REP_3_6);
            bits.send(count - 3, 2);
        }
        Run::Zeros3To10(count) => {
            code(bits, REPZ_3_10);
            bits.send(count - 3, 3);
        }
        Run::Zeros11To138(count) => {
            code(bits, REPZ_11_138);
            bits.send(count - 11, 7);
        }
    });
}

fn compress_block(
    bits: &mut Bits<'_>,
    syms: &[u32],
    lcode: &[u16],
    llen: &[u16],
    dcode: &[u16],
    dlen: &[u16],
) {
    for &sym in syms {
        let dist = (sym >> 8) as usize;
        let lc = (sym & 0xff) as usize;
        if dist == 0 {
            bits.send(u32::from(lcode[lc]), u32::from(llen[lc]));
        } else {
            let code = usize::from(TABLES.length_code[lc]);
            let l = code + LITERALS + 1;
            bits.send(u32::from(lcode[l]), u32::from(llen[l]));
            let extra = u32::from(EXTRA_LBITS[code]);
            if extra != 0 {
                bits.send((lc - usize::from(TABLES.base_length[code])) as u32, extra);
            }
            let dist = dist - 1;
            let code = d_code(dist);
            bits.send(u32::from(dcode[code]), u32::from(dlen[code]));
            let extra = u32::from(EXTRA_DBITS[code]);
            if extra != 0 {
                bits.send((dist - usize::from(TABLES.base_dist[code])) as u32, extra);
            }
        }
    }
    bits.send(u32::from(lcode[END_BLOCK]), u32::from(llen[END_BLOCK]));
}

fn adler32(data: &[u8]) -> u32 {
    const BASE: u32 = 65521;
    // 5552 bytes keep the sums below 2^32 before the modulo (zlib's NMAX).
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= BASE;
        b %= BASE;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn c_zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn ours(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(zlib_compress_into(data, &mut out));
        out
    }

    #[test]
    fn matches_c_zlib_on_edge_cases() {
        let mut cases: Vec<Vec<u8>> = vec![
            vec![],
            b"a".to_vec(),
            b"ab".to_vec(),
            b"abc".to_vec(),
            b"aaaa".to_vec(),
            vec![0; 1000],
            vec![0; MAX_INPUT],
            (0..=255u8).collect(),
            (0..MAX_INPUT).map(|i| (i * 7919 % 251) as u8).collect(),
            br#"{"user_id":42,"csrf_token":"1fadc45dfe67a90d22e83e7dc3c603579df4caec","_fresh":true,"_permanent":true}"#.to_vec(),
        ];
        // Distances past TOO_FAR, long runs, and matches that end at the input's end.
        let mut far = b"xyz".to_vec();
        far.extend((0..5000).map(|i| (i % 200) as u8 + 30));
        far.extend_from_slice(b"xyz");
        cases.push(far);
        let mut tail = b"0123456789".repeat(30);
        tail.extend_from_slice(b"0123456789\0\0\0");
        cases.push(tail);
        for data in &cases {
            assert_eq!(ours(data), c_zlib(data), "input of {} bytes", data.len());
        }
        assert!(!zlib_compress_into(
            &vec![0; MAX_INPUT + 1],
            &mut Vec::new()
        ));
    }

    #[test]
    fn matches_c_zlib_on_pseudo_random_json_like_inputs() {
        // A deterministic generator (xorshift) over a small alphabet gives long and short
        // matches, lazy decisions, dynamic and static blocks.
        let mut state = 0x9e3779b97f4a7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let words: [&[u8]; 8] = [
            b"\"user_id\":",
            b"\"csrf_token\":\"",
            b"true,",
            b"false",
            b"{\"sku\":\"SKU-00",
            b"},",
            b"\\u00e9",
            b"\x00\x01\xff",
        ];
        for round in 0..3000 {
            let target = (next() % 4000) as usize + round % 7;
            let mut data = Vec::with_capacity(target);
            while data.len() < target {
                let r = next();
                if r % 3 == 0 {
                    data.extend_from_slice(words[(r >> 8) as usize % words.len()]);
                } else {
                    data.push(b"0123456789abcdef"[(r >> 16) as usize % 16]);
                }
            }
            assert_eq!(
                ours(&data),
                c_zlib(&data),
                "round {round}, {} bytes",
                data.len()
            );
        }
    }

    proptest! {
        #[test]
        fn matches_c_zlib_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            prop_assert_eq!(ours(&data), c_zlib(&data));
        }

        #[test]
        fn matches_c_zlib_on_low_entropy_bytes(data in proptest::collection::vec(0u8..4, 0..9000)) {
            prop_assert_eq!(ours(&data), c_zlib(&data));
        }
    }
}
