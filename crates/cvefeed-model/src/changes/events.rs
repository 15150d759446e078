//! The comparison of two versions of an item: the [`Field`]s of a JSON
//! Feed item ([`ItemValues`]), the event of a changed item, and the
//! events of one publish ([`events`]).
//!
//! Owns which keys are compared and how a difference is named. It must
//! not touch the log itself (retention, recovery: the parent module's).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Event, EventKind};
use crate::advisory::{CveId, Status};
use crate::feed::{Changes, Feed, FeedItem};
use crate::render::SiteConfig;

/// A field of an item that can change, named after its JSON Feed key
/// (`content_text` is `body`, the issue URL is `issue`). Fields are
/// ordered as declared, so every event lists them in the same order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The title without its CVE block.
    Summary,
    /// The issue body.
    Body,
    /// `open`, `fixed`, …
    Status,
    /// The CVSS band.
    Severity,
    /// The CVSS vector.
    CvssVector,
    /// The CVSS score.
    CvssScore,
    /// The affected components.
    Components,
    /// The affected ranges.
    Affected,
    /// The fixed versions.
    FixedVersions,
    /// The other ids of the same issue.
    Related,
    /// The announcing issue.
    Issue,
    /// When the issue was opened.
    Published,
    /// A field this version does not know (a newer feed's), by its key.
    Other(String),
}

impl Field {
    /// JSON Feed keys (top level or under `_kubernetes_io`) that are not
    /// compared: the id itself, and values derived from the id, the issue
    /// URL, the base URL or the change time.
    const DERIVED: [&'static str; 6] = [
        "id",
        "external_url",
        "date_modified",
        "google_group_url",
        "issue_number",
        "osv_url",
    ];

    /// The field a JSON Feed key holds, `None` for a derived one.
    pub fn of_key(key: &str) -> Option<Field> {
        if Self::DERIVED.contains(&key) {
            return None;
        }
        Some(match key {
            "content_text" => Field::Body,
            "url" => Field::Issue,
            "date_published" => Field::Published,
            other => Field::from_name(other),
        })
    }

    /// The field of a name as [`Field::as_str`] writes it.
    pub fn from_name(name: &str) -> Field {
        match name {
            "summary" => Field::Summary,
            "body" => Field::Body,
            "status" => Field::Status,
            "severity" => Field::Severity,
            "cvss_vector" => Field::CvssVector,
            "cvss_score" => Field::CvssScore,
            "components" => Field::Components,
            "affected" => Field::Affected,
            "fixed_versions" => Field::FixedVersions,
            "related" => Field::Related,
            "issue" => Field::Issue,
            "published" => Field::Published,
            other => Field::Other(other.to_string()),
        }
    }

    /// The name in `changes.json`.
    pub fn as_str(&self) -> &str {
        match self {
            Field::Summary => "summary",
            Field::Body => "body",
            Field::Status => "status",
            Field::Severity => "severity",
            Field::CvssVector => "cvss_vector",
            Field::CvssScore => "cvss_score",
            Field::Components => "components",
            Field::Affected => "affected",
            Field::FixedVersions => "fixed_versions",
            Field::Related => "related",
            Field::Issue => "issue",
            Field::Published => "published",
            Field::Other(name) => name,
        }
    }

    /// The field in words, for titles: `fixed versions`, `CVSS vector`.
    pub fn label(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            Field::Summary => "summary",
            Field::Body => "description",
            Field::Status => "status",
            Field::Severity => "severity",
            Field::CvssVector => "CVSS vector",
            Field::CvssScore => "CVSS score",
            Field::Components => "components",
            Field::Affected => "affected versions",
            Field::FixedVersions => "fixed versions",
            Field::Related => "related CVEs",
            Field::Issue => "announcing issue",
            Field::Published => "publication date",
            Field::Other(name) => return Cow::Owned(name.replace('_', " ")),
        })
    }

    /// Whether events give `from` and `to` for this field.
    fn has_values(&self) -> bool {
        matches!(self, Field::Status | Field::Severity)
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Cow::<str>::deserialize(deserializer).map(|name| Field::from_name(&name))
    }
}

impl Event {
    /// The event of an item that changed from `old` to `new`.
    pub fn changed(at: DateTime<Utc>, id: &CveId, old: &ItemValues, new: &ItemValues) -> Event {
        let mut event = Event::bare(at, id, EventKind::Changed);
        let keys: BTreeSet<&Field> = old.0.keys().chain(new.0.keys()).collect();
        for field in keys {
            let (before, after) = (old.get(field), new.get(field));
            if before == after {
                continue;
            }
            if field.has_values() {
                event.from.insert(field.clone(), before.clone());
                event.to.insert(field.clone(), after.clone());
            }
            event.fields.push(field.clone());
        }
        if let Some(status) = event.to.get(&Field::Status) {
            event.kind = if status.as_str() == Some(Status::Rejected.as_str()) {
                EventKind::Rejected
            } else {
                EventKind::StatusChanged
            };
        }
        event
    }
}

/// The comparable fields of one JSON Feed item, by [`Field`]: the top
/// level and `_kubernetes_io` merged, derived values left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemValues(BTreeMap<Field, Value>);

impl ItemValues {
    /// The fields of a JSON Feed item object.
    pub fn of_json(item: serde_json::Map<String, Value>) -> ItemValues {
        let mut out = BTreeMap::new();
        for (key, value) in item {
            match (key.as_str(), value) {
                ("_kubernetes_io", Value::Object(extension)) => {
                    for (key, value) in extension {
                        if let Some(field) = Field::of_key(&key) {
                            out.insert(field, value);
                        }
                    }
                }
                (key, value) => {
                    if let Some(field) = Field::of_key(key) {
                        out.insert(field, value);
                    }
                }
            }
        }
        ItemValues(out)
    }

    /// The fields of a feed item, as `index.json` publishes it.
    pub fn of_item(item: &FeedItem, site: &SiteConfig) -> Option<ItemValues> {
        match serde_json::to_value(crate::render::jsonfeed::item(item, site)) {
            Ok(Value::Object(map)) => Some(ItemValues::of_json(map)),
            _ => None,
        }
    }

    /// A field's value; absent reads as `null`.
    fn get(&self, field: &Field) -> &Value {
        self.0.get(field).unwrap_or(&Value::Null)
    }
}

/// The items with the `wanted` ids of a published `index.json`, by id.
/// Only those items are parsed in full.
pub fn previous_items(
    index_json: &[u8],
    wanted: &BTreeSet<CveId>,
) -> Result<BTreeMap<CveId, ItemValues>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Document<'a> {
        #[serde(borrow)]
        items: Vec<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
    }
    let document: Document = serde_json::from_slice(index_json)?;
    let mut out = BTreeMap::new();
    for raw in document.items {
        let Ok(id) = serde_json::from_str::<Id>(raw.get())?.id.parse::<CveId>() else {
            continue;
        };
        if wanted.contains(&id) {
            let item: serde_json::Map<String, Value> = serde_json::from_str(raw.get())?;
            out.insert(id, ItemValues::of_json(item));
        }
    }
    Ok(out)
}

/// The events of one publish, ordered by id: `changes` as the feed's
/// change detection found them, `previous` the previous items of the
/// changed ids (`None` when they could not be read: the events then name
/// no fields), `feed` the new feed, `at` the publish time. A changed item
/// whose published entry is the same in every compared field (its content
/// hash moved for a reason no reader sees) gives no event.
pub fn events(
    changes: &Changes,
    previous: Option<&BTreeMap<CveId, ItemValues>>,
    feed: &Feed,
    site: &SiteConfig,
    at: DateTime<Utc>,
) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    out.extend(
        changes
            .added
            .iter()
            .map(|id| Event::bare(at, id, EventKind::Added)),
    );
    out.extend(
        changes
            .removed
            .iter()
            .map(|id| Event::bare(at, id, EventKind::Removed)),
    );
    let changed: BTreeSet<&CveId> = changes.changed.iter().collect();
    for item in feed
        .items
        .iter()
        .filter(|i| changed.contains(&i.advisory.id))
    {
        let id = &item.advisory.id;
        let old = previous.and_then(|p| p.get(id));
        match (old, ItemValues::of_item(item, site)) {
            (Some(old), Some(new)) => {
                let event = Event::changed(at, id, old, &new);
                if !event.fields.is_empty() {
                    out.push(event);
                }
            }
            _ => out.push(Event::bare(at, id, EventKind::Changed)),
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{id, t};
    use super::*;
    use serde_json::json;

    fn values(v: Value) -> ItemValues {
        match v {
            Value::Object(map) => ItemValues::of_json(map),
            _ => unreachable!(),
        }
    }

    fn item(status: &str, severity: Option<&str>, body: &str) -> ItemValues {
        values(json!({
            "id": "CVE-2031-0001",
            "url": "https://github.com/o/r/issues/1",
            "summary": "s",
            "content_text": body,
            "date_modified": "2031-01-01T00:00:00Z",
            "_kubernetes_io": {
                "issue_number": 1,
                "status": status,
                "severity": severity,
                "fixed_versions": ["1.30.1"],
                "osv_url": "https://example.test/osv/CVE-2031-0001.json"
            }
        }))
    }

    /// The change of CVE-2031-0001 from `old` to `new`, seen at
    /// 2031-02-01.
    fn changed(old: &ItemValues, new: &ItemValues) -> Event {
        Event::changed(t("2031-02-01T00:00:00Z"), &id("CVE-2031-0001"), old, new)
    }

    #[test]
    fn a_body_edit_names_the_body_only() {
        let e = changed(
            &item("open", Some("high"), "a"),
            &item("open", Some("high"), "b"),
        );
        assert_eq!(e.kind, EventKind::Changed);
        assert_eq!(e.fields, [Field::Body]);
        assert!(e.from.is_empty() && e.to.is_empty());
        assert_eq!(e.title(), "CVE-2031-0001: description changed");
    }

    #[test]
    fn status_and_severity_carry_from_and_to() {
        let e = changed(&item("open", None, "a"), &item("fixed", Some("high"), "a"));
        assert_eq!(e.kind, EventKind::StatusChanged);
        assert_eq!(e.fields, [Field::Status, Field::Severity]);
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            json!({
                "at": "2031-02-01T00:00:00Z",
                "id": "CVE-2031-0001",
                "kind": "status_changed",
                "fields": ["status", "severity"],
                "from": {"status": "open", "severity": null},
                "to": {"status": "fixed", "severity": "high"}
            })
        );
        assert_eq!(
            e.title(),
            "CVE-2031-0001: status changed from open to fixed"
        );
        assert_eq!(
            e.description(),
            "Changed fields: status, severity.\nstatus: open → fixed.\nseverity: none → high."
        );
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn a_status_that_becomes_rejected_is_a_rejection() {
        let e = changed(
            &item("fixed", Some("high"), "a"),
            &item(Status::Rejected.as_str(), Some("high"), "a"),
        );
        assert_eq!(e.kind, EventKind::Rejected);
        assert_eq!(e.fields, [Field::Status]);
        assert_eq!(e.to[&Field::Status], json!("rejected"));
        assert_eq!(e.title(), "CVE-2031-0001: rejected");
    }

    #[test]
    fn unknown_fields_are_compared_by_their_key() {
        let mut new = item("open", None, "a");
        new.0
            .insert(Field::of_key("cwe_ids").unwrap(), json!(["CWE-79"]));
        let e = changed(&item("open", None, "a"), &new);
        assert_eq!(e.fields, [Field::Other("cwe_ids".into())]);
        assert_eq!(e.title(), "CVE-2031-0001: cwe ids changed");
        assert_eq!(serde_json::to_value(&e.fields).unwrap(), json!(["cwe_ids"]));
    }

    #[test]
    fn only_wanted_items_are_read_from_index_json() {
        let doc = json!({"items": [
            {"id": "CVE-2031-0001", "summary": "one", "content_text": "x"},
            {"id": "CVE-2031-0002", "summary": "two", "content_text": "y"},
            {"id": "not-a-cve", "summary": "?"}
        ]});
        let bytes = serde_json::to_vec(&doc).unwrap();
        let wanted = BTreeSet::from([id("CVE-2031-0002")]);
        let got = previous_items(&bytes, &wanted).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[&id("CVE-2031-0002")].get(&Field::Summary),
            &json!("two")
        );
        assert!(previous_items(b"{\"items\": 3}", &wanted).is_err());
    }

    fn advisory(n: u64, body: &str) -> crate::advisory::Advisory {
        crate::testing::advisory(&format!("CVE-2031-{n:04}"), n, body)
    }

    #[test]
    fn events_follow_the_feeds_change_detection() {
        let site = SiteConfig::default();
        let at = t("2031-02-01T00:00:00Z");
        let (feed, _) = crate::feed::build(
            vec![
                advisory(1, "same"),
                advisory(2, "new body"),
                advisory(3, "x"),
            ],
            vec![],
            None,
            "settings",
            at,
        );
        let values = |n: usize| ItemValues::of_item(&feed.items[n], &site).unwrap();
        let index = |n: u64| {
            feed.items
                .iter()
                .position(|i| i.advisory.id == id(&format!("CVE-2031-{n:04}")))
                .unwrap()
        };
        // CVE-2031-0001's hash moved with nothing a reader sees; 0002's body changed.
        let mut old_two = values(index(2));
        old_two.0.insert(Field::Body, json!("old body"));
        let previous = BTreeMap::from([
            (id("CVE-2031-0001"), values(index(1))),
            (id("CVE-2031-0002"), old_two),
        ]);
        let changes = Changes {
            added: vec![id("CVE-2031-0003")],
            changed: vec![id("CVE-2031-0001"), id("CVE-2031-0002")],
            removed: vec![id("CVE-2031-0000")],
        };
        let got = events(&changes, Some(&previous), &feed, &site, at);
        let summary: Vec<(&str, EventKind, &[Field])> = got
            .iter()
            .map(|e| (e.id.as_str(), e.kind, e.fields.as_slice()))
            .collect();
        assert_eq!(
            summary,
            [
                ("CVE-2031-0000", EventKind::Removed, &[][..]),
                ("CVE-2031-0002", EventKind::Changed, &[Field::Body][..]),
                ("CVE-2031-0003", EventKind::Added, &[][..]),
            ]
        );
        // Without the previous items, what changed cannot be told.
        let blind = events(&changes, None, &feed, &site, at);
        assert_eq!(blind.len(), 4);
        assert!(blind.iter().all(|e| e.fields.is_empty()));
    }
}
