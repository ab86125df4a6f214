// Values both halves share: exact signed 64-bit ints as BigInt, string
// order by code point, equality, the wire form of values, and the
// built-ins over strings and lists.

import { caseRanges } from "./casemap.js";

export class ProgError extends Error {}
export function fail(msg) { throw new ProgError(msg); }

// ---- int ----
const MIN = -(1n << 63n), MAX = (1n << 63n) - 1n;
// check fails when r is out of the range of int, naming the operation
// (formatted only then: formatting BigInts at every operation was most of
// the cost of arithmetic).
function check(r, a, op, b) {
  if (r < MIN || r > MAX) fail(op === "-()" ? `int overflow: -(${a})` : `int overflow: ${a} ${op} ${b}`);
  return r;
}
export const iadd = (a, b) => check(a + b, a, "+", b);
export const isub = (a, b) => check(a - b, a, "-", b);
export const imul = (a, b) => check(a * b, a, "*", b);
export const ineg = (a) => check(-a, a, "-()");
export function idiv(a, b) {
  if (b === 0n) fail("division by zero");
  return check(a / b, a, "/", b); // BigInt division truncates, as Go's does
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
// A channel as the server sent it: its id and its owner. Two channels are
// equal when their ids are (as on the server); a record that happens to
// have fields ch and owner is no channel.
export class Chan {
  constructor(v) {
    this.ch = v.ch;
    this.owner = v.owner;
  }
}
export function eq(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  if (a instanceof Chan) return a.ch === b.ch;
  return Object.keys(a).every((k) => eq(a[k], b[k]));
}

// ---- wire values ----
const SAFE = (1n << 53n) - 1n;
export function enc(v) {
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
  chan: (v) => new Chan(v),
};

// ---- built-ins ----
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

// ---- more built-ins (LANGUAGE.md, version 2) ----
// Each computes what runtime/std.go computes, edges included
// (docs/LANGUAGE-NOTES.md, "Built-ins"); neither uses the platform's own
// case mapping, white space, toFixed or sort, which differ.
// MAXLEN bounds what repeat, padStart and replace make (code points) and
// range makes (elements), as runtime.MaxLength does.
const MAXLEN = 1n << 24n;
const cps = (s) => BigInt([...s].length);

function toCase(c, upper) {
  let lo = 0, hi = caseRanges.length / 4;
  while (lo < hi) {
    const m = (lo + hi) >>> 1, at = m * 4;
    if (c < caseRanges[at]) hi = m;
    else if (c > caseRanges[at + 1]) lo = m + 1;
    else {
      const d = caseRanges[at + (upper ? 2 : 3)];
      if (d > 0x10ffff) {
        // Alternating upper, lower from the range's first code point.
        const off = c - caseRanges[at];
        return caseRanges[at] + (upper ? off & ~1 : off | 1);
      }
      return c + d;
    }
  }
  return c;
}
function mapCase(s, upper) {
  let out = "";
  for (const ch of s) out += String.fromCodePoint(toCase(ch.codePointAt(0), upper));
  return out;
}
export const lower = (s) => mapCase(s, false);
export const upper = (s) => mapCase(s, true);

// Unicode's White_Space (JavaScript's trim also takes U+FEFF, not U+0085).
// A literal, not new RegExp, so that a bundle without trim leaves it out.
export const trim = (s) =>
  s.replace(/^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, "");

const clamp = (i, n) => (i < 0n ? 0n : i > n ? n : i);
export function substring(s, from, to) {
  const c = [...s], n = BigInt(c.length);
  from = clamp(from, n);
  to = clamp(to, n);
  return to <= from ? "" : c.slice(Number(from), Number(to)).join("");
}
export const startsWith = (s, p) => s.startsWith(p);
export const endsWith = (s, p) => s.endsWith(p);
export function indexOf(s, sub) {
  const i = s.indexOf(sub);
  return i < 0 ? -1n : cps(s.slice(0, i));
}
export function replace(s, old, nu) {
  const parts = old === "" ? ["", ...s, ""] : s.split(old);
  const k = BigInt(parts.length - 1);
  if (k === 0n) return s;
  const grow = cps(nu) - cps(old);
  if (grow > 0n && cps(s) + k * grow > MAXLEN) fail(`replace: the result would be longer than ${MAXLEN} code points`);
  return parts.join(nu);
}
export function repeat(s, n) {
  if (n < 0n) fail(`repeat(…, ${n}): the count is negative`);
  const c = cps(s);
  if (c > 0n && n > MAXLEN / c) fail(`repeat(…, ${n}): the result would be longer than ${MAXLEN} code points`);
  return s.repeat(Number(n));
}
export function padStart(s, n, pad) {
  const c = cps(s);
  if (n < 0n) fail(`padStart(…, ${n}, …): the length is negative`);
  if (n <= c) return s;
  if (n > MAXLEN) fail(`padStart(…, ${n}, …): the result would be longer than ${MAXLEN} code points`);
  if (pad === "") return s;
  const p = [...pad], need = n - c, k = BigInt(p.length);
  return pad.repeat(Number(need / k)) + p.slice(0, Number(need % k)).join("") + s;
}

// fixed rounds f's exact binary value m * 2^e to digits decimals, a half
// away from zero, with BigInt: never toFixed, which rounds the same but
// switches to an exponent from 1e21.
export function fixed(f, digits) {
  if (digits < 0n || digits > 100n) fail(`fixed(${f}, ${digits}): the digits must be 0 to 100`);
  if (!Number.isFinite(f)) return String(f);
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, f);
  const bits = v.getBigUint64(0);
  let m = bits & ((1n << 52n) - 1n), e = (bits >> 52n) & 0x7ffn;
  if (e === 0n) e = 1n;
  else m |= 1n << 52n;
  e -= 1075n;
  let q = m * 10n ** digits;
  q = e >= 0n ? q << e : ((q >> (-e - 1n)) + 1n) >> 1n;
  let t = String(q);
  const d = Number(digits);
  if (t.length <= d) t = "0".repeat(d + 1 - t.length) + t;
  if (d > 0) t = t.slice(0, t.length - d) + "." + t.slice(t.length - d);
  return f < 0 ? "-" + t : t;
}

export const absInt = (n) => (n < 0n ? ineg(n) : n);
export const absFloat = Math.abs;
export const minInt = (a, b) => (a < b ? a : b);
export const maxInt = (a, b) => (a > b ? a : b);
// Math.min and Math.max: NaN when either is NaN; -0 below 0, as Go's.
export const minFloat = (a, b) => Math.min(a, b);
export const maxFloat = (a, b) => Math.max(a, b);

// intOf is the whole float r as an int, as toInt checks it.
function intOf(name, f, r) {
  if (!(r >= -9223372036854775808 && r < 9223372036854775808)) fail(`${name}(${f}): out of the range of int`);
  return BigInt(r);
}
export function round(f) {
  // A half away from zero, as Go's math.Round (Math.round takes -2.5 to
  // -2); f - trunc(f) is exact.
  const t = Math.trunc(f);
  return intOf("round", f, Math.abs(f - t) >= 0.5 ? t + Math.sign(f) : t);
}
export const floor = (f) => intOf("floor", f, Math.floor(f));
export const ceil = (f) => intOf("ceil", f, Math.ceil(f));

// map, filter and sort call their function in order, as the server does;
// the Async forms are for functions that wait (the split says which),
// and await each call before the next.
export const map = (xs, f) => xs.map((x) => f(x));
export async function mapAsync(xs, f) {
  const out = [];
  for (const x of xs) out.push(await f(x));
  return out;
}
export const filter = (xs, keep) => xs.filter((x) => keep(x));
export async function filterAsync(xs, keep) {
  const out = [];
  for (const x of xs) if (await keep(x)) out.push(x);
  return out;
}
// sort is a stable top-down merge sort that calls less on the same pairs
// in the same order as the server's (runtime.Sort).
export function sort(xs, less) {
  if (xs.length <= 1) return xs.slice();
  const mid = xs.length >> 1, l = sort(xs.slice(0, mid), less), r = sort(xs.slice(mid), less), out = [];
  let i = 0, j = 0;
  while (i < l.length && j < r.length) out.push(less(r[j], l[i]) ? r[j++] : l[i++]);
  return out.concat(l.slice(i), r.slice(j));
}
export async function sortAsync(xs, less) {
  if (xs.length <= 1) return xs.slice();
  const mid = xs.length >> 1, l = await sortAsync(xs.slice(0, mid), less), r = await sortAsync(xs.slice(mid), less), out = [];
  let i = 0, j = 0;
  while (i < l.length && j < r.length) out.push((await less(r[j], l[i])) ? r[j++] : l[i++]);
  return out.concat(l.slice(i), r.slice(j));
}
export function range(a, b) {
  if (b <= a) return [];
  if (b - a > MAXLEN) fail(`range(${a}, ${b}): more than ${MAXLEN} elements`);
  const out = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}
export const reverse = (xs) => xs.slice().reverse();
