//! The feed model and change detection.
//!
//! Combines this run's advisories with the previous manifest into a [`Feed`]:
//! items ordered newest first, each with a `date_modified` that moves only
//! when that item's own content changed, and an `updated_at` that moves only
//! when anything changed. Pure: the caller passes `now`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::advisory::{Advisory, CveId};
use crate::cve5::Finding;
use crate::manifest::{ItemState, Manifest};

/// One published item: an advisory and when its content last changed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The advisory.
    pub advisory: Advisory,
    /// When its content last changed (its `date_published` on first sight).
    pub modified: DateTime<Utc>,
    /// Hex sha256 of its content.
    pub content_hash: String,
}

/// The whole feed, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// Items, `date_published` descending, then id.
    pub items: Vec<FeedItem>,
    /// Where the issues and the CNA's CVE records disagree, by id, then
    /// field.
    pub audit: Vec<Finding>,
    /// When the content last changed.
    pub updated_at: DateTime<Utc>,
    /// Hex sha256 over every item's content hash, the audit findings and
    /// the feed settings.
    pub content_hash: String,
}

/// Which ids a run adds, changes and removes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    /// New ids.
    pub added: Vec<CveId>,
    /// Ids whose content changed.
    pub changed: Vec<CveId>,
    /// Ids that were published and are gone now.
    pub removed: Vec<CveId>,
}

impl Changes {
    /// Whether nothing was added, changed or removed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Two issues announce the same CVE id; the earliest is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The id.
    pub id: CveId,
    /// Issue number that was kept.
    pub kept: u64,
    /// Issue number that was dropped.
    pub dropped: u64,
}

/// The content hash of one advisory: its canonical JSON, never a time of
/// this run.
pub fn item_hash(advisory: &Advisory) -> String {
    let json = serde_json::to_vec(advisory).expect("advisories serialize");
    hex::encode(Sha256::digest(&json))
}

/// Keep one advisory per id (from the earliest issue), reporting the rest.
/// The result is ordered by id.
pub fn dedupe(advisories: Vec<Advisory>) -> (Vec<Advisory>, Vec<Duplicate>) {
    // Sort positions, not advisories: an advisory is large to move.
    let mut order: Vec<usize> = (0..advisories.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&advisories[a], &advisories[b]);
        (&a.id, a.published, a.issue.number).cmp(&(&b.id, b.published, b.issue.number))
    });
    let mut slots: Vec<Option<Advisory>> = advisories.into_iter().map(Some).collect();
    let mut kept: Vec<Advisory> = Vec::with_capacity(slots.len());
    let mut duplicates = Vec::new();
    for i in order {
        let a = slots[i].take().expect("each position once");
        match kept.last() {
            Some(k) if k.id == a.id => duplicates.push(Duplicate {
                id: a.id.clone(),
                kept: k.issue.number,
                dropped: a.issue.number,
            }),
            _ => kept.push(a),
        }
    }
    (kept, duplicates)
}

/// Build the feed from this run's advisories (one per id), the audit
/// findings, the previous manifest and `now`. `settings` is folded into
/// the content hash so that a change of title or URLs counts as a change;
/// so are the findings.
pub fn build(
    advisories: Vec<Advisory>,
    mut audit: Vec<Finding>,
    previous: Option<&Manifest>,
    settings: &str,
    now: DateTime<Utc>,
) -> (Feed, Changes) {
    let empty = BTreeMap::new();
    let prev_items: &BTreeMap<CveId, ItemState> = previous.map_or(&empty, |m| &m.items);
    let mut changes = Changes::default();
    let hashes: Vec<String> = {
        use rayon::prelude::*;
        advisories.par_iter().map(item_hash).collect()
    };
    let mut items: Vec<FeedItem> = advisories
        .into_iter()
        .zip(hashes)
        .map(|(advisory, content_hash)| {
            let modified = match prev_items.get(&advisory.id) {
                Some(prev) if prev.content_hash == content_hash => prev.date_modified,
                Some(_) => {
                    changes.changed.push(advisory.id.clone());
                    now
                }
                None => {
                    changes.added.push(advisory.id.clone());
                    advisory.published
                }
            };
            FeedItem {
                advisory,
                modified,
                content_hash,
            }
        })
        .collect();
    let current: BTreeSet<&CveId> = items.iter().map(|i| &i.advisory.id).collect();
    changes.removed = prev_items
        .keys()
        .filter(|id| !current.contains(id))
        .cloned()
        .collect();
    changes.added.sort();
    changes.changed.sort();

    items.sort_by(|a, b| {
        b.advisory
            .published
            .cmp(&a.advisory.published)
            .then_with(|| a.advisory.id.cmp(&b.advisory.id))
    });

    let mut hasher = Sha256::new();
    hasher.update(settings.as_bytes());
    for item in &items {
        hasher.update(b"\n");
        hasher.update(item.advisory.id.as_str().as_bytes());
        hasher.update(b" ");
        hasher.update(item.content_hash.as_bytes());
    }
    audit.sort();
    hasher.update(b"\naudit ");
    hasher.update(serde_json::to_vec(&audit).expect("findings serialize"));
    let content_hash = hex::encode(hasher.finalize());
    let updated_at = match previous {
        Some(m) if m.content_hash == content_hash => m.updated_at,
        _ => now,
    };
    (
        Feed {
            items,
            audit,
            updated_at,
            content_hash,
        },
        changes,
    )
}

/// The per-item state to record in the next manifest.
pub fn item_states(feed: &Feed) -> BTreeMap<CveId, ItemState> {
    feed.items
        .iter()
        .map(|i| {
            (
                i.advisory.id.clone(),
                ItemState {
                    content_hash: i.content_hash.clone(),
                    date_modified: i.modified,
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn advisory(id: &str, number: u64, published: &str, body: &str) -> Advisory {
        Advisory {
            published: published.parse().unwrap(),
            ..testing::advisory(id, number, body)
        }
    }

    #[test]
    fn the_earliest_issue_keeps_a_duplicated_id() {
        let (kept, dups) = dedupe(vec![
            advisory("CVE-2031-0001", 20, "2031-02-01T00:00:00Z", "later"),
            advisory("CVE-2031-0001", 10, "2031-01-01T00:00:00Z", "first"),
            advisory("CVE-2031-0002", 30, "2031-03-01T00:00:00Z", "other"),
        ]);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].issue.number, 10);
        assert_eq!(
            dups,
            [Duplicate {
                id: "CVE-2031-0001".parse().unwrap(),
                kept: 10,
                dropped: 20
            }]
        );
    }

    #[test]
    fn order_is_newest_first_then_id_and_the_hash_ignores_now() {
        let items = vec![
            advisory("CVE-2031-0002", 1, "2031-01-01T00:00:00Z", "a"),
            advisory("CVE-2031-0001", 1, "2031-01-01T00:00:00Z", "a"),
            advisory("CVE-2031-0003", 2, "2031-05-01T00:00:00Z", "b"),
        ];
        let t1 = "2031-06-01T00:00:00Z".parse().unwrap();
        let t2 = "2031-07-01T00:00:00Z".parse().unwrap();
        let (a, _) = build(items.clone(), vec![], None, "settings", t1);
        let (b, _) = build(items, vec![], None, "settings", t2);
        let ids: Vec<&str> = a.items.iter().map(|i| i.advisory.id.as_str()).collect();
        assert_eq!(ids, ["CVE-2031-0003", "CVE-2031-0001", "CVE-2031-0002"]);
        assert_eq!(a.content_hash, b.content_hash);
        let (c, _) = build(vec![], vec![], None, "other settings", t1);
        let (d, _) = build(vec![], vec![], None, "settings", t1);
        assert_ne!(c.content_hash, d.content_hash);
    }
}
