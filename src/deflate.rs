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

use crate::adler32::adler32;
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
    // zlib leaves base_length[28] at 0, harmless there as code 285 has no extra bits; here the
    // extra value is sent unmasked with the code, so it must be 0: 258 - 3.
    t.base_length[LENGTH_CODES - 1] = (MAX_MATCH - MIN_MATCH) as u16;
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

static TABLES: Tables = TABLES_CONST;

fn d_code(dist: usize) -> usize {
    // `dist` is the distance minus one, below 32768.
    let i = if dist < 256 { dist } else { 256 + (dist >> 7) };
    usize::from(TABLES.dist_code[i & 511])
}

/// Node slots per tree array: a power of two above `HEAP_SIZE`, so that indexes masked with
/// `SLOTS - 1` need no bounds check (every real index is below `HEAP_SIZE`).
const SLOTS: usize = 1024;
const SLOT_MASK: usize = SLOTS - 1;

/// One Huffman tree (zlib's `ct_data` array and `tree_desc`).
struct Tree {
    /// Symbol frequencies. zlib also keeps internal nodes' frequencies here; this port keeps
    /// them in the heap entries, so internal nodes' slots stay 0 (`gen_bitlen` relies on it).
    freq: [u16; SLOTS],
    dad: [u16; SLOTS],
    len: [u16; SLOTS],
    /// Each symbol's code as [`Bits::send`] takes it: `length << 16 | bit-reversed code`.
    code: [u32; SLOTS],
    max_code: usize,
}

impl Tree {
    fn new() -> Self {
        Tree {
            freq: [0; SLOTS],
            dad: [0; SLOTS],
            len: [0; SLOTS],
            code: [0; SLOTS],
            max_code: 0,
        }
    }
}

/// `length << 16 | code`, the form of [`Tree::code`].
const fn packed_code(code: u32, len: u32) -> u32 {
    (len << 16) | code
}

/// Copies `src` to `offset..` of a node-indexed table, zero elsewhere (internal nodes too).
const fn per_node<const N: usize>(src: &[u8; N], offset: usize) -> [u8; SLOTS] {
    let mut t = [0; SLOTS];
    let mut i = 0;
    while i < N {
        t[offset + i] = src[i];
        i += 1;
    }
    t
}

const fn static_codes(code: &[u16], len: &[u8]) -> [u32; SLOTS] {
    let mut t = [0; SLOTS];
    let mut i = 0;
    while i < code.len() {
        t[i] = packed_code(code[i] as u32, len[i] as u32);
        i += 1;
    }
    t
}

const TABLES_CONST: Tables = make_tables();
/// zlib's `static_dtree`: every distance code is 5 bits long.
const STATIC_DTREE_LEN: [u8; D_CODES] = [5; D_CODES];
static STATIC_LCODES: [u32; SLOTS] = static_codes(
    &TABLES_CONST.static_ltree_code,
    &TABLES_CONST.static_ltree_len,
);
static STATIC_DCODES: [u32; SLOTS] =
    static_codes(&TABLES_CONST.static_dtree_code, &STATIC_DTREE_LEN);

/// What `build_tree` needs from zlib's `static_tree_desc`, as tables indexed by node (0 for
/// internal nodes), so that `gen_bitlen` needs no test per node.
struct TreeKind {
    elems: usize,
    max_length: u16,
    extra_bits: &'static [u8; SLOTS],
    /// Each symbol's length in the static tree (all 0 for the bit-length tree).
    static_len: &'static [u8; SLOTS],
    /// Whether there is a static tree (zlib's `stree != NULL`), so `static_len` counts.
    has_static: bool,
}

static L_EXTRA: [u8; SLOTS] = per_node(&EXTRA_LBITS, LITERALS + 1);
static D_EXTRA: [u8; SLOTS] = per_node(&EXTRA_DBITS, 0);
static BL_EXTRA: [u8; SLOTS] = per_node(&EXTRA_BLBITS, 0);
static L_STATIC_LEN: [u8; SLOTS] = per_node(&TABLES_CONST.static_ltree_len, 0);
static D_STATIC_LEN: [u8; SLOTS] = per_node(&STATIC_DTREE_LEN, 0);
static NO_STATIC_LEN: [u8; SLOTS] = [0; SLOTS];

const L_KIND: TreeKind = TreeKind {
    elems: L_CODES,
    max_length: MAX_BITS as u16,
    extra_bits: &L_EXTRA,
    static_len: &L_STATIC_LEN,
    has_static: true,
};
const D_KIND: TreeKind = TreeKind {
    elems: D_CODES,
    max_length: MAX_BITS as u16,
    extra_bits: &D_EXTRA,
    static_len: &D_STATIC_LEN,
    has_static: true,
};
const BL_KIND: TreeKind = TreeKind {
    elems: BL_CODES,
    max_length: MAX_BL_BITS as u16,
    extra_bits: &BL_EXTRA,
    static_len: &NO_STATIC_LEN,
    has_static: false,
};

/// A heap entry: zlib's `smaller` key, `frequency << 16 | depth`, above the node number.
/// Entries compare by key alone ([`key`]), as zlib's `smaller` does, so ties fall exactly as in
/// zlib; carrying the key in the entry spares zlib's `tree[n].Freq`/`depth[n]` lookups.
const fn heap_entry(freq: u64, depth: u64, node: usize) -> u64 {
    (freq << 32) | (depth << 16) | node as u64
}

#[inline]
fn key(entry: u64) -> u64 {
    entry >> 16
}

#[inline]
fn node_of(entry: u64) -> usize {
    (entry & 0xffff) as usize & SLOT_MASK
}

/// Kept just past the heap's last entry: above every real key, so `pqdownheap` never takes it
/// for the smaller child, and needs no `j < heap_len` test.
const SENTINEL: u64 = u64::MAX;

/// The tree-building state zlib keeps in `deflate_state`.
struct Builder {
    /// The heap, from index 1 (zlib's `heap[1..=heap_len]`).
    heap: [u64; SLOTS],
    heap_len: usize,
    /// Nodes in order of removal from the heap, filled downwards from `HEAP_SIZE` (zlib keeps
    /// them at the top of its `heap` array).
    order: [u16; SLOTS],
    heap_max: usize,
    /// The tree's symbols that occur, in increasing order.
    leaves: [u16; SLOTS],
    leaves_len: usize,
    bl_count: [u16; MAX_BITS + 1],
    opt_len: i64,
    static_len: i64,
}

impl Builder {
    fn new() -> Self {
        Builder {
            heap: [0; SLOTS],
            heap_len: 0,
            order: [0; SLOTS],
            heap_max: 0,
            leaves: [0; SLOTS],
            leaves_len: 0,
            bl_count: [0; MAX_BITS + 1],
            opt_len: 0,
            static_len: 0,
        }
    }

    /// zlib's `pqdownheap`.
    #[inline]
    fn pqdownheap(&mut self, mut k: usize) {
        let heap = &mut self.heap;
        let v = heap[k & SLOT_MASK];
        let v_key = key(v);
        let mut j = k << 1;
        while j <= self.heap_len {
            let left = heap[j & SLOT_MASK];
            let right = heap[(j + 1) & SLOT_MASK];
            // zlib's `smaller(right, left)`: ties go right. (The sentinel never wins.) Chosen
            // without a branch: which child is smaller is data-dependent, so a branch here
            // mispredicts about half the time.
            let go_right = key(right) <= key(left);
            j += usize::from(go_right);
            let child = if go_right { right } else { left };
            if v_key <= key(child) {
                break;
            }
            heap[k & SLOT_MASK] = child;
            k = j;
            j <<= 1;
        }
        heap[k & SLOT_MASK] = v;
    }

    fn gen_bitlen(&mut self, tree: &mut Tree, kind: &TreeKind) {
        // Leaves are counted in `bl_count[1..]`, internal nodes in `bl_count[0]` (then zeroed):
        // no test per node. Internal nodes also have frequency 0, so they add nothing to the
        // lengths (zlib skips them with `if (n > max_code) continue`).
        let mut bl_count = [0u16; MAX_BITS + 1];
        let mut overflow = 0i32;
        let (mut opt_len, mut static_len) = (0i64, 0i64);
        tree.len[usize::from(self.order[self.heap_max & SLOT_MASK]) & SLOT_MASK] = 0;
        for h in self.heap_max + 1..HEAP_SIZE {
            let n = usize::from(self.order[h & SLOT_MASK]) & SLOT_MASK;
            let dad = usize::from(tree.dad[n]) & SLOT_MASK;
            let mut bits = tree.len[dad] + 1;
            if bits > kind.max_length {
                bits = kind.max_length;
                overflow += 1;
            }
            tree.len[n] = bits;
            let is_leaf = n < kind.elems;
            bl_count[if is_leaf {
                usize::from(bits) & MAX_BITS
            } else {
                0
            }] += 1;
            let f = i64::from(tree.freq[n]);
            let xbits = i64::from(kind.extra_bits[n]);
            opt_len += f * (i64::from(bits) + xbits);
            static_len += f * (i64::from(kind.static_len[n]) + xbits);
        }
        bl_count[0] = 0;
        self.bl_count = bl_count;
        self.opt_len += opt_len;
        if kind.has_static {
            self.static_len += static_len;
        }
        if overflow == 0 {
            return;
        }
        // Rare (long codes on skewed inputs): zlib's repair, verbatim.
        let max_length = usize::from(kind.max_length);
        let max_code = tree.max_code;
        loop {
            let mut bits = max_length - 1;
            while self.bl_count[bits] == 0 {
                bits -= 1;
            }
            self.bl_count[bits] -= 1;
            self.bl_count[bits + 1] += 2;
            self.bl_count[max_length] -= 1;
            overflow -= 2;
            if overflow <= 0 {
                break;
            }
        }
        let mut h = HEAP_SIZE;
        let mut bits = max_length;
        while bits != 0 {
            let mut n = self.bl_count[bits];
            while n != 0 {
                h -= 1;
                let m = usize::from(self.order[h]) & SLOT_MASK;
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

    /// zlib's `gen_codes`.
    fn gen_codes(&self, tree: &mut Tree) {
        let mut next_code = [0u16; MAX_BITS + 1];
        let mut code = 0u32;
        for (next, &count) in next_code.iter_mut().skip(1).zip(&self.bl_count) {
            code = (code + u32::from(count)) << 1;
            *next = code as u16;
        }
        // Codes go to symbols in increasing order within each length; unused symbols (length
        // 0) get none, so only the leaves need visiting.
        for &n in &self.leaves[..self.leaves_len] {
            let n = usize::from(n) & SLOT_MASK;
            let len = usize::from(tree.len[n]) & MAX_BITS;
            let next = next_code[len];
            next_code[len] = next.wrapping_add(1);
            // bi_reverse(next, len)
            let reversed = (u32::from(next).reverse_bits() >> 1) >> (31 - len);
            tree.code[n] = packed_code(reversed, len as u32);
        }
    }

    /// zlib's `build_tree`: the same heap operations in the same order, so that equal keys are
    /// broken exactly as zlib breaks them.
    fn build_tree(&mut self, tree: &mut Tree, kind: &TreeKind) {
        let elems = kind.elems;
        let mut max_code: isize = -1;
        let mut heap_len = 0;
        tree.len[..elems].fill(0);
        // Each symbol is written to the next free slot, kept only if the symbol occurs: no
        // branch per symbol (which ones occur is too irregular to predict), one per 4 symbols
        // to skip the long runs of unused ones.
        for (base, chunk) in (0..).step_by(4).zip(tree.freq[..elems].chunks(4)) {
            if chunk.iter().all(|&f| f == 0) {
                continue;
            }
            for (n, &f) in (base..).zip(chunk) {
                self.heap[(heap_len + 1) & SLOT_MASK] = heap_entry(u64::from(f), 0, n);
                let used = f != 0;
                heap_len += usize::from(used);
                max_code = if used { n as isize } else { max_code };
            }
        }
        let mut forced = false;
        // pkzip needs at least one distance code and one bit per code: force two codes.
        while heap_len < 2 {
            forced = true;
            let node = if max_code < 2 {
                max_code += 1;
                max_code as usize
            } else {
                0
            };
            heap_len += 1;
            self.heap[heap_len] = heap_entry(1, 0, node);
            tree.freq[node] = 1;
            self.opt_len -= 1;
            self.static_len -= i64::from(kind.static_len[node]);
        }
        // The leaves in increasing order, for gen_codes.
        self.leaves_len = heap_len;
        for (leaf, &entry) in self.leaves.iter_mut().zip(&self.heap[1..=heap_len]) {
            *leaf = node_of(entry) as u16;
        }
        if forced {
            self.leaves[..heap_len].sort_unstable();
        }
        self.heap_len = heap_len;
        self.heap[(heap_len + 1) & SLOT_MASK] = SENTINEL;
        self.heap_max = HEAP_SIZE;
        tree.max_code = max_code as usize;
        let mut n = self.heap_len / 2;
        while n >= 1 {
            self.pqdownheap(n);
            n -= 1;
        }
        let mut node = elems;
        loop {
            // pqremove
            let first = self.heap[1];
            self.heap[1] = self.heap[self.heap_len & SLOT_MASK];
            self.heap[self.heap_len & SLOT_MASK] = SENTINEL;
            self.heap_len -= 1;
            self.pqdownheap(1);
            let second = self.heap[1];
            let (n, m) = (node_of(first), node_of(second));
            self.heap_max -= 1;
            self.order[self.heap_max & SLOT_MASK] = n as u16;
            self.heap_max -= 1;
            self.order[self.heap_max & SLOT_MASK] = m as u16;
            // zlib's sum is an `ush` and its depth an `uch`: neither can wrap here (the
            // frequencies add up to at most MAX_INPUT + 2, so the tree is far from 255 deep).
            let freq = (first >> 32) + (second >> 32);
            let depth = ((first >> 16) & 0xffff).max((second >> 16) & 0xffff) + 1;
            tree.dad[n] = node as u16;
            tree.dad[m] = node as u16;
            self.heap[1] = heap_entry(freq, depth, node);
            node += 1;
            self.pqdownheap(1);
            if self.heap_len < 2 {
                break;
            }
        }
        self.heap_max -= 1;
        self.order[self.heap_max & SLOT_MASK] = node_of(self.heap[1]) as u16;
        self.gen_bitlen(tree, kind);
        self.gen_codes(tree);
    }
}

/// Walks a tree's code lengths as zlib's `scan_tree` does, counting the bit-length symbols in
/// `bl` and recording them in `out` (`symbol | extra bits << 8`) for `send_tree` to replay.
///
/// zlib steps element by element; this steps run by run (a run = equal lengths), splitting each
/// run into the same pieces: zeros in pieces of up to 138; a non-zero length in a first piece of
/// up to 7 (after a different length) then pieces of up to 6.
fn scan_tree(tree: &Tree, max_code: usize, bl: &mut Tree, out: &mut Vec<u16>) {
    let lens = &tree.len;
    let end = (max_code + 1).min(SLOTS);
    let mut prevlen: u16 = u16::MAX;
    let mut n = 0;
    let mut put = |sym: usize, extra: u32| {
        bl.freq[sym] += 1;
        out.push(sym as u16 | ((extra as u16) << 8));
    };
    while n < end {
        let cur = lens[n];
        let mut r = 1;
        while n + r < end && lens[n + r] == cur {
            r += 1;
        }
        n += r;
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
                for _ in 0..count {
                    put(usize::from(cur), 0);
                }
            } else if cur != 0 {
                let mut count = count;
                if cur != prevlen {
                    put(usize::from(cur), 0);
                    count -= 1;
                }
                put(REP_3_6, count - 3);
            } else if count <= 10 {
                put(REPZ_3_10, count - 3);
            } else {
                put(REPZ_11_138, count - 11);
            }
            prevlen = cur;
            first = false;
        }
    }
}

/// LSB-first bit writer; the bytes depend only on the bit sequence, so a wider buffer than
/// zlib's 16 bits writes the same stream.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    buf: u64,
    valid: u32,
}

impl Bits<'_> {
    /// Appends the low `length` bits of `value` (at most 32 bits in all).
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

    /// Sends a code in [`Tree::code`] form followed by `extra_len` extra bits.
    #[inline]
    fn send_code(&mut self, code: u32, extra: u32, extra_len: u32) {
        let len = code >> 16;
        self.send((code & 0xffff) | (extra << len), len + extra_len);
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
    /// The bit-length symbols that describe both trees (see [`scan_tree`]).
    bl_syms: Vec<u16>,
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
            bl_syms: Vec::with_capacity(L_CODES + D_CODES),
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

/// Links every position into its hash chain, as zlib's `INSERT_STRING` does one position at a
/// time: `prev[p]` = the previous position with the same hash (0 = none).
///
/// `deflate_slow` inserts every position that has 3 bytes ahead (0 ..= n - 3), each once, in
/// increasing order, and only ever looks at chains from the position being inserted backwards;
/// so all links can be made first, in one tight loop whose table accesses overlap, instead of
/// interleaved with the match search that waits on each of them.
fn link_chains(
    data: &[u8],
    head: &mut [u32; HASH_SIZE],
    prev: &mut [u16; PREV_SIZE],
    generation: u32,
) {
    if data.len() < MIN_MATCH {
        return;
    }
    // zlib's rolling `UPDATE_HASH`: after three updates the older bytes have shifted out of
    // the 15 bits, so this is the hash of the 3 bytes at `pos`.
    let mut hash = ((u32::from(data[0]) << HASH_SHIFT) ^ u32::from(data[1])) & HASH_MASK;
    for (pos, &third) in data[MIN_MATCH - 1..].iter().enumerate() {
        hash = ((hash << HASH_SHIFT) ^ u32::from(third)) & HASH_MASK;
        let slot = &mut head[hash as usize];
        // Heads from earlier calls carry an older generation and read as empty.
        let old = if *slot >> 16 == generation {
            *slot & 0xffff
        } else {
            0
        };
        prev[pos & (PREV_SIZE - 1)] = old as u16;
        *slot = (generation << 16) | pos as u32;
    }
}

/// zlib's `deflate_slow` over the whole input at once.
fn lz77(s: &mut Scratch, n: usize) {
    let window = s.window.as_slice();
    link_chains(&window[..n], &mut s.head, &mut s.prev, s.generation);
    let prev = &*s.prev;
    let ltree = &mut s.ltree;
    let dtree = &mut s.dtree;
    let syms = &mut s.syms;
    let mut strstart = 0usize;
    let mut lookahead = n;
    let mut match_length = MIN_MATCH - 1;
    let mut match_start = 0usize;
    let mut match_available = false;
    while lookahead != 0 {
        // The head of the chain when zlib inserts `strstart`.
        let hash_head = if lookahead >= MIN_MATCH {
            usize::from(prev[strstart & (PREV_SIZE - 1)])
        } else {
            0
        };
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
            let dist = strstart - 1 - prev_match;
            let lc = prev_length - MIN_MATCH;
            syms.push(((dist as u32) << 8) | lc as u32);
            ltree.freq[usize::from(TABLES.length_code[lc]) + LITERALS + 1] += 1;
            dtree.freq[d_code(dist - 1)] += 1;
            // The match covers strstart - 1 .. strstart - 1 + prev_length (already linked).
            lookahead -= prev_length - 1;
            strstart += prev_length - 1;
            match_available = false;
            match_length = MIN_MATCH - 1;
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
    s.bl_syms.clear();
    scan_tree(&s.ltree, lmax, &mut s.bltree, &mut s.bl_syms);
    scan_tree(&s.dtree, dmax, &mut s.bltree, &mut s.bl_syms);
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
        compress_block(bits, &s.syms, &STATIC_LCODES, &STATIC_DCODES);
    } else {
        bits.send((2 << 1) + 1, 3);
        let (lcodes, dcodes, blcodes) = (lmax + 1, dmax + 1, max_blindex + 1);
        bits.send(lcodes as u32 - 257, 5);
        bits.send(dcodes as u32 - 1, 5);
        bits.send(blcodes as u32 - 4, 4);
        for &rank in BL_ORDER.iter().take(blcodes) {
            bits.send(u32::from(bltree.len[usize::from(rank)]), 3);
        }
        // zlib's send_tree for both trees: replay what scan_tree recorded.
        for &sym in &s.bl_syms {
            let (symbol, extra) = (usize::from(sym & 0xff), u32::from(sym >> 8));
            bits.send_code(
                bltree.code[symbol & SLOT_MASK],
                extra,
                u32::from(BL_EXTRA[symbol & SLOT_MASK]),
            );
        }
        compress_block(bits, &s.syms, &s.ltree.code, &s.dtree.code);
    }
}

/// zlib's `compress_block`: each symbol with its extra bits in one `send`.
fn compress_block(bits: &mut Bits<'_>, syms: &[u32], lcodes: &[u32; SLOTS], dcodes: &[u32; SLOTS]) {
    for &sym in syms {
        let dist = (sym >> 8) as usize;
        let lc = (sym & 0xff) as usize;
        if dist == 0 {
            let code = lcodes[lc];
            bits.send(code & 0xffff, code >> 16);
        } else {
            let code = usize::from(TABLES.length_code[lc]);
            bits.send_code(
                lcodes[(code + LITERALS + 1) & SLOT_MASK],
                (lc - usize::from(TABLES.base_length[code])) as u32,
                u32::from(EXTRA_LBITS[code]),
            );
            let dist = dist - 1;
            let code = d_code(dist);
            bits.send_code(
                dcodes[code],
                (dist - usize::from(TABLES.base_dist[code])) as u32,
                u32::from(EXTRA_DBITS[code]),
            );
        }
    }
    bits.send_code(lcodes[END_BLOCK], 0, 0);
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

    /// JSON-like text: session keys, numbers, hex tokens and escapes in random order.
    fn json_like() -> impl Strategy<Value = Vec<u8>> {
        const WORDS: [&str; 16] = [
            "{\"user_id\":",
            "\"csrf_token\":\"",
            "1fadc45dfe67a90d22e83e7dc3c6",
            "\"_fresh\":true,",
            "\"_permanent\":false",
            "{\"sku\":\"SKU-00",
            "\"qty\":",
            "\"price_cents\":",
            "},",
            "]",
            "\\u00e9",
            "\"name\":\"Widget model ",
            "0",
            "7",
            "42",
            "null",
        ];
        proptest::collection::vec(proptest::sample::select(&WORDS[..]), 0..3000).prop_map(|words| {
            let mut text: Vec<u8> = words.concat().into_bytes();
            text.truncate(MAX_INPUT);
            text
        })
    }

    /// Runs of one byte (any value) of any length: long matches at distance 1.
    fn runs() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec((any::<u8>(), 1usize..600), 0..200).prop_map(|runs| {
            let mut data = Vec::new();
            for (byte, len) in runs {
                data.extend(std::iter::repeat_n(byte, len));
            }
            data.truncate(MAX_INPUT);
            data
        })
    }

    /// A short pattern repeated up to 16000 bytes, with a few bytes changed: long chains, long
    /// and maximal matches, lazy decisions, matches reaching the end of the input.
    fn repetitive() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::collection::vec(any::<u8>(), 1..24),
            0usize..=MAX_INPUT,
            proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..40),
        )
            .prop_map(|(pattern, len, edits)| {
                let mut data: Vec<u8> = pattern.iter().copied().cycle().take(len).collect();
                for (at, byte) in edits {
                    if !data.is_empty() {
                        let i = at.index(data.len());
                        data[i] = byte;
                    }
                }
                data
            })
    }

    proptest! {
        #[test]
        fn matches_c_zlib_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..=MAX_INPUT)) {
            prop_assert_eq!(ours(&data), c_zlib(&data));
        }

        #[test]
        fn matches_c_zlib_on_low_entropy_bytes(data in proptest::collection::vec(0u8..4, 0..=MAX_INPUT)) {
            prop_assert_eq!(ours(&data), c_zlib(&data));
        }

        #[test]
        fn matches_c_zlib_on_json_like_text(data in json_like()) {
            prop_assert_eq!(ours(&data), c_zlib(&data));
        }

        #[test]
        fn matches_c_zlib_on_runs(data in runs()) {
            prop_assert_eq!(ours(&data), c_zlib(&data));
        }

        #[test]
        fn matches_c_zlib_on_repetitive_inputs(data in repetitive()) {
            prop_assert_eq!(ours(&data), c_zlib(&data));
        }

        #[test]
        fn matches_c_zlib_on_every_byte_value_shuffled(
            data in Just((0..=255u8).cycle().take(4096).collect::<Vec<u8>>()).prop_shuffle(),
            len in 0usize..=4096,
        ) {
            prop_assert_eq!(ours(&data[..len]), c_zlib(&data[..len]));
        }
    }
}
