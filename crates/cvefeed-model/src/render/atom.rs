//! `atom.xml`: Atom 1.0 (RFC 4287), one entry per CVE.
//!
//! Entry `id` is the cve.org record (stable across runs and hosts),
//! `updated` the item's `date_modified`, `published` the issue creation
//! time, `link rel="alternate"` the issue (only when it is an http(s) URL),
//! `link rel="related"` the cve.org record, `summary` the summary and
//! `content` the issue body. Status and severity are categories whose
//! scheme is the page section explaining them; the status is also a
//! category in kubernetes.io's scheme (`https://k8s.io/2024-06-27/cve-item-status`). Every text
//! goes through [`xml_safe`]. The texts that come from an issue (title,
//! summary, content) are `type="html"` and HTML-escaped (`text::html_text`; the
//! body inside `<pre>`, keeping its lines), so a reader shows them as text
//! whether it honours `type` or renders every text as HTML. XML escaping
//! and indentation are `quick-xml`'s.
//!
//! Written as a stream of XML events, entry by entry, rather than through
//! the `atom_syndication` model: that model holds a copy of every body
//! next to the output, which for a 10,000-item feed was most of the
//! refresh job's memory. The tests read the output back with
//! `atom_syndication`. Owns this format only; reads no clock.

use std::io::Write;

use chrono::{DateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::text::html_text;
use super::vocab::{K8S_STATUS_SCHEME, severity_scheme, status_label, status_scheme};
use super::{Artifact, RenderError, SiteConfig, content_type, http_url, xml_safe};
use crate::feed::{Feed, FeedItem};

/// Name of the Atom object.
pub const NAME: &str = "atom.xml";

pub(super) type Xml<W> = Writer<W>;

pub(super) fn failed(e: impl std::error::Error + Send + Sync + 'static) -> RenderError {
    RenderError::Format {
        format: "Atom 1.0",
        source: Box::new(e),
    }
}

pub(super) fn start<W: Write>(w: &mut Xml<W>, element: BytesStart<'_>) -> Result<(), RenderError> {
    w.write_event(Event::Start(element)).map_err(failed)
}

pub(super) fn end<W: Write>(w: &mut Xml<W>, name: &str) -> Result<(), RenderError> {
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(failed)
}

/// `<name>text</name>`, the text escaped.
pub(super) fn element<W: Write>(w: &mut Xml<W>, name: &str, text: &str) -> Result<(), RenderError> {
    start(w, BytesStart::new(name))?;
    w.write_event(Event::Text(BytesText::new(text)))
        .map_err(failed)?;
    end(w, name)
}

/// `<name type="html">html</name>`: `html` (made with `text::html_text`) is
/// escaped once more, as XML.
pub(super) fn html_element<W: Write>(
    w: &mut Xml<W>,
    name: &str,
    html: &str,
) -> Result<(), RenderError> {
    let mut e = BytesStart::new(name);
    e.push_attribute(("type", "html"));
    start(w, e)?;
    w.write_event(Event::Text(BytesText::new(html)))
        .map_err(failed)?;
    end(w, name)
}

/// An empty element with attributes, in order.
pub(super) fn empty<W: Write>(
    w: &mut Xml<W>,
    name: &str,
    attributes: &[(&str, &str)],
) -> Result<(), RenderError> {
    let mut e = BytesStart::new(name);
    for attribute in attributes {
        e.push_attribute(*attribute);
    }
    w.write_event(Event::Empty(e)).map_err(failed)
}

pub(super) fn time(t: DateTime<Utc>) -> String {
    t.fixed_offset().to_rfc3339()
}

fn entry<W: Write>(w: &mut Xml<W>, i: &FeedItem, site: &SiteConfig) -> Result<(), RenderError> {
    let a = &i.advisory;
    start(w, BytesStart::new("entry"))?;
    let title = if a.summary.is_empty() {
        a.id.to_string()
    } else {
        format!("{}: {}", a.id, a.summary)
    };
    html_element(w, "title", &html_text(&title))?;
    element(w, "id", &a.id.cve_org_url())?;
    element(w, "updated", &time(i.modified))?;
    empty(
        w,
        "category",
        &[
            ("term", a.status.as_str()),
            ("scheme", &xml_safe(&status_scheme(site))),
            ("label", status_label(a.status)),
        ],
    )?;
    empty(
        w,
        "category",
        &[("term", a.status.as_str()), ("scheme", K8S_STATUS_SCHEME)],
    )?;
    if let Some(sev) = &a.vuln.severity {
        empty(
            w,
            "category",
            &[
                ("term", sev.rating.as_str()),
                ("scheme", &xml_safe(&severity_scheme(site))),
                ("label", &xml_safe(&format!("{sev} ({})", sev.vector))),
            ],
        )?;
    }
    if let Some(issue) = http_url(&a.issue.url) {
        empty(
            w,
            "link",
            &[
                ("href", &issue),
                ("rel", "alternate"),
                ("type", "text/html"),
            ],
        )?;
    }
    empty(
        w,
        "link",
        &[
            ("href", &a.id.cve_org_url()),
            ("rel", "related"),
            ("type", "text/html"),
        ],
    )?;
    element(w, "published", &time(a.published))?;
    html_element(w, "summary", &html_text(&a.summary))?;
    html_element(w, "content", &format!("<pre>{}</pre>", html_text(&a.body)))?;
    end(w, "entry")
}

/// What sets one Atom feed of the site apart from another (`atom.xml`,
/// `changes.xml`): the rest of the head is the site's.
pub(super) struct Head<'a> {
    /// The feed's title.
    pub(super) title: &'a str,
    /// The object name, for the feed's id and self link.
    pub(super) name: &'a str,
    /// When it last changed.
    pub(super) updated: DateTime<Utc>,
    /// What it is.
    pub(super) subtitle: &'a str,
}

/// Start an Atom feed on `out`: the declaration, the root element and the
/// head (title, id, updated, author, self and page links, subtitle).
pub(super) fn open_feed<W: Write>(
    out: W,
    site: &SiteConfig,
    head: &Head<'_>,
) -> Result<Xml<W>, RenderError> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", None, None)))
        .map_err(failed)?;
    w.write_event(Event::Text(BytesText::from_escaped("\n")))
        .map_err(failed)?;
    let mut root = BytesStart::new("feed");
    root.push_attribute(("xmlns", "http://www.w3.org/2005/Atom"));
    root.push_attribute(("xml:lang", "en"));
    start(&mut w, root)?;
    element(&mut w, "title", &xml_safe(head.title))?;
    element(&mut w, "id", &xml_safe(&site.url_of(head.name)))?;
    element(&mut w, "updated", &time(head.updated))?;
    start(&mut w, BytesStart::new("author"))?;
    element(&mut w, "name", &xml_safe(&site.author_name))?;
    element(&mut w, "uri", &xml_safe(&site.author_url))?;
    end(&mut w, "author")?;
    empty(
        &mut w,
        "link",
        &[
            ("href", &xml_safe(&site.url_of(head.name))),
            ("rel", "self"),
            ("type", content_type::ATOM),
        ],
    )?;
    empty(
        &mut w,
        "link",
        &[
            ("href", &xml_safe(site.base_url.as_str())),
            ("rel", "alternate"),
            ("type", "text/html"),
        ],
    )?;
    element(&mut w, "subtitle", &xml_safe(head.subtitle))?;
    Ok(w)
}

/// End a feed begun with [`open_feed`], with a final newline.
pub(super) fn close_feed<W: Write>(mut w: Xml<W>) -> Result<(), RenderError> {
    end(&mut w, "feed")?;
    w.into_inner().write_all(b"\n").map_err(failed)
}

/// Write `atom.xml` to `out`, one entry at a time.
pub fn write(feed: &Feed, site: &SiteConfig, out: impl Write) -> Result<(), RenderError> {
    let head = Head {
        title: &site.title,
        name: NAME,
        updated: feed.updated_at,
        subtitle: &site.description,
    };
    let mut w = open_feed(out, site, &head)?;
    for item in &feed.items {
        entry(&mut w, item, site)?;
    }
    close_feed(w)
}

/// Render `atom.xml`.
pub fn render(feed: &Feed, site: &SiteConfig) -> Result<Artifact, RenderError> {
    let mut bytes = Vec::new();
    write(feed, site, &mut bytes)?;
    Ok(Artifact {
        name: NAME.into(),
        content_type: content_type::ATOM,
        bytes,
    })
}
