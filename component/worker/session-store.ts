/**
 * The saved session in IndexedDB: one part per generation, each in chunks under 64 KiB, so that a
 * save after an Evolve writes the new generation and the header, not every generation again (a
 * session of 60 generations of SD-Turbo's latents is 30 MiB).
 *
 * Under a key K:
 * - K holds the head: `{ format: 2, revision, header, parts, seed? }`: a revision drawn at each save
 *   (a tab taking the key over saves only if storage still holds the revision it read), where the
 *   session's header (core's `sessionHeader`: config, sigma, lineage and feedback, about 1-2 KB per
 *   generation) and each generation's part are, in order, and the seed its next generations are
 *   bred with;
 * - `K#<id>#<i>` holds chunk i of the header or part `id`. A part's id (`<generation>-<16 hex>`,
 *   {@link newPartId}) names one generation's latents for good, so a part the head already names is
 *   not written again; the header's (`h-<16 hex>`) is new at each save.
 *
 * A save lists this key's chunks in storage, to find parts whose chunks went missing and chunks no
 * head names, unless the caller wrote the stored head itself (`trust`): listing every key costs
 * more than the rest of the save (15 ms of 29 at 60 generations of SD-Turbo's latents, and growing).
 *
 * Chunks, because Chrome writes a value over 64 KiB to a blob file of its own, and such a write could
 * wait 4 to 25 s when another element's worker had just ended (a page that swaps elements; every
 * test that mounts a new one): the element then sat on its first generation. Chunks that small never
 * waited. One transaction writes the head, the header and the new parts, and deletes this key's
 * chunks that the head no longer names, so a reader never sees half a save. Sessions that earlier
 * versions saved (the whole encoding under K, or a head `{ chunks, bytes, seed? }` with chunks
 * `K#<i>`) are still read; the next save replaces them.
 *
 * @module
 */

import { createStore, promisifyRequest } from "idb-keyval";
import { bytesToHex as toHex } from "@noble/hashes/utils.js";
import { joinSession } from "../../core/session.ts";

/** Bytes per chunk: under Chrome's 64 KiB threshold for values kept as blob files. */
export const CHUNK_BYTES = 60_000;

/** Where the chunks of a part (or of the header) are. */
type PartEntry = { id: string; chunks: number; bytes: number };

/** The head of this version. */
type Head = {
  format: 2;
  revision: string;
  header: PartEntry;
  parts: PartEntry[];
  /** Parts kept stored though the session no longer names them (generations it may bring back). */
  spare?: PartEntry[];
  seed?: number | string;
};

/** The head of the version before: the whole encoding in chunks `K#<i>`. */
type ChunkHead = { chunks: number; bytes: number; seed?: number | string };

/** A saved session as read. */
export type SavedSession = {
  /** Its bytes, in core's session format. */
  bytes: Uint8Array;
  /** The seed its next generations are bred with (absent when an earlier version saved it). */
  seed?: number | string;
  /** The part of each generation, in order (absent when an earlier version saved it). */
  parts?: { id: string; bytes: number }[];
  /** The revision of the save that wrote it. */
  revision: string;
  /** How many parts it keeps stored for a Bring back (generations no longer in it), when any. */
  spare?: number;
  /**
   * The first generation whose part could not be read, and why: its latents, and every later
   * generation's, are zeros in `bytes` (the generations before it are as saved).
   */
  broken?: { generation: number; message: string };
};

/** One generation's latents to save: its id, and its bytes, made only when they must be written. */
export type SessionPart = { id: string; bytes: () => Uint8Array };

/**
 * A session to save: core's `sessionHeader`, a part per generation in order, and its seed; `keep`:
 * ids of stored parts to keep though no generation names them (replaced generations that Bring back
 * may restore; one not stored is left out).
 */
export type SessionRecord = {
  header: string;
  parts: SessionPart[];
  seed?: number | string;
  keep?: readonly string[];
};

/**
 * What a save did: saved, with the new revision and the ids of the parts it wrote; or not, because
 * storage did not hold the revision it expected (`stored` is the one it held).
 */
export type SaveResult =
  | { saved: true; revision: string; written: string[] }
  | { saved: false; stored: string };

/** The revision of a key that holds nothing. */
export const NOTHING_STORED = "";

/** The database and store idb-keyval uses by default, so the session stays where it always was. */
const store = createStore("keyval-store", "keyval");

const PART_ID = /^(?:\d+|h)-[0-9a-f]{16}$/;
/** What follows `K#` in this key's own chunks: `<id>#<i>`, or an earlier version's `<i>`. */
const OWN_CHUNK = /^(?:(?:\d+|h)-[0-9a-f]{16}#\d+|\d+)$/;

const chunkKey = (key: string, id: string, i: number) => `${key}#${id}#${i}`;
/** The keys of every chunk of a part (or of the header). */
const chunkKeys = (key: string, p: PartEntry) =>
  Array.from({ length: p.chunks }, (_, i) => chunkKey(key, p.id, i));
/** Every key from `K#` up to `K#` + U+FFFF: this key's chunks, and perhaps other keys (filtered). */
const chunkRange = (key: string) => IDBKeyRange.bound(`${key}#`, `${key}#\uffff`);

function randomHex(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(8)));
}

/**
 * A new id for a generation's part: unique, drawn once per generation's latents.
 *
 * @param generation The generation's index.
 * @returns `<generation>-<16 hex digits>`.
 */
export function newPartId(generation: number): string {
  return `${generation}-${randomHex()}`;
}

const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
const isEntry = (p: PartEntry | undefined) =>
  typeof p?.id === "string" && PART_ID.test(p.id) && isCount(p.chunks) && isCount(p.bytes);

function isHead(value: unknown): value is Head {
  const h = value as Head | undefined;
  return h?.format === 2 && typeof h.revision === "string" && isEntry(h.header) &&
    Array.isArray(h.parts) && h.parts.every(isEntry) &&
    (h.spare === undefined || (Array.isArray(h.spare) && h.spare.every(isEntry)));
}

function isChunkHead(value: unknown): value is ChunkHead {
  const h = value as ChunkHead | undefined;
  return isCount(h?.chunks) && isCount(h?.bytes);
}

/**
 * The revision of what a key holds. Earlier versions' sessions have none of their own: theirs is
 * made of their size and the 8 bytes of their encoding that hold the header's length and the
 * checksum of the rest, so that a save of such a session changes it too.
 */
async function revisionIn(s: IDBObjectStore, key: string, head: unknown): Promise<string> {
  if (head === undefined) return NOTHING_STORED;
  if (isHead(head)) return head.revision;
  const mark = (kind: string, length: number, first: unknown) =>
    `${kind}:${length}:${first instanceof Uint8Array ? toHex(first.subarray(8, 16)) : "?"}`;
  if (head instanceof Uint8Array) return mark("whole", head.length, head);
  if (isChunkHead(head)) return mark("chunks", head.bytes, await promisifyRequest(s.get(`${key}#0`)));
  return "unreadable";
}

/**
 * A lost generation's latents as zeros, as many as the session's header gives it (the header says
 * how many images each generation has and their shape; the head's count of bytes may be wrong too).
 */
function zeros(header: string, generation: number): Uint8Array {
  let size = NaN;
  try {
    const { config, generations } = JSON.parse(header);
    size = generations[generation].count * config.shape.reduce((a: number, b: number) => a * b, 1) * 4;
  } catch { /* size stays NaN */ }
  if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 30) {
    throw new RangeError(
      `Cannot read the session: generation ${generation} is lost, and its header is broken`,
    );
  }
  return new Uint8Array(size);
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
 * @returns The bytes, seed, parts and revision, or `undefined` when nothing is saved; a generation
 *   whose part cannot be read is given as `broken`.
 * @throws RangeError when a chunk of the header (or of an earlier version's session) is missing or
 *   the sizes disagree, TypeError when the key holds something else than a saved session.
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
    const revision = await revisionIn(s, key, head);
    if (head instanceof Uint8Array) return { bytes: head, revision };
    const withSeed = (saved: SavedSession, seed: number | string | undefined) =>
      seed === undefined ? saved : { ...saved, seed };
    const what = `the saved session ${key}`;
    if (isChunkHead(head)) {
      const bytes = await readChunks(s, (i) => `${key}#${i}`, head.chunks, head.bytes, what);
      return withSeed({ bytes, revision }, head.seed);
    }
    if (!isHead(head)) throw new TypeError(`Cannot read ${what}: the key holds no saved session's head`);
    const read = (p: PartEntry, part: string) =>
      readChunks(s, (i) => chunkKey(key, p.id, i), p.chunks, p.bytes, `${what}, ${part}`);
    // A part that cannot be read does not lose the generations before it: it and the later ones are
    // given as zeros, and the reader is told which.
    const [header, ...results] = await Promise.all([
      read(head.header, "header"),
      ...head.parts.map((p, g) => read(p, `generation ${g}`).catch((e: Error) => e)),
    ]);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(header);
    } catch {
      throw new TypeError(`Cannot read ${what}: its header is not UTF-8 text`);
    }
    const first = results.findIndex((p) => p instanceof Error);
    const parts = results.map((p, g) => first >= 0 && g >= first ? zeros(text, g) : p as Uint8Array);
    const ids = head.parts.map(({ id, bytes }) => ({ id, bytes }));
    const broken = first < 0
      ? {}
      : { broken: { generation: first, message: (results[first] as Error).message } };
    const spare = head.spare?.length ? { spare: head.spare.length } : {};
    return withSeed(
      { bytes: joinSession(text, parts), parts: ids, revision, ...broken, ...spare },
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
 * @param options `expect`: save only if storage holds this revision (else nothing is written);
 *   `trust`: the revision of the caller's own last save. When storage still holds it, its head is
 *   taken to list every chunk there (that save wrote or found them), and the key's chunks are not
 *   listed again; any other head is checked against them.
 * @returns What the save did, once the transaction has committed.
 * @throws TypeError for a part id that {@link newPartId} did not make; the transaction's error
 *   when it fails (a full quota).
 * @example
 * ```ts
 * import { newPartId, saveSession } from "./session-store.ts";
 * const header = '{"config":{},"generations":[]}'; // core's sessionHeader(session)
 * await saveSession("latent-evolver:demo:session", { header, parts: [], seed: 7 });
 * ```
 */
export function saveSession(
  key: string,
  { header, parts, seed, keep = [] }: SessionRecord,
  options: { expect?: string; trust?: string } = {},
): Promise<SaveResult> {
  const bad = parts.find((p) => !PART_ID.test(p.id) || p.id.startsWith("h-"));
  if (bad) return Promise.reject(new TypeError(`Cannot save the session ${key}: part id "${bad.id}"`));
  return store("readwrite", async (s) => {
    const committed = commit(s.transaction);
    committed.catch(() => {}); // awaited below; a request failing first rejects this call anyway
    const before: unknown = await promisifyRequest(s.get(key));
    const held = options.expect === undefined ? "" : await revisionIn(s, key, before);
    if (options.expect !== undefined && held !== options.expect) {
      await committed;
      return { saved: false, stored: held };
    }
    const head = isHead(before) ? before : undefined;
    const present = head !== undefined && head.revision === options.trust
      ? new Set([head.header, ...head.parts, ...(head.spare ?? [])].flatMap((p) => chunkKeys(key, p)))
      : new Set(
        (await promisifyRequest(s.getAllKeys(chunkRange(key)))).map(String).filter((k) =>
          OWN_CHUNK.test(k.slice(key.length + 1))
        ),
      );
    const stored = new Map<string, PartEntry>();
    for (const p of head ? [...head.parts, ...(head.spare ?? [])] : []) {
      if (chunkKeys(key, p).every((k) => present.has(k))) stored.set(p.id, p);
    }
    const written: string[] = [];
    const put = (id: string, bytes: Uint8Array): PartEntry => {
      const entry = { id, chunks: Math.ceil(bytes.length / CHUNK_BYTES), bytes: bytes.length };
      for (let i = 0; i < entry.chunks; i++) {
        s.put(bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES), chunkKey(key, id, i));
      }
      stored.set(id, entry);
      return entry;
    };
    const entries = parts.map(({ id, bytes }) => {
      const known = stored.get(id);
      if (known) return known;
      written.push(id);
      return put(id, bytes());
    });
    const named = new Set(entries.map((p) => p.id));
    const spare = keep.flatMap((id) => !named.has(id) && stored.has(id) ? [stored.get(id)!] : []);
    const revision = randomHex();
    const headerEntry = put(`h-${revision}`, new TextEncoder().encode(header));
    // This key's chunks that the new head does not list go: replaced generations not kept, the last
    // header, and an earlier version's chunks. Other keys in the range (a storage key that extends
    // this one) are not this key's, and stay.
    const listed = new Set([headerEntry, ...entries, ...spare].flatMap((p) => chunkKeys(key, p)));
    for (const k of present) if (!listed.has(k)) s.delete(k);
    const next: Head = {
      format: 2,
      revision,
      header: headerEntry,
      parts: entries,
      ...(spare.length ? { spare } : {}),
      ...(seed === undefined ? {} : { seed }),
    };
    s.put(next, key);
    await committed;
    return { saved: true, revision, written };
  });
}

/**
 * Resolves when a transaction commits; rejects with its error when it aborts. (idb-keyval's
 * `promisifyRequest(transaction)` rejects with `null` for a request that fails, such as a put over
 * the quota in some browsers: its `error` event fires before the transaction's `error` is set.)
 */
function commit(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: DOMException | null = null;
    tx.oncomplete = () => resolve();
    tx.onerror = (event) => void (failed ??= (event.target as IDBRequest | null)?.error ?? null);
    tx.onabort = () =>
      reject(tx.error ?? failed ?? new DOMException("The save was aborted by the browser", "AbortError"));
  });
}
