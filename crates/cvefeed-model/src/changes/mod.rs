//! The change log: what each publish changed, item by item, kept as
//! `changes.json` ([`ChangeLog`]) and rendered as an Atom feed by
//! [`crate::render::changes`].
//!
//! A publish that changes content appends one [`Event`] per added, changed
//! or removed item. A changed item's event names the fields that differ
//! between its previous JSON Feed item (read from the published
//! `index.json`) and its new one, and gives `from` and `to` for the status
//! and the severity. The kind says what matters most: `rejected` when the
//! status became `rejected`, `status_changed` for any other status change,
//! `changed` otherwise.
//!
//! This module owns the log and its events (`ChangeLog`, `Event`,
//! `EventKind`), the bytes of `changes.json` and retention; `events`
//! owns the comparison of two items, `recover` the repair of a log a
//! publish cut short left. Pure: the caller reads the previous log and
//! feed and passes `now`. It must not touch the Atom rendering
//! ([`crate::render::changes`] renders from here, never the reverse).

mod events;
mod recover;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::advisory::CveId;
use crate::wire::Timestamp;

pub use events::{Field, ItemValues, events, previous_items};
pub use recover::LogMark;

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The item entered the feed.
    Added,
    /// Its content changed, its status did not.
    Changed,
    /// It left the feed.
    Removed,
    /// Its status changed (to anything but `rejected`).
    StatusChanged,
    /// Its status became `rejected`.
    Rejected,
}

impl EventKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "added",
            EventKind::Changed => "changed",
            EventKind::Removed => "removed",
            EventKind::StatusChanged => "status_changed",
            EventKind::Rejected => "rejected",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the publish that made the change happened (the feed's new
    /// `updated_at`).
    pub at: Timestamp,
    /// The item.
    pub id: CveId,
    /// What happened.
    pub kind: EventKind,
    /// What changed; empty for `added` and `removed`, and when it cannot
    /// be told (the previous item could not be read).
    #[serde(default)]
    pub fields: Vec<Field>,
    /// The previous status and severity, when they changed (`null`: none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub from: BTreeMap<Field, Value>,
    /// The new status and severity, when they changed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub to: BTreeMap<Field, Value>,
}

impl Event {
    /// An event that names no fields.
    pub(crate) fn bare(at: DateTime<Utc>, id: &CveId, kind: EventKind) -> Event {
        Event {
            at: Timestamp(at),
            id: id.clone(),
            kind,
            fields: Vec::new(),
            from: BTreeMap::new(),
            to: BTreeMap::new(),
        }
    }

    /// A one-line title: `CVE-2024-9042: fixed versions changed`.
    pub fn title(&self) -> String {
        let id = &self.id;
        match self.kind {
            EventKind::Added => format!("{id}: added to the feed"),
            EventKind::Removed => format!("{id}: removed from the feed"),
            EventKind::Rejected => format!("{id}: rejected"),
            EventKind::StatusChanged => format!(
                "{id}: status changed from {} to {}",
                word(self.from.get(&Field::Status)),
                word(self.to.get(&Field::Status))
            ),
            EventKind::Changed if self.fields.is_empty() => format!("{id}: changed"),
            EventKind::Changed => {
                let labels: Vec<Cow<str>> = self.fields.iter().map(Field::label).collect();
                let list = match labels.split_last() {
                    Some((last, [])) => last.to_string(),
                    Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                    None => String::new(),
                };
                format!("{id}: {list} changed")
            }
        }
    }

    /// What changed, in a few lines of text: the fields, then `from → to`
    /// of the status and severity.
    pub fn description(&self) -> String {
        let mut lines = Vec::new();
        if !self.fields.is_empty() {
            let names: Vec<&str> = self.fields.iter().map(Field::as_str).collect();
            lines.push(format!("Changed fields: {}.", names.join(", ")));
        }
        for (field, after) in &self.to {
            let before = self.from.get(field);
            lines.push(format!(
                "{}: {} → {}.",
                field.as_str(),
                word(before),
                word(Some(after))
            ));
        }
        if lines.is_empty() {
            lines.push(format!("{} {}.", self.id, self.kind));
        }
        lines.join("\n")
    }
}

/// A status or severity value in words (`none` when absent).
fn word(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => "none".into(),
        Some(other) => other.to_string(),
    }
}

/// How much history `changes.json` keeps: an event stays while it is one
/// of the last `events` or younger than `age`, whichever keeps more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Events always kept, newest first.
    pub events: usize,
    /// Age under which every event is kept.
    pub age: chrono::Duration,
}

impl Default for Retention {
    /// 1,000 events or two years.
    fn default() -> Self {
        Retention {
            events: 1000,
            age: chrono::Duration::days(730),
        }
    }
}

/// `changes.json`: every event kept, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeLog {
    /// Format version of this document.
    pub version: u32,
    /// The events, oldest first.
    pub events: Vec<Event>,
}

impl Default for ChangeLog {
    fn default() -> Self {
        ChangeLog::new()
    }
}

impl ChangeLog {
    /// Current format version.
    pub const VERSION: u32 = 1;

    /// A log with no history.
    pub fn new() -> ChangeLog {
        ChangeLog {
            version: Self::VERSION,
            events: Vec::new(),
        }
    }

    /// Append the events of one publish.
    pub fn record(&mut self, events: Vec<Event>) {
        self.events.extend(events);
    }

    /// Drop the events that `retention` no longer keeps at `now`.
    pub fn retain(&mut self, retention: Retention, now: DateTime<Utc>) {
        let keep_from = self.events.len().saturating_sub(retention.events);
        let cutoff = now - retention.age;
        let mut index = 0;
        self.events.retain(|e| {
            let keep = index >= keep_from || e.at.0 >= cutoff;
            index += 1;
            keep
        });
    }

    /// The bytes of `changes.json`: the log as pretty JSON, newline-ended.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// The time of the newest event.
    pub fn newest(&self) -> Option<DateTime<Utc>> {
        self.events.iter().map(|e| e.at.0).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    pub(super) fn id(s: &str) -> CveId {
        s.parse().unwrap()
    }

    pub(super) fn event_at(at: &str, n: u32) -> Event {
        Event::bare(t(at), &id(&format!("CVE-2031-{n:04}")), EventKind::Added)
    }

    #[test]
    fn retention_keeps_the_last_n_or_the_young_whichever_is_more() {
        let mut log = ChangeLog::new();
        log.record(
            (1..=5)
                .map(|n| event_at("2020-01-01T00:00:00Z", n))
                .collect(),
        );
        log.record(
            (6..=8)
                .map(|n| event_at("2031-01-01T00:00:00Z", n))
                .collect(),
        );
        let retention = Retention {
            events: 4,
            age: chrono::Duration::days(730),
        };
        let now = t("2031-06-01T00:00:00Z");
        // Eight events: the three young ones and, to make four, the newest old one.
        let mut by_count = log.clone();
        by_count.retain(retention, now);
        let ids: Vec<&str> = by_count.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "CVE-2031-0005",
                "CVE-2031-0006",
                "CVE-2031-0007",
                "CVE-2031-0008"
            ]
        );
        // Two events by count, but every young one stays.
        let mut by_age = log.clone();
        by_age.retain(
            Retention {
                events: 2,
                ..retention
            },
            now,
        );
        assert_eq!(by_age.events.len(), 3);
    }
}
