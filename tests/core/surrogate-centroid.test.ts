import assert from "node:assert/strict";
import {
  createCentroidSurrogate,
  createRng,
  createSession,
  currentGeneration,
  evolve,
  type Latent,
  randomLatent,
  reproduceChild,
  resolveConfig,
} from "../../core/mod.ts";
import { smoothFeatures, smoothLayoutFor } from "../../core/surrogate-features.ts";

/** `base` plus `amount` of fresh noise, renormalised to N(0,1) scale. */
function near(base: Latent, amount: number, seed: number): Latent {
  const noise = randomLatent(base.shape, createRng(seed));
  const scale = 1 / Math.sqrt(1 + amount * amount);
  return { shape: base.shape, data: base.data.map((v, i) => (v + amount * noise.data[i]) * scale) };
}

Deno.test("createCentroidSurrogate() scores latents near what was selected above the rest", () => {
  const rng = createRng("centroid");
  const target = randomLatent([4, 32, 32], rng);
  const s = createCentroidSurrogate();
  // Each generation the selected images are the ones nearer the person's picture.
  for (let g = 0; g < 4; g++) {
    for (let i = 0; i < 8; i++) {
      s.add(i < 2 ? near(target, 1, 100 * g + i) : randomLatent([4, 32, 32], rng), i < 2, g);
    }
  }
  s.train();
  assert.ok(s.ready);
  assert.deepEqual([s.size, s.good, s.bad], [32, 8, 24]);
  const closer = Array.from({ length: 20 }, (_, i) => s.score(near(target, 0.5, 1000 + i)));
  const random = Array.from({ length: 20 }, () => s.score(randomLatent([4, 32, 32], rng)));
  assert.ok(Math.min(...closer) > Math.max(...random), "every near latent above every random one");
});

Deno.test("createCentroidSurrogate() weighs recent picks more", () => {
  const rng = createRng(2);
  const old = randomLatent([4, 16, 16], rng), recent = randomLatent([4, 16, 16], rng);
  const s = createCentroidSurrogate({ recency: 0.5 });
  s.add(old, true, 0);
  s.add(recent, true, 3);
  s.add(randomLatent([4, 16, 16], rng), false, 3);
  s.train();
  assert.ok(s.score(recent) > s.score(old));
  const even = createCentroidSurrogate({ recency: 1 });
  even.add(old, true, 0);
  even.add(recent, true, 3);
  even.train();
  // With equal weights the centroid lies half-way: both at the same distance, up to rounding.
  assert.ok(Math.abs(even.score(recent) - even.score(old)) < 1e-9 * Math.abs(even.score(old)));
});

Deno.test("createCentroidSurrogate() scores 0 until it has a selected image, and is deterministic", () => {
  const rng = createRng(3);
  const s = createCentroidSurrogate();
  const probe = randomLatent([4, 8, 8], rng);
  for (let i = 0; i < 10; i++) s.add(randomLatent([4, 8, 8], rng), false);
  s.train();
  assert.equal(s.ready, false);
  assert.equal(s.score(probe), 0);
  assert.equal(s.iterations, 0);
  const good = randomLatent([4, 8, 8], rng);
  s.add(good, true);
  s.train();
  assert.ok(s.ready && s.score(good) === 0 && s.score(probe) < 0);
  const again = createCentroidSurrogate();
  again.add(good, true);
  again.train();
  assert.equal(again.score(probe), s.score(probe));
});

Deno.test("createCentroidSurrogate() rejects bad options, labels and shapes with errors naming them", () => {
  assert.throws(() => createCentroidSurrogate({ recency: 0 }), /recency must be in \(0, 1\], got 0/);
  const rng = createRng(1);
  const s = createCentroidSurrogate();
  s.add(randomLatent([4, 8, 8], rng), true);
  assert.throws(
    () => s.add(randomLatent([4, 16, 16], rng), false),
    /expected shape \[4,8,8\], got \[4,16,16\]/,
  );
  assert.throws(() => s.add(randomLatent([4, 8, 8], rng), 1 as unknown as boolean), TypeError);
  assert.throws(() => s.add(randomLatent([4, 8, 8], rng), true, NaN), /group must be a finite number/);
  s.train();
  assert.throws(() => s.score(randomLatent([4, 16, 16], rng)), /expected shape \[4,8,8\]/);
});

Deno.test("smoothFeatures() samples a Gaussian blur once per block, at most 16x16 per channel", () => {
  assert.equal(smoothLayoutFor([4, 64, 64]).size, 4 * 16 * 16);
  assert.equal(smoothLayoutFor([4, 32, 32]).size, 4 * 16 * 16);
  assert.equal(smoothLayoutFor([3, 30, 50]).size, 3 * 8 * 13); // one square block: 4 = ceil(50 / 16)
  assert.equal(smoothLayoutFor([1, 1, 1]).size, 1);
  // A constant latent stays constant away from the edges (the taps sum to 1).
  const layout = smoothLayoutFor([2, 64, 64]);
  const f = smoothFeatures(
    { shape: [2, 64, 64], data: new Float32Array(2 * 64 * 64).fill(2) },
    layout,
    new Float32Array(layout.size),
  );
  assert.ok(Math.abs(f[16 * 8 + 8] - 2) < 1e-6);
  assert.ok(f[0] < 2, "zero beyond the edges");
  // Fine texture (a checkerboard) is smoothed away; a left/right split is kept.
  const checker = new Float32Array(2 * 64 * 64).map((_, i) => ((i % 64) + Math.floor(i / 64)) % 2 ? 1 : -1);
  const split = new Float32Array(2 * 64 * 64).map((_, i) => (i % 64) < 32 ? 1 : -1);
  const energy = (data: Float32Array) =>
    smoothFeatures({ shape: [2, 64, 64], data }, layout, new Float32Array(layout.size)).reduce(
      (a, v) => a + v * v,
      0,
    );
  assert.ok(energy(checker) < 1e-3 * energy(split));
});

Deno.test("evolve() with surrogateModel centroid screens, and its children still reproduce bit-exactly", () => {
  assert.equal(resolveConfig({ shape: [4, 8, 8], population: 4 }).surrogateModel, "bradley-terry");
  assert.throws(
    () =>
      createSession({ shape: [4, 8, 8], population: 4, surrogateModel: "knn" as "centroid" }, createRng(1)),
    /surrogateModel must be "centroid" or "bradley-terry", got knn/,
  );
  const rng = createRng(8);
  let s = createSession({ shape: [4, 16, 16], population: 8, surrogateModel: "centroid" }, rng);
  for (const selected of [[0, 3], [1, 5], [2, 6]]) s = evolve(s, { selected }, rng);
  const screened = currentGeneration(s).lineage.filter((r) => r.params.screened !== undefined);
  assert.equal(screened.length, 6, "4 children and 2 exploration latents screened");
  for (const [g, gen] of s.generations.entries()) {
    gen.latents.forEach((l, i) => assert.deepEqual(reproduceChild(s, g, i).data, l.data));
  }
});
