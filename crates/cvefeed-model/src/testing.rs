//! Builders shared by the crate's unit tests.

use crate::advisory::{Advisory, IssueRef, Status, VulnData};

/// Issue `number` of the repository `repo` (`owner/name`), at its GitHub
/// address.
pub(crate) fn issue(repo: &str, number: u64) -> IssueRef {
    IssueRef {
        repo: repo.parse().unwrap(),
        number,
        url: format!("https://github.com/{repo}/issues/{number}"),
    }
}

/// The advisory of `id` announced by issue `number` of `o/r`: summary
/// `s`, this body, fixed, published 2031-01-01 and never edited, with no
/// structured data.
pub(crate) fn advisory(id: &str, number: u64, body: &str) -> Advisory {
    Advisory {
        id: id.parse().unwrap(),
        related: vec![],
        summary: "s".into(),
        body: body.into(),
        issue: issue("o/r", number),
        status: Status::Fixed,
        published: "2031-01-01T00:00:00Z".parse().unwrap(),
        edited: None,
        vuln: VulnData::default(),
    }
}
