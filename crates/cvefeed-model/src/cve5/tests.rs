//! Reading CVE records, and merging and auditing them against issues.
//!
//! Every shape of `affected` that the real records take (the codes of the
//! real data's `INDEX.md`) has a record written in that shape, with
//! invented versions, in `testdata/affected_shapes.json`, together with
//! the ranges and warnings read from it.

use serde_json::{Value, json};

use super::*;
use crate::advisory::vuln::Warning;

const ID: &str = "CVE-2031-4242";

fn id() -> CveId {
    ID.parse().unwrap()
}

fn v(s: &str) -> semver::Version {
    semver::Version::parse(s).unwrap()
}

/// A record of [`ID`] with this `affected` list and a CNA title.
fn doc(affected: Value, title: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {
            "cveId": ID,
            "state": "PUBLISHED",
            "datePublished": "2031-03-01T10:00:00.000Z",
            "dateUpdated": "2031-03-02T10:00:00"
        },
        "containers": {"cna": {
            "title": title,
            "descriptions": [{"lang": "en", "value": "A flaw written for this test."}],
            "affected": affected,
            "problemTypes": [{"descriptions": [
                {"cweId": "CWE-863", "description": "CWE-863 Incorrect Authorization", "lang": "en", "type": "CWE"},
                {"description": "CWE-20: Improper Input Validation", "lang": "en", "type": "CWE"},
                {"description": "free text", "lang": "en", "type": "text"}
            ]}],
            "metrics": [
                {"cvssV4_0": {"vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}},
                {"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "baseScore": 8.8}}
            ]
        }}
    }))
    .unwrap()
}

fn kubernetes(versions: Value) -> Value {
    json!([{"vendor": "Kubernetes", "product": "Kubernetes", "versions": versions}])
}

fn read(affected: Value) -> CveRecord {
    read_titled(affected, "A flaw")
}

fn read_titled(affected: Value, title: &str) -> CveRecord {
    parse(&doc(affected, title), &id(), &[]).unwrap()
}

/// Ranges per component as compact strings: `kubelet 1.2.0..1.2.5`.
fn show(r: &CveRecord) -> Vec<String> {
    r.affected
        .iter()
        .flat_map(|a| {
            a.ranges.iter().map(move |r| {
                let from = r.introduced.as_ref().map_or("0".into(), |i| i.to_string());
                let to = match &r.upper {
                    Upper::Fixed(f) => format!("..{f}"),
                    Upper::LastAffected(l) => format!("..={l}"),
                    Upper::Open => "..".into(),
                };
                format!("{} {from}{to}", a.component)
            })
        })
        .collect()
}

use crate::advisory::vuln::Upper;

#[test]
fn metadata_cwe_and_metrics() {
    let r = read(kubernetes(
        json!([{"status": "affected", "version": "1.40.1"}]),
    ));
    assert_eq!(r.state, RecordState::Published);
    assert_eq!(
        r.dates.published.unwrap().to_rfc3339(),
        "2031-03-01T10:00:00+00:00"
    );
    // A date without a zone is UTC.
    assert_eq!(
        r.dates.updated.unwrap().to_rfc3339(),
        "2031-03-02T10:00:00+00:00"
    );
    assert_eq!(r.cwe, ["CWE-863", "CWE-20"]);
    let vectors: Vec<&str> = r.severities.iter().map(|s| s.vector.as_str()).collect();
    assert_eq!(
        vectors,
        [
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ]
    );
    assert_eq!(r.severity().unwrap().score, 8.8);
}

#[test]
fn rejected_records_and_wrong_ids() {
    let rejected = json!({
        "cveMetadata": {"cveId": ID, "state": "REJECTED", "dateUpdated": "2031-04-01T00:00:00Z"},
        "containers": {"cna": {"rejectedReasons": [{"lang": "en", "value": "Duplicate."}]}}
    });
    let r = parse(&serde_json::to_vec(&rejected).unwrap(), &id(), &[]).unwrap();
    assert_eq!(r.state, RecordState::Rejected);
    assert!(r.affected.is_empty());
    let other: CveId = "CVE-2031-4243".parse().unwrap();
    let e = parse(&doc(json!([]), "t"), &other, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the CVE record is for \"CVE-2031-4242\", not CVE-2031-4243"
    );
    assert!(matches!(
        parse(b"{not json", &id(), &[]),
        Err(RecordError::Json(_))
    ));
    let big = vec![b' '; MAX_RECORD_BYTES + 1];
    assert!(matches!(
        parse(&big, &id(), &[]),
        Err(RecordError::TooLarge { .. })
    ));
    let odd = json!({"cveMetadata": {"cveId": ID, "state": "RESERVED"}});
    assert_eq!(
        parse(&serde_json::to_vec(&odd).unwrap(), &id(), &[])
            .unwrap_err()
            .to_string(),
        "the CVE record's state \"RESERVED\" is neither PUBLISHED nor REJECTED"
    );
}

/// A record with a list longer than [`MAX_RECORD_ENTRIES`] is refused, with
/// the list named; one at the limit is read.
#[test]
fn records_with_too_many_entries_are_refused() {
    let versions = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({"status": "affected", "version": format!("1.{i}.0"), "lessThan": format!("1.{i}.5")}))
            .collect()
    };
    let at_limit = read(kubernetes(versions(MAX_RECORD_ENTRIES)));
    assert_eq!(at_limit.fixed_versions.len(), MAX_RECORD_ENTRIES);
    // The versions of every product count together.
    let two_products = json!([
        {"product": "Kubernetes", "versions": versions(MAX_RECORD_ENTRIES / 2)},
        {"product": "kubelet", "versions": versions(MAX_RECORD_ENTRIES / 2 + 1)}
    ]);
    assert_eq!(
        parse(&doc(two_products, "t"), &id(), &[])
            .unwrap_err()
            .to_string(),
        format!(
            "the CVE record has {} affected versions, more than the limit of {MAX_RECORD_ENTRIES}",
            MAX_RECORD_ENTRIES + 1
        )
    );
    let with = |key: &str, value: Value| {
        let mut record: Value = serde_json::from_slice(&doc(json!([]), "t")).unwrap();
        record["containers"]["cna"][key] = value;
        parse(&serde_json::to_vec(&record).unwrap(), &id(), &[])
    };
    let metric =
        json!({"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}});
    assert!(with("metrics", json!(vec![metric.clone(); MAX_RECORD_ENTRIES])).is_ok());
    assert!(matches!(
        with("metrics", json!(vec![metric; MAX_RECORD_ENTRIES + 1])),
        Err(RecordError::TooManyEntries { list: "metrics", count }) if count == MAX_RECORD_ENTRIES + 1
    ));
    let cwe = json!({"cweId": "CWE-20"});
    let problems = json!([
        {"descriptions": vec![cwe.clone(); MAX_RECORD_ENTRIES]},
        {"descriptions": [cwe]}
    ]);
    assert!(matches!(
        with("problemTypes", problems),
        Err(RecordError::TooManyEntries {
            list: "problem type descriptions",
            ..
        })
    ));
}

/// One record of a shape of `affected` that the real records take, from
/// `testdata/affected_shapes.json`.
#[derive(serde::Deserialize)]
struct Shape {
    /// The shape's code in the real data's `INDEX.md`; a second record of a
    /// shape adds what it shows (`D4, with a bound`).
    shape: String,
    /// What the shape is, and what reading it shows.
    about: String,
    /// The CNA title, when the shape needs one.
    title: Option<String>,
    /// The record's `affected` list.
    affected: Value,
    /// The ranges read, as [`show`] writes them.
    ranges: Vec<String>,
    /// The warnings read, as they are logged.
    #[serde(default)]
    warnings: Vec<String>,
}

impl Shape {
    fn read(&self) -> CveRecord {
        let title = self.title.as_deref().unwrap_or("A flaw");
        read_titled(self.affected.clone(), title)
    }
}

fn shapes() -> Vec<Shape> {
    serde_json::from_str(include_str!("testdata/affected_shapes.json")).unwrap()
}

/// The record of the shape named `name`.
fn shape(name: &str) -> CveRecord {
    shapes().iter().find(|s| s.shape == name).unwrap().read()
}

#[test]
fn every_shape_reads_as_its_ranges_and_warnings() {
    for s in shapes() {
        let r = s.read();
        let case = format!("shape {}: {}", s.shape, s.about);
        assert_eq!(show(&r), s.ranges, "{case}");
        let warnings: Vec<String> = r.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings, s.warnings, "{case}");
    }
}

/// What shapes say besides their ranges: fixed versions (the end of a bare
/// line is none, an unaffected version is one), the package of the first
/// component, and the components the record names.
#[test]
fn fixed_versions_packages_and_named_components_of_the_shapes() {
    assert_eq!(shape("D1").fixed_versions, [v("1.41.4"), v("1.42.2")]);
    assert_eq!(shape("G").fixed_versions, [v("1.41.2")]);
    let k = shape("K");
    assert_eq!(k.fixed_versions, [v("1.44.5"), v("1.45.1")]);
    assert_eq!(k.affected[0].package.as_deref(), Some("k8s.io/apiserver"));
    let j2 = shape("J2");
    assert_eq!(j2.affected[0].package.as_deref(), Some("k8s.io/kubelet"));
    assert_eq!(j2.named_components, ["kubelet"]);
    let d4 = shape("D4, with a bound");
    assert_eq!(d4.affected[0].package, None);
    assert_eq!(d4.named_components, ["example/plugins"]);
    assert_eq!(shape("E").named_components, ["kubelet"]);
}

/// The warnings of the shapes that warn, as values.
#[test]
fn warnings_of_the_shapes() {
    let f = shape("F");
    assert!(f.affected.is_empty());
    assert_eq!(
        f.warnings,
        [Warning::RecordNoVersions {
            component: "n/a".into(),
            raw: "version \"n/a\"".into()
        }]
    );
    assert!(shape("G, a range that covers nothing").affected.is_empty());
    assert_eq!(
        shape("I").warnings,
        [Warning::RecordUnreadableVersion {
            component: "external-provisioner".into(),
            raw: "version \"v1.14\", lessThan \"prior to 0.4.3\"".into()
        }]
    );
    // A product is quoted, never copied whole.
    let long = format!("Kubernetes {}", "x".repeat(10_000));
    let r =
        read(json!([{"product": long, "versions": [{"status": "affected", "version": "n/a"}]}]));
    assert_eq!(
        r.warnings,
        [Warning::RecordNoVersions {
            component: crate::clip(&long),
            raw: "version \"n/a\"".into()
        }]
    );
    assert_eq!(crate::clip(&long).chars().count(), crate::QUOTED_CHARS);
}

/// Version parts at `u64::MAX`: the minor line numbered so has no next
/// line to end before, so the range it stands for is open.
#[test]
fn a_minor_line_at_the_largest_number_is_open_ended() {
    let max = u64::MAX;
    let line = format!("kubernetes 1.{max}.0..");
    let from_1 = "kubernetes 1.0.0..".to_string();
    for (version, expected) in [
        (
            json!({"status": "affected", "version": format!("1.{max}")}),
            &line,
        ),
        (
            json!({"status": "affected", "version": format!("v1.{max}.x")}),
            &line,
        ),
        (
            json!({"status": "affected", "version": "1.0.0", "lessThanOrEqual": format!("1.{max}")}),
            &from_1,
        ),
        (
            json!({"status": "affected", "version": "1.0.0", "lessThan": format!("1.{max}*")}),
            &from_1,
        ),
        (
            json!({"status": "affected", "version": format!("1.0.0 - 1.{max}")}),
            &from_1,
        ),
    ] {
        let r = read(kubernetes(json!([version])));
        assert_eq!(show(&r), std::slice::from_ref(expected), "{version}");
    }
}

#[test]
fn a_generic_product_takes_the_issues_only_component() {
    let bytes = doc(
        kubernetes(json!([{"status": "affected", "version": "unspecified", "lessThan": "1.40.2"}])),
        "A flaw",
    );
    let r = parse(&bytes, &id(), &["kube-proxy".to_string()]).unwrap();
    assert_eq!(show(&r), ["kube-proxy 0..1.40.2"]);
    // Taken from the issue, not named by the record.
    assert!(r.named_components.is_empty());
}

mod merge_and_audit {
    use chrono::TimeDelta;

    use super::*;
    use crate::advisory::vuln::{self, Source};
    use crate::advisory::{Advisory, Status};
    use crate::cve5::audit::{IssueSide, Lookup};
    use crate::testing;

    /// An issue body in the shape of CVE-2023-2431's announcement, with
    /// invented versions: the issue says 1.41.1 is affected and fixed in
    /// 1.41.2.
    const BODY: &str = "CVSS Rating: [CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N](https://www.first.org/cvss/calculator/3.1#CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N)\n\n\
#### Affected Versions\n\n- kubelet v1.41.0 - v1.41.1\n- kubelet v1.40.0 - v1.40.3\n- kubelet <= v1.39.8\n\n\
#### Fixed Versions\n\n- kubelet v1.41.2\n- kubelet v1.40.4\n- kubelet v1.39.9\n";

    /// Its record: every bound one patch lower than the issue's on the
    /// newest line (`lessThan v1.41.1`), and another CVSS vector.
    fn record_doc() -> Vec<u8> {
        let mut doc: Value = serde_json::from_slice(&doc(
            json!([{"product": "Kubernetes", "vendor": "Kubernetes", "defaultStatus": "unaffected", "versions": [
                {"status": "affected", "version": "0", "lessThan": "v1.39.9", "versionType": "kubelet v1.39"},
                {"status": "affected", "version": "v1.40.0", "lessThan": "v1.40.4", "versionType": "kubelet v1.40"},
                {"status": "affected", "version": "v1.41.0", "lessThan": "v1.41.1", "versionType": "kubelet v1.41"}
            ]}]),
            "Bypass of a profile",
        ))
        .unwrap();
        doc["containers"]["cna"]["metrics"] = json!([{"cvssV3_1": {
            "vectorString": "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L"
        }}]);
        serde_json::to_vec(&doc).unwrap()
    }

    /// An advisory of [`ID`] announced by kubernetes/kubernetes#1, edited
    /// 2031-03-01.
    fn advisory(body: &str) -> Advisory {
        Advisory {
            issue: testing::issue("kubernetes/kubernetes", 1),
            edited: Some("2031-03-01T00:00:00Z".parse().unwrap()),
            vuln: vuln::extract(body),
            ..testing::advisory(ID, 1, body)
        }
    }

    fn findings(a: &Advisory, r: &CveRecord) -> Vec<Finding> {
        let side = IssueSide {
            id: &a.id,
            vuln: &a.vuln,
            edited: a.edited,
        };
        audit(side, Lookup::Found(r), TimeDelta::days(30))
    }

    #[test]
    fn a_bound_one_patch_lower_is_found_at_its_probes() {
        let a = advisory(BODY);
        let r = parse(&record_doc(), &id(), &a.vuln.components()).unwrap();
        let got = findings(&a, &r);
        let row = |f: &Finding| {
            format!(
                "{} | {} | {} | {}",
                f.field.as_str(),
                f.probe.as_deref().unwrap_or("-"),
                f.issue_says,
                f.record_says
            )
        };
        assert_eq!(
            got.iter().map(row).collect::<Vec<_>>(),
            [
                "affected | kubelet 1.41.1 | affected | not affected",
                "fixed_versions | - | 1.39.9, 1.40.4, 1.41.2 | 1.39.9, 1.40.4, 1.41.1",
                "cvss_base_vector | - | CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N | CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L",
                "severity | - | LOW 3.4 | MEDIUM 4.2",
            ]
        );
        assert!(got.iter().all(|f| f.id == id()));
        // The wire form.
        assert_eq!(
            serde_json::to_value(&got[0]).unwrap(),
            json!({"id": ID, "field": "affected", "issue_says": "affected",
                   "record_says": "not affected", "probe": "kubelet 1.41.1"})
        );
    }

    /// A bound at the largest patch number has no patch release after it:
    /// that probe is skipped, the others are made.
    #[test]
    fn a_bound_at_the_largest_patch_number_is_probed_without_overflow() {
        let max = u64::MAX;
        let record = doc(
            json!([{"product": "Kubernetes", "vendor": "Kubernetes", "versions": [
                {"status": "affected", "version": "0", "lessThan": "v1.39.9", "versionType": "kubelet v1.39"},
                {"status": "affected", "version": "v1.40.0", "lessThan": "v1.40.4", "versionType": "kubelet v1.40"},
                {"status": "affected", "version": "v1.41.0", "lessThan": format!("v1.41.{max}"), "versionType": "kubelet v1.41"}
            ]}]),
            "A flaw",
        );
        let a = advisory(BODY);
        let r = parse(&record, &id(), &a.vuln.components()).unwrap();
        let probes: Vec<String> = findings(&a, &r)
            .into_iter()
            .filter(|f| f.field == Field::Affected)
            .filter_map(|f| f.probe)
            .collect();
        assert_eq!(
            probes,
            [
                "kubelet 1.41.2".to_string(),
                "kubelet 1.41.3".to_string(),
                format!("kubelet 1.41.{}", max - 1),
            ]
        );
    }

    /// The record source is asked once per advisory, and what it gives is
    /// both audited and merged.
    #[test]
    fn cross_checking_asks_for_each_record_once() {
        let bytes = record_doc();
        let asked = std::cell::Cell::new(0);
        let mut advisories = [advisory(BODY)];
        let checked = cross_check(
            &mut advisories,
            |_| {
                asked.set(asked.get() + 1);
                Input::Found(&bytes)
            },
            TimeDelta::days(30),
        );
        assert_eq!(asked.get(), 1);
        assert_eq!(checked.findings.len(), 4);
        assert_eq!(advisories[0].vuln.cwe, ["CWE-863", "CWE-20"]);
        // A missing record is a finding, asked for once too.
        let checked = cross_check(
            &mut advisories,
            |_| {
                asked.set(asked.get() + 1);
                Input::Missing
            },
            TimeDelta::days(30),
        );
        assert_eq!(asked.get(), 2);
        assert_eq!(checked.findings[0].record_says, "no CVE record");
    }

    #[test]
    fn missing_rejected_stale_and_unavailable_records() {
        let a = advisory(BODY);
        let side = IssueSide {
            id: &a.id,
            vuln: &a.vuln,
            edited: a.edited,
        };
        let lag = TimeDelta::days(1);
        assert_eq!(audit(side, Lookup::Unavailable, lag), []);
        let missing = audit(side, Lookup::Missing, lag);
        assert_eq!(
            (missing[0].field, missing[0].record_says.as_str()),
            (Field::Record, "no CVE record")
        );
        // The record was last updated 2031-03-02, the issue edited
        // 2031-03-01: in time. Edited a month later, it is stale.
        let r = parse(&record_doc(), &id(), &[]).unwrap();
        assert!(
            !audit(side, Lookup::Found(&r), lag)
                .iter()
                .any(|f| f.field == Field::Record)
        );
        let later = IssueSide {
            edited: Some("2031-04-02T00:00:00Z".parse().unwrap()),
            ..side
        };
        let stale: Vec<_> = audit(later, Lookup::Found(&r), lag)
            .into_iter()
            .filter(|f| f.field == Field::Record)
            .collect();
        assert_eq!(stale[0].issue_says, "edited 2031-04-02T00:00:00Z");
        assert_eq!(stale[0].record_says, "updated 2031-03-02T10:00:00Z");
        let rejected = CveRecord {
            state: RecordState::Rejected,
            ..r
        };
        assert_eq!(
            audit(side, Lookup::Found(&rejected), lag)[0].record_says,
            "REJECTED"
        );
    }

    #[test]
    fn the_issue_wins_and_the_record_fills_only_its_gaps() {
        // The issue gives everything: only CWE and the dates are added.
        let mut a = advisory(BODY);
        let issue_data = a.vuln.clone();
        let r = parse(&record_doc(), &id(), &a.vuln.components()).unwrap();
        merge(&mut a, &r);
        assert_eq!(a.vuln.affected, issue_data.affected);
        assert_eq!(a.vuln.severity, issue_data.severity);
        assert_eq!(a.vuln.cwe, ["CWE-863", "CWE-20"]);
        assert_eq!(a.vuln.record, Some(r.dates.clone()));
        let p = a.vuln.provenance;
        assert_eq!(
            p.fields(),
            [
                ("severity", Source::Markdown),
                ("affected", Source::Markdown),
                ("fixed_versions", Source::Markdown),
                ("components", Source::Markdown),
                ("cwe", Source::CveRecord),
            ]
        );
        assert_eq!(a.status, Status::Fixed);

        // A silent issue takes everything from the record.
        let mut silent = advisory("Nothing structured here.");
        merge(&mut silent, &r);
        assert_eq!(silent.vuln.affected, r.affected);
        assert_eq!(silent.vuln.severity.as_ref(), r.severity());
        assert!(
            silent
                .vuln
                .provenance
                .fields()
                .iter()
                .all(|(_, s)| *s == Source::CveRecord)
        );

        // Ranges without fixes take the record's fix of the same line.
        let mut no_fix = advisory("#### Affected Versions\n\n- kubelet v1.40.0 - v1.40.3\n");
        assert_eq!(no_fix.vuln.provenance.fixed_versions, Source::Nowhere);
        merge(&mut no_fix, &r);
        assert_eq!(
            no_fix.vuln.affected[0].ranges,
            [VersionRange::new(
                Some(semver::Version::new(1, 40, 0)),
                Upper::Fixed(semver::Version::new(1, 40, 4))
            )]
        );
        assert_eq!(no_fix.vuln.provenance.fixed_versions, Source::CveRecord);
        assert_eq!(no_fix.vuln.provenance.affected, Source::Markdown);

        // A REJECTED record marks the advisory rejected.
        let mut rejected = advisory(BODY);
        let gone = CveRecord {
            state: RecordState::Rejected,
            ..r.clone()
        };
        merge(&mut rejected, &gone);
        assert_eq!(rejected.status, Status::Rejected);
    }
}

/// The verdict of each shape at its probe versions, as
/// [`crate::verdict::claim`] gives it for the record's first component:
/// `affected`, `not_affected:<why>` or `unknown:<why>`.
#[test]
fn every_shape_gives_its_verdicts() {
    use crate::verdict::{Claim, Clear, FixKnown, Gap, claim};
    #[derive(serde::Deserialize)]
    struct Probes {
        shape: String,
        #[serde(default)]
        verdicts: Vec<(String, String)>,
        fix: Option<bool>,
    }
    let probes: Vec<Probes> =
        serde_json::from_str(include_str!("testdata/affected_shapes.json")).unwrap();
    let mut checked = 0;
    for (s, p) in shapes().iter().zip(&probes) {
        let r = s.read();
        let fix = if p.fix == Some(false) {
            FixKnown::No
        } else {
            FixKnown::Yes
        };
        for (version, expected) in &p.verdicts {
            let got = match claim(&r.affected[0], &v(version), fix) {
                Claim::Affected(_) => "affected".to_string(),
                Claim::AffectedByDefault => "affected:default".to_string(),
                Claim::NotAffected(c) => format!(
                    "not_affected:{}",
                    match c {
                        Clear::FixedOnLine(_) => "fixed_on_line",
                        Clear::AfterLastAffected(_) => "after_last_affected",
                        Clear::NewerThanAffected(_) => "newer_than_affected",
                        Clear::BeforeIntroduced(_) => "before_introduced",
                        Clear::DefaultUnaffected => "default_unaffected",
                    }
                ),
                Claim::Unknown(g) => format!(
                    "unknown:{}",
                    match g {
                        Gap::NotAssessed { .. } => "not_assessed",
                        Gap::SourceSaysUnknown(_) => "source_says_unknown",
                        Gap::NotListed => "not_listed",
                        Gap::NoFixAfter(_) => "no_fix_after",
                    }
                ),
            };
            assert_eq!(&got, expected, "shape {} at {version}", p.shape);
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} probes");
}

/// CVSS 3.0 and 3.1 share their base metrics: a vector that differs in its
/// prefix alone is no finding, one that differs in a metric is, across the
/// two versions.
#[test]
fn cvss_vectors_are_compared_across_3_0_and_3_1() {
    let id: CveId = "CVE-2031-0100".parse().unwrap();
    let findings = |issue: &str, record: &str| {
        let mut r = read_titled(json!([]), "A flaw");
        r.severities = vec![cvss::score(record).unwrap()];
        let vuln = crate::advisory::vuln::VulnData {
            severity: Some(cvss::score(issue).unwrap()),
            ..Default::default()
        };
        let side = IssueSide {
            id: &id,
            vuln: &vuln,
            edited: None,
        };
        audit(side, Lookup::Found(&r), chrono::TimeDelta::days(1))
            .into_iter()
            .map(|f| f.field)
            .collect::<Vec<_>>()
    };
    let same = "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N";
    assert_eq!(
        findings(&format!("CVSS:3.0/{same}"), &format!("CVSS:3.1/{same}")),
        []
    );
    assert_eq!(
        findings(
            "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
            "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"
        ),
        [Field::CvssBaseVector]
    );
}
