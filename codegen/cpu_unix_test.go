//go:build unix

package codegen_test

import "syscall"

// childCPU is the CPU time, in seconds, of the finished child processes
// of this one (go build, the compiler, the linker).
func childCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
