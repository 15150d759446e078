//! `atom.xml`: Atom 1.0 (RFC 4287), one entry per CVE.
//!
//! Entry `id` is the cve.org record (stable across runs and hosts),
//! `updated` the item's `date_modified`, `published` the issue creation
//! time, `link rel="alternate"` the issue (only when it is an http(s) URL),
//! `link rel="related"` the cve.org record, `summary` the summary and
//! `content type="text"` the issue body. Status and severity are
//! categories whose scheme is the page section explaining them. Every text
//! goes through [`xml_safe`]; escaping is the `atom_syndication` crate's.
//! Owns this format only; reads no clock.

use atom_syndication::{
    Category, Content, Entry, Feed as AtomFeed, Link, Person, Text, WriteConfig,
};

use super::vocab::{rating_name, severity_scheme, severity_text, status_label, status_scheme};
use super::{Artifact, RenderError, SiteConfig, content_type, http_url, xml_safe};
use crate::feed::{Feed, FeedItem};

/// Name of the Atom object.
pub const NAME: &str = "atom.xml";

fn text(s: &str) -> String {
    xml_safe(s).into_owned()
}

fn link(href: String, rel: &str, mime_type: &str) -> Link {
    Link {
        href,
        rel: rel.into(),
        mime_type: Some(mime_type.into()),
        ..Link::default()
    }
}

fn entry(i: &FeedItem, site: &SiteConfig) -> Entry {
    let a = &i.advisory;
    let mut links = Vec::new();
    if let Some(issue) = http_url(&a.issue.url) {
        links.push(link(issue, "alternate", "text/html"));
    }
    links.push(link(a.id.cve_org_url(), "related", "text/html"));
    let mut categories = vec![Category {
        term: a.status.as_str().into(),
        scheme: Some(text(&status_scheme(site))),
        label: Some(status_label(a.status).into()),
    }];
    if let Some(sev) = &a.vuln.severity {
        categories.push(Category {
            term: rating_name(sev.rating).into(),
            scheme: Some(text(&severity_scheme(site))),
            label: Some(text(&format!("{} ({})", severity_text(sev), sev.vector))),
        });
    }
    let title = if a.summary.is_empty() {
        a.id.to_string()
    } else {
        format!("{}: {}", a.id, text(&a.summary))
    };
    Entry {
        title: Text::plain(title),
        id: a.id.cve_org_url(),
        updated: i.modified.fixed_offset(),
        published: Some(a.published.fixed_offset()),
        links,
        categories,
        summary: Some(Text::plain(text(&a.summary))),
        content: Some(Content {
            value: Some(text(&a.body)),
            content_type: Some("text".into()),
            ..Content::default()
        }),
        ..Entry::default()
    }
}

/// Render `atom.xml`.
pub fn render(feed: &Feed, site: &SiteConfig) -> Result<Vec<Artifact>, RenderError> {
    let doc = AtomFeed {
        title: Text::plain(text(&site.title)),
        id: text(&site.url_of(NAME)),
        updated: feed.updated_at.fixed_offset(),
        authors: vec![Person {
            name: text(&site.author_name),
            uri: Some(text(&site.author_url)),
            ..Person::default()
        }],
        links: vec![
            link(text(&site.url_of(NAME)), "self", content_type::ATOM),
            link(text(&site.base_url), "alternate", "text/html"),
        ],
        subtitle: Some(Text::plain(text(&site.description))),
        entries: feed.items.iter().map(|i| entry(i, site)).collect(),
        lang: Some("en".into()),
        ..AtomFeed::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let mut bytes = doc
        .write_with_config(Vec::new(), config)
        .map_err(|e| RenderError::Format {
            format: "Atom 1.0",
            cause: e.to_string(),
        })?;
    bytes.push(b'\n');
    Ok(vec![Artifact {
        name: NAME.into(),
        content_type: content_type::ATOM,
        bytes,
    }])
}
