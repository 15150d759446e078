//! The rules of `cvefeed check`, as pure functions of values: is an
//! installed Kubernetes version affected by the CVEs of a feed?
//!
//! - [`version`]: installed versions (vendor suffixes), the versions a feed
//!   range gives, a range in words.
//! - [`component`]: which component a name or Go module denotes.
//! - [`target`]: what is checked, and a `--version` argument parsed into it.
//! - [`entry`]: one CVE of a feed as `check` sees it.
//! - [`feed`]: the bytes of a JSON Feed read into entries.
//! - [`assess`](mod@assess): the verdict rules ([`assess()`](assess::assess)), the order
//!   of results and the exit rule ([`fails`]).
//! - [`why`]: why a result has its verdict, as values the renderers word.
//! - [`remediate`](mod@remediate): the remediation rule ([`remediate()`](remediate::remediate)).
//!
//! Nothing here reads a feed, a cluster or a file, or writes output: the
//! binary's `check` shell does, and passes values in.

pub mod assess;
pub mod component;
pub mod entry;
pub mod feed;
mod outside;
mod part;
pub mod remediate;
pub mod target;
pub mod version;
pub mod why;

pub use assess::{
    CheckResult, Cleared, SourceClaim, UnknownReason, Verdict, assess, fails, sort_results,
};
pub use entry::{
    FeedEntry, FixNews, FixState, Origin, RangeData, RangePart, SeverityInfo, Unusable,
};
pub use feed::{FeedParseError, parse_feed};
pub use remediate::{Remediation, remediate};
pub use target::{Installed, MissingPart, Scope, Target, TargetError};
pub use version::{InstalledVersion, InvalidVersion};
pub use why::{MinorLines, Note, Why};
