/**
 * The built-in model: where its manifest is. The model itself is built by models/build.ts.
 *
 * @module
 */

/**
 * Absolute URL of the built-in model's manifest, resolved from this module's URL so that it works
 * wherever the code is served from.
 *
 * @example
 * ```ts
 * import { builtinManifestUrl } from "./mod.ts";
 * import { loadManifest } from "../core/manifest.ts";
 * const manifest = await loadManifest(builtinManifestUrl);
 * ```
 */
export const builtinManifestUrl: string = new URL("./builtin/manifest.json", import.meta.url).href;
