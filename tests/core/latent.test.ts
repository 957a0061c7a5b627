import assert from "node:assert/strict";
import {
  assertSameShape,
  createRng,
  createSession,
  diverseLatents,
  evolve,
  globalMutation,
  latentNorm,
  localMutation,
  meanLatent,
  randomLatent,
  regionCrossover,
  rescaleToSqrtD,
  type Rng,
  slerp,
  validateLatent,
  validatePoints,
  voronoiChildren,
  voronoiCrossover,
} from "../../core/mod.ts";
import { assertNormal, latentStats } from "./stats.ts";

Deno.test("randomLatent() draws N(0,1) values of the requested shape", () => {
  const z = randomLatent([4, 64, 64], createRng(1));
  assert.deepEqual(z.shape, [4, 64, 64]);
  assert.equal(z.data.length, 16384);
  assertNormal(z);
});

Deno.test("randomLatent() gives the same latent for the same seed", () => {
  const a = randomLatent([4, 16, 16], createRng("s")), b = randomLatent([4, 16, 16], createRng("s"));
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, randomLatent([4, 16, 16], createRng("t")).data);
});

Deno.test("randomLatent() rejects invalid shapes naming the operation and the value", () => {
  const rng = createRng(1);
  assert.throws(() => randomLatent([4, 0, 64] as never, rng), {
    name: "RangeError",
    message: /Cannot create a random latent: .*\[4,0,64\]/,
  });
  assert.throws(() => randomLatent([4, 1.5, 64] as never, rng), RangeError);
  assert.throws(() => randomLatent([4, 64] as never, rng), { name: "TypeError", message: /\[4,64\]/ });
  assert.throws(() => randomLatent("4x64x64" as never, rng), TypeError);
});

Deno.test("validateLatent() rejects NaN, Infinity, wrong length and wrong type", () => {
  const data = new Float32Array(8);
  data[5] = NaN;
  assert.throws(() => validateLatent({ shape: [2, 2, 2], data }, "test things"), {
    name: "RangeError",
    message: /Cannot test things: latent has a non-finite value NaN at index 5/,
  });
  data[5] = -Infinity;
  assert.throws(() => validateLatent({ shape: [2, 2, 2], data }, "test things"), /-Infinity at index 5/);
  assert.throws(
    () => validateLatent({ shape: [2, 2, 3], data: new Float32Array(8) }, "test things"),
    { name: "RangeError", message: /needs 12 values, got 8/ },
  );
  assert.throws(
    () => validateLatent({ shape: [2, 2, 2], data: new Float64Array(8) }, "test things"),
    { name: "TypeError", message: /Float32Array, got Float64Array/ },
  );
  assert.throws(() => validateLatent(null, "test things"), TypeError);
  validateLatent({ shape: [2, 2, 2], data: new Float32Array(8) }, "test things");
});

Deno.test("assertSameShape() names both shapes", () => {
  assert.throws(() => assertSameShape([4, 64, 64], [4, 32, 32], "cross over latents"), {
    name: "RangeError",
    message: "Cannot cross over latents: expected shape [4,64,64], got [4,32,32]",
  });
});

Deno.test("validatePoints() rejects points outside [0,1] and non-numbers", () => {
  validatePoints([{ x: 0, y: 1 }, { x: 0.5, y: 0.5 }], "click");
  assert.throws(() => validatePoints([{ x: 1.01, y: 0.5 }], "click"), {
    name: "RangeError",
    message: /Cannot click: point 0 must lie in \[0,1\]\^2, got \{ x: 1.01, y: 0.5 \}/,
  });
  assert.throws(() => validatePoints([{ x: 0.5, y: NaN }], "click"), RangeError);
  assert.throws(() => validatePoints([{ x: "0.5", y: 0.5 }] as never, "click"), TypeError);
  assert.throws(() => validatePoints({ x: 0.5, y: 0.5 } as never, "click"), TypeError);
});

Deno.test("rescaleToSqrtD() gives norm sqrt(D) without touching its input", () => {
  const z = randomLatent([4, 32, 32], createRng(2));
  for (let i = 0; i < z.data.length; i++) z.data[i] *= 0.3;
  const before = z.data.slice();
  const r = rescaleToSqrtD(z);
  assert.ok(Math.abs(latentNorm(r) / Math.sqrt(4096) - 1) < 1e-5);
  assert.deepEqual(z.data, before);
  assertNormal(r);
  assert.throws(() => rescaleToSqrtD({ shape: [1, 2, 2], data: new Float32Array(4) }), {
    name: "RangeError",
    message: /Cannot rescale a latent/,
  });
});

Deno.test("latentNorm() is the Euclidean norm", () => {
  assert.equal(latentNorm({ shape: [1, 1, 2], data: new Float32Array([3, 4]) }), 5);
});

Deno.test("meanLatent() averages element-wise, shrinking the variance to 1/k", () => {
  const a = { shape: [1, 1, 2] as const, data: new Float32Array([1, 3]) };
  const b = { shape: [1, 1, 2] as const, data: new Float32Array([3, 5]) };
  assert.deepEqual(meanLatent([a, b]).data, new Float32Array([2, 4]));
  const rng = createRng(3);
  const m = meanLatent([0, 1, 2, 3].map(() => randomLatent([4, 64, 64], rng)));
  assert.ok(Math.abs(latentStats(m).variance - 0.25) < 0.02);
  assertNormal(rescaleToSqrtD(m));
});

Deno.test("meanLatent() rejects no latents and mismatched shapes", () => {
  const rng = createRng(3);
  assert.throws(() => meanLatent([]), {
    name: "RangeError",
    message: /Cannot average latents: got no latents/,
  });
  assert.throws(() => meanLatent([randomLatent([4, 8, 8], rng), randomLatent([4, 8, 4], rng)]), {
    name: "RangeError",
    message: "Cannot average latents: expected shape [4,8,8], got [4,8,4]",
  });
});

Deno.test("slerp() runs from a to b keeping the norm", () => {
  const rng = createRng(4);
  const a = rescaleToSqrtD(randomLatent([4, 64, 64], rng)),
    b = rescaleToSqrtD(randomLatent([4, 64, 64], rng));
  const s0 = slerp(a, b, 0), s1 = slerp(a, b, 1);
  for (let i = 0; i < a.data.length; i += 97) {
    assert.ok(Math.abs(s0.data[i] - a.data[i]) < 1e-5);
    assert.ok(Math.abs(s1.data[i] - b.data[i]) < 1e-5);
  }
  for (const t of [0.25, 0.5, 0.9]) {
    const s = slerp(a, b, t);
    assert.ok(Math.abs(latentNorm(s) / 128 - 1) < 1e-4, `t=${t}`);
    assertNormal(s);
  }
});

Deno.test("slerp() rejects opposite latents, a bad t and mismatched shapes", () => {
  const rng = createRng(5);
  const a = randomLatent([2, 4, 4], rng);
  const neg = { shape: a.shape, data: a.data.map((v) => -v) };
  assert.throws(() => slerp(a, neg, 0.5), {
    name: "RangeError",
    message: /Cannot slerp latents: .*opposite/,
  });
  assert.throws(() => slerp(a, a, NaN), {
    name: "RangeError",
    message: /t must be a finite number, got NaN/,
  });
  assert.throws(() => slerp(a, randomLatent([2, 4, 2], rng), 0.5), /expected shape \[2,4,4\], got \[2,4,2\]/);
  // Parallel latents fall back to linear interpolation instead of dividing by sin(0).
  assert.deepEqual(slerp(a, a, 0.5).data, a.data);
});

Deno.test("every operator names itself and the value when given no generator, or null options", () => {
  const rng = createRng(3);
  const shape = [4, 8, 8] as const;
  const a = randomLatent(shape, rng), b = randomLatent(shape, rng);
  const point = [{ x: 0.5, y: 0.5 }];
  const cases: [() => unknown, RegExp][] = [
    [() => randomLatent(shape, undefined as unknown as Rng), /Cannot create a random latent: rng must be/],
    [
      () => voronoiCrossover([a, b], null as unknown as Rng),
      /Cannot cross over latents: rng must be .* got null/,
    ],
    [
      () => voronoiCrossover([a, b], rng, null as unknown as never),
      /Cannot cross over latents: options must be an object, got null/,
    ],
    [
      () => voronoiChildren([a, b], 2, rng, 3 as unknown as never),
      /Cannot cross over latents: options must be an object, got 3/,
    ],
    [
      () => regionCrossover([{ latent: a, points: point }], undefined as unknown as Rng),
      /Cannot recombine regions: rng must be/,
    ],
    [
      () => regionCrossover([{ latent: a, points: point }], rng, null as unknown as never),
      /Cannot recombine regions: options must be an object/,
    ],
    [
      () => localMutation(a, point, {} as Rng, { radius: 0.2, mode: "change" }),
      /Cannot mutate a latent locally: rng must be .* got \[object Object\]/,
    ],
    [
      () => globalMutation(a, undefined as unknown as Rng, { sigma: 1 }),
      /Cannot mutate a latent globally: rng must be/,
    ],
    [() => diverseLatents(2, shape, undefined as unknown as Rng), /Cannot draw a diverse batch: rng must be/],
    [
      () => diverseLatents(2, shape, rng, null as unknown as never),
      /Cannot draw a diverse batch: options must be an object/,
    ],
    [
      () => createSession({ shape, population: 2 }, undefined as unknown as Rng),
      /Cannot start a session: rng must be/,
    ],
    [
      () =>
        evolve(createSession({ shape, population: 2 }, rng), { selected: [0] }, undefined as unknown as Rng),
      /Cannot evolve a session: rng must be/,
    ],
  ];
  for (const [call, message] of cases) {
    assert.throws(call, (e) => e instanceof TypeError && message.test(e.message), message.source);
  }
});
