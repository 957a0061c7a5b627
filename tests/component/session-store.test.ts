// The saved session in IndexedDB: one part per generation in chunks under 64 KiB (a larger value
// became a blob file in Chrome, whose write could stall an element's start for 4-25 s), a save that
// writes only the parts not stored yet, one transaction per save, and sessions saved by earlier
// versions still read.
import { createStore, del, get, promisifyRequest, set } from "idb-keyval";
import {
  CHUNK_BYTES,
  loadSession,
  newPartId,
  saveSession,
  type SessionRecord,
} from "../../component/worker/session-store.ts";
import { storageKeyFor } from "../../component/ui-state.ts";
import {
  createRng,
  createSession,
  deserializeSession,
  evolve,
  generationBytes,
  rewind,
  serializeSession,
  type Session,
  sessionHeader,
} from "../../core/mod.ts";
import { assert, cleanup, evolveFrom, mount, sameBytes, uniqueKey } from "./helpers.ts";

afterEach(cleanup);

/** Every key and the byte size of its value, in the store the element saves to. */
async function storedSizes(prefix: string): Promise<Map<string, number>> {
  const store = createStore("keyval-store", "keyval");
  return await store("readonly", async (s) => {
    const keys = (await promisifyRequest(s.getAllKeys())).map(String).filter((k) => k.startsWith(prefix));
    const sizes = new Map<string, number>();
    for (const k of keys) {
      const v: unknown = await promisifyRequest(s.get(k));
      sizes.set(k, v instanceof Uint8Array ? v.length : JSON.stringify(v).length);
    }
    return sizes;
  });
}

/** A session of `generations` generations of 6 latents of [4,32,32] (96 KiB each: 2 chunks). */
function sessionOf(generations: number): Session {
  const rng = createRng("store");
  let s = createSession({ shape: [4, 32, 32], population: 6 }, rng);
  for (let g = 1; g < generations; g++) s = evolve(s, { selected: [g % 6] }, rng);
  return s;
}

/** The part id of each generation index, drawn once per test file, as the engine draws one per generation. */
const ids = new Map<number, string>();
const idOf = (g: number) => ids.get(g) ?? ids.set(g, newPartId(g)).get(g)!;

/** What the engine saves. */
function recordOf(session: Session, seed?: number | string, made: number[] = []): SessionRecord {
  return {
    header: sessionHeader(session),
    parts: session.generations.map((g) => ({
      id: idOf(g.index),
      bytes: () => {
        made.push(g.index);
        return generationBytes(g);
      },
    })),
    ...(seed === undefined ? {} : { seed }),
  };
}

describe("session store", () => {
  it("round-trips a session as a part per generation, in chunks under 64 KiB, with its seed", async () => {
    const key = uniqueKey("store");
    const session = sessionOf(3);
    await saveSession(key, recordOf(session, 7));
    const saved = await loadSession(key);
    assert(saved && sameBytes(saved.bytes, serializeSession(session)), "the session did not read back");
    assert(saved.seed === 7, `seed ${saved.seed}`);
    assert(
      saved.parts?.map((p) => p.id).join() === [0, 1, 2].map(idOf).join(),
      `parts ${JSON.stringify(saved.parts)}`,
    );
    const sizes = await storedSizes(key);
    assert(
      sizes.size === 2 + 3 * 2,
      `expected a head, a header chunk and 2 chunks per generation: ${[...sizes.keys()]}`,
    );
    assert([...sizes.values()].every((n) => n < 64 * 1024), `a value over 64 KiB: ${[...sizes.entries()]}`);
    for (const seed of [undefined, "a seed"]) {
      await saveSession(key, recordOf(session, seed));
      assert((await loadSession(key))?.seed === seed, `the seed ${seed} did not read back`);
    }
    assert((await loadSession(uniqueKey("nothing"))) === undefined, "an unsaved key read as something");
  });

  it("a save writes only the generations not stored yet, and drops the chunks of those it replaced", async () => {
    const key = uniqueKey("parts");
    const made: number[] = [];
    const written = (r: { saved: boolean; written?: string[] }) => r.saved && r.written?.join();
    const first = await saveSession(key, recordOf(sessionOf(3), 1, made));
    assert(written(first) === [0, 1, 2].map(idOf).join() && made.join() === "0,1,2", "the first save");
    made.length = 0;
    const longer = sessionOf(4);
    assert(
      written(await saveSession(key, recordOf(longer, 1, made))) === idOf(3) && made.join() === "3",
      `the next save made ${made}`,
    );
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(longer)), "the longer session");
    // Evolving again from generation 1: generations 2 and 3 are replaced, by a new part for 2.
    const again = evolve(rewind(longer, 1), { selected: [] }, createRng("again"));
    const record = recordOf(again, 1, made);
    const replaced = record.parts[2].id = newPartId(2);
    made.length = 0;
    assert(written(await saveSession(key, record)) === replaced && made.join() === "2", `made ${made}`);
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(again)), "the replaced session");
    const all = [...(await storedSizes(key)).keys()];
    const keys = all.filter((k) => !k.includes("#h-")).sort();
    const want = [key, ...[idOf(0), idOf(1), replaced].flatMap((id) => [`${key}#${id}#0`, `${key}#${id}#1`])]
      .sort();
    assert(keys.join() === want.join(), `stored ${keys}, want ${want}`);
    assert(all.filter((k) => k.includes("#h-")).length === 1, `headers stored: ${all}`);
  });

  it("generations kept for Bring back stay stored: bringing them back writes none, and they go once dropped", async () => {
    const key = uniqueKey("spare");
    const longer = sessionOf(4);
    await saveSession(key, recordOf(longer));
    // Evolving again from generation 1 replaces 2 and 3, which Bring back may restore.
    const again = evolve(rewind(longer, 1), { selected: [] }, createRng("again"));
    const record = recordOf(again);
    record.parts[2].id = newPartId(2);
    await saveSession(key, { ...record, keep: [idOf(2), idOf(3)] });
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(again)), "the new session");
    const made: number[] = [];
    const back = await saveSession(key, recordOf(longer, undefined, made));
    assert(back.saved && back.written.length === 0 && made.length === 0, `Bring back wrote ${made}`);
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(longer)), "the session brought back");
    // The next change drops them (no keep): their chunks go.
    await saveSession(key, record);
    const keys = [...(await storedSizes(key)).keys()];
    assert(!keys.some((k) => k.includes(idOf(3))), `generation 3's chunks stay: ${keys}`);
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(again)), "the session after");
  });

  it("reads sessions saved by earlier versions (whole, or in chunks), and the next save replaces them", async () => {
    const session = sessionOf(2);
    const bytes = serializeSession(session);
    const whole = uniqueKey("whole");
    await set(whole, bytes);
    assert(sameBytes((await loadSession(whole))!.bytes, bytes), "the whole-value session did not read");
    const chunked = uniqueKey("chunked");
    const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
    for (let i = 0; i < chunks; i++) {
      await set(`${chunked}#${i}`, bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
    }
    await set(chunked, { chunks, bytes: bytes.length, seed: 5 });
    const read = await loadSession(chunked);
    assert(read && sameBytes(read.bytes, bytes) && read.seed === 5 && !read.parts, "the chunked session");
    await saveSession(chunked, recordOf(session, 5));
    const keys = [...(await storedSizes(chunked)).keys()];
    assert(
      !keys.some((k) => /^[^#]*#\d+$/.test(k)),
      `an earlier version's chunk stays: ${keys}`,
    );
    assert(sameBytes((await loadSession(chunked))!.bytes, bytes), "the replaced session did not read back");
  });

  it("a generation with a chunk missing is named, the ones before it read; saving again writes that part anew", async () => {
    const key = uniqueKey("broken");
    const session = sessionOf(3);
    await saveSession(key, recordOf(session));
    await del(`${key}#${idOf(1)}#1`);
    const saved = (await loadSession(key))!;
    const { broken } = saved;
    assert(
      broken?.generation === 1 && /generation 1: chunk 1 of 2 is missing/.test(broken.message),
      `no clear report: ${JSON.stringify(broken)}`,
    );
    // Generation 0 as saved; 1 and 2 as zeros.
    const read = deserializeSession(saved.bytes);
    assert(sameBytes(generationBytes(read.generations[0]), generationBytes(session.generations[0])), "gen 0");
    assert(read.generations.slice(1).every((g) => generationBytes(g).every((b) => b === 0)), "gens 1-2");
    // The head names the part, but its chunks are not all there: it is not taken as stored.
    const made: number[] = [];
    await saveSession(key, recordOf(session, undefined, made));
    assert(made.join() === "1", `the save made ${made}`);
    const repaired = (await loadSession(key))!;
    assert(!repaired.broken && sameBytes(repaired.bytes, serializeSession(session)), "not repaired");
    // Without its header nothing can be read.
    const header = [...(await storedSizes(key)).keys()].find((k) => k.includes("#h-"))!;
    await del(header);
    let message = "";
    await loadSession(key).catch((e: Error) => (message = e.message));
    assert(/header: chunk 0 of 1 is missing/.test(message), `no clear error: "${message}"`);
    await set(key, { format: 2, header: "{}", parts: [{ id: 1 }] });
    await loadSession(key).catch((e: Error) => (message = e.message));
    assert(/holds no saved session's head/.test(message), `no clear error for a broken head: "${message}"`);
  });

  it("a long session's header is stored in chunks too: no value over 64 KiB at 80 generations with points", async () => {
    const key = uniqueKey("long");
    const rng = createRng("long");
    let s = createSession({ shape: [4, 8, 8], population: 8 }, rng);
    for (let g = 1; g < 80; g++) {
      const points = { 0: [{ x: 0.25, y: 0.5 }, { x: 0.75, y: 0.125 }], 1: [{ x: 0.5, y: 0.5 }] };
      s = evolve(s, { selected: [0, 1], points, mode: "keep", strength: 0.5 }, rng);
    }
    const header = sessionHeader(s);
    assert(header.length > 64 * 1024, `a header of ${header.length} bytes tests nothing`);
    await saveSession(key, recordOf(s));
    const sizes = await storedSizes(key);
    assert(
      [...sizes.values()].every((n) => n < 64 * 1024),
      `a value over 64 KiB: ${Math.max(...sizes.values())}`,
    );
    assert(
      sameBytes((await loadSession(key))!.bytes, serializeSession(s)),
      "the long session did not read back",
    );
  });

  it("a save deletes only its own key's chunks, not those of a storage key that extends it", async () => {
    // Storage keys "a" and "a:session#b" give the keys latent-evolver:a:session and
    // latent-evolver:a:session#b:session: the second's keys fall in the first's range of chunks.
    const key = uniqueKey("prefix");
    const other = `${key}#b:session`;
    const session = sessionOf(2);
    await saveSession(other, recordOf(session, 2));
    await set(`${key}#b:ui`, { prompt: "the other element's" });
    await saveSession(key, recordOf(session, 1));
    await saveSession(key, recordOf(evolve(rewind(session, 0), { selected: [] }, createRng(3)), 1));
    assert(sameBytes((await loadSession(other))!.bytes, serializeSession(session)), "the other session went");
    assert((await get(`${key}#b:ui`)) !== undefined, "the other key's UI state went");
  });

  it("a save that expects a revision saves only if storage holds it, checked in its transaction", async () => {
    const key = uniqueKey("revision");
    const session = sessionOf(2);
    const first = await saveSession(key, recordOf(session), { expect: "" });
    assert(first.saved && (await loadSession(key))!.revision === first.revision, "the first save");
    const refused = await saveSession(key, recordOf(sessionOf(3)), { expect: "" });
    assert(!refused.saved && refused.stored === first.revision, `refused: ${JSON.stringify(refused)}`);
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(session)), "a refused save wrote");
    const second = await saveSession(key, recordOf(sessionOf(3)), { expect: first.revision });
    assert(second.saved && second.revision !== first.revision, "the expected revision did not save");
    let message = "";
    await saveSession(key, { ...recordOf(session), parts: [{ id: "g0", bytes: () => new Uint8Array() }] })
      .catch((e: Error) => (message = e.message));
    assert(/part id "g0"/.test(message), `a bad part id: "${message}"`);
  });

  it("the element saves each generation once: an Evolve, also after a reload, adds only the new one", async () => {
    const storageKey = uniqueKey("element");
    const attrs = { backend: "wasm", population: "16", seed: "3", "storage-key": storageKey };
    const el = await mount(attrs);
    const key = storageKeyFor(storageKey, "session");
    const first = await storedSizes(key);
    assert(first.size > 2, `a 16-image session is one value: ${[...first.entries()]}`);
    assert([...first.values()].every((n) => n < 64 * 1024), `a value over 64 KiB: ${[...first.entries()]}`);
    // The parts' chunks (the header's are new at every save).
    const chunksOf = (sizes: Map<string, number>) =>
      [...sizes.keys()].filter((k) => k !== key && !k.includes("#h-")).sort();
    await evolveFrom(el, 2);
    const second = chunksOf(await storedSizes(key));
    assert(chunksOf(first).every((k) => second.includes(k)), "generation 0's chunks were written anew");
    assert(second.length === 2 * chunksOf(first).length, `${second.length} chunks for 2 generations`);
    el.remove();
    const again = await mount(attrs);
    assert(again.generationCount === 2, `restored ${again.generationCount} generations`);
    await evolveFrom(again, 5);
    const third = chunksOf(await storedSizes(key));
    assert(second.every((k) => third.includes(k)), "a restored generation's chunks were written anew");
    assert(third.length === 3 * chunksOf(first).length, `${third.length} chunks for 3 generations`);
    const session = deserializeSession((await loadSession(key))!.bytes);
    assert(session.generations.length === 3 && session.generations[2].latents.length === 16, "not saved");
    assert(await get(key) !== undefined, "nothing under the session key");
  });
});
