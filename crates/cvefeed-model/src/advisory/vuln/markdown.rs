//! Structured data from the Markdown of an announcement: the CVSS line and
//! the "Affected Versions" / "Fixed Versions" sections, in every shape the
//! announcements have used (headings or bold lines, bullets or plain
//! lines, `a - b`, `<= a`, `< a`, `a to b`, "prior to a", `a+`).
//!
//! Owns reading Markdown text only; range normalisation is in
//! [`super::ranges`], scoring in [`super::cvss`], names in
//! [`super::components`]. Linear-time regexes only, so any input is safe.

use std::sync::LazyLock;

use regex::Regex;
use semver::Version;

use super::components::{self, KUBERNETES};
use super::cvss::{self, CvssError, Stated};
use super::ranges;
use super::{Affected, Coverage, Severity, Upper, VersionRange, Warning};

/// What a section heading announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    AffectedVersions,
    FixedVersions,
    Components,
    Other,
}

/// The text of an ATX heading (`### Fixed Versions ##`): up to three
/// spaces, one to six `#`, then the text without closing `#`s.
fn atx_text(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start();
    if !rest.starts_with('#') || line[..indent].chars().count() > 3 {
        return None;
    }
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    let text = rest[hashes.min(6)..].trim_start();
    Some(text.trim_end().trim_end_matches('#').trim_end())
}

/// A line that is bold and nothing else: `**Fixed Versions:**`.
static BOLD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\*\*|__)([^*_]{1,80})(?:\*\*|__)\s*:?\s*$").expect("valid regex")
});

/// Markdown links: keep the text.
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]*)\]\([^)]*\)").expect("valid regex"));

/// Bare URLs: dropped (their paths hold numbers that look like versions).
static BARE_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:https?|ftp)://\S*").expect("valid regex"));

/// A list marker at the start of a line.
static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+•]|[0-9]{1,3}[.)])\s+").expect("valid regex"));

/// A version as written in a range line.
static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[^\w.])(v?[0-9]{1,6}\.(?:[0-9]{1,6}|x)(?:\.(?:[0-9]{1,6}|x))?(?:-(?:alpha|beta|rc|pre|dev)[0-9a-z.]{0,20})?\+?)",
    )
    .expect("valid regex")
});

/// Words that close the prefix of a line as an operator.
static OPERATOR_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(<=|=<|≤|>=|=>|≥|<|>|\bprior\s+to|\bbefore|\bolder\s+than|\bup\s+to(?:\s+and\s+including)?|\bthrough)\s*$")
        .expect("valid regex")
});

/// Text between two versions that makes them a range.
static RANGE_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:-|–|—|to|through|thru|until)\s*$").expect("valid regex")
});

/// Words after a version that make it a bound.
static SUFFIX_AT_MOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:and|or)\s+(?:earlier|below|older|prior)\b").expect("valid regex")
});
static SUFFIX_AT_LEAST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:\(|and|or)\s*(?:later|above|newer|including\s+all\s+later)\b")
        .expect("valid regex")
});

/// "fixed in v1.2.3" / "resolved in 1.2.3" later in a range line.
static INLINE_FIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:fixed|resolved|patched)\s+in\s+(?:version\s+)?(v?[0-9]{1,6}\.[0-9]{1,6}(?:\.[0-9]{1,6})?)").expect("valid regex")
});

/// A line that is itself a fix statement anywhere in a body: "Fixed in v1.5.5 …".
static FIX_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:fixed|resolved|patched)\s+in\s+v?[0-9]").expect("valid regex")
});

/// The words [`FIX_LINE`] starts with, anywhere: a cheap test before
/// cleaning a line.
static FIX_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)fixed|resolved|patched").expect("valid regex"));

/// "This bug affects ingress-nginx." / "This issue affects kubelet".
static AFFECTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:bug|issue|vulnerability|cve)\s+affects\s+([^.\n]{1,120})")
        .expect("valid regex")
});

/// "Upgrade ingress-nginx to v1.11.5, v1.12.1, or any later version".
static UPGRADE_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bupgrad\w*\s+(?:[\w-]+\s+){0,3}to\s+(v?[0-9][0-9.]{2,20}(?:\s*,\s*(?:or\s+|and\s+)?v?[0-9][0-9.]{2,20}){0,10})").expect("valid regex")
});

/// "All versions of Kubernetes", "All kubelet versions".
static ALL_VERSIONS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^all\b.{0,60}\bversions?\b").expect("valid regex"));

/// A line that introduces a list of fixed releases in prose: "will be
/// fixed in the following Kubernetes releases:".
static FIX_LIST_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bfixed\s+in\s+the\s+following\b[^:]{0,40}:?\s*$").expect("valid regex")
});

/// Fixes stated in prose: "A second fix has been made to 1.15.4 and
/// backported to 1.14.7 and 1.13.11", "the primary fix in v1.16.0",
/// "In 1.12.5+ and 1.13.1+, …". Every whole version in the match is a fix.
static PROSE_FIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:fix|fixes|patch)\b[^.]{0,40}?\b(?:made|released|available|backported|included|landed)\s+(?:to|in|into|for)\b(?:[^.]|\.[0-9]){0,200}|\bfix(?:ed)?\s+in\s+v?[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}|^\W*in\s+v?[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}\+?(?:\s*(?:,|and|&)\s*v?[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}\+?){0,10}\s*,",
    )
    .expect("valid regex")
});

/// "All Kubernetes versions are affected" in prose.
static ALL_AFFECTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^all\b.{0,60}\bversions?\b.{0,20}\b(?:are\s+)?(?:affected|vulnerable)\b")
        .expect("valid regex")
});

/// The announcement says no fix exists: "There is no patch for this
/// issue", "no fix is planned", "will not be fixed", "won't be fixed",
/// "will not receive security updates", or a "Fixed Versions: None" label
/// on one line (a "Fixed Versions" section that says "None" is read by
/// [`states_no_fix`]).
static NO_FIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?im)\bthere\s+is\s+no\s+(?:patch|fix)\b",
        r"|\bno\s+(?:patch|fix)\s+(?:is\s+|will\s+be\s+)?(?:available|planned|released)\b",
        r"|\bwill\s+not\s+receive\s+security\s+updates\b",
        r"|\b(?:will\s+not|won['’]t)\s+be\s+fixed\b",
        r"|^[\s#>*_-]*fixed\s+versions?[\s*_]*:[\s*_]*none\b",
    ))
    .expect("valid regex")
});

/// Words a range line may carry that name no component.
const FILLER: &[&str] = &[
    "all",
    "the",
    "a",
    "an",
    "versions",
    "version",
    "and",
    "or",
    "kubernetes",
    "controller",
    "release",
    "releases",
    "fixed",
    "fix",
    "in",
    "prior",
    "to",
    "before",
    "up",
    "from",
    "including",
    "affected",
    "is",
    "are",
    "by",
    "of",
    "only",
    "patched",
    "resolved",
    "with",
    "no",
    "components",
    "component",
    "package",
    "packages",
    "official",
    "binaries",
    "branch",
    "earlier",
    "later",
    "older",
    "than",
    "through",
    "any",
    "builds",
    "build",
    "image",
    "images",
    "k8s",
    "upstream",
    "on",
    "for",
    "v",
    "x",
    "s",
];

/// A component or several, as a line names them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mention {
    /// Nothing named.
    Nothing,
    /// Only the project as a whole ("Kubernetes v1.19.0 - v1.19.2").
    Project,
    /// Specific components (canonical names, or unknown names as written).
    These(Vec<String>),
}

/// A range line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RangeLine {
    named: Mention,
    range: VersionRange,
    inline_fix: Option<Version>,
    /// Whether the line states where the affected versions begin
    /// (`>= v1.29.0`, `v1.29.0+`, `v1.29.0 and later`), rather than
    /// listing one minor line of several (`v1.29.0 - v1.29.6`).
    stated_start: bool,
}

/// What the range and fix lines give for one component, before
/// normalisation.
#[derive(Default)]
struct Slot {
    name: String,
    ranges: Vec<VersionRange>,
    fixed: Vec<Version>,
    /// The starts of the lines that state where the affected versions
    /// begin ([`RangeLine::stated_start`]).
    stated_starts: Vec<Version>,
}

/// A fixed-version line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FixLine {
    named: Mention,
    fixed: Version,
}

/// One cleaned line: no list marker, emphasis, escapes, link targets or URLs.
fn clean(line: &str) -> String {
    let line = BULLET.replace(line, "");
    let line = if line.contains("](") {
        LINK.replace_all(&line, "$1")
    } else {
        line
    };
    let line = if line.contains("://") {
        BARE_URL.replace_all(&line, " ")
    } else {
        line
    };
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '*' | '`' => {}
            '_' if chars.peek() == Some(&'_') => {
                chars.next();
            }
            '\u{a0}' => out.push(' '),
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

fn classify(heading: &str) -> Section {
    let t = heading
        .to_ascii_lowercase()
        .replace(['*', '_', ':', '?', '#'], "");
    let t = t.trim();
    if t.contains("affected version")
        || t.contains("versions are affected")
        || t.contains("versions affected")
        || t.contains("vulnerable version")
    {
        Section::AffectedVersions
    } else if t.starts_with("fixed version")
        || t.starts_with("patched version")
        || t.starts_with("fixed in")
        || t.starts_with("fixed release")
        || t.contains("versions contain the fix")
    {
        Section::FixedVersions
    } else if t.starts_with("affected component") {
        Section::Components
    } else {
        Section::Other
    }
}

/// The section a line opens, if it is a heading.
fn heading(line: &str) -> Option<Section> {
    // Cheap tests first: most lines are neither kind of heading.
    let start = line.trim_start();
    if let Some(text) = atx_text(line) {
        return Some(classify(text));
    }
    if (start.starts_with("**") || start.starts_with("__"))
        && let Some(c) = BOLD_LINE.captures(line)
    {
        return Some(classify(&c[1]));
    }
    // A plain line that is nothing but a known heading ("Affected Component").
    let t = line.trim().trim_end_matches([':', '?']);
    if t.len() > LONGEST_PLAIN_HEADING {
        return None;
    }
    let t = t.to_ascii_lowercase();
    match t.as_str() {
        "affected versions"
        | "affected version"
        | "fixed versions"
        | "fixed version"
        | "affected components"
        | "affected component" => Some(classify(&t)),
        "acknowledgements"
        | "acknowledgments"
        | "detection"
        | "mitigation"
        | "mitigations"
        | "additional details"
        | "how do i mitigate this vulnerability"
        | "how do i remediate this vulnerability"
        | "am i vulnerable" => Some(Section::Other),
        _ => None,
    }
}

/// Length of the longest heading [`heading`] knows as a plain line.
const LONGEST_PLAIN_HEADING: usize = "how do i remediate this vulnerability".len();

/// Body lines grouped by the section they sit in.
fn sections(body: &str) -> Vec<(Section, Vec<&str>)> {
    let mut out: Vec<(Section, Vec<&str>)> = vec![(Section::Other, Vec::new())];
    let mut in_code = false;
    for line in body.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if let Some(section) = heading(line) {
            out.push((section, Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push(line);
        }
    }
    out
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
fn range_line(line: &str, unknown: &mut Vec<String>) -> Option<RangeLine> {
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
        _ => {
            let between = found.get(1).map(|second| {
                let gap = text[first.end()..second.start()].trim();
                (second, gap)
            });
            match between {
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
            }
        }
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

/// Read one line of a "Fixed Versions" section (or a "Fixed in …" line).
fn fix_line(line: &str, unknown: &mut Vec<String>) -> Option<FixLine> {
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

/// The CVSS statement of a body: the vector (scored, or why not) and what
/// the same line states about score and severity.
#[derive(Debug, Clone, PartialEq)]
pub struct CvssStatement {
    /// The scored vector, or why it could not be scored.
    pub severity: Result<Severity, CvssError>,
    /// Score and band stated next to it.
    pub stated: Stated,
    /// Other, different vectors in the body.
    pub others: Vec<String>,
}

/// The CVSS vector of a body: the one on the `CVSS Rating:` line, else the
/// first one anywhere.
pub fn cvss_statement(body: &str) -> Option<CvssStatement> {
    let lines: Vec<&str> = body.lines().collect();
    let rating_line = lines.iter().position(|l| {
        l.to_ascii_lowercase().contains("cvss rating") && !cvss::find_vectors(l).is_empty()
    });
    let index =
        rating_line.or_else(|| lines.iter().position(|l| !cvss::find_vectors(l).is_empty()))?;
    let line = lines[index];
    let vector = cvss::find_vectors(line).first().copied()?;
    let severity = cvss::score(vector);
    let canonical = severity.as_ref().map(|s| s.vector.clone()).ok();
    let mut others: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for v in cvss::find_vectors(body) {
        // A vector repeated as written (in a link, say) is scored once.
        if seen.contains(&v) {
            continue;
        }
        seen.push(v);
        let scored = if v == vector {
            canonical.clone()
        } else {
            cvss::score(v).map(|s| s.vector).ok()
        };
        let other = scored.unwrap_or_else(|| v.to_ascii_uppercase());
        if Some(&other) != canonical.as_ref() && !others.contains(&other) {
            others.push(other);
        }
    }
    Some(CvssStatement {
        severity,
        stated: cvss::stated(line),
        others,
    })
}

/// The components a body is about when its range lines do not say: named
/// under "Affected Components" or in "this bug affects …".
fn explicit_components(parts: &[(Section, Vec<&str>)], body: &str) -> Vec<String> {
    fn add(names: &mut Vec<String>, text: &str) {
        for c in components::specific_in(text) {
            if !names.iter().any(|n| n == c.name) {
                names.push(c.name.to_string());
            }
        }
    }
    let mut names: Vec<String> = Vec::new();
    for (section, lines) in parts {
        if *section == Section::Components {
            for line in lines.iter().filter(|l| !l.trim().is_empty()).take(3) {
                let text = clean(line);
                match AFFECTS.captures(&text) {
                    Some(c) => add(&mut names, &c[1]),
                    None if text.split_whitespace().count() <= 6 => add(&mut names, &text),
                    None => {}
                }
            }
        }
    }
    if names.is_empty() {
        for c in AFFECTS.captures_iter(body).take(5) {
            add(&mut names, &clean(&c[1]));
        }
    }
    names
}

/// The opening prose of a body: its first three lines of text that are
/// neither headings, the CVSS line nor slash commands.
fn first_paragraph(body: &str) -> String {
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('/') && heading(l).is_none())
        .filter(|l| cvss::find_vectors(l).is_empty() || l.split_whitespace().count() > 12)
        .take(3)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Affected components and ranges described by the Markdown of a body.
pub fn affected(body: &str, warnings: &mut Vec<Warning>) -> Vec<Affected> {
    let parts = sections(body);
    let mut unknown: Vec<String> = Vec::new();
    let mut range_lines: Vec<RangeLine> = Vec::new();
    let mut fix_lines: Vec<FixLine> = Vec::new();
    let mut prose_fixes: Vec<FixLine> = Vec::new();
    for (section, lines) in &parts {
        let mut in_fix_list = false;
        for line in lines {
            match section {
                Section::AffectedVersions => {
                    range_lines.extend(range_line(line, &mut unknown));
                }
                Section::FixedVersions => fix_lines.extend(fix_line(line, &mut unknown)),
                _ => {
                    if in_fix_list {
                        if BULLET.is_match(line) {
                            fix_lines.extend(fix_line(line, &mut unknown));
                            continue;
                        }
                        in_fix_list = line.trim().is_empty();
                    }
                    if FIX_LIST_INTRO.is_match(line) {
                        in_fix_list = true;
                    } else if FIX_WORD.is_match(line) && FIX_LINE.is_match(&clean(line)) {
                        fix_lines.extend(fix_line(line, &mut unknown));
                    } else {
                        let text = clean(line);
                        prose_fixes.extend(prose_fix_versions(&text).into_iter().map(|fixed| {
                            FixLine {
                                named: Mention::Nothing,
                                fixed,
                            }
                        }));
                        let sentence = text.trim_start().split(". ").next().unwrap_or_default();
                        if ALL_AFFECTED.is_match(sentence) {
                            range_lines.extend(range_line(sentence, &mut unknown));
                        }
                    }
                }
            }
        }
    }
    // Fixes stated only in prose count when no list gives any.
    if fix_lines.is_empty() {
        fix_lines = prose_fixes;
    }
    if range_lines.is_empty() && fix_lines.is_empty() {
        return Vec::new();
    }
    if fix_lines.is_empty() && range_lines.iter().all(|r| r.inline_fix.is_none()) {
        // "Upgrade ingress-nginx to v1.11.5, v1.12.1, or any later version."
        if let Some(c) = UPGRADE_TO.captures(&clean(body)) {
            for v in c[1].split(|ch: char| ch == ',' || ch.is_whitespace()) {
                if let Some(fixed) = ranges::parse_exact(v) {
                    fix_lines.push(FixLine {
                        named: Mention::Nothing,
                        fixed,
                    });
                }
            }
        }
    }

    let explicit = explicit_components(&parts, body);
    let from_fixes: Vec<String> = fix_lines
        .iter()
        .flat_map(|f| match &f.named {
            Mention::These(n) => n.clone(),
            _ => Vec::new(),
        })
        .fold(Vec::new(), |mut acc, n| {
            if !acc.contains(&n) {
                acc.push(n);
            }
            acc
        });
    let from_prose: Vec<String> = components::specific_in(&first_paragraph(body))
        .into_iter()
        .take(1)
        .map(|c| c.name.to_string())
        .collect();
    let project = || vec![KUBERNETES.to_string()];
    let for_bare = if !explicit.is_empty() {
        explicit.clone()
    } else if !from_fixes.is_empty() {
        from_fixes.clone()
    } else if !from_prose.is_empty() {
        from_prose.clone()
    } else {
        project()
    };
    // "Kubernetes v1.19.0 - v1.19.2" names releases of the whole project.
    let for_project = if !explicit.is_empty() {
        explicit.clone()
    } else {
        project()
    };
    let resolve = |named: &Mention| -> Vec<String> {
        match named {
            Mention::These(n) => n.clone(),
            Mention::Project => for_project.clone(),
            Mention::Nothing => for_bare.clone(),
        }
    };

    let mut per_component: Vec<Slot> = Vec::new();
    fn slot<'a>(all: &'a mut Vec<Slot>, name: &str) -> &'a mut Slot {
        if let Some(i) = all.iter().position(|s| s.name == name) {
            &mut all[i]
        } else {
            all.push(Slot {
                name: name.to_string(),
                ..Slot::default()
            });
            all.last_mut().expect("just pushed")
        }
    }
    for line in &range_lines {
        for name in resolve(&line.named) {
            let entry = slot(&mut per_component, &name);
            entry.ranges.push(line.range.clone());
            entry.fixed.extend(line.inline_fix.clone());
            if line.stated_start {
                entry.stated_starts.extend(line.range.introduced.clone());
            }
        }
    }
    let affected_names: Vec<String> = per_component.iter().map(|s| s.name.clone()).collect();
    for line in &fix_lines {
        let targets = match &line.named {
            Mention::These(n) => n.clone(),
            _ if !affected_names.is_empty() => affected_names.clone(),
            other => resolve(other),
        };
        for name in targets {
            slot(&mut per_component, &name)
                .fixed
                .push(line.fixed.clone());
        }
    }
    warnings.extend(unknown.into_iter().map(|name| Warning::UnknownComponent {
        name: crate::clip(&name),
    }));
    per_component
        .into_iter()
        .map(|s| {
            let ranges = ranges::normalise(&s.name, s.ranges, &s.fixed, warnings);
            let package = components::lookup(&s.name).map(|c| c.module.to_string());
            // The lower bound is stated when the lowest range begins where
            // a line says the affected versions begin.
            let lowest = ranges.iter().map(|r| r.introduced.clone()).min().flatten();
            let coverage = Coverage {
                lower_bound_stated: lowest.is_some_and(|l| s.stated_starts.contains(&l)),
                ..Coverage::default()
            };
            Affected {
                component: s.name,
                package,
                fixed: ranges::new_line_fixes(&ranges, &s.fixed),
                ranges,
                coverage,
            }
        })
        .filter(|a| !a.ranges.is_empty())
        .collect()
}

/// The whole versions a prose line states as fixes ([`PROSE_FIX`]).
fn prose_fix_versions(text: &str) -> Vec<Version> {
    let mut out: Vec<Version> = Vec::new();
    for m in PROSE_FIX.find_iter(text) {
        for c in VERSION.captures_iter(m.as_str()) {
            if let Some(ranges::Written::Exact(v)) = ranges::parse_written(&c[1])
                && !out.contains(&v)
            {
                out.push(v);
            }
        }
    }
    out
}

/// Whether the body says that no fix exists ("There is no patch for this
/// issue", "will not be fixed", "Fixed Versions: None"): the one rule,
/// for the feed's status and for `check`.
pub fn states_no_fix(body: &str) -> bool {
    if NO_FIX.is_match(body) {
        return true;
    }
    sections(body).iter().any(|(section, lines)| {
        *section == Section::FixedVersions
            && lines
                .iter()
                .map(|l| clean(l))
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| {
                    l.trim_start()
                        .to_ascii_lowercase()
                        .trim_start_matches(|c: char| !c.is_alphanumeric())
                        .starts_with("none")
                })
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
