// Starts the app: imports the wasm-bindgen module Trunk built and
// instantiates it. A separate file (not an inline script) so the page's
// Content-Security-Policy can forbid inline scripts.
const boot = document.getElementById("modelvet-boot");
const { default: init } = await import(boot.dataset.js);
await init({ module_or_path: boot.dataset.wasm });
