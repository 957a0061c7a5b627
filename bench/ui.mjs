#!/usr/bin/env node
// bench/ui: how the element feels in Chromium on the built-in model, on the wasm backend and on
// WebGPU (Chromium's software adapter here, unless the machine has a GPU).
// Measures, per Evolve: time to the first image drawn and to the whole batch, and the longest
// main-thread task during the generation (PerformanceObserver "longtask"; target: none over 50 ms).
// Usage: node bench/ui.mjs [--runs 8] [--population 8] (it builds dist/ first, so it measures the
// current sources, never a stale bundle)
// Prints a markdown table headed by the machine, and writes bench/results/ui.json.
import puppeteer from "puppeteer-core";
import { createServer } from "node:http";
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";

const root = fileURLToPath(new URL("..", import.meta.url));
/** `--name=value` (what `npm run bench -- ui --name=value` passes), or `--name value`. */
const arg = (name, fallback) => {
  const joined = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (joined) return Number(joined.slice(name.length + 3));
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg("runs", 6);
const population = arg("population", 8);
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], {
  stdio: ["ignore", "ignore", "inherit"],
});
if (!existsSync(join(root, "dist", "latent-evolver.js"))) {
  console.error("bench/ui: the build made no dist/latent-evolver.js");
  process.exit(2);
}

const types = {
  ".js": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".html": "text/html",
};
const page = (backend) =>
  `<!doctype html><html lang="en"><title>bench</title><script type="module" src="/dist/latent-evolver.js"></script>
<latent-evolver backend="${backend}" population="${population}" seed="1" storage-key="none" prompt="a misty fjord">
</latent-evolver>`;
const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const m = url.pathname.match(/^\/bench-(wasm|webgpu)\.html$/);
  if (m) return res.writeHead(200, { "content-type": "text/html" }).end(page(m[1]));
  const file = normalize(join(root, decodeURIComponent(url.pathname)));
  if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  headless: true,
  protocolTimeout: 600_000,
  args: ["--no-sandbox", "--enable-unsafe-webgpu", "--enable-features=Vulkan"],
});
const version = await browser.version();

/** One backend: load, wait for the first batch, then `runs` Evolves measured in the page. */
async function measure(backend) {
  const tab = await browser.newPage();
  // Listen before the element starts, or the first batch may finish before the bench looks.
  await tab.evaluateOnNewDocument(() => {
    globalThis.__firstBatch = new Promise((resolve) => {
      document.addEventListener("le-generation-end", (e) => !e.detail.cancelled && resolve({}));
      document.addEventListener("le-error", (e) => resolve({ error: e.detail.message }));
    });
  });
  await tab.goto(`${base}/bench-${backend}.html`);
  return await tab.evaluate(async (runs) => {
    const el = document.querySelector("latent-evolver");
    const once = (type, ok = () => true) =>
      new Promise((resolve) => {
        const on = (e) => {
          if (!ok(e)) return;
          el.removeEventListener(type, on);
          resolve(e);
        };
        el.addEventListener(type, on);
      });
    const first = await globalThis.__firstBatch;
    if (first.error) return first;
    let longest = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longest = Math.max(longest, entry.duration);
    });
    observer.observe({ type: "longtask", buffered: false });
    const rows = [];
    for (let r = 0; r < runs; r++) {
      el.shadowRoot.querySelector('[part~="image-button"]').click();
      await el.updateComplete;
      longest = 0;
      const t0 = performance.now();
      const firstImage = once("le-generation-progress").then(async () => {
        await el.updateComplete;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return performance.now() - t0;
      });
      const end = once("le-generation-end", (e) => !e.detail.cancelled);
      el.shadowRoot.querySelector('[part~="evolve"]').click();
      const [toFirst] = await Promise.all([firstImage, end]);
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const toAll = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 50)); // let the observer deliver the last entries
      rows.push({ toFirst, toAll, longestTask: longest });
    }
    observer.disconnect();
    return { backend: el.activeBackend, rows };
  }, runs);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
for (const backend of ["wasm", "webgpu"]) {
  const r = await measure(backend);
  if (r.error) {
    results.push({ requested: backend, error: r.error });
    continue;
  }
  results.push({
    requested: backend,
    backend: r.backend,
    runs: r.rows.length,
    medianFirstImageMs: median(r.rows.map((x) => x.toFirst)),
    medianBatchMs: median(r.rows.map((x) => x.toAll)),
    maxLongTaskMs: Math.max(0, ...r.rows.map((x) => x.longestTask)),
    rows: r.rows,
  });
}
await browser.close();
server.close();

let deno = "";
try {
  deno = execFileSync(join(root, "node_modules", ".bin", "deno"), ["--version"], { encoding: "utf8" }).split(
    "\n",
  )[0];
} catch { /* optional */ }
const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  node: process.version,
  chromium: version,
  deno,
};
console.log(
  `## bench/ui — ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.chromium}\n`,
);
console.log(
  `Built-in model, population ${population}, ${runs} Evolves per backend (medians; longest task = max).\n`,
);
console.log(
  "| backend | Evolve → first image (ms) | Evolve → whole batch (ms) | longest main-thread task (ms) |",
);
console.log("|---|---:|---:|---:|");
for (const r of results) {
  if (r.error) console.log(`| ${r.requested} | failed: ${r.error} | | |`);
  else {
    const name = r.backend === r.requested ? r.backend : `${r.requested} (ran ${r.backend})`;
    console.log(
      `| ${name} | ${r.medianFirstImageMs.toFixed(0)} | ${r.medianBatchMs.toFixed(0)} | ${
        r.maxLongTaskMs ? r.maxLongTaskMs.toFixed(0) : "none over 50"
      } |`,
    );
  }
}
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  join(root, "bench", "results", "ui.json"),
  JSON.stringify({ machine, population, runs, results }, null, 2),
);
// A backend that failed is a failed benchmark, not a row to skim past.
if (results.some((r) => r.error)) process.exit(1);
