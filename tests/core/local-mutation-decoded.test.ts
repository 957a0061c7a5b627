/**
 * Local mutation as a person sees it: a one-point "change" batch at the element's defaults (8
 * images, strength 1, radius 0.15), decoded with the built-in model through onnxruntime-node.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { createGenerator } from "../../core/pipeline.ts";
import { loadManifest } from "../../core/manifest.ts";
import type { RgbaImage } from "../../core/image.ts";
import { createRng, createSession, currentGeneration, evolve, type Point } from "../../core/mod.ts";
import { builtinManifestUrl } from "../../models/mod.ts";

const SIDE = 256, STRENGTH = 1, RADIUS = 0.15;
// How far a latent cell's change reaches in the built-in model's image (tests/models/builtin.test.ts):
// 64 px, and up to the peaks from the skyline band (latent rows 13..21), which the regions here, the
// ground at y >= 0.9, stay clear of (the sky, with clouds alone, responds less: there even the
// largest child averages about 13/255).
const DECODER_REACH = 64;
// Visibly different: 12/255 (about 5% of the range) on average over the dashed square, half what the
// largest child (the whole square) changes on average. sdstudio's schedule gave the smallest children
// 3 to 11/255 here, which a usability walk-through saw as unchanged at tile size.
const VISIBLE = 12;
/** Session seed (also the image selected) and the point marked on it. */
const BATCHES: [number, Point][] = [
  [1, { x: 0.3, y: 0.9 }],
  [2, { x: 0.75, y: 0.92 }],
  [3, { x: 0.5, y: 0.95 }],
  [4, { x: 0.15, y: 0.9 }],
];

/** Mean and largest absolute RGB difference (0..255) of the pixels whose Chebyshev distance from `p` passes `keep`. */
function diffWhere(a: RgbaImage, b: RgbaImage, p: Point, keep: (distance: number) => boolean) {
  let sum = 0, n = 0, max = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      if (!keep(Math.max(Math.abs(x + 0.5 - p.x * SIDE), Math.abs(y + 0.5 - p.y * SIDE)))) continue;
      const o = 4 * (y * SIDE + x);
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(a.data[o + c] - b.data[o + c]);
        sum += d, n++, max = Math.max(max, d);
      }
    }
  }
  return { mean: sum / n, max };
}

Deno.test("evolve() 'change' at one point: every child differs visibly in the square, nothing beyond the decoder's reach", async () => {
  const g = await createGenerator(await loadManifest(builtinManifestUrl), ort);
  try {
    const half = STRENGTH * RADIUS * SIDE; // half the side of the dashed square the element draws
    const softEdge = (2 / 32) * SIDE, halfCell = SIDE / 64;
    for (const [seed, point] of BATCHES) {
      const rng = createRng(seed);
      const s0 = createSession({ shape: [4, 32, 32], population: 8 }, rng);
      const fb = { selected: [seed], points: { [seed]: [point] }, strength: STRENGTH, radius: RADIUS };
      const next = currentGeneration(evolve(s0, fb, rng));
      const children = next.latents.filter((_, i) => next.lineage[i].operator === "local-mutation");
      assert.equal(children.length, 5, "1 elite, 5 children, 2 fresh");
      const [parent, ...decoded] = await g.generate(
        [s0.generations[0].latents[seed], ...children],
        "alpine valley",
      );
      decoded.forEach((child, k) => {
        const inSquare = diffWhere(parent, child, point, (d) => d <= half);
        const far = diffWhere(parent, child, point, (d) => d > half + softEdge + halfCell + DECODER_REACH);
        const at = `seed ${seed}, child ${k} of 5`;
        assert.ok(
          inSquare.mean >= VISIBLE,
          `${at}: ${inSquare.mean.toFixed(1)}/255 on average in the square`,
        );
        assert.ok(far.max <= 1, `${at}: ${far.max}/255 beyond the square and the decoder's reach`);
      });
    }
  } finally {
    await g.dispose();
  }
});
