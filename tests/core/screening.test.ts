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
import { screenedChild } from "../../core/screening.ts";

const SHAPE = [4, 16, 16] as const;
const same = (a: Latent, b: Latent) => a.data.every((v, i) => Object.is(v, b.data[i]));

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
  const cos = (a: Latent, b: Latent) => {
    let ab = 0, aa = 0, bb = 0;
    for (let i = 0; i < a.data.length; i++) {
      ab += a.data[i] * b.data[i];
      aa += a.data[i] * a.data[i];
      bb += b.data[i] * b.data[i];
    }
    return ab / Math.sqrt(aa * bb);
  };
  const pick = tries.find((t) => chosen.every((o) => cos(o, t.latent) <= 0.98)) ?? tries[0];
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
  const local = (mode: "change" | "keep") => ({
    operator: "local-mutation" as const,
    parents: [{ generation: 0, index: 0 }],
    params: { points: points[0], radius: 0.1, mode, shape: "square", softEdge: 0.125 },
  });
  const two = [{ generation: 0, index: 0 }, { generation: 0, index: 1 }];
  const plans: [Omit<LineageRecord, "seed">, Latent[]][] = [
    [{ operator: "global-mutation", parents: [{ generation: 0, index: 0 }], params: { sigma: 0.5 } }, [a]],
    [local("change"), [a]],
    [local("keep"), [a]],
    [{ operator: "voronoi-crossover", parents: two, params: { cells: 4 } }, [a, b]],
    [{ operator: "mean-mutation", parents: two, params: { sigma: 0.3 } }, [a, b]],
    [region(0), [a, b]],
    [region(1), [a, b]],
    [region(3), [a, b]],
  ];
  // One batch: each pick joins `chosen`, which later picks must not nearly copy.
  const rng = createRng(42), rngBefore = createRng(42);
  const chosen: Latent[] = [a], chosenBefore: Latent[] = [a];
  for (const [plan, parents] of plans) {
    const what = `${plan.operator} ${JSON.stringify(plan.params)}`;
    const now = screenedChild(plan, parents, SHAPE, 32, countingSurrogate(), chosen, rng);
    const then = screenedChildBefore(plan, parents, 32, countingSurrogate(), chosenBefore, rngBefore);
    assert.ok(same(now.latent, then.latent), what);
    assert.equal(now.record.seed, then.record.seed, what);
    const [s, t] = [now, then].map((p) => p.record.params.screened as { candidates: number; score: number });
    assert.equal(s.score, t.score, what);
    const seedless = plan.operator === "region-crossover" && plan.params.seamIndex === 0;
    assert.equal(s.candidates, seedless ? 1 : t.candidates, what);
  }
  assert.equal(rng.nextUint32(), rngBefore.nextUint32(), "the generator is where it was");
});
