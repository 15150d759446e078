//! The GitHub REST wire types of the issue listing: [`Issue`] and its
//! [`Label`]s, as GitHub sends them and as `gh api --paginate` saves them,
//! and their conversion into the model's issue.
//!
//! This module owns the field set read (unknown fields are ignored) and
//! the conversion at the edge ([`Issue::to_model`]); it never interprets a
//! title or body and sends no request.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use cvefeed_model::advisory::{IssueState, RepoName, StateReason};

/// A label, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The label's name.
    pub name: String,
}

/// The fields of a GitHub issue the feed needs. Unknown fields are ignored,
/// so this also reads what `gh api --paginate` saves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Issue number within its repository.
    pub number: u64,
    /// Title, as written.
    pub title: String,
    /// Markdown body; GitHub sends `null` for an empty one.
    #[serde(default)]
    pub body: Option<String>,
    /// Web page of the issue.
    pub html_url: String,
    /// API URL of the repository, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
    /// Open or closed.
    pub state: IssueState,
    /// Why it was closed or reopened.
    #[serde(default)]
    pub state_reason: Option<StateReason>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time (any edit, comment or label change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Labels on the issue.
    #[serde(default)]
    pub labels: Vec<Label>,
    /// Present when the "issue" is a pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<serde_json::Value>,
}

impl Issue {
    /// Whether this is a pull request rather than an issue.
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }

    /// Whether the issue carries `label`.
    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l.name == label)
    }

    /// The model's view of this issue, filed in `repo`.
    pub fn to_model(&self, repo: &RepoName) -> cvefeed_model::advisory::Issue {
        cvefeed_model::advisory::Issue {
            repo: repo.clone(),
            number: self.number,
            title: self.title.clone(),
            body: self.body.clone().unwrap_or_default(),
            state: self.state,
            state_reason: self.state_reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
            url: self.html_url.clone(),
        }
    }

    /// `owner/name` from `repository_url`, when it is a GitHub API URL.
    pub fn repo(&self) -> Option<RepoName> {
        let url = self.repository_url.as_deref()?;
        let (_, rest) = url.split_once("/repos/")?;
        rest.trim_end_matches('/').parse().ok()
    }
}
