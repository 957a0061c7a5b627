/**
 * The model-agnostic inference pipeline: one `generate(latents, prompt)` over an injected onnxruntime
 * (onnxruntime-web in the page and worker, onnxruntime-node in the server), so the same latent and
 * prompt give the same image everywhere. Sessions are created once per generator; the prompt's
 * conditioning (style vector or text embedding) is computed once per prompt and reused.
 *
 * @module
 */
import type * as OrtCommon from "onnxruntime-common";
import type { Latent } from "./latent.ts";
import { type ExpectedFile, type ModelManifest, sha256Hex } from "./manifest.ts";
import type { RgbaImage } from "./image.ts";
import { lfsPointerReason, type LoadFile, loadModelFiles, type ReloadFile } from "./model-files.ts";
import { createDecoderRunner } from "./pipeline-decoder.ts";
import { createSdTurboRunner } from "./pipeline-sd-turbo.ts";
import { readResponse } from "./read-body.ts";

export type { RgbaImage } from "./image.ts";
export type { ExpectedFile } from "./manifest.ts";
export type { LoadFile, ReloadFile } from "./model-files.ts";

/** The part of an onnxruntime module the pipeline uses (onnxruntime-web and onnxruntime-node both fit). */
export type Ort = {
  InferenceSession: typeof OrtCommon.InferenceSession;
  Tensor: typeof OrtCommon.Tensor;
};

/**
 * Checks bytes against what a manifest says of them, and refuses a Git LFS pointer (what a host
 * serves for a file that Git LFS did not fetch) whatever the manifest says.
 *
 * @param bytes What was read.
 * @param expected The manifest's size and SHA-256, where it gives them.
 * @throws TypeError saying what differs.
 * @example
 * ```ts
 * await checkFile(new Uint8Array(3), { bytes: 3 });
 * ```
 */
export async function checkFile(bytes: Uint8Array, expected: ExpectedFile): Promise<void> {
  const pointer = lfsPointerReason(bytes);
  if (pointer) throw new TypeError(`Cannot use what was read: ${pointer}`);
  if (expected.bytes !== undefined && bytes.length !== expected.bytes) {
    throw new TypeError(
      `Cannot use what was read: ${bytes.length} bytes, where the manifest says ${expected.bytes}`,
    );
  }
  if (expected.sha256 !== undefined) {
    const sha256 = await sha256Hex(bytes);
    if (sha256 !== expected.sha256) {
      throw new TypeError(
        `Cannot use what was read: its SHA-256 is ${sha256}, the manifest says ${expected.sha256}`,
      );
    }
  }
}

/** Options of {@link createGenerator}. */
export type GeneratorOptions = {
  /** Execution providers to try in order, e.g. `["webgpu", "wasm"]`; the first that loads every file wins. */
  executionProviders?: string[];
  /** How to read model files (default: `fetch`, which also reads file: URLs in Deno). */
  loadFile?: LoadFile;
  /**
   * How to read a file again past every cache, once, when onnxruntime cannot open its bytes or the
   * tokenizer cannot be read from them (default: none, a file is read once). The model cache gives
   * one: a copy it kept that is not the file must not fail every visit.
   */
  reloadFile?: ReloadFile;
  /** Download progress over all files of the model, in bytes. */
  onDownloadProgress?: (loaded: number, total: number) => void;
  /**
   * Waited for with the files, before the first session is made: a runtime that downloads a part of
   * itself (onnxruntime-web's wasm) does so alongside the model's files. Its rejection fails the load.
   */
  runtimeReady?: Promise<unknown>;
  /** Threads per session run on CPU providers (onnxruntime's `intraOpNumThreads`; default: its own). */
  threads?: number;
  /**
   * Lets the thread's queued events run between the images of a call with a `signal`, so that an
   * abort sent from another thread lands (default: one MessageChannel task, see `nextTask`). Deno's
   * workers take their host's messages only in a timer phase: the server gives a timer here.
   */
  yieldToEvents?: () => Promise<void>;
};

/** Options of {@link Generator.generate}. */
export type GenerateOptions = {
  /** Aborting rejects the call with an AbortError DOMException before the next image starts. */
  signal?: AbortSignal;
  /** Called with each image as soon as it is done, before the promise resolves. */
  onImage?: (index: number, image: RgbaImage) => void;
};

/** A loaded model, ready to render latents. */
export type Generator = {
  manifest: ModelManifest;
  /** The execution provider the sessions were created with. */
  executionProvider: string;
  /** Renders each latent with the prompt; calls on one generator run one after another. */
  generate(latents: Latent[], prompt: string, options?: GenerateOptions): Promise<RgbaImage[]>;
  /** Releases the sessions. */
  dispose(): Promise<void>;
};

/** What a model kind supplies: sessions are made, then each image is rendered by `render`. */
export type Runner = {
  render(latent: Latent, prompt: string, checkAbort: () => void): Promise<RgbaImage>;
  release(): Promise<void>;
};

/** Context a runner factory gets: the files' bytes and a session maker bound to one provider. */
export type RunnerContext = {
  ort: Ort;
  manifest: ModelManifest;
  executionProvider: string;
  files: Record<string, Uint8Array>;
  /** Makes something of a file's bytes, reading the file again once if `parse` throws (see ModelFiles). */
  parseFile<T>(key: string, parse: (bytes: Uint8Array) => T | Promise<T>): Promise<T>;
  /** A session on the file `key`, read again once if onnxruntime cannot open it. */
  createSession(key: string, options?: OrtCommon.InferenceSession.SessionOptions): Promise<
    OrtCommon.InferenceSession
  >;
};

/**
 * The default {@link LoadFile}: `fetch` with streamed progress, checked against the manifest.
 *
 * @param url File URL.
 * @param onProgress Progress callback.
 * @returns The bytes.
 * @example
 * ```ts
 * import { fetchFile } from "./pipeline.ts";
 * const bytes = await fetchFile(new URL("../models/builtin/model.onnx", import.meta.url).href);
 * ```
 */
export async function fetchFile(
  url: string,
  onProgress?: (loaded: number, total: number) => void,
  expected: ExpectedFile = {},
): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new TypeError(`HTTP ${response.status} ${response.statusText}`);
  const bytes = await readResponse(response, onProgress);
  await checkFile(bytes, expected);
  return bytes;
}

/** Throws the AbortError DOMException the contract promises. */
export function abortError(): DOMException {
  return new DOMException("Image generation was aborted", "AbortError");
}

/**
 * Loads a model and returns a generator for it.
 *
 * @param manifest A parsed manifest (see `parseManifest`).
 * @param ort The onnxruntime module.
 * @param options Providers, file loading, progress.
 * @returns The generator.
 * @throws TypeError when a file cannot be loaded or a model's inputs and outputs do not match its kind;
 * Error naming each provider's failure when no provider can create the sessions.
 * @example
 * ```ts
 * import * as ort from "onnxruntime-node";
 * import { createGenerator, loadManifest, randomLatent, createRng } from "./mod.ts";
 * const manifest = await loadManifest(new URL("../models/builtin/manifest.json", import.meta.url));
 * const generator = await createGenerator(manifest, ort);
 * const [image] = await generator.generate([randomLatent(manifest.latentShape, createRng(1))], "a fox");
 * ```
 */
export async function createGenerator(
  manifest: ModelManifest,
  ort: Ort,
  options: GeneratorOptions = {},
): Promise<Generator> {
  const [files] = await Promise.all([
    loadModelFiles(manifest, { ...options, loadFile: options.loadFile ?? fetchFile }),
    options.runtimeReady,
  ]);

  const providers = options.executionProviders?.length ? options.executionProviders : [undefined];
  const failures: string[] = [], errors: unknown[] = [];
  for (const ep of providers) {
    const opened: OrtCommon.InferenceSession[] = [];
    const context: RunnerContext = {
      ort,
      manifest,
      executionProvider: ep ?? "default",
      files: files.bytes,
      parseFile: files.parse,
      createSession: (key, sessionOptions = {}) =>
        files.parse(key, async (bytes) => {
          const session = await ort.InferenceSession.create(bytes, {
            ...sessionOptions,
            ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
            ...(ep ? { executionProviders: [ep] } : {}),
          }).catch((error: Error) => {
            throw new Error(`onnxruntime cannot open it (${error.message})`, { cause: error });
          });
          opened.push(session);
          return session;
        }),
    };
    try {
      const runner = manifest.kind === "decoder"
        ? await createDecoderRunner(context)
        : await createSdTurboRunner(context);
      return makeGenerator(manifest, ep ?? "default", runner, options.yieldToEvents ?? nextTask);
    } catch (error) {
      await Promise.all(opened.map((s) => s.release().catch(() => {})));
      // A model that does not fit its manifest fails the same way on every provider: say so once.
      if (error instanceof TypeError) throw error;
      failures.push(`${ep ?? "default"}: ${(error as Error).message}`);
      errors.push(error);
    }
  }
  throw new Error(`Cannot load model "${manifest.name}" on any execution provider: ${failures.join("; ")}`, {
    cause: errors,
  });
}

/**
 * Resolves in a new task, once the events already queued (messages included) have run. onnxruntime's
 * wasm provider without threads finishes a run through promise jobs alone, so in a worker an abort
 * posted by the page would otherwise wait until every image of the call was done. A MessageChannel
 * rather than `setTimeout`, which browsers clamp to 4 ms when nested.
 */
function nextTask(): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

function makeGenerator(
  manifest: ModelManifest,
  executionProvider: string,
  runner: Runner,
  yieldToEvents: () => Promise<void>,
): Generator {
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;
  const [C, H, W] = manifest.latentShape;
  return {
    manifest,
    executionProvider,
    generate(latents, prompt, options = {}) {
      if (disposed) {
        return Promise.reject(new TypeError(`Cannot generate: model "${manifest.name}" is disposed`));
      }
      for (const [i, l] of latents.entries()) {
        const [c, h, w] = l.shape;
        if (c !== C || h !== H || w !== W || l.data.length !== C * H * W) {
          return Promise.reject(
            new RangeError(
              `Cannot generate images: expected latent shape [${C},${H},${W}], got [${l.shape}] at index ${i}`,
            ),
          );
        }
      }
      const { signal, onImage } = options;
      const checkAbort = () => {
        if (signal?.aborted) throw abortError();
      };
      const run = async () => {
        const images: RgbaImage[] = [];
        for (let i = 0; i < latents.length; i++) {
          if (signal && i > 0) await yieldToEvents();
          checkAbort();
          const image = await runner.render(latents[i], prompt, checkAbort);
          checkAbort();
          images.push(image);
          onImage?.(i, image);
        }
        return images;
      };
      const result = queue.then(run, run);
      queue = result.catch(() => {});
      return result;
    },
    async dispose() {
      disposed = true;
      await queue;
      await runner.release();
    },
  };
}
