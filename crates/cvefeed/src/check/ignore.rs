//! Results a platform team has decided to accept: the ignore file
//! (`--ignore-file PATH`, a YAML list of `{id, component?, reason,
//! expires?}`) and `--ignore-unfixed` (as in trivy).
//!
//! An ignored result stays in the report, marked with its reason: it no
//! longer fails the check, and it is counted apart. An entry past its
//! `expires` date no longer applies, with a warning; an entry whose CVE
//! is not in the feed is a warning. Reading the file ([`read`]) is the I/O
//! edge; applying it ([`apply`]) is pure and takes "today" as a value.
//! Knows nothing of verdict rules.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use super::component::{Named, resolve};
use super::{CheckResult, FixState, Verdict};
use crate::fsread::{self, CappedError};
use cvefeed_model::advisory::CveId;

/// The largest ignore file read: a list of a few hundred entries is a few
/// tens of kilobytes.
pub const MAX_IGNORE_FILE: u64 = 1024 * 1024;

/// Why an ignore file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    /// The file cannot be read.
    #[error("cannot read the ignore file {path}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_IGNORE_FILE`].
    #[error("the ignore file {path} is larger than {MAX_IGNORE_FILE} bytes")]
    TooLarge {
        /// The file.
        path: String,
    },
    /// The file is not a YAML list of entries.
    #[error(
        "the ignore file {path} is not a YAML list of {{id, component?, reason, expires?}} entries"
    )]
    Parse {
        /// The file.
        path: String,
        /// The cause (boxed: it is large).
        source: Box<serde_saphyr::Error>,
    },
    /// An entry is wrong (its error says which and why).
    #[error("the ignore file {path}, entry {entry}")]
    Entry {
        /// The file.
        path: String,
        /// The entry's position, from 1.
        entry: usize,
        /// What is wrong.
        source: EntryError,
    },
}

/// What is wrong with one entry.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// Its id is not a CVE id.
    #[error(transparent)]
    Id(#[from] cvefeed_model::advisory::InvalidCveId),
    /// Its component is not in the component table.
    #[error(transparent)]
    Component(#[from] super::component::UnknownComponent),
    /// Its reason is empty.
    #[error("the reason is empty: say why the CVE is accepted")]
    NoReason,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    component: Option<String>,
    reason: String,
    #[serde(default)]
    expires: Option<NaiveDate>,
}

/// One accepted CVE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// The CVE.
    pub id: CveId,
    /// Only for this component (every component when `None`).
    pub component: Option<Named>,
    /// Why it is accepted.
    pub reason: String,
    /// The last day it applies.
    pub expires: Option<NaiveDate>,
}

/// Read and check an ignore file: every id must be a CVE id and every
/// component one of the table (a typo is an error that suggests the
/// nearest name, as for `--version`).
pub fn read(path: &Path) -> Result<Vec<IgnoreEntry>, IgnoreError> {
    let name = path.display().to_string();
    let text = fsread::read_capped_text(path, MAX_IGNORE_FILE).map_err(|e| match e {
        CappedError::Io(source) => IgnoreError::Read {
            path: name.clone(),
            source,
        },
        CappedError::TooLarge { .. } => IgnoreError::TooLarge { path: name.clone() },
    })?;
    parse(&text, &name)
}

/// Parse the text of an ignore file named `name`.
pub fn parse(text: &str, name: &str) -> Result<Vec<IgnoreEntry>, IgnoreError> {
    let raw: Vec<RawEntry> = if text.trim().is_empty() {
        Vec::new()
    } else {
        serde_saphyr::from_str(text).map_err(|source| IgnoreError::Parse {
            path: name.to_string(),
            source: Box::new(source),
        })?
    };
    raw.into_iter()
        .enumerate()
        .map(|(n, r)| {
            let entry = || -> Result<IgnoreEntry, EntryError> {
                if r.reason.trim().is_empty() {
                    return Err(EntryError::NoReason);
                }
                Ok(IgnoreEntry {
                    id: r.id.parse()?,
                    component: r.component.as_deref().map(resolve).transpose()?,
                    reason: r.reason.trim().to_string(),
                    expires: r.expires,
                })
            };
            entry().map_err(|source| IgnoreError::Entry {
                path: name.to_string(),
                entry: n + 1,
                source,
            })
        })
        .collect()
}

/// Whether `entry` names a component of `result` (as the component table
/// resolved it: [`CheckResult::components`]); `kubernetes` names every
/// core component.
fn names_component(entry: &IgnoreEntry, result: &CheckResult) -> bool {
    let Some(wanted) = &entry.component else {
        return true;
    };
    result.components.iter().any(|named| {
        named == wanted || (*wanted == Named::Kubernetes && matches!(named, Named::Core(_)))
    })
}

/// Mark the results the entries (and `ignore_unfixed`) accept, as of
/// `today`; return the warnings: expired entries and entries whose CVE is
/// not in the results.
pub fn apply(
    results: &mut [CheckResult],
    entries: &[IgnoreEntry],
    ignore_unfixed: bool,
    today: NaiveDate,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for entry in entries {
        if let Some(expires) = entry.expires.filter(|e| *e < today) {
            warnings.push(format!(
                "the ignore entry for {} expired on {expires} and no longer applies ({})",
                entry.id, entry.reason
            ));
            continue;
        }
        let id = entry.id.as_str();
        if !results.iter().any(|r| r.id.as_str() == id) {
            warnings.push(format!(
                "the ignore entry for {id} matches no CVE of the feed; remove it if the id is wrong"
            ));
            continue;
        }
        for r in results
            .iter_mut()
            .filter(|r| {
                r.id.as_str() == id && r.verdict != Verdict::NotAffected && r.ignored.is_none()
            })
            .filter(|r| names_component(entry, r))
        {
            r.ignored = Some(match entry.expires {
                Some(e) => format!("{} (ignore file, until {e})", entry.reason),
                None => format!("{} (ignore file)", entry.reason),
            });
        }
    }
    if ignore_unfixed {
        for r in results
            .iter_mut()
            .filter(|r| r.ignored.is_none() && r.fix == Some(FixState::NoFix))
        {
            r.ignored = Some("no fix exists (--ignore-unfixed)".to_string());
        }
    }
    warnings
}
