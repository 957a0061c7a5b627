#!/usr/bin/env node
// Benchmark: the save after every Evolve, in Chromium's IndexedDB, for sessions of SD-Turbo's latent
// size ([4,64,64], 8 images per generation, 0.5 MiB per generation, two favourites with three points
// each time) of 20, 40 and 60 generations. The worker stores one part per generation and writes only
// the new one, over the head of its own last save; the baseline, measured in the same run, is a save
// that writes every generation (what each Evolve did before). Also the first save after a reload
// (over a head the worker did not write, so it lists the key's chunks) and the time to read the
// session back, as an element's start does.
//
//   node bench/storage.mjs [--repeats 5]
//
// Writes bench/results/storage.json.
import { build } from "esbuild";
import { createServer } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// `--repeats=N` (what `npm run bench -- storage --repeats=N` passes), or `--repeats N`.
const joined = process.argv.find((a) => a.startsWith("--repeats="));
const at = process.argv.indexOf("--repeats");
const repeats = joined ? Number(joined.slice(10)) : at > 0 ? Number(process.argv[at + 1]) : 5;
const lengths = [20, 40, 60];

const bundle = await build({
  entryPoints: [join(root, "bench", "storage", "entry.ts")],
  bundle: true,
  write: false,
  format: "esm",
  platform: "browser",
  logLevel: "warning",
});
const page = `<!doctype html><script type="module">
const { runBench } = await import("/entry.mjs");
try {
  window.__result = { rows: await runBench(${JSON.stringify(lengths)}, ${repeats}) };
} catch (e) { window.__result = { error: String(e && e.stack || e) }; }
</script>`;
const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/") return res.writeHead(200, { "content-type": "text/html" }).end(page);
  if (path === "/entry.mjs") {
    return res.writeHead(200, { "content-type": "text/javascript" }).end(bundle.outputFiles[0].text);
  }
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu"],
});
const chromeVersion = await browser.version();
let result;
try {
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => globalThis.__result, { timeout: 600_000 });
  result = await tab.evaluate(() => globalThis.__result);
} finally {
  await browser.close();
  server.close();
}
if (result.error) {
  console.error(`bench/storage failed: ${result.error}`);
  process.exit(1);
}

const machine = `${
  cpus()[0]?.model.trim()
}, ${cpus().length} cores; Node ${process.version}, ${chromeVersion}`;
console.log(`\n## Session storage: the save after an Evolve, [4,64,64] x 8 per generation\n`);
console.log(`Machine: ${machine}; medians of ${repeats}\n`);
console.log(
  "| generations | session | header | save of every generation | save after an Evolve | ratio | first save after a reload | read back |",
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of result.rows) {
  console.log(
    `| ${r.generations} | ${r.megabytes.toFixed(1)} MiB | ${r.headerKiB.toFixed(0)} KiB | ${
      r.wholeMs.toFixed(0)
    } ms | ${r.evolveMs.toFixed(0)} ms | ${(r.evolveMs / r.wholeMs).toFixed(3)} | ${
      r.checkedMs.toFixed(0)
    } ms | ${r.loadMs.toFixed(0)} ms |`,
  );
}
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  join(root, "bench", "results", "storage.json"),
  JSON.stringify({ machine, repeats, rows: result.rows, date: new Date().toISOString() }, null, 2),
);
