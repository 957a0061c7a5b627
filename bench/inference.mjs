#!/usr/bin/env node
// Benchmark: the built-in model, a batch of 8 latents through core/pipeline's generate(), on
// onnxruntime-node (CPU) and on onnxruntime-web's wasm provider in Chromium, in the same run, and
// their ratio (target: wasm at least half of native). The headline ratio is single-threaded wasm, what a
// page without COOP/COEP gets; the page here is cross-origin isolated, so a run with as many threads as
// native is reported too, and one of onnxruntime-web/webgpu's build used on wasm.
//
//   node bench/inference.mjs [--repeats 7]
//
// Writes bench/results/inference.json.
import { build } from "esbuild";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as ortNode from "onnxruntime-node";
import puppeteer from "puppeteer-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// `--repeats=N` (what `npm run bench -- inference --repeats=N` passes), or `--repeats N`.
const joined = process.argv.find((a) => a.startsWith("--repeats="));
const i = process.argv.indexOf("--repeats");
const repeats = joined ? Number(joined.slice(10)) : i > 0 ? Number(process.argv[i + 1]) : 7;
const threads = Math.min(cpus().length, 4);
const out = mkdtempSync(join(tmpdir(), "bench-inference-"));
const manifestPath = join(root, "models", "builtin", "manifest.json");
const manifestJson = JSON.parse(readFileSync(manifestPath, "utf8"));

for (const platform of ["node", "browser"]) {
  await build({
    entryPoints: [join(root, "bench", "inference", "entry.ts")],
    bundle: true,
    format: "esm",
    platform,
    outfile: join(out, `entry-${platform}.mjs`),
    logLevel: "warning",
  });
}

// --- native: onnxruntime-node, CPU provider
const { runBench } = await import(pathToFileURL(join(out, "entry-node.mjs")).href);
const native = await runBench(ortNode, {
  manifestJson,
  manifestUrl: pathToFileURL(manifestPath).href,
  loadFile: (url) => Promise.resolve(new Uint8Array(readFileSync(fileURLToPath(url)))),
  repeats,
});

// --- wasm: onnxruntime-web in Chromium, served with COOP/COEP so threads are allowed
const page = `<!doctype html><script type="module">
const params = new URLSearchParams(location.search);
const ort = await import("/ort/" + params.get("build"));
const { runBench } = await import("/entry-browser.mjs");
const threads = Number(params.get("threads"));
ort.env.wasm.wasmPaths = "/ort/";
ort.env.wasm.numThreads = threads;
try {
  const manifestUrl = new URL("/models/builtin/manifest.json", location.href).href;
  const manifestJson = await (await fetch(manifestUrl)).json();
  window.__result = { isolated: crossOriginIsolated, ...(await runBench(ort, { manifestJson, manifestUrl,
    executionProviders: ["wasm"], repeats: ${repeats} })) };
} catch (e) { window.__result = { error: String(e && e.stack || e) }; }
</script>`;
const types = {
  ".mjs": "text/javascript",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
};
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const file = path === "/"
    ? null
    : path.startsWith("/ort/")
    ? join(root, "node_modules", "onnxruntime-web", "dist", normalize(path.slice(5)))
    : path.startsWith("/models/")
    ? join(root, normalize(path))
    : join(out, normalize(path));
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
  try {
    const body = file ? readFileSync(file) : page;
    res.setHeader("Content-Type", file ? types[extname(file)] ?? "application/octet-stream" : "text/html");
    res.end(body);
  } catch {
    res.statusCode = 404;
    res.end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu"],
});
const chromeVersion = await browser.version();
// ort.wasm.min.mjs is the CPU-only build ("onnxruntime-web/wasm"), which the element's wasm backend
// runs; ort.webgpu.min.mjs ("onnxruntime-web/webgpu", the webgpu backend's) also carries WebGPU, and
// its wasm is built with asyncify, which slows CPU kernels down: the element's wasm backend ran it on
// its wasm provider before it had a build of its own. ort.min.mjs (plain "onnxruntime-web", which
// the element does not use) carries WebGPU through JSEP, another wasm.
const configs = [
  { key: "wasm", build: "ort.wasm.min.mjs", threads, label: `onnxruntime-web/wasm, ${threads} threads` },
  { key: "wasm1", build: "ort.wasm.min.mjs", threads: 1, label: "onnxruntime-web/wasm, 1 thread" },
  {
    key: "webgpu1",
    build: "ort.webgpu.min.mjs",
    threads: 1,
    label: "onnxruntime-web/webgpu on its wasm provider, 1 thread",
  },
  { key: "jsep1", build: "ort.min.mjs", threads: 1, label: "onnxruntime-web (JSEP build) on wasm, 1 thread" },
];
const wasm = {};
for (const { key, build, threads: n } of configs) {
  const tab = await browser.newPage();
  await tab.goto(`${base}?build=${build}&threads=${n}`);
  await tab.waitForFunction(() => globalThis.__result, { timeout: 300000 });
  const result = await tab.evaluate(() => globalThis.__result);
  if (result.error) throw new Error(`${build} with ${n} threads failed: ${result.error}`);
  wasm[key] = result;
  await tab.close();
}
await browser.close();
server.close();
rmSync(out, { recursive: true, force: true });

const ortVersion =
  JSON.parse(readFileSync(join(root, "node_modules", "onnxruntime-web", "package.json"), "utf8")).version;
const machine = `${cpus()[0]?.model.trim()}, ${cpus().length} cores; Node ${process.version}, ` +
  `onnxruntime-node/-web ${ortVersion}, ${chromeVersion}`;
const rows = [
  [`onnxruntime-node CPU (${threads} threads)`, native],
  ...configs.map((c) => [`${c.label}${wasm[c.key].isolated ? "" : " (page not isolated!)"}`, wasm[c.key]]),
];
console.log(`\n## Inference: built-in model, batch of 8 (256x256)\n\nMachine: ${machine}\n`);
console.log("| runtime | first batch (ms) | median batch (ms) | images/s | vs native |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, r] of rows) {
  console.log(
    `| ${name} | ${r.firstBatchMs.toFixed(0)} | ${r.medianMs.toFixed(0)} | ${
      r.imagesPerSecond.toFixed(1)
    } | ` +
      `${(r.imagesPerSecond / native.imagesPerSecond).toFixed(2)} |`,
  );
}
// Headline: 1-thread onnxruntime-web/wasm, what an embedding page without COOP/COEP gets (the usual case).
const ratio = wasm.wasm1.imagesPerSecond / native.imagesPerSecond;
const ratioThreads = wasm.wasm.imagesPerSecond / native.imagesPerSecond;
console.log(
  `\nwasm/native: ${ratio.toFixed(2)} with 1 thread, ${ratioThreads.toFixed(2)} with ${threads} ` +
    `(target >= 0.5): ${ratio >= 0.5 ? "met" : "NOT met"}`,
);
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  join(root, "bench", "results", "inference.json"),
  JSON.stringify(
    { machine, repeats, threads, native, wasm, ratio, ratioThreads, date: new Date().toISOString() },
    null,
    2,
  ) + "\n",
);
