//! What `check` checks: a [`Target`] (components at one installed version,
//! [`Scope`] and [`Installed`]) and the `--version` argument parsed into one
//! ([`Target::parse`], whose errors are [`TargetError`]).
//!
//! Knows nothing of feeds, clusters or output formats: the cluster shell
//! builds targets from what it reads.

use super::UnknownReason;
use super::component::{CoreComponent, Named, UnknownComponent, resolve};
use super::version::{InstalledVersion, InvalidVersion};
use crate::advisory::vuln::components::Component;

/// Which components a target's version stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// These core components.
    Core(Vec<CoreComponent>),
    /// One component of the table released on its own (ingress-nginx, …).
    Separate(&'static Component),
}

impl Scope {
    /// The scope of a table entry, alone.
    pub fn of(named: Named) -> Option<Scope> {
        match named {
            Named::Kubernetes => Some(Scope::Core(CoreComponent::ALL.to_vec())),
            Named::Core(c) => Some(Scope::Core(vec![c])),
            Named::Separate(c) => Some(Scope::Separate(c)),
            Named::Other(_) => None,
        }
    }

    /// What the scope's components denote.
    pub fn named(&self) -> Vec<Named> {
        match self {
            Scope::Core(cs) => cs.iter().copied().map(Named::Core).collect(),
            Scope::Separate(c) => vec![Named::Separate(c)],
        }
    }

    /// Component names, for reports.
    pub fn names(&self) -> Vec<String> {
        match self {
            Scope::Core(cs) => cs.iter().map(|c| c.name().to_string()).collect(),
            Scope::Separate(c) => vec![c.name.to_string()],
        }
    }

    /// Whether this scope covers every component of `other`.
    pub fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Core(mine), Scope::Core(theirs)) => theirs.iter().all(|c| mine.contains(c)),
            (Scope::Separate(a), Scope::Separate(b)) => a == b,
            _ => false,
        }
    }
}

/// The version a target runs, or why it cannot be read (an image pinned
/// by digest only, a tag that is not a version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// A comparable version.
    Version(InstalledVersion),
    /// What was found, and why it is no version.
    Unreadable {
        /// The text found (an image reference).
        raw: String,
        /// Why it gives no version.
        why: UnknownReason,
    },
}

impl Installed {
    /// The version or the text found, as reported.
    pub fn raw(&self) -> &str {
        match self {
            Installed::Version(v) => v.raw(),
            Installed::Unreadable { raw, .. } => raw,
        }
    }

    /// The comparable version, if any.
    pub fn version(&self) -> Option<&InstalledVersion> {
        match self {
            Installed::Version(v) => Some(v),
            Installed::Unreadable { .. } => None,
        }
    }
}

/// One thing checked: components at one installed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Short name for reports (`kubernetes`, `kubelet`, `control plane`).
    pub name: String,
    /// The components.
    pub scope: Scope,
    /// The installed version.
    pub version: Installed,
    /// Where the version came from (`--version`, `API server /version`,
    /// `nodes a, b`, `image … in ns/workload`).
    pub origin: String,
}

impl Target {
    /// Parse a `--version` argument: `1.29.3` (every core component) or
    /// `COMPONENT=VERSION`. A component the table does not know is an
    /// error that suggests the nearest known one.
    pub fn parse(arg: &str) -> Result<Target, TargetError> {
        let bad = |part: MissingPart| TargetError::Malformed {
            input: arg.chars().take(80).collect(),
            missing: part,
        };
        let (name, scope, version) = match arg.split_once('=') {
            None => (
                "kubernetes".to_string(),
                Scope::Core(CoreComponent::ALL.to_vec()),
                arg,
            ),
            Some((name, version)) => {
                if name.trim().is_empty() {
                    return Err(bad(MissingPart::Component));
                }
                if version.trim().is_empty() {
                    return Err(bad(MissingPart::Version));
                }
                let scope = Scope::of(resolve(name)?).expect("resolve gives table entries only");
                (name.trim().to_ascii_lowercase(), scope, version)
            }
        };
        Ok(Target {
            name,
            scope,
            version: Installed::Version(version.parse()?),
            origin: "--version".to_string(),
        })
    }
}

/// Why a `--version` argument is not a target.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Its version cannot be compared.
    #[error(transparent)]
    Version(#[from] InvalidVersion),
    /// Its component is not in the component table.
    #[error(transparent)]
    Component(#[from] UnknownComponent),
    /// One side of `COMPONENT=VERSION` is empty.
    #[error(
        "{input:?} is not a target: {missing}; give VERSION for a whole cluster or COMPONENT=VERSION"
    )]
    Malformed {
        /// The argument (its first 80 characters).
        input: String,
        /// The side that is empty.
        missing: MissingPart,
    },
}

/// The empty side of a `COMPONENT=VERSION` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingPart {
    /// Nothing before `=`.
    Component,
    /// Nothing after `=`.
    Version,
}

impl std::fmt::Display for MissingPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MissingPart::Component => "the component name before '=' is empty",
            MissingPart::Version => "the version after '=' is empty",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_version_is_every_core_component() {
        let t = Target::parse("1.29.3").unwrap();
        assert_eq!(t.name, "kubernetes");
        assert_eq!(t.scope, Scope::Core(CoreComponent::ALL.to_vec()));
        assert_eq!(t.version.raw(), "1.29.3");
        assert_eq!(t.origin, "--version");
    }

    #[test]
    fn a_component_version_names_its_component() {
        let t = Target::parse("Kubelet=1.29.3").unwrap();
        assert_eq!(t.name, "kubelet");
        assert_eq!(t.scope, Scope::Core(vec![CoreComponent::Kubelet]));
    }

    #[test]
    fn malformed_arguments_say_which_side_is_empty() {
        let err = Target::parse("=1.2.3").unwrap_err();
        assert!(matches!(
            err,
            TargetError::Malformed {
                missing: MissingPart::Component,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "\"=1.2.3\" is not a target: the component name before '=' is empty; \
             give VERSION for a whole cluster or COMPONENT=VERSION"
        );
        assert!(matches!(
            Target::parse("kubelet=").unwrap_err(),
            TargetError::Malformed {
                missing: MissingPart::Version,
                ..
            }
        ));
        assert!(matches!(
            Target::parse("kubelett=1.2.3").unwrap_err(),
            TargetError::Component(_)
        ));
        assert!(matches!(
            Target::parse("kubelet=banana").unwrap_err(),
            TargetError::Version(_)
        ));
    }
}
