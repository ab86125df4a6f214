// Values both halves share: exact signed 64-bit ints as BigInt, string
// order by code point, equality, the wire form of values, and the
// built-ins over strings and lists.

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
export function eq(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  if ("ch" in a && "owner" in a) return a.ch === b.ch;
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
  chan: (v) => v,
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
