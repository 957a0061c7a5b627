#!/usr/bin/env node
// Runs the benchmarks in bench/: every one, or those named (`npm run bench -- operators study`).
// bench/<name>.ts runs with Deno, bench/<name>.mjs with Node (those drive a browser). Each prints its
// own markdown table headed by the machine it ran on and writes bench/results/<name>.json; this
// script runs them one after another (they time things: never in parallel), then prints a summary.
// Arguments starting with "--" go to every benchmark it runs (e.g. `npm run bench -- study --quick`).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = join(root, "bench");
const deno = join(root, "node_modules", ".bin", "deno");
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith("--"));
const passThrough = args.filter((a) => a.startsWith("--"));

// Every file directly in bench/ is a benchmark; their parts live in subfolders (bench/study/,
// bench/inference/).
const available = readdirSync(benchDir)
  .filter((f) => /\.(ts|mjs)$/.test(f) && statSync(join(benchDir, f)).isFile())
  .map((f) => ({ name: f.replace(/\.(ts|mjs)$/, ""), file: f }))
  .sort((a, b) => a.name.localeCompare(b.name));

const unknown = names.filter((n) => !available.some((b) => b.name === n));
if (unknown.length) {
  console.error(
    `Cannot run benchmark ${unknown.map((n) => `"${n}"`).join(", ")}: not in bench/. ` +
      `Available: ${available.map((b) => b.name).join(", ") || "none"}`,
  );
  process.exit(2);
}
const selected = names.length ? available.filter((b) => names.includes(b.name)) : available;

console.log(
  `# Benchmarks on ${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);

function run(cmd, argv) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: "inherit" });
    child.on("error", (e) => {
      console.error(`Cannot start ${cmd}: ${e.message}`);
      resolve(1);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

mkdirSync(join(benchDir, "results"), { recursive: true });
const summary = [];
for (const bench of selected) {
  console.log(`\n## ${bench.name} (bench/${bench.file})\n`);
  const path = join("bench", bench.file);
  const started = Date.now();
  const code = bench.file.endsWith(".ts")
    ? await run(deno, ["run", "-A", "--unstable-no-legacy-abort", path, ...passThrough])
    : await run(process.execPath, [path, ...passThrough]);
  const seconds = (Date.now() - started) / 1000;
  // Results written during this run: <name>.json, or a variant such as <name>-quick.json.
  const resultsDir = join(benchDir, "results");
  const fresh = readdirSync(resultsDir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.startsWith(bench.name) && e.name.endsWith(".json"))
    .filter((e) => statSync(join(resultsDir, e.name)).mtimeMs >= started)
    .map((e) => `bench/results/${e.name}`);
  summary.push({ name: bench.name, code, seconds, fresh });
}

console.log("\n## Summary\n\n| benchmark | status | seconds | results |\n|---|---|---:|---|");
for (const s of summary) {
  console.log(
    `| ${s.name} | ${s.code === 0 ? "ok" : `failed (exit ${s.code})`} | ${s.seconds.toFixed(1)} | ` +
      `${s.fresh.length ? s.fresh.join(", ") : "no new results"} |`,
  );
}
process.exit(summary.every((s) => s.code === 0) ? 0 : 1);
