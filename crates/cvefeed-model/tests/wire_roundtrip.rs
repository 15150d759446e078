//! The JSON Feed is written and read with the same `wire` types: a rendered
//! `index.json` parses back into them, says exactly what the feed holds,
//! and serialises back to the same bytes; feeds written by the upstream
//! script, which lack most fields, are read too.

mod support;

use chrono::{TimeZone, Utc};
use cvefeed_model::advisory::vuln::{Affected, VersionRange};
use cvefeed_model::advisory::{CveId, Status};
use cvefeed_model::feed::Feed;
use cvefeed_model::render::osv::record_name;
use cvefeed_model::render::{SiteConfig, jsonfeed};
use cvefeed_model::wire::{AffectedRange, Document, Timestamp};
use support::{advisories, feed_of};

/// The fixture advisories in every status.
fn fixture_feed() -> Feed {
    let mut all = advisories();
    for (n, a) in all.iter_mut().enumerate() {
        a.status = Status::ALL[n % Status::ALL.len()];
    }
    feed_of(all)
}

/// Flat ranges back into components, as a reader groups them.
fn grouped(ranges: &[AffectedRange]) -> Vec<Affected> {
    let version = |v: &Option<String>| v.as_deref().map(|s| s.parse().unwrap());
    let mut out: Vec<Affected> = Vec::new();
    for r in ranges {
        let range = VersionRange::from_bounds(
            version(&r.introduced),
            version(&r.fixed),
            version(&r.last_affected),
        )
        .unwrap();
        let package = r.package.as_deref().map(str::to_string);
        match out
            .iter_mut()
            .find(|a| a.component == r.component && a.package == package)
        {
            Some(a) => a.ranges.push(range),
            None => out.push(Affected {
                component: r.component.to_string(),
                package,
                ranges: vec![range],
                fixed: Vec::new(),
                coverage: Default::default(),
            }),
        }
    }
    out
}

#[test]
fn a_rendered_feed_reads_back_as_what_it_holds() {
    let feed = fixture_feed();
    let site = SiteConfig::default();
    let bytes = jsonfeed::render(&feed, &site).unwrap().bytes;
    let doc: Document = serde_json::from_slice(&bytes).unwrap();

    // The same types write the same bytes.
    let mut again = serde_json::to_vec_pretty(&doc).unwrap();
    again.push(b'\n');
    assert_eq!(
        String::from_utf8(again).unwrap(),
        String::from_utf8(bytes).unwrap()
    );

    assert_eq!(doc.version.as_deref(), Some(jsonfeed::VERSION));
    assert_eq!(doc.title.as_deref(), Some(site.title.as_str()));
    assert_eq!(doc.feed_url.as_deref(), Some(site.feed_url.as_str()));
    let ext = doc.extension.as_ref().unwrap();
    assert_eq!(ext.updated_at, Some(Timestamp(feed.updated_at)));
    assert_eq!(
        ext.feed_refresh_job.as_deref(),
        Some(site.feed_refresh_job.as_str())
    );

    assert_eq!(doc.items.len(), feed.items.len());
    let mut structured = 0;
    for (item, fi) in doc.items.iter().zip(&feed.items) {
        let a = &fi.advisory;
        assert_eq!(item.cve_ids().unwrap(), std::slice::from_ref(&a.id));
        assert_eq!(item.url.as_deref(), Some(a.issue.url.as_str()));
        assert_eq!(item.external_url, Some(a.id.cve_org_url()));
        assert_eq!(item.summary.as_deref(), Some(a.summary.as_str()));
        assert_eq!(item.content_text.as_deref(), Some(&*a.body));
        assert_eq!(item.date_published, Some(Timestamp(a.published)));
        assert_eq!(item.date_modified, Some(Timestamp(fi.modified)));
        let ext = item.extension.as_ref().unwrap();
        assert_eq!(ext.issue_number, Some(a.issue.number));
        assert_eq!(ext.status, Some(a.status));
        let severity = a.vuln.severity.as_ref();
        assert_eq!(ext.severity, severity.map(|s| s.rating));
        assert_eq!(
            ext.cvss_vector.as_deref(),
            severity.map(|s| s.vector.as_str())
        );
        assert_eq!(ext.cvss_score, severity.map(|s| s.score));
        assert_eq!(ext.components, a.vuln.components());
        // The flat ranges carry no fix apart from a range: those are in
        // `fixed_versions`, checked next.
        let ranges_only: Vec<Affected> = a
            .vuln
            .affected
            .iter()
            .map(|x| Affected {
                fixed: Vec::new(),
                coverage: Default::default(),
                ..x.clone()
            })
            .collect();
        assert_eq!(grouped(ext.affected.as_deref().unwrap()), ranges_only);
        let fixed: Vec<String> = a
            .vuln
            .fixed_versions()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ext.fixed_versions, fixed);
        assert_eq!(ext.related, a.related);
        assert_eq!(ext.osv_url, Some(site.url_of(&record_name(&a.id))));
        structured += usize::from(!a.vuln.affected.is_empty());
    }
    assert!(structured >= 10, "the fixtures carry structured data");
}

#[test]
fn an_upstream_feed_without_the_new_fields_is_read() {
    // The shape of the upstream feed of 2023: no date_modified, an item
    // extension with only the upstream keys (one without even a status),
    // and an issue's ids in one item.
    let upstream = r#"{
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Kubernetes Vulnerability Announcements - CVE Feed",
        "home_page_url": "https://kubernetes.io",
        "feed_url": "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json",
        "description": "Auto-refreshing official CVE feed for Kubernetes repository",
        "authors": [{"name": "Kubernetes Community", "url": "https://www.kubernetes.dev"}],
        "_kubernetes_io": {"feed_refresh_job": "https://testgrid.k8s.io/", "updated_at": "2031-07-01T22:37:44Z"},
        "items": [
            {"id": "CVE-2031-2727, CVE-2031-2728", "url": "https://github.com/kubernetes/kubernetes/issues/1",
             "external_url": "https://www.cve.org/cverecord?id=CVE-2031-2727, CVE-2031-2728",
             "summary": "Two ids", "content_text": "Body.", "date_published": "2031-06-13T14:42:06Z",
             "_kubernetes_io": {"google_group_url": "https://groups.google.com/g/kubernetes-announce/search?q=CVE-2031-2727",
                                "issue_number": 1, "status": "fixed"}},
            {"id": "CVE-2031-2431", "url": "https://github.com/kubernetes/kubernetes/issues/2",
             "summary": "No status", "content_text": null, "date_published": "2031-06-15T16:42:32+02:00",
             "_kubernetes_io": {"google_group_url": "https://groups.google.com/g/kubernetes-announce/search?q=CVE-2031-2431",
                                "issue_number": 2}},
            {"id": "CVE-2031-9999", "_kubernetes_io": {"status": "withdrawn"}},
            {"id": "CVE-2031-9998"}
        ]
    }"#;
    let doc: Document = serde_json::from_str(upstream).unwrap();
    let ids: Vec<Vec<CveId>> = doc.items.iter().map(|i| i.cve_ids().unwrap()).collect();
    assert_eq!(
        ids,
        [
            vec![
                "CVE-2031-2727".parse().unwrap(),
                "CVE-2031-2728".parse().unwrap()
            ],
            vec!["CVE-2031-2431".parse().unwrap()],
            vec!["CVE-2031-9999".parse().unwrap()],
            vec!["CVE-2031-9998".parse().unwrap()],
        ]
    );
    let ext = doc.items[0].extension.as_ref().unwrap();
    assert_eq!(ext.status, Some(Status::Fixed));
    assert_eq!(ext.affected, None, "no structured data, not an empty list");
    assert!(ext.components.is_empty() && ext.related.is_empty());
    let second = &doc.items[1];
    assert_eq!(second.content_text, None);
    assert_eq!(second.extension.as_ref().unwrap().status, None);
    assert_eq!(
        second.date_published,
        Some(Timestamp(
            Utc.with_ymd_and_hms(2031, 6, 15, 14, 42, 32).unwrap()
        ))
    );
    // A status this version does not know reads as none.
    assert_eq!(doc.items[2].extension.as_ref().unwrap().status, None);
    assert_eq!(doc.items[3].extension, None);

    let bad = serde_json::from_str::<Document>(
        r#"{"items": [{"id": "x", "date_published": "yesterday"}]}"#,
    )
    .unwrap_err();
    assert!(
        bad.to_string()
            .contains("\"yesterday\" is not an RFC 3339 date"),
        "{bad}"
    );
    // A long one is quoted by its first 64 characters.
    let long = "y".repeat(1000);
    let bad = serde_json::from_str::<Document>(&format!(
        r#"{{"items": [{{"id": "x", "date_published": "{long}"}}]}}"#
    ))
    .unwrap_err()
    .to_string();
    assert!(
        bad.starts_with(&format!("\"{}\" is not an RFC 3339 date", &long[..64])),
        "{bad}"
    );
    assert!(bad.len() < 200, "{bad}");
    let not_cve: Document =
        serde_json::from_str(r#"{"items": [{"id": "CVE-2031-0001, GHSA-1"}]}"#).unwrap();
    assert_eq!(
        not_cve.items[0].cve_ids().unwrap_err().to_string(),
        "\"GHSA-1\" is not a CVE id: expected CVE-YYYY-NNNN with a year from 1999 and at least four digits"
    );
}
