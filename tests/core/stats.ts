/**
 * Statistics checks shared by the core tests: every operator must keep a latent looking like a
 * fresh N(0,1) draw, or the diffusion model sees something it was never trained on.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Latent } from "../../core/mod.ts";

/**
 * Mean, variance and norm / sqrt(D) of a latent's values.
 *
 * @param l The latent to measure.
 * @returns Its mean, variance and root mean square (norm / sqrt(D)).
 * @example
 * ```ts
 * import { createRng, randomLatent } from "../../core/mod.ts";
 * const { mean } = latentStats(randomLatent([4, 8, 8], createRng(1)));
 * ```
 */
export function latentStats(l: Latent): { mean: number; variance: number; normRatio: number } {
  const d = l.data;
  let s = 0, ss = 0;
  for (let i = 0; i < d.length; i++) {
    s += d[i];
    ss += d[i] * d[i];
  }
  const mean = s / d.length;
  return { mean, variance: ss / d.length - mean * mean, normRatio: Math.sqrt(ss / d.length) };
}

/**
 * Asserts that a latent's values have mean 0, variance 1 and norm sqrt(D), each within `tolerance`.
 *
 * @param l The latent to check.
 * @param tolerance The largest accepted absolute error of each statistic.
 * @returns Nothing; throws an AssertionError naming the statistic that is off.
 * @example
 * ```ts
 * import { createRng, randomLatent } from "../../core/mod.ts";
 * assertNormal(randomLatent([4, 64, 64], createRng(1)));
 * ```
 */
export function assertNormal(l: Latent, tolerance = 0.05): void {
  const { mean, variance, normRatio } = latentStats(l);
  assert.ok(Math.abs(mean) < tolerance, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < tolerance, `variance ${variance}`);
  assert.ok(Math.abs(normRatio - 1) < tolerance, `norm / sqrt(D) ${normRatio}`);
}

/**
 * The synthetic taste used to test and benchmark the surrogate: how bright the top-left quadrant
 * is (mean over channels and area). A region taste is what the surrogate's pyramid features exist for.
 *
 * @param l The latent to score.
 * @returns The mean value of its top-left quadrant, over every channel.
 * @example
 * ```ts
 * import { createRng, randomLatent } from "../../core/mod.ts";
 * const taste = topLeftBrightness(randomLatent([4, 64, 64], createRng(1)));
 * ```
 */
export function topLeftBrightness(l: Latent): number {
  const [c, h, w] = l.shape;
  let s = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h / 2; y++) for (let x = 0; x < w / 2; x++) s += l.data[ch * h * w + y * w + x];
  }
  return s / (c * h * w / 4);
}
