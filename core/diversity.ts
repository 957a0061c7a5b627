/**
 * A diverse first batch (after nevergrad's `sphere.py`, "Diverse Diffusion") and the metrics
 * that say how diverse a batch is. See ALGORITHMS.md.
 *
 * @module
 */

import { type Rng, validateRng } from "./rng.ts";
import {
  copyShape,
  type Latent,
  rescaleInPlace,
  type Shape,
  shapeSize,
  validateLatents,
  validateOptions,
  validateShape,
} from "./latent.ts";

/** Options of {@link diverseLatents}. */
export type DiverseOptions = {
  /**
   * "orthogonal" (default): make the batch's blurred latents mutually orthogonal at the blur's
   * scale and every coarser one. "greedy": nevergrad's selection alone, for comparison.
   */
  method?: "orthogonal" | "greedy";
  /** Candidates drawn per latent returned for the greedy selection. Default 1 ("orthogonal"), 32 ("greedy"). */
  candidates?: number;
  /** Side of the square blocks averaged by the spatial blur, in latent pixels. Default 4. */
  blur?: number;
};

/** Options of {@link blurredMaxCosine}. */
export type BlurOptions = {
  /** Side of the square blocks averaged by the spatial blur, in latent pixels. Default 4. */
  blur?: number;
};

/** Block layout of the blur: per channel, `bh x bw` blocks of side `b` (edge blocks smaller). */
type Blocks = { b: number; bh: number; bw: number; length: number };

function blocksOf(shape: Shape, blur: number, operation: string): Blocks {
  if (typeof blur !== "number" || !Number.isInteger(blur) || blur < 1) {
    throw new RangeError(`Cannot ${operation}: blur must be a positive integer, got ${blur}`);
  }
  const b = Math.min(blur, shape[1], shape[2]);
  const bh = Math.ceil(shape[1] / b), bw = Math.ceil(shape[2] / b);
  return { b, bh, bw, length: shape[0] * bh * bw };
}

/** The blur: the mean of every block, per channel, into `out` (length `C*bh*bw`). */
function blockMeans(data: Float32Array, shape: Shape, blocks: Blocks, out: Float64Array): Float64Array {
  const [C, H, W] = shape;
  const { b, bh, bw } = blocks;
  out.fill(0);
  for (let c = 0; c < C; c++) {
    for (let row = 0; row < H; row++) {
      const o = (c * bh + Math.floor(row / b)) * bw, src = (c * H + row) * W;
      for (let col = 0; col < W; col++) out[o + Math.floor(col / b)] += data[src + col];
    }
  }
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < bh; i++) {
      for (let j = 0; j < bw; j++) {
        out[(c * bh + i) * bw + j] /= blockArea(H, W, b, i, j);
      }
    }
  }
  return out;
}

function blockArea(H: number, W: number, b: number, i: number, j: number): number {
  return (Math.min(H, (i + 1) * b) - i * b) * (Math.min(W, (j + 1) * b) - j * b);
}

/** Pooling factors (in blocks) of the selection's scales: 1, 2, 4, ... while the grid stays >= 2x2. */
function featureScales(shape: Shape, blocks: Blocks): number[] {
  const out = [1];
  for (let f = 2; blocks.b * f * 2 <= Math.min(shape[1], shape[2]); f *= 2) out.push(f);
  return out;
}

/** Block means pooled by `f x f` blocks (area-weighted at the edges): the blur of side `b*f`. */
function poolGrid(means: Float64Array, shape: Shape, blocks: Blocks, f: number): Float64Array {
  const [C, H, W] = shape;
  const { b, bh, bw } = blocks;
  if (f === 1) return means.slice();
  const gh = Math.ceil(bh / f), gw = Math.ceil(bw / f);
  const out = new Float64Array(C * gh * gw), area = new Float64Array(C * gh * gw);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < bh; i++) {
      for (let j = 0; j < bw; j++) {
        const a = blockArea(H, W, b, i, j), o = (c * gh + Math.floor(i / f)) * gw + Math.floor(j / f);
        out[o] += means[(c * bh + i) * bw + j] * a;
        area[o] += a;
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= area[i];
  return out;
}

function normalise(v: Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const f = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= f;
  return v;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * A diverse batch of latents, each rescaled to norm `sqrt(D)`. Plain i.i.d. draws often give
 * look-alikes: what the eye sees is the blurred latent (two latents that differ only in pixel
 * noise decode to near-identical images), and i.i.d. blurred latents share directions by chance.
 *
 * Both methods work on block means (the blur): for i.i.d. N(0,1) values, a block's mean
 * (N(0, 1/area)) and the deviations from it (`z - mean(z)`) are independent, so the block means can
 * be drawn and chosen first and the full latent completed afterwards with fresh i.i.d. deviations.
 * - "greedy" (nevergrad's `sphere.py`): draw `n * candidates` block-mean grids, keep `n` by greedy
 *   max-min distance (mean cosine over the blur's scale and each coarser power of two).
 * - "orthogonal" (default): split each grid into scales (Haar-like: coarsest layout, then the
 *   detail each finer scale adds), make each scale orthogonal across the batch by Gram-Schmidt, and
 *   restore each component's norm. Every blurred cosine from the blur's scale up is then 0, where
 *   i.i.d. draws reach 0.06 (blur 4) to 0.5 (blur 32) for 8 x [4,64,64]. The values stay N(0,1):
 *   only the few block-mean directions (1/16 of the energy at blur 4) are turned.
 *
 * @param n Number of latents, a non-negative integer.
 * @param shape `[C, H, W]`.
 * @param rng The seeded generator.
 * @param options `method`, `candidates` per latent and `blur` block side (default 4).
 * @returns `n` new latents, each of norm `sqrt(D)`.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { diverseLatents } from "./diversity.ts";
 * const batch = diverseLatents(8, [4, 64, 64], createRng(1));
 * batch.length; // 8
 * ```
 */
export function diverseLatents(n: number, shape: Shape, rng: Rng, options: DiverseOptions = {}): Latent[] {
  const op = "draw a diverse batch";
  validateShape(shape, op);
  validateRng(rng, op);
  validateOptions(options, op);
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`Cannot ${op}: n must be a non-negative integer, got ${n}`);
  }
  const method = options.method ?? "orthogonal";
  if (method !== "orthogonal" && method !== "greedy") {
    throw new RangeError(`Cannot ${op}: method must be "orthogonal" or "greedy", got ${String(method)}`);
  }
  const per = options.candidates ?? (method === "greedy" ? 32 : 1);
  if (typeof per !== "number" || !Number.isInteger(per) || per < 1) {
    throw new RangeError(`Cannot ${op}: candidates must be a positive integer, got ${per}`);
  }
  const blocks = blocksOf(shape, options.blur ?? 4, op);
  const [C, H, W] = shape;
  const { b, bh, bw, length: L } = blocks;
  const sd = new Float64Array(L);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < bh; i++) {
      for (let j = 0; j < bw; j++) sd[(c * bh + i) * bw + j] = 1 / Math.sqrt(blockArea(H, W, b, i, j));
    }
  }
  // Candidates' blurred vectors (block means), drawn directly.
  const m = n * per;
  const means: Float64Array[] = [];
  for (let k = 0; k < m; k++) {
    const v = new Float64Array(L);
    for (let i = 0; i < L; i++) v[i] = rng.normal() * sd[i];
    means.push(v);
  }
  // Features at the blur's scale and at every coarser power of two (until a 2x2 grid): a batch
  // spread at one scale only can still share its coarse layout, the composition of the images.
  const scales = featureScales(shape, blocks);
  const unit = scales.map((f) => means.map((v) => normalise(poolGrid(v, shape, blocks, f))));
  // Greedy max-min distance between unit vectors (|u - v|^2 = 2 - 2 cos), the distance averaged
  // over the scales: keep the candidate whose largest mean cosine to the chosen ones is smallest.
  const chosen: number[] = [];
  const worst = new Float64Array(m).fill(-Infinity);
  const used = new Uint8Array(m);
  for (let t = 0; t < n; t++) {
    let pick = -1, best = Infinity;
    for (let k = 0; k < m; k++) {
      if (!used[k] && worst[k] < best) {
        best = worst[k];
        pick = k;
      }
    }
    used[pick] = 1;
    chosen.push(pick);
    for (let k = 0; k < m; k++) {
      if (used[k]) continue;
      let c = 0;
      for (const u of unit) c += dot(u[k], u[pick]);
      worst[k] = Math.max(worst[k], c / unit.length);
    }
  }
  const targets = chosen.map((k) => means[k]);
  if (method === "orthogonal") orthogonaliseScales(targets, shape, blocks, scales);
  const size = shapeSize(shape);
  const own = new Float64Array(L);
  return targets.map((target) => {
    const data = rng.fillNormal(new Float32Array(size));
    blockMeans(data, shape, blocks, own);
    for (let c = 0; c < C; c++) {
      for (let row = 0; row < H; row++) {
        const o = (c * bh + Math.floor(row / b)) * bw, src = (c * H + row) * W;
        for (let col = 0; col < W; col++) {
          const blk = o + Math.floor(col / b);
          data[src + col] += target[blk] - own[blk];
        }
      }
    }
    return { shape: copyShape(shape), data: rescaleInPlace(data, op) };
  });
}

/**
 * Splits each block-mean grid into one component per scale (the coarsest grid, then the detail
 * each finer scale adds, Haar-like, so components of different scales are orthogonal), makes each
 * scale's components orthogonal across the batch (Gram-Schmidt, in batch order), restores each
 * component's norm, and sums them back. The blurred latents are then orthogonal at every scale
 * from the blur up, as far as each scale has dimensions for them. In place.
 */
function orthogonaliseScales(grids: Float64Array[], shape: Shape, blocks: Blocks, scales: number[]): void {
  const L = blocks.length;
  const levels = grids.map((g) => {
    const up = scales.map((f) => upsample(poolGrid(g, shape, blocks, f), shape, blocks, f));
    return up.map((u, s) => {
      const c = u.slice();
      if (s + 1 < up.length) { for (let i = 0; i < L; i++) c[i] -= up[s + 1][i]; }
      return c;
    });
  });
  for (let s = 0; s < scales.length; s++) {
    const basis: Float64Array[] = [];
    for (const lv of levels) {
      const v = lv[s], norm = Math.sqrt(dot(v, v));
      const r = v.slice();
      for (const e of basis) {
        const p = dot(r, e);
        for (let i = 0; i < L; i++) r[i] -= p * e[i];
      }
      const rn = Math.sqrt(dot(r, r));
      // A scale with fewer dimensions than latents runs out of room: keep the rest as drawn.
      if (!(rn > 1e-9 * norm)) continue;
      for (let i = 0; i < L; i++) v[i] = (r[i] * norm) / rn;
      basis.push(normalise(r));
    }
  }
  grids.forEach((g, k) => {
    g.fill(0);
    for (const c of levels[k]) for (let i = 0; i < L; i++) g[i] += c[i];
  });
}

/** Inverse of {@link poolGrid}'s layout: every block takes the value of its pooled block. */
function upsample(pooled: Float64Array, shape: Shape, blocks: Blocks, f: number): Float64Array {
  const { bh, bw, length } = blocks;
  const gh = Math.ceil(bh / f), gw = Math.ceil(bw / f);
  const out = new Float64Array(length);
  for (let c = 0; c < shape[0]; c++) {
    for (let i = 0; i < bh; i++) {
      for (let j = 0; j < bw; j++) {
        out[(c * bh + i) * bw + j] = pooled[(c * gh + Math.floor(i / f)) * gw + Math.floor(j / f)];
      }
    }
  }
  return out;
}

/**
 * Largest pairwise cosine similarity after the spatial blur (block means); lower is more diverse.
 * nevergrad's `metric_pack` after `_conv`: two latents that differ only in fine noise decode to
 * look-alike images, and this metric sees them as close.
 *
 * @param latents Two or more latents of one shape.
 * @param options `blur`: block side in latent pixels (default 4; 1 = no blur).
 * @returns The maximum over pairs of the blurred cosine, in [-1, 1].
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * import { blurredMaxCosine } from "./diversity.ts";
 * const rng = createRng(1);
 * blurredMaxCosine([0, 1, 2].map(() => randomLatent([4, 64, 64], rng))); // about 0.05
 * ```
 */
export function blurredMaxCosine(latents: readonly Latent[], options: BlurOptions = {}): number {
  const op = "measure diversity";
  const shape = validateLatents(latents, op);
  if (latents.length < 2) {
    throw new RangeError(`Cannot ${op}: need at least 2 latents, got ${latents.length}`);
  }
  const blocks = blocksOf(shape, options.blur ?? 4, op);
  const unit = latents.map((l) =>
    normalise(blockMeans(l.data, shape, blocks, new Float64Array(blocks.length)))
  );
  let max = -Infinity;
  for (let i = 0; i < unit.length; i++) {
    for (let j = i + 1; j < unit.length; j++) max = Math.max(max, dot(unit[i], unit[j]));
  }
  return max;
}

/**
 * Largest pairwise cosine similarity of the raw latents (no blur); lower is more diverse.
 *
 * @param latents Two or more latents of one shape.
 * @returns The maximum over pairs of the cosine, in [-1, 1].
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * import { maxCosine } from "./diversity.ts";
 * const rng = createRng(1);
 * maxCosine([randomLatent([4, 8, 8], rng), randomLatent([4, 8, 8], rng)]);
 * ```
 */
export function maxCosine(latents: readonly Latent[]): number {
  return blurredMaxCosine(latents, { blur: 1 });
}
