import assert from "node:assert/strict";
import {
  createRng,
  createSession,
  currentGeneration,
  deserializeSession,
  evolve,
  type Feedback,
  type Latent,
  latentNorm,
  MIN_SIGMA,
  rewind,
  serializeSession,
  type Session,
} from "../../core/mod.ts";

const SHAPE = [4, 32, 32] as const;
const D = 4 * 32 * 32;
const ops = (s: Session) => currentGeneration(s).lineage.map((r) => r.operator);
const same = (a: Latent, b: Latent) => a.data.every((v, i) => Object.is(v, b.data[i]));

Deno.test("createSession() starts with a diverse batch, or an i.i.d. one when asked", () => {
  const s = createSession({ shape: SHAPE, population: 8 }, createRng(1));
  assert.equal(s.generations.length, 1);
  assert.deepEqual(ops(s), Array(8).fill("diverse"));
  assert.equal(s.sigma, 1);
  const iid = createSession({ shape: SHAPE, population: 8, diverseFirstBatch: false }, createRng(1));
  assert.deepEqual(ops(iid), Array(8).fill("random"));
  assert.equal(new Set(iid.generations[0].lineage.map((r) => r.seed)).size, 8);
});

Deno.test("createSession() and evolve() give the same session for the same seed", () => {
  const run = (seed: number) => {
    const rng = createRng(seed);
    let s = createSession({ shape: SHAPE, population: 6 }, rng);
    for (
      const fb of [{ selected: [1] }, { selected: [0, 3] }, {
        selected: [2],
        points: { 2: [{ x: 0.3, y: 0.3 }] },
      }]
    ) {
      s = evolve(s, fb, rng);
    }
    return s.generations.flatMap((g) => g.latents);
  };
  const a = run(5), b = run(5), c = run(6);
  assert.ok(a.every((l, i) => same(l, b[i])));
  assert.ok(!a.every((l, i) => same(l, c[i])));
});

Deno.test("evolve() with nothing selected, or fresh: true, gives a fresh diverse batch and keeps sigma", () => {
  const rng = createRng(2);
  const s0 = createSession({ shape: SHAPE, population: 8 }, rng);
  const s1 = evolve(s0, { selected: [] }, rng);
  assert.deepEqual(ops(s1), Array(8).fill("diverse"));
  assert.equal(s1.sigma, 1);
  const s2 = evolve(s1, { selected: [3], fresh: true }, rng);
  assert.deepEqual(ops(s2), Array(8).fill("diverse"));
  assert.ok(!same(s2.generations[2].latents[0], s1.generations[1].latents[0]));
});

Deno.test("evolve() with one selected keeps it, mutates it globally with the sigma schedule, and explores", () => {
  const rng = createRng(3);
  const s0 = createSession({ shape: SHAPE, population: 8 }, rng);
  const s1 = evolve(s0, { selected: [4] }, rng);
  const g = currentGeneration(s1);
  // 1 elite + 5 children + round(0.25 * 8) = 2 exploration.
  assert.deepEqual(ops(s1), ["elite", ...Array(5).fill("global-mutation"), "diverse", "diverse"]);
  assert.ok(same(g.latents[0], s0.generations[0].latents[4]));
  assert.deepEqual(g.lineage[1].parents, [{ generation: 0, index: 4 }]);
  for (let i = 0; i < 5; i++) assert.equal(g.lineage[1 + i].params.sigma, ((i + 1) / 6) ** 2);
  // Small steps stay close to the parent, the largest step goes furthest.
  const parent = s0.generations[0].latents[4];
  const dist = g.latents.slice(1, 6).map((l) => l.data.reduce((s, v, i) => s + (v - parent.data[i]) ** 2, 0));
  assert.ok(dist[0] < dist[4]);
});

Deno.test("evolve() decays sigma by sigmaDecay per selecting generation; strength scales the step", () => {
  const rng = createRng(4);
  let s = createSession({ shape: SHAPE, population: 8 }, rng);
  s = evolve(s, { selected: [0] }, rng);
  assert.equal(s.sigma, 0.4);
  s = evolve(s, { selected: [] }, rng);
  assert.equal(s.sigma, 0.4);
  s = evolve(s, { selected: [1], strength: 2 }, rng);
  assert.ok(Math.abs(s.sigma - 0.16) < 1e-12);
  const step = currentGeneration(s).lineage[1].params.sigma as number;
  assert.ok(Math.abs(step - 0.4 * 2 * (1 / 6) ** 2) < 1e-12, `step ${step}`);
  const slow = createSession({ shape: SHAPE, population: 4, sigmaDecay: 0.9 }, rng);
  assert.equal(evolve(slow, { selected: [0] }, rng).sigma, 0.9);
});

Deno.test("evolve() with one selected and points mutates locally: 'change' keeps the outside bit-exact", () => {
  const rng = createRng(5);
  const s0 = createSession({ shape: SHAPE, population: 8 }, rng);
  const point = { x: 0.25, y: 0.75 };
  const s1 = evolve(s0, { selected: [2], points: { 2: [point] } }, rng);
  const g = currentGeneration(s1);
  assert.deepEqual(ops(s1), ["elite", ...Array(5).fill("local-mutation"), "diverse", "diverse"]);
  const parent = s0.generations[0].latents[2];
  const radii = g.lineage.slice(1, 6).map((r) => r.params.radius as number);
  assert.ok(
    radii.every((r, i) => i === 0 || r >= radii[i - 1]) && radii[4] > radii[0],
    `radii grow: ${radii}`,
  );
  for (let k = 1; k < 6; k++) {
    const { radius, softEdge } = g.lineage[k].params as { radius: number; softEdge: number };
    // A soft edge of two latent pixels (ALGORITHMS.md: "across a few latent pixels").
    assert.equal(softEdge, 2 / 32);
    let changed = 0, blended = 0;
    for (let c = 0; c < 4; c++) {
      for (let row = 0; row < 32; row++) {
        for (let col = 0; col < 32; col++) {
          const d = Math.max(Math.abs((col + 0.5) / 32 - point.x), Math.abs((row + 0.5) / 32 - point.y));
          const i = c * 1024 + row * 32 + col;
          const moved = g.latents[k].data[i] !== parent.data[i];
          if (d >= radius + softEdge) assert.ok(Object.is(g.latents[k].data[i], parent.data[i]));
          else if (d <= radius && moved) changed++;
          else if (d > radius && moved) blended++;
        }
      }
    }
    assert.ok(changed > 0, `child ${k} changed nothing inside its region`);
    assert.ok(blended > 0, `child ${k} has no soft edge`);
  }
});

Deno.test("evolve() with points gives radii from half of strength x radius up to it, one latent pixel at least", () => {
  const s0 = createSession({ shape: SHAPE, population: 8 }, createRng(8));
  const radii = (fb: Omit<Feedback, "selected" | "points">) =>
    currentGeneration(evolve(s0, { selected: [4], points: { 4: [{ x: 0.4, y: 0.6 }] }, ...fb }, createRng(9)))
      .lineage.filter((r) => r.operator === "local-mutation").map((r) => r.params.radius as number);
  const near = (got: number[], want: number[], what: string) =>
    assert.ok(got.every((r, i) => Math.abs(r - want[i]) < 1e-12), `${what}: radii ${got}, expected ${want}`);
  // The element's defaults: the dashed square's half side is 0.15, the smallest child's radius 0.09.
  near(radii({ strength: 1, radius: 0.15 }), [0.09, 0.105, 0.12, 0.135, 0.15], "strength 1, radius 0.15");
  near(
    radii({ strength: 2, radius: 0.2, mode: "keep" }),
    [0.24, 0.28, 0.32, 0.36, 0.4],
    "strength 2, radius 0.2",
  );
  // No radius: sdstudio's largest, strength/16.
  near(radii({ strength: 2 }), [0.075, 0.0875, 0.1, 0.1125, 0.125], "strength 2");
  near(radii({ radius: 0.001 }), Array(5).fill(1 / 32), "radius 0.001");
});

Deno.test("evolve() with mode 'keep' keeps the region around the points bit-exact and changes the rest", () => {
  const rng = createRng(6);
  const s0 = createSession({ shape: SHAPE, population: 8 }, rng);
  const s1 = evolve(
    s0,
    { selected: [1], points: { 1: [{ x: 0.5, y: 0.5 }] }, mode: "keep", radius: 0.25 },
    rng,
  );
  const g = currentGeneration(s1), parent = s0.generations[0].latents[1];
  const child = g.latents[5], { radius } = g.lineage[5].params as { radius: number };
  assert.ok(Math.abs(radius - 0.25) < 1e-12, "the largest radius is the one asked for");
  let inside = 0, outsideChanged = 0;
  for (let row = 0; row < 32; row++) {
    for (let col = 0; col < 32; col++) {
      const d = Math.max(Math.abs((col + 0.5) / 32 - 0.5), Math.abs((row + 0.5) / 32 - 0.5));
      const i = row * 32 + col;
      if (d <= radius) {
        inside++;
        assert.ok(Object.is(child.data[i], parent.data[i]));
      } else if (child.data[i] !== parent.data[i]) outsideChanged++;
    }
  }
  assert.ok(inside > 0 && outsideChanged > 0);
});

Deno.test("evolve() with several selected mixes Voronoi crossover and mean-plus-mutation", () => {
  const rng = createRng(7);
  const s0 = createSession({ shape: SHAPE, population: 8 }, rng);
  const s1 = evolve(s0, { selected: [0, 5, 6] }, rng);
  const g = currentGeneration(s1);
  // 3 elites + 3 children + 2 exploration.
  assert.deepEqual(ops(s1), [
    "elite",
    "elite",
    "elite",
    "voronoi-crossover",
    "mean-mutation",
    "voronoi-crossover",
    "diverse",
    "diverse",
  ]);
  const parents = [0, 5, 6].map((i) => s0.generations[0].latents[i]);
  const child = g.latents[3];
  for (let p = 0; p < 1024; p++) {
    const from = parents.findIndex((q) => Object.is(q.data[p], child.data[p]));
    assert.ok(from >= 0);
    for (let c = 1; c < 4; c++) {
      assert.ok(Object.is(parents[from].data[c * 1024 + p], child.data[c * 1024 + p]));
    }
  }
});

Deno.test("evolve() with several selected carrying points recombines their regions", () => {
  const rng = createRng(8);
  const s0 = createSession({ shape: SHAPE, population: 8 }, rng);
  const fb: Feedback = { selected: [1, 2], points: { 1: [{ x: 0.1, y: 0.1 }], 2: [{ x: 0.9, y: 0.9 }] } };
  const s1 = evolve(s0, fb, rng);
  assert.deepEqual(ops(s1).slice(2, 6), Array(4).fill("region-crossover"));
  const child = currentGeneration(s1).lineage[2];
  assert.equal(child.params.seamIndex, 0);
  const clean = currentGeneration(s1).latents[2], [a, b] = [1, 2].map((i) => s0.generations[0].latents[i]);
  assert.ok(Object.is(clean.data[0], a.data[0]), "top-left comes from the parent clicked there");
  assert.ok(Object.is(clean.data[1023], b.data[1023]), "bottom-right comes from the parent clicked there");
  // Clicks on one of them are enough: the other takes part around a random point per child.
  const one = evolve(s0, { selected: [1, 2], points: { 1: [{ x: 0.1, y: 0.1 }] } }, rng);
  assert.deepEqual(ops(one).slice(2, 6), Array(4).fill("region-crossover"));
  const off = evolve(
    createSession({ shape: SHAPE, population: 8, regionRecombination: false }, createRng(8)),
    fb,
    rng,
  );
  assert.ok(!ops(off).includes("region-crossover"));
});

Deno.test("evolve() keeps at most half the batch as elites, and breeds at least one child", () => {
  const rng = createRng(16);
  // Every image selected: the first half stay as they are, the rest of the batch is bred or fresh.
  const all = evolve(createSession({ shape: SHAPE, population: 4 }, rng), { selected: [0, 1, 2, 3] }, rng);
  assert.deepEqual(ops(all), ["elite", "elite", "voronoi-crossover", "diverse"]);
  assert.deepEqual(currentGeneration(all).lineage.slice(0, 2).map((r) => r.parents[0].index), [0, 1]);
  // An exploration share that would take every slot the elite leaves still leaves one to a child.
  const wide = createSession({ shape: SHAPE, population: 8, exploration: 0.9 }, rng);
  assert.deepEqual(ops(evolve(wide, { selected: [3] }, rng)), [
    "elite",
    "global-mutation",
    ...Array(6).fill("diverse"),
  ]);
});

Deno.test("evolve() keeps an exploration share of fresh latents, sized by config.exploration", () => {
  const rng = createRng(10);
  const count = (exploration: number) => {
    const s = createSession({ shape: SHAPE, population: 12, exploration }, rng);
    return ops(evolve(s, { selected: [0] }, rng)).filter((o) => o === "diverse").length;
  };
  assert.equal(count(0.25), 3);
  assert.equal(count(0.5), 6);
  assert.equal(count(0), 0);
});

Deno.test("evolve() outputs keep the N(0,1) norm near sqrt(D) after every operator", () => {
  const rng = createRng(11);
  let s = createSession({ shape: SHAPE, population: 8 }, rng);
  const feedbacks: Feedback[] = [
    { selected: [0] },
    { selected: [2], points: { 2: [{ x: 0.5, y: 0.5 }] } },
    { selected: [1], points: { 1: [{ x: 0.2, y: 0.2 }] }, mode: "keep" },
    { selected: [0, 3] },
    { selected: [1, 4], points: { 4: [{ x: 0.7, y: 0.2 }] } },
    { selected: [] },
  ];
  for (const fb of feedbacks) s = evolve(s, fb, rng);
  for (const g of s.generations) {
    for (const [i, l] of g.latents.entries()) {
      const ratio = latentNorm(l) / Math.sqrt(D);
      assert.ok(
        Math.abs(ratio - 1) < 0.05,
        `generation ${g.index} image ${i} (${g.lineage[i].operator}): ${ratio}`,
      );
    }
  }
});

Deno.test("evolve() leaves the old session untouched (undo = keep it)", () => {
  const rng = createRng(12);
  const s0 = createSession({ shape: SHAPE, population: 4 }, rng);
  const before = s0.generations[0].latents[0].data.slice();
  const s1 = evolve(s0, { selected: [0] }, rng);
  assert.equal(s0.generations.length, 1);
  assert.equal(s0.generations[0].feedback, undefined);
  assert.deepEqual(s1.generations[0].feedback, { selected: [0] });
  assert.equal(s0.sigma, 1);
  assert.deepEqual(s0.generations[0].latents[0].data, before);
});

Deno.test("evolve() works on tiny latents: cells within the plane, a full batch even when tries look alike", () => {
  const rng = createRng(15);
  // Two selected on a 1x2 plane: 2k = 4 cells do not fit, 2 do.
  let s = createSession({ shape: [1, 1, 2], population: 6 }, rng);
  s = evolve(s, { selected: [0, 1] }, rng);
  assert.equal(s.generations[1].latents.length, 6);
  const cells = s.generations[1].lineage.filter((r) => r.operator === "voronoi-crossover").map((r) =>
    r.params.cells
  );
  assert.deepEqual(cells, [2]);
  // One value per latent, +1 or -1 once rescaled: every try nearly copies an image already in the
  // batch, yet every batch is full, screened from generation 2 on (1 elite, 5 children, 2 fresh).
  let t = createSession({ shape: [1, 1, 1], population: 8 }, rng);
  for (let g = 0; g < 5; g++) t = evolve(t, { selected: [0] }, rng);
  assert.deepEqual(t.generations.map((g) => g.latents.length), Array(6).fill(8));
  assert.ok(t.generations.every((g) => g.latents.every((l) => Math.abs(l.data[0]) === 1)));
  const screened = t.generations.map((g) => g.lineage.filter((r) => r.params.screened !== undefined).length);
  assert.deepEqual(screened, [0, 0, 7, 7, 7, 7]);
});

Deno.test("evolve() keeps sigma at MIN_SIGMA or above, so a long session still saves and restores", () => {
  const rng = createRng(6);
  let s = createSession({ shape: SHAPE, population: 4, sigma: 3e-6, sigmaDecay: 0.01 }, rng);
  for (let i = 0; i < 3; i++) s = evolve(s, { selected: [0] }, rng);
  assert.equal(s.sigma, MIN_SIGMA);
  const back = deserializeSession(serializeSession(s));
  assert.equal(back.sigma, MIN_SIGMA);
  assert.equal(back.generations.length, 4);
});

Deno.test("rewind() gives the session as it was at a generation, so evolving it again gives the same batch", () => {
  const rng = createRng(12);
  // A fast decay reaches MIN_SIGMA within the run, with fresh and empty answers in between.
  const sessions = [createSession({ shape: [4, 8, 8], population: 4, sigma: 0.5, sigmaDecay: 0.2 }, rng)];
  for (let g = 0; g < 14; g++) {
    const fb: Feedback = g % 5 === 3 ? { selected: [] } : g % 7 === 4 ? { selected: [1], fresh: true } : {
      selected: [g % 4],
    };
    sessions.push(evolve(sessions[g], fb, rng));
  }
  const last = sessions[14];
  assert.equal(last.sigma, MIN_SIGMA);
  for (let k = 0; k < 14; k++) {
    const back = rewind(last, k);
    assert.ok(
      Object.is(back.sigma, sessions[k].sigma),
      `generation ${k}: ${back.sigma} != ${sessions[k].sigma}`,
    );
    assert.equal(back.generations.length, k + 1);
    assert.equal(currentGeneration(back).feedback, undefined);
    const fb = { selected: [0, 2] };
    const again = currentGeneration(evolve(back, fb, createRng(99)));
    const first = currentGeneration(evolve(sessions[k], fb, createRng(99)));
    assert.ok(again.latents.every((l, i) => same(l, first.latents[i])), `generation ${k}: another batch`);
  }
  assert.equal(rewind(last, 14), last);
  for (const bad of [-1, 15, 1.5, NaN]) assert.throws(() => rewind(last, bad), /Cannot rewind .* generation/);
});

Deno.test("evolve() gives, bit for bit, the batches of a seeded session through every operator it gave before", () => {
  // FNV-1a over each generation's seeds and latent bits, computed with the code of commit 2fef4d3.
  // A change meant to alter what evolve() makes updates these; any other change must leave them.
  // Local mutation with points, 'keep', and a radius asked below one position (evolve() makes it
  // one position); screened children from generation 2 on; region recombination, one parent
  // without clicks.
  const feedbacks: Feedback[] = [
    { selected: [0] },
    { selected: [1], points: { 1: [{ x: 0.3, y: 0.6 }] } },
    { selected: [2], points: { 2: [{ x: 0.7, y: 0.2 }] }, mode: "keep" },
    { selected: [0, 3] },
    { selected: [1, 4], points: { 1: [{ x: 0.2, y: 0.2 }], 4: [{ x: 0.8, y: 0.7 }] } },
    { selected: [0, 2, 5], points: { 2: [{ x: 0.5, y: 0.5 }] } },
    { selected: [3], points: { 3: [{ x: 0.1, y: 0.9 }, { x: 0.6, y: 0.4 }] }, radius: 0.001 },
  ];
  const rng = createRng(21);
  let s = createSession({ shape: SHAPE, population: 8 }, rng);
  for (const fb of feedbacks) s = evolve(s, fb, rng);
  const digests = s.generations.map((g) => {
    let h = 0x811c9dc5;
    const mix = (word: number) => h = Math.imul(h ^ word, 0x01000193) >>> 0;
    g.lineage.forEach((r, i) => {
      mix(r.seed);
      const { data } = g.latents[i];
      for (const word of new Uint32Array(data.buffer, data.byteOffset, data.length)) mix(word);
    });
    return h.toString(16).padStart(8, "0");
  });
  assert.deepEqual(digests, [
    "d8bf6a06",
    "06a3ec69",
    // From generation 2 on: local mutation's radii start at half the largest (radiusSchedule).
    "4731d721",
    "51b3b32c",
    "a8920b42",
    "4afaaa48",
    "576f3ec9",
    "cddf2049",
  ]);
});
