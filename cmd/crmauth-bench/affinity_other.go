//go:build !linux

package main

import "errors"

// pinToCPU is Linux-only; elsewhere the scheduler places both processes.
func pinToCPU(int) error { return errors.New("pinning to a CPU is supported on Linux only") }

func pinProcessToCPU(int, int) error {
	return errors.New("pinning to a CPU is supported on Linux only")
}
