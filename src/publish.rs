//! The refresh pipeline: read the previous publication, fetch issues, parse,
//! detect changes, guard against shrinking, render, and publish only what
//! changed with `manifest.json` last.
//!
//! This module owns the order of operations and the all-or-nothing rule. It
//! delegates every format to [`crate::render`], every byte of I/O to a
//! [`Store`] and to the [`github`] client, and takes `now` as an argument.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::advisory::{self, Advisory, CveId};
use crate::feed::{self, Changes};
use crate::github::{self, FetchStats, Issue, PageCache, RepoName};
use crate::manifest::{MANIFEST, Manifest, ObjectEntry, STATUS, StatusDoc, UnparsedIssue};
use crate::render::{self, Artifact, SiteConfig, content_type};
use crate::store::{PutMode, Store, StoreError};

/// Name of the GitHub page cache object (not part of the publication).
pub const PAGE_CACHE: &str = ".cache/github-pages.json";

/// Names a publish is about to overwrite, written before the first object
/// and removed after the manifest: if a run dies in between, the next run
/// rewrites those objects whatever the manifest says of them.
pub const PENDING: &str = ".cache/publish-pending.json";

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
}

/// How a successful refresh ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// New content was published.
    Published,
    /// Nothing changed; only `status.json` was written.
    Unchanged,
}

/// What a successful refresh did.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Published or unchanged.
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
        let outcome = match self.outcome {
            Outcome::Published => "published",
            Outcome::Unchanged => "unchanged",
        };
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

/// Why a refresh published nothing.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// GitHub could not be read completely.
    #[error(transparent)]
    Github(#[from] github::GithubError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The offline issues file cannot be used.
    #[error("reading issues from {path}: {cause}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        cause: String,
    },
    /// The published manifest is unreadable.
    #[error(
        "the published {MANIFEST} in {location} is not valid ({cause}); refusing to publish over it: \
         restore it, or remove it to start a new feed"
    )]
    CorruptManifest {
        /// The store.
        location: String,
        /// The parse error.
        cause: String,
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
    Render(#[from] render::RenderError),
}

/// Issues of one repository.
struct RepoIssues {
    repo: RepoName,
    issues: Vec<Issue>,
}

/// Run one refresh against `store` at time `now`, then record the outcome
/// in `status.json`. On error nothing but `status.json` has been written.
pub async fn refresh(
    store: &dyn Store,
    config: &RefreshConfig,
    now: DateTime<Utc>,
) -> Result<Summary, RefreshError> {
    let _lock = store.lock(config.lock_wait).await?;
    let previous_status = read_status(store).await;
    let result = run(store, config, now).await;
    let status = status_doc(previous_status, &result, now);
    let bytes = to_json(&status);
    let written = store
        .put(STATUS, bytes, content_type::JSON, PutMode::Overwrite)
        .await;
    match (result, written) {
        (Ok(summary), Ok(())) => Ok(summary),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

async fn read_status(store: &dyn Store) -> Option<StatusDoc> {
    match store.get(STATUS).await {
        Ok(Some(f)) => serde_json::from_slice(&f.bytes)
            .inspect_err(|e| tracing::warn!(error = %e, "ignoring an unreadable {STATUS}"))
            .ok(),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read {STATUS}");
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
            last_outcome: match summary.outcome {
                Outcome::Published => "published".into(),
                Outcome::Unchanged => "unchanged".into(),
            },
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
                last_outcome: "failed".into(),
                last_error: Some(e.to_string()),
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

async fn run(
    store: &dyn Store,
    config: &RefreshConfig,
    now: DateTime<Utc>,
) -> Result<Summary, RefreshError> {
    let previous = store.get(MANIFEST).await?;
    let previous_manifest: Option<Manifest> = previous
        .as_ref()
        .map(|f| serde_json::from_slice(&f.bytes))
        .transpose()
        .map_err(|e| RefreshError::CorruptManifest {
            location: store.location(),
            cause: e.to_string(),
        })?;

    let (repos, page_cache, stats) = fetch(store, config).await?;
    let (advisories, unparsed) = parse(&repos, &config.label);
    let (feed, changes) = feed::build(
        advisories,
        previous_manifest.as_ref(),
        &config.site.fingerprint(),
        now,
    );

    if changes.removed.len() > config.shrink_tolerance && !config.allow_shrink {
        return Err(RefreshError::Shrink {
            ids: changes.removed.clone(),
            tolerance: config.shrink_tolerance,
        });
    }

    let artifacts = render::render_all(&feed, &config.site)?;
    let manifest = Manifest {
        manifest_version: Manifest::VERSION,
        generator: concat!("cvefeed ", env!("CARGO_PKG_VERSION")).into(),
        updated_at: feed.updated_at,
        content_hash: feed.content_hash.clone(),
        objects: artifacts
            .iter()
            .map(|a| (a.name.clone(), entry(a)))
            .collect(),
        items: feed::item_states(&feed),
    };

    let mut previous_objects = previous_manifest
        .as_ref()
        .map(|m| m.objects.clone())
        .unwrap_or_default();
    let pending = read_pending(store).await?;
    for name in &pending {
        // Possibly half-published by a run that died: its bytes are unknown.
        if name == ALL_PENDING {
            previous_objects.clear();
        } else {
            previous_objects.remove(name);
        }
    }
    let to_write: Vec<&Artifact> = artifacts
        .iter()
        .filter(|a| previous_objects.get(&a.name) != Some(&manifest.objects[&a.name]))
        .collect();
    let stale: Vec<&String> = previous_objects
        .keys()
        .filter(|name| !manifest.objects.contains_key(*name))
        .collect();

    let mut written = Vec::new();
    let unchanged = to_write.is_empty()
        && stale.is_empty()
        && pending.is_empty()
        && previous_manifest.as_ref() == Some(&manifest);
    if !unchanged {
        let names: Vec<&str> = to_write.iter().map(|a| a.name.as_str()).collect();
        if !names.is_empty() {
            store
                .put(
                    PENDING,
                    to_json(&names),
                    content_type::JSON,
                    PutMode::Overwrite,
                )
                .await?;
        }
        for a in &to_write {
            store
                .put(&a.name, a.bytes.clone(), a.content_type, PutMode::Overwrite)
                .await?;
            written.push(a.name.clone());
        }
        let mode = match &previous {
            Some(f) => PutMode::Update(f.version.clone()),
            None => PutMode::Create,
        };
        store
            .put(MANIFEST, to_json(&manifest), content_type::JSON, mode)
            .await?;
        written.push(MANIFEST.to_string());
        for name in stale {
            store.delete(name).await?;
        }
        if !pending.is_empty() || !names.is_empty() {
            store.delete(PENDING).await?;
        }
    }
    if let Some(cache) = page_cache {
        store
            .put(
                PAGE_CACHE,
                to_json(&cache),
                content_type::JSON,
                PutMode::Overwrite,
            )
            .await?;
        written.push(PAGE_CACHE.to_string());
    }

    Ok(Summary {
        outcome: if unchanged {
            Outcome::Unchanged
        } else {
            Outcome::Published
        },
        items: feed.items.len(),
        changes,
        requests: stats.requests,
        not_modified: stats.not_modified,
        github_statuses: stats.by_status,
        rate_limit_remaining: stats.rate_limit_remaining,
        unparsed,
        written,
        updated_at: feed.updated_at,
    })
}

/// Stands for every object when the pending list cannot be read.
const ALL_PENDING: &str = "*";

/// The names a previous run left pending, if it died mid-publish.
async fn read_pending(store: &dyn Store) -> Result<Vec<String>, RefreshError> {
    Ok(match store.get(PENDING).await? {
        Some(f) => serde_json::from_slice(&f.bytes).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unreadable {PENDING}; republishing everything");
            vec![ALL_PENDING.to_string()]
        }),
        None => Vec::new(),
    })
}

fn entry(a: &Artifact) -> ObjectEntry {
    ObjectEntry {
        sha256: hex::encode(Sha256::digest(&a.bytes)),
        size: a.bytes.len() as u64,
        content_type: a.content_type.to_string(),
    }
}

/// Issues per repository, and the page cache to store if it changed.
async fn fetch(
    store: &dyn Store,
    config: &RefreshConfig,
) -> Result<(Vec<RepoIssues>, Option<PageCache>, FetchStats), RefreshError> {
    match &config.source {
        Source::File(path) => Ok((read_file(path, &config.repos)?, None, FetchStats::default())),
        Source::Github(client) => {
            let old_cache: PageCache = match store.get(PAGE_CACHE).await? {
                Some(f) => serde_json::from_slice(&f.bytes)
                    .inspect_err(
                        |e| tracing::warn!(error = %e, "ignoring an unreadable GitHub page cache"),
                    )
                    .unwrap_or_default(),
                None => PageCache::default(),
            };
            let mut new_cache = PageCache::default();
            let mut stats = FetchStats::default();
            let mut repos = Vec::new();
            for repo in &config.repos {
                let listing = client.list_issues(repo, &config.label, &old_cache).await?;
                new_cache.pages.extend(listing.pages.pages);
                stats.absorb(listing.stats);
                repos.push(RepoIssues {
                    repo: repo.clone(),
                    issues: listing.issues,
                });
            }
            let changed = (new_cache != old_cache).then_some(new_cache);
            Ok((repos, changed, stats))
        }
    }
}

/// Read a saved issues array. Issues name their repository through
/// `repository_url`; those without one belong to the first `--repo`.
fn read_file(path: &PathBuf, repos: &[RepoName]) -> Result<Vec<RepoIssues>, RefreshError> {
    let err = |cause: String| RefreshError::File {
        path: path.clone(),
        cause,
    };
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let issues: Vec<Issue> = serde_json::from_slice(&bytes)
        .map_err(|e| err(format!("not a JSON array of GitHub issues: {e}")))?;
    let default_repo = repos
        .first()
        .cloned()
        .ok_or_else(|| err("no --repo given".into()))?;
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
/// that name no id.
fn parse(repos: &[RepoIssues], label: &str) -> (Vec<Advisory>, Vec<UnparsedIssue>) {
    let mut advisories = Vec::new();
    let mut unparsed = Vec::new();
    for RepoIssues { repo, issues } in repos {
        for issue in issues
            .iter()
            .filter(|i| !i.is_pull_request() && i.has_label(label))
        {
            match advisory::from_issue(&repo.to_string(), issue) {
                Ok(list) => advisories.extend(list),
                Err(u) => {
                    tracing::warn!(
                        repo = %repo,
                        issue = u.issue.number,
                        title = %u.title,
                        "labelled issue names no CVE id in its title or body; it is not in the feed"
                    );
                    unparsed.push(UnparsedIssue {
                        repo: repo.to_string(),
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
