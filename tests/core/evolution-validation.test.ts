// evolve() and createSession() refuse bad input at the API boundary, each with an error naming the
// value and what it must be. What they make from good input: evolution.test.ts.
import assert from "node:assert/strict";
import { createRng, createSession, evolve, type Feedback } from "../../core/mod.ts";

const SHAPE = [4, 32, 32] as const;

Deno.test("evolve() rejects invalid feedback with an error naming the value", () => {
  const rng = createRng(13);
  const s = createSession({ shape: SHAPE, population: 4 }, rng);
  const bad: [unknown, RegExp][] = [
    [{ selected: [4] }, /selected index 4 is outside the generation of 4 images/],
    [{ selected: [-1] }, /selected index -1/],
    [{ selected: [1.5] }, /selected index 1.5/],
    [{ selected: [1, 1] }, /selected index 1 appears twice/],
    [{ selected: [0], strength: NaN }, /strength must be a finite number > 0, got NaN/],
    [{ selected: [0], strength: -1 }, /strength/],
    [{ selected: [0], radius: -0.1 }, /radius must be a number in \(0, 1\], got -0.1/],
    [
      { selected: [0], points: { 0: [{ x: 1.5, y: 0.2 }] } },
      /must lie in \[0,1\]\^2, got \{ x: 1.5, y: 0.2 \}/,
    ],
    [
      { selected: [0], points: { 1: [{ x: 0.5, y: 0.5 }] } },
      /points given for image 1, which is not selected/,
    ],
    [{ selected: [0], mode: "swap" }, /mode must be "change" or "keep"/],
    [{ selected: [0], fresh: "yes" }, /fresh must be a boolean/],
    [null, /feedback must be/],
  ];
  for (const [fb, message] of bad) {
    assert.throws(() => evolve(s, fb as Feedback, rng), message, JSON.stringify(fb));
  }
});

Deno.test("createSession() rejects an invalid config with an error naming the value", () => {
  const rng = createRng(14);
  assert.throws(() => createSession({ shape: [4, 0, 64], population: 8 }, rng), RangeError);
  assert.throws(
    () => createSession({ shape: SHAPE, population: 0 }, rng),
    /population must be a positive integer, got 0/,
  );
  assert.throws(() => createSession({ shape: SHAPE, population: 8, exploration: 1 }, rng), /exploration/);
  assert.throws(() => createSession({ shape: SHAPE, population: 8, sigmaDecay: 0 }, rng), /sigmaDecay/);
  assert.throws(() => createSession({ shape: SHAPE, population: 8, candidates: 0 }, rng), /candidates/);
  assert.throws(
    () => createSession({ shape: SHAPE, population: 8, candidates: 257 }, rng),
    /candidates must be an integer from 1 to 256, got 257/,
  );
  // Numbers only: comparisons alone took a string or an array.
  for (const bad of [{ exploration: "0.5" }, { exploration: "" }, { sigmaDecay: [0.5] }]) {
    assert.throws(
      () =>
        createSession(
          { shape: SHAPE, population: 8, ...bad } as unknown as Parameters<typeof createSession>[0],
          rng,
        ),
      /must be a number/,
      JSON.stringify(bad),
    );
  }
});
