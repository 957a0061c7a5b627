// The worker's engine saving its session, in Deno against fake-indexeddb (an in-memory IndexedDB that
// follows the spec): the order of saves around a tab taking the storage key over, and sessions that
// earlier versions saved. The browser suites (tests/component/) cover the same through the element.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { get, set } from "idb-keyval";
import { Engine } from "../../component/worker/engine.ts";
import { BackendRegistry } from "../../component/backends/registry.ts";
import type { BackendFactory } from "../../component/backends/types.ts";
import type { EngineConfig, EngineEvent, FeedbackMessage } from "../../component/worker/protocol.ts";
import { loadSession } from "../../component/worker/session-store.ts";
import { storageKeyFor } from "../../component/ui-state.ts";
import { builtinManifestUrl } from "../../models/mod.ts";
import { createRng, createSession, deserializeSession, evolve, serializeSession } from "../../core/mod.ts";

/** A backend that renders nothing: these tests are about what is saved. */
const blank: BackendFactory = {
  name: "wasm",
  priority: 10,
  create: () =>
    Promise.resolve({ name: "wasm", generate: () => Promise.resolve([]), dispose: async () => {} }),
};

let keys = 0;
function config(save: boolean, storageKey: string): EngineConfig {
  return {
    model: builtinManifestUrl,
    server: "",
    serverToken: "",
    backend: "auto",
    population: 4,
    seed: 1,
    storageKey,
    save,
  } as EngineConfig;
}

/** A new engine (a tab), and the storage-failed messages it sends. */
async function tab(save: boolean, storageKey: string) {
  const failed: string[] = [];
  const engine = new Engine("", new BackendRegistry().register(blank));
  const listener = (e: EngineEvent) => void (e.type === "storage-failed" && failed.push(e.message));
  const init = await engine.init(config(save, storageKey), listener);
  return { engine, init, failed };
}

const feedback: FeedbackMessage = {
  selected: [0],
  points: {},
  mode: "change",
  strength: 1,
  radius: 0.2,
  fresh: false,
};
const stored = async (key: string) =>
  deserializeSession((await loadSession(storageKeyFor(key, "session")))!.bytes);

Deno.test("engine: an Evolve right after taking the key over is saved, not refused by the takeover's check", async () => {
  const key = `race-${keys++}`;
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
  const key = `newer-${keys++}`;
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
  const key = `legacy-${keys++}`;
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
  const key = storageKeyFor(`salvage-${keys++}`, "session");
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
