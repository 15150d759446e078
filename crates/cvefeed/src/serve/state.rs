//! The published set held in memory: `manifest.json`, every object it lists
//! (verified against its sha256 and compressed once), and `status.json`.
//!
//! This module owns loading a set from a [`Store`] (read through
//! [`crate::store::read`], which checks every object against the
//! manifest) and swapping it in atomically. It never writes to the store and knows nothing of HTTP
//! beyond the representations (identity, gzip, brotli) it prepares.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use axum::http::HeaderValue;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::compress::{self, is_compressible};
use crate::store::read::{Problem, Published, ReadError, Signed};
use crate::store::{Store, StoreError};
use cvefeed_model::manifest::{self as m, MANIFEST, Manifest, STATUS, StatusDoc};
use cvefeed_model::render::content_type;
use cvefeed_model::signature::{SIGNATURE, SIGNATURE_CONTENT_TYPE};

/// One way an object's bytes are sent.
#[derive(Debug, Clone)]
pub struct Representation {
    /// The bytes as sent.
    pub bytes: Bytes,
    /// The strong ETag, quoted (a header value, built once).
    pub etag: HeaderValue,
}

/// A content coding the server can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// No compression.
    Identity,
    /// `gzip`.
    Gzip,
    /// `br`.
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` token, if any.
    pub fn token(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// One published object, ready to serve.
#[derive(Debug, Clone)]
pub struct Object {
    /// Hex sha256 of the identity bytes.
    pub sha256: String,
    /// Content type it was published with.
    pub content_type: String,
    /// When it last changed (the manifest's `updated_at`, or the status's `last_check`).
    pub last_modified: DateTime<Utc>,
    /// `last_modified` as an HTTP date header value, built once.
    pub last_modified_header: HeaderValue,
    /// Uncompressed.
    pub identity: Representation,
    /// gzip, when smaller than identity.
    pub gzip: Option<Representation>,
    /// brotli, when smaller than identity.
    pub brotli: Option<Representation>,
}

impl Object {
    /// Prepare `bytes`: hash, and compress once if the type is text.
    pub fn prepare(bytes: Bytes, content_type: &str, last_modified: DateTime<Utc>) -> Object {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Object::with_sha(bytes, sha256, content_type, last_modified, BTreeMap::new())
    }

    /// Prepare `bytes` whose sha256 is known, with the siblings that were
    /// published precompressed (`refresh --precompress`, verified by the
    /// caller); the other codings are compressed here, once.
    fn with_sha(
        bytes: Bytes,
        sha256: String,
        content_type: &str,
        last_modified: DateTime<Utc>,
        mut published: BTreeMap<m::Coding, Bytes>,
    ) -> Object {
        let compressible = is_compressible(content_type);
        let mut compressed = |coding: m::Coding, suffix: &str| {
            let encoded = published
                .remove(&coding)
                .or_else(|| compressible.then(|| Bytes::from(compress::encode(coding, &bytes))))?;
            (encoded.len() < bytes.len()).then(|| Representation {
                bytes: encoded,
                etag: header_value(&format!("\"{sha256}-{suffix}\"")),
            })
        };
        let gzip = compressed(m::Coding::Gzip, "gz");
        let brotli = compressed(m::Coding::Brotli, "br");
        Object {
            identity: Representation {
                etag: header_value(&format!("\"{sha256}\"")),
                bytes,
            },
            sha256,
            content_type: content_type.to_string(),
            last_modified,
            last_modified_header: http_date(last_modified),
            gzip,
            brotli,
        }
    }

    /// Change the last-modified time (an unchanged object in a new set).
    pub fn set_last_modified(&mut self, t: DateTime<Utc>) {
        self.last_modified = t;
        self.last_modified_header = http_date(t);
    }

    /// The representation for `coding`, if this object has one.
    pub fn representation(&self, coding: Coding) -> Option<&Representation> {
        match coding {
            Coding::Identity => Some(&self.identity),
            Coding::Gzip => self.gzip.as_ref(),
            Coding::Brotli => self.brotli.as_ref(),
        }
    }
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("hex digests and HTTP dates are valid header values")
}

fn http_date(t: DateTime<Utc>) -> HeaderValue {
    header_value(&httpdate::fmt_http_date(std::time::SystemTime::from(t)))
}

/// A complete, verified publication.
#[derive(Debug, Clone)]
pub struct ServedSet {
    /// The manifest as read.
    pub manifest: Manifest,
    /// The manifest's raw bytes, to detect "nothing new" cheaply.
    manifest_bytes: Bytes,
    /// Every object by name, including `manifest.json` and `status.json`.
    pub objects: BTreeMap<String, Arc<Object>>,
    /// The parsed `status.json`, if one was readable.
    pub status: Option<StatusDoc>,
}

impl ServedSet {
    /// The object published under `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Object>> {
        self.objects.get(name)
    }
}

/// Why a set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The manifest could not be read.
    #[error(transparent)]
    Read(ReadError),
    /// The manifest does not parse.
    #[error("{MANIFEST} in {location} is not valid")]
    BadManifest {
        /// The store.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// An object listed in the manifest is absent or differs from it: a
    /// publish is in progress or was interrupted.
    #[error(
        "{name} in {location} does not match {MANIFEST} ({why}); a publish is probably in progress, \
         keeping the set already loaded"
    )]
    Torn {
        /// The store.
        location: String,
        /// The object.
        name: String,
        /// What differs.
        why: String,
    },
}

/// What a reload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// Nothing is published yet.
    Empty,
    /// The manifest is the one already loaded; only the status was re-read.
    Unchanged,
    /// A new set was swapped in.
    Loaded,
}

/// The set currently served, swapped atomically as a whole.
#[derive(Debug, Default)]
pub struct Current {
    set: RwLock<Option<Arc<ServedSet>>>,
    reloading: tokio::sync::Mutex<()>,
}

impl Current {
    /// The set being served, if any. Cheap: one `Arc` clone.
    pub fn get(&self) -> Option<Arc<ServedSet>> {
        self.set.read().expect("lock poisoned").clone()
    }

    fn swap(&self, next: Arc<ServedSet>) {
        *self.set.write().expect("lock poisoned") = Some(next);
    }

    /// Read the store and swap in its publication if it is complete and
    /// new. On error the old set stays. Reloads never run concurrently,
    /// so an older read can never replace a newer one.
    pub async fn reload(&self, store: &dyn Store) -> Result<Reload, LoadError> {
        let _one_at_a_time = self.reloading.lock().await;
        let Some(mut signed) = Signed::read(store, None).await.map_err(LoadError::from)? else {
            return Ok(Reload::Empty);
        };
        let signature = signed.signature_bytes.take().map(Bytes::from);
        let status_bytes = store.get(STATUS).await?.map(|f| Bytes::from(f.bytes));
        let old = self.get();

        if let Some(old) = old.as_ref().filter(|o| o.manifest_bytes == signed.bytes) {
            let mut next = ServedSet::clone(old);
            set_signature(&mut next, signature);
            set_status(&mut next, status_bytes);
            self.swap(Arc::new(next));
            return Ok(Reload::Unchanged);
        }

        let manifest = signed.manifest().map_err(LoadError::from)?;
        let manifest_bytes = Bytes::from(signed.bytes);
        let published = Published::new(store, &manifest);
        let mut prepared = Vec::with_capacity(manifest.objects.len());
        for (name, entry) in &manifest.objects {
            // An object the loaded set lists with the same entry (sha256,
            // content type, siblings) was read and verified already: it
            // keeps its bytes and compression, and is not read again.
            let unchanged = old
                .as_ref()
                .filter(|o| o.manifest.objects.get(name) == Some(entry))
                .and_then(|o| o.objects.get(name))
                .filter(|o| o.sha256 == entry.sha256 && o.content_type == entry.content_type);
            if let Some(o) = unchanged {
                let mut o = Object::clone(o);
                o.set_last_modified(manifest.updated_at);
                prepared.push((name.clone(), Prepared::Reused(Arc::new(o))));
                continue;
            }
            let bytes = published.object(name).await.map_err(|e| torn(e, None))?;
            // Precompressed siblings are read and verified like objects.
            let mut siblings = BTreeMap::new();
            for (coding, sibling) in &entry.encodings {
                let bytes = published
                    .sibling(name, *coding)
                    .await
                    .map_err(|e| torn(e, Some((name, &sibling.name))))?;
                siblings.insert(*coding, Bytes::from(bytes));
            }
            prepared.push((
                name.clone(),
                Prepared::Read {
                    bytes: Bytes::from(bytes),
                    sha256: entry.sha256.clone(),
                    content_type: entry.content_type.clone(),
                    published: siblings,
                },
            ));
        }
        let updated_at = manifest.updated_at;
        let manifest_copy = manifest_bytes.clone();
        let objects = tokio::task::spawn_blocking(move || {
            let mut objects: BTreeMap<String, Arc<Object>> = prepared
                .into_iter()
                .map(|(name, prepared)| {
                    let object = match prepared {
                        Prepared::Reused(object) => object,
                        Prepared::Read {
                            bytes,
                            sha256,
                            content_type,
                            published,
                        } => Arc::new(Object::with_sha(
                            bytes,
                            sha256,
                            &content_type,
                            updated_at,
                            published,
                        )),
                    };
                    (name, object)
                })
                .collect();
            objects.insert(
                MANIFEST.to_string(),
                Arc::new(Object::prepare(
                    manifest_copy,
                    content_type::JSON,
                    updated_at,
                )),
            );
            objects
        })
        .await
        .expect("compression does not panic");
        let mut next = ServedSet {
            manifest,
            manifest_bytes,
            objects,
            status: None,
        };
        set_signature(&mut next, signature);
        set_status(&mut next, status_bytes);
        self.swap(Arc::new(next));
        Ok(Reload::Loaded)
    }
}

impl From<ReadError> for LoadError {
    fn from(e: ReadError) -> LoadError {
        match e {
            ReadError::Store(e) => LoadError::Store(e),
            ReadError::BadManifest { location, source } => {
                LoadError::BadManifest { location, source }
            }
            ReadError::Object {
                name,
                location,
                problem,
            } => LoadError::Torn {
                location,
                name,
                why: problem.to_string(),
            },
            e @ ReadError::TooLarge { .. } => LoadError::Read(e),
        }
    }
}

/// The error of an object that does not match the manifest, or of a
/// sibling (object name, sibling name): the set is torn.
fn torn(e: ReadError, sibling: Option<(&str, &str)>) -> LoadError {
    let (
        Some((name, sibling)),
        ReadError::Object {
            problem, location, ..
        },
    ) = (sibling, &e)
    else {
        return e.into();
    };
    let why = match problem {
        Problem::Missing => format!("its sibling {sibling} is missing"),
        Problem::Sha256 { .. } => format!("its sibling {sibling} has {problem}"),
        _ => format!("its sibling {sibling} is {problem}"),
    };
    LoadError::Torn {
        location: location.clone(),
        name: name.to_string(),
        why,
    }
}

/// An object of a new set: taken over from the loaded set, or read (and
/// verified) and still to be compressed.
enum Prepared {
    Reused(Arc<Object>),
    Read {
        bytes: Bytes,
        sha256: String,
        content_type: String,
        published: BTreeMap<m::Coding, Bytes>,
    },
}

/// Serve `manifest.json.sig` beside the manifest, as read (serve holds no
/// key; readers verify it).
fn set_signature(set: &mut ServedSet, bytes: Option<Bytes>) {
    let Some(bytes) = bytes else {
        set.objects.remove(SIGNATURE);
        return;
    };
    let unchanged = set
        .objects
        .get(SIGNATURE)
        .is_some_and(|o| o.identity.bytes == bytes);
    if !unchanged {
        set.objects.insert(
            SIGNATURE.to_string(),
            Arc::new(Object::prepare(
                bytes,
                SIGNATURE_CONTENT_TYPE,
                set.manifest.updated_at,
            )),
        );
    }
}

fn set_status(set: &mut ServedSet, bytes: Option<Bytes>) {
    let Some(bytes) = bytes else {
        set.objects.remove(STATUS);
        set.status = None;
        return;
    };
    let status: Option<StatusDoc> = serde_json::from_slice(&bytes)
        .inspect_err(|e| tracing::warn!(error = %e, "ignoring an unreadable {STATUS}"))
        .ok();
    let last_modified = status
        .as_ref()
        .map_or(set.manifest.updated_at, |s| s.last_check);
    let unchanged = set
        .objects
        .get(STATUS)
        .is_some_and(|o| o.identity.bytes == bytes && o.last_modified == last_modified);
    if !unchanged {
        set.objects.insert(
            STATUS.to_string(),
            Arc::new(Object::prepare(bytes, content_type::JSON, last_modified)),
        );
    }
    set.status = status;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn compresses_text_once_and_decodes_back() {
        let text = Bytes::from("{\"a\":\"".to_string() + &"x".repeat(5000) + "\"}");
        let o = Object::prepare(text.clone(), "application/feed+json", Utc::now());
        let gz = o.gzip.as_ref().expect("gzip smaller");
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz.bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let br = o.brotli.as_ref().expect("brotli smaller");
        let mut out = Vec::new();
        brotli::Decompressor::new(&br.bytes[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, text);
        assert_eq!(o.identity.etag, format!("\"{}\"", o.sha256));
        assert_eq!(gz.etag, format!("\"{}-gz\"", o.sha256));
        assert_eq!(br.etag, format!("\"{}-br\"", o.sha256));
    }

    #[test]
    fn zip_and_incompressible_bytes_are_sent_as_is() {
        let zip = Object::prepare(Bytes::from(vec![7u8; 4000]), "application/zip", Utc::now());
        assert!(zip.gzip.is_none() && zip.brotli.is_none());
        let tiny = Object::prepare(Bytes::from_static(b"{}"), "application/json", Utc::now());
        assert!(tiny.gzip.is_none() && tiny.brotli.is_none());
    }
}
