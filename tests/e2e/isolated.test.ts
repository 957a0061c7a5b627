// A cross-origin isolated page (COOP and COEP, as sites that need SharedArrayBuffer send) that loads
// the built bundle from another origin, as from a CDN. There onnxruntime runs wasm on threads, which
// are workers; a page starts workers only from its own origin, so onnxruntime fetches its glue
// (ort-wasm-simd-threaded.asyncify.mjs, beside the wasm) into a blob: URL. Without that file in
// dist/ the element could not start its model on such a page.
//
// onnxruntime takes half the cores for threads, so on a machine of 2 cores it would not use them:
// the worker here is told it has 8 (navigator.hardwareConcurrency, prepended to its script).
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import puppeteer from "puppeteer-core";

const dist = new URL("../../dist/", import.meta.url);
const chromium = Deno.env.get("CHROME_PATH") ?? "/usr/bin/chromium";
const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};
const CORES = 8;

/** Serves dist/ as a CDN does for such pages: CORS, and a resource policy that lets them embed it. */
function serveDist(requested: string[]) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    requested.push(path);
    const headers = {
      "access-control-allow-origin": "*",
      "cross-origin-resource-policy": "cross-origin",
      "content-type": TYPES[extname(path)] ?? "application/octet-stream",
    };
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await Deno.readFile(fileURLToPath(new URL(`.${path}`, dist)));
    } catch {
      return new Response("not found", { status: 404, headers });
    }
    if (path === "/latent-evolver.worker.js") {
      const cores =
        `Object.defineProperty(WorkerNavigator.prototype, "hardwareConcurrency", { get: () => ${CORES} });\n`;
      body = new Uint8Array([...new TextEncoder().encode(cores), ...body]);
    }
    return new Response(body, { headers });
  });
}

/** The isolated site: one page that loads the element from `cdn` and records how it fared. */
function serveSite(cdn: string) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
    new Response(
      `<!doctype html><html lang="en"><title>isolated</title>
<script type="module" src="${cdn}latent-evolver.js"></script>
<script type="module">
const done = (result) => (window.__result ??= { ...result, isolated: crossOriginIsolated });
document.addEventListener("le-generation-end", (e) => done({ done: e.detail.done }));
document.addEventListener("le-error", (e) => done({ error: e.detail.message }));
</script>
<latent-evolver backend="wasm" storage-key="none" population="3" seed="2"></latent-evolver>`,
      {
        headers: {
          "content-type": "text/html",
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-embedder-policy": "require-corp",
        },
      },
    ));
}

Deno.test({
  name: "a cross-origin isolated page renders with the bundle from another origin, on onnxruntime's threads",
  // puppeteer's connection keeps timers and sockets of its own until the browser closes.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const requested: string[] = [];
    const cdn = serveDist(requested);
    const site = serveSite(`http://127.0.0.1:${cdn.addr.port}/`);
    const browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${site.addr.port}/`);
      await page.waitForFunction(() => (globalThis as { __result?: unknown }).__result, { timeout: 120_000 });
      const result = await page.evaluate(() => (globalThis as { __result?: unknown }).__result);
      assert.deepEqual(result, { done: 3, isolated: true }, requested.join());
      // The threaded path: onnxruntime fetched its glue to start the threads from a blob: URL.
      assert.ok(
        requested.includes("/ort-wasm-simd-threaded.asyncify.mjs"),
        `no threads: the page fetched ${requested.join(", ")}`,
      );
      // The worker downloads the wasm (for its progress bar) and gives onnxruntime the bytes: neither
      // onnxruntime nor its threads fetch it again.
      const wasm = requested.filter((path) => path === "/ort-wasm-simd-threaded.asyncify.wasm");
      assert.equal(wasm.length, 1, `the wasm was fetched ${wasm.length} times`);
    } finally {
      await browser.close();
      await Promise.all([cdn.shutdown(), site.shutdown()]);
    }
  },
});
