/**
 * The saved session's bytes in IndexedDB, in chunks under 64 KiB. Chrome writes a larger value to a
 * blob file of its own, and such a write could wait 4 to 25 s when another element's worker had just
 * ended (a page that swaps elements; every test that mounts a new one): the element then sat on its
 * first generation. Chunks that small never waited. A head entry under the key says how many chunks
 * follow; one transaction writes the head and the chunks and deletes a longer save's leftovers, so a
 * reader never sees half a save. A session that an earlier version saved whole is read as it is.
 *
 * @module
 */

import { createStore, promisifyRequest } from "idb-keyval";

/** Bytes per chunk: under Chrome's 64 KiB threshold for values kept as blob files. */
export const CHUNK_BYTES = 60_000;

/** What the key itself holds: how the chunks add up. */
type Head = { chunks: number; bytes: number };

/** The database and store idb-keyval uses by default, so the session stays where it always was. */
const store = createStore("keyval-store", "keyval");

const chunkKey = (key: string, i: number) => `${key}#${i}`;

function isHead(value: unknown): value is Head {
  const h = value as Head | undefined;
  return Number.isInteger(h?.chunks) && Number.isInteger(h?.bytes);
}

/**
 * Reads a saved session's bytes.
 *
 * @param key The storage key.
 * @returns The bytes, or `undefined` when nothing is saved.
 * @throws RangeError when a chunk is missing or the sizes disagree.
 * @example
 * ```ts
 * import { loadSessionBytes } from "./session-store.ts";
 * const bytes = await loadSessionBytes("latent-evolver:demo:session");
 * ```
 */
export function loadSessionBytes(key: string): Promise<Uint8Array | undefined> {
  return store("readonly", async (s) => {
    const head: unknown = await promisifyRequest(s.get(key));
    if (head === undefined || head instanceof Uint8Array) return head;
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
    return bytes;
  });
}

/**
 * Saves a session's bytes in one transaction, replacing what the key held.
 *
 * @param key The storage key.
 * @param bytes The serialized session.
 * @returns When the transaction has committed.
 * @example
 * ```ts
 * import { saveSessionBytes } from "./session-store.ts";
 * await saveSessionBytes("latent-evolver:demo:session", new Uint8Array(100_000));
 * ```
 */
export function saveSessionBytes(key: string, bytes: Uint8Array): Promise<void> {
  return store("readwrite", async (s) => {
    const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
    const before: unknown = await promisifyRequest(s.get(key));
    for (let i = 0; i < chunks; i++) {
      s.put(bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), chunkKey(key, i));
    }
    for (let i = chunks; isHead(before) && i < before.chunks; i++) s.delete(chunkKey(key, i));
    s.put({ chunks, bytes: bytes.length } satisfies Head, key);
    await promisifyRequest(s.transaction);
  });
}
