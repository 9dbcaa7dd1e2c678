//! Secret-key audit: does a candidate key sign this token? For people checking their own
//! deployments for weak secrets, as flask-unsign does, but for every profile.
//!
//! Everything that does not depend on the key (splitting the token, decoding the signature,
//! choosing algorithms and salts) is done once in [`Audit::new`]; [`Audit::matches`] does only
//! the key derivation and the MAC, and allocates nothing.

use crate::encoding::{base64_decode, base64url_decode};
use crate::error::{ConfigError, Error, PayloadFault};
use crate::profile::{Payload, Profile};
use crate::signer::{Algorithm, Digest, KeyDerivation};
use hmac::Mac;

/// One (message, signature, algorithm, salt) the key must reproduce.
#[derive(Debug, Clone)]
struct Target {
    message: Vec<u8>,
    mac: Vec<u8>,
    algorithm: Algorithm,
    salt: Vec<u8>,
    secret_prefix: Vec<u8>,
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

fn digest_hmac(digest: Digest, key: &[u8], parts: &[&[u8]], out: &mut [u8; 64]) -> usize {
    macro_rules! run {
        ($d:ty) => {{
            // HMAC takes keys of any length.
            let Ok(mut mac) = hmac::Hmac::<$d>::new_from_slice(key) else {
                return 0;
            };
            for p in parts {
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

fn digest_hash(digest: Digest, parts: &[&[u8]], out: &mut [u8; 64]) -> usize {
    match digest {
        Digest::Sha1 => hash_into::<sha1::Sha1>(parts, out),
        Digest::Sha224 => hash_into::<sha2::Sha224>(parts, out),
        Digest::Sha256 => hash_into::<sha2::Sha256>(parts, out),
        Digest::Sha384 => hash_into::<sha2::Sha384>(parts, out),
        Digest::Sha512 => hash_into::<sha2::Sha512>(parts, out),
    }
}

impl Target {
    fn matches(&self, candidate: &[u8]) -> bool {
        let Algorithm {
            key_derivation,
            digest,
        } = self.algorithm;
        let mut derived = [0u8; 64];
        let secret: &[&[u8]] = &[&self.secret_prefix, candidate];
        let key: &[u8] = match key_derivation {
            KeyDerivation::Concat => {
                let n = digest_hash(digest, &[&self.salt, secret[0], secret[1]], &mut derived);
                &derived[..n]
            }
            KeyDerivation::DjangoConcat => {
                let n = digest_hash(
                    digest,
                    &[&self.salt, b"signer", secret[0], secret[1]],
                    &mut derived,
                );
                &derived[..n]
            }
            KeyDerivation::Hmac => {
                if self.secret_prefix.is_empty() {
                    let n = digest_hmac(digest, candidate, &[&self.salt], &mut derived);
                    &derived[..n]
                } else {
                    let joined = [self.secret_prefix.as_slice(), candidate].concat();
                    let n = digest_hmac(digest, &joined, &[&self.salt], &mut derived);
                    return self.check_mac(digest, &derived[..n]);
                }
            }
            KeyDerivation::None => {
                if self.secret_prefix.is_empty() {
                    candidate
                } else {
                    let joined = [self.secret_prefix.as_slice(), candidate].concat();
                    return self.check_mac(digest, &joined);
                }
            }
        };
        self.check_mac(digest, key)
    }

    fn check_mac(&self, digest: Digest, key: &[u8]) -> bool {
        let mut mac = [0u8; 64];
        let n = digest_hmac(digest, key, &[&self.message], &mut mac);
        // The expected MAC is public (it is in the token), so a plain comparison leaks nothing.
        mac.get(..n) == Some(self.mac.as_slice())
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
                        targets.push(Target {
                            message: message.as_bytes().to_vec(),
                            mac: mac.clone(),
                            algorithm: *algorithm,
                            salt: salt.as_bytes().to_vec(),
                            secret_prefix: profile.secret_prefix.as_bytes().to_vec(),
                        });
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
        Ok(Audit { targets })
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
    Some(Target {
        message: raw[colon + 1..].to_vec(),
        mac,
        algorithm: Algorithm::new(KeyDerivation::Concat, Digest::Sha1),
        salt: b"django.contrib.sessionsSessionStore".to_vec(),
        secret_prefix: Vec::new(),
    })
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

    #[test]
    fn every_profile_and_compat_finds_its_key_and_only_its_key() {
        for name in Profile::NAMES {
            for compat in Profile::compats(name) {
                let profile = if name == "django-signed-cookie" {
                    Profile::django_signed_cookie(*compat, "theme", "x").unwrap()
                } else {
                    Profile::lookup(name, Some(compat.name())).unwrap()
                };
                let codec = Codec::new(&profile, "right-key".into()).unwrap();
                let value = match profile.payload {
                    Payload::Raw => "hello",
                    _ => r#"{"user_id":42}"#,
                };
                let token = codec.sign_text(value, SystemTime::now()).unwrap();
                let audit = Audit::new(&profile, &token).unwrap();
                assert!(audit.matches(b"right-key"), "{name} {compat:?}");
                assert!(!audit.matches(b"wrong-key"), "{name} {compat:?}");
            }
        }
    }
}
