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
use super::{COMPAT_FEED, COMPAT_HASH, Outcome, PAGE_CACHE, RefreshConfig, RefreshError, Summary};
use crate::store::{PutMode, Store, StoreError, Version};
use cvefeed_model::feed::{self, Feed};
use cvefeed_model::manifest::{MANIFEST, Manifest, STATUS};
use cvefeed_model::render::{self, Part, content_type};

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
    /// Objects to render and write, in write order.
    pub(super) due: Vec<Due>,
    /// Objects to delete after the commit.
    pub(super) stale: Vec<String>,
    /// The GitHub page cache to store (compact JSON), if it changed.
    page_cache: Option<Vec<u8>>,
    /// The summary, `written` still empty.
    pub(super) summary: Summary,
}

impl Plan {
    /// Whether there is nothing to write: no object due or stale, and the
    /// manifest as published.
    pub(super) fn unchanged(&self) -> bool {
        self.due.is_empty() && self.stale.is_empty() && self.manifest_unchanged
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
    let mut stale: BTreeSet<String> = prev
        .into_iter()
        .flat_map(|m| m.objects.keys())
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
pub(super) async fn store_page_cache(
    store: &dyn Store,
    plan: &mut Plan,
) -> Result<bool, StoreError> {
    let Some(bytes) = plan.page_cache.take() else {
        return Ok(false);
    };
    store
        .put(PAGE_CACHE, bytes, content_type::JSON, PutMode::Overwrite)
        .await?;
    Ok(true)
}

/// Nothing to publish: the plan's summary, as unchanged.
pub(super) fn finish_unchanged(plan: Plan) -> Summary {
    let mut summary = plan.summary;
    summary.outcome = Outcome::Unchanged;
    summary
}
