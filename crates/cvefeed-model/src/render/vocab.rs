//! The words the renderers share: for RSS, Atom and HTML, the category
//! schemes and labels of status and severity; for every format, the time
//! format of a date and the name of a CVE's OSV record. Owns no format;
//! every renderer takes its vocabulary from here, so the files never
//! disagree and no format module imports another. The
//! names of the CVSS bands themselves and the severity text (`HIGH 8.1`)
//! are [`Rating`](crate::advisory::vuln::Rating)'s and
//! [`Severity`](crate::advisory::vuln::Severity)'s (`Display`), not this
//! module's.

use super::SiteConfig;
use crate::advisory::{CveId, Status};
use crate::wire::Timestamp;

/// Prefix of every OSV object name.
pub const OSV_DIR: &str = "osv/";

/// Name of the record of one CVE, `osv/<ID>.json`: the one place the
/// record path is spelled.
pub fn record_name(id: &CveId) -> String {
    format!("{OSV_DIR}{id}.json")
}

/// Time format of every date in the feeds and records: RFC 3339, UTC,
/// whole seconds.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    Timestamp(t).to_string()
}

/// Category scheme (Atom) and domain (RSS) of the status as
/// kubernetes.io's RSS template writes it (`<category term="fixed"
/// scheme="…"/>`): the same status values, so a filter written for
/// kubernetes.io's feed works on ours.
pub const K8S_STATUS_SCHEME: &str = "https://k8s.io/2024-06-27/cve-item-status";

/// Category scheme (Atom) and domain (RSS) of the status: the page's
/// section explaining the statuses.
pub fn status_scheme(site: &SiteConfig) -> String {
    site.url_of("#status")
}

/// Category scheme (Atom) and domain (RSS) of the severity: the page's
/// section explaining the severity bands.
pub fn severity_scheme(site: &SiteConfig) -> String {
    site.url_of("#severity")
}

/// A sentence on what a status means for a reader.
pub fn status_label(status: Status) -> &'static str {
    match status {
        Status::Open => "Open: announced, fix may still be in progress",
        Status::Unknown => "Unknown: reopened after closing",
        Status::Fixed => "Fixed",
        Status::Unfixed => "Unfixed: closed, no fix planned",
        Status::Rejected => "Rejected: the CVE id was withdrawn by its CNA",
    }
}
