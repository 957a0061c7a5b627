// A test server route (web-test-runner.config.mjs): dist/ under /__le/held/, where the download of
// the wasm backend's onnxruntime wasm stops after its first MiB until the test lets it go, as on a
// slow network, so that a test sees the element while it downloads (tests/component/loading.test.ts).
// /__le/held-control?hold=1 holds the wasm downloads that start from then on, ?release=1 lets those
// held go; each answers how many times the wasm was requested, and the paths of the other files.
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const WASM = "ort-wasm-simd-threaded.wasm";
const PREFIX = "/__le/held/";

/**
 * The route's middleware.
 *
 * @param {string} root The repository's root.
 * @returns {(context: import("koa").Context, next: () => Promise<void>) => Promise<void>} The middleware.
 */
export function heldAssets(root) {
  const dist = join(root, "dist");
  const state = { requests: 0, others: [], gate: Promise.resolve(), release: () => {} };
  return async (context, next) => {
    if (context.path === "/__le/held-control") {
      if (context.query.release === "1") state.release();
      if (context.query.hold === "1") state.gate = new Promise((resolve) => (state.release = resolve));
      context.type = "json";
      context.body = JSON.stringify({ wasmRequests: state.requests, others: state.others });
      return;
    }
    if (!context.path.startsWith(PREFIX)) return next();
    if (!context.path.endsWith(`/${WASM}`)) state.others.push(context.path.slice(PREFIX.length - 1));
    const file = normalize(join(dist, decodeURIComponent(context.path.slice(PREFIX.length))));
    const bytes = file.startsWith(dist + "/") ? await readFile(file).catch(() => null) : null;
    if (!bytes) {
      context.status = 404;
      return;
    }
    if (!file.endsWith(`/${WASM}`)) {
      context.type = extname(file);
      context.body = bytes;
      return;
    }
    state.requests++;
    const gate = state.gate;
    // Sent here, not through koa: web-test-runner lets browsers cache every file with an extension for
    // a year (it sets the header once this returns), and a cached wasm would not be downloaded again.
    context.respond = false;
    const res = context.res;
    res.writeHead(200, {
      "content-type": "application/wasm",
      "content-length": bytes.length,
      "cache-control": "no-store",
    });
    res.write(bytes.subarray(0, 2 ** 20));
    gate.then(() => res.end(bytes.subarray(2 ** 20)));
  };
}
