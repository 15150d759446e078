//! `index.json`: JSON Feed 1.1 with the upstream field set, so existing
//! consumers keep working, plus `date_modified` and structured data under
//! the `_kubernetes_io` extension (the only non-standard keys).
//!
//! Owns which value of the feed goes in which field; the shapes are
//! [`crate::wire`]'s, shared with the readers. Reads no clock.

use std::borrow::Cow;

use super::vocab::record_name;
use super::{Artifact, RenderError, SiteConfig, content_type};
use crate::advisory::vuln::Affected;
use crate::feed::{Feed, FeedItem};
use crate::wire::{
    AffectedRange, Assessment, Author, Document, FeedExtension, Item, ItemExtension, Sources,
    Timestamp,
};

/// Name of the JSON Feed object.
pub const NAME: &str = "index.json";

/// JSON Feed version URL.
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

pub use super::vocab::timestamp;

fn text(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s))
}

/// One range per component and range, as the feed lists them.
fn flat_ranges(affected: &[Affected]) -> Vec<AffectedRange<'_>> {
    affected
        .iter()
        .flat_map(|aff| {
            aff.ranges
                .iter()
                .map(move |r| AffectedRange::new(&aff.component, aff.package.as_deref(), r))
        })
        .collect()
}

/// The JSON Feed item of one feed item (also what the change log compares).
pub(crate) fn item<'a>(i: &'a FeedItem, site: &SiteConfig) -> Item<'a> {
    let a = &i.advisory;
    let v = &a.vuln;
    Item {
        id: Cow::Borrowed(a.id.as_str()),
        url: text(&a.issue.url),
        external_url: Some(a.id.cve_org_url()),
        summary: text(&a.summary),
        content_text: text(&a.body),
        date_published: Some(Timestamp(a.published)),
        date_modified: Some(Timestamp(i.modified)),
        extension: Some(ItemExtension {
            google_group_url: Some(format!(
                "https://groups.google.com/g/kubernetes-announce/search?q={}",
                a.id
            )),
            issue_number: Some(a.issue.number),
            status: Some(a.status),
            severity: v.severity.as_ref().map(|s| s.rating),
            cvss_vector: v.severity.as_ref().and_then(|s| text(&s.vector)),
            cvss_base_vector: v.severity.as_ref().map(|s| s.base_vector()),
            cvss_score: v.severity.as_ref().map(|s| s.score),
            components: v.components(),
            affected: Some(flat_ranges(&v.affected)),
            assessment: v.affected.iter().map(Assessment::new).collect(),
            cve_record_affected: flat_ranges(&v.record_affected),
            cve_record_assessment: v.record_affected.iter().map(Assessment::new).collect(),
            fixed_versions: v.fixed_versions().iter().map(ToString::to_string).collect(),
            cwe: v.cwe.clone(),
            sources: Some(Sources {
                severity: Some(v.provenance.severity),
                affected: Some(v.provenance.affected),
                fixed_versions: Some(v.provenance.fixed_versions),
                components: Some(v.provenance.components),
                cwe: Some(v.provenance.cwe),
            }),
            related: a.related.clone(),
            osv_url: Some(site.url_of(&record_name(&a.id))),
        }),
    }
}

/// Render `index.json`.
pub fn render(feed: &Feed, site: &SiteConfig) -> Result<Artifact, RenderError> {
    let doc = Document {
        version: text(VERSION),
        title: text(&site.title),
        home_page_url: text(&site.home_page_url),
        feed_url: text(site.feed_url.as_str()),
        description: text(&site.description),
        authors: vec![Author {
            name: text(&site.author_name),
            url: text(&site.author_url),
        }],
        extension: Some(FeedExtension {
            feed_refresh_job: text(&site.feed_refresh_job),
            updated_at: Some(Timestamp(feed.updated_at)),
        }),
        items: feed.items.iter().map(|i| item(i, site)).collect(),
    };
    Artifact::json(NAME.into(), content_type::JSON_FEED, "JSON Feed", &doc)
}
