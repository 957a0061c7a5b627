/**
 * The measured part of bench/inference.mjs, bundled by esbuild twice (for Node with onnxruntime-node,
 * for Chromium with onnxruntime-web), so both sides run the same core/pipeline code on the same latents.
 *
 * @module
 */
import { parseManifest } from "../../core/manifest.ts";
import { createGenerator, type LoadFile, type Ort } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";

/** One side's timings. */
export type BenchResult = {
  firstBatchMs: number;
  batchMs: number[];
  medianMs: number;
  imagesPerSecond: number;
};

/**
 * Times generate() of a batch of 8 latents with the built-in model, after one warm-up batch.
 *
 * @param ort onnxruntime-node or onnxruntime-web.
 * @param options Manifest JSON and URL, how to read files, providers, how many timed batches.
 * @returns The timings.
 * @example
 * ```ts
 * // see bench/inference.mjs
 * ```
 */
export async function runBench(ort: Ort, options: {
  manifestJson: unknown;
  manifestUrl: string;
  loadFile?: LoadFile;
  executionProviders?: string[];
  repeats?: number;
}): Promise<BenchResult> {
  const manifest = parseManifest(options.manifestJson, options.manifestUrl);
  const generator = await createGenerator(manifest, ort, {
    loadFile: options.loadFile,
    executionProviders: options.executionProviders,
  });
  const rng = createRng(2024);
  const [C, H, W] = manifest.latentShape;
  const latents = Array.from({ length: 8 }, () => ({
    shape: manifest.latentShape,
    data: rng.fillNormal(new Float32Array(C * H * W)),
  }));
  let t = performance.now();
  await generator.generate(latents, "misty fjord");
  const firstBatchMs = performance.now() - t;
  const batchMs: number[] = [];
  for (let i = 0; i < (options.repeats ?? 7); i++) {
    t = performance.now();
    await generator.generate(latents, i % 2 ? "misty fjord" : "desert sunset");
    batchMs.push(performance.now() - t);
  }
  await generator.dispose();
  const sorted = [...batchMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)];
  return { firstBatchMs, batchMs, medianMs, imagesPerSecond: 8000 / medianMs };
}
