/**
 * The strategies the study compares: ways to make the next batch from what the simulated user
 * chose. Re-rolling, the paper's code's rules and Voronoi crossover are built here from the core
 * operators directly; `evolve()` of core and its ablations live in `evolve-strategies.ts`.
 *
 * @module
 */
import { type Latent, meanLatent, randomLatent, type Shape } from "../../core/latent.ts";
import { globalMutation, localMutation, radiusSchedule } from "../../core/mutation.ts";
import { voronoiCrossover } from "../../core/crossover.ts";
import type { Rng } from "../../core/rng.ts";
import type { RgbaImage } from "./image.ts";
import type { SimulatedUser } from "./user.ts";

/** One generation as the user saw it. */
export type Shown = { index: number; latents: readonly Latent[]; images: readonly RgbaImage[] };

/** One run of a strategy for one seed: it keeps its own state between generations. */
export interface StrategyRun {
  /** The first batch. */
  first(): Latent[];
  /** The next batch, from the user's reaction to the batch just shown. */
  next(shown: Shown, user: SimulatedUser): Latent[];
}

/** What a strategy gets to start one run. */
export type StrategyContext = {
  shape: Shape;
  population: number;
  /** The run's random generator. */
  rng: Rng;
  /**
   * The seed's reference batch of i.i.d. N(0,1) latents, shared by every strategy that starts
   * from a random batch, so that their differences come from their rules, not their luck.
   */
  firstBatch: readonly Latent[];
};

/** A named strategy of the study. */
export type Strategy = {
  /** Short name used in tables and the plot. */
  name: string;
  /** One sentence: what it does. */
  description: string;
  /** For an ablation: the name of the full strategy it switches one thing off in. */
  ablationOf?: string;
  /** Starts one run. */
  start(context: StrategyContext): StrategyRun;
};

/** Re-rolling: every batch is fresh random latents, whatever the user chose. */
export const reroll: Strategy = {
  name: "re-roll",
  description: "a fresh batch of i.i.d. N(0,1) latents every generation (no tool)",
  start({ shape, population, rng, firstBatch }) {
    return {
      first: () => [...firstBatch],
      next: () => Array.from({ length: population }, () => randomLatent(shape, rng)),
    };
  },
};

/** Options of the paper's code's rules. */
export type PaperOptions = {
  /** Starting sigma of the global mutation (default 1). */
  sigma?: number;
  /** Factor applied to sigma after each averaging generation (default 0.4). */
  sigmaDecay?: number;
  /**
   * Scales the local mutation's radius schedule `strength * (i+1) / (16 * lambda)` (default 4, so
   * the largest edit covers about one of the user's 4x4 click regions).
   */
  strength?: number;
  /** Whether the user clicks at all (default true: clicks every other generation). */
  clicks?: boolean;
};

/**
 * The paper's code's rules (sdstudio, as ALGORITHMS.md describes them). On even generations the
 * user selects its k favourites and the children are their mean plus a global mutation whose
 * sigma grows with the child's index and decays by 0.4 per such generation; on odd generations
 * (when `clicks` is on) it selects only its favourite and clicks where it differs most from the
 * target, and the children re-sample a square around the click, radius growing with the index.
 *
 * @param options Sigma, decay, click strength, and whether to click.
 * @returns The strategy.
 * @example
 * ```ts
 * import { paperRules } from "./strategies.ts";
 * paperRules({ clicks: false }).name; // "paper: mean + mutation"
 * ```
 */
export function paperRules(options: PaperOptions = {}): Strategy {
  const { sigma: sigma0 = 1, sigmaDecay = 0.4, strength = 4, clicks = true } = options;
  return {
    name: clicks ? "paper: mean + mutation + clicks" : "paper: mean + mutation",
    description: clicks
      ? `mean of the selected + global mutation (sigma ${sigma0}, x${sigmaDecay} per generation), ` +
        `alternating with local "change" mutation around a click on the favourite`
      : `mean of the selected + global mutation (sigma ${sigma0}, x${sigmaDecay} per generation)`,
    start({ population, rng, firstBatch }) {
      let sigma = sigma0;
      return {
        first: () => [...firstBatch],
        next({ index, latents, images }, user) {
          const chosen = user.choose(images);
          if (clicks && index % 2 === 1) {
            const favourite = chosen[0];
            const points = user.points(images[favourite], "change", 1);
            // floor 0: sdstudio's own schedule, 1/lambda of the largest radius up to it.
            return radiusSchedule(strength, population, { floor: 0 }).map((radius) =>
              localMutation(latents[favourite], points, rng, { radius, mode: "change", shape: "square" })
            );
          }
          const base = meanLatent(chosen.map((i) => latents[i]));
          const children = Array.from(
            { length: population },
            (_, i) => globalMutation(base, rng, { sigma: sigma * ((i + 1) / (population + 1)) ** 2 }),
          );
          sigma *= sigmaDecay;
          return children;
        },
      };
    },
  };
}

/**
 * Voronoi crossover with random centres alone (the seed's operator): every child is a fresh
 * Voronoi mosaic of the user's favourites (at least two), nothing else.
 *
 * @returns The strategy.
 * @example
 * ```ts
 * import { voronoiOnly } from "./strategies.ts";
 * voronoiOnly().name; // "voronoi crossover"
 * ```
 */
export function voronoiOnly(): Strategy {
  return {
    name: "voronoi crossover",
    description: "every child a Voronoi mosaic (2k random centres) of the k favourites",
    start({ population, rng, firstBatch }) {
      return {
        first: () => [...firstBatch],
        next({ latents, images }, user) {
          if (user.k < 2) {
            // With one parent the mosaic is the identity: the strategy would never move.
            throw new RangeError(
              `Cannot run Voronoi crossover alone: the user must select k >= 2, got ${user.k}`,
            );
          }
          const parents = user.choose(images).map((i) => latents[i]);
          return Array.from({ length: population }, () => voronoiCrossover(parents, rng));
        },
      };
    },
  };
}
