import assert from "node:assert/strict";
import {
  createRng,
  createSurrogate,
  type Latent,
  MAX_PAIRS,
  randomLatent,
  type Rng,
  rocAuc,
  type Shape,
} from "../../core/mod.ts";
import { topLeftBrightness } from "./stats.ts";

const SHAPE = [4, 64, 64] as const;

function dataset(n: number, rng: Rng, shape: Shape = SHAPE): { latents: Latent[]; taste: number[] } {
  const latents = Array.from({ length: n }, () => randomLatent(shape, rng));
  return { latents, taste: latents.map(topLeftBrightness) };
}

Deno.test("createSurrogate() learns a bright-top-left taste to AUC >= 0.9 on held-out latents", () => {
  const rng = createRng("surrogate-auc");
  const train = dataset(200, rng), test = dataset(200, rng);
  // The person selects the brightest 30% of what they see.
  const threshold = [...train.taste].sort((a, b) => a - b)[Math.floor(0.7 * train.taste.length)];
  const s = createSurrogate();
  train.latents.forEach((l, i) => s.add(l, train.taste[i] > threshold));
  s.train();
  assert.ok(s.ready);
  assert.equal(s.size, 200);
  const auc = rocAuc(test.latents.map((l) => s.score(l)), test.taste.map((t) => t > threshold));
  assert.ok(auc >= 0.9, `AUC ${auc}`);
});

Deno.test("createSurrogate() without the pyramid features cannot learn a region taste from 200 examples", () => {
  // Why the coarse levels exist: 1024 fine block sums alone are too many dimensions for 200 examples.
  const rng = createRng("surrogate-auc");
  const train = dataset(200, rng), test = dataset(200, rng);
  const threshold = [...train.taste].sort((a, b) => a - b)[Math.floor(0.7 * train.taste.length)];
  const s = createSurrogate({ pyramid: false });
  train.latents.forEach((l, i) => s.add(l, train.taste[i] > threshold));
  s.train();
  const auc = rocAuc(test.latents.map((l) => s.score(l)), test.taste.map((t) => t > threshold));
  assert.ok(auc < 0.8, `AUC ${auc}`);
});

Deno.test("createSurrogate() with one class (or none) scores every latent 0", () => {
  const rng = createRng(3);
  const s = createSurrogate();
  const probe = randomLatent([4, 16, 16], rng);
  s.train();
  assert.equal(s.score(probe), 0);
  for (let i = 0; i < 12; i++) s.add(randomLatent([4, 16, 16], rng), false);
  s.train();
  assert.equal(s.ready, false);
  assert.equal(s.score(probe), 0);
  assert.equal(s.bad, 12);
  s.add(randomLatent([4, 16, 16], rng), true);
  s.train();
  assert.equal(s.ready, true);
  assert.equal(s.good, 1);
  assert.ok(Number.isFinite(s.score(probe)));
});

Deno.test("createSurrogate() ranks a selected image above the ones shown beside it", () => {
  // The session's typical data: 1 good, 10+ bad. The good one must score highest among the seen.
  const rng = createRng(11);
  const s = createSurrogate();
  const seen = Array.from({ length: 16 }, () => randomLatent([4, 32, 32], rng));
  seen.forEach((l, i) => s.add(l, i === 5));
  s.train();
  const scores = seen.map((l) => s.score(l));
  assert.equal(scores.indexOf(Math.max(...scores)), 5);
});

Deno.test("createSurrogate() pairwise learns a taste from comparisons within each group", () => {
  // A session's data: 25 generations of 8, the person picks the 2 brightest top-left of each; the
  // model sees only which of a generation beat which.
  const rng = createRng("surrogate-pairwise");
  const s = createSurrogate({ pairwise: true });
  for (let g = 0; g < 25; g++) {
    const { latents, taste } = dataset(8, rng);
    const order = taste.map((t, i) => [t, i]).sort((a, b) => b[0] - a[0]).map((p) => p[1]);
    latents.forEach((l, i) => s.add(l, order.indexOf(i) < 2, g));
  }
  s.train();
  assert.ok(s.ready);
  const test = dataset(200, rng);
  const median = [...test.taste].sort((a, b) => a - b)[100];
  const auc = rocAuc(test.latents.map((l) => s.score(l)), test.taste.map((t) => t > median));
  assert.ok(auc >= 0.85, `AUC ${auc}`);
});

Deno.test("createSurrogate() pairwise learns nothing from groups that hold one class only", () => {
  const rng = createRng(5);
  const s = createSurrogate({ pairwise: true });
  for (let i = 0; i < 12; i++) s.add(randomLatent([4, 8, 8], rng), i < 4, i < 4 ? 0 : 1);
  s.train();
  assert.equal(s.ready, false);
  assert.equal(s.score(randomLatent([4, 8, 8], rng)), 0);
  s.add(randomLatent([4, 8, 8], rng), true, 1);
  s.train();
  assert.ok(s.ready);
});

Deno.test("createSurrogate() is deterministic: same examples, same scores", () => {
  const make = () => {
    const rng = createRng(21);
    const s = createSurrogate();
    for (let i = 0; i < 40; i++) s.add(randomLatent([4, 32, 32], rng), i % 5 === 0);
    s.train();
    return s.score(randomLatent([4, 32, 32], rng));
  };
  assert.equal(make(), make());
});

Deno.test("createSurrogate() derives its blocks from the shape: odd sizes and a single pixel work", () => {
  const rng = createRng(4);
  for (const shape of [[3, 30, 50], [1, 1, 1], [4, 256, 256]] as const) {
    const s = createSurrogate();
    // The 3 brightest top-left of 12 are selected; each must score above every one left out.
    const latents = Array.from({ length: 12 }, () => randomLatent(shape, rng));
    const taste = latents.map(topLeftBrightness);
    const threshold = [...taste].sort((a, b) => b - a)[3];
    const labels = taste.map((t) => t > threshold);
    latents.forEach((l, i) => s.add(l, labels[i]));
    s.train();
    assert.ok(s.ready, `shape [${shape}]`);
    assert.equal(rocAuc(latents.map((l) => s.score(l)), labels), 1, `shape [${shape}]`);
  }
});

Deno.test("createSurrogate() counts a rare selected class as much as the rest: 5% selected", () => {
  const rng = createRng("surrogate-rare");
  const train = dataset(200, rng, [4, 16, 16]), test = dataset(400, rng, [4, 16, 16]);
  const threshold = [...train.taste].sort((a, b) => b - a)[10];
  const s = createSurrogate();
  train.latents.forEach((l, i) => s.add(l, train.taste[i] > threshold));
  s.train();
  assert.equal(s.good, 10);
  const auc = rocAuc(test.latents.map((l) => s.score(l)), test.taste.map((t) => t > threshold));
  assert.ok(auc >= 0.85, `AUC ${auc}`);
  // Each class carries half the loss, so the selected images score above 0 (even odds between the
  // classes); weighting each image the same, the 190 rejected push every score below 0.
  const selected = train.latents.filter((_, i) => train.taste[i] > threshold);
  assert.ok(selected.every((l) => s.score(l) > 0), `${selected.map((l) => s.score(l))}`);
});

Deno.test("createSurrogate() pairwise past MAX_PAIRS thins the pairs evenly over the groups", () => {
  // 16 groups of 16, half selected: 1,024 pairs. The first 8 groups' selections are random; the
  // taste lives in the last 8 only, so a fit on the first 512 pairs would learn nothing.
  assert.equal(16 * 8 * 8, 2 * MAX_PAIRS);
  const rng = createRng("surrogate-thinning");
  const s = createSurrogate({ pairwise: true });
  for (let g = 0; g < 16; g++) {
    const { latents, taste } = dataset(16, rng, [2, 16, 16]);
    const median = [...taste].sort((a, b) => a - b)[8];
    latents.forEach((l, i) => s.add(l, g < 8 ? i < 8 : taste[i] >= median, g));
  }
  s.train();
  const test = dataset(200, rng, [2, 16, 16]);
  const median = [...test.taste].sort((a, b) => a - b)[100];
  const auc = rocAuc(test.latents.map((l) => s.score(l)), test.taste.map((t) => t > median));
  assert.ok(auc >= 0.8, `AUC ${auc}`);
});

Deno.test("createSurrogate() rejects bad options, labels and shapes with errors naming them", () => {
  assert.throws(() => createSurrogate({ ridge: -1 }), /ridge must be a positive number, got -1/);
  assert.throws(() => createSurrogate({ maxIterations: 0 }), RangeError);
  const rng = createRng(1);
  const s = createSurrogate();
  s.add(randomLatent([4, 8, 8], rng), true);
  assert.throws(
    () => s.add(randomLatent([4, 16, 16], rng), false),
    /expected shape \[4,8,8\], got \[4,16,16\]/,
  );
  assert.throws(() => s.add(randomLatent([4, 8, 8], rng), 1 as unknown as boolean), TypeError);
  assert.throws(
    () => s.add({ shape: [4, 8, 8], data: new Float32Array(3) }, true),
    /needs 256 values, got 3/,
  );
  // A zero size once made the feature pyramid loop for ever; a NaN made every score NaN.
  assert.throws(() => s.add({ shape: [1, 0, 0], data: new Float32Array(0) }, true), /shape/);
  const nan = new Float32Array(256);
  nan[7] = NaN;
  assert.throws(() => s.add({ shape: [4, 8, 8], data: nan }, true), /non-finite value NaN at index 7/);
  assert.throws(
    () => s.add(randomLatent([4, 8, 8], rng), true, NaN),
    /group must be a finite number, got NaN/,
  );
});

Deno.test("rocAuc() counts ties as one half and needs both classes", () => {
  assert.equal(rocAuc([0.9, 0.2, 0.6], [true, false, false]), 1);
  assert.equal(rocAuc([0.1, 0.2], [true, false]), 0);
  assert.equal(rocAuc([0.5, 0.5], [true, false]), 0.5);
  assert.ok(Number.isNaN(rocAuc([1, 2], [true, true])));
  assert.throws(() => rocAuc([1], [true, false]), RangeError);
});
