/**
 * The surrogate's cost and quality: training time on 200 examples of `[4,64,64]` (target: under
 * 20 ms), as a ratio to one pass that sums the same latents (memory-bound floor, same run); its AUC
 * on a synthetic taste (bright top-left quadrant) with and without the pyramid features; the pairwise
 * training evolve() does on the largest generations (64 images); and whether
 * screening with it helps a simulated person inside `evolve()`. Prints a markdown table headed by the
 * machine, writes bench/results/surrogate.json.
 *
 * Usage: `node_modules/.bin/deno run -A bench/surrogate.ts`
 *
 * @module
 */
import {
  createRng,
  createSurrogate,
  type Latent,
  MAX_PAIRS,
  randomLatent,
  type Rng,
  rocAuc,
} from "../core/mod.ts";
import { createSession, currentGeneration, evolve } from "../core/evolution.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { timeTogether } from "./lib/timing.ts";
import { topLeftBrightness as taste } from "../tests/core/stats.ts";

const SHAPE = [4, 64, 64] as const;
const N = 200;
const REPEATS = 9;

function time(f: () => void): number {
  return timeTogether([f], REPEATS)[0];
}

const rng = createRng("bench-surrogate");
const train = Array.from({ length: N }, () => randomLatent(SHAPE, rng));
const test = Array.from({ length: N }, () => randomLatent(SHAPE, rng));
const trainTaste = train.map(taste), testTaste = test.map(taste);
const threshold = [...trainTaste].sort((a, b) => a - b)[Math.floor(0.7 * N)];
const labels = trainTaste.map((t) => t > threshold), testLabels = testTaste.map((t) => t > threshold);

let sink = 0;
function sumAll(latents: Latent[]): number {
  let s = 0;
  for (const l of latents) {
    const d = l.data;
    for (let i = 0; i < d.length; i++) s += d[i];
  }
  return s;
}
const baseline = () => {
  sink += sumAll(train);
};

type Variant = { name: string; pyramid: boolean };
const rows = [];
for (
  const v of [{ name: "pyramid (default)", pyramid: true }, {
    name: "fine 4x4 blocks only",
    pyramid: false,
  }] as Variant[]
) {
  let s = createSurrogate({ pyramid: v.pyramid });
  const addMs = time(() => {
    s = createSurrogate({ pyramid: v.pyramid });
    train.forEach((l, i) => s.add(l, labels[i]));
  });
  const [trainMs, baselineMs] = timeTogether([() => s.train(), baseline], REPEATS);
  const probe = test[0];
  const scoreMs = time(() => {
    for (let i = 0; i < 100; i++) sink += s.score(probe);
  }) / 100;
  const auc = rocAuc(test.map((l) => s.score(l)), testLabels);
  rows.push({
    variant: v.name,
    addMs,
    trainMs,
    baselineMs,
    trainRatio: trainMs / baselineMs,
    scoreMs,
    iterations: s.iterations,
    auc,
  });
}

/**
 * The pairwise surrogate evolve() uses, on the largest generations the element makes: 5 of 64
 * images with the brighter half selected in each, 5,120 (good, bad) pairs, of which it fits at most
 * MAX_PAIRS.
 */
const GROUPS = 5, BIG = 64;
const big = Array.from({ length: GROUPS * BIG }, () => randomLatent(SHAPE, rng));
const bigLabels = big.map((l, i) => {
  const group = big.slice(i - (i % BIG), i - (i % BIG) + BIG).map(taste).sort((a, b) => b - a);
  return taste(l) >= group[BIG / 2 - 1];
});
const pairwise = createSurrogate({ pairwise: true });
big.forEach((l, i) => pairwise.add(l, bigLabels[i], Math.floor(i / BIG)));
const [bigTrainMs, bigBaselineMs] = timeTogether([() => pairwise.train(), () => {
  sink += sumAll(big);
}], 3);
const largeGenerations = {
  generations: GROUPS,
  population: BIG,
  pairs: GROUPS * (BIG / 2) ** 2,
  maxPairs: MAX_PAIRS,
  trainMs: bigTrainMs,
  baselineMs: bigBaselineMs,
  trainRatio: bigTrainMs / bigBaselineMs,
  auc: rocAuc(test.map((l) => pairwise.score(l)), testLabels),
};

/** A simulated person who always selects the image with the brightest top-left, for 8 generations. */
function simulate(surrogate: boolean, seed: number): number {
  const r: Rng = createRng(seed);
  let session = createSession({ shape: SHAPE, population: 8, surrogate }, r);
  let best = -Infinity;
  for (let g = 0; g < 8; g++) {
    const scores = currentGeneration(session).latents.map(taste);
    best = Math.max(best, ...scores);
    session = evolve(session, { selected: [scores.indexOf(Math.max(...scores))] }, r);
  }
  return Math.max(best, ...currentGeneration(session).latents.map(taste));
}
const seeds = Array.from({ length: 8 }, (_, i) => i + 1);
const t0 = performance.now();
const withS = seeds.map((s) => simulate(true, s));
const t1 = performance.now();
const withoutS = seeds.map((s) => simulate(false, s));
const t2 = performance.now();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const wins = seeds.filter((_, i) => withS[i] > withoutS[i]).length;

const machine = describeMachine();
const lines = [
  `### Surrogate: ${N} examples of [${SHAPE}]`,
  "",
  machineLine(machine),
  "",
  `Baseline: one pass summing the ${N} latents' values, timed alternately with train(): ${
    rows[0].baselineMs.toFixed(2)
  } ms (median of ${REPEATS}).`,
  "",
  "| features | add 200 (ms) | train (ms) | train / baseline | score 1 (ms) | iterations | held-out AUC |",
  "|---|---|---|---|---|---|---|",
  ...rows.map((r) =>
    `| ${r.variant} | ${r.addMs.toFixed(1)} | ${r.trainMs.toFixed(1)} | ${r.trainRatio.toFixed(1)}x | ${
      r.scoreMs.toFixed(3)
    } | ${r.iterations} | ${r.auc.toFixed(3)} |`
  ),
  "",
  `Pairwise, as evolve() trains it, on ${GROUPS} generations of ${BIG} with half selected ` +
  `(${largeGenerations.pairs} pairs, at most ${MAX_PAIRS} fitted): train ${bigTrainMs.toFixed(0)} ms, ` +
  `${largeGenerations.trainRatio.toFixed(0)}x one summing pass over the ${big.length} latents ` +
  `(${bigBaselineMs.toFixed(1)} ms), held-out AUC ${largeGenerations.auc.toFixed(3)}.`,
  "",
  `Screening inside evolve() (simulated person selecting the brightest top-left, 8 generations of 8, ` +
  `${seeds.length} seeds): best taste reached ${mean(withS).toFixed(3)} with the surrogate vs ` +
  `${mean(withoutS).toFixed(3)} without (better on ${wins}/${seeds.length} seeds); ` +
  `${((t1 - t0) / seeds.length / 8).toFixed(0)} vs ${
    ((t2 - t1) / seeds.length / 8).toFixed(0)
  } ms per evolve().`,
];
console.log(lines.join("\n"));
await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
await Deno.writeTextFile(
  new URL("./results/surrogate.json", import.meta.url),
  JSON.stringify(
    {
      machine,
      shape: SHAPE,
      examples: N,
      variants: rows,
      largeGenerations,
      screening: {
        generations: 8,
        population: 8,
        seeds: seeds.length,
        bestWith: withS,
        bestWithout: withoutS,
        msPerEvolveWith: (t1 - t0) / seeds.length / 8,
        msPerEvolveWithout: (t2 - t1) / seeds.length / 8,
      },
      sink: Number.isFinite(sink),
    },
    null,
    2,
  ) + "\n",
);
