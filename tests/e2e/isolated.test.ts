// A cross-origin isolated page (COOP and COEP, as sites that need SharedArrayBuffer send) that loads
// the built bundle, from another origin as from a CDN, or from its own. There onnxruntime runs wasm
// on threads, which are workers started from its build's glue: ort-wasm-simd-threaded.mjs for the
// wasm backend, .asyncify.mjs for webgpu, beside the worker in dist/. A page starts workers only from
// its own origin, so from another origin onnxruntime fetches the glue into a blob: URL. The worker
// has both builds' glue inside, but threads started from it (its own URL) ran the wrong build's:
// the webgpu backend hung on a page serving the bundle itself. Each backend downloads its own
// runtime only.
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
/** Each backend's runtime: its wasm and its glue (component/backends/ort-wasm.ts). */
const RUNTIMES = {
  wasm: ["/ort-wasm-simd-threaded.wasm", "/ort-wasm-simd-threaded.mjs"],
  webgpu: ["/ort-wasm-simd-threaded.asyncify.wasm", "/ort-wasm-simd-threaded.asyncify.mjs"],
};
type Backend = keyof typeof RUNTIMES;

/** The isolated page: the element from `bundle`, with a script that records how it fared. */
const page = (bundle: string, backend: Backend) =>
  `<!doctype html><html lang="en"><title>isolated</title>
<script type="module" src="${bundle}latent-evolver.js"></script>
<script type="module">
const done = (result) => (window.__result ??= { ...result, isolated: crossOriginIsolated });
document.addEventListener("le-generation-end", (e) => done({ done: e.detail.done, backend: e.target.activeBackend }));
document.addEventListener("le-error", (e) => done({ error: e.detail.message }));
</script>
<latent-evolver backend="${backend}" storage-key="none" population="3" seed="2"></latent-evolver>`;

/** What isolates a page: a site sends it with every response, so that its workers are isolated too. */
const ISOLATING = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
};

/**
 * Serves dist/, recording each path: as a CDN does for such pages (CORS, and a resource policy that
 * lets them embed it), or, given the page for `/`, as the isolated site itself.
 */
function serve(requested: string[], html?: string) {
  const site = html === undefined ? {} : ISOLATING;
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (html !== undefined && path === "/") {
      return new Response(html, { headers: { ...site, "content-type": "text/html" } });
    }
    requested.push(path);
    const headers = {
      ...site,
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

/**
 * Opens the isolated page with the bundle from another origin (or the page's own) until the element
 * rendered its first generation or failed.
 *
 * @returns How it fared, and the paths of dist/ it requested.
 */
async function renderIsolated(backend: Backend, from: "another origin" | "its own origin") {
  const requested: string[] = [];
  const cdn = from === "another origin" ? serve(requested) : null;
  const site = serve(requested, page(cdn ? `http://127.0.0.1:${cdn.addr.port}/` : "/", backend));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // WebGPU on Chromium's software adapter, which backend="webgpu" uses.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-webgpu", "--enable-features=Vulkan"],
  });
  try {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${site.addr.port}/`);
    await tab.waitForFunction(() => (globalThis as { __result?: unknown }).__result, { timeout: 120_000 });
    return { result: await tab.evaluate(() => (globalThis as { __result?: unknown }).__result), requested };
  } finally {
    await browser.close();
    await Promise.all([cdn?.shutdown(), site.shutdown()]);
  }
}

/** Asserts that the page rendered on `backend`, on threads, and fetched its runtime only, once. */
function assertRuntime(backend: Backend, result: unknown, requested: string[]) {
  assert.deepEqual(result, { done: 3, backend, isolated: true }, requested.join());
  const [wasm, glue] = RUNTIMES[backend];
  // The threaded path: onnxruntime imported its glue, to start the threads from it (from a blob: URL
  // when it is on another origin).
  assert.ok(requested.includes(glue), `no threads: the page fetched ${requested.join(", ")}`);
  // The worker downloads the wasm (for its progress bar) and gives onnxruntime the bytes: neither
  // onnxruntime nor its threads fetch it again.
  const fetched = requested.filter((path) => path === wasm);
  assert.equal(fetched.length, 1, `${wasm} was fetched ${fetched.length} times`);
  const other = Object.entries(RUNTIMES).filter(([name]) => name !== backend).flatMap(([, files]) => files);
  assert.deepEqual(
    requested.filter((path) => other.includes(path)),
    [],
    "another backend's runtime was fetched",
  );
}

for (
  const [backend, from] of [
    ["wasm", "another origin"],
    ["wasm", "its own origin"],
    ["webgpu", "another origin"],
    ["webgpu", "its own origin"],
  ] as const
) {
  Deno.test({
    name:
      `a cross-origin isolated page renders on ${backend} with the bundle from ${from}, on onnxruntime's threads, downloading that backend's runtime alone`,
    // puppeteer's connection keeps timers and sockets of its own until the browser closes.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const { result, requested } = await renderIsolated(backend, from);
      assertRuntime(backend, result, requested);
    },
  });
}
