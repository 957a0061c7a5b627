/**
 * Surrogate screening for `evolve()`: the taste model trained on the session's feedback, each
 * child picked as the best scored of several tries, and the exploration share picked from a larger
 * pool of fresh latents; in both, a candidate too similar to an image already in the batch is
 * skipped, so that screening never fills a batch with near-copies.
 *
 * @module
 */
import type { Latent, Shape } from "./latent.ts";
import type { Rng } from "./rng.ts";
import { deriveChild, deriveChildSeeded, type LineageRecord } from "./lineage.ts";
import { createSurrogate, type Surrogate } from "./surrogate.ts";
import type { Generation } from "./evolution.ts";

/** The surrogate screens once it has seen at least this many good and bad images. */
export const SCREEN_AFTER = { good: 1, bad: 10 } as const;
/** The surrogate trains on at most this many of the latest images (taste drifts; time grows with n). */
const SURROGATE_WINDOW = 300;
/** A screened candidate is skipped when its cosine to an already chosen image exceeds this. */
const MAX_SIMILARITY = 0.98;
/**
 * Fresh latents the surrogate scores per exploration slot. Exploration is where screening pays: a
 * fresh latent varies fully, a late child only by a sigma that has decayed (bench/results/study.md).
 */
const EXPLORE_POOL = 32;
/** At most this many in the pool: a diverse batch costs quadratically (64 at [4,32,32]: ~60 ms). */
const MAX_EXPLORE_POOL = 64;

/**
 * Picks a child by screening: `candidates` tries of `plan`, each with its own seed, the best scored
 * that is not a near-copy of an image in `chosen` (else the best scored), recorded as screened with
 * the number of tries. A plan whose first try drew nothing from its generator (region
 * recombination's child 0) is the same for every seed: it gets that one try. `candidates` seeds
 * are drawn from `rng` in either case, so the children after it get the seeds they would have.
 * `chosen` gains the pick.
 */
export function screenedChild(
  plan: Omit<LineageRecord, "seed">,
  parents: Latent[],
  shape: Shape,
  candidates: number,
  surrogate: Surrogate,
  chosen: Latent[],
  rng: Rng,
): { latent: Latent; record: LineageRecord } {
  const seeds = Array.from({ length: candidates }, () => rng.nextUint32());
  const first = deriveChildSeeded({ ...plan, seed: seeds[0] }, parents, shape);
  const tries = (first.seeded ? seeds : seeds.slice(0, 1)).map((seed, i) => {
    const record = { ...plan, seed };
    const latent = i === 0 ? first.latent : deriveChild(record, parents, shape);
    return { record, latent, score: surrogate.score(latent) };
  }).sort((a, b) => b.score - a.score);
  // Best score first, but never a near-copy of an image already in the batch.
  const pick = tries.find((t) => chosen.every((o) => cosine(o.data, t.latent.data) <= MAX_SIMILARITY)) ??
    tries[0];
  const record = {
    ...pick.record,
    params: { ...pick.record.params, screened: { candidates: tries.length, score: pick.score } },
  };
  chosen.push(pick.latent);
  return { latent: pick.latent, record };
}

/** Exploration screened by the surrogate: draws (with `draw`) a pool of `EXPLORE_POOL` fresh latents
 * per slot (at most `MAX_EXPLORE_POOL`) and keeps the `n` best scored that are not near-copies. */
export function screenedFresh(
  n: number,
  surrogate: Surrogate,
  chosen: Latent[],
  draw: (pool: number) => Generation,
): { latents: Latent[]; lineage: LineageRecord[] } {
  const pool = Math.max(n, Math.min(n * EXPLORE_POOL, MAX_EXPLORE_POOL));
  const { latents: made, lineage: records } = draw(pool);
  const tries = made.map((latent, i) => ({ latent, record: records[i], score: surrogate.score(latent) }))
    .sort((a, b) => b.score - a.score);
  const latents: Latent[] = [], lineage: LineageRecord[] = [];
  const take = (t: (typeof tries)[number]) => {
    latents.push(t.latent);
    lineage.push({
      ...t.record,
      params: { ...t.record.params, screened: { candidates: pool, score: t.score } },
    });
    chosen.push(t.latent);
  };
  const skipped: typeof tries = [];
  for (const t of tries) {
    if (latents.length === n) break;
    if (chosen.every((o) => cosine(o.data, t.latent.data) <= MAX_SIMILARITY)) take(t);
    else skipped.push(t);
  }
  // Too few that are not near-copies (a tiny latent): the best of the others fill the batch.
  for (const t of skipped) if (latents.length < n) take(t);
  return { latents, lineage };
}

/** The taste model trained on every image shown with feedback (the latest window), or undefined
 * while it lacks examples of either class. */
export function trainedSurrogate(generations: Generation[]): Surrogate | undefined {
  const examples: [Latent, boolean, number][] = [];
  for (const g of generations) {
    if (!g.feedback) continue;
    const selected = new Set(g.feedback.selected);
    g.latents.forEach((l, i) => examples.push([l, selected.has(i), g.index]));
  }
  const window = examples.slice(-SURROGATE_WINDOW);
  const good = window.filter((e) => e[1]).length;
  if (good < SCREEN_AFTER.good || window.length - good < SCREEN_AFTER.bad) return undefined;
  // Pairwise within each generation: what a person selects is only "better than the rest of that
  // batch" (a late generation's rejects are often closer than an early one's picks).
  const s = createSurrogate({ pairwise: true });
  for (const [l, isGood, group] of window) s.add(l, isGood, group);
  s.train();
  // No generation with both a selected and a rejected image: nothing to learn, so nothing screened.
  return s.ready ? s : undefined;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}
