import assert from "node:assert/strict";
import {
  createRng,
  createSession,
  deriveChild,
  deriveChildSeeded,
  deserializeSession,
  evolve,
  type Feedback,
  type LineageRecord,
  randomLatent,
  reproduceChild,
  serializeSession,
} from "../../core/mod.ts";

Deno.test("reproduceChild() re-derives every image of a session bit-exactly, with every operator", () => {
  const seen = new Set<string>();
  for (const diverseFirstBatch of [false, true]) {
    const rng = createRng("lineage");
    let s = createSession({ shape: [4, 16, 16], population: 8, diverseFirstBatch }, rng);
    const feedbacks: Feedback[] = [
      { selected: [0] },
      { selected: [1], points: { 1: [{ x: 0.3, y: 0.6 }] } },
      { selected: [2], points: { 2: [{ x: 0.8, y: 0.1 }] }, mode: "keep" },
      { selected: [0, 3] },
      { selected: [1, 5], points: { 1: [{ x: 0.2, y: 0.2 }], 5: [{ x: 0.9, y: 0.9 }] } },
      { selected: [4, 6], points: { 4: [{ x: 0.5, y: 0.5 }] } },
      { selected: [] },
    ];
    for (const fb of feedbacks) s = evolve(s, fb, rng);
    // Through a save and load, as a reloaded page would.
    const loaded = deserializeSession(serializeSession(s));
    for (const g of s.generations) {
      for (let i = 0; i < g.latents.length; i++) {
        seen.add(g.lineage[i].operator);
        const again = reproduceChild(loaded, g.index, i);
        assert.ok(
          again.data.every((v, k) => Object.is(v, g.latents[i].data[k])),
          `generation ${g.index} image ${i}`,
        );
      }
    }
    // Screened children (the surrogate chose their seed) and screened exploration latents (it chose
    // their position in a larger fresh pool) reproduce too.
    assert.ok(s.generations.some((g) => g.lineage.some((r) => r.params.screened !== undefined)));
    const fresh = diverseFirstBatch ? "diverse" : "random";
    assert.ok(
      s.generations.some((g) =>
        g.lineage.some((r) => r.operator === fresh && r.params.screened !== undefined)
      ),
    );
  }
  assert.deepEqual([...seen].sort(), [
    "diverse",
    "elite",
    "global-mutation",
    "local-mutation",
    "mean-mutation",
    "random",
    "region-crossover",
    "voronoi-crossover",
  ]);
});

Deno.test("reproduceChild() rejects a missing generation, index or parent", () => {
  const s = createSession({ shape: [4, 8, 8], population: 4 }, createRng(1));
  assert.throws(() => reproduceChild(s, 3, 0), /generation 3 does not exist \(session has 1\)/);
  assert.throws(() => reproduceChild(s, 0, 4), /index 4 is outside generation 0 of 4/);
  const broken = { ...s, generations: [{ ...s.generations[0] }] };
  broken.generations[0].lineage = [{
    operator: "elite",
    parents: [{ generation: 0, index: 1 }],
    seed: 0,
    params: {},
  }];
  assert.throws(() => reproduceChild(broken, 0, 0), /parent \{ generation: 0, index: 1 \} of child 0/);
});

Deno.test("deriveChild() rejects an unknown operator and missing parameters", () => {
  assert.throws(
    () => deriveChild({ operator: "magic" as "random", parents: [], seed: 1, params: {} }, [], [4, 8, 8]),
    /unknown operator "magic"/,
  );
  assert.throws(
    () => deriveChild({ operator: "diverse", parents: [], seed: 1, params: { batch: 4 } }, [], [4, 8, 8]),
    /lineage parameter "position" must be a finite number/,
  );
});

Deno.test("deriveChildSeeded() makes deriveChild()'s child and says whether its seed mattered", () => {
  const shape = [4, 16, 16] as const, rng = createRng(30);
  const [a, b] = [randomLatent(shape, rng), randomLatent(shape, rng)];
  const points = [[{ x: 0.2, y: 0.3 }], [{ x: 0.7, y: 0.8 }]];
  const region = (seamIndex: number, clickDisc = 0) => ({ points, seamIndex, seamCount: 4, clickDisc });
  const cases: [Omit<LineageRecord, "seed">, number, boolean][] = [
    [{ operator: "random", parents: [], params: {} }, 0, true],
    [{ operator: "diverse", parents: [], params: { batch: 4, position: 1 } }, 0, true],
    [{ operator: "elite", parents: [], params: {} }, 1, false],
    [{ operator: "global-mutation", parents: [], params: { sigma: 0.5 } }, 1, true],
    [{ operator: "mean-mutation", parents: [], params: { sigma: 0.5 } }, 2, true],
    [{ operator: "voronoi-crossover", parents: [], params: { cells: 4 } }, 2, true],
    [
      {
        operator: "local-mutation",
        parents: [],
        params: { points: points[0], radius: 0.1, mode: "change", shape: "square", softEdge: 0 },
      },
      1,
      true,
    ],
    // Child 0 of region recombination is a clean cut: no seam noise, no click discs.
    [{ operator: "region-crossover", parents: [], params: region(0) }, 2, false],
    [{ operator: "region-crossover", parents: [], params: region(2) }, 2, true],
    [{ operator: "region-crossover", parents: [], params: region(0, 2) }, 2, true],
  ];
  for (const [plan, n, seeded] of cases) {
    const parents = [a, b].slice(0, n), what = `${plan.operator} ${JSON.stringify(plan.params)}`;
    const record = { ...plan, seed: 5 };
    const got = deriveChildSeeded(record, parents, shape);
    assert.equal(got.seeded, seeded, what);
    const same = (x: Float32Array, y: Float32Array) => x.every((v, k) => Object.is(v, y[k]));
    assert.ok(same(got.latent.data, deriveChild(record, parents, shape).data), what);
    const other = deriveChild({ ...plan, seed: 6 }, parents, shape);
    assert.equal(same(got.latent.data, other.data), !seeded, `${what}: another seed, other bits`);
  }
});
