/**
 * Compact pixel fingerprints shared by the Deno and the browser tests: the mean of each 8x8 block per
 * RGB channel, rounded to 1/100. The Deno side commits them (tests/fixtures/builtin-expected.json);
 * the browser recomputes them on onnxruntime-web and compares.
 */
import type { RgbaImage } from "../../core/image.ts";

/** Block means of an image, `[by][bx][c]` flattened, values 0..255. */
export function blockMeans(img: RgbaImage, block = 8): number[] {
  const bw = img.width / block, bh = img.height / block;
  const out = new Float64Array(bw * bh * 3);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = 4 * (y * img.width + x);
      const b = (Math.floor(y / block) * bw + Math.floor(x / block)) * 3;
      for (let c = 0; c < 3; c++) out[b + c] += img.data[o + c];
    }
  }
  return Array.from(out, (v) => Math.round((v / (block * block)) * 100) / 100);
}

/** The cases both sides render: latent seed and prompt. */
export const EXPECTED_CASES = [
  { seed: 21, prompt: "misty fjord" },
  { seed: 22, prompt: "desert sunset" },
];

/** Parses the space-separated block means stored in the fixtures. */
export function parseBlocks(text: string): number[] {
  return text.split(" ").map(Number);
}

/** Largest absolute difference between two equal-length arrays. */
export function maxAbsDiff(a: number[], b: number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
