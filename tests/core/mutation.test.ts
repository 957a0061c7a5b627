import assert from "node:assert/strict";
import {
  createRng,
  globalMutation,
  type Latent,
  latentNorm,
  localMutation,
  radiusSchedule,
  randomLatent,
} from "../../core/mod.ts";
import { assertNormal } from "./stats.ts";

/** For each position (row-major): 0 = every channel bit-identical, 1 = every channel changed, 0.5 = mixed. */
function changedMap(a: Latent, b: Latent): Float64Array {
  const [C, H, W] = a.shape, plane = H * W;
  const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  const map = new Float64Array(plane);
  for (let pos = 0; pos < plane; pos++) {
    let changed = 0;
    for (let c = 0; c < C; c++) if (x[c * plane + pos] !== y[c * plane + pos]) changed++;
    map[pos] = changed === 0 ? 0 : changed === C ? 1 : 0.5;
  }
  return map;
}

/** Chebyshev / Euclidean distance of position `pos` to the nearest point, in normalised units. */
function distance(pos: number, H: number, W: number, points: { x: number; y: number }[], disc: boolean) {
  const x = ((pos % W) + 0.5) / W, y = (Math.floor(pos / W) + 0.5) / H;
  return Math.min(...points.map((p) => {
    const dx = Math.abs(x - p.x), dy = Math.abs(y - p.y);
    return disc ? Math.hypot(dx, dy) : Math.max(dx, dy);
  }));
}

Deno.test("localMutation() in change mode re-samples the region and leaves the outside bit-identical", () => {
  const z = randomLatent([4, 64, 64], createRng(1));
  const points = [{ x: 0.2, y: 0.3 }, { x: 0.8, y: 0.75 }];
  for (const shape of ["square", "disc"] as const) {
    const child = localMutation(z, points, createRng(2), { radius: 0.1, mode: "change", shape });
    const changed = changedMap(z, child);
    let inside = 0;
    for (let pos = 0; pos < 4096; pos++) {
      const isIn = distance(pos, 64, 64, points, shape === "disc") <= 0.1;
      assert.equal(changed[pos], isIn ? 1 : 0, `${shape}: position ${pos}`);
      if (isIn) inside++;
    }
    assert.ok(inside > 100, `region of ${inside} positions`);
  }
});

Deno.test("localMutation() in keep mode leaves the region bit-identical and re-samples the rest", () => {
  const z = randomLatent([4, 64, 64], createRng(3));
  const points = [{ x: 0.5, y: 0.5 }];
  const child = localMutation(z, points, createRng(4), { radius: 0.2, mode: "keep" });
  const changed = changedMap(z, child);
  for (let pos = 0; pos < 4096; pos++) {
    assert.equal(changed[pos], distance(pos, 64, 64, points, false) <= 0.2 ? 0 : 1, `position ${pos}`);
  }
  assertNormal(child);
});

Deno.test("localMutation() changes, or keeps, the position under each point however small the radius", () => {
  // On [4,8,8] a radius of 0.001 reaches no position's centre: the click alone makes the region.
  const z = randomLatent([4, 8, 8], createRng(13));
  // Off-centre, on a cell's corner (0.5 is the start of column 4), and the far edge (1 is in the last).
  const points = [{ x: 0.13, y: 0.9 }, { x: 0.5, y: 0.5 }, { x: 1, y: 1 }];
  const under = new Set([7 * 8 + 1, 4 * 8 + 4, 7 * 8 + 7]);
  for (const shape of ["square", "disc"] as const) {
    for (const softEdge of [0, 0.01]) {
      const options = { radius: 0.001, shape, softEdge };
      const change = changedMap(z, localMutation(z, points, createRng(14), { ...options, mode: "change" }));
      const keep = changedMap(z, localMutation(z, points, createRng(14), { ...options, mode: "keep" }));
      for (let pos = 0; pos < 64; pos++) {
        const what = `${shape}, softEdge ${softEdge}, position ${pos}`;
        assert.equal(change[pos], under.has(pos) ? 1 : 0, `change: ${what}`);
        assert.equal(keep[pos], under.has(pos) ? 0 : 1, `keep: ${what}`);
      }
    }
  }
});

Deno.test("localMutation() from a radius of half a position gives the region of position centres alone", () => {
  // There the position under a point is within the radius anyway: evolve()'s radii (one position
  // at least) make the same children as before the rule above.
  const z = randomLatent([4, 8, 8], createRng(15));
  const rng = createRng(16);
  for (let t = 0; t < 200; t++) {
    const points = [{ x: rng.next(), y: rng.next() }];
    const disc = t % 2 === 1;
    const radius = (disc ? Math.SQRT1_2 : 0.5) / 8 * (1 + rng.next());
    const options = { radius, mode: "change" as const, shape: disc ? "disc" as const : "square" as const };
    const changed = changedMap(z, localMutation(z, points, createRng(t), options));
    for (let pos = 0; pos < 64; pos++) {
      assert.equal(changed[pos], distance(pos, 8, 8, points, disc) <= radius ? 1 : 0, `try ${t}, ${pos}`);
    }
  }
});

Deno.test("localMutation() maps x to columns and y to rows", () => {
  // A wide latent and a click near the top-right corner: only the top-right may change.
  const z = randomLatent([1, 8, 32], createRng(5));
  const changed = changedMap(
    z,
    localMutation(z, [{ x: 0.95, y: 0.05 }], createRng(6), { radius: 0.1, mode: "change" }),
  );
  assert.equal(changed[0 * 32 + 31], 1); // row 0, last column
  assert.equal(changed[7 * 32 + 0], 0); // last row, column 0
  assert.equal(changed[7 * 32 + 31], 0); // last row, last column: y = 0.94, far from 0.05
});

Deno.test("localMutation() soft edge blends a band outside the radius and keeps N(0,1) statistics", () => {
  const z = randomLatent([4, 64, 64], createRng(7));
  const points = [{ x: 0.5, y: 0.5 }];
  const child = localMutation(z, points, createRng(8), {
    radius: 0.15,
    softEdge: 0.2,
    mode: "change",
    shape: "disc",
  });
  const changed = changedMap(z, child);
  let band = 0;
  for (let pos = 0; pos < 4096; pos++) {
    const d = distance(pos, 64, 64, points, true);
    if (d >= 0.35) assert.equal(changed[pos], 0, `outside the band, position ${pos}`);
    else {
      assert.equal(changed[pos], 1, `inside the radius or band, position ${pos}`);
      if (d > 0.15) band++;
    }
  }
  assert.ok(band > 500, `band of ${band} positions`);
  // The blend sqrt(1-a^2)*old + a*fresh keeps unit variance: checked where most positions are blended.
  const wide = localMutation(z, points, createRng(9), { radius: 0.01, softEdge: 1, mode: "change" });
  assertNormal(wide);
  // The blend keeps part of the old value: correlation with the original stays well above 0.
  let dot = 0;
  for (let i = 0; i < z.data.length; i++) dot += z.data[i] * wide.data[i];
  assert.ok(dot / (latentNorm(z) * latentNorm(wide)) > 0.3);
});

Deno.test("localMutation() soft edge ramps from fresh at the radius to the old value at the band's end", () => {
  // Correlation with the old value over each third of the band: sqrt(1 - a^2) with `a` falling from
  // 1 to 0 outwards, so about 0.5, 0.85 and 0.98 from the inside out.
  const z = randomLatent([4, 64, 64], createRng(17));
  const points = [{ x: 0.5, y: 0.5 }];
  const child = localMutation(z, points, createRng(18), {
    radius: 0.1,
    softEdge: 0.3,
    mode: "change",
    shape: "disc",
  });
  const thirds = [0, 1, 2].map(() => ({ ab: 0, aa: 0, bb: 0 }));
  for (let pos = 0; pos < 4096; pos++) {
    const third = Math.floor((distance(pos, 64, 64, points, true) - 0.1) / 0.1);
    if (third < 0 || third > 2) continue;
    for (let c = 0; c < 4; c++) {
      const old = z.data[c * 4096 + pos], now = child.data[c * 4096 + pos];
      thirds[third].ab += old * now;
      thirds[third].aa += old * old;
      thirds[third].bb += now * now;
    }
  }
  const corr = thirds.map((t) => t.ab / Math.sqrt(t.aa * t.bb));
  assert.ok(corr[0] < 0.65 && corr[0] < corr[1] && corr[1] < corr[2] && corr[2] > 0.93, `${corr}`);
});

Deno.test("localMutation() keeps N(0,1) statistics and gives the same child for the same seed", () => {
  const z = randomLatent([4, 64, 64], createRng(10));
  const options = { radius: 0.3, mode: "change" as const, softEdge: 0.05 };
  const a = localMutation(z, [{ x: 0.4, y: 0.6 }], createRng(11), options);
  assertNormal(a);
  assert.deepEqual(a.data, localMutation(z, [{ x: 0.4, y: 0.6 }], createRng(11), options).data);
});

Deno.test("localMutation() rejects invalid input naming the operation", () => {
  const z = randomLatent([4, 8, 8], createRng(12));
  const rng = createRng(1);
  const p = [{ x: 0.5, y: 0.5 }];
  const op = /^Cannot mutate a latent locally: /;
  assert.throws(() => localMutation(z, [{ x: 1.5, y: 0.5 }], rng, { radius: 0.1, mode: "change" }), {
    name: "RangeError",
    message: /point 0 must lie in \[0,1\]\^2, got \{ x: 1.5, y: 0.5 \}/,
  });
  assert.throws(() => localMutation(z, [], rng, { radius: 0.1, mode: "change" }), {
    name: "RangeError",
    message: op,
  });
  for (const radius of [0, -0.1, NaN, Infinity]) {
    assert.throws(() => localMutation(z, p, rng, { radius, mode: "keep" }), {
      name: "RangeError",
      message: new RegExp(`radius must be a finite number > 0, got ${radius}`),
    });
  }
  assert.throws(() => localMutation(z, p, rng, { radius: 0.1, mode: "swap" as never }), /mode must be/);
  assert.throws(
    () => localMutation(z, p, rng, { radius: 0.1, mode: "keep", shape: "star" as never }),
    /shape must be/,
  );
  assert.throws(() => localMutation(z, p, rng, { radius: 0.1, mode: "keep", softEdge: -1 }), /softEdge/);
  assert.throws(() => localMutation(z, p, rng, undefined as never), { name: "TypeError", message: op });
  const bad = { shape: z.shape, data: z.data.slice() };
  bad.data[0] = NaN;
  assert.throws(
    () => localMutation(bad, p, rng, { radius: 0.1, mode: "keep" }),
    /non-finite value NaN at index 0/,
  );
});

Deno.test("radiusSchedule() grows in equal steps from at least half of strength x radius to it", () => {
  assert.deepEqual(radiusSchedule(1, 4), [5 / 128, 6 / 128, 7 / 128, 8 / 128]);
  for (const lambda of [1, 2, 5, 11, 48]) {
    for (const [strength, radius] of [[1, 0.15], [0.05, 0.02], [3, 0.5], [2, undefined]] as const) {
      const radii = radiusSchedule(strength, lambda, { radius });
      const largest = strength * (radius ?? 1 / 16);
      const at = `strength ${strength}, radius ${radius}, lambda ${lambda}: ${radii}`;
      assert.equal(radii.length, lambda);
      assert.ok(
        Math.abs(radii[lambda - 1] - largest) <= 1e-15 * largest,
        `largest is strength x radius, ${at}`,
      );
      // The smallest at least half the largest, whatever lambda: sdstudio's is 1/lambda of it.
      assert.ok(radii[0] >= largest / 2, `smallest under half the largest, ${at}`);
      const step = largest / (2 * lambda);
      for (let i = 1; i < lambda; i++) {
        assert.ok(Math.abs(radii[i] - radii[i - 1] - step) <= 1e-12 * largest, `unequal step ${i}, ${at}`);
      }
    }
  }
  // floor 0 is sdstudio's schedule, to the bit (ALGORITHMS.md; the study's paper rules use it).
  assert.deepEqual(radiusSchedule(1, 4, { floor: 0 }), [1 / 64, 2 / 64, 3 / 64, 4 / 64]);
  for (const [strength, lambda] of [[2, 2], [0.3, 5], [1.7, 8], [0.05, 7]]) {
    assert.deepEqual(
      radiusSchedule(strength, lambda, { floor: 0 }),
      Array.from({ length: lambda }, (_, i) => (strength * (i + 1)) / (16 * lambda)),
    );
  }
  radiusSchedule(2, 4, { radius: 0.1, floor: 0.75 }).forEach((r, i) =>
    assert.ok(Math.abs(r - [0.1625, 0.175, 0.1875, 0.2][i]) < 1e-15, `floor 0.75, radius ${i}: ${r}`)
  );
  const op = /^Cannot schedule mutation radii/;
  assert.throws(() => radiusSchedule(0, 4), { name: "RangeError", message: op });
  assert.throws(() => radiusSchedule(1, 0), RangeError);
  for (const radius of [0, -0.1, NaN, Infinity, "0.1" as never]) {
    assert.throws(() => radiusSchedule(1, 4, { radius }), /radius must be a finite number > 0, got/);
  }
  for (const floor of [-0.1, 1, NaN, "0.5" as never]) {
    assert.throws(() => radiusSchedule(1, 4, { floor }), /floor must be a number in \[0, 1\), got/);
  }
  assert.throws(() => radiusSchedule(1, 4, null as never), {
    name: "TypeError",
    message: /options must be an object/,
  });
});

Deno.test("globalMutation() steps from the base and rescales to sqrt(D)", () => {
  const rng = createRng(13);
  const base = randomLatent([4, 64, 64], rng);
  const cos = (a: Latent, b: Latent) => {
    let d = 0;
    for (let i = 0; i < a.data.length; i++) d += a.data[i] * b.data[i];
    return d / (latentNorm(a) * latentNorm(b));
  };
  const near = globalMutation(base, rng, { sigma: 0.1 }), far = globalMutation(base, rng, { sigma: 1 });
  for (const child of [near, far]) {
    assert.ok(Math.abs(latentNorm(child) / 128 - 1) < 1e-5);
    assertNormal(child);
  }
  assert.ok(cos(base, near) > 0.99, `${cos(base, near)}`);
  assert.ok(Math.abs(cos(base, far) - Math.SQRT1_2) < 0.02, `${cos(base, far)}`);
  // sigma 0: the base itself, rescaled.
  const half = { shape: base.shape, data: base.data.map((v) => v / 2) };
  const zero = globalMutation(half, rng, { sigma: 0 });
  for (let i = 0; i < 100; i++) {
    assert.ok(Math.abs(zero.data[i] * latentNorm(base) / 128 - base.data[i]) < 1e-4);
  }
});

Deno.test("globalMutation() gives the same child for the same seed", () => {
  const base = randomLatent([4, 16, 16], createRng(14));
  assert.deepEqual(
    globalMutation(base, createRng(15), { sigma: 0.4 }).data,
    globalMutation(base, createRng(15), { sigma: 0.4 }).data,
  );
});

Deno.test("globalMutation() rejects a negative or non-finite sigma and a bad base", () => {
  const base = randomLatent([4, 8, 8], createRng(16));
  const rng = createRng(1);
  for (const sigma of [-0.1, NaN, Infinity]) {
    assert.throws(() => globalMutation(base, rng, { sigma }), {
      name: "RangeError",
      message: new RegExp(
        `^Cannot mutate a latent globally: sigma must be a finite number >= 0, got ${sigma}`,
      ),
    });
  }
  assert.throws(() => globalMutation(base, rng, {} as never), RangeError);
  assert.throws(() => globalMutation({ shape: [4, 8, 8], data: new Float32Array(3) }, rng, { sigma: 1 }), {
    name: "RangeError",
    message: /^Cannot mutate a latent globally: base of shape \[4,8,8\] needs 256 values, got 3/,
  });
});
