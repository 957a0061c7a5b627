/**
 * The saved session's bytes in IndexedDB, in chunks under 64 KiB. Chrome writes a larger value to a
 * blob file of its own, and such a write could wait 4 to 25 s when another element's worker had just
 * ended (a page that swaps elements; every test that mounts a new one): the element then sat on its
 * first generation. Chunks that small never waited. A head entry under the key says how many chunks
 * follow, and the session's seed; one transaction writes the head and the chunks and deletes a longer
 * save's leftovers, so a reader never sees half a save. A session that an earlier version saved
 * whole is read as it is (without a seed).
 *
 * @module
 */

import { createStore, promisifyRequest } from "idb-keyval";

/** Bytes per chunk: under Chrome's 64 KiB threshold for values kept as blob files. */
export const CHUNK_BYTES = 60_000;

/** What the key itself holds: how the chunks add up, and the session's seed (absent before it was kept). */
type Head = { chunks: number; bytes: number; seed?: number | string };

/** A saved session: its bytes (core's session format) and the seed its next generations are bred with. */
export type SavedSession = { bytes: Uint8Array; seed?: number | string };

/** The database and store idb-keyval uses by default, so the session stays where it always was. */
const store = createStore("keyval-store", "keyval");

const chunkKey = (key: string, i: number) => `${key}#${i}`;

function isHead(value: unknown): value is Head {
  const h = value as Head | undefined;
  return Number.isInteger(h?.chunks) && Number.isInteger(h?.bytes);
}

/**
 * Reads a saved session.
 *
 * @param key The storage key.
 * @returns The bytes and seed, or `undefined` when nothing is saved.
 * @throws RangeError when a chunk is missing or the sizes disagree.
 * @example
 * ```ts
 * import { loadSession } from "./session-store.ts";
 * const saved = await loadSession("latent-evolver:demo:session");
 * ```
 */
export function loadSession(key: string): Promise<SavedSession | undefined> {
  return store("readonly", async (s) => {
    const head: unknown = await promisifyRequest(s.get(key));
    if (head === undefined) return undefined;
    if (head instanceof Uint8Array) return { bytes: head };
    if (!isHead(head)) {
      throw new RangeError(`Cannot read the saved session ${key}: its head is not a chunk list`);
    }
    const chunks = await Promise.all(
      Array.from({ length: head.chunks }, (_, i) => promisifyRequest<unknown>(s.get(chunkKey(key, i)))),
    );
    const bytes = new Uint8Array(head.bytes);
    let at = 0;
    for (const [i, chunk] of chunks.entries()) {
      if (!(chunk instanceof Uint8Array) || at + chunk.length > head.bytes) {
        throw new RangeError(
          `Cannot read the saved session ${key}: chunk ${i} of ${head.chunks} is missing or too long`,
        );
      }
      bytes.set(chunk, at);
      at += chunk.length;
    }
    if (at !== head.bytes) {
      throw new RangeError(`Cannot read the saved session ${key}: ${at} of ${head.bytes} bytes are there`);
    }
    return head.seed === undefined ? { bytes } : { bytes, seed: head.seed };
  });
}

/**
 * Saves a session in one transaction, replacing what the key held.
 *
 * @param key The storage key.
 * @param saved The serialized session and its seed.
 * @returns When the transaction has committed.
 * @example
 * ```ts
 * import { saveSession } from "./session-store.ts";
 * await saveSession("latent-evolver:demo:session", { bytes: new Uint8Array(100_000), seed: 7 });
 * ```
 */
export function saveSession(key: string, { bytes, seed }: SavedSession): Promise<void> {
  return store("readwrite", async (s) => {
    const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
    const before: unknown = await promisifyRequest(s.get(key));
    for (let i = 0; i < chunks; i++) {
      s.put(bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), chunkKey(key, i));
    }
    for (let i = chunks; isHead(before) && i < before.chunks; i++) s.delete(chunkKey(key, i));
    s.put({ chunks, bytes: bytes.length, ...(seed === undefined ? {} : { seed }) } satisfies Head, key);
    await promisifyRequest(s.transaction);
  });
}
