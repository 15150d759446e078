//! The regexes that read announcement Markdown, and the words a range
//! line may carry besides component names. Patterns only: the code that
//! applies them is in the sibling modules. Linear-time regexes only.

use std::sync::LazyLock;

use regex::Regex;

/// A line that is bold and nothing else: `**Fixed Versions:**`.
pub(super) static BOLD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\*\*|__)([^*_]{1,80})(?:\*\*|__)\s*:?\s*$").expect("valid regex")
});

/// Markdown links: keep the text.
pub(super) static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]*)\]\([^)]*\)").expect("valid regex"));

/// Bare URLs: dropped (their paths hold numbers that look like versions).
pub(super) static BARE_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:https?|ftp)://\S*").expect("valid regex"));

/// A list marker at the start of a line.
pub(super) static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+•]|[0-9]{1,3}[.)])\s+").expect("valid regex"));

/// A version as written in a range line.
pub(super) static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[^\w.])(v?[0-9]{1,6}\.(?:[0-9]{1,6}|x)(?:\.(?:[0-9]{1,6}|x))?(?:-(?:alpha|beta|rc|pre|dev)[0-9a-z.]{0,20})?\+?)",
    )
    .expect("valid regex")
});

/// Words that close the prefix of a line as an operator.
pub(super) static OPERATOR_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(<=|=<|≤|>=|=>|≥|<|>|\bprior\s+to|\bbefore|\bolder\s+than|\bup\s+to(?:\s+and\s+including)?|\bthrough)\s*$")
        .expect("valid regex")
});

/// Text between two versions that makes them a range.
pub(super) static RANGE_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:-|–|—|to|through|thru|until)\s*$").expect("valid regex")
});

/// Words after a version that make it a bound.
pub(super) static SUFFIX_AT_MOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:and|or)\s+(?:earlier|below|older|prior)\b").expect("valid regex")
});
pub(super) static SUFFIX_AT_LEAST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:\(|and|or)\s*(?:later|above|newer|including\s+all\s+later)\b")
        .expect("valid regex")
});

/// "fixed in v1.2.3" / "resolved in 1.2.3" later in a range line.
pub(super) static INLINE_FIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:fixed|resolved|patched)\s+in\s+(?:version\s+)?(v?[0-9]{1,6}\.[0-9]{1,6}(?:\.[0-9]{1,6})?)").expect("valid regex")
});

/// A line that is itself a fix statement anywhere in a body: "Fixed in v1.5.5 …".
pub(super) static FIX_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:fixed|resolved|patched)\s+in\s+v?[0-9]").expect("valid regex")
});

/// The words [`FIX_LINE`] starts with, anywhere: a cheap test before
/// cleaning a line.
pub(super) static FIX_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)fixed|resolved|patched").expect("valid regex"));

/// "This bug affects ingress-nginx." / "This issue affects kubelet".
pub(super) static AFFECTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:bug|issue|vulnerability|cve)\s+affects\s+([^.\n]{1,120})")
        .expect("valid regex")
});

/// "Upgrade ingress-nginx to v1.11.5, v1.12.1, or any later version".
pub(super) static UPGRADE_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bupgrad\w*\s+(?:[\w-]+\s+){0,3}to\s+(v?[0-9][0-9.]{2,20}(?:\s*,\s*(?:or\s+|and\s+)?v?[0-9][0-9.]{2,20}){0,10})").expect("valid regex")
});

/// "All versions of Kubernetes", "All kubelet versions".
pub(super) static ALL_VERSIONS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^all\b.{0,60}\bversions?\b").expect("valid regex"));

/// A line that introduces a list of fixed releases in prose: "will be
/// fixed in the following Kubernetes releases:".
pub(super) static FIX_LIST_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bfixed\s+in\s+the\s+following\b[^:]{0,40}:?\s*$").expect("valid regex")
});

/// Fixes stated in prose: "A second fix has been made to 1.15.4 and
/// backported to 1.14.7 and 1.13.11", "the primary fix in v1.16.0",
/// "In 1.12.5+ and 1.13.1+, …". Every whole version in the match is a fix.
pub(super) static PROSE_FIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:fix|fixes|patch)\b[^.]{0,40}?\b(?:made|released|available|backported|included|landed)\s+(?:to|in|into|for)\b(?:[^.]|\.[0-9]){0,200}|\bfix(?:ed)?\s+in\s+v?[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}|^\W*in\s+v?[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}\+?(?:\s*(?:,|and|&)\s*v?[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}\+?){0,10}\s*,",
    )
    .expect("valid regex")
});

/// "All Kubernetes versions are affected" in prose.
pub(super) static ALL_AFFECTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^all\b.{0,60}\bversions?\b.{0,20}\b(?:are\s+)?(?:affected|vulnerable)\b")
        .expect("valid regex")
});

/// The announcement says no fix exists: "There is no patch for this
/// issue", "no fix is planned", "will not be fixed", "won't be fixed",
/// "will not receive security updates", or a "Fixed Versions: None" label
/// on one line (a "Fixed Versions" section that says "None" is read by
/// [`states_no_fix`]).
pub(super) static NO_FIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?im)\bthere\s+is\s+no\s+(?:patch|fix)\b",
        r"|\bno\s+(?:patch|fix)\s+(?:is\s+|will\s+be\s+)?(?:available|planned|released)\b",
        r"|\bwill\s+not\s+receive\s+security\s+updates\b",
        r"|\b(?:will\s+not|won['’]t)\s+be\s+fixed\b",
        r"|^[\s#>*_-]*fixed\s+versions?[\s*_]*:[\s*_]*none\b",
    ))
    .expect("valid regex")
});

/// Words a range line may carry that name no component.
pub(super) const FILLER: &[&str] = &[
    "all",
    "the",
    "a",
    "an",
    "versions",
    "version",
    "and",
    "or",
    "kubernetes",
    "controller",
    "release",
    "releases",
    "fixed",
    "fix",
    "in",
    "prior",
    "to",
    "before",
    "up",
    "from",
    "including",
    "affected",
    "is",
    "are",
    "by",
    "of",
    "only",
    "patched",
    "resolved",
    "with",
    "no",
    "components",
    "component",
    "package",
    "packages",
    "official",
    "binaries",
    "branch",
    "earlier",
    "later",
    "older",
    "than",
    "through",
    "any",
    "builds",
    "build",
    "image",
    "images",
    "k8s",
    "upstream",
    "on",
    "for",
    "v",
    "x",
    "s",
];
