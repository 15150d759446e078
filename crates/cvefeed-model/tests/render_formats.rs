//! RSS 2.0, Atom 1.0 and the HTML page, rendered from fixture advisories:
//! read back with feed-rs and the writers' own parsers and compared with the
//! advisories, compared byte for byte with golden files, and rendered from
//! hostile text.
//!
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test --test
//! render_formats`, then review the diff.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use cvefeed_model::advisory::vuln::{Affected, Rating, Severity, Upper, VersionRange, VulnData};
use cvefeed_model::advisory::{Advisory, CveId, IssueRef, Status};
use cvefeed_model::cve5::{Field, Finding};
use cvefeed_model::feed::{Feed, FeedItem};
use cvefeed_model::render::{self, Artifact, SiteConfig, content_type, html_safe};
use feed_rs::model::{Entry, FeedType};

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn id(s: &str) -> CveId {
    s.parse().unwrap()
}

fn severity(vector: &str, score: f64, rating: Rating) -> Option<Severity> {
    Some(Severity {
        vector: vector.into(),
        score,
        rating,
    })
}

struct Spec {
    id: &'static str,
    summary: &'static str,
    body: &'static str,
    number: u64,
    status: Status,
    published: DateTime<Utc>,
    modified: DateTime<Utc>,
    severity: Option<Severity>,
    /// Fixed versions of kube-scheduler, one range ending at each.
    fixed: &'static [&'static str],
}

fn advisory(s: &Spec) -> FeedItem {
    FeedItem {
        advisory: Advisory {
            id: id(s.id),
            related: Vec::new(),
            summary: s.summary.into(),
            body: s.body.into(),
            issue: IssueRef {
                repo: "kubernetes/kubernetes".parse().unwrap(),
                number: s.number,
                url: format!(
                    "https://github.com/kubernetes/kubernetes/issues/{}",
                    s.number
                ),
            },
            status: s.status,
            published: s.published,
            edited: None,
            vuln: VulnData {
                severity: s.severity.clone(),
                affected: if s.fixed.is_empty() {
                    Vec::new()
                } else {
                    vec![Affected {
                        component: "kube-scheduler".into(),
                        package: Some("k8s.io/kube-scheduler".into()),
                        ranges: s
                            .fixed
                            .iter()
                            .map(|v| VersionRange::new(None, Upper::Fixed(v.parse().unwrap())))
                            .collect(),
                        fixed: Vec::new(),
                        coverage: Default::default(),
                    }]
                },
                ..VulnData::default()
            },
        },
        modified: s.modified,
        content_hash: format!("hash-{}", s.id),
    }
}

/// Four advisories covering every status, with and without severity,
/// newest first (as `feed::build` orders them).
fn fixture() -> Feed {
    let specs = [
        Spec {
            id: "CVE-2025-20004",
            summary: "Fictional kubelet flaw exposes node credentials",
            body: "### Summary\n\nWritten for this test.\n\n- kubelet v1.31.0 - v1.31.2\n",
            number: 80004,
            status: Status::Open,
            published: at(2025, 9, 1, 8, 0, 0),
            modified: at(2025, 9, 2, 9, 30, 0),
            severity: severity(
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                9.8,
                Rating::Critical,
            ),
            fixed: &[],
        },
        Spec {
            id: "CVE-2025-20003",
            summary: "Made-up proxy bug, no fix planned",
            body: "Closed as not planned.\n",
            number: 80003,
            status: Status::Unfixed,
            published: at(2025, 7, 15, 12, 0, 0),
            modified: at(2025, 7, 15, 12, 0, 0),
            severity: severity(
                "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N",
                4.2,
                Rating::Medium,
            ),
            fixed: &[],
        },
        Spec {
            id: "CVE-2025-20002",
            summary: "Reopened advisory about admission webhooks",
            body: "",
            number: 80002,
            status: Status::Unknown,
            published: at(2025, 5, 5, 5, 5, 5),
            modified: at(2025, 6, 1, 0, 0, 0),
            severity: None,
            fixed: &[],
        },
        Spec {
            id: "CVE-2025-20001",
            summary: "Invented scheduler quota bypass",
            body: "Fixed in v1.30.5.\n",
            number: 80001,
            status: Status::Fixed,
            published: at(2025, 1, 2, 3, 4, 5),
            modified: at(2025, 1, 2, 3, 4, 5),
            severity: severity(
                "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N",
                3.3,
                Rating::Low,
            ),
            fixed: &["1.29.9", "1.30.5"],
        },
        Spec {
            id: "CVE-2024-20000",
            summary: "Rejected duplicate of another invented flaw",
            body: "Its CNA rejected this id.\n",
            number: 80000,
            status: Status::Rejected,
            published: at(2024, 12, 1, 0, 0, 0),
            modified: at(2025, 1, 3, 0, 0, 0),
            severity: None,
            fixed: &[],
        },
    ];
    Feed {
        items: specs.iter().map(advisory).collect(),
        audit: vec![Finding {
            id: id("CVE-2025-20001"),
            field: Field::Affected,
            issue_says: "affected".into(),
            record_says: "not affected".into(),
            probe: Some("kube-scheduler 1.30.4".into()),
        }],
        updated_at: at(2025, 9, 2, 9, 30, 0),
        content_hash: "fixture".into(),
    }
}

fn site() -> SiteConfig {
    SiteConfig {
        base_url: "https://example.test/cve-feed/".parse().unwrap(),
        feed_url: "https://example.test/cve-feed/index.json".parse().unwrap(),
        ..SiteConfig::default()
    }
}

fn rss_of(feed: &Feed) -> Artifact {
    render::rss::render(feed, &site()).unwrap()
}
fn atom_of(feed: &Feed) -> Artifact {
    render::atom::render(feed, &site()).unwrap()
}
fn html_of(feed: &Feed) -> Artifact {
    render::html::render(feed, &site()).unwrap()
}

fn text(a: &Artifact) -> &str {
    std::str::from_utf8(&a.bytes).unwrap()
}

/// `out`, rendered from `feed`, checked to be named `name` and typed
/// `content_type`, and read back with feed-rs: as a `kind` feed, updated
/// when `feed` was, with an entry per item.
fn read_back(
    feed: &Feed,
    out: &Artifact,
    name: &str,
    content_type: &str,
    kind: FeedType,
) -> feed_rs::model::Feed {
    assert_eq!(out.name, name);
    assert_eq!(out.content_type, content_type);
    let parsed = feed_rs::parser::parse(out.bytes.as_slice()).unwrap();
    assert_eq!(parsed.feed_type, kind, "{name}");
    assert_eq!(parsed.updated, Some(feed.updated_at), "{name}");
    assert_eq!(parsed.entries.len(), feed.items.len(), "{name}");
    parsed
}

/// What both feeds say of an advisory, as feed-rs reads it: the cve.org
/// URL as id, the publication date, the summary, and a category for the
/// status and, when rated, one for the severity band.
fn assert_entry_of(entry: &Entry, a: &Advisory) {
    assert_eq!(entry.id, a.id.cve_org_url());
    assert_eq!(entry.published, Some(a.published), "{}", a.id);
    assert_eq!(
        entry.summary.as_ref().unwrap().content,
        a.summary,
        "{}",
        a.id
    );
    let mut cats: Vec<(String, Option<String>)> = entry
        .categories
        .iter()
        .map(|c| (c.term.clone(), c.scheme.clone()))
        .collect();
    let mut want = vec![
        (
            a.status.as_str().to_string(),
            Some("https://example.test/cve-feed/#status".to_string()),
        ),
        // kubernetes.io's scheme, so its readers' filters work here too.
        (
            a.status.as_str().to_string(),
            Some("https://k8s.io/2024-06-27/cve-item-status".to_string()),
        ),
    ];
    if let Some(s) = &a.vuln.severity {
        let band = serde_json::to_value(s.rating).unwrap();
        want.push((
            band.as_str().unwrap().to_string(),
            Some("https://example.test/cve-feed/#severity".to_string()),
        ));
    }
    cats.sort();
    want.sort();
    assert_eq!(cats, want, "categories of {}", a.id);
}

#[test]
fn render_all_publishes_the_three_formats() {
    let all = render::render_all(&fixture(), &site()).unwrap();
    let find = |name: &str| all.iter().find(|a| a.name == name).map(|a| a.content_type);
    assert_eq!(find("feed.xml"), Some(content_type::RSS));
    assert_eq!(find("atom.xml"), Some(content_type::ATOM));
    assert_eq!(find("index.html"), Some(content_type::HTML));
}

#[test]
fn rss_reads_back_as_the_advisories() {
    let feed = fixture();
    let out = rss_of(&feed);
    let parsed = read_back(&feed, &out, "feed.xml", content_type::RSS, FeedType::RSS2);
    for (entry, item) in parsed.entries.iter().zip(&feed.items) {
        let a = &item.advisory;
        assert_entry_of(entry, a);
        assert_eq!(entry.title.as_ref().unwrap().content, a.id.as_str());
        assert_eq!(entry.links[0].href, a.issue.url);
    }

    // What feed-rs does not expose: the guid is a permalink, the channel
    // links to itself, dates are RFC 822.
    let channel = rss::Channel::read_from(out.bytes.as_slice()).unwrap();
    let first = &channel.items()[0];
    assert!(first.guid().unwrap().is_permalink());
    assert_eq!(first.pub_date(), Some("Mon, 1 Sep 2025 08:00:00 +0000"));
    assert_eq!(
        channel.last_build_date(),
        Some("Tue, 2 Sep 2025 09:30:00 +0000")
    );
    let self_link = &channel.extensions()["atom"]["link"][0];
    assert_eq!(self_link.attrs()["rel"], "self");
    assert_eq!(
        self_link.attrs()["href"],
        "https://example.test/cve-feed/feed.xml"
    );
    assert_eq!(channel.namespaces()["atom"], "http://www.w3.org/2005/Atom");
}

#[test]
fn atom_reads_back_as_the_advisories() {
    let feed = fixture();
    let out = atom_of(&feed);
    let parsed = read_back(&feed, &out, "atom.xml", content_type::ATOM, FeedType::Atom);
    assert_eq!(
        parsed.authors[0].name.as_deref(),
        Some("Kubernetes Community")
    );
    assert_eq!(
        parsed.authors[0].uri.as_deref(),
        Some("https://www.kubernetes.dev")
    );
    let rel = |links: &[feed_rs::model::Link], rel: &str| -> Vec<String> {
        links
            .iter()
            .filter(|l| l.rel.as_deref() == Some(rel))
            .map(|l| l.href.clone())
            .collect()
    };
    assert_eq!(
        rel(&parsed.links, "self"),
        ["https://example.test/cve-feed/atom.xml"]
    );
    for (entry, item) in parsed.entries.iter().zip(&feed.items) {
        let a = &item.advisory;
        assert_entry_of(entry, a);
        assert_eq!(entry.updated, Some(item.modified));
        assert_eq!(rel(&entry.links, "alternate"), [a.issue.url.as_str()]);
        assert_eq!(rel(&entry.links, "related"), [a.id.cve_org_url()]);
        let content = entry.content.as_ref().unwrap();
        assert_eq!(
            content.body.as_deref().unwrap_or(""),
            format!("<pre>{}</pre>", a.body)
        );
    }
    // Summary and content are HTML, which feed-rs does not report.
    let atom = atom_syndication::Feed::read_from(out.bytes.as_slice()).unwrap();
    for entry in atom.entries() {
        assert_eq!(entry.content().unwrap().content_type(), Some("html"));
    }
    let critical = atom.entries()[0].categories();
    assert_eq!(critical[1].term(), "open");
    assert_eq!(
        critical[1].scheme(),
        Some("https://k8s.io/2024-06-27/cve-item-status")
    );
    assert_eq!(critical[2].term(), "CRITICAL");
    assert_eq!(
        critical[2].label(),
        Some("CRITICAL 9.8 (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)")
    );
}

#[test]
fn page_lists_every_advisory_newest_first() {
    let feed = fixture();
    let page = html_of(&feed);
    assert_eq!(page.content_type, content_type::HTML);
    let html = text(&page);
    let positions: Vec<usize> = feed
        .items
        .iter()
        .map(|i| {
            let cell = format!(
                "<a href=\"{}\">{}</a>",
                i.advisory.id.cve_org_url(),
                i.advisory.id
            );
            html.find(&cell)
                .unwrap_or_else(|| panic!("no row for {}", i.advisory.id))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "rows out of order"
    );
    assert!(html.contains(r#"<time datetime="2025-09-02T09:30:00Z">2025-09-02 09:30 UTC</time>"#));
    assert!(html.contains(">CRITICAL 9.8</span>"));
    assert!(html.contains(">MEDIUM 4.2</span>"));
    assert_eq!(
        html.matches(r#"<span class="visually-hidden">not rated</span>"#)
            .count(),
        2,
        "two unrated rows"
    );
    assert_eq!(html.matches("<tr data-status=").count(), 5);
    // A rejected CVE is marked, not highlighted: it needs no fix.
    assert_eq!(html.matches(r#" attention">"#).count(), 3);
    // Each row carries its status as kubernetes.io's table does.
    for (status, rows) in [
        ("open", 1),
        ("unfixed", 1),
        ("unknown", 1),
        ("fixed", 1),
        ("rejected", 1),
    ] {
        let class = format!("<tr data-status=\"{status}\" class=\"cve-status-{status}");
        assert_eq!(html.matches(&class).count(), rows, "{status}");
    }
    assert!(html.contains(r#"<tr data-status="rejected" class="cve-status-rejected">"#));
    assert!(html.contains(r#"<tr data-status="open" class="cve-status-open attention">"#));
    assert!(html.contains(r#"<span class="status status-rejected">rejected</span></td>"#));
    // The audit section lists the finding and links audit.json.
    assert!(html.contains(r#"<a href="audit.json" type="application/json">audit.json</a>"#));
    assert!(html.contains(
        "<td data-label=\"Field\">affected</td>\n<td data-label=\"Probe\">kube-scheduler 1.30.4</td>\n\
         <td data-label=\"Issue says\"><bdi>affected</bdi></td>\n<td data-label=\"Record says\"><bdi>not affected</bdi></td>"
    ));
    // The feeds are linked relatively: a copy served anywhere links to itself.
    for (kind, href) in [
        ("application/feed+json", "index.json"),
        ("application/rss+xml", "feed.xml"),
        ("application/atom+xml", "atom.xml"),
    ] {
        assert!(
            html.contains(&format!(r#"<link rel="alternate" type="{kind}""#))
                && html.contains(&format!(r#"href="{href}" type="{kind}">"#)),
            "no relative link for {kind}"
        );
    }
    assert!(
        !html.contains("https://example.test/cve-feed/"),
        "an absolute link to the site"
    );
    // Each CVE links its OSV record and says what fixes it.
    for i in &feed.items {
        let id = &i.advisory.id;
        assert!(
            html.contains(&format!(
                r#"<a class="osv" href="osv/{id}.json" type="application/json">OSV</a>"#
            )),
            "no OSV link for {id}"
        );
    }
    let fixes: Vec<&str> = html
        .split(r#"<td data-label="Fixed in" class="fix"#)
        .skip(1)
        .map(|cell| &cell[..cell.find("</td>").unwrap()])
        .collect();
    assert_eq!(fixes.len(), feed.items.len());
    for (cell, item) in fixes.iter().zip(&feed.items) {
        let a = &item.advisory;
        let fixed = a.vuln.fixed_versions();
        let want = if a.status == Status::Rejected {
            " fix-unstated\">rejected: nothing to fix".to_string()
        } else if !fixed.is_empty() {
            format!(
                "\">{}",
                fixed
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if a.status.needs_attention() {
            " fix-none\">no fix".to_string()
        } else {
            " fix-unstated\">fixed version not stated".to_string()
        };
        assert_eq!(*cell, want, "{}", a.id);
    }
    assert_eq!(
        fixes,
        [
            " fix-none\">no fix",
            " fix-none\">no fix",
            " fix-none\">no fix",
            "\">1.29.9, 1.30.5",
            " fix-unstated\">rejected: nothing to fix",
        ]
    );
    // Closed as fixed, with no version in the announcement.
    let mut unstated = feed.clone();
    unstated.items[3].advisory.vuln.affected.clear();
    assert!(text(&html_of(&unstated)).contains(
        r#"<td data-label="Fixed in" class="fix fix-unstated">fixed version not stated</td>"#
    ));
}

#[test]
fn same_input_gives_same_bytes() {
    let a = render::render_all(&fixture(), &site()).unwrap();
    let b = render::render_all(&fixture().clone(), &site()).unwrap();
    assert_eq!(a, b);
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/render/golden")
}

#[test]
fn golden_files_match_byte_for_byte() {
    let feed = fixture();
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    // Rewriting the golden files compares nothing: CI must never do it.
    assert!(
        !(update && std::env::var_os("CI").is_some_and(|v| v == "true")),
        "UPDATE_GOLDEN=1 rewrites the golden files instead of comparing them; unset it under CI=true"
    );
    for artifact in [rss_of(&feed), atom_of(&feed), html_of(&feed)] {
        let path = golden_dir().join(&artifact.name);
        if update {
            std::fs::create_dir_all(golden_dir()).unwrap();
            std::fs::write(&path, &artifact.bytes).unwrap();
            continue;
        }
        let want = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
                path.display()
            )
        });
        assert!(
            want == artifact.bytes,
            "{} differs from the golden file {}; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff",
            artifact.name,
            path.display()
        );
    }
}

const HOSTILE_SUMMARY: &str = "<script>alert('s')</script> & \"q\" 'a' <img src=x onerror=alert(1)> \u{202E}evil\u{202C} 😀 ]]> \u{0}\u{1}\u{1b}\u{7f}\u{85}\u{FFFF}";
const HOSTILE_BODY: &str =
    "body <script>alert(2)</script>\n<svg onload=alert(3)>\n]]>\u{0}\u{8}\u{FDD0} end\r\n";

/// HTML `html`, made of text and character references only, as the text
/// a reader shows; fails on any markup.
fn as_text(html: &str) -> String {
    assert!(!html.contains('<'), "markup in {html:?}");
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn hostile() -> Feed {
    let mut feed = fixture();
    for (n, item) in feed.items.iter_mut().enumerate() {
        item.advisory.summary = format!("{HOSTILE_SUMMARY} {n}");
        item.advisory.body = HOSTILE_BODY.into();
    }
    feed.items[1].advisory.issue.url = "javascript:alert(document.domain)".into();
    feed.items[2].advisory.issue.url = "https://github.com/x/y/issues/1?a=1&b=\"2\"<3>".into();
    feed.audit[0].issue_says = HOSTILE_SUMMARY.into();
    feed.audit[0].probe = Some(HOSTILE_BODY.into());
    feed
}

#[test]
fn hostile_text_round_trips_through_both_feeds() {
    let feed = hostile();
    let rss_out = rss_of(&feed);
    let atom_out = atom_of(&feed);
    for out in [&rss_out, &atom_out] {
        let parsed = feed_rs::parser::parse(out.bytes.as_slice())
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", out.name));
        assert_eq!(parsed.entries.len(), feed.items.len());
        for (entry, item) in parsed.entries.iter().zip(&feed.items) {
            let html = &entry.summary.as_ref().unwrap().content;
            assert_eq!(
                as_text(html),
                html_safe(&item.advisory.summary).trim(),
                "{}",
                out.name
            );
        }
    }

    // A reader takes an RSS description as HTML: the summary is escaped
    // as HTML, so it holds no markup and shows the text as written.
    let channel = rss::Channel::read_from(rss_out.bytes.as_slice()).unwrap();
    for (item, fi) in channel.items().iter().zip(&feed.items) {
        let html = item.description().unwrap();
        assert_eq!(as_text(html), html_safe(&fi.advisory.summary));
    }
    assert_eq!(
        channel.items()[1].link(),
        None,
        "javascript: URL became a link"
    );
    assert_eq!(
        channel.items()[2].link(),
        Some("https://github.com/x/y/issues/1?a=1&b=%222%22%3C3%3E")
    );

    let atom = atom_syndication::Feed::read_from(atom_out.bytes.as_slice()).unwrap();
    for (entry, fi) in atom.entries().iter().zip(&feed.items) {
        let content = entry.content().unwrap().value().unwrap();
        let pre = content
            .strip_prefix("<pre>")
            .and_then(|c| c.strip_suffix("</pre>"))
            .unwrap_or_else(|| panic!("content is not one <pre>: {content}"));
        assert_eq!(as_text(pre), html_safe(&fi.advisory.body));
        assert_eq!(
            as_text(entry.title().as_str()),
            format!("{}: {}", fi.advisory.id, html_safe(&fi.advisory.summary))
        );
        assert!(
            entry
                .links()
                .iter()
                .all(|l| l.href().starts_with("https://"))
        );
    }
    assert_eq!(atom.entries()[1].links().len(), 1, "only the cve.org link");
    // No character XML 1.0 forbids reaches the bytes.
    for out in [&rss_out, &atom_out] {
        let s = text(out);
        assert!(!s.contains('\u{0}') && !s.contains('\u{1b}') && !s.contains('\u{FFFF}'));
    }
}

#[test]
fn hostile_text_stays_text_in_the_page() {
    let page = html_of(&hostile());
    let html = text(&page);
    // Our own script is the only one; no element from the data.
    assert_eq!(html.matches("<script").count(), 1);
    for element in ["<img", "<svg", "<b>"] {
        assert!(!html.contains(element), "{element} reached the page");
    }
    assert!(html.contains("&#60;script&#62;alert(&#39;s&#39;)&#60;/script&#62; &#38; &#34;q&#34;"));
    assert!(!html.contains("javascript:"));
    // Links leave the page only over https; the others are the published
    // objects, relative.
    let relative = |href: &str| {
        [
            "index.json\"",
            "feed.xml\"",
            "atom.xml\"",
            "changes.xml\"",
            "osv/all.zip\"",
            "audit.json\"",
        ]
        .iter()
        .any(|name| href.starts_with(name))
            || (href.starts_with("osv/CVE-") && href.split('"').next().unwrap().ends_with(".json"))
    };
    for href in html.split("href=\"").skip(1) {
        assert!(
            href.starts_with("https://") || relative(href),
            "unexpected link {href:.40}"
        );
    }
    let safe = html_safe(HOSTILE_SUMMARY);
    assert!(!safe.contains('\u{0}'));
    for c in [
        '\u{0}', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{FFFF}', '\u{FDD0}',
    ] {
        assert!(!html.contains(c), "{:?} reached the page", c);
    }
    // Right-to-left text is isolated so it cannot reorder the row.
    assert!(html.contains("<bdi>&#60;script&#62;"));
}

#[test]
fn an_empty_feed_is_still_valid() {
    let feed = Feed {
        items: Vec::new(),
        audit: Vec::new(),
        updated_at: at(2025, 1, 1, 0, 0, 0),
        content_hash: "empty".into(),
    };
    for out in [rss_of(&feed), atom_of(&feed)] {
        let parsed = feed_rs::parser::parse(out.bytes.as_slice()).unwrap();
        assert!(parsed.entries.is_empty(), "{}", out.name);
        assert_eq!(parsed.updated, Some(feed.updated_at), "{}", out.name);
    }
    let page = html_of(&feed);
    let html = text(&page);
    assert!(html.contains("<p>No CVEs are published yet.</p>"));
    assert_eq!(html.matches("<tr data-status=").count(), 0);
}

#[test]
fn the_upstream_object_is_index_json_with_an_item_level_status() {
    let feed = fixture();
    let index: serde_json::Value =
        serde_json::from_slice(&render::jsonfeed::render(&feed, &site()).unwrap().bytes).unwrap();
    let compat = render::compat::render(&feed, &site()).unwrap();
    assert_eq!(compat.name, "official-cve-feed.json");
    assert_eq!(compat.content_type, content_type::JSON);
    let mut want = index.clone();
    let items = want["items"].as_array_mut().unwrap();
    assert_eq!(items.len(), feed.items.len());
    for (item, fi) in items.iter_mut().zip(&feed.items) {
        assert_eq!(
            item["_kubernetes_io"]["status"],
            fi.advisory.status.as_str()
        );
        let status = item["_kubernetes_io"]["status"].clone();
        item.as_object_mut()
            .unwrap()
            .insert("status".into(), status);
    }
    let got: serde_json::Value = serde_json::from_slice(&compat.bytes).unwrap();
    assert_eq!(got, want);
    assert!(compat.bytes.ends_with(b"}\n"));
}
