//! `Signer::unsign` on hostile tokens, for every digest, key derivation and separator, with and
//! without fallback keys and a legacy algorithm.
//!
//! Layout: `[config] [flags] token…`. config: bits 0–2 digest, 3–4 key derivation, 5 separator
//! (`.`/`:`), 6 fallback key + legacy SHA-512 algorithm. flags: bit 0 re-sign the token with the
//! current key, bit 1 with the fallback key instead.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signed_cookie::{Algorithm, Digest, Error, KeyDerivation, Keys, SignatureFault, Signer};
use signed_cookie_fuzz::{resign, text, Cursor};

const DIGESTS: [Digest; 5] = [
    Digest::Sha1,
    Digest::Sha224,
    Digest::Sha256,
    Digest::Sha384,
    Digest::Sha512,
];
const DERIVATIONS: [KeyDerivation; 4] = [
    KeyDerivation::Concat,
    KeyDerivation::DjangoConcat,
    KeyDerivation::Hmac,
    KeyDerivation::None,
];

fn signer(config: u8, keys: Keys) -> Signer {
    let mut b = Signer::builder(keys)
        .digest(DIGESTS[usize::from(config & 7) % 5])
        .key_derivation(DERIVATIONS[usize::from(config >> 3 & 3)])
        .separator(if config & 0x20 == 0 { '.' } else { ':' });
    if config & 0x40 != 0 {
        b = b.also_verify(Algorithm::new(KeyDerivation::DjangoConcat, Digest::Sha512));
    }
    b.build().expect("valid signer")
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let config = input.u8();
    let flags = input.u8();
    let token = text(input.rest());
    let rotated = config & 0x40 != 0;
    let keys = if rotated {
        Keys::new("current").with_fallbacks(["golden-secret-key"])
    } else {
        Keys::new("golden-secret-key")
    };
    let s = signer(config, keys);
    let token = match flags & 3 {
        0 => token.into_owned(),
        1 => resign(&s, &token),
        _ => resign(
            &signer(config & !0x40, Keys::new("golden-secret-key")),
            &token,
        ),
    };
    match s.unsign(&token) {
        Ok((value, by)) => {
            // A verified token is exactly what the verifying key signs: one encoding per MAC.
            let prefix = token.rsplit_once(s.separator()).map(|(v, _)| v);
            assert_eq!(Some(value), prefix);
            if !by.is_fallback() {
                assert_eq!(s.sign(value), token);
            }
            if flags & 3 == 2 && rotated {
                assert_eq!(by.key_index, 1, "signed with the fallback key");
            }
        }
        Err(Error::BadSignature { fault, payload, .. }) => {
            assert!(flags & 3 == 0, "a re-signed token must verify: {fault}");
            match fault {
                SignatureFault::NoSeparator(_) => assert!(payload.is_none()),
                SignatureFault::Mismatch => assert_eq!(
                    payload.as_deref(),
                    token.rsplit_once(s.separator()).map(|(v, _)| v)
                ),
                SignatureFault::TooLong { .. } => panic!("Signer has no length limit"),
            }
        }
        Err(other) => panic!("unsign gave {other:?}"),
    }
    // The raw-signature entry points agree with unsign.
    if let Some((value, sig)) = token.rsplit_once(s.separator()) {
        let _ = s.verify(value.as_bytes(), sig.as_bytes());
        let _ = s.verify_mac(value.as_bytes(), sig.as_bytes());
    }
});
