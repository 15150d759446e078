//! The GitHub edge: list the issues that carry the feed label.
//!
//! This module owns the client: its configuration, the requests (headers,
//! `Link` pagination, which answers are retried and which rate limits are
//! waited out) and the listing of every page. Its submodules own the REST
//! wire types ([`wire`]: [`Issue`]), the ETag page cache that makes an
//! unchanged refresh cost nothing ([`cache`]: [`PageCache`]), rate limits
//! and the cost of a run ([`rate`]: [`FetchStats`]), and the errors
//! ([`errors`]: [`GithubError`]). The client setup is [`crate::http`]'s
//! and the retry rules are [`crate::retry`]'s. It turns GitHub into a plain
//! list of issues, or an error naming the failing request; it never
//! interprets titles or bodies and never writes to a store.

pub mod cache;
pub mod errors;
pub mod rate;
pub mod wire;

use std::fmt;
use std::ops::ControlFlow;
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};

use crate::http::cache::{Answer, Entry, Received, Settled};
use crate::http::{self, BasicAuth, BodyError, Redirects};
use crate::retry::{self, Attempt, Retrier};
pub use cache::{CachedPage, PageCache};
pub use cvefeed_model::advisory::{InvalidRepoName, IssueState, RepoName, StateReason};
pub use errors::{GithubError, MAX_UPSTREAM_TEXT};
use errors::{error_message, hint, sanitize_upstream};
pub use rate::FetchStats;
use rate::rate_limit_wait;
pub use wire::{Issue, Label};

/// A GitHub token. Its value never appears in `Debug`, logs or errors.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wrap a token; an empty string means no token.
    pub fn new(value: String) -> Option<Token> {
        let value = value.trim().to_string();
        (!value.is_empty()).then_some(Token(value))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// How the client talks to GitHub.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API base, `https://api.github.com` by default, without user name or
    /// password (those are in `basic_auth`).
    api_url: url::Url,
    /// User name and password that were in the API base URL.
    basic_auth: Option<BasicAuth>,
    /// Optional token.
    pub token: Option<Token>,
    /// Timeout of one request, connect to last byte.
    pub timeout: Duration,
    /// Retries after the first attempt, for transport errors and 5xx.
    pub retries: u32,
    /// First backoff delay; doubles with each retry.
    pub backoff: Duration,
    /// Longest total wait for rate limits to reset over a run (every page
    /// of every repository) before giving up.
    pub max_rate_limit_wait: Duration,
    /// Most rate-limit waits for one page before giving up.
    pub max_rate_limit_retries: u32,
    /// Largest body of one page, in bytes.
    pub max_page_bytes: u64,
    /// Largest total of the page bodies of one run, in bytes.
    pub max_total_bytes: u64,
}

impl ClientConfig {
    /// Defaults for `api_url`: 30 s timeout, 3 retries from 1 s, 5 min
    /// rate-limit budget over at most 10 waits, pages of at most 32 MiB
    /// and 256 MiB in all. A user name and password in `api_url` are taken
    /// out of it and sent as basic authentication.
    pub fn new(api_url: url::Url, token: Option<Token>) -> ClientConfig {
        let (api_url, basic_auth) = http::take_userinfo(api_url);
        ClientConfig {
            api_url,
            basic_auth,
            token,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_secs(1),
            max_rate_limit_wait: Duration::from_secs(300),
            max_rate_limit_retries: retry::DEFAULT_MAX_WAITS,
            max_page_bytes: 32 << 20,
            max_total_bytes: 256 << 20,
        }
    }

    /// The API base, without user name or password: safe to show.
    pub fn api_url(&self) -> &url::Url {
        &self.api_url
    }
}

/// All issues of a repository that carry a label, in every state.
#[derive(Debug)]
pub struct Listing {
    /// The pages in the order they were fetched, by URL, pull requests
    /// dropped: the issues, and the cache entries to keep for next time.
    pub pages: Vec<(String, CachedPage)>,
    /// Whether any page was fetched anew (not answered 304 from the cache).
    pub fresh: bool,
}

/// A GitHub REST client for the issue listing.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: std::sync::Arc<ClientConfig>,
}

const MAX_PAGES: usize = 10_000;

impl Client {
    /// A client with `config`.
    pub fn new(config: ClientConfig) -> Result<Client, GithubError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        if let Some(Token(token)) = &config.token {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| GithubError::InvalidToken)?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        let http = http::builder(config.timeout, Redirects::SameOrigin)
            .default_headers(headers)
            .build()
            .map_err(|source| GithubError::Client {
                api_url: config.api_url.to_string(),
                source,
            })?;
        Ok(Client {
            http,
            config: std::sync::Arc::new(config),
        })
    }

    /// The first listing page of `repo` for `label`.
    pub fn first_page_url(&self, repo: &RepoName, label: &str) -> String {
        let mut url = self.config.api_url.clone();
        url.path_segments_mut()
            .expect("API base URL is hierarchical")
            .pop_if_empty()
            .extend(["repos", repo.owner(), repo.name(), "issues"]);
        url.query_pairs_mut()
            .append_pair("labels", label)
            .append_pair("state", "all")
            .append_pair("per_page", "100");
        url.to_string()
    }

    /// List every issue of `repo` carrying `label`, following `Link` to the
    /// end, answering 304s from `cache`. The pages used are taken out of
    /// `cache` (not copied), so that a large listing is held once. What it
    /// costs is added to `stats`, whose byte count and rate-limit waits
    /// (the run's, across repositories) are bounded by
    /// [`ClientConfig::max_total_bytes`] and
    /// [`ClientConfig::max_rate_limit_wait`].
    /// Fails as a whole: a partial list is never returned.
    pub async fn list_issues(
        &self,
        repo: &RepoName,
        label: &str,
        cache: &mut PageCache,
        stats: &mut FetchStats,
    ) -> Result<Listing, GithubError> {
        let mut url = self.first_page_url(repo, label);
        let mut listing = Listing {
            pages: Vec::new(),
            fresh: false,
        };
        let mut fetched = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            fetched.insert(url.clone());
            let Settled { entry: page, fresh } = self
                .fetch_page(&url, cache.pages.remove(&url), stats)
                .await?;
            listing.fresh |= fresh;
            let next = page.next.clone();
            listing.pages.push((url.clone(), page));
            match next {
                Some(next) => {
                    self.check_same_origin(&url, &next)?;
                    if fetched.contains(&next) {
                        return Err(GithubError::RepeatedLink { url, next });
                    }
                    url = next;
                }
                None => return Ok(listing),
            }
        }
        Err(GithubError::TooManyPages {
            url,
            max: MAX_PAGES,
        })
    }

    fn check_same_origin(&self, url: &str, next: &str) -> Result<(), GithubError> {
        let same = url::Url::parse(next)
            .map(|n| n.origin() == self.config.api_url.origin())
            .unwrap_or(false);
        if same {
            Ok(())
        } else {
            Err(GithubError::ForeignLink {
                url: url.to_string(),
                next: self.sanitize(next),
                base: self.config.api_url.to_string(),
            })
        }
    }

    /// Upstream text with this client's secrets taken out (the token, the
    /// basic-auth password, and the credentials as sent, base64-encoded),
    /// cut short. The user name is no secret, and is left: a short one
    /// would turn every word that holds it into `***`.
    fn sanitize(&self, text: &str) -> String {
        use base64::Engine;
        let token = self.config.token.as_ref().map_or("", |t| t.0.as_str());
        let (user, password) = self
            .config
            .basic_auth
            .as_ref()
            .map_or(("", ""), |b| (b.user(), b.password().unwrap_or("")));
        let sent = if self.config.basic_auth.is_some() {
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        } else {
            String::new()
        };
        sanitize_upstream(text, &[token, &sent, password])
    }

    /// One page, and whether it is fresh (`false`: 304, from `cached`,
    /// which the request is made conditional on).
    /// Transport errors, unreadable bodies and 5xx are retried; rate limits
    /// are waited out within what is left of `max_rate_limit_wait` for the
    /// run (`stats`), and at most `max_rate_limit_retries` times for the
    /// page ([`retry`]).
    async fn fetch_page(
        &self,
        url: &str,
        mut cached: Option<CachedPage>,
        stats: &mut FetchStats,
    ) -> Result<Settled<CachedPage>, GithubError> {
        let policy = retry::Policy {
            retries: self.config.retries,
            backoff: self.config.backoff,
            max_wait: self
                .config
                .max_rate_limit_wait
                .saturating_sub(stats.rate_limit_waited),
            max_waits: self.config.max_rate_limit_retries,
        };
        // Errors name the request; the label names the service in waits.
        let mut retrier = Retrier::new(policy, &"the GitHub API");
        loop {
            let attempt = retrier.next_attempt();
            let result = self.attempt_page(url, attempt, &mut cached, stats).await;
            if let ControlFlow::Break(result) = retrier.settle(result).await {
                stats.rate_limit_waited += retrier.waited();
                return result;
            }
        }
    }

    /// One attempt at a page.
    async fn attempt_page(
        &self,
        url: &str,
        attempts: u32,
        cached: &mut Option<CachedPage>,
        stats: &mut FetchStats,
    ) -> Attempt<Settled<CachedPage>, GithubError> {
        let transport = transport_error(url, attempts);
        let mut request = cached
            .as_ref()
            .map(Entry::validators)
            .unwrap_or_default()
            .apply(self.http.get(url));
        if let Some(auth) = &self.config.basic_auth {
            request = auth.apply(request);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Transient(transport(e)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        stats.count(status, &headers);
        tracing::debug!(url, status = status.as_u16(), "GitHub response");
        if status == StatusCode::NOT_MODIFIED {
            return match Answer::NotModified.settle(cached.take()) {
                Ok(settled) => Attempt::Done(settled),
                Err(_) => Attempt::Fail(GithubError::MissingCache {
                    url: url.to_string(),
                }),
            };
        }
        if status.is_redirection() {
            // Redirects within the API host were followed already.
            let target = headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| response.url().join(l).ok())
                .map_or_else(
                    || "an unreadable location".to_string(),
                    |t| self.sanitize(&t.origin().ascii_serialization()),
                );
            return Attempt::Fail(GithubError::ForeignRedirect {
                url: url.to_string(),
                status: status.as_u16(),
                target,
                base: self.config.api_url.to_string(),
            });
        }
        if status.is_success() {
            return self
                .read_page(url, attempts, response, &headers, stats)
                .await;
        }
        let message = self.sanitize(&error_message(response).await);
        if let Some(wait) = rate_limit_wait(status, &headers, Utc::now()) {
            return Attempt::Wait(
                wait,
                GithubError::RateLimited {
                    url: url.to_string(),
                    wait_secs: wait.as_secs(),
                    max_secs: self.config.max_rate_limit_wait.as_secs(),
                    max_retries: self.config.max_rate_limit_retries,
                },
            );
        }
        if status == StatusCode::UNAUTHORIZED && self.config.token.is_some() {
            return Attempt::Fail(GithubError::TokenRejected {
                url: url.to_string(),
                message,
            });
        }
        let error = GithubError::Status {
            url: url.to_string(),
            status: status.as_u16(),
            attempts,
            message: hint(status, message),
        };
        if status.is_server_error() {
            Attempt::Transient(error)
        } else {
            Attempt::Fail(error)
        }
    }

    /// The page of a successful answer, read within what is left of the
    /// run's byte budget (`stats`).
    async fn read_page(
        &self,
        url: &str,
        attempts: u32,
        response: reqwest::Response,
        headers: &HeaderMap,
        stats: &mut FetchStats,
    ) -> Attempt<Settled<CachedPage>, GithubError> {
        let transport = transport_error(url, attempts);
        let total_left = self.config.max_total_bytes.saturating_sub(stats.bytes);
        let limit = self.config.max_page_bytes.min(total_left);
        let body = match http::read_bounded(response, limit).await {
            Ok(b) => b,
            Err(BodyError::TooLarge { .. }) => {
                let (what, limit, flag) = if limit < self.config.max_page_bytes {
                    (
                        "the listing, all pages together,",
                        self.config.max_total_bytes,
                        "--github-max-total-bytes",
                    )
                } else {
                    ("the page", limit, "--github-max-page-bytes")
                };
                return Attempt::Fail(GithubError::TooLarge {
                    url: url.to_string(),
                    what,
                    limit,
                    flag,
                });
            }
            Err(BodyError::Read(e)) => return Attempt::Transient(transport(e)),
        };
        stats.bytes += body.len() as u64;
        let mut issues: Vec<Issue> = match serde_json::from_slice(&body) {
            Ok(issues) => issues,
            Err(e) => {
                return Attempt::Fail(GithubError::Decode {
                    url: url.to_string(),
                    reason: self.sanitize(&e.to_string()),
                });
            }
        };
        drop(body);
        issues.retain(|i| !i.is_pull_request());
        let page = CachedPage {
            etag: Received::of(headers).etag.unwrap_or_default(),
            issues,
            next: next_link(headers),
        };
        Attempt::Done(Settled {
            entry: page,
            fresh: true,
        })
    }
}

/// A transport failure of the `attempts`-th try at `url`, the error's own
/// copy of the URL dropped (the message names it).
fn transport_error(url: &str, attempts: u32) -> impl Fn(reqwest::Error) -> GithubError + '_ {
    move |source| GithubError::Transport {
        url: url.to_string(),
        attempts,
        source: source.without_url(),
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let is_next = params.split(';').any(|p| {
                let p = p.trim();
                p == "rel=\"next\"" || p == "rel=next"
            });
            is_next.then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next() {
        let mut h = HeaderMap::new();
        h.insert(
            header::LINK,
            HeaderValue::from_static(
                "<https://api.github.com/repositories/1/issues?page=2>; rel=\"next\", <https://api.github.com/repositories/1/issues?page=5>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        h.insert(
            header::LINK,
            HeaderValue::from_static("<https://x/?page=1>; rel=\"prev\""),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn repo_names() {
        assert_eq!(
            "kubernetes/kubernetes"
                .parse::<RepoName>()
                .unwrap()
                .to_string(),
            "kubernetes/kubernetes"
        );
        for bad in ["kubernetes", "a/b/c", "/x", "x/", "../x", "a b/c"] {
            assert!(bad.parse::<RepoName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unusable_token_has_its_own_error_that_says_what_to_do() {
        let token = Token::new("ghp_sec\nret".into());
        let config = ClientConfig::new("https://api.github.com".parse().unwrap(), token);
        let e = Client::new(config).unwrap_err();
        assert!(matches!(e, GithubError::InvalidToken), "{e:?}");
        let message = e.to_string();
        assert!(message.contains("unset it"), "{message}");
        assert!(!message.contains("ghp_sec"), "{message}");
    }

    #[test]
    fn userinfo_leaves_the_api_url() {
        let config = ClientConfig::new("http://user:S3cret@127.0.0.1:1/api".parse().unwrap(), None);
        assert_eq!(config.api_url().as_str(), "http://127.0.0.1:1/api");
        assert!(!format!("{config:?}").contains("S3cret"));
        let auth = config.basic_auth.as_ref().unwrap();
        assert_eq!((auth.user(), auth.password()), ("user", Some("S3cret")));
    }

    #[test]
    fn the_password_and_the_credentials_sent_are_redacted_not_the_user_name() {
        let config = ClientConfig::new("http://a:pa55word@127.0.0.1:1/api".parse().unwrap(), None);
        let client = Client::new(config).unwrap();
        assert_eq!(
            client.sanitize("a bad password pa55word, sent as Basic YTpwYTU1d29yZA=="),
            "a bad password ***, sent as Basic ***"
        );
    }

    #[tokio::test]
    async fn the_rate_limit_budget_spans_the_pages_of_a_run() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        let limited = ResponseTemplate::new(429).insert_header("retry-after", "1");
        let next = format!("<{}/page2>; rel=\"next\"", server.uri());
        let pages = [
            (
                "/repos/o/r/issues",
                ResponseTemplate::new(200).insert_header("link", next),
            ),
            ("/page2", ResponseTemplate::new(200)),
        ];
        // Each page: one 429 asking for a second, then the page.
        for (page, ok) in pages {
            Mock::given(method("GET"))
                .and(path(page))
                .respond_with(limited.clone())
                .up_to_n_times(1)
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path(page))
                .respond_with(ok.set_body_string("[]"))
                .mount(&server)
                .await;
        }
        let mut config = ClientConfig::new(server.uri().parse().unwrap(), None);
        config.max_rate_limit_wait = Duration::from_secs(1);
        let client = Client::new(config).unwrap();
        let mut stats = FetchStats::default();
        let listed = client
            .list_issues(
                &"o/r".parse().unwrap(),
                "l",
                &mut PageCache::default(),
                &mut stats,
            )
            .await;
        // The first page's wait used up the run's second: the second page
        // may not wait again.
        assert!(
            matches!(listed, Err(GithubError::RateLimited { max_secs: 1, .. })),
            "{listed:?}"
        );
        assert_eq!(stats.requests, 3);
        assert_eq!(stats.rate_limit_waited, Duration::from_secs(1));
    }

    #[test]
    fn token_is_redacted() {
        let t = Token::new("ghp_secret".into()).unwrap();
        assert!(!format!("{t:?}").contains("secret"));
    }
}
