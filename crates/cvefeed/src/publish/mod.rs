//! The refresh pipeline, one file per step, numbered in the order the
//! steps run. `commit::publish` drives steps 1 to 4; [`refresh`] then
//! runs step 5 and fires the hooks.
//!
//! 1. `commit`: read the journal, the names a publish cut short may have
//!    left other bytes in.
//! 2. `plan`: read the published manifest and its signature, fetch and
//!    parse the issues (`issues`), read the CVE records, build the feed,
//!    and let the model decide what is due ([`cvefeed_model::plan`]),
//!    reading back what its draft asks for: the change log (`history`)
//!    and the dirty objects. The page and record caches are stored. With
//!    nothing to write, the run ends here, without a lock.
//! 3. `write`: under the publish lock (planning again first if another
//!    writer published meanwhile), write the journal, then render each
//!    due object once while the previous batch is written.
//! 4. `commit`: the signature (`signing`), then `manifest.json`, written
//!    last by compare-and-swap; a lost swap goes back to step 2 once,
//!    with the journal's names as dirty.
//! 5. `status`: record the outcome in `status.json`, every run.
//!
//! **All or nothing.** Readers follow `manifest.json`, and it is written
//! only after every object it names is written and durable: a run that
//! fails at any step leaves the published set as it was. Only
//! `status.json`, the GitHub page cache (an HTTP cache, right whatever the
//! outcome) and, after a publish cut short, the journal are written by a
//! failed run; the next run reads the journal and re-verifies the objects
//! it names.
//!
//! This module owns the order of the steps and that rule, and keeps the
//! public API ([`refresh`], [`RefreshConfig`], [`Summary`],
//! [`RefreshError`]). It delegates every format to [`cvefeed_model::render`],
//! every byte of I/O to a [`Store`] and to the [`github`] client, and takes
//! `now` as an argument.

mod commit;
mod history;
mod issues;
mod plan;
mod signing;
mod status;
mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cverecords::RecordSource;
use crate::error::Chain;
use crate::github;
use crate::github::RepoName;
use crate::hooks::{Delivery, FailureAlert, Hooks, PublishEvent};
use crate::store::{Store, StoreError};
use cvefeed_model::advisory::CveId;
use cvefeed_model::changes::Retention;
use cvefeed_model::feed::Changes;
use cvefeed_model::manifest::{MANIFEST, STATUS, UnparsedIssue};
use cvefeed_model::render::{RenderError, SiteConfig};
use cvefeed_model::signature::Signer;

pub use cvefeed_model::manifest::Outcome;

/// Name of the GitHub page cache object (not part of the publication).
pub const PAGE_CACHE: &str = ".cache/github-pages.json";

/// Name of the publish journal: the objects a publish is about to write or
/// delete. It exists only while a publish runs (or after one was cut
/// short); a run that finds it re-verifies those objects.
pub const JOURNAL: &str = ".cvefeed.journal.json";

/// Largest issues file read by `--from-file`: the default bound on all the
/// GitHub listing pages of a run (`--github-max-total-bytes`).
pub const MAX_ISSUES_FILE_BYTES: u64 = 256 << 20;

/// With `--compat-k8s-bucket`: the JSON Feed under the upstream name
/// ([`COMPAT_FEED`]) and its hex sha256, newline-ended ([`COMPAT_HASH`]).
pub use cvefeed_model::plan::{COMPAT_FEED, COMPAT_HASH};

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
    /// Also write a `.gz` and a `.br` sibling of every text object, listed
    /// in the manifest as encodings of their object
    /// ([`cvefeed_model::manifest::ObjectEntry::encodings`]).
    pub precompress: bool,
    /// Build hooks and the failure alert.
    pub hooks: Hooks,
    /// Where the CNA's CVE records come from.
    pub records: RecordSource,
    /// How much older than the issue's last edit a CVE record may be
    /// before the audit reports it.
    pub record_max_lag: Duration,
    /// Signing and the change log.
    pub trust: Trust,
}

/// How a publication can be trusted and followed: its signature and its
/// change log.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Sign each new `manifest.json` with this key (`--signing-key`).
    pub signer: Option<Signer>,
    /// Also publish the public key as `cvefeed.pub`.
    pub publish_public_key: bool,
    /// How much of `changes.json` is kept.
    pub retention: Retention,
}

/// What reading the CVE records did in a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordStats {
    /// Requests to the CVE Services API, retries included.
    pub requests: u32,
    /// Of those, answered 304.
    pub not_modified: u32,
    /// CVEs whose record could not be fetched or read (the cached record,
    /// or none, was used).
    pub failures: Vec<CveId>,
    /// Audit findings in the feed.
    pub findings: usize,
}

/// What a successful refresh did.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Published or unchanged (a failed run returns its error instead).
    pub outcome: Outcome,
    /// Items in the feed.
    pub items: usize,
    /// Where the feed was published (the store's location).
    pub location: String,
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
    /// The CVE records.
    pub cve_records: RecordStats,
    /// Objects written (besides `status.json`).
    pub written: Vec<String>,
    /// When the content last changed.
    pub updated_at: DateTime<Utc>,
    /// Build hook deliveries (after a publish).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Delivery>,
}

impl Summary {
    /// The build hooks that could not be delivered, redacted.
    pub fn failed_hooks(&self) -> Vec<&str> {
        self.hooks
            .iter()
            .filter(|d| !d.ok())
            .map(|d| d.hook.as_str())
            .collect()
    }

    /// One human line, short at any size: the outcome, the item count
    /// and where they went, then per kind (added, changed, removed,
    /// unparsed) the count and at most [`IDS_SHOWN`] ids, then the GitHub
    /// traffic. `--json` gives every id.
    pub fn line(&self) -> String {
        let unparsed: Vec<String> = self
            .unparsed
            .iter()
            .map(|u| format!("{}#{}", u.repo, u.number))
            .collect();
        let kinds = [
            ("added", ids(&self.changes.added)),
            ("changed", ids(&self.changes.changed)),
            ("removed", ids(&self.changes.removed)),
            ("unparsed", unparsed),
        ];
        let kinds: Vec<String> = kinds
            .iter()
            .map(|(kind, names)| format!("{kind} {}", shortened(names)))
            .collect();
        let mut line = format!(
            "{}: {} items in {}; {}; {} GitHub requests, {} answered 304",
            self.outcome,
            self.items,
            self.location,
            kinds.join("; "),
            self.requests,
            self.not_modified,
        );
        let records = &self.cve_records;
        if records.findings > 0 {
            line.push_str(&format!("; {} audit findings", records.findings));
        }
        if !records.failures.is_empty() {
            line.push_str(&format!(
                "; CVE records not read {}",
                shortened(&ids(&records.failures))
            ));
        }
        line
    }
}

/// How many ids of each kind [`Summary::line`] names.
pub const IDS_SHOWN: usize = 10;

fn ids(ids: &[CveId]) -> Vec<String> {
    ids.iter().map(|i| i.as_str().to_string()).collect()
}

/// `0`, or `3 (A, B, C)`, or `25 (A, …, J and 15 more)`.
fn shortened(names: &[String]) -> String {
    if names.is_empty() {
        return "0".into();
    }
    format!("{} ({})", names.len(), listed(names))
}

/// At most [`IDS_SHOWN`] of `names`: `A, B, C`, or `A, …, J and 15 more`.
fn listed(names: &[String]) -> String {
    let shown = names[..names.len().min(IDS_SHOWN)].join(", ");
    let more = names.len().saturating_sub(IDS_SHOWN);
    if more == 0 {
        shown
    } else {
        format!("{shown} and {more} more")
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
    /// The offline issues file is larger than
    /// [`MAX_ISSUES_FILE_BYTES`]; no more than one byte past it was read.
    #[error("cannot read issues from {path}: it is larger than {limit} bytes")]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
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
    /// Items would disappear. The message names at most [`IDS_SHOWN`] of
    /// them (it goes into `status.json` and the failure alert); the error
    /// keeps them all.
    #[error(
        "refusing to publish: {} published item(s) would be removed ({}), more than the tolerance of {tolerance}; \
         if this is intended, run again with --allow-shrink", ids.len(), listed(&self::ids(ids))
    )]
    Shrink {
        /// Every id that would go.
        ids: Vec<CveId>,
        /// The configured tolerance.
        tolerance: usize,
    },
    /// The published change log is unreadable.
    #[error(
        "the published changes.json in {location} is not valid; refusing to publish over it \
         (restore it from a backup, or delete it to start a new change log)"
    )]
    CorruptChangeLog {
        /// The store.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The published manifest could not be read as a publication's
    /// ([`crate::store::read`]).
    #[error(transparent)]
    Read(crate::store::read::ReadError),
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
    let previous_status = status::read(store).await;
    let mut lock = None;
    let result = commit::publish(store, config, now, &mut lock).await;
    let written = status::write(store, previous_status.as_ref(), &result, now).await;
    if let Some(lock) = lock
        && let Err(e) = lock.release().await
    {
        tracing::warn!(error = %Chain(&e), "could not release the publish lock; it expires by itself");
    }
    let result = match (result, written) {
        (Ok(summary), Ok(())) => Ok(summary),
        (Ok(summary), Err(e)) => {
            // The run's outcome stands (a publication is public already):
            // reporting it as a failure would say nothing was published.
            tracing::warn!(error = %Chain(&e), "the run succeeded, but {STATUS} could not be written");
            Ok(summary)
        }
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

/// A bookkeeping document as published: pretty JSON, newline-ended.
fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("bookkeeping documents serialize");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cve(n: usize) -> CveId {
        format!("CVE-2031-{:04}", 1000 + n).parse().unwrap()
    }

    fn summary(added: usize, changed: usize) -> Summary {
        Summary {
            outcome: Outcome::Published,
            items: added + changed,
            location: "./public".into(),
            changes: Changes {
                added: (0..added).map(cve).collect(),
                changed: (added..added + changed).map(cve).collect(),
                removed: vec![],
            },
            requests: 100,
            not_modified: 0,
            github_statuses: BTreeMap::new(),
            rate_limit_remaining: None,
            unparsed: vec![UnparsedIssue {
                repo: "kubernetes/kubernetes".into(),
                number: 7,
                title: "no id".into(),
                reason: Default::default(),
            }],
            cve_records: RecordStats::default(),
            written: vec![],
            updated_at: DateTime::UNIX_EPOCH,
            hooks: vec![],
        }
    }

    #[test]
    fn the_line_names_at_most_ten_ids_per_kind() {
        assert_eq!(
            summary(10_000, 2).line(),
            "published: 10002 items in ./public; added 10000 (CVE-2031-1000, CVE-2031-1001, \
             CVE-2031-1002, CVE-2031-1003, CVE-2031-1004, CVE-2031-1005, CVE-2031-1006, \
             CVE-2031-1007, CVE-2031-1008, CVE-2031-1009 and 9990 more); changed 2 \
             (CVE-2031-11000, CVE-2031-11001); removed 0; unparsed 1 (kubernetes/kubernetes#7); \
             100 GitHub requests, 0 answered 304"
        );
        assert_eq!(
            shortened(&(0..11).map(|n| n.to_string()).collect::<Vec<_>>()),
            "11 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 1 more)"
        );
    }

    #[test]
    fn the_shrink_error_names_at_most_ten_ids_and_keeps_them_all() {
        let few = RefreshError::Shrink {
            ids: (0..2).map(cve).collect(),
            tolerance: 0,
        };
        assert_eq!(
            few.to_string(),
            "refusing to publish: 2 published item(s) would be removed (CVE-2031-1000, \
             CVE-2031-1001), more than the tolerance of 0; if this is intended, run again with \
             --allow-shrink"
        );
        let many = RefreshError::Shrink {
            ids: (0..10_000).map(cve).collect(),
            tolerance: 5,
        };
        let message = many.to_string();
        assert_eq!(
            message,
            "refusing to publish: 10000 published item(s) would be removed (CVE-2031-1000, \
             CVE-2031-1001, CVE-2031-1002, CVE-2031-1003, CVE-2031-1004, CVE-2031-1005, \
             CVE-2031-1006, CVE-2031-1007, CVE-2031-1008, CVE-2031-1009 and 9990 more), more \
             than the tolerance of 5; if this is intended, run again with --allow-shrink"
        );
        assert!(message.len() < 400, "{}", message.len());
        let RefreshError::Shrink { ids, .. } = many else {
            unreachable!()
        };
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn json_keeps_every_id() {
        let json = serde_json::to_value(summary(25, 0)).unwrap();
        assert_eq!(json["added"].as_array().unwrap().len(), 25);
        assert_eq!(json["location"], "./public");
    }
}
