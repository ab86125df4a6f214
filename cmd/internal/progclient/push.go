package progclient

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// parsePush reads a push answer, {"msgs":[{"seq":…,"ch":…,"v":…},…]}.
// Prog's runtime and the floor both write exactly that, without spaces,
// and the load generator reads tens of thousands of them a second, so it
// scans that form by hand (encoding/json took a quarter of the
// generator's time); anything else goes to encoding/json.
func parsePush(b []byte) ([]Message, error) {
	if msgs, ok := scanPush(b); ok {
		return msgs, nil
	}
	var res struct{ Msgs []Message }
	err := json.Unmarshal(b, &res)
	return res.Msgs, err
}

func scanPush(b []byte) ([]Message, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"msgs":[`))
	if !ok {
		return nil, false
	}
	var msgs []Message
	for len(rest) > 0 && rest[0] != ']' {
		if len(msgs) > 0 {
			if rest, ok = bytes.CutPrefix(rest, []byte(",")); !ok {
				return nil, false
			}
		}
		var m Message
		if rest, ok = bytes.CutPrefix(rest, []byte(`{"seq":`)); !ok {
			return nil, false
		}
		if m.Seq, rest, ok = scanInt(rest); !ok {
			return nil, false
		}
		if rest, ok = bytes.CutPrefix(rest, []byte(`,"ch":`)); !ok {
			return nil, false
		}
		if m.Ch, rest, ok = scanInt(rest); !ok {
			return nil, false
		}
		if rest, ok = bytes.CutPrefix(rest, []byte(`,"v":`)); !ok {
			return nil, false
		}
		n := valueEnd(rest)
		if n <= 0 || !isPlainString(rest[:n]) && !json.Valid(rest[:n]) {
			return nil, false
		}
		m.V, rest = rest[:n:n], rest[n:]
		if rest, ok = bytes.CutPrefix(rest, []byte("}")); !ok {
			return nil, false
		}
		msgs = append(msgs, m)
	}
	rest, ok = bytes.CutPrefix(rest, []byte("]}"))
	return msgs, ok && len(bytes.TrimSpace(rest)) == 0
}

func scanInt(b []byte) (int64, []byte, bool) {
	n := 0
	for n < len(b) && (b[n] >= '0' && b[n] <= '9' || n == 0 && b[n] == '-') {
		n++
	}
	v, err := strconv.ParseInt(string(b[:n]), 10, 64)
	return v, b[n:], err == nil
}

// valueEnd returns the length of the JSON value b starts with, found by
// matching brackets and quotes; json.Valid checks it after, unless it is
// a plain string (the common case, checked first: it costs less).
func valueEnd(b []byte) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// isPlainString reports whether b is a JSON string with nothing in it to
// unescape: the form every text of the benchmarks takes.
func isPlainString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	for _, c := range b[1 : len(b)-1] {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
	}
	return true
}

// Text returns the message's value as a string; it fails unless the
// value is a JSON string.
func (m Message) Text() (string, error) {
	return Text(m.V)
}

// Text decodes a JSON string.
func Text(v []byte) (string, error) {
	if isPlainString(v) {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}
