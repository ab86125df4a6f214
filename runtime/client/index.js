// The client runtime of Prog, as generated code imports it ("prog:runtime").
// Each part is a module of its own, and a bundle keeps only what its
// program uses.

export * from "./values.js";
export * from "./protocol.js";
export * from "./dom.js";
export * from "./reactive.js";
export * from "./ui.js";
