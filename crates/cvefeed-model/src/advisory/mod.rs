//! The advisory model: what one official Kubernetes CVE *is*, independent of
//! where it came from (GitHub) and of how it is shown (feeds, OSV, HTML).
//!
//! This module owns the vocabulary types ([`CveId`], [`Status`], [`Advisory`])
//! and the pure functions that turn a fetched issue into advisories
//! ([`from_issue`]). It performs no I/O, reads no clock and knows nothing of
//! stores, HTTP or output formats.

mod issue;
mod title;
pub mod vuln;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use issue::{InvalidRepoName, Issue, IssueState, RepoName, StateReason};
pub use title::{TitleParse, ids_from_body, parse_title};
pub use vuln::VulnData;

/// A validated, upper-case CVE identifier such as `CVE-2023-2727`.
/// Ids order by year, then sequence number (`CVE-2023-9999` before
/// `CVE-2023-10000`), not as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CveId(String);

/// Why a string is not a CVE id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a CVE id: expected CVE-YYYY-NNNN with a year from 1999 and at least four digits"
)]
pub struct InvalidCveId {
    /// The rejected input.
    pub input: String,
}

impl CveId {
    /// The id as text, always upper-case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Year and sequence number, the numeric parts of the id.
    fn parts(&self) -> (u16, u64) {
        let mut it = self.0[4..]
            .split('-')
            .map(|p| p.parse::<u64>().unwrap_or(u64::MAX));
        let year = it.next().unwrap_or_default();
        (year as u16, it.next().unwrap_or_default())
    }

    /// A text key that sorts like the ids do (for sorting in a page).
    pub fn sort_key(&self) -> String {
        let (year, seq) = self.parts();
        format!("{year:04}-{seq:020}")
    }

    /// The cve.org record for this id.
    pub fn cve_org_url(&self) -> String {
        format!("https://www.cve.org/cverecord?id={}", self.0)
    }
}

impl FromStr for CveId {
    type Err = InvalidCveId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let bad = || InvalidCveId {
            input: s.to_string(),
        };
        let rest = upper.strip_prefix("CVE-").ok_or_else(bad)?;
        let (year, seq) = rest.split_once('-').ok_or_else(bad)?;
        let year_ok = year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && year.parse::<u16>().is_ok_and(|y| y >= 1999);
        let seq_ok = (4..=19).contains(&seq.len()) && seq.bytes().all(|b| b.is_ascii_digit());
        if year_ok && seq_ok {
            Ok(CveId(upper))
        } else {
            Err(bad())
        }
    }
}

impl Ord for CveId {
    /// By year, then by sequence number, compared as digit strings (no
    /// parsing: ids are sorted and looked up often); ids that differ only
    /// in leading zeros fall back to text order, consistent with `Eq`.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn key(id: &CveId) -> (&str, usize, &str) {
            // Validated: "CVE-" + four-digit year + "-" + digits.
            let (year, seq) = (&id.0[4..8], id.0[9..].trim_start_matches('0'));
            (year, seq.len(), seq)
        }
        key(self)
            .cmp(&key(other))
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for CveId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl TryFrom<String> for CveId {
    type Error = InvalidCveId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CveId> for String {
    fn from(id: CveId) -> String {
        id.0
    }
}

impl fmt::Display for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a CVE stands, from the state of its tracking issue.
///
/// | issue | status |
/// |---|---|
/// | open | `open` |
/// | open after being reopened | `unknown` |
/// | closed as not planned | `unfixed` |
/// | closed otherwise | `fixed` |
/// | the CNA's CVE record is REJECTED | `rejected` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Announced; the fix may still be in progress.
    Open,
    /// Reopened after closing: nobody has said what changed.
    Unknown,
    /// Closed as completed.
    Fixed,
    /// Closed as not planned: there will be no fix.
    Unfixed,
    /// The CNA rejected the CVE id (its CVE record's state is `REJECTED`):
    /// kept in the feed, marked, and withdrawn in OSV.
    Rejected,
}

/// Why a string is not a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a status: expected open, unknown, fixed, unfixed or rejected")]
pub struct InvalidStatus {
    /// The rejected input.
    pub input: String,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::Unknown,
        Status::Fixed,
        Status::Unfixed,
        Status::Rejected,
    ];

    /// The status of an issue in `state`, closed or reopened for `reason`
    /// (a CVE record can only make it [`Status::Rejected`] later).
    pub fn of(state: IssueState, reason: Option<StateReason>) -> Status {
        match (state, reason) {
            (IssueState::Open, Some(StateReason::Reopened)) => Status::Unknown,
            (IssueState::Open, _) => Status::Open,
            (IssueState::Closed, Some(StateReason::NotPlanned)) => Status::Unfixed,
            (IssueState::Closed, _) => Status::Fixed,
        }
    }

    /// The wire name: `open`, `unknown`, `fixed`, `unfixed` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Unknown => "unknown",
            Status::Fixed => "fixed",
            Status::Unfixed => "unfixed",
            Status::Rejected => "rejected",
        }
    }

    /// Whether readers should be warned that no fix is published yet (a
    /// rejected CVE needs no fix).
    pub fn needs_attention(self) -> bool {
        matches!(self, Status::Open | Status::Unfixed | Status::Unknown)
    }
}

impl FromStr for Status {
    type Err = InvalidStatus;

    /// A wire name, as [`Status::as_str`] writes it (exact, lower case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| InvalidStatus {
                input: s.to_string(),
            })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The GitHub issue an advisory was announced in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRef {
    /// The repository it was filed in.
    pub repo: RepoName,
    /// The issue number.
    pub number: u64,
    /// The issue's web page.
    pub url: String,
}

/// One official CVE, as published: one advisory per CVE id, even when an
/// issue announces several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The CVE id.
    pub id: CveId,
    /// Other CVE ids announced in the same issue.
    pub related: Vec<CveId>,
    /// The title without its leading CVE block, trimmed.
    pub summary: String,
    /// The issue body, Markdown, as written (never null: empty when absent).
    /// Shared by the advisories of one issue, not copied.
    pub body: Arc<str>,
    /// The announcing issue.
    pub issue: IssueRef,
    /// Status derived from the issue state.
    pub status: Status,
    /// When the issue was created.
    pub published: DateTime<Utc>,
    /// When the issue was last edited, when known. Not content: it moves
    /// with every comment, so it is left out of the content hash (and out
    /// of the serialised form); only the CVE record audit reads it.
    #[serde(skip)]
    pub edited: Option<DateTime<Utc>>,
    /// Structured data extracted from the body: severity, affected versions.
    pub vuln: VulnData,
}

/// The most CVE ids one issue may announce. Real announcements carry a
/// handful; each id's item lists all the others as `related`, so the
/// output of one issue grows with the square of its ids, and an issue with
/// more is left out of the feed ([`UnparsedReason::TooManyIds`]).
pub const MAX_IDS_PER_ISSUE: usize = 16;

/// An issue that carries the label but gives no advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unparsed {
    /// The issue.
    pub issue: IssueRef,
    /// Its title, as written.
    pub title: String,
    /// Why nothing was published from it.
    pub reason: UnparsedReason,
}

/// Why a labelled issue gives no advisory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnparsedReason {
    /// Neither the title nor the body names a CVE id.
    #[default]
    NoId,
    /// The title or body names more than [`MAX_IDS_PER_ISSUE`] ids.
    TooManyIds,
}

impl fmt::Display for UnparsedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnparsedReason::NoId => f.write_str("it names no CVE id in its title or body"),
            UnparsedReason::TooManyIds => write!(
                f,
                "it names more than {MAX_IDS_PER_ISSUE} CVE ids, the most one issue may announce"
            ),
        }
    }
}

/// The advisories of one issue, or why there are none.
pub fn from_issue(issue: &Issue) -> Result<Vec<Advisory>, Unparsed> {
    let issue_ref = IssueRef {
        repo: issue.repo.clone(),
        number: issue.number,
        url: issue.url.clone(),
    };
    let unparsed = |issue_ref, reason| Unparsed {
        issue: issue_ref,
        title: issue.title.clone(),
        reason,
    };
    let TitleParse { ids, summary } = match parse_title(&issue.title) {
        Some(parsed) => parsed,
        None => {
            let ids = ids_from_body(&issue.body);
            if ids.is_empty() {
                return Err(unparsed(issue_ref, UnparsedReason::NoId));
            }
            TitleParse {
                ids,
                summary: issue.title.trim().to_string(),
            }
        }
    };
    if ids.len() > MAX_IDS_PER_ISSUE {
        return Err(unparsed(issue_ref, UnparsedReason::TooManyIds));
    }
    let body: Arc<str> = Arc::from(issue.body.as_str());
    let vuln = vuln::extract(&body);
    // "All versions are affected … there is no patch": unfixed, even if
    // the issue was closed.
    let status = if !vuln.affected.is_empty()
        && !vuln.has_fixed_versions()
        && vuln::markdown::states_no_fix(&body)
    {
        Status::Unfixed
    } else {
        Status::of(issue.state, issue.state_reason)
    };
    Ok(ids
        .iter()
        .map(|id| Advisory {
            id: id.clone(),
            related: ids.iter().filter(|other| *other != id).cloned().collect(),
            summary: summary.clone(),
            body: Arc::clone(&body),
            issue: issue_ref.clone(),
            status,
            published: issue.created_at,
            edited: issue.updated_at,
            vuln: vuln.clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids_are_checked_and_upper_cased() {
        assert_eq!(
            "cve-2026-76654".parse::<CveId>().unwrap().as_str(),
            "CVE-2026-76654"
        );
        for bad in [
            "CVE-26-1234",
            "CVE-2023-123",
            "CVE-2023-12a4",
            "CVE-1998-1234",
            "2023-1234",
            "",
        ] {
            assert!(bad.parse::<CveId>().is_err(), "{bad} accepted");
        }
    }

    fn issue(title: &str, body: &str) -> Issue {
        Issue {
            repo: "kubernetes/kubernetes".parse().unwrap(),
            number: 7,
            title: title.into(),
            body: body.into(),
            state: IssueState::Open,
            state_reason: None,
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            updated_at: None,
            url: "https://github.com/kubernetes/kubernetes/issues/7".into(),
        }
    }

    fn ids(n: usize, sep: &str) -> String {
        (0..n)
            .map(|i| format!("CVE-2031-{}", 10_000 + i))
            .collect::<Vec<_>>()
            .join(sep)
    }

    #[test]
    fn the_ids_of_one_issue_are_bounded() {
        // At the bound: one advisory per id, sharing one body.
        let ok = from_issue(&issue(
            &format!("{}: s", ids(MAX_IDS_PER_ISSUE, ", ")),
            "body",
        ))
        .unwrap();
        assert_eq!(ok.len(), MAX_IDS_PER_ISSUE);
        assert_eq!(ok[0].related.len(), MAX_IDS_PER_ISSUE - 1);
        assert!(Arc::ptr_eq(&ok[0].body, &ok[MAX_IDS_PER_ISSUE - 1].body));
        // A title with 10,000 ids, and a body of `CVE:` lines.
        let title = format!("{}: hostile", ids(10_000, ", "));
        let err = from_issue(&issue(&title, "")).unwrap_err();
        assert_eq!(err.reason, UnparsedReason::TooManyIds);
        assert_eq!(err.issue.number, 7);
        let body = ids(3_120, "\n").replace("CVE-2031", "CVE: CVE-2031");
        let err = from_issue(&issue("No id in the title", &body)).unwrap_err();
        assert_eq!(err.reason, UnparsedReason::TooManyIds);
        assert_eq!(
            err.reason.to_string(),
            "it names more than 16 CVE ids, the most one issue may announce"
        );
        let err = from_issue(&issue("No id at all", "nothing")).unwrap_err();
        assert_eq!(err.reason, UnparsedReason::NoId);
    }

    #[test]
    fn cve_ids_order_by_number() {
        let id = |s: &str| s.parse::<CveId>().unwrap();
        assert!(id("CVE-2023-9999") < id("CVE-2023-10000"));
        assert!(id("CVE-2022-99999") < id("CVE-2023-1000"));
        assert!(id("CVE-2023-9999").sort_key() < id("CVE-2023-10000").sort_key());
    }

    #[test]
    fn status_mapping_follows_the_design() {
        use IssueState::*;
        assert_eq!(Status::of(Open, None), Status::Open);
        assert_eq!(
            Status::of(Open, Some(StateReason::Reopened)),
            Status::Unknown
        );
        assert_eq!(
            Status::of(Closed, Some(StateReason::NotPlanned)),
            Status::Unfixed
        );
        assert_eq!(
            Status::of(Closed, Some(StateReason::Completed)),
            Status::Fixed
        );
        assert_eq!(Status::of(Closed, None), Status::Fixed);
    }

    #[test]
    fn statuses_read_back_their_wire_names() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!("rejected".parse::<Status>(), Ok(Status::Rejected));
        assert_eq!(
            "withdrawn".parse::<Status>(),
            Err(InvalidStatus {
                input: "withdrawn".into()
            })
        );
    }
}
