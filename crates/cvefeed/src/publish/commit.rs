//! Steps 1 and 4, and the driver of steps 2 and 3: read the journal,
//! plan without a lock, and take the publish lock only when something is
//! to be written; plan again under it if another writer published
//! meanwhile, have the due objects written into a publication and the
//! stale ones removed from it, then make it public with `manifest.json`,
//! written by compare-and-swap on the version planned against. The
//! journal goes after it.
//!
//! This step owns the lock, the order of the commit points (journal,
//! the publication's objects and removals, the signature, its commit with
//! the manifest) and the one retry after a lost compare-and-swap, which
//! plans again with the lost try's journal as the dirty names. How the
//! commit makes the publication public is the store's
//! ([`crate::store::Publication`]). It never renders and never decides
//! what is due.

use chrono::{DateTime, Utc};

use super::plan::{Plan, finish_unchanged, plan, store_caches};
use super::write::{Inputs, Writer, read_journal};
use super::{JOURNAL, RefreshConfig, RefreshError, Summary, Trust, signing, to_json};
use crate::error::Chain;
use crate::store::{PutMode, Store, StoreError, StoreLock};
use cvefeed_model::manifest::MANIFEST;
use cvefeed_model::plan as decide;
use cvefeed_model::render::SiteConfig;
use cvefeed_model::signature::{SIGNATURE, SIGNATURE_CONTENT_TYPE};

/// Plan without a lock; lock and write only if something changed.
pub(super) async fn publish(
    store: &dyn Store,
    config: &RefreshConfig,
    now: DateTime<Utc>,
    lock: &mut Option<StoreLock>,
) -> Result<Summary, RefreshError> {
    let journal = read_journal(store).await?;
    let mut first = plan(store, config, now, journal.clone().unwrap_or_default()).await?;
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
    let mut journal_exists = journal_now.is_some();
    let mut planned = if current == first.previous_version && journal_now == journal {
        first
    } else {
        tracing::info!("another refresher published while this one was reading; planning again");
        let mut again = plan(store, config, now, journal_now.unwrap_or_default()).await?;
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
        // What this try may leave other bytes in: a retry re-verifies it.
        let dirty = planned.journal();
        match apply(store, &config.site, &config.trust, planned, lock.as_mut()).await {
            Err(RefreshError::Store(StoreError::Conflict { name, .. }))
                if name == MANIFEST && !retried =>
            {
                tracing::warn!(
                    "lost the race for {MANIFEST}: another writer committed first; re-reading the \
                     store, re-verifying the objects this run wrote, and trying once more"
                );
                retried = true;
                planned = plan(store, config, now, dirty).await?;
                cache_written.extend(store_caches(store, &mut planned).await?);
            }
            other => return other.map(|summary| with_cache(summary, cache_written)),
        }
    }
}

/// Write a plan under the lock: journal, then a publication of the due
/// objects, the removals and the signature, committed with
/// `manifest.json` by compare-and-swap, then journal removal.
async fn apply(
    store: &dyn Store,
    site: &SiteConfig,
    trust: &Trust,
    plan: Plan,
    lock: Option<&mut StoreLock>,
) -> Result<Summary, RefreshError> {
    let mut writer = Writer::new(store, lock);
    writer.write_journal(&plan).await?;
    let Plan {
        previous_version,
        decided,
        feed,
        log,
        mut summary,
        ..
    } = plan;
    let decide::Plan {
        mut manifest,
        due,
        stale,
        precompress,
        ..
    } = decided;
    let publication = store.begin().await?;
    let inputs = Inputs {
        feed,
        site: site.clone(),
        log,
        public_key: trust.signer.as_ref().map(|s| s.public_key()),
        precompress,
    };
    writer
        .write_due(publication.as_ref(), inputs, &due, &mut manifest)
        .await?;
    for name in &stale {
        writer.keep_alive().await?;
        publication.remove(name).await?;
    }
    let manifest_bytes = to_json(&manifest);
    // The signature: one more object of the publication, written just
    // before the manifest (in a bucket), or in the same generation (on
    // disk). An unsigned publication carries no signature of an older
    // manifest.
    writer.keep_alive().await?;
    match &trust.signer {
        Some(signer) => {
            publication
                .put(
                    SIGNATURE,
                    signer.sign(&manifest_bytes),
                    SIGNATURE_CONTENT_TYPE,
                )
                .await?;
            writer.written.push(SIGNATURE.to_string());
        }
        None => publication.remove(SIGNATURE).await?,
    }
    writer.keep_alive().await?;
    let mode = match previous_version {
        Some(v) => PutMode::Update(v),
        None => PutMode::Create,
    };
    if let Err(e) = publication.commit(manifest_bytes, mode).await {
        // A bucket may show the new signature beside the old manifest; a
        // directory discarded the publication whole, and a signature put
        // outside its generation would outlive the next switch.
        if let Some(signer) = &trust.signer
            && !store.commits_atomically()
        {
            signing::restore(store, signer).await;
        }
        return Err(e.into());
    }
    writer.written.push(MANIFEST.to_string());
    // The publication is public now: a journal left behind only makes the
    // next run verify what it names, so its removal failing is no failure
    // of this run (which would report "nothing published").
    if let Err(e) = store.delete(JOURNAL).await {
        tracing::warn!(
            error = %Chain(&e),
            "published, but {JOURNAL} could not be removed; the next run verifies the objects it names"
        );
    }
    summary.written = writer.written;
    Ok(summary)
}
