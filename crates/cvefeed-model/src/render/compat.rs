//! `official-cve-feed.json`, the object kubernetes.io's build fetches
//! (written with `--compat-k8s-bucket`): the JSON Feed of `index.json`
//! with each item's status also as the item-level key `status`, where the
//! upstream job has put it since mid-2024 and where kubernetes/website's
//! templates read it (`cve-status-{{ .status }}`, the RSS category).
//!
//! That key is not `_`-prefixed, so this object is not valid JSON Feed 1.1
//! under the strict validator: it is upstream's format, kept for the one
//! consumer that reads it. `index.json` stays valid and carries the same
//! value as `_kubernetes_io.status`. Owns this object's layout only; which
//! value goes in which field is `jsonfeed`'s. Reads no clock.

use serde::Serialize;

use super::{Artifact, RenderError, SiteConfig, content_type, jsonfeed};
use crate::advisory::Status;
use crate::feed::Feed;
use crate::wire::{Author, FeedExtension, Item, Timestamp};

/// Name of the upstream object.
pub const NAME: &str = "official-cve-feed.json";

/// An item as the upstream job writes it: the JSON Feed item, then
/// `status`.
#[derive(Serialize)]
struct UpstreamItem<'a> {
    #[serde(flatten)]
    item: Item<'a>,
    status: Status,
}

/// The upstream document: the head of `index.json`, items with `status`.
#[derive(Serialize)]
struct UpstreamDocument<'a> {
    version: &'a str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    authors: [Author<'a>; 1],
    #[serde(rename = "_kubernetes_io")]
    extension: FeedExtension<'a>,
    items: Vec<UpstreamItem<'a>>,
}

/// Render `official-cve-feed.json`.
pub fn render(feed: &Feed, site: &SiteConfig) -> Result<Artifact, RenderError> {
    let doc = UpstreamDocument {
        version: jsonfeed::VERSION,
        title: &site.title,
        home_page_url: &site.home_page_url,
        feed_url: site.feed_url.as_str(),
        description: &site.description,
        authors: [Author {
            name: Some(site.author_name.as_str().into()),
            url: Some(site.author_url.as_str().into()),
        }],
        extension: FeedExtension {
            feed_refresh_job: Some(site.feed_refresh_job.as_str().into()),
            updated_at: Some(Timestamp(feed.updated_at)),
        },
        items: feed
            .items
            .iter()
            .map(|i| UpstreamItem {
                item: jsonfeed::item(i, site),
                status: i.advisory.status,
            })
            .collect(),
    };
    Artifact::json(NAME.into(), content_type::JSON, "upstream CVE feed", &doc)
}
