#!/usr/bin/env bash
# Breaking-change gate (make breaking).
#
# Compares SPEC (default openapi.yaml) with the last released spec of the same document: the
# highest api/releases/<name>-<version>.yaml, <name> being SPEC's file name without .yaml
# (openapi, or admin for api/admin.yaml), kept in the repository so a fresh clone without tags
# has it. oasdiff judges the difference; any breaking or potentially breaking change (its
# levels ERR and WARN) fails the gate unless info.version's major part is above the
# baseline's. The gate also fails when info.version is below the baseline's or when
# CHANGELOG.md has no "## <version>" entry for it ("## <name> <version>" for a document other
# than openapi.yaml).
#
#   api/breaking.sh [SPEC]            the gate
#   api/breaking.sh --version SPEC    print SPEC's info.version
#
# RELEASES, CHANGELOG and OASDIFF override the baseline folder, the changelog and the command.
set -euo pipefail

releases=${RELEASES:-api/releases}
changelog=${CHANGELOG:-CHANGELOG.md}
# Run as a tool at a pinned version: as a library it would fight this module's kin-openapi.
oasdiff=${OASDIFF:-go run github.com/oasdiff/oasdiff@v1.35.0}

# info.version of a spec: the "  version:" line inside the top-level info block.
version_of() {
	awk '/^info:/ { in_info = 1; next }
	     in_info && /^[^[:space:]#]/ { exit }
	     in_info && /^  version:/ { v = $2; gsub(/["\047]/, "", v); print v; exit }' "$1"
}

semver() {
	[[ $1 =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]
}

if [[ ${1:-} == --version ]]; then
	version_of "${2:?usage: $0 --version SPEC}"
	exit 0
fi

spec=${1:-openapi.yaml}
name=$(basename "$spec" .yaml)
heading=""
[[ $name == openapi ]] || heading="$name "
baseline=$(find "$releases" -maxdepth 1 -name "$name-*.yaml" | sort -V | tail -n 1)
if [[ -z $baseline ]]; then
	echo "breaking: no released spec in $releases/ ($name-<version>.yaml)" >&2
	exit 2
fi

current=$(version_of "$spec")
released=$(version_of "$baseline")
for v in "$current" "$released"; do
	if ! semver "$v"; then
		echo "breaking: info.version '$v' is not MAJOR.MINOR.PATCH" >&2
		exit 1
	fi
done
if [[ $(printf '%s\n%s\n' "$released" "$current" | sort -V | tail -n 1) != "$current" ]]; then
	echo "breaking: info.version $current of $spec is below the last release $released" >&2
	exit 1
fi
if ! grep -Eq "^## \[?${heading}${current//./\\.}\]?([[:space:]]|$)" "$changelog"; then
	echo "breaking: $changelog has no '## $heading$current' entry for info.version $current" >&2
	exit 1
fi

echo "breaking: comparing $spec ($current) with the last release $baseline ($released)"
set +e
out=$($oasdiff breaking --fail-on WARN --color never "$baseline" "$spec" 2>&1)
rc=$?
set -e
printf '%s\n' "$out"

if [[ $rc -eq 0 ]]; then
	echo "breaking: no breaking change"
	exit 0
fi
# oasdiff exits 1 both for "breaking changes found" and for its own failures (as does
# go run when it cannot build): only its summary line tells them apart.
if [[ $rc -ne 1 ]] || ! grep -Eq '^[0-9]+ changes: [0-9]+ error, [0-9]+ warning' <<<"$out"; then
	echo "breaking: oasdiff failed (exit $rc)" >&2
	exit 2
fi
if (( ${current%%.*} > ${released%%.*} )); then
	echo "breaking: allowed, info.version's major part was raised ($released -> $current)"
	exit 0
fi
echo "breaking: FAIL: $spec breaks the contract of release $released. Undo the change, or raise" >&2
echo "          info.version's major part and say why in $changelog." >&2
exit 1
