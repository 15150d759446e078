//! Part of step 2, the plan: the reads the change log of the next
//! publication is decided from. Read the published `changes.json` and,
//! when items changed, the previous `index.json` (each read back through
//! [`crate::store::read`] and checked against the manifest it is planned
//! on), and hand them to the model, which decides the log
//! ([`cvefeed_model::plan::next_log`]).
//!
//! Because the plan is made again under the publish lock and after a lost
//! compare-and-swap, the log only ever grows from the committed one: two
//! refreshers never lose each other's events. Owns reading the previous
//! log and feed; decides nothing and never writes.

use std::collections::{BTreeMap, BTreeSet};

use super::RefreshError;
use crate::store::Store;
use crate::store::read::{Published, ReadBack};
use cvefeed_model::advisory::CveId;
use cvefeed_model::changes::{self, ChangeLog, LogMark, Retention};
use cvefeed_model::feed::{Changes, Feed};
use cvefeed_model::manifest::Manifest;
use cvefeed_model::plan::{self as decide, LogRead, PreviousLog, Repair};
use cvefeed_model::render::{SiteConfig, changes::JSON_NAME, jsonfeed};

/// The next change log.
#[derive(Debug)]
pub(super) struct History {
    /// The log to publish.
    pub(super) log: ChangeLog,
    /// Whether it is the published log unchanged (nothing recorded, and
    /// the published one read back intact).
    pub(super) unchanged: bool,
    /// The mark of the committed log it grows from, for the journal.
    pub(super) committed: Option<LogMark>,
}

/// The log after this run, as the model decides it ([`decide::next_log`])
/// from the published log and the previous items read back here, and the
/// `mark` of the committed log from the journal of a publish cut short.
pub(super) async fn next(
    store: &dyn Store,
    previous: Option<&Manifest>,
    changes: &Changes,
    feed: &Feed,
    site: &SiteConfig,
    retention: Retention,
    mark: Option<&LogMark>,
) -> Result<History, RefreshError> {
    let Some(manifest) = previous else {
        let next = decide::next_log(None, changes, feed, site, retention);
        return Ok(History {
            log: next.log,
            unchanged: next.unchanged,
            committed: next.committed,
        });
    };
    let published = Published::new(store, manifest);
    let log = read_log(store, &published).await?;
    let items = previous_items(&published, changes).await?;
    let previous = PreviousLog {
        manifest,
        log: &log,
        items: items.as_ref(),
        mark,
    };
    let next = decide::next_log(Some(previous), changes, feed, site, retention);
    match next.repair {
        Some(Repair::Journal { dropped } | Repair::Exact { dropped }) => tracing::warn!(
            dropped,
            "{JSON_NAME} was replaced by a publish that did not commit; its events are dropped"
        ),
        Some(Repair::ByTime { dropped }) => tracing::warn!(
            dropped,
            "{JSON_NAME} was replaced by a publish that did not commit and was pruned since; events \
             after the committed manifest are dropped"
        ),
        None => {}
    }
    Ok(History {
        log: next.log,
        unchanged: next.unchanged,
        committed: next.committed,
    })
}

/// The published `changes.json`, read back and parsed. The listed one
/// that does not parse fails the run; a replaced one that does not parse
/// is lost (the log starts again).
async fn read_log(store: &dyn Store, published: &Published<'_>) -> Result<LogRead, RefreshError> {
    Ok(match published.read_back(JSON_NAME).await? {
        ReadBack::Unlisted => LogRead::Unlisted,
        ReadBack::Intact(bytes) => {
            LogRead::Intact(serde_json::from_slice(&bytes).map_err(|source| {
                RefreshError::CorruptChangeLog {
                    location: store.location(),
                    source,
                }
            })?)
        }
        ReadBack::Replaced(bytes) => match serde_json::from_slice::<ChangeLog>(&bytes) {
            Ok(log) => LogRead::Replaced(log),
            Err(_) => {
                tracing::warn!(
                    "the replaced {JSON_NAME} is unreadable; the change log starts again"
                );
                LogRead::Lost
            }
        },
        ReadBack::Missing => {
            tracing::warn!(
                "{JSON_NAME} is listed in the manifest but missing; the change log starts again"
            );
            LogRead::Lost
        }
    })
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
