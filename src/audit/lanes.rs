//! Many SHA-1 HMACs at once: one candidate key per SIMD lane (16 with AVX-512, 8 with AVX2).
//!
//! Why lanes and not the CPU's SHA instructions: a guess against a Flask cookie is ten SHA-1
//! blocks, all independent across candidates. With SHA-NI a block costs ~38 ns alone and ~30 ns
//! when a few are interleaved (measured here); sixteen AVX-512 lanes run the same rounds with
//! rotates and three-input logic for ~9 ns per block and lane.
//!
//! Why `unsafe`: SIMD intrinsics are `unsafe` to call outside a function compiled for their
//! CPU feature, and such a function is `unsafe` to call. Everything here is plain arithmetic on
//! registers plus unaligned loads and stores of whole `[u32; 16]` arrays. The one obligation is
//! that the CPU supports the feature: [`Backend`] can only be made by [`Backend::detect`], which
//! checks it at run time, and every `unsafe` function below states that precondition.

/// Where each candidate's key material is in a batch, one SoA block per step: `blocks[b][w][l]`
/// is word `w` (big-endian) of block `b` of lane `l`.
pub(super) struct Batch {
    pub(super) blocks: [[[u32; MAX_LANES]; 16]; 2],
    /// Blocks per lane (1 or 2) for hashed keys; always 1 for HMAC and raw keys.
    pub(super) block_count: [u8; MAX_LANES],
}

/// The widest lane count of any backend.
pub(super) const MAX_LANES: usize = 16;

impl Batch {
    pub(super) fn new() -> Box<Batch> {
        Box::new(Batch {
            blocks: [[[0; MAX_LANES]; 16]; 2],
            block_count: [1; MAX_LANES],
        })
    }
}

/// One SHA-1 block with its message schedule precomputed, `W[t] + K[t]` for the 80 rounds: for
/// the blocks that do not depend on the key (salt and message), computed once per audit.
#[derive(Clone, Debug)]
pub(super) struct ConstBlock(pub(super) [u32; 80]);

const K: [u32; 4] = [0x5A82_7999, 0x6ED9_EBA1, 0x8F1B_BCDC, 0xCA62_C1D6];
pub(super) const IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

impl ConstBlock {
    pub(super) fn new(words: &[u32; 16]) -> ConstBlock {
        let mut w = [0u32; 80];
        w[..16].copy_from_slice(words);
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }
        for (t, wt) in w.iter_mut().enumerate() {
            *wt = wt.wrapping_add(K[t / 20]);
        }
        ConstBlock(w)
    }
}

/// How the MAC key comes from the candidate.
#[derive(Clone, Debug)]
pub(super) enum Derive {
    /// `HMAC-SHA1(key=candidate block, salt)`: the salt's blocks after the key block.
    Hmac(Vec<ConstBlock>),
    /// `SHA1(prefix + candidate)`: the state after the prefix's whole blocks; the lane blocks
    /// hold the rest (prefix tail, candidate, padding).
    Hash([u32; 5]),
    /// The candidate block is the key.
    Raw,
}

/// Everything key-independent about one (token, algorithm, salt) target.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub(super) derive: Derive,
    /// The signed message's blocks after the HMAC key block (padded for `64 + len` bytes).
    pub(super) message: Vec<ConstBlock>,
    /// The first word of the expected MAC: lanes that match it are checked exactly.
    pub(super) mac_word0: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

/// The SIMD kernel this CPU runs. Only [`Backend::detect`] makes one, after checking the CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Backend(Kind);

impl Backend {
    /// The widest kernel the CPU supports (`SIGNED_COOKIE_LANES=avx2|portable` narrows it, for
    /// tests and comparisons).
    pub(super) fn detect() -> Backend {
        let wanted = std::env::var("SIGNED_COOKIE_LANES").unwrap_or_default();
        #[cfg(target_arch = "x86_64")]
        {
            if wanted.is_empty() && std::arch::is_x86_feature_detected!("avx512f") {
                return Backend(Kind::Avx512);
            }
            if wanted != "portable" && std::arch::is_x86_feature_detected!("avx2") {
                return Backend(Kind::Avx2);
            }
        }
        let _ = wanted;
        Backend(Kind::Portable)
    }

    /// Every backend this CPU supports, widest first (for tests).
    #[cfg(test)]
    pub(super) fn all() -> Vec<Backend> {
        let mut all = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                all.push(Backend(Kind::Avx512));
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Backend(Kind::Avx2));
            }
        }
        all.push(Backend(Kind::Portable));
        all
    }

    /// Candidates per batch; 0 when there is no SIMD kernel (the caller tests one at a time).
    pub(super) fn lanes(self) -> usize {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => 16,
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => 8,
            Kind::Portable => 0,
        }
    }

    /// A short name for messages.
    pub(super) fn name(self) -> &'static str {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => "avx512",
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => "avx2",
            Kind::Portable => "portable",
        }
    }

    /// Runs `plan` on the first [`lanes`](Self::lanes) lanes of `batch`: bit `l` of the result
    /// is set when lane `l`'s MAC starts with the expected word (to be confirmed exactly).
    pub(super) fn run(self, plan: &Plan, batch: &Batch) -> u32 {
        match self.0 {
            // SAFETY: `Kind::Avx512` is only built by `detect`/`all` after
            // `is_x86_feature_detected!("avx512f")` returned true on this CPU.
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => unsafe { x86::run_avx512(plan, batch) },
            // SAFETY: as above, for "avx2".
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => unsafe { x86::run_avx2(plan, batch) },
            Kind::Portable => 0,
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Batch, ConstBlock, Derive, Plan, IV, K, MAX_LANES};
    use std::arch::x86_64::*;

    /// SHA-1 arithmetic on a vector of lanes.
    ///
    /// # Safety
    /// Every method requires the CPU feature of the implementing type (AVX-512F for [`A5`],
    /// AVX2 for [`A2`]).
    trait Lanes: Copy {
        const L: usize;
        unsafe fn splat(x: u32) -> Self;
        unsafe fn load(words: &[u32; MAX_LANES]) -> Self;
        unsafe fn store(self, out: &mut [u32; MAX_LANES]);
        unsafe fn add(a: Self, b: Self) -> Self;
        unsafe fn xor(a: Self, b: Self) -> Self;
        unsafe fn xor3(a: Self, b: Self, c: Self) -> Self;
        unsafe fn rotl<const N: i32, const M: i32>(a: Self) -> Self;
        unsafe fn ch(b: Self, c: Self, d: Self) -> Self;
        unsafe fn maj(b: Self, c: Self, d: Self) -> Self;
    }

    #[derive(Clone, Copy)]
    struct A5(__m512i);

    impl Lanes for A5 {
        const L: usize = 16;
        #[inline(always)]
        unsafe fn splat(x: u32) -> Self {
            A5(_mm512_set1_epi32(x as i32))
        }
        #[inline(always)]
        unsafe fn load(words: &[u32; MAX_LANES]) -> Self {
            // 16 words = 64 bytes, the whole array.
            A5(_mm512_loadu_si512(words.as_ptr().cast()))
        }
        #[inline(always)]
        unsafe fn store(self, out: &mut [u32; MAX_LANES]) {
            _mm512_storeu_si512(out.as_mut_ptr().cast(), self.0)
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            A5(_mm512_add_epi32(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn xor(a: Self, b: Self) -> Self {
            A5(_mm512_xor_si512(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn xor3(a: Self, b: Self, c: Self) -> Self {
            A5(_mm512_ternarylogic_epi32::<0x96>(a.0, b.0, c.0))
        }
        #[inline(always)]
        unsafe fn rotl<const N: i32, const M: i32>(a: Self) -> Self {
            A5(_mm512_rol_epi32::<N>(a.0))
        }
        #[inline(always)]
        unsafe fn ch(b: Self, c: Self, d: Self) -> Self {
            A5(_mm512_ternarylogic_epi32::<0xCA>(b.0, c.0, d.0))
        }
        #[inline(always)]
        unsafe fn maj(b: Self, c: Self, d: Self) -> Self {
            A5(_mm512_ternarylogic_epi32::<0xE8>(b.0, c.0, d.0))
        }
    }

    #[derive(Clone, Copy)]
    struct A2(__m256i);

    impl Lanes for A2 {
        const L: usize = 8;
        #[inline(always)]
        unsafe fn splat(x: u32) -> Self {
            A2(_mm256_set1_epi32(x as i32))
        }
        #[inline(always)]
        unsafe fn load(words: &[u32; MAX_LANES]) -> Self {
            // The first 8 words (32 bytes) of the 16.
            A2(_mm256_loadu_si256(words.as_ptr().cast()))
        }
        #[inline(always)]
        unsafe fn store(self, out: &mut [u32; MAX_LANES]) {
            _mm256_storeu_si256(out.as_mut_ptr().cast(), self.0)
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            A2(_mm256_add_epi32(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn xor(a: Self, b: Self) -> Self {
            A2(_mm256_xor_si256(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn xor3(a: Self, b: Self, c: Self) -> Self {
            A2(_mm256_xor_si256(_mm256_xor_si256(a.0, b.0), c.0))
        }
        #[inline(always)]
        unsafe fn rotl<const N: i32, const M: i32>(a: Self) -> Self {
            A2(_mm256_or_si256(
                _mm256_slli_epi32::<N>(a.0),
                _mm256_srli_epi32::<M>(a.0),
            ))
        }
        #[inline(always)]
        unsafe fn ch(b: Self, c: Self, d: Self) -> Self {
            A2(_mm256_xor_si256(
                d.0,
                _mm256_and_si256(b.0, _mm256_xor_si256(c.0, d.0)),
            ))
        }
        #[inline(always)]
        unsafe fn maj(b: Self, c: Self, d: Self) -> Self {
            A2(_mm256_or_si256(
                _mm256_and_si256(b.0, c.0),
                _mm256_and_si256(d.0, _mm256_or_si256(b.0, c.0)),
            ))
        }
    }

    /// SHA-1 compression of one block per lane. `wk` gives the round's `W[t] + K[t]`.
    ///
    /// # Safety
    /// The CPU supports `V`'s feature.
    // Inlined into the `#[target_feature]` entry points so the intrinsics compile to single
    // instructions; not in unoptimized builds, where one frame would hold every temporary of
    // all ten blocks and overflow a thread's stack.
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn rounds<V: Lanes>(state: &mut [V; 5], mut wk: impl FnMut(usize) -> V) {
        let [mut a, mut b, mut c, mut d, mut e] = *state;
        macro_rules! round {
            ($t:expr, $f:ident) => {{
                let t = $t;
                let tmp = V::add(
                    V::add(V::rotl::<5, 27>(a), V::$f(b, c, d)),
                    V::add(e, wk(t)),
                );
                e = d;
                d = c;
                c = V::rotl::<30, 2>(b);
                b = a;
                a = tmp;
            }};
        }
        // Fully unrolled: the rotating registers and the rolling schedule stay in registers.
        macro_rules! twenty {
            ($s:expr, $f:ident) => {
                round!($s, $f);
                round!($s + 1, $f);
                round!($s + 2, $f);
                round!($s + 3, $f);
                round!($s + 4, $f);
                round!($s + 5, $f);
                round!($s + 6, $f);
                round!($s + 7, $f);
                round!($s + 8, $f);
                round!($s + 9, $f);
                round!($s + 10, $f);
                round!($s + 11, $f);
                round!($s + 12, $f);
                round!($s + 13, $f);
                round!($s + 14, $f);
                round!($s + 15, $f);
                round!($s + 16, $f);
                round!($s + 17, $f);
                round!($s + 18, $f);
                round!($s + 19, $f);
            };
        }
        twenty!(0, ch);
        twenty!(20, xor3);
        twenty!(40, maj);
        twenty!(60, xor3);
        state[0] = V::add(state[0], a);
        state[1] = V::add(state[1], b);
        state[2] = V::add(state[2], c);
        state[3] = V::add(state[3], d);
        state[4] = V::add(state[4], e);
    }

    /// One block that differs per lane: the schedule is computed in the lanes.
    ///
    /// # Safety
    /// The CPU supports `V`'s feature.
    // Inlined into the `#[target_feature]` entry points so the intrinsics compile to single
    // instructions; not in unoptimized builds, where one frame would hold every temporary of
    // all ten blocks and overflow a thread's stack.
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn compress<V: Lanes>(state: &mut [V; 5], block: &[V; 16]) {
        let mut w = *block;
        let ks = [
            V::splat(K[0]),
            V::splat(K[1]),
            V::splat(K[2]),
            V::splat(K[3]),
        ];
        rounds(state, |t| {
            let wt = if t < 16 {
                w[t]
            } else {
                let x = V::rotl::<1, 31>(V::xor(
                    V::xor3(w[(t + 13) & 15], w[(t + 8) & 15], w[(t + 2) & 15]),
                    w[t & 15],
                ));
                w[t & 15] = x;
                x
            };
            V::add(wt, ks[t / 20])
        });
    }

    /// One block that is the same in every lane, schedule precomputed.
    ///
    /// # Safety
    /// The CPU supports `V`'s feature.
    // Inlined into the `#[target_feature]` entry points so the intrinsics compile to single
    // instructions; not in unoptimized builds, where one frame would hold every temporary of
    // all ten blocks and overflow a thread's stack.
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn compress_const<V: Lanes>(state: &mut [V; 5], block: &ConstBlock) {
        rounds(state, |t| V::splat(block.0[t]));
    }

    /// `HMAC-SHA1(key, message)` per lane, for a key of at most 64 bytes given as its
    /// zero-padded block, and a message given as its blocks after the key block.
    ///
    /// # Safety
    /// The CPU supports `V`'s feature.
    // Inlined into the `#[target_feature]` entry points so the intrinsics compile to single
    // instructions; not in unoptimized builds, where one frame would hold every temporary of
    // all ten blocks and overflow a thread's stack.
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn hmac<V: Lanes>(key: &[V; 16], message: &[ConstBlock]) -> [V; 5] {
        let iv = [
            V::splat(IV[0]),
            V::splat(IV[1]),
            V::splat(IV[2]),
            V::splat(IV[3]),
            V::splat(IV[4]),
        ];
        let (ipad, opad) = (V::splat(0x3636_3636), V::splat(0x5c5c_5c5c));
        let mut block = [ipad; 16];
        for (b, k) in block.iter_mut().zip(key) {
            *b = V::xor(*k, ipad);
        }
        let mut inner = iv;
        compress(&mut inner, &block);
        for b in message {
            compress_const(&mut inner, b);
        }
        for (b, k) in block.iter_mut().zip(key) {
            *b = V::xor(*k, opad);
        }
        let mut outer = iv;
        compress(&mut outer, &block);
        // The inner digest, padded for a 64 + 20 byte message.
        let zero = V::splat(0);
        let mut last = [zero; 16];
        last[..5].copy_from_slice(&inner);
        last[5] = V::splat(0x8000_0000);
        last[15] = V::splat((64 + 20) * 8);
        compress(&mut outer, &last);
        outer
    }

    /// # Safety
    /// The CPU supports `V`'s feature.
    // Inlined into the `#[target_feature]` entry points so the intrinsics compile to single
    // instructions; not in unoptimized builds, where one frame would hold every temporary of
    // all ten blocks and overflow a thread's stack.
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    unsafe fn run<V: Lanes>(plan: &Plan, batch: &Batch) -> u32 {
        let load_block = |b: usize| {
            let mut out = [V::splat(0); 16];
            for (o, words) in out.iter_mut().zip(&batch.blocks[b]) {
                *o = V::load(words);
            }
            out
        };
        let zero = V::splat(0);
        let mut key = [zero; 16];
        match &plan.derive {
            Derive::Raw => key = load_block(0),
            Derive::Hmac(salt) => key[..5].copy_from_slice(&hmac(&load_block(0), salt)),
            Derive::Hash(prefix_state) => {
                let mut state = [zero; 5];
                for (s, &p) in state.iter_mut().zip(prefix_state) {
                    *s = V::splat(p);
                }
                compress(&mut state, &load_block(0));
                let lanes = &batch.block_count[..V::L];
                if lanes.contains(&2) {
                    let mut after_one = [[0u32; MAX_LANES]; 5];
                    for (words, s) in after_one.iter_mut().zip(&state) {
                        s.store(words);
                    }
                    compress(&mut state, &load_block(1));
                    // Lanes whose key fit one block keep the state after it.
                    for (s, one) in state.iter_mut().zip(&after_one) {
                        let mut words = [0u32; MAX_LANES];
                        s.store(&mut words);
                        for (l, &n) in lanes.iter().enumerate() {
                            if n == 1 {
                                words[l] = one[l];
                            }
                        }
                        *s = V::load(&words);
                    }
                }
                key[..5].copy_from_slice(&state);
            }
        }
        let mac = hmac(&key, &plan.message);
        let mut words = [0u32; MAX_LANES];
        mac[0].store(&mut words);
        let mut hits = 0u32;
        for (l, &w) in words.iter().take(V::L).enumerate() {
            if w == plan.mac_word0 {
                hits |= 1 << l;
            }
        }
        hits
    }

    /// # Safety
    /// The CPU supports AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn run_avx512(plan: &Plan, batch: &Batch) -> u32 {
        run::<A5>(plan, batch)
    }

    /// # Safety
    /// The CPU supports AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn run_avx2(plan: &Plan, batch: &Batch) -> u32 {
        run::<A2>(plan, batch)
    }
}

/// Plain SHA-1 compression of one block (for the key-independent prefix of hashed keys).
pub(super) fn compress_scalar(state: &mut [u32; 5], words: &[u32; 16]) {
    let wk = ConstBlock::new(words);
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for (t, &wkt) in wk.0.iter().enumerate() {
        let f = match t / 20 {
            0 => d ^ (b & (c ^ d)),
            2 => (b & c) | (d & (b | c)),
            _ => b ^ c ^ d,
        };
        let tmp = a
            .rotate_left(5)
            .wrapping_add(f)
            .wrapping_add(e)
            .wrapping_add(wkt);
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = tmp;
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *s = s.wrapping_add(v);
    }
}

/// Big-endian words of a 64-byte block.
pub(super) fn words_of(block: &[u8; 64]) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    w
}

/// The blocks of `message` padded as SHA-1 pads it when `already` bytes (whole blocks)
/// precede it.
pub(super) fn padded_blocks(message: &[u8], already: usize) -> Vec<[u32; 16]> {
    let mut bytes = message.to_vec();
    bytes.push(0x80);
    while bytes.len() % 64 != 56 {
        bytes.push(0);
    }
    let bits = ((already + message.len()) as u64).wrapping_mul(8);
    bytes.extend_from_slice(&bits.to_be_bytes());
    bytes
        .chunks_exact(64)
        .map(|c| {
            let mut block = [0u8; 64];
            block.copy_from_slice(c);
            words_of(&block)
        })
        .collect()
}
