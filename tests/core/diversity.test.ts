import assert from "node:assert/strict";
import {
  blurredMaxCosine,
  createRng,
  diverseLatents,
  latentNorm,
  maxCosine,
  randomLatent,
} from "../../core/mod.ts";
import { assertNormal } from "./stats.ts";

const SHAPE = [4, 64, 64] as const;

Deno.test("diverseLatents() returns n latents of norm sqrt(D) with N(0,1) statistics", () => {
  const batch = diverseLatents(8, SHAPE, createRng(1));
  assert.equal(batch.length, 8);
  for (const l of batch) {
    assert.deepEqual(l.shape, SHAPE);
    assert.ok(Math.abs(latentNorm(l) / 128 - 1) < 1e-5);
    assertNormal(l);
  }
});

Deno.test("diverseLatents() beats i.i.d. draws on blurred max-cosine over several seeds", () => {
  for (const blur of [4, 8, 16]) {
    let diverse = 0, iid = 0, wins = 0;
    for (let seed = 0; seed < 6; seed++) {
      const d = blurredMaxCosine(diverseLatents(8, SHAPE, createRng(seed)), { blur });
      const rng = createRng(1000 + seed);
      const r = blurredMaxCosine(Array.from({ length: 8 }, () => randomLatent(SHAPE, rng)), { blur });
      diverse += d / 6;
      iid += r / 6;
      if (d < r) wins++;
    }
    // Coarser metric blurs than the construction's (8, 16) gain too: the gain is not an artefact of
    // measuring with the blur the batch was built with.
    assert.equal(wins, 6, `blur ${blur}: diverse ${diverse} vs i.i.d. ${iid}`);
    assert.ok(diverse < iid - 0.02, `blur ${blur}: diverse ${diverse} vs i.i.d. ${iid}`);
  }
});

Deno.test("diverseLatents() makes blurred latents orthogonal at the blur's scale and every coarser one", () => {
  const batch = diverseLatents(8, SHAPE, createRng(7));
  for (const blur of [4, 8, 16, 32]) {
    assert.ok(
      Math.abs(blurredMaxCosine(batch, { blur })) < 1e-4,
      `blur ${blur}: ${blurredMaxCosine(batch, { blur })}`,
    );
  }
  // More latents than the coarsest scale has dimensions (4 x 2 x 2 = 16 at blur 32): still valid latents.
  const many = diverseLatents(20, SHAPE, createRng(8));
  const rng = createRng(9);
  const iid = Array.from({ length: 20 }, () => randomLatent(SHAPE, rng));
  assert.ok(
    blurredMaxCosine(many) < blurredMaxCosine(iid) / 2,
    `${blurredMaxCosine(many)} vs ${blurredMaxCosine(iid)}`,
  );
  for (const l of many) assertNormal(l);
});

Deno.test("diverseLatents() greedy method (nevergrad's selection) also beats i.i.d. draws", () => {
  let diverse = 0, iid = 0;
  for (let seed = 0; seed < 4; seed++) {
    diverse += blurredMaxCosine(
      diverseLatents(8, SHAPE, createRng(seed), { method: "greedy", candidates: 16 }),
    );
    const rng = createRng(2000 + seed);
    iid += blurredMaxCosine(Array.from({ length: 8 }, () => randomLatent(SHAPE, rng)));
  }
  assert.ok(diverse < iid * 0.9, `greedy ${diverse / 4} vs i.i.d. ${iid / 4}`);
});

Deno.test("diverseLatents() gives the same batch for the same seed", () => {
  const a = diverseLatents(4, [4, 16, 16], createRng("x")),
    b = diverseLatents(4, [4, 16, 16], createRng("x"));
  for (let i = 0; i < 4; i++) assert.deepEqual(a[i].data, b[i].data);
  assert.notDeepEqual(a[0].data, diverseLatents(4, [4, 16, 16], createRng("y"))[0].data);
});

Deno.test("diverseLatents() handles n = 0, n = 1 and shapes not divisible by the blur", () => {
  assert.deepEqual(diverseLatents(0, SHAPE, createRng(1)), []);
  const one = diverseLatents(1, SHAPE, createRng(1));
  assert.equal(one.length, 1);
  assert.deepEqual(one[0].shape, SHAPE);
  assertNormal(one[0]);
  const odd = diverseLatents(5, [3, 13, 7], createRng(2));
  assert.equal(odd.length, 5);
  for (const l of odd) assert.ok(Math.abs(latentNorm(l) / Math.sqrt(273) - 1) < 1e-5);
  // Edge blocks smaller than the blur (rows 4+4+4+1, columns 4+3) are spread like the others:
  // the blurred latents are orthogonal, where i.i.d. ones reach about 0.4.
  assert.ok(blurredMaxCosine(odd, { blur: 4 }) < 1e-4, `${blurredMaxCosine(odd, { blur: 4 })}`);
  // A blur larger than the plane: one block per channel, too few to spread 3 latents, yet 3 valid ones.
  const small = diverseLatents(3, [1, 2, 2], createRng(3), { blur: 8 });
  assert.equal(small.length, 3);
  for (const l of small) assert.ok(Math.abs(latentNorm(l) / 2 - 1) < 1e-5, `${l.data}`);
  assert.ok(maxCosine(small) < 0.99, "3 different latents");
});

Deno.test("diverseLatents() rejects invalid input naming the operation", () => {
  const rng = createRng(1);
  const op = /^Cannot draw a diverse batch: /;
  assert.throws(() => diverseLatents(-1, SHAPE, rng), { name: "RangeError", message: op });
  assert.throws(() => diverseLatents(2.5, SHAPE, rng), { name: "RangeError", message: /got 2.5/ });
  assert.throws(() => diverseLatents(2, [4, 0, 64] as never, rng), { name: "RangeError", message: op });
  assert.throws(() => diverseLatents(2, SHAPE, rng, { blur: 0 }), {
    name: "RangeError",
    message: /blur.*got 0/,
  });
  assert.throws(() => diverseLatents(2, SHAPE, rng, { candidates: 0 }), {
    name: "RangeError",
    message: /candidates/,
  });
});

Deno.test("blurredMaxCosine() sees latents that differ only in fine noise as close", () => {
  const rng = createRng(4);
  const a = randomLatent([4, 32, 32], rng);
  // b: a's 4x4 block means, fresh deviations inside each block.
  const noise = randomLatent([4, 32, 32], rng);
  const b = { shape: a.shape, data: new Float32Array(a.data.length) };
  for (let c = 0; c < 4; c++) {
    for (let bi = 0; bi < 8; bi++) {
      for (let bj = 0; bj < 8; bj++) {
        const idx: number[] = [];
        for (let r = 0; r < 4; r++) {
          for (let q = 0; q < 4; q++) idx.push(c * 1024 + (bi * 4 + r) * 32 + bj * 4 + q);
        }
        const ma = idx.reduce((s, i) => s + a.data[i], 0) / 16,
          mn = idx.reduce((s, i) => s + noise.data[i], 0) / 16;
        for (const i of idx) b.data[i] = ma + noise.data[i] - mn;
      }
    }
  }
  assert.ok(blurredMaxCosine([a, b]) > 0.999);
  assert.ok(maxCosine([a, b]) < 0.3, `${maxCosine([a, b])}`);
});

Deno.test("blurredMaxCosine() is 1 for duplicates and -1 for an antithetic pair", () => {
  const a = randomLatent([4, 16, 16], createRng(5));
  const neg = { shape: a.shape, data: a.data.map((v) => -v) };
  assert.ok(Math.abs(blurredMaxCosine([a, a]) - 1) < 1e-9);
  assert.ok(Math.abs(blurredMaxCosine([a, neg]) + 1) < 1e-9);
  assert.ok(Math.abs(blurredMaxCosine([a, neg, a]) - 1) < 1e-9);
});

Deno.test("blurredMaxCosine() rejects fewer than two latents and mismatched shapes", () => {
  const rng = createRng(6);
  const a = randomLatent([4, 8, 8], rng);
  assert.throws(() => blurredMaxCosine([a]), {
    name: "RangeError",
    message: /^Cannot measure diversity: need at least 2/,
  });
  assert.throws(
    () => blurredMaxCosine([a, randomLatent([4, 8, 4], rng)]),
    /expected shape \[4,8,8\], got \[4,8,4\]/,
  );
  assert.throws(() => blurredMaxCosine([a, a], { blur: 1.5 }), RangeError);
});
