//! GitHub webhook deliveries: signature check (as the body streams in),
//! replay suppression (by delivery id and by body digest), the bounds on
//! what deliveries in flight may hold, and the decision whether an
//! `issues` event concerns the feed.
//!
//! Pure functions, small bounded sets, and reading the secret's file; this
//! module never starts a refresh itself (the caller does, through the
//! debouncing refresher) and never reads the network or the store.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::github::RepoName;

/// The largest `--webhook-secret-file` read: a secret is a few dozen bytes.
pub const MAX_SECRET_FILE: u64 = 16 * 1024;

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

    /// The secret held in the file `path` (`--webhook-secret-file`), at
    /// most [`MAX_SECRET_FILE`] bytes.
    pub fn read(path: &Path) -> Result<Secret, SecretError> {
        let text = crate::fsread::read_capped_text(path, MAX_SECRET_FILE).map_err(|source| {
            SecretError::Read {
                path: path.display().to_string(),
                source,
            }
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
        let Some(mut check) = self.verifier(header) else {
            return false;
        };
        check.update(body);
        check.verify()
    }

    /// A check of `header` (`sha256=<hex>`) to feed the body to as it
    /// arrives; `None` when the header is not a SHA-256 signature at all,
    /// so that a delivery can be refused before its body is read.
    pub fn verifier(&self, header: &str) -> Option<Verifier> {
        let tag = header
            .strip_prefix("sha256=")
            .and_then(|h| hex::decode(h.trim()).ok())
            .filter(|t| t.len() == 32)?;
        let mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        Some(Verifier { mac, tag })
    }
}

/// A signature check in progress: the body goes in piece by piece.
pub struct Verifier {
    mac: Hmac<Sha256>,
    tag: Vec<u8>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier")
    }
}

impl Verifier {
    /// The next piece of the body.
    pub fn update(&mut self, piece: &[u8]) {
        self.mac.update(piece);
    }

    /// Whether the whole body matches the signature (constant time).
    pub fn verify(self) -> bool {
        self.mac.verify_slice(&self.tag).is_ok()
    }
}

/// Why the webhook secret file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// It cannot be read, or is larger than [`MAX_SECRET_FILE`].
    #[error("cannot read --webhook-secret-file {path}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: crate::fsread::CappedError,
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

/// Why a signed body is not an `issues` event payload.
#[derive(Debug, thiserror::Error)]
#[error("not an issues event payload: {0}")]
pub struct PayloadError(#[source] serde_json::Error);

/// Read an `issues` event payload. Any bytes may arrive here (after the
/// signature check, but a signed body may still be junk): this never
/// panics, and its work is bounded by the body size.
pub fn parse_issues_event(body: &[u8]) -> Result<IssuesEvent, PayloadError> {
    serde_json::from_slice(body).map_err(PayloadError)
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

/// What webhook deliveries in flight may hold: at most `max_in_flight`
/// requests at once, and at most `budget` bytes of bodies between them.
/// Past either bound a delivery is refused before (or while) its body is
/// read, so that unauthenticated senders cannot make the server buffer
/// more than the budget, however many connections they open.
#[derive(Debug)]
pub struct Limits {
    requests: Arc<Semaphore>,
    bytes: Arc<Semaphore>,
}

/// Why a delivery cannot be taken in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overload {
    /// Too many deliveries in flight.
    Requests,
    /// Their bodies fill the memory budget.
    Memory,
}

/// A delivery's share of the [`Limits`], returned when it is dropped.
#[derive(Debug)]
pub struct Admission {
    _request: OwnedSemaphorePermit,
    bytes: Option<OwnedSemaphorePermit>,
    budget: Arc<Semaphore>,
}

impl Limits {
    /// At most `max_in_flight` deliveries and `budget` bytes of bodies.
    pub fn new(max_in_flight: usize, budget: usize) -> Limits {
        Limits {
            requests: Arc::new(Semaphore::new(max_in_flight.max(1))),
            bytes: Arc::new(Semaphore::new(budget.min(Semaphore::MAX_PERMITS))),
        }
    }

    /// Take a request slot, or refuse at once.
    pub fn admit(&self) -> Result<Admission, Overload> {
        let request = Arc::clone(&self.requests)
            .try_acquire_owned()
            .map_err(|_| Overload::Requests)?;
        Ok(Admission {
            _request: request,
            bytes: None,
            budget: Arc::clone(&self.bytes),
        })
    }
}

impl Admission {
    /// Reserve `n` more bytes of the budget for this delivery's body, or
    /// refuse at once.
    pub fn reserve(&mut self, n: usize) -> Result<(), Overload> {
        let n = u32::try_from(n).map_err(|_| Overload::Memory)?;
        if n == 0 {
            return Ok(());
        }
        let more = Arc::clone(&self.budget)
            .try_acquire_many_owned(n)
            .map_err(|_| Overload::Memory)?;
        match &mut self.bytes {
            Some(held) => held.merge(more),
            None => self.bytes = Some(more),
        }
        Ok(())
    }
}

/// Digests of the authentic bodies delivered within `window`, at most
/// `capacity` of them (oldest forgotten first): a captured signed body
/// sent again under a new delivery id is refused while it is remembered.
#[derive(Debug)]
pub struct RecentBodies {
    window: Duration,
    capacity: usize,
    inner: Mutex<Remembered>,
}

/// When each digest was last delivered, and the deliveries in order.
type Remembered = (HashMap<[u8; 32], Instant>, VecDeque<([u8; 32], Instant)>);

impl RecentBodies {
    /// Remember bodies for `window`, at most `capacity` of them.
    pub fn new(window: Duration, capacity: usize) -> RecentBodies {
        RecentBodies {
            window,
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// Record `body` as delivered at `now`; `false` if the same bytes were
    /// delivered within the window before.
    pub fn first_time(&self, body: &[u8], now: Instant) -> bool {
        let digest: [u8; 32] = Sha256::digest(body).into();
        let mut guard = self.inner.lock().expect("lock poisoned");
        let (seen, order) = &mut *guard;
        while let Some((old, at)) = order.front().copied() {
            if order.len() < self.capacity && now.duration_since(at) <= self.window {
                break;
            }
            order.pop_front();
            if seen.get(&old) == Some(&at) {
                seen.remove(&old);
            }
        }
        if seen
            .get(&digest)
            .is_some_and(|at| now.duration_since(*at) <= self.window)
        {
            return false;
        }
        seen.insert(digest, now);
        order.push_back((digest, now));
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
    fn the_secret_file_is_trimmed_bounded_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cret\n").unwrap();
        let body = b"{}";
        assert!(
            Secret::read(&path)
                .unwrap()
                .verify(&Secret::new("s3cret").unwrap().sign(body), body)
        );
        std::fs::write(&path, " \n").unwrap();
        assert!(matches!(
            Secret::read(&path),
            Err(SecretError::Empty { .. })
        ));
        let big = "s3cret".repeat(MAX_SECRET_FILE as usize);
        std::fs::write(&path, &big).unwrap();
        assert_eq!(
            crate::error::Chain(&Secret::read(&path).unwrap_err()).to_string(),
            format!(
                "cannot read --webhook-secret-file {}: larger than {MAX_SECRET_FILE} bytes",
                path.display()
            )
        );
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
    fn a_streamed_check_equals_the_whole_one() {
        let s = Secret::new("s3cret").unwrap();
        let body = b"{\"action\":\"labeled\"}";
        let sig = s.sign(body);
        let mut v = s.verifier(&sig).unwrap();
        for piece in body.chunks(3) {
            v.update(piece);
        }
        assert!(v.verify());
        let mut v = s.verifier(&sig).unwrap();
        v.update(b"{}");
        assert!(!v.verify());
        // Not a SHA-256 signature: refused before any body is read.
        assert!(s.verifier("sha256=abcd").is_none());
        assert!(s.verifier("sha1=00").is_none());
    }

    #[test]
    fn limits_refuse_past_either_bound_and_give_back_on_drop() {
        let limits = Limits::new(2, 100);
        let mut a = limits.admit().unwrap();
        let b = limits.admit().unwrap();
        assert_eq!(limits.admit().unwrap_err(), Overload::Requests);
        a.reserve(60).unwrap();
        a.reserve(40).unwrap();
        assert_eq!(a.reserve(1).unwrap_err(), Overload::Memory);
        drop(a);
        let mut c = limits.admit().unwrap();
        c.reserve(100).unwrap();
        drop((b, c));
        assert!(limits.admit().is_ok());
    }

    #[test]
    fn a_replayed_body_is_refused_within_the_window_only() {
        let recent = RecentBodies::new(Duration::from_secs(60), 2);
        let t = Instant::now();
        assert!(recent.first_time(b"a", t));
        assert!(!recent.first_time(b"a", t + Duration::from_secs(59)));
        assert!(recent.first_time(b"a", t + Duration::from_secs(61)));
        // Bounded: a third body pushes out the oldest.
        assert!(recent.first_time(b"b", t + Duration::from_secs(62)));
        assert!(recent.first_time(b"c", t + Duration::from_secs(63)));
        assert!(recent.first_time(b"a", t + Duration::from_secs(64)));
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
