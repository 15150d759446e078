#!/usr/bin/env bash
# Install what the tests need beyond Rust: each script in setup.d declares
# its Debian, npm and PyPI packages with need_apt / need_npm / need_pip; they
# are installed here in one go. npm packages go to .tools/npm, Python ones to
# the .tools/venv virtualenv, so nothing global is touched but apt.
set -euo pipefail
cd "$(dirname "$0")/.."
apt_pkgs=() npm_pkgs=() pip_pkgs=()
need_apt() { apt_pkgs+=("$@"); }
need_npm() { npm_pkgs+=("$@"); }
need_pip() { pip_pkgs+=("$@"); }
for s in scripts/setup.d/*.sh; do
  [ -e "$s" ] || continue
  # shellcheck source=/dev/null
  source "$s"
done
# The virtualenv of the PyPI packages: Debian's python3 makes one only with
# python3-venv (ensurepip).
[ "${#pip_pkgs[@]}" -eq 0 ] || need_apt python3-venv

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${#npm_pkgs[@]}" -gt 0 ]; then
  mkdir -p .tools/npm
  need=0
  for p in "${npm_pkgs[@]}"; do
    name=${p%@*}; [ -n "$name" ] || name=$p
    [ -d ".tools/npm/node_modules/$name" ] || need=1
  done
  if [ "$need" -eq 1 ]; then
    echo "setup: npm install ${npm_pkgs[*]}"
    npm install --silent --no-audit --no-fund --prefix .tools/npm "${npm_pkgs[@]}" >/dev/null
  fi
fi

if [ "${#pip_pkgs[@]}" -gt 0 ]; then
  [ -x .tools/venv/bin/python ] || python3 -m venv .tools/venv
  # `pip show a b` succeeds when only one of them is installed: ask one by one.
  pip_missing=0
  for p in "${pip_pkgs[@]%%[<>=\[]*}"; do
    .tools/venv/bin/python -m pip show -q "$p" >/dev/null 2>&1 || pip_missing=1
  done
  if [ "$pip_missing" -eq 1 ]; then
    echo "setup: pip install ${pip_pkgs[*]}"
    .tools/venv/bin/python -m pip install -q --disable-pip-version-check "${pip_pkgs[@]}"
  fi
fi
