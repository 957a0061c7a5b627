#!/usr/bin/env node
// Builds the drop-in bundle into dist/:
//   latent-evolver.js         the element, self-contained (lit, comlink, idb-keyval, fast-png inside)
//   latent-evolver.worker.js  its worker: core operators, onnxruntime-web (its wasm and its webgpu
//                             builds), backends
//   ort-wasm-*.wasm           each build's runtime, found by the worker from its own URL
//   ort-wasm-*.mjs            their JavaScript glue, which the worker has inside; onnxruntime imports
//                             this copy only on a cross-origin isolated page, to start threads
//   models/builtin/           the built-in model, found by the element from its own URL
//   custom-elements.json      the custom-elements manifest (@custom-elements-manifest/analyzer)
//   *.br, *.gz                precompressed copies of the .js, .mjs, .wasm and .json files, which
//                             `npm start`'s server sends to browsers that accept them
//   *.d.ts                    types for bundler users (tsc --emitDeclarationOnly; the build fails without);
//                             react.d.ts, vue.d.ts and svelte.d.ts type the tag in React's JSX,
//                             Vue's templates and Svelte's markup
// Every asset is resolved from import.meta.url, so a page on any origin can load the bundle with
// one <script type="module" src=".../latent-evolver.js">.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants as zlib, gzip } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const quiet = process.argv.includes("--quiet");
const log = (...a) => quiet || console.log(...a);
/** Runs a tool installed in node_modules (path segments under it) with this node, in the repo root. */
const runTool = (script, args) =>
  spawnSync(process.execPath, [join(root, "node_modules", ...script), ...args], {
    cwd: root,
    encoding: "utf8",
  });

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const started = performance.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    "latent-evolver": "component/latent-evolver.ts",
    "latent-evolver.worker": "component/worker/evolver.worker.ts",
  },
  outdir: dist,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  metafile: true,
  logLevel: quiet ? "error" : "warning",
});

// Each local backend's onnxruntime-web build loads one runtime file (component/backends/ort-wasm.ts):
// onnxruntime-web/wasm's ort-wasm-simd-threaded.wasm, onnxruntime-web/webgpu's .asyncify.wasm. On a
// cross-origin isolated page it also loads its glue (.mjs), to start threads from it: threads are
// workers, which a page starts only from its own origin, so from another origin (a CDN) onnxruntime
// fetches the glue into a blob: URL (without it, wasm failed on such pages).
// The worker knows each wasm's size (ortRuntimes in ort-wasm.ts, which tests/worker/ort-wasm.test.ts
// checks against node_modules) and refuses a file of another: a build for another onnxruntime-web
// whose sizes were not updated would fail every visitor's download, so it fails here instead.
const ortDist = join(root, "node_modules", "onnxruntime-web", "dist");
const workerJs = readFileSync(join(dist, "latent-evolver.worker.js"), "utf8");
for (const file of readdirSync(ortDist)) {
  if (!/^ort-wasm-simd-threaded(\.asyncify)?\.(wasm|mjs)$/.test(file)) continue;
  copyFileSync(join(ortDist, file), join(dist, file));
  const bytes = statSync(join(ortDist, file)).size;
  if (file.endsWith(".wasm") && !workerJs.includes(String(bytes))) {
    throw new Error(
      `build: onnxruntime-web's ${file} is ${bytes} bytes, which the worker does not expect: update ortRuntimes in component/backends/ort-wasm.ts`,
    );
  }
}

const builtin = join(root, "models", "builtin");
if (existsSync(builtin)) cpSync(builtin, join(dist, "models", "builtin"), { recursive: true });
else console.warn("build: models/builtin/ is missing; the element will need a model attribute");

// custom-elements.json from the class doc (@fires, @csspart, @cssproperty) and lit's properties.
const cem = runTool(["@custom-elements-manifest", "analyzer", "cem.js"], [
  "analyze",
  "--litelement",
  "--globs",
  "component/latent-evolver.component.ts",
  "component/latent-evolver.ts",
  "component/events.ts",
  "component/png.ts",
  "--outdir",
  "dist",
]);
if (cem.status !== 0) console.warn(`build: custom-elements.json was not made:\n${cem.stderr || cem.stdout}`);
else {
  const manifestPath = join(dist, "custom-elements.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const bundleExports = result.metafile.outputs["dist/latent-evolver.js"].exports;
  writeFileSync(manifestPath, JSON.stringify(shippedManifest(manifest, bundleExports), null, 2));
}

// Declarations for bundler users; best effort, the bundle does not depend on them.
const tsc = runTool(["typescript", "bin", "tsc"], [
  "--declaration",
  "--emitDeclarationOnly",
  "--allowImportingTsExtensions",
  "--skipLibCheck",
  "--strict",
  "--target",
  "es2022",
  "--module",
  "esnext",
  "--moduleResolution",
  "bundler",
  "--lib",
  "es2022,dom,dom.iterable",
  "--outDir",
  join(dist, "types"),
  "component/latent-evolver.ts",
  "component/react-jsx.ts",
  "component/vue-components.ts",
  "component/svelte-elements.ts",
]);
if (tsc.status === 0) {
  // tsc keeps the sources' ".ts" specifiers; declaration consumers resolve ".js" to ".d.ts".
  for (const file of readdirSync(join(dist, "types"), { recursive: true })) {
    const path = join(dist, "types", String(file));
    if (!path.endsWith(".d.ts")) continue;
    writeFileSync(path, readFileSync(path, "utf8").replace(/(from\s+["'][.][^"']*)\.ts(["'])/g, "$1.js$2"));
  }
  writeFileSync(
    join(dist, "latent-evolver.d.ts"),
    'export * from "./types/component/latent-evolver.js";\n',
  );
  // `import type {} from "latent-evolver/react"` types the tag in React's JSX; /vue and /svelte in
  // Vue's templates and Svelte's markup.
  for (
    const [name, source] of [["react", "react-jsx"], ["vue", "vue-components"], ["svelte", "svelte-elements"]]
  ) {
    writeFileSync(join(dist, `${name}.d.ts`), `export * from "./types/component/${source}.js";\n`);
  }
} else {
  // The package promises these types, so a build without them fails (after writing the rest, which
  // the tests can still use). The sources are checked by Deno's newer TypeScript; this older tsc
  // (package.json's) writes declarations that older compilers read too, and refuses what it lacks,
  // such as the typed-array generics (`Uint8Array<ArrayBuffer>`) of TypeScript 5.7.
  console.error(`build: no .d.ts, tsc failed:\n${tsc.stdout || tsc.stderr}`);
  process.exitCode = 1;
}

await precompress(dist);

/**
 * The analyzer's manifest describes the sources (component/*.ts), which the package does not ship;
 * a tool that imports a module it names finds nothing. Every class and function the page gets is
 * exported by one file, dist/latent-evolver.js: this gathers the declarations the bundle exports
 * into that one module, lists the bundle's exports (not the sources' type-only ones), and points
 * every reference at it. A superclass it does not declare (Event) is a global, and an event's type
 * refers to its class.
 *
 * @param manifest The analyzer's manifest.
 * @param bundleExports The names dist/latent-evolver.js exports (esbuild's metafile).
 */
function shippedManifest(manifest, bundleExports) {
  const path = "dist/latent-evolver.js";
  const shipped = new Set(bundleExports);
  const modules = manifest.modules ?? [];
  const declarations = modules.flatMap((m) => m.declarations ?? []).filter((d) => shipped.has(d.name));
  const declared = new Set(declarations.map((d) => d.name));
  const here = (name) => ({ name, module: path });
  for (const declaration of declarations) {
    if (declaration.superclass?.module !== undefined && !declaration.superclass.package) {
      const { name } = declaration.superclass;
      declaration.superclass = declared.has(name) ? here(name) : { name, package: "global:" };
    }
    // The analyzer also lists each `dispatchEvent(new SomeEvent(...))` it sees, without a name; the
    // class doc's @fires tags already name every event with its class, so drop the nameless copies.
    if (declaration.events) declaration.events = declaration.events.filter((event) => event.name);
    for (const event of declaration.events ?? []) {
      if (declared.has(event.type?.text)) event.type.references = [here(event.type.text)];
    }
  }
  const definitions = modules.flatMap((m) => m.exports ?? [])
    .filter((e) => e.kind === "custom-element-definition")
    .map((e) => ({ ...e, declaration: here(e.declaration.name) }));
  return {
    ...manifest,
    modules: [{
      kind: "javascript-module",
      path,
      declarations,
      exports: [
        ...bundleExports.map((name) => ({ kind: "js", name, declaration: here(name) })),
        ...definitions,
      ],
    }],
  };
}

/**
 * Writes `name.br` and `name.gz` beside every .js, .mjs, .wasm and .json file in `dir` (1 KiB or more),
 * on libuv's thread pool. Files of 1 MiB or more (onnxruntime-web's 27 MB wasm: 5 MB of brotli, 2 s
 * of compression) keep their copies in node_modules/.cache/latent-evolver/, by content hash, from
 * one build to the next.
 */
async function precompress(dir) {
  const cache = join(root, "node_modules", ".cache", "latent-evolver");
  mkdirSync(cache, { recursive: true });
  const encoders = {
    br: (data) =>
      promisify(brotliCompress)(data, {
        params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length },
      }),
    gz: (data) => promisify(gzip)(data, { level: 9 }),
  };
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) =>
    /\.(m?js|wasm|json)$/.test(f)
  );
  await Promise.all(files.flatMap((file) => {
    const data = readFileSync(join(dir, file));
    if (data.length < 1024) return [];
    const cached = data.length >= 1 << 20 ? createHash("sha256").update(data).digest("hex") : null;
    return Object.entries(encoders).map(async ([suffix, encode]) => {
      const kept = cached && join(cache, `${cached}.${suffix}`);
      const out = kept && existsSync(kept) ? readFileSync(kept) : await encode(data);
      if (kept && !existsSync(kept)) writeFileSync(kept, out);
      writeFileSync(join(dir, `${file}.${suffix}`), out);
    });
  }));
}

const bytes = Object.fromEntries(
  Object.entries(result.metafile.outputs)
    .filter(([name]) => name.endsWith(".js"))
    .map(([name, o]) => [name.replace(/^dist\//, ""), o.bytes]),
);
log(`build: dist/ in ${Math.round(performance.now() - started)} ms`, bytes);
