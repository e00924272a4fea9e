package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

// pinToCPU keeps every thread of this process on one CPU, so the server and the load
// generator each own a core instead of trading both with the scheduler, which on a 2-core
// machine made identical scenarios differ by a quarter from run to run. Threads the Go
// runtime starts later inherit the affinity of the thread that starts them.
func pinToCPU(cpu int) error {
	if cpu < 0 || cpu >= 64 {
		return fmt.Errorf("cannot pin to CPU %d", cpu)
	}
	mask := uint64(1) << cpu
	// Two passes: a thread started from a not-yet-pinned thread during the first is caught
	// by the second.
	for range 2 {
		if err := pinThreads(mask, cpu); err != nil {
			return err
		}
	}
	return nil
}

// pinProcessToCPU keeps every thread of another process (redis-server) on one CPU.
func pinProcessToCPU(pid, cpu int) error {
	if cpu < 0 || cpu >= 64 || pid <= 0 {
		return fmt.Errorf("cannot pin process %d to CPU %d", pid, cpu)
	}
	return pinTasks("/proc/"+strconv.Itoa(pid)+"/task", uint64(1)<<cpu, cpu)
}

func pinThreads(mask uint64, cpu int) error { return pinTasks("/proc/self/task", mask, cpu) }

func pinTasks(dir string, mask uint64, cpu int) error {
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
		if errno != 0 && errno != syscall.ESRCH { // ESRCH: the thread ended meanwhile
			return fmt.Errorf("pin thread %d to CPU %d: %w", tid, cpu, errno)
		}
	}
	return nil
}
