package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prog-lang/prog/cmd/internal/progclient"
)

// The UI benchmark: the js-framework-benchmark operations on Prog's rows
// program (testdata/bench/ui/rows.prog) and on the same page written by
// hand (vanilla.html), in one headless Chromium, interleaved. Each
// operation is timed from the click that starts it to the next paint (a
// requestAnimationFrame, then a task after it), after its setup has been
// painted and after one untimed round of the same (each run loads the
// page afresh, and the first round would time the JIT); the median of the
// runs is reported, with prog/vanilla.

// uiOp is one operation: the buttons clicked to set it up (after Clear),
// the one timed, and the rows the table must then hold.
type uiOp struct {
	name  string
	setup []string
	act   string
	rows  int
	what  string
}

var uiOps = []uiOp{
	{"create", nil, "#run", 1000, "create 1,000 rows"},
	{"replace", []string{"#run"}, "#run", 1000, "replace all 1,000 rows"},
	{"update", []string{"#run"}, "#update", 1000, "update every 10th of 1,000 rows"},
	{"select", []string{"#run"}, "#tbody tr:nth-child(2) a.lbl", 1000, "select a row (its class)"},
	{"swap", []string{"#run"}, "#swaprows", 1000, "swap rows 2 and 999 of 1,000"},
	{"remove", []string{"#run"}, "#tbody tr:nth-child(4) a.remove", 999, "remove a row of 1,000"},
	{"create_10k", nil, "#runlots", 10000, "create 10,000 rows"},
	{"append", []string{"#run"}, "#add", 2000, "append 1,000 rows to 1,000"},
	{"clear", []string{"#run"}, "#clear", 0, "clear 1,000 rows"},
}

// measureJS times one operation in the page (the second of two rounds)
// and returns [ms, rows].
const measureJS = `(async () => {
  const paint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const click = (s) => {
    const e = document.querySelector(s);
    if (!e) throw new Error("no element " + s);
    e.click();
  };
  const once = async () => {
    for (const s of ["#clear", ...%s]) { click(s); await paint(); }
    await paint();
    const t0 = performance.now();
    click(%q);
    await paint();
    return performance.now() - t0;
  };
  await once(); // warm: the page is new, its code not yet compiled
  const ms = await once();
  return [ms, document.querySelectorAll("#tbody tr").length];
})()`

// uiBench runs the operations runs times (after one warm-up round) on
// the rows server rowsBin and on the vanilla page, and adds ui_<op> for
// "prog" and "vanilla" to r.
func uiBench(ctx context.Context, rowsBin, vanillaFile, chromium string, runs int, r *results) error {
	vanilla, err := os.ReadFile(vanillaFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(vanilla)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		<-served
	}()
	p, err := progclient.StartProg(rowsBin)
	if err != nil {
		return err
	}
	defer p.Stop()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	if err := chromedp.Do(bctx); err != nil {
		return fmt.Errorf("starting Chromium: %v", err)
	}
	pages := []struct{ sys, url string }{
		{"prog", strings.TrimSuffix(p.URL, "/") + "/rows"},
		{"vanilla", "http://" + ln.Addr().String() + "/"},
	}
	for run := -1; run < runs; run++ { // run -1 warms up
		fmt.Fprintf(os.Stderr, "ui run %d/%d\n", run+1, runs)
		for _, pg := range pages {
			tctx, cancel := context.WithTimeout(bctx, 5*time.Minute)
			err := chromedp.Do(tctx, chromedp.Navigate(pg.url), chromedp.WaitVisible(chromedp.CSS("#run")))
			if err != nil {
				cancel()
				return fmt.Errorf("%s: %v", pg.sys, err)
			}
			for _, op := range uiOps {
				setup := "[]"
				if len(op.setup) > 0 {
					setup = `["` + strings.Join(op.setup, `", "`) + `"]`
				}
				res, err := chromedp.Run(tctx, chromedp.Evaluate[[]float64](fmt.Sprintf(measureJS, setup, op.act), chromedp.EvalAwaitPromise))
				if err != nil {
					cancel()
					return fmt.Errorf("%s %s: %v", pg.sys, op.name, err)
				}
				if len(res) != 2 || int(res[1]) != op.rows {
					cancel()
					return fmt.Errorf("%s %s: the table holds %v rows, want %d", pg.sys, op.name, res, op.rows)
				}
				if run >= 0 {
					r.add("ui_"+op.name, pg.sys, res[0])
				}
			}
			cancel()
		}
	}
	return nil
}

// printUI prints the UI table and its bench: lines, with each
// operation's prog/vanilla and their geometric mean (goals: each ≤ 1.5,
// the mean ≤ 1.3).
func (r *results) printUI(w io.Writer) error {
	if r.values["ui_create"] == nil {
		return nil
	}
	fmt.Fprintf(w, "%-16s %12s %12s %8s  %s\n", "ui operation", "prog ms", "vanilla ms", "ratio", "what (click → next paint, median of the runs)")
	logSum, n := 0.0, 0
	var lines []string
	for _, op := range uiOps {
		p, v := r.median("ui_"+op.name, "prog"), r.median("ui_"+op.name, "vanilla")
		ratio := p / v
		if v <= 0 || math.IsNaN(ratio) {
			return errors.New("ui: no time for " + op.name)
		}
		logSum += math.Log(ratio)
		n++
		fmt.Fprintf(w, "%-16s %12.2f %12.2f %8.2f  %s\n", "ui_"+op.name, p, v, ratio, op.what)
		lines = append(lines, fmt.Sprintf("bench: ui_%s prog=%.2f vanilla=%.2f ratio=%.2f unit=ms\n", op.name, p, v, ratio))
	}
	gm := math.Exp(logSum / float64(n))
	fmt.Fprintf(w, "ui geometric mean of prog/vanilla: %.2f (goal ≤ 1.3; each ≤ 1.5)\n\n", gm)
	for _, l := range lines {
		fmt.Fprint(w, l)
	}
	fmt.Fprintf(w, "bench: ui_geomean ratio=%.2f\n", gm)
	return nil
}
