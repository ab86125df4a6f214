package runtime

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// JavaScript's String(f) for each, as Chromium prints it.
func TestFormatFloatLikeJavaScript(t *testing.T) {
	for f, want := range map[float64]string{
		1.5: "1.5", 2: "2", -0.5: "-0.5", 1e21: "1e+21", 1e20: "100000000000000000000",
		0.000001: "0.000001", 1e-7: "1e-7", 123456789.125: "123456789.125", 0.30000000000000004: "0.30000000000000004",
		math.Inf(1): "Infinity", math.Inf(-1): "-Infinity", math.NaN(): "NaN", 5e-324: "5e-324",
		1.7976931348623157e308: "1.7976931348623157e+308", -1234.5e-10: "-1.2345e-7",
	} {
		if got := FormatFloat(f); got != want {
			t.Errorf("FormatFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func fails(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = r.(*Error).Msg
		}
	}()
	f()
	return ""
}

func TestIntArithmetic(t *testing.T) {
	if Div(-7, 2) != -3 || Mod(-7, 2) != -1 || Mod(7, -2) != 1 || Mod(math.MinInt64, -1) != 0 {
		t.Error("division does not truncate toward zero")
	}
	for name, f := range map[string]func(){
		"add": func() { Add(math.MaxInt64, 1) }, "sub": func() { Sub(math.MinInt64, 1) },
		"mul": func() { Mul(1<<32, 1<<31) }, "mulmin": func() { Mul(-1, math.MinInt64) },
		"div": func() { Div(math.MinInt64, -1) }, "neg": func() { Neg(math.MinInt64) },
		"zero": func() { Div(1, 0) }, "index": func() { Index([]int64{1}, 1) },
		"trunc": func() { Trunc(1e19) },
	} {
		if fails(f) == "" {
			t.Errorf("%s: no runtime error", name)
		}
	}
	if Add(math.MaxInt64-1, 1) != math.MaxInt64 || Mul(-3, 4) != -12 || Sub(-5, -5) != 0 {
		t.Error("arithmetic in range is wrong")
	}
}

func TestWireRoundTrip(t *testing.T) {
	type rec struct {
		A []int64         `json:"a"`
		B Option[float64] `json:"b"`
		C string          `json:"c"`
	}
	v := rec{A: []int64{1, 1 << 60, -(1 << 60)}, B: Some(math.Inf(1)), C: "é\""}
	e := encoder{}
	e.encode(reflect.ValueOf(v))
	want := `{"a":[1,"1152921504606846976","-1152921504606846976"],"b":"Infinity","c":"é\""}`
	if e.buf.String() != want {
		t.Errorf("encode = %s, want %s", e.buf.String(), want)
	}
	var back rec
	if err := Decode(e.buf.Bytes(), &back); err != nil || !Equal(back, v) {
		t.Errorf("decode = %+v, %v", back, err)
	}
	for raw, msg := range map[string]string{
		`{"a":[1],"b":null}`:                             "record of 3 fields",
		`{"a":[1.5],"b":null,"c":""}`:                    "expected an int at .a[0]",
		`{"a":[],"b":true,"c":""}`:                       "expected a float at .b",
		`{"a":[],"b":null,"d":""}`:                       "field c",
		`[1]`:                                            "expected a record",
		`{"a":[],"b":null,"c":""} {}`:                    "more than one value",
		`{"a":["99999999999999999999"],"b":null,"c":""}`: "expected an int",
	} {
		var r rec
		err := Decode(json.RawMessage(raw), &r)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Decode(%s) = %v, want %q", raw, err, msg)
		}
	}
}

// An option whose value may be null on the wire (an option, or unit)
// holds some(x) as [x], so that some(none) is not none.
func TestWireNestedOptions(t *testing.T) {
	type rec struct {
		O  Option[Option[int64]]            `json:"o"`
		Os []Option[Option[Option[string]]] `json:"os"`
		U  Option[Unit]                     `json:"u"`
	}
	v := rec{
		O: Some(Option[int64]{}),
		Os: []Option[Option[Option[string]]]{
			{}, Some(Option[Option[string]]{}), Some(Some(Option[string]{})), Some(Some(Some("x"))),
		},
		U: Some(Unit{}),
	}
	e := encoder{}
	e.encode(reflect.ValueOf(v))
	want := `{"o":[null],"os":[null,[null],[[null]],[["x"]]],"u":[null]}`
	if e.buf.String() != want {
		t.Errorf("encode = %s, want %s", e.buf.String(), want)
	}
	var back rec
	if err := Decode(e.buf.Bytes(), &back); err != nil || !reflect.DeepEqual(back, v) {
		t.Errorf("decode = %+v, %v; want %+v", back, err, v)
	}
	for raw, msg := range map[string]string{
		`{"o":null,"os":[],"u":null}`:        "",
		`{"o":5,"os":[],"u":null}`:           "expected [x] (some(x) of an option) at .o",
		`{"o":[],"os":[],"u":null}`:          "expected [x] (some(x) of an option) at .o",
		`{"o":[[1]],"os":[],"u":null}`:       "expected an int at .o[0]",
		`{"o":null,"os":[[5]],"u":null}`:     "expected [x] (some(x) of an option) at .os[0][0]",
		`{"o":null,"os":[],"u":[null,null]}`: "expected [x] (some(x) of an option) at .u",
	} {
		var r rec
		err := Decode(json.RawMessage(raw), &r)
		if msg == "" && err != nil || msg != "" && (err == nil || !strings.Contains(err.Error(), msg)) {
			t.Errorf("Decode(%s) = %v, want %q", raw, err, msg)
		}
	}
}

// A push answer written by hand is what encoding/json writes.
func TestAppendMessages(t *testing.T) {
	for _, msgs := range [][]message{nil, {{Seq: 1, Ch: 4294967297, V: json.RawMessage(`"a\u2028 \"b\""`)}, {Seq: 2, Ch: 3, V: json.RawMessage(`{"a":[1,"9007199254740993"],"b":null}`)}}} {
		want, _ := json.Marshal(struct {
			Msgs []message `json:"msgs"`
		}{append([]message{}, msgs...)})
		if got := appendMessages(nil, msgs); string(got) != string(want)+"\n" {
			t.Errorf("appendMessages = %s, want %s", got, want)
		}
	}
}

// A call that sends encodes each value once, and never gives one value's
// wire form to another.
func TestSendEncodesEachValueOnce(t *testing.T) {
	x := &Ctx{srv: &Server{cfg: Config{Limits: Limits{QueueBytes: defaultQueueBytes}}}}
	type rec struct {
		A int64  `json:"a"`
		B string `json:"b"`
	}
	Send(x, Chan[string]{ID: 1}, "a")
	Send(x, Chan[string]{ID: 2}, "a")
	Send(x, Chan[string]{ID: 3}, "b")
	Send(x, Chan[int64]{ID: 4}, 7)
	Send(x, Chan[rec]{ID: 5}, rec{1, "x"})
	Send(x, Chan[rec]{ID: 6}, rec{1, "x"})
	Send(x, Chan[rec]{ID: 7}, rec{1, "y"})
	Send(x, Chan[[]int64]{ID: 8}, []int64{1})
	Send(x, Chan[[]int64]{ID: 9}, []int64{2}) // lists do not compare: encoded each time
	want := []string{`"a"`, `"a"`, `"b"`, `7`, `{"a":1,"b":"x"}`, `{"a":1,"b":"x"}`, `{"a":1,"b":"y"}`, `[1]`, `[2]`}
	for i, s := range x.sends {
		if string(s.v) != want[i] {
			t.Errorf("send %d: %s, want %s", i, s.v, want[i])
		}
	}
	if &x.sends[0].v[0] != &x.sends[1].v[0] {
		t.Error("the same string sent twice was encoded twice")
	}
	if &x.sends[4].v[0] != &x.sends[5].v[0] {
		t.Error("the same record sent twice was encoded twice")
	}
}

// Wire strings keep <, > and & as they are, so a message is no larger on
// the wire than JSON needs; anything else decodes to what encoding/json
// would make of the same string.
func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		`<img src=x onerror=alert(1)>&amp;`: `"<img src=x onerror=alert(1)>&amp;"`,
		"a\"b\\c\n\r\t\x00\x1f":             `"a\"b\\c\n\r\t\u0000\u001f"`,
		"\u2028\u2029é😀":                    `"\u2028\u2029é😀"`,
		"bad\xffutf8":                       `"bad\ufffdutf8"`,
	} {
		if got := string(appendString(nil, in)); got != want {
			t.Errorf("appendString(%q) = %s, want %s", in, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "<>&", "a\"\\\n\x01", "\u2028\xff\xfe", "😀\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("appendString(%q) = %s, not JSON: %v", s, b, err)
		}
		std, _ := json.Marshal(s)
		var want string
		json.Unmarshal(std, &want)
		if got != want {
			t.Errorf("appendString(%q) decodes to %q, encoding/json's to %q", s, got, want)
		}
		for _, esc := range []string{`\u003c`, `\u003e`, `\u0026`} {
			if strings.Count(string(b), esc) > strings.Count(s, esc) {
				t.Errorf("appendString(%q) = %s escapes <, > or &", s, b)
			}
		}
	})
}
