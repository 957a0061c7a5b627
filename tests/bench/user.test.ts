import assert from "node:assert/strict";
import { createRng } from "../../core/rng.ts";
import { regionErrors, type RgbaImage, thumbnail, thumbnailDistance } from "../../bench/study/image.ts";
import { createSimulatedUser } from "../../bench/study/user.ts";

/** A 16x16 image filled with one grey level. */
function grey(v: number): RgbaImage {
  return { width: 16, height: 16, data: new Uint8ClampedArray(16 * 16 * 4).fill(v) };
}

/** A 16x16 grey image with one 4x4 block (block row `by`, column `bx`) set to `v`. */
function withBlock(base: number, bx: number, by: number, v: number): RgbaImage {
  const image = grey(base);
  for (let y = by * 4; y < by * 4 + 4; y++) {
    for (let x = bx * 4; x < bx * 4 + 4; x++) image.data.fill(v, (y * 16 + x) * 4, (y * 16 + x) * 4 + 3);
  }
  return image;
}

Deno.test("thumbnail() averages each cell's pixels, ignoring alpha", () => {
  const data = new Uint8ClampedArray(4 * 2 * 4);
  // Left 2x2 block white, right 2x2 block black, alpha random-ish.
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 4; x++) {
      data.set([x < 2 ? 255 : 0, x < 2 ? 255 : 0, x < 2 ? 255 : 51, 7 * x], (y * 4 + x) * 4);
    }
  }
  const t = thumbnail({ width: 4, height: 2, data }, 2);
  assert.deepEqual([...t.data.slice(0, 3)], [1, 1, 1]);
  assert.deepEqual([...t.data.slice(3, 6)].map((v) => Math.round(v * 100) / 100), [0, 0, 0.2]);
  // Bottom row of cells: 2 pixel rows over 2 cells, so each cell row is one pixel row.
  assert.deepEqual([...t.data.slice(6, 9)], [1, 1, 1]);
});

Deno.test("thumbnail() rejects a size larger than the image and a wrong byte count", () => {
  assert.throws(
    () => thumbnail(grey(0), 17),
    /Cannot make a thumbnail: size must be an integer in \[1, 16\], got 17/,
  );
  assert.throws(
    () => thumbnail({ width: 2, height: 2, data: new Uint8ClampedArray(15) }, 1),
    /expected 16 bytes for 2x2 RGBA, got 15/,
  );
});

Deno.test("thumbnailDistance() is the RMS difference: 0 for equal, 0.5 for a half-grey step", () => {
  assert.equal(thumbnailDistance(thumbnail(grey(10), 4), thumbnail(grey(10), 4)), 0);
  const d = thumbnailDistance(thumbnail(grey(0), 4), thumbnail(grey(255), 4));
  assert.equal(d, 1);
  // One block of 16 differs by 1 in every channel: RMS = sqrt(1/16) = 0.25.
  assert.ok(
    Math.abs(thumbnailDistance(thumbnail(withBlock(0, 1, 2, 255), 4), thumbnail(grey(0), 4)) - 0.25) < 1e-6,
  );
  assert.throws(
    () => thumbnailDistance(thumbnail(grey(0), 4), thumbnail(grey(0), 8)),
    /sizes differ, 4 and 8/,
  );
});

Deno.test("regionErrors() locates the block that differs", () => {
  const errors = regionErrors(thumbnail(withBlock(0, 3, 1, 255), 8), thumbnail(grey(0), 8), 4);
  assert.equal(errors.length, 16);
  assert.equal(errors.indexOf(Math.max(...errors)), 1 * 4 + 3);
  assert.equal(errors[7], 1);
  assert.equal(errors.reduce((a, b) => a + b), 1);
});

Deno.test("createSimulatedUser() without noise picks the truly closest images, best first", () => {
  const user = createSimulatedUser({ target: grey(100), rng: createRng(1), k: 3 });
  const images = [grey(0), grey(130), grey(95), grey(255), grey(101), grey(60)];
  assert.deepEqual(user.choose(images), [4, 2, 1]);
  assert.equal(user.distance(grey(100)), 0);
  assert.ok(Math.abs(user.distance(grey(0)) - 100 / 255) < 1e-6);
});

Deno.test("createSimulatedUser() with noise sometimes errs, and the same seed gives the same choices", () => {
  const images = Array.from({ length: 8 }, (_, i) => grey(100 + 3 * i));
  const run = (seed: number) => {
    const user = createSimulatedUser({ target: grey(90), rng: createRng(seed), k: 2, noise: 0.3 });
    return Array.from({ length: 50 }, () => user.choose(images));
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
  const choices = run(7);
  // Noisy, yet better than chance: the true best is picked first most of the time, not always.
  const firstIsBest = choices.filter((c) => c[0] === 0).length;
  assert.ok(firstIsBest > 15 && firstIsBest < 50, `best picked first ${firstIsBest} of 50 times`);
});

Deno.test("SimulatedUser.points() clicks where the image differs most (change) or matches best (keep)", () => {
  // Target: black with a white block at region (x 2, y 0). Image: black everywhere, plus grey in region (0, 3).
  const target = withBlock(0, 2, 0, 255);
  const image = withBlock(0, 0, 3, 128);
  const user = createSimulatedUser({ target, rng: createRng(1), regions: 4 });
  const [change] = user.points(image, "change");
  assert.deepEqual(change, { x: 2.5 / 4, y: 0.5 / 4 });
  const second = user.points(image, "change", 2)[1];
  assert.deepEqual(second, { x: 0.5 / 4, y: 3.5 / 4 });
  // Keep: every other region matches exactly; ties go to the first in reading order.
  assert.deepEqual(user.points(image, "keep", 1), [{ x: 0.5 / 4, y: 0.5 / 4 }]);
  assert.throws(() => user.points(image, "keep", 17), /count must be an integer in \[1, 16\], got 17/);
});

Deno.test("createSimulatedUser() rejects bad options and too few images", () => {
  assert.throws(
    () => createSimulatedUser({ target: grey(0), rng: createRng(1), k: 0 }),
    /k must be a positive integer, got 0/,
  );
  assert.throws(
    () => createSimulatedUser({ target: grey(0), rng: createRng(1), noise: -1 }),
    /noise must be .* got -1/,
  );
  const user = createSimulatedUser({ target: grey(0), rng: createRng(1), k: 3 });
  assert.throws(() => user.choose([grey(0), grey(1)]), /need at least 3 images, got 2/);
});

Deno.test("SimulatedUser.bestParts() clicks on each favourite where it beats the others", () => {
  const user = createSimulatedUser({ target: grey(0), rng: createRng(1), regions: 4 });
  const a = withBlock(200, 0, 0, 0); // right only in the top-left region
  const b = withBlock(200, 3, 3, 0); // right only in the bottom-right region
  assert.deepEqual(user.bestParts([a, b]), [[{ x: 0.125, y: 0.125 }], [{ x: 0.875, y: 0.875 }]]);
  // Alone, an image's best part is its best region.
  assert.deepEqual(user.bestParts([b]), [[{ x: 0.875, y: 0.875 }]]);
});
