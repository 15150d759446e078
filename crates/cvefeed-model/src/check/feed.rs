//! Reading the bytes of a JSON Feed into [`FeedEntry`] values ([`parse_feed`]).
//!
//! The feed is read with the model's [`crate::wire`] types, the same ones
//! the feed is written with. The structured `_kubernetes_io` data is used
//! when present; otherwise the body parser ([`vuln::extract`]) is run on
//! `content_text`. Where the bytes came from (a store, a file, a URL) is
//! the binary's business: this module takes bytes and a location to name.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::UnknownReason;
use super::entry::{FeedEntry, FixNews, Origin, RangeData, RangePart, SeverityInfo, Unusable};
use super::version::parse_range_version;
use crate::advisory::vuln::{self, Affected, Coverage, VersionRange};
use crate::advisory::{CveId, InvalidCveId, Status};
use crate::wire::{AffectedRange, Assessment, Document, Item};

/// Why the bytes of a feed cannot be checked against.
#[derive(Debug, thiserror::Error)]
pub enum FeedParseError {
    /// The bytes are not a JSON Feed.
    #[error("{location} is not a JSON Feed")]
    NotJsonFeed {
        /// Where it came from.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// An item of the feed does not name a CVE id: the feed is refused
    /// rather than checked in part, since a skipped item could concern the
    /// cluster.
    #[error("{location}: item {item} does not name a CVE id; the feed cannot be checked")]
    ItemId {
        /// Where the feed came from.
        location: String,
        /// The item's position, from 1.
        item: usize,
        /// Why its id was refused.
        source: InvalidCveId,
    },
}

/// Group flat feed ranges into [`Affected`] entries, in order of first
/// appearance; an invalid version makes the whole CVE unassessable.
fn group_ranges(wire: &[AffectedRange]) -> Result<Vec<Affected>, Unusable> {
    let mut out: Vec<Affected> = Vec::new();
    for w in wire {
        let invalid = |part: RangePart, error: &dyn std::fmt::Display| Unusable::Invalid {
            component: w.component.to_string(),
            part,
            error: error.to_string(),
        };
        let parse = |field: &'static str, v: &Option<String>| {
            v.as_deref()
                .map(parse_range_version)
                .transpose()
                .map_err(|e| invalid(RangePart::Bound(field), &e))
        };
        let range = VersionRange::from_bounds(
            parse("introduced", &w.introduced)?,
            parse("fixed", &w.fixed)?,
            parse("last_affected", &w.last_affected)?,
        )
        .map_err(|e| invalid(RangePart::Range, &e))?;
        let package = w.package.as_deref();
        match out
            .iter_mut()
            .find(|a| a.component == w.component && a.package.as_deref() == package)
        {
            Some(a) => a.ranges.push(range),
            None => out.push(Affected {
                component: w.component.to_string(),
                package: package.map(str::to_string),
                ranges: vec![range],
                fixed: Vec::new(),
                coverage: Coverage::default(),
            }),
        }
    }
    Ok(out)
}

/// The ranges of `wire`, each component with its published assessment. A
/// component without one (a feed of an older version) says nothing beyond
/// its ranges: versions they do not list are unknown, not cleared.
fn assessed_ranges(
    wire: &[AffectedRange],
    assessment: &[Assessment],
) -> Result<Vec<Affected>, Unusable> {
    let mut affected = group_ranges(wire)?;
    for a in &mut affected {
        let Some(found) = assessment.iter().find(|x| x.component == a.component) else {
            continue;
        };
        let unknown = found
            .unknown
            .iter()
            .map(|b| {
                let parse = |v: &Option<String>| v.as_deref().map(parse_range_version).transpose();
                let bad = |e: &dyn std::fmt::Display| Unusable::Invalid {
                    component: a.component.clone(),
                    part: RangePart::UnknownRange,
                    error: e.to_string(),
                };
                VersionRange::from_bounds(
                    parse(&b.introduced).map_err(|e| bad(&e))?,
                    parse(&b.fixed).map_err(|e| bad(&e))?,
                    parse(&b.last_affected).map_err(|e| bad(&e))?,
                )
                .map_err(|e| bad(&e))
            })
            .collect::<Result<Vec<_>, Unusable>>()?;
        a.coverage = Coverage {
            unknown,
            default_status: found.default_status,
            lower_bound_stated: found.lower_bound_stated,
        };
    }
    Ok(affected)
}

/// Turn the bytes of a JSON Feed into entries, one per CVE id. Items are
/// kept in feed order; an item naming several ids (as the upstream script
/// wrote them) gives one entry per id; a repeated id keeps its first entry.
/// A feed with an item whose id is not a CVE id is refused, naming the item,
/// rather than checked in part: a check that skipped an item could pass a
/// cluster that item concerns.
pub fn parse_feed(bytes: &[u8], location: &str) -> Result<Vec<FeedEntry>, FeedParseError> {
    let feed: Document =
        serde_json::from_slice(bytes).map_err(|source| FeedParseError::NotJsonFeed {
            location: location.to_string(),
            source,
        })?;
    let mut seen = BTreeSet::new();
    let mut entries = Vec::new();
    for (n, item) in feed.items.into_iter().enumerate() {
        let ids = item.cve_ids().map_err(|source| FeedParseError::ItemId {
            location: location.to_string(),
            item: n + 1,
            source,
        })?;
        let fresh: Vec<CveId> = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        let Some(first) = fresh.first() else {
            continue;
        };
        let read = entry(first, item);
        entries.extend(fresh.into_iter().map(|id| FeedEntry { id, ..read.clone() }));
    }
    Ok(entries)
}

fn entry(id: &CveId, item: Item) -> FeedEntry {
    let ext = item.extension.unwrap_or_default();
    let body = item.content_text.unwrap_or_default();
    let structured = ext
        .affected
        .as_deref()
        .map(|wire| assessed_ranges(wire, &ext.assessment));
    // The record's own ranges, where they disagree with the issue's; an
    // unreadable copy is left out (the issue's ranges still stand).
    let record_ranges =
        assessed_ranges(&ext.cve_record_affected, &ext.cve_record_assessment).unwrap_or_default();
    let usable = matches!(&structured, Some(Ok(a)) if !a.is_empty());
    // The body parser runs only for what the feed does not give.
    let parsed = (!usable || ext.severity.is_none()).then(|| vuln::extract(&body));
    let from_body = parsed.as_ref().filter(|p| !p.affected.is_empty());
    let ranges = match (structured, from_body) {
        (Some(Ok(affected)), _) if usable => RangeData::Known {
            affected,
            origin: Origin::Feed,
        },
        (_, Some(p)) => RangeData::Known {
            affected: p.affected.clone(),
            origin: Origin::Description,
        },
        (Some(Err(reason)), None) => RangeData::Unknown {
            why: UnknownReason::InvalidRanges,
            reason,
        },
        (structured, None) => RangeData::Unknown {
            why: UnknownReason::NoAffectedVersions,
            reason: Unusable::Missing {
                structured: structured.is_some(),
                empty_description: body.trim().is_empty(),
            },
        },
    };
    let severity = match ext.severity {
        Some(rating) => Some(SeverityInfo {
            rating,
            score: ext.cvss_score,
            vector: ext.cvss_vector.map(Cow::into_owned),
        }),
        None => parsed.and_then(|p| p.severity).map(|s| SeverityInfo {
            rating: s.rating,
            score: Some(s.score),
            vector: Some(s.vector),
        }),
    };
    let fix_news = if ext.status == Some(Status::Unfixed) || vuln::markdown::states_no_fix(&body) {
        FixNews::NoFix
    } else {
        FixNews::Ranges
    };
    FeedEntry {
        fix_news,
        url: item
            .url
            .map(Cow::into_owned)
            .or(item.external_url)
            .unwrap_or_else(|| id.cve_org_url()),
        id: id.clone(),
        summary: item.summary.unwrap_or_default().trim().to_string(),
        status: ext.status,
        severity,
        ranges,
        record_ranges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_a_feed_are_refused() {
        let err = parse_feed(b"<html>", "somewhere").unwrap_err();
        assert!(matches!(err, FeedParseError::NotJsonFeed { .. }));
        assert_eq!(err.to_string(), "somewhere is not a JSON Feed");
    }

    #[test]
    fn an_item_without_a_cve_id_refuses_the_feed() {
        let feed = br#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"GHSA-1","content_text":""}]}"#;
        let err = parse_feed(feed, "f.json").unwrap_err();
        assert!(
            matches!(err, FeedParseError::ItemId { item: 1, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn an_item_without_structured_data_or_description_has_no_ranges() {
        let feed = br#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"CVE-2024-3001","url":"https://example.org/3001","summary":" s ","content_text":""}]}"#;
        let entries = parse_feed(feed, "f.json").unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id.as_str(), "CVE-2024-3001");
        assert_eq!(entries[0].summary, "s");
        assert_eq!(entries[0].url, "https://example.org/3001");
        assert_eq!(
            entries[0].ranges,
            RangeData::Unknown {
                why: UnknownReason::NoAffectedVersions,
                reason: Unusable::Missing {
                    structured: false,
                    empty_description: true,
                },
            }
        );
    }
}
