// Building the page: elements made by direct DOM calls (nothing here
// parses HTML or sets innerHTML), one effect per dynamic hole or
// attribute, keyed and positional lists, if/else, bind, events, mount.
//
// An html value is a function that builds its nodes when called (a
// thunk): the place that inserts it calls it, under its own owner. Content
// is an html thunk, a Node, a text value (string, int, float, bool: a Text
// node) or a Dyn (a list or an if), which keeps a range of its parent's
// children between two empty Text markers and changes only that range.

import { strFloat, fail, eq } from "./values.js";
import { spawn } from "./protocol.js";
import { source, get, set, effect, untrack, onCleanup, dispose, within, newRoot } from "./reactive.js";

export const el = (tag) => document.createElement(tag);
export const frag = () => new DocumentFragment();

// tmpl returns a function that clones the node build makes (once, at the
// first call): a literal's template.
export function tmpl(build) {
  let t;
  return () => (t ||= build()).cloneNode(true);
}

// show is a text value as a hole shows it.
export const show = (v) => (typeof v === "string" ? v : typeof v === "number" ? strFloat(v) : String(v));

class Dyn {
  constructor(m) {
    this.m = m;
  }
}

// render inserts content v into p before next and returns its first and
// last nodes.
function render(v, p, next) {
  if (typeof v === "function") v = v();
  if (v instanceof Dyn) {
    const r = { s: new Text(""), e: new Text("") };
    p.insertBefore(r.s, next);
    p.insertBefore(r.e, next);
    v.m(r);
    return [r.s, r.e];
  }
  if (!(v instanceof Node)) v = new Text(show(v));
  else if (v.nodeType === 11) {
    // A fragment: its children, or an empty Text to hold the place.
    if (!v.firstChild) v.append("");
    const a = v.firstChild, b = v.lastChild;
    p.insertBefore(v, next);
    return [a, b];
  }
  p.insertBefore(v, next);
  return [v, v];
}

// removeNodes removes the nodes from a to b (inclusive).
function removeNodes(a, b) {
  for (;;) {
    const n = a.nextSibling;
    a.remove();
    if (a === b) return;
    a = n;
  }
}

// moveNodes moves the nodes from a to b (inclusive) before next.
function moveNodes(p, a, b, next) {
  if (a === b) return p.insertBefore(a, next);
  const f = new DocumentFragment();
  for (;;) {
    const n = a.nextSibling;
    f.append(a);
    if (a === b) break;
    a = n;
  }
  p.insertBefore(f, next);
}

// clear empties a range: at once when it is all its parent holds.
function clear(r) {
  const p = r.e.parentNode;
  if (r.s.previousSibling === null && r.e.nextSibling === null) {
    p.textContent = "";
    p.append(r.s, r.e);
  } else if (r.s.nextSibling !== r.e) removeNodes(r.s.nextSibling, r.e.previousSibling);
}

// place inserts content that reads no source at the end of p.
export function place(p, v) {
  render(v, p, null);
}

// txt is a text hole: its Text node t follows fn.
export function txt(t, fn) {
  effect(() => {
    const s = show(fn());
    if (t.data !== s) t.data = s;
  });
}

// hole is content that follows fn.
export const hole = (fn) => new Dyn((r) => effect(() => fill(r, fn())));

// at puts content between the Text nodes s and e.
export function at(s, e, v) {
  if (v instanceof Dyn) v.m({ s, e });
  else render(v, e.parentNode, e);
}

function fill(r, v) {
  clear(r);
  render(v, r.e.parentNode, r.e);
}

// when is `if` in content: the branch is built again only when the
// condition turns; what the branch itself reads updates it in place.
export const when = (cond, yes, no) =>
  new Dyn((r) => {
    const b = source(undefined);
    effect(() => set(b, !!cond()));
    effect(() => fill(r, get(b) ? yes() : no ? no() : ""));
  });

// keyed is a keyed `for`; indexed a `for` kept by position (its key is
// the position). Each row has an owner of its own and a source holding its
// item; row(itemSource) gives the row's content, built in an effect.
export const keyed = (items, key, row) => new Dyn((r) => list(r, items, key, row));
export const indexed = (items, row) => new Dyn((r) => list(r, items, null, row));

function list(r, items, key, row) {
  let rows = [];
  onCleanup(() => rows.forEach((x) => dispose(x.o)));
  effect(() => {
    const xs = items();
    rows = untrack(() => reconcile(r, rows, xs, key, row));
  });
}

// keyOf is a key as a Map compares it: basic values as they are, others
// (records, lists, options holding them) by a canonical string.
function keyOf(k) {
  // An int as a number where it is exact: a Map hashes numbers faster than
  // BigInts (a list's keys are all of one type, so they cannot collide).
  if (typeof k === "bigint") return k >= -SAFE && k <= SAFE ? Number(k) : k;
  return k === null || typeof k !== "object" ? k : "\0" + canon(k);
}
const SAFE = 9007199254740991n;
function canon(k) {
  if (k === null) return "n";
  if (typeof k !== "object") return typeof k === "string" ? JSON.stringify(k) : String(k);
  if (Array.isArray(k)) return "[" + k.map(canon) + "]";
  return "{" + Object.keys(k).sort().map((f) => f + ":" + canon(k[f])) + "}";
}

function newRow(k, item, rowFn, p, next) {
  const x = { k, s: source(item), o: newRoot(), a: null, b: null };
  within(x.o, null, () =>
    effect(() => {
      const v = rowFn(x.s);
      if (x.a) {
        // Built again: the new nodes take the old ones' place.
        const q = x.a.parentNode, old = x.a, last = x.b;
        [x.a, x.b] = render(v, q, old);
        removeNodes(old, last);
      } else [x.a, x.b] = render(v, p, next);
    }),
  );
  return x;
}

// reconcile changes the rows of r from old to the items xs: rows whose
// key stays keep their nodes. The common cases move nothing or as little
// as vanilla code would, without a Map: the keys the same (items changed
// in place), a block of rows removed, two rows swapped (same keys
// between them). Otherwise rows move by the longest increasing
// subsequence of their old positions (the rows in it stay; the others
// move), so that swapping two rows moves two. Nothing changes before the
// keys are known to be distinct.
function reconcile(r, old, xs, key, rowFn) {
  const n = xs.length, keys = xs.map((v, j) => (key ? keyOf(key(v)) : j)), p = r.e.parentNode;
  // A common prefix and suffix; each of their keys matched a distinct
  // old row's, so none is a duplicate.
  let s = 0, oe = old.length, ne = n, i;
  while (s < ne && s < oe && old[s].k === keys[s]) s++;
  while (ne > s && oe > s && old[oe - 1].k === keys[ne - 1]) oe--, ne--;
  const x = old[s], y = old[oe - 1];
  for (i = s + 1; i < oe - 1 && old[i].k === keys[i]; i++);
  if (ne === s) {
    // Removed: old[s:oe], which are contiguous.
    if (oe > s) {
      for (i = s; i < oe; i++) dispose(old[i].o);
      if (n) removeNodes(x.a, y.b);
      else clear(r);
      old.splice(s, oe - s);
    }
  } else if (oe === ne && i === oe - 1 && x.k === keys[i] && y.k === keys[s]) {
    // Two rows swapped (the keys between them the same): y takes x's
    // place, and x y's.
    const after = y.b.nextSibling;
    moveNodes(p, y.a, y.b, x.a);
    if (i > s + 1) moveNodes(p, x.a, x.b, after);
    old[s] = y;
    old[i] = x;
  } else return reorder(r, p, old, xs, keys, key, rowFn);
  old.forEach((z, j) => update(z, xs[j]));
  return old;
}

// update gives a kept row its new item, unless equal to the one it has.
function update(x, v) {
  if (x.s.v !== v && !eq(x.s.v, v)) set(x.s, v);
}

// reorder is reconcile's general case: the rows are matched by key in a
// Map, which finds duplicate keys, and move by the longest increasing
// subsequence of their old positions.
function reorder(r, p, old, xs, keys, key, rowFn) {
  const n = xs.length, at = new Map();
  for (let i = 0; i < n; i++) {
    if (at.has(keys[i])) fail(`duplicate key ${show(key(xs[i]))} in a keyed for`);
    at.set(keys[i], i);
  }
  const rows = new Array(n), from = new Int32Array(n).fill(-1);
  let kept = 0;
  for (let j = 0; j < old.length; j++) {
    const i = at.get(old[j].k);
    if (i !== undefined) {
      rows[i] = old[j];
      from[i] = j;
      kept++;
    }
  }
  if (kept < old.length) {
    if (kept === 0) clear(r);
    for (const x of old) {
      if (at.get(x.k) === undefined) {
        dispose(x.o);
        if (kept) removeNodes(x.a, x.b);
      }
    }
  }
  // New rows next to each other are built in a fragment, which goes in
  // at once before the row after them (end).
  const stay = lis(from);
  let next = r.e, f = null, end;
  for (let i = n - 1; i >= 0; i--) {
    let x = rows[i];
    if (!x) {
      if (!f) (f = new DocumentFragment()), (end = next);
      x = rows[i] = newRow(keys[i], xs[i], rowFn, f, f.firstChild);
    } else {
      if (f) p.insertBefore(f, end), (f = null);
      if (!stay[i]) moveNodes(p, x.a, x.b, next);
      update(x, xs[i]);
    }
    next = x.a;
  }
  if (f) p.insertBefore(f, end);
  return rows;
}

// lis marks the positions of a longest increasing subsequence of the
// non-negative values of a.
function lis(a) {
  const n = a.length, mark = new Uint8Array(n);
  let last = -1, i = 0;
  for (; i < n && (a[i] < 0 || a[i] > last); i++) if (a[i] >= 0) last = a[i];
  if (i === n) return mark.fill(1); // nothing moved
  const prev = new Int32Array(n), tails = [];
  for (i = 0; i < n; i++) {
    const v = a[i];
    if (v < 0) continue;
    let lo = 0, hi = tails.length;
    if (hi && a[tails[hi - 1]] < v) lo = hi;
    else
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (a[tails[m]] < v) lo = m + 1;
        else hi = m;
      }
    prev[i] = lo ? tails[lo - 1] : -1;
    tails[lo] = i;
  }
  for (i = tails[tails.length - 1]; i >= 0; i = prev[i]) mark[i] = 1;
  return mark;
}

// ---- attributes ----

export const attr = (e, name, fn) => effect(() => e.setAttribute(name, show(fn())));
// battr and cls touch the element only when the bool turns (a new
// element has neither the attribute nor the class).
export const battr = (e, name, fn) =>
  effect((was) => {
    const v = !!fn();
    if (v !== !!was) e.toggleAttribute(name, v);
    return v;
  });
export const prop = (e, name, fn) =>
  effect(() => {
    const v = fn();
    if (e[name] !== v) e[name] = v;
  });
export const cls = (e, name, fn) =>
  effect((was) => {
    const v = !!fn();
    if (v !== !!was) e.classList.toggle(name, v);
    return v;
  });
export const style = (e, name, fn) => effect(() => e.style.setProperty(name, fn()));

// safeURL reports whether a URL is http:, https:, mailto: or has no
// scheme, read as the browser reads it (tabs and line breaks dropped,
// leading controls and spaces too).
export function safeURL(v) {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(v.replace(/[\t\n\r]/g, "").replace(/^[\0- ]+/, ""));
  return !m || /^(https?|mailto)$/i.test(m[1]);
}

// url is an href, src, action or formaction hole: left out, with a
// console error, unless safeURL.
export const url = (e, name, fn) =>
  effect(() => {
    const v = show(fn());
    if (safeURL(v)) e.setAttribute(name, v);
    else {
      e.removeAttribute(name);
      console.error(`${name} left out of <${e.localName}>: ${JSON.stringify(v)} is not an http, https, mailto or relative URL`);
    }
  });

// ---- events ----

// on runs f like spawn on the event: submit without the browser's
// default, enter on the key Enter.
export function on(e, ev, f) {
  e.addEventListener(ev === "enter" ? "keydown" : ev, (x) => {
    if (ev === "submit") x.preventDefault();
    if (ev !== "enter" || x.key === "Enter") spawn(f);
  });
}

// bind keeps the field's value (kind "text", on input; "select", on
// change) or checked (kind "check", on change) and s equal. Its listener
// is added before any handler of the element, so s is set first.
export function bind(e, s, kind) {
  const p = kind === "check" ? "checked" : "value";
  prop(e, p, () => get(s));
  e.addEventListener(kind === "text" ? "input" : "change", () => set(s, e[p]));
}

// mount replaces the children of the element id with h, under a new root;
// a later mount on the same element disposes it.
const mounted = new WeakMap();
export function mount(id, h) {
  const p = document.getElementById(id) ?? fail(`no element with id "${id}"`);
  const was = mounted.get(p);
  if (was) dispose(was);
  const o = newRoot();
  mounted.set(p, o);
  p.textContent = "";
  within(o, null, () => render(h, p, null));
}
