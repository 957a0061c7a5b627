/**
 * What the simulated user sees: images reduced to a coarse, blurred grid of colours, so that two
 * images that differ only in fine texture count as close, the way a person judges "near what I
 * want" at a glance.
 *
 * @module
 */

import type { RgbaImage } from "../../core/image.ts";
export type { RgbaImage };

/** An image reduced to `size x size` cells of mean RGB in [0, 1]: `data[(row*size+col)*3+c]`. */
export type Thumbnail = { size: number; data: Float32Array };

/**
 * Box-averages an image down to `size x size` cells (a blur followed by a downsample). Each cell
 * averages the pixels whose centres fall in it; alpha is ignored.
 *
 * @param image The image, at least `size` pixels wide and high.
 * @param size Cells per side.
 * @returns The thumbnail.
 * @example
 * ```ts
 * import { thumbnail } from "./image.ts";
 * const img = { width: 2, height: 2, data: new Uint8ClampedArray(16).fill(255) };
 * thumbnail(img, 1).data; // Float32Array [1, 1, 1]
 * ```
 */
export function thumbnail(image: RgbaImage, size: number): Thumbnail {
  const { width, height, data } = image;
  if (!Number.isInteger(size) || size < 1 || size > width || size > height) {
    throw new RangeError(
      `Cannot make a thumbnail: size must be an integer in [1, ${Math.min(width, height)}], got ${size}`,
    );
  }
  if (data.length !== width * height * 4) {
    throw new TypeError(
      `Cannot make a thumbnail: expected ${
        width * height * 4
      } bytes for ${width}x${height} RGBA, got ${data.length}`,
    );
  }
  const sums = new Float64Array(size * size * 3);
  const counts = new Float64Array(size * size);
  for (let y = 0; y < height; y++) {
    const row = Math.min(size - 1, Math.floor(((y + 0.5) * size) / height));
    for (let x = 0; x < width; x++) {
      const col = Math.min(size - 1, Math.floor(((x + 0.5) * size) / width));
      const cell = row * size + col;
      const p = (y * width + x) * 4;
      sums[cell * 3] += data[p];
      sums[cell * 3 + 1] += data[p + 1];
      sums[cell * 3 + 2] += data[p + 2];
      counts[cell]++;
    }
  }
  const out = new Float32Array(size * size * 3);
  for (let i = 0; i < out.length; i++) out[i] = sums[i] / (255 * counts[Math.floor(i / 3)]);
  return { size, data: out };
}

/**
 * Root-mean-square difference between two thumbnails of the same size: 0 for equal images, at
 * most 1.
 *
 * @param a A thumbnail.
 * @param b A thumbnail of the same size.
 * @returns The distance.
 * @example
 * ```ts
 * import { thumbnailDistance } from "./image.ts";
 * const a = { size: 1, data: new Float32Array([0, 0, 0]) };
 * const b = { size: 1, data: new Float32Array([1, 1, 1]) };
 * thumbnailDistance(a, b); // 1
 * ```
 */
export function thumbnailDistance(a: Thumbnail, b: Thumbnail): number {
  if (a.size !== b.size) {
    throw new RangeError(`Cannot compare thumbnails: sizes differ, ${a.size} and ${b.size}`);
  }
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  return Math.sqrt(sum / a.data.length);
}

/**
 * Mean squared difference per region: the thumbnails' cells grouped into `regions x regions`
 * blocks. Where the person would click: the block that differs most (to change) or least (to keep).
 *
 * @param a A thumbnail.
 * @param b A thumbnail of the same size.
 * @param regions Blocks per side, at most the thumbnail size.
 * @returns `regions*regions` errors, row-major (row 0 at the top).
 * @example
 * ```ts
 * import { regionErrors } from "./image.ts";
 * const a = { size: 2, data: new Float32Array(12) };
 * const b = { size: 2, data: new Float32Array(12).fill(1) };
 * regionErrors(a, b, 2); // Float64Array [1, 1, 1, 1]
 * ```
 */
export function regionErrors(a: Thumbnail, b: Thumbnail, regions: number): Float64Array {
  if (a.size !== b.size) {
    throw new RangeError(`Cannot compare regions: thumbnail sizes differ, ${a.size} and ${b.size}`);
  }
  if (!Number.isInteger(regions) || regions < 1 || regions > a.size) {
    throw new RangeError(
      `Cannot compare regions: regions must be an integer in [1, ${a.size}], got ${regions}`,
    );
  }
  const errors = new Float64Array(regions * regions);
  const counts = new Float64Array(regions * regions);
  for (let row = 0; row < a.size; row++) {
    const r = Math.floor((row * regions) / a.size);
    for (let col = 0; col < a.size; col++) {
      const block = r * regions + Math.floor((col * regions) / a.size);
      for (let c = 0; c < 3; c++) {
        const i = (row * a.size + col) * 3 + c;
        const d = a.data[i] - b.data[i];
        errors[block] += d * d;
      }
      counts[block] += 3;
    }
  }
  for (let i = 0; i < errors.length; i++) errors[i] /= counts[i];
  return errors;
}
