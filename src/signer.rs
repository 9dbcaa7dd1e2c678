//! `Signer`: HMAC signatures over a value, with a salt, a key derivation, a digest, a separator
//! and a list of keys (the newest signs, every key verifies), as itsdangerous' `Signer` and
//! Django's `signing.Signer` compute them.
// The decode path: no input may panic. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::encoding::{base64url_decode_slice, base64url_encode_into, base64url_encode_slice};
use crate::error::{ConfigError, Error, SignatureFault};
use hmac::Mac;
use sha1::digest::generic_array::{typenum::U64, GenericArray};

/// A block of the 64-byte-block hashes, as their compression functions take it.
type Block = GenericArray<u8, U64>;
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// The hash function used both to derive the key and as the HMAC digest.
///
/// ```
/// use signed_cookie::Digest;
/// assert_eq!("sha256".parse::<Digest>().unwrap(), Digest::Sha256);
/// assert_eq!(Digest::Sha1.output_len(), 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Digest {
    /// SHA-1: itsdangerous, Flask, Starlette, Django ≤ 3.0.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256: Django ≥ 3.1.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512: itsdangerous 1.1's fallback signer.
    Sha512,
}

impl Digest {
    /// Length of the digest in bytes.
    ///
    /// ```
    /// assert_eq!(signed_cookie::Digest::Sha512.output_len(), 64);
    /// ```
    pub fn output_len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha224 => 28,
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        }
    }

    /// The name `hashlib` gives it.
    ///
    /// ```
    /// assert_eq!(signed_cookie::Digest::Sha384.name(), "sha384");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Digest::Sha1 => "sha1",
            Digest::Sha224 => "sha224",
            Digest::Sha256 => "sha256",
            Digest::Sha384 => "sha384",
            Digest::Sha512 => "sha512",
        }
    }

    /// `H(part0 + part1 + …)`, wiped on drop (it is a derived key).
    fn hash(self, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            let mut out = h.finalize();
            let key = Zeroizing::new(out.to_vec());
            out.as_mut_slice().zeroize();
            key
        }
        match self {
            Digest::Sha1 => run::<Sha1>(parts),
            Digest::Sha224 => run::<Sha224>(parts),
            Digest::Sha256 => run::<Sha256>(parts),
            Digest::Sha384 => run::<Sha384>(parts),
            Digest::Sha512 => run::<Sha512>(parts),
        }
    }
}

impl std::str::FromStr for Digest {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Ok(match s {
            "sha1" => Digest::Sha1,
            "sha224" => Digest::Sha224,
            "sha256" => Digest::Sha256,
            "sha384" => Digest::Sha384,
            "sha512" => Digest::Sha512,
            _ => return Err(ConfigError::UnknownDigest(s.to_owned())),
        })
    }
}

/// How the signing key is derived from the secret and the salt (itsdangerous'
/// `key_derivation`).
///
/// ```
/// use signed_cookie::KeyDerivation;
/// assert_eq!("django-concat".parse::<KeyDerivation>().unwrap(), KeyDerivation::DjangoConcat);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyDerivation {
    /// `H(salt + secret)`.
    Concat,
    /// `H(salt + "signer" + secret)`: itsdangerous' default, and Django's `salted_hmac`.
    DjangoConcat,
    /// `HMAC(key = secret, msg = salt)`: Flask.
    Hmac,
    /// The secret itself.
    None,
}

impl KeyDerivation {
    /// The name itsdangerous gives it.
    ///
    /// ```
    /// assert_eq!(signed_cookie::KeyDerivation::Hmac.name(), "hmac");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            KeyDerivation::Concat => "concat",
            KeyDerivation::DjangoConcat => "django-concat",
            KeyDerivation::Hmac => "hmac",
            KeyDerivation::None => "none",
        }
    }

    /// Derives the MAC key from a secret and a salt. The key is wiped from memory when the
    /// returned buffer is dropped.
    ///
    /// ```
    /// use signed_cookie::{Digest, KeyDerivation};
    /// let k = KeyDerivation::Concat.derive(Digest::Sha1, b"secret", b"salt");
    /// assert_eq!(k.len(), 20);
    /// ```
    pub fn derive(self, digest: Digest, secret: &[u8], salt: &[u8]) -> Zeroizing<Vec<u8>> {
        match self {
            KeyDerivation::Concat => digest.hash(&[salt, secret]),
            KeyDerivation::DjangoConcat => digest.hash(&[salt, b"signer", secret]),
            KeyDerivation::Hmac => {
                let mut mac = MacKey::new(digest, secret).sign(salt);
                let key = Zeroizing::new(mac.as_ref().to_vec());
                mac.bytes.zeroize();
                key
            }
            KeyDerivation::None => Zeroizing::new(secret.to_vec()),
        }
    }
}

impl std::str::FromStr for KeyDerivation {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Ok(match s {
            "concat" => KeyDerivation::Concat,
            "django-concat" => KeyDerivation::DjangoConcat,
            "hmac" => KeyDerivation::Hmac,
            "none" => KeyDerivation::None,
            _ => return Err(ConfigError::UnknownKeyDerivation(s.to_owned())),
        })
    }
}

/// A MAC output, at most 64 bytes, kept on the stack.
///
/// ```
/// let mac = signed_cookie::Signer::builder("k").build().unwrap().mac(b"v");
/// assert_eq!(mac.as_ref().len(), 20);
/// ```
#[derive(Clone, Copy)]
pub struct MacOutput {
    bytes: [u8; 64],
    len: usize,
}

impl AsRef<[u8]> for MacOutput {
    fn as_ref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// An HMAC keyed once: the inner and outer pad states are computed when the signer is built
/// and cloned per call, so no key schedule runs per signature.
///
/// What stays in memory: the two hash states after absorbing `key ⊕ ipad` and `key ⊕ opad`.
/// They are not the derived key, but they are key-equivalent (they compute MACs).
///
/// SHA-1, SHA-224 and SHA-256 (the digests of every framework's default) keep the two states as
/// raw compression states ([`PadStates`]), wiped on drop. SHA-384 and SHA-512 go through
/// RustCrypto `hmac` 0.12 / `digest` 0.10 / `sha2` 0.10, which have no `zeroize` support (no
/// feature, no `Drop` wipe): their states and hmac's internal key block are not wiped. The
/// secret, the prefixed secret and the derived key bytes always are (`Zeroizing`).
#[derive(Clone)]
enum MacKey {
    Sha1(PadStates<Sha1Compress>),
    Sha224(PadStates<Sha224Compress>),
    Sha256(PadStates<Sha256Compress>),
    Sha384(hmac::Hmac<Sha384>),
    Sha512(hmac::Hmac<Sha512>),
}

/// A hash of 64-byte blocks with a 64-bit big-endian length (SHA-1, SHA-2/256), by its
/// compression function.
trait Compress64 {
    type State: Copy + Zeroize;
    const INITIAL: Self::State;
    /// Output bytes (a prefix of the state's big-endian words).
    const OUTPUT: usize;
    fn compress(state: &mut Self::State, blocks: &[Block]);
    /// The state's words, big-endian.
    fn output(state: &Self::State, out: &mut [u8; 64]);
    /// The hash of a key longer than a block (HMAC hashes it first).
    fn hash(data: &[u8]) -> Vec<u8>;
}

#[derive(Clone, Copy)]
struct Sha1Compress;
#[derive(Clone, Copy)]
struct Sha224Compress;
#[derive(Clone, Copy)]
struct Sha256Compress;

fn words_be<const N: usize>(state: &[u32; N], out: &mut [u8; 64]) {
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
}

impl Compress64 for Sha1Compress {
    type State = [u32; 5];
    const INITIAL: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    const OUTPUT: usize = 20;
    fn compress(state: &mut [u32; 5], blocks: &[Block]) {
        sha1::compress(state, blocks);
    }
    fn output(state: &[u32; 5], out: &mut [u8; 64]) {
        words_be(state, out);
    }
    fn hash(data: &[u8]) -> Vec<u8> {
        <Sha1 as sha1::Digest>::digest(data).to_vec()
    }
}

impl Compress64 for Sha224Compress {
    type State = [u32; 8];
    const INITIAL: [u32; 8] = [
        0xc105_9ed8,
        0x367c_d507,
        0x3070_dd17,
        0xf70e_5939,
        0xffc0_0b31,
        0x6858_1511,
        0x64f9_8fa7,
        0xbefa_4fa4,
    ];
    const OUTPUT: usize = 28;
    fn compress(state: &mut [u32; 8], blocks: &[Block]) {
        sha2::compress256(state, blocks);
    }
    fn output(state: &[u32; 8], out: &mut [u8; 64]) {
        words_be(state, out);
    }
    fn hash(data: &[u8]) -> Vec<u8> {
        <Sha224 as sha2::Digest>::digest(data).to_vec()
    }
}

impl Compress64 for Sha256Compress {
    type State = [u32; 8];
    const INITIAL: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const OUTPUT: usize = 32;
    fn compress(state: &mut [u32; 8], blocks: &[Block]) {
        sha2::compress256(state, blocks);
    }
    fn output(state: &[u32; 8], out: &mut [u8; 64]) {
        words_be(state, out);
    }
    fn hash(data: &[u8]) -> Vec<u8> {
        <Sha256 as sha2::Digest>::digest(data).to_vec()
    }
}

/// Copies `bytes` into `buf` at `at` (the positions are constants and lengths below the block
/// size: always in bounds).
fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

/// Message blocks hashed per call when a MAC's input is long (16 blocks: 1 KiB of stack).
const MAC_BATCH: usize = 16;

/// HMAC (RFC 2104) as two compression states, after `key ⊕ ipad` and after `key ⊕ opad`: a
/// MAC compresses the message's blocks straight from the input, its padded tail, and one outer
/// block (`hmac` clones a buffered hasher per call and copies every block through its buffer).
/// The states are wiped when dropped.
#[derive(Clone)]
struct PadStates<H: Compress64> {
    inner: H::State,
    outer: H::State,
}

impl<H: Compress64> Drop for PadStates<H> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

impl<H: Compress64> PadStates<H> {
    fn new(key: &[u8]) -> Self {
        let hashed;
        let key = if key.len() > 64 {
            hashed = Zeroizing::new(H::hash(key));
            hashed.as_slice()
        } else {
            key
        };
        let keyed = |pad: u8| {
            let mut block = Block::default();
            for (i, b) in block.iter_mut().enumerate() {
                *b = key.get(i).copied().unwrap_or(0) ^ pad;
            }
            let mut state = H::INITIAL;
            H::compress(&mut state, std::slice::from_ref(&block));
            block.zeroize();
            state
        };
        PadStates {
            inner: keyed(0x36),
            outer: keyed(0x5c),
        }
    }

    fn sign(&self, message: &[u8], out: &mut MacOutput) {
        let mut state = self.inner;
        let (whole, tail) = message.as_chunks::<64>();
        // A call per block costs ~40 cycles of setup (state load, store, feature check): long
        // messages go in batches copied to the stack, one call each; a block or two go straight
        // from the input (there the copy stalls more than the calls cost).
        if whole.len() > 2 {
            let mut batch = [Block::default(); MAC_BATCH];
            for blocks in whole.chunks(MAC_BATCH) {
                for (dst, src) in batch.iter_mut().zip(blocks) {
                    dst.copy_from_slice(src);
                }
                H::compress(&mut state, batch.get(..blocks.len()).unwrap_or_default());
            }
        } else {
            for block in whole {
                H::compress(&mut state, std::slice::from_ref(Block::from_slice(block)));
            }
        }
        // The tail, 0x80, zeros, and the bit length of ipad block + message: one block, or two
        // when the tail leaves less than 9 bytes.
        let mut last = [0u8; 128];
        let padding = if tail.len() < 56 { 1 } else { 2 };
        put(&mut last, 0, tail);
        put(&mut last, tail.len(), &[0x80]);
        let bits = (64 + message.len() as u64) * 8;
        put(&mut last, padding * 64 - 8, &bits.to_be_bytes());
        for block in last.as_chunks::<64>().0.iter().take(padding) {
            H::compress(&mut state, std::slice::from_ref(Block::from_slice(block)));
        }
        let mut inner_hash = [0u8; 64];
        H::output(&state, &mut inner_hash);
        // The outer block: the inner hash, 0x80, zeros, the bit length of opad block + hash.
        let mut outer = [0u8; 64];
        put(
            &mut outer,
            0,
            inner_hash.get(..H::OUTPUT).unwrap_or_default(),
        );
        put(&mut outer, H::OUTPUT, &[0x80]);
        put(&mut outer, 56, &((64 + H::OUTPUT as u64) * 8).to_be_bytes());
        let mut state = self.outer;
        H::compress(&mut state, std::slice::from_ref(Block::from_slice(&outer)));
        let mut full = [0u8; 64];
        H::output(&state, &mut full);
        // Only the output: the bytes after it stay zero (SHA-224 drops a word of its state).
        put(&mut out.bytes, 0, full.get(..H::OUTPUT).unwrap_or_default());
        out.len = H::OUTPUT;
    }
}

impl MacKey {
    fn new(digest: Digest, key: &[u8]) -> Self {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        macro_rules! keyed {
            ($variant:ident, $d:ty) => {
                match hmac::Hmac::<$d>::new_from_slice(key) {
                    Ok(m) => MacKey::$variant(m),
                    Err(_) => unreachable!("HMAC takes keys of any length"),
                }
            };
        }
        match digest {
            Digest::Sha1 => MacKey::Sha1(PadStates::new(key)),
            Digest::Sha224 => MacKey::Sha224(PadStates::new(key)),
            Digest::Sha256 => MacKey::Sha256(PadStates::new(key)),
            Digest::Sha384 => keyed!(Sha384, Sha384),
            Digest::Sha512 => keyed!(Sha512, Sha512),
        }
    }

    fn sign(&self, message: &[u8]) -> MacOutput {
        let mut out = MacOutput {
            bytes: [0; 64],
            len: 0,
        };
        macro_rules! by_hmac {
            ($m:expr) => {{
                let mut m = $m.clone();
                m.update(message);
                let tag = m.finalize().into_bytes();
                if let Some(dst) = out.bytes.get_mut(..tag.len()) {
                    dst.copy_from_slice(&tag);
                    out.len = tag.len();
                }
            }};
        }
        match self {
            MacKey::Sha1(states) => states.sign(message, &mut out),
            MacKey::Sha224(states) => states.sign(message, &mut out),
            MacKey::Sha256(states) => states.sign(message, &mut out),
            MacKey::Sha384(m) => by_hmac!(m),
            MacKey::Sha512(m) => by_hmac!(m),
        }
        out
    }

    /// Whether `signature` is the MAC of `message`, compared in constant time.
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        ct_eq_bytes(self.sign(message).as_ref(), signature)
    }
}

/// Whether `a` equals `b`, in time that depends only on their lengths (public).
///
/// Eight bytes at a time, their differences ORed, and the result compared by `subtle` through
/// its optimization barrier: one call, not one per byte as `hmac`'s `verify_slice` makes.
fn ct_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    if a.len() != b.len() {
        return false;
    }
    // The differing bits of all words (then bytes), ORed: no branch, no early exit.
    let ((a_words, a_rest), (b_words, b_rest)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    let mut diff = 0u64;
    for (x, y) in a_words.iter().zip(b_words) {
        diff |= u64::from_le_bytes(*x) ^ u64::from_le_bytes(*y);
    }
    for (x, y) in a_rest.iter().zip(b_rest) {
        diff |= u64::from(x ^ y);
    }
    diff.ct_eq(&0).into()
}

/// A secret key. Its `Debug` output never shows the bytes, and the bytes are wiped from memory
/// when it is dropped.
///
/// ```
/// let k = signed_cookie::SecretKey::from("hunter2");
/// assert_eq!(format!("{k:?}"), "SecretKey(7 bytes)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// The raw bytes of the key.
    ///
    /// ```
    /// assert_eq!(signed_cookie::SecretKey::from("k").as_bytes(), b"k");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes)", self.0.len())
    }
}

impl From<&str> for SecretKey {
    fn from(s: &str) -> Self {
        SecretKey(s.as_bytes().to_vec())
    }
}
impl From<String> for SecretKey {
    fn from(s: String) -> Self {
        SecretKey(s.into_bytes())
    }
}
impl From<&[u8]> for SecretKey {
    fn from(s: &[u8]) -> Self {
        SecretKey(s.to_vec())
    }
}
impl From<Vec<u8>> for SecretKey {
    fn from(s: Vec<u8>) -> Self {
        SecretKey(s)
    }
}

/// The keys of a signer: the current one signs and is tried first; fallbacks (older keys)
/// still verify, tried in the order given.
///
/// ```
/// use signed_cookie::Keys;
/// let keys = Keys::new("new").with_fallbacks(["old", "older"]);
/// assert_eq!(keys.len(), 3);
/// // itsdangerous' and Flask's order: oldest first, newest last.
/// let same = Keys::from_oldest_to_newest(["older", "old", "new"]).unwrap();
/// assert_eq!(same, keys);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    current: SecretKey,
    fallbacks: Vec<SecretKey>,
}

impl Keys {
    /// One key that signs and verifies.
    ///
    /// ```
    /// let keys = signed_cookie::Keys::new("secret");
    /// assert_eq!(keys.current().as_bytes(), b"secret");
    /// ```
    pub fn new(current: impl Into<SecretKey>) -> Self {
        Keys {
            current: current.into(),
            fallbacks: Vec::new(),
        }
    }

    /// Adds older keys that still verify (Flask's and Django's `SECRET_KEY_FALLBACKS`).
    ///
    /// ```
    /// let keys = signed_cookie::Keys::new("new").with_fallbacks(["old"]);
    /// assert_eq!(keys.fallbacks()[0].as_bytes(), b"old");
    /// ```
    pub fn with_fallbacks<K: Into<SecretKey>>(mut self, keys: impl IntoIterator<Item = K>) -> Self {
        self.fallbacks.extend(keys.into_iter().map(Into::into));
        self
    }

    /// itsdangerous' key list order: oldest first, the last one signs. `None` when empty.
    ///
    /// ```
    /// let keys = signed_cookie::Keys::from_oldest_to_newest(["a", "b"]).unwrap();
    /// assert_eq!(keys.current().as_bytes(), b"b");
    /// ```
    pub fn from_oldest_to_newest<K: Into<SecretKey>>(
        keys: impl IntoIterator<Item = K>,
    ) -> Option<Self> {
        let mut all: Vec<SecretKey> = keys.into_iter().map(Into::into).collect();
        let current = all.pop()?;
        all.reverse();
        Some(Keys {
            current,
            fallbacks: all,
        })
    }

    /// The key that signs.
    ///
    /// ```
    /// assert_eq!(signed_cookie::Keys::new("k").current().as_bytes(), b"k");
    /// ```
    pub fn current(&self) -> &SecretKey {
        &self.current
    }

    /// The older keys, in the order they are tried.
    ///
    /// ```
    /// assert!(signed_cookie::Keys::new("k").fallbacks().is_empty());
    /// ```
    pub fn fallbacks(&self) -> &[SecretKey] {
        &self.fallbacks
    }

    /// All keys, current first.
    ///
    /// ```
    /// let keys = signed_cookie::Keys::new("a").with_fallbacks(["b"]);
    /// assert_eq!(keys.iter().count(), 2);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &SecretKey> {
        std::iter::once(&self.current).chain(self.fallbacks.iter())
    }

    /// How many keys there are.
    ///
    /// ```
    /// assert_eq!(signed_cookie::Keys::new("a").len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        1 + self.fallbacks.len()
    }

    /// Always false: there is always a current key.
    ///
    /// ```
    /// assert!(!signed_cookie::Keys::new("a").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl<K: Into<SecretKey>> From<K> for Keys {
    fn from(k: K) -> Self {
        Keys::new(k)
    }
}

/// The algorithm half of a signer: how keys are derived and which hash makes the MAC.
///
/// ```
/// use signed_cookie::{Algorithm, Digest, KeyDerivation};
/// let flask = Algorithm::new(KeyDerivation::Hmac, Digest::Sha1);
/// assert_eq!(flask.digest, Digest::Sha1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Algorithm {
    /// Key derivation.
    pub key_derivation: KeyDerivation,
    /// Digest for both the derivation and the MAC.
    pub digest: Digest,
}

impl Algorithm {
    /// Pairs a key derivation with a digest.
    ///
    /// ```
    /// let a = signed_cookie::Algorithm::new(
    ///     signed_cookie::KeyDerivation::DjangoConcat,
    ///     signed_cookie::Digest::Sha256,
    /// );
    /// assert_eq!(a.key_derivation.name(), "django-concat");
    /// ```
    pub const fn new(key_derivation: KeyDerivation, digest: Digest) -> Self {
        Algorithm {
            key_derivation,
            digest,
        }
    }
}

/// Which key (and algorithm) verified a token.
///
/// ```
/// use signed_cookie::{Keys, Signer};
/// let old = Signer::builder(Keys::new("old")).build().unwrap();
/// let rotated = Signer::builder(Keys::new("new").with_fallbacks(["old"])).build().unwrap();
/// let (_, by) = rotated.unsign(&old.sign("v")).unwrap();
/// assert_eq!(by.key_index, 1);
/// assert!(by.is_fallback());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedBy {
    /// Index into [`Keys::iter`]: 0 is the current key.
    pub key_index: usize,
    /// Index of the algorithm: 0 is the one that signs, others are legacy ones still accepted.
    pub algorithm_index: usize,
}

impl VerifiedBy {
    /// True when anything but the current key and algorithm verified: the token should be
    /// re-signed to complete a rotation.
    ///
    /// ```
    /// let by = signed_cookie::VerifiedBy { key_index: 0, algorithm_index: 0 };
    /// assert!(!by.is_fallback());
    /// ```
    pub fn is_fallback(&self) -> bool {
        self.key_index != 0 || self.algorithm_index != 0
    }
}

/// A derived, keyed MAC for one (key, algorithm) pair.
#[derive(Clone)]
struct Verifier {
    mac: MacKey,
    by: VerifiedBy,
    signature_len: usize,
}

/// Signs values and verifies signed values: `value SEP b64u(HMAC(derived_key, value))`.
///
/// Keys are derived once when the signer is built. Verification decodes the signature strictly
/// and compares it in constant time against each key in turn.
///
/// ```
/// use signed_cookie::{Digest, KeyDerivation, Keys, Signer};
/// let signer = Signer::builder(Keys::new("secret-key"))
///     .salt("itsdangerous.Signer")
///     .key_derivation(KeyDerivation::DjangoConcat)
///     .digest(Digest::Sha1)
///     .build()?;
/// let token = signer.sign("hello");
/// // The same token as Python's `itsdangerous.Signer("secret-key").sign("hello")`.
/// assert_eq!(token, "hello.GIG_I5genEs4rf1bcDRWLO8Yso4");
/// assert_eq!(signer.unsign(&token)?.0, "hello");
/// assert!(signer.unsign("hello.GIG_I5genEs4rf1bcDRWLO8Yso5").is_err());
/// # Ok::<(), signed_cookie::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    separator: char,
    /// The current key with the signing algorithm (boxed: HMAC states are large).
    signing: Box<Verifier>,
    /// Every other (key, algorithm) pair, tried after `signing` in order.
    others: Vec<Verifier>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("separator", &self.separator)
            .field("verifiers", &(1 + self.others.len()))
            .finish_non_exhaustive()
    }
}

/// Builds a [`Signer`]; the defaults are itsdangerous' `Signer` defaults.
///
/// ```
/// let s = signed_cookie::Signer::builder("k").separator(':').build().unwrap();
/// assert_eq!(s.separator(), ':');
/// ```
#[derive(Debug, Clone)]
pub struct SignerBuilder {
    keys: Keys,
    salt: Vec<u8>,
    secret_prefix: Vec<u8>,
    algorithm: Algorithm,
    legacy: Vec<Algorithm>,
    separator: char,
}

impl SignerBuilder {
    /// The salt (default `itsdangerous.Signer`).
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").salt("cookie-session").build().unwrap();
    /// # let _ = s;
    /// ```
    pub fn salt(mut self, salt: impl AsRef<[u8]>) -> Self {
        self.salt = salt.as_ref().to_vec();
        self
    }

    /// Bytes put before every secret before derivation (Django's cookie signer uses
    /// `django.http.cookies`).
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").secret_prefix("django.http.cookies").build();
    /// assert!(s.is_ok());
    /// ```
    pub fn secret_prefix(mut self, prefix: impl AsRef<[u8]>) -> Self {
        self.secret_prefix = prefix.as_ref().to_vec();
        self
    }

    /// The key derivation (default `django-concat`).
    ///
    /// ```
    /// use signed_cookie::{KeyDerivation, Signer};
    /// let s = Signer::builder("k").key_derivation(KeyDerivation::Hmac).build();
    /// assert!(s.is_ok());
    /// ```
    pub fn key_derivation(mut self, kd: KeyDerivation) -> Self {
        self.algorithm.key_derivation = kd;
        self
    }

    /// The digest (default SHA-1).
    ///
    /// ```
    /// use signed_cookie::{Digest, Signer};
    /// let s = Signer::builder("k").digest(Digest::Sha256).build().unwrap();
    /// assert_eq!(s.sign("v").len(), 2 + 43);
    /// ```
    pub fn digest(mut self, digest: Digest) -> Self {
        self.algorithm.digest = digest;
        self
    }

    /// Key derivation and digest at once.
    ///
    /// ```
    /// use signed_cookie::{Algorithm, Digest, KeyDerivation, Signer};
    /// let s = Signer::builder("k").algorithm(Algorithm::new(KeyDerivation::Hmac, Digest::Sha1));
    /// assert!(s.build().is_ok());
    /// ```
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Another algorithm that still verifies but never signs (Django 3.1–3.2 accept SHA-1;
    /// itsdangerous 1.1 accepts SHA-512 with `django-concat`).
    ///
    /// ```
    /// use signed_cookie::{Algorithm, Digest, KeyDerivation, Signer};
    /// let sha1 = Signer::builder("k").build().unwrap();
    /// let both = Signer::builder("k")
    ///     .digest(Digest::Sha256)
    ///     .also_verify(Algorithm::new(KeyDerivation::DjangoConcat, Digest::Sha1))
    ///     .build()
    ///     .unwrap();
    /// assert!(both.unsign(&sha1.sign("v")).is_ok());
    /// ```
    pub fn also_verify(mut self, algorithm: Algorithm) -> Self {
        self.legacy.push(algorithm);
        self
    }

    /// The separator between value and signature (default `.`). It may not be a character of
    /// the URL-safe base64 alphabet or `=`.
    ///
    /// ```
    /// assert!(signed_cookie::Signer::builder("k").separator('a').build().is_err());
    /// ```
    pub fn separator(mut self, separator: char) -> Self {
        self.separator = separator;
        self
    }

    /// Derives every key and builds the signer.
    ///
    /// ```
    /// assert!(signed_cookie::Signer::builder("").build().is_err()); // empty secret
    /// ```
    pub fn build(self) -> Result<Signer, ConfigError> {
        if self.separator.is_ascii_alphanumeric() || matches!(self.separator, '-' | '_' | '=') {
            return Err(ConfigError::BadSeparator(self.separator));
        }
        if self.keys.iter().any(|k| k.as_bytes().is_empty()) {
            return Err(ConfigError::EmptySecret);
        }
        // The prefixed secret and the derived key are wiped when dropped; the keyed HMAC
        // state kept in the verifier cannot be (see `MacKey`).
        let verifier = |algorithm: Algorithm, key: &SecretKey, by: VerifiedBy| {
            let mut secret = Zeroizing::new(Vec::with_capacity(
                self.secret_prefix.len() + key.as_bytes().len(),
            ));
            secret.extend_from_slice(&self.secret_prefix);
            secret.extend_from_slice(key.as_bytes());
            let derived = algorithm
                .key_derivation
                .derive(algorithm.digest, &secret, &self.salt);
            Verifier {
                mac: MacKey::new(algorithm.digest, &derived),
                by,
                signature_len: algorithm.digest.output_len(),
            }
        };
        let signing = Box::new(verifier(
            self.algorithm,
            self.keys.current(),
            VerifiedBy {
                key_index: 0,
                algorithm_index: 0,
            },
        ));
        let mut others = Vec::new();
        for (algorithm_index, algorithm) in std::iter::once(self.algorithm)
            .chain(self.legacy.iter().copied())
            .enumerate()
        {
            for (key_index, key) in self.keys.iter().enumerate() {
                if (algorithm_index, key_index) != (0, 0) {
                    let by = VerifiedBy {
                        key_index,
                        algorithm_index,
                    };
                    others.push(verifier(algorithm, key, by));
                }
            }
        }
        Ok(Signer {
            separator: self.separator,
            signing,
            others,
        })
    }
}

impl Signer {
    /// Starts a signer with itsdangerous' defaults: salt `itsdangerous.Signer`, separator `.`,
    /// `django-concat`, SHA-1.
    ///
    /// ```
    /// let signer = signed_cookie::Signer::builder("secret").build().unwrap();
    /// assert!(signer.unsign(&signer.sign("x")).is_ok());
    /// ```
    pub fn builder(keys: impl Into<Keys>) -> SignerBuilder {
        SignerBuilder {
            keys: keys.into(),
            salt: b"itsdangerous.Signer".to_vec(),
            secret_prefix: Vec::new(),
            algorithm: Algorithm::new(KeyDerivation::DjangoConcat, Digest::Sha1),
            legacy: Vec::new(),
            separator: '.',
        }
    }

    /// The separator.
    ///
    /// ```
    /// assert_eq!(signed_cookie::Signer::builder("k").build().unwrap().separator(), '.');
    /// ```
    pub fn separator(&self) -> char {
        self.separator
    }

    fn signing(&self) -> &Verifier {
        &self.signing
    }

    /// The signature of `value` under the current key, base64url without padding.
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").build().unwrap();
    /// assert_eq!(s.signature("v").len(), 27);
    /// ```
    pub fn signature(&self, value: &str) -> String {
        let mut out = String::new();
        base64url_encode_into(self.signing().mac.sign(value.as_bytes()).as_ref(), &mut out);
        out
    }

    /// `value SEP signature`, signed with the current key.
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").build().unwrap();
    /// assert!(s.sign("v").starts_with("v."));
    /// ```
    pub fn sign(&self, value: &str) -> String {
        let mut token = String::with_capacity(value.len() + 1 + 88);
        token.push_str(value);
        self.append_signature(&mut token);
        token
    }

    /// Appends `SEP signature` to `token`, whose whole current content is the signed value.
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").build().unwrap();
    /// let mut t = String::from("v");
    /// s.append_signature(&mut t);
    /// assert_eq!(t, s.sign("v"));
    /// ```
    pub fn append_signature(&self, token: &mut String) {
        let mac = self.signing().mac.sign(token.as_bytes());
        token.push(self.separator);
        base64url_encode_into(mac.as_ref(), token);
    }

    /// Checks `value SEP signature` and returns the value and which key verified it.
    ///
    /// The value is everything before the last separator. The signature must be canonical
    /// base64url; it is compared in constant time with each key's MAC.
    ///
    /// ```
    /// use signed_cookie::{Error, Signer};
    /// let s = Signer::builder("k").build().unwrap();
    /// assert!(matches!(s.unsign("no separator"), Err(Error::BadSignature { payload: None, .. })));
    /// ```
    pub fn unsign<'t>(&self, token: &'t str) -> Result<(&'t str, VerifiedBy), Error> {
        // The common token, signed with the current key: its MAC, encoded, is compared with the
        // signature text (canonical base64url spells a MAC one way only), so the signature is
        // not decoded. Anything else takes the full path below, which gives the errors.
        if let Some((value, signature)) = self.current_split(token) {
            let signing = self.signing();
            let mac = signing.mac.sign(value.as_bytes());
            let mut text = [0u8; 88];
            let encoded = base64url_encode_slice(mac.as_ref(), &mut text);
            if ct_eq_bytes(encoded, signature.as_bytes()) {
                return Ok((value, signing.by));
            }
        }
        if let Some((value, mac)) = self.split_current(token) {
            // Only canonical base64url decodes, and it spells the current key's MAC one way
            // only (compared above): only the older keys are left to try.
            let by = self
                .others
                .iter()
                .filter(|v| v.signature_len == mac.len)
                .find(|v| v.mac.verify(value.as_bytes(), mac.as_ref()))
                .map(|v| v.by);
            return match by {
                Some(by) => Ok((value, by)),
                None => Err(Error::BadSignature {
                    fault: SignatureFault::Mismatch,
                    payload: Some(value.to_owned()),
                    date_signed: None,
                }),
            };
        }
        let Some((value, signature)) = rsplit_once(token, self.separator) else {
            return Err(Error::bad_signature(SignatureFault::NoSeparator(
                self.separator,
            )));
        };
        match self.verify(value.as_bytes(), signature.as_bytes()) {
            Some(by) => Ok((value, by)),
            None => Err(Error::BadSignature {
                fault: SignatureFault::Mismatch,
                payload: Some(value.to_owned()),
                date_signed: None,
            }),
        }
    }

    /// Whether `signature` (base64url text) is a valid signature of `value` under any key.
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").build().unwrap();
    /// let sig = s.signature("v");
    /// assert!(s.verify(b"v", sig.as_bytes()).is_some());
    /// assert!(s.verify(b"w", sig.as_bytes()).is_none());
    /// ```
    pub fn verify(&self, value: &[u8], signature: &[u8]) -> Option<VerifiedBy> {
        let mut decoded = [0u8; 66];
        let mac = decode_signature(signature, &mut decoded)?;
        self.verify_mac(value, mac)
    }

    /// The raw MAC of `value` under the current key (Django's legacy session rows carry it in
    /// hex).
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").build().unwrap();
    /// assert_eq!(s.mac(b"v").as_ref().len(), 20);
    /// ```
    pub fn mac(&self, value: &[u8]) -> MacOutput {
        self.signing().mac.sign(value)
    }

    /// Checks a raw MAC against every key, in constant time per key.
    ///
    /// ```
    /// let s = signed_cookie::Signer::builder("k").build().unwrap();
    /// let mac = s.mac(b"v");
    /// assert!(s.verify_mac(b"v", mac.as_ref()).is_some());
    /// ```
    pub fn verify_mac(&self, value: &[u8], mac: &[u8]) -> Option<VerifiedBy> {
        std::iter::once(&*self.signing)
            .chain(&self.others)
            .filter(|v| v.signature_len == mac.len())
            .find(|v| v.mac.verify(value, mac))
            .map(|v| v.by)
    }
}

impl Signer {
    /// The common token: a signature as long as the current algorithm's, after a separator at
    /// its known place. Then no scan for the last separator is needed: the signature decodes,
    /// so it holds no separator (none is in the base64url alphabet), and the split is the one
    /// `rsplit_once` finds. `None` sends the token the general way.
    #[inline]
    fn split_current<'t>(&self, token: &'t str) -> Option<(&'t str, DecodedMac)> {
        let (value, signature) = self.current_split(token)?;
        let mut mac = DecodedMac {
            bytes: [0; 66],
            len: 0,
        };
        mac.len = base64url_decode_slice(signature.as_bytes(), &mut mac.bytes).ok()?;
        Some((value, mac))
    }
}

impl Signer {
    /// The value and the signature text of a token whose separator is where a signature of
    /// the current algorithm puts it (not yet checked to be base64url).
    #[inline]
    fn current_split<'t>(&self, token: &'t str) -> Option<(&'t str, &'t str)> {
        let separator = u8::try_from(self.separator).ok().filter(u8::is_ascii)?;
        // Unpadded base64url of the MAC.
        let chars = (4 * self.signing.signature_len).div_ceil(3);
        let at = token.len().checked_sub(chars + 1)?;
        if token.as_bytes().get(at) != Some(&separator) {
            return None;
        }
        Some((token.get(..at)?, token.get(at + 1..)?))
    }
}

/// A decoded signature, on the stack.
struct DecodedMac {
    bytes: [u8; 66],
    len: usize,
}

impl AsRef<[u8]> for DecodedMac {
    fn as_ref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// `text.rsplit_once(separator)`; an ASCII separator is found by a byte scan from the end,
/// which for the short fields after it beats a call to `memrchr`.
#[inline]
pub(crate) fn rsplit_once(text: &str, separator: char) -> Option<(&str, &str)> {
    match u8::try_from(separator) {
        Ok(byte) if byte.is_ascii() => {
            let at = text.as_bytes().iter().rposition(|&b| b == byte)?;
            Some((text.get(..at)?, text.get(at + 1..)?))
        }
        _ => text.rsplit_once(separator),
    }
}

/// Decodes a base64url signature of at most 64 bytes onto the stack.
fn decode_signature<'b>(text: &[u8], buf: &'b mut [u8; 66]) -> Option<&'b [u8]> {
    // 64 bytes take 86 characters; anything longer cannot be a signature.
    if text.len() > 86 {
        return None;
    }
    let len = base64url_decode_slice(text, buf).ok()?;
    buf.get(..len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::base64url_encode;

    /// Flask's derivation: HMAC-SHA1(key = secret, msg = "cookie-session").
    #[test]
    fn hmac_derivation_is_hmac_of_salt_under_secret() {
        let derived = KeyDerivation::Hmac.derive(Digest::Sha1, b"secret", b"cookie-session");
        let direct = MacKey::new(Digest::Sha1, b"secret").sign(b"cookie-session");
        assert_eq!(derived.as_slice(), direct.as_ref());
    }

    /// The raw pad states give `hmac`'s MAC for keys around the block size (longer ones are
    /// hashed) and messages across the padding boundaries and the 16-block batches.
    #[test]
    fn pad_state_hmac_matches_hmac_crate() {
        macro_rules! reference {
            ($d:ty, $key:expr, $message:expr) => {{
                let mut m = hmac::Hmac::<$d>::new_from_slice($key).unwrap();
                m.update($message);
                m.finalize().into_bytes().to_vec()
            }};
        }
        let data: Vec<u8> = (0..2200u32).map(|i| (i * 7 + 3) as u8).collect();
        for key_len in [0, 1, 20, 63, 64, 65, 200] {
            let key = &data[300..300 + key_len];
            let keys = [
                MacKey::new(Digest::Sha1, key),
                MacKey::new(Digest::Sha224, key),
                MacKey::new(Digest::Sha256, key),
            ];
            let batches = [1023, 1024, 1025, 1087, 1088, 2047, 2048, 2112, 2200];
            for len in (0..=330)
                .chain([383, 384, 447, 448, 500, 700])
                .chain(batches)
            {
                let message = &data[..len];
                assert_eq!(
                    keys[0].sign(message).as_ref(),
                    reference!(Sha1, key, message)
                );
                assert_eq!(
                    keys[1].sign(message).as_ref(),
                    reference!(Sha224, key, message)
                );
                assert_eq!(
                    keys[2].sign(message).as_ref(),
                    reference!(Sha256, key, message)
                );
            }
        }
    }

    #[test]
    fn every_digest_and_derivation_round_trips_and_rejects_other_keys() {
        for digest in [
            Digest::Sha1,
            Digest::Sha224,
            Digest::Sha256,
            Digest::Sha384,
            Digest::Sha512,
        ] {
            for kd in [
                KeyDerivation::Concat,
                KeyDerivation::DjangoConcat,
                KeyDerivation::Hmac,
                KeyDerivation::None,
            ] {
                let a = Signer::builder("a")
                    .digest(digest)
                    .key_derivation(kd)
                    .build()
                    .unwrap();
                let b = Signer::builder("b")
                    .digest(digest)
                    .key_derivation(kd)
                    .build()
                    .unwrap();
                let t = a.sign("value");
                assert_eq!(a.unsign(&t).unwrap().0, "value");
                assert!(b.unsign(&t).is_err());
                let sig = t.rsplit_once('.').unwrap().1;
                assert_eq!(
                    sig.len(),
                    base64url_encode(&vec![0; digest.output_len()]).len()
                );
            }
        }
    }

    #[test]
    fn rotation_signs_with_current_and_reports_fallback() {
        let old = Signer::builder("old").build().unwrap();
        let rotated = Signer::builder(Keys::new("new").with_fallbacks(["old"]))
            .build()
            .unwrap();
        let new_only = Signer::builder("new").build().unwrap();
        let by = rotated.unsign(&old.sign("v")).unwrap().1;
        assert_eq!(
            by,
            VerifiedBy {
                key_index: 1,
                algorithm_index: 0
            }
        );
        assert!(new_only.unsign(&old.sign("v")).is_err());
        assert_eq!(rotated.sign("v"), new_only.sign("v"));
    }

    #[test]
    fn value_is_everything_before_the_last_separator() {
        let s = Signer::builder("k").build().unwrap();
        let t = s.sign("a.b.c");
        assert_eq!(s.unsign(&t).unwrap().0, "a.b.c");
    }

    /// The split at the signature's known place gives what `rsplit_once` gives, for ASCII and
    /// non-ASCII separators, values full of separators, legacy signature lengths and bad
    /// signatures.
    #[test]
    fn fast_split_agrees_with_the_last_separator() {
        for sep in ['.', ':', 'é', '\u{1F600}'] {
            let legacy = Algorithm::new(KeyDerivation::DjangoConcat, Digest::Sha1);
            let signer = Signer::builder(Keys::new("k").with_fallbacks(["old"]))
                .digest(Digest::Sha256)
                .also_verify(legacy)
                .separator(sep)
                .build()
                .unwrap();
            let old = Signer::builder("old").separator(sep).build().unwrap();
            let s = sep.to_string();
            let values = [
                String::new(),
                s.clone(),
                format!("a{s}b{s}"),
                format!("{}{s}", "x".repeat(43)),
                format!("{s}{}", "y".repeat(43)),
            ];
            for value in &values {
                let good = signer.sign(value);
                assert_eq!(
                    signer.unsign(&good).unwrap(),
                    (
                        value.as_str(),
                        VerifiedBy {
                            key_index: 0,
                            algorithm_index: 0
                        }
                    )
                );
                let by_old = old.sign(value);
                assert_eq!(
                    signer.unsign(&by_old).unwrap().1,
                    VerifiedBy {
                        key_index: 1,
                        algorithm_index: 1
                    }
                );
                let sig = good.rsplit_once(sep).unwrap().1;
                let tampered = format!(
                    "{value}{s}{}",
                    sig.replace(&sig[..1], if sig.starts_with('A') { "B" } else { "A" })
                );
                for bad in [
                    tampered,
                    format!("{good}{s}"),
                    format!("{value}{s}{s}{sig}"),
                    good[..good.len() - 1].to_string(),
                ] {
                    let err = signer.unsign(&bad).unwrap_err();
                    let want = bad.rsplit_once(sep).map(|(v, _)| v.to_owned());
                    match err {
                        Error::BadSignature { payload, .. } => assert_eq!(payload, want, "{bad}"),
                        other => panic!("{other:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn ct_eq_bytes_sees_every_byte() {
        for len in [20usize, 28, 32, 48, 64] {
            let mut mac = MacOutput {
                bytes: [0u8; 64],
                len,
            };
            for (i, b) in mac.bytes.iter_mut().take(len).enumerate() {
                *b = (i as u8).wrapping_mul(37) | 1;
            }
            let same = mac.bytes[..len].to_vec();
            assert!(ct_eq_bytes(mac.as_ref(), &same));
            for i in 0..len {
                let mut other = same.clone();
                other[i] ^= 0x80;
                assert!(!ct_eq_bytes(mac.as_ref(), &other), "{len} {i}");
            }
            assert!(!ct_eq_bytes(mac.as_ref(), &same[..len - 1]));
            let mut longer = same.clone();
            longer.push(0);
            assert!(!ct_eq_bytes(mac.as_ref(), &longer));
        }
    }

    #[test]
    fn oversized_or_non_canonical_signatures_are_refused_without_panic() {
        let s = Signer::builder("k").build().unwrap();
        let t = s.sign("v");
        for bad in [
            format!("{t}="),
            format!("{t}{}", "A".repeat(1000)),
            "v.".to_owned(),
            ".".to_owned(),
            String::new(),
        ] {
            assert!(s.unsign(&bad).is_err());
        }
    }
}
