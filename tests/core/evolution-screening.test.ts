import assert from "node:assert/strict";
import { createRng, createSession, currentGeneration, diverseBatch, evolve } from "../../core/mod.ts";
import { trainedSurrogate } from "../../core/screening.ts";

const SHAPE = [4, 32, 32] as const;

Deno.test("evolve() screens with the surrogate only once it has seen 1 good and 10 bad images", () => {
  const rng = createRng(9);
  let s = createSession({ shape: SHAPE, population: 8 }, rng);
  s = evolve(s, { selected: [0] }, rng); // 1 good, 7 bad: not yet
  assert.ok(currentGeneration(s).lineage.every((r) => r.params.screened === undefined));
  s = evolve(s, { selected: [1] }, rng); // 2 good, 14 bad
  const screened = currentGeneration(s).lineage.filter((r) => r.params.screened !== undefined);
  // 5 children, each the best of 32 tries, and the 2 exploration latents, the best of a pool of 64.
  assert.equal(screened.length, 7);
  const candidates = screened.map((r) => (r.params.screened as { candidates: number }).candidates);
  assert.deepEqual(candidates, [32, 32, 32, 32, 32, 64, 64]);
  const explore = screened.slice(5);
  assert.ok(explore.every((r) => r.operator === "diverse" && r.params.batch === 64));
  // The exploration pair is the pool's two best scored, best first (none nearly copies another at
  // this size): the same surrogate rescores the whole pool.
  const surrogate = trainedSurrogate(s.generations)!;
  const pool = diverseBatch(explore[0], SHAPE).map((l) => surrogate.score(l));
  const picked = explore.map((r) => (r.params.screened as { score: number }).score);
  assert.deepEqual(picked, explore.map((r) => pool[r.params.position as number]));
  assert.deepEqual(picked, [...pool].sort((a, b) => b - a).slice(0, 2));
  let off = createSession({ shape: SHAPE, population: 8, surrogate: false }, rng);
  for (const i of [0, 1, 2]) off = evolve(off, { selected: [i] }, rng);
  assert.ok(currentGeneration(off).lineage.every((r) => r.params.screened === undefined));
});

Deno.test("evolve() screens region recombination's child 0, the same for every seed, as one try", () => {
  const rng = createRng(9);
  let s = createSession({ shape: SHAPE, population: 8 }, rng);
  s = evolve(s, { selected: [0] }, rng);
  s = evolve(s, { selected: [1] }, rng); // the surrogate screens from now on
  s = evolve(s, { selected: [1, 2], points: { 1: [{ x: 0.2, y: 0.2 }], 2: [{ x: 0.8, y: 0.7 }] } }, rng);
  const children = currentGeneration(s).lineage.filter((r) => r.operator === "region-crossover");
  assert.deepEqual(children.map((r) => r.params.seamIndex), [0, 1, 2, 3]);
  const candidates = children.map((r) => (r.params.screened as { candidates: number }).candidates);
  assert.deepEqual(candidates, [1, 32, 32, 32]);
});

Deno.test("evolve() does not screen while no generation had both a selected and a rejected image", () => {
  // Every image selected, then none: good and bad images, but no pair to learn "better than" from.
  const rng = createRng(4);
  let s = createSession({ shape: SHAPE, population: 4 }, rng);
  for (let g = 0; g < 6; g++) s = evolve(s, { selected: g % 2 ? [] : [0, 1, 2, 3] }, rng);
  s = evolve(s, { selected: [0, 1, 2, 3] }, rng);
  const screened = s.generations.flatMap((g) => g.lineage).filter((r) => r.params.screened !== undefined);
  assert.equal(screened.length, 0, JSON.stringify(screened[0]?.params));
});

Deno.test("evolve() screens exploration from a pool of 32 per slot, at most 64 fresh latents", () => {
  const pools = (population: number) => {
    const rng = createRng(12);
    let s = createSession({ shape: SHAPE, population }, rng);
    // 4 generations answered: 4 good and at least 12 bad, enough for any population here.
    for (const i of [0, 1, 2, 3]) s = evolve(s, { selected: [i] }, rng);
    return currentGeneration(s).lineage.filter((r) => r.operator === "diverse")
      .map((r) => (r.params.screened as { candidates: number }).candidates);
  };
  assert.deepEqual(pools(4), [32]);
  assert.deepEqual(pools(24), [64, 64, 64, 64, 64, 64]);
});
