//! `cvefeed check` end to end: the binary as a child process against a
//! hand-made published feed, a cluster served by wiremock behind a
//! token-auth kubeconfig, the exit statuses, and every output format read
//! back by a consumer (serde_json, serde-sarif).

use std::path::{Path, PathBuf};
use std::time::Duration;

use cvefeed::check::cluster::{self, ClusterReading};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serde_sarif::sarif::{ResultKind as Kind, ResultLevel as Level, Sarif};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod check_support;
use check_support::{Run, run};

fn item(id: &str, severity: Option<(&str, f64)>, affected: Value, body: &str) -> Value {
    let mut ext = json!({"status": "fixed", "affected": affected});
    if let Some((rating, score)) = severity {
        ext["severity"] = json!(rating);
        ext["cvss_score"] = json!(score);
    }
    json!({
        "id": id,
        "url": format!("https://github.com/kubernetes/kubernetes/issues/{}", &id[9..]),
        "summary": format!("made-up problem {id}"),
        "content_text": body,
        "_kubernetes_io": ext,
    })
}

/// A published directory holding a hand-made index.json.
fn feed_dir() -> tempfile::TempDir {
    feed_dir_of(json!([
        item(
            "CVE-2031-3001",
            Some(("HIGH", 8.1)),
            json!([{"component": "kubelet", "package": "k8s.io/kubelet", "introduced": "1.29.0", "fixed": "1.29.4"}]),
            ""
        ),
        item(
            "CVE-2031-3002",
            Some(("LOW", 3.1)),
            json!([{"component": "kube-apiserver", "package": "k8s.io/apiserver", "fixed": "1.29.2"}]),
            ""
        ),
        item(
            "CVE-2031-3003",
            Some(("CRITICAL", 9.8)),
            json!([{"component": "ingress-nginx", "fixed": "1.11.5"}]),
            ""
        ),
        item("CVE-2031-3004", None, json!([]), ""),
        item(
            "CVE-2031-3005",
            None,
            json!([{"component": "kube-proxy", "package": "k8s.io/kube-proxy", "introduced": "1.28.0", "fixed": "1.28.5"}]),
            ""
        ),
    ]))
}

/// A published directory whose index.json holds `items`.
fn feed_dir_of(items: Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "test",
        "items": items,
    });
    std::fs::write(
        dir.path().join("index.json"),
        serde_json::to_vec_pretty(&feed).unwrap(),
    )
    .unwrap();
    dir
}

fn feed_arg(dir: &Path) -> String {
    dir.display().to_string()
}

/// Run `cvefeed check --feed DIR ARGS`.
async fn run_feed(dir: &Path, args: &[&str]) -> Run {
    let feed = feed_arg(dir);
    run(&[&["--feed", feed.as_str()][..], args].concat()).await
}

/// Run `cvefeed check --feed DIR --kubeconfig KUBECONFIG ARGS`.
async fn run_cluster(dir: &Path, kubeconfig: &Path, args: &[&str]) -> Run {
    let cluster = ["--kubeconfig", kubeconfig.to_str().unwrap()];
    run_feed(dir, &[&cluster[..], args].concat()).await
}

/// The report in `format` of a check of the feed in `dir` for the targets
/// `versions`, which must find something affected.
async fn affected_report<T: DeserializeOwned>(dir: &Path, format: &str, versions: &[&str]) -> T {
    let args = [&["--format", format, "--version"][..], versions].concat();
    run_feed(dir, &args).await.affected_json()
}

/// The JSON report of a check of the cluster of `kubeconfig`, which must
/// find something affected.
async fn cluster_json(feed: &Path, kubeconfig: &Path) -> Value {
    run_cluster(feed, kubeconfig, &["--format", "json"])
        .await
        .affected_json()
}

#[tokio::test]
async fn exit_statuses_follow_the_contract() {
    let dir = feed_dir();
    let case = |version: &'static str, fail_on: Option<&'static str>| {
        let dir = dir.path();
        async move {
            let mut args = vec!["--version", version];
            if let Some(f) = fail_on {
                args.extend(["--fail-on", f]);
            }
            run_feed(dir, &args).await
        }
    };
    // Nothing affected.
    let r = case("1.30.0", None).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // kubelet HIGH affected.
    assert_eq!(case("1.29.3", None).await.code, 1);
    assert_eq!(case("1.29.3", Some("high")).await.code, 1);
    assert_eq!(case("1.29.3", Some("critical")).await.code, 0);
    // LOW and HIGH affected: below a critical threshold.
    assert_eq!(case("1.29.1", Some("critical")).await.code, 0);
    assert_eq!(case("1.29.1", Some("low")).await.code, 1);
    // An unrated affected CVE counts at every threshold.
    assert_eq!(case("kube-proxy=1.28.1", Some("critical")).await.code, 1);
    // Errors: invalid version, missing feed.
    let r = case("1.29", None).await;
    r.assert_refused("\"1.29\" is not a Kubernetes version");
    let r = run(&["--feed", "/nonexistent/cvefeed-dir", "--version", "1.29.3"]).await;
    r.assert_refused("/nonexistent/cvefeed-dir holds no index.json");
}

#[tokio::test]
async fn json_output_has_one_result_per_cve_and_target() {
    let dir = feed_dir();
    let versions = ["v1.29.3-eks-abc", "ingress-nginx=1.11.2"];
    let doc: Value = affected_report(dir.path(), "json", &versions).await;
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0]["upstream"], "1.29.3");
    assert_eq!(targets[0]["vendor_build"], true);
    assert_eq!(targets[1]["components"], json!(["ingress-nginx"]));
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    let find = |id: &str, target: &str| {
        results
            .iter()
            .find(|r| r["id"] == id && r["target"] == target)
            .unwrap_or_else(|| panic!("{id} {target}"))
    };
    let kubelet = find("CVE-2031-3001", "kubernetes");
    assert_eq!(kubelet["verdict"], "affected");
    assert_eq!(kubelet["component"], "kubelet");
    assert_eq!(kubelet["installed"], "v1.29.3-eks-abc");
    assert_eq!(kubelet["fixed_in"], "1.29.4");
    assert_eq!(kubelet["severity"], "HIGH");
    assert_eq!(kubelet["vendor_build"], true);
    assert!(kubelet["reason"].as_str().unwrap().contains("backported"));
    for (id, target, verdict) in [
        ("CVE-2031-3003", "ingress-nginx", "affected"),
        // Checked through the ingress-nginx target, so not unknown for the core.
        ("CVE-2031-3003", "kubernetes", "not_affected"),
        ("CVE-2031-3004", "kubernetes", "unknown"),
        ("CVE-2031-3002", "kubernetes", "not_affected"),
        ("CVE-2031-3002", "ingress-nginx", "not_affected"),
    ] {
        assert_eq!(find(id, target)["verdict"], verdict, "{id} {target}");
    }
    assert_eq!(
        doc["summary"],
        json!({"cves": 5, "affected": 2, "unknown": 1, "not_affected": 2, "ignored": 0})
    );
    // Most severe affected first.
    assert_eq!(results[0]["id"], "CVE-2031-3003");
    assert_eq!(results[1]["id"], "CVE-2031-3001");
}

#[tokio::test]
async fn text_output_is_a_table_with_a_summary() {
    let dir = feed_dir();
    let r = run_feed(dir.path(), &["--version", "1.29.1"]).await;
    assert_eq!(r.code, 1);
    let (first, rest) = r.stdout.split_once('\n').unwrap();
    assert_eq!(first, format!("feed: {} (5 CVEs)", feed_arg(dir.path())));
    assert_eq!(
        rest,
        "\
target: kubernetes 1.29.1: every core component; from --version

kubelet 1.29.1 (target kubernetes)
  CVE            SEVERITY  FIXED IN  STATUS    NOTE
  CVE-2031-3001  HIGH 8.1  1.29.4    affected

kube-apiserver 1.29.1 (target kubernetes)
  CVE            SEVERITY  FIXED IN  STATUS    NOTE
  CVE-2031-3002  LOW 3.1   1.29.2    affected

End of life:
  kubernetes 1.29.1: Kubernetes 1.29 reached its end of life on 2025-02-28 and gets no more fixes;
    upgrade to a supported minor (1.35 or later)

Remediation:
  kubelet 1.29.1: upgrade to 1.29.4 or later (fixes 1 CVE)
  kube-apiserver 1.29.1: upgrade to 1.29.2 or later (fixes 1 CVE)

Could not assess (2 CVEs):
  1 CVE concerns ingress-nginx, which was not found: pass --version ingress-nginx=VERSION or
    --kubeconfig
      CVE-2031-3003
  1 CVE: no affected versions in the feed or in the description
      CVE-2031-3004

2 affected, 1 not affected, 2 unknown, 0 ignored: 5 CVEs checked against 1 target(s)
"
    );
}

#[tokio::test]
async fn sarif_output_reads_back() {
    let dir = feed_dir();
    let log: Sarif = affected_report(dir.path(), "sarif", &["1.29.1"]).await;
    assert_eq!(log.version, json!("2.1.0"));
    let run = &log.runs[0];
    assert_eq!(run.tool.driver.name, "cvefeed");
    let rules = run.tool.driver.rules.as_ref().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        rule_ids,
        [
            "CVE-2031-3001",
            "CVE-2031-3002",
            "CVE-2031-3003",
            "CVE-2031-3004",
            // 1.29 is past its end of life: a finding of its own.
            "kubernetes-end-of-life"
        ]
    );
    assert_eq!(
        rules[0].properties.as_ref().unwrap().additional_properties["security-severity"],
        json!("8.1")
    );
    let results = run.results.as_ref().unwrap();
    let got: Vec<(&str, Option<Kind>, Option<Level>, i64)> = results
        .iter()
        .map(|r| {
            (
                r.rule_id.as_deref().unwrap(),
                r.kind.clone(),
                r.level,
                r.rule_index.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("CVE-2031-3001", Some(Kind::Fail), Some(Level::Error), 0),
            ("CVE-2031-3002", Some(Kind::Fail), Some(Level::Note), 1),
            ("CVE-2031-3003", Some(Kind::Review), Some(Level::None), 2),
            ("CVE-2031-3004", Some(Kind::Review), Some(Level::None), 3),
            (
                "kubernetes-end-of-life",
                Some(Kind::Fail),
                Some(Level::Warning),
                4
            ),
        ]
    );
    let text = results[0].message.text.as_deref().unwrap();
    assert_eq!(
        text,
        "kubelet 1.29.1 is affected by CVE-2031-3001: 1.29.1 is in the affected range >= 1.29.0, < 1.29.4 of kubelet. Fixed in 1.29.4"
    );
}

/// One CVE that affects two components of one target gives two SARIF
/// results: their locations and fingerprints differ by component, so code
/// scanning keeps both.
#[tokio::test]
async fn sarif_results_differ_by_component() {
    let dir = feed_dir_of(json!([item(
        "CVE-2031-3006",
        Some(("HIGH", 8.1)),
        json!([
            {"component": "kube-apiserver", "package": "k8s.io/apiserver", "fixed": "1.29.4"},
            {"component": "kubelet", "package": "k8s.io/kubelet", "fixed": "1.29.4"}
        ]),
        ""
    )]));
    let log: Sarif = affected_report(dir.path(), "sarif", &["1.29.3"]).await;
    let results = log.runs[0].results.as_ref().unwrap();
    let seen: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            let uri = r.locations.as_ref().unwrap()[0]
                .physical_location
                .as_ref()
                .unwrap()
                .artifact_location
                .as_ref()
                .unwrap()
                .uri
                .as_deref()
                .unwrap();
            let fingerprint = r.partial_fingerprints.as_ref().unwrap()["cvefeed/v1"].as_str();
            (uri, fingerprint)
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "kubernetes/kubernetes/kube-apiserver@1.29.3",
                "CVE-2031-3006/kubernetes/kubernetes/kube-apiserver@1.29.3"
            ),
            (
                "kubernetes/kubernetes/kubelet@1.29.3",
                "CVE-2031-3006/kubernetes/kubernetes/kubelet@1.29.3"
            ),
            (
                "kubernetes/kubernetes@1.29.3",
                "kubernetes-end-of-life/kubernetes/kubernetes@1.29.3"
            ),
        ]
    );
}

const VERSION_INFO: &str = r#"{"major":"1","minor":"29","gitVersion":"v1.29.3-eks-abc","gitCommit":"0000","gitTreeState":"clean","buildDate":"2024-01-01T00:00:00Z","goVersion":"go1.22","compiler":"gc","platform":"linux/amd64"}"#;

fn node(name: &str, kubelet: &str, proxy: &str) -> Value {
    json!({
        "metadata": {"name": name},
        "status": {"nodeInfo": {
            "architecture": "amd64", "bootID": "b", "containerRuntimeVersion": "containerd://1.7",
            "kernelVersion": "6.1", "kubeProxyVersion": proxy, "kubeletVersion": kubelet,
            "machineID": "m", "operatingSystem": "linux", "osImage": "test", "systemUUID": "u"
        }}
    })
}

/// A kubeconfig for the cluster at `server`, in a directory of its own that
/// lasts as long as the returned handle.
fn kubeconfig(server: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {server}\n\
             contexts:\n- name: test\n  context:\n    cluster: test\n    user: tester\n\
             - name: other\n  context:\n    cluster: test\n    user: other\n\
             current-context: test\nusers:\n- name: tester\n  user:\n    token: secret-token-1\n\
             - name: other\n  user:\n    token: secret-token-2\n"
        ),
    )
    .unwrap();
    (dir, path)
}

/// What [`cluster::read`] reads from the cluster at `server`.
async fn read_cluster(server: &MockServer) -> ClusterReading {
    let (_dir, kc) = kubeconfig(&server.uri());
    cluster::read(Some(&kc), None).await.unwrap()
}

fn pod(namespace: &str, name: &str, owner: Option<(&str, &str)>, images: &[&str]) -> Value {
    let mut metadata = json!({"name": name, "namespace": namespace});
    if let Some((kind, owner)) = owner {
        metadata["ownerReferences"] = json!([{
            "apiVersion": "apps/v1", "kind": kind, "name": owner, "uid": "u", "controller": true
        }]);
    }
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"name": format!("c{i}"), "image": image}))
        .collect();
    json!({"metadata": metadata, "spec": {"containers": containers}, "status": {"phase": "Running"}})
}

/// The items of [`ingress_feed`]: a made-up ingress-nginx CVE in the shape
/// of the real ones (fixed in 1.11.5 and 1.12.1), an older one, one of the
/// secrets-store CSI driver and one of the kubelet.
fn ingress_items() -> Vec<Value> {
    let ingress = |extra: Value| {
        let mut a = json!({"component": "ingress-nginx", "package": "k8s.io/ingress-nginx"});
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        a
    };
    [
        (
            "CVE-2031-4001",
            ("CRITICAL", 9.8),
            json!([
                ingress(json!({"fixed": "1.11.5"})),
                ingress(json!({"introduced": "1.12.0", "fixed": "1.12.1"}))
            ]),
        ),
        (
            "CVE-2031-4002",
            ("HIGH", 8.8),
            json!([ingress(json!({"fixed": "1.11.2"}))]),
        ),
        (
            "CVE-2031-4003",
            ("MEDIUM", 6.5),
            json!([{"component": "secrets-store-csi-driver", "package": "sigs.k8s.io/secrets-store-csi-driver", "fixed": "1.3.3"}]),
        ),
        (
            "CVE-2031-4004",
            ("HIGH", 8.1),
            json!([{"component": "kubelet", "package": "k8s.io/kubelet", "introduced": "1.29.0", "fixed": "1.29.4"}]),
        ),
    ]
    .into_iter()
    .map(|(id, severity, affected)| item(id, Some(severity), affected, ""))
    .collect()
}

/// A published directory holding [`ingress_items`].
fn ingress_feed() -> tempfile::TempDir {
    feed_dir_of(Value::Array(ingress_items()))
}

async fn cluster_server(nodes_status: u16) -> MockServer {
    cluster_server_with(nodes_status, 200).await
}

fn forbidden(resource: &str, code: u16) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("{resource} is forbidden: User \"tester\" cannot list resource \"{resource}\""),
        "reason": "Forbidden", "code": code
    }))
}

async fn cluster_server_with(nodes_status: u16, pods_status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/version"))
        .and(header("authorization", "Bearer secret-token-1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(VERSION_INFO, "application/json"))
        .mount(&server)
        .await;
    let nodes = if nodes_status == 200 {
        ResponseTemplate::new(200).set_body_json(json!({
            "kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"},
            "items": [
                node("worker-a", "v1.29.3-eks-abc", ""),
                node("worker-b", "v1.29.3-eks-abc", ""),
                node("worker-c", "v1.28.1", "v1.28.1"),
            ]
        }))
    } else {
        forbidden("nodes", nodes_status)
    };
    let pods = if pods_status == 200 {
        ResponseTemplate::new(200).set_body_json(json!({
            "kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "8"},
            "items": [
                pod("ingress-nginx", "ingress-nginx-controller-7d9f8-abcde",
                    Some(("ReplicaSet", "ingress-nginx-controller-7d9f8")),
                    &["registry.k8s.io/ingress-nginx/controller:v1.11.4@sha256:0123456789abcdef"]),
                pod("ingress-nginx", "ingress-nginx-controller-7d9f8-fghij",
                    Some(("ReplicaSet", "ingress-nginx-controller-7d9f8")),
                    &["registry.k8s.io/ingress-nginx/controller:v1.11.4@sha256:0123456789abcdef"]),
                pod("kube-system", "csi-secrets-store-x1", Some(("DaemonSet", "csi-secrets-store")),
                    &["registry.k8s.io/csi-secrets-store/driver@sha256:fedcba9876543210"]),
                pod("kube-system", "kube-apiserver-cp1", Some(("Node", "cp1")),
                    &["registry.k8s.io/kube-apiserver:v1.29.3-eks-abc"]),
                pod("web", "app-1", None, &["docker.io/library/nginx:1.27.0"]),
            ]
        }))
    } else {
        forbidden("pods", pods_status)
    };
    for (route, list) in [("/api/v1/pods", pods), ("/api/v1/nodes", nodes)] {
        Mock::given(method("GET"))
            .and(path(route))
            .and(query_param("limit", "500"))
            .and(header("authorization", "Bearer secret-token-1"))
            .respond_with(list)
            .mount(&server)
            .await;
    }
    server
}

/// A mock that answers GET `route` with `list`, ahead of the lists of
/// [`cluster_server_with`].
fn overriding_list(route: &str, list: Value) -> Mock {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(list))
        .with_priority(1)
}

#[tokio::test]
async fn a_cluster_is_read_through_a_token_kubeconfig() {
    let server = cluster_server(200).await;
    let (_dir, kc) = kubeconfig(&server.uri());
    let reading = cluster::read(Some(&kc), None).await.unwrap();
    let targets: Vec<(&str, &str, &str)> = reading
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.version.raw(), t.origin.as_str()))
        .collect();
    assert_eq!(
        targets,
        vec![
            (
                "control plane",
                "v1.29.3-eks-abc",
                "API server /version (controller manager and scheduler assumed at the same version)"
            ),
            ("kubelet", "v1.28.1", "nodes worker-c"),
            ("kubelet", "v1.29.3-eks-abc", "nodes worker-a, worker-b"),
            ("kube-proxy", "v1.28.1", "nodes worker-c"),
            // Each workload once; the kube-apiserver static Pod is the
            // control plane already.
            (
                "ingress-nginx",
                "v1.11.4",
                "images of ingress-nginx/ingress-nginx-controller"
            ),
            (
                "secrets-store-csi-driver",
                "registry.k8s.io/csi-secrets-store/driver@sha256:fedcba9876543210",
                "images of kube-system/csi-secrets-store"
            ),
        ]
    );
    assert_eq!(
        reading.warnings,
        [
            "2 node(s) report no kube-proxy version (worker-a, worker-b); kube-proxy is not checked there"
        ]
    );
    // Every request carried the token.
    let requests = server.received_requests().await.unwrap();
    assert!(requests.len() >= 2);
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").unwrap(),
            "Bearer secret-token-1"
        );
    }

    // The binary: kubelet 1.29.3 on two nodes and kube-proxy 1.28.1 are affected.
    let feed = feed_dir();
    let doc = cluster_json(feed.path(), &kc).await;
    let affected: Vec<(&str, &str, &str)> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "affected")
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["target"].as_str().unwrap(),
                r["installed"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        affected,
        vec![
            ("CVE-2031-3003", "ingress-nginx", "v1.11.4"),
            ("CVE-2031-3001", "kubelet", "v1.29.3-eks-abc"),
            ("CVE-2031-3005", "kube-proxy", "v1.28.1"),
        ]
    );
    // Another context uses another token, which this server refuses.
    run_cluster(feed.path(), &kc, &["--context", "other"])
        .await
        .assert_refused("cannot read the cluster at");
}

#[tokio::test]
async fn forbidden_nodes_warn_and_the_control_plane_is_still_checked() {
    let server = cluster_server(403).await;
    let (_dir, kc) = kubeconfig(&server.uri());
    let feed = feed_dir();
    let r = run_cluster(feed.path(), &kc, &[]).await;
    r.assert_stdout_contains(
        "target: control plane v1.29.3-eks-abc: kube-apiserver, kube-controller-manager,",
    );
    assert!(!r.stdout.contains("target: kubelet"));
    r.assert_stdout_contains("warning: cannot list nodes (HTTP 403: nodes is forbidden");
    // ingress-nginx 1.11.4 came from the pods: not affected by a CVE fixed
    // in 1.11.5? It is: CVE-2031-3003 is critical and affects it.
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // The kubelet and kube-proxy CVEs were not checked: unknown, never
    // "not affected".
    r.assert_stdout_contains(
        "  1 CVE concerns kubelet, which was not found: pass --version kubelet=VERSION or --kubeconfig\n      CVE-2031-3001\n",
    );
    r.assert_stdout_contains(
        "  1 CVE concerns kube-proxy, which was not found: pass --version kube-proxy=VERSION or --kubeconfig\n      CVE-2031-3005\n",
    );
    assert!(
        r.stdout.ends_with(
            "1 affected, 1 not affected, 3 unknown, 0 ignored: 5 CVEs checked against 3 target(s)\n"
        ),
        "{}",
        r.stdout
    );
}

/// The add-ons that run in the cluster are found from their images and
/// checked; a digest-only image is "unknown" with that reason.
#[tokio::test]
async fn add_ons_are_found_from_workload_images() {
    let server = cluster_server(200).await;
    let (_dir, kc) = kubeconfig(&server.uri());
    let feed = ingress_feed();
    let doc = cluster_json(feed.path(), &kc).await;
    let verdicts: Vec<(String, String, String, String, String)> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] != "not_affected")
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
            (
                s("id"),
                s("verdict"),
                s("component"),
                s("installed"),
                s("unknown_reason"),
            )
        })
        .collect();
    let row = |id: &str, verdict: &str, component: &str, installed: &str, why: &str| {
        (
            id.to_string(),
            verdict.to_string(),
            component.to_string(),
            installed.to_string(),
            why.to_string(),
        )
    };
    assert_eq!(
        verdicts,
        [
            row("CVE-2031-4001", "affected", "ingress-nginx", "v1.11.4", "-"),
            row(
                "CVE-2031-4004",
                "affected",
                "kubelet",
                "v1.29.3-eks-abc",
                "-"
            ),
            // Ranges from 1.29.0 on, with no stated start: 1.28 was not
            // assessed, which is not an all-clear.
            row(
                "CVE-2031-4004",
                "unknown",
                "kubelet",
                "v1.28.1",
                "not_assessed"
            ),
            row(
                "CVE-2031-4003",
                "unknown",
                "secrets-store-csi-driver",
                "registry.k8s.io/csi-secrets-store/driver@sha256:fedcba9876543210",
                "image_digest_only"
            ),
        ]
    );
    assert_eq!(
        doc["remediation"][0],
        json!({"target": "ingress-nginx", "component": "ingress-nginx", "installed": "v1.11.4",
               "upgrade_to": "1.11.5", "fixes": ["CVE-2031-4001"], "unfixed": [], "fix_not_stated": []})
    );
    // Below a critical threshold, the critical add-on CVE still fails the
    // check.
    let flags = ["--fail-on", "critical", "--version", "kubelet=1.30.0"];
    let r = run_cluster(feed.path(), &kc, &flags).await;
    assert_eq!(r.code, 1, "CVE-2031-4001 is critical: {}", r.stdout);
    // --fail-on-unknown counts the digest-only image, not an add-on the
    // cluster does not run (external-resizer).
    let resizer = item(
        "CVE-2031-4005",
        Some(("HIGH", 7.5)),
        json!([{"component": "external-resizer", "package": "github.com/kubernetes-csi/external-resizer", "fixed": "1.9.0"}]),
        "",
    );
    let digest_only = ingress_items()[2].clone();
    for (items, code) in [(vec![digest_only, resizer.clone()], 1), (vec![resizer], 0)] {
        let feed = feed_dir_of(Value::Array(items));
        let r = run_cluster(feed.path(), &kc, &[]).await;
        assert_eq!(r.code, 0, "{}", r.stdout);
        let r = run_cluster(feed.path(), &kc, &["--fail-on-unknown"]).await;
        assert_eq!(r.code, code, "{}", r.stdout);
    }
}

/// A server that never stops paging pods is stopped after 200 pages, with
/// a warning that the list was cut: the pods past it are not checked, and
/// the check says so.
#[tokio::test]
async fn a_list_that_never_ends_is_cut_with_a_warning() {
    let server = cluster_server(200).await;
    // Before the helper's pods: every page names a next one.
    overriding_list("/api/v1/pods", json!({
        "kind": "PodList", "apiVersion": "v1",
        "metadata": {"resourceVersion": "8", "continue": "more"},
        "items": [pod("web", "app-1", None, &["registry.k8s.io/ingress-nginx/controller:v1.11.4"])]
    }))
    .expect(200)
    .mount(&server)
    .await;
    let reading = read_cluster(&server).await;
    assert_eq!(
        reading.warnings,
        [
            "the list of pods in all namespaces was cut after 200 pages of 500 (the API server kept \
             sending continue tokens): 200 were read, any past them were not checked",
            "2 node(s) report no kube-proxy version (worker-a, worker-b); kube-proxy is not checked there",
        ]
    );
    // What was read is still checked.
    assert!(
        reading
            .targets
            .iter()
            .any(|t| t.name == "ingress-nginx" && t.version.raw() == "v1.11.4"),
        "{:?}",
        reading.targets
    );
    server.verify().await;
}

/// kube-proxy found as a DaemonSet image stands for the nodes' deprecated
/// kube-proxy field: no warning that nodes miss it. A kubelet is never an
/// image, so its warning stays.
#[tokio::test]
async fn a_kube_proxy_image_stands_for_the_nodes_field() {
    let server = cluster_server(200).await;
    overriding_list(
        "/api/v1/nodes",
        json!({
            "kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"},
            "items": [node("worker-a", "v1.29.3", ""), node("worker-b", "", "")]
        }),
    )
    .mount(&server)
    .await;
    overriding_list(
        "/api/v1/pods",
        json!({
            "kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "8"},
            "items": [pod("kube-system", "kube-proxy-x1", Some(("DaemonSet", "kube-proxy")),
                          &["registry.k8s.io/kube-proxy:v1.29.3"])]
        }),
    )
    .mount(&server)
    .await;
    let reading = read_cluster(&server).await;
    assert_eq!(
        reading.warnings,
        ["1 node(s) report no kubelet version (worker-b); kubelet is not checked there"]
    );
    assert!(
        reading
            .targets
            .iter()
            .any(|t| t.name == "kube-proxy" && t.origin == "images of kube-system/kube-proxy"),
        "{:?}",
        reading.targets
    );
}

/// Without permission to list pods, the check warns and still gives the
/// core results.
#[tokio::test]
async fn forbidden_pods_warn_and_the_core_is_still_checked() {
    let server = cluster_server_with(200, 403).await;
    let (_dir, kc) = kubeconfig(&server.uri());
    let feed = ingress_feed();
    let r = run_cluster(feed.path(), &kc, &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // Wrapped at 100 columns: read it back as one line.
    let unwrapped = r.stdout.replace("\n  ", " ");
    assert!(
        unwrapped.contains(
            "warning: cannot list pods in all namespaces (HTTP 403: pods is forbidden: User \"tester\" \
             cannot list resource \"pods\"): add-ons were not checked"
        ),
        "{}",
        r.stdout
    );
    r.assert_stdout_contains("kubelet v1.29.3-eks-abc\n  CVE");
    r.assert_stdout_contains("2 CVEs concern ingress-nginx, which was not found: pass --version");
}

/// An API server that stalls is given up on: the deadline bounds the
/// whole read, the lists included, and the error names the server.
#[tokio::test]
async fn a_stalling_cluster_is_given_up_at_the_deadline() {
    let server = cluster_server(200).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/pods"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .with_priority(1)
        .mount(&server)
        .await;
    let (_dir, kc) = kubeconfig(&server.uri());
    let read = cluster::read_within(Some(&kc), None, Duration::from_millis(500));
    let err = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the read outlived its deadline")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the cluster at {}/ did not answer GET /version, list nodes and list pods within \
             500ms; check that it is reachable and not overloaded",
            server.uri()
        )
    );
}

#[tokio::test]
async fn an_unreachable_cluster_is_an_error() {
    let (_dir, kc) = kubeconfig("http://127.0.0.1:9");
    let feed = feed_dir();
    run_cluster(feed.path(), &kc, &[])
        .await
        .assert_refused("cannot read the cluster at http://127.0.0.1:9");
}
