//! Part of step 2, the plan: the issues. Fetch the labelled issues of every repository from
//! GitHub (answering unchanged pages from the ETag page cache kept in the
//! store), or read them from a saved file, and parse them into advisories.
//!
//! This step owns the page cache's contents and the order of issues; it
//! writes nothing (the plan stores the new page cache) and never looks at
//! the published feed.

use std::collections::BTreeMap;
use std::path::Path;

use super::{MAX_ISSUES_FILE_BYTES, PAGE_CACHE, RefreshConfig, RefreshError, Source};
use crate::fsread::{self, CappedError};
use crate::github::{FetchStats, Issue, PageCache, RepoName};
use crate::store::Store;
use cvefeed_model::advisory::{self, Advisory};
use cvefeed_model::feed;
use cvefeed_model::manifest::UnparsedIssue;

/// Characters of an unparsed issue's title kept in `status.json`.
const MAX_TITLE_CHARS: usize = 256;

/// Issues of one repository.
pub(super) struct RepoIssues {
    repo: RepoName,
    issues: Vec<Issue>,
}

/// Issues per repository, and the page cache to store (compact JSON) if it
/// changed.
pub(super) async fn fetch(
    store: &dyn Store,
    config: &RefreshConfig,
) -> Result<(Vec<RepoIssues>, Option<Vec<u8>>, FetchStats), RefreshError> {
    match &config.source {
        Source::File(path) => Ok((read_file(path, &config.repos)?, None, FetchStats::default())),
        Source::Github(client) => {
            let mut old_cache: PageCache = match store.get(PAGE_CACHE).await? {
                Some(f) => serde_json::from_slice(&f.bytes)
                    .inspect_err(
                        |e| tracing::warn!(error = %e, "ignoring an unreadable GitHub page cache"),
                    )
                    .unwrap_or_default(),
                None => PageCache::default(),
            };
            let mut new_cache = PageCache::default();
            let mut stats = FetchStats::default();
            let mut fresh = false;
            let mut listed = Vec::new();
            for repo in &config.repos {
                let listing = client
                    .list_issues(repo, &config.label, &mut old_cache, &mut stats)
                    .await?;
                fresh |= listing.fresh;
                let urls: Vec<String> = listing.pages.iter().map(|(u, _)| u.clone()).collect();
                new_cache.pages.extend(listing.pages);
                listed.push((repo.clone(), urls));
            }
            // Pages left in the old cache are no longer listed.
            let changed = fresh || !old_cache.pages.is_empty();
            drop(old_cache);
            let cache_bytes =
                changed.then(|| serde_json::to_vec(&new_cache).expect("the page cache serializes"));
            let repos = listed
                .into_iter()
                .map(|(repo, urls)| RepoIssues {
                    repo,
                    issues: urls
                        .iter()
                        .filter_map(|u| new_cache.pages.remove(u))
                        .flat_map(|page| page.issues)
                        .collect(),
                })
                .collect();
            Ok((repos, cache_bytes, stats))
        }
    }
}

/// Read a saved issues array of at most [`MAX_ISSUES_FILE_BYTES`]. Issues
/// name their repository through `repository_url`; those without one
/// belong to the first `--repo`.
fn read_file(path: &Path, repos: &[RepoName]) -> Result<Vec<RepoIssues>, RefreshError> {
    let bytes = fsread::read_capped(path, MAX_ISSUES_FILE_BYTES).map_err(|e| {
        let path = path.to_path_buf();
        match e {
            CappedError::Io(source) => RefreshError::ReadFile { path, source },
            CappedError::TooLarge { limit } => RefreshError::FileTooLarge { path, limit },
        }
    })?;
    let issues: Vec<Issue> =
        serde_json::from_slice(&bytes).map_err(|source| RefreshError::FileFormat {
            path: path.to_path_buf(),
            source,
        })?;
    let default_repo = repos.first().cloned().ok_or_else(|| RefreshError::NoRepo {
        path: path.to_path_buf(),
    })?;
    let mut by_repo: BTreeMap<RepoName, Vec<Issue>> = BTreeMap::new();
    for issue in issues {
        let repo = issue.repo().unwrap_or_else(|| default_repo.clone());
        if repos.contains(&repo) {
            by_repo.entry(repo).or_default().push(issue);
        }
    }
    Ok(by_repo
        .into_iter()
        .map(|(repo, issues)| RepoIssues { repo, issues })
        .collect())
}

/// Advisories of the labelled issues (one per id), and the labelled issues
/// that name no id. Issues are read in parallel; the results keep the
/// order of the issues.
pub(super) fn parse(repos: &[RepoIssues], label: &str) -> (Vec<Advisory>, Vec<UnparsedIssue>) {
    use rayon::prelude::*;
    let mut advisories = Vec::new();
    let mut unparsed = Vec::new();
    for RepoIssues { repo, issues } in repos {
        let name = repo.to_string();
        let parsed: Vec<_> = issues
            .par_iter()
            .filter(|i| !i.is_pull_request() && i.has_label(label))
            .map(|issue| advisory::from_issue(&issue.to_model(repo)))
            .collect();
        for result in parsed {
            match result {
                Ok(list) => advisories.extend(list),
                Err(u) => {
                    tracing::warn!(
                        repo = %repo,
                        issue = u.issue.number,
                        title = %u.title,
                        "labelled issue left out of the feed: {}", u.reason
                    );
                    unparsed.push(UnparsedIssue {
                        repo: name.clone(),
                        number: u.issue.number,
                        // GitHub keeps titles under 256 characters; a
                        // hostile source may not.
                        title: u.title.chars().take(MAX_TITLE_CHARS).collect(),
                        reason: u.reason,
                    });
                }
            }
        }
    }
    let (advisories, duplicates) = feed::dedupe(advisories);
    for d in duplicates {
        tracing::warn!(id = %d.id, kept = d.kept, dropped = d.dropped, "CVE id announced by two issues; keeping the earlier one");
    }
    for a in &advisories {
        for w in &a.vuln.warnings {
            tracing::warn!(id = %a.id, issue = a.issue.number, "{w}");
        }
    }
    (advisories, unparsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issues_file_over_the_limit_is_refused() {
        let repos = ["kubernetes/kubernetes".parse().unwrap()];
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "[]").unwrap();
        assert!(read_file(file.path(), &repos).unwrap().is_empty());
        // Sparse: no disk, and no memory unless it is read.
        file.as_file().set_len(MAX_ISSUES_FILE_BYTES + 1).unwrap();
        let e = read_file(file.path(), &repos).err().unwrap();
        assert!(
            matches!(
                e,
                RefreshError::FileTooLarge {
                    limit: MAX_ISSUES_FILE_BYTES,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("larger than 268435456 bytes"), "{e}");
    }
}
