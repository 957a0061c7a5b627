import assert from "node:assert/strict";
import {
  confidenceInterval95,
  mean,
  pairedComparison,
  standardDeviation,
  tCritical95,
} from "../../bench/study/stats.ts";

const close = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

Deno.test("mean() and standardDeviation() match hand values", () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  // Sum of squared deviations 32 over 7 degrees of freedom.
  close(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
  assert.throws(() => mean([]), /Cannot take a mean: no values/);
  assert.throws(() => standardDeviation([1]), /need at least 2 values, got 1/);
});

Deno.test("tCritical95() gives Student's t quantiles: table values and the large-df expansion", () => {
  close(tCritical95(1), 12.706);
  close(tCritical95(9), 2.262);
  close(tCritical95(29), 2.045);
  // Published values: df 40 -> 2.021, df 60 -> 2.000, df 120 -> 1.980.
  close(tCritical95(40), 2.021, 2e-3);
  close(tCritical95(60), 2.0, 2e-3);
  close(tCritical95(120), 1.98, 2e-3);
  assert.throws(() => tCritical95(0), /degrees of freedom must be a positive integer, got 0/);
});

Deno.test("confidenceInterval95() computes mean +- t * sd / sqrt(n) (hand-computed)", () => {
  // [1,2,3]: sd 1, t(2) = 4.303, half-width 4.303/sqrt(3) = 2.4843.
  const a = confidenceInterval95([1, 2, 3]);
  assert.equal(a.mean, 2);
  assert.equal(a.n, 3);
  close(a.low, 2 - 2.4843);
  close(a.high, 2 + 2.4843);
  // Ten values 0..9: mean 4.5, sd 3.02765, t(9) 2.262 -> half-width 2.16585.
  const b = confidenceInterval95([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  close(b.high - b.mean, 2.262 * 3.02765 / Math.sqrt(10));
  close(b.high - b.mean, 2.16585);
  // No spread: a zero-width interval.
  const c = confidenceInterval95([0.5, 0.5, 0.5]);
  assert.equal(c.low, 0.5);
  assert.equal(c.high, 0.5);
});

Deno.test("pairedComparison() pairs by seed: a constant small gain is 'better' despite large spread", () => {
  const base = [0.1, 0.5, 0.9, 0.3, 0.7];
  const r = pairedComparison(base.map((v) => v + 0.01), base);
  assert.equal(r.verdict, "better");
  close(r.difference.mean, 0.01, 1e-12);
  assert.equal(pairedComparison(base, base.map((v) => v + 0.01)).verdict, "worse");
  assert.equal(pairedComparison([0.1, 0.3, 0.2], [0.2, 0.2, 0.2]).verdict, "no clear difference");
  assert.throws(() => pairedComparison([1, 2], [1]), /lengths differ, 2 and 1/);
});
