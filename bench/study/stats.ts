/**
 * The statistics of the study: means with 95% confidence intervals over seeds (Student's t), and
 * paired comparisons of two strategies run on the same seeds.
 *
 * @module
 */

/** A mean with its two-sided 95% confidence interval. */
export type Interval = { mean: number; low: number; high: number; n: number };

// Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
const T975 = [
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

/**
 * The 97.5% quantile of Student's t distribution: exact to 3 decimals from a table up to 30
 * degrees of freedom, beyond that the Cornish-Fisher expansion around the normal quantile.
 *
 * @param df Degrees of freedom, a positive integer.
 * @returns The critical value for a two-sided 95% interval.
 * @example
 * ```ts
 * import { tCritical95 } from "./stats.ts";
 * tCritical95(29); // 2.045
 * ```
 */
export function tCritical95(df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new RangeError(
      `Cannot look up Student's t: degrees of freedom must be a positive integer, got ${df}`,
    );
  }
  if (df <= T975.length) return T975[df - 1];
  const z = 1.959964;
  const z3 = z ** 3, z5 = z ** 5;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

/**
 * Arithmetic mean.
 *
 * @param values At least one number.
 * @returns Their mean.
 * @example
 * ```ts
 * import { mean } from "./stats.ts";
 * mean([1, 2, 3]); // 2
 * ```
 */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot take a mean: no values");
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * Sample standard deviation (divides by `n - 1`).
 *
 * @param values At least two numbers.
 * @returns Their standard deviation.
 * @example
 * ```ts
 * import { standardDeviation } from "./stats.ts";
 * standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]); // 2.138...
 * ```
 */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) {
    throw new RangeError(`Cannot take a standard deviation: need at least 2 values, got ${values.length}`);
  }
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

/**
 * The mean of independent samples with its 95% confidence interval, `mean +- t * sd / sqrt(n)`.
 *
 * @param values At least two samples (for example one per seed).
 * @returns The interval.
 * @example
 * ```ts
 * import { confidenceInterval95 } from "./stats.ts";
 * confidenceInterval95([1, 2, 3]); // { mean: 2, low: -0.484, high: 4.484, n: 3 }
 * ```
 */
export function confidenceInterval95(values: readonly number[]): Interval {
  const m = mean(values);
  const half = tCritical95(values.length - 1) * standardDeviation(values) / Math.sqrt(values.length);
  return { mean: m, low: m - half, high: m + half, n: values.length };
}

/** The verdict of a paired comparison against a baseline. */
export type Verdict = "better" | "worse" | "no clear difference";

/**
 * Compares a strategy with a baseline run on the same seeds: the 95% interval of the per-seed
 * differences `a[i] - b[i]` (higher = better), and whether it excludes zero.
 *
 * @param a The strategy's values, one per seed.
 * @param b The baseline's values on the same seeds.
 * @returns The interval of the differences and the verdict.
 * @example
 * ```ts
 * import { pairedComparison } from "./stats.ts";
 * pairedComparison([0.5, 0.6, 0.7], [0.1, 0.1, 0.3]).verdict; // "better"
 * ```
 */
export function pairedComparison(
  a: readonly number[],
  b: readonly number[],
): { difference: Interval; verdict: Verdict } {
  if (a.length !== b.length) {
    throw new RangeError(`Cannot compare paired samples: lengths differ, ${a.length} and ${b.length}`);
  }
  const difference = confidenceInterval95(a.map((v, i) => v - b[i]));
  const verdict: Verdict = difference.low > 0
    ? "better"
    : difference.high < 0
    ? "worse"
    : "no clear difference";
  return { difference, verdict };
}
