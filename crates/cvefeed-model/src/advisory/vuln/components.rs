//! The one table of Kubernetes components: each one's canonical name, the
//! spellings announcements use for it, the names users and feeds may give
//! it, the Go module it is published under in the OSV `Kubernetes`
//! ecosystem, and whether a bare Kubernetes version stands for it.
//!
//! Owns name resolution only, for the body parser ([`lookup`],
//! [`mentioned_in`]) and for `cvefeed check` ([`lookup_input`]). It knows
//! nothing of Markdown, OSV layout or version ranges. It also lists the
//! container image repositories each component ships in, so that `cvefeed
//! check` can tell which component a running image is ([`by_image`]).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// What part of Kubernetes a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Kubernetes as a whole: every core component.
    Project,
    /// A component a bare Kubernetes version stands for (`cvefeed check
    /// --version 1.29.3`): the control plane, node and client binaries.
    Core,
    /// Released on its own schedule (ingress-nginx, CSI drivers), or, like
    /// kubeadm, with Kubernetes but not among the core binaries: matched by
    /// its own name only.
    Separate,
}

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
    /// Further names a user or a feed may give it (`scheduler`,
    /// `k8s.io/kube-apiserver`), never looked for in announcement text:
    /// [`lookup_input`] accepts them, [`lookup`] and [`mentioned_in`] do
    /// not.
    pub input_aliases: &'static [&'static str],
    /// What part of Kubernetes it is.
    pub kind: Kind,
    /// The container image repositories it is released as
    /// (`registry.k8s.io/ingress-nginx/controller`), without tag or digest;
    /// empty for a component that does not run as a container image
    /// (kubelet, kubeadm, csi-proxy on Windows nodes, image-builder).
    pub images: &'static [&'static str],
}

impl Component {
    /// The name and every alias announcements use, in table order.
    pub fn spellings(&self) -> impl Iterator<Item = &'static str> + use<> {
        std::iter::once(self.name).chain(self.aliases.iter().copied())
    }
}

/// `kube-apiserver`.
pub const KUBE_APISERVER: Component = Component {
    name: "kube-apiserver",
    module: "k8s.io/apiserver",
    aliases: &["kubernetes api server", "api server", "apiserver"],
    input_aliases: &["api-server", "k8s.io/kube-apiserver"],
    kind: Kind::Core,
    images: &["registry.k8s.io/kube-apiserver"],
};

/// `kubelet`.
pub const KUBELET: Component = Component {
    name: "kubelet",
    module: "k8s.io/kubelet",
    aliases: &[],
    input_aliases: &[],
    kind: Kind::Core,
    images: &[],
};

/// `kubectl`.
pub const KUBECTL: Component = Component {
    name: "kubectl",
    module: "k8s.io/kubectl",
    aliases: &[],
    input_aliases: &[],
    kind: Kind::Core,
    images: &["registry.k8s.io/kubectl"],
};

/// `kube-proxy`.
pub const KUBE_PROXY: Component = Component {
    name: "kube-proxy",
    module: "k8s.io/kube-proxy",
    aliases: &[],
    input_aliases: &[],
    kind: Kind::Core,
    images: &["registry.k8s.io/kube-proxy"],
};

/// `kube-controller-manager`.
pub const KUBE_CONTROLLER_MANAGER: Component = Component {
    name: "kube-controller-manager",
    module: "k8s.io/kube-controller-manager",
    aliases: &["controller manager", "controller-manager"],
    input_aliases: &["k8s.io/controller-manager"],
    kind: Kind::Core,
    images: &["registry.k8s.io/kube-controller-manager"],
};

/// `kube-scheduler`.
pub const KUBE_SCHEDULER: Component = Component {
    name: "kube-scheduler",
    module: "k8s.io/kube-scheduler",
    aliases: &[],
    input_aliases: &["scheduler"],
    kind: Kind::Core,
    images: &["registry.k8s.io/kube-scheduler"],
};

/// The generic project name: used when nothing more specific is named.
pub const KUBERNETES: &str = PROJECT.name;

/// `kubernetes`: the project as a whole.
pub const PROJECT: Component = Component {
    name: "kubernetes",
    module: "k8s.io/kubernetes",
    aliases: &[],
    input_aliases: &["k8s"],
    kind: Kind::Project,
    images: &[],
};

/// Every component we can map, core Kubernetes first.
///
/// | component | OSV package (Go module) | kind |
/// |---|---|---|
/// | kube-apiserver | k8s.io/apiserver | core |
/// | kubelet | k8s.io/kubelet | core |
/// | kubectl | k8s.io/kubectl | core |
/// | kube-proxy | k8s.io/kube-proxy | core |
/// | kube-controller-manager | k8s.io/kube-controller-manager | core |
/// | kube-scheduler | k8s.io/kube-scheduler | core |
/// | kubernetes (whole project) | k8s.io/kubernetes | project |
/// | kubeadm | k8s.io/kubernetes | separate |
/// | ingress-nginx | k8s.io/ingress-nginx | separate |
/// | secrets-store-csi-driver | sigs.k8s.io/secrets-store-csi-driver | separate |
/// | azure-file-csi-driver | sigs.k8s.io/azurefile-csi-driver | separate |
/// | image-builder | sigs.k8s.io/image-builder | separate |
/// | kubernetes-csi-proxy | github.com/kubernetes-csi/csi-proxy | separate |
/// | external-provisioner | github.com/kubernetes-csi/external-provisioner | separate |
/// | external-snapshotter | github.com/kubernetes-csi/external-snapshotter | separate |
/// | external-resizer | github.com/kubernetes-csi/external-resizer | separate |
///
/// A module shared by several components stands for the first one listed
/// with it: `k8s.io/kubernetes` is the project, not kubeadm.
pub const COMPONENTS: &[Component] = &[
    KUBE_APISERVER,
    KUBELET,
    KUBECTL,
    KUBE_PROXY,
    KUBE_CONTROLLER_MANAGER,
    KUBE_SCHEDULER,
    PROJECT,
    separate("kubeadm", "k8s.io/kubernetes", &[], &[]),
    separate(
        "ingress-nginx",
        "k8s.io/ingress-nginx",
        &["ingress nginx"],
        &[
            "registry.k8s.io/ingress-nginx/controller",
            "registry.k8s.io/ingress-nginx/controller-chroot",
        ],
    ),
    separate(
        "secrets-store-csi-driver",
        "sigs.k8s.io/secrets-store-csi-driver",
        &[],
        &["registry.k8s.io/csi-secrets-store/driver"],
    ),
    separate(
        "azure-file-csi-driver",
        "sigs.k8s.io/azurefile-csi-driver",
        &["azurefile-csi-driver"],
        &["mcr.microsoft.com/oss/kubernetes-csi/azurefile-csi"],
    ),
    separate(
        "image-builder",
        "sigs.k8s.io/image-builder",
        &["kubernetes image builder", "image builder"],
        &[],
    ),
    separate(
        "kubernetes-csi-proxy",
        "github.com/kubernetes-csi/csi-proxy",
        &["csi-proxy"],
        &[],
    ),
    separate(
        "external-provisioner",
        "github.com/kubernetes-csi/external-provisioner",
        &[],
        &["registry.k8s.io/sig-storage/csi-provisioner"],
    ),
    separate(
        "external-snapshotter",
        "github.com/kubernetes-csi/external-snapshotter",
        &[],
        &[
            "registry.k8s.io/sig-storage/csi-snapshotter",
            "registry.k8s.io/sig-storage/snapshot-controller",
        ],
    ),
    separate(
        "external-resizer",
        "github.com/kubernetes-csi/external-resizer",
        &[],
        &["registry.k8s.io/sig-storage/csi-resizer"],
    ),
];

/// A component released apart from the core binaries, known by its name,
/// module, announcement spellings and images.
const fn separate(
    name: &'static str,
    module: &'static str,
    aliases: &'static [&'static str],
    images: &'static [&'static str],
) -> Component {
    Component {
        name,
        module,
        aliases,
        input_aliases: &[],
        kind: Kind::Separate,
        images,
    }
}

/// Registries that serve the same repositories under another name:
/// `k8s.gcr.io` is the frozen predecessor of `registry.k8s.io`.
const REGISTRY_ALIASES: &[(&str, &str)] = &[("k8s.gcr.io/", "registry.k8s.io/")];

/// The component an image repository (without tag or digest, e.g.
/// `registry.k8s.io/ingress-nginx/controller`) is released as, if any.
/// Matched case-insensitively; the old `k8s.gcr.io` name counts as
/// `registry.k8s.io`.
pub fn by_image(repository: &str) -> Option<&'static Component> {
    let lower = repository.trim().to_ascii_lowercase();
    let canonical = REGISTRY_ALIASES
        .iter()
        .find_map(|(old, new)| lower.strip_prefix(old).map(|rest| format!("{new}{rest}")))
        .unwrap_or(lower);
    COMPONENTS
        .iter()
        .find(|c| c.images.contains(&canonical.as_str()))
}

/// Every name a user may give: canonical names, announcement spellings and
/// input aliases (not modules), for suggestions.
pub fn input_names() -> impl Iterator<Item = &'static str> {
    COMPONENTS
        .iter()
        .flat_map(|c| c.spellings().chain(c.input_aliases.iter().copied()))
}

/// The most characters kept of a component name the table does not know,
/// as an issue or a CVE record writes it: the name is published, and every
/// warning about the component repeats it.
pub const MAX_UNKNOWN_NAME_CHARS: usize = 100;

/// A component name the table does not know, as read from `text`: its
/// first [`MAX_UNKNOWN_NAME_CHARS`] characters.
pub fn unknown_name(text: &str) -> String {
    text.chars().take(MAX_UNKNOWN_NAME_CHARS).collect()
}

/// The component a name, alias or module path from an announcement stands
/// for (case-insensitive). Input-only aliases are not accepted: what the
/// parser reads does not depend on them.
pub fn lookup(name: &str) -> Option<&'static Component> {
    let wanted = name.trim().to_ascii_lowercase();
    COMPONENTS
        .iter()
        .find(|c| c.module == wanted || c.spellings().any(|s| s == wanted))
}

/// The component a name given by a user or a feed stands for: what
/// [`lookup`] accepts, and the input-only aliases.
pub fn lookup_input(name: &str) -> Option<&'static Component> {
    lookup(name).or_else(|| {
        let wanted = name.trim().to_ascii_lowercase();
        COMPONENTS
            .iter()
            .find(|c| c.input_aliases.iter().any(|a| *a == wanted))
    })
}

/// Every spelling of every component, longest first (stable within a
/// length), and an automaton that finds them all in one pass.
static SPELLINGS: LazyLock<(Vec<&'static Component>, AhoCorasick)> = LazyLock::new(|| {
    let mut spellings: Vec<(&'static str, &'static Component)> = COMPONENTS
        .iter()
        .flat_map(|c| c.spellings().map(move |s| (s, c)))
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

/// The components named in `text` other than the whole project
/// ([`KUBERNETES`]), as [`mentioned_in`] finds them.
pub fn specific_in(text: &str) -> Vec<&'static Component> {
    mentioned_in(text)
        .into_iter()
        .filter(|c| c.name != KUBERNETES)
        .collect()
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
        // The same, less the whole project.
        let specific = |t: &str| specific_in(t).iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(names("Kubernetes kubelet"), [KUBERNETES, "kubelet"]);
        assert_eq!(specific("Kubernetes kubelet"), ["kubelet"]);
        assert_eq!(specific("Kubernetes v1.30.2"), Vec::<&str>::new());
    }

    #[test]
    fn input_aliases_resolve_only_as_input() {
        for (input, name) in [
            ("scheduler", "kube-scheduler"),
            ("API-Server", "kube-apiserver"),
            ("k8s.io/kube-apiserver", "kube-apiserver"),
            ("k8s.io/controller-manager", "kube-controller-manager"),
            ("kube-proxy", "kube-proxy"),
        ] {
            assert_eq!(lookup_input(input).map(|c| c.name), Some(name), "{input}");
        }
        assert!(lookup("scheduler").is_none());
        assert!(lookup("k8s.io/kube-apiserver").is_none());
        assert!(mentioned_in("the scheduler and the api-server").is_empty());
        // So the parser reads a "scheduler" line as it always did: an
        // unknown component, published without a package.
        let read = crate::advisory::vuln::extract(
            "### Affected Versions\n\n- scheduler v1.2.0 - v1.2.3\n",
        );
        assert_eq!(read.components(), ["scheduler"]);
        assert_eq!(read.affected[0].package, None);
        assert_eq!(
            read.warnings,
            [crate::advisory::vuln::Warning::UnknownComponent {
                name: "scheduler".into()
            }]
        );
    }

    #[test]
    fn images_map_to_components() {
        for (image, name) in [
            ("registry.k8s.io/ingress-nginx/controller", "ingress-nginx"),
            ("k8s.gcr.io/ingress-nginx/controller", "ingress-nginx"),
            ("registry.k8s.io/kube-apiserver", "kube-apiserver"),
            ("Registry.K8s.io/kube-proxy", "kube-proxy"),
            (
                "registry.k8s.io/csi-secrets-store/driver",
                "secrets-store-csi-driver",
            ),
            (
                "registry.k8s.io/sig-storage/snapshot-controller",
                "external-snapshotter",
            ),
        ] {
            assert_eq!(by_image(image).map(|c| c.name), Some(name), "{image}");
        }
        assert!(by_image("docker.io/library/nginx").is_none());
        assert!(by_image("registry.k8s.io/ingress-nginx").is_none());
        let mut seen = Vec::new();
        for image in COMPONENTS.iter().flat_map(|c| c.images.iter()) {
            assert_eq!(*image, image.to_ascii_lowercase());
            assert!(!image.contains([':', '@']), "{image} has a tag or digest");
            assert!(!seen.contains(image), "{image} names two components");
            seen.push(image);
        }
    }

    #[test]
    fn a_shared_module_stands_for_the_project() {
        assert_eq!(lookup("k8s.io/kubernetes"), Some(&PROJECT));
        assert_eq!(lookup("kubeadm").unwrap().module, PROJECT.module);
        assert_eq!(lookup(KUBERNETES).unwrap().kind, Kind::Project);
    }

    #[test]
    fn every_name_is_unique_and_lower_case() {
        let every = |c: &Component| -> Vec<&'static str> {
            c.spellings()
                .chain(c.input_aliases.iter().copied())
                .collect()
        };
        for (i, c) in COMPONENTS.iter().enumerate() {
            for name in every(c) {
                assert_eq!(name, name.to_ascii_lowercase());
                assert!(
                    COMPONENTS[i + 1..]
                        .iter()
                        .all(|o| !every(o).contains(&name)),
                    "{name} names two components"
                );
            }
        }
        assert_eq!(
            COMPONENTS
                .iter()
                .filter(|c| c.kind == Kind::Project)
                .count(),
            1
        );
    }
}
