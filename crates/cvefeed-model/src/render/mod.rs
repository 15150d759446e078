//! Rendering: the [`Feed`] model to the bytes of every published object.
//!
//! Each format is a pure function of the feed and the [`SiteConfig`]; the
//! same input gives the same bytes. This module owns formats and text
//! hygiene; it never reads a clock, a store or the network.

pub mod atom;
pub mod audit;
pub mod changes;
pub mod compat;
pub mod html;
pub mod jsonfeed;
pub mod osv;
pub mod rss;
mod site;
mod text;
mod vocab;

pub use site::{BaseUrl, InvalidBaseUrl, SiteConfig};
pub use text::{html_safe, http_url, xml_safe};

use crate::feed::Feed;

/// Fingerprint of the code and dependencies of this build (see `build.rs`):
/// a build with another key may render other bytes from the same feed.
pub const BUILD_KEY: &str = env!("CVEFEED_RENDER_KEY");

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

impl Artifact {
    /// `value` as a published JSON document: pretty, newline-ended; a
    /// failure names the `format`.
    pub fn json(
        name: String,
        content_type: &'static str,
        format: &'static str,
        value: &impl serde::Serialize,
    ) -> Result<Artifact, RenderError> {
        let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| RenderError::Format {
            format,
            source: Box::new(e),
        })?;
        bytes.push(b'\n');
        Ok(Artifact {
            name,
            content_type,
            bytes,
        })
    }
}

/// Why rendering failed. Rendering valid input does not fail; these are
/// bugs or resource errors, reported rather than published.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A format failed to serialise.
    #[error("rendering {format} failed")]
    Format {
        /// The format.
        format: &'static str,
        /// What went wrong: the serialiser's or the archive writer's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// One object of a publication, known by name before it is rendered, so
/// that the publisher can decide what to write without rendering anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `osv/<ID>.json` of the item at this index of [`Feed::items`].
    Record(usize),
    /// `osv/all.zip`, every record.
    Archive,
    /// `index.json`.
    JsonFeed,
    /// `feed.xml`.
    Rss,
    /// `atom.xml`.
    Atom,
    /// `index.html`.
    Html,
    /// `audit.json`.
    Audit,
}

impl Part {
    /// The object name of this part of `feed`.
    pub fn name(self, feed: &Feed) -> String {
        match self {
            Part::Record(i) => osv::record_name(&feed.items[i].advisory.id),
            Part::Archive => osv::ARCHIVE.into(),
            Part::JsonFeed => jsonfeed::NAME.into(),
            Part::Rss => rss::NAME.into(),
            Part::Atom => atom::NAME.into(),
            Part::Html => html::NAME.into(),
            Part::Audit => audit::NAME.into(),
        }
    }
}

/// Every part of the publication of `feed`, in write order: the OSV
/// records by id, the archive, the audit, then the feeds and the page.
pub fn parts(feed: &Feed) -> Vec<Part> {
    let mut out: Vec<Part> = osv::record_order(feed)
        .into_iter()
        .map(Part::Record)
        .collect();
    out.extend([
        Part::Archive,
        Part::Audit,
        Part::JsonFeed,
        Part::Rss,
        Part::Atom,
        Part::Html,
    ]);
    out
}

/// Render one part. [`Part::Archive`] renders every record; a publisher
/// that writes the records too builds the archive as it goes with
/// [`osv::Archive`] instead.
pub fn render(feed: &Feed, site: &SiteConfig, part: Part) -> Result<Artifact, RenderError> {
    match part {
        Part::Record(i) => osv::render_record(&feed.items[i]),
        Part::Archive => {
            let mut archive = osv::Archive::new();
            for i in osv::record_order(feed) {
                archive.add(&osv::render_record(&feed.items[i])?)?;
            }
            archive.finish()
        }
        Part::JsonFeed => jsonfeed::render(feed, site),
        Part::Rss => rss::render(feed, site),
        Part::Atom => atom::render(feed, site),
        Part::Html => html::render(feed, site),
        Part::Audit => audit::render(feed),
    }
}

/// Every object of a publication, in write order (`manifest.json` is added
/// by the publisher).
pub fn render_all(feed: &Feed, site: &SiteConfig) -> Result<Vec<Artifact>, RenderError> {
    parts(feed)
        .into_iter()
        .map(|part| render(feed, site, part))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_error_keeps_its_cause_as_the_source() {
        let cause = serde_json::from_str::<u8>("x").unwrap_err();
        let text = cause.to_string();
        let e = RenderError::Format {
            format: "JSON Feed",
            source: Box::new(cause),
        };
        assert_eq!(e.to_string(), "rendering JSON Feed failed");
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some(text.as_str()));
        assert_eq!(text, "expected value at line 1 column 1");
    }
}
