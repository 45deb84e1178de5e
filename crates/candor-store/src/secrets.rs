//! Bearer secrets (session ids, API tokens, one-time links): random, shown
//! once, stored only as a SHA-256 hash. Secrets Candor must read again
//! (mailbox passwords) are sealed instead: see [`SecretKey`].

pub use crate::sealed::{SealError, SecretKey};

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly made secret and what is stored of it.
pub struct NewSecret {
    /// The secret itself; give it to its holder and forget it.
    pub plain: String,
    /// Its hash, which is what the database keeps.
    pub hash: String,
}

/// Makes a 256-bit secret written as `prefix` + 64 hex digits.
pub fn new_secret(prefix: &str) -> NewSecret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let plain = format!("{prefix}{}", hex::encode(bytes));
    let hash = hash_secret(&plain);
    NewSecret { plain, hash }
}

/// The stored form of a secret.
pub fn hash_secret(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret("cnd_");
        let b = new_secret("cnd_");
        assert_ne!(a.plain, b.plain);
        assert!(a.plain.starts_with("cnd_") && a.plain.len() == 68);
        assert_eq!(hash_secret(&a.plain), a.hash);
        assert!(!a.hash.contains(&a.plain[4..]));
    }
}
