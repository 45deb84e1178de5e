//! Secrets Candor must use again later (mailbox passwords), sealed at rest
//! with ChaCha20-Poly1305 under the server's secret key. The key comes from
//! `CANDOR_SECRET_KEY` or a `secret.key` file in the data directory, so a
//! copy of the database alone reveals no password.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use std::fmt;
use std::path::Path;

/// What went wrong with a key or a sealed value.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key is not 32 bytes written as 64 hex digits.
    #[error("the secret key must be 64 hex digits (32 bytes)")]
    BadKey,
    /// The key file cannot be read or written.
    #[error("the secret key file {path}: {message}")]
    KeyFile {
        /// Where it is.
        path: String,
        /// What happened.
        message: String,
    },
    /// The value was sealed with another key, or altered.
    #[error("a sealed secret cannot be opened: it was sealed with another secret key or altered")]
    Unreadable,
}

/// The key that seals stored secrets. Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

const PREFIX: &str = "v1:";

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A key written as 64 hex digits (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealError::BadKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self(bytes))
    }

    /// The key in `CANDOR_SECRET_KEY` when given, else the one in
    /// `data_dir/secret.key`, made (readable by the owner only) the first time.
    pub fn load(env_value: Option<&str>, data_dir: &Path) -> Result<Self, SealError> {
        if let Some(v) = env_value.filter(|v| !v.trim().is_empty()) {
            return Self::from_hex(v);
        }
        let path = data_dir.join("secret.key");
        let err = |e: std::io::Error| SealError::KeyFile {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                // Written whole under a name of its own, then linked in place:
                // a node starting at the same moment either links first (and
                // this one reads its key) or reads this one complete.
                let draft = data_dir.join(format!(".secret.key.{:016x}", rand::random::<u64>()));
                write_private(&draft, &hex::encode(key.0)).map_err(err)?;
                let linked = std::fs::hard_link(&draft, &path);
                let _ = std::fs::remove_file(&draft);
                match linked {
                    Ok(()) => Ok(key),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::from_hex(&std::fs::read_to_string(&path).map_err(err)?)
                    }
                    Err(e) => Err(err(e)),
                }
            }
            Err(e) => Err(err(e)),
        }
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&Key::from(self.0))
    }

    /// Seals `plain` with a fresh random nonce: `v1:` + base64(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce does not fail for inputs this size.
        let sealed = self
            .cipher()
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// Opens what [`SecretKey::seal`] made.
    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(SealError::Unreadable)?;
        let bytes = STANDARD.decode(body).map_err(|_| SealError::Unreadable)?;
        if bytes.len() < 12 + 16 {
            return Err(SealError::Unreadable);
        }
        let (nonce, data) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SealError::Unreadable)?;
        let plain = self
            .cipher()
            .decrypt(&Nonce::from(nonce), data)
            .map_err(|_| SealError::Unreadable)?;
        String::from_utf8(plain).map_err(|_| SealError::Unreadable)
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_their_key_only() {
        let key = SecretKey::generate();
        let sealed = key.seal("hunter2");
        assert!(sealed.starts_with("v1:") && !sealed.contains("hunter2"));
        assert_ne!(sealed, key.seal("hunter2"), "a fresh nonce every time");
        assert_eq!(key.open(&sealed).ok().as_deref(), Some("hunter2"));
        assert!(SecretKey::generate().open(&sealed).is_err());
        let mut altered = sealed.clone();
        altered.pop();
        altered.push('A');
        assert!(key.open(&altered).is_err() || altered == sealed);
        assert!(format!("{key:?}").contains('…'));
    }

    #[test]
    fn starts_at_the_same_moment_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let loads: Vec<_> = (0..8)
            .map(|_| {
                let d = dir.path().to_path_buf();
                std::thread::spawn(move || SecretKey::load(None, &d).map(|k| k.0))
            })
            .collect();
        let keys: Vec<[u8; 32]> = loads.into_iter().map(|h| h.join().unwrap().unwrap()).collect();
        assert!(keys.iter().all(|k| *k == keys[0]));
        let on_disk = SecretKey::load(None, dir.path()).unwrap();
        assert_eq!(on_disk.0, keys[0]);
        // No drafts are left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_key_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = SecretKey::load(None, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let b = SecretKey::load(None, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.open(&a.seal("x")).ok().as_deref(), Some("x"));
        let env = hex::encode([7u8; 32]);
        let c = SecretKey::load(Some(&env), dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.open(&a.seal("x")).is_err());
        assert!(matches!(SecretKey::from_hex("abc"), Err(SealError::BadKey)));
    }
}
