/**
 * Region recombination (the paper's operator): Voronoi crossover with the person's clicks as cell
 * centres, so the region around each click is copied, at the same position and bit for bit, from
 * the image it was clicked on. See ALGORITHMS.md.
 *
 * Like voronoiCrossover (crossover.ts) it does not rescale its output: every value is a parent's,
 * unchanged, or a fresh N(0, 1) draw, so the norm stays near `sqrt(D)` and a liked region is kept
 * exactly.
 *
 * @module
 */

import { type Rng, validateRng } from "./rng.ts";
import {
  copyShape,
  formatShape,
  type Latent,
  type Point,
  type Shape,
  validateLatent,
  validateOptions,
  validatePoints,
} from "./latent.ts";

/** One parent of {@link regionCrossover}: a latent and the points the person clicked on it. */
export type RegionParent = { latent: Latent; points: Point[] };

/** Options of {@link regionCrossover}. */
export type RegionCrossoverOptions = {
  /** Radius in latent pixels of a disc of fresh N(0,1) noise around every click (sdstudio: ~2). Default 0: none. */
  clickDisc?: number;
  /**
   * Seam noise for child `index` of `count`: fresh noise where `d1 > d2 / (1 + index/count)`, with
   * `d1`, `d2` the distances to the nearest and second-nearest parent's clicks. Child 0 is a clean cut.
   */
  seamNoise?: { index: number; count: number };
};

/**
 * Region recombination: Voronoi crossover with the person's clicks as centres. Each position takes
 * all its channels from the parent whose nearest click is closest, at the same position.
 *
 * @param parents One or more `{ latent, points }`, latents of one shape, each with at least one
 * point in [0,1]^2 (x right, y down; x maps to column `x*W`, y to row `y*H`).
 * @param rng The seeded generator for the optional fresh noise.
 * @param options `clickDisc` and `seamNoise`, both off by default.
 * @returns A new latent.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * import { regionCrossover } from "./region-crossover.ts";
 * const rng = createRng(9);
 * const child = regionCrossover([
 *   { latent: randomLatent([4, 64, 64], rng), points: [{ x: 0.2, y: 0.2 }] },
 *   { latent: randomLatent([4, 64, 64], rng), points: [{ x: 0.8, y: 0.7 }] },
 * ], rng, { clickDisc: 2, seamNoise: { index: 3, count: 8 } });
 * ```
 */
export function regionCrossover(
  parents: readonly RegionParent[],
  rng: Rng,
  options: RegionCrossoverOptions = {},
): Latent {
  const op = "recombine regions";
  validateRng(rng, op);
  validateOptions(options, op);
  if (!Array.isArray(parents)) {
    throw new TypeError(
      `Cannot ${op}: parents must be an array of { latent, points }, got ${String(parents)}`,
    );
  }
  if (parents.length === 0) throw new RangeError(`Cannot ${op}: got no parents (0 parents)`);
  let shape: Shape | undefined;
  for (let i = 0; i < parents.length; i++) {
    const p = parents[i];
    if (typeof p !== "object" || p === null) {
      throw new TypeError(`Cannot ${op}: parent ${i} must be { latent, points }, got ${String(p)}`);
    }
    validateLatent(p.latent, op, `parent ${i}`);
    validatePoints(p.points, op);
    if (p.points.length === 0) throw new RangeError(`Cannot ${op}: parent ${i} has no points (0 points)`);
    if (shape === undefined) shape = p.latent.shape;
    else if (formatShape(shape) !== formatShape(p.latent.shape)) {
      throw new RangeError(
        `Cannot ${op}: expected shape ${formatShape(shape)}, got ${
          formatShape(p.latent.shape)
        } (parent ${i})`,
      );
    }
  }
  const disc = options.clickDisc ?? 0;
  if (typeof disc !== "number" || !(disc >= 0) || !Number.isFinite(disc)) {
    throw new RangeError(`Cannot ${op}: clickDisc must be a finite number >= 0, got ${disc}`);
  }
  let seamFactor = 0; // 0: no seam noise; else 1 / (1 + index/count)
  if (options.seamNoise !== undefined) {
    const { index, count } = options.seamNoise;
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(
        `Cannot ${op}: seamNoise needs integers 0 <= index < count, got { index: ${index}, count: ${count} }`,
      );
    }
    seamFactor = 1 / (1 + index / count);
  }
  const [C, H, W] = shape!;
  const plane = H * W;
  // Click coordinates in latent pixels, tagged with their parent.
  const px: number[] = [], py: number[] = [], pp: number[] = [];
  parents.forEach((p, i) =>
    p.points.forEach((q: Point) => {
      px.push(q.x * W);
      py.push(q.y * H);
      pp.push(i);
    })
  );
  const k = parents.length, m = px.length;
  const nearest = new Float64Array(k);
  const parentOf = new Uint32Array(plane);
  const fresh = new Uint8Array(plane);
  const disc2 = disc * disc;
  for (let row = 0; row < H; row++) {
    const y = row + 0.5;
    for (let col = 0; col < W; col++) {
      const x = col + 0.5;
      nearest.fill(Infinity);
      let inDisc = false;
      for (let j = 0; j < m; j++) {
        const d2 = (x - px[j]) * (x - px[j]) + (y - py[j]) * (y - py[j]);
        if (d2 < nearest[pp[j]]) nearest[pp[j]] = d2;
        if (d2 <= disc2 && disc > 0) inDisc = true;
      }
      let p1 = 0, d1 = Infinity, d2nd = Infinity;
      for (let i = 0; i < k; i++) {
        const d = nearest[i];
        if (d < d1) {
          d2nd = d1;
          d1 = d;
          p1 = i;
        } else if (d < d2nd) d2nd = d;
      }
      const idx = row * W + col;
      parentOf[idx] = p1;
      // Compare distances, not squares: d1 > d2 * f  <=>  d1^2 > d2^2 * f^2 (all non-negative).
      const seam = seamFactor > 0 && k > 1 && d1 > d2nd * seamFactor * seamFactor;
      fresh[idx] = inDisc || seam ? 1 : 0;
    }
  }
  const out = new Float32Array(C * plane);
  const sources = parents.map((p) => p.latent.data);
  for (let c = 0; c < C; c++) {
    const base = c * plane;
    for (let i = 0; i < plane; i++) {
      out[base + i] = fresh[i] ? rng.normal() : sources[parentOf[i]][base + i];
    }
  }
  return { shape: copyShape(shape!), data: out };
}
