import assert from "node:assert/strict";
import {
  createRng,
  createSession,
  deriveChild,
  deserializeSession,
  evolve,
  type Feedback,
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
