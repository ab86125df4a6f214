package jsclient

import (
	"fmt"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/prog-lang/prog/runtime/client"
)

// MinifiedRuntime returns the whole client runtime, every export kept,
// minified as a bundle minifies it: the size of the runtime alone.
func MinifiedRuntime() ([]byte, error) {
	res := api.Transform(client.Runtime, api.TransformOptions{
		Loader: api.LoaderJS, Format: api.FormatESModule, Target: api.ES2020,
		MinifyWhitespace: true, MinifyIdentifiers: true, MinifySyntax: true,
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("minifying the client runtime: %s", res.Errors[0].Text)
	}
	return res.Code, nil
}

// Bundle bundles a generated client module with the client runtime:
// minified, tree-shaken, with a source map that leads back to the .prog
// file. It runs esbuild in process: no Node.
func Bundle(module []byte, name string) (js, sourceMap []byte, err error) {
	runtime := api.Plugin{
		Name: "prog",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^prog:runtime$`}, func(api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: "prog.js", Namespace: "prog"}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: "prog"}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
				src := client.Runtime
				return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
			})
		},
	}
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
		Plugins:           []api.Plugin{runtime},
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
