/**
 * The study's real renderer: the built-in model through core's pipeline (`createGenerator`) on
 * onnxruntime-node, the same code path the server takes.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { createGenerator, parseManifest } from "../../core/mod.ts";
import type { Renderer } from "./renderer.ts";

/** Where the built-in model's manifest lies. */
export const BUILTIN_MANIFEST_URL = new URL("../../models/builtin/manifest.json", import.meta.url);

/**
 * Loads the built-in model (or another manifest) for the study, on the CPU.
 *
 * @param manifestUrl A `file:` URL of the manifest (default: the built-in model).
 * @returns A renderer backed by onnxruntime-node.
 * @example
 * ```ts
 * import { createModelRenderer } from "./model.ts";
 * const renderer = await createModelRenderer();
 * renderer.shape; // [4, 32, 32]
 * await renderer.dispose();
 * ```
 */
export async function createModelRenderer(manifestUrl: URL = BUILTIN_MANIFEST_URL): Promise<Renderer> {
  const manifest = parseManifest(JSON.parse(await Deno.readTextFile(manifestUrl)), manifestUrl);
  const generator = await createGenerator(manifest, ort, {
    executionProviders: ["cpu"],
    loadFile: (url) => Deno.readFile(new URL(url)),
  });
  return {
    name: `${manifest.name} via core/pipeline on onnxruntime-node (${generator.executionProvider})`,
    shape: manifest.latentShape,
    render: (latents, prompt) => generator.generate([...latents], prompt),
    dispose: () => generator.dispose(),
  };
}
