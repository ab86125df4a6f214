package progclient

import (
	"encoding/json"
	"reflect"
	"testing"
)

var pushAnswers = []string{
	`{"msgs":[]}`,
	`{"msgs":[{"seq":1,"ch":4294967297,"v":"hi"}]}` + "\n",
	`{"msgs":[{"seq":7,"ch":2,"v":"a \"quoted\" \\ line"},{"seq":8,"ch":2,"v":{"a":[1,{"b":"]}"}],"c":null}}]}`,
	`{"msgs":[{"seq":9,"ch":3,"v":-12.5e3},{"seq":10,"ch":3,"v":true},{"seq":11,"ch":3,"v":[]}]}`,
	`{"msgs":[{"seq":1,"ch":1,"v":"\u00e9t\u00e9"}]}`,
	// Not the form the servers write: encoding/json reads these.
	`{ "msgs": [ {"seq": 1, "ch": 1, "v": "spaced"} ] }`,
	`{"msgs":[{"ch":1,"seq":2,"v":"reordered"}]}`,
	// Broken: both must refuse.
	`{"msgs":[{"seq":1,"ch":1,"v":"unterminated}]}`,
	`{"msgs":[{"seq":1,"ch":1,"v":tru}]}`,
	`{"msgs":[{"seq":x,"ch":1,"v":1}]}`,
	`{"msgs":[{"seq":1,"ch":1,"v":1}`,
}

// parsePush reads every answer as encoding/json does.
func TestParsePush(t *testing.T) {
	for _, in := range pushAnswers {
		checkPush(t, []byte(in))
	}
}

func FuzzParsePush(f *testing.F) {
	for _, in := range pushAnswers {
		f.Add([]byte(in))
	}
	f.Fuzz(checkPush)
}

func checkPush(t *testing.T, in []byte) {
	got, err := parsePush(in)
	var want struct{ Msgs []Message }
	wantErr := json.Unmarshal(in, &want)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", in, err, wantErr)
	}
	if err != nil {
		return
	}
	if len(got) != len(want.Msgs) {
		t.Fatalf("%q: %d messages, encoding/json %d", in, len(got), len(want.Msgs))
	}
	for i := range got {
		var a, b any
		json.Unmarshal(got[i].V, &a)
		json.Unmarshal(want.Msgs[i].V, &b)
		if got[i].Seq != want.Msgs[i].Seq || got[i].Ch != want.Msgs[i].Ch || !reflect.DeepEqual(a, b) {
			t.Fatalf("%q: message %d is %+v, encoding/json %+v", in, i, got[i], want.Msgs[i])
		}
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{`"plain"`: "plain", `"a\"b\u00e9"`: `a"bé`, `""`: ""} {
		if got, err := Text([]byte(in)); err != nil || got != want {
			t.Errorf("Text(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`12`, `"open`, `[]`} {
		if got, err := Text([]byte(in)); err == nil {
			t.Errorf("Text(%s) = %q, want an error", in, got)
		}
	}
}
