//! Part of step 2, the plan: the change log of the next publication. Read
//! the published `changes.json` and, when items changed, the previous
//! `index.json` (each read back through [`crate::store::read`] and checked
//! against the manifest it is planned on), and
//! append this run's events ([`cvefeed_model::changes`]).
//!
//! Because the plan is made again under the publish lock and after a lost
//! compare-and-swap, the log only ever grows from the committed one: two
//! refreshers never lose each other's events. Owns reading the previous
//! log and feed; never writes.

use std::collections::{BTreeMap, BTreeSet};

use super::RefreshError;
use crate::store::Store;
use crate::store::read::{Published, ReadBack};
use cvefeed_model::advisory::CveId;
use cvefeed_model::changes::{self, ChangeLog, Retention};
use cvefeed_model::feed::{Changes, Feed};
use cvefeed_model::manifest::Manifest;
use cvefeed_model::render::{SiteConfig, changes::JSON_NAME, jsonfeed};

/// The next change log.
#[derive(Debug)]
pub(super) struct History {
    /// The log to publish.
    pub(super) log: ChangeLog,
    /// Whether it is the published log unchanged (nothing recorded, and
    /// the published one read back intact).
    pub(super) unchanged: bool,
}

/// The log after this run: the published one (none before the first
/// publish, or before a publication had a log: history is never invented),
/// with the events of `changes` appended at the feed's `updated_at`, and
/// `retention` applied.
pub(super) async fn next(
    store: &dyn Store,
    previous: Option<&Manifest>,
    changes: &Changes,
    feed: &Feed,
    site: &SiteConfig,
    retention: Retention,
) -> Result<History, RefreshError> {
    let Some(previous) = previous else {
        // The first publication is the baseline, not a list of additions.
        return Ok(History {
            log: ChangeLog::new(),
            unchanged: false,
        });
    };
    let published = Published::new(store, previous);
    let (mut log, intact) = match published.read_back(JSON_NAME).await? {
        ReadBack::Unlisted => (ChangeLog::new(), false),
        ReadBack::Intact(bytes) => {
            let log = serde_json::from_slice(&bytes).map_err(|source| {
                RefreshError::CorruptChangeLog {
                    location: store.location(),
                    source,
                }
            })?;
            (log, true)
        }
        ReadBack::Replaced(bytes) => (recover(&bytes, previous), false),
        ReadBack::Missing => {
            tracing::warn!(
                "{JSON_NAME} is listed in the manifest but missing; the change log starts again"
            );
            (ChangeLog::new(), false)
        }
    };
    let at = feed.updated_at;
    if !changes.is_empty() {
        let previous_items = previous_items(&published, changes).await?;
        log.record(changes::events(
            changes,
            previous_items.as_ref(),
            feed,
            site,
            at,
        ));
    }
    let recorded = !changes.is_empty();
    log.retain(retention, at);
    Ok(History {
        log,
        unchanged: intact && !recorded,
    })
}

/// The committed log, from the `changes.json` a publish cut short left:
/// that log with its own events appended (which never became public).
fn recover(bytes: &[u8], previous: &Manifest) -> ChangeLog {
    let Ok(mut log) = serde_json::from_slice::<ChangeLog>(bytes) else {
        tracing::warn!("the replaced {JSON_NAME} is unreadable; the change log starts again");
        return ChangeLog::new();
    };
    let committed = previous.updated_at;
    if let Some(sha256) = previous.objects.get(JSON_NAME).map(|e| &e.sha256)
        && let Some(exact) = log.committed_prefix(sha256, committed)
    {
        tracing::warn!(
            dropped = log.events.len() - exact.events.len(),
            "{JSON_NAME} was replaced by a publish that did not commit; its events are dropped"
        );
        return exact;
    }
    let dropped = log.drop_after(committed);
    tracing::warn!(
        dropped,
        "{JSON_NAME} was replaced by a publish that did not commit and was pruned since; events \
         after the committed manifest are dropped"
    );
    log
}

/// The previous items of the changed ids, from the published `index.json`;
/// `None` (the events then name no fields) when it is not the one the
/// manifest names or cannot be read.
async fn previous_items(
    published: &Published<'_>,
    changes: &Changes,
) -> Result<Option<BTreeMap<CveId, changes::ItemValues>>, RefreshError> {
    if changes.changed.is_empty() {
        return Ok(None);
    }
    let bytes = match published.read_back(jsonfeed::NAME).await? {
        ReadBack::Intact(bytes) => bytes,
        _ => {
            tracing::warn!(
                "the published {} is not the one the manifest names; change events will not name fields",
                jsonfeed::NAME
            );
            return Ok(None);
        }
    };
    let wanted: BTreeSet<CveId> = changes.changed.iter().cloned().collect();
    let parsed = tokio::task::spawn_blocking(move || changes::previous_items(&bytes, &wanted))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    Ok(parsed
        .inspect_err(|e| {
            tracing::warn!(error = %e, "the published {} is unreadable; change events will not name fields", jsonfeed::NAME);
        })
        .ok())
}
