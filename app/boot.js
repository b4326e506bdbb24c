// Starts the wasm UI. A separate file (not an inline script) so that the
// content security policy can forbid inline scripts.
import init from "./cds_app.js";
init();
