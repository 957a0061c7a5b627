/**
 * Renderers for the study: anything that turns latents and a prompt into images. The study uses
 * the built-in model (see `model.ts`); the stand-in here is for fast tests of the harness.
 *
 * @module
 */
import type { Latent, Shape } from "../../core/latent.ts";
import { hashSeed } from "../../core/rng.ts";
import type { RgbaImage } from "./image.ts";

/** Turns latents into images: the one thing the study needs from a model. */
export interface Renderer {
  /** What it is, for the report (for example the model's name and execution provider). */
  readonly name: string;
  /** The latent shape it takes. */
  readonly shape: Shape;
  /** Renders one image per latent, in order. */
  render(latents: readonly Latent[], prompt: string): Promise<RgbaImage[]>;
  /** Frees what it holds. */
  dispose(): Promise<void>;
}

/**
 * A tiny pure-TypeScript renderer for tests: each latent's first three channels, smoothed over a
 * 3x3 neighbourhood, become RGB, upsampled by `scale`; the prompt shifts the colours. Smooth and
 * local like the built-in model, and thousands of times cheaper.
 *
 * @param shape The latent shape, with at least 3 channels.
 * @param scale Pixels per latent position (default 4).
 * @returns The renderer.
 * @example
 * ```ts
 * import { createRng } from "../../core/rng.ts";
 * import { createStandInRenderer } from "./renderer.ts";
 * const r = createStandInRenderer([4, 8, 8]);
 * const data = createRng(1).fillNormal(new Float32Array(256));
 * const [image] = await r.render([{ shape: [4, 8, 8], data }], "fox"); // 32x32 RGBA
 * ```
 */
export function createStandInRenderer(shape: Shape, scale = 4): Renderer {
  const [C, H, W] = shape;
  if (C < 3) {
    throw new RangeError(`Cannot create a stand-in renderer: need at least 3 channels, got shape [${shape}]`);
  }
  return {
    name: `stand-in (smoothed latent channels, ${W * scale}x${H * scale})`,
    shape,
    render(latents, prompt) {
      const h = hashSeed(prompt);
      const offset = [0, 8, 16].map((s) => ((h >>> s) & 0xff) / 255 - 0.5);
      return Promise.resolve(latents.map((latent) => {
        if (latent.data.length !== C * H * W) {
          throw new RangeError(
            `Cannot render: expected ${C * H * W} values for shape [${shape}], got ${latent.data.length}`,
          );
        }
        const smooth = new Float32Array(3 * H * W);
        for (let c = 0; c < 3; c++) {
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              let s = 0, n = 0;
              for (let dy = -1; dy <= 1; dy++) {
                for (let dx = -1; dx <= 1; dx++) {
                  const yy = y + dy, xx = x + dx;
                  if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                  s += latent.data[(c * H + yy) * W + xx];
                  n++;
                }
              }
              smooth[(c * H + y) * W + x] = s / n;
            }
          }
        }
        const width = W * scale, height = H * scale;
        const data = new Uint8ClampedArray(width * height * 4);
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const q = Math.floor(y / scale) * W + Math.floor(x / scale);
            const p = (y * width + x) * 4;
            for (let c = 0; c < 3; c++) {
              data[p + c] = 255 / (1 + Math.exp(-(1.5 * smooth[c * H * W + q] + offset[c])));
            }
            data[p + 3] = 255;
          }
        }
        return { width, height, data };
      }));
    },
    dispose: () => Promise.resolve(),
  };
}
