/**
 * onnxruntime-web's wasm, the largest download of a first visit (27 MB, 4.8 MB of brotli, where the
 * built-in model is 17 KB): the worker reads it itself, once, so that the element's download bar
 * counts it with the model's files, and gives onnxruntime its bytes (`env.wasm.wasmBinary`), which
 * then fetches nothing.
 *
 * It goes through the browser's HTTP cache, as onnxruntime's own fetch did, not into Cache Storage
 * with the model files. Its URL stays the same from one version of the bundle to the next, whose
 * glue code must match it; a copy kept in Cache Storage would outlive the bundle it came with (and a
 * site that moves to a new version's folder would leave 27 MB in every visitor's storage, named by
 * no manifest that could delete it). The HTTP cache keeps it as the server sent it (4.8 MB of
 * brotli, not 27 MB), revalidates it by the server's rules, and evicts it on its own.
 *
 * @module
 */

import { downloadProgress } from "../../core/model-files.ts";
import { downloadFile } from "./model-cache.ts";

/** The wasm of onnxruntime-web's webgpu bundle, which its wasm provider runs on too (in dist/). */
export const ortWasmFile = "ort-wasm-simd-threaded.asyncify.wasm";

/**
 * Its size in the onnxruntime-web the bundle is built with (tests/worker/ort-wasm.test.ts checks it
 * against node_modules): the download bar's total for it, whatever the response says. A response
 * from another origin hides its Content-Encoding, so its Content-Length may be of the 4.8 MB of
 * brotli while 27 MB are read.
 */
export const ortWasmBytes = 26_781_914;

/** The wasm of this worker, read or being read, by URL: one download for every backend that uses it. */
const reads = new Map<string, Promise<Uint8Array>>();

/**
 * Reads onnxruntime's wasm, once per worker: a second call (the wasm backend after WebGPU failed)
 * gets the same bytes without a download. A read that failed is tried again at the next call.
 *
 * @param url Absolute URL of the wasm.
 * @param onProgress Called with bytes read so far and {@link ortWasmBytes}, during a download.
 * @returns Its bytes.
 * @throws TypeError naming the URL and what failed: the download, or a file of another size (another
 * version's wasm, which the bundle's glue code cannot run), also when read again past the HTTP cache.
 * @example
 * ```ts
 * import { loadOrtWasm, ortWasmFile } from "./ort-wasm.ts";
 * const wasm = await loadOrtWasm(new URL(ortWasmFile, "https://cdn.example/le/").href);
 * ```
 */
export function loadOrtWasm(
  url: string,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Uint8Array> {
  let read = reads.get(url);
  if (!read) {
    read = readOrtWasm(url, onProgress);
    reads.set(url, read);
    read.catch(() => reads.get(url) === read && reads.delete(url));
  }
  return read;
}

async function readOrtWasm(
  url: string,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Uint8Array> {
  const report = onProgress && ((loaded: number) => onProgress(loaded, ortWasmBytes));
  try {
    let { bytes } = await downloadFile(url, report, "default");
    // The HTTP cache may still hold the wasm of the bundle before an update: once more, past it.
    if (bytes.length !== ortWasmBytes) ({ bytes } = await downloadFile(url, report, "reload"));
    if (bytes.length !== ortWasmBytes) {
      throw new TypeError(
        `Cannot use it: it is ${bytes.length} bytes, where the wasm of the onnxruntime-web this bundle is built with is ${ortWasmBytes} (serve the wasm of the same build as latent-evolver.worker.js)`,
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
 * Reads onnxruntime's wasm alongside a model's files, with one download progress over both. It is
 * reported once both have said how far they are, so that its total does not grow as they start.
 *
 * @param url Absolute URL of the wasm.
 * @param report Called with the bytes read of the wasm and the model, and their total.
 * @returns `wasm`, the wasm's bytes (see {@link loadOrtWasm}); `onModelProgress`, to be told the
 * model's progress (createGenerator's `onDownloadProgress`).
 * @example
 * ```ts
 * import { loadWithOrtWasm, ortWasmFile } from "./ort-wasm.ts";
 * const { wasm, onModelProgress } = loadWithOrtWasm(
 *   new URL(ortWasmFile, "https://cdn.example/le/").href,
 *   (loaded, total) => console.log(loaded, total),
 * );
 * // createGenerator(manifest, ort, { onDownloadProgress: onModelProgress, runtimeReady: wasm });
 * ```
 */
export function loadWithOrtWasm(
  url: string,
  report?: (loaded: number, total: number) => void,
): { wasm: Promise<Uint8Array>; onModelProgress: (loaded: number, total: number) => void } {
  const heard = [false, false];
  const progress = downloadProgress([ortWasmBytes, 0], (loaded, total) => {
    if (heard[0] && heard[1]) report?.(loaded, total);
  });
  const update = (i: number, loaded: number, total: number) => {
    heard[i] = true;
    progress.update(i, loaded, total);
  };
  const wasm = loadOrtWasm(url, (loaded, total) => update(0, loaded, total)).then((bytes) => {
    heard[0] = true;
    progress.done(0, bytes.length);
    return bytes;
  });
  return { wasm, onModelProgress: (loaded, total) => update(1, loaded, total) };
}
