//! Where and under which names the feed is published: [`SiteConfig`], its
//! [`BaseUrl`], and the canonical fingerprint of the settings that goes
//! into the content hash and the render key.
//!
//! Owns the settings only; the formats read them. Nothing here reads a
//! clock, a store or the network.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use url::Url;

use super::{BUILD_KEY, jsonfeed};

/// The public URL of the directory holding the published objects: an
/// absolute URL without user name, password, query or fragment whose path
/// ends in `/`, so that an object name appended to it is that object's URL.
///
/// Held in the normal form of the `url` crate, which is the text as given
/// for any URL already written in normal form (lower-case scheme and host,
/// no default port, percent-encoded).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(Url);

/// Why a string is not a base URL. No message repeats the string (a URL
/// can carry a token, and these messages reach logs): each names the
/// problem only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBaseUrl {
    /// Not a URL at all.
    #[error("the base URL is not a URL: {cause}")]
    Parse {
        /// What the URL parser says, which never quotes the input (part of
        /// this message, so not a separate source).
        cause: url::ParseError,
    },
    /// A URL without a path that objects can be placed under
    /// (`mailto:…`).
    #[error("the base URL cannot hold published objects: a {scheme}: URL has no path")]
    NotABase {
        /// Its scheme (the first 64 characters).
        scheme: String,
    },
    /// A URL with a query: the name of an object appended to it would be
    /// part of the query.
    #[error("the base URL has a query: a base URL needs a path and no query or fragment")]
    Query,
    /// A URL with a fragment: the name of an object appended to it would
    /// be part of the fragment.
    #[error("the base URL has a fragment: a base URL needs a path and no query or fragment")]
    Fragment,
    /// A URL with a user name or password, which every self link and
    /// `osv_url` would publish.
    #[error(
        "the base URL has a user name or password, which every published link would show: \
         give the public URL without them"
    )]
    Userinfo,
}

impl BaseUrl {
    /// The URL as text, ending in `/`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The URL of the published object `name` (`index.json`,
    /// `osv/CVE-….json`) or of a section of the page (`#status`): this URL
    /// followed by `name`.
    pub fn url_of(&self, name: &str) -> String {
        format!("{}{name}", self.0)
    }

    /// The URL of `index.json` under this base.
    pub fn feed_url(&self) -> Url {
        self.0
            .join(jsonfeed::NAME)
            .expect("a file name always resolves against a base URL")
    }
}

impl FromStr for BaseUrl {
    type Err = InvalidBaseUrl;

    /// Parse a base URL, adding the trailing `/` when it is missing.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut url = Url::parse(s.trim()).map_err(|cause| InvalidBaseUrl::Parse { cause })?;
        if url.cannot_be_a_base() {
            return Err(InvalidBaseUrl::NotABase {
                scheme: crate::clip(url.scheme()),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidBaseUrl::Userinfo);
        }
        if url.query().is_some() {
            return Err(InvalidBaseUrl::Query);
        }
        if url.fragment().is_some() {
            return Err(InvalidBaseUrl::Fragment);
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(BaseUrl(url))
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where and under which names the feed is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    /// Feed title.
    pub title: String,
    /// Feed description.
    pub description: String,
    /// The site the feed belongs to, published as given.
    pub home_page_url: String,
    /// Public URL of the directory holding the published objects.
    pub base_url: BaseUrl,
    /// Public URL of `index.json`.
    pub feed_url: Url,
    /// Link to the refresh job (dashboard or CI), published as given.
    pub feed_refresh_job: String,
    /// Feed author name.
    pub author_name: String,
    /// Feed author URL, published as given.
    pub author_url: String,
}

impl Default for SiteConfig {
    /// The upstream values of the official feed.
    fn default() -> Self {
        let base_url: BaseUrl =
            "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/"
                .parse()
                .expect("the default base URL is valid");
        SiteConfig {
            title: "Kubernetes Vulnerability Announcements - CVE Feed".into(),
            description: "Auto-refreshing official CVE feed for Kubernetes repository".into(),
            home_page_url: "https://kubernetes.io".into(),
            feed_url: base_url.feed_url(),
            base_url,
            feed_refresh_job:
                "https://testgrid.k8s.io/sig-security-cve-feed#auto-refreshing-official-cve-feed"
                    .into(),
            author_name: "Kubernetes Community".into(),
            author_url: "https://www.kubernetes.dev".into(),
        }
    }
}

impl SiteConfig {
    /// Public URL of a published object (see [`BaseUrl::url_of`]).
    pub fn url_of(&self, name: &str) -> String {
        self.base_url.url_of(name)
    }

    /// The settings as one string, folded into the content hash.
    ///
    /// Canonical: every field, in this fixed order, as
    /// `SiteConfig { title: "…", description: "…", … }` with each value a
    /// JSON string. That is the text the derived `Debug` output gave for
    /// every setting that is printable text, so publications made before
    /// keep their content hash; being written out here rather than left to
    /// `Debug`, it cannot change with the compiler.
    pub fn fingerprint(&self) -> String {
        let fields: [(&str, &str); 8] = [
            ("title", &self.title),
            ("description", &self.description),
            ("home_page_url", &self.home_page_url),
            ("base_url", self.base_url.as_str()),
            ("feed_url", self.feed_url.as_str()),
            ("feed_refresh_job", &self.feed_refresh_job),
            ("author_name", &self.author_name),
            ("author_url", &self.author_url),
        ];
        let fields: Vec<String> = fields
            .iter()
            .map(|(name, value)| {
                let value = serde_json::to_string(value).expect("a string always serialises");
                format!("{name}: {value}")
            })
            .collect();
        format!("SiteConfig {{ {} }}", fields.join(", "))
    }

    /// What, besides the feed, decides the bytes of every object: this
    /// build's code ([`BUILD_KEY`]) and these settings. Hex sha256.
    pub fn render_key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(BUILD_KEY.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.fingerprint().as_bytes());
        hex::encode(hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_end_in_a_slash_and_hold_objects() {
        let base: BaseUrl = "https://example.test/cve-feed".parse().unwrap();
        assert_eq!(base.as_str(), "https://example.test/cve-feed/");
        assert_eq!(
            base.url_of("osv/CVE-2031-0001.json"),
            "https://example.test/cve-feed/osv/CVE-2031-0001.json"
        );
        assert_eq!(
            base.url_of("#status"),
            "https://example.test/cve-feed/#status"
        );
        assert_eq!(
            base.feed_url().as_str(),
            "https://example.test/cve-feed/index.json"
        );
        let root: BaseUrl = "https://example.test".parse().unwrap();
        assert_eq!(root.to_string(), "https://example.test/");
        assert!(matches!(
            "example.test/feed".parse::<BaseUrl>(),
            Err(InvalidBaseUrl::Parse { .. })
        ));
        for (not_a_base, why) in [
            ("https://example.test/feed/?page=1", InvalidBaseUrl::Query),
            ("https://example.test/feed/#top", InvalidBaseUrl::Fragment),
            (
                "mailto:security@example.test",
                InvalidBaseUrl::NotABase {
                    scheme: "mailto".into(),
                },
            ),
        ] {
            assert_eq!(not_a_base.parse::<BaseUrl>(), Err(why));
        }
    }

    /// A user name or password would be published in every self link: it
    /// is refused, and no message repeats what was given.
    #[test]
    fn base_urls_with_credentials_are_refused_without_being_repeated() {
        for with_credentials in [
            "https://user:s3cr3t-token@example.test/feed/",
            "https://s3cr3t-token@example.test/feed/",
            "https://:s3cr3t-token@example.test/feed/",
            "http://user:s3cr3t-token@127.0.0.1:8080",
        ] {
            assert_eq!(
                with_credentials.parse::<BaseUrl>(),
                Err(InvalidBaseUrl::Userinfo),
                "{with_credentials}"
            );
        }
        for (input, message) in [
            (
                "https://user:s3cr3t-token@example.test/feed/",
                "the base URL has a user name or password, which every published link would \
                 show: give the public URL without them",
            ),
            (
                "https://example.test/feed/?token=s3cr3t-token",
                "the base URL has a query: a base URL needs a path and no query or fragment",
            ),
            (
                "https://example.test/feed/#s3cr3t-token",
                "the base URL has a fragment: a base URL needs a path and no query or fragment",
            ),
            (
                "mailto:s3cr3t-token@example.test",
                "the base URL cannot hold published objects: a mailto: URL has no path",
            ),
            (
                "https://s3cr3t-token:99999999/",
                "the base URL is not a URL: invalid port number",
            ),
            (
                "s3cr3t-token/feed/",
                "the base URL is not a URL: relative URL without a base",
            ),
        ] {
            let e = input.parse::<BaseUrl>().unwrap_err().to_string();
            assert_eq!(e, message, "{input}");
        }
    }

    #[test]
    fn the_fingerprint_is_the_text_earlier_publications_were_hashed_with() {
        // What `format!("{:?}", SiteConfig::default())` gave before the
        // fingerprint was written out: changing it would move every
        // published content hash and `updated_at`.
        assert_eq!(
            SiteConfig::default().fingerprint(),
            r#"SiteConfig { title: "Kubernetes Vulnerability Announcements - CVE Feed", description: "Auto-refreshing official CVE feed for Kubernetes repository", home_page_url: "https://kubernetes.io", base_url: "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/", feed_url: "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json", feed_refresh_job: "https://testgrid.k8s.io/sig-security-cve-feed#auto-refreshing-official-cve-feed", author_name: "Kubernetes Community", author_url: "https://www.kubernetes.dev" }"#
        );
        let quoted = SiteConfig {
            title: "Custom \"title\" ü\\ \n\t".into(),
            ..SiteConfig::default()
        };
        assert_eq!(
            quoted.fingerprint(),
            SiteConfig::default().fingerprint().replace(
                r#""Kubernetes Vulnerability Announcements - CVE Feed""#,
                r#""Custom \"title\" ü\\ \n\t""#
            )
        );
        assert_ne!(quoted.render_key(), SiteConfig::default().render_key());
    }
}
