//! The English the report formats share, written from the model's enums:
//! the model decides what is so ([`Why`], [`Note`]), this module says it
//! in words ([`reason`]).

use std::collections::BTreeSet;

use cvefeed_model::advisory::Status;
use cvefeed_model::check::version::describe;
use cvefeed_model::check::{CheckResult, FixState, MinorLines, Note, Why};
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

fn why(why: &Why, fix: Option<FixState>) -> String {
    match why {
        Why::Rejected => "the CVE record was rejected: it affects nothing".to_string(),
        Why::NoRanges(reason) => reason.clone(),
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

    #[test]
    fn fix_states_in_words() {
        assert_eq!(fix_state(FixState::Fixed), "fixed");
        assert_eq!(fix_state(FixState::NoFix), "no fix exists");
        assert_eq!(fix_state(FixState::NotStated), "fixed version not stated");
        assert_eq!(capitalised(fix_state(FixState::NoFix)), "No fix exists");
        assert_eq!(capitalised(""), "");
    }
}
