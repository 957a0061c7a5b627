/**
 * Saving and loading a session as bytes: compact, versioned, bit-exact. Uses only typed arrays,
 * `DataView`, `TextEncoder` and `TextDecoder`, so it runs in browsers, workers, Deno and Node.
 *
 * Format, version 1 (all integers little-endian):
 * ```
 * offset 0   4 bytes  magic "LEVS"
 * offset 4   uint32   format version (1)
 * offset 8   uint32   header length H in bytes
 * offset 12  uint32   CRC-32 (IEEE) of every byte from offset 16 to the end
 * offset 16  H bytes  header: UTF-8 JSON { config, sigma, generations: [{ index, count, lineage,
 *                     feedback? }], floats, pending? }
 *            padding  zero bytes up to a multiple of 16, so the payload can be viewed as float32
 *            payload  `floats` float32 values, little-endian: every latent of every generation in order
 * ```
 *
 * `pending`, when there, is the answer being given to the last generation, not yet evolved from (the
 * selected images, their points, mode, strength and radius), so that a file carries a session as the
 * person left it. It came in after the first files were written, without a new version: readers
 * ignore header fields they do not know, so an older reader takes such a file, without that answer.
 *
 * @module
 */
import type { Generation, Session } from "./evolution.ts";
import { resolveConfig } from "./evolution.ts";
import { OPERATORS } from "./lineage.ts";
import { copyShape, kindOf, type Latent, shapeSize, validateLatent } from "./latent.ts";
import { type Feedback, validateFeedback } from "./feedback.ts";

/** The format version {@link serializeSession} writes; {@link deserializeSession} reads it and older. */
export const SESSION_FORMAT_VERSION = 1;

/** A session file's contents: the session, and the answer being given to its last generation, if any. */
export type SessionFile = {
  /** The session. */
  session: Session;
  /** The answer being given to the last generation, not yet evolved from (see the module doc). */
  pending?: Feedback;
};
const MAGIC = [0x4c, 0x45, 0x56, 0x53]; // "LEVS"
const PREFIX = 16;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes a session as bytes (see the module doc for the format).
 *
 * @param session The session.
 * @param pending The answer being given to the last generation, not yet evolved from, if any.
 * @returns The encoded bytes: about 4 bytes per latent value plus a small JSON header.
 * @throws RangeError when `pending` is no answer to the last generation (see `validateFeedback`).
 * @example
 * ```ts
 * import { createRng, createSession, deserializeSession, serializeSession } from "./mod.ts";
 * const s = createSession({ shape: [4, 8, 8], population: 4 }, createRng(1));
 * const back = deserializeSession(serializeSession(s)); // equal, bit for bit
 * ```
 */
export function serializeSession(session: Session, pending?: Feedback): Uint8Array {
  const header = sessionHeader(session, pending);
  return joinSession(header, session.generations.flatMap((g) => g.latents.map(latentBytes)));
}

/**
 * The header of a session's encoding: its JSON text, which {@link joinSession} puts before the
 * latents. With {@link generationBytes} it lets storage write only what changed since the last save:
 * the header (kilobytes) and the new generation's latents, rather than every generation's.
 *
 * @param session The session.
 * @param pending The answer being given to the last generation, if any (see {@link serializeSession}).
 * @returns The header's JSON text.
 * @throws RangeError when a latent's size does not match the session's shape, or `pending` is no
 *   answer to the last generation.
 * @example
 * ```ts
 * import { createRng, createSession, generationBytes, joinSession, sessionHeader } from "./mod.ts";
 * const s = createSession({ shape: [4, 8, 8], population: 4 }, createRng(1));
 * const bytes = joinSession(sessionHeader(s), s.generations.map(generationBytes)); // = serializeSession(s)
 * ```
 */
export function sessionHeader(session: Session, pending?: Feedback): string {
  const d = shapeSize(session.config.shape);
  let floats = 0;
  for (const g of session.generations) {
    for (const l of g.latents) {
      if (l.data.length !== d) {
        throw new RangeError(
          `Cannot serialize a session: a latent of generation ${g.index} has ${l.data.length} values, expected ${d}`,
        );
      }
    }
    floats += g.latents.length * d;
  }
  return JSON.stringify({
    config: session.config,
    sigma: session.sigma,
    generations: session.generations.map((g) => ({
      index: g.index,
      count: g.latents.length,
      lineage: g.lineage,
      ...(g.feedback ? { feedback: g.feedback } : {}),
    })),
    floats,
    ...(pending ? { pending: pendingAnswer(session, pending) } : {}),
  });
}

/** A pending answer checked against the last generation (a clean copy), named as the writer's fault. */
function pendingAnswer(session: Session, pending: Feedback): Feedback {
  const last = session.generations.at(-1);
  try {
    return validateFeedback(pending, last?.latents.length ?? 0);
  } catch (e) {
    throw new RangeError(
      `Cannot serialize a session: the pending answer to its last generation is invalid (${
        (e as Error).message
      })`,
    );
  }
}

/**
 * A generation's latents as the encoding stores them: float32, little-endian, one after another.
 *
 * @param generation The generation.
 * @returns A new byte array, 4 bytes per latent value.
 */
export function generationBytes(generation: Generation): Uint8Array {
  const bytes = new Uint8Array(generationByteLength(generation));
  let at = 0;
  for (const l of generation.latents) {
    bytes.set(latentBytes(l), at);
    at += l.data.length * 4;
  }
  return bytes;
}

/**
 * How many bytes {@link generationBytes} gives for a generation: 4 per latent value.
 *
 * @param generation The generation.
 * @returns The byte length.
 */
export function generationByteLength(generation: Generation): number {
  return generation.latents.reduce((n, l) => n + l.data.length * 4, 0);
}

/**
 * Puts a header from {@link sessionHeader} and the latents' bytes together into the encoding
 * {@link deserializeSession} reads, with its checksum.
 *
 * @param header The header's JSON text.
 * @param payload Every generation's latents in order (pieces of any size, such as one per
 *   generation from {@link generationBytes}).
 * @returns The encoded session.
 */
export function joinSession(header: string, payload: readonly Uint8Array[]): Uint8Array {
  const json = new TextEncoder().encode(header);
  const payloadAt = align16(PREFIX + json.length);
  const bytes = new Uint8Array(payloadAt + payload.reduce((n, p) => n + p.length, 0));
  bytes.set(MAGIC, 0);
  bytes.set(json, PREFIX);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, SESSION_FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  let at = payloadAt;
  for (const p of payload) {
    bytes.set(p, at);
    at += p.length;
  }
  view.setUint32(12, crc32(bytes, PREFIX), true);
  return bytes;
}

/** A latent's values as little-endian float32 bytes: a view of them where the machine is little-endian. */
function latentBytes(latent: Latent): Uint8Array {
  const { data } = latent;
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.length * 4);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return bytes;
}

/**
 * Decodes bytes written by {@link serializeSession}. Rejects anything else, a truncated or
 * corrupted file, and files of a newer format version, with an error saying which.
 *
 * @param bytes The encoded session.
 * @returns The session, bit-exact (every latent gets its own buffer).
 * @example
 * ```ts
 * import { createRng, createSession, deserializeSession, serializeSession } from "./mod.ts";
 * const bytes = serializeSession(createSession({ shape: [4, 8, 8], population: 4 }, createRng(1)));
 * deserializeSession(bytes).generations.length; // 1
 * ```
 */
export function deserializeSession(bytes: Uint8Array): Session {
  return deserializeSessionFile(bytes).session;
}

/**
 * Decodes bytes written by {@link serializeSession}, with the pending answer to the last generation
 * where the file has one. Rejects what {@link deserializeSession} rejects, and a pending answer that
 * does not fit the last generation.
 *
 * @param bytes The encoded session.
 * @returns The session and, where the file has one, its pending answer.
 * @example
 * ```ts
 * import { createRng, createSession, deserializeSessionFile, serializeSession } from "./mod.ts";
 * const s = createSession({ shape: [4, 8, 8], population: 4 }, createRng(1));
 * deserializeSessionFile(serializeSession(s, { selected: [2] })).pending; // { selected: [2] }
 * ```
 */
export function deserializeSessionFile(bytes: Uint8Array): SessionFile {
  const op = "read a session";
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${op}: expected a Uint8Array, got ${kindOf(bytes)}`);
  }
  if (bytes.length < PREFIX || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new TypeError(`Cannot ${op}: not a latent-evolver session (no "LEVS" signature)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version > SESSION_FORMAT_VERSION) {
    throw new RangeError(
      `Cannot ${op}: format version ${version} is newer than this library reads (${SESSION_FORMAT_VERSION}); update latent-evolver`,
    );
  }
  if (version < 1) {
    throw new RangeError(`Cannot ${op}: invalid format version ${version} (versions start at 1)`);
  }
  const headerLength = view.getUint32(8, true);
  if (PREFIX + headerLength > bytes.length) {
    throw new RangeError(
      `Cannot ${op}: truncated (header of ${headerLength} bytes, file of ${bytes.length} bytes)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)),
    );
  } catch (e) {
    throw new TypeError(`Cannot ${op}: header is not valid JSON (${(e as Error).message})`);
  }
  const floats = header?.floats;
  const payloadAt = align16(PREFIX + headerLength);
  if (typeof floats !== "number" || !Number.isInteger(floats) || floats < 0) {
    throw new TypeError(`Cannot ${op}: header field "floats" must be a non-negative integer, got ${floats}`);
  }
  if (bytes.length !== payloadAt + floats * 4) {
    throw new RangeError(
      `Cannot ${op}: ${bytes.length < payloadAt + floats * 4 ? "truncated" : "trailing bytes"}: expected ${
        payloadAt + floats * 4
      } bytes, got ${bytes.length}`,
    );
  }
  const stored = view.getUint32(12, true), actual = crc32(bytes, PREFIX);
  if (stored !== actual) {
    throw new RangeError(`Cannot ${op}: corrupted (checksum ${hex(actual)}, expected ${hex(stored)})`);
  }
  const config = resolveConfig(header.config as Session["config"]);
  const sigma = header.sigma;
  if (typeof sigma !== "number" || !Number.isFinite(sigma) || sigma <= 0) {
    throw new TypeError(`Cannot ${op}: header field "sigma" must be a positive number, got ${sigma}`);
  }
  if (!Array.isArray(header.generations) || header.generations.length === 0) {
    throw new TypeError(`Cannot ${op}: header field "generations" must be a non-empty array`);
  }
  const d = shapeSize(config.shape);
  let at = payloadAt, used = 0;
  // Parents are images of earlier generations (checked as far as the header tells their sizes).
  const sizes = (header.generations as { count?: unknown }[]).map((h) => h?.count);
  const generations: Generation[] = header.generations.map((g: Record<string, unknown>, gi: number) => {
    const count = g?.count;
    if (g?.index !== gi || typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new TypeError(`Cannot ${op}: generation ${gi} has an invalid index or count`);
    }
    // Every generation evolve() makes has the population's size; another would be a hole in the grid.
    if (count !== config.population) {
      throw new RangeError(
        `Cannot ${op}: generation ${gi} has ${count} images, the population is ${config.population}`,
      );
    }
    if (!Array.isArray(g.lineage) || g.lineage.length !== count) {
      throw new TypeError(`Cannot ${op}: generation ${gi} needs one lineage record per image`);
    }
    const isParent = (p: { generation?: unknown; index?: unknown }) =>
      Number.isInteger(p?.generation) && (p.generation as number) >= 0 && (p.generation as number) < gi &&
      Number.isInteger(p.index) && (p.index as number) >= 0 &&
      (p.index as number) < (sizes[p.generation as number] as number);
    for (const r of g.lineage) {
      if (
        !OPERATORS.includes(r?.operator) || !Array.isArray(r.parents) ||
        typeof r.seed !== "number" || typeof r.params !== "object" || r.params === null ||
        Array.isArray(r.params)
      ) {
        throw new TypeError(
          `Cannot ${op}: generation ${gi} has an invalid lineage record ${JSON.stringify(r)}`,
        );
      }
      const orphan = r.parents.find((p: { generation?: unknown; index?: unknown }) => !isParent(p));
      if (orphan !== undefined) {
        throw new TypeError(
          `Cannot ${op}: generation ${gi} has an invalid lineage record: parent ${
            JSON.stringify(orphan)
          } is not an image of an earlier generation`,
        );
      }
    }
    used += count * d;
    if (used > floats) throw new RangeError(`Cannot ${op}: generations hold more latents than the payload`);
    const latents: Latent[] = [];
    for (let i = 0; i < count; i++) {
      const data = new Float32Array(d);
      if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(at, at + d * 4));
      else for (let k = 0; k < d; k++) data[k] = view.getFloat32(at + k * 4, true);
      latents.push({ shape: copyShape(config.shape), data });
      at += d * 4;
    }
    for (const [i, latent] of latents.entries()) validateLatent(latent, op, `generation ${gi} latent ${i}`);
    const gen: Generation = { index: gi, latents, lineage: g.lineage as Generation["lineage"] };
    if (g.feedback !== undefined) {
      try {
        gen.feedback = validateFeedback(g.feedback as Feedback, count);
      } catch (e) {
        throw new TypeError(`Cannot ${op}: generation ${gi} has invalid feedback (${(e as Error).message})`);
      }
    }
    return gen;
  });
  if (used !== floats) {
    throw new RangeError(`Cannot ${op}: payload holds ${floats - used} floats no latent uses`);
  }
  const session = { config, sigma, generations };
  if (header.pending === undefined) return { session };
  try {
    return { session, pending: validateFeedback(header.pending as Feedback, config.population) };
  } catch (e) {
    throw new TypeError(
      `Cannot ${op}: the pending answer to the last generation is invalid (${(e as Error).message})`,
    );
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as in zip and PNG) of `bytes` from `start` to the end. */
function crc32(bytes: Uint8Array, start: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (let i = start; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
