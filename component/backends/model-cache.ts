/**
 * Model files through Cache Storage, so a second visit downloads nothing. Downloads stream, so the
 * element can show a byte progress bar for large models.
 *
 * @module
 */

import { decodedLength, readBody } from "../../core/read-body.ts";

/** The Cache Storage cache that holds model files. */
export const modelCacheName = "latent-evolver-models-v1";

/**
 * Reads a model file: from Cache Storage when it is there, else from the network (then cached).
 * Where Cache Storage is missing (an insecure origin, some private windows) it just fetches.
 *
 * @param url Absolute URL of the file.
 * @param onProgress Called with bytes read so far and the total (0 when unknown).
 * @returns The file's bytes.
 * @throws TypeError naming the URL and the HTTP status when the download fails.
 * @example
 * ```ts
 * import { loadModelFile } from "./model-cache.ts";
 * const bytes = await loadModelFile("https://example.com/model.onnx", (n, total) => console.log(n, total));
 * ```
 */
export async function loadModelFile(
  url: string,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Uint8Array> {
  const cache = await openCache();
  const cached = await cache?.match(url);
  if (cached) {
    const bytes = new Uint8Array(await cached.arrayBuffer());
    onProgress?.(bytes.length, bytes.length);
    return bytes;
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new TypeError(`Cannot download model file ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new TypeError(`Cannot download model file ${url}: HTTP ${response.status}`);
  const total = decodedLength(response);
  const bytes = await readWithProgress(response, total, onProgress);
  // Caching is best effort: a full quota must not stop the model from running.
  await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: response.headers }))
    .catch(() => {});
  return bytes;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === "undefined" ? null : await caches.open(modelCacheName);
  } catch {
    return null;
  }
}

async function readWithProgress(
  response: Response,
  total: number,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  return await readBody(response.body, {
    onProgress: onProgress && ((loaded) => onProgress(loaded, Math.max(total, loaded))),
  });
}
