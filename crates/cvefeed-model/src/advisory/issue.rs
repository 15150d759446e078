//! The announcing issue as the model reads it: the input of
//! [`super::from_issue`], and the small vocabulary that describes it.
//!
//! The GitHub client converts its REST wire type into [`Issue`] at the
//! edge; nothing here knows how the issue was fetched.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An issue that announces one or more CVEs: exactly the fields the model
/// reads, whatever the source (GitHub's API, a saved listing, a test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The repository it was filed in.
    pub repo: RepoName,
    /// Its number within that repository.
    pub number: u64,
    /// The title, as written.
    pub title: String,
    /// The Markdown body, as written (empty when there is none).
    pub body: String,
    /// Open or closed.
    pub state: IssueState,
    /// Why it was closed or reopened, when GitHub says.
    pub state_reason: Option<StateReason>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last edited, when known: the CVE record audit compares
    /// it with the record's `dateUpdated`.
    pub updated_at: Option<DateTime<Utc>>,
    /// Its web page.
    pub url: String,
}

/// `owner/name` of a GitHub repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RepoName {
    owner: String,
    name: String,
}

/// Why a `--repo` value is not `owner/name`.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a repository: expected OWNER/NAME, for example kubernetes/kubernetes")]
pub struct InvalidRepoName(String);

impl RepoName {
    /// The owner (user or organisation).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's name within its owner.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::str::FromStr for RepoName {
    type Err = InvalidRepoName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && part != "."
                && part != ".."
        };
        match s.split_once('/') {
            Some((owner, name)) if ok(owner) && ok(name) => Ok(RepoName {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(InvalidRepoName(s.to_string())),
        }
    }
}

impl TryFrom<String> for RepoName {
    type Error = InvalidRepoName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RepoName> for String {
    fn from(r: RepoName) -> String {
        r.to_string()
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Issue state as GitHub reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    /// Open.
    Open,
    /// Closed.
    Closed,
}

/// Why an issue was closed or reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateReason {
    /// Closed as completed.
    Completed,
    /// Closed as not planned.
    NotPlanned,
    /// Reopened.
    Reopened,
    /// Closed as a duplicate, or a reason GitHub adds later.
    #[serde(other)]
    Other,
}
