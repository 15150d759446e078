//! The words the RSS, Atom and HTML renderers share for status and
//! severity: category schemes, labels and the severity text. Owns no
//! format; every renderer takes its vocabulary from here so the three files
//! never disagree. The names of the CVSS bands themselves are
//! [`Rating`](crate::advisory::vuln::Rating)'s (`Display`), not this module's.

use super::SiteConfig;
use crate::advisory::Status;
use crate::advisory::vuln::Severity;

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

/// The band and base score, e.g. `HIGH 8.1`.
pub fn severity_text(severity: &Severity) -> String {
    format!("{} {:.1}", severity.rating, severity.score)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::vuln::Rating;

    #[test]
    fn severity_text_has_band_and_one_decimal() {
        let s = Severity {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: 9.8,
            rating: Rating::Critical,
        };
        assert_eq!(severity_text(&s), "CRITICAL 9.8");
        let s = Severity {
            score: 7.0,
            rating: Rating::High,
            ..s
        };
        assert_eq!(severity_text(&s), "HIGH 7.0");
    }
}
