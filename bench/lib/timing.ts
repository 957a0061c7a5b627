/**
 * Timing helpers shared by the benchmarks: medians of rounds in which the measured functions take
 * turns, so that load changes on a shared machine hit all of them alike.
 *
 * @module
 */

/**
 * The median (upper median for an even count) of some numbers.
 *
 * @param xs The numbers, at least one.
 * @returns The median.
 * @example
 * ```ts
 * import { median } from "./timing.ts";
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Times the functions in turn for `repeats` rounds, after one warm-up call each (so the engine has
 * compiled them), and returns each one's median in milliseconds.
 *
 * @param fs The functions to time.
 * @param repeats Rounds.
 * @returns Median milliseconds, one per function.
 * @example
 * ```ts
 * import { timeTogether } from "./timing.ts";
 * const [copy, fill] = timeTogether([() => new Float32Array(1e5).slice(), () => new Float32Array(1e5).fill(1)], 5);
 * ```
 */
export function timeTogether(fs: readonly (() => void)[], repeats: number): number[] {
  const t: number[][] = fs.map(() => []);
  for (const f of fs) f();
  for (let r = 0; r < repeats; r++) {
    fs.forEach((f, i) => {
      const t0 = performance.now();
      f();
      t[i].push(performance.now() - t0);
    });
  }
  return t.map(median);
}
