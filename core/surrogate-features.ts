/**
 * The surrogate's features of a latent and their standardisation. Features: the latent summed over
 * spatial blocks (a grid of at most 16x16 cells per channel), plus the same sums pooled into coarser
 * grids (halving down to 1x1), each divided by the square root of the number of latent values it
 * sums. Standardisation weights each pyramid level to the same total prior variance, so that a ridge
 * penalty prefers smooth, region-sized tastes (see `core/surrogate.ts`).
 *
 * @module
 */
import { type Latent, type Shape, validateLatent } from "./latent.ts";

/** The feature layout for a latent shape: block size of the finest grid and the pyramid levels. */
export type Layout = {
  shape: Shape;
  /** Grid size of each level, finest first. */
  levels: { rows: number; cols: number }[];
  /** Fine-grid column of each latent column, and fine-grid row of each latent row. */
  colCell: Int32Array;
  rowCell: Int32Array;
  /** Per level, 1/sqrt(number of latent values in each cell). */
  norms: Float64Array[];
  /** Features per channel. */
  perChannel: number;
  /** Total feature count. */
  size: number;
};

/** The feature layout of `shape`, with (`pyramid`) or without the coarse pooling levels. */
export function layoutFor(shape: Shape, pyramid: boolean): Layout {
  const [, h, w] = shape;
  // A grid of at most 16x16 cells: 4x4 blocks for 64x64, 16x16 blocks for 256x256.
  const blockH = Math.max(1, Math.ceil(h / 16)), blockW = Math.max(1, Math.ceil(w / 16));
  const levels = [{ rows: Math.ceil(h / blockH), cols: Math.ceil(w / blockW) }];
  while (pyramid) {
    const last = levels[levels.length - 1];
    if (last.rows === 1 && last.cols === 1) break;
    levels.push({ rows: Math.ceil(last.rows / 2), cols: Math.ceil(last.cols / 2) });
  }
  const rowCell = Int32Array.from({ length: h }, (_, y) => Math.floor(y / blockH));
  const colCell = Int32Array.from({ length: w }, (_, x) => Math.floor(x / blockW));
  // Cell sizes: count the latent positions falling in each cell of each level.
  const counts = levels.map((l) => new Float64Array(l.rows * l.cols));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = rowCell[y], c = colCell[x];
      for (let l = 0; l < levels.length; l++, r >>= 1, c >>= 1) counts[l][r * levels[l].cols + c]++;
    }
  }
  const norms = counts.map((cs) => cs.map((n) => 1 / Math.sqrt(n)));
  const perChannel = levels.reduce((n, l) => n + l.rows * l.cols, 0);
  return { shape, levels, rowCell, colCell, norms, perChannel, size: perChannel * shape[0] };
}

/**
 * Computes the surrogate's features of a latent: block sums and their coarser poolings, each
 * divided by the square root of the number of latent values it sums (unit variance for N(0,1)).
 */
export function features(latent: Latent, layout: Layout, out: Float32Array): Float32Array {
  const [c, h, w] = layout.shape;
  const { levels, rowCell, colCell, norms, perChannel } = layout;
  const fineCols = levels[0].cols;
  const sums = levels.map((l) => new Float64Array(l.rows * l.cols));
  const data = latent.data;
  for (let ch = 0; ch < c; ch++) {
    const s0 = sums[0];
    s0.fill(0);
    for (let y = 0; y < h; y++) {
      const row = ch * h * w + y * w, br = rowCell[y] * fineCols;
      for (let x = 0; x < w; x++) s0[br + colCell[x]] += data[row + x];
    }
    for (let l = 1; l < levels.length; l++) {
      const prev = levels[l - 1], cols = levels[l].cols, ps = sums[l - 1], cs = sums[l];
      cs.fill(0);
      for (let y = 0; y < prev.rows; y++) {
        for (let x = 0; x < prev.cols; x++) cs[(y >> 1) * cols + (x >> 1)] += ps[y * prev.cols + x];
      }
    }
    let k = ch * perChannel;
    for (let l = 0; l < levels.length; l++) {
      const s = sums[l], nm = norms[l];
      for (let i = 0; i < s.length; i++) out[k++] = s[i] * nm[i];
    }
  }
  return out;
}

/** Checks that `latent` is a well-formed latent (of the layout's shape, once there is a layout). */
export function checkLatent(latent: Latent, layout: Layout | undefined, operation: string): void {
  // Positive integer sizes and finite values: a [1,0,0] latent made the feature pyramid loop for
  // ever, and a NaN made every score NaN.
  validateLatent(latent, operation);
  if (layout && layout.shape.some((v, i) => v !== latent.shape[i])) {
    throw new RangeError(
      `Cannot ${operation}: expected shape [${layout.shape}], got [${latent.shape}]`,
    );
  }
}

/** Standardised features, and the per-feature mean and scale that produced them. */
export type Standardised = {
  /** Row-major `n x d` standardised, level-weighted features. */
  z: Float32Array;
  mean: Float64Array;
  /** Per feature, level weight / standard deviation (0 for a constant feature). */
  scale: Float64Array;
};

/**
 * Standardises feature rows: each feature to zero mean and unit variance, then each pyramid level
 * weighted so that all levels carry the same prior variance (a level of m cells per channel gets
 * 1/sqrt(m)).
 */
export function standardise(rows: readonly Float32Array[], layout: Layout): Standardised {
  const n = rows.length, d = layout.size;
  const mean = new Float64Array(d), scale = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (const r of rows) {
    for (let j = 0; j < d; j++) scale[j] += (r[j] - mean[j]) ** 2;
  }
  const levelWeight = new Float64Array(layout.perChannel);
  let k = 0;
  for (const l of layout.levels) {
    const m = l.rows * l.cols;
    for (let i = 0; i < m; i++) levelWeight[k++] = 1 / Math.sqrt(m);
  }
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(scale[j] / n);
    scale[j] = sd > 1e-6 ? levelWeight[j % layout.perChannel] / sd : 0;
  }
  // Float32: half the memory traffic of the hot loops, and the features are float32 anyway.
  const z = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i], o = i * d;
    for (let j = 0; j < d; j++) z[o + j] = (r[j] - mean[j]) * scale[j];
  }
  return { z, mean, scale };
}
