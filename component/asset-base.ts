/**
 * Where the element finds the build's other files (its worker module, onnxruntime's wasm beside it,
 * `models/builtin/`): `LatentEvolverElement.assetBase`, by default the folder the bundle was loaded
 * from.
 *
 * @module
 */

/**
 * The folder this bundle was loaded from.
 *
 * @returns Its URL, or `""` where it has none the page can load: a blob: or data: URL, or a file:
 * URL in a page that is not a file itself.
 * @example
 * ```ts
 * defaultAssetBase(); // "https://cdn.example/latent-evolver/"
 * ```
 */
export function defaultAssetBase(): string {
  // Through a variable: webpack takes `new URL("<literal>", import.meta.url)` for a file to bundle,
  // and fails the build on a folder ("Can't resolve './'").
  const here = import.meta.url;
  // webpack 5 (every mode, output.module too) writes the file's path on the build machine in place
  // of import.meta.url: file:///home/.../node_modules/latent-evolver/dist/latent-evolver.js. A page
  // served over HTTP can never load it: with no base, the element says at once to set assetBase
  // instead of restarting, three times, a worker sent to the build machine's path.
  if (here.startsWith("file:") && globalThis.location?.protocol !== "file:") return "";
  try {
    return new URL("./", here).href;
  } catch {
    return ""; // no folder to resolve against
  }
}

/**
 * A file of the build under a base, resolved against the page.
 *
 * @param base The asset base (`""`: none).
 * @param file The file's path in dist/.
 * @returns Its absolute URL.
 * @throws TypeError saying to set `assetBase` when there is none.
 * @example
 * ```ts
 * assetUrl("/latent-evolver/", "latent-evolver.worker.js");
 * ```
 */
export function assetUrl(base: string, file: string): string {
  if (!base) {
    throw new TypeError(
      `Cannot find ${file}: this code was not loaded from the build's folder, so set LatentEvolverElement.assetBase to the URL where dist/ is served`,
    );
  }
  return new URL(file, new URL(base, document.baseURI)).href;
}
