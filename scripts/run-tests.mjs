#!/usr/bin/env node
// Runs every suite and check, then prints one closing line `N passed, N failed` counting all of them.
// Deno suites (core, models, server, worker, bench, e2e) count their tests; the browser suites (web-test-runner in
// Chromium) count theirs; the type check, lint and format check count as one test each.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const deno = join(root, "node_modules", ".bin", "deno");
const only = process.argv.slice(2); // e.g. `npm test -- deno` or `npm test -- browser`
const parts = ["static", "deno", "browser"];
const unknown = only.filter((p) => !parts.includes(p));
if (unknown.length) {
  // A typo must not run nothing and report "0 passed, 0 failed" as a success.
  console.error(`Unknown part ${unknown.join(", ")}: expected ${parts.join(", ")} (or none for all)`);
  process.exit(2);
}
let passed = 0;
let failed = 0;
const failures = [];

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("data", (chunk) => {
        out += chunk;
        process.stdout.write(chunk);
      });
    }
    // deno-lint-ignore no-control-regex
    child.on("close", (code) => resolve({ code: code ?? 1, out: out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "") }));
  });
}

function count(name, ok, n = ok ? 1 : 0, bad = ok ? 0 : 1) {
  passed += n;
  failed += bad;
  if (bad) failures.push(name);
}

/** Chromium's path: CHROME_PATH, the usual Debian paths, or one on PATH; installed with apt as root; else null. */
function findChromium() {
  const onPath = (name) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  for (
    const p of [
      process.env.CHROME_PATH,
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
      "/usr/bin/google-chrome",
      onPath("chromium"),
      onPath("chromium-browser"),
      onPath("google-chrome"),
    ]
  ) {
    if (p && existsSync(p)) return p;
  }
  if (canApt()) {
    console.log("# Chromium not found: installing Debian's chromium with apt-get");
    if (aptInstall("chromium") && existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  }
  console.error(
    "No Chromium found for the browser and end-to-end tests. Install one (Debian: `sudo apt-get install chromium`) or set CHROME_PATH to its binary.",
  );
  return null;
}

/** True when this runs as root on a machine with apt-get, which installs what is missing. */
function canApt() {
  return process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
}

function aptInstall(...packages) {
  const r = spawnSync("sh", [
    "-c",
    `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(" ")}`,
  ], { stdio: "inherit" });
  return r.status === 0;
}

/**
 * Deno's WebGPU (tests/models/ort-web-webgpu.test.ts) needs a Vulkan driver: on a machine without a
 * GPU, Mesa's (llvmpipe). Installed with apt as root when none is registered; else a hint, and those
 * tests fail saying so.
 */
function ensureVulkanDriver() {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return;
  const registered = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"].some((dir) =>
    existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".json"))
  );
  if (registered) return;
  if (canApt()) {
    console.log("# No Vulkan driver found: installing Debian's mesa-vulkan-drivers with apt-get");
    if (aptInstall("mesa-vulkan-drivers")) return;
  }
  console.error(
    "No Vulkan driver found for Deno's WebGPU tests. Install one (Debian: `sudo apt-get install mesa-vulkan-drivers`).",
  );
}

const want = (part) => only.length === 0 || only.includes(part);

if (want("static")) {
  for (
    const [name, args] of [
      ["type check", ["check", "--quiet", "."]],
      ["lint", ["lint", "--quiet"]],
      ["format", ["fmt", "--check"]],
    ]
  ) {
    console.log(`\n# ${name}: deno ${args.join(" ")}`);
    const { code } = await run(deno, args);
    count(name, code === 0);
  }
}

// The bundle first: the browser suites load it, and a Deno test checks `npm start` serves it.
if ((want("deno") || want("browser")) && existsSync(join(root, "scripts", "build.mjs"))) {
  console.log("\n# build the element bundle");
  const { code } = await run(process.execPath, [join(root, "scripts", "build.mjs")]);
  count("build", code === 0);
}

// Chromium for the browser suites and for the Deno end-to-end tests (tests/e2e), which drive it.
const chrome = want("deno") || want("browser") ? findChromium() : null;

if (want("deno")) {
  ensureVulkanDriver();
  console.log("\n# deno test (core, models, server, worker, bench, e2e)");
  // Without Chromium the end-to-end tests fail, saying so; they are not skipped.
  const { code, out } = await run(deno, ["test", "-A", "--no-check"], chrome ? { CHROME_PATH: chrome } : {});
  const m = [...out.matchAll(/(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g)].pop();
  if (m) count("deno test", code === 0, Number(m[1]), Number(m[2]) || (code === 0 ? 0 : 1));
  else count("deno test (no summary)", false);
}

// Without Chromium the browser suites count as one failure, and the other parts' counts still print.
if (want("browser") && !chrome) count("browser suites (no Chromium)", false);
if (want("browser") && chrome) {
  console.log("\n# web-test-runner in Chromium");
  const { code, out } = await run(process.execPath, [
    join(root, "node_modules", "@web", "test-runner", "dist", "bin.js"),
  ], {
    CHROME_PATH: chrome,
  });
  const m = [...out.matchAll(/\| (\d+) passed, (\d+) failed/g)].pop();
  if (m) count("web-test-runner", code === 0, Number(m[1]), Number(m[2]) || (code === 0 ? 0 : 1));
  else count("web-test-runner (no summary)", false);
}

if (failures.length) console.log(`\n# failing: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
