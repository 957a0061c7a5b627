#!/usr/bin/env node
// `npm start`: the inference server on http://127.0.0.1:8000 with the built-in model, serving the demo
// page (demo/), the built element (dist/) and the model files (models/). Extra arguments go to the
// server (`npm start -- --port 9000`; `npm start -- --help` lists them). Ctrl-C stops it gracefully.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const deno = join(root, "node_modules", ".bin", process.platform === "win32" ? "deno.cmd" : "deno");
if (!existsSync(deno)) {
  console.error("Cannot start: node_modules/.bin/deno is missing. Run `npm install` first.");
  process.exit(1);
}
if (!existsSync(join(root, "dist", "latent-evolver.js"))) {
  console.error(
    "Note: dist/latent-evolver.js is missing, so the demo page cannot load the element. Build it first.",
  );
}
const child = spawn(
  deno,
  ["run", "-A", "--unstable-no-legacy-abort", join(root, "server", "main.ts"), ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);
// The server drains in-flight requests on SIGINT/SIGTERM; pass ours on and wait for it to exit.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  if (signal === null) process.exit(code ?? 0);
  // A crash (SIGSEGV, say) is told apart from the server's own errors, as a shell would: 128 + signal.
  console.error(`The server was ended by ${signal}.`);
  process.exit(128 + (constants.signals[signal] ?? 0));
});
