package codegen_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/prog-lang/prog/codegen"
	"github.com/prog-lang/prog/pipeline"
	"github.com/prog-lang/prog/runtime/pgtest"
)

// The end-to-end tests build each example once per test binary, start it
// on a free loopback port with its own database, and drive real headless
// Chromium tabs against it.

var (
	binDir  string
	binOnce sync.Map // program name → *buildResult
)

type buildResult struct {
	once sync.Once
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	if arg := os.Getenv(floorEnv); arg != "" {
		os.Exit(serveFloor(arg))
	}
	dir, err := os.MkdirTemp("", "prog-e2e-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	pgtest.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build builds testdata/examples/name.prog (or name, a path), once.
func build(t testing.TB, name string) string {
	t.Helper()
	r, _ := binOnce.LoadOrStore(name, &buildResult{})
	br := r.(*buildResult)
	br.once.Do(func() {
		file := filepath.Join("..", "testdata", "examples", name+".prog")
		if strings.HasSuffix(name, ".prog") {
			file, name = name, strings.TrimSuffix(filepath.Base(name), ".prog")
		}
		src, err := os.ReadFile(file)
		if err != nil {
			br.err = err
			return
		}
		br.bin = filepath.Join(binDir, name)
		br.err = buildSource(name, file, src, br.bin)
	})
	if br.err != nil {
		t.Fatalf("build %s: %v", name, br.err)
	}
	return br.bin
}

// buildSource builds the program name from src (read from file) into bin.
func buildSource(name, file string, src []byte, bin string) error {
	u, errs := pipeline.Load(file, src)
	if len(errs) > 0 {
		return errs.Err()
	}
	out, err := codegen.Generate(name, file, src, u)
	if err != nil {
		return err
	}
	return codegen.Build(out, bin, nil)
}

// serve starts a built program on SQLite and returns its page's URL.
func serve(t *testing.T, name string, flags ...string) string {
	t.Helper()
	return serveDB(t, name, "sqlite", flags...)
}

// onBothDBs runs test as two subtests, with the database "sqlite" and
// with a new PostgreSQL database.
func onBothDBs(t *testing.T, test func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, "sqlite") })
	t.Run("postgres", func(t *testing.T) { test(t, pgtest.Shared(t).NewDatabase(t)) })
}

// serveDB starts a built program on db ("sqlite" for a new file, or a
// PostgreSQL URL) and returns its page's URL.
func serveDB(t testing.TB, name, db string, flags ...string) string {
	t.Helper()
	bin := build(t, name)
	if db == "sqlite" {
		db = filepath.Join(t.TempDir(), filepath.Base(bin)+".db")
	}
	url, _ := start(t, bin, append([]string{"--addr", "127.0.0.1:0", "--db", db}, flags...)...)
	return url
}

// start starts a server binary with args and returns its page's URL and a
// function that stops it (once; the test's cleanup stops it too).
func start(t testing.TB, bin string, args ...string) (url string, stop func()) {
	t.Helper()
	url, stop, _ = startProcess(t, bin, args...)
	return url, stop
}

// startProcess is start, and also returns a function that kills the
// server with SIGKILL (then stop does nothing).
func startProcess(t testing.TB, bin string, args ...string) (url string, stop, kill func()) {
	t.Helper()
	name := filepath.Base(bin)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Signal(os.Interrupt)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s did not shut down cleanly: %v\n%s", name, err, logs.String())
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Errorf("%s did not shut down within 10 s", name)
			}
		})
	}
	kill = func() {
		once.Do(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	// After stop (cleanups run last first), once the log is whole.
	t.Cleanup(func() {
		if t.Failed() && testing.Verbose() {
			t.Logf("%s %s's log:\n%s", name, strings.Join(args, " "), logs.String())
		}
	})
	t.Cleanup(stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("%s printed no address: %v\n%s", name, err, logs.String())
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("%s printed %q", name, line)
	}
	return strings.TrimSpace(line[i:]) + name, stop, kill
}

// browser starts headless Chromium and returns a function that opens tabs.
func browser(t *testing.T) func() context.Context {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is missing (%v): make test installs it with apt-get", err)
		}
		t.Skip("Chromium is not installed; make test installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	first := true
	return func() context.Context {
		if first {
			first = false
			return bctx
		}
		tab, cancel := chromedp.NewContext(bctx)
		t.Cleanup(cancel)
		// The first run opens the tab, and must have no timeout: the
		// tab lives as long as the context of that run.
		if err := chromedp.Do(tab); err != nil {
			t.Fatalf("opening a tab: %v", err)
		}
		return tab
	}
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// get runs an action that returns a value.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// items returns the texts of the items of list id.
func items(t *testing.T, ctx context.Context, id string) []string {
	t.Helper()
	return get(t, ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.getElementById(%q).children].map(e => e.textContent)`, id)))
}

// waitItem waits until list id has an item with text want.
func waitItem(t *testing.T, ctx context.Context, id, want string) {
	t.Helper()
	run(t, ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`[...document.getElementById(%q).children].some(e => e.textContent === %q)`, id, want),
		chromedp.WithPollingTimeout(10*time.Second)))
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// say types text into #msg and clicks #send until the tab shows it: the
// click handler exists only once main's subscribe has returned.
func say(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	for i := 0; ; i++ {
		run(t, ctx, chromedp.SetValue(css("#msg"), text), chromedp.Click(css("#send")))
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`[...document.getElementById("log").children].some(e => e.textContent.endsWith(%q))`, text),
			chromedp.WithPollingTimeout(2*time.Second)))
		if err == nil {
			return
		}
		if i == 4 {
			t.Fatalf("%q never showed in the tab that said it", text)
		}
	}
}

func TestChatTwoTabs(t *testing.T) { onBothDBs(t, testChatTwoTabs) }

func testChatTwoTabs(t *testing.T, db string) {
	url := serveDB(t, "chat", db)
	tab := browser(t)
	a, b := tab(), tab()
	run(t, a, chromedp.Navigate(url))
	run(t, b, chromedp.Navigate(url))
	say(t, a, "a is here")
	say(t, b, "b is here")
	say(t, a, "hello from a")
	waitItem(t, b, "log", "hello from a")
	say(t, b, "hello from b")
	waitItem(t, a, "log", "hello from b")
	// The input is cleared after a post, and an empty line is not sent.
	if v := get(t, a, chromedp.Value(css("#msg"))); v != "" {
		t.Errorf("input holds %q after sending", v)
	}
	logsEnd(t, a, b)
}

// exchange has chat tabs a and b say a line each, each seeing the other's,
// and checks that both logs end with the two lines in order.
func exchange(t *testing.T, a, b context.Context) {
	t.Helper()
	say(t, a, "hello from a")
	waitItem(t, b, "log", "hello from a")
	say(t, b, "hello from b")
	waitItem(t, a, "log", "hello from b")
	logsEnd(t, a, b)
}

// logsEnd checks that the chat logs of tabs end with "hello from a" and
// "hello from b", in that order.
func logsEnd(t *testing.T, tabs ...context.Context) {
	t.Helper()
	for _, tab := range tabs {
		got := items(t, tab, "log")
		if len(got) < 2 || strings.Join(got[len(got)-2:], "|") != "hello from a|hello from b" {
			t.Errorf("log ends %q, want the two lines in order", got)
		}
	}
}

// freeAddr returns a loopback address no one listens on, for a server
// that must start again on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestRoomsAreSeparate(t *testing.T) { onBothDBs(t, testRoomsAreSeparate) }

func testRoomsAreSeparate(t *testing.T, db string) {
	// A short client timeout, so that a closed tab is collected quickly.
	url := serveDB(t, "rooms", db, "--client-timeout", "1500ms", "--poll-timeout", "500ms")
	tab := browser(t)
	a, b, c := tab(), tab(), tab()
	join := func(ctx context.Context, room, name string) {
		run(t, ctx, chromedp.Navigate(url),
			chromedp.SetValue(css("#room"), room), chromedp.SetValue(css("#name"), name),
			chromedp.Click(css("#join")))
		waitItem(t, ctx, "log", name+": joined")
	}
	join(a, "red", "ann")
	join(b, "blue", "bob")
	join(c, "red", "cy")
	waitItem(t, a, "log", "cy: joined")
	say(t, a, "in red")
	waitItem(t, c, "log", "ann: in red")
	say(t, b, "in blue")
	// Both lines have been delivered by now (each tab saw its own after
	// the server committed); neither crossed rooms.
	if got := items(t, b, "log"); has(got, "ann: in red") || has(got, "cy: joined") {
		t.Errorf("blue room saw red room's lines: %q", got)
	}
	if got := items(t, a, "log"); has(got, "bob: in blue") {
		t.Errorf("red room saw blue room's line: %q", got)
	}
	if count := get(t, c, chromedp.Text(css("#count"))); count != "2 here" {
		t.Errorf("count in red for the second joiner = %q, want \"2 here\"", count)
	}
	// Closing cy's tab: after the client timeout, on leave tells red.
	if err := chromedp.Cancel(c); err != nil {
		t.Fatal(err)
	}
	waitItem(t, a, "log", "cy: left")
	if got := items(t, b, "log"); has(got, "cy: left") {
		t.Errorf("blue room heard that cy left red: %q", got)
	}
}

// A closed tab is collected at once: the page's pagehide beacon says so,
// and where no beacon comes (a crash, a lost network), its push request
// closed and not renewed within the leave grace does. Either way the other
// page in the room hears of it within 15 s, long before the client
// timeout.
func TestClosedTabLeavesAtOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags []string
		js    string // run in the tab before it closes
	}{
		{"beacon", []string{"--leave-grace", "1h"}, ``},
		{"cut push", nil, `navigator.sendBeacon = () => true`},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := serve(t, "rooms", append([]string{"--client-timeout", "1h"}, c.flags...)...)
			tab := browser(t)
			a, b := tab(), tab()
			for _, p := range []struct {
				ctx  context.Context
				name string
			}{{a, "ann"}, {b, "bob"}} {
				run(t, p.ctx, chromedp.Navigate(url), chromedp.SetValue(css("#name"), p.name), chromedp.Click(css("#join")))
				waitItem(t, p.ctx, "log", p.name+": joined")
			}
			waitItem(t, a, "log", "bob: joined")
			if c.js != "" {
				get(t, b, chromedp.Evaluate[bool](c.js+"; true"))
			}
			closed := time.Now()
			if err := chromedp.Cancel(b); err != nil {
				t.Fatal(err)
			}
			run(t, a, chromedp.Poll[chromedp.Void](`[...document.getElementById("log").children].some(e => e.textContent === "bob: left")`,
				chromedp.WithPollingTimeout(15*time.Second)))
			t.Logf("the other page heard of the close after %v", time.Since(closed).Round(time.Millisecond))
		})
	}
}

func TestTickerCounts(t *testing.T) { onBothDBs(t, testTickerCounts) }

func testTickerCounts(t *testing.T, db string) {
	url := serveDB(t, "ticker", db)
	tab := browser(t)
	a := tab()
	run(t, a, chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`Number(document.getElementById("seen")?.textContent) >= 3`, chromedp.WithPollingTimeout(10*time.Second)))
	now := get(t, a, chromedp.Text(css("#now")))
	ms, err := strconv.ParseInt(now, 10, 64)
	if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Minute {
		t.Errorf("server time shown is %q, not a recent time in ms", now)
	}
}

func TestBothHalvesAgree(t *testing.T) {
	url := serve(t, "both")
	tab := browser(t)
	a := tab()
	run(t, a, chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`document.getElementById("out").children.length >= 4`, chromedp.WithPollingTimeout(10*time.Second)))
	got := items(t, a, "out")
	client, server := strings.TrimPrefix(got[0], "client: "), strings.TrimPrefix(got[1], "server: ")
	if client != server {
		t.Errorf("the halves differ:\nclient: %s\nserver: %s", client, server)
	}
	// What Go computes, for both halves: collatz(27) takes 111 steps.
	want := fmt.Sprintf("a-b-c: 1 3 6 10 9007199254740993 %d %d 111", -7/2, -7%2)
	if client != want {
		t.Errorf("client answer %q, want %q", client, want)
	}
	if got[2] != "1.5 2 true" || got[3] != "-1" {
		t.Errorf("lines 3 and 4 = %q, %q; want \"1.5 2 true\", \"-1\"", got[2], got[3])
	}
}

func TestTablesProgram(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "golden", "tables.prog"))
	a := browser(t)()
	run(t, a, chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`document.getElementById("out").children.length >= 1`, chromedp.WithPollingTimeout(10*time.Second)))
	// record inserts (ann, 12), updates it to 13 with best some(12), and
	// counts the rows over 10; best of 3 and 9 is 9; -1 / 2 % 3 is 0.
	if got := items(t, a, "out"); len(got) != 1 || got[0] != "1 9 0" {
		t.Errorf("out = %q, want [\"1 9 0\"]", got)
	}
}

func TestRecvOnAnotherClientsChannel(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "e2e", "owner.prog"))
	tab := browser(t)
	a, b := tab(), tab()
	run(t, a, chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`document.getElementById("state").textContent === "owner"`, chromedp.WithPollingTimeout(10*time.Second)))
	ctx, cancel := context.WithTimeout(b, 20*time.Second)
	defer cancel()
	console := chromedp.Console(ctx)
	run(t, b, chromedp.Navigate(url))
	for m, err := range console {
		if err != nil {
			t.Fatalf("no runtime error in the console of the page that used another's channel: %v", err)
		}
		if m.Type == chromedp.ConsoleError && strings.Contains(m.Text, "belongs to another client") {
			break
		}
	}
	// The owner got the message; the other page did not.
	run(t, a, chromedp.Poll[chromedp.Void](`document.getElementById("state").textContent === "owner got secret"`, chromedp.WithPollingTimeout(10*time.Second)))
	if s := get(t, b, chromedp.Text(css("#state"))); s != "trying" {
		t.Errorf("the other page shows %q, want \"trying\"", s)
	}
}

func TestValuesProgram(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "e2e", "values.prog"))
	a := browser(t)()
	run(t, a, chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](`document.getElementById("out").children.length >= 6`, chromedp.WithPollingTimeout(10*time.Second)))
	want := []string{
		"a`b![a|b]-9-3074457345618258602", "c[]3,49-3074457345618258602",
		"9 2500 0.3333333333333333 true", "applied", "spawned 1", "slept",
	}
	if got := items(t, a, "out"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("out =\n%q\nwant\n%q", got, want)
	}
}

// TestHalvesAgreeOnEdges runs testdata/e2e/halves.prog: programs on which
// the halves once disagreed (issue 13), each run on the client and on the
// server, and values that cross the wire both ways. Each check shows its
// two answers, which must be equal and what Go computes.
func TestHalvesAgreeOnEdges(t *testing.T) {
	url := serve(t, filepath.Join("..", "testdata", "e2e", "halves.prog"))
	a := browser(t)()
	want := []struct{ name, want string }{
		{"shadowing", "2 1 3 5 1 6"}, // let x = x + 1 in a block and over a parameter; a loop variable and a match binding shadow too
		{"closures", "ab0101"},       // a match binding captured in loops, in a body or a condition: one per turn
		{"nested", "some(none) none some(some(3)) false true | some(none) none some(none) x"},
		{"order", "true true false true true true"},      // by code point: U+E000 < U+10000
		{"proto", "p 7 t true false"},                    // record fields __proto__, constructor, toString
		{"wire", "some(none) none some(none) x | p 7 t"}, // server → client
		{"sent", "some(none) none some(none) x | p 7 t"}, // client → server
		{"chanlike", "false true"},                       // a record with fields ch and owner is no channel
	}
	var ids []string
	for _, w := range want {
		ids = append(ids, w.name+"-server", w.name+"-client")
	}
	list := "[" + strings.Join(func() []string {
		q := make([]string, len(ids))
		for i, id := range ids {
			q[i] = strconv.Quote(id)
		}
		return q
	}(), ",") + "]"
	// A check whose client half throws never fills its line: wait a while
	// for every line, then compare what is there.
	ctx, cancel := context.WithTimeout(a, 10*time.Second)
	run(t, a, chromedp.Navigate(url))
	chromedp.Do(ctx, chromedp.Poll[chromedp.Void](list+`.every(id => document.getElementById(id).textContent !== "")`, chromedp.WithPollingTimeout(10*time.Second)))
	cancel()
	got := get(t, a, chromedp.Evaluate[[]string](list+`.map(id => document.getElementById(id).textContent)`))
	for i, w := range want {
		server, client := got[2*i], got[2*i+1]
		if server != w.want {
			t.Errorf("%s on the server: %q, want %q", w.name, server, w.want)
		}
		if client != server {
			t.Errorf("%s: the halves differ:\nclient: %q\nserver: %q", w.name, client, server)
		}
	}
}

// A page whose session the server no longer knows (here: the server
// restarted) keeps trying while the server is down, then says that its
// session ended, with a button that reloads it into a new one.
func TestSessionEndShowsReload(t *testing.T) {
	bin := build(t, "chat")
	addr := freeAddr(t)
	args := []string{"--addr", addr, "--db", filepath.Join(t.TempDir(), "chat.db")}
	url, stop := start(t, bin, args...)
	a := browser(t)()
	run(t, a, chromedp.Navigate(url))
	say(t, a, "before the restart")
	failed, loaded := make(chan struct{}, 1), make(chan struct{}, 1)
	if err := chromedp.Listen(a, func(ev any) {
		var c chan struct{}
		switch ev.(type) {
		case *network.EventLoadingFailed:
			c = failed
		case *page.EventLoadEventFired:
			c = loaded
		}
		select {
		case c <- struct{}{}:
		default:
		}
	}); err != nil {
		t.Fatal(err)
	}
	stop()
	select { // the page's polls fail and back off
	case <-failed:
	case <-time.After(20 * time.Second):
		t.Fatal("no request of the page failed while its server was down")
	}
	start(t, bin, args...)
	run(t, a, chromedp.Poll[chromedp.Void](`document.querySelector("[role=alert] button") !== null`, chromedp.WithPollingTimeout(20*time.Second)))
	if msg := get(t, a, chromedp.Text(css("[role=alert]"))); !strings.Contains(msg, "session has ended (session expired)") {
		t.Errorf("the page says %q", msg)
	}
	oldSession := get(t, a, chromedp.Evaluate[string](`document.querySelector('meta[name="prog-session"]').content`))
	select {
	case <-loaded: // the first load's event, if it came late
	default:
	}
	run(t, a, chromedp.Click(css("[role=alert] button")))
	select { // the page reloads
	case <-loaded:
	case <-time.After(20 * time.Second):
		t.Fatal("the page did not reload")
	}
	run(t, a, chromedp.Poll[chromedp.Void](`document.querySelector("[role=alert]") === null && document.getElementById("log").children.length === 0`, chromedp.WithPollingTimeout(10*time.Second)))
	if s := get(t, a, chromedp.Evaluate[string](`document.querySelector('meta[name="prog-session"]').content`)); s == oldSession {
		t.Errorf("the reloaded page kept session %s", s)
	}
	say(t, a, "after the reload")
}
