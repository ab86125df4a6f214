package stdlib

import "strings"

// The HTML that element literals may write (LANGUAGE.md, "User
// interface"): element names, their attributes, and the events a handler
// may follow. The checker reads only this table, so an element or an
// attribute is added here and nowhere else.
//
// Left out on purpose: elements that run or load code or raw HTML
// (script, iframe's srcdoc, object), those of the document's head and
// shell (html, head, body, title, base, style: the page holds them), and
// every on* attribute (handlers are on<event>={f}, checked).

// AttrKind says how an attribute's value is written to the page.
type AttrKind int

const (
	// AttrText is set as text (setAttribute); a hole may hold a string,
	// an int or a float.
	AttrText AttrKind = iota
	// AttrBool is present when true and absent when false; it takes a
	// bool, or stands bare for true.
	AttrBool
	// AttrURL is text checked at run time: set only when its scheme is
	// http:, https:, mailto: or none (relative).
	AttrURL
)

// Attr is what the table knows about an attribute of an element.
type Attr struct {
	Kind AttrKind
	// Prop is set for checked, selected and value: they are set as DOM
	// properties, so they stay live after the user edits the field.
	Prop bool
}

// Element is one element the table knows.
type Element struct {
	Name string
	Void bool
	// attrs are the element's own attributes, beside the global ones.
	attrs map[string]bool
}

// globalAttrs apply to every element.
const globalAttrs = `accesskey autocapitalize autofocus class contenteditable dir draggable
	enterkeyhint hidden id inert inputmode lang popover role spellcheck style tabindex title translate`

// boolAttrs are the attributes that take a bool: LANGUAGE.md's list, and
// the other boolean attributes of HTML a user of JSX expects to work so.
const boolAttrs = `disabled checked hidden readonly required selected multiple autofocus open
	controls autoplay loop muted novalidate formnovalidate reversed default allowfullscreen ismap
	playsinline inert`

// urlAttrs are checked at run time (LANGUAGE.md, "Checked names").
const urlAttrs = `href src action formaction`

// propAttrs are set as properties (see Attr.Prop).
const propAttrs = `checked selected value`

// elementAttrs lists each element and its own attributes. Elements with
// none of their own have an empty list.
var elementAttrs = map[string]string{
	"a":          "href target download rel hreflang type referrerpolicy",
	"abbr":       "",
	"address":    "",
	"area":       "alt coords shape href target download rel referrerpolicy",
	"article":    "",
	"aside":      "",
	"audio":      "src controls autoplay loop muted preload crossorigin",
	"b":          "",
	"bdi":        "",
	"bdo":        "",
	"blockquote": "cite",
	"br":         "",
	"button":     "disabled form formaction formenctype formmethod formnovalidate formtarget name type value popovertarget popovertargetaction",
	"canvas":     "width height",
	"caption":    "",
	"cite":       "",
	"code":       "",
	"col":        "span",
	"colgroup":   "span",
	"data":       "value",
	"datalist":   "",
	"dd":         "",
	"del":        "cite datetime",
	"details":    "open name",
	"dfn":        "",
	"dialog":     "open",
	"div":        "",
	"dl":         "",
	"dt":         "",
	"em":         "",
	"embed":      "src type width height",
	"fieldset":   "disabled form name",
	"figcaption": "",
	"figure":     "",
	"footer":     "",
	"form":       "action method enctype target novalidate autocomplete name rel accept-charset",
	"h1":         "",
	"h2":         "",
	"h3":         "",
	"h4":         "",
	"h5":         "",
	"h6":         "",
	"header":     "",
	"hgroup":     "",
	"hr":         "",
	"i":          "",
	"iframe":     "src name sandbox allow width height loading referrerpolicy allowfullscreen",
	"img":        "src alt width height srcset sizes loading decoding crossorigin usemap ismap referrerpolicy",
	"input": "accept alt autocomplete checked dirname disabled form formaction formenctype formmethod " +
		"formnovalidate formtarget list max maxlength min minlength multiple name pattern placeholder " +
		"readonly required size src step type value width height",
	"ins":      "cite datetime",
	"kbd":      "",
	"label":    "for form",
	"legend":   "",
	"li":       "value",
	"link":     "href rel type media sizes crossorigin as hreflang integrity referrerpolicy",
	"main":     "",
	"map":      "name",
	"mark":     "",
	"menu":     "",
	"meta":     "name content charset",
	"meter":    "value min max low high optimum",
	"nav":      "",
	"noscript": "",
	"ol":       "reversed start type",
	"optgroup": "disabled label",
	"option":   "disabled label selected value",
	"output":   "for form name",
	"p":        "",
	"picture":  "",
	"pre":      "",
	"progress": "value max",
	"q":        "cite",
	"rp":       "",
	"rt":       "",
	"ruby":     "",
	"s":        "",
	"samp":     "",
	"search":   "",
	"section":  "",
	"select":   "autocomplete disabled form multiple name required size value",
	"slot":     "name",
	"small":    "",
	"source":   "src srcset type media sizes width height",
	"span":     "",
	"strong":   "",
	"sub":      "",
	"summary":  "",
	"sup":      "",
	"table":    "",
	"tbody":    "",
	"td":       "colspan rowspan headers",
	"template": "",
	"textarea": "autocomplete cols dirname disabled form maxlength minlength name placeholder readonly required rows wrap value",
	"tfoot":    "",
	"th":       "colspan rowspan headers scope abbr",
	"thead":    "",
	"time":     "datetime",
	"tr":       "",
	"track":    "default kind label src srclang",
	"u":        "",
	"ul":       "",
	"var":      "",
	"video":    "src controls autoplay loop muted preload poster width height playsinline crossorigin",
	"wbr":      "",
}

// events are the events a handler may follow: on<event>={f}. "enter" is
// Enter pressed in a field.
const events = `click dblclick input change submit keydown keyup focus blur enter`

// htmlTable is the table above, read once into maps.
type htmlTable struct {
	elements map[string]*Element
	global   map[string]bool
	bools    map[string]bool
	urls     map[string]bool
	props    map[string]bool
	events   map[string]bool
}

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

var html = func() *htmlTable {
	t := &htmlTable{elements: map[string]*Element{}, global: wordSet(globalAttrs), bools: wordSet(boolAttrs),
		urls: wordSet(urlAttrs), props: wordSet(propAttrs), events: wordSet(events)}
	for name, attrs := range elementAttrs {
		t.elements[name] = &Element{Name: name, Void: isVoid(name), attrs: wordSet(attrs)}
	}
	return t
}()

func isVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}

// LookupElement returns the element with the given name, or nil if HTML
// (as far as Prog writes it) has none.
func LookupElement(name string) *Element { return html.elements[name] }

// Attr returns what the table knows of the attribute name on e, and
// whether e may have it: a global attribute, one of e's own, or any
// data-* or aria-* attribute.
func (e *Element) Attr(name string) (Attr, bool) {
	if !e.attrs[name] && !html.global[name] && !isCustomAttr(name) {
		return Attr{}, false
	}
	a := Attr{Prop: html.props[name]}
	switch {
	case html.bools[name]:
		a.Kind = AttrBool
	case html.urls[name]:
		a.Kind = AttrURL
	}
	return a, true
}

// isCustomAttr reports whether name is data-* or aria-* with a name after
// the dash made of lower-case letters, digits and dashes.
func isCustomAttr(name string) bool {
	rest, ok := strings.CutPrefix(name, "data-")
	if !ok {
		rest, ok = strings.CutPrefix(name, "aria-")
	}
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// IsEvent reports whether on<name> is a handler attribute.
func IsEvent(name string) bool { return html.events[name] }

// Events returns the events a handler may follow, for messages.
func Events() string { return strings.Join(strings.Fields(events), " ") }
