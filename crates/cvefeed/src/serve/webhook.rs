//! GitHub webhook deliveries: signature check, replay suppression and the
//! decision whether an `issues` event concerns the feed.
//!
//! Pure functions and a small bounded set, and reading the secret's file;
//! this module never starts a refresh itself (the caller does, through the
//! debouncing refresher) and never reads the network or the store.

use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::sync::Mutex;

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::github::RepoName;

/// The shared secret configured on the GitHub webhook. Never logged.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// A secret from its text, trimmed of surrounding white space (files
    /// usually end with a newline); `None` when empty.
    pub fn new(text: &str) -> Option<Secret> {
        let t = text.trim();
        (!t.is_empty()).then(|| Secret(t.as_bytes().to_vec()))
    }

    /// The secret held in the file `path` (`--webhook-secret-file`).
    pub fn read(path: &Path) -> Result<Secret, SecretError> {
        let text = std::fs::read_to_string(path).map_err(|source| SecretError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Secret::new(&text).ok_or_else(|| SecretError::Empty {
            path: path.display().to_string(),
        })
    }

    /// The `X-Hub-Signature-256` value GitHub sends for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    /// Check `header` (`sha256=<hex>`) against `body`, in constant time.
    pub fn verify(&self, header: &str, body: &[u8]) -> bool {
        let Some(tag) = header
            .strip_prefix("sha256=")
            .and_then(|h| hex::decode(h.trim()).ok())
        else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(body);
        mac.verify_slice(&tag).is_ok()
    }
}

/// Why the webhook secret file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// It cannot be read.
    #[error("cannot read --webhook-secret-file {path}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// It holds only white space.
    #[error(
        "--webhook-secret-file {path} is empty; put the secret configured on the GitHub webhook in it"
    )]
    Empty {
        /// The file.
        path: String,
    },
}

/// The part of an `issues` event payload that matters here.
#[derive(Debug, Deserialize)]
pub struct IssuesEvent {
    /// What happened to the issue.
    pub action: Action,
    /// The issue after the action.
    pub issue: EventIssue,
    /// The label added or removed (labeled/unlabeled only).
    #[serde(default)]
    pub label: Option<EventLabel>,
    /// The repository.
    pub repository: EventRepository,
}

/// The issue in an event.
#[derive(Debug, Deserialize)]
pub struct EventIssue {
    /// Its number.
    pub number: u64,
    /// Its labels after the action.
    #[serde(default)]
    pub labels: Vec<EventLabel>,
}

/// A label in an event.
#[derive(Debug, Deserialize)]
pub struct EventLabel {
    /// Its name.
    pub name: String,
}

/// The repository in an event.
#[derive(Debug, Deserialize)]
pub struct EventRepository {
    /// `owner/name`.
    pub full_name: String,
}

/// The `action` of an `issues` event: those that can change the feed, and
/// every other one as GitHub wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum Action {
    /// A label was added.
    Labeled,
    /// A label was removed.
    Unlabeled,
    /// The title or body changed.
    Edited,
    /// The issue was closed.
    Closed,
    /// The issue was reopened.
    Reopened,
    /// The issue was deleted.
    Deleted,
    /// Any other action (`opened`, `assigned`, ...), which cannot change
    /// the feed: a labelled new issue also sends `labeled`. The raw text,
    /// for logs and answers.
    Other(String),
}

impl From<String> for Action {
    fn from(raw: String) -> Action {
        match raw.as_str() {
            "labeled" => Action::Labeled,
            "unlabeled" => Action::Unlabeled,
            "edited" => Action::Edited,
            "closed" => Action::Closed,
            "reopened" => Action::Reopened,
            "deleted" => Action::Deleted,
            _ => Action::Other(raw),
        }
    }
}

/// Why an authentic `issues` event starts no refresh (or `None` if it does).
pub fn irrelevance(event: &IssuesEvent, label: &str, repos: &[RepoName]) -> Option<String> {
    if let Action::Other(raw) = &event.action {
        return Some(format!("action {raw:?} does not change the feed"));
    }
    let watched = repos.iter().any(|r| {
        r.to_string()
            .eq_ignore_ascii_case(&event.repository.full_name)
    });
    if !watched {
        return Some(format!(
            "repository {} is not watched",
            event.repository.full_name
        ));
    }
    let concerns_label = match event.action {
        Action::Labeled | Action::Unlabeled => {
            event.label.as_ref().is_some_and(|l| l.name == label)
        }
        _ => event.issue.labels.iter().any(|l| l.name == label),
    };
    if !concerns_label {
        return Some(format!(
            "issue #{} does not carry the label {label:?}",
            event.issue.number
        ));
    }
    None
}

/// Delivery ids seen recently, at most `capacity` of them (oldest forgotten
/// first), so memory stays bounded.
#[derive(Debug)]
pub struct SeenDeliveries {
    capacity: usize,
    inner: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl SeenDeliveries {
    /// Remember at most `capacity` ids.
    pub fn new(capacity: usize) -> SeenDeliveries {
        SeenDeliveries {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// Record `id`; `false` if it was already recorded.
    pub fn first_time(&self, id: &str) -> bool {
        let mut guard = self.inner.lock().expect("lock poisoned");
        let (set, order) = &mut *guard;
        if set.contains(id) {
            return false;
        }
        if order.len() >= self.capacity
            && let Some(old) = order.pop_front()
        {
            set.remove(&old);
        }
        set.insert(id.to_string());
        order.push_back(id.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, label: Option<&str>, labels: &[&str], repo: &str) -> IssuesEvent {
        serde_json::from_value(serde_json::json!({
            "action": action,
            "issue": {"number": 7, "labels": labels.iter().map(|l| serde_json::json!({"name": l})).collect::<Vec<_>>()},
            "label": label.map(|l| serde_json::json!({"name": l})),
            "repository": {"full_name": repo},
        }))
        .unwrap()
    }

    #[test]
    fn signature_round_trip_and_rejections() {
        let s = Secret::new("  s3cret\n").unwrap();
        let body = b"{\"zen\":\"x\"}";
        let sig = s.sign(body);
        assert!(s.verify(&sig, body));
        assert!(!s.verify(&sig, b"{\"zen\":\"y\"}"));
        assert!(!s.verify(&sig.replace("sha256=", "sha1="), body));
        assert!(!s.verify("sha256=zz", body));
        assert!(!Secret::new("other").unwrap().verify(&sig, body));
        assert!(Secret::new(" \n").is_none());
    }

    #[test]
    fn relevance() {
        let repos = vec!["kubernetes/kubernetes".parse::<RepoName>().unwrap()];
        let l = "official-cve-feed";
        assert_eq!(
            irrelevance(
                &event("labeled", Some(l), &[l], "kubernetes/kubernetes"),
                l,
                &repos
            ),
            None
        );
        // Removing the label: the issue no longer has it, the event still counts.
        assert_eq!(
            irrelevance(
                &event("unlabeled", Some(l), &[], "kubernetes/kubernetes"),
                l,
                &repos
            ),
            None
        );
        assert_eq!(
            irrelevance(
                &event("edited", None, &["bug", l], "kubernetes/kubernetes"),
                l,
                &repos
            ),
            None
        );
        assert!(
            irrelevance(
                &event("labeled", Some("bug"), &[l, "bug"], "kubernetes/kubernetes"),
                l,
                &repos
            )
            .is_some()
        );
        assert!(
            irrelevance(
                &event("closed", None, &["bug"], "kubernetes/kubernetes"),
                l,
                &repos
            )
            .is_some()
        );
        assert!(irrelevance(&event("labeled", Some(l), &[l], "other/repo"), l, &repos).is_some());
        assert!(
            irrelevance(
                &event("assigned", None, &[l], "kubernetes/kubernetes"),
                l,
                &repos
            )
            .is_some()
        );
    }

    #[test]
    fn actions_are_typed_and_others_keep_their_text() {
        assert_eq!(event("labeled", None, &[], "a/b").action, Action::Labeled);
        assert_eq!(
            event("transferred", None, &[], "a/b").action,
            Action::Other("transferred".into())
        );
        let repos = vec!["a/b".parse::<RepoName>().unwrap()];
        assert_eq!(
            irrelevance(&event("pinned", None, &["l"], "a/b"), "l", &repos).as_deref(),
            Some("action \"pinned\" does not change the feed")
        );
    }

    #[test]
    fn seen_deliveries_are_bounded() {
        let seen = SeenDeliveries::new(2);
        assert!(seen.first_time("a"));
        assert!(!seen.first_time("a"));
        assert!(seen.first_time("b"));
        assert!(seen.first_time("c"));
        // "a" was forgotten to keep two.
        assert!(seen.first_time("a"));
        assert!(!seen.first_time("c"));
    }
}
