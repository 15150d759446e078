"""A cluster API on loopback for `cvefeed check --kubeconfig`: /version,
the node list and the pod list (with an ingress-nginx controller image
v1.11.4 and a digest-only Secrets Store CSI driver). Serves until killed;
prints its port on stdout. Optional argument: "forbid-pods" answers 403 to
the pod list."""
import http.server
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from jsonhttp import JsonHandler  # noqa: E402

FORBID_PODS = "forbid-pods" in sys.argv[1:]


def node(name, kubelet, proxy):
    return {"metadata": {"name": name},
            "status": {"nodeInfo": {"kubeletVersion": kubelet, "kubeProxyVersion": proxy,
                                    "architecture": "amd64", "bootID": "b",
                                    "containerRuntimeVersion": "containerd://1.7",
                                    "kernelVersion": "6.1", "machineID": "m",
                                    "operatingSystem": "linux", "osImage": "test",
                                    "systemUUID": "u"}}}


def pod(ns, name, owner, image):
    meta = {"name": name, "namespace": ns}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1],
                                    "uid": "u", "controller": True}]
    return {"metadata": meta, "spec": {"containers": [{"name": "c", "image": image}]},
            "status": {"phase": "Running"}}


ROUTES = {
    "/version": {"major": "1", "minor": "30", "gitVersion": "v1.30.0", "gitCommit": "0",
                 "gitTreeState": "clean", "buildDate": "2024-04-17T00:00:00Z",
                 "goVersion": "go1.22", "compiler": "gc", "platform": "linux/amd64"},
    "/api/v1/nodes": {"kind": "NodeList", "apiVersion": "v1", "metadata": {},
                      "items": [node("worker-a", "v1.30.0", ""), node("worker-b", "v1.30.0", "")]},
    "/api/v1/pods": {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [
        pod("ingress-nginx", "ingress-nginx-controller-5c8d66c76d-x1",
            ("ReplicaSet", "ingress-nginx-controller-5c8d66c76d"),
            "registry.k8s.io/ingress-nginx/controller:v1.11.4@sha256:0123456789abcdef"),
        pod("ingress-nginx", "ingress-nginx-controller-5c8d66c76d-x2",
            ("ReplicaSet", "ingress-nginx-controller-5c8d66c76d"),
            "registry.k8s.io/ingress-nginx/controller:v1.11.4@sha256:0123456789abcdef"),
        pod("kube-system", "csi-secrets-store-abcde", ("DaemonSet", "csi-secrets-store"),
            "registry.k8s.io/csi-secrets-store/driver@sha256:fedcba9876543210"),
        pod("kube-system", "kube-proxy-abcde", ("DaemonSet", "kube-proxy"),
            "registry.k8s.io/kube-proxy:v1.30.0"),
        pod("web", "shop-0", ("StatefulSet", "shop"), "docker.io/library/nginx:1.27.0"),
    ]},
}


class Handler(JsonHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        body, code = ROUTES.get(path), 200
        if path == "/api/v1/pods" and FORBID_PODS:
            body, code = {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                          "message": 'pods is forbidden: User "check" cannot list resource "pods"',
                          "reason": "Forbidden", "code": 403}, 403
        if body is None:
            body, code = {"kind": "Status", "code": 404}, 404
        self.send_json(code, body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
