package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/pipeline"
)

// generate loads file and generates both halves, printing its errors.
func generate(stderr io.Writer, file string) (*codegen.Output, error) {
	if !strings.HasSuffix(file, ".prog") {
		return nil, usageError{fmt.Errorf("%s: a program's file name ends in .prog", file)}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	unit, errs := pipeline.Load(file, src)
	if len(errs) > 0 {
		var source func(string) []byte
		if isTerminal(stderr) {
			source = func(string) []byte { return src }
		}
		errs.Print(stderr, source)
		return nil, errReported
	}
	name := strings.TrimSuffix(filepath.Base(file), ".prog")
	return codegen.Generate(name, file, src, unit)
}

func newBuild() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build FILE.prog",
		Short: "Build a program into one server binary with its client embedded",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := generate(cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			if out == "" {
				out = o.Name
			}
			return codegen.Build(o, out, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the binary to write (default: the program's name)")
	return cmd
}

func newRun() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run FILE.prog [server flags]",
		Short: "Build a program and start its server (flags after the file go to the server)",
		Long: `Build a program and start its server. Flags after the file go to the
server: --addr, --db, --client-timeout, --poll-timeout, --push-origin,
--allow-host, --session-rate, --max-conns and more (README.md lists them).
The database defaults to NAME.db beside the .prog file.`,
		Args:               usageArgs(cobra.MinimumNArgs(1)),
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "-h" || args[0] == "--help" {
				return cmd.Help()
			}
			o, err := generate(cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "prog-run-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			bin := filepath.Join(dir, o.Name)
			if err := codegen.Build(o, bin, cmd.ErrOrStderr()); err != nil {
				return err
			}
			flags := args[1:]
			if !hasFlag(flags, "db") {
				flags = append([]string{"--db", strings.TrimSuffix(args[0], ".prog") + ".db"}, flags...)
			}
			srv := exec.Command(bin, flags...)
			srv.Stdout, srv.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			// The server gets the terminal's signals and shuts down by itself.
			signal.Ignore(os.Interrupt, syscall.SIGTERM)
			if err := srv.Run(); err != nil {
				if _, ok := err.(*exec.ExitError); ok {
					return errReported
				}
				return err
			}
			return nil
		},
	}
	return cmd
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || strings.HasPrefix(a, "-"+name+"=") || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}

func newEmit() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "emit FILE.prog --out DIR",
		Short: "Write the generated Go and JavaScript of a program to a folder, for reading",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("emit needs --out DIR")}
			}
			o, err := generate(cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			for name, b := range map[string][]byte{
				"main.go": o.Go, o.Name + ".client.js": o.JS,
				"bundle.js": o.Bundle, "bundle.js.map": o.BundleMap,
			} {
				if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the folder to write to")
	return cmd
}
