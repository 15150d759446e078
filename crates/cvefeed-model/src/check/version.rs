//! Installed versions and affected ranges: reading what a user or a cluster
//! reports (`1.29.3`, `v1.29.3-eks-abc`, `v1.29.3+k3s1`), the versions a
//! feed range gives, and a [`VersionRange`] in words. Whether a version
//! lies in a range is the range's own rule ([`VersionRange::contains`]).
//!
//! Pure. Knows nothing of feeds, clusters or output formats.

use std::fmt;
use std::str::FromStr;

use semver::{BuildMetadata, Prerelease, Version};

use crate::advisory::vuln::{Upper, VersionRange};

/// A version string that cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a Kubernetes version ({reason}); expected MAJOR.MINOR.PATCH such as 1.29.3, v1.29.3 or v1.29.3-eks-abc"
)]
pub struct InvalidVersion {
    /// The rejected string.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A version as installed: the string reported, and the upstream
/// Kubernetes version it is compared as.
///
/// Upstream pre-releases (`-alpha.1`, `-beta.0`, `-rc.2`) are kept and
/// compared by semver rules. Any other pre-release or build suffix is a
/// vendor tag (`-eks-abc`, `-gke.100`, `+k3s1`, `+rke2r1`): it is dropped for
/// the comparison and remembered, since the vendor may have backported fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledVersion {
    raw: String,
    upstream: Version,
    vendor_suffix: Option<String>,
}

impl InstalledVersion {
    /// The string as given or reported.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The upstream version used for comparisons.
    pub fn upstream(&self) -> &Version {
        &self.upstream
    }

    /// The vendor suffix that was dropped (`-eks-abc`, `+k3s1`), if any.
    pub fn vendor_suffix(&self) -> Option<&str> {
        self.vendor_suffix.as_deref()
    }

    /// Whether this is a vendor build.
    pub fn is_vendor_build(&self) -> bool {
        self.vendor_suffix.is_some()
    }
}

impl fmt::Display for InstalledVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Whether a pre-release is one upstream Kubernetes publishes.
fn is_upstream_prerelease(pre: &Prerelease) -> bool {
    let s = pre.as_str();
    ["alpha.", "beta.", "rc."].iter().any(|p| {
        s.strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The longest version string accepted. Real ones are under 40
/// characters (`v1.29.3-eks-1234567890abcdef` is 28); anything far longer is
/// a mistake or an attack, and would only be echoed back.
pub const MAX_VERSION_LEN: usize = 64;

/// Whether `bare` is `MAJOR.MINOR` alone: a minor line, not a version.
fn is_minor_line(bare: &str) -> bool {
    let mut parts = bare.split('.');
    let numeric =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.next().is_none()
}

impl FromStr for InstalledVersion {
    type Err = InvalidVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.chars().count() > MAX_VERSION_LEN {
            let head: String = trimmed.chars().take(24).collect();
            return Err(InvalidVersion {
                input: format!("{head}…"),
                reason: format!(
                    "{} characters long; a version has at most {MAX_VERSION_LEN}",
                    trimmed.chars().count()
                ),
            });
        }
        let bare = trimmed
            .strip_prefix('v')
            .or_else(|| trimmed.strip_prefix('V'))
            .unwrap_or(trimmed);
        if is_minor_line(bare) {
            return Err(InvalidVersion {
                input: s.to_string(),
                reason: format!(
                    "a minor line without a patch version: give the full version that runs, such as {bare}.4"
                ),
            });
        }
        let parsed = Version::parse(bare).map_err(|e| InvalidVersion {
            input: s.to_string(),
            reason: e.to_string(),
        })?;
        let mut suffix = String::new();
        let mut upstream = parsed.clone();
        if !parsed.pre.is_empty() && !is_upstream_prerelease(&parsed.pre) {
            suffix.push('-');
            suffix.push_str(parsed.pre.as_str());
            upstream.pre = Prerelease::EMPTY;
        }
        if !parsed.build.is_empty() {
            suffix.push('+');
            suffix.push_str(parsed.build.as_str());
            upstream.build = BuildMetadata::EMPTY;
        }
        Ok(InstalledVersion {
            raw: trimmed.to_string(),
            upstream,
            vendor_suffix: (!suffix.is_empty()).then_some(suffix),
        })
    }
}

/// Parse a version published in a feed range (`1.29.4`, tolerating a
/// leading `v`).
pub fn parse_range_version(s: &str) -> Result<Version, InvalidVersion> {
    let bare = s.trim();
    let bare = bare.strip_prefix('v').unwrap_or(bare);
    Version::parse(bare).map_err(|e| InvalidVersion {
        input: s.to_string(),
        reason: e.to_string(),
    })
}

/// A range in words: `>= 1.29.0, < 1.29.4`.
pub fn describe(range: &VersionRange) -> String {
    let mut parts = Vec::new();
    if let Some(i) = &range.introduced {
        parts.push(format!(">= {i}"));
    }
    match &range.upper {
        Upper::Fixed(f) => parts.push(format!("< {f}")),
        Upper::LastAffected(l) => parts.push(format!("<= {l}")),
        Upper::Open => {}
    }
    if parts.is_empty() {
        "all versions".to_string()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_suffixes_are_dropped_and_remembered() {
        for (input, upstream, suffix) in [
            ("v1.29.3-eks-abc", "1.29.3", Some("-eks-abc")),
            ("1.29.3-gke.100", "1.29.3", Some("-gke.100")),
            ("v1.29.3+k3s1", "1.29.3", Some("+k3s1")),
            ("v1.29.3+rke2r1", "1.29.3", Some("+rke2r1")),
            ("v1.30.0-rc.1", "1.30.0-rc.1", None),
            ("v1.30.0-rc.1+k3s1", "1.30.0-rc.1", Some("+k3s1")),
            (" 1.29.3 ", "1.29.3", None),
        ] {
            let v: InstalledVersion = input.parse().unwrap();
            assert_eq!(v.upstream().to_string(), upstream, "{input}");
            assert_eq!(v.vendor_suffix(), suffix, "{input}");
        }
    }

    #[test]
    fn invalid_versions_name_the_input() {
        for bad in ["1.29", "latest", "", "1.29.3.1", "v"] {
            let e = bad.parse::<InstalledVersion>().unwrap_err();
            assert_eq!(e.input, bad);
            assert!(e.to_string().contains(&format!("{bad:?}")));
        }
    }

    #[test]
    fn short_and_absurd_versions_are_refused() {
        let short = "1.30".parse::<InstalledVersion>().unwrap_err();
        assert_eq!(
            short.to_string(),
            "\"1.30\" is not a Kubernetes version (a minor line without a patch version: give \
             the full version that runs, such as 1.30.4); expected MAJOR.MINOR.PATCH such as \
             1.29.3, v1.29.3 or v1.29.3-eks-abc"
        );
        assert!("v1.30".parse::<InstalledVersion>().is_err());
        let long = format!("1.28.3+{}", "a".repeat(70_000));
        let e = long.parse::<InstalledVersion>().unwrap_err();
        assert!(e.to_string().len() < 300, "{e}");
        assert!(e.reason.contains("70007 characters long"), "{e}");
        let longest = format!("1.28.3+{}", "a".repeat(MAX_VERSION_LEN - 7));
        assert!(longest.parse::<InstalledVersion>().is_ok());
    }

    #[test]
    fn ranges_in_words() {
        let r = VersionRange::new(
            Some(Version::new(1, 29, 0)),
            Upper::LastAffected(Version::new(1, 29, 3)),
        );
        assert_eq!(describe(&r), ">= 1.29.0, <= 1.29.3");
        let all = VersionRange::new(None, Upper::Open);
        assert_eq!(describe(&all), "all versions");
    }
}
