/**
 * onnxruntime-web's runtime wasm, the largest download of a first visit (the built-in model is
 * 17 KB): the worker reads it itself, once, so that the element's download bar counts it with the
 * model's files, and gives onnxruntime its bytes (`env.wasm.wasmBinary`), which then fetches nothing.
 * Each backend has its own runtime ({@link ortRuntimes}): a visitor downloads the one of the backend
 * that starts, not the other.
 *
 * It goes through the browser's HTTP cache, as onnxruntime's own fetch did, not into Cache Storage
 * with the model files. Its URL stays the same from one version of the bundle to the next, whose
 * glue code must match it; a copy kept in Cache Storage would outlive the bundle it came with (and a
 * site that moves to a new version's folder would leave megabytes in every visitor's storage, named
 * by no manifest that could delete it). The HTTP cache keeps it as the server sent it (brotli: a
 * fifth of its size), revalidates it by the server's rules, and evicts it on its own.
 *
 * @module
 */

import { downloadProgress } from "../../core/model-files.ts";
import { downloadFile } from "./model-cache.ts";

/** The runtime of an onnxruntime-web build, its files shipped in dist/ beside the worker. */
export interface OrtRuntime {
  /** Its wasm's name, in onnxruntime-web's dist/ and the bundle's. */
  wasm: string;
  /**
   * Its wasm's size in the onnxruntime-web the bundle is built with (tests/worker/ort-wasm.test.ts
   * checks it against node_modules): the download bar's total for it, whatever the response says. A
   * response from another origin hides its Content-Encoding, so its Content-Length may be that of the
   * brotli.
   */
  wasmBytes: number;
  /**
   * Its JavaScript glue's name: the worker has a copy inside, but threads start from this file
   * (component/backends/onnx.ts).
   */
  glue: string;
}

/** The runtime of each onnxruntime-web build the backends run. */
export const ortRuntimes = {
  /**
   * onnxruntime-web/webgpu's (27 MB, 4.8 MB of brotli), built with asyncify so that its WebGPU
   * provider can wait for the GPU; the webgpu backend runs it.
   */
  webgpu: {
    wasm: "ort-wasm-simd-threaded.asyncify.wasm",
    wasmBytes: 26_781_914,
    glue: "ort-wasm-simd-threaded.asyncify.mjs",
  },
  /**
   * onnxruntime-web/wasm's (14 MB, 2.8 MB of brotli), CPU only and without asyncify, which slows CPU
   * kernels down (bench/inference.mjs); the wasm backend runs it.
   */
  wasm: { wasm: "ort-wasm-simd-threaded.wasm", wasmBytes: 14_239_897, glue: "ort-wasm-simd-threaded.mjs" },
} as const satisfies Record<string, OrtRuntime>;

/** The wasm files this worker read or is reading, by URL: each is downloaded once. */
const reads = new Map<string, Promise<Uint8Array>>();

/**
 * Reads the wasm of an onnxruntime-web runtime, once per worker: a second call (its backend started
 * again) gets the same bytes without a download. A read that failed is tried again at the next call.
 *
 * @param runtime Whose wasm ({@link ortRuntimes}).
 * @param base Absolute URL of the folder it is in (the worker bundle's).
 * @param onProgress Called with bytes read so far and its size, during a download.
 * @returns Its bytes.
 * @throws TypeError naming the URL and what failed: the download, or a file of another size (another
 * version's wasm, which the bundle's glue code cannot run), also when read again past the HTTP cache.
 * @example
 * ```ts
 * import { loadOrtWasm, ortRuntimes } from "./ort-wasm.ts";
 * const wasm = await loadOrtWasm(ortRuntimes.wasm, "https://cdn.example/le/");
 * ```
 */
export function loadOrtWasm(
  runtime: OrtRuntime,
  base: string,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Uint8Array> {
  const url = new URL(runtime.wasm, base).href;
  let read = reads.get(url);
  if (!read) {
    read = readOrtWasm(url, runtime.wasmBytes, onProgress);
    reads.set(url, read);
    read.catch(() => reads.get(url) === read && reads.delete(url));
  }
  return read;
}

async function readOrtWasm(
  url: string,
  size: number,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Uint8Array> {
  const report = onProgress && ((loaded: number) => onProgress(loaded, size));
  try {
    let { bytes } = await downloadFile(url, report, "default");
    // The HTTP cache may still hold the wasm of the bundle before an update: once more, past it.
    if (bytes.length !== size) ({ bytes } = await downloadFile(url, report, "reload"));
    if (bytes.length !== size) {
      throw new TypeError(
        `Cannot use it: it is ${bytes.length} bytes, where the wasm of the onnxruntime-web this bundle is built with is ${size} (serve the wasm of the same build as latent-evolver.worker.js)`,
      );
    }
    return bytes;
  } catch (error) {
    throw new TypeError(`Cannot load onnxruntime's wasm (${url}): ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  }
}

/**
 * Reads the wasm of an onnxruntime-web runtime alongside a model's files, with one download progress
 * over both. It is reported once both have said how far they are, so that its total does not grow as
 * they start.
 *
 * @param runtime Whose wasm ({@link ortRuntimes}).
 * @param base Absolute URL of the folder it is in (the worker bundle's).
 * @param report Called with the bytes read of the wasm and the model, and their total.
 * @returns `wasm`, the wasm's bytes (see {@link loadOrtWasm}); `onModelProgress`, to be told the
 * model's progress (createGenerator's `onDownloadProgress`).
 * @example
 * ```ts
 * import { loadWithOrtWasm, ortRuntimes } from "./ort-wasm.ts";
 * const { wasm, onModelProgress } = loadWithOrtWasm(
 *   ortRuntimes.wasm,
 *   "https://cdn.example/le/",
 *   (loaded, total) => console.log(loaded, total),
 * );
 * // createGenerator(manifest, ort, { onDownloadProgress: onModelProgress, runtimeReady: wasm });
 * ```
 */
export function loadWithOrtWasm(
  runtime: OrtRuntime,
  base: string,
  report?: (loaded: number, total: number) => void,
): { wasm: Promise<Uint8Array>; onModelProgress: (loaded: number, total: number) => void } {
  const heard = [false, false];
  const progress = downloadProgress([runtime.wasmBytes, 0], (loaded, total) => {
    if (heard[0] && heard[1]) report?.(loaded, total);
  });
  const update = (i: number, loaded: number, total: number) => {
    heard[i] = true;
    progress.update(i, loaded, total);
  };
  const wasm = loadOrtWasm(runtime, base, (loaded, total) => update(0, loaded, total)).then((bytes) => {
    heard[0] = true;
    progress.done(0, bytes.length);
    return bytes;
  });
  return { wasm, onModelProgress: (loaded, total) => update(1, loaded, total) };
}
