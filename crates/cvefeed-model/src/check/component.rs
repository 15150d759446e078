//! Component names in `check`: which Kubernetes component an installed
//! version or a feed's affected entry is about.
//!
//! Every name, alias and module comes from the model's one component table
//! ([`components`]): a component of kind [`Kind::Core`] is a
//! [`CoreComponent`], the [`Kind::Project`] entry is Kubernetes as a whole
//! (every core component, which a bare `--version` stands for), a
//! [`Kind::Separate`] entry (ingress-nginx, CSI drivers, …) is matched by
//! its own names only. A name the table does not know is an error for
//! what a user gives ([`resolve`], with the nearest known name as a
//! suggestion), and an unmapped name for what a feed gives. This module
//! adds the check-specific grouping (the control plane) and nothing else.
//! Pure; knows nothing of ranges.

use std::fmt;

use crate::advisory::vuln::components::{self, Component, Kind};

/// A component released as part of Kubernetes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CoreComponent {
    /// `kube-apiserver` (Go module `k8s.io/apiserver`).
    KubeApiserver,
    /// `kube-controller-manager`.
    KubeControllerManager,
    /// `kube-scheduler`.
    KubeScheduler,
    /// `kubelet`.
    Kubelet,
    /// `kube-proxy`.
    KubeProxy,
    /// `kubectl`.
    Kubectl,
}

impl CoreComponent {
    /// Every core component, in the order reports list them.
    pub const ALL: [CoreComponent; 6] = [
        CoreComponent::KubeApiserver,
        CoreComponent::KubeControllerManager,
        CoreComponent::KubeScheduler,
        CoreComponent::Kubelet,
        CoreComponent::KubeProxy,
        CoreComponent::Kubectl,
    ];

    /// The control-plane components a cluster's API server version stands for.
    pub const CONTROL_PLANE: [CoreComponent; 3] = [
        CoreComponent::KubeApiserver,
        CoreComponent::KubeControllerManager,
        CoreComponent::KubeScheduler,
    ];

    /// Its entry in the component table.
    pub fn component(self) -> &'static Component {
        match self {
            CoreComponent::KubeApiserver => &components::KUBE_APISERVER,
            CoreComponent::KubeControllerManager => &components::KUBE_CONTROLLER_MANAGER,
            CoreComponent::KubeScheduler => &components::KUBE_SCHEDULER,
            CoreComponent::Kubelet => &components::KUBELET,
            CoreComponent::KubeProxy => &components::KUBE_PROXY,
            CoreComponent::Kubectl => &components::KUBECTL,
        }
    }

    /// The binary name.
    pub fn name(self) -> &'static str {
        self.component().name
    }

    /// The core component a table entry is, if it is one.
    fn of(component: &Component) -> Option<CoreComponent> {
        CoreComponent::ALL
            .into_iter()
            .find(|c| c.component() == component)
    }
}

impl fmt::Display for CoreComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a name denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// Kubernetes as a whole: every core component.
    Kubernetes,
    /// One core component.
    Core(CoreComponent),
    /// A component of the table released on its own (ingress-nginx, …).
    Separate(&'static Component),
    /// A name the table does not know, lower-cased (only feeds give these:
    /// what a user gives is [`resolve`]d).
    Other(String),
}

impl Named {
    /// What a table entry denotes.
    pub fn of(component: &'static Component) -> Named {
        match component.kind {
            Kind::Project => Named::Kubernetes,
            Kind::Core => {
                CoreComponent::of(component).map_or(Named::Separate(component), Named::Core)
            }
            Kind::Separate => Named::Separate(component),
        }
    }
}

/// A component name given by a user (`--version NAME=…`, an ignore file)
/// that the component table does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown component `{name}`{}; known components: {}",
    suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default(),
    known_names().join(", ")
)]
pub struct UnknownComponent {
    /// The name as given.
    pub name: String,
    /// The nearest known component, when one is close.
    pub suggestion: Option<&'static str>,
}

/// The canonical name of every component in the table, in table order.
pub fn known_names() -> Vec<&'static str> {
    components::COMPONENTS.iter().map(|c| c.name).collect()
}

fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

/// What `name` (a component name, alias or Go module) denotes.
pub fn classify_name(name: &str) -> Named {
    let n = normalise(name);
    components::lookup_input(&n).map_or(Named::Other(n), Named::of)
}

/// What a user-given name denotes; a name the table does not know is an
/// error that suggests the nearest known name (by edit distance over
/// every name and alias, when it is within a third of the name's length).
pub fn resolve(name: &str) -> Result<Named, UnknownComponent> {
    match classify_name(name) {
        Named::Other(n) => {
            let nearest = components::input_names()
                .map(|known| (strsim::levenshtein(&n, known), known))
                .min();
            let suggestion = nearest
                .filter(|(distance, _)| *distance <= (n.chars().count() / 3).max(2))
                .and_then(|(_, known)| components::lookup_input(known))
                .map(|c| c.name);
            Err(UnknownComponent {
                name: name.trim().to_string(),
                suggestion,
            })
        }
        named => Ok(named),
    }
}

/// What a feed's affected entry denotes: its Go module when that is a
/// known component, else its component name; when neither is known, a
/// module ending in `/NAME` of a component released on its own
/// (`github.com/kubernetes/ingress-nginx`) stands for that component.
pub fn classify_entry(component: &str, package: Option<&str>) -> Named {
    if let Some(named) = package.map(classify_name)
        && !matches!(named, Named::Other(_))
    {
        return named;
    }
    match classify_name(component) {
        Named::Other(name) => package
            .and_then(separate_by_module_tail)
            .map_or(Named::Other(name), Named::Separate),
        named => named,
    }
}

/// The component released on its own whose name or spelling a module the
/// table does not know ends with (`…/ingress-nginx`).
fn separate_by_module_tail(package: &str) -> Option<&'static Component> {
    let p = normalise(package);
    components::COMPONENTS
        .iter()
        .filter(|c| c.kind == Kind::Separate)
        .find(|c| c.spellings().any(|s| p.ends_with(&format!("/{s}"))))
}

/// Whether the feed entry `component` / `package` is about `wanted`, a
/// component of the table released on its own ([`classify_entry`]).
pub fn separate_matches(wanted: &Component, component: &str, package: Option<&str>) -> bool {
    matches!(classify_entry(component, package), Named::Separate(c) if c == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_components_are_the_tables_core_entries() {
        let core: Vec<&Component> = components::COMPONENTS
            .iter()
            .filter(|c| c.kind == Kind::Core)
            .collect();
        assert_eq!(core.len(), CoreComponent::ALL.len());
        for c in core {
            let named = CoreComponent::of(c).unwrap_or_else(|| panic!("{} has no variant", c.name));
            assert_eq!(named.component(), c);
        }
    }

    #[test]
    fn check_accepts_input_aliases() {
        for (name, core) in [
            ("scheduler", CoreComponent::KubeScheduler),
            ("api-server", CoreComponent::KubeApiserver),
            ("Kubernetes API Server", CoreComponent::KubeApiserver),
            ("k8s.io/kube-apiserver", CoreComponent::KubeApiserver),
            (
                "k8s.io/controller-manager",
                CoreComponent::KubeControllerManager,
            ),
            ("controller manager", CoreComponent::KubeControllerManager),
        ] {
            assert_eq!(classify_name(name), Named::Core(core), "{name}");
        }
        assert_eq!(classify_name("k8s.io/kubernetes"), Named::Kubernetes);
        assert_eq!(classify_name("k8s"), Named::Kubernetes);
        assert!(matches!(classify_name("kubeadm"), Named::Separate(c) if c.name == "kubeadm"));
        assert_eq!(
            classify_entry("kubeadm", Some("k8s.io/kubernetes")),
            Named::Kubernetes
        );
        assert!(
            matches!(classify_name("CSI-Proxy"), Named::Separate(c) if c.name == "kubernetes-csi-proxy")
        );
        assert_eq!(classify_name("made-up"), Named::Other("made-up".into()));
    }

    #[test]
    fn unknown_names_are_errors_with_the_nearest_suggestion() {
        for (typo, suggestion) in [
            ("kubelett", Some("kubelet")),
            ("Kube-Apiserer", Some("kube-apiserver")),
            ("ingres-nginx", Some("ingress-nginx")),
            ("secret-store-csi-driver", Some("secrets-store-csi-driver")),
            ("postgres", None),
        ] {
            let e = resolve(typo).unwrap_err();
            assert_eq!(e.suggestion, suggestion, "{typo}");
            let message = e.to_string();
            assert!(
                message.starts_with(&format!("unknown component `{}`", typo)),
                "{message}"
            );
            assert!(
                message.contains("known components: kube-apiserver, kubelet"),
                "{message}"
            );
        }
        assert_eq!(
            resolve("kubelett")
                .unwrap_err()
                .to_string()
                .split(';')
                .nth(1),
            Some(" did you mean `kubelet`?")
        );
        assert_eq!(resolve("Kubelet"), Ok(Named::Core(CoreComponent::Kubelet)));
    }

    #[test]
    fn names_and_modules_map_to_components() {
        assert_eq!(
            classify_entry("kube-apiserver", Some("k8s.io/apiserver")),
            Named::Core(CoreComponent::KubeApiserver)
        );
        assert_eq!(
            classify_entry("Kubelet", None),
            Named::Core(CoreComponent::Kubelet)
        );
        assert_eq!(
            classify_entry("kubernetes", Some("k8s.io/kubernetes")),
            Named::Kubernetes
        );
        let ingress = components::lookup("ingress-nginx").unwrap();
        assert_eq!(
            classify_entry("ingress-nginx", Some("k8s.io/ingress-nginx")),
            Named::Separate(ingress)
        );
        assert!(separate_matches(
            ingress,
            "ingress controller",
            Some("k8s.io/ingress-nginx")
        ));
        assert!(separate_matches(ingress, "Ingress NGINX", None));
        assert!(separate_matches(
            ingress,
            "controller",
            Some("github.com/kubernetes/ingress-nginx")
        ));
        // The module decides, not only for core components: the name of an
        // entry whose module is ingress-nginx is ingress-nginx.
        assert_eq!(
            classify_entry("ingress controller", Some("k8s.io/ingress-nginx")),
            Named::Separate(ingress)
        );
        assert_eq!(
            classify_entry("made-up", Some("example.com/made-up")),
            Named::Other("made-up".into())
        );
        assert!(!separate_matches(ingress, "secrets-store-csi-driver", None));
    }
}
