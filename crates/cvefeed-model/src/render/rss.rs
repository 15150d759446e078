//! `feed.xml`: RSS 2.0 with the upstream item fields, one item per CVE.
//!
//! Item `title` is the CVE id, `link` the announcing issue (only when it is
//! an http(s) URL), `description` the summary, `pubDate` RFC 822, `guid` the
//! cve.org record (a permalink: RSS 2.0 reads a `guid` without
//! `isPermaLink` as one). Status and severity are RSS `category` elements
//! whose `domain` is the page section that explains them; the status is
//! also a category in kubernetes.io's scheme (`https://k8s.io/2024-06-27/cve-item-status`), so a
//! filter written for kubernetes.io's feed works on this one. The channel
//! carries an `atom:link rel="self"` and `lastBuildDate` = the feed's
//! `updated_at`. Every text goes through [`xml_safe`]; readers treat a
//! `description` as HTML, so the summary is HTML-escaped first
//! (`text::html_text`) and reaches them as text. XML escaping is the `rss`
//! crate's. Owns this format only; reads no clock.

use std::collections::BTreeMap;

use rss::extension::Extension;
use rss::{Category, Channel, Guid, Item};

use super::text::html_text;
use super::vocab::{K8S_STATUS_SCHEME, severity_scheme, status_scheme};
use super::{Artifact, RenderError, SiteConfig, content_type, http_url, xml_safe};
use crate::feed::{Feed, FeedItem};

/// Name of the RSS object.
pub const NAME: &str = "feed.xml";

/// The Atom namespace, for the channel's self link.
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

fn text(s: &str) -> String {
    xml_safe(s).into_owned()
}

fn item(i: &FeedItem, site: &SiteConfig) -> Item {
    let a = &i.advisory;
    let mut categories = vec![
        Category {
            name: a.status.as_str().into(),
            domain: Some(status_scheme(site)),
        },
        Category {
            name: a.status.as_str().into(),
            domain: Some(K8S_STATUS_SCHEME.into()),
        },
    ];
    if let Some(sev) = &a.vuln.severity {
        categories.push(Category {
            name: sev.rating.to_string(),
            domain: Some(severity_scheme(site)),
        });
    }
    Item {
        title: Some(a.id.to_string()),
        link: http_url(&a.issue.url),
        description: Some(html_text(&a.summary)),
        // RFC 822 with a four-digit year, as RSS 2.0 writes dates.
        pub_date: Some(a.published.to_rfc2822()),
        guid: Some(Guid {
            value: a.id.cve_org_url(),
            permalink: true,
        }),
        categories,
        ..Item::default()
    }
}

fn self_link(site: &SiteConfig) -> BTreeMap<String, BTreeMap<String, Vec<Extension>>> {
    let attrs = [
        ("href", text(&site.url_of(NAME))),
        ("rel", "self".to_string()),
        ("type", content_type::RSS.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let link = Extension {
        name: "atom:link".into(),
        value: None,
        attrs,
        children: BTreeMap::new(),
    };
    BTreeMap::from([(
        "atom".to_string(),
        BTreeMap::from([("link".to_string(), vec![link])]),
    )])
}

/// Render `feed.xml`.
pub fn render(feed: &Feed, site: &SiteConfig) -> Result<Artifact, RenderError> {
    let channel = Channel {
        title: text(&site.title),
        link: text(site.base_url.as_str()),
        description: text(&site.description),
        language: Some("en".into()),
        last_build_date: Some(feed.updated_at.to_rfc2822()),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        items: feed.items.iter().map(|i| item(i, site)).collect(),
        extensions: self_link(site),
        namespaces: BTreeMap::from([("atom".to_string(), ATOM_NS.to_string())]),
        ..Channel::default()
    };
    let mut bytes =
        channel
            .pretty_write_to(Vec::new(), b' ', 2)
            .map_err(|e| RenderError::Format {
                format: "RSS 2.0",
                source: Box::new(e),
            })?;
    bytes.push(b'\n');
    Ok(Artifact {
        name: NAME.into(),
        content_type: content_type::RSS,
        bytes,
    })
}
