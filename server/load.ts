/**
 * Loads the models a server answers for: every `<folder>/*\/manifest.json` under the models folder,
 * each through `core/pipeline` on onnxruntime-node, trying execution providers in order.
 *
 * @module
 */
import { parseManifest } from "../core/manifest.ts";
import { createGenerator, type Ort } from "../core/pipeline.ts";
import { createBatchedDecoder } from "./batched-decoder.ts";
import { type ServedModel, servedModelFromGenerator } from "./model.ts";

/** Execution providers tried in order: the first that loads the model serves it. */
export const DEFAULT_PROVIDERS = ["cuda", "webgpu", "cpu"];

/**
 * How a decoder model runs a batch (other kinds always use `core/pipeline`): "auto" and "batched" send
 * the whole batch through one session run, which bench/server.ts measured faster per image on every
 * provider (1.05x on 2 CPU cores, 1.4-1.5x on 16, 2.5-3x on an H100 through WebGPU); "pipeline" runs
 * one latent per run through `core/pipeline`, as the browser does.
 */
export type Engine = "auto" | "batched" | "pipeline";

/** A loaded model and where it came from. */
export interface LoadedModel {
  model: ServedModel;
  /** The manifest's folder. */
  dir: string;
  /** Releases the sessions. */
  dispose(): Promise<void>;
}

/** Most milliseconds of rendering between two {@link timerYield}s. */
const YIELD_EVERY_MS = 25;

/**
 * Lets a Deno worker take its host's messages (a cancel, see inference-worker.ts) between images. They
 * come in only in a timer phase, not between the MessageChannel tasks `core/pipeline` yields to by
 * default: a cancel posted 50 ms into a call of 48 images arrived after the last one. A timer costs
 * about 1.5 ms here (48 images of the built-in model: 455-520 ms against 320-420 ms), so one is taken
 * after at most {@link YIELD_EVERY_MS} of rendering.
 */
function timerYield(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  };
}

async function readFileUrl(url: string): Promise<Uint8Array> {
  return await Deno.readFile(new URL(url));
}

/**
 * Loads one model from its manifest file.
 *
 * @param manifestPath Path of a manifest.json.
 * @param ort onnxruntime-node.
 * @param providers Execution providers to try in order.
 * @param engine How batches run (default "auto").
 * @param options `threads`: threads per run on the CPU provider (default: every core).
 * @returns The model; its name is the manifest's.
 * @example
 * ```ts
 * import * as ort from "onnxruntime-node";
 * const { model } = await loadModel("models/builtin/manifest.json", ort);
 * ```
 */
export async function loadModel(
  manifestPath: string,
  ort: Ort,
  providers: readonly string[] = DEFAULT_PROVIDERS,
  engine: Engine = "auto",
  options: { threads?: number } = {},
): Promise<LoadedModel> {
  const abs = await Deno.realPath(manifestPath);
  const url = new URL(`file://${abs}`);
  const manifest = parseManifest(JSON.parse(await Deno.readTextFile(abs)), url);
  const dir = abs.slice(0, abs.lastIndexOf("/"));
  if (engine !== "pipeline" && manifest.kind === "decoder") {
    const model = await createBatchedDecoder(
      manifest,
      await readFileUrl(manifest.files.decoder.url),
      ort,
      providers,
      options,
    );
    return { model, dir, dispose: () => model.dispose() };
  }
  const generator = await createGenerator(manifest, ort, {
    executionProviders: [...providers],
    loadFile: readFileUrl,
    threads: options.threads,
    yieldToEvents: timerYield(),
  });
  return {
    model: servedModelFromGenerator(generator),
    dir,
    dispose: () => generator.dispose(),
  };
}

/**
 * The model folders under a models folder: each subfolder with a manifest.json, sorted by name.
 *
 * @param dir The models folder.
 * @returns Each folder's name and manifest path.
 * @example
 * ```ts
 * await manifestFolders("models"); // [{ name: "builtin", path: "models/builtin/manifest.json" }]
 * ```
 */
export async function manifestFolders(dir: string): Promise<{ name: string; path: string }[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) names.push(entry.name);
  names.sort();
  const out = [];
  for (const name of names) {
    const path = `${dir}/${name}/manifest.json`;
    if ((await Deno.stat(path).catch(() => null))?.isFile) out.push({ name, path });
  }
  return out;
}
