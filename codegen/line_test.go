package codegen_test

import (
	"fmt"
	goast "go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/lang/ast"
	"github.com/prog-lang/prog/pipeline"
)

// The generated Go of every example maps back to the .prog file through
// its line directives: each Go function from a Prog function starts at
// that function's line; each Go statement from the program is at the
// line of a Prog statement (or of a match's option or arm), and each
// Prog statement of a function on the server has one; the generator's
// own code keeps main.go's lines.
func TestLineDirectives(t *testing.T) {
	var files []string
	for _, dir := range []string{"golden", "examples", "e2e"} {
		fs, _ := filepath.Glob(filepath.Join("..", "testdata", dir, "*.prog"))
		files = append(files, fs...)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".prog")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			u, errs := pipeline.Load(file, src)
			if len(errs) > 0 {
				t.Fatal(errs.Err())
			}
			out, err := codegen.Generate(name, file, src, u)
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, name+".prog", u, out.Go)
		})
	}
}

func checkLines(t *testing.T, progFile string, u *pipeline.Unit, goSrc []byte) {
	// Where a Go statement may come from, and where one must.
	funcs := map[string]*ast.FuncDecl{}
	for _, d := range u.Program.Funcs {
		funcs[d.Name.Name] = d
	}
	may := map[int]bool{}
	stmtLines := func(n ast.Node) (lines []int) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case ast.Stmt:
				lines = append(lines, n.Position().Line)
			case *ast.MatchExpr:
				may[n.X.Position().Line] = true
				for _, a := range n.Arms {
					may[a.Body.Position().Line] = true
					if a.Bind != nil {
						may[a.Bind.Pos.Line] = true
					}
				}
			}
			return true
		})
		for _, l := range lines {
			may[l] = true
		}
		return lines
	}
	var must []int
	for _, d := range u.Program.Funcs {
		stmtLines(d)
	}
	for _, d := range u.Program.Tasks {
		must = append(must, stmtLines(d)...)
	}

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", goSrc, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var have []int
	for _, decl := range f.Decls {
		fd, ok := decl.(*goast.FuncDecl)
		if !ok {
			continue
		}
		p := fset.Position(fd.Pos())
		name := fd.Name.Name
		if name == "main" || name == "f64" || (strings.HasPrefix(name, "scan_") || strings.HasPrefix(name, "row_")) && !strings.HasSuffix(name, "_") {
			// The generator's own.
			if p.Filename != "main.go" {
				t.Errorf("Go func %s is at %s", name, p)
			}
			continue
		}
		d := funcs[strings.TrimSuffix(name, "_")]
		if d == nil || p.Filename != progFile || p.Line != d.Pos.Line {
			t.Errorf("Go func %s is at %s", name, p)
			continue
		}
		must = append(must, stmtLines(d)...)
	}
	goast.Inspect(f, func(n goast.Node) bool {
		s, ok := n.(goast.Stmt)
		if !ok || n == nil {
			return true
		}
		if _, block := s.(*goast.BlockStmt); block {
			return true
		}
		p, raw := fset.Position(s.Pos()), fset.PositionFor(s.Pos(), false)
		switch p.Filename {
		case progFile:
			if !may[p.Line] {
				t.Errorf("main.go:%d: %s is at %s, where the program has no statement", raw.Line, kind(s), p)
			}
			have = append(have, p.Line)
		case "main.go":
			if p.Line != raw.Line {
				t.Errorf("main.go:%d: %s is at %s", raw.Line, kind(s), p)
			}
		default:
			t.Errorf("main.go:%d: %s is at %s", raw.Line, kind(s), p)
		}
		return true
	})
	for _, l := range must {
		if !slices.Contains(have, l) {
			t.Errorf("no Go statement is at %s:%d", progFile, l)
		}
	}
	if t.Failed() {
		t.Logf("the generated Go:\n%s", goSrc)
	}
}

// kind names a Go statement's kind: *ast.ReturnStmt.
func kind(s goast.Stmt) string { return fmt.Sprintf("%T", s) }
