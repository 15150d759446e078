//! CVE ids and summary from an issue title, with the issue body as a fallback.

use std::sync::LazyLock;

use regex::Regex;

use super::{CveId, MAX_IDS_PER_ISSUE};

/// What a title says: its leading CVE ids, and the summary after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleParse {
    /// Distinct ids of the leading block, in title order, upper-cased; at
    /// most [`MAX_IDS_PER_ISSUE`] + 1 (more are not read).
    pub ids: Vec<CveId>,
    /// The rest of the title, separators and surrounding space removed.
    pub summary: String,
}

/// One id of the leading block, and what may separate it from the next.
const ID: &str = r"(?i:CVE)-[0-9]{4}-[0-9]{4,19}";

static LEADING_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    // Optional decoration ("[", "(", "*", backtick), then one or more ids
    // separated by commas, colons, hyphens or spaces.
    Regex::new(&format!(
        r"^(?P<pre>[\s\[(*`]*)(?P<block>{ID}(?:[\s,:\-]+{ID})*)(?P<rest>.*)$"
    ))
    .expect("valid regex")
});

static ANY_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\b{ID}\b")).expect("valid regex"));

/// A line that names the issue's id: `CVE: CVE-…`, `**CVE ID**: CVE-…`.
static BODY_ID_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?im)^[\s>*_#\-]*CVE(?:[ \-]?ID)?[\s*_]*[:：][\s*_`\[]*(?P<id>{ID})\b"
    ))
    .expect("valid regex")
});

/// Prose that names the issue's id: "tracked under CVE-…", "assigned CVE-…".
static BODY_ID_PROSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:tracked\s+(?:under|as)|(?:been\s+)?assigned(?:\s+as)?)\s+[*_`\[]*(?P<id>{ID})\b"
    ))
    .expect("valid regex")
});

/// Parse the leading CVE block of a title.
///
/// Returns `None` when the title does not start with a valid CVE id; the
/// caller then looks in the body ([`ids_from_body`]).
pub fn parse_title(title: &str) -> Option<TitleParse> {
    let caps = LEADING_BLOCK.captures(title)?;
    let ids = distinct_ids(ANY_ID.find_iter(&caps["block"]).map(|m| m.as_str()));
    if ids.is_empty() {
        return None;
    }
    // Close what the decoration opened ("[CVE-…]", "`CVE-…`"), then drop
    // the separators between the ids and the summary.
    let closers: Vec<char> = caps["pre"]
        .chars()
        .filter_map(|c| match c {
            '[' => Some(']'),
            '(' => Some(')'),
            '*' | '`' => Some(c),
            _ => None,
        })
        .collect();
    let summary = caps["rest"]
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | ',' | '-' | '–' | '—') || closers.contains(&c)
        })
        .trim()
        .to_string();
    Some(TitleParse { ids, summary })
}

/// The ids an issue body declares for itself, for titles without one.
///
/// Only explicit declarations count (`CVE: CVE-…` lines, "tracked under
/// CVE-…"): a body that merely mentions another CVE does not make the issue
/// an announcement of it.
pub fn ids_from_body(body: &str) -> Vec<CveId> {
    let from_lines = distinct_ids(
        BODY_ID_LINE
            .captures_iter(body)
            .map(|c| c.name("id").map_or("", |m| m.as_str())),
    );
    if !from_lines.is_empty() {
        return from_lines;
    }
    distinct_ids(
        BODY_ID_PROSE
            .captures_iter(body)
            .map(|c| c.name("id").map_or("", |m| m.as_str())),
    )
}

/// The distinct ids among `candidates`, in order; reading stops after
/// [`MAX_IDS_PER_ISSUE`] + 1 of them, enough to tell that there are too
/// many, so that a hostile title or body costs bounded time and memory.
fn distinct_ids<'a>(candidates: impl Iterator<Item = &'a str>) -> Vec<CveId> {
    let mut ids: Vec<CveId> = Vec::new();
    for id in candidates.filter_map(|s| s.parse::<CveId>().ok()) {
        if !ids.contains(&id) {
            ids.push(id);
            if ids.len() > MAX_IDS_PER_ISSUE {
                break;
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(title: &str) -> (Vec<String>, String) {
        let p = parse_title(title).unwrap_or_else(|| panic!("no id in {title:?}"));
        (p.ids.iter().map(|i| i.to_string()).collect(), p.summary)
    }

    #[test]
    fn title_shapes() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "CVE-2031-0001: Plain colon title",
                &["CVE-2031-0001"],
                "Plain colon title",
            ),
            (
                "CVE-2031-0002 - hyphen separated title",
                &["CVE-2031-0002"],
                "hyphen separated title",
            ),
            (
                "CVE-2031-0003, CVE-2031-0004: two ids",
                &["CVE-2031-0003", "CVE-2031-0004"],
                "two ids",
            ),
            (
                "CVE-2031-0003,CVE-2031-0004: no space",
                &["CVE-2031-0003", "CVE-2031-0004"],
                "no space",
            ),
            (
                "CVE-2031-0005 CVE-2031-0006 - spaces only",
                &["CVE-2031-0005", "CVE-2031-0006"],
                "spaces only",
            ),
            (
                "CVE-2031-0007: v1.2.3, v1.1.9: several: colons",
                &["CVE-2031-0007"],
                "v1.2.3, v1.1.9: several: colons",
            ),
            (
                "CVE-2031-0008: ingress controller - a hyphen inside",
                &["CVE-2031-0008"],
                "ingress controller - a hyphen inside",
            ),
            (
                "CVE-2031-0009: Incomplete fix for CVE-2030-1111 and CVE-2030-2222",
                &["CVE-2031-0009"],
                "Incomplete fix for CVE-2030-1111 and CVE-2030-2222",
            ),
            (
                "CVE-2031-0010: `tool --flag=<dir>` backticks -- and dashes",
                &["CVE-2031-0010"],
                "`tool --flag=<dir>` backticks -- and dashes",
            ),
            (
                "CVE-2031-0011: trailing space ",
                &["CVE-2031-0011"],
                "trailing space",
            ),
            (
                "cve-2031-0012: lower case",
                &["CVE-2031-0012"],
                "lower case",
            ),
            (
                "CVE-2031-76654: five digit sequence",
                &["CVE-2031-76654"],
                "five digit sequence",
            ),
            (
                "CVE-2031-0013: placeholder",
                &["CVE-2031-0013"],
                "placeholder",
            ),
            (
                "  [CVE-2031-0014] bracketed",
                &["CVE-2031-0014"],
                "bracketed",
            ),
            ("CVE-2031-0015", &["CVE-2031-0015"], ""),
            (
                "CVE-2031-0016, CVE-2031-0016: repeated id",
                &["CVE-2031-0016"],
                "repeated id",
            ),
        ];
        for (title, ids, summary) in cases {
            let (got_ids, got_summary) = parsed(title);
            assert_eq!(got_ids, *ids, "ids of {title:?}");
            assert_eq!(got_summary, *summary, "summary of {title:?}");
        }
    }

    #[test]
    fn titles_without_a_leading_id() {
        for title in [
            "PLACEHOLDER ISSUE",
            "Placeholder Issue",
            "Some text then CVE-2031-0001",
            "CVE-31-0001: short year",
            "",
        ] {
            assert_eq!(parse_title(title), None, "{title:?}");
        }
    }

    #[test]
    fn body_declarations() {
        let ids = |b: &str| {
            ids_from_body(b)
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids("Intro.\r\n\r\nCVE: CVE-2031-0100\r\n\r\nMore."),
            ["CVE-2031-0100"]
        );
        assert_eq!(ids("**CVE ID:** cve-2031-0101"), ["CVE-2031-0101"]);
        assert_eq!(
            ids("This issue is tracked under CVE-2031-0102."),
            ["CVE-2031-0102"]
        );
        assert!(ids("CVE: Pending").is_empty());
        assert!(ids("Similar to CVE-2031-0103, but not that.").is_empty());
    }
}
