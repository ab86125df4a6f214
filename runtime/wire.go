package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Values cross the wire as JSON (DESIGN.md, wire protocol 1): numbers,
// strings, booleans, arrays for lists, objects for records, null or the
// value for options, null for unit. An option whose value may itself be
// null (an option of an option, or of unit) holds some(x) as the
// one-element array [x]. An int beyond ±2^53 is a decimal
// string, so that no client rounds it; a float that JSON cannot hold is
// the string "NaN", "Infinity" or "-Infinity". A client is its number and a
// channel is {"ch":id,"owner":n}, so the receiving page can tell whether
// it owns it.

const maxSafe = 1<<53 - 1

// optional is an Option of any type.
type optional interface{ optional() (any, bool) }

// boxed reports whether an option of t holds some(x) as [x]: when x's own
// wire form may be null (x is an option, or unit), so that some(none) is
// [null], not none.
func boxed(t reflect.Type) bool {
	return t == reflect.TypeFor[Unit]() || t.Implements(reflect.TypeFor[optional]())
}

// encoder writes values; owner finds a channel's owner.
type encoder struct {
	buf   bytes.Buffer
	owner func(ch int64) Client
}

// encode appends the wire form of v.
func (e *encoder) encode(v reflect.Value) {
	switch x := v.Interface().(type) {
	case Client:
		e.buf.WriteString(strconv.FormatInt(int64(x), 10))
		return
	case Unit:
		e.buf.WriteString("null")
		return
	case interface{ chanID() int64 }:
		id := x.chanID()
		fmt.Fprintf(&e.buf, `{"ch":%d,"owner":%d}`, id, e.owner(id))
		return
	case optional:
		inner, ok := x.optional()
		switch {
		case !ok:
			e.buf.WriteString("null")
		case boxed(reflect.TypeOf(inner)):
			e.buf.WriteByte('[')
			e.encode(reflect.ValueOf(inner))
			e.buf.WriteByte(']')
		default:
			e.encode(reflect.ValueOf(inner))
		}
		return
	}
	switch v.Kind() {
	case reflect.Int64:
		n := v.Int()
		if n > maxSafe || n < -maxSafe {
			fmt.Fprintf(&e.buf, `"%d"`, n)
		} else {
			e.buf.WriteString(strconv.FormatInt(n, 10))
		}
	case reflect.Float64:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			e.buf.WriteString(`"NaN"`)
		case math.IsInf(f, 1):
			e.buf.WriteString(`"Infinity"`)
		case math.IsInf(f, -1):
			e.buf.WriteString(`"-Infinity"`)
		default:
			e.buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	case reflect.Bool:
		e.buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.String:
		e.buf.Write(appendString(e.buf.AvailableBuffer(), v.String()))
	case reflect.Slice:
		e.buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.encode(v.Index(i))
		}
		e.buf.WriteByte(']')
	case reflect.Struct:
		e.buf.WriteByte('{')
		t := v.Type()
		for i := range t.NumField() {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.buf.Write(appendString(e.buf.AvailableBuffer(), fieldName(t.Field(i))))
			e.buf.WriteByte(':')
			e.encode(v.Field(i))
		}
		e.buf.WriteByte('}')
	default:
		panic(fmt.Sprintf("prog: cannot send a %s over the wire", v.Type()))
	}
}

// appendString appends s as a JSON string. Unlike encoding/json it leaves
// <, > and & as they are: the page never parses a message as HTML, and
// escaping them made a line of < six times its size in wire form, over a
// page's queue bound. Quotes, backslashes and control characters are
// escaped as JSON requires, U+2028 and U+2029 too (as encoding/json does:
// older JavaScript cannot have them raw in source), and invalid UTF-8
// becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] is still to copy
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// fieldName is a record field's name in Prog: its json tag.
func fieldName(f reflect.StructField) string {
	if n := f.Tag.Get("json"); n != "" {
		return n
	}
	return f.Name
}

// Decode stores the wire value raw into *dst, checking it against dst's
// type. Its errors say where in the value the mismatch is.
func Decode(raw json.RawMessage, dst any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return errors.New("malformed JSON")
	}
	if d.More() {
		return fmt.Errorf("malformed JSON: more than one value")
	}
	return decode(v, reflect.ValueOf(dst).Elem(), "")
}

func decode(v any, dst reflect.Value, path string) error {
	want := func(what string) error {
		where := ""
		if path != "" {
			where = " at " + path
		}
		return fmt.Errorf("expected %s%s, got %s", what, where, describeJSON(v))
	}
	switch dst.Addr().Interface().(type) {
	case *Unit:
		if v != nil {
			return want("null")
		}
		return nil
	case *Client:
		return want("no client (clients never go to the server)")
	case interface{ chanID() int64 }:
		return want("no channel (channels never go to the server)")
	case interface{ Scan(any) error }: // an Option
		if v == nil {
			dst.Set(reflect.Zero(dst.Type()))
			return nil
		}
		inner := dst.FieldByName("V")
		if boxed(inner.Type()) {
			xs, ok := v.([]any)
			if !ok || len(xs) != 1 {
				return want("[x] (some(x) of an option)")
			}
			v, path = xs[0], path+"[0]"
		}
		dst.FieldByName("Some").SetBool(true)
		return decode(v, inner, path)
	}
	switch dst.Kind() {
	case reflect.Int64:
		var s string
		switch x := v.(type) {
		case json.Number:
			s = string(x)
		case string:
			s = x
		default:
			return want("an int")
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return want("an int")
		}
		dst.SetInt(n)
	case reflect.Float64:
		switch x := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return want("a float")
			}
			dst.SetFloat(f)
		case string:
			switch x {
			case "NaN":
				dst.SetFloat(math.NaN())
			case "Infinity":
				dst.SetFloat(math.Inf(1))
			case "-Infinity":
				dst.SetFloat(math.Inf(-1))
			default:
				return want("a float")
			}
		default:
			return want("a float")
		}
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return want("a bool")
		}
		dst.SetBool(b)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return want("a string")
		}
		dst.SetString(s)
	case reflect.Slice:
		xs, ok := v.([]any)
		if !ok {
			return want("a list")
		}
		out := reflect.MakeSlice(dst.Type(), len(xs), len(xs))
		for i, x := range xs {
			if err := decode(x, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(out)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return want("a record")
		}
		t := dst.Type()
		if len(m) != t.NumField() {
			return want(fmt.Sprintf("a record of %d fields", t.NumField()))
		}
		for i := range t.NumField() {
			name := fieldName(t.Field(i))
			x, ok := m[name]
			if !ok {
				return want("a record with field " + name)
			}
			if err := decode(x, dst.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	default:
		return want("a value of a type the wire does not carry")
	}
	return nil
}

func describeJSON(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Args decodes the arguments of a remote call into dsts, in order.
func Args(args []json.RawMessage, dsts ...any) error {
	if len(args) != len(dsts) {
		return fmt.Errorf("expected %d arguments, got %d", len(dsts), len(args))
	}
	for i, a := range args {
		if err := Decode(a, dsts[i]); err != nil {
			return &argError{n: i + 1, err: err}
		}
	}
	return nil
}

// argError is an argument of a remote call that does not fit its type.
type argError struct {
	n   int // from 1
	err error
}

func (e *argError) Error() string { return fmt.Sprintf("argument %d: %v", e.n, e.err) }
