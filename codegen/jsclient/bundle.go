package jsclient

import (
	"fmt"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/prog-lang/prog/runtime/client"
)

// MinifiedRuntime returns the whole client runtime, every export kept,
// minified as a bundle minifies it: the size of the runtime alone.
func MinifiedRuntime() ([]byte, error) {
	return minified(`export * from "prog:runtime"`, runtimePlugin())
}

// MinifiedUI returns the user-interface parts of the client runtime
// (reactive.js and ui.js), every export kept, minified, without the
// modules they import from the rest of the runtime.
func MinifiedUI() ([]byte, error) {
	rest := api.Plugin{
		Name: "rest",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^\./(values|protocol|dom)\.js$`, Namespace: "prog"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: a.Path, External: true}, nil
			})
			b.OnResolve(api.OnResolveOptions{Filter: `^prog:ui$`}, func(api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: "ui.js", Namespace: "prog"}, nil
			})
		},
	}
	return minified(`export * from "prog:ui"`, rest, runtimePlugin())
}

func minified(entry string, plugins ...api.Plugin) ([]byte, error) {
	res := api.Build(api.BuildOptions{
		Stdin:             &api.StdinOptions{Contents: entry, Loader: api.LoaderJS},
		Bundle:            true,
		Format:            api.FormatESModule,
		Target:            api.ES2020,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Plugins:           plugins,
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("minifying the client runtime: %s", res.Errors[0].Text)
	}
	return res.OutputFiles[0].Contents, nil
}

// runtimePlugin resolves "prog:runtime" to the runtime's index module,
// and the relative imports among the runtime's modules, to the files
// embedded in package client.
func runtimePlugin() api.Plugin {
	return api.Plugin{
		Name: "prog",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^prog:runtime$`}, func(api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: client.Index, Namespace: "prog"}, nil
			})
			b.OnResolve(api.OnResolveOptions{Filter: `^\./`, Namespace: "prog"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: path.Clean(a.Path), Namespace: "prog"}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "prog"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				b, err := client.Files.ReadFile(a.Path)
				if err != nil {
					return api.OnLoadResult{}, err
				}
				src := string(b)
				return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
			})
		},
	}
}

// Bundle bundles a generated client module with the client runtime:
// minified, tree-shaken, with a source map that leads back to the .prog
// file. It runs esbuild in process: no Node.
func Bundle(module []byte, name string) (js, sourceMap []byte, err error) {
	res := api.Build(api.BuildOptions{
		Stdin: &api.StdinOptions{
			Contents:   string(module),
			Sourcefile: name + ".client.js",
			Loader:     api.LoaderJS,
		},
		Bundle:            true,
		Write:             false,
		Outfile:           name + ".js",
		Format:            api.FormatIIFE,
		Target:            api.ES2020,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		TreeShaking:       api.TreeShakingTrue,
		Sourcemap:         api.SourceMapExternal,
		Plugins:           []api.Plugin{runtimePlugin()},
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		var msgs []string
		for _, m := range res.Errors {
			loc := ""
			if m.Location != nil {
				loc = fmt.Sprintf("%s:%d:%d: ", m.Location.File, m.Location.Line, m.Location.Column)
			}
			msgs = append(msgs, loc+m.Text)
		}
		return nil, nil, fmt.Errorf("bundling the client (a compiler bug): %s", strings.Join(msgs, "; "))
	}
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".map") {
			sourceMap = f.Contents
		} else {
			js = f.Contents
		}
	}
	return js, sourceMap, nil
}
