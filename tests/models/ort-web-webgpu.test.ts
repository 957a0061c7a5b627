// onnxruntime-web, the element's inference library (the build its webgpu backend imports), on Deno's
// WebGPU: wgpu over Vulkan, here Mesa's llvmpipe on the CPU. Unlike Chromium's software adapter
// (SwiftShader, which the browser tests use), llvmpipe has shader-f16, so this is where the fp16
// SD-Turbo stand-ins run on the WebGPU execution provider, the path a real SD-Turbo takes in a
// browser. Each model must give the pixels onnxruntime-node gave (tests/fixtures/*-expected.json).
// On an H100 (Vulkan, NVIDIA driver) the same script measured block differences of 0.02, 0.01 and 0.1.
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web/webgpu";
import { loadManifest } from "../../core/manifest.ts";
import { createGenerator } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import { blockMeans, EXPECTED_CASES, maxAbsDiff, parseBlocks } from "./block-means.ts";

const root = new URL("../../", import.meta.url);
// Emscripten's own fetch of the .wasm fails in Deno: it is handed the bytes.
(ort.env.wasm as { wasmBinary?: Uint8Array }).wasmBinary = await Deno.readFile(
  new URL("node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm", root),
);
ort.env.wasm.numThreads = 1;

type Expected = { seed: number; prompt: string; blocks: string }[];
const expected = async (name: string): Promise<Expected> =>
  JSON.parse(await Deno.readTextFile(new URL(`tests/fixtures/${name}`, root)));

// Tolerances in 0..255 units of block means, as the browser tests allow for WebGPU and for fp16.
const models = [
  {
    name: "built-in model",
    manifest: "models/builtin/manifest.json",
    fixture: "builtin-expected.json",
    block: 8,
    tolerance: 1.5,
  },
  {
    name: "SD-Turbo stand-ins, fp32",
    manifest: "tests/fixtures/sd-turbo/manifest.json",
    fixture: "sd-turbo-expected.json",
    block: 16,
    tolerance: 2,
  },
  {
    name: "SD-Turbo stand-ins, fp16",
    manifest: "tests/fixtures/sd-turbo/manifest-fp16.json",
    fixture: "sd-turbo-expected.json",
    block: 16,
    tolerance: 3,
  },
];

for (const model of models) {
  Deno.test(`onnxruntime-web's WebGPU provider under Deno renders the ${model.name} as onnxruntime-node does`, async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    assert.ok(
      adapter,
      "Deno found no WebGPU adapter: install a Vulkan driver (Debian: mesa-vulkan-drivers, which Chromium's packages recommend)",
    );
    assert.ok(
      adapter.features.has("shader-f16"),
      `the adapter (${adapter.info.description}) has no shader-f16`,
    );
    const manifest = await loadManifest(new URL(model.manifest, root));
    const generator = await createGenerator(manifest, ort, { executionProviders: ["webgpu"] });
    try {
      assert.equal(generator.executionProvider, "webgpu");
      const want = await expected(model.fixture);
      const size = manifest.latentShape.reduce((a, b) => a * b, 1);
      for (const [i, { seed, prompt }] of EXPECTED_CASES.entries()) {
        const latent = {
          shape: manifest.latentShape,
          data: createRng(seed).fillNormal(new Float32Array(size)),
        };
        const [image] = await generator.generate([latent], prompt);
        const d = maxAbsDiff(blockMeans(image, model.block), parseBlocks(want[i].blocks));
        assert.ok(d <= model.tolerance, `case ${i} (${prompt}) differs from onnxruntime-node by ${d}`);
      }
    } finally {
      await generator.dispose();
    }
  });
}
