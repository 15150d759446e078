//! The refresh pipeline: read the previous publication, fetch issues, parse,
//! detect changes, guard against shrinking, decide which objects are due
//! without rendering any, then render each due object once while the
//! previous batch is written, with `manifest.json` last.
//!
//! This module owns the order of operations and the all-or-nothing rule. It
//! delegates every format to [`cvefeed_model::render`], every byte of I/O to a
//! [`Store`] and to the [`github`] client, and takes `now` as an argument.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Chain;
use crate::github::{self, FetchStats, Issue, PageCache, RepoName};
use crate::hooks::{Delivery, FailureAlert, Hooks, PublishEvent};
use crate::store::{PutMode, Store, StoreError, StoreLock, Version};
use cvefeed_model::advisory::{self, Advisory, CveId};
use cvefeed_model::feed::{self, Changes, Feed};
use cvefeed_model::manifest::{MANIFEST, Manifest, ObjectEntry, STATUS, StatusDoc, UnparsedIssue};
use cvefeed_model::render::{self, Artifact, Part, RenderError, SiteConfig, content_type, osv};

pub use cvefeed_model::manifest::Outcome;

/// Name of the GitHub page cache object (not part of the publication).
pub const PAGE_CACHE: &str = ".cache/github-pages.json";

/// Name of the publish journal: the objects a publish is about to write or
/// delete. It exists only while a publish runs (or after one was cut
/// short); a run that finds it re-verifies those objects.
pub const JOURNAL: &str = ".cvefeed.journal.json";

/// With `--compat-k8s-bucket`: the JSON Feed under the upstream name.
pub const COMPAT_FEED: &str = "official-cve-feed.json";
/// With `--compat-k8s-bucket`: hex sha256 of [`COMPAT_FEED`], newline-ended.
pub const COMPAT_HASH: &str = "cve-feed-hash";

/// OSV records rendered per batch (and written between two lease renewals).
const RECORD_BATCH: usize = 256;
/// A rendered batch larger than this is written before the next batch is
/// rendered, so that two large documents are never held at once.
const OVERLAP_LIMIT: usize = 4 << 20;
/// OSV record writes in flight at once.
const PARALLEL_WRITES: usize = 16;

const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// The journal's body.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    names: BTreeSet<String>,
}

/// Where the issues come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The GitHub REST API.
    Github(github::Client),
    /// A saved issues array (`gh api --paginate` output).
    File(PathBuf),
}

/// Everything a refresh needs besides the store and the clock.
#[derive(Debug, Clone)]
pub struct RefreshConfig {
    /// Issue source.
    pub source: Source,
    /// Repositories to read.
    pub repos: Vec<RepoName>,
    /// The label that marks an official CVE issue.
    pub label: String,
    /// Names and URLs of the feed.
    pub site: SiteConfig,
    /// Publish even if items disappear.
    pub allow_shrink: bool,
    /// How many items may disappear without `allow_shrink`.
    pub shrink_tolerance: usize,
    /// How long to wait for another refresher's lock.
    pub lock_wait: Duration,
    /// Also publish the upstream bucket layout (`official-cve-feed.json`,
    /// `cve-feed-hash`).
    pub compat_k8s_bucket: bool,
    /// Build hooks and the failure alert.
    pub hooks: Hooks,
}

/// What a successful refresh did.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Published or unchanged (a failed run returns its error instead).
    pub outcome: Outcome,
    /// Items in the feed.
    pub items: usize,
    /// Ids added, changed, removed.
    #[serde(flatten)]
    pub changes: Changes,
    /// GitHub requests made.
    pub requests: u32,
    /// Of those, answered 304.
    pub not_modified: u32,
    /// GitHub responses by status.
    pub github_statuses: BTreeMap<u16, u32>,
    /// Last seen `X-RateLimit-Remaining`.
    pub rate_limit_remaining: Option<u64>,
    /// Labelled issues without a CVE id.
    pub unparsed: Vec<UnparsedIssue>,
    /// Objects written (besides `status.json`).
    pub written: Vec<String>,
    /// When the content last changed.
    pub updated_at: DateTime<Utc>,
    /// Build hook deliveries (after a publish).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Delivery>,
}

impl Summary {
    /// One human line.
    pub fn line(&self) -> String {
        let ids = |v: &[CveId]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
            }
        };
        let outcome = self.outcome;
        let mut line = format!(
            "{outcome}: {} items; added {}; changed {}; removed {}; {} GitHub requests, {} answered 304",
            self.items,
            ids(&self.changes.added),
            ids(&self.changes.changed),
            ids(&self.changes.removed),
            self.requests,
            self.not_modified,
        );
        if !self.unparsed.is_empty() {
            line.push_str(&format!(
                "; {} labelled issues without a CVE id",
                self.unparsed.len()
            ));
        }
        line
    }
}

/// Why a refresh published nothing. Messages say what failed and on which
/// input; the cause is the error's source.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// GitHub could not be read completely.
    #[error(transparent)]
    Github(#[from] github::GithubError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The offline issues file cannot be read.
    #[error("cannot read issues from {path}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The offline issues file is not what `gh api --paginate` saves.
    #[error("cannot read issues from {path}: it is not a JSON array of GitHub issues")]
    FileFormat {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// No repository to file issues under.
    #[error(
        "cannot read issues from {path}: no --repo given, so issues without a repository_url \
         belong nowhere"
    )]
    NoRepo {
        /// The file.
        path: PathBuf,
    },
    /// The published manifest is unreadable.
    #[error(
        "the published {MANIFEST} in {location} is not valid; refusing to publish over it \
         (restore it, or remove it to start a new feed)"
    )]
    CorruptManifest {
        /// The store.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Items would disappear.
    #[error(
        "refusing to publish: {} published item(s) would be removed ({}), more than the tolerance of {tolerance}; \
         if this is intended, run again with --allow-shrink", ids.len(), ids.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
    )]
    Shrink {
        /// The ids that would go.
        ids: Vec<CveId>,
        /// The configured tolerance.
        tolerance: usize,
    },
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// Issues of one repository.
struct RepoIssues {
    repo: RepoName,
    issues: Vec<Issue>,
}

/// Run one refresh against `store` at time `now`, record the outcome in
/// `status.json`, then fire the build hooks (after a publish) or the
/// failure alert (after an error). On error nothing but `status.json`,
/// the GitHub page cache (an HTTP cache, right whatever the outcome) and,
/// if a publish was cut short, the journal has been written.
///
/// Concurrency: a run that finds nothing to publish takes no lock and
/// writes only `status.json`. A run with something to publish takes the
/// store's lock (lock file or bucket lease), plans again if another writer
/// published meanwhile, and commits `manifest.json` by compare-and-swap on
/// the version it planned against. A lost swap (possible only if a writer
/// bypassed or outlived the lock) makes it re-read the store, re-verify the
/// objects it wrote, and try once more; it never commits over a manifest it
/// has not read.
pub async fn refresh(
    store: &dyn Store,
    config: &RefreshConfig,
    now: DateTime<Utc>,
) -> Result<Summary, RefreshError> {
    let previous_status = read_status(store).await;
    let mut lock = None;
    let result = publish(store, config, now, &mut lock).await;
    let status = status_doc(previous_status.clone(), &result, now);
    let bytes = to_json(&status);
    let written = store
        .put(STATUS, bytes, content_type::JSON, PutMode::Overwrite)
        .await;
    if let Some(lock) = lock
        && let Err(e) = lock.release().await
    {
        tracing::warn!(error = %Chain(&e), "could not release the publish lock; it expires by itself");
    }
    let result = match (result, written) {
        (Ok(summary), Ok(())) => Ok(summary),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    };
    match result {
        Ok(mut summary) => {
            if summary.outcome == Outcome::Published {
                let event = PublishEvent {
                    event: "published",
                    location: store.location(),
                    updated_at: summary.updated_at,
                    items: summary.items,
                };
                summary.hooks = config.hooks.fire_build_hooks(&event).await;
            }
            Ok(summary)
        }
        Err(e) => {
            if let Some(alert) = &config.hooks.alert {
                let body = FailureAlert::new(
                    store.location(),
                    Chain(&e).to_string(),
                    now,
                    previous_status.and_then(|s| s.last_success),
                    alert.job_url.clone(),
                );
                config.hooks.send_alert(&body).await;
            }
            Err(e)
        }
    }
}

/// Plan without a lock; lock and write only if something changed.
async fn publish(
    store: &dyn Store,
    config: &RefreshConfig,
    now: DateTime<Utc>,
    lock: &mut Option<StoreLock>,
) -> Result<Summary, RefreshError> {
    let journal = read_journal(store).await?;
    let mut first = plan(
        store,
        config,
        now,
        journal.as_ref().unwrap_or(&BTreeSet::new()),
    )
    .await?;
    let mut cache_written = store_page_cache(store, &mut first).await?;
    let with_cache = |mut summary: Summary, cache_written: bool| {
        if cache_written {
            summary.written.push(PAGE_CACHE.to_string());
        }
        summary
    };
    if first.unchanged() && journal.is_none() {
        return Ok(with_cache(finish_unchanged(first), cache_written));
    }
    *lock = store.lock(config.lock_wait).await?;
    // Under the lock: plan again if another writer committed meanwhile.
    let journal_now = read_journal(store).await?;
    let current = store.get(MANIFEST).await?.map(|f| f.version);
    let mut dirty = journal_now.clone().unwrap_or_default();
    let mut journal_exists = journal_now.is_some();
    let mut planned = if current == first.previous_version && journal_now == journal {
        first
    } else {
        tracing::info!("another refresher published while this one was reading; planning again");
        let mut again = plan(store, config, now, &dirty).await?;
        cache_written |= store_page_cache(store, &mut again).await?;
        again
    };
    let mut retried = false;
    loop {
        if planned.unchanged() {
            if journal_exists {
                // Every object it named was verified: the cut is repaired.
                store.delete(JOURNAL).await?;
            }
            return Ok(with_cache(finish_unchanged(planned), cache_written));
        }
        journal_exists = true;
        match apply(store, &config.site, planned, lock.as_mut(), &mut dirty).await {
            Err(RefreshError::Store(StoreError::Conflict { name, .. }))
                if name == MANIFEST && !retried =>
            {
                tracing::warn!(
                    "lost the race for {MANIFEST}: another writer committed first; re-reading the \
                     store, re-verifying the objects this run wrote, and trying once more"
                );
                retried = true;
                planned = plan(store, config, now, &dirty).await?;
                cache_written |= store_page_cache(store, &mut planned).await?;
            }
            other => return other.map(|summary| with_cache(summary, cache_written)),
        }
    }
}

/// Names of the objects an interrupted publish was writing or deleting;
/// `None` when no journal exists.
async fn read_journal(store: &dyn Store) -> Result<Option<BTreeSet<String>>, RefreshError> {
    Ok(match store.get(JOURNAL).await? {
        Some(f) => Some(match serde_json::from_slice::<Journal>(&f.bytes) {
            Ok(j) => {
                tracing::warn!(
                    objects = j.names.len(),
                    "a previous publish was cut short; the objects it named are verified"
                );
                j.names
            }
            Err(e) => {
                tracing::warn!(error = %e, "ignoring the contents of an unreadable {JOURNAL}");
                BTreeSet::new()
            }
        }),
        None => None,
    })
}

async fn read_status(store: &dyn Store) -> Option<StatusDoc> {
    match store.get(STATUS).await {
        Ok(Some(f)) => serde_json::from_slice(&f.bytes)
            .inspect_err(|e| tracing::warn!(error = %e, "ignoring an unreadable {STATUS}"))
            .ok(),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %Chain(&e), "cannot read {STATUS}");
            None
        }
    }
}

fn status_doc(
    previous: Option<StatusDoc>,
    result: &Result<Summary, RefreshError>,
    now: DateTime<Utc>,
) -> StatusDoc {
    match result {
        Ok(summary) => StatusDoc {
            last_check: now,
            last_success: Some(now),
            last_outcome: summary.outcome,
            last_error: None,
            item_count: summary.items,
            unparsed_issues: summary.unparsed.len(),
            unparsed: summary.unparsed.clone(),
        },
        Err(e) => {
            let previous = previous.as_ref();
            StatusDoc {
                last_check: now,
                last_success: previous.and_then(|p| p.last_success),
                last_outcome: Outcome::Failed,
                last_error: Some(Chain(e).to_string()),
                item_count: previous.map_or(0, |p| p.item_count),
                unparsed_issues: previous.map_or(0, |p| p.unparsed_issues),
                unparsed: previous.map(|p| p.unparsed.clone()).unwrap_or_default(),
            }
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("bookkeeping documents serialize");
    bytes.push(b'\n');
    bytes
}

/// What a run would write, computed from the store and the source without
/// rendering anything: an object is due when its inputs changed (its item,
/// or for the feeds and the archive the whole feed), when this build
/// renders differently ([`Manifest::render_key`]), or when an interrupted
/// publish may have left other bytes in it.
#[derive(Debug)]
struct Plan {
    /// Version of the manifest planned against (`None`: no manifest yet).
    previous_version: Option<Version>,
    /// Whether the new manifest equals the published one.
    manifest_unchanged: bool,
    /// The next manifest; `objects` holds the entries carried over, the
    /// due objects' entries are added as they are written.
    manifest: Manifest,
    /// The feed to render the due objects from.
    feed: Arc<Feed>,
    /// Objects to render and write, in write order.
    due: Vec<Due>,
    /// Objects to delete after the commit.
    stale: Vec<String>,
    /// The GitHub page cache to store (compact JSON), if it changed.
    page_cache: Option<Vec<u8>>,
    /// The summary, `written` still empty.
    summary: Summary,
}

impl Plan {
    fn unchanged(&self) -> bool {
        self.due.is_empty() && self.stale.is_empty() && self.manifest_unchanged
    }
}

/// One due object (or pair of objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// A part of the publication.
    Part(Part),
    /// The upstream bucket names, [`COMPAT_FEED`] and [`COMPAT_HASH`],
    /// from the JSON Feed's bytes.
    Compat,
}

/// Read the published state and the source, and decide what to write.
/// Objects named in `dirty` (from an interrupted or lost publish) are read
/// back and rewritten unless they already hold the intended bytes.
async fn plan(
    store: &dyn Store,
    config: &RefreshConfig,
    now: DateTime<Utc>,
    dirty: &BTreeSet<String>,
) -> Result<Plan, RefreshError> {
    let previous = store.get(MANIFEST).await?;
    let previous_manifest: Option<Manifest> = previous
        .as_ref()
        .map(|f| serde_json::from_slice(&f.bytes))
        .transpose()
        .map_err(|source| RefreshError::CorruptManifest {
            location: store.location(),
            source,
        })?;
    let previous_version = previous.map(|f| f.version);
    // Never date a publication before the one it replaces (clock skew
    // between writers).
    let now = previous_manifest
        .as_ref()
        .map_or(now, |m| now.max(m.updated_at));

    let (repos, page_cache, stats) = fetch(store, config).await?;
    // Parsing and hashing are CPU work: off the async threads, on every core.
    let label = config.label.clone();
    let settings = config.site.fingerprint();
    let (feed, changes, unparsed, previous_manifest) = tokio::task::spawn_blocking(move || {
        let (advisories, unparsed) = parse(&repos, &label);
        drop(repos);
        let (feed, changes) = feed::build(advisories, previous_manifest.as_ref(), &settings, now);
        (feed, changes, unparsed, previous_manifest)
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));

    if changes.removed.len() > config.shrink_tolerance && !config.allow_shrink {
        return Err(RefreshError::Shrink {
            ids: changes.removed.clone(),
            tolerance: config.shrink_tolerance,
        });
    }

    let render_key = config.site.render_key();
    let prev = previous_manifest.as_ref();
    // Equal content hashes imply equal dates: `feed::build` carries them over.
    let same_build = prev.is_some_and(|m| m.render_key == render_key);
    let same_feed = same_build && prev.is_some_and(|m| m.content_hash == feed.content_hash);
    let items = feed::item_states(&feed);

    let mut manifest = Manifest {
        manifest_version: Manifest::VERSION,
        generator: concat!("cvefeed ", env!("CARGO_PKG_VERSION")).into(),
        updated_at: feed.updated_at,
        content_hash: feed.content_hash.clone(),
        render_key,
        objects: BTreeMap::new(),
        items,
    };
    let mut due = Vec::new();
    let mut names = BTreeSet::new();
    let mut wanted: Vec<(Due, Vec<String>, bool)> = render::parts(&feed)
        .into_iter()
        .map(|part| {
            let same_inputs = match part {
                Part::Record(i) => {
                    let id = &feed.items[i].advisory.id;
                    same_build && prev.and_then(|m| m.items.get(id)) == manifest.items.get(id)
                }
                _ => same_feed,
            };
            (Due::Part(part), vec![part.name(&feed)], same_inputs)
        })
        .collect();
    if config.compat_k8s_bucket {
        wanted.push((
            Due::Compat,
            vec![COMPAT_FEED.to_string(), COMPAT_HASH.to_string()],
            same_feed,
        ));
    }
    for (object, object_names, same_inputs) in wanted {
        let mut carried = Vec::new();
        for name in &object_names {
            let Some(entry) = prev
                .and_then(|m| m.objects.get(name))
                .filter(|_| same_inputs)
            else {
                break;
            };
            // Possibly overwritten by an unfinished or losing publish.
            if dirty.contains(name)
                && store
                    .get(name)
                    .await?
                    .is_none_or(|f| hex::encode(Sha256::digest(&f.bytes)) != entry.sha256)
            {
                break;
            }
            carried.push((name.clone(), entry.clone()));
        }
        if carried.len() == object_names.len() {
            manifest.objects.extend(carried);
        } else {
            due.push(object);
        }
        names.extend(object_names);
    }
    let stale: Vec<String> = prev
        .into_iter()
        .flat_map(|m| m.objects.keys())
        .chain(
            dirty
                .iter()
                .filter(|n| !n.starts_with('.') && *n != MANIFEST && *n != STATUS),
        )
        .filter(|name| !names.contains(*name))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    Ok(Plan {
        previous_version,
        manifest_unchanged: due.is_empty() && prev == Some(&manifest),
        summary: Summary {
            outcome: Outcome::Published,
            items: feed.items.len(),
            changes,
            requests: stats.requests,
            not_modified: stats.not_modified,
            github_statuses: stats.by_status,
            rate_limit_remaining: stats.rate_limit_remaining,
            unparsed,
            written: Vec::new(),
            updated_at: feed.updated_at,
            hooks: Vec::new(),
        },
        manifest,
        feed: Arc::new(feed),
        due,
        stale,
        page_cache,
    })
}

/// Store the GitHub page cache if the plan carries a new one. It is an
/// HTTP cache, right whatever happens to the publish: it is written as
/// soon as the source was read, and its memory freed before rendering.
async fn store_page_cache(store: &dyn Store, plan: &mut Plan) -> Result<bool, StoreError> {
    let Some(bytes) = plan.page_cache.take() else {
        return Ok(false);
    };
    store
        .put(PAGE_CACHE, bytes, content_type::JSON, PutMode::Overwrite)
        .await?;
    Ok(true)
}

/// Nothing to publish.
fn finish_unchanged(plan: Plan) -> Summary {
    let mut summary = plan.summary;
    summary.outcome = Outcome::Unchanged;
    summary
}

/// Renders the due objects of a plan in write order, one batch at a time:
/// OSV records (building `osv/all.zip` as they go when it is due), then
/// the archive, the feeds and the page. Pure CPU work, run off the async
/// threads while the previous batch is written.
struct Producer {
    feed: Arc<Feed>,
    site: SiteConfig,
    /// Item indices of the records still to render, in id order.
    records: std::collections::VecDeque<usize>,
    /// Which items' records are due (the others are rendered only for the
    /// archive).
    record_due: Vec<bool>,
    /// The archive being built, when it is due.
    archive: Option<osv::Archive>,
    /// The other due objects, in write order.
    rest: std::collections::VecDeque<Due>,
}

/// A rendered object and its manifest entry.
struct Rendered {
    artifact: Artifact,
    entry: ObjectEntry,
}

impl Producer {
    fn new(feed: Arc<Feed>, site: SiteConfig, due: &[Due]) -> Producer {
        let mut record_due = vec![false; feed.items.len()];
        for d in due {
            if let Due::Part(Part::Record(i)) = d {
                record_due[*i] = true;
            }
        }
        let archive_due = due.contains(&Due::Part(Part::Archive));
        let records = osv::record_order(&feed)
            .into_iter()
            .filter(|i| archive_due || record_due[*i])
            .collect();
        Producer {
            records,
            record_due,
            archive: archive_due.then(osv::Archive::new),
            rest: due
                .iter()
                .filter(|d| !matches!(d, Due::Part(Part::Record(_) | Part::Archive)))
                .copied()
                .collect(),
            feed,
            site,
        }
    }

    /// The next batch, `None` when everything was rendered.
    fn next_batch(&mut self) -> Batch {
        let mut batch = Vec::new();
        if !self.records.is_empty() {
            for i in self.records.drain(..RECORD_BATCH.min(self.records.len())) {
                let record = osv::render_record(&self.feed.items[i])?;
                if let Some(archive) = &mut self.archive {
                    archive.add(&record)?;
                }
                if self.record_due[i] {
                    batch.push(rendered(record));
                }
            }
            return Ok(Some(batch));
        }
        if let Some(archive) = self.archive.take() {
            return Ok(Some(vec![rendered(archive.finish()?)]));
        }
        let Some(next) = self.rest.pop_front() else {
            return Ok(None);
        };
        let compat_due = self.rest.contains(&Due::Compat);
        match next {
            Due::Part(part) => {
                let artifact = render::render(&self.feed, &self.site, part)?;
                if part == Part::JsonFeed && compat_due {
                    // Both names from one rendering of the feed.
                    self.rest.retain(|d| *d != Due::Compat);
                    batch.extend(compat_artifacts(&artifact).into_iter().map(rendered));
                }
                batch.insert(0, rendered(artifact));
            }
            Due::Compat => {
                let feed = render::render(&self.feed, &self.site, Part::JsonFeed)?;
                batch.extend(compat_artifacts(&feed).into_iter().map(rendered));
            }
        }
        Ok(Some(batch))
    }
}

fn rendered(artifact: Artifact) -> Rendered {
    let entry = ObjectEntry {
        sha256: hex::encode(Sha256::digest(&artifact.bytes)),
        size: artifact.bytes.len() as u64,
        content_type: artifact.content_type.to_string(),
    };
    Rendered { artifact, entry }
}

/// The next batch, or `None` when everything was rendered.
type Batch = Result<Option<Vec<Rendered>>, RenderError>;

/// Render the next batch on the blocking pool.
fn spawn_batch(mut producer: Producer) -> tokio::task::JoinHandle<(Producer, Batch)> {
    tokio::task::spawn_blocking(move || {
        let batch = producer.next_batch();
        (producer, batch)
    })
}

/// Write a plan under the lock: journal, due objects (each batch rendered
/// while the previous one is written), `manifest.json` by compare-and-swap,
/// deletions, journal removal. Names are added to `dirty` before they are
/// written, so a retry re-verifies them.
async fn apply(
    store: &dyn Store,
    site: &SiteConfig,
    plan: Plan,
    mut lock: Option<&mut StoreLock>,
    dirty: &mut BTreeSet<String>,
) -> Result<Summary, RefreshError> {
    let mut written = Vec::new();
    let due_names = plan.due.iter().flat_map(|d| match d {
        Due::Part(part) => vec![part.name(&plan.feed)],
        Due::Compat => vec![COMPAT_FEED.to_string(), COMPAT_HASH.to_string()],
    });
    let journal = Journal {
        names: due_names
            .chain(plan.stale.iter().cloned())
            .chain(dirty.iter().cloned())
            .collect(),
    };
    keep_alive(&mut lock).await?;
    store
        .put(
            JOURNAL,
            to_json(&journal),
            content_type::JSON,
            PutMode::Overwrite,
        )
        .await?;
    store.sync().await?;
    written.push(JOURNAL.to_string());
    let mut manifest = plan.manifest;
    let mut producer = Some(Producer::new(plan.feed, site.clone(), &plan.due));
    let mut ahead = None;
    loop {
        let pending = match (ahead.take(), producer.take()) {
            (Some(pending), _) => pending,
            (None, Some(p)) => spawn_batch(p),
            (None, None) => break,
        };
        let (p, batch) = pending
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        let Some(batch) = batch? else {
            break;
        };
        // Render the next batch while this one is written, unless this one
        // is large (a feed or the page): then one at a time, to bound memory.
        let size: usize = batch.iter().map(|r| r.artifact.bytes.len()).sum();
        if size <= OVERLAP_LIMIT {
            ahead = Some(spawn_batch(p));
        } else {
            producer = Some(p);
        }
        keep_alive(&mut lock).await?;
        let mut batch = batch.into_iter().peekable();
        while batch.peek().is_some() {
            // Independent objects, many at a time: a bucket answers each in
            // a round trip.
            let group: Vec<Rendered> = batch.by_ref().take(PARALLEL_WRITES).collect();
            for r in &group {
                dirty.insert(r.artifact.name.clone());
                manifest
                    .objects
                    .insert(r.artifact.name.clone(), r.entry.clone());
                written.push(r.artifact.name.clone());
            }
            let puts = group.into_iter().map(|r| async move {
                let Artifact {
                    name,
                    content_type,
                    bytes,
                } = r.artifact;
                store
                    .put(&name, bytes, content_type, PutMode::Overwrite)
                    .await
            });
            futures::future::try_join_all(puts).await?;
        }
    }
    // Everything the manifest names must be durable before it is.
    store.sync().await?;
    keep_alive(&mut lock).await?;
    let mode = match plan.previous_version {
        Some(v) => PutMode::Update(v),
        None => PutMode::Create,
    };
    store
        .put(MANIFEST, to_json(&manifest), content_type::JSON, mode)
        .await?;
    store.sync().await?;
    written.push(MANIFEST.to_string());
    for name in &plan.stale {
        keep_alive(&mut lock).await?;
        store.delete(name).await?;
    }
    store.delete(JOURNAL).await?;
    let mut summary = plan.summary;
    summary.written = written;
    Ok(summary)
}

async fn keep_alive(lock: &mut Option<&mut StoreLock>) -> Result<(), StoreError> {
    match lock {
        Some(l) => l.keep_alive().await,
        None => Ok(()),
    }
}

/// `official-cve-feed.json` (the JSON Feed's bytes) and `cve-feed-hash`
/// (its hex sha256 and a newline), the names the upstream job published
/// to its bucket and the kubernetes/website build reads.
fn compat_artifacts(feed: &Artifact) -> [Artifact; 2] {
    let hash = format!("{}\n", hex::encode(Sha256::digest(&feed.bytes)));
    [
        Artifact {
            name: COMPAT_FEED.into(),
            content_type: content_type::JSON,
            bytes: feed.bytes.clone(),
        },
        Artifact {
            name: COMPAT_HASH.into(),
            content_type: TEXT_PLAIN,
            bytes: hash.into_bytes(),
        },
    ]
}

/// Issues per repository, and the page cache to store (compact JSON) if it
/// changed.
async fn fetch(
    store: &dyn Store,
    config: &RefreshConfig,
) -> Result<(Vec<RepoIssues>, Option<Vec<u8>>, FetchStats), RefreshError> {
    match &config.source {
        Source::File(path) => Ok((read_file(path, &config.repos)?, None, FetchStats::default())),
        Source::Github(client) => {
            let mut old_cache: PageCache = match store.get(PAGE_CACHE).await? {
                Some(f) => serde_json::from_slice(&f.bytes)
                    .inspect_err(
                        |e| tracing::warn!(error = %e, "ignoring an unreadable GitHub page cache"),
                    )
                    .unwrap_or_default(),
                None => PageCache::default(),
            };
            let mut new_cache = PageCache::default();
            let mut stats = FetchStats::default();
            let mut fresh = false;
            let mut listed = Vec::new();
            for repo in &config.repos {
                let listing = client
                    .list_issues(repo, &config.label, &mut old_cache)
                    .await?;
                fresh |= listing.fresh;
                stats.absorb(listing.stats);
                let urls: Vec<String> = listing.pages.iter().map(|(u, _)| u.clone()).collect();
                new_cache.pages.extend(listing.pages);
                listed.push((repo.clone(), urls));
            }
            // Pages left in the old cache are no longer listed.
            let changed = fresh || !old_cache.pages.is_empty();
            drop(old_cache);
            let cache_bytes =
                changed.then(|| serde_json::to_vec(&new_cache).expect("the page cache serializes"));
            let repos = listed
                .into_iter()
                .map(|(repo, urls)| RepoIssues {
                    repo,
                    issues: urls
                        .iter()
                        .filter_map(|u| new_cache.pages.remove(u))
                        .flat_map(|page| page.issues)
                        .collect(),
                })
                .collect();
            Ok((repos, cache_bytes, stats))
        }
    }
}

/// Read a saved issues array. Issues name their repository through
/// `repository_url`; those without one belong to the first `--repo`.
fn read_file(path: &Path, repos: &[RepoName]) -> Result<Vec<RepoIssues>, RefreshError> {
    let bytes = std::fs::read(path).map_err(|source| RefreshError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    let issues: Vec<Issue> =
        serde_json::from_slice(&bytes).map_err(|source| RefreshError::FileFormat {
            path: path.to_path_buf(),
            source,
        })?;
    let default_repo = repos.first().cloned().ok_or_else(|| RefreshError::NoRepo {
        path: path.to_path_buf(),
    })?;
    let mut by_repo: BTreeMap<RepoName, Vec<Issue>> = BTreeMap::new();
    for issue in issues {
        let repo = issue.repo().unwrap_or_else(|| default_repo.clone());
        if repos.contains(&repo) {
            by_repo.entry(repo).or_default().push(issue);
        }
    }
    Ok(by_repo
        .into_iter()
        .map(|(repo, issues)| RepoIssues { repo, issues })
        .collect())
}

/// Advisories of the labelled issues (one per id), and the labelled issues
/// that name no id. Issues are read in parallel; the results keep the
/// order of the issues.
fn parse(repos: &[RepoIssues], label: &str) -> (Vec<Advisory>, Vec<UnparsedIssue>) {
    use rayon::prelude::*;
    let mut advisories = Vec::new();
    let mut unparsed = Vec::new();
    for RepoIssues { repo, issues } in repos {
        let name = repo.to_string();
        let parsed: Vec<_> = issues
            .par_iter()
            .filter(|i| !i.is_pull_request() && i.has_label(label))
            .map(|issue| advisory::from_issue(&issue.to_model(repo)))
            .collect();
        for result in parsed {
            match result {
                Ok(list) => advisories.extend(list),
                Err(u) => {
                    tracing::warn!(
                        repo = %repo,
                        issue = u.issue.number,
                        title = %u.title,
                        "labelled issue names no CVE id in its title or body; it is not in the feed"
                    );
                    unparsed.push(UnparsedIssue {
                        repo: name.clone(),
                        number: u.issue.number,
                        title: u.title,
                    });
                }
            }
        }
    }
    let (advisories, duplicates) = feed::dedupe(advisories);
    for d in duplicates {
        tracing::warn!(id = %d.id, kept = d.kept, dropped = d.dropped, "CVE id announced by two issues; keeping the earlier one");
    }
    for a in &advisories {
        for w in &a.vuln.warnings {
            tracing::warn!(id = %a.id, issue = a.issue.number, "{w}");
        }
    }
    (advisories, unparsed)
}
