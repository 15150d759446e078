//! The CVE record edge: fetch the CNA's CVE JSON 5 record of every CVE,
//! from the CVE Services API (`GET {api}/cve/{id}`, no authentication) or
//! from a local directory (the CVEProject/cvelistV5 layout
//! `cves/YYYY/Nxxx/ID.json`, or a flat folder of `ID.json` files).
//!
//! Records fetched from the API are cached in the store
//! ([`CACHE`], like the GitHub page cache) with their validators and
//! `dateUpdated`: a record is asked for again only when it is new to the
//! cache or older than the configured age, and then with `If-None-Match`
//! / `If-Modified-Since`. Requests run a bounded number at a time, each
//! timed out and retried by [`crate::retry`]'s rules, and the whole step
//! within one deadline ([`ApiConfig::deadline`]), so that a hanging or
//! rate-limiting API delays a refresh by that much at most.
//!
//! **A failure never fails the refresh.** A record that cannot be fetched
//! (in time) is taken from the cache, or is unavailable (the advisory keeps
//! the issue's data, and the audit makes no finding about it); the failure
//! is logged with the CVE id and counted. This module owns the fetching and
//! which records are due; the cache's entries and file are [`cache`]'s, on
//! the shared conditional-GET rules ([`crate::http::cache`]); reading,
//! merging and auditing a record are the model's
//! ([`cvefeed_model::cve5`]). It never writes the store (the plan stores
//! the cache it returns).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::Deserialize;

pub mod cache;

use crate::error::Chain;
use crate::fsread::{self, CappedError};
use crate::http::cache::{Answer, Entry, Received};
use crate::http::{self, BodyError, Redirects};
use crate::retry::{self, Attempt, Retrier};
use crate::store::Store;
use cvefeed_model::advisory::CveId;
use cvefeed_model::cve5::{Input, MAX_RECORD_BYTES};

use cache::read_cache;
pub use cache::{CACHE, CachedRecord, RecordCache};

/// The default CVE Services API.
pub const DEFAULT_API_URL: &str = "https://cveawg.mitre.org/api";

/// Where records come from.
#[derive(Debug, Clone)]
pub enum RecordSource {
    /// Records are not read (`--no-cve-records`).
    Off,
    /// A local directory, cvelistV5 layout or flat.
    Dir(PathBuf),
    /// The CVE Services API.
    Api(Client),
}

/// How the API is asked.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// API base, [`DEFAULT_API_URL`] by default.
    pub base: url::Url,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Retries after a transport error or 5xx.
    pub retries: u32,
    /// First retry delay; doubles each retry.
    pub backoff: Duration,
    /// Longest total wait for a rate limit (429 with `Retry-After`).
    pub max_wait: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// A cached record younger than this is not asked for again.
    pub max_age: Duration,
    /// Longest time for all the requests of one run; the records still
    /// pending then are failures (answered from the cache).
    pub deadline: Duration,
}

impl ApiConfig {
    /// Defaults for `base`: 30 s timeout, 3 retries from 1 s, 1 min of
    /// rate-limit waits, 8 requests at once, records refreshed after 6 h,
    /// 5 min for all the requests of a run.
    pub fn new(base: url::Url) -> ApiConfig {
        ApiConfig {
            base,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            concurrency: 8,
            max_age: Duration::from_secs(6 * 3600),
            deadline: Duration::from_secs(300),
        }
    }
}

/// A CVE Services API client.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ApiConfig,
}

/// The client cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The API base carries what could be a secret (see [`carries_secrets`]).
    #[error(
        "the CVE Services API base URL carries a user name, password, query or fragment; the \
         API takes no authentication, and every log line about a record shows its URL"
    )]
    Secret,
    /// The HTTP client cannot be built.
    #[error("cannot set up the HTTP client for the CVE Services API {url}")]
    Http {
        /// The API base.
        url: String,
        /// Why.
        source: reqwest::Error,
    },
}

// An API base that carries a user name, password, query or fragment is
// refused: the API needs none, and the URLs built from the base are shown
// in logs and errors.
use crate::http::carries_secrets;

impl Client {
    /// A client with `config`; its base must not [carry
    /// secrets](carries_secrets).
    pub fn new(config: ApiConfig) -> Result<Client, ClientError> {
        if carries_secrets(&config.base) {
            return Err(ClientError::Secret);
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let http = http::builder(config.timeout, Redirects::Follow)
            .default_headers(headers)
            .build()
            .map_err(|source| ClientError::Http {
                url: config.base.to_string(),
                source,
            })?;
        Ok(Client { http, config })
    }

    /// `{base}/cve/{id}`.
    fn url(&self, id: &CveId) -> String {
        let mut url = self.config.base.clone();
        url.path_segments_mut()
            .expect("API base URL is hierarchical")
            .pop_if_empty()
            .extend(["cve", id.as_str()]);
        url.to_string()
    }
}

/// What was fetched for one CVE.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// The record's JSON.
    Found(Vec<u8>),
    /// The source says there is none.
    Missing,
    /// Not known.
    Unavailable,
}

/// The records of a run, and what fetching them cost.
#[derive(Debug, Default)]
pub struct Records {
    /// By id; an id absent here is unavailable.
    pub by_id: BTreeMap<CveId, Fetched>,
    /// Ids whose fetch failed (the cached record, if any, was used).
    pub failures: Vec<CveId>,
    /// Requests sent, retries included.
    pub requests: u32,
    /// Of those, answered 304.
    pub not_modified: u32,
    /// The new cache to store (compact JSON), when it changed.
    pub cache: Option<Vec<u8>>,
}

impl Records {
    /// The model's input for `id`.
    pub fn input(&self, id: &CveId) -> Input<'_> {
        match self.by_id.get(id) {
            Some(Fetched::Found(bytes)) => Input::Found(bytes),
            Some(Fetched::Missing) => Input::Missing,
            Some(Fetched::Unavailable) | None => Input::Unavailable,
        }
    }
}

/// Why one record could not be fetched. Never fails a refresh: logged
/// with the id, counted, and answered from the cache.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connection, TLS or timeout.
    #[error("GET {url} failed after {attempts} attempt(s)")]
    Transport {
        /// The request.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        source: reqwest::Error,
    },
    /// An error status.
    #[error("GET {url} answered HTTP {status} after {attempts} attempt(s)")]
    Status {
        /// The request.
        url: String,
        /// The status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// Rate limited for longer than allowed.
    #[error("GET {url} is rate limited for {wait_secs} s, past the allowed wait")]
    RateLimited {
        /// The request.
        url: String,
        /// Seconds asked for.
        wait_secs: u64,
    },
    /// A body over [`MAX_RECORD_BYTES`] or not JSON.
    #[error(
        "GET {url} returned a body that is not a CVE record (over {MAX_RECORD_BYTES} bytes, or not JSON)"
    )]
    Body {
        /// The request.
        url: String,
    },
    /// The run's deadline passed first.
    #[error(
        "GET {url} did not finish within the {deadline:?} allowed for all the CVE record \
         requests of a run (--cve-record-deadline)"
    )]
    OutOfTime {
        /// The request.
        url: String,
        /// The deadline.
        deadline: Duration,
    },
    /// A 304 without a cached copy.
    #[error("GET {url} answered 304 Not Modified, but the cache has no copy")]
    MissingCache {
        /// The request.
        url: String,
    },
    /// The local file cannot be read.
    #[error("cannot read the CVE record {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The local file is over [`MAX_RECORD_BYTES`].
    #[error("the CVE record {path} is over {MAX_RECORD_BYTES} bytes")]
    FileTooLarge {
        /// The file.
        path: PathBuf,
    },
}

/// Fetch the records of `ids` from `source` at `now`, reading and
/// returning the store's cache. Never fails.
pub async fn fetch(
    store: &dyn Store,
    source: &RecordSource,
    ids: &[CveId],
    now: DateTime<Utc>,
) -> Records {
    match source {
        RecordSource::Off => Records::default(),
        RecordSource::Dir(dir) => read_dir(dir, ids).await,
        RecordSource::Api(client) => {
            let old = read_cache(store).await;
            fetch_api(client, old, ids, now).await
        }
    }
}

/// The paths a record of `id` may have under `dir`: the cvelistV5 layout
/// (`cves/2023/2xxx/CVE-2023-2431.json`), then flat.
fn record_paths(dir: &Path, id: &CveId) -> [PathBuf; 2] {
    let (year, seq) = id
        .as_str()
        .strip_prefix("CVE-")
        .and_then(|rest| rest.split_once('-'))
        .unwrap_or_default();
    let thousands = seq.parse::<u64>().map_or(0, |n| n / 1000);
    let file = format!("{id}.json");
    [
        dir.join("cves")
            .join(year)
            .join(format!("{thousands}xxx"))
            .join(&file),
        dir.join(file),
    ]
}

/// The records of `ids` under `dir`, read on the blocking pool.
async fn read_dir(dir: &Path, ids: &[CveId]) -> Records {
    let (dir, ids) = (dir.to_path_buf(), ids.to_vec());
    tokio::task::spawn_blocking(move || read_dir_blocking(&dir, &ids))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn read_dir_blocking(dir: &Path, ids: &[CveId]) -> Records {
    let mut records = Records::default();
    for id in ids {
        let mut fetched = Fetched::Missing;
        for path in record_paths(dir, id) {
            match read_file(&path) {
                Ok(Some(bytes)) => {
                    fetched = Fetched::Found(bytes);
                    break;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(id = %id, error = %Chain(&e), "cannot read the CVE record; the issue's data stands alone");
                    records.failures.push(id.clone());
                    fetched = Fetched::Unavailable;
                    break;
                }
            }
        }
        records.by_id.insert(id.clone(), fetched);
    }
    records
}

/// A record file, or `None` when there is none; never more than
/// [`MAX_RECORD_BYTES`] of it ([`fsread::read_capped`]), whatever the file
/// is (a FIFO or a device has no size to check first).
fn read_file(path: &Path) -> Result<Option<Vec<u8>>, FetchError> {
    match fsread::read_capped(path, MAX_RECORD_BYTES as u64) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(CappedError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(CappedError::Io(source)) => Err(FetchError::File {
            path: path.to_path_buf(),
            source,
        }),
        Err(CappedError::TooLarge { .. }) => Err(FetchError::FileTooLarge {
            path: path.to_path_buf(),
        }),
    }
}

/// What one API exchange came to.
struct Outcome {
    id: CveId,
    result: Result<CachedRecord, FetchError>,
    not_modified: bool,
}

async fn fetch_api(
    client: &Client,
    old: RecordCache,
    ids: &[CveId],
    now: DateTime<Utc>,
) -> Records {
    let max_age =
        chrono::TimeDelta::from_std(client.config.max_age).unwrap_or(chrono::TimeDelta::MAX);
    // Unbounded when the deadline is past any instant.
    let deadline = tokio::time::Instant::now().checked_add(client.config.deadline);
    let mut records = Records::default();
    let mut cache = RecordCache::default();
    let mut due = Vec::new();
    for id in ids {
        match old.records.get(id) {
            Some(c) if now - c.fetched_at < max_age => {
                records.by_id.insert(id.clone(), fetched_of(c));
                cache.records.insert(id.clone(), c.clone());
            }
            cached => due.push((id.clone(), cached.cloned())),
        }
    }
    let mut pending: std::collections::BTreeSet<CveId> =
        due.iter().map(|(id, _)| id.clone()).collect();
    // Counted as sent, so that requests cut off by the deadline count too.
    let sent = Arc::new(AtomicU32::new(0));
    // Owned futures: the stream must not borrow across the spawn boundary
    // of `serve`'s refresher task.
    let requests: Vec<_> = due
        .into_iter()
        .map(|(id, cached)| {
            let (client, sent) = (client.clone(), sent.clone());
            async move { ask(&client, &id, cached.as_ref(), now, &sent).await }
        })
        .collect();
    let mut outcomes =
        futures::stream::iter(requests).buffer_unordered(client.config.concurrency.max(1));
    loop {
        let next = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, outcomes.next()).await,
            None => Ok(outcomes.next().await),
        };
        let Ok(Some(o)) = next else { break };
        pending.remove(&o.id);
        records.not_modified += u32::from(o.not_modified);
        let entry = o.result.map_err(|e| failed(&mut records, &old, &o.id, &e));
        keep(&mut records, &mut cache, o.id, entry);
    }
    // Cancels the requests still in flight.
    drop(outcomes);
    for id in pending {
        let e = FetchError::OutOfTime {
            url: client.url(&id),
            deadline: client.config.deadline,
        };
        let entry = Err(failed(&mut records, &old, &id, &e));
        keep(&mut records, &mut cache, id, entry);
    }
    records.requests = sent.load(Ordering::Relaxed);
    records.failures.sort();
    if cache != old {
        records.cache = Some(serde_json::to_vec(&cache).expect("the record cache serializes"));
    }
    records
}

/// Log and count the failure `e` to fetch `id`: its previous entry, if any.
fn failed(
    records: &mut Records,
    old: &RecordCache,
    id: &CveId,
    e: &FetchError,
) -> Option<CachedRecord> {
    tracing::warn!(id = %id, error = %Chain(e), "cannot fetch the CVE record; using the cached one, if any");
    records.failures.push(id.clone());
    old.records.get(id).cloned()
}

/// Use `entry` for `id`: a fetched or previous entry, or `Err(None)` when
/// there is neither (the record is unavailable).
fn keep(
    records: &mut Records,
    cache: &mut RecordCache,
    id: CveId,
    entry: Result<CachedRecord, Option<CachedRecord>>,
) {
    match entry {
        Ok(entry) | Err(Some(entry)) => {
            records.by_id.insert(id.clone(), fetched_of(&entry));
            cache.records.insert(id, entry);
        }
        Err(None) => {
            records.by_id.insert(id, Fetched::Unavailable);
        }
    }
}

fn fetched_of(c: &CachedRecord) -> Fetched {
    match &c.record {
        Some(json) => Fetched::Found(json.clone().into_bytes()),
        None => Fetched::Missing,
    }
}

/// The exchange's label in retry logs.
struct Label<'a>(&'a CveId);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the CVE record of {}", self.0)
    }
}

/// Ask the API for one record: the new cache entry (a 404 is an entry
/// without a record), or why there is none.
async fn ask(
    client: &Client,
    id: &CveId,
    cached: Option<&CachedRecord>,
    now: DateTime<Utc>,
    sent: &AtomicU32,
) -> Outcome {
    let url = client.url(id);
    let policy = retry::Policy {
        retries: client.config.retries,
        backoff: client.config.backoff,
        max_wait: client.config.max_wait,
        max_waits: retry::DEFAULT_MAX_WAITS,
    };
    let label = Label(id);
    let mut retrier = Retrier::new(policy, &label);
    let mut not_modified = false;
    loop {
        let attempt = retrier.next_attempt();
        sent.fetch_add(1, Ordering::Relaxed);
        let result = attempt_once(client, &url, attempt, cached, now, &mut not_modified).await;
        if let ControlFlow::Break(result) = retrier.settle(result).await {
            return Outcome {
                id: id.clone(),
                result,
                not_modified,
            };
        }
    }
}

async fn attempt_once(
    client: &Client,
    url: &str,
    attempts: u32,
    cached: Option<&CachedRecord>,
    now: DateTime<Utc>,
    not_modified: &mut bool,
) -> Attempt<CachedRecord, FetchError> {
    // A kept "not found" has no validators: asked unconditionally.
    let request = cached
        .map(Entry::validators)
        .unwrap_or_default()
        .apply(client.http.get(url));
    let transport = |source: reqwest::Error| FetchError::Transport {
        url: url.to_string(),
        attempts,
        source: source.without_url(),
    };
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return Attempt::Transient(transport(e)),
    };
    let status = response.status();
    let received = Received::of(response.headers());
    let status_error = || FetchError::Status {
        url: url.to_string(),
        status: status.as_u16(),
        attempts,
    };
    match status {
        StatusCode::NOT_MODIFIED => {
            let kept = cached.filter(|c| c.record.is_some()).cloned();
            match Answer::NotModified.settle(kept) {
                Ok(settled) => {
                    *not_modified = true;
                    Attempt::Done(CachedRecord {
                        fetched_at: now,
                        ..settled.entry
                    })
                }
                Err(_) => Attempt::Fail(FetchError::MissingCache {
                    url: url.to_string(),
                }),
            }
        }
        StatusCode::NOT_FOUND => Attempt::Done(CachedRecord {
            fetched_at: now,
            etag: None,
            last_modified: None,
            date_updated: None,
            record: None,
        }),
        s if s.is_success() => {
            let body = match http::read_bounded(response, MAX_RECORD_BYTES as u64).await {
                Ok(body) => body,
                Err(BodyError::TooLarge { .. }) => {
                    return Attempt::Fail(FetchError::Body {
                        url: url.to_string(),
                    });
                }
                Err(BodyError::Read(e)) => return Attempt::Transient(transport(e)),
            };
            let Some(date_updated) = date_updated(&body) else {
                return Attempt::Fail(FetchError::Body {
                    url: url.to_string(),
                });
            };
            let Ok(record) = String::from_utf8(body) else {
                return Attempt::Fail(FetchError::Body {
                    url: url.to_string(),
                });
            };
            Attempt::Done(CachedRecord {
                fetched_at: now,
                etag: received.etag,
                last_modified: received.last_modified,
                date_updated,
                record: Some(record),
            })
        }
        StatusCode::TOO_MANY_REQUESTS => {
            let wait = retry::retry_after(response.headers()).unwrap_or(retry::UNSTATED_WAIT);
            Attempt::Wait(
                wait,
                FetchError::RateLimited {
                    url: url.to_string(),
                    wait_secs: wait.as_secs(),
                },
            )
        }
        s if s.is_server_error() => Attempt::Transient(status_error()),
        _ => Attempt::Fail(status_error()),
    }
}

/// A record's `cveMetadata.dateUpdated` (cut to 64 characters), read
/// without building the document: `Some(None)` for JSON without one (or
/// with one that is not a string), `None` for a body that is not JSON.
fn date_updated(body: &[u8]) -> Option<Option<String>> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "cveMetadata")]
        meta: Meta,
    }
    #[derive(Deserialize)]
    struct Meta {
        #[serde(rename = "dateUpdated")]
        date_updated: String,
    }
    match serde_json::from_slice::<Head>(body) {
        Ok(head) => Some(Some(head.meta.date_updated.chars().take(64).collect())),
        // Another shape: still a record to keep if it is JSON at all.
        Err(_) => serde_json::from_slice::<serde::de::IgnoredAny>(body)
            .ok()
            .map(|_| None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_base_with_credentials_or_a_query_is_refused_without_showing_them() {
        for base in [
            "https://robot:S3CR3T@cve.example/api",
            "https://S3CR3T@cve.example/api",
            "https://cve.example/api?token=S3CR3T",
            "https://cve.example/api#S3CR3T",
        ] {
            let e = Client::new(ApiConfig::new(base.parse().unwrap())).unwrap_err();
            assert!(matches!(e, ClientError::Secret), "{base}: {e:?}");
            assert!(!format!("{e} {e:?}").contains("S3CR3T"), "{base}");
        }
        let ok = Client::new(ApiConfig::new(DEFAULT_API_URL.parse().unwrap()));
        assert_eq!(
            ok.unwrap().url(&"CVE-2031-1001".parse().unwrap()),
            "https://cveawg.mitre.org/api/cve/CVE-2031-1001"
        );
    }

    #[tokio::test]
    async fn a_record_file_that_is_no_regular_file_is_read_no_further_than_the_limit() {
        // A FIFO has no size to check first: only a bounded read stops it.
        let dir = tempfile::tempdir().unwrap();
        let id: CveId = "CVE-2031-1001".parse().unwrap();
        let path = dir.path().join("CVE-2031-1001.json");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let writer = std::thread::spawn({
            let path = path.clone();
            move || {
                use std::io::Write;
                let mut fifo = std::fs::OpenOptions::new().write(true).open(path)?;
                // Far more than the pipe buffers past the limit.
                fifo.write_all(&vec![b' '; 2 * MAX_RECORD_BYTES])
            }
        });
        let records = read_dir(dir.path(), std::slice::from_ref(&id)).await;
        let fetched = records.by_id.get(&id);
        assert!(
            matches!(fetched, Some(Fetched::Unavailable)),
            "{:?}",
            fetched.map(|f| match f {
                Fetched::Found(bytes) => format!("Found({} bytes)", bytes.len()),
                other => format!("{other:?}"),
            })
        );
        assert_eq!(records.failures, [id]);
        // The reader stopped early: the writer finds the pipe closed.
        assert!(writer.join().unwrap().is_err());
    }

    #[test]
    fn date_updated_is_read_from_any_json_and_a_body_that_is_not_json_is_refused() {
        let date = |text: &str| date_updated(text.as_bytes());
        assert_eq!(
            date(
                r#"{"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2031-1", "dateUpdated": "2031-02-10T00:00:00.000Z"}, "containers": {}}"#
            ),
            Some(Some("2031-02-10T00:00:00.000Z".into()))
        );
        assert_eq!(
            date(&format!(
                r#"{{"cveMetadata": {{"dateUpdated": "{}"}}}}"#,
                "9".repeat(100)
            )),
            Some(Some("9".repeat(64)))
        );
        for other in [
            r#"{"cveMetadata": {"dateUpdated": 5}}"#,
            r#"{"cveMetadata": 5}"#,
            r#"{"cveMetadata": {}}"#,
            r#"{}"#,
            "[1, 2]",
            "\"text\"",
        ] {
            assert_eq!(date(other), Some(None), "{other}");
        }
        for broken in ["", "{", r#"{"cveMetadata": {"dateUpdated": "x"}"#, "{} x"] {
            assert_eq!(date(broken), None, "{broken}");
        }
    }
}
