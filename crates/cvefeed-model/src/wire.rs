//! The JSON shapes shared by the writer and the readers of the feed: the
//! JSON Feed 1.1 document ([`Document`]) with its `_kubernetes_io`
//! extension at feed level ([`FeedExtension`]) and item level
//! ([`ItemExtension`]: status, severity, components and the flat affected
//! ranges, [`AffectedRange`]).
//!
//! [`crate::render::jsonfeed`] writes these types and `cvefeed check` reads
//! them, so the two cannot drift apart. Field order is the published key
//! order. Writers fill every field; readers meet feeds from other versions
//! (the upstream feed of 2023 has only `google_group_url`, `issue_number`
//! and `status` in its item extension, some copies not even `status`), so
//! everything JSON Feed does not require is optional on reading. Text is
//! borrowed when writing and owned when read.
//!
//! Owns the shapes only: which value goes where is the writer's business,
//! what a missing value means is the reader's. No I/O.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::advisory::vuln::{Affected, DefaultStatus, Rating, Source, VersionRange};
use crate::advisory::{CveId, InvalidCveId, Status};

/// A date as the feed writes it: RFC 3339, UTC, whole seconds
/// (`2031-06-01T12:00:00Z`). Any RFC 3339 date is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| Timestamp(t.with_timezone(&Utc)))
            .map_err(|e| {
                let text = crate::clip(&text);
                serde::de::Error::custom(format!("{text:?} is not an RFC 3339 date: {e}"))
            })
    }
}

/// `index.json`: a JSON Feed 1.1 document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document<'a> {
    /// The JSON Feed version URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Cow<'a, str>>,
    /// The feed's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'a, str>>,
    /// The site the feed belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_page_url: Option<Cow<'a, str>>,
    /// Where this document is published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_url: Option<Cow<'a, str>>,
    /// What the feed is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'a, str>>,
    /// Who publishes it.
    #[serde(default)]
    pub authors: Vec<Author<'a>>,
    /// The feed-level extension.
    #[serde(rename = "_kubernetes_io", skip_serializing_if = "Option::is_none")]
    pub extension: Option<FeedExtension<'a>>,
    /// One item per CVE, newest first.
    pub items: Vec<Item<'a>>,
}

/// A JSON Feed author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author<'a> {
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Cow<'a, str>>,
    /// A page about them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Cow<'a, str>>,
}

/// `_kubernetes_io` of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeedExtension<'a> {
    /// The job (dashboard or CI) that refreshes the feed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_refresh_job: Option<Cow<'a, str>>,
    /// When the content last changed (never the time of a run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// One item: one CVE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item<'a> {
    /// The CVE id. cvefeed writes exactly one; the upstream script wrote
    /// all the ids of an issue in one item (`CVE-2023-2727, CVE-2023-2728`):
    /// read them with [`Item::cve_ids`].
    pub id: Cow<'a, str>,
    /// The announcing issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Cow<'a, str>>,
    /// The cve.org record ([`CveId::cve_org_url`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    /// The title without its CVE block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Cow<'a, str>>,
    /// The issue body, Markdown as written; cvefeed never writes `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_text: Option<Cow<'a, str>>,
    /// When the issue was opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_published: Option<Timestamp>,
    /// When the item's content last changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<Timestamp>,
    /// The item-level extension.
    #[serde(rename = "_kubernetes_io", skip_serializing_if = "Option::is_none")]
    pub extension: Option<ItemExtension<'a>>,
}

impl Item<'_> {
    /// The CVE ids the item's `id` names: one, or several separated by
    /// commas. Fails on the first part that is not a CVE id.
    pub fn cve_ids(&self) -> Result<Vec<CveId>, InvalidCveId> {
        self.id.split(',').map(|id| id.trim().parse()).collect()
    }
}

/// `_kubernetes_io` of an item: the upstream fields, then the structured
/// data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ItemExtension<'a> {
    /// A search for the CVE in the kubernetes-announce group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub google_group_url: Option<String>,
    /// The announcing issue's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_number: Option<u64>,
    /// Where the CVE stands. A status this version does not know (one a
    /// newer feed added) reads as `None`, like a missing one, so that a
    /// new status never makes a feed unreadable.
    #[serde(
        default,
        deserialize_with = "known_status",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<Status>,
    /// The CVSS band.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Rating>,
    /// The CVSS vector, as written (temporal and environmental metrics
    /// kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<Cow<'a, str>>,
    /// The base metrics of the vector alone: what the score is computed
    /// from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_base_vector: Option<String>,
    /// The CVSS base score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    /// Component names, in order of first appearance.
    #[serde(default)]
    pub components: Vec<String>,
    /// Affected ranges, one per component and range. Absent (not empty)
    /// when the feed carries no structured data at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected: Option<Vec<AffectedRange<'a>>>,
    /// Per component of `affected`: what its source says of the versions
    /// the ranges do not list ([`Assessment`]). Absent in feeds of older
    /// versions, whose readers must then take nothing beyond the ranges as
    /// known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assessment: Vec<Assessment<'a>>,
    /// The CNA's CVE record's own ranges, where they disagree with
    /// `affected` (the issue's) on whether some version is affected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cve_record_affected: Vec<AffectedRange<'a>>,
    /// The assessment of the ranges of `cve_record_affected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cve_record_assessment: Vec<Assessment<'a>>,
    /// Every fixed version of any range, ascending.
    #[serde(default)]
    pub fixed_versions: Vec<String>,
    /// CWE ids from the CNA's CVE record.
    #[serde(default)]
    pub cwe: Vec<String>,
    /// Where each structured field came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Sources>,
    /// Other CVE ids of the same issue.
    #[serde(default)]
    pub related: Vec<CveId>,
    /// The CVE's OSV record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub osv_url: Option<String>,
}

/// `_kubernetes_io.sources`: per field, where its value came from
/// (`osv_block`, `markdown`, `cve_record` or `none`). A source this
/// version does not know reads as `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sources {
    /// Of `severity`, `cvss_vector` and `cvss_score`.
    #[serde(default, deserialize_with = "known_source")]
    pub severity: Option<Source>,
    /// Of the ranges in `affected`.
    #[serde(default, deserialize_with = "known_source")]
    pub affected: Option<Source>,
    /// Of `fixed_versions`.
    #[serde(default, deserialize_with = "known_source")]
    pub fixed_versions: Option<Source>,
    /// Of `components`.
    #[serde(default, deserialize_with = "known_source")]
    pub components: Option<Source>,
    /// Of `cwe`.
    #[serde(default, deserialize_with = "known_source")]
    pub cwe: Option<Source>,
}

/// A source, or `None` for a missing or unknown one.
fn known_source<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Source>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

/// A status, or `None` for a missing or unknown one.
fn known_status<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Status>, D::Error> {
    let text = Option::<Cow<str>>::deserialize(deserializer)?;
    Ok(text.and_then(|s| s.parse().ok()))
}

/// One affected range of one component, flattened for feed readers: the
/// bounds of a [`VersionRange`] as version text. Readers parse the
/// versions, so that one they cannot read makes that CVE unassessable
/// rather than the whole feed unreadable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedRange<'a> {
    /// The component as the announcement names it.
    pub component: Cow<'a, str>,
    /// Its OSV package, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<Cow<'a, str>>,
    /// First affected version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// First fixed version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Last affected version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
}

impl<'a> AffectedRange<'a> {
    /// `range` of `component` (published under `package`), for writing.
    pub fn new(component: &'a str, package: Option<&'a str>, range: &VersionRange) -> Self {
        AffectedRange {
            component: Cow::Borrowed(component),
            package: package.map(Cow::Borrowed),
            introduced: range.introduced.as_ref().map(ToString::to_string),
            fixed: range.fixed().map(ToString::to_string),
            last_affected: range.last_affected().map(ToString::to_string),
        }
    }
}

/// What the source of one component's ranges says beyond them: the
/// versions it assessed, what it says of versions it does not list, and
/// the versions it calls unknown. A reader that ignores this object reads
/// every version outside the ranges as not affected, which the source may
/// not have said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment<'a> {
    /// The component, as in `affected`.
    pub component: Cow<'a, str>,
    /// What the source says of versions no range lists: `affected`,
    /// `unaffected` or `unknown` (CVE JSON 5's `defaultStatus`; an
    /// announcement lists affected versions only, so its default is
    /// `unknown`). A value this version does not know reads as `unknown`.
    #[serde(default, deserialize_with = "known_default")]
    pub default_status: DefaultStatus,
    /// The lowest version the source assessed: versions below it were not
    /// assessed (the Security Response Committee assesses supported minor
    /// lines only). Absent when the ranges start at the beginning or the
    /// source states where the affected versions begin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessed_from: Option<String>,
    /// Whether the source states the first affected version, so that the
    /// versions below the lowest range are not affected.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lower_bound_stated: bool,
    /// Versions the source calls unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Bounds>,
}

/// A range as version text: the OSV bound names, each optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    /// First version of the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// First version after it (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Last version of it (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
}

impl From<&VersionRange> for Bounds {
    fn from(range: &VersionRange) -> Bounds {
        Bounds {
            introduced: range.introduced.as_ref().map(ToString::to_string),
            fixed: range.fixed().map(ToString::to_string),
            last_affected: range.last_affected().map(ToString::to_string),
        }
    }
}

impl<'a> Assessment<'a> {
    /// The assessment of `affected`, for writing.
    pub fn new(affected: &'a Affected) -> Self {
        let c = &affected.coverage;
        Assessment {
            component: Cow::Borrowed(&affected.component),
            default_status: c.default_status,
            assessed_from: affected.assessed_from().map(ToString::to_string),
            lower_bound_stated: c.lower_bound_stated,
            unknown: c.unknown.iter().map(Bounds::from).collect(),
        }
    }
}

/// A default status, or `unknown` for one this version does not know.
fn known_default<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DefaultStatus, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}
