/** Shared helpers of the model tests: image statistics used as measurable versions of "looks like a picture". */
import type { RgbaImage } from "../../core/image.ts";

/** Luminance thumbnail (box average), values in [0, 1]. */
export function thumbnail(img: RgbaImage, size = 8): Float32Array {
  const out = new Float32Array(size * size);
  const bx = img.width / size, by = img.height / size;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = 4 * (y * img.width + x);
      const l = (0.299 * img.data[o] + 0.587 * img.data[o + 1] + 0.114 * img.data[o + 2]) / 255;
      out[Math.floor(y / by) * size + Math.floor(x / bx)] += l / (bx * by);
    }
  }
  return out;
}

/** Mean absolute difference of two equal-length arrays. */
export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Standard deviation. */
export function std(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2;
  return Math.sqrt(v / a.length);
}

/** Mean absolute step between horizontally and vertically neighbouring pixels, RGB in [0, 1]. */
export function neighbourStep(img: RgbaImage): number {
  let s = 0, n = 0;
  const { width: w, height: h, data } = img;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const o = 4 * (y * w + x);
      for (let c = 0; c < 3; c++) {
        s += Math.abs(data[o + c] - data[o + 4 + c]) + Math.abs(data[o + c] - data[o + 4 * w + c]);
        n += 2;
      }
    }
  }
  return s / n / 255;
}

/** Bounding box of pixels whose RGB changed by more than `tolerance` (0..255), or null. */
export function changedBox(a: RgbaImage, b: RgbaImage, tolerance = 1) {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const o = 4 * (y * a.width + x);
      for (let c = 0; c < 3; c++) {
        if (Math.abs(a.data[o + c] - b.data[o + c]) > tolerance) {
          x0 = Math.min(x0, x), y0 = Math.min(y0, y), x1 = Math.max(x1, x), y1 = Math.max(y1, y);
        }
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Mean absolute RGB step, in [0, 1], between columns `x` and `x + 1` of each image, averaged over the images. */
export function columnStep(images: RgbaImage[], x: number): number {
  let s = 0;
  for (const { width: w, height: h, data } of images) {
    for (let y = 0; y < h; y++) {
      const o = 4 * (y * w + x);
      for (let c = 0; c < 3; c++) s += Math.abs(data[o + c] - data[o + 4 + c]);
    }
  }
  return s / (3 * 255 * images.reduce((n, img) => n + img.height, 0));
}
