// The push/pull protocol (DESIGN.md, wire protocol 1): the session, the
// push loop, remote calls, channels, spawn, and the built-ins that need the
// session.

import { enc, fail } from "./values.js";

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content;
const sid = meta("prog-session");
const key = meta("prog-key");
const me = Number(meta("prog-client"));
const pushBase = meta("prog-push") || "";

// ---- the session ----
// When the server answers 410 the session is over (collected, or its page
// fell behind): the page says so, with the reason and a reload button. A
// 410 with Prog-Reload comes from a server running another build of the
// program (a deploy): the page reloads itself.
let expired = false;
function expire(reason, reload) {
  if (expired) return;
  expired = true;
  if (reload) return location.reload();
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
      if (r.status === 410) return expire(await reason(r), r.headers.has("Prog-Reload"));
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
      expire(why, r.headers.has("Prog-Reload"));
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
// spawn calls f(...args) soon, without waiting for it; the arguments were
// evaluated by the caller.
export function spawn(f, ...args) {
  Promise.resolve().then(() => f(...args)).catch(report);
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
