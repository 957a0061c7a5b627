// The worker's engine saving its session, in Deno against fake-indexeddb (an in-memory IndexedDB that
// follows the spec): the order of saves around a tab taking the storage key over, and sessions that
// earlier versions saved. The browser suites (tests/component/) cover the same through the element.
// Bring back's sessions kept in storage: engine-bring-back.test.ts.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { del, get, set } from "idb-keyval";
import { loadSession, newPartId, saveSession } from "../../component/worker/session-store.ts";
import { storageKeyFor } from "../../component/ui-state.ts";
import {
  createRng,
  createSession,
  deserializeSession,
  evolve,
  generationBytes,
  serializeSession,
  sessionHeader,
} from "../../core/mod.ts";
import { feedback, stored, tab, uniqueKey } from "./engine-tab.ts";

Deno.test("engine: an Evolve right after taking the key over is saved, not refused by the takeover's check", async () => {
  const key = uniqueKey("race");
  await tab(true, key); // the tab that saved, closed
  const b = await tab(false, key);
  const takeover = b.engine.setSaving(true);
  const evolved = b.engine.evolve(0, feedback);
  assert.equal(await takeover, true);
  assert.equal((await evolved).index, 1);
  assert.equal((await stored(key)).generations.length, 2, "the Evolve's generation was not saved");
  assert.deepEqual(b.failed, []);
});

Deno.test("engine: a tab takes the key over only if nobody saved since it read the session", async () => {
  const key = uniqueKey("newer");
  const a = await tab(true, key);
  const b = await tab(false, key); // opened while a saves
  await a.engine.evolve(0, feedback);
  await b.engine.evolve(0, { ...feedback, selected: [1] }); // not saved: b does not hold the key
  assert.equal(await b.engine.setSaving(true), false, "b saved over a's newer session");
  const after = await stored(key);
  assert.equal(after.generations[0].feedback?.selected[0], 0, "a's session is not what is stored");
  // And b saves nothing more until it takes over again (its element restarts to show a's session).
  await b.engine.evolve(1, feedback);
  assert.equal((await stored(key)).generations.length, 2);
});

Deno.test("engine: a session an earlier version saved in chunks is taken over only if it did not change", async () => {
  const key = uniqueKey("legacy");
  const full = storageKeyFor(key, "session");
  const legacy = async (session: ReturnType<typeof createSession>) => {
    const bytes = serializeSession(session);
    await set(`${full}#0`, bytes);
    await set(full, { chunks: 1, bytes: bytes.length, seed: 1 });
  };
  const first = createSession({ shape: [4, 32, 32], population: 4 }, createRng(1));
  await legacy(first);
  const b = await tab(false, key);
  assert.equal(b.init.restored, true);
  // An older tab saves again, in its own format: b's takeover must not overwrite that.
  await legacy(evolve(first, { selected: [2] }, createRng(2)));
  assert.equal(
    await b.engine.setSaving(true),
    false,
    "a changed session of an earlier version was overwritten",
  );
  assert.equal((await get(full) as { chunks?: number }).chunks, 1, "the earlier version's head was replaced");
  // Unchanged since b read it: b takes over, and saves in this version's format.
  const c = await tab(false, key);
  assert.equal(await c.engine.setSaving(true), true);
  assert.equal((await get(full) as { format?: number }).format, 2);
});

Deno.test("session store: a lost generation is given as zeros of the size the header says, whatever the head says", async () => {
  const key = storageKeyFor(uniqueKey("salvage"), "session");
  const a = await tab(true, key.split(":")[1]);
  await a.engine.evolve(0, feedback);
  await a.engine.evolve(1, feedback);
  const head = (await get(key)) as { parts: { id: string; bytes: number }[] };
  await set(`${key}#${head.parts[2].id}#0`, undefined);
  head.parts[2].bytes += 4; // a head broken too
  await set(key, head);
  const saved = (await loadSession(key))!;
  assert.equal(saved.broken?.generation, 2);
  const session = deserializeSession(saved.bytes);
  assert.equal(session.generations.length, 3);
  assert.ok(session.generations[2].latents.every((l) => l.data.every((v) => v === 0)));
});

/** Counts the listings of keys in storage (what a save does to check the chunks a head names). */
function countListings(): { count: number; restore: () => void } {
  const proto = IDBObjectStore.prototype;
  const original = proto.getAllKeys;
  const counter = { count: 0, restore: () => void (proto.getAllKeys = original) };
  proto.getAllKeys = function (...args: Parameters<typeof original>) {
    counter.count++;
    return original.apply(this, args);
  };
  return counter;
}

/** Every key stored under a session key, sorted. */
async function keysOf(key: string): Promise<string[]> {
  const { keys: all } = await import("idb-keyval");
  return (await all()).map(String).filter((k) => k === key || k.startsWith(`${key}#`)).sort();
}

Deno.test("engine: a save over its own last save lists no keys, and leaves what a save that lists them leaves", async () => {
  const key = uniqueKey("trust");
  const full = storageKeyFor(key, "session");
  const listings = countListings();
  try {
    const a = await tab(true, key);
    assert.equal(listings.count, 1, "the first save checks the chunks in storage");
    await a.engine.evolve(0, feedback);
    await a.engine.evolve(1, feedback);
    await a.engine.evolve(0, { ...feedback, selected: [2] }); // replaces generations 1 and 2,
    await a.engine.evolve(1, feedback); // which stay stored for Bring back until this change
    assert.equal(listings.count, 1, "saves over this engine's own saves listed the keys again");
    const trusted = await keysOf(full);
    listings.count--; // keysOf's own
    // A tab that reads the session checks the chunks at its first save: it finds nothing to drop.
    const b = await tab(false, key);
    assert.equal(await b.engine.setSaving(true), true);
    assert.equal(listings.count, 2, "a takeover's save trusted a head it did not write");
    const checked = await keysOf(full);
    const parts = (ks: string[]) => ks.filter((k) => !k.includes("#h-"));
    assert.deepEqual(
      parts(checked),
      parts(trusted),
      "the trusted saves left chunks a check drops, or lost some",
    );
    assert.equal(checked.filter((k) => k.includes("#h-")).length, 1, `headers: ${checked}`);
    assert.deepEqual(a.failed, []);
    assert.equal((await stored(key)).generations.length, 3);
  } finally {
    listings.restore();
  }
});

Deno.test("session store: a save checks the chunks of a head other than the one it trusts, and writes a broken part again", async () => {
  const key = storageKeyFor(uniqueKey("untrusted"), "session");
  const session = evolve(
    createSession({ shape: [4, 8, 8], population: 2 }, createRng(1)),
    { selected: [0] },
    createRng(2),
  );
  const made: number[] = [];
  const ids = [newPartId(0), newPartId(1)];
  const record = {
    header: sessionHeader(session),
    parts: session.generations.map((g, i) => ({
      id: ids[i],
      bytes: () => (made.push(i), generationBytes(g)),
    })),
  };
  const first = await saveSession(key, record);
  assert.ok(first.saved);
  await del(`${key}#${ids[1]}#0`); // generation 1 loses its chunk
  // Trusting the head it wrote, a save takes every chunk it names as there (the cost of not listing).
  made.length = 0;
  const trusted = await saveSession(key, record, { trust: first.revision });
  assert.ok(trusted.saved);
  assert.deepEqual(made, []);
  assert.equal((await loadSession(key))!.broken?.generation, 1);
  // A head it did not write (another tab's, or one it only read) is checked: the part is written again.
  const checked = await saveSession(key, record, { trust: first.revision });
  assert.ok(checked.saved);
  assert.deepEqual(made, [1]);
  const saved = (await loadSession(key))!;
  assert.equal(saved.broken, undefined);
  assert.deepEqual(saved.bytes, serializeSession(session));
});

Deno.test("engine: after a takeover's save failed in storage, the next save is checked, and does not overwrite another tab's", async () => {
  const key = uniqueKey("failed-takeover");
  const a = await tab(true, key);
  const b = await tab(false, key);
  const proto = IDBObjectStore.prototype;
  const put = proto.put;
  proto.put = function () {
    proto.put = put; // once
    throw new DOMException("The quota is full", "QuotaExceededError");
  };
  try {
    assert.equal(await b.engine.setSaving(true), true);
  } finally {
    proto.put = put;
  }
  assert.match(b.failed.join(), /quota is full/);
  await a.engine.evolve(0, feedback); // a saves since b read the session
  await b.engine.evolve(0, { ...feedback, selected: [1] });
  assert.match(b.failed.at(-1)!, /another tab saved this session/);
  assert.equal((await stored(key)).generations[0].feedback?.selected[0], 0, "b overwrote a's newer session");
});
