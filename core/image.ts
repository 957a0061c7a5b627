/**
 * Images as the pipeline returns them, and the conversion from a model's planar float output.
 *
 * @module
 */

/** An 8-bit RGBA image, row-major, 4 bytes per pixel (the layout of `ImageData`). */
export type RgbaImage = { width: number; height: number; data: Uint8ClampedArray };

/**
 * Converts one image of a planar `[3, H, W]` float tensor to RGBA bytes: `value * scale + offset`,
 * clamped to [0, 1], times 255, rounded; alpha 255.
 *
 * @param planes The tensor data; image `index` starts at `index * 3 * H * W`.
 * @param width W.
 * @param height H.
 * @param options `index` of the image in a batch (default 0); `scale`/`offset` map the model's range to
 * [0, 1] (default 1 and 0; SD's VAE uses 0.5 and 0.5 for its [-1, 1] output).
 * @returns A new image.
 * @example
 * ```ts
 * import { planarToRgba } from "./image.ts";
 * const img = planarToRgba(new Float32Array(3 * 2 * 2).fill(0.5), 2, 2);
 * img.data[0]; // 128
 * ```
 */
export function planarToRgba(
  planes: Float32Array,
  width: number,
  height: number,
  options: { index?: number; scale?: number; offset?: number } = {},
): RgbaImage {
  const index = options.index ?? 0;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(
      `Cannot convert image: width and height must be positive integers, got ${width}x${height}`,
    );
  }
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`Cannot convert image: index must be a non-negative integer, got ${index}`);
  }
  const n = width * height;
  const base = index * 3 * n;
  const scale = (options.scale ?? 1) * 255;
  const offset = (options.offset ?? 0) * 255;
  if (planes.length < base + 3 * n) {
    throw new RangeError(
      `Cannot convert image ${options.index ?? 0}: expected ${base + 3 * n} values, got ${planes.length}`,
    );
  }
  const data = new Uint8ClampedArray(4 * n);
  for (let c = 0; c < 3; c++) {
    const plane = base + c * n;
    // Uint8ClampedArray clamps and rounds half to even; the explicit clamp keeps NaN at 0.
    for (let i = 0; i < n; i++) {
      const v = planes[plane + i] * scale + offset;
      data[4 * i + c] = v > 0 ? v : 0;
    }
  }
  for (let i = 0; i < n; i++) data[4 * i + 3] = 255;
  return { width, height, data };
}
