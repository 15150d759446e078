//! `index.html`: the page a person reads, one self-contained document.
//!
//! Built from the askama template `templates/index.html` (compile-time
//! checked, HTML-escaped), with the style and the small sorting/filtering
//! script inlined and pinned by a Content-Security-Policy of their sha256
//! hashes, so nothing else can run or load. Data from issues only ever
//! reaches the page as escaped text or, for links, as an http(s) URL
//! checked by [`http_url`]; every text goes through [`html_safe`] first.
//! The page works without the script.
//!
//! Links to the published objects (the feeds, each CVE's OSV record) are
//! relative, so a copy served from any host and path links to itself;
//! only the links to other sites (cve.org, the issues) are absolute. Owns
//! this format only; reads no clock.

use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{Artifact, RenderError, SiteConfig, content_type, html_safe, http_url};
use crate::feed::{Feed, FeedItem};

/// Name of the page object.
pub const NAME: &str = "index.html";

/// The page's style sheet, inlined.
const STYLE: &str = include_str!("../../templates/page.css");
/// The page's sorting and filtering script, inlined.
const SCRIPT: &str = include_str!("../../templates/page.js");

/// A CVSS band as the page shows it.
struct SeverityView {
    /// `HIGH 8.1`.
    text: String,
    /// CSS class suffix: `critical`, `high`, ….
    band: String,
    /// The CVSS vector.
    vector: String,
    /// Sort key: the score with one decimal.
    score: String,
}

/// What the page says about a fix.
enum Remedy {
    /// The versions that fix it, from the announcement.
    FixedIn(String),
    /// Open, unfixed or reopened, and no fixed version is named.
    NoFix,
    /// Closed as fixed, but the announcement names no fixed version.
    NotStated,
    /// The CVE record was rejected: there is no vulnerability to fix.
    Withdrawn,
}

impl Remedy {
    fn of(a: &crate::advisory::Advisory) -> Remedy {
        let versions = a.vuln.fixed_versions();
        if a.status == crate::advisory::Status::Rejected {
            Remedy::Withdrawn
        } else if !versions.is_empty() {
            let names: Vec<String> = versions.iter().map(ToString::to_string).collect();
            Remedy::FixedIn(names.join(", "))
        } else if a.status.needs_attention() {
            Remedy::NoFix
        } else {
            Remedy::NotStated
        }
    }
}

/// One table row.
struct Row {
    id: String,
    /// Sort key of the id: numeric order, not text order.
    id_key: String,
    cve_url: String,
    summary: String,
    status: &'static str,
    attention: bool,
    severity: Option<SeverityView>,
    published: String,
    published_day: String,
    issue_url: Option<String>,
    issue_label: String,
    fix: Remedy,
    /// The OSV record, relative to the page.
    osv_url: String,
}

/// One audit finding as the page shows it.
struct FindingRow {
    id: String,
    cve_url: String,
    field: &'static str,
    probe: String,
    issue_says: String,
    record_says: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct Page {
    title: String,
    description: String,
    home_page_url: Option<String>,
    refresh_job_url: Option<String>,
    updated: String,
    updated_text: String,
    json_feed_url: &'static str,
    rss_url: &'static str,
    atom_url: &'static str,
    /// The change feed, `changes.xml`.
    changes_url: &'static str,
    total: usize,
    attention: usize,
    rows: Vec<Row>,
    audit_url: &'static str,
    findings: Vec<FindingRow>,
    csp: String,
    style: &'static str,
    script: &'static str,
}

fn csp_hash(source: &str) -> String {
    let digest = Sha256::digest(source.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn text(s: &str) -> String {
    html_safe(s).into_owned()
}

/// Summaries longer than this many characters are cut in the table (the
/// feeds and the issue carry the whole text).
const SUMMARY_CHARS: usize = 300;

fn short(s: &str) -> String {
    match s.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", s[..cut].trim_end()),
        None => s.to_string(),
    }
}

fn row(i: &FeedItem) -> Row {
    let a = &i.advisory;
    Row {
        id: a.id.to_string(),
        id_key: a.id.sort_key(),
        cve_url: a.id.cve_org_url(),
        summary: short(&text(&a.summary)),
        status: a.status.as_str(),
        attention: a.status.needs_attention(),
        severity: a.vuln.severity.as_ref().map(|s| SeverityView {
            text: s.to_string(),
            band: s.rating.as_str().to_ascii_lowercase(),
            vector: text(&s.vector),
            score: format!("{:.1}", s.score),
        }),
        published: super::vocab::timestamp(a.published),
        published_day: a.published.format("%Y-%m-%d").to_string(),
        issue_url: http_url(&a.issue.url),
        issue_label: text(&format!("{}#{}", a.issue.repo, a.issue.number)),
        fix: Remedy::of(a),
        osv_url: super::vocab::record_name(&a.id),
    }
}

/// Render `index.html`. Its links to the feeds are relative (the feeds'
/// own self links carry the absolute URLs from `site`).
pub fn render(feed: &Feed, site: &SiteConfig) -> Result<Artifact, RenderError> {
    let rows: Vec<Row> = feed.items.iter().map(row).collect();
    let page = Page {
        title: text(&site.title),
        description: text(&site.description),
        home_page_url: http_url(&site.home_page_url),
        refresh_job_url: http_url(&site.feed_refresh_job),
        updated: super::vocab::timestamp(feed.updated_at),
        updated_text: feed.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        json_feed_url: super::jsonfeed::NAME,
        rss_url: super::rss::NAME,
        atom_url: super::atom::NAME,
        changes_url: super::changes::ATOM_NAME,
        total: rows.len(),
        attention: rows.iter().filter(|r| r.attention).count(),
        rows,
        audit_url: super::audit::NAME,
        findings: feed
            .audit
            .iter()
            .map(|f| FindingRow {
                id: f.id.to_string(),
                cve_url: f.id.cve_org_url(),
                field: f.field.as_str(),
                probe: text(f.probe.as_deref().unwrap_or_default()),
                issue_says: text(&f.issue_says),
                record_says: text(&f.record_says),
            })
            .collect(),
        csp: format!(
            "default-src 'none'; style-src {}; script-src {}; img-src 'none'; base-uri 'none'; form-action 'none'",
            csp_hash(STYLE),
            csp_hash(SCRIPT)
        ),
        style: STYLE,
        script: SCRIPT,
    };
    let html = page.render().map_err(|e| RenderError::Format {
        format: "HTML page",
        source: Box::new(e),
    })?;
    let mut bytes = html.into_bytes();
    if bytes.last() != Some(&b'\n') {
        bytes.push(b'\n');
    }
    Ok(Artifact {
        name: NAME.into(),
        content_type: content_type::HTML,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_summaries_are_cut_on_a_character_boundary() {
        assert_eq!(short("short"), "short");
        let long = "é".repeat(SUMMARY_CHARS + 5);
        let cut = short(&long);
        assert_eq!(cut.chars().count(), SUMMARY_CHARS + 1);
        assert!(cut.ends_with("é…"));
        assert_eq!(short(&"é".repeat(SUMMARY_CHARS)), "é".repeat(SUMMARY_CHARS));
    }

    #[test]
    fn csp_hash_is_base64_sha256() {
        // sha256("") in base64, as CSP writes it.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }
}
