//go:build !unix

package codegen_test

// childCPU is unknown here.
func childCPU() float64 { return 0 }
