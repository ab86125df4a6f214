// Command prog is the Prog toolchain: it checks, builds and runs .prog
// programs.
//
// Exit codes: 0 when all went well, 1 when a program has errors (or a
// file cannot be read), 2 when the command line itself is wrong.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Version is the toolchain's version; the wire protocol has its own.
const Version = "0.1.0-dev"

// errReported means the errors were already printed: exit 1 quietly.
var errReported = errors.New("errors reported")

// usageError marks a wrong command line: exit 2.
type usageError struct{ error }

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errReported):
		return 1
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "prog: %v\nRun 'prog help' for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "prog: %v\n", err)
		return 1
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "prog",
		Short:         "Prog compiles tierless web programs: one .prog file, a server binary and a browser client",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Flag and argument mistakes are usage errors (exit 2).
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newCheck(), newBuild(), newRun(), newEmit(), newVersion())
	return root
}

// usageArgs wraps cobra's argument checks so that their errors are usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the toolchain and wire protocol versions",
		Args:  usageArgs(cobra.NoArgs),
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "prog %s (wire protocol 1)\n", Version)
		},
	}
}
