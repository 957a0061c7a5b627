/**
 * The inference worker: loads one model folder with onnxruntime-node and renders batches for the
 * server's main thread, over Comlink. onnxruntime-node's `session.run` holds the JavaScript thread
 * for the whole run (with the WebGPU provider, a batch of 16 left a 1 ms timer silent for the full
 * run), so on the main thread it would stop the server from reading requests, answering health
 * checks and filling the next batch. In a worker the main thread stays free and requests queue up
 * into full batches while one runs. Started by {@link ./worker-models.ts}.
 *
 * @module
 */
import * as Comlink from "comlink";
import * as ort from "onnxruntime-node";
import type { Ort } from "../core/pipeline.ts";
import { type Engine, type LoadedModel, loadModel } from "./load.ts";
import type { RgbaImage } from "./model.ts";

/** What the main thread learns of the loaded model. */
export interface WorkerModelInfo {
  name: string;
  version: string;
  platform: string;
  executionProvider: string;
  latentShape: [number, number, number];
  imageSize: [number, number];
}

let loaded: LoadedModel | undefined;
/** The runs under way, by the id the main thread gave them, to cancel. */
const runs = new Map<number, AbortController>();

const api = {
  /**
   * Loads the model of a manifest on the first provider that works.
   *
   * @param manifestPath The manifest.json.
   * @param providers Execution providers to try in order.
   * @param engine How batches run (see load.ts).
   * @param threads Threads per run on the CPU provider (undefined: every core).
   * @returns The model's description.
   */
  async load(
    manifestPath: string,
    providers: string[],
    engine: Engine,
    threads?: number,
  ): Promise<WorkerModelInfo> {
    if (loaded) throw new Error("Cannot load a model: this inference worker already holds one");
    loaded = await loadModel(manifestPath, ort as unknown as Ort, providers, engine, { threads });
    const m = loaded.model;
    return {
      name: m.name,
      version: m.version,
      platform: m.platform,
      executionProvider: m.executionProvider,
      latentShape: [...m.latentShape],
      imageSize: [...m.imageSize],
    };
  },

  /**
   * Renders `count` latents given back to back in one array (one transfer, however large the
   * batch); each image's pixels are transferred back, not copied.
   *
   * @param latents `count * C*H*W` values.
   * @param count Number of latents.
   * @param prompt The prompt.
   * @param run An id that {@link cancel} can name.
   * @returns The images, in order; an AbortError once cancelled.
   */
  async generate(latents: Float32Array, count: number, prompt: string, run?: number): Promise<RgbaImage[]> {
    if (!loaded) throw new Error("Cannot generate images: the inference worker has no model loaded");
    const model = loaded.model;
    const size = latents.length / count;
    const batch = Array.from({ length: count }, (_, i) => ({
      shape: model.latentShape,
      data: latents.subarray(i * size, (i + 1) * size),
    }));
    const controller = new AbortController();
    if (run !== undefined) runs.set(run, controller);
    let images: RgbaImage[];
    try {
      images = await model.generate(batch, prompt, { signal: controller.signal });
    } finally {
      runs.delete(run!);
    }
    const buffers = new Set(images.map((image) => image.data.buffer as ArrayBuffer));
    return Comlink.transfer(images, [...buffers]);
  },

  /**
   * Cancels a run whose callers have all left: it stops before its next image (the pipeline engine
   * and SD-Turbo render one image per step; a batched decoder's single onnxruntime run cannot be
   * stopped), so the worker is free for the next batch sooner. The cancel message comes in at the
   * pipeline's yields between images (see `timerYield` in load.ts), not while an image renders.
   *
   * @param run The id given to {@link generate}.
   */
  cancel(run: number): void {
    runs.get(run)?.abort();
  },

  /** Releases the sessions. */
  async dispose(): Promise<void> {
    await loaded?.dispose();
    loaded = undefined;
  },
};

/** The worker's Comlink API. */
export type InferenceWorkerApi = typeof api;

Comlink.expose(api, self as unknown as Comlink.Endpoint);
