#!/usr/bin/env bash
# make image: the container image of Containerfile, for this machine's architecture, built with
# podman (or docker where docker has an engine). It builds the static linux binary as
# `make dist` does (the same bytes) into dist/image/, copies the machine's CA certificates
# beside it, and builds FROM scratch: nothing is pulled from a registry.
#
#   scripts/image.sh              crmauth:<version> and crmauth:latest
#   scripts/image.sh --no-build   use the binary already in <context>/dist/image/bin/
#
# Environment:
#   IMAGE          the image's name (default crmauth:<version>, also tagged crmauth:latest)
#   IMAGE_CONTEXT  the build context (default the repository's root); dist/image/ is in it
#   CONTAINER_CLI  podman or docker (default podman when installed, else docker)
#   CA_CERTS       the CA bundle put in the image (default /etc/ssl/certs/ca-certificates.crt,
#                  Debian's ca-certificates package)
#   PODMAN_RUNTIME an OCI runtime podman builds with (--runtime), e.g. runc where crun fails
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build=yes
case "${1:-}" in
--no-build) build=no ;;
"") ;;
*) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
esac

context=${IMAGE_CONTEXT:-$root}
arch=$(go env GOARCH)
version=$(go run ./internal/cmd/dist -print-version)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
image=${IMAGE:-crmauth:$version}
ca=${CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}

cli=${CONTAINER_CLI:-}
if [[ -z $cli ]]; then
	if command -v podman >/dev/null; then cli=podman
	elif command -v docker >/dev/null; then cli=docker
	else
		echo "image: neither podman nor docker is installed (Debian: apt-get install podman runc)" >&2
		exit 1
	fi
fi
if [[ ! -r $ca ]]; then
	echo "image: no CA certificates at $ca (Debian: apt-get install ca-certificates; or set CA_CERTS)" >&2
	exit 1
fi

mkdir -p "$context/dist/image"
if [[ $build == yes ]]; then
	go run ./internal/cmd/dist -platforms "linux/$arch" -out "$context/dist/image" -archives=false
fi
bin="$context/dist/image/bin/linux_$arch/crmauth"
[[ -x $bin ]] || { echo "image: no binary at $bin" >&2; exit 1; }
cp "$ca" "$context/dist/image/ca-certificates.crt"

args=(build -f "$root/Containerfile" -t "$image"
	--build-arg "TARGETARCH=$arch" --build-arg "VERSION=$version" --build-arg "REVISION=$revision")
[[ -n ${IMAGE:-} ]] || args+=(-t crmauth:latest)
if [[ $cli == podman ]]; then
	# The docker format keeps HEALTHCHECK; --timestamp dates the image and its files at the
	# commit, so the same commit gives the same image.
	args+=(--format docker --timestamp "$epoch")
	[[ -z ${PODMAN_RUNTIME:-} ]] || args=(--runtime "$PODMAN_RUNTIME" "${args[@]}")
else
	args+=(--build-arg "SOURCE_DATE_EPOCH=$epoch")
fi
start=$(date +%s)
"$cli" "${args[@]}" "$context"
echo "image: $image built with $cli in $(($(date +%s) - start))s ($arch, crmauth $version)" >&2
