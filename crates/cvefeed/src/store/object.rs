//! A bucket as a store (GCS, S3 or Azure Blob, through `object_store`):
//! every object written with its content type and cache policy, conditional
//! writes for `manifest.json`, and a lease object as the publish lock.
//!
//! The lease (`.cvefeed.lease` under the prefix) serialises refreshers: it is
//! created with `PutMode::Create`, renewed and released with
//! `PutMode::Update` on the version we last wrote, and taken over only when
//! expired or released, again with `PutMode::Update` on the version read, so
//! exactly one of several contenders wins each step. Expiry uses the
//! writers' clocks, which must agree to well within `lease_ttl`.
//!
//! This module owns the mapping of `object_store` to [`Store`]; it knows
//! nothing of feeds.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload, UpdateVersion,
};
use serde::{Deserialize, Serialize};

use super::{
    CachePolicy, DirectPublication, Fetched, Lease, OpenOptions, Publication, PutMode, Store,
    StoreError, StoreLock, Version, check_name,
};

/// Name of the lease object under the prefix.
pub const LEASE_OBJECT: &str = ".cvefeed.lease";

/// Which cloud a bucket is in: decides how credentials are read and which
/// field of an object's metadata its conditional writes compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// Google Cloud Storage (`gs://`): compares the generation.
    Gcs,
    /// Amazon S3 or an S3-compatible server (`s3://`): compares the ETag.
    S3,
    /// Azure Blob Storage (`az://`): compares the ETag.
    Azure,
}

impl Cloud {
    /// The cloud of a URL scheme.
    pub fn from_scheme(scheme: &str) -> Option<Cloud> {
        match scheme {
            "gs" => Some(Cloud::Gcs),
            "s3" => Some(Cloud::S3),
            "az" => Some(Cloud::Azure),
            _ => None,
        }
    }

    /// The version a conditional write of this cloud compares.
    fn version_of(self, e_tag: Option<String>, version: Option<String>) -> Option<Version> {
        match self {
            Cloud::Gcs => version.map(Version),
            Cloud::S3 | Cloud::Azure => e_tag.map(Version),
        }
    }

    fn update_version(self, v: &Version) -> UpdateVersion {
        match self {
            Cloud::Gcs => UpdateVersion {
                e_tag: None,
                version: Some(v.0.clone()),
            },
            Cloud::S3 | Cloud::Azure => UpdateVersion {
                e_tag: Some(v.0.clone()),
                version: None,
            },
        }
    }
}

/// A bucket (and prefix) as a [`Store`].
#[derive(Debug, Clone)]
pub struct BucketStore {
    inner: Arc<dyn ObjectStore>,
    cloud: Cloud,
    location: String,
    prefix: String,
    cache: CachePolicy,
    lease_ttl: Duration,
    /// S3 with no credentials configured: the client falls back to the
    /// instance metadata service (an instance role).
    aws_instance_role_only: bool,
}

/// Whether the S3 client has no credentials but what the instance
/// metadata service may give.
fn instance_role_only(b: &AmazonS3Builder) -> bool {
    [
        AmazonS3ConfigKey::AccessKeyId,
        AmazonS3ConfigKey::WebIdentityTokenFile,
        AmazonS3ConfigKey::ContainerCredentialsRelativeUri,
        AmazonS3ConfigKey::ContainerCredentialsFullUri,
    ]
    .iter()
    .all(|key| b.get_config_value(key).is_none_or(|v| v.is_empty()))
        && b.get_config_value(&AmazonS3ConfigKey::SkipSignature)
            .is_none_or(|v| v != "true")
}

/// Whether `e` is the instance metadata service failing to give
/// credentials (its token or credentials request).
fn is_metadata_failure(e: &object_store::Error) -> bool {
    let text = e.to_string();
    text.contains("/latest/api/token") || text.contains("/latest/meta-data/iam/")
}

/// `builder` with the `--out-option` pairs applied through `with_config`,
/// each key parsed as one of its cloud's config keys `K`; the first key
/// that is none of them is the error.
fn with_options<'o, B, K: FromStr>(
    builder: B,
    options: &'o [(String, String)],
    with_config: impl Fn(B, K, &'o str) -> B,
) -> Result<B, &'o str> {
    options.iter().try_fold(builder, |b, (k, v)| {
        let key = K::from_str(k).map_err(|_| k.as_str())?;
        Ok(with_config(b, key, v.as_str()))
    })
}

impl BucketStore {
    /// Open `location` (`gs://bucket/prefix`, ...) with credentials from the
    /// cloud's environment variables, overridden by `options.config`.
    pub fn open(
        cloud: Cloud,
        location: &str,
        options: &OpenOptions,
    ) -> Result<BucketStore, StoreError> {
        let bad = |reason: String| StoreError::Location {
            location: location.to_string(),
            reason,
        };
        let url = url::Url::parse(location).map_err(|source| StoreError::LocationUrl {
            location: location.to_string(),
            source,
        })?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("no bucket name after the scheme".into()));
        }
        // Option values may be secrets: errors name the key only.
        let unknown = |key: &str| bad(format!("unknown --out-option key {key:?} for this cloud"));
        let invalid = |e: object_store::Error| StoreError::BucketConfig {
            location: location.to_string(),
            source: Box::new(e),
        };
        let mut aws_instance_role_only = false;
        let inner: Arc<dyn ObjectStore> = match cloud {
            Cloud::S3 => {
                let b = AmazonS3Builder::from_env().with_url(location);
                let b = with_options(b, &options.config, AmazonS3Builder::with_config)
                    .map_err(unknown)?;
                aws_instance_role_only = instance_role_only(&b);
                Arc::new(b.build().map_err(invalid)?)
            }
            Cloud::Gcs => {
                let b = GoogleCloudStorageBuilder::from_env().with_url(location);
                let b = with_options(b, &options.config, GoogleCloudStorageBuilder::with_config)
                    .map_err(unknown)?;
                Arc::new(b.build().map_err(invalid)?)
            }
            Cloud::Azure => {
                let b = MicrosoftAzureBuilder::from_env().with_url(location);
                let b = with_options(b, &options.config, MicrosoftAzureBuilder::with_config)
                    .map_err(unknown)?;
                Arc::new(b.build().map_err(invalid)?)
            }
        };
        let prefix = url.path().trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            check_name(prefix).map_err(|_| bad(format!("{prefix:?} is not a valid prefix")))?;
            format!("{prefix}/")
        };
        Ok(BucketStore {
            inner,
            cloud,
            location: location.trim_end_matches('/').to_string(),
            prefix,
            cache: options.cache.clone(),
            lease_ttl: options.lease_ttl,
            aws_instance_role_only,
        })
    }

    fn path(&self, name: &str) -> Result<Path, StoreError> {
        check_name(name)?;
        Path::parse(format!("{}{name}", self.prefix))
            .map_err(|_| StoreError::BadName(name.to_string()))
    }

    fn err(&self, op: &'static str, name: &str, source: object_store::Error) -> StoreError {
        match source {
            object_store::Error::AlreadyExists { .. }
            | object_store::Error::Precondition { .. } => StoreError::Conflict {
                name: name.to_string(),
                location: self.location.clone(),
            },
            source if self.aws_instance_role_only && is_metadata_failure(&source) => {
                StoreError::NoAwsCredentials {
                    op,
                    name: name.to_string(),
                    location: self.location.clone(),
                }
            }
            source => StoreError::Bucket {
                op,
                name: name.to_string(),
                location: self.location.clone(),
                source: Box::new(source),
            },
        }
    }

    fn put_options(&self, name: &str, content_type: &str, mode: &PutMode) -> PutOptions {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.to_string().into());
        attributes.insert(
            Attribute::CacheControl,
            self.cache.for_name(name).to_string().into(),
        );
        PutOptions {
            mode: match mode {
                PutMode::Overwrite => object_store::PutMode::Overwrite,
                PutMode::Create => object_store::PutMode::Create,
                PutMode::Update(v) => object_store::PutMode::Update(self.cloud.update_version(v)),
            },
            attributes,
            ..PutOptions::default()
        }
    }

    /// Write and return the new version.
    async fn put_versioned(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
        mode: PutMode,
    ) -> Result<Version, StoreError> {
        let path = self.path(name)?;
        let opts = self.put_options(name, content_type, &mode);
        let result = self
            .inner
            .put_opts(&path, PutPayload::from(bytes), opts)
            .await
            .map_err(|e| self.err("writing", name, e))?;
        self.cloud
            .version_of(result.e_tag, result.version)
            .ok_or_else(|| self.missing_version(name))
    }

    /// Read `name`, `None` when absent. With a `limit`, a larger object is
    /// [`StoreError::TooLarge`]: refused on the size the response's
    /// headers give, before its body is read, and read no further than
    /// `limit` bytes should the body be longer.
    async fn read(&self, name: &str, limit: Option<u64>) -> Result<Option<Fetched>, StoreError> {
        let path = self.path(name)?;
        let result = match self.inner.get(&path).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err("reading", name, e)),
        };
        let version = self
            .cloud
            .version_of(result.meta.e_tag.clone(), result.meta.version.clone())
            .ok_or_else(|| self.missing_version(name))?;
        let Some(limit) = limit else {
            let bytes = result
                .bytes()
                .await
                .map_err(|e| self.err("reading", name, e))?;
            return Ok(Some(Fetched {
                bytes: bytes.to_vec(),
                version,
            }));
        };
        let too_large = || StoreError::TooLarge {
            name: name.to_string(),
            location: self.location.clone(),
            limit,
        };
        if result.meta.size > limit {
            // Dropping the response closes it unread.
            return Err(too_large());
        }
        let mut bytes = Vec::with_capacity(usize::try_from(result.meta.size).unwrap_or(0));
        let mut body = result.into_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| self.err("reading", name, e))?;
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(Fetched { bytes, version }))
    }

    fn missing_version(&self, name: &str) -> StoreError {
        StoreError::Location {
            location: self.location.clone(),
            reason: format!(
                "the server sent no {} for {name}, so conditional writes are impossible",
                match self.cloud {
                    Cloud::Gcs => "generation",
                    Cloud::S3 | Cloud::Azure => "ETag",
                }
            ),
        }
    }
}

#[async_trait]
impl Store for BucketStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    async fn get(&self, name: &str) -> Result<Option<Fetched>, StoreError> {
        self.read(name, None).await
    }

    async fn get_limited(&self, name: &str, limit: u64) -> Result<Option<Fetched>, StoreError> {
        self.read(name, Some(limit)).await
    }

    async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
        mode: PutMode,
    ) -> Result<(), StoreError> {
        self.put_versioned(name, bytes, content_type, mode)
            .await
            .map(drop)
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        let path = self.path(name)?;
        match self.inner.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err("deleting", name, e)),
        }
    }

    async fn begin(&self) -> Result<Box<dyn Publication + '_>, StoreError> {
        Ok(Box::new(DirectPublication::new(self)))
    }

    async fn lock(&self, wait: Duration) -> Result<Option<StoreLock>, StoreError> {
        let owner = LeaseBody::new_owner();
        let start = Instant::now();
        loop {
            let body = LeaseBody {
                owner: owner.clone(),
                expires_at: Utc::now() + self.lease_ttl,
                released: false,
            };
            let mode = match self.get(LEASE_OBJECT).await? {
                None => Some(PutMode::Create),
                Some(current) => match serde_json::from_slice::<LeaseBody>(&current.bytes) {
                    Ok(held) if !held.released && held.expires_at > Utc::now() => {
                        tracing::debug!(holder = %held.owner, expires_at = %held.expires_at, "waiting for the publish lease");
                        None
                    }
                    Ok(held) => {
                        if !held.released {
                            tracing::warn!(holder = %held.owner, expired_at = %held.expires_at, "taking over an expired publish lease");
                        }
                        Some(PutMode::Update(current.version))
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "replacing an unreadable publish lease");
                        Some(PutMode::Update(current.version))
                    }
                },
            };
            if let Some(mode) = mode {
                match self
                    .put_versioned(LEASE_OBJECT, body.to_bytes(), "application/json", mode)
                    .await
                {
                    Ok(version) => {
                        tracing::debug!(owner = %owner, "took the publish lease");
                        return Ok(Some(StoreLock::new(BucketLease {
                            store: self.clone(),
                            owner,
                            version,
                            renewed_at: Instant::now(),
                        })));
                    }
                    Err(StoreError::Conflict { .. }) => {} // another contender won this step
                    Err(e) => return Err(e),
                }
            }
            if start.elapsed() >= wait {
                return Err(StoreError::Locked {
                    location: self.location.clone(),
                    waited: start.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(rand::random_range(100..400))).await;
        }
    }
}

/// The body of the lease object.
#[derive(Debug, Serialize, Deserialize)]
struct LeaseBody {
    /// Who holds it (host, process, counter, time).
    owner: String,
    /// When it ends unless renewed.
    expires_at: DateTime<Utc>,
    /// Given up by its holder.
    released: bool,
}

impl LeaseBody {
    fn new_owner() -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        format!(
            "{}/{}/{}/{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        )
    }

    fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("the lease serializes")
    }
}

/// A held lease: renewed and released by compare-and-swap on the version
/// we last wrote, so a writer whose lease was taken over finds out.
struct BucketLease {
    store: BucketStore,
    owner: String,
    version: Version,
    renewed_at: Instant,
}

impl BucketLease {
    async fn rewrite(
        &mut self,
        expires_at: DateTime<Utc>,
        released: bool,
    ) -> Result<(), StoreError> {
        let body = LeaseBody {
            owner: self.owner.clone(),
            expires_at,
            released,
        };
        match self
            .store
            .put_versioned(
                LEASE_OBJECT,
                body.to_bytes(),
                "application/json",
                PutMode::Update(self.version.clone()),
            )
            .await
        {
            Ok(v) => {
                self.version = v;
                self.renewed_at = Instant::now();
                Ok(())
            }
            Err(StoreError::Conflict { .. }) => Err(StoreError::LockLost {
                location: self.store.location.clone(),
            }),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Lease for BucketLease {
    async fn keep_alive(&mut self) -> Result<(), StoreError> {
        // Renew once a third of the lease has passed.
        if self.renewed_at.elapsed() >= self.store.lease_ttl / 3 {
            self.rewrite(Utc::now() + self.store.lease_ttl, false)
                .await?;
        }
        Ok(())
    }

    async fn release(mut self: Box<Self>) -> Result<(), StoreError> {
        self.rewrite(Utc::now(), true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    fn in_memory() -> BucketStore {
        BucketStore {
            inner: Arc::new(InMemory::new()),
            cloud: Cloud::S3,
            location: "s3://bucket/feed".into(),
            prefix: "feed/".into(),
            cache: CachePolicy::default(),
            lease_ttl: Duration::from_secs(300),
            aws_instance_role_only: false,
        }
    }

    #[test]
    fn an_unknown_option_key_is_refused_by_name_only() {
        let options = OpenOptions {
            config: vec![("no_such_key".into(), "s3cr3t".into())],
            ..OpenOptions::default()
        };
        for location in ["s3://bucket/feed", "gs://bucket/feed", "az://box/feed"] {
            let e = crate::store::open_with(location, &options).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "cannot use {location:?} as --out: unknown --out-option key \"no_such_key\" \
                     for this cloud"
                ),
                "{location}"
            );
        }
    }

    #[tokio::test]
    async fn a_bounded_read_refuses_a_larger_object_by_its_size() {
        let store = in_memory();
        let json = "application/json";
        store
            .put("big.json", vec![b'x'; 1001], json, PutMode::Overwrite)
            .await
            .unwrap();
        let e = store.get_limited("big.json", 1000).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::TooLarge { name, limit: 1000, .. } if name == "big.json"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "big.json in s3://bucket/feed is larger than 1000 bytes; refusing to read it"
        );
        let fetched = store.get_limited("big.json", 1001).await.unwrap().unwrap();
        assert_eq!(fetched.bytes.len(), 1001);
        assert_eq!(
            Some(fetched.version),
            store.get("big.json").await.unwrap().map(|f| f.version)
        );
        assert!(store.get_limited("absent.json", 1).await.unwrap().is_none());
    }
}
