/**
 * The evolution loop: a session of generations, and `evolve()`, which breeds the next generation
 * from the person's feedback on the current one (ALGORITHMS.md).
 *
 * A new generation is laid out as: the selected images kept as they are ("elites", so that what a
 * person picked never vanishes; at most half the batch), then the children, then a share of fresh
 * diverse latents for exploration. Every image has a {@link LineageRecord} and is made by
 * {@link deriveChild} from its own seed, so {@link reproduceChild} re-derives it bit-exactly. The
 * surrogate screening of children and exploration lives in `core/screening.ts`.
 *
 * @module
 */
import { copyShape, type Latent, type Shape, validateShape } from "./latent.ts";
import { type Feedback, validateFeedback } from "./feedback.ts";

export type { Feedback } from "./feedback.ts";
import { radiusSchedule } from "./mutation.ts";
import { type Rng, validateRng } from "./rng.ts";
import { deriveChild, diverseBatch, type LineageRecord, type ParentRef } from "./lineage.ts";
import { SCREEN_AFTER, screenedChild, screenedFresh, trainedSurrogate } from "./screening.ts";

export { SCREEN_AFTER };

/** Settings of a session. */
export type EvolveConfig = {
  /** Latent shape `[C, H, W]`. */
  shape: Shape;
  /** Images per generation. */
  population: number;
  /** Screen candidates with the learnt taste model; default true. */
  surrogate?: boolean;
  /** Fresh batches (the first one, "new batch", exploration) are diverse; false: i.i.d. Default true. */
  diverseFirstBatch?: boolean;
  /** Several selected images with clicks recombine their regions; default true. */
  regionRecombination?: boolean;
  /** Share of an evolved batch left to fresh latents, in [0, 1); default 0.25. */
  exploration?: number;
  /** Sigma's factor per generation in which the person selects, in (0, 1]; default 0.4. */
  sigmaDecay?: number;
  /** Starting sigma of the global mutation; default 1. */
  sigma?: number;
  /** Keep the selected images in the next generation; default true. */
  elitism?: boolean;
  /** Candidates the surrogate scores per child, 1 to {@link MAX_CANDIDATES}; default 32. */
  candidates?: number;
};

/**
 * The most candidates screened per child: each is a whole latent held at once, so a session file
 * asking for millions would make every Evolve run out of memory.
 */
export const MAX_CANDIDATES = 256;

/** One batch of images: latents, where each came from, and the feedback given on it (if any yet). */
export type Generation = {
  index: number;
  latents: Latent[];
  lineage: LineageRecord[];
  feedback?: Feedback;
};

/** A whole session. Immutable by convention: {@link evolve} returns a new one (undo = keep the old). */
export type Session = {
  config: Required<EvolveConfig>;
  /** The sigma the next selection will breed with. */
  sigma: number;
  generations: Generation[];
};

/**
 * Checks a config and fills in the defaults.
 *
 * @param config The settings.
 * @returns The settings with every default filled in.
 * @example
 * ```ts
 * import { resolveConfig } from "./evolution.ts";
 * resolveConfig({ shape: [4, 64, 64], population: 8 }).exploration; // 0.25
 * ```
 */
export function resolveConfig(config: EvolveConfig): Required<EvolveConfig> {
  const op = "configure evolution";
  if (typeof config !== "object" || config === null) {
    throw new TypeError(`Cannot ${op}: config must be an object, got ${String(config)}`);
  }
  validateShape(config.shape, op);
  const c: Required<EvolveConfig> = {
    shape: copyShape(config.shape),
    population: config.population,
    surrogate: config.surrogate ?? true,
    diverseFirstBatch: config.diverseFirstBatch ?? true,
    regionRecombination: config.regionRecombination ?? true,
    exploration: config.exploration ?? 0.25,
    sigmaDecay: config.sigmaDecay ?? 0.4,
    sigma: config.sigma ?? 1,
    elitism: config.elitism ?? true,
    candidates: config.candidates ?? 32,
  };
  const check = (ok: boolean, what: string, value: unknown) => {
    if (!ok) throw new RangeError(`Cannot ${op}: ${what}, got ${String(value)}`);
  };
  check(
    Number.isInteger(c.population) && c.population >= 1,
    "population must be a positive integer",
    c.population,
  );
  for (const k of ["surrogate", "diverseFirstBatch", "regionRecombination", "elitism"] as const) {
    if (typeof c[k] !== "boolean") throw new TypeError(`Cannot ${op}: ${k} must be a boolean, got ${c[k]}`);
  }
  // typeof first: the comparisons alone would take "0.5" or [0.5].
  check(
    typeof c.exploration === "number" && c.exploration >= 0 && c.exploration < 1,
    "exploration must be a number in [0, 1)",
    c.exploration,
  );
  check(
    typeof c.sigmaDecay === "number" && c.sigmaDecay > 0 && c.sigmaDecay <= 1,
    "sigmaDecay must be a number in (0, 1]",
    c.sigmaDecay,
  );
  check(c.sigma > 0 && Number.isFinite(c.sigma), "sigma must be a finite number > 0", c.sigma);
  check(
    Number.isInteger(c.candidates) && c.candidates >= 1 && c.candidates <= MAX_CANDIDATES,
    `candidates must be an integer from 1 to ${MAX_CANDIDATES}`,
    c.candidates,
  );
  return c;
}

/**
 * Starts a session: generation 0 is a fresh batch (diverse, or i.i.d. when
 * `config.diverseFirstBatch === false`).
 *
 * @param config Shape, population and options.
 * @param rng The seeded generator; the same seed gives the same session.
 * @returns A session with one generation.
 * @example
 * ```ts
 * import { createRng, createSession, currentGeneration } from "./mod.ts";
 * const session = createSession({ shape: [4, 64, 64], population: 8 }, createRng(42));
 * currentGeneration(session).latents.length; // 8
 * ```
 */
export function createSession(config: EvolveConfig, rng: Rng): Session {
  const c = resolveConfig(config);
  validateRng(rng, "start a session");
  const lineage = freshRecords(c.population, c.diverseFirstBatch, rng);
  return { config: c, sigma: c.sigma, generations: [build(0, lineage, c.shape)] };
}

/**
 * The latest generation of a session: the one on screen.
 *
 * @param session The session.
 * @returns Its last generation.
 * @example
 * ```ts
 * import { createRng, createSession, currentGeneration } from "./mod.ts";
 * currentGeneration(createSession({ shape: [4, 8, 8], population: 4 }, createRng(1))).index; // 0
 * ```
 */
export function currentGeneration(session: Session): Generation {
  return session.generations[session.generations.length - 1];
}

/**
 * Breeds the next generation from the feedback on the current one. Nothing selected or `fresh`:
 * a fresh diverse batch. One selected: global mutation (child i steps by
 * `sigma * ((i+1)/(lambda+1))^2`), or local mutation around its points with radii growing from half of
 * `strength * radius` to it ({@link radiusSchedule}).
 * Several: Voronoi crossover with random centres alternating with mean-plus-mutation, or region
 * recombination when they carry points. Once the surrogate has seen 1 good and 10 bad images it
 * picks each child as the best of `candidates` tries (one for a child that is the same for every
 * seed, such as region recombination's child 0), and the exploration share as the best of a
 * pool of fresh latents 32 times its size (at most 64). Sigma decays by `sigmaDecay` per generation
 * bred from a selection.
 *
 * @param session The session; it is not changed.
 * @param feedback The person's answer to the current generation.
 * @param rng The seeded generator.
 * @returns A new session with one more generation.
 * @example
 * ```ts
 * import { createRng, createSession, evolve } from "./mod.ts";
 * const rng = createRng(3);
 * const s0 = createSession({ shape: [4, 64, 64], population: 8 }, rng);
 * const s1 = evolve(s0, { selected: [2] }, rng);
 * s1.generations.length; // 2
 * ```
 */
export function evolve(session: Session, feedback: Feedback, rng: Rng): Session {
  const c = session.config;
  const current = currentGeneration(session);
  const fb = validateFeedback(feedback, current.latents.length);
  validateRng(rng, "evolve a session");
  const answered: Generation = { ...current, feedback: fb };
  const generations = [...session.generations.slice(0, -1), answered];
  const g = current.index, next = g + 1;
  const ref = (index: number): ParentRef => ({ generation: g, index });
  const parentsOf = (r: { parents: ParentRef[] }) =>
    r.parents.map((p) => generations[p.generation].latents[p.index]);

  if (fb.selected.length === 0 || fb.fresh) {
    const lineage = freshRecords(c.population, c.diverseFirstBatch, rng);
    return { ...session, generations: [...generations, build(next, lineage, c.shape)] };
  }

  const elites = c.elitism ? fb.selected.slice(0, Math.floor(c.population / 2)) : [];
  const explore = Math.max(
    0,
    Math.min(Math.round(c.exploration * c.population), c.population - elites.length - 1),
  );
  const lambda = c.population - elites.length - explore;
  const strength = fb.strength ?? 1;
  const sigma = session.sigma * strength;
  const plans = planChildren(fb, lambda, sigma, c, ref, rng);

  const surrogate = c.surrogate ? trainedSurrogate(generations) : undefined;
  const chosen: Latent[] = [];
  const latents: Latent[] = [], lineage: LineageRecord[] = [];
  for (const i of elites) {
    const record: LineageRecord = { operator: "elite", parents: [ref(i)], seed: 0, params: {} };
    const latent = deriveChild(record, parentsOf(record), c.shape);
    latents.push(latent);
    lineage.push(record);
    chosen.push(latent);
  }
  for (const plan of plans) {
    const parents = parentsOf(plan);
    if (!surrogate) {
      const record = { ...plan, seed: rng.nextUint32() };
      latents.push(deriveChild(record, parents, c.shape));
      lineage.push(record);
      continue;
    }
    const pick = screenedChild(plan, parents, c.shape, c.candidates, surrogate, chosen, rng);
    latents.push(pick.latent);
    lineage.push(pick.record);
  }
  const fresh = surrogate && explore > 0
    ? screenedFresh(
      explore,
      surrogate,
      chosen,
      (pool) => build(0, freshRecords(pool, c.diverseFirstBatch, rng), c.shape),
    )
    : build(next, freshRecords(explore, c.diverseFirstBatch, rng), c.shape);
  latents.push(...fresh.latents);
  lineage.push(...fresh.lineage);
  return {
    ...session,
    sigma: Math.max(session.sigma * c.sigmaDecay, MIN_SIGMA),
    generations: [...generations, { index: next, latents, lineage }],
  };
}

/**
 * The session as it was when generation `last` was on screen, unanswered: the generations after it
 * are dropped, its feedback is forgotten, and sigma is what it was then (replayed with the same
 * decay as {@link evolve}, so that evolving it again with the same feedback and seed gives the same
 * batch, bit for bit).
 *
 * @param session The session.
 * @param last The generation to go back to, from 0.
 * @returns The session rewound (the same object when `last` is already the latest generation).
 * @example
 * ```ts
 * import { createRng, createSession, evolve, rewind } from "./mod.ts";
 * const rng = createRng(1);
 * const s0 = createSession({ shape: [4, 8, 8], population: 4 }, rng);
 * const s1 = evolve(s0, { selected: [0] }, rng);
 * rewind(s1, 0).sigma === s0.sigma; // true
 * ```
 */
export function rewind(session: Session, last: number): Session {
  const count = session.generations.length;
  if (!Number.isInteger(last) || last < 0 || last >= count) {
    throw new RangeError(`Cannot rewind the session to generation ${last}: it has ${count}`);
  }
  if (last === count - 1) return session;
  const generations = session.generations.slice(0, last + 1);
  const { feedback: _answer, ...open } = generations[last];
  generations[last] = open;
  const c = session.config;
  let sigma = c.sigma;
  for (const g of generations) {
    if (g.feedback && g.feedback.selected.length && !g.feedback.fresh) {
      sigma = Math.max(sigma * c.sigmaDecay, MIN_SIGMA);
    }
  }
  return { ...session, sigma, generations };
}

/**
 * Sigma decays no lower than this: by then a global step no longer shows (0.4^15 is about 1e-6),
 * and a sigma that underflowed to 0 (after some 800 selecting generations) would make the session
 * impossible to save and restore, which needs it positive.
 */
export const MIN_SIGMA = 1e-6;

/** The lineage of the children (seeds still to draw), by operator choice (ALGORITHMS.md). */
function planChildren(
  fb: Feedback,
  lambda: number,
  sigma: number,
  c: Required<EvolveConfig>,
  ref: (index: number) => ParentRef,
  rng: Rng,
): Omit<LineageRecord, "seed">[] {
  const sel = fb.selected;
  const pointsOf = (i: number) => fb.points?.[i] ?? [];
  const step = (i: number, n: number) => sigma * ((i + 1) / (n + 1)) ** 2;
  const strength = fb.strength ?? 1;
  const plans: Omit<LineageRecord, "seed">[] = [];
  if (sel.length === 1) {
    const points = pointsOf(sel[0]);
    if (points.length === 0) {
      for (let i = 0; i < lambda; i++) {
        plans.push({
          operator: "global-mutation",
          parents: [ref(sel[0])],
          params: { sigma: step(i, lambda) },
        });
      }
      return plans;
    }
    // From half the largest radius (strength x radius, the square the element draws) up to it: smaller
    // ones barely show once decoded (radiusSchedule). A radius asked below one latent pixel gets one.
    const least = 1 / Math.max(c.shape[1], c.shape[2]);
    const radii = radiusSchedule(strength, lambda, { radius: fb.radius }).map((r) => Math.max(least, r));
    // A soft edge of two latent pixels hides the seam and keeps values N(0,1).
    const softEdge = 2 / Math.max(c.shape[1], c.shape[2]);
    for (let i = 0; i < lambda; i++) {
      plans.push({
        operator: "local-mutation",
        parents: [ref(sel[0])],
        params: { points, radius: radii[i], mode: fb.mode ?? "change", shape: "square", softEdge },
      });
    }
    return plans;
  }
  const parents = sel.map(ref);
  if (c.regionRecombination && sel.some((i) => pointsOf(i).length > 0)) {
    for (let i = 0; i < lambda; i++) {
      // A selected image without clicks still takes part, around one random point per child.
      const points = sel.map((s) =>
        pointsOf(s).length > 0 ? pointsOf(s) : [{ x: rng.next(), y: rng.next() }]
      );
      plans.push({
        operator: "region-crossover",
        parents,
        params: { points, seamIndex: i, seamCount: lambda, clickDisc: 0 },
      });
    }
    return plans;
  }
  const mutants = Math.floor(lambda / 2);
  for (let i = 0, m = 0; i < lambda; i++) {
    plans.push(
      i % 2 === 0
        // 2k cells, but no more than the plane has positions.
        ? {
          operator: "voronoi-crossover",
          parents,
          params: { cells: Math.min(2 * sel.length, c.shape[1] * c.shape[2]) },
        }
        : { operator: "mean-mutation", parents, params: { sigma: step(m++, mutants) } },
    );
  }
  return plans;
}

/** Lineage of `n` fresh latents: one diverse batch (one seed), or `n` i.i.d. ones. */
function freshRecords(n: number, diverse: boolean, rng: Rng): LineageRecord[] {
  if (n === 0) return [];
  if (diverse) {
    const seed = rng.nextUint32();
    return Array.from({ length: n }, (_, position) => ({
      operator: "diverse" as const,
      parents: [],
      seed,
      params: { batch: n, position },
    }));
  }
  return Array.from(
    { length: n },
    () => ({ operator: "random" as const, parents: [], seed: rng.nextUint32(), params: {} }),
  );
}

/** Makes the latents of parentless records (a diverse batch is drawn once, not once per image). */
function build(index: number, lineage: LineageRecord[], shape: Shape): Generation {
  const batch = lineage[0]?.operator === "diverse" ? diverseBatch(lineage[0], shape) : undefined;
  const latents = lineage.map((r, i) => batch ? batch[i] : deriveChild(r, [], shape));
  return { index, latents, lineage };
}
