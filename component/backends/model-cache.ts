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
 * Where Cache Storage is missing (an insecure origin, some private windows) it just fetches. A
 * cached copy whose size is not the manifest's is stale (the model was rebuilt at the same URL) and
 * is downloaded again; a download of another size, or an HTML page (a host that answers a missing
 * file with its site's page and status 200), is refused and not cached.
 *
 * @param url Absolute URL of the file.
 * @param onProgress Called with bytes read so far and the total (0 when unknown).
 * @param expected The file's size as the manifest declares it, if it does.
 * @returns The file's bytes.
 * @throws TypeError saying what is wrong when the download fails (the caller names the file).
 * @example
 * ```ts
 * import { loadModelFile } from "./model-cache.ts";
 * const bytes = await loadModelFile("https://example.com/model.onnx", (n, total) => console.log(n, total));
 * ```
 */
export async function loadModelFile(
  url: string,
  onProgress?: (loaded: number, total: number) => void,
  expected: { bytes?: number } = {},
): Promise<Uint8Array> {
  const cache = await openCache();
  const cached = await cache?.match(url);
  if (cached) {
    const bytes = new Uint8Array(await cached.arrayBuffer());
    if (expected.bytes === undefined || bytes.length === expected.bytes) {
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    }
    await cache?.delete(url).catch(() => {});
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new TypeError(`Cannot download it: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new TypeError(`Cannot download it: HTTP ${response.status}`);
  if (/^text\/html\b/i.test(response.headers.get("content-type") ?? "")) {
    await response.body?.cancel();
    throw new TypeError(
      `Cannot use what the server sent: an HTML page (HTTP ${response.status}), not the file; check the manifest's path`,
    );
  }
  const bytes = await readWithProgress(response, decodedLength(response), onProgress);
  if (expected.bytes !== undefined && bytes.length !== expected.bytes) {
    throw new TypeError(
      `Cannot use what the server sent: ${bytes.length} bytes, where the manifest says ${expected.bytes}`,
    );
  }
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
    onProgress: onProgress && ((loaded) => onProgress(loaded, total)),
  });
}
