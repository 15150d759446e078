//! One line of an announcement, read: a range line of an "Affected
//! Versions" section (its range, the components it names, an inline fix)
//! or a fixed-version line. Whole sections and bodies are
//! the parent module's.

use semver::Version;

use super::super::components;
use super::super::ranges;
use super::super::{Upper, VersionRange};
use super::patterns::{
    ALL_VERSIONS, FILLER, INLINE_FIX, OPERATOR_TAIL, RANGE_SEPARATOR, SUFFIX_AT_LEAST,
    SUFFIX_AT_MOST, VERSION,
};
use super::sections::clean;

/// A component or several, as a line names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mention {
    /// Nothing named.
    Nothing,
    /// Only the project as a whole ("Kubernetes v1.19.0 - v1.19.2").
    Project,
    /// Specific components (canonical names, or unknown names as written).
    These(Vec<String>),
}

/// A range line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RangeLine {
    pub(super) named: Mention,
    pub(super) range: VersionRange,
    pub(super) inline_fix: Option<Version>,
    /// Whether the line states where the affected versions begin
    /// (`>= v1.29.0`, `v1.29.0+`, `v1.29.0 and later`), rather than
    /// listing one minor line of several (`v1.29.0 - v1.29.6`).
    pub(super) stated_start: bool,
}

/// A fixed-version line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FixLine {
    pub(super) named: Mention,
    pub(super) fixed: Version,
}

/// Which components a line prefix names.
fn named_in(prefix: &str, unknown: &mut Vec<String>) -> Mention {
    let specific: Vec<String> = components::specific_in(prefix)
        .into_iter()
        .map(|c| c.name.to_string())
        .collect();
    if !specific.is_empty() {
        return Mention::These(specific);
    }
    // Strip known spellings, then look for an unknown component name.
    let mut rest = prefix.to_ascii_lowercase();
    for c in components::COMPONENTS {
        for s in c.spellings() {
            rest = rest.replace(s, " ");
        }
    }
    let strangers: Vec<String> = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
        .map(|w| w.trim_matches(['-', '.', '_']))
        .filter(|w| w.len() > 1 && w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter(|w| !FILLER.contains(w))
        .map(str::to_string)
        .collect();
    if !strangers.is_empty() {
        let name = components::unknown_name(&strangers.join("-"));
        if !unknown.contains(&name) {
            unknown.push(name.clone());
        }
        return Mention::These(vec![name]);
    }
    // No other component is named: the whole project may be.
    if !components::mentioned_in(prefix).is_empty() {
        Mention::Project
    } else {
        Mention::Nothing
    }
}

/// The prefix, if it reads like the start of a list item rather than prose.
fn short_prefix(prefix: &str) -> bool {
    prefix.split_whitespace().count() <= 6 && !prefix.contains(". ")
}

/// Read one line of an "Affected Versions" section.
pub(super) fn range_line(line: &str, unknown: &mut Vec<String>) -> Option<RangeLine> {
    let text = clean(line);
    let found: Vec<regex::Match> = VERSION
        .captures_iter(&text)
        .filter_map(|c| c.get(1))
        .collect();
    let Some(first) = found.first() else {
        if ALL_VERSIONS.is_match(&text) && !text.contains("not affected") {
            let mut ignored = Vec::new();
            return Some(RangeLine {
                named: named_in(&text, &mut ignored),
                range: VersionRange {
                    introduced: None,
                    upper: Upper::Open,
                },
                inline_fix: None,
                stated_start: false,
            });
        }
        return None;
    };
    let prefix_full = &text[..first.start()];
    let op = OPERATOR_TAIL.captures(prefix_full);
    let prefix = match &op {
        Some(c) => &prefix_full[..c.get(0).map_or(prefix_full.len(), |m| m.start())],
        None => prefix_full,
    };
    if !short_prefix(prefix) || prefix.to_ascii_lowercase().contains("note") {
        return None;
    }
    let first_text = first.as_str();
    let lower = ranges::parse_written(first_text)?;
    let after = &text[first.end()..];
    let op_text = op.as_ref().map(|c| c[1].to_ascii_lowercase());
    let stated_start = matches!(op_text.as_deref(), Some(">=" | "=>" | "≥" | ">"))
        || (op_text.is_none()
            && found.len() == 1
            && (first_text.ends_with('+') || SUFFIX_AT_LEAST.is_match(after)));
    let (range, rest_from) = match op_text.as_deref() {
        Some("<") | Some("before") | Some("older than") => (
            VersionRange {
                introduced: None,
                upper: Upper::Fixed(lower.lowest()),
            },
            first.end(),
        ),
        Some(o) if o.starts_with("prior") => (
            VersionRange {
                introduced: None,
                upper: Upper::Fixed(lower.lowest()),
            },
            first.end(),
        ),
        Some("<=") | Some("=<") | Some("≤") | Some("through") => (
            VersionRange {
                introduced: None,
                upper: lower.as_upper(),
            },
            first.end(),
        ),
        Some(o) if o.starts_with("up") => (
            VersionRange {
                introduced: None,
                upper: lower.as_upper(),
            },
            first.end(),
        ),
        Some(">=") | Some("=>") | Some("≥") | Some(">") => (
            VersionRange {
                introduced: Some(lower.lowest()),
                upper: Upper::Open,
            },
            first.end(),
        ),
        _ => unmarked_range(&text, &found, &lower)?,
    };
    let inline_fix = INLINE_FIX
        .captures(&text[rest_from..])
        .and_then(|c| ranges::parse_exact(&c[1]));
    Some(RangeLine {
        named: named_in(prefix, unknown),
        range,
        inline_fix,
        stated_start,
    })
}

/// The range of a line with no operator before its first version: `a - b`,
/// srctl's `a < b`, `a+` or `a and later`, `a and earlier`, or one version
/// alone; and where the rest of the line (an inline fix) begins.
fn unmarked_range(
    text: &str,
    found: &[regex::Match],
    lower: &ranges::Written,
) -> Option<(VersionRange, usize)> {
    let first = found.first()?;
    let first_text = first.as_str();
    let after = &text[first.end()..];
    let between = found.get(1).map(|second| {
        let gap = text[first.end()..second.start()].trim();
        (second, gap)
    });
    Some(match between {
        // srctl's "first < fixed" form.
        Some((second, "<")) => (
            VersionRange {
                introduced: Some(lower.lowest()),
                upper: Upper::Fixed(ranges::parse_exact(second.as_str())?),
            },
            second.end(),
        ),
        Some((second, gap)) if RANGE_SEPARATOR.is_match(gap) => {
            let upper = ranges::parse_written(second.as_str())?;
            (
                VersionRange {
                    introduced: Some(lower.lowest()),
                    upper: upper.as_upper(),
                },
                second.end(),
            )
        }
        _ if first_text.ends_with('+') || SUFFIX_AT_LEAST.is_match(after) => (
            VersionRange {
                introduced: Some(lower.lowest()),
                upper: Upper::Open,
            },
            first.end(),
        ),
        _ if SUFFIX_AT_MOST.is_match(after) => (
            VersionRange {
                introduced: None,
                upper: lower.as_upper(),
            },
            first.end(),
        ),
        _ => {
            let upper = lower.as_upper();
            (
                VersionRange {
                    introduced: Some(lower.lowest()),
                    upper,
                },
                first.end(),
            )
        }
    })
}

/// Read one line of a "Fixed Versions" section (or a "Fixed in …" line).
pub(super) fn fix_line(line: &str, unknown: &mut Vec<String>) -> Option<FixLine> {
    // A fixed version has digits; cleaning a line removes, never adds, them.
    if !line.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = clean(line);
    let found: Vec<regex::Match> = VERSION
        .captures_iter(&text)
        .filter_map(|c| c.get(1))
        .take(2)
        .collect();
    let first = found.first()?;
    let prefix = &text[..first.start()];
    let lower = prefix.to_ascii_lowercase();
    let on_main = lower.contains("master") || lower.split_whitespace().any(|w| w == "main");
    if on_main && !lower.trim_end().ends_with('/') {
        return None;
    }
    if !short_prefix(prefix) || lower.contains("note") {
        return None;
    }
    // "v1.10-v1.14 - fix available as alpha": a range is no fixed version.
    if let Some(second) = found.get(1)
        && RANGE_SEPARATOR.is_match(&text[first.end()..second.start()])
    {
        return None;
    }
    let prefix = prefix.trim_end_matches(|c: char| c == '/' || c.is_whitespace());
    let prefix = prefix
        .trim_end_matches(">=")
        .trim_end_matches('≥')
        .trim_end_matches("master")
        .trim_end();
    Some(FixLine {
        named: named_in(prefix, unknown),
        fixed: ranges::parse_exact(first.as_str())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A range line as read, in one string: the range (as
    /// [`VersionRange`] prints it), the components named (`of kubelet,
    /// kube-proxy`, `of the project`, nothing when none), and the inline
    /// fix (`, fixed in 1.10.11`).
    fn line(l: &str) -> Option<String> {
        let mut unknown = Vec::new();
        let read = range_line(l, &mut unknown)?;
        let fix = read
            .inline_fix
            .map_or(String::new(), |f| format!(", fixed in {f}"));
        Some(format!("{}{}{fix}", read.range, of(&read.named)))
    }

    /// A fixed-version line as read, in one string: the version and the
    /// components named, as [`line`] writes them.
    fn fix(l: &str) -> Option<String> {
        let mut unknown = Vec::new();
        let read = fix_line(l, &mut unknown)?;
        Some(format!("{}{}", read.fixed, of(&read.named)))
    }

    /// What a line names, after what it says of it.
    fn of(named: &Mention) -> String {
        match named {
            Mention::Nothing => String::new(),
            Mention::Project => " of the project".into(),
            Mention::These(names) => format!(" of {}", names.join(", ")),
        }
    }

    #[test]
    fn range_line_shapes() {
        let cases = [
            ("- kubelet v1.17.0 - v1.17.2", "[1.17.0, 1.17.2] of kubelet"),
            ("v1.27.0 - v1.27.1", "[1.27.0, 1.27.1]"),
            ("<= v1.24.13", "[0, 1.24.13]"),
            (
                "- kube-apiserver < v1.15.10",
                "[0, 1.15.10) of kube-apiserver",
            ),
            (
                "- kubelet v1.28.0 to v1.28.3",
                "[1.28.0, 1.28.3] of kubelet",
            ),
            (
                "- all kube-apiserver versions prior to v1.16.0",
                "[0, 1.16.0) of kube-apiserver",
            ),
            (
                "* Kubernetes v1.0.x-1.9.x",
                "[1.0.0, 1.10.0) of the project",
            ),
            (
                "* Kubernetes v1.10.0-1.10.10 (fixed in [v1.10.11](https://example.com/CHANGELOG-1.10.md#v11011))",
                "[1.10.0, 1.10.10] of the project, fixed in 1.10.11",
            ),
            (
                "<= v1.15.9, resolved in 1.15.10 by https://example.com/pull/1",
                "[0, 1.15.9], fixed in 1.15.10",
            ),
            ("- v1.11.0 \\- 1.11.4  ", "[1.11.0, 1.11.4]"),
            ("- <v1.2.0", "[0, 1.2.0)"),
            ("<=v1.29.12", "[0, 1.29.12]"),
            ("kubectl v1.8.0+", "[1.8.0, ∞) of kubectl"),
            ("kube-apiserver >= v1.3", "[1.3.0, ∞) of kube-apiserver"),
            (
                "- kubelet >= v1.8.0 (including all later minor versions)",
                "[1.8.0, ∞) of kubelet",
            ),
            ("- kubelet v1.20 - v1.21", "[1.20.0, 1.22.0) of kubelet"),
            (
                "- Kubernetes kube-apiserver <= v1.25.3",
                "[0, 1.25.3] of kube-apiserver",
            ),
            (
                "ingress-nginx controller < v1.11.2",
                "[0, 1.11.2) of ingress-nginx",
            ),
            (
                "- Kubernetes Image Builder versions <= v0.1.37",
                "[0, 0.1.37] of image-builder",
            ),
            (
                "- kubernetes-csi-proxy <= v2.0.0-alpha.0",
                "[0, 2.0.0-alpha.0] of kubernetes-csi-proxy",
            ),
            (
                "- secrets-store-csi-driver < 1.3.3",
                "[0, 1.3.3) of secrets-store-csi-driver",
            ),
            (
                "v1.16.0 - v1.18.18 (Note: feature off by default in 1.16-1.18)",
                "[1.16.0, 1.18.18]",
            ),
            (
                "- kubelet/kube-proxy v1.18.0-1.18.3",
                "[1.18.0, 1.18.3] of kubelet, kube-proxy",
            ),
            ("Kubelet v1.13.6", "[1.13.6, 1.13.6] of kubelet"),
            ("All versions of Kubernetes", "[0, ∞) of the project"),
            (
                "- kube-apiserver: v1.30.0 < v1.31.12",
                "[1.30.0, 1.31.12) of kube-apiserver",
            ),
            ("- ingress-nginx: < 1.13.7", "[0, 1.13.7) of ingress-nginx"),
            (
                "- widget-operator v0.3.0 - v0.3.4",
                "[0.3.0, 0.3.4] of widget-operator",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(line(text).as_deref(), Some(want), "{text:?}");
        }
        for prose in [
            "Note: If you are using binaries from a distributor, contact them.",
            "The following official kubelet package versions have an affected package as a dependency:",
            "Because these versions are not yet available, administrators may upgrade plugins from the v0.8.6 release instead.",
            "",
        ] {
            assert_eq!(line(prose), None, "{prose:?}");
        }
    }

    #[test]
    fn fix_line_shapes() {
        let cases = [
            ("- v1.17.3", Some("1.17.3")),
            ("V1.24.14", Some("1.24.14")),
            ("- kubelet v1.28.1 - fixed by #1", Some("1.28.1 of kubelet")),
            (
                "* kubelet master/v1.31.0  - fixed by #2",
                Some("1.31.0 of kubelet"),
            ),
            ("- kubelet master - fixed by #3", None),
            (
                "* Fixed in master by #4 (included in v1.10.0-beta.3, will be in v1.10.0)",
                None,
            ),
            ("* Fixed in v1.7.14 by #5", Some("1.7.14")),
            (
                "- secrets-store-csi-driver >= 1.3.3",
                Some("1.3.3 of secrets-store-csi-driver"),
            ),
            (
                "- kube-controller-manager v1.18.1+ - fixed by https://example.com/pull/89796",
                Some("1.18.1 of kube-controller-manager"),
            ),
            (
                "- Fixed in Kubernetes Image Builder release v0.1.38",
                Some("0.1.38 of image-builder"),
            ),
            (
                "- Kubernetes v1.10-v1.14 - Fix available as alpha in #6",
                None,
            ),
            (
                "- ingress-nginx [main@0ccf4ca](https://example.com/pull/1/commits/0ccf4ca)",
                None,
            ),
            ("- None. A longer term fix is proposed in a KEP", None),
        ];
        for (text, want) in cases {
            assert_eq!(fix(text).as_deref(), want, "{text:?}");
        }
    }
}
