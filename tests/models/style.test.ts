import assert from "node:assert/strict";
import { promptStyle, STYLE_LAYOUT, STYLE_SIZE } from "../../core/style.ts";
import { planarToRgba } from "../../core/image.ts";

Deno.test("promptStyle() is deterministic, normalises the prompt, and differs between prompts", () => {
  const a = promptStyle("Misty fjord ");
  assert.equal(a.length, STYLE_SIZE);
  assert.deepEqual(a, promptStyle("misty fjord"));
  const prompts = ["a fox", "a whale", "desert", "castle", "", "🦊"];
  const styles = prompts.map(promptStyle);
  for (let i = 0; i < styles.length; i++) {
    for (let j = i + 1; j < styles.length; j++) {
      assert.notDeepEqual(styles[i], styles[j], `"${prompts[i]}" and "${prompts[j]}" share a style`);
    }
  }
});

Deno.test("promptStyle() keeps colours in [0, 1] and scene parameters in their ranges", () => {
  for (let k = 0; k < 200; k++) {
    const s = promptStyle(`prompt ${k}`);
    for (let i = 0; i < STYLE_LAYOUT.horizon; i++) assert.ok(s[i] >= 0 && s[i] <= 1, `colour ${i} = ${s[i]}`);
    assert.ok(s[STYLE_LAYOUT.horizon] >= 0.5 && s[STYLE_LAYOUT.horizon] <= 0.64);
    assert.ok(s[STYLE_LAYOUT.mountainHeight] >= 0.12 && s[STYLE_LAYOUT.mountainHeight] <= 0.3);
    assert.ok(Math.abs(s[STYLE_LAYOUT.light]) === 1);
  }
});

Deno.test("promptStyle() lets mood words steer the sky: night is darker than day", () => {
  const lum = (s: Float32Array) =>
    s[STYLE_LAYOUT.skyTop] + s[STYLE_LAYOUT.skyTop + 1] + s[STYLE_LAYOUT.skyTop + 2];
  for (const subject of ["fox", "harbour", "tower"]) {
    assert.ok(lum(promptStyle(`${subject} at night`)) < lum(promptStyle(`${subject} on a sunny day`)));
  }
});

Deno.test("the demo page names the words that set the built-in model's light, and each sets one light in any prompt", async () => {
  // The demo tells a newcomer that the model does not read the prompt except for these words; a
  // word it names must really set the sky (the same in every prompt), each word its own.
  const page = await Deno.readTextFile(new URL("../../demo/index.html", import.meta.url));
  const named = page.match(/<span id="light-words">([^<]*)<\/span>/)?.[1];
  assert.ok(named, "demo/index.html names no words that set the light (span#light-words)");
  const words = named.split(/,\s*|\s+and\s+|\s+or\s+/).map((w) => w.trim()).filter(Boolean);
  assert.ok(words.length >= 2, `words named: ${JSON.stringify(words)}`);
  const sky = (prompt: string) => {
    const s = promptStyle(prompt);
    const light = (at: number) =>
      (Math.max(s[at], s[at + 1], s[at + 2]) + Math.min(s[at], s[at + 1], s[at + 2])) / 2;
    return `${light(STYLE_LAYOUT.skyTop).toFixed(2)}/${light(STYLE_LAYOUT.skyHorizon).toFixed(2)}`;
  };
  const skies = words.map((word) => {
    const seen = new Set(
      ["fox", "harbour", "a red canyon", "tower at", "boat", "city"].map((s) => sky(`${s} ${word}`)),
    );
    assert.equal(seen.size, 1, `"${word}" gives skies ${[...seen].join(", ")} in different prompts`);
    return [...seen][0];
  });
  assert.equal(
    new Set(skies).size,
    words.length,
    `the words ${words.join(", ")} give skies ${skies.join(", ")}`,
  );
});

Deno.test("planarToRgba() maps planar floats to clamped RGBA bytes with alpha 255", () => {
  // 2x1 image: pixel 0 = (0, 0.5, 1), pixel 1 = (-1, 2, NaN)
  const planes = new Float32Array([0, -1, 0.5, 2, 1, NaN]);
  const img = planarToRgba(planes, 2, 1);
  assert.deepEqual(Array.from(img.data), [0, 128, 255, 255, 0, 255, 0, 255]);
  // SD's VAE range [-1, 1]
  assert.deepEqual(
    Array.from(planarToRgba(new Float32Array([-1, 0, 1]), 1, 1, { scale: 0.5, offset: 0.5 }).data),
    [
      0,
      128,
      255,
      255,
    ],
  );
  assert.throws(() => planarToRgba(new Float32Array(5), 2, 1), RangeError);
  // A negative index or a NaN size once gave a black or empty image instead of an error.
  assert.throws(
    () => planarToRgba(new Float32Array(6), 2, 1, { index: -1 }),
    /index must be a non-negative integer/,
  );
  assert.throws(
    () => planarToRgba(new Float32Array(6), NaN, 1),
    /width and height must be positive integers/,
  );
});
