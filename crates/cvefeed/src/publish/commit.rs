//! Step 4: the commit. Take the publish lock only when something is to be
//! written, plan again under it if another writer published meanwhile,
//! have the due objects written, then make them public in one step:
//! `manifest.json`, written by compare-and-swap on the version planned
//! against. Stale objects and the journal go after it.
//!
//! This step owns the lock, the order of the commit points (journal,
//! objects, signature, `sync`, manifest, `sync`) and the one retry after a
//! lost compare-and-swap. It never renders and never decides what is due.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::plan::{Plan, finish_unchanged, plan, store_caches};
use super::write::{Inputs, Writer, read_journal};
use super::{JOURNAL, RefreshConfig, RefreshError, Summary, Trust, signing, to_json};
use crate::store::{PutMode, Store, StoreError, StoreLock};
use cvefeed_model::manifest::MANIFEST;
use cvefeed_model::render::{SiteConfig, content_type};
use cvefeed_model::signature::SIGNATURE;

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
        match apply(
            store,
            &config.site,
            &config.trust,
            planned,
            lock.as_mut(),
            &mut dirty,
        )
        .await
        {
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

/// Write a plan under the lock: journal, due objects, the signature,
/// `manifest.json` by compare-and-swap, deletions, journal removal. Names
/// are added to `dirty` before they are written, so a retry re-verifies
/// them.
async fn apply(
    store: &dyn Store,
    site: &SiteConfig,
    trust: &Trust,
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
        log,
        due,
        stale,
        mut summary,
        precompress,
        ..
    } = plan;
    let inputs = Inputs {
        feed,
        site: site.clone(),
        log,
        public_key: trust.signer.as_ref().map(|s| s.public_key()),
        precompress,
    };
    writer.write_due(inputs, &due, &mut manifest).await?;
    let manifest_bytes = to_json(&manifest);
    // The signature: one more object, written just before the manifest.
    if let Some(signer) = &trust.signer {
        writer.keep_alive().await?;
        signing::put(store, signer, &manifest_bytes).await?;
        writer.written.push(SIGNATURE.to_string());
    }
    // Everything the manifest names must be durable before it is.
    store.sync().await?;
    writer.keep_alive().await?;
    let mode = match previous_version {
        Some(v) => PutMode::Update(v),
        None => PutMode::Create,
    };
    if let Err(e) = store
        .put(MANIFEST, manifest_bytes, content_type::JSON, mode)
        .await
    {
        if let Some(signer) = &trust.signer {
            signing::restore(store, signer).await;
        }
        return Err(e.into());
    }
    store.sync().await?;
    writer.written.push(MANIFEST.to_string());
    if trust.signer.is_none() {
        // An unsigned publication carries no signature of an older manifest.
        store.delete(SIGNATURE).await?;
    }
    for name in &stale {
        writer.keep_alive().await?;
        store.delete(name).await?;
    }
    store.delete(JOURNAL).await?;
    summary.written = writer.written;
    Ok(summary)
}
