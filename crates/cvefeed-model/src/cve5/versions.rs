//! One entry of a record's `affected[].versions`, read as it really is.
//!
//! The records are written by hand, and `INDEX.md` of the real data sorts
//! the shapes they take. Each is read here into one range, one fixed
//! version, or nothing:
//!
//! | shape | example | reading |
//! |---|---|---|
//! | semver range | `{0, lessThan 1.8.0}`, `{v1.24.0, lessThanOrEqual v1.24.4}` | the range |
//! | open lower bound | `{unspecified, lessThan v1.7.14}` | from 0 |
//! | minor line | `v1.3.x`, `1.7`, `{v1.30, lessThanOrEqual v1.30.8}` | the line, or from `X.Y.0` |
//! | exact version | `v1.13.6` | that version alone |
//! | unaffected version | `{1.11.2, unaffected}` | a fixed version |
//! | free-text bound | `prior to 1.13.9`, `< 1.19.3`, `<=v1.32.2` | from 0 to the bound |
//! | free-text range | `v1.32.0 - v1.32.5`, `kubelet v1.22.0 - v1.22.13` | the range (a given `lessThan` wins) |
//! | operator as the bound | `{v1.24.14, lessThanOrEqual "<="}` | up to the version |
//! | wildcard bound | `{v1.8.0, lessThan v1.8*}` | the minor line |
//! | unbounded | `{v1.6.0, lessThan unspecified}` | open (paired with `{unspecified, <= v1.6.5}`) |
//! | all versions | `Kubernetes all versions` | from 0, open |
//! | component in `versionType` or version | `kubelet v1.24` | that component |
//! | unknown status, `next of X` | `{next of v1.18.18, lessThan unspecified, unknown}` | versions the record calls unknown, from `1.18.19` |
//! | unaffected range | `{0, lessThan 1.3.0, unaffected}` | versions the record clears |
//! | `n/a` | | nothing, with a warning |
//!
//! Anything else (a bound of `prior to 0.4.3`, an operator with no
//! version) is unreadable: a warning, never a guessed range.

use std::sync::LazyLock;

use regex::Regex;
use semver::Version;
use serde_json::Value;

use super::named_in;
use crate::advisory::vuln::components::Component;
use crate::advisory::vuln::ranges::{Written, parse_written};
use crate::advisory::vuln::{Upper, VersionRange};

/// What one version entry says.
#[derive(Debug, PartialEq)]
pub(super) enum Reading {
    /// An affected range.
    Range(VersionRange),
    /// A version the record lists as unaffected: a fix.
    Fixed(Version),
    /// Versions the record calls unknown (`status: unknown`).
    Unknown(VersionRange),
    /// A range the record lists as unaffected.
    Unaffected(VersionRange),
    /// Nothing to read.
    Skip,
    /// No version information at all (`n/a`).
    NoVersions,
    /// Text that is no version or range.
    Unreadable,
}

/// One entry, read.
#[derive(Debug)]
pub(super) struct Read {
    /// A fix the entry states: an unaffected version, or an exclusive
    /// bound written as a whole version (`lessThan v1.40.4`, `prior to
    /// 1.40.4`); not the end of a minor line (`1.39`, `v1.38*`).
    pub(super) fix: Option<Version>,
    /// The component the entry itself names (`versionType`, version text).
    pub(super) component: Option<&'static Component>,
    /// What it says.
    pub(super) reading: Reading,
    /// The entry's text, for warnings.
    pub(super) raw: String,
}

/// A bound written in free text: `prior to X`, `before version X`,
/// `< X`, `<= X`.
static BELOW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(prior to|before(?: version)?|less than|<=|<)\s*(v?[0-9][0-9A-Za-z.+-]*)")
        .expect("valid regex")
});

/// `all versions`, `all … versions`.
static ALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\ball\b.*\bversions?\b").expect("valid regex"));

/// `A - B`, `A to B`.
static SPAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(v?[0-9][^\s]*)\s*(?:-|–|to)\s*(v?[0-9][^\s]*)$").expect("valid regex")
});

/// How the `version` field reads.
#[derive(Debug, PartialEq)]
enum Start {
    /// `0`, `unspecified`, `*`: from the beginning.
    Zero,
    /// `n/a` or empty.
    NoInfo,
    /// `next of X`: a placeholder of some tools.
    Placeholder,
    /// `all versions`.
    All,
    /// A free-text bound: everything below it.
    Below(Upper),
    /// A free-text range.
    Span(Version, Upper),
    /// One version.
    Exact(Version),
    /// A whole minor line.
    Minor(u64, u64),
    /// Something else.
    Bad,
}

/// How a `lessThan` / `lessThanOrEqual` field reads.
#[derive(Debug, PartialEq)]
enum Bound {
    /// No upper bound (`unspecified`, `*`).
    Open,
    /// The operator itself where the version belongs (`"<="`): the
    /// `version` field is the bound.
    Operator,
    /// A version bound.
    Upper(Upper),
    /// Something else.
    Bad,
}

/// A free-text upper bound: `<=` keeps the version, the others exclude it;
/// a minor line (`prior to 1.16`) ends before or after the whole line.
fn upper_of(inclusive: bool, written: Written) -> Upper {
    match (inclusive, written) {
        (true, w) => w.as_upper(),
        (false, Written::Exact(v)) => Upper::Fixed(v),
        (false, Written::Minor(major, minor)) => Upper::Fixed(Version::new(major, minor, 0)),
    }
}

fn read_start(s: &str) -> Start {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "" | "n/a" | "na" => return Start::NoInfo,
        "0" | "unspecified" | "*" => return Start::Zero,
        _ => {}
    }
    if lower.starts_with("next of") {
        return Start::Placeholder;
    }
    if let Some(c) = BELOW.captures(s) {
        let inclusive = &c[1] == "<=";
        return match parse_written(&c[2]) {
            Some(w) => Start::Below(upper_of(inclusive, w)),
            None => Start::Bad,
        };
    }
    if ALL.is_match(s) {
        return Start::All;
    }
    // Drop words before the first one with a digit: `kubelet v1.22.0`.
    let rest = match s.find(|c: char| c.is_ascii_digit()) {
        Some(i) => {
            let word_start = s[..i].rfind(char::is_whitespace).map_or(0, |w| w + 1);
            &s[word_start..]
        }
        None => return Start::Bad,
    };
    if let Some(c) = SPAN.captures(rest) {
        return match (parse_written(&c[1]), parse_written(&c[2])) {
            (Some(a), Some(b)) => Start::Span(a.lowest(), b.as_upper()),
            _ => Start::Bad,
        };
    }
    match parse_written(rest) {
        Some(Written::Exact(v)) => Start::Exact(v),
        Some(Written::Minor(major, minor)) => Start::Minor(major, minor),
        None => Start::Bad,
    }
}

fn read_bound(s: &str, inclusive: bool) -> Bound {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "unspecified" | "*" => return Bound::Open,
        "<" | "<=" | "=<" => return Bound::Operator,
        _ => {}
    }
    if let Some(stem) = s.strip_suffix('*') {
        return match parse_written(stem.trim_end_matches('.')) {
            Some(Written::Minor(major, minor)) => {
                Bound::Upper(Written::Minor(major, minor).as_upper())
            }
            _ => Bound::Bad,
        };
    }
    match parse_written(s) {
        Some(w)
            if s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == 'v' || c == 'V') =>
        {
            Bound::Upper(upper_of(inclusive, w))
        }
        _ => Bound::Bad,
    }
}

/// Read one entry of `versions`.
pub(super) fn read(entry: &Value) -> Read {
    let field = |k: &str| entry[k].as_str();
    let version = field("version").unwrap_or_default();
    let less = field("lessThan").map(|b| (b, false));
    let less_equal = field("lessThanOrEqual").map(|b| (b, true));
    let status = field("status").unwrap_or_default().to_ascii_lowercase();
    let mut raw = format!("version {version:?}");
    for (name, value) in [("lessThan", less), ("lessThanOrEqual", less_equal)] {
        if let Some((v, _)) = value {
            raw.push_str(&format!(", {name} {v:?}"));
        }
    }
    let raw: String = raw.chars().take(200).collect();
    let component = named_in(version).or_else(|| field("versionType").and_then(named_in));
    let bound = less_equal.or(less);
    let reading = match status.as_str() {
        "affected" => affected(version, bound),
        "unaffected" if bound.is_none() => match read_start(version) {
            Start::Exact(v) => Reading::Fixed(v),
            _ => Reading::Skip,
        },
        "unaffected" => match affected(version, bound) {
            Reading::Range(r) => Reading::Unaffected(r),
            _ => Reading::Skip,
        },
        // `unknown`, or a status CVE JSON 5 does not define: the record
        // does not say, so neither may the feed.
        _ => match unknown(version, bound) {
            Reading::Range(r) => Reading::Unknown(r),
            other => other,
        },
    };
    let stated = |text: &str| {
        let text = BELOW
            .captures(text)
            .filter(|c| &c[1] != "<=")
            .map_or(text.trim().to_string(), |c| c[2].to_string());
        matches!(parse_written(&text), Some(Written::Exact(_)))
    };
    let fix = match &reading {
        Reading::Fixed(v) => Some(v.clone()),
        Reading::Range(r) => r
            .fixed()
            .filter(|_| {
                less.is_some_and(|(b, _)| stated(b))
                    || (less.is_none() && less_equal.is_none() && stated(version))
            })
            .cloned(),
        _ => None,
    };
    Read {
        fix,
        component,
        reading,
        raw,
    }
}

/// An entry of unknown status: read like an affected one, where `next of
/// X` (a placeholder of some tools) starts just after `X`.
fn unknown(version: &str, bound: Option<(&str, bool)>) -> Reading {
    let trimmed = version.trim();
    let next_of = trimmed
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("next of"))
        .map(|_| trimmed[7..].trim());
    let Some(after) = next_of else {
        return match affected(version, bound) {
            Reading::Skip | Reading::NoVersions => Reading::Unreadable,
            other => other,
        };
    };
    let Some(Written::Exact(x)) = parse_written(after) else {
        return Reading::Unreadable;
    };
    let start = Version::new(x.major, x.minor, x.patch.saturating_add(1));
    match bound.map(|(b, inclusive)| read_bound(b, inclusive)) {
        None | Some(Bound::Open) => range(Some(start), Upper::Open),
        Some(Bound::Upper(upper)) => range(Some(start), upper),
        Some(Bound::Operator | Bound::Bad) => Reading::Unreadable,
    }
}

fn range(introduced: Option<Version>, upper: Upper) -> Reading {
    Reading::Range(VersionRange::new(introduced, upper))
}

/// An affected entry: `version`, and the bound if one is given.
fn affected(version: &str, bound: Option<(&str, bool)>) -> Reading {
    let start = read_start(version);
    let Some((bound, inclusive)) = bound.filter(|(b, _)| !b.trim().is_empty()) else {
        return match start {
            Start::Exact(v) => range(Some(v.clone()), Upper::LastAffected(v)),
            Start::Minor(major, minor) => range(
                Some(Version::new(major, minor, 0)),
                Written::Minor(major, minor).as_upper(),
            ),
            Start::Span(from, upper) => range(Some(from), upper),
            Start::Below(upper) => range(None, upper),
            Start::All => range(None, Upper::Open),
            Start::NoInfo => Reading::NoVersions,
            Start::Placeholder => Reading::Skip,
            Start::Zero | Start::Bad => Reading::Unreadable,
        };
    };
    let introduced = match start {
        Start::Zero | Start::All => None,
        Start::Exact(v) => Some(v),
        Start::Minor(major, minor) => Some(Version::new(major, minor, 0)),
        Start::Span(from, _) => Some(from),
        Start::Placeholder => return Reading::Skip,
        Start::NoInfo | Start::Below(_) | Start::Bad => return Reading::Unreadable,
    };
    match read_bound(bound, inclusive) {
        Bound::Open => range(introduced, Upper::Open),
        Bound::Upper(upper) => range(introduced, upper),
        // `{v1.24.14, lessThanOrEqual "<="}`: the version is the bound.
        Bound::Operator => match introduced {
            Some(v) if inclusive => range(None, Upper::LastAffected(v)),
            Some(v) => range(None, Upper::Fixed(v)),
            None => Reading::Unreadable,
        },
        Bound::Bad => Reading::Unreadable,
    }
}

/// Pair ranges split in two halves, `{X, lessThan unspecified}` and
/// `{unspecified, lessThanOrEqual Y}`, into `[X, Y]`: each alone would
/// claim every version on one side.
pub(super) fn pair_split_ranges(mut ranges: Vec<VersionRange>) -> Vec<VersionRange> {
    let mut i = 0;
    while i < ranges.len() {
        if ranges[i].upper == Upper::Open
            && let Some(start) = ranges[i].introduced.clone()
            && let Some(j) = ranges.iter().position(|r| {
                r.introduced.is_none()
                    && match &r.upper {
                        Upper::Fixed(f) => *f > start,
                        Upper::LastAffected(l) => *l >= start,
                        Upper::Open => false,
                    }
            })
        {
            let upper = ranges.remove(j).upper;
            if j < i {
                i -= 1;
            }
            ranges[i].upper = upper;
        }
        i += 1;
    }
    ranges
}
