//! Step 4: the commit. Take the publish lock only when something is to be
//! written, plan again under it if another writer published meanwhile,
//! have the due objects written into a publication and the stale ones
//! removed from it, then make it public with `manifest.json`, written by
//! compare-and-swap on the version planned against. The journal goes
//! after it.
//!
//! This step owns the lock, the order of the commit points (journal,
//! the publication's objects and removals, its commit with the manifest)
//! and the one retry after a lost compare-and-swap. How the commit makes
//! the publication public is the store's ([`crate::store::Publication`]).
//! It never renders and never decides what is due.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::plan::{Plan, finish_unchanged, plan, store_caches};
use super::write::{Writer, read_journal};
use super::{JOURNAL, RefreshConfig, RefreshError, Summary, to_json};
use crate::store::{PutMode, Store, StoreError, StoreLock};
use cvefeed_model::manifest::MANIFEST;
use cvefeed_model::render::SiteConfig;

/// Plan without a lock; lock and write only if something changed.
pub(super) async fn publish(
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
    let mut cache_written = store_caches(store, &mut first).await?;
    let with_cache = |mut summary: Summary, cache_written: Vec<&str>| {
        for name in cache_written {
            if !summary.written.iter().any(|w| w == name) {
                summary.written.push(name.to_string());
            }
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
        cache_written.extend(store_caches(store, &mut again).await?);
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
                cache_written.extend(store_caches(store, &mut planned).await?);
            }
            other => return other.map(|summary| with_cache(summary, cache_written)),
        }
    }
}

/// Write a plan under the lock: journal, then a publication of the due
/// objects and the removals, committed with `manifest.json` by
/// compare-and-swap, then journal removal. Names are added to `dirty`
/// before they are written, so a retry re-verifies them.
async fn apply(
    store: &dyn Store,
    site: &SiteConfig,
    plan: Plan,
    lock: Option<&mut StoreLock>,
    dirty: &mut BTreeSet<String>,
) -> Result<Summary, RefreshError> {
    let mut writer = Writer::new(store, lock, dirty);
    writer.write_journal(&plan).await?;
    let Plan {
        previous_version,
        mut manifest,
        feed,
        due,
        stale,
        mut summary,
        precompress,
        ..
    } = plan;
    let publication = store.begin().await?;
    writer
        .write_due(
            publication.as_ref(),
            site,
            feed,
            &due,
            precompress,
            &mut manifest,
        )
        .await?;
    for name in &stale {
        writer.keep_alive().await?;
        publication.remove(name).await?;
    }
    writer.keep_alive().await?;
    let mode = match previous_version {
        Some(v) => PutMode::Update(v),
        None => PutMode::Create,
    };
    publication.commit(to_json(&manifest), mode).await?;
    writer.written.push(MANIFEST.to_string());
    store.delete(JOURNAL).await?;
    summary.written = writer.written;
    Ok(summary)
}
