//! `index.json`: JSON Feed 1.1 with the upstream field set, so existing
//! consumers keep working, plus `date_modified` and structured data under
//! the `_kubernetes_io` extension (the only non-standard keys).

use serde::Serialize;

use super::{Artifact, RenderError, SiteConfig, content_type};
use crate::advisory::vuln::Rating;
use crate::feed::{Feed, FeedItem};

/// Name of the JSON Feed object.
pub const NAME: &str = "index.json";

/// JSON Feed version URL.
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    authors: [Author<'a>; 1],
    #[serde(rename = "_kubernetes_io")]
    kubernetes_io: FeedExt<'a>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct FeedExt<'a> {
    feed_refresh_job: &'a str,
    updated_at: String,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    external_url: String,
    summary: &'a str,
    content_text: &'a str,
    date_published: String,
    date_modified: String,
    #[serde(rename = "_kubernetes_io")]
    kubernetes_io: ItemExt<'a>,
}

#[derive(Serialize)]
struct ItemExt<'a> {
    google_group_url: String,
    issue_number: u64,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss_vector: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss_score: Option<f64>,
    components: Vec<String>,
    affected: Vec<CompactRange<'a>>,
    fixed_versions: Vec<String>,
    related: Vec<&'a str>,
    osv_url: String,
}

/// One affected range of one component, flattened for feed readers.
#[derive(Serialize)]
struct CompactRange<'a> {
    component: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    introduced: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_affected: Option<String>,
}

/// Time format of every date in the feed: RFC 3339, UTC, whole seconds.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn item<'a>(i: &'a FeedItem, site: &SiteConfig) -> Item<'a> {
    let a = &i.advisory;
    let v = &a.vuln;
    Item {
        id: a.id.as_str(),
        url: &a.issue.url,
        external_url: a.id.cve_org_url(),
        summary: &a.summary,
        content_text: &a.body,
        date_published: timestamp(a.published),
        date_modified: timestamp(i.modified),
        kubernetes_io: ItemExt {
            google_group_url: format!(
                "https://groups.google.com/g/kubernetes-announce/search?q={}",
                a.id
            ),
            issue_number: a.issue.number,
            status: a.status.as_str(),
            severity: v.severity.as_ref().map(|s| s.rating),
            cvss_vector: v.severity.as_ref().map(|s| s.vector.as_str()),
            cvss_score: v.severity.as_ref().map(|s| s.score),
            components: v.components(),
            affected: v
                .affected
                .iter()
                .flat_map(|aff| {
                    aff.ranges.iter().map(move |r| CompactRange {
                        component: &aff.component,
                        package: aff.package.as_deref(),
                        introduced: r.introduced.as_ref().map(ToString::to_string),
                        fixed: r.fixed().map(ToString::to_string),
                        last_affected: r.last_affected().map(ToString::to_string),
                    })
                })
                .collect(),
            fixed_versions: v.fixed_versions().iter().map(ToString::to_string).collect(),
            related: a.related.iter().map(|r| r.as_str()).collect(),
            osv_url: site.url_of(&super::osv::record_name(&a.id)),
        },
    }
}

/// Render `index.json`.
pub fn render(feed: &Feed, site: &SiteConfig) -> Result<Artifact, RenderError> {
    let doc = JsonFeed {
        version: VERSION,
        title: &site.title,
        home_page_url: &site.home_page_url,
        feed_url: site.feed_url.as_str(),
        description: &site.description,
        authors: [Author {
            name: &site.author_name,
            url: &site.author_url,
        }],
        kubernetes_io: FeedExt {
            feed_refresh_job: &site.feed_refresh_job,
            updated_at: timestamp(feed.updated_at),
        },
        items: feed.items.iter().map(|i| item(i, site)).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).map_err(|e| RenderError::Format {
        format: "JSON Feed",
        cause: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(Artifact {
        name: NAME.into(),
        content_type: content_type::JSON_FEED,
        bytes,
    })
}
