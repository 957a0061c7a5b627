/**
 * Models served from inference workers: one Deno worker per model folder runs onnxruntime-node
 * ({@link ./inference-worker.ts}), so that a running batch never holds the thread that reads
 * requests. A model that lives in a worker looks like any other {@link ServedModel} to the handler.
 *
 * @module
 */
import * as Comlink from "comlink";
import type { Latent } from "../core/latent.ts";
import type { InferenceWorkerApi } from "./inference-worker.ts";
import { DEFAULT_PROVIDERS, type Engine, type LoadedModel, manifestFolders } from "./load.ts";
import type { RgbaImage, ServedModel } from "./model.ts";

function abortError(): DOMException {
  return new DOMException("Image generation was aborted", "AbortError");
}

/**
 * Starts a worker and loads one model in it.
 *
 * @param manifestPath The model's manifest.json.
 * @param providers Execution providers to try in order.
 * @param engine How batches run (see load.ts).
 * @param options `workerUrl`: another module with the {@link InferenceWorkerApi} (tests use one that
 *   crashes).
 * @returns The model; `dispose()` releases its sessions and ends the worker. Once the worker has
 *   died, `model.healthy()` is false and every call fails naming the cause.
 * @example
 * ```ts
 * const { model, dispose } = await loadModelInWorker("models/builtin/manifest.json");
 * ```
 */
export async function loadModelInWorker(
  manifestPath: string,
  providers: readonly string[] = DEFAULT_PROVIDERS,
  engine: Engine = "auto",
  options: { workerUrl?: URL } = {},
): Promise<LoadedModel> {
  const abs = await Deno.realPath(manifestPath);
  const workerUrl = options.workerUrl ?? new URL("./inference-worker.ts", import.meta.url);
  const worker = new Worker(workerUrl, { type: "module" });
  const api = Comlink.wrap<InferenceWorkerApi>(worker as unknown as Comlink.Endpoint);
  // A worker that dies (out of memory, a crash in native code) fails every call still waiting.
  let dead: Error | undefined;
  const waiting = new Set<(e: Error) => void>();
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    dead = new Error(`the inference worker of ${abs} stopped: ${event.message}`);
    for (const fail of waiting) fail(dead);
  });
  const call = <T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    if (dead) return Promise.reject(dead);
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<T>((resolve, reject) => {
      const fail = (e: unknown) => {
        waiting.delete(fail);
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      };
      // The run itself cannot be interrupted; an aborted caller stops waiting for it.
      const onAbort = () => fail(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.add(fail);
      run().then((value) => {
        waiting.delete(fail);
        signal?.removeEventListener("abort", onAbort);
        resolve(value);
      }, fail);
    });
  };
  let info;
  try {
    info = await call(() => api.load(abs, [...providers], engine));
  } catch (e) {
    worker.terminate();
    throw e;
  }
  const [C, H, W] = info.latentShape;
  const size = C * H * W;
  let busy: Promise<unknown> = Promise.resolve();
  const model: ServedModel = {
    name: info.name,
    version: info.version,
    platform: info.platform,
    executionProvider: info.executionProvider,
    latentShape: info.latentShape,
    imageSize: info.imageSize,
    healthy: () => dead === undefined,
    async generate(latents: Latent[], prompt: string, options = {}): Promise<RgbaImage[]> {
      for (const [i, l] of latents.entries()) {
        if (l.data.length !== size) {
          throw new RangeError(
            `Cannot generate images: expected latent shape [${C},${H},${W}], got [${l.shape}] at ${i}`,
          );
        }
      }
      const packed = new Float32Array(latents.length * size);
      latents.forEach((l, i) => packed.set(l.data, i * size));
      const signal = options.signal;
      // One call in the worker at a time: a caller that stopped waiting (aborted, timed out) leaves
      // its run going, and the next batch waits for it instead of piling up behind it unseen; a
      // call aborted while it waits is never sent.
      const run = busy.then(() =>
        signal?.aborted
          ? Promise.reject(abortError())
          : api.generate(Comlink.transfer(packed, [packed.buffer]), latents.length, prompt)
      );
      busy = run.catch(() => {});
      const out = await call(() => run, signal);
      const bytes = out.width * out.height * 4;
      return latents.map((_, i) => ({
        width: out.width,
        height: out.height,
        data: out.data.subarray(i * bytes, (i + 1) * bytes),
      }));
    },
  };
  return {
    model,
    dir: abs.slice(0, abs.lastIndexOf("/")),
    async dispose() {
      if (!dead) await api.dispose().catch(() => {});
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}

/**
 * Loads every model under a folder, each in its own inference worker, as `loadModels` does in
 * this thread (aliases by folder name included).
 *
 * @param dir The models folder.
 * @param providers Execution providers to try in order.
 * @param engine How batches run.
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
): Promise<LoadedModel[]> {
  const out: LoadedModel[] = [];
  try {
    for (const { name, path } of await manifestFolders(dir)) {
      const loaded = await loadModelInWorker(path, providers, engine);
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
