//! Placeholder: the osv renderer is not written yet.

use super::{Artifact, RenderError, SiteConfig};
use crate::feed::Feed;

/// Render nothing yet.
pub fn render(_feed: &Feed, _site: &SiteConfig) -> Result<Vec<Artifact>, RenderError> {
    Ok(Vec::new())
}
