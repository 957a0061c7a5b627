/// <reference path="../component/globals.d.ts" />
// The built-in model in Chromium through onnxruntime-web, in the builds the element runs: on the wasm
// execution provider of onnxruntime-web/wasm, and the WebGPU provider of onnxruntime-web/webgpu
// (software adapter under --enable-unsafe-webgpu), against the pixels onnxruntime-node gave.
import { loadManifest } from "../../core/manifest.ts";
import { createGenerator } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import { builtinManifestUrl } from "../../models/mod.ts";
import { blockMeans, EXPECTED_CASES, maxAbsDiff, parseBlocks } from "./block-means.ts";
import { check, gpuAdapter, ortBuilds } from "./ort-web.ts";

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
      const generator = await createGenerator(manifest, ortBuilds[ep], { executionProviders: [ep] });
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

describe("built-in model on onnxruntime-web wasm, aborted", () => {
  it("an abort that arrives as a message stops the call between images", async () => {
    // Without threads, a wasm run resolves through promise jobs alone: a cancel posted by the page
    // to the element's worker is a message, which runs only once the generator yields a task.
    const generator = await createGenerator(await loadManifest(builtinManifestUrl), ortBuilds.wasm, {
      executionProviders: ["wasm"],
    });
    const rng = createRng(4);
    const latents = Array.from({ length: 16 }, () => ({
      shape: [4, 32, 32] as const,
      data: rng.fillNormal(new Float32Array(4 * 32 * 32)),
    }));
    const controller = new AbortController();
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => controller.abort();
    const rendered: number[] = [];
    try {
      await generator.generate(latents.slice(0, 1), "fox"); // warm up
      port2.postMessage("cancel");
      const outcome = await generator.generate(latents, "fox", {
        signal: controller.signal,
        onImage: (i) => rendered.push(i),
      }).then(() => "finished", (error: Error) => error.name);
      check(outcome === "AbortError", `the call ${outcome} after ${rendered.length} of 16 images`);
      check(rendered.length < 16, `${rendered.length} of 16 images rendered after the abort`);
    } finally {
      port1.close();
      await generator.dispose();
    }
  });
});
