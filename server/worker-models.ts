/**
 * Models served from inference workers: each model folder gets one or more Deno workers (instances)
 * running onnxruntime-node ({@link ./inference-worker.ts}), so that a running batch never holds the
 * thread that reads requests, and on the CPU provider several instances run several batches at once
 * (as Triton's instance groups), each with its share of the cores. A model that lives in workers looks like any other {@link ServedModel} to the
 * handler; its `concurrency` tells the batcher how many batches to run at a time.
 *
 * @module
 */
import * as Comlink from "comlink";
import type { Latent } from "../core/latent.ts";
import { abortError } from "../core/pipeline.ts";
import type { InferenceWorkerApi, WorkerModelInfo } from "./inference-worker.ts";
import { DEFAULT_PROVIDERS, type Engine, type LoadedModel, manifestFolders } from "./load.ts";
import type { RgbaImage, ServedModel } from "./model.ts";

/** Options of {@link loadModelInWorker} and {@link loadModelsInWorkers}. */
export interface WorkerModelOptions {
  /** Workers per model, each with its own sessions (default 1). */
  instances?: number;
  /**
   * Threads per run on the CPU provider in each worker (default: every core with one instance, and
   * the cores shared out between instances with several, so they do not oversubscribe the CPU).
   */
  threads?: number;
  /** Another module with the {@link InferenceWorkerApi} (tests use one that crashes). */
  workerUrl?: URL;
  /** Milliseconds before the first restart of a worker that died; doubled at each further one, up to 30 s (default 500). */
  restartMs?: number;
  /** Told of each worker that dies and of each restart that fails (the server logs them). */
  onWorkerEvent?: (event: { model: string; message: string; error?: string }) => void;
}

/** The longest wait before restarting a worker that keeps dying. */
const MAX_RESTART_MS = 30_000;

/** One worker holding one copy of the model. */
class Instance {
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<InferenceWorkerApi>;
  /** Set once the worker has died: every later call fails with it. */
  dead: Error | undefined;
  /** Calls sent or waiting to be sent. */
  inFlight = 0;
  /** Ids of the runs sent, for `cancel`. */
  #runs = 0;
  /** The last call sent: the next one waits for it, so the worker runs one at a time. */
  #busy: Promise<unknown> = Promise.resolve();
  readonly #waiting = new Set<(e: Error) => void>();
  #disposed = false;

  /**
   * @param url The worker module.
   * @param label The model, for messages.
   * @param onDeath Called once if the worker dies, with why.
   */
  constructor(url: URL, label: string, onDeath: (error: Error) => void = () => {}) {
    this.#worker = new Worker(url, { type: "module" });
    this.#api = Comlink.wrap<InferenceWorkerApi>(this.#worker as unknown as Comlink.Endpoint);
    // A worker that dies (out of memory, a crash outside Comlink's handlers) fails every waiting call.
    this.#worker.addEventListener("error", (event) => {
      event.preventDefault();
      if (this.dead) return;
      this.dead = new Error(`the inference worker of ${label} stopped: ${event.message}`);
      for (const fail of this.#waiting) fail(this.dead);
      onDeath(this.dead);
    });
  }

  /** Waits for `run`, failing early when the worker dies or `signal` aborts. */
  #call<T>(run: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        this.#waiting.delete(fail);
        signal?.removeEventListener("abort", onAbort);
      };
      const fail = (e: unknown) => {
        done();
        reject(e);
      };
      // An aborted caller stops waiting at once; the run is cancelled in the worker (see generate).
      const onAbort = () => fail(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.add(fail);
      run.then((value) => {
        done();
        resolve(value);
      }, fail);
    });
  }

  load(path: string, providers: string[], engine: Engine, threads?: number): Promise<WorkerModelInfo> {
    return this.#call(this.#api.load(path, providers, engine, threads));
  }

  /**
   * Renders packed latents. A call aborted while it waits is never sent; one aborted while it runs is
   * cancelled in the worker, which stops at the run's next step. The next call waits for that, so
   * calls never pile up in the worker unseen.
   */
  async generate(packed: Float32Array, count: number, prompt: string, signal?: AbortSignal) {
    if (signal?.aborted) throw abortError();
    this.inFlight++;
    const id = ++this.#runs;
    const run = this.#busy.then(() => {
      if (signal?.aborted) throw abortError();
      const images = this.#api.generate(Comlink.transfer(packed, [packed.buffer]), count, prompt, id);
      const cancel = () => void this.#api.cancel(id).catch(() => {});
      signal?.addEventListener("abort", cancel, { once: true });
      return images.finally(() => signal?.removeEventListener("abort", cancel));
    });
    this.#busy = run.catch(() => {});
    this.#busy.then(() => this.inFlight--);
    return await this.#call(run, signal);
  }

  /** Releases the model and ends the worker; once (a dead one is ended before its restart). */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    if (!this.dead) await this.#api.dispose().catch(() => {});
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }
}

/**
 * Starts `instances` workers and loads one model in each.
 *
 * @param manifestPath The model's manifest.json.
 * @param providers Execution providers to try in order.
 * @param engine How batches run (see load.ts).
 * @param options Instances, threads and the worker module.
 * @returns The model; `dispose()` releases its sessions and ends the workers. A worker that dies is
 *   started again and loads the model again (after `restartMs`, doubled at each further restart up
 *   to 30 s, and back to `restartMs` once a call succeeds); until then `model.healthy()` is false, the
 *   calls it had fail naming the cause, and the other instances serve.
 * @example
 * ```ts
 * const { model, dispose } = await loadModelInWorker("models/builtin/manifest.json", ["cpu"], "auto", { instances: 2 });
 * ```
 */
export async function loadModelInWorker(
  manifestPath: string,
  providers: readonly string[] = DEFAULT_PROVIDERS,
  engine: Engine = "auto",
  options: WorkerModelOptions = {},
): Promise<LoadedModel> {
  const abs = await Deno.realPath(manifestPath);
  const count = options.instances ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Cannot load model ${abs}: instances must be a positive integer, got ${count}`);
  }
  const threads = options.threads ??
    (count > 1 ? Math.max(1, Math.floor(navigator.hardwareConcurrency / count)) : undefined);
  const url = options.workerUrl ?? new URL("./inference-worker.ts", import.meta.url);
  const restartMs = options.restartMs ?? 500;
  /** False until every instance has loaded, and again once disposed: only then are deaths restarted. */
  let serving = false;
  /** Restarts so far of each instance since its last successful call. */
  const restarts: number[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  /** Instances started again that are still loading: ended by `dispose()`. */
  const starting = new Set<Instance>();
  const tell = options.onWorkerEvent ?? (() => {});
  /** A worker died: said, and started again. */
  const died = (slot: number, error: Error) => {
    tell({ model: abs, message: "inference worker died", error: error.message });
    restart(slot);
  };
  /** Starts the instance at `slot` again, on the provider the first one got, until it loads. */
  const restart = (slot: number) => {
    if (!serving) return; // a death while the others load: restarted once they have (see below)
    const n = restarts[slot] ?? 0;
    restarts[slot] = n + 1;
    const wait = Math.min(MAX_RESTART_MS, restartMs * 2 ** n);
    const timer = setTimeout(async () => {
      timers.delete(timer);
      if (!serving) return;
      // The dead one ends first: a GPU provider's device is the process's, one session at a time.
      await instances[slot].dispose();
      const next = new Instance(url, abs, (e) => died(slot, e));
      starting.add(next);
      try {
        await next.load(abs, [info.executionProvider], engine, threads);
      } catch (e) {
        starting.delete(next);
        await next.dispose();
        if (next.dead) return; // its death restarts it already
        tell({ model: abs, message: "inference worker restart failed", error: (e as Error).message });
        return restart(slot);
      }
      starting.delete(next);
      if (!serving) return void next.dispose();
      instances[slot] = next;
    }, wait);
    timers.add(timer);
  };
  const instances = [new Instance(url, abs, (e) => died(0, e))];
  let info: WorkerModelInfo;
  try {
    info = await instances[0].load(abs, [...providers], engine, threads);
    // onnxruntime's WebGPU provider keeps one device per process: two workers running on it at once
    // corrupt each other's command encoders and crash the process (seen on an H100). GPU providers
    // batch on their own; several instances are for the CPU provider.
    if (count > 1 && info.executionProvider !== "cpu") {
      throw new RangeError(
        `Cannot load model ${abs} in ${count} instances: the ${info.executionProvider} provider runs one instance per process (use --instances 1, or --providers cpu)`,
      );
    }
    // The others on the provider the first one got, one after another.
    for (let i = 1; i < count; i++) {
      instances.push(new Instance(url, abs, (e) => died(i, e)));
      await instances[i].load(abs, [info.executionProvider], engine, threads);
    }
  } catch (e) {
    await Promise.all(instances.map((i) => i.dispose()));
    throw e;
  }
  serving = true;
  // One that died while the others loaded.
  instances.forEach((instance, slot) => instance.dead && restart(slot));
  const [C, H, W] = info.latentShape;
  const size = C * H * W;
  const model: ServedModel = {
    name: info.name,
    version: info.version,
    platform: info.platform,
    executionProvider: info.executionProvider,
    latentShape: info.latentShape,
    imageSize: info.imageSize,
    concurrency: count,
    healthy: () => instances.every((i) => !i.dead),
    async generate(latents: Latent[], prompt: string, options = {}): Promise<RgbaImage[]> {
      for (const [i, l] of latents.entries()) {
        if (l.data.length !== size) {
          throw new RangeError(
            `Cannot generate images: expected latent shape [${C},${H},${W}], got [${l.shape}] at ${i}`,
          );
        }
      }
      const live = instances.filter((i) => !i.dead);
      if (live.length === 0) throw instances[0].dead;
      const instance = live.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      const packed = new Float32Array(latents.length * size);
      latents.forEach((l, i) => packed.set(l.data, i * size));
      const images = await instance.generate(packed, latents.length, prompt, options.signal);
      restarts[instances.indexOf(instance)] = 0; // it serves: the next death restarts it soon
      return images;
    },
  };
  return {
    model,
    dir: abs.slice(0, abs.lastIndexOf("/")),
    async dispose() {
      serving = false;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all([...instances, ...starting].map((i) => i.dispose()));
    },
  };
}

/**
 * Loads every model under a folder, each in its own inference workers, with aliases by folder name
 * as `loadModel` callers expect ("builtin").
 *
 * @param dir The models folder.
 * @param providers Execution providers to try in order.
 * @param engine How batches run.
 * @param options Instances and threads per model.
 * @returns The loaded models.
 * @example
 * ```ts
 * const loaded = await loadModelsInWorkers("models");
 * ```
 */
export async function loadModelsInWorkers(
  dir: string,
  providers: readonly string[] = DEFAULT_PROVIDERS,
  engine: Engine = "auto",
  options: WorkerModelOptions = {},
): Promise<LoadedModel[]> {
  const folders = await manifestFolders(dir);
  // Each model answers to its manifest's name and its folder's: two under one name are refused before
  // any loads (one would hide the other), naming both folders.
  const owner = new Map<string, string>();
  for (const { name, path } of folders) {
    let manifest: string;
    try {
      manifest = JSON.parse(await Deno.readTextFile(path)).name;
    } catch {
      continue; // loading it says what is wrong
    }
    for (const alias of new Set([manifest, name])) {
      const other = owner.get(alias);
      if (other !== undefined) {
        throw new TypeError(
          `Cannot serve the models in ${other} and ${name} (in ${dir}): both answer to "${alias}" (a manifest's name, or a folder's); rename one`,
        );
      }
      owner.set(alias, name);
    }
  }
  const out: LoadedModel[] = [];
  try {
    for (const { name, path } of folders) {
      const loaded = await loadModelInWorker(path, providers, engine, options);
      out.push(loaded);
      if (loaded.model.name !== name) {
        out.push({ ...loaded, model: { ...loaded.model, name }, dispose: async () => {} });
      }
    }
  } catch (e) {
    for (const l of out) await l.dispose();
    throw e;
  }
  return out;
}
