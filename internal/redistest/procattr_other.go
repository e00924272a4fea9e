//go:build !linux

package redistest

import "os/exec"

func setParentDeathSignal(cmd *exec.Cmd) {}
