//! How a feed entry's affected components meet the targets: a [`Part`] is
//! one affected component and what it denotes in the component table;
//! [`Covered`] is what some target checks.
//!
//! Used by [`super::assess()`] and [`super::remediate()`]; knows nothing of
//! verdicts.

use super::component::{CoreComponent, Named, classify_entry, classify_name};
use super::entry::{FeedEntry, RangeData};
use super::target::{Scope, Target};
use crate::advisory::vuln::Affected;
use crate::advisory::vuln::components::Component;

/// The components that some target checks.
pub(super) struct Covered {
    core: Vec<CoreComponent>,
    separate: Vec<&'static Component>,
}

impl Covered {
    pub(super) fn of(targets: &[Target]) -> Covered {
        let mut covered = Covered {
            core: Vec::new(),
            separate: Vec::new(),
        };
        for t in targets {
            match &t.scope {
                Scope::Core(cs) => covered.core.extend(cs),
                Scope::Separate(c) => covered.separate.push(c),
            }
        }
        covered
    }
}

/// One affected component of a feed entry and what it denotes, classified
/// once per entry ([`classify_entry`]).
#[derive(Debug)]
pub(super) struct Part<'a> {
    pub(super) affected: &'a Affected,
    pub(super) named: Named,
    /// For an entry about Kubernetes as a whole that names a component of
    /// its own (`kubeadm` of module `k8s.io/kubernetes`), that component:
    /// reports show its name ([`Part::name`]), so an ignore entry may too.
    pub(super) by_name: Option<Named>,
}

impl<'a> Part<'a> {
    /// The affected components of `entry` (none when its ranges are
    /// unknown).
    pub(super) fn all(entry: &'a FeedEntry) -> Vec<Part<'a>> {
        match &entry.ranges {
            RangeData::Known { affected, .. } => affected
                .iter()
                .map(|a| {
                    let named = classify_entry(&a.component, a.package.as_deref());
                    let by_name = (named == Named::Kubernetes)
                        .then(|| classify_name(&a.component))
                        .filter(|n| !matches!(n, Named::Other(_) | Named::Kubernetes));
                    Part {
                        affected: a,
                        named,
                        by_name,
                    }
                })
                .collect(),
            RangeData::Unknown { .. } => Vec::new(),
        }
    }

    /// Whether it is about a component of `scope`.
    pub(super) fn is_relevant(&self, scope: &Scope) -> bool {
        match (scope, &self.named) {
            (Scope::Core(_), Named::Kubernetes) => true,
            (Scope::Core(cs), Named::Core(c)) => cs.contains(c),
            (Scope::Separate(wanted), Named::Separate(c)) => c == wanted,
            _ => false,
        }
    }

    /// Whether some target checks its component.
    pub(super) fn is_covered(&self, covered: &Covered) -> bool {
        match self.named {
            Named::Kubernetes => !covered.core.is_empty(),
            Named::Core(c) => covered.core.contains(&c),
            Named::Separate(c) => covered.separate.contains(&c),
            Named::Other(_) => false,
        }
    }

    /// The component name as reports give it: the table's canonical name
    /// when it maps to one.
    pub(super) fn name(&self) -> String {
        match &self.named {
            Named::Core(c) => c.name().to_string(),
            Named::Separate(c) => c.name.to_string(),
            Named::Kubernetes | Named::Other(_) => self.affected.component.clone(),
        }
    }

    /// Its name in the feed.
    pub(super) fn feed_name(&self) -> &'a str {
        &self.affected.component
    }

    /// What it denotes, for matching ([`CheckResult::components`]).
    pub(super) fn answers_to(&self) -> impl Iterator<Item = &Named> {
        std::iter::once(&self.named).chain(&self.by_name)
    }

    /// Whether its ranges are ranges of `wanted` (what a result resolved
    /// to): it denotes one of them, or it is about Kubernetes as a whole
    /// and one of them is a core component.
    pub(super) fn applies_to(&self, wanted: &[Named]) -> bool {
        wanted.iter().any(|w| {
            self.answers_to().any(|n| n == w)
                || (self.named == Named::Kubernetes && matches!(w, Named::Core(_)))
        })
    }
}

pub(super) fn join_unique<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen.join(", ")
}

/// What the parts denote, each once ([`Part::answers_to`]).
pub(super) fn resolved(parts: &[&Part]) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    for n in parts.iter().flat_map(|p| p.answers_to()) {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}
