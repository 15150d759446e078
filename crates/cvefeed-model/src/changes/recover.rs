//! Recovery of the committed change log from the `changes.json` a
//! publish cut short left behind: that publish appended its events (which
//! never became public) to the committed log.
//!
//! Owns the exact repair (the committed log's event count and sha256, as
//! the journal written before the publish recorded them ([`LogMark`]);
//! for a journal without them, the committed prefix found by the sha256
//! the committed manifest names) and the fallback by time. It must not
//! touch events or retention.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ChangeLog, Event};

/// The committed change log as a publish's journal records it before
/// anything is written: how many events it holds and the sha256 of its
/// `changes.json`. A log that publish replaces starts with those events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMark {
    /// How many events the committed log holds.
    pub events: usize,
    /// Hex sha256 of its `changes.json`.
    pub sha256: String,
}

impl LogMark {
    /// The mark of `log`, committed as bytes with hex sha256 `sha256`.
    pub fn of(log: &ChangeLog, sha256: &str) -> LogMark {
        LogMark {
            events: log.events.len(),
            sha256: sha256.to_string(),
        }
    }
}

impl ChangeLog {
    /// The committed log by a journal's `mark`: this log cut to
    /// `mark.events` events, when that cut has the sha256 `mark` records
    /// (`None` otherwise: retention dropped events since, or the mark is of
    /// another log).
    pub fn committed_by_mark(&self, mark: &LogMark) -> Option<ChangeLog> {
        let cut = ChangeLog {
            version: self.version,
            events: self.events.get(..mark.events)?.to_vec(),
        };
        let bytes = cut.to_json().ok()?;
        (hex::encode(Sha256::digest(&bytes)) == mark.sha256).then_some(cut)
    }

    /// Drop events dated after `committed`: the log of a publish that was
    /// cut short before its manifest (whose `updated_at` is `committed`)
    /// holds events that never became public. Returns how many went. (A
    /// publish whose clock was behind dates its events `committed` too;
    /// see [`ChangeLog::committed_prefix`] for the exact repair.)
    pub fn drop_after(&mut self, committed: DateTime<Utc>) -> usize {
        let before = self.events.len();
        self.events.retain(|e| e.at.0 <= committed);
        before - self.events.len()
    }

    /// The log as it was committed, when this one is that log with the
    /// events of a publish that was cut short appended: the longest prefix
    /// that ends before the events dated `committed` or later and whose
    /// `changes.json` has the sha256 the committed manifest names.
    ///
    /// Only the prefixes the events of one publish can follow are hashed:
    /// those events share one time, no earlier than `committed`, and come
    /// in the order of their ids. So the cut is the end of the log, or a
    /// place after which the events share one time in id order and which
    /// either lies between two times or among events dated `committed`
    /// (a publish whose clock was behind dates its events `committed`,
    /// like the committed publish's own).
    pub fn committed_prefix(&self, sha256: &str, committed: DateTime<Utc>) -> Option<ChangeLog> {
        let events = &self.events;
        let first_candidate = events
            .iter()
            .rposition(|e| e.at.0 < committed)
            .map_or(0, |i| i + 1);
        // Where the longest tail of one time in id order starts.
        let mut tail = events.len().saturating_sub(1);
        while tail > 0
            && events[tail - 1].at == events[tail].at
            && events[tail - 1].id <= events[tail].id
        {
            tail -= 1;
        }
        let cut = |len: usize| {
            len == events.len()
                || len == 0
                || events[len - 1].at != events[len].at
                || events[len].at.0 == committed
        };
        let shortest = first_candidate.max(tail);
        let prefix = |len: usize| ChangeLog {
            version: self.version,
            events: events[..len].to_vec(),
        };
        // Every candidate is hashed in one pass over the events: the bytes
        // of a prefix are the log's head, its events joined by `,\n`, and
        // the log's tail, so the hasher is fed each event once and cloned
        // at each candidate to add the tail.
        let mut longest = (shortest == 0)
            .then(|| prefix(0).to_json().ok())
            .flatten()
            .filter(|bytes| hex::encode(Sha256::digest(bytes)) == sha256)
            .map(|_| 0);
        if let Some(frame) = Frame::of(self) {
            let mut hasher = Sha256::new();
            hasher.update(&frame.head);
            for (i, event) in events.iter().enumerate() {
                if i > 0 {
                    hasher.update(b",\n");
                }
                hasher.update(indented(event)?);
                let len = i + 1;
                if len >= shortest && cut(len) {
                    let mut candidate = hasher.clone();
                    candidate.update(&frame.tail);
                    if hex::encode(candidate.finalize()) == sha256 {
                        longest = Some(len);
                    }
                }
            }
        }
        longest.map(prefix)
    }
}

/// What surrounds the events in the `changes.json` of a log with events:
/// the bytes before the first and after the last.
struct Frame {
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Frame {
    /// The frame of `log`'s documents, found around its first event in
    /// the document of that event alone; `None` for a log without events.
    fn of(log: &ChangeLog) -> Option<Frame> {
        let first = log.events.first()?;
        let one = ChangeLog {
            version: log.version,
            events: vec![first.clone()],
        }
        .to_json()
        .ok()?;
        let event = indented(first)?;
        let at = one.windows(event.len()).position(|w| w == event)?;
        Some(Frame {
            head: one[..at].to_vec(),
            tail: one[at + event.len()..].to_vec(),
        })
    }
}

/// An event as `changes.json` writes it: pretty JSON, indented to its
/// place in the `events` array (JSON strings hold no raw newline, so every
/// newline starts a line of the event).
fn indented(event: &Event) -> Option<Vec<u8>> {
    const INDENT: &[u8] = b"    ";
    let pretty = serde_json::to_vec_pretty(event).ok()?;
    let mut out = INDENT.to_vec();
    for byte in pretty {
        out.push(byte);
        if byte == b'\n' {
            out.extend_from_slice(INDENT);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{event_at, t};
    use super::*;

    #[test]
    fn the_events_of_a_publish_cut_short_are_told_from_the_committed_ones() {
        let mut committed = ChangeLog::new();
        committed.record(vec![event_at("2031-01-01T00:00:00Z", 1)]);
        let sha = hex::encode(Sha256::digest(committed.to_json().unwrap()));
        // The publish cut short had its clock behind: same time as the
        // committed manifest, so only the hash tells its event apart.
        let mut replaced = committed.clone();
        replaced.record(vec![event_at("2031-01-01T00:00:00Z", 2)]);
        assert_eq!(
            replaced.committed_prefix(&sha, t("2031-01-01T00:00:00Z")),
            Some(committed.clone())
        );
        assert_eq!(
            replaced.committed_prefix("0000", t("2031-01-01T00:00:00Z")),
            None
        );
        // Without the hash, events after the committed time go.
        let mut later = committed.clone();
        later.record(vec![event_at("2031-02-01T00:00:00Z", 2)]);
        assert_eq!(later.drop_after(t("2031-01-15T00:00:00Z")), 1);
        assert_eq!(later.newest(), Some(t("2031-01-01T00:00:00Z")));
    }

    #[test]
    fn a_journal_mark_cuts_the_log_to_the_committed_one() {
        let mut committed = ChangeLog::new();
        committed.record(vec![
            event_at("2031-01-01T00:00:00Z", 1),
            event_at("2031-01-01T00:00:00Z", 2),
        ]);
        let sha = hex::encode(Sha256::digest(committed.to_json().unwrap()));
        let mark = LogMark::of(&committed, &sha);
        assert_eq!(mark.events, 2);
        let mut replaced = committed.clone();
        replaced.record(vec![event_at("2031-01-01T00:00:00Z", 3)]);
        assert_eq!(replaced.committed_by_mark(&mark), Some(committed.clone()));
        // Another count or another hash: no cut is trusted.
        let fewer = LogMark {
            events: 1,
            ..mark.clone()
        };
        assert_eq!(replaced.committed_by_mark(&fewer), None);
        let more = LogMark {
            events: 9,
            ..mark.clone()
        };
        assert_eq!(replaced.committed_by_mark(&more), None);
        let other = LogMark {
            sha256: "0000".into(),
            ..mark
        };
        assert_eq!(replaced.committed_by_mark(&other), None);
        // An empty committed log.
        let empty_sha = hex::encode(Sha256::digest(ChangeLog::new().to_json().unwrap()));
        let empty = LogMark::of(&ChangeLog::new(), &empty_sha);
        assert_eq!(replaced.committed_by_mark(&empty), Some(ChangeLog::new()));
    }

    #[test]
    fn the_committed_prefix_is_found_after_publishes_of_several_events() {
        let sha = |log: &ChangeLog| hex::encode(Sha256::digest(log.to_json().unwrap()));
        let publish = |at: &str, ids: &[u32]| -> Vec<Event> {
            ids.iter().map(|n| event_at(at, *n)).collect()
        };
        let committed_at = "2031-01-02T00:00:00Z";
        let mut committed = ChangeLog::new();
        committed.record(publish("2031-01-01T00:00:00Z", &[3, 5]));
        committed.record(publish(committed_at, &[1, 4]));
        let committed_sha = sha(&committed);
        for (cut_short_at, ids) in [
            // A later clock: the events after the committed time go.
            ("2031-01-03T00:00:00Z", &[2, 6][..]),
            // A clock behind: dated like the committed publish's events,
            // told apart by the hash, whether or not the ids go on
            // ascending across the two publishes.
            (committed_at, &[2, 6][..]),
            (committed_at, &[6, 7][..]),
            // A publish that recorded nothing.
            (committed_at, &[][..]),
        ] {
            let mut replaced = committed.clone();
            replaced.record(publish(cut_short_at, ids));
            assert_eq!(
                replaced.committed_prefix(&committed_sha, t(committed_at)),
                Some(committed.clone()),
                "{cut_short_at} {ids:?}"
            );
            assert_eq!(
                replaced.committed_prefix(&sha(&replaced), t(committed_at)),
                Some(replaced.clone())
            );
        }
        // An empty committed log.
        let mut replaced = ChangeLog::new();
        replaced.record(publish(committed_at, &[1, 2]));
        assert_eq!(
            replaced.committed_prefix(&sha(&ChangeLog::new()), t(committed_at)),
            Some(ChangeLog::new())
        );
    }

    #[test]
    fn a_prefix_of_events_with_nested_values_is_found_in_one_pass() {
        let mut status = Event::bare(
            t("2031-01-02T00:00:00Z"),
            &"CVE-2031-0009".parse().unwrap(),
            super::super::EventKind::StatusChanged,
        );
        status.fields = vec![super::super::Field::Status];
        status
            .from
            .insert(super::super::Field::Status, serde_json::json!("open\nline"));
        status
            .to
            .insert(super::super::Field::Status, serde_json::json!("fixed"));
        let mut committed = ChangeLog::new();
        committed.record(vec![event_at("2031-01-01T00:00:00Z", 1), status]);
        let sha = hex::encode(Sha256::digest(committed.to_json().unwrap()));
        let mut replaced = committed.clone();
        replaced.record(vec![event_at("2031-01-03T00:00:00Z", 2)]);
        assert_eq!(
            replaced.committed_prefix(&sha, t("2031-01-02T00:00:00Z")),
            Some(committed)
        );
    }
}
