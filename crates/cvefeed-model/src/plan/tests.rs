//! One test per rule of what is due, with no store: a "publish" here is
//! the plan's due objects given made-up bytes, and a read back is a map.

use super::*;
use crate::manifest::EncodedEntry;
use crate::render::{jsonfeed, osv};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn id(n: u64) -> CveId {
    format!("CVE-2031-{n:04}").parse().unwrap()
}

fn advisory(n: u64, body: &str) -> crate::advisory::Advisory {
    crate::testing::advisory(id(n).as_str(), n, body)
}

fn settings() -> Settings {
    Settings {
        render_key: "key-1".into(),
        generator: "cvefeed test".into(),
        compat: false,
        precompress: false,
        compressible: |t| t.contains("json") || t.starts_with("text/"),
        public_key: None,
        shrink_tolerance: 0,
        allow_shrink: false,
    }
}

/// The feed of these (number, body) advisories over `previous`.
fn feed(items: &[(u64, &str)], previous: Option<&Manifest>) -> (Feed, Changes) {
    let advisories = items.iter().map(|(n, b)| advisory(*n, b)).collect();
    feed::build(
        advisories,
        vec![],
        previous,
        "settings",
        at("2031-02-01T00:00:00Z"),
    )
}

/// The bytes written for `name` in a made-up publish `round`.
fn sha(name: &str, round: u32) -> String {
    format!("{round}:{name}")
}

/// The manifest a publish of `plan` commits: every due object written
/// with made-up bytes (and siblings, for text objects with precompress).
fn publish(plan: &Plan, feed: &Feed, settings: &Settings, round: u32) -> Manifest {
    let mut manifest = plan.manifest.clone();
    for due in &plan.due {
        for name in due.names(feed) {
            let content_type = if name.ends_with(".zip") {
                "application/zip"
            } else {
                "application/json"
            };
            let mut entry = ObjectEntry {
                sha256: sha(&name, round),
                size: 1,
                content_type: content_type.into(),
                ..ObjectEntry::default()
            };
            if settings.precompress && (settings.compressible)(content_type) {
                for c in Coding::ALL {
                    let sibling = c.sibling(&name);
                    let sha256 = sha(&sibling, round);
                    let (name, size) = (sibling, 1);
                    entry
                        .encodings
                        .insert(c, EncodedEntry { name, sha256, size });
                }
            }
            manifest.objects.insert(name, entry);
        }
    }
    manifest
}

/// Plan `items` over `previous` with nothing dirty, the change log (when
/// built) as published, and nothing read back.
fn plan_over(items: &[(u64, &str)], previous: Option<&Manifest>, settings: &Settings) -> Plan {
    let (feed, changes) = feed(items, previous);
    let previous = Previous {
        manifest: previous,
        signature_current: true,
    };
    let draft = draft(previous, &feed, &changes, settings, BTreeSet::new()).unwrap();
    let log = draft.needs_log.then_some(true);
    draft.finish(log, &ReadBack::new())
}

/// A first publication of advisories 1 to 3 with `settings`.
fn first(settings: &Settings) -> (Manifest, Feed) {
    let items = [(1, "a"), (2, "b"), (3, "c")];
    let (feed, _) = feed(&items, None);
    let plan = plan_over(&items, None, settings);
    (publish(&plan, &feed, settings, 1), feed)
}

const ITEMS: [(u64, &str); 3] = [(1, "a"), (2, "b"), (3, "c")];

fn due_names(plan: &Plan, feed: &Feed) -> Vec<String> {
    plan.due.iter().flat_map(|d| d.names(feed)).collect()
}

const FEED_LEVEL: [&str; 6] = [
    osv::ARCHIVE,
    "audit.json",
    jsonfeed::NAME,
    "feed.xml",
    "atom.xml",
    "index.html",
];

#[test]
fn the_same_feed_by_the_same_build_is_unchanged() {
    let s = settings();
    let (published, _) = first(&s);
    let plan = plan_over(&ITEMS, Some(&published), &s);
    assert!(plan.due.is_empty());
    assert!(plan.stale.is_empty());
    assert!(plan.unchanged);
    assert_eq!(plan.manifest, published);
}

#[test]
fn a_first_publication_has_everything_due() {
    let s = settings();
    let (feed, _) = feed(&ITEMS, None);
    let plan = plan_over(&ITEMS, None, &s);
    let mut expected: Vec<String> = ["osv/CVE-2031-0001.json", "osv/CVE-2031-0002.json"]
        .into_iter()
        .chain(["osv/CVE-2031-0003.json"])
        .chain(FEED_LEVEL)
        .chain([changes::JSON_NAME, changes::ATOM_NAME])
        .map(String::from)
        .collect();
    expected.sort();
    let mut got = due_names(&plan, &feed);
    got.sort();
    assert_eq!(got, expected);
    assert!(plan.manifest.objects.is_empty());
    assert!(!plan.unchanged);
}

#[test]
fn a_new_render_key_makes_every_object_due() {
    let s = settings();
    let (published, feed) = first(&s);
    let rebuilt = Settings {
        render_key: "key-2".into(),
        ..settings()
    };
    let plan = plan_over(&ITEMS, Some(&published), &rebuilt);
    assert_eq!(due_names(&plan, &feed).len(), 3 + 6 + 2);
    assert!(plan.manifest.objects.is_empty());
    assert_eq!(plan.manifest.render_key, "key-2");
}

#[test]
fn a_changed_item_makes_its_record_and_the_feed_level_objects_due() {
    let s = settings();
    let (published, _) = first(&s);
    let items = [(1, "a"), (2, "edited"), (3, "c")];
    let (feed, changes) = feed(&items, Some(&published));
    assert_eq!(changes.changed, [id(2)]);
    let plan = plan_over(&items, Some(&published), &s);
    let mut expected: Vec<String> = std::iter::once("osv/CVE-2031-0002.json")
        .chain(FEED_LEVEL)
        .chain([changes::JSON_NAME, changes::ATOM_NAME])
        .map(String::from)
        .collect();
    expected.sort();
    let mut got = due_names(&plan, &feed);
    got.sort();
    assert_eq!(got, expected);
    let carried: Vec<&str> = plan.manifest.objects.keys().map(String::as_str).collect();
    assert_eq!(
        carried,
        ["osv/CVE-2031-0001.json", "osv/CVE-2031-0003.json"]
    );
}

#[test]
fn the_compat_objects_follow_the_feed_and_go_when_turned_off() {
    let s = Settings {
        compat: true,
        ..settings()
    };
    let (published, _) = first(&s);
    assert!(published.objects.contains_key(COMPAT_FEED));
    assert!(published.objects.contains_key(COMPAT_HASH));
    assert!(plan_over(&ITEMS, Some(&published), &s).unchanged);
    let edited = [(1, "a"), (2, "b"), (3, "edited")];
    assert!(
        plan_over(&edited, Some(&published), &s)
            .due
            .contains(&Due::Compat)
    );
    let off = plan_over(&ITEMS, Some(&published), &settings());
    assert_eq!(off.stale, [COMPAT_HASH, COMPAT_FEED]);
    assert!(off.due.is_empty());
}

#[test]
fn the_change_log_is_built_only_when_it_may_be_written() {
    let s = settings();
    let (published, _) = first(&s);
    let draft_of = |items: &[(u64, &str)], dirty: BTreeSet<String>| {
        let (feed, changes) = feed(items, Some(&published));
        let previous = Previous {
            manifest: Some(&published),
            signature_current: true,
        };
        let d = draft(previous, &feed, &changes, &s, dirty).unwrap();
        let needs_log = d.needs_log;
        let carried = d.finish(needs_log.then_some(true), &ReadBack::new());
        let rebuilt = {
            let d = draft(previous, &feed, &changes, &s, BTreeSet::new()).unwrap();
            d.finish(Some(false), &ReadBack::new())
        };
        (needs_log, carried.due, rebuilt.due)
    };
    // The same feed: the log is not read, and carried over.
    let (needs, due, rebuilt) = draft_of(&ITEMS, BTreeSet::new());
    assert!(!needs);
    assert!(due.is_empty());
    // Built and found other than the published one: due.
    assert_eq!(rebuilt, [Due::ChangeLog]);
    // A dirty log is built even for the same feed.
    let dirty = BTreeSet::from([changes::ATOM_NAME.to_string()]);
    assert!(draft_of(&ITEMS, dirty).0);
    // A changed feed builds the log.
    assert!(draft_of(&[(1, "x"), (2, "b"), (3, "c")], BTreeSet::new()).0);
}

#[test]
fn the_public_key_is_due_when_it_is_another_key() {
    let s = Settings {
        public_key: Some("PEM one".into()),
        ..settings()
    };
    let (published, _) = first(&s);
    assert_eq!(
        published.objects[PUBLIC_KEY].sha256,
        sha(PUBLIC_KEY, 1),
        "made up by the test publish"
    );
    // The published key's bytes are compared with the PEM's sha256.
    let mut real = published.clone();
    real.objects.get_mut(PUBLIC_KEY).unwrap().sha256 = hex::encode(Sha256::digest("PEM one"));
    assert!(plan_over(&ITEMS, Some(&real), &s).unchanged);
    let other = Settings {
        public_key: Some("PEM two".into()),
        ..settings()
    };
    assert_eq!(plan_over(&ITEMS, Some(&real), &other).due, [Due::PublicKey]);
    // No longer published: stale.
    assert_eq!(
        plan_over(&ITEMS, Some(&real), &settings()).stale,
        [PUBLIC_KEY]
    );
}

#[test]
fn objects_without_the_wanted_siblings_are_due() {
    let s = settings();
    let (published, feed) = first(&s);
    let precompress = Settings {
        precompress: true,
        ..settings()
    };
    let plan = plan_over(&ITEMS, Some(&published), &precompress);
    // Every JSON object lacks its siblings; the zip gets none and stays.
    assert_eq!(due_names(&plan, &feed).len(), 3 + 5 + 2);
    let carried: Vec<&str> = plan.manifest.objects.keys().map(String::as_str).collect();
    assert_eq!(carried, [osv::ARCHIVE]);
    // Published with siblings, a run without precompress drops them.
    let with = publish(&plan, &feed, &precompress, 2);
    let without = plan_over(&ITEMS, Some(&with), &s);
    assert_eq!(due_names(&without, &feed).len(), 3 + 5 + 2);
    assert!(without.stale.contains(&"index.json.gz".to_string()));
    assert!(without.stale.contains(&"index.json.br".to_string()));
}

#[test]
fn a_dirty_object_is_carried_only_with_its_listed_bytes() {
    let s = settings();
    let (published, _) = first(&s);
    let (feed, changes) = feed(&ITEMS, Some(&published));
    let record = "osv/CVE-2031-0002.json".to_string();
    let dirty = BTreeSet::from([record.clone()]);
    let previous = Previous {
        manifest: Some(&published),
        signature_current: true,
    };
    let with = |found: Found| {
        let d = draft(previous, &feed, &changes, &s, dirty.clone()).unwrap();
        assert_eq!(d.reads(), dirty);
        d.finish(None, &ReadBack::from([(record.clone(), found)]))
    };
    let intact = with(Found::Listed);
    assert!(intact.unchanged);
    assert_eq!(intact.dirty, dirty);
    let replaced = with(Found::Other);
    assert_eq!(replaced.due, [Due::Part(Part::Record(1))]);
    assert_eq!(due_names(&replaced, &feed), [record.as_str()]);
    let missing = with(Found::Nothing);
    assert_eq!(missing.due, [Due::Part(Part::Record(1))]);
}

#[test]
fn stale_objects_are_the_listed_ones_no_longer_wanted_and_what_a_cut_left() {
    let s = Settings {
        allow_shrink: true,
        ..settings()
    };
    let (published, _) = first(&s);
    let items = [(1, "a"), (2, "b")];
    let (feed, changes) = feed(&items, Some(&published));
    assert_eq!(changes.removed, [id(3)]);
    let left = "osv/CVE-2031-0009.json".to_string();
    let dirty = BTreeSet::from([
        left.clone(),
        "osv/CVE-2031-0008.json".to_string(),
        ".cache/github-pages.json".to_string(),
        MANIFEST.to_string(),
    ]);
    let previous = Previous {
        manifest: Some(&published),
        signature_current: true,
    };
    let d = draft(previous, &feed, &changes, &s, dirty).unwrap();
    let reads = d.reads();
    assert_eq!(
        reads.iter().map(String::as_str).collect::<Vec<_>>(),
        ["osv/CVE-2031-0008.json", "osv/CVE-2031-0009.json"]
    );
    let read = ReadBack::from([
        (left, Found::Other),
        ("osv/CVE-2031-0008.json".to_string(), Found::Nothing),
    ]);
    let plan = d.finish(Some(true), &read);
    assert_eq!(
        plan.stale,
        ["osv/CVE-2031-0003.json", "osv/CVE-2031-0009.json"]
    );
    assert!(!plan.unchanged);
}

#[test]
fn the_shrink_verdict_refuses_past_the_tolerance_unless_allowed() {
    let (published, _) = first(&settings());
    let (feed, changes) = feed(&[(1, "a")], Some(&published));
    let previous = Previous {
        manifest: Some(&published),
        signature_current: true,
    };
    let check = |tolerance: usize, allow_shrink: bool| {
        let s = Settings {
            shrink_tolerance: tolerance,
            allow_shrink,
            ..settings()
        };
        draft(previous, &feed, &changes, &s, BTreeSet::new()).map(|_| ())
    };
    let refused = check(1, false).unwrap_err();
    assert_eq!(
        refused,
        Shrink {
            ids: vec![id(2), id(3)],
            tolerance: 1
        }
    );
    assert_eq!(
        refused.to_string(),
        "2 published item(s) would be removed, more than the tolerance of 1"
    );
    assert_eq!(check(2, false), Ok(()));
    assert_eq!(check(0, true), Ok(()));
}

#[test]
fn a_signature_that_is_not_current_is_not_unchanged() {
    let s = settings();
    let (published, _) = first(&s);
    let (feed, changes) = feed(&ITEMS, Some(&published));
    let previous = Previous {
        manifest: Some(&published),
        signature_current: false,
    };
    let plan = draft(previous, &feed, &changes, &s, BTreeSet::new())
        .unwrap()
        .finish(None, &ReadBack::new());
    assert!(plan.due.is_empty() && plan.stale.is_empty());
    assert!(!plan.unchanged);
}

#[test]
fn the_journal_names_the_due_objects_their_siblings_the_stale_and_the_dirty() {
    let s = Settings {
        precompress: true,
        allow_shrink: true,
        ..settings()
    };
    let (published, _) = first(&s);
    let items = [(1, "a"), (2, "edited")];
    let (feed, changes) = feed(&items, Some(&published));
    let previous = Previous {
        manifest: Some(&published),
        signature_current: true,
    };
    let dirty = BTreeSet::from(["elsewhere".to_string()]);
    let plan = draft(previous, &feed, &changes, &s, dirty)
        .unwrap()
        .finish(Some(false), &ReadBack::new());
    let journal = plan.journal(&feed);
    for name in [
        "osv/CVE-2031-0002.json",
        "osv/CVE-2031-0002.json.gz",
        "osv/CVE-2031-0002.json.br",
        "osv/all.zip.gz",
        "changes.xml.br",
        "osv/CVE-2031-0003.json",
        "osv/CVE-2031-0003.json.gz",
        "elsewhere",
    ] {
        assert!(journal.contains(name), "{name}");
    }
    assert!(!journal.contains("osv/CVE-2031-0001.json"));
    assert_eq!(journal.len(), (1 + 6 + 2) * 3 + 3 + 1);
}

#[test]
fn a_publication_is_never_dated_before_the_one_it_replaces() {
    let (mut published, _) = first(&settings());
    published.updated_at = at("2031-03-01T00:00:00Z");
    assert_eq!(
        publication_time(Some(&published), at("2031-02-01T00:00:00Z")),
        at("2031-03-01T00:00:00Z")
    );
    assert_eq!(
        publication_time(Some(&published), at("2031-04-01T00:00:00Z")),
        at("2031-04-01T00:00:00Z")
    );
    assert_eq!(
        publication_time(None, at("2031-02-01T00:00:00Z")),
        at("2031-02-01T00:00:00Z")
    );
}
