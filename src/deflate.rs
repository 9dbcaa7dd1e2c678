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
/// Bytes read from a position when matching: up to `MAX_MATCH`, 8 at a time.
const MATCH_READ: usize = MAX_MATCH + 8;
/// See [`Scratch::window`].
const WINDOW_SIZE: usize = PREV_SIZE + PADDING;
/// See [`Scratch::block`]: a power of two above any block written (a compressed block is only
/// written when shorter than the stored one), and 8 bytes for the last 8-byte store.
const BLOCK_SIZE: usize = 2 * PREV_SIZE + 8;

const LENGTH_CODES: usize = 29;
const LITERALS: usize = 256;
const L_CODES: usize = LITERALS + 1 + LENGTH_CODES;
const D_CODES: usize = 30;
const BL_CODES: usize = 19;
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

/// Each byte with its bits in reverse order.
static REVERSED_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).reverse_bits();
        i += 1;
    }
    t
};

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
    len: [u16; SLOTS],
    /// Each symbol's code as [`Bits::send`] takes it: `length << 16 | bit-reversed code`.
    code: [u32; SLOTS],
    max_code: usize,
    /// The symbols in the tree (those that occur, and any forced ones), in increasing order:
    /// every later pass visits these alone.
    leaves: [u16; SLOTS],
    leaves_len: usize,
}

impl Tree {
    fn new() -> Self {
        Tree {
            freq: [0; SLOTS],
            len: [0; SLOTS],
            code: [0; SLOTS],
            max_code: 0,
            leaves: [0; SLOTS],
            leaves_len: 0,
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
/// Entries compare by key alone (the bits above 16, see [`sift_down`]), as zlib's `smaller` does, so ties fall exactly as in
/// zlib; carrying the key in the entry spares zlib's `tree[n].Freq`/`depth[n]` lookups.
const fn heap_entry(freq: u64, depth: u64, node: usize) -> u64 {
    (freq << 32) | (depth << 16) | node as u64
}

#[inline]
fn node_of(entry: u64) -> usize {
    (entry & 0xffff) as usize & SLOT_MASK
}

/// Fills the slots past the heap's last entry: above every real key, so `pqdownheap` never
/// takes it for the smaller child, nor moves `v` below it.
const SENTINEL: u64 = u64::MAX;

/// The tree-building state zlib keeps in `deflate_state`.
struct Builder {
    /// The heap, from index 1 (zlib's `heap[1..=heap_len]`).
    heap: [u64; SLOTS],
    /// The two children of each internal node (`kids[i]` for node `elems + i`, `first | second
    /// << 16`), in order of creation: zlib's removal order (`heap[heap_max..]`) is `first, second`
    /// of each in turn, and parents come after their children.
    kids: [u32; SLOTS],
    internal: usize,
    bl_count: [u16; MAX_BITS + 1],
    opt_len: i64,
    static_len: i64,
}

/// zlib's `pqdownheap` for `v` put at `k`. Every slot past the heap, up to the children of its
/// last entry, holds [`SENTINEL`]: the smaller child of a leaf is a sentinel, never smaller
/// than `v`, so the walk ends without testing the heap's length. Keys compare through the entries themselves:
/// `key(a) <= key(b)` is `a <= b | KEY_LOW` and `a & !KEY_LOW <= b`, one operation fewer than
/// shifting both.
#[inline(always)]
fn sift_down(heap: &mut [u64; SLOTS], k: usize, v: u64) {
    const KEY_LOW: u64 = 0xffff;
    let v_floor = v & !KEY_LOW;
    // Indexes stay masked, so that no access needs a bounds test (see below for the reads
    // that the mask may wrap).
    let mut k = k & SLOT_MASK;
    let j = (k << 1) & (SLOT_MASK - 1);
    let (mut left, mut right) = (heap[j], heap[j | 1]);
    loop {
        // The grandchildren, read before knowing which child is smaller: the walk then waits
        // on comparisons only, not on loads. They are contiguous (children of `2k` and
        // `2k + 1`). Only a real child's children are used, and a real child is at most
        // `heap_len` (below 512), so the wrapped reads of a deep `k` never count.
        let g = (k << 2) & (SLOT_MASK & !3);
        let grand = [heap[g], heap[g | 1], heap[g | 2], heap[g | 3]];
        // zlib's `smaller(right, left)`: ties go right. (The sentinel never wins.) LLVM
        // compiles the choice to a branch, and that is the faster form: forcing a select
        // (`select_unpredictable`) made `build_tree` about 65% slower on a 1 KB session, as
        // the next loads then wait on each comparison instead of running ahead on the
        // predicted path; and the predictor does well here.
        let go_right = right <= (left | KEY_LOW);
        let child = if go_right { right } else { left };
        // zlib's `smaller(v, child)`: ties keep `v` above.
        if v_floor <= child {
            break;
        }
        heap[k] = child;
        k = ((k << 1) & (SLOT_MASK - 1)) | usize::from(go_right);
        (left, right) = if go_right {
            (grand[2], grand[3])
        } else {
            (grand[0], grand[1])
        };
    }
    heap[k] = v;
}

impl Builder {
    fn new() -> Self {
        Builder {
            heap: [0; SLOTS],
            kids: [0; SLOTS],
            internal: 0,
            bl_count: [0; MAX_BITS + 1],
            opt_len: 0,
            static_len: 0,
        }
    }

    /// zlib's `gen_bitlen`. Lengths first, for every node from the root down (zlib walks the
    /// nodes in reverse removal order with a parent link; the same lengths); then counts and
    /// costs over the leaves alone, from the final lengths (zlib adds them up node by node and
    /// corrects them in the overflow repair: same sums).
    fn gen_bitlen(&mut self, tree: &mut Tree, kind: &TreeKind) {
        let max_length = kind.max_length;
        let mut overflow = 0i32;
        let elems = kind.elems;
        tree.len[(elems + self.internal - 1) & SLOT_MASK] = 0;
        for (parent, &kids) in (elems..elems + self.internal)
            .zip(&self.kids[..self.internal])
            .rev()
        {
            let bits = tree.len[parent & SLOT_MASK] + 1;
            // zlib caps internal nodes too, whose children then overflow in turn.
            overflow += 2 * i32::from(bits > max_length);
            let bits = bits.min(max_length);
            tree.len[(kids & 0xffff) as usize & SLOT_MASK] = bits;
            tree.len[(kids >> 16) as usize & SLOT_MASK] = bits;
        }
        let leaves_len = tree.leaves_len;
        // Two histograms, for alternate leaves: neighbours often share a length, and one
        // counter would make each increment wait for the previous one.
        let mut counts = [[0u16; MAX_BITS + 1]; 2];
        for (i, &n) in tree.leaves[..leaves_len].iter().enumerate() {
            let bits = usize::from(tree.len[usize::from(n) & SLOT_MASK]) & MAX_BITS;
            counts[i & 1][bits] += 1;
        }
        for (total, (a, b)) in self
            .bl_count
            .iter_mut()
            .zip(counts[0].iter().zip(&counts[1]))
        {
            *total = a + b;
        }
        if overflow != 0 {
            self.repair_overflow(tree, kind, overflow);
        }
        let (mut opt_len, mut static_len) = (0i64, 0i64);
        for &n in &tree.leaves[..leaves_len] {
            let n = usize::from(n) & SLOT_MASK;
            let f = i64::from(tree.freq[n]);
            let xbits = i64::from(kind.extra_bits[n]);
            opt_len += f * (i64::from(tree.len[n]) + xbits);
            static_len += f * (i64::from(kind.static_len[n]) + xbits);
        }
        self.opt_len += opt_len;
        if kind.has_static {
            self.static_len += static_len;
        }
    }

    /// The rare case of codes longer than allowed (skewed inputs): zlib's repair, verbatim
    /// except that the cost is summed afterwards from the final lengths.
    #[cold]
    fn repair_overflow(&mut self, tree: &mut Tree, kind: &TreeKind, mut overflow: i32) {
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
        // zlib's removal order (see `kids`); the root, last, is never reached.
        let mut removed = self.kids[..self.internal]
            .iter()
            .flat_map(|&kids| [kids & 0xffff, kids >> 16]);
        let mut bits = max_length;
        while bits != 0 {
            let mut n = self.bl_count[bits];
            while n != 0 {
                let Some(m) = removed.next() else {
                    return;
                };
                let m = m as usize & SLOT_MASK;
                if m > max_code {
                    continue;
                }
                tree.len[m] = bits as u16;
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
        for &n in &tree.leaves[..tree.leaves_len] {
            let n = usize::from(n) & SLOT_MASK;
            let len = usize::from(tree.len[n]) & MAX_BITS;
            let next = next_code[len];
            next_code[len] = next.wrapping_add(1);
            // bi_reverse(next, len), a byte at a time (x86 has no bit-reverse instruction).
            let next = usize::from(next);
            let reversed = ((u32::from(REVERSED_BYTES[next & 0xff]) << 8)
                | u32::from(REVERSED_BYTES[(next >> 8) & 0xff]))
                >> (16 - len);
            tree.code[n] = packed_code(reversed, len as u32);
        }
    }

    /// zlib's `build_tree`: the same heap operations in the same order, so that equal keys are
    /// broken exactly as zlib breaks them.
    fn build_tree(&mut self, tree: &mut Tree, kind: &TreeKind) {
        let elems = kind.elems;
        let mut max_code: isize = -1;
        let mut heap_len = 0;
        let heap = &mut self.heap;
        tree.len[..elems].fill(0);
        // The symbols that occur, 16 at a time: a mask of the non-zero frequencies (which the
        // compiler computes with vector compares), then one step per set bit. (Slots past
        // `elems` are never written, so reading up to the next multiple of 16 is harmless.)
        let padded = elems.next_multiple_of(16);
        for (base, chunk) in (0..).step_by(16).zip(tree.freq[..padded].chunks_exact(16)) {
            // Most chunks are empty on small inputs: an OR of the chunk first, 4 symbols per
            // 64-bit word.
            let word = |q: &[u16]| {
                u64::from(q[0])
                    | u64::from(q[1]) << 16
                    | u64::from(q[2]) << 32
                    | u64::from(q[3]) << 48
            };
            if (word(&chunk[0..4])
                | word(&chunk[4..8])
                | word(&chunk[8..12])
                | word(&chunk[12..16]))
                == 0
            {
                continue;
            }
            let mut mask = 0u32;
            for (i, &f) in chunk.iter().enumerate() {
                mask |= u32::from(f != 0) << i;
            }
            while mask != 0 {
                let n = base + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                tree.leaves[heap_len & SLOT_MASK] = n as u16;
                heap_len += 1;
                heap[heap_len & SLOT_MASK] = heap_entry(u64::from(tree.freq[n & SLOT_MASK]), 0, n);
                max_code = n as isize;
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
            tree.leaves[heap_len] = node as u16;
            heap_len += 1;
            heap[heap_len] = heap_entry(1, 0, node);
            tree.freq[node] = 1;
            self.opt_len -= 1;
            self.static_len -= i64::from(kind.static_len[node]);
        }
        tree.leaves_len = heap_len;
        if forced {
            tree.leaves[..heap_len].sort_unstable();
        }
        // Sentinels from just past the heap to the last child of its last entry: `sift_down`
        // meets one before it could step past the heap.
        heap[heap_len + 1..=2 * heap_len + 1].fill(SENTINEL);
        tree.max_code = max_code as usize;
        for k in (1..=heap_len / 2).rev() {
            let v = heap[k & SLOT_MASK];
            sift_down(heap, k, v);
        }
        let mut node = elems;
        loop {
            // pqremove: the last entry moves to the top and sinks.
            let first = heap[1];
            let last = heap[heap_len & SLOT_MASK];
            heap[heap_len & SLOT_MASK] = SENTINEL;
            heap_len -= 1;
            sift_down(heap, 1, last);
            let second = heap[1];
            self.kids[(node - elems) & SLOT_MASK] = (node_of(first) | node_of(second) << 16) as u32;
            // zlib's sum is an `ush` and its depth an `uch`: neither can wrap here (the
            // frequencies add up to at most MAX_INPUT + 2, so the tree is far from 255 deep).
            let freq = (first >> 32) + (second >> 32);
            let depth = ((first >> 16) & 0xffff).max((second >> 16) & 0xffff) + 1;
            sift_down(heap, 1, heap_entry(freq, depth, node));
            node += 1;
            if heap_len < 2 {
                break;
            }
        }
        self.internal = node - elems;
        self.gen_bitlen(tree, kind);
        self.gen_codes(tree);
    }
}

/// The bit-length symbols describing both trees (`symbol | extra bits << 8`): at most one per
/// literal/length and distance code.
struct BlSyms {
    syms: [u16; BL_SYMS_SIZE],
    len: usize,
}

/// Slots of [`BlSyms`]: a power of two above `L_CODES + D_CODES`.
const BL_SYMS_SIZE: usize = 512;

impl BlSyms {
    #[inline(always)]
    fn put(&mut self, bl_freq: &mut [u16; SLOTS], sym: usize, extra: usize) {
        bl_freq[sym & SLOT_MASK] += 1;
        self.syms[self.len & (BL_SYMS_SIZE - 1)] = (sym | extra << 8) as u16;
        self.len += 1;
    }
}

/// Walks a tree's code lengths as zlib's `scan_tree` does, counting the bit-length symbols in
/// `bl_freq` and recording them in `out` for `send_tree` to replay.
///
/// zlib steps element by element over `0..=max_code`; this steps run by run (a run = equal
/// lengths), found from the leaves alone (the gaps between them are the runs of zeros), and
/// splits each run into the same pieces: zeros in pieces of up to 138 (`REPZ_3_10` from 3,
/// `REPZ_11_138` from 11); a non-zero length in a first piece of up to 7 (sent once, then
/// `REP_3_6` for the rest if there are at least 3 more; as zlib's `prevlen` always differs
/// there), then pieces of up to 6 (`REP_3_6` from 3).
fn scan_tree(tree: &Tree, bl_freq: &mut [u16; SLOTS], out: &mut BlSyms) {
    let emit_zeros = |out: &mut BlSyms, bl_freq: &mut [u16; SLOTS], mut run: usize| {
        while run > 0 {
            let count = run.min(138);
            run -= count;
            match count {
                1 | 2 => {
                    for _ in 0..count {
                        out.put(bl_freq, 0, 0);
                    }
                }
                3..=10 => out.put(bl_freq, REPZ_3_10, count - 3),
                _ => out.put(bl_freq, REPZ_11_138, count - 11),
            }
        }
    };
    let emit_lengths = |out: &mut BlSyms, bl_freq: &mut [u16; SLOTS], len: usize, run: usize| {
        let first = run.min(7);
        if first < 4 {
            for _ in 0..first {
                out.put(bl_freq, len, 0);
            }
            return;
        }
        out.put(bl_freq, len, 0);
        out.put(bl_freq, REP_3_6, first - 4);
        let mut run = run - first;
        while run > 0 {
            let count = run.min(6);
            run -= count;
            if count < 3 {
                for _ in 0..count {
                    out.put(bl_freq, len, 0);
                }
            } else {
                out.put(bl_freq, REP_3_6, count - 3);
            }
        }
    };
    // The next symbol to describe, and the run of equal non-zero lengths in progress.
    let mut next = 0usize;
    let (mut run_len, mut run) = (0usize, 0usize);
    for &leaf in &tree.leaves[..tree.leaves_len] {
        let leaf = usize::from(leaf) & SLOT_MASK;
        let len = usize::from(tree.len[leaf]);
        if leaf > next || len != run_len {
            if run > 0 {
                emit_lengths(out, bl_freq, run_len, run);
            }
            if leaf > next {
                emit_zeros(out, bl_freq, leaf - next);
            }
            run_len = len;
            run = 0;
        }
        run += 1;
        next = leaf + 1;
    }
    if run > 0 {
        emit_lengths(out, bl_freq, run_len, run);
    }
}

/// LSB-first bit writer into [`Scratch::block`]; the bytes depend only on the bit sequence, so a
/// wider buffer than zlib's 16 bits writes the same stream.
///
/// Bits gather in `buf` ([`put`](Self::put), at most 56 between flushes) and [`flush`]
/// (Self::flush) stores all 8 bytes of it at once, then keeps only the partial byte: no test of
/// how many bits are pending. Taken and returned by value, so that its fields live in registers.
struct Bits<'a> {
    out: &'a mut [u8; BLOCK_SIZE],
    pos: usize,
    buf: u64,
    valid: u32,
}

impl<'a> Bits<'a> {
    /// Adds the low `length` bits of `value` (no bits above them); at most 56 bits since the
    /// last [`flush`](Self::flush).
    #[inline(always)]
    fn put(&mut self, value: u64, length: u32) {
        self.buf |= value << self.valid;
        self.valid += length;
    }

    /// Writes out the whole bytes gathered; at most 7 bits stay pending.
    #[inline(always)]
    fn flush(&mut self) {
        // (A block is shorter than the stored one, which is at most MAX_INPUT + 5 bytes: the
        // mask never bites, and makes the bounds evident.)
        let at = self.pos & (BLOCK_SIZE - 8 - 1);
        self.out[at..at + 8].copy_from_slice(&self.buf.to_le_bytes());
        let bytes = self.valid >> 3;
        self.pos += bytes as usize;
        self.buf >>= bytes * 8;
        self.valid &= 7;
    }

    /// Sends the low `length` bits of `value` (at most 32).
    #[inline(always)]
    fn send(&mut self, value: u32, length: u32) {
        self.put(u64::from(value), length);
        self.flush();
    }

    /// Adds a code in [`Tree::code`] form followed by `extra_len` extra bits (no flush).
    #[inline(always)]
    fn put_code(&mut self, code: u32, extra: u32, extra_len: u32) {
        let len = code >> 16;
        self.put(
            u64::from(code & 0xffff) | (u64::from(extra) << len),
            len + extra_len,
        );
    }

    /// zlib's `bi_windup`: pads the last byte with zeros. Returns the bytes written.
    fn finish(mut self) -> usize {
        self.flush();
        self.pos + usize::from(self.valid > 0)
    }
}

/// Chain links, indexed by position (a power of two above `MAX_INPUT`, so masking the index is
/// exact and spares the bounds check).
const PREV_SIZE: usize = 1 << 14;

/// Per-thread buffers, kept between calls: allocating and clearing them costs more than a
/// small deflate.
struct Scratch {
    /// The input, then zeros: `WINDOW_SIZE` bytes so that any position below [`PREV_SIZE`] has
    /// [`MATCH_READ`] bytes after it (in bounds by construction, no test).
    window: Box<[u8; WINDOW_SIZE]>,
    /// Hash heads: the last two positions inserted with each hash, as in [`Scratch::links`]
    /// (see [`link_chains`]), so the table needs no clearing between calls.
    head: Box<[u64; HASH_SIZE]>,
    base: u32,
    /// Each position's hash (see [`link_chains`]).
    hashes: Box<[u16; PREV_SIZE]>,
    /// Each position's next two links in its hash chain, `second << 32 | first`, each `base +
    /// position` (see [`link_chains`]).
    links: Box<[u64; PREV_SIZE]>,
    /// Symbols: `distance << 8 | length - 3` for matches, the byte for literals (distance 0).
    syms: Box<[u32; PREV_SIZE]>,
    syms_len: usize,
    /// The bit-length symbols that describe both trees (see [`scan_tree`]).
    bl_syms: BlSyms,
    /// The compressed block as it is written (see [`Bits`]).
    block: Box<[u8; BLOCK_SIZE]>,
    ltree: Tree,
    dtree: Tree,
    bltree: Tree,
    builder: Builder,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            window: Box::new([0; WINDOW_SIZE]),
            head: Box::new([0; HASH_SIZE]),
            base: 0,
            hashes: Box::new([0; PREV_SIZE]),
            links: Box::new([0; PREV_SIZE]),
            syms: Box::new([0; PREV_SIZE]),
            syms_len: 0,
            block: Box::new([0; BLOCK_SIZE]),
            bl_syms: BlSyms {
                syms: [0; BL_SYMS_SIZE],
                len: 0,
            },
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
        // (The per-thread buffers have a fixed size, about 570 KiB, most of it the hash heads.)
    });
    true
}

fn compress(s: &mut Scratch, data: &[u8], out: &mut Vec<u8>) {
    s.window[..data.len()].copy_from_slice(data);
    s.window[data.len()..data.len() + PADDING].fill(0);
    // A new base above every head of the previous call; on wrapping, a cleared table.
    s.base = match s.base.checked_add(2 * PREV_SIZE as u32) {
        Some(_) => s.base + PREV_SIZE as u32,
        None => {
            s.head.fill(0);
            PREV_SIZE as u32
        }
    };
    // zlib's init_block.
    s.ltree.freq[..L_CODES].fill(0);
    s.dtree.freq[..D_CODES].fill(0);
    s.bltree.freq[..BL_CODES].fill(0);
    s.ltree.freq[END_BLOCK] = 1;
    lz77(s, data.len());
    out.extend_from_slice(&[0x78, 0x9c]); // deflate, 32K window, level 6 flags
    flush_block(out, data, s);
    out.extend_from_slice(&adler32(data).to_be_bytes());
}

/// Links every position into its hash chain, as zlib's `INSERT_STRING` does one position at a
/// time: the low half of `links[p]` is zlib's `prev[p]`, the previous position with the same
/// hash, as `base + position` (`base` or less = none, see below); the high half is the one
/// before that (zlib's `prev[prev[p]]`), so that a walk down the chain waits on one load per
/// two candidates. `head` keeps the same pair for the latest position of each hash.
///
/// `deflate_slow` inserts every position that has 3 bytes ahead (0 ..= n - 3), each once, in
/// increasing order, and only ever looks at chains from the position being inserted backwards;
/// so all links can be made first, in one tight loop whose table accesses overlap, instead of
/// interleaved with the match search that waits on each of them.
///
/// `head` and `links` hold `base + position`, `base` growing by [`PREV_SIZE`] per call: heads
/// left by earlier calls are below `base`, so they read as "none" and the table needs no
/// clearing; and as `base` is a multiple of `PREV_SIZE`, masking a link gives the position.
/// Position 0 is `base` itself: "none" too, as in zlib (where `NIL` is 0).
fn link_chains(
    data: &[u8],
    head: &mut [u64; HASH_SIZE],
    links: &mut [u64; PREV_SIZE],
    hashes: &mut [u16; PREV_SIZE],
    base: u32,
) {
    if data.len() < MIN_MATCH {
        return;
    }
    // zlib's rolling `UPDATE_HASH` after three updates: the older bytes have shifted out of
    // the 15 bits, so it is a function of the 3 bytes at a position alone, computed here for
    // all positions at once (vectorized).
    let n = data.len() - (MIN_MATCH - 1);
    let hashes = &mut hashes[..n];
    for (hash, ((&a, &b), &c)) in hashes
        .iter_mut()
        .zip(data.iter().zip(&data[1..]).zip(&data[2..]))
    {
        *hash = ((u16::from(a) << (2 * HASH_SHIFT)) ^ (u16::from(b) << HASH_SHIFT) ^ u16::from(c))
            & HASH_MASK as u16;
    }
    for ((link, &hash), value) in links[..n].iter_mut().zip(&*hashes).zip(base..) {
        let slot = &mut head[usize::from(hash) & (HASH_SIZE - 1)];
        let pair = *slot;
        *link = pair;
        *slot = (pair << 32) | u64::from(value);
    }
}

/// The symbol list (see [`Scratch::syms`]) and the frequencies it adds up, as `deflate_slow`
/// tallies them.
struct Tally<'a> {
    syms: &'a mut [u32; PREV_SIZE],
    count: usize,
    lfreq: &'a mut [u16; SLOTS],
    dfreq: &'a mut [u16; SLOTS],
}

impl Tally<'_> {
    #[inline(always)]
    fn literal(&mut self, c: u8) {
        self.syms[self.count & (PREV_SIZE - 1)] = u32::from(c);
        self.count += 1;
        self.lfreq[usize::from(c)] += 1;
    }

    /// A match `dist` back (from 1) of `len` bytes (3 ..= 258).
    #[inline(always)]
    fn matched(&mut self, dist: usize, len: usize) {
        let lc = (len - MIN_MATCH) & 0xff;
        self.syms[self.count & (PREV_SIZE - 1)] = ((dist as u32) << 8) | lc as u32;
        self.count += 1;
        self.lfreq[usize::from(TABLES.length_code[lc]) + LITERALS + 1] += 1;
        self.dfreq[d_code(dist - 1)] += 1;
    }
}

/// zlib's `deflate_slow` over the whole input at once, as two states: no pending byte (after
/// a match, and at the start), and a pending byte at `p - 1` with the match found there
/// (`len`, `start`), which the match at `p` may beat (lazy evaluation).
fn lz77(s: &mut Scratch, n: usize) {
    let window = &*s.window;
    link_chains(
        &window[..n],
        &mut s.head,
        &mut s.links,
        &mut s.hashes,
        s.base,
    );
    // zlib inserts (and so looks up) only positions with 3 bytes ahead; the others read as
    // empty chains (0 is below any base).
    for link in s
        .links
        .iter_mut()
        .take(n)
        .skip(n.saturating_sub(MIN_MATCH - 1))
    {
        *link = 0;
    }
    // A sentinel: a non-empty chain at `n` ends every run of literals there (`lz77` looks
    // nothing up at `n`, and no chain leads there).
    s.links[n & (PREV_SIZE - 1)] = u64::from(u32::MAX);
    let links = &*s.links;
    // A position's first link (zlib's `prev`).
    let first = |p: usize| links[p & (PREV_SIZE - 1)] as u32;
    let base = s.base;
    let mut tally = Tally {
        syms: &mut s.syms,
        count: 0,
        lfreq: &mut s.ltree.freq,
        dfreq: &mut s.dtree.freq,
    };
    let mut p = 0usize;
    'no_pending: while p < n {
        // The match at p, which the next position may beat.
        let (mut len, mut start) = (MIN_MATCH - 1, 0);
        if first(p) > base {
            (len, start) = longest_match(window, links, base, p, MIN_MATCH - 1, n - p);
            if len == MIN_MATCH && p - start > TOO_FAR {
                len = MIN_MATCH - 1;
            }
        }
        p += 1;
        loop {
            // Pending: the byte at p - 1, and the match there.
            if p >= n {
                tally.literal(window[(p - 1) & (PREV_SIZE - 1)]);
                break 'no_pending;
            }
            let head = first(p);
            if len < MIN_MATCH {
                // No match pending: p - 1 is a literal whatever is found at p; and so are the
                // next bytes up to a position whose chain is not empty.
                // (The sentinel past the end stops the run at `n` at the latest.)
                let mut head = head;
                while head <= base {
                    tally.literal(window[(p - 1) & (PREV_SIZE - 1)]);
                    p += 1;
                    head = first(p);
                }
                if p >= n {
                    tally.literal(window[(p - 1) & (PREV_SIZE - 1)]);
                    break 'no_pending;
                }
                tally.literal(window[(p - 1) & (PREV_SIZE - 1)]);
                (len, start) = longest_match(window, links, base, p, len, n - p);
                if len == MIN_MATCH && p - start > TOO_FAR {
                    len = MIN_MATCH - 1;
                }
                p += 1;
                continue;
            }
            // A match pending: it stands unless the one at p is longer. (A search that finds
            // nothing longer returns `len` itself, or less near the end; zlib's TOO_FAR test
            // can only lower a length of 3, which cannot beat a pending match.)
            if len < MAX_LAZY && head > base {
                let (next_len, next_start) = longest_match(window, links, base, p, len, n - p);
                if next_len > len {
                    tally.literal(window[(p - 1) & (PREV_SIZE - 1)]);
                    (len, start) = (next_len, next_start);
                    p += 1;
                    continue;
                }
            }
            tally.matched(p - 1 - start, len);
            p += len - 1;
            continue 'no_pending;
        }
    }
    s.syms_len = tally.count;
}

/// zlib's `longest_match`: the first longest match along the hash chain of `strstart` (not
/// empty; see [`link_chains`]), longer than `prev_length`, read past the input into the zero padding exactly as zlib reads into its
/// zeroed window, capped at `lookahead`. Returns the length (`prev_length` if none is longer,
/// or `lookahead` if that is less) and the match's start (meaningful only for a longer match).
///
/// zlib rejects a candidate quickly when it differs from the string at `strstart` in one of
/// bytes 0, 1, `best_len - 1` or `best_len` (all must be equal for a longer match); this
/// compares 8 bytes ending at `best_len` (or bytes `0..=best_len`, when fewer): also equal in
/// every longer match, so it rejects no candidate zlib would take, and more of the others.
#[inline]
fn longest_match(
    window: &[u8; WINDOW_SIZE],
    links: &[u64; PREV_SIZE],
    base: u32,
    strstart: usize,
    prev_length: usize,
    lookahead: usize,
) -> (usize, usize) {
    // zlib's chain_length, counted in pairs of candidates (it is even).
    let mut pairs_left = if prev_length >= GOOD_MATCH {
        MAX_CHAIN >> 3
    } else {
        MAX_CHAIN >> 1
    };
    let nice_match = NICE_MATCH.min(lookahead);
    let mut best_len = prev_length;
    let mut match_start = 0;
    let scan = string_at(window, strstart);
    let (mut probe_at, mut probe_mask, mut probe) = probe_for(scan, best_len);
    // Tests the candidate at `at`; true when the search is over (a nice match).
    let mut visit = |at: usize| {
        let candidate = string_at(window, at);
        if word_at(candidate, probe_at) & probe_mask == probe {
            let len = common_prefix(scan, candidate).min(MAX_MATCH);
            if len > best_len {
                match_start = at;
                best_len = len;
                if len >= nice_match {
                    return true;
                }
                (probe_at, probe_mask, probe) = probe_for(scan, best_len);
            }
        }
        false
    };
    let mut pair = links[strstart & (PREV_SIZE - 1)];
    loop {
        let (first, second) = (pair as u32, (pair >> 32) as u32);
        if visit(first as usize & (PREV_SIZE - 1)) || second <= base {
            break;
        }
        let at = second as usize & (PREV_SIZE - 1);
        // The next pair is read before the candidate is tested: the walk waits on this load
        // alone.
        pair = links[at];
        pairs_left -= 1;
        if visit(at) || pair as u32 <= base || pairs_left == 0 {
            break;
        }
    }
    (best_len.min(lookahead), match_start)
}

/// The [`MATCH_READ`] bytes at `at` (below [`PREV_SIZE`]).
#[inline(always)]
fn string_at(window: &[u8; WINDOW_SIZE], at: usize) -> &[u8; MATCH_READ] {
    let at = at & (PREV_SIZE - 1);
    window[at..at + MATCH_READ]
        .try_into()
        .expect("a constant length")
}

/// The 8 bytes at `at` (at most 255), little-endian.
#[inline(always)]
fn word_at(bytes: &[u8; MATCH_READ], at: usize) -> u64 {
    let at = at & 0xff;
    let word: [u8; 8] = bytes[at..at + 8].try_into().expect("a constant length");
    u64::from_le_bytes(word)
}

/// What a candidate must have to be longer than `best_len`: its bytes `0..=best_len` equal to
/// the scanned string's, checked on the 8 of them ending at `best_len` (all of them, masked,
/// when there are fewer). Returns the offset, the mask and the expected word.
#[inline(always)]
fn probe_for(scan: &[u8; MATCH_READ], best_len: usize) -> (usize, u64, u64) {
    const MASKS: [u64; 8] = {
        let mut t = [0u64; 8];
        let mut i = 0;
        while i < 8 {
            t[i] = u64::MAX >> (8 * (7 - i));
            i += 1;
        }
        t
    };
    let at = best_len.saturating_sub(7);
    let mask = MASKS[best_len.min(7)];
    (at, mask, word_at(scan, at) & mask)
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
/// zlib's `_tr_flush_block` for the last (and only) block, appended to `out`.
fn flush_block(out: &mut Vec<u8>, data: &[u8], s: &mut Scratch) {
    let b = &mut s.builder;
    b.opt_len = 0;
    b.static_len = 0;
    b.build_tree(&mut s.ltree, &L_KIND);
    b.build_tree(&mut s.dtree, &D_KIND);
    let (lmax, dmax) = (s.ltree.max_code, s.dtree.max_code);
    s.bl_syms.len = 0;
    scan_tree(&s.ltree, &mut s.bltree.freq, &mut s.bl_syms);
    scan_tree(&s.dtree, &mut s.bltree.freq, &mut s.bl_syms);
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
        // Block type 0 (stored), last: 3 bits, then padding to the byte.
        out.push(1);
        let len = data.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(data);
        return;
    }
    let syms = &s.syms[..s.syms_len];
    let bl_syms = &s.bl_syms.syms[..s.bl_syms.len];
    let mut bits = Bits {
        out: &mut s.block,
        pos: 0,
        buf: 0,
        valid: 0,
    };
    if static_lenb == opt_lenb {
        bits.send((1 << 1) + 1, 3);
        bits = compress_block(bits, syms, &STATIC_LCODES, &STATIC_DCODES);
    } else {
        bits.send((2 << 1) + 1, 3);
        let (lcodes, dcodes, blcodes) = (lmax + 1, dmax + 1, max_blindex + 1);
        bits.put(lcodes as u64 - 257, 5);
        bits.put(dcodes as u64 - 1, 5);
        bits.put(blcodes as u64 - 4, 4);
        bits.flush();
        // (3 bits each: up to 16 share a flush.)
        for group in BL_ORDER[..blcodes].chunks(16) {
            for &rank in group {
                bits.put(u64::from(bltree.len[usize::from(rank)]), 3);
            }
            bits.flush();
        }
        // zlib's send_tree for both trees: replay what scan_tree recorded.
        // (At most 7 + 7 bits each: three share a flush.)
        for group in bl_syms.chunks(3) {
            for &sym in group {
                let (symbol, extra) = (usize::from(sym & 0xff), u32::from(sym >> 8));
                bits.put_code(
                    bltree.code[symbol & SLOT_MASK],
                    extra,
                    u32::from(BL_EXTRA[symbol & SLOT_MASK]),
                );
            }
            bits.flush();
        }
        bits = compress_block(bits, syms, &s.ltree.code, &s.dtree.code);
    }
    let written = bits.finish();
    out.extend_from_slice(&s.block[..written]);
}

/// A match length's code and extra bits, by length - 3: the length symbol's offset from 257,
/// the number of extra bits (<< 8) and their value (<< 16).
static LENGTH_INFO: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut lc = 0;
    while lc < 256 {
        let code = TABLES_CONST.length_code[lc] as usize;
        let extra = lc as u32 - TABLES_CONST.base_length[code] as u32;
        t[lc] = code as u32 | (EXTRA_LBITS[code] as u32) << 8 | extra << 16;
        lc += 1;
    }
    t
};

/// `EXTRA_DBITS` and `base_dist`, padded to 32 entries (indexes masked, no bounds test).
static DIST_EXTRA_BITS: [u8; 32] = {
    let mut t = [0u8; 32];
    let mut i = 0;
    while i < D_CODES {
        t[i] = EXTRA_DBITS[i];
        i += 1;
    }
    t
};
static DIST_BASE: [u16; 32] = {
    let mut t = [0u16; 32];
    let mut i = 0;
    while i < D_CODES {
        t[i] = TABLES_CONST.base_dist[i];
        i += 1;
    }
    t
};

/// zlib's `compress_block`: each symbol with its extra bits, one flush per symbol (a match
/// is at most 15 + 5 + 15 + 13 = 48 bits).
fn compress_block<'a>(
    mut bits: Bits<'a>,
    syms: &[u32],
    lcodes: &[u32; SLOTS],
    dcodes: &[u32; SLOTS],
) -> Bits<'a> {
    // One symbol, whatever its kind (at most 48 bits).
    let put_symbol = |bits: &mut Bits<'a>, sym: u32| {
        let dist = (sym >> 8) as usize;
        let lc = (sym & 0xff) as usize;
        if dist == 0 {
            let code = lcodes[lc];
            bits.put(u64::from(code & 0xffff), code >> 16);
        } else {
            let info = LENGTH_INFO[lc];
            bits.put_code(
                lcodes[((info & 0xff) as usize + LITERALS + 1) & SLOT_MASK],
                info >> 16,
                (info >> 8) & 0xff,
            );
            let dist = dist - 1;
            let code = d_code(dist) & 31;
            bits.put_code(
                dcodes[code],
                (dist - usize::from(DIST_BASE[code])) as u32,
                u32::from(DIST_EXTRA_BITS[code]),
            );
        }
    };
    // Three literals (at most 45 bits) share a flush.
    let mut triples = syms.chunks_exact(3);
    for triple in &mut triples {
        let (a, b, c) = (triple[0], triple[1], triple[2]);
        if (a | b | c) >> 8 == 0 {
            for sym in [a, b, c] {
                let code = lcodes[(sym & 0xff) as usize];
                bits.put(u64::from(code & 0xffff), code >> 16);
            }
            bits.flush();
        } else {
            for sym in [a, b, c] {
                put_symbol(&mut bits, sym);
                bits.flush();
            }
        }
    }
    for &sym in triples.remainder() {
        put_symbol(&mut bits, sym);
        bits.flush();
    }
    bits.put_code(lcodes[END_BLOCK], 0, 0);
    bits.flush();
    bits
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

    /// zlib's `build_tree`, `gen_bitlen` and `gen_codes` transcribed literally from trees.c
    /// (a heap of node numbers, `smaller` on `Freq` then `depth`, parent links), as the
    /// reference for the tree builder: returns each symbol's length and code (unreversed
    /// codes are compared through their bit-reversed form), `opt_len`, `static_len`.
    // Index loops kept as in trees.c so the transcription reads line for line against it.
    #[allow(clippy::needless_range_loop)]
    fn zlib_build_tree(freq: &[u16], kind: &TreeKind) -> (Vec<u16>, Vec<u32>, i64, i64) {
        let elems = kind.elems;
        let heap_size = 2 * L_CODES + 1;
        let mut f = vec![0u32; heap_size];
        let mut dad = vec![0usize; heap_size];
        let mut len = vec![0u16; heap_size];
        let mut depth = vec![0u8; heap_size];
        let mut heap = vec![0usize; heap_size];
        let (mut heap_len, mut heap_max) = (0usize, heap_size);
        let (mut opt_len, mut static_len) = (0i64, 0i64);
        f[..elems].copy_from_slice(
            &freq[..elems]
                .iter()
                .map(|&x| u32::from(x))
                .collect::<Vec<_>>(),
        );
        let mut max_code: isize = -1;
        for n in 0..elems {
            if f[n] != 0 {
                heap_len += 1;
                heap[heap_len] = n;
                max_code = n as isize;
            }
        }
        while heap_len < 2 {
            let node = if max_code < 2 {
                max_code += 1;
                max_code as usize
            } else {
                0
            };
            heap_len += 1;
            heap[heap_len] = node;
            f[node] = 1;
            opt_len -= 1;
            if kind.has_static {
                static_len -= i64::from(kind.static_len[node]);
            }
        }
        let max_code = max_code as usize;
        let smaller = |f: &[u32], depth: &[u8], n: usize, m: usize| {
            f[n] < f[m] || (f[n] == f[m] && depth[n] <= depth[m])
        };
        let pqdownheap =
            |heap: &mut [usize], heap_len: usize, f: &[u32], depth: &[u8], mut k: usize| {
                let v = heap[k];
                let mut j = k << 1;
                while j <= heap_len {
                    if j < heap_len && smaller(f, depth, heap[j + 1], heap[j]) {
                        j += 1;
                    }
                    if smaller(f, depth, v, heap[j]) {
                        break;
                    }
                    heap[k] = heap[j];
                    k = j;
                    j <<= 1;
                }
                heap[k] = v;
            };
        for n in (1..=heap_len / 2).rev() {
            pqdownheap(&mut heap, heap_len, &f, &depth, n);
        }
        let mut node = elems;
        loop {
            let n = heap[1];
            heap[1] = heap[heap_len];
            heap_len -= 1;
            pqdownheap(&mut heap, heap_len, &f, &depth, 1);
            let m = heap[1];
            heap_max -= 1;
            heap[heap_max] = n;
            heap_max -= 1;
            heap[heap_max] = m;
            f[node] = f[n] + f[m];
            depth[node] = depth[n].max(depth[m]) + 1;
            dad[n] = node;
            dad[m] = node;
            heap[1] = node;
            node += 1;
            pqdownheap(&mut heap, heap_len, &f, &depth, 1);
            if heap_len < 2 {
                break;
            }
        }
        heap_max -= 1;
        heap[heap_max] = heap[1];
        // gen_bitlen
        let max_length = usize::from(kind.max_length);
        let mut bl_count = [0u16; MAX_BITS + 1];
        let mut overflow = 0i32;
        len[heap[heap_max]] = 0;
        let mut h = heap_max + 1;
        while h < heap_size {
            let n = heap[h];
            let mut bits = usize::from(len[dad[n]]) + 1;
            if bits > max_length {
                bits = max_length;
                overflow += 1;
            }
            len[n] = bits as u16;
            h += 1;
            if n > max_code {
                continue;
            }
            bl_count[bits] += 1;
            let xbits = i64::from(kind.extra_bits[n]);
            opt_len += i64::from(f[n]) * (bits as i64 + xbits);
            if kind.has_static {
                static_len += i64::from(f[n]) * (i64::from(kind.static_len[n]) + xbits);
            }
        }
        if overflow != 0 {
            loop {
                let mut bits = max_length - 1;
                while bl_count[bits] == 0 {
                    bits -= 1;
                }
                bl_count[bits] -= 1;
                bl_count[bits + 1] += 2;
                bl_count[max_length] -= 1;
                overflow -= 2;
                if overflow <= 0 {
                    break;
                }
            }
            let mut h = heap_size;
            for bits in (1..=max_length).rev() {
                let mut n = bl_count[bits];
                while n != 0 {
                    h -= 1;
                    let m = heap[h];
                    if m > max_code {
                        continue;
                    }
                    if usize::from(len[m]) != bits {
                        opt_len += (bits as i64 - i64::from(len[m])) * i64::from(f[m]);
                        len[m] = bits as u16;
                    }
                    n -= 1;
                }
            }
        }
        // gen_codes
        let mut next_code = [0u32; MAX_BITS + 1];
        let mut code = 0u32;
        for bits in 1..=MAX_BITS {
            code = (code + u32::from(bl_count[bits - 1])) << 1;
            next_code[bits] = code;
        }
        let mut codes = vec![0u32; elems];
        for n in 0..=max_code {
            let l = usize::from(len[n]);
            if l == 0 {
                continue;
            }
            codes[n] = packed_code(bi_reverse(next_code[l], l as u32), l as u32);
            next_code[l] += 1;
        }
        len.truncate(elems);
        (len, codes, opt_len, static_len)
    }

    fn check_tree_against_zlib(freq: &[u16], kind: &TreeKind) {
        let (len, codes, opt_len, static_len) = zlib_build_tree(freq, kind);
        let mut tree = Tree::new();
        tree.freq[..kind.elems].copy_from_slice(&freq[..kind.elems]);
        // Stale lengths and codes from an earlier tree must not leak through.
        tree.len.fill(9);
        let mut builder = Builder::new();
        builder.build_tree(&mut tree, kind);
        assert_eq!(&tree.len[..kind.elems], &len[..], "lengths for {freq:?}");
        for (n, &code) in codes.iter().enumerate() {
            if len[n] != 0 {
                assert_eq!(tree.code[n], code, "code of {n} for {freq:?}");
            }
        }
        assert_eq!(builder.opt_len, opt_len, "opt_len for {freq:?}");
        assert_eq!(builder.static_len, static_len, "static_len for {freq:?}");
    }

    #[test]
    fn trees_match_zlib_on_long_codes_and_ties() {
        let fib: Vec<u16> = std::iter::successors(Some((1u16, 1u16)), |&(a, b)| Some((b, a + b)))
            .map(|(a, _)| a)
            .take(19)
            .collect();
        let mut next = crate::test_support::xorshift(0x2545f4914f6cdd1du64);
        for kind in [&L_KIND, &D_KIND, &BL_KIND] {
            let elems = kind.elems;
            for round in 0..400 {
                let mut freq = vec![0u16; elems];
                match round % 5 {
                    // Fibonacci frequencies on scattered symbols: codes past the length limit.
                    0 => {
                        for &f in fib.iter().take(elems.min(19)) {
                            freq[next() as usize % elems] = f;
                        }
                    }
                    // Many equal frequencies: ties everywhere.
                    1 => {
                        for _ in 0..next() % 300 {
                            freq[next() as usize % elems] = 1 + (next() % 3) as u16;
                        }
                    }
                    // Zero, one or two symbols: forced codes.
                    2 => {
                        for _ in 0..round % 3 {
                            freq[next() as usize % elems] = 1 + (next() % 50) as u16;
                        }
                    }
                    // Skewed: powers of two.
                    3 => {
                        for i in 0..elems.min(15) {
                            freq[next() as usize % elems] = 1 << i;
                        }
                    }
                    _ => {
                        for f in freq.iter_mut() {
                            *f = (next() % 40) as u16 * u16::from(next().is_multiple_of(3));
                        }
                    }
                }
                check_tree_against_zlib(&freq, kind);
            }
        }
    }

    /// The chain walk stops after `MAX_CHAIN` candidates, or a quarter of them when a match of
    /// `GOOD_MATCH` is pending; the walk takes candidates two at a time. A longer match placed
    /// at every depth around both limits (so the walk ends on either candidate of a pair).
    #[test]
    fn chain_limits_match_c_zlib() {
        // Strings `abc`, a 2-byte tag, `defgh`: all on the hash chain of `abc`, each matching
        // 10 bytes with its own tag and 3 or 4 with the others.
        let tag = |i: usize| [b'A' + (i / 26) as u8, b'a' + (i % 26) as u8];
        const STRINGS: usize = 150;
        for depth in (20..40).chain(120..140) {
            let target = tag(STRINGS - depth);
            // (Not at position 0, which is never a candidate.)
            let mut data = b"--".to_vec();
            // A string that the query's first 8 bytes match: when the query starts with `X`,
            // the search at its `abc` has that 8-byte match pending (a quarter chain).
            data.extend_from_slice(b"Xabc");
            data.extend_from_slice(&target);
            data.extend_from_slice(b"deZZ");
            for i in 0..STRINGS {
                data.extend_from_slice(b"abc");
                data.extend_from_slice(&tag(i));
                data.extend_from_slice(b"defgh");
            }
            for first in [b'#', b'X'] {
                let mut data = data.clone();
                data.push(first);
                data.extend_from_slice(b"abc");
                data.extend_from_slice(&target);
                data.extend_from_slice(b"defgh!");
                assert_eq!(
                    ours(&data),
                    c_zlib(&data),
                    "depth {depth}, {}",
                    first as char
                );
            }
        }
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
        let mut next = crate::test_support::xorshift(0x9e3779b97f4a7c15u64);
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
                if r.is_multiple_of(3) {
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
