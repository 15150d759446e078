//! One test per shape of `affected` that the real records take (the codes
//! of the real data's `INDEX.md`), each on a record written for this test
//! in that shape, with invented versions.

use serde_json::{Value, json};

use super::*;
use crate::advisory::vuln::Warning;

const ID: &str = "CVE-2031-4242";

fn id() -> CveId {
    ID.parse().unwrap()
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

/// A: minor strings `vX.Y.x` plus `{unspecified, lessThan}` per branch.
#[test]
fn shape_a_legacy_minor_lines_and_open_lower_bounds() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "v1.40.x"},
        {"status": "affected", "version": "v1.41.x"},
        {"status": "affected", "version": "unspecified", "lessThan": "v1.42.7", "versionType": "custom"},
        {"status": "affected", "version": "unspecified", "lessThan": "v1.43.2", "versionType": "custom"}
    ])));
    // The listed lines start the range: the first line's fix closes them.
    assert_eq!(
        show(&r),
        ["kubernetes 1.40.0..1.42.7", "kubernetes 1.43.0..1.43.2"]
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

/// B: open lower bounds, `lessThan` or `lessThanOrEqual`.
#[test]
fn shape_b_open_lower_bounds() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "unspecified", "lessThanOrEqual": "1.41.9", "versionType": "custom"},
        {"status": "affected", "version": "unspecified", "lessThanOrEqual": "1.42.5", "versionType": "custom"}
    ])));
    assert_eq!(
        show(&r),
        ["kubernetes 0..=1.41.9", "kubernetes 1.42.0..=1.42.5"]
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

/// C: `<=` bounds with `next of X` placeholders of unknown status.
#[test]
fn shape_c_next_of_placeholders_are_ignored() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "unspecified", "lessThanOrEqual": "v1.41.3", "versionType": "custom"},
        {"status": "unknown", "version": "next of v1.41.3", "lessThan": "unspecified", "versionType": "custom"}
    ])));
    assert_eq!(show(&r), ["kubernetes 0..=1.41.3"]);
    assert!(r.warnings.is_empty());
}

/// D1: `prior to X` strings plus bare minor strings.
#[test]
fn shape_d1_prior_to_and_bare_minors() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "prior to 1.41.4"},
        {"status": "affected", "version": "prior to 1.42.2"},
        {"status": "affected", "version": "1.39"},
        {"status": "affected", "version": "1.40"}
    ])));
    // The bare lines are the first affected ones: `prior to` continues them.
    assert_eq!(
        show(&r),
        ["kubernetes 1.39.0..1.41.4", "kubernetes 1.42.0..1.42.2"]
    );
    // The end of a bare line is no fix.
    assert_eq!(r.fixed_versions, [v("1.41.4"), v("1.42.2")]);
    // `prior to 1.44` ends before the 1.44 line.
    let r = read(kubernetes(
        json!([{"status": "affected", "version": "prior to 1.44"}]),
    ));
    assert_eq!(show(&r), ["kubernetes 0..1.44.0"]);
}

/// D2: operators in the version string.
#[test]
fn shape_d2_operator_strings() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "< 1.42.3"},
        {"status": "affected", "version": "<= 1.41.10"},
        {"status": "affected", "version": "<=v1.43.1"},
        {"status": "affected", "version": "< 1.44.0-alpha2"}
    ])));
    assert_eq!(
        show(&r),
        [
            "kubernetes 0..=1.41.10",
            "kubernetes 1.42.0..1.42.3",
            "kubernetes 1.43.0..=1.43.1",
            "kubernetes 1.44.0-0..1.44.0-alpha2"
        ]
    );
}

/// D3: a free-text range as the version.
#[test]
fn shape_d3_free_text_range() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "v1.42.0 - v1.42.5"},
        {"status": "affected", "version": "v1.43.0 - v1.43.1"}
    ])));
    assert_eq!(
        show(&r),
        ["kubernetes 1.42.0..=1.42.5", "kubernetes 1.43.0..=1.43.1"]
    );
}

/// D4: "all versions", alone or with a bound.
#[test]
fn shape_d4_all_versions() {
    let r = read(kubernetes(
        json!([{"status": "affected", "version": "Kubernetes all versions"}]),
    ));
    assert_eq!(show(&r), ["kubernetes 0.."]);
    let r = read(
        json!([{"vendor": "x", "product": "example/plugins", "versions": [
            {"status": "affected", "version": "all example/plugins versions before version 0.9.2"}
        ]}]),
    );
    assert_eq!(show(&r), ["example/plugins 0..0.9.2"]);
    assert_eq!(r.affected[0].package, None);
    assert_eq!(r.named_components, ["example/plugins"]);
}

/// E: exact affected versions only, component in the title.
#[test]
fn shape_e_exact_versions() {
    let r = read_titled(
        kubernetes(json!([
            {"status": "affected", "version": "v1.41.6"},
            {"status": "affected", "version": "v1.42.2"}
        ])),
        "kubelet leaks a token",
    );
    assert_eq!(
        show(&r),
        ["kubelet 1.41.6..=1.41.6", "kubelet 1.42.2..=1.42.2"]
    );
    assert_eq!(r.named_components, ["kubelet"]);
}

/// F: `n/a` everywhere: no range, a warning.
#[test]
fn shape_f_not_applicable() {
    let r = read(json!([{"vendor": "n/a", "product": "n/a", "versions": [
        {"status": "affected", "version": "n/a"}
    ]}]));
    assert!(r.affected.is_empty());
    assert_eq!(
        r.warnings,
        [Warning::RecordNoVersions {
            component: "n/a".into(),
            raw: "version \"n/a\"".into()
        }]
    );
}

/// G: series-start ranges with wildcard bounds, and one that covers
/// nothing.
#[test]
fn shape_g_series_starts_wildcards_and_empty_ranges() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "v1.40", "lessThanOrEqual": "v1.40.4", "versionType": "custom"},
        {"status": "affected", "version": "1.41", "lessThan": "1.41.2", "versionType": "custom"},
        {"status": "affected", "version": "v1.38.0", "lessThan": "v1.38*", "versionType": "custom"}
    ])));
    assert_eq!(
        show(&r),
        [
            "kubernetes 1.38.0..1.39.0",
            "kubernetes 1.40.0..=1.40.4",
            "kubernetes 1.41.0..1.41.2"
        ]
    );
    assert_eq!(r.fixed_versions, [v("1.41.2")]);
    let empty = read(kubernetes(json!([
        {"status": "affected", "version": "v1.44", "lessThan": "v1.44.0", "versionType": "custom"}
    ])));
    assert!(empty.affected.is_empty());
    assert_eq!(
        empty.warnings[0].to_string(),
        "impossible range for kubernetes: [1.44.0, 1.44.0) ends before it starts; dropped"
    );
}

/// H: one range split in an open-ended start and an open-started end.
#[test]
fn shape_h_split_open_ranges() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "v1.36.0", "lessThan": "unspecified", "versionType": "custom"},
        {"status": "affected", "version": "unspecified", "lessThanOrEqual": "v1.36.5", "versionType": "custom"}
    ])));
    assert_eq!(show(&r), ["kubernetes 1.36.0..=1.36.5"]);
}

/// I: several products, free text and a garbled bound.
#[test]
fn shape_i_several_products_and_a_garbled_bound() {
    let r = read(json!([
        {"product": "kubernetes-csi external-provisioner", "vendor": "Kubernetes", "versions": [
            {"status": "affected", "version": "prior to 1.0.2"},
            {"status": "affected", "version": "v1.14", "lessThan": "prior to 0.4.3", "versionType": "custom"}
        ]},
        {"product": "kubernetes-csi external-resizer", "vendor": "Kubernetes", "versions": [
            {"status": "affected", "version": "0.1"}
        ]}
    ]));
    assert_eq!(
        show(&r),
        [
            "external-provisioner 0..1.0.2",
            "external-resizer 0.1.0..0.2.0"
        ]
    );
    assert_eq!(
        r.warnings,
        [Warning::RecordUnreadableVersion {
            component: "external-provisioner".into(),
            raw: "version \"v1.14\", lessThan \"prior to 0.4.3\"".into()
        }]
    );
    assert_eq!(
        r.warnings[0].to_string(),
        "CVE record: version \"version \\\"v1.14\\\", lessThan \\\"prior to 0.4.3\\\"\" of \
         external-provisioner cannot be read as a version or range; ignored"
    );
}

/// J1: per-branch `{vX.Y.0, lessThanOrEqual vX.Y.Z}`, default unaffected.
#[test]
fn shape_j1_per_branch_ranges() {
    let r = read(
        json!([{"product": "Kubernetes", "vendor": "Kubernetes", "defaultStatus": "unaffected", "versions": [
            {"status": "affected", "version": "v1.41.0", "lessThanOrEqual": "v1.41.11", "versionType": "custom"},
            {"status": "affected", "version": "v1.42.0", "lessThanOrEqual": "v1.42.7", "versionType": "custom"}
        ]}]),
    );
    assert_eq!(
        show(&r),
        ["kubernetes 1.41.0..=1.41.11", "kubernetes 1.42.0..=1.42.7"]
    );
}

/// J2: the component written into `versionType`.
#[test]
fn shape_j2_component_in_version_type() {
    let r = read(
        json!([{"product": "Kubernetes", "vendor": "Kubernetes", "defaultStatus": "unaffected", "versions": [
            {"status": "affected", "version": "0", "lessThan": "v1.40.14", "versionType": "kubelet v1.40"},
            {"status": "affected", "version": "v1.41.0", "lessThan": "v1.41.1", "versionType": "kubelet v1.41"}
        ]}]),
    );
    assert_eq!(show(&r), ["kubelet 0..1.40.14", "kubelet 1.41.0..1.41.1"]);
    assert_eq!(r.affected[0].package.as_deref(), Some("k8s.io/kubelet"));
    assert_eq!(r.named_components, ["kubelet"]);
}

/// J3: `kubelet vA - vB` as the version, with a `lessThan` fix.
#[test]
fn shape_j3_component_and_range_in_the_version() {
    let r = read(kubernetes(json!([
        {"status": "affected", "version": "kubelet v1.42.0 - v1.42.13", "lessThan": "v1.42.14", "versionType": "custom"}
    ])));
    assert_eq!(show(&r), ["kubelet 1.42.0..1.42.14"]);
}

/// K: semver per-branch ranges plus unaffected fixed versions.
#[test]
fn shape_k_ranges_closed_by_unaffected_versions() {
    let r = read(
        json!([{"product": "kube-apiserver", "vendor": "Kubernetes", "defaultStatus": "unaffected", "versions": [
            {"status": "affected", "version": "v1.45.0"},
            {"status": "affected", "version": "v1.44.0", "lessThanOrEqual": "v1.44.4", "versionType": "semver"},
            {"status": "unaffected", "version": "v1.45.1"},
            {"status": "unaffected", "version": "v1.44.5"},
            {"status": "affected", "version": "0", "lessThanOrEqual": "v1.43.14", "versionType": "semver"}
        ]}]),
    );
    assert_eq!(
        show(&r),
        [
            "kube-apiserver 0..=1.43.14",
            "kube-apiserver 1.44.0..1.44.5",
            "kube-apiserver 1.45.0..1.45.1"
        ]
    );
    assert_eq!(r.affected[0].package.as_deref(), Some("k8s.io/apiserver"));
    assert_eq!(r.fixed_versions, [v("1.44.5"), v("1.45.1")]);
}

fn v(s: &str) -> semver::Version {
    semver::Version::parse(s).unwrap()
}

/// L: `{0, lessThan X}` plus X of unknown status, default unknown.
#[test]
fn shape_l_unknown_status_is_no_fix() {
    let r = read(
        json!([{"product": "ingress-nginx", "vendor": "Kubernetes", "defaultStatus": "unknown", "versions": [
            {"status": "affected", "version": "0", "lessThan": "1.18.0", "versionType": "semver"},
            {"status": "unknown", "version": "1.18.0"}
        ]}]),
    );
    assert_eq!(show(&r), ["ingress-nginx 0..1.18.0"]);
}

/// M: `{0, lessThanOrEqual X}` plus one exact version.
#[test]
fn shape_m_range_and_exact_version() {
    let r = read(
        json!([{"product": "ingress-nginx", "vendor": "kubernetes", "defaultStatus": "unaffected", "versions": [
            {"status": "affected", "version": "0", "lessThanOrEqual": "1.21.4", "versionType": "semver"},
            {"status": "affected", "version": "1.22.0"}
        ]}]),
    );
    assert_eq!(
        show(&r),
        ["ingress-nginx 0..=1.21.4", "ingress-nginx 1.22.0..=1.22.0"]
    );
}

/// N: the operator typed where the bound belongs, next to free text.
#[test]
fn shape_n_operator_as_the_bound() {
    let r = read(
        json!([{"product": "Kubernetes", "vendor": "Kubernetes", "defaultStatus": "unaffected", "versions": [
            {"status": "affected", "version": "v1.40.14", "lessThanOrEqual": "<=", "versionType": "semver"},
            {"status": "affected", "version": "v1.41.0 - v1.41.10"},
            {"status": "affected", "version": "v1.42.0"}
        ]}]),
    );
    assert_eq!(
        show(&r),
        [
            "kubernetes 0..=1.40.14",
            "kubernetes 1.41.0..=1.41.10",
            "kubernetes 1.42.0..=1.42.0"
        ]
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

/// O: default affected and overlapping `{0, lessThan X}` per branch.
#[test]
fn shape_o_overlapping_zero_starts() {
    let r = read(
        json!([{"product": "ingress-nginx", "vendor": "Kubernetes", "defaultStatus": "affected", "versions": [
            {"status": "affected", "version": "0", "lessThan": "1.22.5", "versionType": "semver"},
            {"status": "affected", "version": "0", "lessThan": "1.23.1", "versionType": "semver"}
        ]}]),
    );
    assert_eq!(
        show(&r),
        ["ingress-nginx 0..1.22.5", "ingress-nginx 1.23.0..1.23.1"]
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

/// P: default affected, ranges, and unaffected fixed versions.
#[test]
fn shape_p_default_affected_with_fixes() {
    let r = read(
        json!([{"product": "ingress-nginx", "vendor": "Kubernetes", "defaultStatus": "affected", "versions": [
            {"status": "affected", "version": "1.31.0", "lessThan": "1.31.2", "versionType": "semver"},
            {"status": "unaffected", "version": "1.31.2"},
            {"status": "unaffected", "version": "1.30.4"},
            {"status": "affected", "version": "0", "lessThan": "1.30.4", "versionType": "semver"}
        ]}]),
    );
    assert_eq!(
        show(&r),
        ["ingress-nginx 0..1.30.4", "ingress-nginx 1.31.0..1.31.2"]
    );
}

/// Q: free text next to ranges with two-part starts.
#[test]
fn shape_q_free_text_and_two_part_starts() {
    let r = read(
        json!([{"product": "Kubelet", "vendor": "Kubernetes", "defaultStatus": "unaffected", "versions": [
            {"status": "affected", "version": "<=v1.39.12"},
            {"status": "affected", "version": "v1.40", "lessThanOrEqual": "v1.40.8", "versionType": "semver"}
        ]}]),
    );
    assert_eq!(show(&r), ["kubelet 0..=1.39.12", "kubelet 1.40.0..=1.40.8"]);
}

/// R: one exact affected version, unaffected below it.
#[test]
fn shape_r_exact_version_over_an_unaffected_range() {
    let r = read(
        json!([{"product": "kube-apiserver", "vendor": "Kubernetes", "defaultStatus": "unaffected", "versions": [
            {"status": "affected", "version": "1.3.0", "versionType": "semver"},
            {"status": "unaffected", "version": "0", "lessThan": "1.3.0", "versionType": "semver"}
        ]}]),
    );
    assert_eq!(show(&r), ["kube-apiserver 1.3.0..=1.3.0"]);
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
