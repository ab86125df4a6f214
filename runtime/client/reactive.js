// Sources and effects: the reactive core of the user interface.
//
// A source holds a value and the effects that read it (o, made on the
// first read). An effect runs its function at once and again whenever a
// source it read is set; each run reads afresh, so an effect follows what
// it read last time only (d: the source, or an array of them). An owner
// (an effect or a root) holds the effects made while it ran (kids: the
// last, which links to the one before by n) and the cleanups registered
// then (ups): before
// an effect runs again, and when an owner is disposed, its kids are
// disposed and its cleanups run. A root is an owner that nothing re-runs:
// it lives until its dispose is called (mount, a list's row).
//
// set runs the readers at once, as one batch: an effect that a run sets
// off is queued behind it, and an effect runs at most once per batch
// (the queue is a Set, whose iteration visits what is added while it
// goes). An error in an effect is reported on the console and stops that
// effect only, as a failed spawn does.

let owner = null; // the owner that effects made now belong to
let reader = null; // the effect that reads now, or null
let queue = null; // the batch being run, or null

export function source(v) {
  return { v, o: null };
}

export function get(s) {
  if (reader) {
    (s.o ||= new Set()).add(reader);
    // Most effects read one or two sources: no array, or one of two.
    const d = reader.d;
    if (!d) reader.d = s;
    else if (Array.isArray(d)) d.push(s);
    else reader.d = [d, s];
  }
  return s.v;
}

// set stores v and runs the readers. Setting the value a source already
// holds (===; Prog's values are immutable) runs nothing.
export function set(s, v) {
  if (s.v === v) return;
  s.v = v;
  if (!s.o || s.o.size === 0) return;
  if (queue) {
    for (const e of s.o) queue.add(e);
    return;
  }
  queue = new Set(s.o);
  try {
    for (const e of queue) if (!e.dead) run(e);
  } finally {
    queue = null;
  }
}

function node(fn) {
  return { fn, v: undefined, d: null, kids: null, n: null, ups: null, dead: false };
}

// effect runs fn now and whenever a source it read is set; fn gets the
// value it returned last time.
export function effect(fn) {
  const e = node(fn);
  if (owner) {
    e.n = owner.kids;
    owner.kids = e;
  }
  run(e);
}

// run runs e again. The sources it read last time stay subscribed while
// it runs (a source read again costs no change to its set of readers);
// after, it leaves those it did not read again.
function run(e) {
  const was = e.d, o = owner, r = reader;
  e.d = null;
  clean(e);
  owner = reader = e;
  try {
    e.v = e.fn(e.v);
  } catch (x) {
    console.error(x);
  } finally {
    owner = o;
    reader = r;
    if (was && was !== e.d) unread(e, was, e.dead ? null : e.d);
  }
}

// unread takes e out of the readers of the sources d (one, or an array)
// that are not among keep.
function unread(e, d, keep) {
  if (Array.isArray(d)) for (const s of d) unread(e, s, keep);
  else if (!(d === keep || (Array.isArray(keep) && keep.includes(d)))) d.o.delete(e);
}

function clean(e) {
  if (e.d) {
    unread(e, e.d, null);
    e.d = null;
  }
  for (let k = e.kids; k; k = k.n) dispose(k);
  e.kids = null;
  if (e.ups) {
    for (const f of e.ups) f();
    e.ups = null;
  }
}

export function dispose(e) {
  e.dead = true;
  clean(e);
}

// root runs fn(dispose) as a new owner, tracking nothing; nothing
// disposes it but its dispose.
export function root(fn) {
  const r = node(null);
  return within(r, null, () => fn(() => dispose(r)));
}

// within runs fn with the given owner and reader.
export function within(o, r, fn) {
  const so = owner, sr = reader;
  owner = o;
  reader = r;
  try {
    return fn();
  } finally {
    owner = so;
    reader = sr;
  }
}

// newRoot makes an owner for within, which dispose ends.
export const newRoot = () => node(null);

export const untrack = (fn) => within(owner, null, fn);

export function onCleanup(fn) {
  if (owner) (owner.ups ||= []).push(fn);
}
