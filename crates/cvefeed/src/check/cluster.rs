//! Reading a running cluster: the API server version from `/version`, and
//! the kubelet and kube-proxy versions from the nodes, through a kubeconfig
//! (every auth method kube-rs supports: tokens, client certificates, exec
//! plugins).
//!
//! The I/O edge is [`read`]; turning the versions into [`Target`]s
//! ([`targets`]) is pure. Nothing in the cluster is changed: only `get
//! /version` and `list nodes` are sent.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use super::component::CoreComponent;
use super::{CheckError, InstalledVersion, Scope, Target};

/// The versions one node reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeVersions {
    /// The node name.
    pub name: String,
    /// `status.nodeInfo.kubeletVersion`.
    pub kubelet: String,
    /// `status.nodeInfo.kubeProxyVersion` (empty on recent clusters, where
    /// the field is deprecated).
    pub kube_proxy: String,
}

/// What was read from a cluster.
#[derive(Debug, Clone)]
pub struct ClusterReading {
    /// The API server URL.
    pub server: String,
    /// The targets to check.
    pub targets: Vec<Target>,
    /// Problems that did not stop the check (e.g. no permission to list nodes).
    pub warnings: Vec<String>,
}

/// Build the targets of a cluster: the control plane at the API server's
/// version, then one kubelet and one kube-proxy target per distinct
/// version, naming their nodes. Empty node versions are skipped.
pub fn targets(
    apiserver: &str,
    nodes: &[NodeVersions],
) -> Result<(Vec<Target>, Vec<String>), CheckError> {
    let mut out = vec![Target {
        name: "control plane".to_string(),
        scope: Scope::Core(CoreComponent::CONTROL_PLANE.to_vec()),
        version: apiserver.parse()?,
        origin:
            "API server /version (controller manager and scheduler assumed at the same version)"
                .to_string(),
    }];
    let mut warnings = Vec::new();
    for (component, pick) in [
        (
            CoreComponent::Kubelet,
            (|n: &NodeVersions| n.kubelet.as_str()) as fn(&NodeVersions) -> &str,
        ),
        (CoreComponent::KubeProxy, |n: &NodeVersions| {
            n.kube_proxy.as_str()
        }),
    ] {
        let mut by_version: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut missing = Vec::new();
        for n in nodes {
            let v = pick(n).trim();
            if v.is_empty() {
                missing.push(n.name.as_str());
            } else {
                by_version.entry(v).or_default().push(&n.name);
            }
        }
        if !missing.is_empty() {
            warnings.push(format!(
                "{} node(s) report no {component} version ({}); {component} is not checked there",
                missing.len(),
                missing.join(", ")
            ));
        }
        for (version, names) in by_version {
            let version: InstalledVersion = version.parse()?;
            out.push(Target {
                name: component.name().to_string(),
                scope: Scope::Core(vec![component]),
                version,
                origin: format!("nodes {}", names.join(", ")),
            });
        }
    }
    Ok((out, warnings))
}

/// Read the cluster named by `kubeconfig` (and `context`, else the current
/// one). A missing permission to list nodes is a warning: the control
/// plane is still checked.
pub async fn read(kubeconfig: &Path, context: Option<&str>) -> Result<ClusterReading, CheckError> {
    let path = kubeconfig.display().to_string();
    let config_err = |source| CheckError::Kubeconfig {
        path: path.clone(),
        source,
    };
    let kc = Kubeconfig::read_from(kubeconfig).map_err(|e| match e {
        // Its message names the path again.
        KubeconfigError::ReadConfig(source, _) => CheckError::KubeconfigRead {
            path: path.clone(),
            source,
        },
        other => config_err(other),
    })?;
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(config_err)?;
    let server = config.cluster_url.to_string();
    let cluster_err = |step| {
        let server = server.clone();
        move |source| CheckError::Cluster {
            server,
            step,
            source,
        }
    };
    let client = Client::try_from(config).map_err(cluster_err("setting up the client"))?;
    let info = client
        .apiserver_version()
        .await
        .map_err(cluster_err("GET /version"))?;
    let mut warnings = Vec::new();
    let nodes = match list_nodes(client).await {
        Ok(nodes) => nodes,
        Err(kube::Error::Api(status)) if status.code == 403 || status.code == 401 => {
            warnings.push(format!(
                "not allowed to list nodes (HTTP {}: {}); kubelet and kube-proxy are not checked, only the control plane",
                status.code, status.message
            ));
            Vec::new()
        }
        Err(e) => return Err(cluster_err("listing nodes")(e)),
    };
    let (targets, more) = targets(&info.git_version, &nodes)?;
    warnings.extend(more);
    Ok(ClusterReading {
        server,
        targets,
        warnings,
    })
}

async fn list_nodes(client: Client) -> Result<Vec<NodeVersions>, kube::Error> {
    let api: Api<Node> = Api::all(client);
    let mut out = Vec::new();
    let mut params = ListParams::default().limit(500);
    loop {
        let page = api.list(&params).await?;
        out.extend(page.items.iter().map(|n| {
            let info = n.status.as_ref().and_then(|s| s.node_info.as_ref());
            NodeVersions {
                name: n.metadata.name.clone().unwrap_or_default(),
                kubelet: info.map(|i| i.kubelet_version.clone()).unwrap_or_default(),
                kube_proxy: info
                    .map(|i| i.kube_proxy_version.clone())
                    .unwrap_or_default(),
            }
        }));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    Ok(out)
}
