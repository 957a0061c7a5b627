/// <reference path="../component/globals.d.ts" />
// The SD-Turbo pipeline on the stand-in models in Chromium, on onnxruntime-web's wasm and WebGPU
// providers (in the builds the element runs: tests/models/ort-web.ts), against the pixels
// onnxruntime-node gave (tests/fixtures/sd-turbo-expected.json). On WebGPU the text embedding stays
// on the GPU (preferredOutputLocation "gpu-buffer").
import { loadManifest } from "../../core/manifest.ts";
import { createGenerator } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import { blockMeans, EXPECTED_CASES, maxAbsDiff, parseBlocks } from "./block-means.ts";
import { check, gpuAdapter, ortBuilds } from "./ort-web.ts";

type Expected = { seed: number; prompt: string; blocks: string }[];
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).href;

// Tolerances in 0..255 units of 16x16 block means. The stand-in UNet's output is multiplied by sigma
// and divided by 0.18215 (x80) before the VAE, so float rounding differences grow; measured well below.
for (
  const [ep, manifestFile, tolerance] of [
    ["wasm", "manifest.json", 0.5],
    ["webgpu", "manifest.json", 2],
    ["wasm", "manifest-fp16.json", 3],
  ] as const
) {
  describe(`sd-turbo stand-ins (${manifestFile}) on onnxruntime-web ${ep}`, () => {
    it("render the same pixels as onnxruntime-node", async () => {
      check(
        ep !== "webgpu" || await gpuAdapter(),
        "no WebGPU adapter: launch Chromium with --enable-unsafe-webgpu",
      );
      const expected: Expected = await (await fetch(fixture("sd-turbo-expected.json"))).json();
      const manifest = await loadManifest(fixture(`sd-turbo/${manifestFile}`));
      const generator = await createGenerator(manifest, ortBuilds[ep], { executionProviders: [ep] });
      check(generator.executionProvider === ep, `expected ${ep}, got ${generator.executionProvider}`);
      try {
        // Two images per prompt: the second reuses the cached embedding (on the GPU for webgpu).
        for (const [i, { seed, prompt }] of EXPECTED_CASES.entries()) {
          const data = createRng(seed).fillNormal(new Float32Array(4 * 64 * 64));
          const latent = { shape: [4, 64, 64] as const, data };
          const [a, b] = await generator.generate([latent, latent], prompt);
          check(a.width === 512 && a.height === 512, "a 512x512 image");
          const d = maxAbsDiff(blockMeans(a, 16), parseBlocks(expected[i].blocks));
          check(d <= tolerance, `${ep} case ${i} (${prompt}) differs from onnxruntime-node by ${d}`);
          check(
            maxAbsDiff(blockMeans(b, 16), blockMeans(a, 16)) === 0,
            "the cached embedding changed the image",
          );
        }
      } finally {
        await generator.dispose();
      }
    });
  });
}
