//! The change log as published: `changes.json` reads back as the log it
//! was rendered from, and `changes.xml` is Atom that `atom_syndication` and
//! feed-rs read as one entry per event, newest first, with permanent ids,
//! even when a field name from another feed version is hostile text.

use std::collections::BTreeMap;

use cvefeed_model::changes::{ChangeLog, Event, EventKind, Field};
use cvefeed_model::render::SiteConfig;
use cvefeed_model::render::changes::{render_atom, render_json};
use cvefeed_model::wire::Timestamp;
use serde_json::json;

fn event(at: &str, id: &str, kind: EventKind, fields: Vec<Field>) -> Event {
    Event {
        at: Timestamp(at.parse().unwrap()),
        id: id.parse().unwrap(),
        kind,
        fields,
        from: BTreeMap::new(),
        to: BTreeMap::new(),
    }
}

fn log() -> ChangeLog {
    let mut rejected = event(
        "2031-03-03T00:00:00Z",
        "CVE-2031-0002",
        EventKind::Rejected,
        vec![Field::Status],
    );
    rejected.from.insert(Field::Status, json!("fixed"));
    rejected.to.insert(Field::Status, json!("rejected"));
    let mut log = ChangeLog::new();
    log.record(vec![event(
        "2031-03-01T00:00:00Z",
        "CVE-2031-0001",
        EventKind::Added,
        vec![],
    )]);
    log.record(vec![
        event(
            "2031-03-02T00:00:00Z",
            "CVE-2031-0001",
            EventKind::Changed,
            vec![
                Field::FixedVersions,
                Field::Other("<script>&\"x\u{0}".into()),
            ],
        ),
        event(
            "2031-03-02T00:00:00Z",
            "CVE-2031-0003",
            EventKind::Removed,
            vec![],
        ),
    ]);
    log.record(vec![rejected]);
    log
}

#[test]
fn changes_json_reads_back_as_the_log() {
    let bytes = render_json(&log()).unwrap().bytes;
    let back: ChangeLog = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back, log());
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(value["version"], 1);
    assert_eq!(
        value["events"][3],
        json!({
            "at": "2031-03-03T00:00:00Z",
            "id": "CVE-2031-0002",
            "kind": "rejected",
            "fields": ["status"],
            "from": {"status": "fixed"},
            "to": {"status": "rejected"}
        })
    );
}

#[test]
fn changes_xml_is_one_atom_entry_per_event_newest_first() {
    let site = SiteConfig::default();
    let artifact = render_atom(&log(), &site, "2031-01-01T00:00:00Z".parse().unwrap()).unwrap();
    assert_eq!(artifact.name, "changes.xml");
    assert_eq!(artifact.content_type, "application/atom+xml");
    let feed = atom_syndication::Feed::read_from(&artifact.bytes[..]).unwrap();
    assert_eq!(feed.updated.to_rfc3339(), "2031-03-03T00:00:00+00:00");
    let titles: Vec<&str> = feed.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "CVE-2031-0002: rejected",
            "CVE-2031-0003: removed from the feed",
            // An issue's text is escaped as HTML: a reader shows it as text.
            "CVE-2031-0001: fixed versions and &lt;script&gt;&amp;&quot;x\u{FFFD} changed",
            "CVE-2031-0001: added to the feed",
        ]
    );
    for entry in &feed.entries {
        assert_eq!(entry.title.r#type, atom_syndication::TextType::Html);
        assert_eq!(
            entry.content.as_ref().unwrap().content_type.as_deref(),
            Some("html")
        );
    }
    let ids: std::collections::BTreeSet<&str> =
        feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 4, "entry ids are unique");
    assert!(
        feed.entries[0]
            .id
            .starts_with(&site.url_of("changes.json#CVE-2031-0002-rejected-"))
    );
    assert_eq!(feed.entries[0].categories[0].term, "rejected");
    assert_eq!(
        feed.entries[0].content.as_ref().unwrap().value.as_deref(),
        Some("Changed fields: status.<br>\nstatus: fixed → rejected.")
    );
    // Ids do not move when the log grows.
    let mut longer = log();
    longer.record(vec![event(
        "2031-04-01T00:00:00Z",
        "CVE-2031-0004",
        EventKind::Added,
        vec![],
    )]);
    let again = render_atom(&longer, &site, "2031-01-01T00:00:00Z".parse().unwrap()).unwrap();
    let again = atom_syndication::Feed::read_from(&again.bytes[..]).unwrap();
    assert_eq!(again.entries[1].id, feed.entries[0].id);

    // feed-rs, a second reader, agrees.
    let parsed = feed_rs::parser::parse(&artifact.bytes[..]).unwrap();
    assert_eq!(parsed.entries.len(), 4);
}

#[test]
fn an_empty_log_is_a_valid_feed_dated_by_the_feed() {
    let artifact = render_atom(
        &ChangeLog::new(),
        &SiteConfig::default(),
        "2031-01-01T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let feed = atom_syndication::Feed::read_from(&artifact.bytes[..]).unwrap();
    assert!(feed.entries.is_empty());
    assert_eq!(feed.updated.to_rfc3339(), "2031-01-01T00:00:00+00:00");
}
