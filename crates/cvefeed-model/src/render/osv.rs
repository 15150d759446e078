//! `osv/<CVE-ID>.json` (one OSV 1.7 record per CVE) and `osv/all.zip` (all
//! of them, at the zip root, as OSV.dev publishes its exports).
//!
//! Owns the OSV layout: packages in the `Kubernetes` ecosystem named by Go
//! module, SEMVER ranges without `v`, references, and `database_specific`
//! recording where each field came from. Reads only the feed model; the
//! zip is deterministic (sorted names, fixed timestamps and permissions).

use std::io::{Cursor, Write};

use serde::Serialize;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::vocab::timestamp;
use super::{Artifact, RenderError, content_type};
use crate::advisory::Status;
use crate::advisory::vuln::{Affected, ReferenceKind, Upper, VersionRange, reference_kind};
use crate::feed::{Feed, FeedItem};
use crate::wire::Assessment;

/// The OSV schema version the records follow.
pub const SCHEMA_VERSION: &str = "1.7.0";

/// The OSV ecosystem of every package.
pub const ECOSYSTEM: &str = "Kubernetes";

/// Name of the archive of all records.
pub const ARCHIVE: &str = "osv/all.zip";

/// Prefix of every OSV object name.
pub const DIR: &str = super::vocab::OSV_DIR;

pub use super::vocab::record_name;

#[derive(Serialize)]
struct Record<'a> {
    schema_version: &'static str,
    id: &'a str,
    modified: String,
    published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    withdrawn: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    summary: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    details: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    severity: Vec<SeverityEntry<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    affected: Vec<AffectedEntry<'a>>,
    references: Vec<Reference>,
    database_specific: Value,
}

#[derive(Serialize)]
struct SeverityEntry<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    score: &'a str,
}

#[derive(Serialize)]
struct AffectedEntry<'a> {
    package: Package<'a>,
    ranges: Vec<Range>,
    database_specific: Value,
}

#[derive(Serialize)]
struct Package<'a> {
    ecosystem: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct Range {
    #[serde(rename = "type")]
    kind: &'static str,
    events: Vec<Value>,
}

#[derive(Serialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

/// The OSV ranges of one component. `fixed` and `last_affected` may not
/// share a range, so ranges ending in `fixed` (and an open-ended one) form
/// one SEMVER range and ranges ending in `last_affected` another.
fn osv_ranges(ranges: &[VersionRange]) -> Vec<Range> {
    let introduced = |r: &VersionRange| json!({"introduced": r.introduced.as_ref().map_or("0".to_string(), ToString::to_string)});
    let mut fixed_events = Vec::new();
    let mut last_events = Vec::new();
    for r in ranges {
        match &r.upper {
            Upper::Fixed(f) => {
                fixed_events.push(introduced(r));
                fixed_events.push(json!({"fixed": f.to_string()}));
            }
            Upper::LastAffected(l) => {
                last_events.push(introduced(r));
                last_events.push(json!({"last_affected": l.to_string()}));
            }
            Upper::Open => fixed_events.push(introduced(r)),
        }
    }
    [fixed_events, last_events]
        .into_iter()
        .filter(|e| !e.is_empty())
        .map(|events| Range {
            kind: "SEMVER",
            events,
        })
        .collect()
}

fn affected_entry(a: &Affected) -> Option<AffectedEntry<'_>> {
    let name = a.package.as_deref()?;
    Some(AffectedEntry {
        package: Package {
            ecosystem: ECOSYSTEM,
            name,
        },
        ranges: osv_ranges(&a.ranges),
        database_specific: affected_specific(a),
    })
}

/// What OSV's events cannot say of one component: fixes that end no range,
/// and the limits of what the source assessed (see [`Assessment`]): an
/// OSV reader takes every version outside the events as not affected,
/// which the source may not have said.
fn affected_specific(a: &Affected) -> Value {
    let mut db = json!({"component": a.component});
    if !a.fixed.is_empty() {
        // Releases that open a new minor line with the fix end no range,
        // so the events cannot say them.
        db["fixed_outside_ranges"] =
            json!(a.fixed.iter().map(ToString::to_string).collect::<Vec<_>>());
    }
    let assessment = Assessment::new(a);
    db["default_status"] = json!(assessment.default_status.as_str());
    if let Some(from) = assessment.assessed_from {
        db["assessed_from"] = json!(from);
    }
    if assessment.lower_bound_stated {
        db["lower_bound_stated"] = json!(true);
    }
    if !assessment.unknown.is_empty() {
        db["unknown"] = json!(assessment.unknown);
    }
    db
}

fn record<'a>(item: &'a FeedItem) -> Record<'a> {
    let a = &item.advisory;
    let v = &a.vuln;
    let severity = v
        .severity
        .iter()
        .map(|s| SeverityEntry {
            kind: if s.vector.starts_with("CVSS:4") {
                "CVSS_V4"
            } else {
                "CVSS_V3"
            },
            score: &s.vector,
        })
        .collect();
    let mut references = vec![
        Reference {
            kind: "ADVISORY",
            url: a.id.cve_org_url(),
        },
        Reference {
            kind: "REPORT",
            url: a.issue.url.clone(),
        },
    ];
    for url in &v.references {
        let kind = match reference_kind(url) {
            ReferenceKind::Advisory => "ADVISORY",
            ReferenceKind::Article => "ARTICLE",
            ReferenceKind::Fix => "FIX",
            ReferenceKind::Web => "WEB",
        };
        if !references.iter().any(|r| r.url == *url) {
            references.push(Reference {
                kind,
                url: url.clone(),
            });
        }
    }
    let unmapped: Vec<&str> = v
        .affected
        .iter()
        .filter(|x| x.package.is_none())
        .map(|x| x.component.as_str())
        .collect();
    let source: serde_json::Map<String, Value> = v
        .provenance
        .fields()
        .into_iter()
        .map(|(field, source)| (field.to_string(), json!(source.as_str())))
        .collect();
    let mut db = json!({
        "source": source,
        "issue_number": a.issue.number,
        "status": a.status.as_str(),
    });
    if !v.cwe.is_empty() {
        db["cwe"] = json!(v.cwe);
    }
    if let Some(dates) = &v.record {
        let mut record = serde_json::Map::new();
        if let Some(t) = dates.published {
            record.insert("date_published".into(), json!(timestamp(t)));
        }
        if let Some(t) = dates.updated {
            record.insert("date_updated".into(), json!(timestamp(t)));
        }
        db["cve_record"] = Value::Object(record);
    }
    if let Some(s) = &v.severity {
        db["cvss_score"] = json!(s.score);
        db["severity"] = json!(s.rating.as_str());
    }
    if !unmapped.is_empty() {
        db["unmapped_components"] = json!(unmapped);
    }
    Record {
        schema_version: SCHEMA_VERSION,
        id: a.id.as_str(),
        modified: timestamp(modified(item)),
        published: timestamp(a.published),
        withdrawn: withdrawn(item).map(timestamp),
        related: a.related.iter().map(|r| r.as_str()).collect(),
        summary: &a.summary,
        details: &a.body,
        severity,
        affected: v.affected.iter().filter_map(affected_entry).collect(),
        references,
        database_specific: db,
    }
}

/// When the CNA rejected the id: when the record says, or when the item
/// last changed.
fn withdrawn(item: &FeedItem) -> Option<chrono::DateTime<chrono::Utc>> {
    let a = &item.advisory;
    (a.status == Status::Rejected).then(|| {
        a.vuln
            .record
            .as_ref()
            .and_then(|d| d.updated)
            .unwrap_or(item.modified)
    })
}

/// The record's `modified`: never earlier than the newest source datum it
/// carries (the item's last change, the issue's last edit, the CVE
/// record's publication and update, the withdrawal), so that a reader that
/// syncs "modified since T" misses none of it.
fn modified(item: &FeedItem) -> chrono::DateTime<chrono::Utc> {
    let a = &item.advisory;
    let record = a.vuln.record.iter().flat_map(|d| [d.published, d.updated]);
    std::iter::once(Some(item.modified))
        .chain([a.edited])
        .chain(record)
        .chain([withdrawn(item)])
        .flatten()
        .max()
        .expect("the item's own time is there")
}

fn failed(e: impl std::error::Error + Send + Sync + 'static) -> RenderError {
    RenderError::Format {
        format: "OSV",
        source: Box::new(e),
    }
}

/// Indices of the feed's items in record order: by id.
pub fn record_order(feed: &Feed) -> Vec<usize> {
    let mut order: Vec<usize> = (0..feed.items.len()).collect();
    order.sort_by(|&a, &b| feed.items[a].advisory.id.cmp(&feed.items[b].advisory.id));
    order
}

/// Render `osv/<ID>.json` of one item.
pub fn render_record(item: &FeedItem) -> Result<Artifact, RenderError> {
    Artifact::json(
        record_name(&item.advisory.id),
        content_type::JSON,
        "OSV",
        &record(item),
    )
}

/// `osv/all.zip`, built one record at a time so that the records need not
/// all be held at once. Deterministic: records are added in
/// [`record_order`] as `<ID>.json` at the root, every entry dated
/// 1980-01-01 with mode 0644.
pub struct Archive {
    zip: ZipWriter<Cursor<Vec<u8>>>,
}

impl Default for Archive {
    fn default() -> Self {
        Archive::new()
    }
}

impl Archive {
    /// An empty archive.
    pub fn new() -> Archive {
        Archive {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    /// Add one rendered record.
    pub fn add(&mut self, record: &Artifact) -> Result<(), RenderError> {
        let options = SimpleFileOptions::DEFAULT
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::DEFAULT)
            .unix_permissions(0o644);
        let name = record.name.strip_prefix(DIR).unwrap_or(&record.name);
        self.zip.start_file(name, options).map_err(failed)?;
        self.zip.write_all(&record.bytes).map_err(failed)
    }

    /// The finished `osv/all.zip`.
    pub fn finish(self) -> Result<Artifact, RenderError> {
        Ok(Artifact {
            name: ARCHIVE.into(),
            content_type: content_type::ZIP,
            bytes: self.zip.finish().map_err(failed)?.into_inner(),
        })
    }
}
