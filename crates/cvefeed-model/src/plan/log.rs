//! The change log of the next publication, as a pure function of what the
//! shell read back: the published log (intact, replaced by a publish that
//! did not commit, lost, or never listed), the previous items of the
//! changed ids, and this run's feed and changes.
//!
//! Owns the rules: the first publication is the baseline (no events);
//! a publication from before the log starts none (history is never
//! invented); a replaced log is repaired to the committed one (by the
//! journal's [`LogMark`] when it has one for the manifest planned on, else
//! by [`ChangeLog::committed_prefix`], else by time); this run's events are
//! appended at the feed's `updated_at` and retention applied. It must not
//! read anything, parse bytes, or decide the events' fields (that is
//! [`crate::changes`]).

use std::collections::BTreeMap;

use crate::advisory::CveId;
use crate::changes::{self, ChangeLog, ItemValues, LogMark, Retention};
use crate::feed::{Changes, Feed};
use crate::manifest::Manifest;
use crate::render::{SiteConfig, changes::JSON_NAME};

/// The published `changes.json`, as read back against the manifest
/// planned on.
#[derive(Debug, Clone, PartialEq)]
pub enum LogRead {
    /// The manifest lists none.
    Unlisted,
    /// The listed log, with the bytes the manifest pins.
    Intact(ChangeLog),
    /// A log a publish that did not commit left in place of the listed
    /// one: the committed log with that publish's events appended.
    Replaced(ChangeLog),
    /// Listed, but missing, or replaced by bytes that are no change log.
    Lost,
}

/// The previous publication, as far as the change log needs it.
#[derive(Debug, Clone, Copy)]
pub struct PreviousLog<'a> {
    /// The manifest planned on.
    pub manifest: &'a Manifest,
    /// Its change log, as read back.
    pub log: &'a LogRead,
    /// The previous items of the changed ids (`None` when they could not
    /// be read: the events then name no fields).
    pub items: Option<&'a BTreeMap<CveId, ItemValues>>,
    /// The committed log's mark, from the journal of a publish cut short
    /// (`None`: no journal, or one written by an older version).
    pub mark: Option<&'a LogMark>,
}

/// How a replaced log was put back to the committed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// To the exact committed log, cut where the journal's mark says
    /// (its hash is the manifest's).
    Journal {
        /// How many events of the uncommitted publish went.
        dropped: usize,
    },
    /// To the exact committed log, found by searching the prefixes for
    /// the manifest's hash (a journal without a mark).
    Exact {
        /// How many events of the uncommitted publish went.
        dropped: usize,
    },
    /// No prefix has the manifest's hash (retention pruned the log since):
    /// the events dated after the committed manifest went.
    ByTime {
        /// How many went.
        dropped: usize,
    },
}

/// The log of the next publication.
#[derive(Debug, Clone, PartialEq)]
pub struct NextLog {
    /// The log to publish.
    pub log: ChangeLog,
    /// Whether it is the published log unchanged (nothing recorded, and
    /// the published one read back intact).
    pub unchanged: bool,
    /// How a replaced log was repaired, if it was.
    pub repair: Option<Repair>,
    /// The mark of the committed log this one grows from, for the journal
    /// of its publish (`None` when no committed log has the manifest's
    /// hash: a first, lost or time-cut log).
    pub committed: Option<LogMark>,
}

/// The log after this run: the published one (`previous`, `None` before
/// the first publication), repaired if a publish cut short replaced it,
/// with the events of `changes` appended at the feed's `updated_at`, and
/// `retention` applied.
pub fn next_log(
    previous: Option<PreviousLog<'_>>,
    changes: &Changes,
    feed: &Feed,
    site: &SiteConfig,
    retention: Retention,
) -> NextLog {
    let Some(previous) = previous else {
        // The first publication is the baseline, not a list of additions.
        return NextLog {
            log: ChangeLog::new(),
            unchanged: false,
            repair: None,
            committed: None,
        };
    };
    let sha256 = previous
        .manifest
        .objects
        .get(JSON_NAME)
        .map(|e| e.sha256.as_str());
    let (mut log, intact, repair) = match previous.log {
        LogRead::Intact(log) => (log.clone(), true, None),
        LogRead::Replaced(log) => {
            let (log, repair) = repaired(log, previous.manifest, previous.mark);
            (log, false, Some(repair))
        }
        LogRead::Unlisted | LogRead::Lost => (ChangeLog::new(), false, None),
    };
    // The log grows from the one the manifest names only when that one
    // was read intact or repaired exactly.
    let exact = matches!(previous.log, LogRead::Intact(_))
        || matches!(repair, Some(Repair::Journal { .. } | Repair::Exact { .. }));
    let committed = sha256
        .filter(|_| exact)
        .map(|sha256| LogMark::of(&log, sha256));
    let at = feed.updated_at;
    let recorded = !changes.is_empty();
    if recorded {
        log.record(changes::events(changes, previous.items, feed, site, at));
    }
    log.retain(retention, at);
    NextLog {
        log,
        unchanged: intact && !recorded,
        repair,
        committed,
    }
}

/// The committed log, from `replaced`: cut where the journal's `mark`
/// says, when it is the mark of the log the manifest names; or else its
/// prefix with the hash the manifest names; or else its events up to the
/// manifest's time.
fn repaired(
    replaced: &ChangeLog,
    manifest: &Manifest,
    mark: Option<&LogMark>,
) -> (ChangeLog, Repair) {
    let committed = manifest.updated_at;
    let sha256 = manifest.objects.get(JSON_NAME).map(|e| &e.sha256);
    if let Some(mark) = mark.filter(|m| Some(&m.sha256) == sha256)
        && let Some(exact) = replaced.committed_by_mark(mark)
    {
        let dropped = replaced.events.len() - exact.events.len();
        return (exact, Repair::Journal { dropped });
    }
    if let Some(sha256) = sha256
        && let Some(exact) = replaced.committed_prefix(sha256, committed)
    {
        let dropped = replaced.events.len() - exact.events.len();
        return (exact, Repair::Exact { dropped });
    }
    let mut log = replaced.clone();
    let dropped = log.drop_after(committed);
    (log, Repair::ByTime { dropped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::{Event, EventKind};
    use crate::manifest::ObjectEntry;
    use chrono::{DateTime, Utc};
    use sha2::{Digest, Sha256};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn id(n: u64) -> CveId {
        format!("CVE-2031-{n:04}").parse().unwrap()
    }

    fn event(when: &str, n: u64, kind: EventKind) -> Event {
        Event::bare(at(when), &id(n), kind)
    }

    const COMMITTED: &str = "2031-01-01T00:00:00Z";
    const NOW: &str = "2031-02-01T00:00:00Z";

    /// The feed of advisories 1 and 2, over a manifest that published
    /// only advisory 1 (so advisory 2 is added), at [`NOW`].
    fn feed_and_changes(previous: Option<&Manifest>) -> (Feed, Changes) {
        let advisories = [1, 2]
            .iter()
            .map(|n| crate::testing::advisory(id(*n).as_str(), *n, "body"))
            .collect();
        crate::feed::build(advisories, vec![], previous, "settings", at(NOW))
    }

    /// The manifest of the publication of advisory 1 at [`COMMITTED`],
    /// listing `log` as its `changes.json` when given.
    fn manifest(log: Option<&ChangeLog>) -> Manifest {
        let advisories = vec![crate::testing::advisory(id(1).as_str(), 1, "body")];
        let (feed, _) = crate::feed::build(advisories, vec![], None, "settings", at(COMMITTED));
        let mut manifest = Manifest {
            manifest_version: Manifest::VERSION,
            generator: "test".into(),
            updated_at: at(COMMITTED),
            content_hash: feed.content_hash.clone(),
            render_key: "key".into(),
            objects: BTreeMap::new(),
            items: crate::feed::item_states(&feed),
        };
        if let Some(log) = log {
            let bytes = log.to_json().unwrap();
            manifest.objects.insert(
                JSON_NAME.to_string(),
                ObjectEntry {
                    sha256: sha_of(log),
                    size: bytes.len() as u64,
                    content_type: "application/json".into(),
                    encodings: BTreeMap::new(),
                },
            );
        }
        manifest
    }

    fn sha_of(log: &ChangeLog) -> String {
        hex::encode(Sha256::digest(log.to_json().unwrap()))
    }

    fn retention() -> Retention {
        Retention {
            events: 1000,
            age: chrono::Duration::days(3650),
        }
    }

    fn committed_log() -> ChangeLog {
        let mut log = ChangeLog::new();
        log.record(vec![event(COMMITTED, 1, EventKind::Added)]);
        log
    }

    fn next(manifest: &Manifest, read: &LogRead) -> NextLog {
        next_marked(manifest, read, None)
    }

    fn next_marked(manifest: &Manifest, read: &LogRead, mark: Option<&LogMark>) -> NextLog {
        let (feed, changes) = feed_and_changes(Some(manifest));
        let previous = PreviousLog {
            manifest,
            log: read,
            items: None,
            mark,
        };
        next_log(
            Some(previous),
            &changes,
            &feed,
            &SiteConfig::default(),
            retention(),
        )
    }

    #[test]
    fn the_first_publication_is_the_baseline() {
        let (feed, changes) = feed_and_changes(None);
        assert_eq!(changes.added, [id(1), id(2)]);
        let next = next_log(None, &changes, &feed, &SiteConfig::default(), retention());
        assert_eq!(
            next,
            NextLog {
                log: ChangeLog::new(),
                unchanged: false,
                repair: None,
                committed: None,
            }
        );
    }

    #[test]
    fn the_events_of_a_run_are_appended_to_the_intact_log() {
        let log = committed_log();
        let manifest = manifest(Some(&log));
        let next = next(&manifest, &LogRead::Intact(log.clone()));
        let mut expected = log;
        expected.record(vec![event(NOW, 2, EventKind::Added)]);
        assert_eq!(next.log, expected);
        assert!(!next.unchanged);
        assert_eq!(next.repair, None);
        assert_eq!(
            next.committed,
            Some(LogMark::of(&committed_log(), &sha_of(&committed_log())))
        );
    }

    #[test]
    fn an_intact_log_with_nothing_recorded_is_unchanged() {
        let log = committed_log();
        let manifest = manifest(Some(&log));
        let (feed, _) = feed_and_changes(Some(&manifest));
        let read = LogRead::Intact(log.clone());
        let previous = PreviousLog {
            manifest: &manifest,
            log: &read,
            items: None,
            mark: None,
        };
        let next = next_log(
            Some(previous),
            &Changes::default(),
            &feed,
            &SiteConfig::default(),
            retention(),
        );
        assert_eq!(next.log, log);
        assert!(next.unchanged);
    }

    #[test]
    fn an_unlisted_or_lost_log_starts_again_with_this_runs_events() {
        let manifest = manifest(None);
        for read in [LogRead::Unlisted, LogRead::Lost] {
            let next = next(&manifest, &read);
            let mut expected = ChangeLog::new();
            expected.record(vec![event(NOW, 2, EventKind::Added)]);
            assert_eq!(next.log, expected, "{read:?}");
            assert!(!next.unchanged);
            assert_eq!(next.repair, None);
            assert_eq!(next.committed, None);
        }
    }

    #[test]
    fn a_replaced_log_is_repaired_exactly_then_appended_to() {
        let log = committed_log();
        let manifest = manifest(Some(&log));
        // The publish cut short had its clock behind: same time.
        let mut replaced = log.clone();
        replaced.record(vec![event(COMMITTED, 7, EventKind::Added)]);
        let next = next(&manifest, &LogRead::Replaced(replaced));
        let mut expected = log;
        expected.record(vec![event(NOW, 2, EventKind::Added)]);
        assert_eq!(next.log, expected);
        assert!(!next.unchanged);
        assert_eq!(next.repair, Some(Repair::Exact { dropped: 1 }));
        assert_eq!(
            next.committed,
            Some(LogMark::of(&committed_log(), &sha_of(&committed_log())))
        );
    }

    #[test]
    fn a_replaced_log_is_cut_where_the_journal_mark_says() {
        let log = committed_log();
        let manifest = manifest(Some(&log));
        let mark = LogMark::of(&log, &sha_of(&log));
        let mut replaced = log.clone();
        replaced.record(vec![
            event(COMMITTED, 7, EventKind::Added),
            event(COMMITTED, 8, EventKind::Added),
        ]);
        let next = next_marked(&manifest, &LogRead::Replaced(replaced.clone()), Some(&mark));
        let mut expected = log.clone();
        expected.record(vec![event(NOW, 2, EventKind::Added)]);
        assert_eq!(next.log, expected);
        assert_eq!(next.repair, Some(Repair::Journal { dropped: 2 }));
        assert_eq!(next.committed, Some(mark.clone()));
        // A mark of another log than the manifest's: the search decides.
        let other = LogMark {
            sha256: sha_of(&ChangeLog::new()),
            events: 0,
        };
        let searched = next_marked(
            &manifest,
            &LogRead::Replaced(replaced.clone()),
            Some(&other),
        );
        assert_eq!(searched.log, expected);
        assert_eq!(searched.repair, Some(Repair::Exact { dropped: 2 }));
        // A mark whose cut does not hash to it: the search decides too.
        let wrong = LogMark { events: 2, ..mark };
        let searched = next_marked(&manifest, &LogRead::Replaced(replaced), Some(&wrong));
        assert_eq!(searched.log, expected);
        assert_eq!(searched.repair, Some(Repair::Exact { dropped: 2 }));
    }

    #[test]
    fn a_replaced_log_without_the_committed_prefix_is_cut_by_time() {
        let log = committed_log();
        // The manifest names another hash (the log was pruned since).
        let manifest = manifest(Some(&ChangeLog::new()));
        let mut replaced = log.clone();
        replaced.record(vec![event("2031-01-15T00:00:00Z", 7, EventKind::Added)]);
        let next = next(&manifest, &LogRead::Replaced(replaced));
        let mut expected = log;
        expected.record(vec![event(NOW, 2, EventKind::Added)]);
        assert_eq!(next.log, expected);
        assert_eq!(next.repair, Some(Repair::ByTime { dropped: 1 }));
        assert_eq!(next.committed, None);
    }
}
