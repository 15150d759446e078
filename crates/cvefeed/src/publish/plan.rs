//! Step 2: the plan. Read the published manifest and the issues, build
//! the feed, refuse to shrink it, and decide which objects are due, all
//! without rendering anything and without writing anything but the GitHub
//! page cache.
//!
//! This step owns change detection at the object level (what is carried
//! over, what is due, what is stale) and the re-verification of objects an
//! interrupted publish may have left behind. It never renders or writes a
//! published object.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::issues::{fetch, parse};
use super::{
    COMPAT_FEED, COMPAT_HASH, Outcome, PAGE_CACHE, RecordStats, RefreshConfig, RefreshError,
    Summary, history, signing,
};
use crate::compress;
use crate::cverecords;
use crate::store::{PutMode, Store, StoreError, Version};
use cvefeed_model::changes::ChangeLog;
use cvefeed_model::feed::{self, Feed};
use cvefeed_model::manifest::{Coding, MANIFEST, Manifest, ObjectEntry, STATUS};
use cvefeed_model::render::{self, Part, changes, content_type};
use cvefeed_model::signature::PUBLIC_KEY;

/// What a run would write, computed from the store and the source without
/// rendering anything: an object is due when its inputs changed (its item,
/// or for the feeds and the archive the whole feed), when this build
/// renders differently ([`Manifest::render_key`]), or when an interrupted
/// publish may have left other bytes in it.
#[derive(Debug)]
pub(super) struct Plan {
    /// Version of the manifest planned against (`None`: no manifest yet).
    pub(super) previous_version: Option<Version>,
    /// Whether the new manifest equals the published one.
    manifest_unchanged: bool,
    /// The next manifest; `objects` holds the entries carried over, the
    /// due objects' entries are added as they are written.
    pub(super) manifest: Manifest,
    /// The feed to render the due objects from.
    pub(super) feed: Arc<Feed>,
    /// The change log to publish.
    pub(super) log: Arc<ChangeLog>,
    /// Whether the published signature is the current key's signature of
    /// the published manifest (always true when not signing).
    signature_current: bool,
    /// Objects to render and write, in write order.
    pub(super) due: Vec<Due>,
    /// Objects to delete after the commit.
    pub(super) stale: Vec<String>,
    /// The GitHub page cache to store (compact JSON), if it changed.
    page_cache: Option<Vec<u8>>,
    /// The CVE record cache to store (compact JSON), if it changed.
    record_cache: Option<Vec<u8>>,
    /// Whether text objects get `.gz` and `.br` siblings.
    pub(super) precompress: bool,
    /// The summary, `written` still empty.
    pub(super) summary: Summary,
}

impl Plan {
    /// Every name the due objects may be written under: their own, and with
    /// `precompress` their `.gz` and `.br` siblings (only text objects get
    /// them, but the name of one that does not is harmless here).
    pub(super) fn due_names(&self) -> Vec<String> {
        let names = self.due.iter().flat_map(|d| d.names(&self.feed));
        names
            .flat_map(|name| {
                let siblings = Coding::ALL
                    .iter()
                    .filter(|_| self.precompress)
                    .map(|c| c.sibling(&name))
                    .collect::<Vec<_>>();
                std::iter::once(name).chain(siblings)
            })
            .collect()
    }

    /// Whether there is nothing to write: no object due or stale, and the
    /// manifest as published.
    pub(super) fn unchanged(&self) -> bool {
        self.due.is_empty()
            && self.stale.is_empty()
            && self.manifest_unchanged
            && self.signature_current
    }
}

/// One due object (or pair of objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// A part of the publication.
    Part(Part),
    /// The upstream bucket names, [`COMPAT_FEED`] and [`COMPAT_HASH`],
    /// from the JSON Feed's bytes.
    Compat,
    /// The change log, `changes.json` and `changes.xml`.
    ChangeLog,
    /// The signing key's public half, `cvefeed.pub`.
    PublicKey,
}

impl Due {
    /// The object names this writes.
    pub(super) fn names(self, feed: &Feed) -> Vec<String> {
        match self {
            Due::Part(part) => vec![part.name(feed)],
            Due::Compat => vec![COMPAT_FEED.to_string(), COMPAT_HASH.to_string()],
            Due::ChangeLog => vec![
                changes::JSON_NAME.to_string(),
                changes::ATOM_NAME.to_string(),
            ],
            Due::PublicKey => vec![PUBLIC_KEY.to_string()],
        }
    }
}

/// Read the published state and the source, and decide what to write.
/// Objects named in `dirty` (from an interrupted or lost publish) are read
/// back and rewritten unless they already hold the intended bytes.
pub(super) async fn plan(
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
    let signature_current = signing::is_current(
        store,
        config.trust.signer.as_ref(),
        previous.as_ref().map(|f| f.bytes.as_slice()),
    )
    .await?;
    let previous_version = previous.map(|f| f.version);
    // Never date a publication before the one it replaces (clock skew
    // between writers).
    let now = previous_manifest
        .as_ref()
        .map_or(now, |m| now.max(m.updated_at));

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
    // The change log is read only when it may be written: not when the feed
    // is the published one and the log is listed and not left dirty.
    let log_names = Due::ChangeLog.names(&feed);
    let log_carried = same_feed
        && log_names
            .iter()
            .all(|n| !dirty.contains(n) && prev.is_some_and(|m| m.objects.contains_key(n)));
    let history = if log_carried {
        None
    } else {
        Some(
            history::next(
                store,
                prev,
                &changes,
                &feed,
                &config.site,
                config.trust.retention,
            )
            .await?,
        )
    };

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
    let mut wanted: Vec<(Due, bool)> = render::parts(&feed)
        .into_iter()
        .map(|part| {
            let same_inputs = match part {
                Part::Record(i) => {
                    let id = &feed.items[i].advisory.id;
                    same_build && prev.and_then(|m| m.items.get(id)) == manifest.items.get(id)
                }
                _ => same_feed,
            };
            (Due::Part(part), same_inputs)
        })
        .collect();
    if config.compat_k8s_bucket {
        wanted.push((Due::Compat, same_feed));
    }
    wanted.push((
        Due::ChangeLog,
        history.as_ref().is_none_or(|h| same_feed && h.unchanged),
    ));
    if let Some(signer) = config
        .trust
        .signer
        .as_ref()
        .filter(|_| config.trust.publish_public_key)
    {
        let sha256 = hex::encode(Sha256::digest(signer.public_key().to_pem()));
        let same_key = prev
            .and_then(|m| m.objects.get(PUBLIC_KEY))
            .is_some_and(|e| e.sha256 == sha256);
        wanted.push((Due::PublicKey, same_key));
    }
    for (object, same_inputs) in wanted {
        let object_names = object.names(&feed);
        let mut carried = Vec::new();
        for name in &object_names {
            let Some(entry) = prev
                .and_then(|m| m.objects.get(name))
                .filter(|e| same_inputs && has_wanted_encodings(e, config.precompress))
            else {
                break;
            };
            // Possibly overwritten by an unfinished or losing publish.
            let written = std::iter::once((name, &entry.sha256))
                .chain(entry.encodings.values().map(|e| (&e.name, &e.sha256)));
            let mut intact = true;
            for (name, sha256) in written.filter(|(n, _)| dirty.contains(*n)) {
                intact &= store
                    .get(name)
                    .await?
                    .is_some_and(|f| hex::encode(Sha256::digest(&f.bytes)) == *sha256);
            }
            if !intact {
                break;
            }
            carried.push((name.clone(), entry.clone()));
        }
        if carried.len() == object_names.len() {
            for (_, entry) in &carried {
                names.extend(entry.encodings.values().map(|e| e.name.clone()));
            }
            manifest.objects.extend(carried);
        } else {
            due.push(object);
            if config.precompress {
                for name in &object_names {
                    names.extend(Coding::ALL.iter().map(|c| c.sibling(name)));
                }
            }
        }
        names.extend(object_names);
    }
    let mut stale: BTreeSet<String> = prev
        .into_iter()
        .flat_map(|m| {
            m.objects.iter().flat_map(|(name, entry)| {
                std::iter::once(name).chain(entry.encodings.values().map(|e| &e.name))
            })
        })
        .filter(|name| !names.contains(*name))
        .cloned()
        .collect();
    // What a cut-short publish may have left under other names: only what
    // is there (a store that publishes atomically left nothing).
    for name in dirty {
        let extra = !name.starts_with('.')
            && name != MANIFEST
            && name != STATUS
            && !names.contains(name)
            && !stale.contains(name);
        if extra && store.get(name).await?.is_some() {
            stale.insert(name.clone());
        }
    }
    let stale: Vec<String> = stale.into_iter().collect();

    Ok(Plan {
        previous_version,
        manifest_unchanged: due.is_empty() && prev == Some(&manifest),
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
        manifest,
        feed: Arc::new(feed),
        // Unread (and empty) only when the log is carried over, not due.
        log: Arc::new(history.map(|h| h.log).unwrap_or_default()),
        signature_current,
        due,
        stale,
        page_cache,
        record_cache,
        precompress: config.precompress,
    })
}

/// Whether a published entry has the siblings this run wants: both codings
/// for a text object with `precompress`, none otherwise.
fn has_wanted_encodings(entry: &ObjectEntry, precompress: bool) -> bool {
    let wanted = precompress && compress::is_compressible(&entry.content_type);
    if wanted {
        Coding::ALL.iter().all(|c| entry.encodings.contains_key(c))
    } else {
        entry.encodings.is_empty()
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
