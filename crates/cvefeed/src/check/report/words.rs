//! The English the report formats share, written from the model's enums:
//! the model decides what is so ([`Why`], [`Note`]), this module says it
//! in words ([`reason`]).

use std::collections::BTreeSet;

use cvefeed_model::advisory::Status;
use cvefeed_model::check::version::describe;
use cvefeed_model::check::{CheckResult, FixState, MinorLines, Note, RangePart, Unusable, Why};
use cvefeed_model::verdict::{Clear, Gap};

/// Why a result has its verdict, in words: its [`Why`], then each
/// [`Note`] after `"; "`.
pub fn reason(r: &CheckResult) -> String {
    let mut out = why(&r.why, r.fix);
    for note in &r.notes {
        out.push_str("; ");
        out.push_str(&self::note(note));
    }
    out
}

/// Why a feed entry gives no range to check a version against.
pub fn no_ranges(unusable: &Unusable) -> String {
    match unusable {
        Unusable::Invalid {
            component,
            part,
            error,
        } => match part {
            RangePart::Bound(field) => {
                format!("the feed's {field} version of {component} is invalid: {error}")
            }
            RangePart::Range => format!("the feed's range of {component} is invalid: {error}"),
            RangePart::UnknownRange => {
                format!("the feed's unknown range of {component} is invalid: {error}")
            }
        },
        Unusable::Missing {
            structured,
            empty_description,
        } => {
            let feed = if *structured {
                "the feed lists no affected versions"
            } else {
                "the feed carries no structured data (no _kubernetes_io.affected)"
            };
            let description = if *empty_description {
                "the description is empty"
            } else {
                "none could be read from the description"
            };
            format!("{feed}, and {description}")
        }
    }
}

fn why(why: &Why, fix: Option<FixState>) -> String {
    match why {
        Why::Rejected => "the CVE record was rejected: it affects nothing".to_string(),
        Why::NoRanges(unusable) => no_ranges(unusable),
        Why::OtherComponents { concerns } => format!("concerns {concerns} only"),
        Why::ComponentNotFound { unchecked, first } => format!(
            "concerns {unchecked}, which was not found: pass --version {first}=VERSION or --kubeconfig"
        ),
        Why::Unreadable {
            component,
            raw,
            digest_only,
        } => format!(
            "{component} runs as {raw}, {}",
            if *digest_only {
                "pinned by digest only: no version to compare"
            } else {
                "whose tag is not a version"
            }
        ),
        Why::InRange {
            version,
            ranges,
            component,
            status,
        } => {
            let ranges: BTreeSet<String> = ranges.iter().map(describe).collect();
            let mut out = format!(
                "{version} is in the affected range {} of {component}",
                ranges.into_iter().collect::<Vec<_>>().join(", ")
            );
            if let Some(fix) = fix.filter(|f| *f != FixState::Fixed) {
                out.push_str("; ");
                out.push_str(missing_fix(fix, *status));
            }
            out
        }
        Why::FixedVersionNotStated {
            version,
            range,
            component,
        } => format!(
            "fixed, but the fixed version is not stated: the issue is closed as fixed and \
             {version} is in the open-ended range {} of {component}",
            describe(range)
        ),
        Why::NoVersionsFor { component } => {
            format!("the advisory names {component} but gives no affected versions for it")
        }
        Why::DefaultAffected { version, component } => format!(
            "{version} is in no listed range of {component}, and its source's default status is affected"
        ),
        Why::RecordAffected { version, range } => format!(
            "the CVE record says {version} is affected{}, the issue does not: the sources disagree, \
             and the stricter one stands",
            range
                .as_ref()
                .map_or(String::new(), |r| format!(" (range {})", describe(r)))
        ),
        Why::Gap {
            version: v,
            component: name,
            gap,
            lines,
        } => match gap {
            Gap::NotAssessed { from } => format!(
                "{v} was not assessed: the CVE was assessed for {name} {} from {from} on, \
                 and no source says where the affected versions begin; \
                 upgrade to a fixed supported version",
                minor_lines(*lines)
            ),
            Gap::SourceSaysUnknown(r) => format!(
                "the source calls the status of {name} {} unknown",
                describe(r)
            ),
            Gap::NotListed => format!(
                "{v} is in no listed range of {name}, and the source gives no default status"
            ),
            Gap::NoFixAfter(l) => format!(
                "{v} is newer than {l}, the last affected version of {name} the source names, \
                 but no fix exists: it was not said to be fixed"
            ),
        },
        Why::Cleared { version, by } => {
            let words: Vec<String> = by
                .iter()
                .map(|(name, clear)| format!("{name}: {}", cleared(clear)))
                .collect();
            format!("{version} is not affected ({})", words.join(" | "))
        }
    }
}

fn cleared(clear: &Clear) -> String {
    match clear {
        Clear::FixedOnLine(f) => format!("fixed in {f}"),
        Clear::AfterLastAffected(l) => {
            format!("newer than {l}, the last affected version of its line")
        }
        Clear::NewerThanAffected(e) => {
            format!("newer than every affected range (the highest ends at {e})")
        }
        Clear::BeforeIntroduced(i) => format!("older than {i}, where the affected versions begin"),
        Clear::DefaultUnaffected => {
            "in no listed range, and the source's default status is unaffected".to_string()
        }
    }
}

/// Why an affected range gives no fixed version, by the feed status.
fn missing_fix(fix: FixState, status: Option<Status>) -> &'static str {
    match (fix, status) {
        (FixState::NoFix, Some(Status::Open)) => "no fix exists yet: the issue is open",
        (FixState::NoFix, Some(Status::Unfixed)) => {
            "no fix exists: the issue was closed as not planned"
        }
        (FixState::NoFix, _) => "no fix exists: the announcement says so",
        (FixState::NotStated, _) => "the fixed version is not stated",
        (FixState::Fixed, _) => "fixed",
    }
}

/// The minor lines a source assessed, as `1.31–1.33` or `1.31`.
fn minor_lines(lines: MinorLines) -> String {
    match lines {
        Some((lo, hi)) if lo == hi => format!("{}.{}", lo.0, lo.1),
        Some((lo, hi)) => format!("{}.{}–{}.{}", lo.0, lo.1, hi.0, hi.1),
        None => "no minor line".to_string(),
    }
}

fn note(note: &Note) -> String {
    match note {
        Note::FromDescription => "ranges read from the description by the body parser".to_string(),
        Note::AlsoConcerns(names) => {
            format!("also concerns {names}, not checked without its version")
        }
        Note::VendorBuild { suffix, upstream } => format!(
            "vendor build ({suffix}): compared as upstream {upstream}; the vendor may have backported fixes"
        ),
    }
}

/// Whether a fix exists, in words, for tables.
pub(super) fn fix_state(fix: FixState) -> &'static str {
    match fix {
        FixState::Fixed => "fixed",
        FixState::NoFix => "no fix exists",
        FixState::NotStated => "fixed version not stated",
    }
}

/// `s` with its first letter upper case.
pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cvefeed_model::advisory::vuln::VersionRange;

    fn v(s: &str) -> semver::Version {
        s.parse().unwrap()
    }

    fn range(introduced: &str, fixed: Option<&str>) -> VersionRange {
        VersionRange::from_bounds(Some(v(introduced)), fixed.map(v), None).unwrap()
    }

    fn kubelet() -> String {
        "kubelet".to_string()
    }

    /// Checks each `(why, fix state, words)` case, naming the failing `Why`.
    fn assert_words(cases: Vec<(Why, Option<FixState>, &str)>) {
        for (w, fix, words) in cases {
            assert_eq!(why(&w, fix), words, "{w:?}");
        }
    }

    #[test]
    fn whys_without_a_version_in_words() {
        assert_words(vec![
            (
                Why::Rejected,
                None,
                "the CVE record was rejected: it affects nothing",
            ),
            (
                Why::NoRanges(Unusable::Missing {
                    structured: true,
                    empty_description: false,
                }),
                None,
                "the feed lists no affected versions, and none could be read from the description",
            ),
            (
                Why::NoRanges(Unusable::Missing {
                    structured: false,
                    empty_description: true,
                }),
                None,
                "the feed carries no structured data (no _kubernetes_io.affected), and the description is empty",
            ),
            (
                Why::NoRanges(Unusable::Invalid {
                    component: "kubelet".to_string(),
                    part: RangePart::Bound("fixed"),
                    error: "\"soon\" is not a version".to_string(),
                }),
                None,
                "the feed's fixed version of kubelet is invalid: \"soon\" is not a version",
            ),
            (
                Why::NoRanges(Unusable::Invalid {
                    component: "kubelet".to_string(),
                    part: RangePart::Range,
                    error: "it may end at only one bound".to_string(),
                }),
                None,
                "the feed's range of kubelet is invalid: it may end at only one bound",
            ),
            (
                Why::NoRanges(Unusable::Invalid {
                    component: "kubectl".to_string(),
                    part: RangePart::UnknownRange,
                    error: "bad".to_string(),
                }),
                None,
                "the feed's unknown range of kubectl is invalid: bad",
            ),
            (
                Why::OtherComponents {
                    concerns: "kube-apiserver, kubelet".to_string(),
                },
                None,
                "concerns kube-apiserver, kubelet only",
            ),
            (
                Why::ComponentNotFound {
                    unchecked: kubelet(),
                    first: kubelet(),
                },
                None,
                "concerns kubelet, which was not found: pass --version kubelet=VERSION or --kubeconfig",
            ),
            (
                Why::Unreadable {
                    component: kubelet(),
                    raw: "img@sha256:ab".to_string(),
                    digest_only: true,
                },
                None,
                "kubelet runs as img@sha256:ab, pinned by digest only: no version to compare",
            ),
            (
                Why::Unreadable {
                    component: kubelet(),
                    raw: "img:latest".to_string(),
                    digest_only: false,
                },
                None,
                "kubelet runs as img:latest, whose tag is not a version",
            ),
        ]);
    }

    #[test]
    fn in_range_whys_in_words() {
        assert_words(vec![
            (
                Why::InRange {
                    version: v("1.30.1"),
                    ranges: vec![
                        range("1.30.0", Some("1.30.2")),
                        range("1.30.0", Some("1.30.2")),
                    ],
                    component: kubelet(),
                    status: Some(Status::Fixed),
                },
                Some(FixState::Fixed),
                "1.30.1 is in the affected range >= 1.30.0, < 1.30.2 of kubelet",
            ),
            (
                Why::InRange {
                    version: v("1.30.5"),
                    ranges: vec![range("1.30.0", None)],
                    component: kubelet(),
                    status: Some(Status::Unfixed),
                },
                Some(FixState::NoFix),
                "1.30.5 is in the affected range >= 1.30.0 of kubelet; \
                 no fix exists: the issue was closed as not planned",
            ),
            (
                Why::InRange {
                    version: v("1.30.5"),
                    ranges: vec![range("1.30.0", None)],
                    component: kubelet(),
                    status: Some(Status::Open),
                },
                Some(FixState::NoFix),
                "1.30.5 is in the affected range >= 1.30.0 of kubelet; \
                 no fix exists yet: the issue is open",
            ),
            (
                Why::FixedVersionNotStated {
                    version: v("1.30.5"),
                    range: range("1.30.0", None),
                    component: kubelet(),
                },
                None,
                "fixed, but the fixed version is not stated: the issue is closed as fixed and \
                 1.30.5 is in the open-ended range >= 1.30.0 of kubelet",
            ),
            (
                Why::NoVersionsFor {
                    component: kubelet(),
                },
                None,
                "the advisory names kubelet but gives no affected versions for it",
            ),
            (
                Why::DefaultAffected {
                    version: v("1.29.0"),
                    component: kubelet(),
                },
                Some(FixState::NotStated),
                "1.29.0 is in no listed range of kubelet, and its source's default status is affected",
            ),
            (
                Why::RecordAffected {
                    version: v("1.29.0"),
                    range: Some(range("1.29.0", Some("1.29.3"))),
                },
                Some(FixState::Fixed),
                "the CVE record says 1.29.0 is affected (range >= 1.29.0, < 1.29.3), the issue does \
                 not: the sources disagree, and the stricter one stands",
            ),
        ]);
    }

    #[test]
    fn gap_and_cleared_whys_in_words() {
        assert_words(vec![
            (
                Why::Gap {
                    version: v("1.20.0"),
                    component: kubelet(),
                    gap: Gap::NotAssessed { from: v("1.31.0") },
                    lines: Some(((1, 31), (1, 33))),
                },
                None,
                "1.20.0 was not assessed: the CVE was assessed for kubelet 1.31–1.33 from 1.31.0 on, \
                 and no source says where the affected versions begin; \
                 upgrade to a fixed supported version",
            ),
            (
                Why::Gap {
                    version: v("1.29.0"),
                    component: kubelet(),
                    gap: Gap::NotListed,
                    lines: None,
                },
                None,
                "1.29.0 is in no listed range of kubelet, and the source gives no default status",
            ),
            (
                Why::Gap {
                    version: v("1.29.5"),
                    component: kubelet(),
                    gap: Gap::NoFixAfter(v("1.29.4")),
                    lines: None,
                },
                None,
                "1.29.5 is newer than 1.29.4, the last affected version of kubelet the source names, \
                 but no fix exists: it was not said to be fixed",
            ),
            (
                Why::Cleared {
                    version: v("1.31.0"),
                    by: vec![
                        (kubelet(), Clear::NewerThanAffected(v("1.30.2"))),
                        ("kube-proxy".to_string(), Clear::FixedOnLine(v("1.31.0"))),
                    ],
                },
                None,
                "1.31.0 is not affected (kubelet: newer than every affected range \
                 (the highest ends at 1.30.2) | kube-proxy: fixed in 1.31.0)",
            ),
        ]);
    }

    #[test]
    fn minor_lines_in_words() {
        assert_eq!(minor_lines(Some(((1, 31), (1, 31)))), "1.31");
        assert_eq!(minor_lines(None), "no minor line");
    }

    #[test]
    fn notes_in_words() {
        assert_eq!(
            note(&Note::FromDescription),
            "ranges read from the description by the body parser"
        );
        assert_eq!(
            note(&Note::AlsoConcerns("kubectl".to_string())),
            "also concerns kubectl, not checked without its version"
        );
        assert_eq!(
            note(&Note::VendorBuild {
                suffix: "-eks-1".to_string(),
                upstream: v("1.30.1")
            }),
            "vendor build (-eks-1): compared as upstream 1.30.1; the vendor may have backported fixes"
        );
    }

    #[test]
    fn fix_states_in_words() {
        assert_eq!(fix_state(FixState::Fixed), "fixed");
        assert_eq!(fix_state(FixState::NoFix), "no fix exists");
        assert_eq!(fix_state(FixState::NotStated), "fixed version not stated");
        assert_eq!(capitalised(fix_state(FixState::NoFix)), "No fix exists");
        assert_eq!(capitalised(""), "");
    }
}
