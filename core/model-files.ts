/**
 * A model's files as the pipeline reads them: all at once, with one download progress over them,
 * and each read once more, past every cache, when its bytes cannot be used. A copy that a cache kept
 * (a truncated file, or a model since fixed at the same URL) would otherwise fail on every visit,
 * until the visitor clears the site's data.
 *
 * @module
 */
import type { ExpectedFile, ModelManifest } from "./manifest.ts";

/**
 * Loads a file's bytes, reporting progress as `(loaded, total)`; total is 0 when unknown. `expected`
 * is what the manifest says of the file, for a loader that checks it.
 */
export type LoadFile = (
  url: string,
  onProgress?: (loaded: number, total: number) => void,
  expected?: ExpectedFile,
) => Promise<Uint8Array>;

/**
 * Reads a file again past every cache (and drops a cached copy), after the bytes its {@link LoadFile}
 * gave could not be used; resolves to `null` when it has nothing fresher to give (it read that file
 * past every cache already).
 */
export type ReloadFile = (
  url: string,
  onProgress?: (loaded: number, total: number) => void,
  expected?: ExpectedFile,
) => Promise<Uint8Array | null>;

/** How {@link loadModelFiles} reads. */
export type ReadOptions = {
  loadFile: LoadFile;
  /** Without it, a file is read once: bytes that cannot be used fail at once. */
  reloadFile?: ReloadFile;
  /** Download progress over all files of the model, in bytes. */
  onDownloadProgress?: (loaded: number, total: number) => void;
};

/** A model's files, read. */
export type ModelFiles = {
  /** The bytes of each file, by key (those of the manifest's `files`, and `tokenizer`). */
  bytes: Record<string, Uint8Array>;
  /**
   * Makes something of a file's bytes (a session, a tokenizer). When `parse` throws, the file is
   * read once more past every cache and parsed again, unless the manifest's SHA-256 vouches for the
   * bytes (they are the site's file) or the loader has nothing fresher.
   *
   * @throws What `parse` threw last, of its class, naming the file and whether it was read again.
   */
  parse<T>(key: string, parse: (bytes: Uint8Array) => T | Promise<T>): Promise<T>;
};

/** The first bytes of a Git LFS pointer file, which a host serves where LFS did not fetch the file. */
const LFS_POINTER = "version https://git-lfs.github.com/spec/";

/**
 * Why bytes are a Git LFS pointer rather than the file it stands for, or `undefined` if they are not.
 *
 * @param bytes The bytes read.
 * @returns The reason, to put in an error.
 * @example
 * ```ts
 * import { lfsPointerReason } from "./model-files.ts";
 * lfsPointerReason(new TextEncoder().encode("version https://git-lfs.github.com/spec/v1\n")); // "it is a Git LFS pointer ..."
 * ```
 */
export function lfsPointerReason(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder().decode(bytes.subarray(0, LFS_POINTER.length));
  if (head !== LFS_POINTER) return undefined;
  return `it is a Git LFS pointer (${bytes.length} bytes), not the file it stands for: the site serves ` +
    "the pointer in its place (run git lfs pull where it is deployed)";
}

/**
 * Reads every file of a model.
 *
 * @param manifest The model.
 * @param options The loader, the reloader and download progress.
 * @returns The files.
 * @throws TypeError naming the file that could not be read, and why.
 * @example
 * ```ts
 * import { loadModelFiles } from "./model-files.ts";
 * import { loadManifest } from "./manifest.ts";
 * const manifest = await loadManifest(new URL("../models/builtin/manifest.json", import.meta.url));
 * const loadFile = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
 * const files = await loadModelFiles(manifest, { loadFile });
 * files.bytes.decoder.length; // 17671
 * ```
 */
export async function loadModelFiles(manifest: ModelManifest, options: ReadOptions): Promise<ModelFiles> {
  const entries: Record<string, ExpectedFile & { url: string }> = { ...manifest.files };
  if (manifest.tokenizer) entries.tokenizer = { url: manifest.tokenizer, ...manifest.tokenizerExpected };
  const keys = Object.keys(entries);
  const progress = downloadProgress(keys.map((k) => entries[k].bytes ?? 0), options.onDownloadProgress);
  const read = async (i: number, reader: LoadFile | ReloadFile) => {
    const file = entries[keys[i]];
    const bytes = await reader(file.url, (l, t) => progress.update(i, l, t), file);
    if (bytes) progress.done(i, bytes.length);
    return bytes;
  };
  const bytes: Record<string, Uint8Array> = {};
  await Promise.all(keys.map(async (key, i) => {
    try {
      bytes[key] = (await read(i, options.loadFile))!;
    } catch (error) {
      throw new TypeError(
        `Cannot load model "${manifest.name}": file ${key} (${entries[key].url}) failed: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }));

  const reloaded = new Set<string>();
  /** The bytes of `key` read again past every cache, or `null` where that cannot help. */
  const reload = async (key: string): Promise<Uint8Array | null> => {
    const { reloadFile } = options;
    // The bytes the manifest's hash vouches for are the site's: read again, they would be the same.
    if (!reloadFile || reloaded.has(key) || entries[key].sha256 !== undefined) return null;
    reloaded.add(key);
    const i = keys.indexOf(key);
    progress.again(i);
    return await read(i, reloadFile);
  };
  return {
    bytes,
    async parse(key, parse) {
      const reason = (error: unknown) =>
        lfsPointerReason(bytes[key]) ?? (error as Error)?.message ?? String(error);
      /**
       * The error to throw. A TypeError (a file that cannot be read again, a tokenizer) fails alike
       * on every provider and names the model; another is one provider's failure, which
       * createGenerator lists under the model's name.
       */
      const fail = (Class: typeof Error, what: string, cause: unknown) => {
        const model = Class === TypeError ? `Cannot load model "${manifest.name}": ` : "";
        return new Class(`${model}file ${key} (${entries[key].url})${what}`, { cause });
      };
      const classOf = (error: unknown) => error instanceof TypeError ? TypeError : Error;
      let fresh: Uint8Array | null;
      try {
        return await parse(bytes[key]);
      } catch (error) {
        try {
          fresh = await reload(key);
        } catch (again) {
          const failed = `, and reading it again failed: ${(again as Error).message}`;
          throw fail(TypeError, ` cannot be used (${reason(error)})${failed}`, again);
        }
        if (!fresh) {
          const site = entries[key].sha256 === undefined
            ? ""
            : " (it is the manifest's: its SHA-256 matches)";
          throw fail(classOf(error), `${site} cannot be used: ${reason(error)}`, error);
        }
        bytes[key] = fresh;
      }
      try {
        return await parse(fresh);
      } catch (error) {
        const what = ` cannot be used, also as read again past every cache: ${reason(error)}`;
        throw fail(classOf(error), what, error);
      }
    },
  };
}

/** One download progress over several files, from {@link downloadProgress}. */
export type DownloadProgress = {
  /** File `i` has `loaded` bytes of `total` (0: unknown); fewer than before: it started over. */
  update(i: number, loaded: number, total: number): void;
  /** File `i` is read, `bytes` long. */
  done(i: number, bytes: number): void;
  /** File `i` is to be read again (its earlier read still counts). */
  again(i: number): void;
};

/**
 * Progress over several files whose bytes only ever add up: a file read again (a loader's second
 * try past the HTTP cache, or {@link ModelFiles.parse}'s) keeps what its earlier reads counted, and
 * adds its size to the total, so the bar never goes back.
 *
 * @param known Each file's size where it is known beforehand (a manifest's `bytes`), else 0; a
 * total the loader reports is used first.
 * @param report Called with the bytes read of all files and their total, at each change.
 * @returns The progress, told of each file by its index in `known`.
 * @example
 * ```ts
 * import { downloadProgress } from "./model-files.ts";
 * const progress = downloadProgress([100, 0], (loaded, total) => console.log(loaded, total));
 * progress.update(1, 10, 50); // 10 150
 * ```
 */
export function downloadProgress(
  known: number[],
  report?: (loaded: number, total: number) => void,
): DownloadProgress {
  const earlier = known.map(() => 0), loaded = known.map(() => 0), totals = [...known];
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const emit = () => report?.(sum(earlier) + sum(loaded), sum(earlier) + sum(totals));
  return {
    update(i: number, l: number, t: number) {
      // Fewer bytes than before: the loader started the file over.
      if (l < loaded[i]) earlier[i] += loaded[i];
      loaded[i] = l;
      // The manifest's size when the server gives none (or a compressed one); at least what came.
      totals[i] = Math.max(t > 0 ? t : known[i], l);
      emit();
    },
    done(i: number, n: number) {
      loaded[i] = totals[i] = n;
      emit();
    },
    again(i: number) {
      const last = loaded[i];
      earlier[i] += last;
      loaded[i] = 0;
      // The size of the read before, where the manifest gives none.
      totals[i] = known[i] || last;
      emit();
    },
  };
}
