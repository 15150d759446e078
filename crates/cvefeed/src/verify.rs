//! `cvefeed verify`: is a publication what its signer published? Checks
//! the signature of `manifest.json` against a pinned public key, then the
//! sha256 and size of every object the manifest lists (and of their
//! precompressed siblings), and names each object that fails. Also used by `cvefeed check --verify-key` to trust
//! one object (the feed it reads) before using it.
//!
//! A publication is read from a directory, a bucket or a web server
//! ([`crate::store::open_for_reading`]), through the one reader
//! ([`crate::store::read`]): the signature first, then the manifest, then
//! the objects, each within its size. A publish in flight can still show
//! a mismatch, so a failed attempt is repeated after a pause before it is
//! reported.
//!
//! Owns the verdict and the report: which check passes, how a failure is
//! worded, retrying. Reading and comparing are the reader's; the signature
//! format is [`cvefeed_model::signature`]'s. Object names from the
//! manifest that are not plain are reported, never fetched.

use std::fmt;
use std::time::Duration;

use futures::StreamExt;

use crate::store::read::{Pin, Published, ReadError, Signature, Signed};
use crate::store::{Store, StoreError};
use cvefeed_model::manifest::MANIFEST;
use cvefeed_model::signature::{PublicKey, SIGNATURE, SignatureError};

pub use crate::store::read::Problem;

/// Objects fetched at once.
const PARALLEL_READS: usize = 16;

/// Why a publication could not be verified at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The manifest could not be read or parsed.
    #[error(transparent)]
    Read(ReadError),
    /// The manifest is larger than any publication's.
    #[error("{name} at {location} is larger than {limit} bytes; refusing to read it")]
    TooLarge {
        /// The object.
        name: String,
        /// Where.
        location: String,
        /// The limit.
        limit: u64,
    },
    /// Nothing is published there.
    #[error("{location} has no {MANIFEST}: nothing is published there")]
    NoManifest {
        /// Where.
        location: String,
    },
}

impl From<ReadError> for VerifyError {
    fn from(e: ReadError) -> VerifyError {
        match e {
            ReadError::Store(e) => VerifyError::Store(e),
            ReadError::TooLarge {
                name,
                location,
                limit,
            } => VerifyError::TooLarge {
                name,
                location,
                limit,
            },
            e => VerifyError::Read(e),
        }
    }
}

/// How `verify` runs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The pinned public key.
    pub key: PublicKey,
    /// Accept a publication without `manifest.json.sig` (the objects are
    /// still checked against the manifest).
    pub allow_unsigned: bool,
    /// Attempts before a mismatch is reported (at least one).
    pub attempts: u32,
    /// Pause between attempts.
    pub retry_delay: Duration,
}

/// What the signature check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Made by the key over the manifest's bytes.
    Valid,
    /// No signature, and `--allow-unsigned` was given.
    Unsigned,
    /// No signature.
    Missing,
    /// A signature that does not verify.
    Invalid(SignatureError),
}

impl fmt::Display for SignatureCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureCheck::Valid => f.write_str("the signature is valid"),
            SignatureCheck::Unsigned | SignatureCheck::Missing => {
                write!(f, "{SIGNATURE} is missing")
            }
            SignatureCheck::Invalid(e) => e.fmt(f),
        }
    }
}

impl SignatureCheck {
    fn passed(&self) -> bool {
        matches!(self, SignatureCheck::Valid | SignatureCheck::Unsigned)
    }
}

/// The result of one verification.
#[derive(Debug, Clone)]
pub struct Report {
    /// Where.
    pub location: String,
    /// The key's fingerprint.
    pub key: String,
    /// The signature check.
    pub signature: SignatureCheck,
    /// The manifest's `updated_at`, when it was read.
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Objects checked.
    pub checked: usize,
    /// The objects that failed, by name.
    pub failures: Vec<(String, Problem)>,
}

impl Report {
    /// Whether everything matched.
    pub fn intact(&self) -> bool {
        self.signature.passed() && self.failures.is_empty()
    }

    /// 0 intact, 1 mismatch.
    pub fn exit_status(&self) -> u8 {
        if self.intact() { 0 } else { 1 }
    }

    /// The report for people: one line per failure, then a summary.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        match &self.signature {
            SignatureCheck::Valid => {}
            SignatureCheck::Unsigned => lines.push(format!(
                "warning: {SIGNATURE} is missing; accepted because of --allow-unsigned"
            )),
            SignatureCheck::Missing => lines.push(format!(
                "FAIL {SIGNATURE}: missing (pass --allow-unsigned to check an unsigned publication)"
            )),
            SignatureCheck::Invalid(e) => {
                lines.push(format!("FAIL {MANIFEST}: {e} (key {})", self.key))
            }
        }
        for (name, problem) in &self.failures {
            lines.push(format!("FAIL {name}: {problem}"));
        }
        let when = self
            .updated_at
            .map(|t| format!(", updated_at {}", cvefeed_model::wire::Timestamp(t)))
            .unwrap_or_default();
        lines.push(if self.intact() {
            let signed = match self.signature {
                SignatureCheck::Valid => format!("signature valid (key {})", self.key),
                _ => "unsigned".into(),
            };
            format!(
                "intact: {}: {signed}; {} objects match {MANIFEST}{when}",
                self.location, self.checked
            )
        } else {
            format!(
                "mismatch: {}: {} of {} objects failed{}{when}",
                self.location,
                self.failures.len(),
                self.checked,
                if self.signature.passed() {
                    ""
                } else {
                    "; the signature of the manifest does not verify"
                }
            )
        });
        lines
    }
}

/// Verify the publication in `store` (a directory, a bucket or a web
/// server, as [`crate::store::open_for_reading`] opens them), retrying a mismatch
/// `options.attempts` times in all, `options.retry_delay` apart.
pub async fn verify(store: &dyn Store, options: &VerifyOptions) -> Result<Report, VerifyError> {
    let mut attempt = 1;
    loop {
        let report = verify_once(store, options).await?;
        if report.intact() || attempt >= options.attempts.max(1) {
            return Ok(report);
        }
        tracing::info!(
            attempt,
            "the publication does not match; a publish may be in flight, reading it again"
        );
        attempt += 1;
        tokio::time::sleep(options.retry_delay).await;
    }
}

/// The signature, then the manifest; [`VerifyError::NoManifest`] when
/// there is none.
async fn signed_manifest(store: &dyn Store, key: &PublicKey) -> Result<Signed, VerifyError> {
    Signed::read(store, Some(key))
        .await?
        .ok_or_else(|| VerifyError::NoManifest {
            location: store.location(),
        })
}

/// What the signature check found, by the rule of `verify`.
fn signature_check(signature: Signature, allow_unsigned: bool) -> SignatureCheck {
    match signature {
        Signature::Valid => SignatureCheck::Valid,
        Signature::Invalid(e) => SignatureCheck::Invalid(e),
        Signature::Missing if allow_unsigned => SignatureCheck::Unsigned,
        Signature::Missing => SignatureCheck::Missing,
        // A key is always given here; an unchecked signature proves nothing.
        Signature::Unchecked => SignatureCheck::Invalid(SignatureError::NotDer),
    }
}

async fn verify_once(store: &dyn Store, options: &VerifyOptions) -> Result<Report, VerifyError> {
    let signed = signed_manifest(store, &options.key).await?;
    let mut report = Report {
        location: store.location(),
        key: options.key.fingerprint(),
        signature: signature_check(signed.signature.clone(), options.allow_unsigned),
        updated_at: None,
        checked: 0,
        failures: Vec::new(),
    };
    let manifest = match signed.manifest() {
        Ok(m) => m,
        // A manifest the key did not sign is a mismatch whatever it holds.
        Err(_) if !report.signature.passed() => return Ok(report),
        Err(e) => return Err(e.into()),
    };
    report.updated_at = Some(manifest.updated_at);
    let published = Published::new(store, &manifest);
    // Every object, and every precompressed sibling the manifest pins.
    let pins = published.pins();
    report.checked = pins.len();
    let checks = futures::stream::iter(pins)
        .map(|pin| async move {
            check_object(&published, pin)
                .await
                .map(|problem| problem.map(|p| (pin.name.to_string(), p)))
        })
        .buffered(PARALLEL_READS);
    let results: Vec<Result<Option<(String, Problem)>, VerifyError>> = checks.collect().await;
    for result in results {
        if let Some(failure) = result? {
            report.failures.push(failure);
        }
    }
    Ok(report)
}

/// What is wrong with `pin`, if anything; names that are not plain are
/// not fetched.
async fn check_object(
    published: &Published<'_>,
    pin: Pin<'_>,
) -> Result<Option<Problem>, VerifyError> {
    if !pin.is_plain() {
        return Ok(Some(Problem::UnsafeName));
    }
    match published.read(pin).await {
        Ok(_) => Ok(None),
        Err(ReadError::Object { problem, .. }) => Ok(Some(problem)),
        Err(e) => Err(e.into()),
    }
}

/// Why an object cannot be trusted (`check --verify-key`).
#[derive(Debug, thiserror::Error)]
pub enum Untrusted {
    /// The publication could not be read.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The manifest's signature does not verify.
    #[error("the {MANIFEST} at {location} cannot be trusted with the key {key}: {check}")]
    Signature {
        /// Where.
        location: String,
        /// The key's fingerprint.
        key: String,
        /// What the check found.
        check: SignatureCheck,
    },
    /// The object is not the one the signed manifest names.
    #[error(
        "{name} at {location} is not the one the signed {MANIFEST} names ({why}); a publish may \
         be in flight: try again in a moment"
    )]
    Object {
        /// The object.
        name: String,
        /// Where.
        location: String,
        /// Why.
        why: String,
    },
}

/// Check that `bytes`, read as object `name` of the publication in
/// `store`, are what its signed manifest names.
pub async fn authenticate(
    store: &dyn Store,
    name: &str,
    bytes: &[u8],
    key: &PublicKey,
) -> Result<(), Untrusted> {
    let signed = signed_manifest(store, key).await?;
    let check = signature_check(signed.signature.clone(), false);
    if check != SignatureCheck::Valid {
        return Err(Untrusted::Signature {
            location: store.location(),
            key: key.fingerprint(),
            check,
        });
    }
    let manifest = signed.manifest().map_err(VerifyError::from)?;
    match Published::new(store, &manifest).check(name, bytes) {
        Ok(()) => Ok(()),
        Err(ReadError::Object { problem, .. }) => Err(Untrusted::Object {
            name: name.to_string(),
            location: store.location(),
            why: problem.to_string(),
        }),
        Err(e) => Err(VerifyError::from(e).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{self, OpenOptions};

    #[test]
    fn a_location_is_described_without_its_credentials() {
        let open = |l: &str| {
            store::open_for_reading(l, &OpenOptions::default(), Duration::from_secs(1))
                .map_err(VerifyError::from)
        };
        let location = open("https://robot:S3CR3T@feeds.example/cve?key=S3CR3T#S3CR3T").unwrap();
        assert_eq!(location.location(), "https://feeds.example/cve/");
        assert!(!format!("{location:?}").contains("S3CR3T"), "{location:?}");
        let e = open("https://robot:S3CR3T@bad host/").unwrap_err();
        assert!(
            matches!(e, VerifyError::Store(StoreError::HttpLocation(_))),
            "{e:?}"
        );
        assert!(!format!("{e} {e:?}").contains("S3CR3T"), "{e}");
    }
}
