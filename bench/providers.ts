/**
 * Every shipped model through each of onnxruntime-node's execution providers the server tries: how
 * long a batch of 8 takes on each, as a ratio to the first provider that renders (the CPU by
 * default, measured in the same run), and whether the images are the same as that provider's (mean
 * and largest difference of an RGBA byte). The models are the built-in one and the SD-Turbo stand-ins
 * of tests/fixtures (SD-Turbo's graphs and types, fp32 and fp16, with small random weights): their
 * times say what the pipeline costs around a real model, not what SD-Turbo takes. A provider that
 * cannot load here (no GPU) is listed with its reason. Prints a markdown table headed by the
 * machine, writes bench/results/<out>.json.
 *
 * Usage: `node_modules/.bin/deno run -A bench/providers.ts [--providers cpu,webgpu] [--batches 5]
 * [--out providers]`
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { createRng, type Latent, loadManifest } from "../core/mod.ts";
import { createGenerator, type Ort } from "../core/pipeline.ts";
import { median } from "./lib/timing.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { flag } from "./lib/args.ts";

const PROVIDERS = flag("providers", "cpu,webgpu").split(",").filter(Boolean);
const BATCHES = Number(flag("batches", "5"));
const OUT = flag("out", "providers");
const PROMPT = "a misty fjord at dawn";
const root = new URL("../", import.meta.url);
const MODELS = [
  ["built-in", "models/builtin/manifest.json"],
  ["SD-Turbo stand-in, fp32", "tests/fixtures/sd-turbo/manifest.json"],
  ["SD-Turbo stand-in, fp16", "tests/fixtures/sd-turbo/manifest-fp16.json"],
] as const;

type Row = {
  model: string;
  provider: string;
  error?: string;
  loadMs?: number;
  firstBatchMs?: number;
  medianBatchMs?: number;
  imagesPerSecond?: number;
  /** The provider compared with: the first one that rendered. */
  against?: string;
  speedup?: number;
  meanDifference?: number;
  maxDifference?: number;
};

/** Mean and largest difference of an RGBA byte between two sets of images. */
function difference(a: Uint8ClampedArray[], b: Uint8ClampedArray[]): { mean: number; max: number } {
  let sum = 0, max = 0, n = 0;
  a.forEach((x, k) => {
    const y = b[k];
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]);
      sum += d;
      if (d > max) max = d;
    }
    n += x.length;
  });
  return { mean: sum / n, max };
}

/** What onnxruntime says went wrong, without the failed check's source line around it. */
function reason(e: unknown): string {
  const first = String((e as Error).message ?? e).split("\n")[0];
  return (first.match(/ was false\. (.*)$/)?.[1] ?? first).slice(0, 200);
}

const rows: Row[] = [];
for (const [model, path] of MODELS) {
  const manifest = await loadManifest(new URL(path, root));
  const rng = createRng(`bench-providers-${model}`);
  const size = manifest.latentShape.reduce((a, b) => a * b, 1);
  const latents: Latent[] = Array.from({ length: 8 }, () => ({
    shape: manifest.latentShape,
    data: rng.fillNormal(new Float32Array(size)),
  }));
  let baseline: { provider: string; ms: number; images: Uint8ClampedArray[] } | null = null;
  for (const provider of PROVIDERS) {
    const row: Row = { model, provider };
    rows.push(row);
    const t0 = performance.now();
    let generator;
    try {
      generator = await createGenerator(manifest, ort as unknown as Ort, { executionProviders: [provider] });
    } catch (e) {
      row.error = reason(e);
      continue;
    }
    try {
      row.loadMs = performance.now() - t0;
      const t1 = performance.now();
      const images = (await generator.generate(latents, PROMPT)).map((i) => i.data);
      row.firstBatchMs = performance.now() - t1;
      const times = [];
      for (let r = 0; r < BATCHES; r++) {
        const s = performance.now();
        await generator.generate(latents, PROMPT);
        times.push(performance.now() - s);
      }
      row.medianBatchMs = median(times);
      row.imagesPerSecond = 8000 / row.medianBatchMs;
      // The first provider that renders is what the others are compared with.
      baseline ??= { provider, ms: row.medianBatchMs, images };
      row.against = baseline.provider;
      row.speedup = baseline.ms / row.medianBatchMs;
      const d = difference(baseline.images, images);
      row.meanDifference = d.mean;
      row.maxDifference = d.max;
    } catch (e) {
      row.error = reason(e);
    } finally {
      await generator.dispose();
    }
  }
}

const machine = describeMachine();
const ms = (v?: number) => v === undefined ? "" : `${v.toFixed(v < 100 ? 1 : 0)} ms`;
console.log(`# bench/providers\n\n${machineLine(machine)}\n`);
console.log(
  `A batch of 8 latents, prompt "${PROMPT}"; median of ${BATCHES} batches after the first; ` +
    `speed and pixels against the first provider that rendered, in the same run.\n`,
);
console.log(
  "| model | provider | load | first batch | median batch | images/s | speed vs | pixels vs: mean / max difference |",
);
console.log("|---|---|---:|---:|---:|---:|---:|---|");
for (const r of rows) {
  console.log(
    r.error
      ? `| ${r.model} | ${r.provider} | unavailable: ${r.error.replaceAll("|", "/")} | | | | | |`
      : `| ${r.model} | ${r.provider} | ${ms(r.loadMs)} | ${ms(r.firstBatchMs)} | ${ms(r.medianBatchMs)} | ` +
        `${r.imagesPerSecond!.toFixed(1)} | ${r.speedup!.toFixed(2)}x ${r.against} | ` +
        `${r.against}: ${r.meanDifference!.toFixed(4)} / ${r.maxDifference} |`,
  );
}
await Deno.mkdir(new URL("bench/results", root), { recursive: true });
await Deno.writeTextFile(
  new URL(`bench/results/${OUT}.json`, root),
  JSON.stringify({ machine, providers: PROVIDERS, batches: BATCHES, rows }, null, 2) + "\n",
);
