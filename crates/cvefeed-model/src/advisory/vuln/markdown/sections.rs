//! The shape of a body: which lines are headings (ATX, bold or plain),
//! the section each heading opens, and one line cleaned of Markdown
//! (list markers, emphasis, escapes, links). What a line says is
//! `lines`'s.

use super::patterns::{BARE_URL, BOLD_LINE, BULLET, LINK};

/// What a section heading announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
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

/// One cleaned line: no list marker, emphasis, escapes, link targets or URLs.
pub(super) fn clean(line: &str) -> String {
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
pub(super) fn heading(line: &str) -> Option<Section> {
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
pub(super) fn sections(body: &str) -> Vec<(Section, Vec<&str>)> {
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
