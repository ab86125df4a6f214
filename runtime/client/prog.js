// The client runtime of Prog: the push/pull protocol (DESIGN.md, wire
// protocol 1), channels, the built-ins that run in the browser, and exact
// signed 64-bit ints as BigInt. Generated code imports it as "prog:runtime".

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content;
const sid = meta("prog-session");
const key = meta("prog-key");
const me = Number(meta("prog-client"));
const pushBase = meta("prog-push") || "";

export class ProgError extends Error {}
export function fail(msg) { throw new ProgError(msg); }

// ---- int ----
const MIN = -(1n << 63n), MAX = (1n << 63n) - 1n;
function check(r, what) {
  if (r < MIN || r > MAX) fail(`int overflow: ${what}`);
  return r;
}
export const iadd = (a, b) => check(a + b, `${a} + ${b}`);
export const isub = (a, b) => check(a - b, `${a} - ${b}`);
export const imul = (a, b) => check(a * b, `${a} * ${b}`);
export const ineg = (a) => check(-a, `-(${a})`);
export function idiv(a, b) {
  if (b === 0n) fail("division by zero");
  return check(a / b, `${a} / ${b}`); // BigInt division truncates, as Go's does
}
export function imod(a, b) {
  if (b === 0n) fail("division by zero");
  return a % b; // the sign of a, as in Go
}
export function index(xs, i) {
  if (i < 0n || i >= BigInt(xs.length)) fail(`index ${i} out of range for a list of length ${xs.length}`);
  return xs[Number(i)];
}
// Strings compare by code point, as on the server. JavaScript's < compares
// UTF-16 units, which puts U+E000–U+FFFF above the code points past U+FFFF
// (stored as surrogates, D800–DFFF): where the first difference is
// between two such units, surrogates are moved above E000.
export function compare(a, b) {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  let x = a.charCodeAt(i), y = b.charCodeAt(i);
  if (x >= 0xd800 && y >= 0xd800) {
    x = (x + 0x2000) & 0xffff;
    y = (y + 0x2000) & 0xffff;
  }
  return x - y;
}
export function eq(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  if ("ch" in a && "owner" in a) return a.ch === b.ch;
  return Object.keys(a).every((k) => eq(a[k], b[k]));
}

// ---- wire values ----
const SAFE = (1n << 53n) - 1n;
function enc(v) {
  switch (typeof v) {
    case "bigint": return v > SAFE || v < -SAFE ? String(v) : Number(v);
    case "number": return Number.isFinite(v) ? v : String(v);
    case "undefined": return null;
  }
  if (Array.isArray(v)) return v.map(enc);
  // A record: built from entries, so that each field is an own property,
  // __proto__ too (assigning o.__proto__ would set the prototype).
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
  return v;
}
const num = (v) => (typeof v === "string" ? Number(v) : v);
export const D = {
  id: (v) => v,
  int: (v) => BigInt(v),
  float: num,
  list: (d) => (v) => v.map(d),
  opt: (d) => (v) => (v === null ? null : d(v)),
  // An option whose value may be null itself holds some(x) as [x].
  boxedOpt: (d) => (v) => (v === null ? null : [d(v[0])]),
  rec: (fs) => (v) => Object.fromEntries(Object.keys(fs).map((k) => [k, fs[k](v[k])])),
  chan: (v) => v,
};

// ---- the session ----
// When the server answers 410 the session is over (collected, or its page
// fell behind): the page says so, with the reason and a reload button.
let expired = false;
function expire(reason) {
  if (expired) return;
  expired = true;
  const p = document.createElement("p");
  p.setAttribute("role", "alert");
  p.style.cssText = "position:fixed;top:0;left:0;right:0;margin:0;padding:.5em;background:#fec;font:14px sans-serif";
  p.append(`This page's session has ended (${reason || "session expired"}). `);
  const b = document.createElement("button");
  b.textContent = "Reload";
  b.onclick = () => location.reload();
  p.append(b);
  document.body.prepend(p);
}
const reason = async (r) => (await r.json().catch(() => ({}))).err;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const backoff = (n, most = 10000) => Math.min(most, 250 * 2 ** n) * (0.5 + Math.random() / 2);

// Channels: messages wait in a queue until recv takes them.
const chans = new Map();
function chanOf(id) {
  let c = chans.get(id);
  if (!c) chans.set(id, (c = { msgs: [], waiters: [] }));
  return c;
}
function deliver(m) {
  const c = chanOf(m.ch);
  const w = c.waiters.shift();
  if (w) w(m.v);
  else c.msgs.push(m.v);
}
export async function recv(ch, d) {
  if (ch.owner !== me) fail(`recv on channel ${ch.ch}, which belongs to another client`);
  const c = chanOf(ch.ch);
  if (c.msgs.length > 0) return d(c.msgs.shift());
  return d(await new Promise((r) => c.waiters.push(r)));
}

async function pushLoop() {
  let ack = 0, errors = 0;
  while (!expired) {
    try {
      const r = await fetch(`${pushBase}/push/${sid}?ack=${ack}`, { headers: { "Prog-Key": key }, cache: "no-store" });
      if (r.status === 410) return expire(await reason(r));
      if (!r.ok) throw new Error(`push: ${r.status}`);
      const { msgs } = await r.json();
      for (const m of msgs) {
        if (m.seq > ack) {
          ack = m.seq;
          deliver(m);
        }
      }
      errors = 0;
    } catch (e) {
      // At most a second: the server collects a page whose push request
      // was cut and not renewed within its leave grace (10 s).
      await pause(backoff(errors++, 1000));
    }
  }
}

// remote is a server function as a value: a function that calls it.
export const remote = (fn, d) => (...args) => call(fn, args, d);

let callId = 0;
export async function call(fn, args, d) {
  const id = ++callId;
  const body = JSON.stringify({ id, fn, args: args.map(enc) });
  for (let errors = 0; ; ) {
    let r;
    try {
      r = await fetch(`/pull/${sid}`, { method: "POST", headers: { "Prog-Key": key, "Content-Type": "application/json" }, body });
    } catch (e) {
      r = null; // the network failed
    }
    if (!r || r.status >= 502) {
      await pause(backoff(errors++)); // the same id again: the server runs it once
      continue;
    }
    if (r.status === 410) {
      const why = await reason(r);
      expire(why);
      fail(why || "session expired");
    }
    const res = await r.json();
    if (!r.ok || "err" in res) fail(`${fn}: ${res.err}`);
    return d(res.ok);
  }
}

function report(e) {
  console.error(e);
}
export function spawn(f) {
  Promise.resolve().then(f).catch(report);
}
export function start(main) {
  // The page is going away (closed, reloaded, left): the server collects
  // its client at once. The key goes in the body, never in the URL.
  addEventListener("pagehide", () => navigator.sendBeacon(`/leave/${sid}`, JSON.stringify({ key })));
  // A page brought back from the back/forward cache has ended its session.
  addEventListener("pageshow", (e) => e.persisted && location.reload());
  pushLoop();
  spawn(main);
}

// ---- built-ins ----
export const self = () => me;
export const now = () => BigInt(Date.now());
export const log = (s) => console.log(s);
export const sleep = (ms) => pause(Number(ms));
export const len = (s) => BigInt([...s].length);
export const length = (xs) => BigInt(xs.length);
export function strFloat(f) { return String(f); }
export function parseInt(s) {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const n = BigInt(s);
  return n < MIN || n > MAX ? null : n;
}
export function parseFloat(s) {
  return /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s) ? Number(s) : null;
}
export function trunc(f) {
  if (!(f >= -9223372036854775808 && f < 9223372036854775808)) fail(`toInt(${f}): out of the range of int`);
  return BigInt(Math.trunc(f));
}
export const split = (s, sep) => (sep === "" ? [...s] : s.split(sep));
export const join = (xs, sep) => xs.join(sep);
export const contains = (xs, x) => xs.some((y) => eq(x, y));
export const append = (xs, x) => [...xs, x];

const el = (id) => document.getElementById(id) ?? fail(`no element with id "${id}"`);
export function text(id, s) { el(id).textContent = s; }
export function add(id, s) {
  const e = el(id);
  const item = document.createElement(e.tagName === "UL" || e.tagName === "OL" ? "li" : "div");
  item.textContent = s;
  e.append(item);
}
export const value = (id) => el(id).value ?? "";
export function setValue(id, s) { el(id).value = s; }
export function clear(id) { el(id).replaceChildren(); }
export function onClick(id, f) { el(id).addEventListener("click", () => spawn(f)); }
export function onEnter(id, f) {
  el(id).addEventListener("keydown", (e) => {
    if (e.key === "Enter") spawn(f);
  });
}
