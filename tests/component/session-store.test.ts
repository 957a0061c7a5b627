// The saved session in IndexedDB: one part per generation in chunks under 64 KiB (a larger value
// became a blob file in Chrome, whose write could stall an element's start for 4-25 s), a save that
// writes only the parts not stored yet, one transaction per save, and sessions saved by earlier
// versions still read.
import { createStore, del, get, promisifyRequest, set } from "idb-keyval";
import {
  CHUNK_BYTES,
  loadSession,
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

/** What the engine saves: ids `g<index>` stand for the ids it draws for each generation. */
function recordOf(session: Session, seed?: number | string, made: number[] = []): SessionRecord {
  return {
    header: sessionHeader(session),
    parts: session.generations.map((g) => ({
      id: `g${g.index}`,
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
    assert(saved.parts?.map((p) => p.id).join() === "g0,g1,g2", `parts ${JSON.stringify(saved.parts)}`);
    const sizes = await storedSizes(key);
    assert(sizes.size === 1 + 3 * 2, `expected a head and 2 chunks per generation: ${[...sizes.keys()]}`);
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
    const written = await saveSession(key, recordOf(sessionOf(3), 1, made));
    assert(written.join() === "g0,g1,g2" && made.join() === "0,1,2", `first save wrote ${written}`);
    made.length = 0;
    const longer = sessionOf(4);
    assert(
      (await saveSession(key, recordOf(longer, 1, made))).join() === "g3" && made.join() === "3",
      `the next save made ${made}`,
    );
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(longer)), "the longer session");
    // Evolving again from generation 1: generations 2 and 3 are replaced, by a new part for 2.
    const again = evolve(rewind(longer, 1), { selected: [] }, createRng("again"));
    const record = recordOf(again, 1, made);
    record.parts[2].id = "g2-again";
    made.length = 0;
    assert((await saveSession(key, record)).join() === "g2-again" && made.join() === "2", `made ${made}`);
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(again)), "the replaced session");
    const keys = [...(await storedSizes(key)).keys()].sort();
    const want = [key, ...["g0", "g1", "g2-again"].flatMap((id) => [`${key}#${id}#0`, `${key}#${id}#1`])]
      .sort();
    assert(keys.join() === want.join(), `stored ${keys}, want ${want}`);
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
      !keys.some((k) => /#\d+$/.test(k) && !/#g\d#/.test(k)),
      `an earlier version's chunk stays: ${keys}`,
    );
    assert(sameBytes((await loadSession(chunked))!.bytes, bytes), "the replaced session did not read back");
  });

  it("refuses a session with a chunk missing, naming the generation; saving it again writes that part anew", async () => {
    const key = uniqueKey("broken");
    const session = sessionOf(3);
    await saveSession(key, recordOf(session));
    await del(`${key}#g1#1`);
    let message = "";
    await loadSession(key).catch((e: Error) => (message = e.message));
    assert(/generation 1: chunk 1 of 2 is missing/.test(message), `no clear error: "${message}"`);
    // The head names the part, but its chunks are not all there: it is not taken as stored.
    const made: number[] = [];
    await saveSession(key, recordOf(session, undefined, made));
    assert(made.join() === "1", `the save made ${made}`);
    assert(sameBytes((await loadSession(key))!.bytes, serializeSession(session)), "not repaired");
    await set(key, { format: 2, header: "{}", parts: [{ id: 1 }] });
    await loadSession(key).catch((e: Error) => (message = e.message));
    assert(/its head is not one/.test(message), `no clear error for a broken head: "${message}"`);
  });

  it("the element saves each generation once: an Evolve, also after a reload, adds only the new one", async () => {
    const storageKey = uniqueKey("element");
    const attrs = { backend: "wasm", population: "16", seed: "3", "storage-key": storageKey };
    const el = await mount(attrs);
    const key = storageKeyFor(storageKey, "session");
    const first = await storedSizes(key);
    assert(first.size > 2, `a 16-image session is one value: ${[...first.entries()]}`);
    assert([...first.values()].every((n) => n < 64 * 1024), `a value over 64 KiB: ${[...first.entries()]}`);
    const chunksOf = (sizes: Map<string, number>) => [...sizes.keys()].filter((k) => k !== key).sort();
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
