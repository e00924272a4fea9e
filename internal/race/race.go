//go:build race

// Package race tells whether the program was built with the race detector (go test -race),
// for the allocation budget tests: under it, sync.Pool drops items at random, so the number of
// allocations per request is not deterministic and a budget cannot be held.
package race

// Enabled is true in a build with -race.
const Enabled = true
