//! OSV output: every record of the fixtures deserialises with the `osv`
//! crate, one record matches its expected JSON exactly, multi-CVE issues
//! relate their records, and `osv/all.zip` is deterministic and holds every
//! record at its root.

mod support;

use std::io::Read;

use cvefeed_model::feed::Feed;
use cvefeed_model::render::osv::ARCHIVE;
use cvefeed_model::render::{self, Artifact, Part, SiteConfig, content_type};
use serde_json::{Value, json};
use support::{advisories, advisory, body, feed_of};

/// The records and the archive, in write order.
fn render(feed: &Feed) -> Vec<Artifact> {
    render::parts(feed)
        .into_iter()
        .filter(|p| matches!(p, Part::Record(_) | Part::Archive))
        .map(|p| render::render(feed, &SiteConfig::default(), p).unwrap())
        .collect()
}

fn record<'a>(artifacts: &'a [Artifact], id: &str) -> &'a Artifact {
    let name = format!("osv/{id}.json");
    artifacts
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn every_record_deserialises_with_the_osv_crate() {
    let advisories = advisories();
    let artifacts = render(&feed_of(advisories.clone()));
    assert_eq!(artifacts.len(), advisories.len() + 1);
    for a in &advisories {
        let art = record(&artifacts, a.id.as_str());
        assert_eq!(art.content_type, content_type::JSON);
        let parsed: osv::schema::Vulnerability =
            serde_json::from_slice(&art.bytes).unwrap_or_else(|e| panic!("{}: {e}", art.name));
        assert_eq!(parsed.id, a.id.as_str());
        assert_eq!(parsed.schema_version.as_deref(), Some("1.7.0"));
        assert_eq!(parsed.published, Some(a.published));
        let affected = parsed.affected.unwrap_or_default();
        let mapped = a
            .vuln
            .affected
            .iter()
            .filter(|x| x.package.is_some())
            .count();
        assert_eq!(affected.len(), mapped, "{}", a.id);
        for entry in affected {
            let package = entry.package.expect("a package");
            assert_eq!(package.ecosystem, osv::schema::Ecosystem::Kubernetes);
            for range in entry.ranges.expect("ranges") {
                assert!(matches!(range.range_type, osv::schema::RangeType::Semver));
                for event in range.events {
                    let (osv::schema::Event::Introduced(v)
                    | osv::schema::Event::Fixed(v)
                    | osv::schema::Event::LastAffected(v)
                    | osv::schema::Event::Limit(v)) = event
                    else {
                        unreachable!("an event we do not write: {event:?}")
                    };
                    assert!(v == "0" || semver::Version::parse(&v).is_ok(), "{v}");
                }
            }
        }
    }
}

#[test]
fn a_record_in_full() {
    let advisories = advisories();
    let feed = feed_of(advisories);
    let artifacts = render(&feed);
    let got: Value = serde_json::from_slice(&record(&artifacts, "CVE-2031-0001").bytes).unwrap();
    let text = body("hand_edited_cvss.md");
    let expected = json!({
        "schema_version": "1.7.0",
        "id": "CVE-2031-0001",
        "modified": "2031-03-01T12:00:00Z",
        "published": "2031-03-01T12:00:00Z",
        "related": ["CVE-2031-0002"],
        "summary": "Summary of CVE-2031-0001",
        "details": text,
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}],
        "affected": [{
            "package": {"ecosystem": "Kubernetes", "name": "k8s.io/apiserver"},
            "ranges": [{"type": "SEMVER", "events": [
                {"introduced": "0"}, {"fixed": "1.39.10"},
                {"introduced": "1.40.0"}, {"fixed": "1.40.8"},
                {"introduced": "1.41.0"}, {"fixed": "1.41.4"}
            ]}],
            "database_specific": {"component": "kube-apiserver", "default_status": "unknown"}
        }],
        "references": [
            {"type": "ADVISORY", "url": "https://www.cve.org/cverecord?id=CVE-2031-0001"},
            {"type": "REPORT", "url": "https://github.com/kubernetes/kubernetes/issues/500"},
            {"type": "ARTICLE", "url": "https://groups.google.com/g/kubernetes-security-announce/c/example-thread"},
            {"type": "FIX", "url": "https://github.com/kubernetes/kubernetes/pull/1001"}
        ],
        "database_specific": {
            "source": {
                "severity": "markdown",
                "affected": "markdown",
                "fixed_versions": "markdown",
                "components": "markdown",
                "cwe": "none"
            },
            "issue_number": 500,
            "status": "fixed",
            "cvss_score": 6.5,
            "severity": "MEDIUM"
        }
    });
    assert_eq!(got, expected);
    let other: Value = serde_json::from_slice(&record(&artifacts, "CVE-2031-0002").bytes).unwrap();
    assert_eq!(other["related"], json!(["CVE-2031-0001"]));
}

#[test]
fn fixed_and_last_affected_ranges_are_kept_apart() {
    let a = advisory("CVE-2031-0100", &[], 7, &body("srctl_block_malformed.md"));
    let artifacts = render(&feed_of(vec![a]));
    let got: Value = serde_json::from_slice(&record(&artifacts, "CVE-2031-0100").bytes).unwrap();
    assert_eq!(
        got["affected"][0]["ranges"],
        json!([
            {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.40.2"}]},
            {"type": "SEMVER", "events": [{"introduced": "1.41.0"}, {"last_affected": "1.41.0"}]}
        ])
    );
}

#[test]
fn records_without_data_and_unmapped_components() {
    let bare = advisory("CVE-2031-0200", &[], 8, &body("no_data.md"));
    let unknown = advisory("CVE-2031-0201", &[], 9, &body("unknown_component.md"));
    let artifacts = render(&feed_of(vec![bare, unknown]));
    let bare: Value = serde_json::from_slice(&record(&artifacts, "CVE-2031-0200").bytes).unwrap();
    assert!(bare.get("affected").is_none() && bare.get("severity").is_none());
    assert_eq!(
        bare["database_specific"]["source"],
        json!({
            "severity": "none",
            "affected": "none",
            "fixed_versions": "none",
            "components": "none",
            "cwe": "none"
        })
    );
    let unknown: Value =
        serde_json::from_slice(&record(&artifacts, "CVE-2031-0201").bytes).unwrap();
    assert!(unknown.get("affected").is_none());
    assert_eq!(
        unknown["database_specific"]["unmapped_components"],
        json!(["widget-operator"])
    );
}

#[test]
fn archive_is_deterministic_and_holds_every_record_at_its_root() {
    let advisories = advisories();
    let first = render(&feed_of(advisories.clone()));
    let mut reversed = advisories.clone();
    reversed.reverse();
    let second = render(&feed_of(reversed));
    let zip_of = |arts: &[Artifact]| arts.iter().find(|a| a.name == ARCHIVE).unwrap().clone();
    let (z1, z2) = (zip_of(&first), zip_of(&second));
    assert_eq!(z1.content_type, content_type::ZIP);
    assert_eq!(z1.bytes, z2.bytes, "same input, same archive bytes");
    assert_eq!(
        first.last().unwrap().name,
        ARCHIVE,
        "archive comes after the records"
    );

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(z1.bytes)).unwrap();
    let mut ids: Vec<String> = advisories.iter().map(|a| a.id.to_string()).collect();
    ids.sort();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ids.iter().map(|i| format!("{i}.json")).collect::<Vec<_>>()
    );
    for id in &ids {
        let mut content = Vec::new();
        archive
            .by_name(&format!("{id}.json"))
            .unwrap()
            .read_to_end(&mut content)
            .unwrap();
        assert_eq!(content, record(&first, id).bytes, "{id}");
    }
}

/// `modified` is never earlier than the newest source datum a record
/// carries: on a first publication (where the item's time is the issue's
/// creation) it is the CVE record's update, or the last edit, when
/// they are later; a withdrawn record is modified no earlier than withdrawn.
#[test]
fn modified_is_never_earlier_than_the_data() {
    use cvefeed_model::advisory::Status;
    use cvefeed_model::advisory::vuln::RecordDates;
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let mut a = advisory("CVE-2031-0300", &[], 300, &body("hand_edited_cvss.md"));
    a.vuln.record = Some(RecordDates {
        published: None,
        updated: Some(at("2031-05-02T08:00:00Z")),
    });
    let mut b = advisory("CVE-2031-0301", &[], 301, &body("hand_edited_cvss.md"));
    b.edited = Some(at("2031-04-01T09:30:00Z"));
    let mut c = a.clone();
    c.id = "CVE-2031-0302".parse().unwrap();
    c.status = Status::Rejected;
    let feed = feed_of(vec![a, b, c]);
    let artifacts = render(&feed);
    let field = |id: &str, key: &str| -> Value {
        serde_json::from_slice::<Value>(&record(&artifacts, id).bytes).unwrap()[key].clone()
    };
    assert_eq!(field("CVE-2031-0300", "modified"), "2031-05-02T08:00:00Z");
    assert_eq!(field("CVE-2031-0301", "modified"), "2031-04-01T09:30:00Z");
    assert_eq!(field("CVE-2031-0302", "withdrawn"), "2031-05-02T08:00:00Z");
    assert_eq!(field("CVE-2031-0302", "modified"), "2031-05-02T08:00:00Z");
}
