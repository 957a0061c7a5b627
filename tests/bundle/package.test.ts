// What `npm pack` (and `npm publish`) puts in the package: dist/ is built, not committed, so
// package.json's "files" must name it and "prepack" must build it; every "exports" target and every
// file the element loads at run time must be in the tarball.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { ortRuntimes } from "../../component/backends/ort-wasm.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("npm pack ships the built element: every export and every file it loads", async () => {
  const pkg = JSON.parse(await Deno.readTextFile(`${root}package.json`));
  assert.match(pkg.scripts.prepack, /scripts\/build\.mjs/, "a pack without a fresh build ships an old dist/");
  // dist/ was built by the test runner; --ignore-scripts skips building it again.
  const out = await new Deno.Command("npm", {
    args: ["pack", "--dry-run", "--json", "--ignore-scripts"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const files = new Set<string>(
    JSON.parse(new TextDecoder().decode(out.stdout))[0].files.map((f: { path: string }) => f.path),
  );
  const targets = [pkg.types, pkg.customElements];
  for (const entry of Object.values(pkg.exports) as (string | Record<string, string>)[]) {
    targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
  }
  // The subpaths' types for TypeScript's older "node" resolution, which ignores "exports".
  for (const paths of Object.values(pkg.typesVersions?.["*"] ?? {}) as string[][]) targets.push(...paths);
  for (const target of targets) assert.ok(files.has(target.replace(/^\.\//, "")), `${target} is not packed`);
  // Loaded at run time from beside the bundle (LatentEvolverElement.assetBase).
  for (
    const file of [
      "dist/latent-evolver.worker.js",
      // Each backend's onnxruntime runtime.
      ...Object.values(ortRuntimes).flatMap(({ wasm, glue }) => [`dist/${wasm}`, `dist/${glue}`]),
      "dist/models/builtin/manifest.json",
      "dist/models/builtin/model.onnx",
    ]
  ) assert.ok(files.has(file), `${file} is not packed`);
  // The types the entry's .d.ts re-exports.
  assert.ok(files.has("dist/types/component/latent-evolver.d.ts"), "the element's types are not packed");
  assert.ok(
    ![...files].some((f) => /^(component|core|server|tests|node_modules)\//.test(f)),
    "sources packed",
  );
});
