/**
 * The surrogate: a model of the person's taste, learnt from every image shown (selected = good,
 * shown but not selected = bad), that scores candidate latents before anyone sees them.
 *
 * Features (`core/surrogate-features.ts`): the latent summed over spatial blocks (4x4 latent pixels for `[4,64,64]`, 1024
 * features), plus the same sums pooled into coarser grids (8x8, 4x4, 2x2, 1x1 cells per channel).
 * The coarse levels matter: a taste such as "a bright top-left" spreads over hundreds of fine
 * blocks, and a linear model on the 1024 fine sums alone needs thousands of examples to find it
 * (AUC about 0.65 from 200 examples, see bench/surrogate.ts); with the pyramid, each level weighted
 * to the same total prior variance, the ridge penalty prefers smooth, region-sized tastes and 200
 * examples suffice. Model: class-balanced logistic regression with a ridge penalty, or with
 * `pairwise` a Bradley-Terry model of "selected beats not selected" within each generation (what
 * evolve() uses); both are fitted by Nesterov-accelerated gradient descent, are deterministic and
 * train in milliseconds.
 *
 * @module
 */
import type { Latent, Shape } from "./latent.ts";
import { checkLatent, features, type Layout, layoutFor, standardise } from "./surrogate-features.ts";

/** Options of {@link createSurrogate}. */
export type SurrogateOptions = {
  /** Ridge penalty on the (standardised, level-weighted) weights. Default 0.1. */
  ridge?: number;
  /** Use the coarse pooling levels as well as the fine block sums. Default true. */
  pyramid?: boolean;
  /** Most gradient steps per {@link Surrogate.train}. Default 40. */
  maxIterations?: number;
  /**
   * Learn from comparisons within each group (a generation): every good example of a group against
   * every bad one of the same group (Bradley-Terry), instead of absolute labels across groups.
   * Default false.
   */
  pairwise?: boolean;
};

/** A taste model: add shown images with their label, train, score candidates. */
export interface Surrogate {
  /** Number of examples added. */
  readonly size: number;
  /** Number of good (selected) examples. */
  readonly good: number;
  /** Number of bad (shown, not selected) examples. */
  readonly bad: number;
  /** True once trained on both classes (pairwise: within one group); until then every score is 0. */
  readonly ready: boolean;
  /** Gradient steps the last {@link Surrogate.train} took (0 when it learnt nothing). */
  readonly iterations: number;
  /** Adds one shown image: `good` = the person selected it; `group`: its generation (default 0). */
  add(latent: Latent, good: boolean, group?: number): void;
  /** Fits the model to every example added so far. */
  train(): void;
  /** Predicted preference (a logit: higher = more likely selected); 0 before a two-class training. */
  score(latent: Latent): number;
}

/**
 * The most (good, bad) pairs a pairwise surrogate fits at once; more are thinned evenly. The fit's
 * cost grows with them, its quality hardly: 64 images with half selected, 5 generations of
 * [4,64,64], make 5,120 pairs, fitted in 1,235 ms to a held-out AUC of 0.975; 512 of them in 105 ms
 * to 0.961 (bench/surrogate.ts). Population 8 stays under the limit.
 */
export const MAX_PAIRS = 512;

/**
 * Creates an empty surrogate. Its shape is fixed by the first latent added.
 *
 * @param options Ridge penalty, pyramid on/off, iteration cap.
 * @returns A {@link Surrogate}.
 * @example
 * ```ts
 * import { createRng, createSurrogate, randomLatent } from "./mod.ts";
 * const rng = createRng(1), s = createSurrogate();
 * for (let i = 0; i < 20; i++) s.add(randomLatent([4, 8, 8], rng), i % 4 === 0);
 * s.train();
 * const score = s.score(randomLatent([4, 8, 8], rng)); // higher = more likely to be selected
 * ```
 */
export function createSurrogate(options: SurrogateOptions = {}): Surrogate {
  const ridge = options.ridge ?? 0.1;
  const pyramid = options.pyramid ?? true;
  const maxIterations = options.maxIterations ?? 40;
  const pairwise = options.pairwise ?? false;
  if (!(Number.isFinite(ridge) && ridge > 0)) {
    throw new RangeError(`Cannot create a surrogate: ridge must be a positive number, got ${ridge}`);
  }
  if (!(Number.isInteger(maxIterations) && maxIterations > 0)) {
    throw new RangeError(
      `Cannot create a surrogate: maxIterations must be a positive integer, got ${maxIterations}`,
    );
  }
  let layout: Layout | undefined;
  const rows: Float32Array[] = [];
  const labels: boolean[] = [];
  const groups: number[] = [];
  let good = 0;
  // The trained model, in raw-feature space: score = bias + sum(weights * feature).
  let weights: Float64Array | undefined;
  let bias = 0;
  let scratch: Float32Array | undefined;
  let iterations = 0;

  function train(): void {
    weights = undefined;
    iterations = 0;
    bias = 0;
    const n = rows.length, bad = n - good;
    if (!layout || good === 0 || bad === 0) return;
    const d = layout.size;
    const { z, mean, scale } = standardise(rows, layout);
    const fit = pairwise ? fitPairs(z, d) : fitLogistic(
      z,
      Float64Array.from(labels, (l) => l ? 1 : -1),
      // Class-balanced weights: each class carries half of the loss.
      Float64Array.from(labels, (l) => l ? 0.5 / good : 0.5 / bad),
      n,
      d,
      ridge,
      maxIterations,
    );
    if (!fit) return;
    const beta = fit.beta;
    iterations = fit.iterations;
    // Fold the standardisation into raw-feature weights so scoring is one dot product.
    weights = new Float64Array(d);
    bias = beta[d];
    for (let j = 0; j < d; j++) {
      weights[j] = beta[j] * scale[j];
      bias -= weights[j] * mean[j];
    }
  }

  /**
   * Bradley-Terry: the logistic loss on the feature difference of every (good, bad) pair of the same
   * group, both ways round (so the intercept stays 0), each pair weighing the same. Undefined when
   * no group has both classes.
   */
  function fitPairs(z: Float32Array, d: number): ReturnType<typeof fitLogistic> | undefined {
    const pairs: [number, number][] = [];
    for (let i = 0; i < rows.length; i++) {
      if (!labels[i]) continue;
      for (let j = 0; j < rows.length; j++) if (!labels[j] && groups[j] === groups[i]) pairs.push([i, j]);
    }
    if (pairs.length === 0) return undefined;
    // Past MAX_PAIRS, an evenly spaced share of them: 64 images with half selected make 1,024 pairs
    // a generation, and each pair is two rows of the fit.
    const used = pairs.length <= MAX_PAIRS
      ? pairs
      : Array.from({ length: MAX_PAIRS }, (_, k) => pairs[Math.floor((k + 0.5) * pairs.length / MAX_PAIRS)]);
    const m = 2 * used.length;
    const zp = new Float32Array(m * d), y = new Float64Array(m), cw = new Float64Array(m).fill(1 / m);
    used.forEach(([i, j], p) => {
      const a = 2 * p * d, b = a + d;
      for (let k = 0; k < d; k++) {
        const diff = z[i * d + k] - z[j * d + k];
        zp[a + k] = diff;
        zp[b + k] = -diff;
      }
      y[2 * p] = 1;
      y[2 * p + 1] = -1;
    });
    return fitLogistic(zp, y, cw, m, d, ridge, maxIterations);
  }

  return {
    get size() {
      return rows.length;
    },
    get good() {
      return good;
    },
    get bad() {
      return rows.length - good;
    },
    get ready() {
      return weights !== undefined;
    },
    get iterations() {
      return iterations;
    },
    add(latent: Latent, isGood: boolean, group = 0): void {
      checkLatent(latent, layout, "add an example to the surrogate");
      if (typeof isGood !== "boolean") {
        throw new TypeError(`Cannot add an example to the surrogate: label must be a boolean, got ${isGood}`);
      }
      if (!Number.isFinite(group)) {
        throw new TypeError(
          `Cannot add an example to the surrogate: group must be a finite number, got ${group}`,
        );
      }
      layout ??= layoutFor([...latent.shape] as unknown as Shape, pyramid);
      rows.push(features(latent, layout, new Float32Array(layout.size)));
      labels.push(isGood);
      groups.push(group);
      if (isGood) good++;
    },
    train,
    score(latent: Latent): number {
      if (!weights || !layout) return 0;
      checkLatent(latent, layout, "score a latent");
      scratch ??= new Float32Array(layout.size);
      const f = features(latent, layout, scratch);
      let s = bias;
      for (let j = 0; j < f.length; j++) s += weights[j] * f[j];
      return s;
    },
  };
}

/**
 * Minimises sum_i cw_i * log(1 + exp(-y_i (z_i . b + b0))) + ridge/2 |b|^2 (no penalty on the
 * intercept b0) with Nesterov's accelerated gradient and adaptive restart (O'Donoghue and Candes,
 * 2015); the step comes from a power-iteration estimate of the curvature. Returns [b..., b0].
 */
function fitLogistic(
  z: Float32Array,
  y: Float64Array,
  cw: Float64Array,
  n: number,
  d: number,
  ridge: number,
  maxIterations: number,
): { beta: Float64Array; iterations: number } {
  // Z^T r as d dot products over a transposed copy: streaming reads, no scattered writes.
  const zt = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) zt[j * n + i] = z[i * d + j];
  const cwMax = cw.reduce((a, b) => Math.max(a, b), 0);
  // Largest eigenvalue of Z^T Z (intercept column included), by a few power iterations; the 1.5
  // margin covers their underestimate, and the logistic curvature is at most 1/4 anyway.
  const v = new Float64Array(d + 1).fill(1 / Math.sqrt(d + 1));
  const zv = new Float64Array(n);
  let lambdaMax = 1;
  for (let it = 0; it < 4; it++) {
    matVec(z, v, zv, n, d);
    matTVec(zt, zv, v, n, d);
    lambdaMax = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
    for (let j = 0; j <= d; j++) v[j] /= lambdaMax;
  }
  const lipschitz = 1.5 * (cwMax * lambdaMax) / 4 + ridge;
  const step = 1 / lipschitz;
  const momentum = (Math.sqrt(lipschitz) - Math.sqrt(ridge)) / (Math.sqrt(lipschitz) + Math.sqrt(ridge));
  const x = new Float64Array(d + 1), prev = new Float64Array(d + 1), look = new Float64Array(d + 1);
  const grad = new Float64Array(d + 1), margin = new Float64Array(n), r = new Float64Array(n);
  let firstNorm = 0, iterations = 0;
  for (let it = 0; it < maxIterations; it++) {
    for (let j = 0; j <= d; j++) look[j] = x[j] + momentum * (x[j] - prev[j]);
    matVec(z, look, margin, n, d);
    for (let i = 0; i < n; i++) r[i] = -cw[i] * y[i] / (1 + Math.exp(y[i] * margin[i]));
    matTVec(zt, r, grad, n, d);
    let norm = 0, uphill = 0;
    for (let j = 0; j <= d; j++) {
      if (j < d) grad[j] += ridge * look[j];
      norm += grad[j] * grad[j];
      uphill += grad[j] * (x[j] - prev[j]);
    }
    if (it === 0) firstNorm = norm;
    prev.set(x);
    for (let j = 0; j <= d; j++) x[j] = look[j] - step * grad[j];
    // Restart: when momentum points uphill, drop it (prev = x) so the next step is plain descent.
    if (uphill > 0) prev.set(x);
    iterations = it + 1;
    if (norm <= 1e-4 * firstNorm) break;
  }
  return { beta: x, iterations };
}

/** out = Z v[0..d) + v[d] (the intercept). */
function matVec(z: Float32Array, v: Float64Array, out: Float64Array, n: number, d: number): void {
  for (let i = 0; i < n; i++) out[i] = v[d] + dot(z, i * d, v, 0, d);
}

/** out[0..d) = Z^T r (from the transposed copy zt, d x n), out[d] = sum(r). */
function matTVec(zt: Float32Array, r: Float64Array, out: Float64Array, n: number, d: number): void {
  for (let j = 0; j < d; j++) out[j] = dot(zt, j * n, r, 0, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += r[i];
  out[d] = s;
}

/** sum_k a[ao + k] * b[bo + k] for k < len; four accumulators, which roughly halves V8's time. */
function dot(a: Float32Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[bo + k];
  return (s0 + s1) + (s2 + s3);
}

/**
 * Area under the ROC curve of `scores` for the binary `labels` (ties count one half): the chance
 * that a random good example scores above a random bad one.
 *
 * @param scores One score per example.
 * @param labels One label per example, true = good.
 * @returns The AUC in [0, 1]; NaN when one class is missing.
 * @example
 * ```ts
 * import { rocAuc } from "./surrogate.ts";
 * rocAuc([0.9, 0.2, 0.6], [true, false, false]); // 1
 * ```
 */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  if (scores.length !== labels.length) {
    throw new RangeError(
      `Cannot compute an AUC: ${scores.length} scores but ${labels.length} labels`,
    );
  }
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  // Mid-ranks, so ties count one half.
  let rankSumGood = 0, good = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k][1]]) {
        rankSumGood += midRank;
        good++;
      }
    }
    i = j + 1;
  }
  const bad = scores.length - good;
  if (good === 0 || bad === 0) return NaN;
  return (rankSumGood - good * (good + 1) / 2) / (good * bad);
}
