//! `audit.json`: where the issues and the CNA's CVE records disagree, per
//! CVE and field ([`mod@crate::cve5::audit`]), for the maintainers and their
//! tools. Owns this format only; reads no clock.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Artifact, RenderError, content_type};
use crate::cve5::{Field, Finding};
use crate::feed::Feed;
use crate::wire::Timestamp;

/// Name of the audit object.
pub const NAME: &str = crate::cve5::audit::NAME;

/// `audit.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The feed's `updated_at`: when the content (findings included) last
    /// changed.
    pub updated_at: Timestamp,
    /// Findings per field (every field, zero included).
    pub counts: BTreeMap<Field, usize>,
    /// The findings, by CVE id, then field.
    pub findings: Vec<Finding>,
}

impl Document {
    /// The document of `feed`'s findings.
    pub fn of(feed: &Feed) -> Document {
        let mut counts: BTreeMap<Field, usize> = Field::ALL.into_iter().map(|f| (f, 0)).collect();
        for f in &feed.audit {
            *counts.entry(f.field).or_default() += 1;
        }
        Document {
            updated_at: Timestamp(feed.updated_at),
            counts,
            findings: feed.audit.clone(),
        }
    }
}

/// Render `audit.json`.
pub fn render(feed: &Feed) -> Result<Artifact, RenderError> {
    Artifact::json(
        NAME.into(),
        content_type::JSON,
        "audit",
        &Document::of(feed),
    )
}
