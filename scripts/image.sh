#!/usr/bin/env bash
# Build the cvefeed container image from the Containerfile, with no base image
# and no registry:
#   1. cargo build --release --locked -p cvefeed (skip with --no-build);
#   2. stage the root file system in target/image-root/:
#        runtime/  the dynamic loader and every library `ldd` lists for the
#                  binary (under the paths ldd names), the CA bundle
#                  /etc/ssl/certs/ca-certificates.crt (Debian ca-certificates),
#                  /etc/passwd and /etc/group with user and group 65532
#                  ("nonroot", as distroless names it), an empty /tmp (1777);
#        app/      /cvefeed;
#   3. buildah bud --isolation chroot (skip with --stage-only, then run
#      `docker build -f Containerfile .` or `podman build -f Containerfile .`).
#
# Environment:
#   IMAGE        the tag (default localhost/cvefeed:VERSION)
#   VERSION      image version label (default: the workspace version)
#   REVISION     image revision label (default: git HEAD, "-dirty" when the
#                work tree has changes)
#   BUILDAH_ROOT, BUILDAH_RUNROOT
#                a private containers-storage (default: buildah's own);
#                the driver is vfs (STORAGE_DRIVER), which needs neither
#                overlay mounts nor fuse, so it works in unprivileged
#                sandboxes and CI containers.
# Prints the image reference on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build=1 bud=1
for a in "$@"; do
  case $a in
    --no-build) build=0 ;;
    --stage-only) bud=0 ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "image.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done

version=${VERSION:-$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)}
revision=${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
if [ -z "${REVISION:-}" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  revision="$revision-dirty"
fi
image=${IMAGE:-localhost/cvefeed:$version}
target_dir=${CARGO_TARGET_DIR:-$root/target}
bin=$target_dir/release/cvefeed

if [ "$build" -eq 1 ]; then
  echo "image.sh: cargo build --release --locked -p cvefeed" >&2
  cargo build --release --locked -p cvefeed >&2
fi
[ -x "$bin" ] || { echo "image.sh: no $bin (build it, or drop --no-build)" >&2; exit 1; }

stage=$root/target/image-root
rm -rf "$stage"
mkdir -p "$stage/runtime" "$stage/app"

# The binary, without its symbol table (backtraces keep their line tables).
install -m 0755 "$bin" "$stage/app/cvefeed"
strip --strip-unneeded "$stage/app/cvefeed" 2>/dev/null || true

# Every shared object the binary loads, under the path the loader looks for,
# plus the loader itself (ldd prints it as an absolute path with no "=>").
libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
[ -n "$libs" ] || { echo "image.sh: ldd listed no libraries for $bin" >&2; exit 1; }
if ldd "$bin" | grep -q 'not found'; then
  echo "image.sh: a library of $bin is missing on this machine:" >&2; ldd "$bin" >&2; exit 1
fi
for lib in $libs; do
  mkdir -p "$stage/runtime$(dirname "$lib")"
  # cp -L: the file the link points at, under the name the loader asks for.
  cp -L "$lib" "$stage/runtime$lib"
  chmod 0755 "$stage/runtime$lib"
done
# Debian's merged /usr: /lib64 and /lib are links to usr/ on the build host;
# the loader path recorded in the binary (PT_INTERP) is what must exist.
interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] && [ -e "$stage/runtime$interp" ] || {
  echo "image.sh: the program interpreter '$interp' was not staged" >&2; exit 1
}

# CA certificates: TLS to GitHub, buckets and the cluster API needs them.
ca=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca" ] || { echo "image.sh: no $ca (apt-get install ca-certificates)" >&2; exit 1; }
mkdir -p "$stage/runtime/etc/ssl/certs"
install -m 0644 "$ca" "$stage/runtime$ca"

# The non-root user, numeric so that runAsNonRoot can verify it.
cat >"$stage/runtime/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin
PASSWD
cat >"$stage/runtime/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
GROUP
chmod 0644 "$stage/runtime/etc/passwd" "$stage/runtime/etc/group"
# /tmp, writable by all (sticky): the Containerfile points XDG_CACHE_HOME
# there, where `cvefeed check` caches feeds. COPY makes every file root's, so
# the user gets no home directory of its own.
mkdir -p "$stage/runtime/tmp"
chmod 1777 "$stage/runtime/tmp"

# Reproducible layers: every file dated at the commit's time.
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
find "$stage" -exec touch -h -d "@$epoch" {} +
echo "image.sh: staged $(find "$stage" -type f | wc -l) files, $(du -sh "$stage" | cut -f1), in $stage" >&2

if [ "$bud" -eq 0 ]; then
  echo "$stage"
  exit 0
fi

command -v buildah >/dev/null || { echo "image.sh: buildah not found (bash scripts/setup.sh installs it)" >&2; exit 1; }
storage=(--storage-driver "${STORAGE_DRIVER:-vfs}")
[ -n "${BUILDAH_ROOT:-}" ] && storage+=(--root "$BUILDAH_ROOT")
[ -n "${BUILDAH_RUNROOT:-}" ] && storage+=(--runroot "$BUILDAH_RUNROOT")
echo "image.sh: buildah bud -t $image (version $version, revision $revision)" >&2
BUILDAH_ISOLATION=chroot buildah "${storage[@]}" bud --isolation chroot \
  --layers --timestamp "$epoch" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  -f Containerfile -t "$image" . >&2
echo "$image"
