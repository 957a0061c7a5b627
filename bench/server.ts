/**
 * Benchmark of the inference server with the built-in model on onnxruntime-node (CPU provider unless
 * `--providers` names others):
 * throughput and p50/p99 latency at 1, 4, 16 and 64 concurrent clients (each asks for one image at a
 * time, binary protocol), batching on and off in the same run, and peak memory with 64 clients.
 *
 *   deno run -A bench/server.ts [--duration 3] [--rounds 2] [--soak 5] [--clients 1,4,16,64] [--engine auto]
 *     [--window 0] [--providers cpu] [--out server] [--thread worker] [--instances 1]
 *
 * Each cell runs `rounds` times for `duration / rounds` seconds, alternating batching off and on, so
 * that load from other processes falls on both alike.
 * `--soak 30` gives the 30 s memory run. `--providers webgpu,cpu` tries those execution providers in
 * order (the first that loads serves). The model runs in an inference worker as `server/main.ts` runs
 * it; `--thread main` runs it in the serving thread instead, for comparison; `--instances N` runs N
 * workers, as the server's `--instances` does. Writes bench/results/<out>.json.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { createRng } from "../core/rng.ts";
import { encodeInferRequest } from "../core/wire.ts";
import { createHandler } from "../server/handler.ts";
import { type Engine, loadModel } from "../server/load.ts";
import type { ServedModel } from "../server/model.ts";
import { loadModelInWorker } from "../server/worker-models.ts";
import { describeMachine } from "./lib/machine.ts";
import { flag } from "./lib/args.ts";

const DURATION_S = Number(flag("duration", "3"));
const SOAK_S = Number(flag("soak", "5"));
const CLIENTS = flag("clients", "1,4,16,64").split(",").map(Number);
const ROUNDS = Number(flag("rounds", "2"));
const ENGINE = flag("engine", "auto") as Engine;
const WINDOW_MS = Number(flag("window", "0"));
const PROVIDERS = flag("providers", "cpu").split(",");
const OUT = flag("out", "server");
const THREAD = flag("thread", "worker");
const INSTANCES = Number(flag("instances", "1"));

interface Cell {
  clients: number;
  batching: boolean;
  requests: number;
  imagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanBatch: number;
  errors: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Serves the model with batching on or off, runs `clients` closed-loop clients for `seconds`. */
async function run(
  model: ServedModel,
  clients: number,
  batching: boolean,
  seconds: number,
) {
  const handler = createHandler({
    models: [model],
    batching,
    maxBatch: 16,
    maxQueue: 256,
    windowMs: WINDOW_MS,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.handle);
  const url = `http://127.0.0.1:${server.addr.port}/v2/models/${model.name}/infer`;
  const [c, h, w] = model.latentShape;
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const client = async (id: number) => {
    const rng = createRng(`bench-client-${id}`);
    const prompt = [new TextEncoder().encode("misty fjord")];
    while (performance.now() < end) {
      const latents = rng.fillNormal(new Float32Array(c * h * w));
      const { body, headers } = encodeInferRequest({
        inputs: [
          { name: "latents", datatype: "FP32", shape: [1, c, h, w], data: latents },
          { name: "prompt", datatype: "BYTES", shape: [1], data: prompt },
        ],
      }, { binary: true, binaryOutputs: true });
      const t0 = performance.now();
      const res = await fetch(url, { method: "POST", body, headers });
      await res.arrayBuffer();
      if (res.status === 200) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  const elapsed = (performance.now() - t0) / 1000;
  const text = handler.metrics.render({ queueDepth: 0, inFlight: 0 });
  const count = Number(/latent_evolver_batch_size_count (\d+)/.exec(text)?.[1] ?? 0);
  const sum = Number(/latent_evolver_batch_size_sum (\d+)/.exec(text)?.[1] ?? 0);
  await server.shutdown();
  return { latencies, elapsed, batches: count, batched: sum, errors };
}

type Raw = Awaited<ReturnType<typeof run>>;

function summarise(clients: number, batching: boolean, raws: Raw[]): Cell {
  const latencies = raws.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const elapsed = raws.reduce((a, r) => a + r.elapsed, 0);
  const batches = raws.reduce((a, r) => a + r.batches, 0);
  const batched = raws.reduce((a, r) => a + r.batched, 0);
  return {
    clients,
    batching,
    requests: latencies.length,
    imagesPerSecond: latencies.length / elapsed,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    meanBatch: batches ? batched / batches : 0,
    errors: raws.reduce((a, r) => a + r.errors, 0),
  };
}

/** The engine alone: 16 latents as 16 runs of one, and as one run of 16, interleaved. */
async function engineOnly(model: ServedModel, repeats: number) {
  const [c, h, w] = model.latentShape;
  const rng = createRng("bench-engine");
  const latents = Array.from(
    { length: 16 },
    () => ({ shape: model.latentShape, data: rng.fillNormal(new Float32Array(c * h * w)) }),
  );
  let single = 0;
  let batched = 0;
  for (let r = 0; r < repeats; r++) {
    let t = performance.now();
    for (const l of latents) await model.generate([l], "misty fjord");
    single += performance.now() - t;
    t = performance.now();
    await model.generate(latents, "misty fjord");
    batched += performance.now() - t;
  }
  return { singleMsPerImage: single / (16 * repeats), batchedMsPerImage: batched / (16 * repeats) };
}

const root = fileURLToPath(new URL("..", import.meta.url));
const manifestPath = `${root}models/builtin/manifest.json`;
const loaded = THREAD === "main"
  ? await loadModel(manifestPath, ort, PROVIDERS, ENGINE)
  : await loadModelInWorker(manifestPath, PROVIDERS, ENGINE, { instances: INSTANCES });
const model = loaded.model;
const info = describeMachine();
console.log(
  `# bench/server — ${info.cpu}, ${info.cores} cores, Deno ${info.deno}, V8 ${info.v8}, onnxruntime-node ${info.onnxruntime}, provider ${model.executionProvider}, model in the ${THREAD} thread${
    INSTANCES > 1 ? `, ${INSTANCES} instances` : ""
  }`,
);
await run(model, 2, true, 0.5); // warm-up
// Why batching does or does not pay on this machine: the same 16 latents as one run and as 16 runs.
const whole = await loadModel(manifestPath, ort, PROVIDERS, "batched");
const engine = await engineOnly(whole.model, 3);
await whole.dispose();
const cells: Cell[] = [];
for (const clients of CLIENTS) {
  const raws: Record<string, Raw[]> = { on: [], off: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const batching of r % 2 ? [true, false] : [false, true]) {
      raws[batching ? "on" : "off"].push(await run(model, clients, batching, DURATION_S / ROUNDS));
    }
  }
  cells.push(summarise(clients, false, raws.off), summarise(clients, true, raws.on));
}

console.log(
  `\nengine alone, 16 latents: ${engine.singleMsPerImage.toFixed(1)} ms/image as runs of 1, ${
    engine.batchedMsPerImage.toFixed(1)
  } ms/image as one run of 16 (${(engine.singleMsPerImage / engine.batchedMsPerImage).toFixed(2)}x)`,
);
console.log(
  `\n${DURATION_S} s per cell in ${ROUNDS} alternating rounds, engine ${ENGINE}, 1 image per request, binary protocol, max batch 16, window ${WINDOW_MS} ms\n`,
);
console.log("| clients | batching | images/s | p50 ms | p99 ms | mean batch | errors |");
console.log("|---:|---|---:|---:|---:|---:|---:|");
for (const c of cells) {
  console.log(
    `| ${c.clients} | ${c.batching ? "on" : "off"} | ${c.imagesPerSecond.toFixed(1)} | ${
      c.p50Ms.toFixed(0)
    } | ${c.p99Ms.toFixed(0)} | ${c.meanBatch.toFixed(1)} | ${c.errors} |`,
  );
}
const speedups = CLIENTS.map((n) => {
  const on = cells.find((c) => c.clients === n && c.batching)!;
  const off = cells.find((c) => c.clients === n && !c.batching)!;
  return { clients: n, speedup: on.imagesPerSecond / off.imagesPerSecond };
});
console.log(
  "\nthroughput with batching / without: " +
    speedups.map((s) => `${s.clients}: ${s.speedup.toFixed(2)}x`).join(", "),
);

// Peak memory: 64 clients with batching on, RSS sampled every 100 ms (clients run in this process too).
const before = Deno.memoryUsage();
let peakRss = before.rss;
let peakHeap = before.heapUsed;
const timeline: { seconds: number; rss: number }[] = [];
const soakStart = performance.now();
const sampler = setInterval(() => {
  const m = Deno.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  const seconds = Math.round((performance.now() - soakStart) / 1000);
  if (seconds % 5 === 0 && timeline.at(-1)?.seconds !== seconds) timeline.push({ seconds, rss: m.rss });
}, 100);
const soak = summarise(64, true, [await run(model, 64, true, SOAK_S)]);
clearInterval(sampler);
const after = Deno.memoryUsage();
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(
  `\nmemory, 64 clients for ${SOAK_S} s (${soak.requests} requests): RSS ${mb(before.rss)} MB before, peak ${
    mb(peakRss)
  } MB, ${mb(after.rss)} MB after; JS heap peak ${mb(peakHeap)} MB`,
);
console.log("RSS every 5 s (MB): " + timeline.map((t) => `${t.seconds}s ${mb(t.rss)}`).join(", "));
await loaded.dispose();

await Deno.mkdir(`${root}bench/results`, { recursive: true });
await Deno.writeTextFile(
  `${root}bench/results/${OUT}.json`,
  JSON.stringify(
    {
      machine: info,
      provider: model.executionProvider,
      durationSeconds: DURATION_S,
      rounds: ROUNDS,
      engineMode: ENGINE,
      thread: THREAD,
      instances: INSTANCES,
      windowMs: WINDOW_MS,
      engine,
      cells,
      speedups,
      memory: {
        soakSeconds: SOAK_S,
        clients: 64,
        rssBefore: before.rss,
        rssPeak: peakRss,
        rssAfter: after.rss,
        heapPeak: peakHeap,
        timeline,
        requests: soak.requests,
      },
    },
    null,
    2,
  ) + "\n",
);
