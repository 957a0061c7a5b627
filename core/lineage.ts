/**
 * Lineage: where each image of a session came from (operator, parents, seed, parameters), and the
 * one function that turns such a record into a latent. {@link evolve} makes every child through
 * {@link deriveChild}, from its own `createRng(seed)`, so {@link reproduceChild} re-derives any
 * image of a session bit-exactly, from the session alone.
 *
 * @module
 */
import { globalMutation, localMutation } from "./mutation.ts";
import { voronoiCrossover } from "./crossover.ts";
import { regionCrossover } from "./region-crossover.ts";
import { diverseLatents } from "./diversity.ts";
import { copyShape, type Latent, meanLatent, type Point, randomLatent, type Shape } from "./latent.ts";
import { createRng, hasDrawn, type Rng } from "./rng.ts";
import type { Session } from "./evolution.ts";

/** A reference to one image of a session: generation number and index in that generation. */
export type ParentRef = { generation: number; index: number };

/**
 * The operators a child can come from, with the `params` each one reads:
 * - `random`: `{}`; an i.i.d. N(0,1) latent.
 * - `diverse`: `{ batch, position }`; element `position` of `diverseLatents(batch, ...)`.
 * - `elite`: `{}`; a copy of its one parent (a selected image kept in the next generation).
 * - `global-mutation`: `{ sigma }`; `globalMutation(parent, rng, { sigma })`.
 * - `mean-mutation`: `{ sigma }`; `globalMutation(meanLatent(parents), rng, { sigma })`.
 * - `voronoi-crossover`: `{ cells }`; `voronoiCrossover(parents, rng, { cells })`.
 * - `local-mutation`: `{ points, radius, mode, shape, softEdge }`; `localMutation(parent, ...)`.
 * - `region-crossover`: `{ points: Point[][], seamIndex, seamCount, clickDisc }`; one list of
 *   points per parent.
 */
export type Operator =
  | "random"
  | "diverse"
  | "elite"
  | "global-mutation"
  | "mean-mutation"
  | "voronoi-crossover"
  | "local-mutation"
  | "region-crossover";

/** The operators {@link deriveChild} knows. */
export const OPERATORS: readonly Operator[] = [
  "random",
  "diverse",
  "elite",
  "global-mutation",
  "mean-mutation",
  "voronoi-crossover",
  "local-mutation",
  "region-crossover",
];

/**
 * How one image was made: enough to make it again. `seed` seeds the child's own generator;
 * `params` holds the operator's parameters (see {@link Operator}) and may carry extra facts
 * (such as the surrogate's score) that derivation ignores.
 */
export type LineageRecord = {
  operator: Operator;
  parents: ParentRef[];
  seed: number;
  params: Record<string, unknown>;
};

function num(params: Record<string, unknown>, key: string, op: string): number {
  const v = params[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`Cannot ${op}: lineage parameter "${key}" must be a finite number, got ${String(v)}`);
  }
  return v;
}

/**
 * Makes the child a lineage record describes from its parents' latents. Pure: the same record and
 * parents give the same bits.
 *
 * @param record The child's lineage record.
 * @param parents The latents its `parents` refer to, in the same order.
 * @param shape The session's latent shape (for the parentless operators).
 * @returns A new latent.
 * @example
 * ```ts
 * import { deriveChild } from "./lineage.ts";
 * const z = deriveChild({ operator: "random", parents: [], seed: 7, params: {} }, [], [4, 8, 8]);
 * z.data.length; // 256
 * ```
 */
export function deriveChild(record: LineageRecord, parents: readonly Latent[], shape: Shape): Latent {
  return derive(record, parents, shape, createRng(record.seed));
}

/**
 * Makes a child as {@link deriveChild} does, and says whether its seed mattered: `seeded` is false
 * when the operator drew nothing from the child's generator (an `elite`; region recombination's
 * child 0, a clean cut), so that every seed gives the same bits. Screening builds one try of such
 * a child rather than `candidates` identical ones.
 *
 * @param record The child's lineage record.
 * @param parents The latents its `parents` refer to, in the same order.
 * @param shape The session's latent shape (for the parentless operators).
 * @returns The latent, and whether anything was drawn from `createRng(record.seed)` to make it.
 * @example
 * ```ts
 * import { deriveChildSeeded } from "./lineage.ts";
 * deriveChildSeeded({ operator: "random", parents: [], seed: 7, params: {} }, [], [4, 8, 8]).seeded; // true
 * ```
 */
export function deriveChildSeeded(
  record: LineageRecord,
  parents: readonly Latent[],
  shape: Shape,
): { latent: Latent; seeded: boolean } {
  const rng = createRng(record.seed);
  const latent = derive(record, parents, shape, rng);
  return { latent, seeded: hasDrawn(rng) };
}

/** The child a record describes, drawing from `rng` (`createRng(record.seed)`) and never from
 * `record.seed` otherwise: {@link deriveChildSeeded} tells a seeded child by what it drew. */
function derive(record: LineageRecord, parents: readonly Latent[], shape: Shape, rng: Rng): Latent {
  const op = `derive a child by ${String(record.operator)}`;
  const { params } = record;
  const needs = (min: number, max = Infinity) => {
    if (parents.length < min || parents.length > max) {
      throw new RangeError(
        `Cannot ${op}: expected ${min === max ? min : `${min} or more`} parents, got ${parents.length}`,
      );
    }
  };
  switch (record.operator) {
    case "random":
      return randomLatent(shape, rng);
    case "diverse": {
      const batch = num(params, "batch", op), position = num(params, "position", op);
      if (!Number.isInteger(position) || position < 0 || position >= batch) {
        throw new RangeError(`Cannot ${op}: position ${position} is outside a batch of ${batch}`);
      }
      return diverseLatents(batch, shape, rng)[position];
    }
    case "elite":
      needs(1, 1);
      return { shape: copyShape(parents[0].shape), data: parents[0].data.slice() };
    case "global-mutation":
      needs(1, 1);
      return globalMutation(parents[0], rng, { sigma: num(params, "sigma", op) });
    case "mean-mutation":
      needs(1);
      return globalMutation(parents.length === 1 ? parents[0] : meanLatent(parents), rng, {
        sigma: num(params, "sigma", op),
      });
    case "voronoi-crossover":
      needs(1);
      return voronoiCrossover(parents, rng, { cells: num(params, "cells", op) });
    case "local-mutation":
      needs(1, 1);
      return localMutation(parents[0], params.points as Point[], rng, {
        radius: num(params, "radius", op),
        mode: params.mode as "change" | "keep",
        shape: params.shape as "square" | "disc",
        softEdge: num(params, "softEdge", op),
      });
    case "region-crossover": {
      needs(1);
      const points = params.points as Point[][];
      if (!Array.isArray(points) || points.length !== parents.length) {
        throw new TypeError(`Cannot ${op}: lineage parameter "points" needs one list of points per parent`);
      }
      const seamCount = num(params, "seamCount", op);
      return regionCrossover(parents.map((latent, j) => ({ latent, points: points[j] })), rng, {
        clickDisc: num(params, "clickDisc", op),
        seamNoise: seamCount > 0 ? { index: num(params, "seamIndex", op), count: seamCount } : undefined,
      });
    }
    default:
      throw new RangeError(
        `Cannot derive a child: unknown operator ${JSON.stringify(record.operator)} (known: ${
          OPERATORS.join(", ")
        })`,
      );
  }
}

/**
 * The whole diverse batch a `diverse` record is one position of.
 *
 * @param record A record with operator `diverse`.
 * @param shape The latent shape.
 * @returns The `params.batch` latents drawn from `createRng(record.seed)`.
 * @example
 * ```ts
 * import { diverseBatch } from "./lineage.ts";
 * diverseBatch({ operator: "diverse", parents: [], seed: 3, params: { batch: 4, position: 0 } }, [4, 8, 8]).length; // 4
 * ```
 */
export function diverseBatch(record: LineageRecord, shape: Shape): Latent[] {
  const batch = num(record.params, "batch", "draw a diverse batch");
  return diverseLatents(batch, shape, createRng(record.seed));
}

/**
 * Re-derives image `index` of generation `generation` of a session from its lineage record and
 * its parents' latents (as stored in the session). Equal, bit for bit, to the stored latent.
 *
 * @param session The session.
 * @param generation The generation number.
 * @param index The image's index in that generation.
 * @returns A new latent.
 * @example
 * ```ts
 * import { createRng, createSession, reproduceChild } from "./mod.ts";
 * const s = createSession({ shape: [4, 8, 8], population: 4 }, createRng(1));
 * reproduceChild(s, 0, 2).data; // equals s.generations[0].latents[2].data
 * ```
 */
export function reproduceChild(session: Session, generation: number, index: number): Latent {
  const gen = session.generations[generation];
  if (!gen || !Number.isInteger(generation)) {
    throw new RangeError(
      `Cannot reproduce a child: generation ${generation} does not exist (session has ${session.generations.length})`,
    );
  }
  const record = gen.lineage[index];
  if (!record || !Number.isInteger(index)) {
    throw new RangeError(
      `Cannot reproduce a child: index ${index} is outside generation ${generation} of ${gen.lineage.length}`,
    );
  }
  const parents = record.parents.map((p) => {
    const latent = session.generations[p.generation]?.latents[p.index];
    if (!latent || p.generation >= generation) {
      throw new RangeError(
        `Cannot reproduce a child: parent { generation: ${p.generation}, index: ${p.index} } of child ${index} of generation ${generation} does not exist`,
      );
    }
    return latent;
  });
  return deriveChild(record, parents, session.config.shape);
}
