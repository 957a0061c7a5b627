/**
 * Renders contact sheets of the built-in model: 8 latents (seed 7) for each prompt given, written to
 * models/contact-sheet-<prompt>.png. `deno run -A models/contact-sheet.ts "misty fjord" "desert sunset"`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { encode } from "fast-png";
import { createRng } from "../core/rng.ts";
import { promptStyle, STYLE_SIZE } from "../core/style.ts";

const prompts = Deno.args.length ? Deno.args : ["misty fjord", "desert sunset"];
const session = await ort.InferenceSession.create(
  fileURLToPath(new URL("./builtin/model.onnx", import.meta.url)),
);
const n = 8, C = 4, h = 32, w = 32, S = 256, gap = 4, cols = 4;
const rng = createRng(7);
const latent = rng.fillNormal(new Float32Array(n * C * h * w));
for (const prompt of prompts) {
  const t0 = performance.now();
  const out = await session.run({
    latent: new ort.Tensor("float32", latent, [n, C, h, w]),
    style: new ort.Tensor("float32", promptStyle(prompt), [1, STYLE_SIZE]),
  });
  const ms = performance.now() - t0;
  const img = out.image.data as Float32Array;
  const W = cols * S + (cols - 1) * gap, H = 2 * S + gap;
  const rgba = new Uint8Array(W * H * 4).fill(255);
  for (let k = 0; k < n; k++) {
    const ox = (k % cols) * (S + gap), oy = Math.floor(k / cols) * (S + gap);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const o = ((oy + y) * W + ox + x) * 4;
        for (let ch = 0; ch < 3; ch++) rgba[o + ch] = Math.round(img[((k * 3 + ch) * S + y) * S + x] * 255);
      }
    }
  }
  const file = fileURLToPath(new URL(`./contact-sheet-${prompt.replace(/\W+/g, "-")}.png`, import.meta.url));
  await Deno.writeFile(file, encode({ width: W, height: H, data: rgba, channels: 4 }));
  console.log(`${file}: batch of ${n} in ${ms.toFixed(0)} ms`);
}
