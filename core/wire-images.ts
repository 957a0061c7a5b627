/**
 * The latent-evolver models' side of the Open Inference Protocol: the request that turns latents and a
 * prompt into images, and the reading of the images out of the response. `core/wire.ts` re-exports
 * both.
 *
 * @module
 */

import type { RgbaImage } from "./image.ts";
import type { Latent } from "./latent.ts";
import type { InferRequest, InferResponse } from "./wire-types.ts";

const utf8 = new TextEncoder();

/**
 * Builds the infer request of the latent-evolver models: `latents` FP32 `[N,C,H,W]` and `prompt`
 * BYTES `[1]`, asking for `images` as raw RGBA (or PNG).
 *
 * @param latents The latents, all of one shape.
 * @param prompt The prompt.
 * @param options `png: true` asks for one PNG per image instead of raw RGBA.
 * @returns The request, for {@link encodeInferRequest}.
 * @example
 * ```ts
 * const { body, headers } = encodeInferRequest(imagesRequest(latents, "a fox"), { binary: true, binaryOutputs: true });
 * ```
 */
export function imagesRequest(
  latents: readonly Latent[],
  prompt: string,
  options: { png?: boolean } = {},
): InferRequest {
  if (latents.length === 0) throw new RangeError("Cannot build infer request: no latents");
  const shape = latents[0].shape;
  const size = shape[0] * shape[1] * shape[2];
  const data = new Float32Array(latents.length * size);
  latents.forEach((l, i) => {
    if (l.data.length !== size) {
      throw new RangeError(
        `Cannot build infer request: latent ${i} has ${l.data.length} values, expected ${size}`,
      );
    }
    data.set(l.data, i * size);
  });
  return {
    inputs: [
      { name: "latents", datatype: "FP32", shape: [latents.length, ...shape], data },
      { name: "prompt", datatype: "BYTES", shape: [1], data: [utf8.encode(prompt)] },
    ],
    outputs: [{ name: "images", parameters: { image_format: options.png ? "png" : "raw" } }],
  };
}

/**
 * Reads the raw RGBA images of an infer response (`images` UINT8 `[N,H,W,4]`), as views of its data.
 *
 * @param response A decoded infer response.
 * @returns One image per latent, in order.
 * @example
 * ```ts
 * const images = responseImages(decodeInferResponse(bytes, headerLength));
 * ```
 */
export function responseImages(response: InferResponse): RgbaImage[] {
  const t = response.outputs.find((o) => o.name === "images");
  if (!t) throw new TypeError('Cannot read images: the response has no "images" output');
  if (t.datatype !== "UINT8" || t.shape.length !== 4 || t.shape[3] !== 4) {
    throw new TypeError(
      `Cannot read images: expected UINT8 [N,H,W,4], got ${t.datatype} ${JSON.stringify(t.shape)}`,
    );
  }
  const [n, height, width] = t.shape;
  const bytes = t.data as Uint8Array;
  const size = width * height * 4;
  return Array.from({ length: n }, (_, i) => ({
    width,
    height,
    data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset + i * size, size),
  }));
}
