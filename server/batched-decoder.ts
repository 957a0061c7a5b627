/**
 * A `decoder`-kind model served with one `session.run` per batch. `core/pipeline` renders one latent
 * per run (what a browser tab needs), so a merged batch would gain nothing there; here a batch of N
 * latents goes through the network as one `[N,C,H,W]` tensor, which lets onnxruntime spread the work
 * over every core or the GPU. Inputs, outputs and post-processing are the pipeline's (`promptStyle`,
 * `planarToRgba`), and tests check the images are bit-identical to `core/pipeline`'s.
 *
 * @module
 */
import type * as OrtCommon from "onnxruntime-common";
import { planarToRgba } from "../core/image.ts";
import type { Latent } from "../core/latent.ts";
import type { ModelManifest } from "../core/manifest.ts";
import { abortError, type Ort } from "../core/pipeline.ts";
import { checkSessionIo } from "../core/pipeline-io.ts";
import { promptStyle, STYLE_SIZE } from "../core/style.ts";
import type { RgbaImage, ServedModel } from "./model.ts";

/** A served model that owns its session. */
export interface DisposableModel extends ServedModel {
  dispose(): Promise<void>;
}

/**
 * Opens a decoder model for batched runs, trying execution providers in order.
 *
 * @param manifest A parsed manifest of kind "decoder".
 * @param bytes The decoder's ONNX bytes (`files.decoder`).
 * @param ort onnxruntime-node.
 * @param providers Execution providers to try in order.
 * @param options `threads`: threads per run on the CPU provider (default: onnxruntime's, every core).
 * @returns The served model.
 * @example
 * ```ts
 * const model = await createBatchedDecoder(manifest, await Deno.readFile("models/builtin/model.onnx"), ort, ["cpu"]);
 * ```
 */
export async function createBatchedDecoder(
  manifest: ModelManifest,
  bytes: Uint8Array,
  ort: Ort,
  providers: readonly string[],
  options: { threads?: number } = {},
): Promise<DisposableModel> {
  if (manifest.kind !== "decoder") {
    throw new TypeError(`Cannot batch model "${manifest.name}": kind "${manifest.kind}" is not "decoder"`);
  }
  const failures: string[] = [];
  let session: OrtCommon.InferenceSession | undefined;
  let provider = "";
  for (const ep of providers) {
    try {
      session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: "all",
        executionProviders: [ep],
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      });
      provider = ep;
      break;
    } catch (e) {
      failures.push(`${ep}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  if (!session) {
    throw new Error(`Cannot load model "${manifest.name}" on any execution provider: ${failures.join("; ")}`);
  }
  const s = session;
  const [C, H, W] = manifest.latentShape;
  const [width, height] = manifest.imageSize;
  try {
    // The pipeline's load-time check: a model whose sizes differ from its manifest's fails here,
    // naming them, instead of serving images read at the wrong offsets.
    checkSessionIo(manifest, "decoder", s, [{ name: "latent", dims: [null, C, H, W] }], [{
      name: "image",
      dims: [null, 3, height, width],
    }]);
  } catch (e) {
    await s.release();
    throw e;
  }
  const takesStyle = s.inputNames.includes("style");
  let chain: Promise<unknown> = Promise.resolve();

  async function runOnce(latents: Latent[], prompt: string): Promise<RgbaImage[]> {
    const size = C * H * W;
    const data = new Float32Array(latents.length * size);
    latents.forEach((l, i) => data.set(l.data, i * size));
    const feeds: Record<string, OrtCommon.Tensor> = {
      latent: new ort.Tensor("float32", data, [latents.length, C, H, W]),
    };
    // The style input has batch 1 and broadcasts: the batcher only merges requests with one prompt.
    if (takesStyle) feeds.style = new ort.Tensor("float32", promptStyle(prompt), [1, STYLE_SIZE]);
    const out = await s.run(feeds);
    const dims = out.image.dims;
    if (
      dims.length !== 4 || dims[0] !== latents.length || dims[1] !== 3 || dims[2] !== height ||
      dims[3] !== width
    ) {
      out.image.dispose();
      throw new RangeError(
        `Cannot generate images with model "${manifest.name}": output image has shape [${dims}], expected [${latents.length},3,${height},${width}]`,
      );
    }
    const planes = out.image.data as Float32Array;
    const images = latents.map((_, index) => planarToRgba(planes, width, height, { index }));
    out.image.dispose();
    return images;
  }

  async function run(latents: Latent[], prompt: string, signal?: AbortSignal): Promise<RgbaImage[]> {
    if (signal?.aborted) throw abortError();
    const images = await runOnce(latents, prompt);
    if (signal?.aborted) throw abortError();
    return images;
  }

  return {
    name: manifest.name,
    version: "1",
    platform: manifest.kind,
    executionProvider: provider,
    latentShape: manifest.latentShape,
    imageSize: manifest.imageSize,
    generate(latents, prompt, options = {}) {
      for (const [i, l] of latents.entries()) {
        if (l.data.length !== C * H * W) {
          return Promise.reject(
            new RangeError(
              `Cannot generate images: expected latent shape [${C},${H},${W}], got [${l.shape}] at ${i}`,
            ),
          );
        }
      }
      // One run at a time per session: aliases of this model share it.
      const result = chain.then(() => run(latents, prompt, options.signal));
      chain = result.catch(() => {});
      return result;
    },
    async dispose() {
      await chain;
      await s.release();
    },
  };
}
