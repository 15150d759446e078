//! The one reader of a publication: the signature (checked when a key is
//! given), then `manifest.json`, parsed once, then the objects it lists,
//! each handed out only once its bytes are the ones the manifest pins
//! (sha256, and never more bytes than its size), siblings (`.gz`, `.br`)
//! alike.
//!
//! `verify`, `serve`, `check --verify-key` and the change log read through
//! it, from any [`Store`] (a directory, a bucket, or a web server through
//! [`super::HttpStore`]), so a field added to the manifest is read in one
//! place. Reads follow the order that makes a torn view least likely
//! while a publish is in flight: the signature first, then the manifest
//! (the writer writes them the other way round), then the objects.
//!
//! Owns reading and comparing; never writes. The signature format is
//! [`cvefeed_model::signature`]'s, the manifest's shape
//! [`cvefeed_model::manifest`]'s. What a mismatch means (a report line, a
//! set kept, a log started again) is the caller's business.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{Store, StoreError, Version};
use cvefeed_model::manifest::{Coding, MANIFEST, Manifest, ObjectEntry};
use cvefeed_model::signature::{PublicKey, SIGNATURE, SignatureError};

/// The largest `manifest.json` read (a 10,000-item feed's is about 3 MB).
pub const MAX_MANIFEST: u64 = 64 << 20;
/// The largest signature read (a P-256 signature is under 100 bytes).
pub const MAX_SIGNATURE: u64 = 4 << 10;
/// The largest object read, whatever the manifest says.
pub const MAX_OBJECT: u64 = 1 << 30;

/// Why a publication, or one of its objects, could not be read as pinned.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
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
    /// The manifest does not parse.
    #[error("the {MANIFEST} at {location} is not a cvefeed manifest")]
    BadManifest {
        /// Where.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// An object is not what the manifest pins.
    #[error(
        "{name} at {location} does not match the {MANIFEST} ({problem}); a publish may be in \
         flight: read it again in a moment"
    )]
    Object {
        /// The object (or sibling).
        name: String,
        /// Where.
        location: String,
        /// How it differs.
        problem: Problem,
    },
}

/// Why one object is not the one the manifest pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The manifest does not list it.
    Unlisted,
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
            Problem::Unlisted => f.write_str("the manifest does not list it"),
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

/// What the signature read beside the manifest shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// No key was given: not checked.
    Unchecked,
    /// Made by the key over the manifest's exact bytes.
    Valid,
    /// There is none.
    Missing,
    /// One that does not verify (or is too large to be one).
    Invalid(SignatureError),
}

/// The manifest and its signature as read, before the manifest is parsed.
#[derive(Debug, Clone)]
pub struct Signed {
    location: String,
    /// The signature's bytes, when there is one of at most
    /// [`MAX_SIGNATURE`] bytes.
    pub signature_bytes: Option<Vec<u8>>,
    /// What checking it found.
    pub signature: Signature,
    /// The manifest's exact bytes.
    pub bytes: Vec<u8>,
    /// The manifest's version, for the compare-and-swap of the next
    /// publication ([`super::PutMode::Update`]).
    pub version: Version,
}

impl Signed {
    /// Read the signature, then the manifest, of the publication in
    /// `store`, checking the one against the other with `key` when given;
    /// `None` when nothing is published there.
    pub async fn read(
        store: &dyn Store,
        key: Option<&PublicKey>,
    ) -> Result<Option<Signed>, ReadError> {
        let signature = match store.get_limited(SIGNATURE, MAX_SIGNATURE).await {
            Ok(found) => Ok(found.map(|f| f.bytes)),
            Err(StoreError::TooLarge { .. }) => Err(SignatureError::NotDer),
            Err(e) => return Err(e.into()),
        };
        let (bytes, version) = match store.get_limited(MANIFEST, MAX_MANIFEST).await {
            Ok(Some(f)) => (f.bytes, f.version),
            Ok(None) => return Ok(None),
            Err(StoreError::TooLarge { .. }) => {
                return Err(ReadError::TooLarge {
                    name: MANIFEST.to_string(),
                    location: store.location(),
                    limit: MAX_MANIFEST,
                });
            }
            Err(e) => return Err(e.into()),
        };
        let check = match (key, &signature) {
            (None, _) => Signature::Unchecked,
            (Some(_), Err(e)) => Signature::Invalid(e.clone()),
            (Some(_), Ok(None)) => Signature::Missing,
            (Some(key), Ok(Some(sig))) => match key.verify(&bytes, sig) {
                Ok(()) => Signature::Valid,
                Err(e) => Signature::Invalid(e),
            },
        };
        Ok(Some(Signed {
            location: store.location(),
            signature_bytes: signature.ok().flatten(),
            signature: check,
            bytes,
            version,
        }))
    }

    /// The manifest, parsed.
    pub fn manifest(&self) -> Result<Manifest, ReadError> {
        serde_json::from_slice::<Manifest>(&self.bytes).map_err(|source| ReadError::BadManifest {
            location: self.location.clone(),
            source,
        })
    }
}

/// One object or sibling the manifest pins: its name, sha256 and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin<'m> {
    /// The object name.
    pub name: &'m str,
    /// Hex sha256 of its bytes.
    pub sha256: &'m str,
    /// Its size in bytes.
    pub size: u64,
}

impl<'m> Pin<'m> {
    fn object(name: &'m str, entry: &'m ObjectEntry) -> Pin<'m> {
        Pin {
            name,
            sha256: &entry.sha256,
            size: entry.size,
        }
    }

    /// Whether the name is a plain object name: safe to fetch as is, from
    /// a store or as a URL path, and not an internal object (`.…`).
    pub fn is_plain(&self) -> bool {
        super::check_name(self.name).is_ok()
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'))
            && !self.name.starts_with('.')
    }

    /// How `bytes` differ from what is pinned, if they do.
    fn compare(&self, bytes: &[u8]) -> Option<Problem> {
        let actual = hex::encode(Sha256::digest(bytes));
        (actual != self.sha256).then(|| Problem::Sha256 {
            actual,
            expected: self.sha256.to_string(),
        })
    }
}

/// A listed object read back whatever it holds now (the change log and
/// the planner, which recover from a publish cut short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadBack {
    /// The manifest does not list it.
    Unlisted,
    /// It holds the bytes the manifest pins.
    Intact(Vec<u8>),
    /// It holds other bytes (a publish that did not commit replaced it).
    Replaced(Vec<u8>),
    /// It is listed but not there.
    Missing,
}

/// A parsed manifest and the store it describes: hands out the objects it
/// lists, checked against it.
#[derive(Debug, Clone, Copy)]
pub struct Published<'a> {
    store: &'a dyn Store,
    manifest: &'a Manifest,
}

impl<'a> Published<'a> {
    /// The publication `manifest` describes in `store` (read with
    /// [`Signed::read`] and [`Signed::manifest`], or kept from an earlier
    /// read).
    pub fn new(store: &'a dyn Store, manifest: &'a Manifest) -> Published<'a> {
        Published { store, manifest }
    }

    /// The manifest.
    pub fn manifest(&self) -> &'a Manifest {
        self.manifest
    }

    /// Where, in words.
    pub fn location(&self) -> String {
        self.store.location()
    }

    /// Every object the manifest lists, each followed by its siblings.
    pub fn pins(&self) -> Vec<Pin<'a>> {
        self.manifest
            .objects
            .iter()
            .flat_map(|(name, entry)| {
                let siblings = entry.encodings.values().map(|e| Pin {
                    name: &e.name,
                    sha256: &e.sha256,
                    size: e.size,
                });
                std::iter::once(Pin::object(name, entry)).chain(siblings)
            })
            .collect()
    }

    /// The pin of object or sibling `name`, if the manifest lists it.
    pub fn pin(&self, name: &str) -> Option<Pin<'a>> {
        if let Some((name, entry)) = self.manifest.objects.get_key_value(name) {
            return Some(Pin::object(name, entry));
        }
        self.pins().into_iter().find(|p| p.name == name)
    }

    fn error(&self, name: &str, problem: Problem) -> ReadError {
        ReadError::Object {
            name: name.to_string(),
            location: self.location(),
            problem,
        }
    }

    /// The bytes of `pin`, read within its size (and [`MAX_OBJECT`]) and
    /// checked against its sha256.
    pub async fn read(&self, pin: Pin<'_>) -> Result<Vec<u8>, ReadError> {
        let limit = pin.size.min(MAX_OBJECT);
        let bytes = match self.store.get_limited(pin.name, limit).await {
            Ok(Some(f)) => f.bytes,
            Ok(None) => return Err(self.error(pin.name, Problem::Missing)),
            Err(StoreError::TooLarge { .. }) => {
                return Err(self.error(pin.name, Problem::TooLarge { expected: pin.size }));
            }
            Err(e) => return Err(e.into()),
        };
        match pin.compare(&bytes) {
            Some(problem) => Err(self.error(pin.name, problem)),
            None => Ok(bytes),
        }
    }

    /// Object `name`, checked against the manifest.
    pub async fn object(&self, name: &str) -> Result<Vec<u8>, ReadError> {
        let (name, entry) = self
            .manifest
            .objects
            .get_key_value(name)
            .ok_or_else(|| self.error(name, Problem::Unlisted))?;
        self.read(Pin::object(name, entry)).await
    }

    /// The sibling of object `name` in `coding`, checked against the
    /// manifest.
    pub async fn sibling(&self, name: &str, coding: Coding) -> Result<Vec<u8>, ReadError> {
        let sibling = self
            .manifest
            .objects
            .get(name)
            .and_then(|e| e.encodings.get(&coding))
            .ok_or_else(|| self.error(&coding.sibling(name), Problem::Unlisted))?;
        self.read(Pin {
            name: &sibling.name,
            sha256: &sibling.sha256,
            size: sibling.size,
        })
        .await
    }

    /// Check `bytes`, read elsewhere as object `name`, against the
    /// manifest.
    pub fn check(&self, name: &str, bytes: &[u8]) -> Result<(), ReadError> {
        let entry = self
            .manifest
            .objects
            .get(name)
            .ok_or_else(|| self.error(name, Problem::Unlisted))?;
        match Pin::object(name, entry).compare(bytes) {
            Some(problem) => Err(self.error(name, problem)),
            None => Ok(()),
        }
    }

    /// Object or sibling `name` as it is now, within [`MAX_OBJECT`],
    /// whether or not it still holds the pinned bytes.
    pub async fn read_back(&self, name: &str) -> Result<ReadBack, StoreError> {
        let Some(pin) = self.pin(name) else {
            return Ok(ReadBack::Unlisted);
        };
        Ok(match self.store.get_limited(name, MAX_OBJECT).await? {
            None => ReadBack::Missing,
            Some(f) if pin.compare(&f.bytes).is_none() => ReadBack::Intact(f.bytes),
            Some(f) => ReadBack::Replaced(f.bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{LocalStore, PutMode};
    use cvefeed_model::signature::Signer;

    const JSON: &str = "application/json";

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// A manifest listing `index.json` (with a gzip sibling) as `bytes`.
    fn manifest_of(bytes: &[u8], gz: &[u8]) -> Manifest {
        let text = serde_json::json!({
            "manifest_version": Manifest::VERSION,
            "generator": "test",
            "updated_at": "2031-01-02T03:04:05Z",
            "content_hash": "c",
            "items": {},
            "objects": {
                "index.json": {
                    "sha256": sha(bytes),
                    "size": bytes.len(),
                    "content_type": JSON,
                    "encodings": {"gzip": {"name": "index.json.gz", "sha256": sha(gz), "size": gz.len()}}
                }
            }
        });
        serde_json::from_value(text).unwrap()
    }

    async fn store_with(objects: &[(&str, &[u8])]) -> (tempfile::TempDir, LocalStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        for (name, bytes) in objects {
            store
                .put(name, bytes.to_vec(), JSON, PutMode::Overwrite)
                .await
                .unwrap();
        }
        (dir, store)
    }

    fn problem(e: ReadError) -> (String, Problem) {
        match e {
            ReadError::Object { name, problem, .. } => (name, problem),
            e => panic!("{e:?}"),
        }
    }

    #[tokio::test]
    async fn objects_and_siblings_are_handed_out_checked() {
        let m = manifest_of(b"{}", b"gz");
        let (_dir, store) = store_with(&[("index.json", b"{}"), ("index.json.gz", b"gz")]).await;
        let p = Published::new(&store, &m);
        assert_eq!(p.object("index.json").await.unwrap(), b"{}");
        assert_eq!(p.sibling("index.json", Coding::Gzip).await.unwrap(), b"gz");
        assert_eq!(
            p.pins().iter().map(|p| p.name).collect::<Vec<_>>(),
            ["index.json", "index.json.gz"]
        );
        assert_eq!(
            p.read_back("index.json.gz").await.unwrap(),
            ReadBack::Intact(b"gz".to_vec())
        );
        assert_eq!(p.read_back("feed.xml").await.unwrap(), ReadBack::Unlisted);
        assert!(p.check("index.json", b"{}").is_ok());
        assert_eq!(
            problem(p.sibling("index.json", Coding::Brotli).await.unwrap_err()),
            ("index.json.br".to_string(), Problem::Unlisted)
        );
    }

    #[tokio::test]
    async fn a_wrong_sha256_is_named_with_both_digests() {
        let m = manifest_of(b"{}", b"gz");
        let (_dir, store) = store_with(&[("index.json", b"[]")]).await;
        let p = Published::new(&store, &m);
        let e = p.object("index.json").await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "index.json at {} does not match the manifest.json (sha256 {}, the manifest says \
                 {}); a publish may be in flight: read it again in a moment",
                store.location(),
                sha(b"[]"),
                sha(b"{}")
            )
        );
        assert_eq!(
            p.read_back("index.json").await.unwrap(),
            ReadBack::Replaced(b"[]".to_vec())
        );
        assert_eq!(
            problem(p.check("index.json", b"[]").unwrap_err()).1,
            Problem::Sha256 {
                actual: sha(b"[]"),
                expected: sha(b"{}")
            }
        );
    }

    #[tokio::test]
    async fn missing_unlisted_and_oversize_objects_are_refused() {
        let m = manifest_of(b"{}", b"gz");
        let (_dir, store) = store_with(&[("index.json", b"{\"a\":1}")]).await;
        let p = Published::new(&store, &m);
        assert_eq!(
            problem(p.object("index.json").await.unwrap_err()),
            ("index.json".to_string(), Problem::TooLarge { expected: 2 })
        );
        assert_eq!(
            problem(p.sibling("index.json", Coding::Gzip).await.unwrap_err()),
            ("index.json.gz".to_string(), Problem::Missing)
        );
        assert_eq!(
            p.read_back("index.json.gz").await.unwrap(),
            ReadBack::Missing
        );
        assert_eq!(
            problem(p.object("feed.xml").await.unwrap_err()),
            ("feed.xml".to_string(), Problem::Unlisted)
        );
    }

    #[tokio::test]
    async fn the_signature_is_checked_over_the_exact_manifest_bytes() {
        let key = Signer::generate(&mut rand::rng());
        let public = key.public_key();
        let manifest = serde_json::to_vec(&manifest_of(b"{}", b"gz")).unwrap();
        let signature = key.sign(&manifest);
        let (_dir, store) = store_with(&[(MANIFEST, &manifest), (SIGNATURE, &signature)]).await;
        let signed = Signed::read(&store, Some(&public)).await.unwrap().unwrap();
        assert_eq!(signed.signature, Signature::Valid);
        assert_eq!(signed.bytes, manifest);
        assert_eq!(
            Some(signed.version.clone()),
            store.get(MANIFEST).await.unwrap().map(|f| f.version)
        );
        assert_eq!(
            signed.signature_bytes.as_deref(),
            Some(signature.as_slice())
        );
        assert_eq!(signed.manifest().unwrap(), manifest_of(b"{}", b"gz"));

        let other = Signer::generate(&mut rand::rng()).public_key();
        let signed = Signed::read(&store, Some(&other)).await.unwrap().unwrap();
        assert!(
            matches!(signed.signature, Signature::Invalid(_)),
            "{signed:?}"
        );
        let unchecked = Signed::read(&store, None).await.unwrap().unwrap();
        assert_eq!(unchecked.signature, Signature::Unchecked);

        let mut tampered = manifest.clone();
        tampered.push(b' ');
        store
            .put(MANIFEST, tampered, JSON, PutMode::Overwrite)
            .await
            .unwrap();
        let signed = Signed::read(&store, Some(&public)).await.unwrap().unwrap();
        assert!(
            matches!(signed.signature, Signature::Invalid(_)),
            "{signed:?}"
        );
        store.delete(SIGNATURE).await.unwrap();
        let signed = Signed::read(&store, Some(&public)).await.unwrap().unwrap();
        assert_eq!(
            (signed.signature, signed.signature_bytes),
            (Signature::Missing, None)
        );
    }

    #[tokio::test]
    async fn no_manifest_is_none_and_a_bad_one_is_named() {
        let (_dir, store) = store_with(&[]).await;
        assert!(Signed::read(&store, None).await.unwrap().is_none());
        store
            .put(MANIFEST, b"{\"x\":1}".to_vec(), JSON, PutMode::Overwrite)
            .await
            .unwrap();
        let signed = Signed::read(&store, None).await.unwrap().unwrap();
        assert_eq!(
            signed.manifest().unwrap_err().to_string(),
            format!(
                "the manifest.json at {} is not a cvefeed manifest",
                store.location()
            )
        );
    }

    #[tokio::test]
    async fn a_publication_on_a_web_server_reads_through_the_same_calls() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        let manifest = serde_json::to_vec(&manifest_of(b"{}", b"gz")).unwrap();
        for (name, body) in [
            (MANIFEST, manifest.as_slice()),
            ("index.json", b"{}".as_slice()),
            ("index.json.gz", b"zz".as_slice()),
        ] {
            Mock::given(method("GET"))
                .and(path(format!("/feed/{name}")))
                .respond_with(ResponseTemplate::new(200).set_body_bytes(body.to_vec()))
                .mount(&server)
                .await;
        }
        let store = crate::store::HttpStore::open(
            &format!("{}/feed", server.uri()),
            std::time::Duration::from_secs(5),
        )
        .unwrap();
        let signed = Signed::read(&store, None).await.unwrap().unwrap();
        assert_eq!(
            (signed.signature_bytes.clone(), signed.bytes.clone()),
            (None, manifest)
        );
        let m = signed.manifest().unwrap();
        let p = Published::new(&store, &m);
        assert_eq!(p.object("index.json").await.unwrap(), b"{}");
        assert_eq!(
            problem(p.sibling("index.json", Coding::Gzip).await.unwrap_err()),
            (
                "index.json.gz".to_string(),
                Problem::Sha256 {
                    actual: sha(b"zz"),
                    expected: sha(b"gz")
                }
            )
        );
    }
}
