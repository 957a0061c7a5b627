/**
 * Model files through Cache Storage, so a second visit downloads nothing. Downloads stream, so the
 * element can show a byte progress bar for large models. Files a manifest no longer names (a new
 * version of the model at new URLs) are deleted once it loads.
 *
 * @module
 */

import type { ModelManifest } from "../../core/manifest.ts";
import { checkFile, type ExpectedFile, type LoadFile, type ReloadFile } from "../../core/pipeline.ts";
import { readResponse } from "../../core/read-body.ts";

/** The Cache Storage cache that holds model files. */
export const modelCacheName = "latent-evolver-models-v1";

/** The header a cached file keeps its checked SHA-256 in (set when the manifest gives one). */
const SHA256_HEADER = "x-latent-evolver-sha256";

/** Options of {@link loadModelFile}. */
export type ModelFileOptions = {
  /**
   * Read past every cache: the copy read before could not be used. The cached copy is deleted
   * first, and the download made with `cache: "reload"`.
   */
  reload?: boolean;
  /**
   * Called when a download cannot be cached (a full quota, or a response with `Vary: *`, which
   * Cache Storage refuses): the file is used all the same, and downloaded again at the next visit.
   */
  onNotCached?: (url: string, reason: string) => void;
};

/**
 * Reads a model file: from Cache Storage when it is there, else from the network (then cached).
 * Where Cache Storage is missing (an insecure origin, some private windows) it just fetches. A
 * cached copy that is not what the manifest says (another size, or another SHA-256 where it gives
 * one: the model was rebuilt at the same URL) is stale and downloaded again; a download that is not
 * what the manifest says, an HTML page (a host that answers a missing file with its site's page and
 * status 200) or a Git LFS pointer is refused and not cached.
 *
 * @param url Absolute URL of the file.
 * @param onProgress Called with bytes read so far and the total (0 when unknown).
 * @param expected The file's size and SHA-256 as the manifest declares them, if it does.
 * @param options `reload` to read past every cache; `onNotCached` to hear of a download not cached.
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
  expected: ExpectedFile = {},
  options: ModelFileOptions = {},
): Promise<Uint8Array> {
  return (await readModelFile(url, onProgress, expected, options)).bytes;
}

/**
 * The loader of one load of a model, for `createGenerator`'s `loadFile` and `reloadFile`: a file
 * whose bytes cannot be used is read again past every cache once in this load, however many
 * backends try the model (each would otherwise download it again).
 *
 * @param onNotCached Called when a download cannot be cached (see {@link ModelFileOptions}).
 * @returns The loader and the reloader.
 * @example
 * ```ts
 * import { createModelLoader } from "./model-cache.ts";
 * const { loadFile, reloadFile } = createModelLoader((url, reason) => console.warn(url, reason));
 * // await createGenerator(manifest, ort, { loadFile, reloadFile });
 * ```
 */
export function createModelLoader(
  onNotCached?: (url: string, reason: string) => void,
): { loadFile: LoadFile; reloadFile: ReloadFile } {
  /** The files downloaded past every cache in this load: read again, they would be the same. */
  const fresh = new Set<string>();
  const read = async (
    url: string,
    onProgress: ((loaded: number, total: number) => void) | undefined,
    expected: ExpectedFile | undefined,
    reload: boolean,
  ) => {
    const file = await readModelFile(url, onProgress, expected, { reload, onNotCached });
    if (file.fresh) fresh.add(url);
    return file.bytes;
  };
  return {
    loadFile: (url, onProgress, expected) => read(url, onProgress, expected, false),
    reloadFile: async (url, onProgress, expected) =>
      fresh.has(url) ? null : await read(url, onProgress, expected, true),
  };
}

/** A file's bytes, and whether they were downloaded past every cache. */
async function readModelFile(
  url: string,
  onProgress: ((loaded: number, total: number) => void) | undefined,
  expected: ExpectedFile = {},
  options: ModelFileOptions,
): Promise<{ bytes: Uint8Array; fresh: boolean }> {
  const cache = await openCache();
  if (options.reload) {
    // Gone before the download: a download that fails leaves no copy that fails every visit.
    await cache?.delete(url).catch(() => false);
  } else {
    const cached = await readCached(cache, url, expected);
    if (cached) {
      onProgress?.(cached.length, cached.length);
      return { bytes: cached, fresh: false };
    }
  }
  let fresh = options.reload === true;
  let { bytes, headers } = await downloadFile(url, onProgress, fresh ? "reload" : "default");
  try {
    await checkFile(bytes, expected);
  } catch (error) {
    if (fresh) throw error;
    // The browser's HTTP cache may still hold the file as it was before the model changed (the
    // server lets /models/ be cached for minutes, a CDN longer): once more, past it.
    fresh = true;
    ({ bytes, headers } = await downloadFile(url, onProgress, "reload"));
    await checkFile(bytes, expected);
  }
  if (cache) {
    await store(cache, url, bytes, headers, expected.sha256).catch((error: Error) =>
      options.onNotCached?.(url, error?.message ?? String(error))
    );
  }
  return { bytes, fresh };
}

/**
 * The cached copy of a file if it is what the manifest says, else `null` (and a stale copy is
 * deleted). A copy's hash was checked when it was cached and is compared by its header, not computed
 * again; a copy cached before its manifest gave one is hashed once, and kept with it if it matches.
 * A copy that cannot be read (the browser lost its body) is deleted too: it must not stop every load.
 */
async function readCached(
  cache: Cache | null,
  url: string,
  expected: ExpectedFile,
): Promise<Uint8Array | null> {
  if (!cache) return null;
  try {
    return await readCopy(cache, url, expected);
  } catch {
    await cache.delete(url).catch(() => {});
    return null;
  }
}

async function readCopy(cache: Cache, url: string, expected: ExpectedFile): Promise<Uint8Array | null> {
  const cached = await cache.match(url);
  if (!cached) return null;
  const header = cached.headers.get(SHA256_HEADER);
  const checked = expected.sha256 !== undefined && header === expected.sha256;
  // A header with another hash is stale without reading the copy.
  if (expected.sha256 === undefined || checked || header === null) {
    const bytes = new Uint8Array(await cached.arrayBuffer());
    const fits = await checkFile(bytes, checked ? { bytes: expected.bytes } : expected).then(
      () => true,
      () => false,
    );
    if (fits) {
      if (!checked && expected.sha256 !== undefined) {
        // Best effort: without its hash the copy is hashed again next time.
        await store(cache, url, bytes, cached.headers, expected.sha256).catch(() => {});
      }
      return bytes;
    }
  }
  await cache.delete(url).catch(() => {});
  return null;
}

/**
 * Where the cache keeps what each manifest named when it last loaded: one JSON list of file URLs per
 * manifest URL, under a reserved host (Cache Storage keys are http(s) URLs; nothing is fetched).
 */
const RECORDS = "https://latent-evolver.invalid/manifest-files/";

/**
 * Records the files a manifest names, and deletes from the cache those it named when it last loaded
 * and names no longer, unless another manifest recorded here names them. A site that publishes a
 * new version of its model at new URLs would otherwise leave the old files, gigabytes for SD-Turbo,
 * in every visitor's Cache Storage for good. Called before the new files download, so that an update
 * never needs room for both versions. Best effort: without Cache Storage it does nothing. Limits: a
 * manifest moved to a new URL is another record, which keeps its predecessor's files; a tab still
 * holding the old manifest (from the HTTP cache) that restarts deletes the new files once (the next
 * load downloads them again); a manifest not yet recorded does not protect the files it shares.
 *
 * @param manifest The manifest just read.
 * @returns The URLs deleted.
 * @example
 * ```ts
 * import { forgetReplacedFiles } from "./model-cache.ts";
 * // Once the manifest is read, before its files load: await forgetReplacedFiles(manifest);
 * ```
 */
export async function forgetReplacedFiles(manifest: ModelManifest): Promise<string[]> {
  const cache = await openCache();
  if (!cache) return [];
  const record = RECORDS + encodeURIComponent(manifest.baseUrl);
  const named = [
    ...Object.values(manifest.files).map((f) => f.url),
    ...(manifest.tokenizer ? [manifest.tokenizer] : []),
  ];
  const before = await readRecord(cache, record);
  // Not Response.json(): Safari before 17 has none.
  const list = new Response(JSON.stringify(named), { headers: { "content-type": "application/json" } });
  await cache.put(record, list).catch(() => {});
  const dropped = before.filter((url) => !named.includes(url));
  if (!dropped.length) return [];
  const others = await Promise.all(
    (await cache.keys())
      .filter((r) => r.url.startsWith(RECORDS) && r.url !== record)
      .map((r) => readRecord(cache, r.url)),
  );
  const stillNamed = new Set(others.flat());
  const gone = dropped.filter((url) => !stillNamed.has(url));
  await Promise.all(gone.map((url) => cache.delete(url).catch(() => false)));
  return gone;
}

/** A manifest's recorded file URLs, or none when there is no record or it is unreadable. */
async function readRecord(cache: Cache, key: string): Promise<string[]> {
  try {
    const list = await (await cache.match(key))?.json();
    return Array.isArray(list) ? list.filter((u): u is string => typeof u === "string") : [];
  } catch {
    return [];
  }
}

/** Caches a file, with the hash it was checked against; rejects as `cache.put` does (a full quota). */
async function store(
  cache: Cache,
  url: string,
  bytes: Uint8Array,
  from: Headers,
  sha256?: string,
): Promise<void> {
  const headers = new Headers(from);
  if (sha256 !== undefined) headers.set(SHA256_HEADER, sha256);
  await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
}

/**
 * Downloads a file, refusing an HTML page where it should be (a host that answers a missing file
 * with its site's page and status 200). Nothing is cached here.
 *
 * @param url Absolute URL of the file.
 * @param onProgress Called with bytes read so far and the total (0 when unknown).
 * @param cacheMode How the browser's HTTP cache is used (`"reload"`: past it).
 * @returns The bytes, and the response's headers.
 * @throws TypeError saying what is wrong (the caller names the file).
 * @example
 * ```ts
 * import { downloadFile } from "./model-cache.ts";
 * const { bytes } = await downloadFile("https://example.com/model.onnx", undefined, "default");
 * ```
 */
export async function downloadFile(
  url: string,
  onProgress: ((loaded: number, total: number) => void) | undefined,
  cacheMode: RequestCache,
): Promise<{ bytes: Uint8Array; headers: Headers }> {
  let response: Response;
  try {
    response = await fetch(url, { cache: cacheMode });
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
  return { bytes: await readResponse(response, onProgress), headers: response.headers };
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === "undefined" ? null : await caches.open(modelCacheName);
  } catch {
    return null;
  }
}
