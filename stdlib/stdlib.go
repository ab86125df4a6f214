// Package stdlib is the table of Prog's built-in functions: for each, its
// name, its signatures and the side it may run on. The checker and the
// split read only this table, so a built-in is added here and nowhere else
// in the front end.
//
// A built-in may have several signatures (overloads) when it does the same
// job for different argument types: `str` formats an int, a float, a bool
// or a string. The checker picks the overload whose first parameter has the
// same outermost type as the first argument; overloads are written so that
// this choice is never ambiguous. Type parameters (types.Param) make a
// signature polymorphic: each use gets fresh type variables.
package stdlib

import (
	"sort"

	"github.com/prog-lang/prog/lang/types"
)

// Location is where code may run.
type Location int

const (
	// Both: the code runs on either half; it is compiled into each.
	Both Location = iota
	// Server: the code runs only in the server half.
	Server
	// Client: the code runs only in the browser.
	Client
)

func (l Location) String() string {
	switch l {
	case Server:
		return "server"
	case Client:
		return "client"
	}
	return "both"
}

// Builtin describes one built-in function.
type Builtin struct {
	Name string
	// Sigs are the overloads, in the order the checker tries them.
	Sigs []*types.Func
	// TypeParams are the parameters that `name<T>(…)` fills explicitly,
	// as in `channel<string>()`. Empty for built-ins that take none.
	TypeParams []*types.Param
	Loc        Location
	// Doc is a one-line description for `prog` documentation and errors.
	Doc string
}

var (
	tT = &types.Param{Name: "T"}
)

func fn(result types.Type, params ...types.Type) *types.Func {
	return &types.Func{Params: params, Result: result}
}

func list(t types.Type) types.Type { return &types.List{Elem: t} }
func opt(t types.Type) types.Type  { return &types.Option{Elem: t} }

// handler is the type of a DOM event callback.
var handler = fn(types.Unit)

var table = []*Builtin{
	{Name: "self", Loc: Both, Sigs: []*types.Func{fn(types.Client)},
		Doc: "the client of the current call on the server; this page view on the client"},
	{Name: "channel", Loc: Server, TypeParams: []*types.Param{tT}, Sigs: []*types.Func{fn(&types.Channel{Elem: tT})},
		Doc: "a new channel owned by self()"},
	{Name: "send", Loc: Server, Sigs: []*types.Func{fn(types.Unit, &types.Channel{Elem: tT}, tT)},
		Doc: "queue a message for the channel's owner; delivered when the transaction commits"},
	{Name: "recv", Loc: Client, Sigs: []*types.Func{fn(tT, &types.Channel{Elem: tT})},
		Doc: "wait for the next message on a channel this client owns"},
	{Name: "sleep", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.Int)},
		Doc: "wait the given number of milliseconds"},
	{Name: "now", Loc: Both, Sigs: []*types.Func{fn(types.Int)},
		Doc: "milliseconds since the Unix epoch"},
	{Name: "log", Loc: Both, Sigs: []*types.Func{fn(types.Unit, types.String)},
		Doc: "write a line to the server log or the browser console"},

	{Name: "len", Loc: Both, Sigs: []*types.Func{fn(types.Int, types.String)},
		Doc: "the number of Unicode code points in a string"},
	{Name: "length", Loc: Both, Sigs: []*types.Func{fn(types.Int, list(tT))},
		Doc: "the number of elements of a list"},
	{Name: "str", Loc: Both, Sigs: []*types.Func{
		fn(types.String, types.Int), fn(types.String, types.Float),
		fn(types.String, types.Bool), fn(types.String, types.String)},
		Doc: "format a scalar as a string"},
	{Name: "toInt", Loc: Both, Sigs: []*types.Func{
		fn(opt(types.Int), types.String), fn(types.Int, types.Float)},
		Doc: "parse a decimal string (none if it is not one), or truncate a float toward zero"},
	{Name: "toFloat", Loc: Both, Sigs: []*types.Func{
		fn(opt(types.Float), types.String), fn(types.Float, types.Int)},
		Doc: "parse a decimal string (none if it is not one), or convert an int"},
	{Name: "split", Loc: Both, Sigs: []*types.Func{fn(list(types.String), types.String, types.String)},
		Doc: "split a string around every occurrence of a separator"},
	{Name: "join", Loc: Both, Sigs: []*types.Func{fn(types.String, list(types.String), types.String)},
		Doc: "join strings with a separator"},
	{Name: "contains", Loc: Both, Sigs: []*types.Func{
		fn(types.Bool, types.String, types.String), fn(types.Bool, list(tT), tT)},
		Doc: "whether a string holds a substring, or a list an element"},
	{Name: "append", Loc: Both, Sigs: []*types.Func{fn(list(tT), list(tT), tT)},
		Doc: "a new list with one element added at the end"},

	{Name: "text", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.String, types.String)},
		Doc: "set the text of the element with an id"},
	{Name: "add", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.String, types.String)},
		Doc: "append a text item to the element with an id (an <li> in a list, a line elsewhere)"},
	{Name: "value", Loc: Client, Sigs: []*types.Func{fn(types.String, types.String)},
		Doc: "the value of the input with an id"},
	{Name: "setValue", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.String, types.String)},
		Doc: "set the value of the input with an id"},
	{Name: "clear", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.String)},
		Doc: "remove the contents of the element with an id"},
	{Name: "onClick", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.String, handler)},
		Doc: "run a function whenever the element with an id is clicked"},
	{Name: "onEnter", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.String, handler)},
		Doc: "run a function whenever Enter is pressed in the input with an id"},

	{Name: "source", Loc: Client, Sigs: []*types.Func{fn(&types.Source{Elem: tT}, tT)},
		Doc: "a new source holding a value; the holes that get it follow it"},
	{Name: "get", Loc: Client, Sigs: []*types.Func{fn(tT, &types.Source{Elem: tT})},
		Doc: "the value of a source, followed by the hole or attribute that reads it"},
	{Name: "set", Loc: Client, Sigs: []*types.Func{fn(types.Unit, &types.Source{Elem: tT}, tT)},
		Doc: "store a value in a source and update what read it"},
	{Name: "mount", Loc: Client, Sigs: []*types.Func{fn(types.Unit, types.String, types.HTML)},
		Doc: "replace the children of the page element with an id by html"},
}

var byName = func() map[string]*Builtin {
	m := make(map[string]*Builtin, len(table))
	for _, b := range table {
		m[b.Name] = b
	}
	return m
}()

// Lookup returns the built-in with the given name, or nil.
func Lookup(name string) *Builtin { return byName[name] }

// All returns every built-in, sorted by name.
func All() []*Builtin {
	out := append([]*Builtin(nil), table...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
