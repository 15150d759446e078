//! Version ranges as announcements write them, and their normalisation into
//! non-overlapping [`VersionRange`]s.
//!
//! Owns version-string parsing (`v` prefixes, `x` wildcards, partial
//! `1.20`) and the rules that turn the ranges read from "affected" lines
//! plus a list of fixed versions into normalised ranges. Knows nothing of
//! Markdown or OSV layout.

use std::cmp::Ordering;

use semver::{Prerelease, Version};

use super::{Upper, VersionRange, Warning};

/// A version as written: exact, or a whole minor line (`1.20`, `1.20.x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// `1.20.3`, `v2.0.0-alpha.1`.
    Exact(Version),
    /// Every patch release of `major.minor`.
    Minor(u64, u64),
}

impl Written {
    /// The lowest version this stands for.
    pub fn lowest(&self) -> Version {
        match self {
            Written::Exact(v) => v.clone(),
            Written::Minor(major, minor) => Version::new(*major, *minor, 0),
        }
    }

    /// As an inclusive upper bound. A minor line numbered `u64::MAX` has
    /// no next line to end before: its bound is open.
    pub fn as_upper(&self) -> Upper {
        match self {
            Written::Exact(v) => Upper::LastAffected(v.clone()),
            Written::Minor(major, minor) => minor.checked_add(1).map_or(Upper::Open, |next| {
                Upper::Fixed(Version::new(*major, next, 0))
            }),
        }
    }
}

/// Parse one version as announcements write it: optional `v`/`V`, `x`
/// wildcards, two-part versions, semver pre-release tags.
pub fn parse_written(s: &str) -> Option<Written> {
    let s = s.trim().trim_end_matches(['.', ',', ';', '+']);
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    if let Ok(v) = Version::parse(s) {
        return Some(Written::Exact(v));
    }
    let parts: Vec<&str> = s.split('.').collect();
    let num = |p: &str| p.parse::<u64>().ok();
    match parts.as_slice() {
        [major, minor] => Some(Written::Minor(num(major)?, num(minor)?)),
        [major, minor, x] if x.eq_ignore_ascii_case("x") => {
            Some(Written::Minor(num(major)?, num(minor)?))
        }
        _ => None,
    }
}

/// Parse a version for an OSV event or a fixed-version list: a whole minor
/// stands for its `.0` release.
pub fn parse_exact(s: &str) -> Option<Version> {
    parse_written(s).map(|w| w.lowest())
}

/// The highest version a range names, if it has an upper bound.
fn upper_version(r: &VersionRange) -> Option<&Version> {
    match &r.upper {
        Upper::Fixed(v) | Upper::LastAffected(v) => Some(v),
        Upper::Open => None,
    }
}

fn same_minor(a: &Version, b: &Version) -> bool {
    a.major == b.major && a.minor == b.minor
}

/// The first version of `v`'s minor line that is not after `v`: `X.Y.0`,
/// or `X.Y.0-0` when `v` is itself a pre-release of `X.Y.0`.
fn minor_start(v: &Version) -> Version {
    let start = Version::new(v.major, v.minor, 0);
    if start <= *v {
        start
    } else {
        Version {
            pre: Prerelease::new("0").expect("valid pre-release"),
            ..start
        }
    }
}

/// Order of upper ends: exclusive `f` sorts just below an inclusive `f`.
fn cmp_upper(a: &Upper, b: &Upper) -> Ordering {
    let key = |u: &Upper| match u {
        Upper::Fixed(v) => (0u8, Some(v.clone()), 0u8),
        Upper::LastAffected(v) => (0u8, Some(v.clone()), 1u8),
        Upper::Open => (1u8, None, 0u8),
    };
    key(a).cmp(&key(b))
}

/// Normalise the ranges read for one component (as written: they may
/// overlap, or end before they start), with the fixed versions the
/// announcement lists for it.
///
/// - A fixed version on the minor line of a range's last affected version
///   closes that range; one inside an open-ended range splits it per minor
///   line; one on a minor line no range covers opens `[X.Y.0, fixed)`.
/// - Only fixed versions (no affected lines): everything below the lowest,
///   then `[X.Y.0, fixed)` per further minor line.
/// - A range without a start that is not the lowest starts at its minor
///   line (`<= 1.27.4` next to `<= 1.26.7` means `1.27.0 ..= 1.27.4`).
/// - Ranges that end before they start are dropped; overlapping ranges are
///   merged into their union; both with a warning naming `component`.
///   Adjacent ranges are merged silently.
pub fn normalise(
    component: &str,
    raw: Vec<VersionRange>,
    fixed: &[Version],
    warnings: &mut Vec<Warning>,
) -> Vec<VersionRange> {
    let mut ranges = possible(component, raw, warnings);
    place_fixes(component, &mut ranges, fixed, warnings);
    start_at_minor_lines(&mut ranges);
    merge(component, ranges, warnings)
}

/// The ranges that can hold a version, each once; one that ends before it
/// starts is dropped with a warning.
fn possible(
    component: &str,
    raw: Vec<VersionRange>,
    warnings: &mut Vec<Warning>,
) -> Vec<VersionRange> {
    let mut ranges: Vec<VersionRange> = Vec::new();
    for r in raw {
        let impossible = match (&r.introduced, &r.upper) {
            (Some(i), Upper::Fixed(f)) => f <= i,
            (Some(i), Upper::LastAffected(l)) => l < i,
            _ => false,
        };
        if impossible {
            warnings.push(Warning::ImpossibleRange {
                component: component.to_string(),
                range: r,
            });
        } else if !ranges.contains(&r) {
            ranges.push(r);
        }
    }
    ranges
}

/// The fixed versions put in place: each ends the range of its minor line,
/// splits an open range, opens a range of its own line, or (with no
/// affected lines at all) gives the ranges by itself.
fn place_fixes(
    component: &str,
    ranges: &mut Vec<VersionRange>,
    fixed: &[Version],
    warnings: &mut Vec<Warning>,
) {
    let mut fixed: Vec<Version> = fixed.to_vec();
    fixed.sort();
    fixed.dedup();
    let had_ranges = !ranges.is_empty();
    let mut splitting: Vec<Version> = Vec::new();
    let mut only_fixed: Vec<Version> = Vec::new();
    for f in fixed {
        if let Some(r) = ranges
            .iter_mut()
            .find(|r| matches!(&r.upper, Upper::LastAffected(l) if same_minor(l, &f)))
        {
            let Upper::LastAffected(l) = &r.upper else {
                continue;
            };
            if *l < f {
                r.upper = Upper::Fixed(f);
            } else {
                warnings.push(Warning::FixedNotAfterLastAffected {
                    component: component.to_string(),
                    fixed: f,
                    last_affected: l.clone(),
                });
            }
            continue;
        }
        let already = ranges.iter().any(|r| match &r.upper {
            Upper::Fixed(x) => same_minor(x, &f),
            _ => false,
        });
        if already {
            continue;
        }
        if ranges
            .iter()
            .any(|r| r.upper == Upper::Open && r.introduced.as_ref().is_none_or(|i| *i < f))
        {
            splitting.push(f);
            continue;
        }
        if !had_ranges {
            only_fixed.push(f);
            continue;
        }
        if ranges.iter().any(|r| r.contains(&f)) {
            continue;
        }
        // Below every stated range, the line is affected from the earliest
        // version the text supports, which is none: from 0. Never from
        // `X.Y.0` alone, which would declare the older lines safe.
        let below_all = ranges
            .iter()
            .all(|r| r.introduced.as_ref().is_some_and(|i| f < *i));
        let start = minor_start(&f);
        if below_all {
            ranges.push(VersionRange {
                introduced: None,
                upper: Upper::Fixed(f),
            });
        } else if start < f {
            ranges.push(VersionRange {
                introduced: Some(start),
                upper: Upper::Fixed(f),
            });
        }
    }

    if !splitting.is_empty()
        && let Some(pos) = ranges.iter().position(|r| r.upper == Upper::Open)
    {
        let open = ranges.remove(pos);
        let mut first = true;
        for f in splitting {
            let introduced = if first {
                open.introduced.clone()
            } else {
                Some(minor_start(&f))
            };
            first = false;
            if introduced.as_ref().is_none_or(|i| *i < f) {
                ranges.push(VersionRange {
                    introduced,
                    upper: Upper::Fixed(f),
                });
            }
        }
    }
    for (n, f) in only_fixed.into_iter().enumerate() {
        let introduced = if n == 0 { None } else { Some(minor_start(&f)) };
        if introduced.as_ref().is_none_or(|i| *i < f) {
            ranges.push(VersionRange {
                introduced,
                upper: Upper::Fixed(f),
            });
        }
    }
}

/// Ranges without a start, other than the lowest, start at their minor
/// line.
fn start_at_minor_lines(ranges: &mut [VersionRange]) {
    ranges.sort_by(|a, b| cmp_upper(&a.upper, &b.upper));
    // (Not when that would leave it empty, as for `< 1.12.0`: it then keeps
    // "every earlier version" and is merged with the lower ones below.)
    for r in ranges.iter_mut().skip(1) {
        if r.introduced.is_none()
            && let Some(u) = upper_version(r)
        {
            let start = minor_start(u);
            if !r.contains(&start) {
                continue;
            }
            r.introduced = Some(start);
        }
    }
}

/// Overlapping ranges merged into their union (with a warning naming
/// `component`), adjacent ones silently; lowest start first.
fn merge(
    component: &str,
    mut ranges: Vec<VersionRange>,
    warnings: &mut Vec<Warning>,
) -> Vec<VersionRange> {
    // Merge, lowest start first.
    ranges.sort_by(|a, b| {
        a.introduced
            .cmp(&b.introduced)
            .then_with(|| cmp_upper(&a.upper, &b.upper))
    });
    let mut out: Vec<VersionRange> = Vec::new();
    for r in ranges {
        let Some(last) = out.last_mut() else {
            out.push(r);
            continue;
        };
        let start = r.introduced.clone().unwrap_or(Version::new(0, 0, 0));
        let relation = match &last.upper {
            Upper::Open => Ordering::Less,
            Upper::Fixed(f) => start.cmp(f),
            Upper::LastAffected(l) => {
                if start <= *l {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
        };
        match relation {
            Ordering::Greater => out.push(r),
            Ordering::Equal => last.upper = r.upper,
            Ordering::Less => {
                warnings.push(Warning::OverlappingRanges {
                    component: component.to_string(),
                    first: last.clone(),
                    second: r.clone(),
                });
                if cmp_upper(&r.upper, &last.upper) == Ordering::Greater {
                    last.upper = r.upper;
                }
            }
        }
    }
    out
}

/// The fixed versions that open a new minor line (`1.25.0`) and end no
/// range of `ranges`: they are fixes all the same (the release that
/// carries the fix from the start), listed apart from the ranges.
pub fn new_line_fixes(ranges: &[VersionRange], fixed: &[Version]) -> Vec<Version> {
    let mut out: Vec<Version> = fixed
        .iter()
        .filter(|f| f.patch == 0 && f.pre.is_empty())
        .filter(|f| {
            !ranges
                .iter()
                .any(|r| r.fixed() == Some(*f) || r.contains(f))
        })
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }
    fn fx(s: &str) -> Upper {
        Upper::Fixed(v(s))
    }
    fn la(s: &str) -> Upper {
        Upper::LastAffected(v(s))
    }
    /// Ranges as compact strings, for readable expectations: `1.2.0..1.2.5`
    /// ends at a fix, `0..=1.3.4` at a last affected version from the
    /// beginning, `1.8.0..` is open.
    fn show(ranges: &[VersionRange]) -> Vec<String> {
        ranges
            .iter()
            .map(|r| {
                let from = r.introduced.as_ref().map_or("0".into(), |i| i.to_string());
                match &r.upper {
                    Upper::Fixed(f) => format!("{from}..{f}"),
                    Upper::LastAffected(l) => format!("{from}..={l}"),
                    Upper::Open => format!("{from}.."),
                }
            })
            .collect()
    }
    /// A range written as [`show`] writes it.
    fn range(s: &str) -> VersionRange {
        let (from, to) = s.split_once("..").unwrap();
        let upper = match to.strip_prefix('=') {
            Some(last) => la(last),
            None if to.is_empty() => Upper::Open,
            None => fx(to),
        };
        VersionRange::new((from != "0").then(|| v(from)), upper)
    }
    /// [`normalise`] of the ranges read (written as [`show`] writes them)
    /// and the fixed versions listed: the ranges and the warnings.
    fn normalised(
        component: &str,
        read: &[&str],
        fixed: &[&str],
    ) -> (Vec<VersionRange>, Vec<Warning>) {
        let raw: Vec<VersionRange> = read.iter().map(|r| range(r)).collect();
        assert_eq!(show(&raw), read, "{read:?} reads back as written");
        let fixed: Vec<Version> = fixed.iter().map(|f| v(f)).collect();
        let mut warnings = Vec::new();
        let got = normalise(component, raw, &fixed, &mut warnings);
        (got, warnings)
    }

    #[test]
    fn written_versions() {
        assert_eq!(parse_written("v1.2.3"), Some(Written::Exact(v("1.2.3"))));
        assert_eq!(
            parse_written("V1.24.14"),
            Some(Written::Exact(v("1.24.14")))
        );
        assert_eq!(parse_written("1.9.x"), Some(Written::Minor(1, 9)));
        assert_eq!(parse_written("v1.20"), Some(Written::Minor(1, 20)));
        assert_eq!(
            parse_written("v2.0.0-alpha.1"),
            Some(Written::Exact(v("2.0.0-alpha.1")))
        );
        assert_eq!(parse_written("v1.8.0+"), Some(Written::Exact(v("1.8.0"))));
        assert_eq!(parse_written("master"), None);
        assert_eq!(parse_written("1"), None);
        assert_eq!(Written::Minor(1, 9).as_upper(), fx("1.10.0"));
        assert_eq!(Written::Minor(1, u64::MAX).as_upper(), Upper::Open);
    }

    /// A reading: what it shows, the component, the ranges read, the fixed
    /// versions listed, and the normalised ranges.
    type Case = (
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    );

    /// Readings that normalise without a warning.
    #[test]
    fn normalisation_without_warnings() {
        // `1.0.0..1.10.0` and `1.20.0..1.22.0` are the wildcard ends
        // `1.9.x` and `1.21.x` (see `written_versions`).
        let cases: &[Case] = &[
            (
                "branch lines with a fixed list",
                "kubelet",
                &["1.27.0..=1.27.1", "1.26.0..=1.26.4", "0..=1.24.13"],
                &["1.27.2", "1.26.5", "1.25.10", "1.24.14"],
                &[
                    "0..1.24.14",
                    "1.25.0..1.25.10",
                    "1.26.0..1.26.5",
                    "1.27.0..1.27.2",
                ],
            ),
            (
                "less-equal lines get minor starts",
                "kubelet",
                &["0..=1.28.0", "0..=1.27.4"],
                &["1.28.1", "1.27.5"],
                &["0..1.27.5", "1.28.0..1.28.1"],
            ),
            (
                "srctl zero starts become minor starts",
                "ingress-nginx",
                &["0..1.14.3", "0..1.13.7"],
                &[],
                &["0..1.13.7", "1.14.0..1.14.3"],
            ),
            (
                "wildcard ranges merge with adjacent ones",
                "kube-apiserver",
                &["1.0.0..1.10.0", "1.10.0..1.10.11", "1.11.0..=1.11.4"],
                &["1.11.5"],
                &["1.0.0..1.10.11", "1.11.0..1.11.5"],
            ),
            (
                "a wildcard end does not hide a fix on the next line",
                "kubelet",
                &["1.20.0..1.22.0", "1.22.0..=1.22.13"],
                &["1.22.14", "1.25.0"],
                &["1.20.0..1.22.14"],
            ),
            (
                "an open range is split by fixed versions",
                "kubelet",
                &["1.8.0.."],
                &["1.28.4", "1.27.8", "1.26.11"],
                &["1.8.0..1.26.11", "1.27.0..1.27.8", "1.28.0..1.28.4"],
            ),
            (
                "an open range without fixed versions stays open",
                "kubelet",
                &["1.3.0.."],
                &[],
                &["1.3.0.."],
            ),
            // 1.15.0 opens no range: [1.15.0, 1.15.0) would be empty, and
            // the list does not say which earlier line it fixes. That is a
            // shape of announcement, not a reading problem, so no warning.
            (
                "fixed-only lists",
                "kubernetes",
                &[],
                &["1.9.4", "1.7.14", "1.8.9", "1.15.0"],
                &["0..1.7.14", "1.8.0..1.8.9", "1.9.0..1.9.4"],
            ),
            // 1.20.11 is below every stated range: its line, and the older
            // ones, are affected from 0 (never only from 1.20.0). 1.25.0
            // opens no range: it is a fix of its own (`new_line_fixes`).
            // Neither is a problem worth a warning.
            (
                "extra fixed versions open their minor line",
                "kubelet",
                &["1.22.0..=1.22.1", "1.21.0..=1.21.4"],
                &["1.22.2", "1.21.5", "1.20.11", "1.25.0"],
                &["0..1.20.11", "1.21.0..1.21.5", "1.22.0..1.22.2"],
            ),
            (
                "pre-release fixes and starts",
                "kubernetes-csi-proxy",
                &["0..=2.0.0-alpha.0", "0..=1.1.2"],
                &["2.0.0-alpha.1", "1.1.3"],
                &["0..1.1.3", "2.0.0-0..2.0.0-alpha.1"],
            ),
            // A pre-release next to the release it precedes changes nothing.
            (
                "a pre-release fix next to its release",
                "ingress-nginx",
                &["0..1.2.0"],
                &["1.2.0-beta.0", "1.2.0"],
                &["0..1.2.0"],
            ),
        ];
        for (case, component, read, fixed, want) in cases {
            let (got, w) = normalised(component, read, fixed);
            assert_eq!(show(&got), *want, "{case}");
            assert!(w.is_empty(), "{case}: {w:?}");
        }
    }

    #[test]
    fn a_fix_that_opens_a_new_line_ends_no_range() {
        let (got, _) = normalised(
            "kubelet",
            &["1.22.0..=1.22.1", "1.21.0..=1.21.4"],
            &["1.22.2", "1.21.5", "1.20.11", "1.25.0"],
        );
        assert_eq!(
            new_line_fixes(&got, &[v("1.22.2"), v("1.20.11"), v("1.25.0")]),
            [v("1.25.0")]
        );
    }

    #[test]
    fn a_start_that_would_empty_the_range_is_not_set() {
        let (got, w) = normalised("ingress-nginx", &["0..1.11.2", "0..1.12.0"], &[]);
        assert_eq!(show(&got), ["0..1.12.0"]);
        assert_eq!(
            w,
            [Warning::OverlappingRanges {
                component: "ingress-nginx".into(),
                first: range("0..1.11.2"),
                second: range("0..1.12.0"),
            }]
        );
        assert_eq!(
            w[0].to_string(),
            "overlapping ranges for ingress-nginx: [0, 1.11.2) and [0, 1.12.0); merged"
        );
    }

    #[test]
    fn impossible_and_overlapping_ranges_warn() {
        let (got, w) = normalised(
            "kubelet",
            &["1.5.0..1.4.0", "1.1.0..1.3.0", "1.2.0..=1.3.5"],
            &[],
        );
        assert_eq!(show(&got), ["1.1.0..=1.3.5"]);
        assert_eq!(
            w,
            [
                Warning::ImpossibleRange {
                    component: "kubelet".into(),
                    range: range("1.5.0..1.4.0"),
                },
                Warning::OverlappingRanges {
                    component: "kubelet".into(),
                    first: range("1.1.0..1.3.0"),
                    second: range("1.2.0..=1.3.5"),
                },
            ]
        );
        assert_eq!(
            w[0].to_string(),
            "impossible range for kubelet: [1.5.0, 1.4.0) ends before it starts; dropped"
        );
        assert_eq!(
            w[1].to_string(),
            "overlapping ranges for kubelet: [1.1.0, 1.3.0) and [1.2.0, 1.3.5]; merged"
        );
    }

    #[test]
    fn fixed_before_last_affected_warns() {
        let (got, w) = normalised("kubelet", &["1.2.0..=1.2.5"], &["1.2.3"]);
        assert_eq!(show(&got), ["1.2.0..=1.2.5"]);
        assert_eq!(
            w,
            [Warning::FixedNotAfterLastAffected {
                component: "kubelet".into(),
                fixed: v("1.2.3"),
                last_affected: v("1.2.5"),
            }]
        );
        assert_eq!(
            w[0].to_string(),
            "fixed version 1.2.3 of kubelet is not after its last affected version 1.2.5; ignored"
        );
    }
}
