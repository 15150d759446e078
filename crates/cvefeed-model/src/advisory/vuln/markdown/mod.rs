//! Structured data from the Markdown of an announcement: the CVSS line and
//! the "Affected Versions" / "Fixed Versions" sections, in every shape the
//! announcements have used (headings or bold lines, bullets or plain
//! lines, `a - b`, `<= a`, `< a`, `a to b`, "prior to a", `a+`).
//!
//! Owns reading Markdown text only; range normalisation is in
//! [`super::ranges`], scoring in [`super::cvss`], names in
//! [`super::components`]. Linear-time regexes only, so any input is safe.
//!
//! The submodules: `patterns` (the regexes and the filler words),
//! `sections` (headings, sections and cleaned lines), `lines` (one
//! range or fix line, read). This module puts them together.

mod lines;
mod patterns;
mod sections;

use semver::Version;

use super::components::{self, KUBERNETES};
use super::cvss::{self, CvssError, Stated};
use super::ranges;
use super::{Affected, Coverage, Severity, VersionRange, Warning};
use lines::{FixLine, Mention, RangeLine, fix_line, range_line};
use patterns::{
    AFFECTS, ALL_AFFECTED, BULLET, FIX_LINE, FIX_LIST_INTRO, FIX_WORD, NO_FIX, PROSE_FIX,
    UPGRADE_TO, VERSION,
};
use sections::{Section, clean, heading, sections};

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
    let (range_lines, mut fix_lines) = read_lines(&parts, &mut unknown);
    if range_lines.is_empty() && fix_lines.is_empty() {
        return Vec::new();
    }
    if fix_lines.is_empty() && range_lines.iter().all(|r| r.inline_fix.is_none()) {
        fix_lines = upgrade_fixes(body);
    }
    let names = Names::of(&parts, body, &fix_lines);
    let per_component = slots(&range_lines, &fix_lines, &names);
    warnings.extend(unknown.into_iter().map(|name| Warning::UnknownComponent {
        name: crate::clip(&name),
    }));
    per_component
        .into_iter()
        .map(|s| s.into_affected(warnings))
        .filter(|a| !a.ranges.is_empty())
        .collect()
}

/// The range and fix lines of every section; fixes stated only in prose
/// count when no list gives any.
fn read_lines(
    parts: &[(Section, Vec<&str>)],
    unknown: &mut Vec<String>,
) -> (Vec<RangeLine>, Vec<FixLine>) {
    let mut range_lines: Vec<RangeLine> = Vec::new();
    let mut fix_lines: Vec<FixLine> = Vec::new();
    let mut prose_fixes: Vec<FixLine> = Vec::new();
    for (section, lines) in parts {
        let mut in_fix_list = false;
        for line in lines {
            match section {
                Section::AffectedVersions => {
                    range_lines.extend(range_line(line, unknown));
                }
                Section::FixedVersions => fix_lines.extend(fix_line(line, unknown)),
                _ => {
                    if in_fix_list {
                        if BULLET.is_match(line) {
                            fix_lines.extend(fix_line(line, unknown));
                            continue;
                        }
                        in_fix_list = line.trim().is_empty();
                    }
                    if FIX_LIST_INTRO.is_match(line) {
                        in_fix_list = true;
                    } else if FIX_WORD.is_match(line) && FIX_LINE.is_match(&clean(line)) {
                        fix_lines.extend(fix_line(line, unknown));
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
                            range_lines.extend(range_line(sentence, unknown));
                        }
                    }
                }
            }
        }
    }
    if fix_lines.is_empty() {
        fix_lines = prose_fixes;
    }
    (range_lines, fix_lines)
}

/// The fixes of "Upgrade ingress-nginx to v1.11.5, v1.12.1, or any later
/// version.", for a body that lists none.
fn upgrade_fixes(body: &str) -> Vec<FixLine> {
    let mut fix_lines = Vec::new();
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
    fix_lines
}

/// The components a line means when it names none of its own.
struct Names {
    /// For a line that names nothing: the components the body names
    /// explicitly, else those its fix lines name, else the first one its
    /// opening prose names, else the project.
    for_bare: Vec<String>,
    /// For a line that names the project ("Kubernetes v1.19.0 - v1.19.2"
    /// names releases of the whole project): the explicit components, else
    /// the project.
    for_project: Vec<String>,
}

impl Names {
    fn of(parts: &[(Section, Vec<&str>)], body: &str, fix_lines: &[FixLine]) -> Names {
        let explicit = explicit_components(parts, body);
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
            from_fixes
        } else if !from_prose.is_empty() {
            from_prose
        } else {
            project()
        };
        let for_project = if !explicit.is_empty() {
            explicit
        } else {
            project()
        };
        Names {
            for_bare,
            for_project,
        }
    }

    /// The components a line's mention stands for.
    fn resolve(&self, named: &Mention) -> Vec<String> {
        match named {
            Mention::These(n) => n.clone(),
            Mention::Project => self.for_project.clone(),
            Mention::Nothing => self.for_bare.clone(),
        }
    }
}

/// The range and fix lines gathered per component, in the order the
/// components first appear. A fix line that names nothing applies to every
/// component a range line gave, if any.
fn slots(range_lines: &[RangeLine], fix_lines: &[FixLine], names: &Names) -> Vec<Slot> {
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
    for line in range_lines {
        for name in names.resolve(&line.named) {
            let entry = slot(&mut per_component, &name);
            entry.ranges.push(line.range.clone());
            entry.fixed.extend(line.inline_fix.clone());
            if line.stated_start {
                entry.stated_starts.extend(line.range.introduced.clone());
            }
        }
    }
    let affected_names: Vec<String> = per_component.iter().map(|s| s.name.clone()).collect();
    for line in fix_lines {
        let targets = match &line.named {
            Mention::These(n) => n.clone(),
            _ if !affected_names.is_empty() => affected_names.clone(),
            other => names.resolve(other),
        };
        for name in targets {
            slot(&mut per_component, &name)
                .fixed
                .push(line.fixed.clone());
        }
    }
    per_component
}

impl Slot {
    /// The component's normalised ranges and fixes, and whether its lower
    /// bound is stated.
    fn into_affected(self, warnings: &mut Vec<Warning>) -> Affected {
        let ranges = ranges::normalise(&self.name, self.ranges, &self.fixed, warnings);
        let package = components::lookup(&self.name).map(|c| c.module.to_string());
        // The lower bound is stated when the lowest range begins where
        // a line says the affected versions begin.
        let lowest = ranges.iter().map(|r| r.introduced.clone()).min().flatten();
        let coverage = Coverage {
            lower_bound_stated: lowest.is_some_and(|l| self.stated_starts.contains(&l)),
            ..Coverage::default()
        };
        Affected {
            component: self.name,
            package,
            fixed: ranges::new_line_fixes(&ranges, &self.fixed),
            ranges,
            coverage,
        }
    }
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
