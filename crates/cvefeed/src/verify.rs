//! `cvefeed verify`: is a publication what its signer published? Checks
//! the signature of `manifest.json` against a pinned public key, then the
//! sha256 and size of every object the manifest lists (and of their
//! precompressed siblings), and names each object that fails. Also used by `cvefeed check --verify-key` to trust
//! one object (the feed it reads) before using it.
//!
//! A publication is read from a directory or bucket (through the
//! [`Store`]) or over HTTP(S) from a base URL; a user name and password in
//! that URL are sent as basic authentication and never shown (reports and
//! errors name the URL without them). Reads follow the order that
//! makes a torn view least likely while a publish is in flight: the
//! signature first, then the manifest (the writer writes them the other
//! way round), then the objects. A publish in flight can still show a
//! mismatch, so a failed attempt is repeated after a pause before it is
//! reported.
//!
//! Owns fetching and comparing; the signature format is
//! [`cvefeed_model::signature`]'s. Everything read is bounded in size, and
//! object names from the manifest are checked before they are fetched.

use std::fmt;
use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::http::{self, BasicAuth, BodyError, Redirects};
use crate::store::{self, OpenOptions, Store, StoreError};
use cvefeed_model::manifest::{MANIFEST, Manifest};
use cvefeed_model::signature::{PublicKey, SIGNATURE, SignatureError};

/// The largest `manifest.json` read (a 10,000-item feed's is about 3 MB).
const MAX_MANIFEST: u64 = 64 << 20;
/// The largest signature read (a P-256 signature is under 100 bytes).
const MAX_SIGNATURE: u64 = 4 << 10;
/// The largest object read, whatever the manifest says.
const MAX_OBJECT: u64 = 1 << 30;
/// Objects fetched at once.
const PARALLEL_READS: usize = 16;

/// Why a publication could not be verified at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The location given is not a usable URL.
    #[error("the location is not a valid http(s) URL (not shown: it may hold a password or token)")]
    Location(#[source] url::ParseError),
    /// An object's URL cannot be built.
    #[error("cannot use {location:?}: it is not a valid http(s) URL")]
    Url {
        /// The object name.
        location: String,
        /// The parse error.
        source: url::ParseError,
    },
    /// The HTTP client cannot be built.
    #[error("cannot set up the HTTP client")]
    HttpClient(#[source] reqwest::Error),
    /// A request failed.
    #[error("fetching {url} failed")]
    Fetch {
        /// The URL.
        url: String,
        /// The cause (without the URL).
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// An object is larger than anything that can be published.
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
    /// The manifest does not parse.
    #[error("the {MANIFEST} at {location} is not a cvefeed manifest")]
    BadManifest {
        /// Where.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// Where a publication is read from.
#[derive(Debug)]
pub enum Location {
    /// A directory or bucket.
    Store(Box<dyn Store>),
    /// A web server: objects are fetched as `base` + name.
    Http {
        /// The base URL, ending in `/`, without user name, password, query
        /// or fragment: safe to show.
        base: url::Url,
        /// The user name and password that were in the URL given.
        auth: Option<BasicAuth>,
        /// The client.
        client: reqwest::Client,
    },
}

impl Location {
    /// Open a publication: `http(s)://` is a base URL (a trailing `/` is
    /// added; a user name and password are taken out and sent as basic
    /// authentication; a query or fragment, which no object URL would
    /// carry, is dropped), anything else a store location, as for `--out`.
    pub fn open(
        location: &str,
        options: &OpenOptions,
        timeout: Duration,
    ) -> Result<Location, VerifyError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            let base = url::Url::parse(location).map_err(VerifyError::Location)?;
            let (mut base, auth) = http::take_userinfo(base);
            base.set_query(None);
            base.set_fragment(None);
            if !base.path().ends_with('/') {
                let path = format!("{}/", base.path());
                base.set_path(&path);
            }
            let client = http::builder(timeout, Redirects::Follow)
                .build()
                .map_err(VerifyError::HttpClient)?;
            return Ok(Location::Http { base, auth, client });
        }
        Ok(Location::Store(store::open_with(location, options)?))
    }

    /// The location in words (never with a password or token).
    pub fn describe(&self) -> String {
        match self {
            Location::Store(s) => s.location(),
            Location::Http { base, .. } => base.to_string(),
        }
    }

    /// Read object `name`, at most `limit` bytes; `None` when it does not
    /// exist. A larger object is [`Fetched::TooLarge`].
    async fn fetch(&self, name: &str, limit: u64) -> Result<Fetched, VerifyError> {
        store::check_name(name)?;
        match self {
            Location::Store(s) => Ok(match s.get_limited(name, limit).await {
                Ok(None) => Fetched::Missing,
                Ok(Some(f)) => Fetched::Bytes(f.bytes),
                Err(StoreError::TooLarge { .. }) => Fetched::TooLarge,
                Err(e) => return Err(e.into()),
            }),
            Location::Http { base, auth, client } => {
                let url = base.join(name).map_err(|source| VerifyError::Url {
                    location: name.to_string(),
                    source,
                })?;
                let fetch_err = |source: reqwest::Error| VerifyError::Fetch {
                    url: url.to_string(),
                    source: source.without_url(),
                };
                let mut request = client.get(url.clone());
                if let Some(auth) = auth {
                    request = auth.apply(request);
                }
                let response = request.send().await.map_err(fetch_err)?;
                let status = response.status();
                if status == StatusCode::NOT_FOUND {
                    return Ok(Fetched::Missing);
                }
                if !status.is_success() {
                    return Err(VerifyError::Status {
                        url: url.to_string(),
                        status: status.as_u16(),
                    });
                }
                match http::read_bounded(response, limit).await {
                    Ok(bytes) => Ok(Fetched::Bytes(bytes)),
                    Err(BodyError::TooLarge { .. }) => Ok(Fetched::TooLarge),
                    Err(BodyError::Read(e)) => Err(fetch_err(e)),
                }
            }
        }
    }

    /// Read object `name`, failing when it is larger than `limit`.
    async fn fetch_bounded(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, VerifyError> {
        match self.fetch(name, limit).await? {
            Fetched::Bytes(b) => Ok(Some(b)),
            Fetched::Missing => Ok(None),
            Fetched::TooLarge => Err(VerifyError::TooLarge {
                name: name.to_string(),
                location: self.describe(),
                limit,
            }),
        }
    }
}

enum Fetched {
    Bytes(Vec<u8>),
    Missing,
    TooLarge,
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

/// Why one object fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// It is not there.
    Missing,
    /// Other bytes than the manifest names.
    Sha256 {
        /// The sha256 of what was read.
        actual: String,
        /// What the manifest says.
        expected: String,
    },
    /// Larger than the manifest says.
    TooLarge {
        /// What the manifest says.
        expected: u64,
    },
    /// Its name is not a plain object name.
    UnsafeName,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("missing"),
            Problem::Sha256 { actual, expected } => {
                write!(f, "sha256 {actual}, the manifest says {expected}")
            }
            Problem::TooLarge { expected } => {
                write!(f, "larger than the {expected} bytes the manifest says")
            }
            Problem::UnsafeName => f.write_str("not a plain object name; not fetched"),
        }
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

/// Verify the publication at `location`, retrying a mismatch
/// `options.attempts` times in all, `options.retry_delay` apart.
pub async fn verify(location: &Location, options: &VerifyOptions) -> Result<Report, VerifyError> {
    let mut attempt = 1;
    loop {
        let report = verify_once(location, options).await?;
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

/// The signature, then the manifest.
async fn signed_manifest(
    location: &Location,
    key: &PublicKey,
    allow_unsigned: bool,
) -> Result<(SignatureCheck, Vec<u8>), VerifyError> {
    let signature = location.fetch(SIGNATURE, MAX_SIGNATURE).await?;
    let manifest = location
        .fetch_bounded(MANIFEST, MAX_MANIFEST)
        .await?
        .ok_or_else(|| VerifyError::NoManifest {
            location: location.describe(),
        })?;
    let check = match signature {
        Fetched::Bytes(sig) => match key.verify(&manifest, &sig) {
            Ok(()) => SignatureCheck::Valid,
            Err(e) => SignatureCheck::Invalid(e),
        },
        Fetched::TooLarge => SignatureCheck::Invalid(SignatureError::NotDer),
        Fetched::Missing if allow_unsigned => SignatureCheck::Unsigned,
        Fetched::Missing => SignatureCheck::Missing,
    };
    Ok((check, manifest))
}

fn parse_manifest(location: &Location, bytes: &[u8]) -> Result<Manifest, VerifyError> {
    serde_json::from_slice(bytes).map_err(|source| VerifyError::BadManifest {
        location: location.describe(),
        source,
    })
}

async fn verify_once(location: &Location, options: &VerifyOptions) -> Result<Report, VerifyError> {
    let (signature, manifest_bytes) =
        signed_manifest(location, &options.key, options.allow_unsigned).await?;
    let mut report = Report {
        location: location.describe(),
        key: options.key.fingerprint(),
        signature,
        updated_at: None,
        checked: 0,
        failures: Vec::new(),
    };
    let manifest = match parse_manifest(location, &manifest_bytes) {
        Ok(m) => m,
        // A manifest the key did not sign is a mismatch whatever it holds.
        Err(_) if !report.signature.passed() => return Ok(report),
        Err(e) => return Err(e),
    };
    report.updated_at = Some(manifest.updated_at);
    // Every object, and every precompressed sibling the manifest pins.
    let pinned: Vec<Pinned> = manifest
        .objects
        .iter()
        .flat_map(|(name, entry)| {
            let object = Pinned {
                name,
                sha256: &entry.sha256,
                size: entry.size,
            };
            let siblings = entry.encodings.values().map(|e| Pinned {
                name: &e.name,
                sha256: &e.sha256,
                size: e.size,
            });
            std::iter::once(object).chain(siblings)
        })
        .collect();
    report.checked = pinned.len();
    let checks = futures::stream::iter(pinned)
        .map(|pinned| async move {
            check_object(location, &pinned)
                .await
                .map(|problem| problem.map(|p| (pinned.name.to_string(), p)))
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

/// Whether a manifest name is a plain object name (fetched as is).
fn plain_name(name: &str) -> bool {
    store::check_name(name).is_ok()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'))
        && !name.starts_with('.')
}

/// An object the manifest pins: its name, sha256 and size.
struct Pinned<'a> {
    name: &'a str,
    sha256: &'a str,
    size: u64,
}

async fn check_object(
    location: &Location,
    pinned: &Pinned<'_>,
) -> Result<Option<Problem>, VerifyError> {
    if !plain_name(pinned.name) {
        return Ok(Some(Problem::UnsafeName));
    }
    let limit = pinned.size.min(MAX_OBJECT);
    Ok(match location.fetch(pinned.name, limit).await? {
        Fetched::Missing => Some(Problem::Missing),
        Fetched::TooLarge => Some(Problem::TooLarge {
            expected: pinned.size,
        }),
        Fetched::Bytes(bytes) => {
            let actual = hex::encode(Sha256::digest(&bytes));
            (actual != pinned.sha256).then(|| Problem::Sha256 {
                actual,
                expected: pinned.sha256.to_string(),
            })
        }
    })
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

/// Check that `bytes`, read as object `name` of the publication at
/// `location`, are what its signed manifest names.
pub async fn authenticate(
    location: &Location,
    name: &str,
    bytes: &[u8],
    key: &PublicKey,
) -> Result<(), Untrusted> {
    let (check, manifest) = signed_manifest(location, key, false).await?;
    if check != SignatureCheck::Valid {
        return Err(Untrusted::Signature {
            location: location.describe(),
            key: key.fingerprint(),
            check,
        });
    }
    let manifest = parse_manifest(location, &manifest)?;
    let object = |why: String| Untrusted::Object {
        name: name.to_string(),
        location: location.describe(),
        why,
    };
    let entry = manifest
        .objects
        .get(name)
        .ok_or_else(|| object("the manifest does not list it".into()))?;
    let actual = hex::encode(Sha256::digest(bytes));
    if actual != entry.sha256 {
        return Err(object(format!(
            "sha256 {actual}, the manifest says {}",
            entry.sha256
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(location: &str) -> Result<Location, VerifyError> {
        Location::open(location, &OpenOptions::default(), Duration::from_secs(1))
    }

    #[test]
    fn an_http_location_keeps_its_credentials_out_of_sight() {
        let location = open("https://robot:S3CR3T@feeds.example/cve?key=S3CR3T#S3CR3T").unwrap();
        assert_eq!(location.describe(), "https://feeds.example/cve/");
        assert!(!format!("{location:?}").contains("S3CR3T"), "{location:?}");
        let Location::Http { auth, base, .. } = &location else {
            panic!("{location:?}")
        };
        let auth = auth.as_ref().unwrap();
        assert_eq!((auth.user(), auth.password()), ("robot", Some("S3CR3T")));
        assert_eq!(
            base.join(MANIFEST).unwrap().as_str(),
            "https://feeds.example/cve/manifest.json"
        );
        assert_eq!(
            open("http://feeds.example/").unwrap().describe(),
            "http://feeds.example/"
        );
        let e = open("https://robot:S3CR3T@bad host/").unwrap_err();
        assert!(matches!(e, VerifyError::Location(_)), "{e:?}");
        assert!(!format!("{e} {e:?}").contains("S3CR3T"), "{e}");
    }
}
