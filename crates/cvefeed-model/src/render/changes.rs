//! The change log as published: `changes.json` (the [`ChangeLog`] as
//! pretty JSON) and `changes.xml`, an Atom 1.0 feed of the same events,
//! newest first, one entry per event titled like
//! `CVE-2024-9042: fixed versions changed`.
//!
//! An entry's `id` is the `changes.json` URL with a fragment made of the
//! CVE id, the kind and a hash of the event, so it never changes once
//! published; `updated` and `published` are the event's time; the
//! alternate link is the cve.org record, the category the event kind, and
//! the content lists the changed fields and the status and severity
//! before and after, one line each. Title and content are `type="html"`,
//! HTML-escaped (`text::html_text`), as in `atom.xml`: a value that came from
//! an issue reaches the reader as text. Owns these two formats only; reads
//! no clock.

use std::io::Write;

use chrono::{DateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::BytesStart;
use sha2::{Digest, Sha256};

use super::atom::{Head, close_feed, element, empty, end, html_element, open_feed, start, time};
use super::text::html_text;
use super::{Artifact, RenderError, SiteConfig, content_type, xml_safe};
use crate::changes::{ChangeLog, Event};

/// Name of the change log object.
pub const JSON_NAME: &str = "changes.json";

/// Name of the change feed object.
pub const ATOM_NAME: &str = "changes.xml";

/// Render `changes.json`: the log, pretty, newline-ended.
pub fn render_json(log: &ChangeLog) -> Result<Artifact, RenderError> {
    let bytes = log.to_json().map_err(|e| RenderError::Format {
        format: "change log",
        source: Box::new(e),
    })?;
    Ok(Artifact {
        name: JSON_NAME.into(),
        content_type: content_type::JSON,
        bytes,
    })
}

/// The permanent Atom id of an event.
fn entry_id(event: &Event, site: &SiteConfig) -> String {
    let json = serde_json::to_vec(event).expect("events serialize");
    let hash = hex::encode(&Sha256::digest(&json)[..8]);
    format!(
        "{}#{}-{}-{hash}",
        site.url_of(JSON_NAME),
        event.id,
        event.kind
    )
}

fn entry<W: Write>(w: &mut Writer<W>, event: &Event, site: &SiteConfig) -> Result<(), RenderError> {
    start(w, BytesStart::new("entry"))?;
    html_element(w, "title", &html_text(&event.title()))?;
    element(w, "id", &xml_safe(&entry_id(event, site)))?;
    element(w, "updated", &time(event.at.0))?;
    empty(
        w,
        "category",
        &[
            ("term", event.kind.as_str()),
            ("scheme", &xml_safe(&site.url_of(JSON_NAME))),
        ],
    )?;
    empty(
        w,
        "link",
        &[
            ("href", &event.id.cve_org_url()),
            ("rel", "alternate"),
            ("type", "text/html"),
        ],
    )?;
    element(w, "published", &time(event.at.0))?;
    let lines: Vec<String> = event.description().lines().map(html_text).collect();
    html_element(w, "content", &lines.join("<br>\n"))?;
    end(w, "entry")
}

/// Render `changes.xml`. Its `updated` is the newest event's time, or
/// `updated_at` (the feed's) while the log is empty.
pub fn render_atom(
    log: &ChangeLog,
    site: &SiteConfig,
    updated_at: DateTime<Utc>,
) -> Result<Artifact, RenderError> {
    let title = format!("{}: changes", site.title);
    let head = Head {
        title: &title,
        name: ATOM_NAME,
        updated: log.newest().unwrap_or(updated_at),
        subtitle: "Every item added to, changed in or removed from the feed, newest first.",
    };
    let mut bytes = Vec::new();
    let mut w = open_feed(&mut bytes, site, &head)?;
    for event in log.events.iter().rev() {
        entry(&mut w, event, site)?;
    }
    close_feed(w)?;
    Ok(Artifact {
        name: ATOM_NAME.into(),
        content_type: content_type::ATOM,
        bytes,
    })
}
