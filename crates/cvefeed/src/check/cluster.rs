//! Reading a running cluster: the API server version from `/version`, the
//! kubelet and kube-proxy versions from the nodes, and the container images
//! of the running Pods in every namespace, through a kubeconfig (every auth
//! method kube-rs supports: tokens, client certificates, exec plugins) or,
//! with none given, kube-rs's default inference (`$KUBECONFIG`, then
//! `~/.kube/config`, then the in-cluster service account).
//!
//! The I/O edge is [`read`]; turning what was read into [`Target`]s
//! ([`targets`], [`image_targets`]) is pure. Images map to components
//! through the model's one component table
//! ([`components::by_image`]). Nothing in the cluster is changed: only
//! `get /version`, `list nodes` and `list pods` are sent, all of them
//! within [`DEADLINE`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError as KubeconfigFileError};
use kube::{Client, Config};

use super::component::{CoreComponent, Named};
use super::{
    CheckError, Installed, InstalledVersion, InvalidVersion, Scope, Target, UnknownReason,
};
use cvefeed_model::advisory::vuln::components::{self, Component};

/// At most this many pages of [`PAGE_SIZE`] are listed (of nodes, of
/// pods): 100,000 objects, beyond any real cluster; a server that keeps
/// sending continue tokens is stopped there, with a warning.
const MAX_PAGES: usize = 200;

/// Objects asked for per page.
const PAGE_SIZE: u32 = 500;

/// The longest a cluster is read, every request and page included: kube-rs
/// bounds each read of a connection only, so an API server that stalls
/// between pages, or trickles its answers, would hold the check forever.
/// The 200 pages read at most of a real cluster take a few minutes.
pub const DEADLINE: Duration = Duration::from_secs(10 * 60);

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

/// The nodes that report no version of a component: it is not checked
/// there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVersion {
    /// The component (kubelet or kube-proxy).
    pub component: CoreComponent,
    /// The nodes, in the order listed.
    pub nodes: Vec<String>,
}

impl MissingVersion {
    /// The warning a report gives.
    pub fn warning(&self) -> String {
        let component = self.component;
        format!(
            "{} node(s) report no {component} version ({}); {component} is not checked there",
            self.nodes.len(),
            self.nodes.join(", ")
        )
    }
}

/// Why the kubeconfig cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    /// The kubeconfig cannot be read.
    #[error("cannot read the kubeconfig {path}")]
    Read {
        /// Its path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No kubeconfig was given and none could be inferred.
    #[error(
        "no cluster to read: $KUBECONFIG and ~/.kube/config are absent and this is not a pod \
         with a service account; pass --kubeconfig PATH or --version VERSION"
    )]
    NotFound(#[source] kube::config::InferConfigError),
    /// The kubeconfig cannot be used.
    #[error("cannot use the kubeconfig {path}")]
    Unusable {
        /// Its path.
        path: String,
        /// The cause.
        source: KubeconfigFileError,
    },
}

/// Why the cluster cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A version the cluster reports cannot be compared.
    #[error(transparent)]
    Version(#[from] InvalidVersion),
    /// The cluster did not answer in time ([`DEADLINE`]).
    #[error(
        "the cluster at {server} did not answer GET /version, list nodes and list pods within {}; \
         check that it is reachable and not overloaded",
        humantime::format_duration(*after)
    )]
    Timeout {
        /// The API server URL.
        server: String,
        /// How long it was given.
        after: Duration,
    },
    /// The cluster could not be read.
    #[error(
        "cannot read the cluster at {server} ({step}; check that it is reachable and that the credentials are valid)"
    )]
    Read {
        /// The API server URL.
        server: String,
        /// What was being done.
        step: &'static str,
        /// The cause.
        source: kube::Error,
    },
}

/// Build the targets of a cluster: the control plane at the API server's
/// version, then one kubelet and one kube-proxy target per distinct
/// version, naming their nodes. Empty node versions are skipped, and
/// returned as the nodes that miss them.
pub fn targets(
    apiserver: &str,
    nodes: &[NodeVersions],
) -> Result<(Vec<Target>, Vec<MissingVersion>), ClusterError> {
    let mut out = vec![Target {
        name: "control plane".to_string(),
        scope: Scope::Core(CoreComponent::CONTROL_PLANE.to_vec()),
        version: Installed::Version(apiserver.parse()?),
        origin:
            "API server /version (controller manager and scheduler assumed at the same version)"
                .to_string(),
    }];
    let mut missing_versions = Vec::new();
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
            missing_versions.push(MissingVersion {
                component,
                nodes: missing.into_iter().map(str::to_string).collect(),
            });
        }
        for (version, names) in by_version {
            let version: InstalledVersion = version.parse()?;
            out.push(Target {
                name: component.name().to_string(),
                scope: Scope::Core(vec![component]),
                version: Installed::Version(version),
                origin: format!("nodes {}", names.join(", ")),
            });
        }
    }
    Ok((out, missing_versions))
}

/// One container image of a running Pod, and the workload it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodImage {
    /// `namespace/name` of the workload (the Pod's controller, a
    /// ReplicaSet read as its Deployment), else of the Pod.
    pub workload: String,
    /// The image reference as the Pod spec gives it.
    pub image: String,
}

/// An image reference taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The repository with its registry, lower-cased
    /// (`registry.k8s.io/ingress-nginx/controller`; Docker Hub names get
    /// `docker.io/` and `library/`).
    pub repository: String,
    /// The tag, if any.
    pub tag: Option<String>,
    /// The digest, if any.
    pub digest: Option<String>,
}

/// Take an image reference apart: `REPOSITORY[:TAG][@DIGEST]`.
pub fn parse_image(reference: &str) -> ImageRef {
    let reference = reference.trim();
    let (name, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string())),
        None => (reference, None),
    };
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(name[slash + i + 1..].to_string())),
        None => (name, None),
    };
    let repository = repository.to_ascii_lowercase();
    let repository = match repository.split_once('/') {
        None => format!("docker.io/library/{repository}"),
        Some((host, _)) if !host.contains(['.', ':']) && host != "localhost" => {
            format!("docker.io/{repository}")
        }
        Some(_) => repository,
    };
    ImageRef {
        repository,
        tag: tag.filter(|t| !t.is_empty()),
        digest,
    }
}

/// The targets of the images that are components of the table: one per
/// component and version, naming its workloads (each once). A digest-only
/// image or a tag that is not a version gives a target whose version is
/// unreadable, so that its CVEs are "unknown" with that reason, never
/// skipped.
pub fn image_targets(images: &[PodImage]) -> Vec<Target> {
    let mut groups: BTreeMap<(&'static str, String), (&'static Component, Installed, Vec<&str>)> =
        BTreeMap::new();
    let mut seen: BTreeSet<((&str, String), &str)> = BTreeSet::new();
    for p in images {
        let image = parse_image(&p.image);
        let Some(component) = components::by_image(&image.repository) else {
            continue;
        };
        let installed = match (&image.tag, &image.digest) {
            (Some(tag), _) => match tag.parse::<InstalledVersion>() {
                Ok(v) => Installed::Version(v),
                Err(_) => Installed::Unreadable {
                    raw: format!("{}:{tag}", image.repository),
                    why: UnknownReason::ImageTagNotVersion,
                },
            },
            (None, _) => Installed::Unreadable {
                raw: match &image.digest {
                    Some(d) => format!("{}@{d}", image.repository),
                    None => image.repository.clone(),
                },
                why: UnknownReason::ImageDigestOnly,
            },
        };
        let key = (component.name, installed.raw().to_string());
        let new = seen.insert((key.clone(), p.workload.as_str()));
        let entry = groups
            .entry(key)
            .or_insert_with(|| (component, installed, Vec::new()));
        if new {
            entry.2.push(&p.workload);
        }
    }
    groups
        .into_values()
        .filter_map(|(component, installed, workloads)| {
            let scope = Scope::of(Named::of(component))?;
            let shown: Vec<&str> = workloads.iter().take(3).copied().collect();
            let more = workloads.len().saturating_sub(shown.len());
            let mut origin = format!("images of {}", shown.join(", "));
            if more > 0 {
                origin.push_str(&format!(" and {more} more workload(s)"));
            }
            Some(Target {
                name: component.name.to_string(),
                scope,
                version: installed,
                origin,
            })
        })
        .collect()
}

/// Add the image targets to `targets`, except those a target already
/// checks at the same version (a kube-apiserver static Pod at the API
/// server's version).
pub fn merge_targets(targets: &mut Vec<Target>, images: Vec<Target>) {
    for t in images {
        let known = targets.iter().any(|k| {
            k.scope.covers(&t.scope)
                && match (k.version.version(), t.version.version()) {
                    (Some(a), Some(b)) => {
                        a.upstream() == b.upstream() && a.vendor_suffix() == b.vendor_suffix()
                    }
                    _ => false,
                }
        });
        if !known {
            targets.push(t);
        }
    }
}

/// The client configuration: the kubeconfig given (and `context`), else
/// `$KUBECONFIG` or `~/.kube/config` (with `context`), else, with no
/// context either, the in-cluster service account.
async fn config(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Config, KubeconfigError> {
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    let Some(kubeconfig) = kubeconfig else {
        return match context {
            Some(_) => Config::from_kubeconfig(&options).await.map_err(|source| {
                KubeconfigError::Unusable {
                    path: "$KUBECONFIG or ~/.kube/config".to_string(),
                    source,
                }
            }),
            None => Config::infer().await.map_err(KubeconfigError::NotFound),
        };
    };
    let path = kubeconfig.display().to_string();
    let config_err = |source| KubeconfigError::Unusable {
        path: path.clone(),
        source,
    };
    let kc = Kubeconfig::read_from(kubeconfig).map_err(|e| match e {
        // Its message names the path again.
        KubeconfigFileError::ReadConfig(source, _) => KubeconfigError::Read {
            path: path.clone(),
            source,
        },
        other => config_err(other),
    })?;
    Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(config_err)
}

/// What was listed; a list refused for want of permission is a warning
/// that names `what` and what was therefore `unchecked`, and nothing; a
/// list cut at [`MAX_PAGES`] is a warning that says so.
fn allowed<T>(
    listed: Result<Listed<T>, kube::Error>,
    what: &str,
    unchecked: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<T>, kube::Error> {
    match listed {
        Ok(Listed {
            items,
            cut: Some(read),
        }) => {
            warnings.push(format!(
                "the list of {what} was cut after {MAX_PAGES} pages of {PAGE_SIZE} (the API server \
                 kept sending continue tokens): {read} were read, any past them were not checked"
            ));
            Ok(items)
        }
        Ok(Listed { items, cut: None }) => Ok(items),
        Err(e) => match forbidden(&e) {
            Some(status) => {
                warnings.push(format!("cannot list {what} ({status}): {unchecked}"));
                Ok(Vec::new())
            }
            None => Err(e),
        },
    }
}

/// Whether a list failed for want of permission.
fn forbidden(e: &kube::Error) -> Option<String> {
    match e {
        kube::Error::Api(status) if status.code == 403 || status.code == 401 => {
            Some(format!("HTTP {}: {}", status.code, status.message))
        }
        _ => None,
    }
}

/// Read the cluster of `kubeconfig` (and `context`, else the current one;
/// with no kubeconfig, the inferred one) within [`DEADLINE`]. A missing
/// permission to list nodes or pods is a warning that names it: the check
/// goes on with what could be read.
pub async fn read(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<ClusterReading, CheckError> {
    read_within(kubeconfig, context, DEADLINE).await
}

/// [`read`], given up (an error) when the cluster has not answered every
/// request after `deadline`.
pub async fn read_within(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    deadline: Duration,
) -> Result<ClusterReading, CheckError> {
    let config = config(kubeconfig, context).await?;
    let server = config.cluster_url.to_string();
    tokio::time::timeout(deadline, read_config(config, server.clone()))
        .await
        .unwrap_or(Err(ClusterError::Timeout {
            server,
            after: deadline,
        }))
        .map_err(CheckError::from)
}

/// What the cluster of `config`, at `server`, gives.
async fn read_config(config: Config, server: String) -> Result<ClusterReading, ClusterError> {
    let cluster_err = |step| {
        let server = server.clone();
        move |source| ClusterError::Read {
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
    let nodes = allowed(
        list_all(client.clone(), node_versions).await,
        "nodes",
        "kubelet and kube-proxy were not checked, only the control plane",
        &mut warnings,
    )
    .map_err(cluster_err("listing nodes"))?;
    let images = allowed(
        list_all(client, pod_images).await,
        "pods in all namespaces",
        "add-ons were not checked",
        &mut warnings,
    )
    .map_err(cluster_err("listing pods"))?;
    let (mut targets, missing) = targets(&info.git_version, &nodes)?;
    let images = image_targets(&images);
    // kube-proxy usually runs as a DaemonSet: when its image was found,
    // the nodes' deprecated kube-proxy field is not missed.
    let found_as_image = |c: CoreComponent| images.iter().any(|t| t.scope == Scope::Core(vec![c]));
    warnings.extend(
        missing
            .iter()
            .filter(|m| !(m.component == CoreComponent::KubeProxy && found_as_image(m.component)))
            .map(MissingVersion::warning),
    );
    merge_targets(&mut targets, images);
    Ok(ClusterReading {
        server,
        targets,
        warnings,
    })
}

/// What [`list_all`] read.
struct Listed<T> {
    /// What the objects read gave.
    items: Vec<T>,
    /// When the list stopped at [`MAX_PAGES`] with a continue token
    /// pending: how many objects were read (those past them were not).
    cut: Option<usize>,
}

/// Every object of kind `K` in the cluster (every namespace), page by
/// page (at most [`MAX_PAGES`]), each turned into `T`s by `each`.
async fn list_all<K, T>(client: Client, each: fn(&K) -> Vec<T>) -> Result<Listed<T>, kube::Error>
where
    K: kube::Resource<DynamicType = ()> + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let api: Api<K> = Api::all(client);
    let mut items = Vec::new();
    let mut read = 0;
    let mut params = ListParams::default().limit(PAGE_SIZE);
    for _ in 0..MAX_PAGES {
        let page = api.list(&params).await?;
        read += page.items.len();
        items.extend(page.items.iter().flat_map(each));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(Listed { items, cut: None }),
        }
    }
    Ok(Listed {
        items,
        cut: Some(read),
    })
}

fn node_versions(n: &Node) -> Vec<NodeVersions> {
    let info = n.status.as_ref().and_then(|s| s.node_info.as_ref());
    vec![NodeVersions {
        name: n.metadata.name.clone().unwrap_or_default(),
        kubelet: info.map(|i| i.kubelet_version.clone()).unwrap_or_default(),
        kube_proxy: info
            .map(|i| i.kube_proxy_version.clone())
            .unwrap_or_default(),
    }]
}

/// The workload a Pod belongs to: its controller (a ReplicaSet read as
/// the Deployment it was made for), else the Pod itself.
fn workload(pod: &Pod) -> String {
    let meta = &pod.metadata;
    let namespace = meta.namespace.as_deref().unwrap_or("default");
    let owner = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    let name = match owner {
        Some(o) if o.kind == "ReplicaSet" => o
            .name
            .rsplit_once('-')
            .map_or(o.name.as_str(), |(deployment, _)| deployment),
        Some(o) => o.name.as_str(),
        None => meta.name.as_deref().unwrap_or("?"),
    };
    format!("{namespace}/{name}")
}

/// The images of a Pod that has not finished, with its workload.
fn pod_images(pod: &Pod) -> Vec<PodImage> {
    let finished = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .is_some_and(|p| p == "Succeeded" || p == "Failed");
    if finished {
        return Vec::new();
    }
    let workload = workload(pod);
    pod.spec
        .iter()
        .flat_map(|s| {
            s.containers
                .iter()
                .chain(s.init_containers.iter().flatten())
        })
        .filter_map(|c| c.image.clone())
        .map(|image| PodImage {
            workload: workload.clone(),
            image,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_without_a_version_are_data() {
        let node = |name: &str, kubelet: &str, kube_proxy: &str| NodeVersions {
            name: name.into(),
            kubelet: kubelet.into(),
            kube_proxy: kube_proxy.into(),
        };
        let (targets, missing) = targets(
            "v1.29.3",
            &[
                node("a", "v1.29.3", ""),
                node("b", " ", ""),
                node("c", "v1.29.3", "v1.29.3"),
            ],
        )
        .unwrap();
        let names: Vec<(&str, &str)> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.origin.as_str()))
            .skip(1)
            .collect();
        assert_eq!(
            names,
            [("kubelet", "nodes a, c"), ("kube-proxy", "nodes c")]
        );
        assert_eq!(
            missing,
            [
                MissingVersion {
                    component: CoreComponent::Kubelet,
                    nodes: vec!["b".into()],
                },
                MissingVersion {
                    component: CoreComponent::KubeProxy,
                    nodes: vec!["a".into(), "b".into()],
                },
            ]
        );
        assert_eq!(
            missing[1].warning(),
            "2 node(s) report no kube-proxy version (a, b); kube-proxy is not checked there"
        );
    }

    #[test]
    fn image_references_come_apart() {
        for (reference, repository, tag, digest) in [
            (
                "registry.k8s.io/ingress-nginx/controller:v1.11.4@sha256:abc",
                "registry.k8s.io/ingress-nginx/controller",
                Some("v1.11.4"),
                Some("sha256:abc"),
            ),
            ("nginx", "docker.io/library/nginx", None, None),
            (
                "bitnami/redis:7.2",
                "docker.io/bitnami/redis",
                Some("7.2"),
                None,
            ),
            (
                "localhost:5000/x/y:1.0.0",
                "localhost:5000/x/y",
                Some("1.0.0"),
                None,
            ),
            (
                "registry.k8s.io/kube-proxy@sha256:def",
                "registry.k8s.io/kube-proxy",
                None,
                Some("sha256:def"),
            ),
        ] {
            let r = parse_image(reference);
            assert_eq!(r.repository, repository, "{reference}");
            assert_eq!(r.tag.as_deref(), tag, "{reference}");
            assert_eq!(r.digest.as_deref(), digest, "{reference}");
        }
    }

    #[test]
    fn images_become_targets_once_per_workload_and_version() {
        let pod = |workload: &str, image: &str| PodImage {
            workload: workload.into(),
            image: image.into(),
        };
        let targets = image_targets(&[
            pod(
                "ingress/ctl",
                "registry.k8s.io/ingress-nginx/controller:v1.11.4@sha256:1",
            ),
            pod(
                "ingress/ctl",
                "registry.k8s.io/ingress-nginx/controller:v1.11.4@sha256:1",
            ),
            pod(
                "other/ctl",
                "registry.k8s.io/ingress-nginx/controller:v1.11.4",
            ),
            pod(
                "kube-system/csi",
                "registry.k8s.io/csi-secrets-store/driver@sha256:2",
            ),
            pod(
                "kube-system/snap",
                "registry.k8s.io/sig-storage/snapshot-controller:latest",
            ),
            pod("web/app", "docker.io/library/nginx:1.27.0"),
        ]);
        let shown: Vec<(String, String, String)> = targets
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.version.raw().to_string(),
                    t.origin.clone(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "external-snapshotter".into(),
                    "registry.k8s.io/sig-storage/snapshot-controller:latest".into(),
                    "images of kube-system/snap".into()
                ),
                (
                    "ingress-nginx".into(),
                    "v1.11.4".into(),
                    "images of ingress/ctl, other/ctl".into()
                ),
                (
                    "secrets-store-csi-driver".into(),
                    "registry.k8s.io/csi-secrets-store/driver@sha256:2".into(),
                    "images of kube-system/csi".into()
                ),
            ]
        );
        assert!(matches!(
            targets[0].version,
            Installed::Unreadable {
                why: UnknownReason::ImageTagNotVersion,
                ..
            }
        ));
        assert!(matches!(
            targets[2].version,
            Installed::Unreadable {
                why: UnknownReason::ImageDigestOnly,
                ..
            }
        ));
    }
}
