// Package client holds the client runtime for the bundler: ES modules,
// index.js re-exporting the others, so that esbuild leaves out what a
// program does not use.
package client

import "embed"

// Files holds the runtime's modules. Generated code imports index.js as
// "prog:runtime"; the modules import one another by relative paths.
//
//go:embed *.js
var Files embed.FS

// Index is the module generated code imports.
const Index = "index.js"
