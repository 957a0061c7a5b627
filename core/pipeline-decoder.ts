/**
 * The `decoder` kind: one network from latent (and the prompt's style vector, when the model takes one)
 * to a planar RGB image in [0, 1]. The built-in model is one.
 *
 * @module
 */
import type * as OrtCommon from "onnxruntime-common";
import type { Runner, RunnerContext } from "./pipeline.ts";
import { planarToRgba } from "./image.ts";
import { checkSessionIo } from "./pipeline-io.ts";
import { promptStyle, STYLE_SIZE } from "./style.ts";

/**
 * Creates the decoder session and its renderer.
 *
 * @param ctx Files, ort and a session maker.
 * @returns A runner that renders one latent at a time.
 * @example
 * ```ts
 * // Used by createGenerator() for manifests of kind "decoder".
 * ```
 */
export async function createDecoderRunner(ctx: RunnerContext): Promise<Runner> {
  const { ort, manifest } = ctx;
  const [C, H, W] = manifest.latentShape;
  const [width, height] = manifest.imageSize;
  const session = await ctx.createSession("decoder", {
    graphOptimizationLevel: "all",
    freeDimensionOverrides: { batch: 1 },
  });
  checkSessionIo(manifest, "decoder", session, [{ name: "latent", dims: [null, C, H, W], type: "float32" }], [
    {
      name: "image",
      dims: [null, 3, height, width],
    },
  ]);
  const takesStyle = session.inputNames.includes("style");
  let style: { prompt: string; tensor: OrtCommon.Tensor } | undefined;
  return {
    async render(latent, prompt) {
      const feeds: Record<string, OrtCommon.Tensor> = {
        latent: new ort.Tensor("float32", latent.data, [1, C, H, W]),
      };
      if (takesStyle) {
        if (style?.prompt !== prompt) {
          style = { prompt, tensor: new ort.Tensor("float32", promptStyle(prompt), [1, STYLE_SIZE]) };
        }
        feeds.style = style.tensor;
      }
      const out = await session.run(feeds);
      const image = out.image;
      const data = image.data as Float32Array;
      const result = planarToRgba(data, width, height);
      image.dispose();
      return result;
    },
    async release() {
      await session.release();
    },
  };
}
