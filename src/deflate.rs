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

/// One Huffman tree (zlib's `ct_data` array and `tree_desc`): `freq` doubles as `code` and
/// `dad` as `len` in zlib; separate fields give the same results here.
struct Tree<const N: usize> {
    freq: [u16; N],
    code: [u16; N],
    dad: [u16; N],
    len: [u16; N],
    max_code: usize,
}

impl<const N: usize> Tree<N> {
    fn new() -> Self {
        Tree {
            freq: [0; N],
            code: [0; N],
            dad: [0; N],
            len: [0; N],
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
    heap: [usize; HEAP_SIZE],
    heap_len: usize,
    heap_max: usize,
    depth: [u8; HEAP_SIZE],
    bl_count: [u16; MAX_BITS + 1],
    opt_len: i64,
    static_len: i64,
}

impl Builder {
    fn smaller<const N: usize>(&self, tree: &Tree<N>, n: usize, m: usize) -> bool {
        tree.freq[n] < tree.freq[m] || (tree.freq[n] == tree.freq[m] && self.depth[n] <= self.depth[m])
    }

    fn pqdownheap<const N: usize>(&mut self, tree: &Tree<N>, mut k: usize) {
        let v = self.heap[k];
        let mut j = k << 1;
        while j <= self.heap_len {
            if j < self.heap_len && self.smaller(tree, self.heap[j + 1], self.heap[j]) {
                j += 1;
            }
            if self.smaller(tree, v, self.heap[j]) {
                break;
            }
            self.heap[k] = self.heap[j];
            k = j;
            j <<= 1;
        }
        self.heap[k] = v;
    }

    fn gen_bitlen<const N: usize>(&mut self, tree: &mut Tree<N>, kind: &TreeKind) {
        let max_code = tree.max_code;
        self.bl_count = [0; MAX_BITS + 1];
        let mut overflow = 0i32;
        tree.len[self.heap[self.heap_max]] = 0;
        let mut h = self.heap_max + 1;
        while h < HEAP_SIZE {
            let n = self.heap[h];
            let mut bits = usize::from(tree.len[usize::from(tree.dad[n])]) + 1;
            if bits > kind.max_length {
                bits = kind.max_length;
                overflow += 1;
            }
            tree.len[n] = bits as u16;
            h += 1;
            if n > max_code {
                continue; // not a leaf
            }
            self.bl_count[bits] += 1;
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
                let m = self.heap[h];
                if m > max_code {
                    continue;
                }
                if usize::from(tree.len[m]) != bits {
                    self.opt_len += (bits as i64 - i64::from(tree.len[m])) * i64::from(tree.freq[m]);
                    tree.len[m] = bits as u16;
                }
                n -= 1;
            }
            bits -= 1;
        }
    }

    fn gen_codes<const N: usize>(&self, tree: &mut Tree<N>) {
        let mut next_code = [0u16; MAX_BITS + 1];
        let mut code = 0u32;
        for bits in 1..=MAX_BITS {
            code = (code + u32::from(self.bl_count[bits - 1])) << 1;
            next_code[bits] = code as u16;
        }
        for n in 0..=tree.max_code {
            let len = usize::from(tree.len[n]);
            if len == 0 {
                continue;
            }
            tree.code[n] = bi_reverse(u32::from(next_code[len]), len as u32) as u16;
            next_code[len] = next_code[len].wrapping_add(1);
        }
    }

    fn build_tree<const N: usize>(&mut self, tree: &mut Tree<N>, kind: &TreeKind) {
        let elems = kind.elems;
        let mut max_code: isize = -1;
        self.heap_len = 0;
        self.heap_max = HEAP_SIZE;
        for n in 0..elems {
            if tree.freq[n] != 0 {
                self.heap_len += 1;
                self.heap[self.heap_len] = n;
                max_code = n as isize;
                self.depth[n] = 0;
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
            self.heap[self.heap_len] = node;
            tree.freq[node] = 1;
            self.depth[node] = 0;
            self.opt_len -= 1;
            if let Some(stree) = kind.static_len {
                self.static_len -= i64::from(stree[node]);
            }
        }
        tree.max_code = max_code as usize;
        let mut n = self.heap_len / 2;
        while n >= 1 {
            self.pqdownheap(tree, n);
            n -= 1;
        }
        let mut node = elems;
        loop {
            // pqremove
            let n = self.heap[1];
            self.heap[1] = self.heap[self.heap_len];
            self.heap_len -= 1;
            self.pqdownheap(tree, 1);
            let m = self.heap[1];
            self.heap_max -= 1;
            self.heap[self.heap_max] = n;
            self.heap_max -= 1;
            self.heap[self.heap_max] = m;
            tree.freq[node] = tree.freq[n].wrapping_add(tree.freq[m]);
            self.depth[node] = self.depth[n].max(self.depth[m]) + 1;
            tree.dad[n] = node as u16;
            tree.dad[m] = node as u16;
            self.heap[1] = node;
            node += 1;
            self.pqdownheap(tree, 1);
            if self.heap_len < 2 {
                break;
            }
        }
        self.heap_max -= 1;
        self.heap[self.heap_max] = self.heap[1];
        self.gen_bitlen(tree, kind);
        self.gen_codes(tree);
    }
}

/// Walks a tree's code lengths as zlib's `scan_tree`/`send_tree` do, calling `emit` with
/// (bit-length symbol, repeat count) for each run.
fn walk_tree<const N: usize>(tree: &mut Tree<N>, max_code: usize, mut emit: impl FnMut(Run)) {
    let mut prevlen: i32 = -1;
    let mut nextlen = i32::from(tree.len[0]);
    let mut count = 0;
    let (mut max_count, mut min_count) = if nextlen == 0 { (138, 3) } else { (7, 4) };
    tree.len[max_code + 1] = 0xffff; // guard
    for n in 0..=max_code {
        let curlen = nextlen;
        nextlen = i32::from(tree.len[n + 1]);
        count += 1;
        if count < max_count && curlen == nextlen {
            continue;
        } else if count < min_count {
            emit(Run::Lengths(curlen as usize, count));
        } else if curlen != 0 {
            emit(Run::Repeat {
                len: curlen as usize,
                count,
                new: curlen != prevlen,
            });
        } else if count <= 10 {
            emit(Run::Zeros3To10(count));
        } else {
            emit(Run::Zeros11To138(count));
        }
        count = 0;
        prevlen = curlen;
        (max_count, min_count) = if nextlen == 0 {
            (138, 3)
        } else if curlen == nextlen {
            (6, 3)
        } else {
            (7, 4)
        };
    }
}

#[derive(Clone, Copy)]
enum Run {
    /// `count` times the length `len`, sent one by one.
    Lengths(usize, u32),
    /// `len` (sent first when `new`), then REP_3_6 for the rest.
    Repeat { len: usize, count: u32, new: bool },
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

/// Per-thread buffers, kept between calls: allocating them costs more than a small deflate.
struct Scratch {
    window: Vec<u8>,
    /// Hash heads tagged with a generation (`generation << 16 | position`), so the table needs
    /// no clearing between calls.
    head: Box<[u32]>,
    generation: u32,
    prev: Box<[u16]>,
    /// Symbols: `distance << 8 | length - 3` for matches, the byte for literals (distance 0).
    syms: Vec<u32>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            window: Vec::new(),
            head: vec![0; HASH_SIZE].into_boxed_slice(),
            generation: 0,
            prev: vec![0; MAX_INPUT].into_boxed_slice(),
            syms: Vec::new(),
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
    let mut ltree: Tree<HEAP_SIZE> = Tree::new();
    let mut dtree: Tree<{ 2 * D_CODES + 1 }> = Tree::new();
    ltree.freq[END_BLOCK] = 1;
    lz77(s, data.len(), &mut ltree, &mut dtree);
    out.reserve(data.len() / 2 + 64);
    out.extend_from_slice(&[0x78, 0x9c]); // deflate, 32K window, level 6 flags
    let mut bits = Bits {
        out,
        buf: 0,
        valid: 0,
    };
    flush_block(&mut bits, data, &s.syms, &mut ltree, &mut dtree);
    bits.windup();
    out.extend_from_slice(&adler32(data).to_be_bytes());
}

/// zlib's `INSERT_STRING`: hashes the 3 bytes at `pos`, links `pos` into its chain and
/// returns the previous head of the chain (0 = none).
#[inline]
fn insert_string(
    window: &[u8],
    head: &mut [u32],
    prev: &mut [u16],
    generation: u32,
    ins_h: &mut u32,
    pos: usize,
) -> usize {
    *ins_h = ((*ins_h << HASH_SHIFT) ^ u32::from(window[pos + MIN_MATCH - 1])) & HASH_MASK;
    let slot = &mut head[*ins_h as usize];
    let old = if *slot >> 16 == generation {
        (*slot & 0xffff) as usize
    } else {
        0
    };
    prev[pos] = old as u16;
    *slot = (generation << 16) | pos as u32;
    old
}

/// zlib's `deflate_slow` over the whole input at once.
fn lz77(
    s: &mut Scratch,
    n: usize,
    ltree: &mut Tree<HEAP_SIZE>,
    dtree: &mut Tree<{ 2 * D_CODES + 1 }>,
) {
    let window = s.window.as_slice();
    let head = &mut s.head[..];
    let prev = &mut s.prev[..];
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
    prev: &[u16],
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
        cur_match = usize::from(prev[cur_match]);
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

/// zlib's `_tr_flush_block` for the last (and only) block, then `init_block` is not needed.
fn flush_block(
    bits: &mut Bits<'_>,
    data: &[u8],
    syms: &[u32],
    ltree: &mut Tree<HEAP_SIZE>,
    dtree: &mut Tree<{ 2 * D_CODES + 1 }>,
) {
    let mut b = Builder {
        heap: [0; HEAP_SIZE],
        heap_len: 0,
        heap_max: 0,
        depth: [0; HEAP_SIZE],
        bl_count: [0; MAX_BITS + 1],
        opt_len: 0,
        static_len: 0,
    };
    b.build_tree(ltree, &L_KIND);
    b.build_tree(dtree, &D_KIND);
    let mut bltree: Tree<{ 2 * BL_CODES + 1 }> = Tree::new();
    let (lmax, dmax) = (ltree.max_code, dtree.max_code);
    for_runs(ltree, lmax, &mut bltree);
    for_runs(dtree, dmax, &mut bltree);
    b.build_tree(&mut bltree, &BL_KIND);
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
            syms,
            &TABLES.static_ltree_code,
            &TABLES.static_ltree_len,
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
        send_tree(bits, ltree, lcodes - 1, &bltree);
        send_tree(bits, dtree, dcodes - 1, &bltree);
        let mut llen = [0u8; L_CODES + 2];
        let mut lcode = [0u16; L_CODES + 2];
        for i in 0..=lmax {
            llen[i] = ltree.len[i] as u8;
            lcode[i] = ltree.code[i];
        }
        let mut dlen = [0u8; D_CODES];
        let mut dcode = [0u16; D_CODES];
        for i in 0..=dmax.min(D_CODES - 1) {
            dlen[i] = dtree.len[i] as u8;
            dcode[i] = dtree.code[i];
        }
        compress_block(bits, syms, &lcode, &llen, &dcode, &dlen);
    }
}

fn for_runs<const N: usize>(tree: &mut Tree<N>, max_code: usize, bl: &mut Tree<{ 2 * BL_CODES + 1 }>) {
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

fn send_tree<const N: usize>(
    bits: &mut Bits<'_>,
    tree: &mut Tree<N>,
    max_code: usize,
    bl: &Tree<{ 2 * BL_CODES + 1 }>,
) {
    let mut code = |bits: &mut Bits<'_>, c: usize| {
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
    lcode: &[u16; L_CODES + 2],
    llen: &[u8; L_CODES + 2],
    dcode: &[u16; D_CODES],
    dlen: &[u8; D_CODES],
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
        assert!(!zlib_compress_into(&vec![0; MAX_INPUT + 1], &mut Vec::new()));
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
            assert_eq!(ours(&data), c_zlib(&data), "round {round}, {} bytes", data.len());
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
