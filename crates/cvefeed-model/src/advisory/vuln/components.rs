//! The one table of components an announcement may name, and the Go module
//! each one is published under in the OSV `Kubernetes` ecosystem.
//!
//! Owns name resolution only: the canonical component name, the spellings
//! announcements use for it, and its module path. It knows nothing of
//! Markdown or OSV layout.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// One known component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// Canonical name, as srctl and most announcements write it.
    pub name: &'static str,
    /// Go module path used as the OSV package name.
    pub module: &'static str,
    /// Other spellings met in announcements (matched case-insensitively,
    /// as whole words).
    pub aliases: &'static [&'static str],
}

/// Every component we can map, core Kubernetes first.
///
/// | component | OSV package (Go module) |
/// |---|---|
/// | kube-apiserver | k8s.io/apiserver |
/// | kubelet | k8s.io/kubelet |
/// | kubectl | k8s.io/kubectl |
/// | kube-proxy | k8s.io/kube-proxy |
/// | kube-controller-manager | k8s.io/kube-controller-manager |
/// | kube-scheduler | k8s.io/kube-scheduler |
/// | kubeadm | k8s.io/kubernetes |
/// | kubernetes (whole project) | k8s.io/kubernetes |
/// | ingress-nginx | k8s.io/ingress-nginx |
/// | secrets-store-csi-driver | sigs.k8s.io/secrets-store-csi-driver |
/// | azure-file-csi-driver | sigs.k8s.io/azurefile-csi-driver |
/// | image-builder | sigs.k8s.io/image-builder |
/// | kubernetes-csi-proxy | github.com/kubernetes-csi/csi-proxy |
/// | external-provisioner | github.com/kubernetes-csi/external-provisioner |
/// | external-snapshotter | github.com/kubernetes-csi/external-snapshotter |
/// | external-resizer | github.com/kubernetes-csi/external-resizer |
pub const COMPONENTS: &[Component] = &[
    Component {
        name: "kube-apiserver",
        module: "k8s.io/apiserver",
        aliases: &["kubernetes api server", "api server", "apiserver"],
    },
    Component {
        name: "kubelet",
        module: "k8s.io/kubelet",
        aliases: &[],
    },
    Component {
        name: "kubectl",
        module: "k8s.io/kubectl",
        aliases: &[],
    },
    Component {
        name: "kube-proxy",
        module: "k8s.io/kube-proxy",
        aliases: &[],
    },
    Component {
        name: "kube-controller-manager",
        module: "k8s.io/kube-controller-manager",
        aliases: &["controller manager", "controller-manager"],
    },
    Component {
        name: "kube-scheduler",
        module: "k8s.io/kube-scheduler",
        aliases: &[],
    },
    Component {
        name: "kubeadm",
        module: "k8s.io/kubernetes",
        aliases: &[],
    },
    Component {
        name: "kubernetes",
        module: "k8s.io/kubernetes",
        aliases: &[],
    },
    Component {
        name: "ingress-nginx",
        module: "k8s.io/ingress-nginx",
        aliases: &["ingress nginx"],
    },
    Component {
        name: "secrets-store-csi-driver",
        module: "sigs.k8s.io/secrets-store-csi-driver",
        aliases: &[],
    },
    Component {
        name: "azure-file-csi-driver",
        module: "sigs.k8s.io/azurefile-csi-driver",
        aliases: &["azurefile-csi-driver"],
    },
    Component {
        name: "image-builder",
        module: "sigs.k8s.io/image-builder",
        aliases: &["kubernetes image builder", "image builder"],
    },
    Component {
        name: "kubernetes-csi-proxy",
        module: "github.com/kubernetes-csi/csi-proxy",
        aliases: &["csi-proxy"],
    },
    Component {
        name: "external-provisioner",
        module: "github.com/kubernetes-csi/external-provisioner",
        aliases: &[],
    },
    Component {
        name: "external-snapshotter",
        module: "github.com/kubernetes-csi/external-snapshotter",
        aliases: &[],
    },
    Component {
        name: "external-resizer",
        module: "github.com/kubernetes-csi/external-resizer",
        aliases: &[],
    },
];

/// The generic project name: used when nothing more specific is named.
pub const KUBERNETES: &str = "kubernetes";

/// The component a name, alias or module path stands for (case-insensitive).
pub fn lookup(name: &str) -> Option<&'static Component> {
    let wanted = name.trim().to_ascii_lowercase();
    COMPONENTS
        .iter()
        .find(|c| c.name == wanted || c.module == wanted || c.aliases.iter().any(|a| *a == wanted))
}

/// Every spelling of every component, longest first (stable within a
/// length), and an automaton that finds them all in one pass.
static SPELLINGS: LazyLock<(Vec<&'static Component>, AhoCorasick)> = LazyLock::new(|| {
    let mut spellings: Vec<(&'static str, &'static Component)> = COMPONENTS
        .iter()
        .flat_map(|c| {
            std::iter::once(c.name)
                .chain(c.aliases.iter().copied())
                .map(move |s| (s, c))
        })
        .collect();
    spellings.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    let automaton = AhoCorasick::new(spellings.iter().map(|(s, _)| s)).expect("valid patterns");
    (spellings.into_iter().map(|(_, c)| c).collect(), automaton)
});

/// Every known component named in `text`, as whole words, in order of first
/// appearance. Longer spellings win over shorter ones they contain
/// ("kube-apiserver" is not also read as "apiserver").
pub fn mentioned_in(text: &str) -> Vec<&'static Component> {
    let lower = text.to_ascii_lowercase();
    let (components, automaton) = &*SPELLINGS;
    // Every occurrence of every spelling; then, longest spelling first and
    // left to right, keep those that are whole words on free text.
    let mut hits: Vec<(usize, usize, usize)> = automaton
        .find_overlapping_iter(&lower)
        .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
        .collect();
    hits.sort_unstable();
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut taken = vec![false; lower.len()];
    let mut found: Vec<(usize, &'static Component)> = Vec::new();
    let mut last: Option<(usize, usize)> = None;
    for (pattern, start, end) in hits {
        // Occurrences of one spelling do not overlap one another.
        if last.is_some_and(|(p, e)| p == pattern && start < e) {
            continue;
        }
        last = Some((pattern, end));
        let before_ok = !lower[..start].chars().next_back().is_some_and(word_char);
        let after_ok = !lower[end..].chars().next().is_some_and(word_char);
        if before_ok && after_ok && !taken[start..end].iter().any(|t| *t) {
            taken[start..end].iter_mut().for_each(|t| *t = true);
            found.push((start, components[pattern]));
        }
    }
    found.sort_by_key(|(pos, _)| *pos);
    let mut out: Vec<&'static Component> = Vec::new();
    for (_, c) in found {
        if !out.iter().any(|o| o.name == c.name) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_modules_resolve() {
        assert_eq!(lookup("kube-apiserver").unwrap().module, "k8s.io/apiserver");
        assert_eq!(lookup("Kubelet").unwrap().module, "k8s.io/kubelet");
        assert_eq!(lookup("k8s.io/apiserver").unwrap().name, "kube-apiserver");
        assert_eq!(
            lookup("azurefile-csi-driver").unwrap().module,
            "sigs.k8s.io/azurefile-csi-driver"
        );
        assert_eq!(lookup("csi-proxy").unwrap().name, "kubernetes-csi-proxy");
        assert!(lookup("made-up-operator").is_none());
    }

    #[test]
    fn mentions_are_whole_words_longest_first() {
        let names = |t: &str| mentioned_in(t).iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(
            names("Upgrade kube-apiserver, then the Kubelet and kube-proxy."),
            ["kube-apiserver", "kubelet", "kube-proxy"]
        );
        assert_eq!(names("The Kubernetes API server leaks"), ["kube-apiserver"]);
        assert_eq!(names("kubeletx and mykubectl"), Vec::<&str>::new());
        assert_eq!(
            names("Kubernetes Image Builder versions"),
            ["image-builder"]
        );
    }

    #[test]
    fn every_name_is_unique_and_lower_case() {
        for (i, c) in COMPONENTS.iter().enumerate() {
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert!(c.aliases.iter().all(|a| *a == a.to_ascii_lowercase()));
            assert!(COMPONENTS[i + 1..].iter().all(|o| o.name != c.name));
        }
    }
}
