// The saved session in IndexedDB: chunks under 64 KiB (a larger value became a blob file in Chrome,
// whose write could stall an element's start for 4-25 s), one transaction per save, and sessions
// saved whole by earlier versions still read.
import { createStore, get, promisifyRequest, set } from "idb-keyval";
import { CHUNK_BYTES, loadSession, saveSession } from "../../component/worker/session-store.ts";
import { storageKeyFor } from "../../component/ui-state.ts";
import { deserializeSession } from "../../core/mod.ts";
import { assert, cleanup, mount, uniqueKey } from "./helpers.ts";

afterEach(cleanup);

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

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

describe("session store", () => {
  it("round-trips a session in chunks under 64 KiB, and a shorter save leaves no chunks behind", async () => {
    const key = uniqueKey("store");
    const long = bytes(3 * CHUNK_BYTES + 123, 1);
    await saveSession(key, { bytes: long });
    assert(same((await loadSession(key))?.bytes, long), "the long session did not read back");
    const sizes = await storedSizes(key);
    assert(sizes.size === 5, `expected a head and 4 chunks, got ${[...sizes.keys()]}`);
    assert([...sizes.values()].every((n) => n < 64 * 1024), `a value over 64 KiB: ${[...sizes.entries()]}`);
    const short = bytes(CHUNK_BYTES - 1, 2);
    await saveSession(key, { bytes: short });
    assert(same((await loadSession(key))?.bytes, short), "the short session did not read back");
    assert((await loadSession(key))?.seed === undefined, "a seed read back that was not saved");
    for (const seed of [7, "a seed"]) {
      await saveSession(key, { bytes: short, seed });
      assert((await loadSession(key))?.seed === seed, `the seed ${seed} did not read back`);
    }
    assert(
      (await storedSizes(key)).size === 2,
      `leftovers of the longer save: ${[...(await storedSizes(key)).keys()]}`,
    );
    assert(
      (await loadSession(uniqueKey("nothing")))?.bytes === undefined,
      "an unsaved key read as something",
    );
  });

  it("reads a session saved whole by an earlier version, and refuses one with a chunk missing", async () => {
    const old = uniqueKey("whole");
    const whole = bytes(100_000, 3);
    await set(old, whole);
    assert(same((await loadSession(old))?.bytes, whole), "the whole-value session did not read");
    const broken = uniqueKey("broken");
    await saveSession(broken, { bytes: bytes(2 * CHUNK_BYTES, 4) });
    await set(`${broken}#1`, undefined);
    let message = "";
    await loadSession(broken).catch((e: Error) => (message = e.message));
    assert(/chunk 1 of 2 is missing/.test(message), `no clear error: "${message}"`);
  });

  it("the element saves a 16-image session as chunks under 64 KiB that restore it", async () => {
    const storageKey = uniqueKey("element");
    const el = await mount({ backend: "wasm", population: "16", seed: "3", "storage-key": storageKey });
    const key = storageKeyFor(storageKey, "session");
    const sizes = await storedSizes(key);
    assert(sizes.size > 2, `a 16-image session is one value: ${[...sizes.entries()]}`);
    assert([...sizes.values()].every((n) => n < 64 * 1024), `a value over 64 KiB: ${[...sizes.entries()]}`);
    const session = deserializeSession((await loadSession(key))!.bytes);
    assert(session.generations[0].latents.length === 16, "the saved session lacks its 16 latents");
    assert(await get(key) !== undefined && el.isConnected, "nothing under the session key");
  });
});
