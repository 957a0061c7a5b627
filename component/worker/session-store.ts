/**
 * The saved session in IndexedDB: one part per generation, each in chunks under 64 KiB, so that a
 * save after an Evolve writes the new generation and a small head, not every generation again (a
 * session of 60 generations of SD-Turbo's latents is 30 MiB).
 *
 * Under a key K:
 * - K holds the head: `{ format: 2, header, parts: [{ id, chunks, bytes }], seed? }`, the session's
 *   header (core's `sessionHeader`, a few kilobytes of JSON) and the part of each generation in
 *   order, and the seed its next generations are bred with;
 * - `K#<id>#<i>` holds chunk i of part `id`. An id names one generation's latents for good (the
 *   engine draws it when it first saves them), so a part the head already names is not written again.
 *
 * Chunks, because Chrome writes a value over 64 KiB to a blob file of its own, and such a write could
 * wait 4 to 25 s when another element's worker had just ended (a page that swaps elements; every
 * test that mounts a new one): the element then sat on its first generation. Chunks that small never
 * waited. One transaction writes the head and the new parts and deletes every chunk under K that the
 * head no longer names, so a reader never sees half a save. Sessions that earlier versions saved (the
 * whole encoding under K, or a head `{ chunks, bytes, seed? }` with chunks `K#<i>`) are still read;
 * the next save replaces them.
 *
 * @module
 */

import { createStore, promisifyRequest } from "idb-keyval";
import { joinSession } from "../../core/session.ts";

/** Bytes per chunk: under Chrome's 64 KiB threshold for values kept as blob files. */
export const CHUNK_BYTES = 60_000;

/** Where a part's chunks are, as the head lists it. */
type PartEntry = { id: string; chunks: number; bytes: number };

/** The head of this version. */
type Head = { format: 2; header: string; parts: PartEntry[]; seed?: number | string };

/** The head of the version before: the whole encoding in chunks `K#<i>`. */
type ChunkHead = { chunks: number; bytes: number; seed?: number | string };

/** A saved session as read: its bytes (core's session format) and the seed it is bred with. */
export type SavedSession = {
  bytes: Uint8Array;
  seed?: number | string;
  /** The part of each generation, in order (absent for a session an earlier version saved). */
  parts?: { id: string; bytes: number }[];
};

/** One generation's latents to save: its id, and its bytes, made only when they must be written. */
export type SessionPart = { id: string; bytes: () => Uint8Array };

/** A session to save: core's `sessionHeader`, a part per generation in order, and its seed. */
export type SessionRecord = { header: string; parts: SessionPart[]; seed?: number | string };

/** The database and store idb-keyval uses by default, so the session stays where it always was. */
const store = createStore("keyval-store", "keyval");

const chunkKey = (key: string, i: number) => `${key}#${i}`;
const partChunkKey = (key: string, id: string, i: number) => `${key}#${id}#${i}`;
/** Every chunk of the session under `key`, of any version: keys from `K#` up to `K#` + U+FFFF. */
const chunkRange = (key: string) => IDBKeyRange.bound(`${key}#`, `${key}#\uffff`);

const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;

function isHead(value: unknown): value is Head {
  const h = value as Head | undefined;
  return h?.format === 2 && typeof h.header === "string" && Array.isArray(h.parts) &&
    h.parts.every((p) => typeof p?.id === "string" && isCount(p.chunks) && isCount(p.bytes));
}

function isChunkHead(value: unknown): value is ChunkHead {
  const h = value as ChunkHead | undefined;
  return isCount(h?.chunks) && isCount(h?.bytes);
}

/** Reads `count` chunks and joins them, checking each is there and that they add up to `bytes`. */
async function readChunks(
  s: IDBObjectStore,
  keyOf: (i: number) => string,
  count: number,
  bytes: number,
  what: string,
): Promise<Uint8Array> {
  const chunks = await Promise.all(
    Array.from({ length: count }, (_, i) => promisifyRequest<unknown>(s.get(keyOf(i)))),
  );
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const [i, chunk] of chunks.entries()) {
    if (!(chunk instanceof Uint8Array) || at + chunk.length > bytes) {
      throw new RangeError(`Cannot read ${what}: chunk ${i} of ${count} is missing or too long`);
    }
    out.set(chunk, at);
    at += chunk.length;
  }
  if (at !== bytes) throw new RangeError(`Cannot read ${what}: ${at} of ${bytes} bytes are there`);
  return out;
}

/**
 * Reads a saved session.
 *
 * @param key The storage key.
 * @returns The bytes, seed and part ids, or `undefined` when nothing is saved.
 * @throws RangeError when a chunk is missing or the sizes disagree, TypeError when the head is not one.
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
    const withSeed = (saved: SavedSession, seed: number | string | undefined) =>
      seed === undefined ? saved : { ...saved, seed };
    if (isChunkHead(head)) {
      const bytes = await readChunks(
        s,
        (i) => chunkKey(key, i),
        head.chunks,
        head.bytes,
        `the saved session ${key}`,
      );
      return withSeed({ bytes }, head.seed);
    }
    if (!isHead(head)) throw new TypeError(`Cannot read the saved session ${key}: its head is not one`);
    const parts = await Promise.all(
      head.parts.map((p, g) =>
        readChunks(
          s,
          (i) => partChunkKey(key, p.id, i),
          p.chunks,
          p.bytes,
          `the saved session ${key}, generation ${g}`,
        )
      ),
    );
    return withSeed(
      { bytes: joinSession(head.header, parts), parts: head.parts.map(({ id, bytes }) => ({ id, bytes })) },
      head.seed,
    );
  });
}

/**
 * Saves a session in one transaction, replacing what the key held. Only the parts the stored head
 * does not name (with all their chunks there) are made and written.
 *
 * @param key The storage key.
 * @param record The session's header, parts and seed.
 * @returns The ids of the parts written, when the transaction has committed.
 * @example
 * ```ts
 * import { saveSession } from "./session-store.ts";
 * const header = '{"config":{},"generations":[]}'; // core's sessionHeader(session)
 * await saveSession("latent-evolver:demo:session", { header, parts: [], seed: 7 });
 * ```
 */
export function saveSession(key: string, { header, parts, seed }: SessionRecord): Promise<string[]> {
  return store("readwrite", async (s) => {
    const before: unknown = await promisifyRequest(s.get(key));
    const present = new Set((await promisifyRequest(s.getAllKeys(chunkRange(key)))).map(String));
    const stored = new Map<string, PartEntry>();
    for (const p of isHead(before) ? before.parts : []) {
      const whole = Array.from({ length: p.chunks }, (_, i) => partChunkKey(key, p.id, i)).every((k) =>
        present.has(k)
      );
      if (whole) stored.set(p.id, p);
    }
    const written: string[] = [];
    const entries = parts.map(({ id, bytes: make }) => {
      const known = stored.get(id);
      if (known) return known;
      const bytes = make();
      const entry = { id, chunks: Math.ceil(bytes.length / CHUNK_BYTES), bytes: bytes.length };
      for (let i = 0; i < entry.chunks; i++) {
        s.put(bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), partChunkKey(key, id, i));
      }
      stored.set(id, entry);
      written.push(id);
      return entry;
    });
    // What the new head does not name goes: replaced generations, and an earlier version's chunks.
    const named = new Set(
      entries.flatMap((p) => Array.from({ length: p.chunks }, (_, i) => partChunkKey(key, p.id, i))),
    );
    for (const k of present) if (!named.has(k)) s.delete(k);
    s.put({ format: 2, header, parts: entries, ...(seed === undefined ? {} : { seed }) } satisfies Head, key);
    await promisifyRequest(s.transaction);
    return written;
  });
}
