//! Key files: reading the signing key and public keys given on the
//! command line, and `cvefeed keygen`, which writes a new pair with safe
//! permissions.
//!
//! Owns the files and their permissions; the formats and the crypto are
//! [`cvefeed_model::signature`]'s. A key's text never reaches a log or an
//! error message, and nothing here writes to a store: the private key never
//! enters one.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use cvefeed_model::signature::{KeyError, PUBLIC_KEY, PublicKey, Signer};

/// File name of the private key `keygen` writes.
pub const PRIVATE_KEY_FILE: &str = "cvefeed.key";

/// File name of the public key `keygen` writes (the name it is published
/// under, too).
pub const PUBLIC_KEY_FILE: &str = PUBLIC_KEY;

/// A PEM key is a few hundred bytes; anything much larger is not a key.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// Why a key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file cannot be read.
    #[error("cannot read the key file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is too large to be a key.
    #[error("the key file {path} is larger than {MAX_KEY_FILE} bytes; it is not a PEM key")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The file holds no usable key.
    #[error("cannot use the key file {path}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: KeyError,
    },
    /// `keygen` would overwrite a key.
    #[error("{path} already exists; keygen never overwrites a key (choose another --out)")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// `keygen` cannot write.
    #[error("cannot write {path}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The signing key lies inside the published directory.
    #[error(
        "the signing key {key} is inside the published directory {out}; keep it elsewhere so it \
         can never be published"
    )]
    InsideOut {
        /// The key file.
        key: PathBuf,
        /// The `--out` directory.
        out: PathBuf,
    },
}

/// The text of a key file, bounded in size.
fn read_text(path: &Path) -> Result<String, KeyFileError> {
    crate::fsread::read_capped_text(path, MAX_KEY_FILE).map_err(|e| match e {
        crate::fsread::CappedError::TooLarge { .. } => KeyFileError::TooLarge {
            path: path.to_path_buf(),
        },
        crate::fsread::CappedError::Io(source) => KeyFileError::Read {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Read the signing key (PKCS#8 PEM). Warns when others may read it.
pub fn read_signing_key(path: &Path) -> Result<Signer, KeyFileError> {
    let text = zeroize::Zeroizing::new(read_text(path)?);
    let signer = Signer::from_pkcs8_pem(&text).map_err(|source| KeyFileError::Format {
        path: path.to_path_buf(),
        source,
    })?;
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "the signing key can be read by other users; restrict it with chmod 600"
        );
    }
    Ok(signer)
}

/// Read a public key (PEM).
pub fn read_public_key(path: &Path) -> Result<PublicKey, KeyFileError> {
    PublicKey::from_pem(&read_text(path)?).map_err(|source| KeyFileError::Format {
        path: path.to_path_buf(),
        source,
    })
}

/// Refuse a signing key inside the local directory `out` (a bucket
/// location is never a key's directory).
pub fn ensure_outside(key: &Path, out: &str) -> Result<(), KeyFileError> {
    let Some(out_dir) = crate::store::local_path(out) else {
        return Ok(());
    };
    let (Ok(key_abs), Ok(out_abs)) = (fs::canonicalize(key), fs::canonicalize(out_dir)) else {
        return Ok(());
    };
    if key_abs.starts_with(&out_abs) {
        return Err(KeyFileError::InsideOut {
            key: key.to_path_buf(),
            out: out_dir.to_path_buf(),
        });
    }
    Ok(())
}

/// The files `keygen` wrote.
#[derive(Debug, Clone)]
pub struct KeyPair {
    /// The private key (mode 0600).
    pub private: PathBuf,
    /// The public key (mode 0644).
    pub public: PathBuf,
    /// The public key's fingerprint.
    pub fingerprint: String,
}

/// Write a new key pair into `dir` (created with mode 0700 if missing):
/// `cvefeed.key` (PKCS#8 PEM, mode 0600) and `cvefeed.pub` (mode 0644).
/// Never overwrites a file.
pub fn keygen(dir: &Path) -> Result<KeyPair, KeyFileError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KeyFileError::Write { path, source }
    };
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(write_err(dir))?;
    }
    let private = dir.join(PRIVATE_KEY_FILE);
    let public = dir.join(PUBLIC_KEY_FILE);
    for path in [&private, &public] {
        if path.exists() {
            return Err(KeyFileError::Exists { path: path.clone() });
        }
    }
    let signer = Signer::generate(&mut rand::rng());
    let public_key = signer.public_key();
    write_new(&private, signer.to_pkcs8_pem().as_bytes(), 0o600).map_err(write_err(&private))?;
    write_new(&public, public_key.to_pem().as_bytes(), 0o644).map_err(write_err(&public))?;
    Ok(KeyPair {
        private,
        public,
        fingerprint: public_key.fingerprint(),
    })
}

/// Create `path` (failing if it exists) with `mode`, write and sync it.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    // The umask may have narrowed the mode; never widened it.
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keygen_writes_a_usable_pair_with_safe_modes_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let pair = keygen(&keys).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&keys), 0o700);
        assert_eq!(mode(&pair.private), 0o600);
        assert_eq!(mode(&pair.public), 0o644);
        let signer = read_signing_key(&pair.private).unwrap();
        let public = read_public_key(&pair.public).unwrap();
        assert_eq!(public, signer.public_key());
        assert_eq!(public.fingerprint(), pair.fingerprint);
        assert!(public.verify(b"x", &signer.sign(b"x")).is_ok());
        let before = fs::read(&pair.private).unwrap();
        assert!(matches!(keygen(&keys), Err(KeyFileError::Exists { .. })));
        assert_eq!(fs::read(&pair.private).unwrap(), before);
    }

    #[test]
    fn unusable_key_files_are_named_without_their_content() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.key");
        let e = read_signing_key(&missing).unwrap_err().to_string();
        assert!(e.contains("missing.key"), "{e}");
        let bad = dir.path().join("bad.key");
        fs::write(
            &bad,
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let e = read_signing_key(&bad).unwrap_err();
        let shown = crate::error::Chain(&e).to_string();
        assert!(
            shown.contains("bad.key") && shown.contains("PKCS#8"),
            "{shown}"
        );
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        let big = dir.path().join("big.key");
        fs::write(&big, vec![b'a'; 20_000]).unwrap();
        assert!(matches!(
            read_public_key(&big),
            Err(KeyFileError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_key_inside_the_published_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        let key = out.join("cvefeed.key");
        fs::write(&key, "x").unwrap();
        let e = ensure_outside(&key, out.to_str().unwrap()).unwrap_err();
        assert!(matches!(e, KeyFileError::InsideOut { .. }));
        let as_url = format!("file://{}", out.display());
        assert!(ensure_outside(&key, &as_url).is_err());
        let elsewhere = dir.path().join("cvefeed.key");
        fs::write(&elsewhere, "x").unwrap();
        assert!(ensure_outside(&elsewhere, out.to_str().unwrap()).is_ok());
        assert!(ensure_outside(&key, "s3://bucket/prefix").is_ok());
    }
}
