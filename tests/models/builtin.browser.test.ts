/// <reference path="../component/globals.d.ts" />
// The built-in model in Chromium through onnxruntime-web, on the wasm and the WebGPU execution
// providers (software adapter under --enable-unsafe-webgpu), against the pixels onnxruntime-node gave.
import { loadManifest } from "../../core/manifest.ts";
import { createGenerator } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import { builtinManifestUrl } from "../../models/mod.ts";
import { blockMeans, EXPECTED_CASES, maxAbsDiff, parseBlocks } from "./block-means.ts";
import { check, gpuAdapter, ort } from "./ort-web.ts";

type Expected = { seed: number; prompt: string; blocks: string }[];

// Tolerances in 0..255 units of 8x8 block means: wasm uses the same MLAS kernels as onnxruntime-node
// but without some vector paths, WebGPU computes in WGSL (other cos/exp); both stay well under 1 level.
for (const [ep, tolerance] of [["wasm", 0.5], ["webgpu", 1.5]] as const) {
  describe(`built-in model on onnxruntime-web ${ep}`, () => {
    it("renders the same pixels as onnxruntime-node", async () => {
      check(
        ep !== "webgpu" || await gpuAdapter(),
        "no WebGPU adapter: launch Chromium with --enable-unsafe-webgpu",
      );
      const expected: Expected = await (await fetch(
        new URL("../fixtures/builtin-expected.json", import.meta.url),
      )).json();
      const manifest = await loadManifest(builtinManifestUrl);
      const generator = await createGenerator(manifest, ort, { executionProviders: [ep] });
      check(generator.executionProvider === ep, `expected ${ep}, got ${generator.executionProvider}`);
      try {
        for (const [i, { seed, prompt }] of EXPECTED_CASES.entries()) {
          const data = createRng(seed).fillNormal(new Float32Array(4 * 32 * 32));
          const streamed: number[] = [];
          const [img] = await generator.generate([{ shape: [4, 32, 32], data }], prompt, {
            onImage: (index) => streamed.push(index),
          });
          check(
            streamed.length === 1 && img.width === 256 && img.height === 256,
            "one 256x256 image streamed",
          );
          const d = maxAbsDiff(blockMeans(img), parseBlocks(expected[i].blocks));
          check(d <= tolerance, `${ep} case ${i} (${prompt}) differs from onnxruntime-node by ${d}`);
        }
      } finally {
        await generator.dispose();
      }
    });
  });
}
