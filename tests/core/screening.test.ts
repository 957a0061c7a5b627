import assert from "node:assert/strict";
import {
  createRng,
  deriveChild,
  type Latent,
  type LineageRecord,
  randomLatent,
  type Rng,
  type Surrogate,
} from "../../core/mod.ts";
import { screenedChild, screenedFresh, trainedSurrogate } from "../../core/screening.ts";
import type { Generation } from "../../core/evolution.ts";

const SHAPE = [4, 16, 16] as const;
const same = (a: Latent, b: Latent) => a.data.every((v, i) => Object.is(v, b.data[i]));

function cosine(a: Latent, b: Latent): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.data.length; i++) {
    ab += a.data[i] * b.data[i];
    aa += a.data[i] * a.data[i];
    bb += b.data[i] * b.data[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** A taste for a bright top-left corner, counting the latents it scores. */
function countingSurrogate(): Surrogate & { calls: number } {
  return {
    calls: 0,
    size: 0,
    good: 0,
    bad: 0,
    ready: true,
    iterations: 0,
    add() {},
    train() {},
    score(latent: Latent) {
      this.calls++;
      let sum = 0;
      for (let row = 0; row < 8; row++) for (let col = 0; col < 8; col++) sum += latent.data[row * 16 + col];
      return sum;
    },
  };
}

/** screenedChild() as it was before it built one try of a seedless child (commit 2fef4d3). */
function screenedChildBefore(
  plan: Omit<LineageRecord, "seed">,
  parents: Latent[],
  candidates: number,
  surrogate: Surrogate,
  chosen: Latent[],
  rng: Rng,
): { latent: Latent; record: LineageRecord } {
  const tries = Array.from({ length: candidates }, () => {
    const record = { ...plan, seed: rng.nextUint32() };
    const latent = deriveChild(record, parents, SHAPE);
    return { record, latent, score: surrogate.score(latent) };
  }).sort((a, b) => b.score - a.score);
  const pick = tries.find((t) => chosen.every((o) => cosine(o, t.latent) <= 0.98)) ?? tries[0];
  chosen.push(pick.latent);
  return {
    latent: pick.latent,
    record: {
      ...pick.record,
      params: { ...pick.record.params, screened: { candidates, score: pick.score } },
    },
  };
}

const rng0 = createRng(40);
const [a, b] = [randomLatent(SHAPE, rng0), randomLatent(SHAPE, rng0)];
const points = [[{ x: 0.2, y: 0.3 }], [{ x: 0.7, y: 0.8 }]];
const region = (seamIndex: number) => ({
  operator: "region-crossover" as const,
  parents: [{ generation: 0, index: 0 }, { generation: 0, index: 1 }],
  params: { points, seamIndex, seamCount: 4, clickDisc: 0 },
});

const local = (mode: "change" | "keep", radius = 0.1, softEdge = 0.125) => ({
  operator: "local-mutation" as const,
  parents: [{ generation: 0, index: 0 }],
  params: { points: points[0], radius, mode, shape: "square", softEdge },
});
const global = {
  operator: "global-mutation" as const,
  parents: [{ generation: 0, index: 0 }],
  params: { sigma: 0.5 },
};

Deno.test("screenedChild() builds one try of a child whose seed does not matter (region recombination's child 0)", () => {
  const surrogate = countingSurrogate();
  const rng = createRng(41), before = createRng(41);
  const pick = screenedChild(region(0), [a, b], SHAPE, 32, surrogate, [], rng);
  assert.equal(surrogate.calls, 1, "one try scored");
  assert.deepEqual(pick.record.params.screened, { candidates: 1, score: surrogate.score(pick.latent) });
  // The seed is the first of the 32 drawn, as before, and all 32 are drawn: the next child's seeds
  // are the ones it had.
  assert.equal(pick.record.seed, before.nextUint32());
  for (let i = 1; i < 32; i++) before.nextUint32();
  assert.equal(rng.nextUint32(), before.nextUint32());
  // A child whose seed matters still gets its 32 tries.
  const seamed = countingSurrogate();
  const child = screenedChild(region(1), [a, b], SHAPE, 32, seamed, [], createRng(41));
  assert.equal(seamed.calls, 32);
  assert.equal((child.record.params.screened as { candidates: number }).candidates, 32);
});

Deno.test("screenedChild() picks the same child, seed and score as before for every operator", () => {
  const two = [{ generation: 0, index: 0 }, { generation: 0, index: 1 }];
  // Each with the seed of its generator. The last plan repeats the first with its seed: its best
  // scored try is the first's pick, already in the batch.
  const plans: [Omit<LineageRecord, "seed">, Latent[], number][] = [
    [global, [a], 42],
    [local("change"), [a], 43],
    [local("keep"), [a], 44],
    [{ operator: "voronoi-crossover", parents: two, params: { cells: 4 } }, [a, b], 45],
    [{ operator: "mean-mutation", parents: two, params: { sigma: 0.3 } }, [a, b], 46],
    [region(0), [a, b], 47],
    [region(1), [a, b], 48],
    [region(3), [a, b], 49],
    [global, [a], 42],
  ];
  // One batch: each pick joins `chosen`, which later picks must not nearly copy.
  const chosen: Latent[] = [a], chosenBefore: Latent[] = [a];
  const seeds: number[] = [];
  for (const [plan, parents, seed] of plans) {
    const what = `${plan.operator} ${JSON.stringify(plan.params)}`;
    const rng = createRng(seed), rngBefore = createRng(seed);
    const now = screenedChild(plan, parents, SHAPE, 32, countingSurrogate(), chosen, rng);
    const then = screenedChildBefore(plan, parents, 32, countingSurrogate(), chosenBefore, rngBefore);
    assert.ok(same(now.latent, then.latent), what);
    assert.equal(now.record.seed, then.record.seed, what);
    const [s, t] = [now, then].map((p) => p.record.params.screened as { candidates: number; score: number });
    assert.equal(s.score, t.score, what);
    const seedless = plan.operator === "region-crossover" && plan.params.seamIndex === 0;
    assert.equal(s.candidates, seedless ? 1 : t.candidates, what);
    assert.equal(rng.nextUint32(), rngBefore.nextUint32(), `${what}: the generator is where it was`);
    seeds.push(now.record.seed);
  }
  assert.notEqual(seeds[8], seeds[0], "the repeated plan skipped the pick already in the batch");
});

Deno.test("screenedChild() skips a try that nearly copies an image in the batch, unless every try does", () => {
  const best = screenedChild(global, [a], SHAPE, 8, countingSurrogate(), [], createRng(43));
  // The batch holds the best scored try already: the same tries give another pick, scored lower.
  const chosen = [best.latent];
  const next = screenedChild(global, [a], SHAPE, 8, countingSurrogate(), chosen, createRng(43));
  assert.notEqual(next.record.seed, best.record.seed);
  assert.ok(cosine(next.latent, best.latent) <= 0.98);
  const score = (p: typeof next) => (p.record.params.screened as { score: number }).score;
  assert.ok(score(next) < score(best));
  assert.equal(chosen.length, 2);
  assert.equal(chosen[1], next.latent, "the batch gains the pick");
  // A one-position edit of `a` nearly copies `a` whatever its seed: the best scored is kept anyway.
  const tiny = local("change", 0.01, 0);
  const alone = screenedChild(tiny, [a], SHAPE, 8, countingSurrogate(), [], createRng(44));
  const beside = screenedChild(tiny, [a], SHAPE, 8, countingSurrogate(), [a], createRng(44));
  assert.ok(cosine(beside.latent, a) > 0.98);
  assert.equal(beside.record.seed, alone.record.seed);
});

/** A pool as screenedFresh() draws it: a diverse batch's records, over the given latents. */
function poolOf(latents: Latent[]): Generation {
  const lineage = latents.map((_, position): LineageRecord => ({
    operator: "diverse",
    parents: [],
    seed: 7,
    params: { batch: latents.length, position },
  }));
  return { index: 0, latents, lineage };
}

const scaled = (l: Latent, f: number): Latent => ({ shape: l.shape, data: l.data.map((v) => v * f) });

Deno.test("screenedFresh() keeps the pool's best scored, best first, that nearly copy nothing in the batch", () => {
  const surrogate = countingSurrogate();
  const rng = createRng(50);
  const pool = Array.from({ length: 64 }, () => randomLatent(SHAPE, rng));
  const rank = () =>
    pool.map((l, i) => [surrogate.score(l), i]).sort((x, y) => y[0] - x[0]).map(([, i]) => i);
  // A near-copy of the second best, scored just below it, in place of the worst.
  const before = rank();
  pool[before[63]] = scaled(pool[before[1]], 0.999);
  const [best, second, copy, third, fourth] = rank();
  assert.equal(copy, before[63]);
  // The batch already holds the best (at half its norm: the same image).
  const chosen = [scaled(pool[best], 0.5)];
  const picked = screenedFresh(3, surrogate, chosen, (n) => {
    assert.equal(n, 64, "32 per slot, at most 64");
    return poolOf(pool);
  });
  assert.deepEqual(picked.lineage.map((r) => r.params.position), [second, third, fourth]);
  assert.deepEqual(
    picked.lineage.map((r) => r.params.screened),
    [second, third, fourth].map((i) => ({ candidates: 64, score: surrogate.score(pool[i]) })),
  );
  assert.deepEqual(chosen.slice(1), picked.latents, "the batch gains the picks");
});

Deno.test("screenedFresh() fills the batch with the best scored near-copies when too few others are left", () => {
  const surrogate = countingSurrogate();
  const rng = createRng(51);
  const base = randomLatent(SHAPE, rng);
  const x = surrogate.score(base) > 0 ? base : scaled(base, -1);
  // Copies of the batch's image, brighter further on, and one other image at position 10.
  const pool = Array.from(
    { length: 64 },
    (_, i) => i === 10 ? randomLatent(SHAPE, rng) : scaled(x, 0.5 + i / 64),
  );
  const picked = screenedFresh(3, surrogate, [x], () => poolOf(pool));
  assert.deepEqual(picked.lineage.map((r) => r.params.position), [10, 63, 62]);
});

Deno.test("trainedSurrogate() learns from the latest 300 images shown, and forgets older ones", () => {
  const rng = createRng(52);
  const generation = (index: number, selected: number[]): Generation => ({
    index,
    latents: Array.from({ length: 10 }, () => randomLatent([1, 2, 2], rng)),
    lineage: [],
    feedback: { selected },
  });
  // 30 generations of 10 with nothing selected, then 3 with one selected: the latest 300 hold both.
  const late = Array.from({ length: 33 }, (_, g) => generation(g, g < 30 ? [] : [0]));
  assert.equal(trainedSurrogate(late)?.ready, true);
  // The only selections are more than 300 images ago: taste drifts, they no longer count.
  const early = Array.from({ length: 33 }, (_, g) => generation(g, g < 3 ? [0] : []));
  assert.equal(trainedSurrogate(early), undefined);
  assert.equal(trainedSurrogate(early.slice(0, 32))?.ready, true, "300 images back still count");
});
