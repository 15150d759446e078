//! Rendering: the [`Feed`] model to the bytes of every published object.
//!
//! Each format is a pure function of the feed and the [`SiteConfig`]; the
//! same input gives the same bytes. This module owns formats and text
//! hygiene; it never reads a clock, a store or the network.

pub mod atom;
pub mod html;
pub mod jsonfeed;
pub mod osv;
pub mod rss;
mod text;
mod vocab;

pub use text::{html_safe, http_url, xml_safe};

use crate::feed::Feed;

/// Content types of the published formats.
pub mod content_type {
    /// JSON Feed.
    pub const JSON_FEED: &str = "application/feed+json";
    /// RSS 2.0.
    pub const RSS: &str = "application/rss+xml";
    /// Atom 1.0.
    pub const ATOM: &str = "application/atom+xml";
    /// The page.
    pub const HTML: &str = "text/html; charset=utf-8";
    /// Plain JSON (OSV, manifest, status).
    pub const JSON: &str = "application/json";
    /// The OSV archive.
    pub const ZIP: &str = "application/zip";
}

/// Where and under which names the feed is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    /// Feed title.
    pub title: String,
    /// Feed description.
    pub description: String,
    /// The site the feed belongs to.
    pub home_page_url: String,
    /// Public URL of the directory holding the published objects, ending in `/`.
    pub base_url: String,
    /// Public URL of `index.json`.
    pub feed_url: String,
    /// Link to the refresh job (dashboard or CI).
    pub feed_refresh_job: String,
    /// Feed author name.
    pub author_name: String,
    /// Feed author URL.
    pub author_url: String,
}

impl Default for SiteConfig {
    /// The upstream values of the official feed.
    fn default() -> Self {
        let base_url = "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/";
        SiteConfig {
            title: "Kubernetes Vulnerability Announcements - CVE Feed".into(),
            description: "Auto-refreshing official CVE feed for Kubernetes repository".into(),
            home_page_url: "https://kubernetes.io".into(),
            base_url: base_url.into(),
            feed_url: format!("{base_url}index.json"),
            feed_refresh_job:
                "https://testgrid.k8s.io/sig-security-cve-feed#auto-refreshing-official-cve-feed"
                    .into(),
            author_name: "Kubernetes Community".into(),
            author_url: "https://www.kubernetes.dev".into(),
        }
    }
}

impl SiteConfig {
    /// Public URL of a published object.
    pub fn url_of(&self, name: &str) -> String {
        format!("{}{name}", self.base_url)
    }

    /// The settings as one string, folded into the content hash.
    pub fn fingerprint(&self) -> String {
        format!("{self:?}")
    }
}

/// One object to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Object name under the store prefix (`index.json`, `osv/CVE-….json`).
    pub name: String,
    /// Content type to publish it with.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Why rendering failed. Rendering valid input does not fail; these are
/// bugs or resource errors, reported rather than published.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A format failed to serialise.
    #[error("rendering {format} failed: {cause}")]
    Format {
        /// The format.
        format: &'static str,
        /// What went wrong.
        cause: String,
    },
}

/// Every object of a publication, in write order: OSV records first, then
/// the feeds and the page. (`manifest.json` is added by the publisher.)
pub fn render_all(feed: &Feed, site: &SiteConfig) -> Result<Vec<Artifact>, RenderError> {
    let mut out = osv::render(feed, site)?;
    out.push(jsonfeed::render(feed, site)?);
    out.extend(rss::render(feed, site)?);
    out.extend(atom::render(feed, site)?);
    out.extend(html::render(feed, site)?);
    Ok(out)
}
