package jsclient

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	// U+2028 and U+2029 are line ends in older JavaScript.
	r := strings.NewReplacer("\u2028", `\u2028`, "\u2029", `\u2029`)
	return r.Replace(string(b)), err
}

// finish joins the lines and appends an inline source map with
// one mapping per line, to the .prog position the line came from.
func (g *gen) finish(filename string, src []byte) []byte {
	var b strings.Builder
	var m strings.Builder
	prevLine, prevCol := 0, 0
	for i, l := range g.lines {
		b.WriteString(l + "\n")
		if p := g.pos[i]; p.Line > 0 {
			line, col := p.Line-1, p.Column-1
			indent := len(l) - len(strings.TrimLeft(l, " "))
			m.WriteString(vlq(indent) + vlq(0) + vlq(line-prevLine) + vlq(col-prevCol))
			prevLine, prevCol = line, col
		}
		m.WriteByte(';')
	}
	sm, _ := json.Marshal(map[string]any{
		"version":        3,
		"sources":        []string{filename},
		"sourcesContent": []string{string(src)},
		"names":          []string{},
		"mappings":       m.String(),
	})
	b.WriteString("//# sourceMappingURL=data:application/json;base64," + base64.StdEncoding.EncodeToString(sm) + "\n")
	return []byte(b.String())
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// vlq encodes n as a source map base64 VLQ.
func vlq(n int) string {
	v := n << 1
	if n < 0 {
		v = (-n << 1) | 1
	}
	var s []byte
	for {
		d := v & 31
		v >>= 5
		if v > 0 {
			d |= 32
		}
		s = append(s, b64[d])
		if v == 0 {
			return string(s)
		}
	}
}
