/**
 * Runs the study: for every seed a hidden target, and every strategy steered toward it by the same
 * simulated user for the same number of images shown; then the per-generation progress, its 95%
 * interval over seeds, and a paired comparison of each strategy with re-rolling.
 *
 * @module
 */
import { type Latent, randomLatent } from "../../core/latent.ts";
import { createRng } from "../../core/rng.ts";
import type { Renderer } from "./renderer.ts";
import { createRenderCache } from "./render-cache.ts";
import { confidenceInterval95, type Interval, mean, pairedComparison, type Verdict } from "./stats.ts";
import type { Strategy } from "./strategies.ts";
import { createSimulatedUser } from "./user.ts";

/** What to run. */
export type StudyOptions = {
  renderer: Renderer;
  /** The strategies; the first is the baseline the others are compared with (re-rolling). */
  strategies: readonly Strategy[];
  /** Number of seeds (hidden targets), at least 2 for an interval. */
  seeds: number;
  /** Generations per run, the first included. */
  generations: number;
  /** Images per generation. */
  population: number;
  /** Favourites the user selects per generation (default 2). */
  k?: number;
  /** Noise in the user's choices (default 0.05; see {@link createSimulatedUser}). */
  noise?: number;
  /** Prompts; seed `s` uses `prompts[s % prompts.length]` for its target and its runs. */
  prompts?: readonly string[];
  /** Base seed of the whole study (default "study"). */
  seed?: string;
  /** Called after each seed, for progress output. */
  onSeed?: (done: number, total: number) => void;
};

/** A paired comparison's interval of differences and its verdict. */
export type Comparison = { difference: Interval; verdict: Verdict };

/**
 * Two strategies compared on the same seeds: early (generation 2), at the last generation, and
 * over the whole run (each seed's progress averaged over generations: the area under its curve,
 * which rewards getting there sooner).
 */
export type Contrast = { early: Comparison; final: Comparison; overall: Comparison };

/**
 * Compares two sets of progress curves run on the same seeds.
 *
 * @param a Curves of the strategy, `a[seed][generation]`.
 * @param b Curves of the reference on the same seeds.
 * @returns `a - b` early, final and overall.
 * @example
 * ```ts
 * import { contrast } from "./run.ts";
 * contrast([[0, 0.2], [0, 0.3]], [[0, 0.1], [0, 0.1]]).final.verdict; // "better"
 * ```
 */
export function contrast(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): Contrast {
  const at = (curves: readonly (readonly number[])[], g: number) =>
    curves.map((c) => c[Math.min(g, c.length - 1)]);
  const area = (curves: readonly (readonly number[])[]) => curves.map((c) => mean(c));
  const last = a[0].length - 1;
  return {
    early: pairedComparison(at(a, 1), at(b, 1)),
    final: pairedComparison(at(a, last), at(b, last)),
    overall: pairedComparison(area(a), area(b)),
  };
}

/** One strategy's results. */
export type StrategyResult = {
  name: string;
  description: string;
  /** Per generation: mean progress with its 95% interval over seeds. */
  progress: Interval[];
  /** This strategy minus the baseline, paired by seed (higher = better); null for the baseline. */
  versusBaseline: Contrast | null;
  /**
   * For an ablation, what the switched-off part is worth: the full strategy minus this one,
   * paired by seed ("better" = the part helps).
   */
  switchEffect: ({ of: string } & Contrast) | null;
  /** Raw progress, `perSeed[seed][generation]`. */
  perSeed: number[][];
  /** Time spent in the strategy's own code (making latents), milliseconds. */
  operatorMs: number;
  /** Time spent rendering its batches, milliseconds. */
  renderMs: number;
};

/** The study's results, as written to `bench/results/study.json`. */
export type StudyResult = {
  config: {
    renderer: string;
    shape: readonly number[];
    seeds: number;
    generations: number;
    population: number;
    imagesShown: number;
    k: number;
    noise: number;
    prompts: readonly string[];
    seed: string;
  };
  baseline: string;
  strategies: StrategyResult[];
  /** Images rendered, and images shown again without rendering (same latent, same prompt). */
  renders: { rendered: number; reused: number };
  totalMs: number;
};

/**
 * Progress toward the target after each generation: `1 - best distance so far / reference`,
 * where the reference is the best distance in the seed's reference random batch. 0 = no better
 * than a random batch, 1 = the target itself.
 *
 * @param distances Per generation, the distances of the images shown.
 * @param reference The reference distance, > 0.
 * @returns Progress per generation.
 * @example
 * ```ts
 * import { progressCurve } from "./run.ts";
 * progressCurve([[0.5, 0.75], [0.25], [0.375]], 0.5); // [0, 0.5, 0.5]
 * ```
 */
export function progressCurve(distances: readonly (readonly number[])[], reference: number): number[] {
  if (!(reference > 0)) {
    throw new RangeError(`Cannot measure progress: reference must be > 0, got ${reference}`);
  }
  let best = Infinity;
  return distances.map((ds) => {
    for (const d of ds) best = Math.min(best, d);
    return 1 - best / reference;
  });
}

/**
 * Runs the study.
 *
 * @param options The renderer, strategies and sizes.
 * @returns The results.
 * @example
 * ```ts
 * import { runStudy } from "./run.ts";
 * import { createStandInRenderer } from "./renderer.ts";
 * import { reroll, voronoiOnly } from "./strategies.ts";
 * const result = await runStudy({
 *   renderer: createStandInRenderer([4, 8, 8]),
 *   strategies: [reroll, voronoiOnly()],
 *   seeds: 3, generations: 3, population: 4,
 * });
 * result.strategies[1].progress.length; // 3
 * ```
 */
export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  const { renderer, strategies, seeds, generations, population } = options;
  const { k = 2, noise = 0.05, prompts = ["a quiet landscape"], seed = "study" } = options;
  atLeast("seeds", seeds, 2);
  atLeast("generations", generations, 1);
  atLeast("population", population, k);
  if (strategies.length === 0) throw new RangeError("Cannot run the study: no strategies");
  const started = performance.now();
  const shape = renderer.shape;
  const perSeed = strategies.map(() => [] as number[][]);
  const operatorMs = strategies.map(() => 0);
  const renderMs = strategies.map(() => 0);

  let renders = 0, reused = 0;
  for (let s = 0; s < seeds; s++) {
    const prompt = prompts[s % prompts.length];
    // Within a seed, a latent already rendered (a kept elite, a batch two strategies share) is not
    // rendered again: it is the same image.
    const cache = createRenderCache(renderer, prompt);
    const rng = createRng(`${seed}:${s}`);
    const [target] = await renderer.render([randomLatent(shape, rng.fork())], prompt);
    const firstRng = rng.fork();
    const firstBatch = Array.from({ length: population }, () => randomLatent(shape, firstRng));
    const firstImages = await cache.render(firstBatch);
    const judge = createSimulatedUser({ target, rng, k });
    const reference = Math.min(...firstImages.map((image) => judge.distance(image)));

    for (let j = 0; j < strategies.length; j++) {
      // The same user (same noise stream) for every strategy of this seed.
      const user = createSimulatedUser({ target, rng: createRng(`${seed}:${s}:user`), k, noise });
      let t = performance.now();
      // Common random numbers: every strategy of a seed draws from the same stream, so variants
      // that differ in one switch stay identical until the switch matters.
      const run = strategies[j].start({
        shape,
        population,
        rng: createRng(`${seed}:${s}:strategy`),
        firstBatch,
      });
      let latents: Latent[] = run.first();
      operatorMs[j] += performance.now() - t;
      const distances: number[][] = [];
      for (let g = 0; g < generations; g++) {
        t = performance.now();
        const images = await cache.render(latents);
        renderMs[j] += performance.now() - t;
        distances.push(images.map((image) => user.distance(image)));
        if (g + 1 === generations) break;
        t = performance.now();
        latents = run.next({ index: g, latents, images }, user);
        operatorMs[j] += performance.now() - t;
        if (latents.length !== population) {
          const name = strategies[j].name;
          throw new RangeError(
            `Cannot run strategy "${name}": expected ${population} latents, got ${latents.length}`,
          );
        }
      }
      perSeed[j].push(progressCurve(distances, reference));
    }
    renders += cache.renders;
    reused += cache.reused;
    options.onSeed?.(s + 1, seeds);
  }

  const results = strategies.map((strategy, j): StrategyResult => ({
    name: strategy.name,
    description: strategy.description,
    progress: Array.from(
      { length: generations },
      (_, g) => confidenceInterval95(perSeed[j].map((p) => p[g])),
    ),
    versusBaseline: j === 0 ? null : contrast(perSeed[j], perSeed[0]),
    switchEffect: ablationEffect(strategies, perSeed, j),
    perSeed: perSeed[j],
    operatorMs: operatorMs[j],
    renderMs: renderMs[j],
  }));
  return {
    config: {
      renderer: renderer.name,
      shape: [...shape],
      seeds,
      generations,
      population,
      imagesShown: generations * population,
      k,
      noise,
      prompts: [...prompts],
      seed,
    },
    baseline: strategies[0].name,
    strategies: results,
    renders: { rendered: renders, reused },
    totalMs: performance.now() - started,
  };
}

function atLeast(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Cannot run the study: ${name} must be an integer >= ${min}, got ${value}`);
  }
}

function ablationEffect(
  strategies: readonly Strategy[],
  perSeed: number[][][],
  j: number,
): StrategyResult["switchEffect"] {
  const of = strategies[j].ablationOf;
  if (of === undefined) return null;
  const full = strategies.findIndex((s) => s.name === of);
  if (full < 0) {
    throw new RangeError(
      `Cannot run the study: "${strategies[j].name}" is an ablation of "${of}", which is not in the study`,
    );
  }
  return { of, ...contrast(perSeed[full], perSeed[j]) };
}
