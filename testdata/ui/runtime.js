// A page that drives the client runtime's UI parts directly, written as
// the code generator writes a program's html (codegen/ui_runtime_e2e_test.go
// bundles it and runs it in headless Chromium). window.T holds the
// sources and what the handlers did, for the test to set and read.
import * as $ from "prog:runtime";

const errors = [];
const consoleError = console.error;
console.error = (...a) => {
  errors.push(a.map(String).join(" "));
  consoleError(...a);
};

// A text hole at the end of p (generated code finds its Text node in a
// cloned template).
const txt = (p, fn) => $.txt(p.appendChild(new Text("")), fn);

const it = (id, text) => ({ id: BigInt(id), text });
const items = $.source([it(1, "a"), it(2, "b"), it(3, "c")]);
const sel = $.source(0n);
const busy = $.source(false);
const draft = $.source("");
const done = $.source(false);
const bad = $.source("<img src=x onerror=alert(1)>");
const href = $.source("javascript:alert(1)");
const show = $.source(true);
const nums = $.source([1n, 2n, 3n]);
const pairs = $.source([1, 2, 3, 4, 5].map((i) => it(i, "p" + i)));
const psel = $.source(0n);
const clicks = [];
let submits = 0;

// A row as `<li class:sel={get(sel) == t.id}>{t.text}<input><button onclick=…>x</button></li>`,
// with t the loop variable: read through the row's source.
const row = (t) => () => {
  const li = $.el("li");
  $.cls(li, "sel", () => $.get(sel) === $.get(t).id);
  txt(li, () => $.get(t).text);
  li.append($.el("input"));
  const b = $.el("button");
  b.append("x");
  $.on(b, "click", () => clicks.push($.get(t).id));
  li.append(b);
  return li;
};

$.mount("app", () => {
  const d = $.el("div");
  const ul = $.el("ul");
  ul.id = "list";
  $.place(ul, $.keyed(() => $.get(items), (t) => t.id, row));
  d.append(ul);
  const go = $.el("button");
  go.id = "go";
  $.battr(go, "disabled", () => $.get(busy));
  go.append("go");
  d.append(go);
  const field = $.el("input");
  field.id = "field";
  $.bind(field, draft, "text");
  d.append(field);
  const out = $.el("p");
  out.id = "out";
  txt(out, () => $.get(draft));
  d.append(out);
  const box = $.el("input");
  box.id = "box";
  box.setAttribute("type", "checkbox");
  $.bind(box, done, "check");
  d.append(box);
  const p = $.el("p");
  p.id = "bad";
  txt(p, () => $.get(bad));
  d.append(p);
  const a = $.el("a");
  a.id = "link";
  $.url(a, "href", () => $.get(href));
  d.append(a);
  const f = $.el("form");
  f.id = "form";
  const sub = $.el("button");
  sub.id = "submit";
  sub.append("send");
  f.append(sub);
  $.on(f, "submit", () => submits++);
  d.append(f);
  const w = $.el("div");
  w.id = "when";
  $.place(w, $.when(() => $.get(show), () => "shown", () => () => { const i = $.el("i"); i.append("hidden"); return i; }));
  d.append(w);
  const ol = $.el("ol");
  ol.id = "nums";
  $.place(ol, $.indexed(() => $.get(nums), (n) => () => {
    const li = $.el("li");
    txt(li, () => $.get(n));
    return li;
  }));
  d.append(ol);
  // A keyed list whose rows are two nodes each: <dt>{t.text}</dt><dd>{t.id}</dd>.
  const dl = $.el("dl");
  dl.id = "pairs";
  $.place(dl, $.keyed(() => $.get(pairs), (t) => t.id, (t) => () => {
    const f = $.frag(), dt = $.el("dt"), dd = $.el("dd");
    $.cls(dt, "sel", () => $.get(psel) === $.get(t).id);
    txt(dt, () => $.get(t).text);
    txt(dd, () => $.get(t).id);
    f.append(dt, dd);
    return f;
  }));
  d.append(dl);
  return d;
});

window.T = { $, errors, clicks, items, sel, busy, draft, done, bad, href, show, nums, pairs, psel, it, submits: () => submits };
