//! Which certificate authorities the mail connections trust: the public web
//! roots, plus any a company adds for mail servers under its own private
//! authority (`candor serve --mail-ca-file`). The extra roots are kept per
//! process: they are a property of the node's network, not of a mailbox.

use std::sync::RwLock;

use tokio_rustls::rustls::RootCertStore;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;

static EXTRA_ROOTS: RwLock<Vec<CertificateDer<'static>>> = RwLock::new(Vec::new());

/// Why a file of extra roots could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The file could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The file holds no PEM certificate, or a broken one.
    #[error("{path} holds no usable PEM certificate: {reason}")]
    Pem {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// Adds the certificates of a PEM file to the roots every IMAP and SMTP
/// connection of this process trusts; returns how many it added. A
/// certificate already trusted is not added twice.
pub fn trust_pem_file(path: &std::path::Path) -> Result<usize, TrustError> {
    let pem = std::fs::read(path).map_err(|e| TrustError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    trust_pem(&pem).map_err(|reason| TrustError::Pem {
        path: path.display().to_string(),
        reason,
    })
}

/// [`trust_pem_file`] on PEM text.
pub fn trust_pem(pem: &[u8]) -> Result<usize, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no CERTIFICATE section".into());
    }
    // A certificate rustls cannot use as a root is refused now, not at the
    // first connection.
    let mut check = RootCertStore::empty();
    for c in &certs {
        check.add(c.clone()).map_err(|e| e.to_string())?;
    }
    let mut roots = EXTRA_ROOTS.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    let before = roots.len();
    for c in certs {
        if !roots.contains(&c) {
            roots.push(c);
        }
    }
    Ok(roots.len() - before)
}

/// The extra roots, as DER.
pub fn extra_roots() -> Vec<CertificateDer<'static>> {
    EXTRA_ROOTS
        .read()
        .map(|r| r.clone())
        .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

/// The public web roots plus the extra ones.
pub fn root_store() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // Each was checked when it was added.
    let _ = roots.add_parsable_certificates(extra_roots());
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_without_certificates_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = trust_pem_file(&empty).unwrap_err().to_string();
        assert!(
            e.contains("empty.pem") && e.contains("no usable PEM certificate"),
            "{e}"
        );
        let missing = dir.path().join("missing.pem");
        let e = trust_pem_file(&missing).unwrap_err().to_string();
        assert!(e.contains("cannot read") && e.contains("missing.pem"), "{e}");
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(trust_pem(broken.as_bytes()).is_err());
    }
}
