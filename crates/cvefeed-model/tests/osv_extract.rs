//! Table tests of `vuln::extract` over the body fixtures: one fixture per
//! shape the announcements have used, each with the exact `VulnData`
//! expected (severity, affected ranges, references, provenance, warnings).

use cvefeed_model::advisory::vuln::{
    self, Affected, CvssError, Provenance, Rating, Severity, Source, Upper, VersionRange, VulnData,
    Warning, components,
};
use cvefeed_model::advisory::{self, Issue, IssueState, StateReason, Status};
use semver::Version;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/bodies/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sev(vector: &str, score: f64, rating: Rating) -> Option<Severity> {
    Some(Severity {
        vector: vector.into(),
        score,
        rating,
    })
}

/// A range from `"0..1.2.3"`, `"1.2.0..=1.2.5"` or `"1.3.0.."`.
fn version(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn range(s: &str) -> VersionRange {
    let (from, to) = s.split_once("..").expect("a range");
    let introduced = (from != "0").then(|| Version::parse(from).unwrap());
    let upper = match to.strip_prefix('=') {
        Some(l) => Upper::LastAffected(Version::parse(l).unwrap()),
        None if to.is_empty() => Upper::Open,
        None => Upper::Fixed(Version::parse(to).unwrap()),
    };
    VersionRange::new(introduced, upper)
}

fn aff(component: &str, package: Option<&str>, ranges: &[&str]) -> Affected {
    Affected {
        component: component.into(),
        package: package.map(Into::into),
        ranges: ranges.iter().map(|r| range(r)).collect(),
        fixed: Vec::new(),
        coverage: Default::default(),
    }
}

/// `a`, read from a source that states where the affected versions begin
/// (an OSV block's events, a `>= v1.8.0` line).
fn stated(mut a: Affected) -> Affected {
    a.coverage.lower_bound_stated = true;
    a
}

/// Provenance of a body's data: the components come with the ranges, and
/// so do the fixed versions when [`check`] finds any (it fills that in).
fn prov(severity: Source, affected: Source) -> Provenance {
    Provenance {
        severity,
        affected,
        components: affected,
        ..Provenance::default()
    }
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn check(name: &str, mut expected: VulnData) {
    if expected.has_fixed_versions() {
        expected.provenance.fixed_versions = expected.provenance.affected;
    }
    let got = vuln::extract(&fixture(name));
    assert_eq!(got, expected, "{name}");
    // `warnings` is not serialised, so compare it explicitly too.
    assert_eq!(got.warnings, expected.warnings, "{name} warnings");
}

/// What a body yields when its severity and affected components are read
/// from `source` and nothing else is found: no references, CWE, record or
/// warnings.
fn read_from(source: Source, severity: Option<Severity>, affected: Vec<Affected>) -> VulnData {
    VulnData {
        severity,
        affected,
        provenance: prov(source, source),
        ..VulnData::default()
    }
}

const V_HIGH: &str = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";

#[test]
fn srctl_block_with_plain_names_and_zero_starts() {
    check(
        "srctl_feb.md",
        read_from(
            Source::OsvBlock,
            sev(V_HIGH, 8.8, Rating::High),
            vec![stated(aff(
                "ingress-nginx",
                Some("k8s.io/ingress-nginx"),
                &["0..1.40.2", "1.41.0..1.41.1"],
            ))],
        ),
    );
}

#[test]
fn srctl_june_template_with_crlf() {
    let vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:L/A:N";
    check(
        "srctl_june_crlf.md",
        VulnData {
            references: strings(&[
                "https://github.com/kubernetes/kubernetes/security/advisories/GHSA-xxxx-yyyy-zzzz",
            ]),
            warnings: vec![Warning::ScoreMismatch {
                stated: 9.0,
                vector: vector.into(),
                score: 9.3,
            }],
            ..read_from(
                Source::OsvBlock,
                sev(vector, 9.3, Rating::Critical),
                vec![stated(aff(
                    "kube-apiserver",
                    Some("k8s.io/apiserver"),
                    &["1.40.0..1.40.5", "1.41.0..1.41.2"],
                ))],
            )
        },
    );
}

#[test]
fn malformed_block_falls_back_to_markdown() {
    let got = vuln::extract(&fixture("srctl_block_malformed.md"));
    assert!(
        matches!(&got.warnings[..], [Warning::OsvBlockInvalid { reason }] if reason.starts_with("trailing comma")),
        "{:?}",
        got.warnings
    );
    let read = read_from(
        Source::Markdown,
        sev(
            "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N",
            3.1,
            Rating::Low,
        ),
        vec![aff(
            "ingress-nginx",
            Some("k8s.io/ingress-nginx"),
            &["0..1.40.2", "1.41.0..=1.41.0"],
        )],
    );
    assert_eq!(
        got,
        VulnData {
            provenance: Provenance {
                fixed_versions: Source::Markdown,
                ..read.provenance
            },
            warnings: got.warnings.clone(),
            ..read
        }
    );
}

#[test]
fn hand_edited_cvss_line_and_fixed_list() {
    check(
        "hand_edited_cvss.md",
        VulnData {
            references: strings(&[
                "https://groups.google.com/g/kubernetes-security-announce/c/example-thread",
                "https://github.com/kubernetes/kubernetes/pull/1001",
            ]),
            ..read_from(
                Source::Markdown,
                sev(
                    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
                    6.5,
                    Rating::Medium,
                ),
                vec![aff(
                    "kube-apiserver",
                    Some("k8s.io/apiserver"),
                    &["0..1.39.10", "1.40.0..1.40.8", "1.41.0..1.41.4"],
                )],
            )
        },
    );
}

#[test]
fn stated_band_disagreeing_with_the_vector_warns() {
    check(
        "score_mismatch.md",
        VulnData {
            warnings: vec![Warning::RatingMismatch {
                stated: Rating::Medium,
                vector: V_HIGH.into(),
                rating: Rating::High,
                score: 8.8,
            }],
            ..read_from(
                Source::Markdown,
                sev(V_HIGH, 8.8, Rating::High),
                vec![aff(
                    "ingress-nginx",
                    Some("k8s.io/ingress-nginx"),
                    &["0..1.40.9", "1.41.0..1.41.5", "1.42.0..1.42.1"],
                )],
            )
        },
    );
}

#[test]
fn legacy_bold_headings_wildcards_and_fixed_in_lines() {
    check(
        "legacy_bold_crlf.md",
        read_from(
            Source::Markdown,
            sev(
                "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
                8.8,
                Rating::High,
            ),
            vec![aff(
                "kubernetes",
                Some("k8s.io/kubernetes"),
                &["1.3.0..1.7.14", "1.8.0..1.8.9"],
            )],
        ),
    );
}

#[test]
fn vector_in_prose_and_plain_version_lines() {
    check(
        "prose_vector_plain_lines.md",
        read_from(
            Source::Markdown,
            sev(
                "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N",
                3.4,
                Rating::Low,
            ),
            vec![aff(
                "kubelet",
                Some("k8s.io/kubelet"),
                &["0..1.39.14", "1.40.0..1.40.5", "1.41.0..1.41.2"],
            )],
        ),
    );
}

#[test]
fn lowercase_metric_names_are_normalised() {
    check(
        "lowercase_av.md",
        read_from(
            Source::Markdown,
            sev(V_HIGH, 8.8, Rating::High),
            vec![aff(
                "kubelet",
                Some("k8s.io/kubelet"),
                &["0..1.40.5", "1.41.0..1.41.1"],
            )],
        ),
    );
}

#[test]
fn to_ranges_and_master_slash_version() {
    check(
        "to_ranges.md",
        read_from(
            Source::Markdown,
            sev(
                "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N",
                8.1,
                Rating::High,
            ),
            // v1.42.0 opens a new line with the fix: listed as fixed,
            // apart from the ranges.
            vec![Affected {
                fixed: vec![version("1.42.0")],
                coverage: Default::default(),
                ..aff(
                    "kubelet",
                    Some("k8s.io/kubelet"),
                    &["0..1.40.12", "1.41.0..1.41.3"],
                )
            }],
        ),
    );
}

#[test]
fn escaped_lines_and_upgrade_sentence() {
    check(
        "escaped_ingress.md",
        VulnData {
            references: strings(&[
                "https://github.com/kubernetes/ingress-nginx/pull/5000/commits/abc1234",
            ]),
            ..read_from(
                Source::Markdown,
                sev(
                    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                    9.8,
                    Rating::Critical,
                ),
                vec![aff(
                    "ingress-nginx",
                    Some("k8s.io/ingress-nginx"),
                    &["0..1.40.5", "1.41.0..1.41.1"],
                )],
            )
        },
    );
}

#[test]
fn unknown_component_is_kept_without_a_package() {
    check(
        "unknown_component.md",
        VulnData {
            warnings: vec![Warning::UnknownComponent {
                name: "widget-operator".into(),
            }],
            ..read_from(
                Source::Markdown,
                sev(
                    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N",
                    4.3,
                    Rating::Medium,
                ),
                vec![aff("widget-operator", None, &["0.3.0..0.3.5"])],
            )
        },
    );
}

#[test]
fn nothing_structured() {
    check("no_data.md", read_from(Source::Nowhere, None, vec![]));
}

#[test]
fn invalid_vector_and_impossible_range_warn() {
    let got = vuln::extract(&fixture("invalid_vector.md"));
    assert_eq!(got.severity, None);
    assert_eq!(got.provenance, prov(Source::Nowhere, Source::Markdown));
    assert_eq!(
        got.affected,
        vec![aff("kubectl", Some("k8s.io/kubectl"), &["1.41.0..=1.41.2"])]
    );
    assert!(
        matches!(
            &got.warnings[..],
            [Warning::Cvss(CvssError::Invalid { vector, .. }), Warning::ImpossibleRange { component, range: r }]
                if vector == "CVSS:3.1/AV:Q/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N"
                    && component == "kubectl"
                    && *r == range("1.5.0..=1.4.0")
        ),
        "{:?}",
        got.warnings
    );
    assert_eq!(
        got.warnings[1].to_string(),
        "impossible range for kubectl: [1.5.0, 1.4.0] ends before it starts; dropped"
    );
}

#[test]
fn several_components_on_one_line_and_several_vectors() {
    let ranges = ["1.40.0..1.40.7", "1.41.0..1.41.4"];
    let used = "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N";
    check(
        "multi_component.md",
        VulnData {
            warnings: vec![Warning::OtherVectors {
                others: strings(&["CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]),
                used: used.into(),
            }],
            ..read_from(
                Source::Markdown,
                sev(used, 5.4, Rating::Medium),
                vec![
                    aff("kubelet", Some("k8s.io/kubelet"), &ranges),
                    aff("kube-proxy", Some("k8s.io/kube-proxy"), &ranges),
                ],
            )
        },
    );
}

#[test]
fn open_ended_ranges_and_prerelease_fixes() {
    check(
        "open_ended_prerelease.md",
        VulnData {
            references: strings(&[
                "https://github.com/kubernetes-csi/csi-proxy/pull/700",
                "https://github.com/kubernetes-csi/csi-proxy/pull/701",
            ]),
            ..read_from(
                Source::Markdown,
                sev(
                    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
                    7.8,
                    Rating::High,
                ),
                vec![
                    stated(aff(
                        "kubelet",
                        Some("k8s.io/kubelet"),
                        &["1.8.0..1.40.8", "1.41.0..1.41.4"],
                    )),
                    aff(
                        "kubernetes-csi-proxy",
                        Some("github.com/kubernetes-csi/csi-proxy"),
                        &["0..2.1.3", "3.0.0-0..3.0.0-alpha.1"],
                    ),
                ],
            )
        },
    );
}

#[test]
fn all_versions_with_a_cvss_v4_vector() {
    check(
        "all_versions.md",
        read_from(
            Source::Markdown,
            sev(
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
                7.1,
                Rating::High,
            ),
            vec![aff("kubelet", Some("k8s.io/kubelet"), &["0.."])],
        ),
    );
}

#[test]
fn block_quirks_and_bad_events() {
    let body = "Intro.\n\n```json osv\n{\"affected\":[{\"package\":{\"ecosystem\":\"Kubernetes\",\"name\":\"k8s.io/kubelet\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"v1.2.0\"},{\"fixed\":\"one\"},{\"introduced\":\"1.3.0\"},{\"last_affected\":\"1.3.4\"}]}]},{\"package\":{\"name\":\"mystery\"},\"ranges\":[{\"type\":\"GIT\",\"events\":[]}]}],\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N\"}]}\n```\n";
    let got = vuln::extract(body);
    // The bad "fixed" leaves "1.2.0" open-ended; it swallows the later range.
    assert_eq!(
        got.affected,
        vec![stated(aff("kubelet", Some("k8s.io/kubelet"), &["1.2.0.."]))]
    );
    assert_eq!(got.provenance.affected, Source::OsvBlock);
    assert_eq!(got.severity, None);
    let mystery = || "mystery".to_string();
    let expected = [
        Warning::OsvCvss(CvssError::MissingMetrics {
            vector: "CVSS:3.1/AV:N".into(),
            missing: vec!["AC", "PR", "UI", "S", "C", "I", "A"],
        }),
        Warning::OsvBadVersion {
            kind: "fixed".into(),
            version: "one".into(),
            component: "kubelet".into(),
        },
        Warning::OverlappingRanges {
            component: "kubelet".into(),
            first: range("1.2.0.."),
            second: range("1.3.0..=1.3.4"),
        },
        Warning::UnknownComponent { name: mystery() },
        Warning::OsvNotAVersionRange {
            kind: "GIT".into(),
            component: mystery(),
        },
        Warning::OsvNoUsableRange {
            component: mystery(),
        },
    ];
    assert_eq!(got.warnings, expected);
    // The log shows them in these words.
    let shown: Vec<String> = got.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "OSV block: CVSS vector \"CVSS:3.1/AV:N\" lacks base metric(s) AC, PR, UI, S, C, I, A",
            "OSV block: fixed version \"one\" of kubelet is not a version; ignored",
            "overlapping ranges for kubelet: [1.2.0, ∞) and [1.3.0, 1.3.4]; merged",
            "unknown component \"mystery\": no OSV package known for it",
            "OSV block: \"GIT\" range of mystery is not a version range; ignored",
            "OSV block: no usable range for mystery",
        ]
    );
}

/// Text a warning copies from the issue (a version, a component name, a
/// range type, an event kind) is quoted by its first 64 characters only.
#[test]
fn warnings_quote_the_issue_text_clipped() {
    let long = |c: &str| c.repeat(300);
    let (name, kind, event, bad) = (long("n"), long("t"), long("e"), long("v"));
    let body = format!(
        "Intro.\n\n```json osv\n{{\"affected\":[\
         {{\"package\":{{\"name\":\"kubelet\"}},\"ranges\":[{{\"type\":\"SEMVER\",\"events\":[{{\"introduced\":\"1.2.0\"}},{{\"fixed\":\"{bad}\"}},{{\"{event}\":\"1.2.5\"}}]}}]}},\
         {{\"package\":{{\"name\":\"{name}\"}},\"ranges\":[{{\"type\":\"{kind}\",\"events\":[]}}]}}]}}\n```\n"
    );
    let got = vuln::extract(&body);
    let clipped = |s: &str| s[..64].to_string();
    let quoted: Vec<(&str, &str)> = got
        .warnings
        .iter()
        .filter_map(|w| match w {
            Warning::OsvBadVersion { kind, version, .. } => {
                Some(("version", version.as_str())).filter(|_| kind == "fixed")
            }
            Warning::OsvUnknownEvent { kind, .. } => Some(("event", kind.as_str())),
            Warning::UnknownComponent { name } => Some(("name", name.as_str())),
            Warning::OsvNotAVersionRange { kind, .. } => Some(("range type", kind.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        quoted,
        [
            ("version", clipped(&bad).as_str()),
            ("event", clipped(&event).as_str()),
            ("name", clipped(&name).as_str()),
            ("range type", clipped(&kind).as_str()),
        ],
        "{:#?}",
        got.warnings
    );
    // A name read from the Markdown alone.
    let got = vuln::extract(&format!(
        "#### Affected Versions\n\n- {name} v1.2.0 - v1.2.3\n"
    ));
    assert_eq!(got.affected[0].component, components::unknown_name(&name));
    assert_eq!(
        got.warnings,
        [Warning::UnknownComponent {
            name: clipped(&name)
        }]
    );
}

/// An unknown component's name is kept to its first
/// [`components::MAX_UNKNOWN_NAME_CHARS`] characters, in the block and in
/// the Markdown: it is published, and every warning about the component
/// repeats it, so a long name given once must not be copied per warning.
#[test]
fn unknown_component_names_are_bounded() {
    let name = "n".repeat(10_000);
    let kept = "n".repeat(components::MAX_UNKNOWN_NAME_CHARS);
    let events = vec!["[]"; 100].join(",");
    let block = vuln::extract(&format!(
        "```json osv\n{{\"affected\":[{{\"package\":{{\"name\":\"{name}\"}},\"ranges\":[\
         {{\"type\":\"SEMVER\",\"events\":[{events},{{\"introduced\":\"1.2.0\"}}]}}]}}]}}\n```\n"
    ));
    assert_eq!(block.affected[0].component, kept);
    let malformed: Vec<&Warning> = block
        .warnings
        .iter()
        .filter(|w| matches!(w, Warning::OsvMalformedEvent { .. }))
        .collect();
    assert_eq!(malformed.len(), 100);
    assert!(
        malformed
            .iter()
            .all(|w| matches!(w, Warning::OsvMalformedEvent { component } if *component == kept))
    );
    // Bare range lines take the component of the fix lines.
    let mut body = format!("#### Fixed Versions\n\n- {name} v1.0.50\n\n#### Affected Versions\n\n");
    for i in 0..20 {
        body.push_str(&format!("- v1.0.{i} - v1.0.{}\n", i + 5));
    }
    let markdown = vuln::extract(&body);
    assert_eq!(markdown.affected[0].component, kept);
    assert!(!markdown.warnings.is_empty());
    for w in &markdown.warnings {
        assert!(w.to_string().len() < 300, "{w}");
    }
}

/// The ranges of a fixture's body as `component from..to` strings, and its
/// fixed versions: the announcement shapes independent advisory databases
/// read differently from the older parser.
fn read_shape(name: &str) -> (Vec<String>, Vec<String>) {
    let got = vuln::extract(&fixture(name));
    let ranges = got
        .affected
        .iter()
        .flat_map(|a| {
            a.ranges.iter().map(move |r| {
                let from = r.introduced.as_ref().map_or("0".into(), |i| i.to_string());
                let to = match (r.fixed(), r.last_affected()) {
                    (Some(f), _) => format!("..{f}"),
                    (_, Some(l)) => format!("..={l}"),
                    _ => "..".into(),
                };
                format!("{} {from}{to}", a.component)
            })
        })
        .collect();
    let fixed = got
        .fixed_versions()
        .iter()
        .map(ToString::to_string)
        .collect();
    (ranges, fixed)
}

#[test]
fn a_fix_that_opens_a_new_minor_line_is_kept() {
    let (ranges, fixed) = read_shape("new_line_fix.md");
    assert_eq!(
        ranges,
        ["kubernetes 1.40.0..1.40.9", "kubernetes 1.41.0..1.41.5"]
    );
    assert_eq!(fixed, ["1.40.9", "1.41.5", "1.42.0"]);
}

#[test]
fn fixes_given_only_in_prose_are_read() {
    let (ranges, fixed) = read_shape("prose_fix_list.md");
    assert_eq!(fixed, ["1.40.7", "1.41.3"]);
    assert_eq!(ranges, ["kubectl 0..1.40.7", "kubectl 1.41.0..1.41.3"]);

    let (ranges, fixed) = read_shape("prose_fix_in_plus.md");
    assert_eq!(fixed, ["1.38.5", "1.39.1"]);
    assert_eq!(
        ranges,
        ["kubernetes 1.38.0..1.38.5", "kubernetes 1.39.0..1.39.1"]
    );

    let (ranges, fixed) = read_shape("prose_fix_backported.md");
    assert_eq!(fixed, ["1.39.11", "1.40.7", "1.41.4", "1.42.0"]);
    assert_eq!(
        ranges,
        [
            "kubectl 0..1.39.11",
            "kubectl 1.40.0..1.40.7",
            "kubectl 1.41.0..1.41.4"
        ]
    );
}

#[test]
fn a_fixed_line_below_the_affected_ones_is_affected_from_zero() {
    let (ranges, fixed) = read_shape("fix_below_affected.md");
    assert_eq!(
        ranges,
        [
            "kubelet 0..1.39.14",
            "kubelet 1.40.0..1.40.10",
            "kubelet 1.41.0..1.41.6",
            "kubelet 1.42.0..1.42.2"
        ]
    );
    assert_eq!(fixed, ["1.39.14", "1.40.10", "1.41.6", "1.42.2"]);
}

#[test]
fn all_versions_without_a_patch_is_unfixed_even_when_closed() {
    let (ranges, fixed) = read_shape("no_patch.md");
    assert_eq!(ranges, ["kubernetes 0.."]);
    assert!(fixed.is_empty());
    let issue = Issue {
        repo: "kubernetes/kubernetes".parse().unwrap(),
        number: 7,
        title: "CVE-2031-0777: Made-up design flaw".into(),
        body: fixture("no_patch.md"),
        state: IssueState::Closed,
        state_reason: Some(StateReason::Completed),
        created_at: "2031-01-01T00:00:00Z".parse().unwrap(),
        updated_at: None,
        url: "https://github.com/kubernetes/kubernetes/issues/7".into(),
    };
    let advisories = advisory::from_issue(&issue).unwrap();
    assert_eq!(advisories[0].status, Status::Unfixed);
    // A body with a fix keeps the issue's status.
    let fixed_issue = Issue {
        body: fixture("new_line_fix.md"),
        ..issue
    };
    assert_eq!(
        advisory::from_issue(&fixed_issue).unwrap()[0].status,
        Status::Fixed
    );
}

#[test]
fn temporal_and_environmental_metrics_stay_in_the_vector_only() {
    let got = vuln::extract(&fixture("temporal_vector.md"));
    let s = got.severity.unwrap();
    assert_eq!(
        s.vector,
        "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N/E:F/RL:O/CR:H/IR:H"
    );
    assert_eq!(
        s.base_vector(),
        "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N"
    );
    // The score is the base score.
    assert_eq!(
        s.score,
        cvss_score("CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N")
    );
}

fn cvss_score(vector: &str) -> f64 {
    vuln::cvss::score(vector).unwrap().score
}
