// Package client holds the client runtime, prog.js, for the bundler.
package client

import _ "embed"

// Runtime is prog.js, the client runtime every bundle includes.
//
//go:embed prog.js
var Runtime string
