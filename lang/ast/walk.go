package ast

// Inspect walks the tree rooted at n in source order, calling f for each
// node; when f returns false, Inspect skips that node's children. Type
// expressions are not visited.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	visit := func(children ...Node) {
		for _, c := range children {
			if !isNil(c) {
				Inspect(c, f)
			}
		}
	}
	switch n := n.(type) {
	case *File:
		for _, d := range n.Decls {
			visit(d)
		}
	case *FuncDecl:
		visit(n.Body)
	case *EveryDecl:
		visit(n.Body)
	case *OnDecl:
		visit(n.Body)
	case *Block:
		for _, s := range n.Stmts {
			visit(s)
		}
	case *LetStmt:
		visit(n.Name, n.Value)
	case *VarStmt:
		visit(n.Name, n.Value)
	case *IfStmt:
		visit(n.Cond, n.Then)
		if n.Else != nil {
			if n.Else.If != nil {
				visit(n.Else.If)
			} else {
				visit(n.Else.Block)
			}
		}
	case *WhileStmt:
		visit(n.Cond, n.Body)
	case *ForStmt:
		visit(n.Var, n.Seq, n.Body)
	case *ReturnStmt:
		visit(n.Value)
	case *SpawnStmt:
		visit(n.Call)
	case *InsertStmt:
		for _, fi := range n.Fields {
			visit(fi)
		}
	case *UpdateStmt:
		for _, s := range n.Sets {
			visit(s)
		}
		visit(n.Where)
	case *SetClause:
		visit(n.Value)
	case *DeleteStmt:
		visit(n.Where)
	case *ExprStmt:
		visit(n.X, n.Value)
	case *FieldInit:
		visit(n.Value)
	case *SomeExpr:
		visit(n.X)
	case *ListLit:
		for _, e := range n.Elems {
			visit(e)
		}
	case *RecordLit:
		for _, fi := range n.Fields {
			visit(fi)
		}
	case *FuncLit:
		visit(n.Body)
	case *CallExpr:
		visit(n.Fun)
		for _, a := range n.Args {
			visit(a)
		}
	case *FieldExpr:
		visit(n.X)
	case *IndexExpr:
		visit(n.X, n.Index)
	case *UnaryExpr:
		visit(n.X)
	case *BinaryExpr:
		visit(n.X, n.Y)
	case *ParenExpr:
		visit(n.X)
	case *SelectExpr:
		visit(n.Where)
	case *MatchExpr:
		visit(n.X)
		for _, a := range n.Arms {
			visit(a)
		}
	case *MatchArm:
		visit(n.Bind, n.Body)
	case *MatchStmt:
		visit(n.X)
		for _, a := range n.Arms {
			visit(a)
		}
	case *MatchStmtArm:
		visit(n.Bind, n.Body)
	case *ElementLit:
		for _, a := range n.Attrs {
			visit(a)
		}
		for _, c := range n.Children {
			visit(c)
		}
	case *FragmentLit:
		for _, c := range n.Children {
			visit(c)
		}
	case *Attr:
		visit(n.Value)
	case *ExprHole:
		visit(n.X)
	case *ForContent:
		visit(n.Var, n.Seq, n.Key, n.Body)
	case *IfContent:
		visit(n.Cond, n.Then, n.Else)
	case *MatchContent:
		visit(n.X)
		for _, a := range n.Arms {
			visit(a)
		}
	case *ContentArm:
		visit(n.Bind, n.Body)
	}
}

// isNil reports whether a node is absent: a nil interface (an optional
// expression), or a nil *Ident (the binding of a none arm, the one optional
// pointer field that Inspect passes as a Node).
func isNil(n Node) bool {
	id, ok := n.(*Ident)
	return n == nil || ok && id == nil
}
