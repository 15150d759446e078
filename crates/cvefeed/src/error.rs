//! How an error and its causes are written out, once.
//!
//! Every error type of this crate says what failed, on which input, and
//! what to do, and keeps its cause as [`std::error::Error::source`] without
//! repeating the cause's text. [`Chain`] writes the whole chain, joined with
//! `": "`: the binary prints it for the error that ends a command, and the
//! pipeline uses it where an error is recorded or logged (`status.json`,
//! the failure alert, log lines).
//!
//! This module owns that format only; it defines no errors.

use std::error::Error;
use std::fmt;

/// An error and its sources, joined with `": "`. A source whose text its
/// predecessor already shows is skipped: some errors from other crates
/// repeat their source in their own message, and the chain must not.
#[derive(Clone, Copy)]
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            let text = cause.to_string();
            if !text.is_empty() && !shown.contains(&text) {
                write!(f, ": {text}")?;
            }
            shown = text;
            next = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading x.json failed")]
    struct Outer(#[source] std::io::Error);

    /// Like some errors of other crates: the source in the message too.
    #[derive(Debug, thiserror::Error)]
    #[error("generic error: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("publishing failed")]
    struct Top(#[source] Repeats);

    #[test]
    fn joins_sources_once() {
        let e = Outer(std::io::Error::other("disk full"));
        assert_eq!(Chain(&e).to_string(), "reading x.json failed: disk full");
        let e = Top(Repeats(std::io::Error::other("timed out")));
        assert_eq!(
            Chain(&e).to_string(),
            "publishing failed: generic error: timed out"
        );
    }
}
