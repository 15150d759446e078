//! Recovery of the committed change log from the `changes.json` a
//! publish cut short left behind: that publish appended its events (which
//! never became public) to the committed log.
//!
//! Owns the exact repair (the committed prefix, found by the sha256 the
//! committed manifest names) and the fallback by time. It must not touch
//! events or retention.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{ChangeLog, Event};

impl ChangeLog {
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
