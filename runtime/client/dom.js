// The id-based DOM built-ins: text only, never HTML.

import { fail } from "./values.js";
import { spawn } from "./protocol.js";

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
