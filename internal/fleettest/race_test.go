//go:build race

package fleettest

// raceEnabled shortens the default load under the race detector: CI runs every test twice
// (plain and -race), and the 20 s of load is the plain run's job; the race run looks for data
// races in the client, which 5 s exercise as well.
const raceEnabled = true
