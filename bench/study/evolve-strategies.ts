/**
 * `evolve()` of core as a strategy of the study, with its switches for the ablations. The
 * simulated user answers each generation as a person would with the element: it selects its k
 * favourites, and on every other generation also clicks, on each favourite, the part it likes
 * best (where that image beats the other favourites by the widest margin).
 *
 * @module
 */
import {
  createSession,
  currentGeneration,
  evolve,
  type EvolveConfig,
  type Feedback,
} from "../../core/evolution.ts";
import type { Point } from "../../core/latent.ts";
import type { Strategy } from "./strategies.ts";

/** Options of {@link evolveStrategy}. */
export type EvolveStrategyOptions = {
  /** Name in tables. */
  name: string;
  /** What differs from the defaults. */
  description: string;
  /** Config switches on top of `{ shape, population }`. */
  config?: Omit<EvolveConfig, "shape" | "population">;
  /** Whether the user clicks on every other generation (default true). */
  clicks?: boolean;
  /** For an ablation: the full strategy's name. */
  ablationOf?: string;
};

/**
 * A strategy that runs a core session: `createSession` for the first batch, `evolve` for the next.
 *
 * @param options Name, description, config switches, and whether the user clicks.
 * @returns The strategy.
 * @example
 * ```ts
 * import { evolveStrategy } from "./evolve-strategies.ts";
 * const noSurrogate = evolveStrategy({ name: "evolve, surrogate off", description: "", config: { surrogate: false } });
 * ```
 */
export function evolveStrategy(options: EvolveStrategyOptions): Strategy {
  const { name, description, config = {}, clicks = true, ablationOf } = options;
  return {
    name,
    description,
    ablationOf,
    start({ shape, population, rng }) {
      let session = createSession({ ...config, shape, population }, rng);
      return {
        first: () => [...currentGeneration(session).latents],
        next({ index, images }, user) {
          const selected = user.choose(images);
          const feedback: Feedback = { selected };
          if (clicks && index % 2 === 1 && selected.length > 1) {
            const parts = user.bestParts(selected.map((i) => images[i]));
            feedback.points = Object.fromEntries(selected.map((i, j): [number, Point[]] => [i, parts[j]]));
          }
          session = evolve(session, feedback, rng);
          return [...currentGeneration(session).latents];
        },
      };
    },
  };
}

/**
 * More variants of `evolve()`'s defaults, for `bench/study.ts --extra`: a slower sigma decay and no
 * exploration share. Each is compared with "evolve (defaults)", which must be in the same study.
 *
 * @returns Two strategies.
 * @example
 * ```ts
 * import { evolveDefaultVariants } from "./evolve-strategies.ts";
 * evolveDefaultVariants().length; // 2
 * ```
 */
export function evolveDefaultVariants(): Strategy[] {
  const full = "evolve (defaults)";
  return [
    evolveStrategy({
      name: "evolve, sigma decay 0.8",
      description: "evolve() with sigma x0.8 per generation instead of x0.4",
      config: { sigmaDecay: 0.8 },
      ablationOf: full,
    }),
    evolveStrategy({
      name: "evolve, exploration 0",
      description: "evolve() with no share of fresh latents in evolved batches (default 0.25)",
      config: { exploration: 0 },
      ablationOf: full,
    }),
  ];
}

/**
 * The full `evolve()` with its defaults, and one ablation per switch: surrogate off, diverse first
 * batch off, region recombination off.
 *
 * @returns Four strategies.
 * @example
 * ```ts
 * import { evolveStrategies } from "./evolve-strategies.ts";
 * evolveStrategies().map((s) => s.name);
 * ```
 */
export function evolveStrategies(): Strategy[] {
  const full = "evolve (defaults)";
  return [
    evolveStrategy({ name: full, description: "core evolve() with every default" }),
    evolveStrategy({
      name: "evolve, surrogate off",
      description: "evolve() without the surrogate screening",
      config: { surrogate: false },
      ablationOf: full,
    }),
    evolveStrategy({
      name: "evolve, diverse batch off",
      description: "evolve() with i.i.d. first and exploration batches",
      config: { diverseFirstBatch: false },
      ablationOf: full,
    }),
    evolveStrategy({
      name: "evolve, region recomb. off",
      description: "evolve() ignoring clicks on several favourites (Voronoi / mean-mutation instead)",
      config: { regionRecombination: false },
      ablationOf: full,
    }),
  ];
}
