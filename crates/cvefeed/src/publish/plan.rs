//! Step 2: the plan. Read the published manifest and the issues, build
//! the feed, and have the model decide which objects are due, carried over
//! or stale ([`cvefeed_model::plan`]), reading back only what the model's
//! draft asks for: the change log when it may be written, and the objects
//! an interrupted publish may have left other bytes in.
//!
//! This step is the shell around those decisions: it owns the reads
//! ([`read_previous`], [`read_back`]) and the GitHub and CVE record caches
//! it stores. It never renders or writes a published object, and decides
//! nothing the model's plan decides.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::issues::{fetch, parse};
use super::write::Journal;
use super::{Outcome, PAGE_CACHE, RecordStats, RefreshConfig, RefreshError, Summary, history};
use crate::compress;
use crate::cverecords;
use crate::store::read::{Published, ReadError, Signature, Signed};
use crate::store::{self, PutMode, Store, StoreError, Version};
use cvefeed_model::changes::{ChangeLog, LogMark};
use cvefeed_model::feed::{self, Feed};
use cvefeed_model::manifest::Manifest;
use cvefeed_model::plan::{self as decide, Found, ReadBack, Settings};
use cvefeed_model::render::content_type;

/// What a run would write, computed from the store and the source without
/// rendering anything: the model's decisions ([`decide::Plan`]) with the
/// feed and change log to render the due objects from.
#[derive(Debug)]
pub(super) struct Plan {
    /// Version of the manifest planned against (`None`: no manifest yet).
    pub(super) previous_version: Option<Version>,
    /// What is due, carried over (in its manifest) and stale, and the
    /// dirty names planned with.
    pub(super) decided: decide::Plan,
    /// The feed to render the due objects from.
    pub(super) feed: Arc<Feed>,
    /// The change log to publish.
    pub(super) log: Arc<ChangeLog>,
    /// The mark of the committed log `log` grows from, for the journal.
    committed_log: Option<LogMark>,
    /// The GitHub page cache to store (compact JSON), if it changed.
    page_cache: Option<Vec<u8>>,
    /// The CVE record cache to store (compact JSON), if it changed.
    record_cache: Option<Vec<u8>>,
    /// The summary, `written` still empty.
    pub(super) summary: Summary,
}

impl Plan {
    /// Whether there is nothing to write.
    pub(super) fn unchanged(&self) -> bool {
        self.decided.unchanged
    }

    /// The journal of a publish of this plan: its names
    /// ([`decide::Plan::journal`]; after a lost compare-and-swap, the next
    /// plan's dirty names) and the committed change log's mark.
    pub(super) fn journal(&self) -> Journal {
        Journal {
            names: self.decided.journal(&self.feed),
            committed_log: self.committed_log.clone(),
        }
    }
}

/// The published manifest, its version, and whether the published
/// signature is current.
struct Previous {
    manifest: Option<Manifest>,
    version: Option<Version>,
    signature_current: bool,
}

/// Read the published manifest through the one reader
/// ([`crate::store::read`]), checking the signature beside it with the
/// signing key's public half when there is a key.
async fn read_previous(
    store: &dyn Store,
    config: &RefreshConfig,
) -> Result<Previous, RefreshError> {
    let key = config.trust.signer.as_ref().map(|s| s.public_key());
    let Some(signed) = Signed::read(store, key.as_ref())
        .await
        .map_err(refresh_error)?
    else {
        // Nothing published: the first publish signs anyway.
        return Ok(Previous {
            manifest: None,
            version: None,
            signature_current: true,
        });
    };
    let manifest = signed.manifest().map_err(refresh_error)?;
    Ok(Previous {
        manifest: Some(manifest),
        version: Some(signed.version),
        // Without a key there is nothing to keep current.
        signature_current: matches!(signed.signature, Signature::Unchecked | Signature::Valid),
    })
}

/// A failure to read the published manifest, as the refresh reports it:
/// one that does not parse is [`RefreshError::CorruptManifest`].
fn refresh_error(error: ReadError) -> RefreshError {
    match error {
        ReadError::Store(e) => RefreshError::Store(e),
        ReadError::BadManifest { location, source } => {
            RefreshError::CorruptManifest { location, source }
        }
        other => RefreshError::Read(other),
    }
}

/// Read back the objects the draft names, each judged by the one reader
/// against the manifest planned on (`None`: nothing published, so all a
/// name can hold is bytes no manifest lists).
async fn read_back(
    store: &dyn Store,
    manifest: Option<&Manifest>,
    names: BTreeSet<String>,
) -> Result<ReadBack, StoreError> {
    let mut read = ReadBack::new();
    for name in names {
        let back = match manifest {
            Some(m) => Published::new(store, m).read_back(&name).await?,
            None => store::read::ReadBack::Unlisted,
        };
        let found = match back {
            store::read::ReadBack::Intact(_) => Found::Listed,
            store::read::ReadBack::Replaced(_) => Found::Other,
            store::read::ReadBack::Missing => Found::Nothing,
            store::read::ReadBack::Unlisted => match store.get(&name).await? {
                Some(_) => Found::Other,
                None => Found::Nothing,
            },
        };
        read.insert(name, found);
    }
    Ok(read)
}

/// Read the published state and the source, and decide what to write.
/// Objects named in the `journal` of an interrupted or lost publish are
/// read back and rewritten unless they already hold the intended bytes;
/// its mark of the committed change log repairs a replaced one.
pub(super) async fn plan(
    store: &dyn Store,
    config: &RefreshConfig,
    now: DateTime<Utc>,
    journal: Journal,
) -> Result<Plan, RefreshError> {
    let Journal {
        names: dirty,
        committed_log: mark,
    } = journal;
    let published = read_previous(store, config).await?;
    let now = decide::publication_time(published.manifest.as_ref(), now);

    let (repos, page_cache, stats) = fetch(store, config).await?;
    // Parsing and hashing are CPU work: off the async threads, on every core.
    let label = config.label.clone();
    let (advisories, unparsed) = tokio::task::spawn_blocking(move || parse(&repos, &label))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    // The CNA's records of every id: a failure here never fails the run.
    let ids: Vec<_> = advisories.iter().map(|a| a.id.clone()).collect();
    let mut records = cverecords::fetch(store, &config.records, &ids, now).await;
    let record_cache = records.cache.take();
    let max_lag =
        chrono::TimeDelta::from_std(config.record_max_lag).unwrap_or(chrono::TimeDelta::MAX);
    let settings = config.site.fingerprint();
    let previous_manifest = published.manifest;
    let (feed, changes, record_stats, previous_manifest) = tokio::task::spawn_blocking(move || {
        let mut advisories = advisories;
        let checked = cross_check(&mut advisories, &records, max_lag);
        let mut record_stats = RecordStats {
            requests: records.requests,
            not_modified: records.not_modified,
            failures: records.failures,
            findings: checked.findings.len(),
        };
        record_stats
            .failures
            .extend(checked.unreadable.into_iter().map(|(id, _)| id));
        record_stats.failures.sort();
        record_stats.failures.dedup();
        let (feed, changes) = feed::build(
            advisories,
            checked.findings,
            previous_manifest.as_ref(),
            &settings,
            now,
        );
        (feed, changes, record_stats, previous_manifest)
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));

    let settings = settings_of(config);
    let previous = decide::Previous {
        manifest: previous_manifest.as_ref(),
        signature_current: published.signature_current,
    };
    let draft = decide::draft(previous, &feed, &changes, &settings, dirty).map_err(|shrink| {
        RefreshError::Shrink {
            ids: shrink.ids,
            tolerance: shrink.tolerance,
        }
    })?;
    let history = if draft.needs_log {
        Some(
            history::next(
                store,
                previous.manifest,
                &changes,
                &feed,
                &config.site,
                config.trust.retention,
                mark.as_ref(),
            )
            .await?,
        )
    } else {
        None
    };
    let read = read_back(store, previous.manifest, draft.reads()).await?;
    let decided = draft.finish(history.as_ref().map(|h| h.unchanged), &read);
    let committed_log = history.as_ref().and_then(|h| h.committed.clone());

    Ok(Plan {
        previous_version: published.version,
        summary: Summary {
            outcome: Outcome::Published,
            items: feed.items.len(),
            location: store.location(),
            changes,
            requests: stats.requests,
            not_modified: stats.not_modified,
            github_statuses: stats.by_status,
            rate_limit_remaining: stats.rate_limit_remaining,
            unparsed,
            cve_records: record_stats,
            written: Vec::new(),
            updated_at: feed.updated_at,
            hooks: Vec::new(),
        },
        decided,
        feed: Arc::new(feed),
        // Unread (and empty) only when the log is carried over, not due.
        log: Arc::new(history.map(|h| h.log).unwrap_or_default()),
        committed_log,
        page_cache,
        record_cache,
    })
}

/// The settings of `config` that decide what is published.
fn settings_of(config: &RefreshConfig) -> Settings {
    Settings {
        render_key: config.site.render_key(),
        generator: concat!("cvefeed ", env!("CARGO_PKG_VERSION")).into(),
        compat: config.compat_k8s_bucket,
        precompress: config.precompress,
        compressible: compress::is_compressible,
        public_key: config
            .trust
            .signer
            .as_ref()
            .filter(|_| config.trust.publish_public_key)
            .map(|s| s.public_key().to_pem()),
        shrink_tolerance: config.shrink_tolerance,
        allow_shrink: config.allow_shrink,
    }
}

/// Audit and merge every advisory with its CVE record, logging what could
/// not be read with the CVE id.
fn cross_check(
    advisories: &mut [cvefeed_model::advisory::Advisory],
    records: &cverecords::Records,
    max_lag: chrono::TimeDelta,
) -> cvefeed_model::cve5::CrossCheck {
    let checked = cvefeed_model::cve5::cross_check(advisories, |id| records.input(id), max_lag);
    for (id, e) in &checked.unreadable {
        tracing::warn!(id = %id, error = %crate::error::Chain(e), "cannot read the CVE record; the issue's data stands alone");
    }
    for (id, w) in &checked.warnings {
        tracing::warn!(id = %id, "{w}");
    }
    checked
}

/// Store the GitHub page cache and the CVE record cache, those the plan
/// carries new ones of; the names written. They are HTTP caches, right
/// whatever happens to the publish: they are written as soon as the
/// sources were read, and their memory freed before rendering.
pub(super) async fn store_caches(
    store: &dyn Store,
    plan: &mut Plan,
) -> Result<Vec<&'static str>, StoreError> {
    let mut written = Vec::new();
    for (name, bytes) in [
        (PAGE_CACHE, plan.page_cache.take()),
        (cverecords::CACHE, plan.record_cache.take()),
    ] {
        if let Some(bytes) = bytes {
            store
                .put(name, bytes, content_type::JSON, PutMode::Overwrite)
                .await?;
            written.push(name);
        }
    }
    Ok(written)
}

/// Nothing to publish: the plan's summary, as unchanged.
pub(super) fn finish_unchanged(plan: Plan) -> Summary {
    let mut summary = plan.summary;
    summary.outcome = Outcome::Unchanged;
    summary
}
