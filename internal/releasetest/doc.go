// Package releasetest holds only tests: the release as a user without Go gets it. `make dist`'s
// binaries and archives (six platforms, static Linux binaries, SHA256SUMS, the same bytes from a
// second build), the linux binary serving logins, and the container image built with podman
// from the Containerfile: run read-only as uid 65532, logged in through its published port,
// the guides' curl examples answered, fixtures mounted, settings through CRMAUTH_* variables,
// protected mode refusing the admin routes to the host, a graceful stop, at most 30 MB; and
// examples/compose/compose.yaml run by podman-compose.
//
//	go test ./internal/releasetest -v                          # builds linux/<this arch> itself
//	make dist && CRMAUTH_DIST=$PWD/dist go test ./internal/releasetest -v   # all six, as CI does
//
// The image and compose tests need podman and runc (Debian packages podman, runc,
// podman-compose): without them they skip, with CI=true they fail. The tests are kept out of
// the race pass (they build and run binaries; the race detector has nothing to find in them).
package releasetest
