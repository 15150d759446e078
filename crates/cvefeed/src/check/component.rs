//! Component names: which Kubernetes component an installed version or a
//! feed's affected entry is about.
//!
//! Core components are the ones released with Kubernetes itself; a bare
//! `--version` stands for all of them. Anything else (ingress-nginx, CSI
//! drivers, …) is matched by name only. Pure; knows nothing of ranges.

use std::fmt;

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

    /// The binary name.
    pub fn name(self) -> &'static str {
        match self {
            CoreComponent::KubeApiserver => "kube-apiserver",
            CoreComponent::KubeControllerManager => "kube-controller-manager",
            CoreComponent::KubeScheduler => "kube-scheduler",
            CoreComponent::Kubelet => "kubelet",
            CoreComponent::KubeProxy => "kube-proxy",
            CoreComponent::Kubectl => "kubectl",
        }
    }

    /// Names and Go modules that denote this component.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            CoreComponent::KubeApiserver => &[
                "kube-apiserver",
                "apiserver",
                "api server",
                "api-server",
                "kubernetes api server",
                "k8s.io/apiserver",
                "k8s.io/kube-apiserver",
            ],
            CoreComponent::KubeControllerManager => &[
                "kube-controller-manager",
                "controller-manager",
                "controller manager",
                "k8s.io/kube-controller-manager",
                "k8s.io/controller-manager",
            ],
            CoreComponent::KubeScheduler => {
                &["kube-scheduler", "scheduler", "k8s.io/kube-scheduler"]
            }
            CoreComponent::Kubelet => &["kubelet", "k8s.io/kubelet"],
            CoreComponent::KubeProxy => &["kube-proxy", "k8s.io/kube-proxy"],
            CoreComponent::Kubectl => &["kubectl", "k8s.io/kubectl"],
        }
    }
}

impl fmt::Display for CoreComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Names that denote Kubernetes as a whole (every core component).
const WHOLE: &[&str] = &["kubernetes", "k8s.io/kubernetes"];

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

/// What `name` (a component name or a Go module) denotes.
pub fn classify_name(name: &str) -> Named {
    let n = normalise(name);
    if WHOLE.contains(&n.as_str()) {
        return Named::Kubernetes;
    }
    CoreComponent::ALL
        .into_iter()
        .find(|c| c.aliases().contains(&n.as_str()))
        .map_or(Named::Other(n), Named::Core)
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
