//! The file store: attachments kept once by the SHA-256 of their bytes under
//! `DATA_DIR/attachments/ab/cd/HASH`, with a size limit and a content type
//! sniffed from the bytes (never trusted from the sender).

use crate::error::{AppError, AppResult};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The default size limit of one attachment: 25 MB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// Where attachments live, and how large one may be.
#[derive(Clone, Debug)]
pub struct FileStore {
    dir: Option<PathBuf>,
    max_bytes: u64,
}

/// A file as it arrives: the name its sender gave it and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The name the sender gave it (made safe before it is stored).
    pub filename: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A file that was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// SHA-256, hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// Sniffed content type.
    pub content_type: String,
}

impl FileStore {
    /// A store under `data_dir` with a limit of `max_bytes` per file.
    pub fn new(data_dir: &Path, max_bytes: u64) -> Self {
        Self {
            dir: Some(data_dir.join("attachments")),
            max_bytes: max_bytes.max(1),
        }
    }

    /// No store: attachments are refused.
    pub fn disabled() -> Self {
        Self {
            dir: None,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The largest file accepted.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn path_of(&self, sha256: &str) -> AppResult<PathBuf> {
        let dir = self
            .dir
            .as_ref()
            .ok_or_else(|| AppError::Internal("attachments are not configured (no data directory)".into()))?;
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::Internal("not a file hash".into()));
        }
        Ok(dir.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Checks the size, sniffs the type and stores the bytes (once per content).
    pub async fn put(&self, bytes: &[u8]) -> AppResult<Stored> {
        if bytes.len() as u64 > self.max_bytes {
            return Err(AppError::TooLarge(self.max_bytes));
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256)?;
        if tokio::fs::metadata(&path).await.is_err() {
            let parent = path
                .parent()
                .ok_or_else(|| AppError::Internal("attachment path has no parent".into()))?;
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| AppError::Internal(format!("cannot create {}: {e}", parent.display())))?;
            // Write beside it and rename, so a half-written file is never served.
            let tmp = parent.join(format!(".{sha256}.{}", uuid::Uuid::now_v7().simple()));
            tokio::fs::write(&tmp, bytes)
                .await
                .map_err(|e| AppError::Internal(format!("cannot write an attachment: {e}")))?;
            tokio::fs::rename(&tmp, &path)
                .await
                .map_err(|e| AppError::Internal(format!("cannot store an attachment: {e}")))?;
        }
        Ok(Stored {
            sha256,
            size: bytes.len() as u64,
            content_type: sniff(bytes),
        })
    }

    /// Stores every upload with its safe name, checking all sizes first so
    /// that one file over the limit stores none of them. `field` names the
    /// list in errors (`attachments` → `attachments[1]`).
    pub async fn put_all(&self, field: &str, files: &[Upload]) -> AppResult<Vec<(String, Stored)>> {
        if files.iter().any(|f| f.bytes.len() as u64 > self.max_bytes) {
            return Err(AppError::TooLarge(self.max_bytes));
        }
        let mut out = Vec::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            let stored = self.put(&f.bytes).await.map_err(|e| match e {
                AppError::TooLarge(_) => e,
                other => AppError::invalid(&format!("{field}[{i}]"), other.to_string()),
            })?;
            out.push((candor_core::conversation::safe_filename(&f.filename), stored));
        }
        Ok(out)
    }

    /// The bytes stored under `sha256`.
    pub async fn get(&self, sha256: &str) -> AppResult<Vec<u8>> {
        let path = self.path_of(sha256)?;
        tokio::fs::read(&path)
            .await
            .map_err(|e| AppError::Internal(format!("attachment {sha256} is missing: {e}")))
    }
}

/// The content type of `bytes` by their magic numbers; text that is valid
/// UTF-8 is text/plain; anything else is application/octet-stream. HTML is
/// never reported as HTML, so it is never served as a page.
pub fn sniff(bytes: &[u8]) -> String {
    match infer::get(bytes) {
        Some(t) if !t.mime_type().contains("html") && !t.mime_type().contains("xml") => t.mime_type().to_string(),
        Some(_) => "text/plain".into(),
        None if std::str::from_utf8(bytes).is_ok() => "text/plain".into(),
        None => "application/octet-stream".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), "text/plain");
        assert_eq!(sniff(&[0xff, 0x00, 0xfe, 0x01]), "application/octet-stream");
    }

    #[tokio::test]
    async fn stored_once_by_content_and_limited() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = FileStore::new(dir.path(), 10);
        let a = store.put(b"hello").await.unwrap_or_else(|e| panic!("{e}"));
        let b = store.put(b"hello").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a, b);
        assert_eq!(store.get(&a.sha256).await.unwrap_or_default(), b"hello");
        assert!(matches!(store.put(b"01234567890").await, Err(AppError::TooLarge(10))));
        assert!(FileStore::disabled().put(b"x").await.is_err());
    }

    #[tokio::test]
    async fn one_file_too_large_stores_none() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = FileStore::new(dir.path(), 10);
        let files = [
            Upload {
                filename: "../../ok.txt".into(),
                bytes: b"small".to_vec(),
            },
            Upload {
                filename: "big.bin".into(),
                bytes: vec![0; 11],
            },
        ];
        assert!(matches!(
            store.put_all("files", &files).await,
            Err(AppError::TooLarge(10))
        ));
        assert!(!dir.path().join("attachments").exists());
        let stored = store.put_all("files", &files[..1]).await.unwrap_or_default();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].0, "ok.txt");
    }
}
