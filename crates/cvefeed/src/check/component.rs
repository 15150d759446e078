//! Component names in `check`: which Kubernetes component an installed
//! version or a feed's affected entry is about.
//!
//! Every name, alias and module comes from the model's one component table
//! ([`components`]): a component of kind [`Kind::Core`] is a
//! [`CoreComponent`], the [`Kind::Project`] entry is Kubernetes as a whole
//! (every core component, which a bare `--version` stands for), anything
//! else (ingress-nginx, CSI drivers, …) is matched by name only. This
//! module adds the check-specific grouping (the control plane) and nothing
//! else. Pure; knows nothing of ranges.

use std::fmt;

use cvefeed_model::advisory::vuln::components::{self, Component, Kind};

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
    /// A component outside core Kubernetes, lower-cased.
    Other(String),
}

fn normalise(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

/// What `name` (a component name, alias or Go module) denotes.
pub fn classify_name(name: &str) -> Named {
    let n = normalise(name);
    match components::lookup_input(&n) {
        Some(c) if c.kind == Kind::Project => Named::Kubernetes,
        Some(c) if c.kind == Kind::Core => {
            CoreComponent::of(c).map_or(Named::Other(n), Named::Core)
        }
        _ => Named::Other(n),
    }
}

/// What a feed's affected entry denotes: its Go module when that is known,
/// else its component name.
pub fn classify_entry(component: &str, package: Option<&str>) -> Named {
    match package.map(classify_name) {
        Some(named @ (Named::Kubernetes | Named::Core(_))) => named,
        _ => classify_name(component),
    }
}

/// Whether a user-given name of a non-core component (`ingress-nginx`)
/// names the feed entry `component` / `package`.
pub fn other_matches(wanted: &str, component: &str, package: Option<&str>) -> bool {
    let wanted = normalise(wanted);
    normalise(component) == wanted
        || package.is_some_and(|p| {
            let p = normalise(p);
            p == wanted || p.rsplit('/').next() == Some(wanted.as_str())
        })
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
        assert_eq!(classify_name("kubeadm"), Named::Other("kubeadm".into()));
        assert_eq!(
            classify_entry("kubeadm", Some("k8s.io/kubernetes")),
            Named::Kubernetes
        );
        assert_eq!(classify_name("CSI-Proxy"), Named::Other("csi-proxy".into()));
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
        assert_eq!(
            classify_entry("ingress-nginx", Some("k8s.io/ingress-nginx")),
            Named::Other("ingress-nginx".into())
        );
        assert!(other_matches(
            "Ingress-Nginx",
            "ingress controller",
            Some("k8s.io/ingress-nginx")
        ));
        assert!(!other_matches(
            "ingress-nginx",
            "secrets-store-csi-driver",
            None
        ));
    }
}
