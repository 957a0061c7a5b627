// What the worker's engine keeps for a Bring back (the session an Evolve or an import replaced), in
// memory and in storage, in Deno against fake-indexeddb: kept only while the element offers it back,
// and its generations stored meanwhile, so bringing it back writes none of them again.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { get } from "idb-keyval";
import { storageKeyFor } from "../../component/ui-state.ts";
import { deserializeSession, serializeSession } from "../../core/mod.ts";
import { feedback, keysWritten, sessionFile, stored, type StoredHead, tab, uniqueKey } from "./engine-tab.ts";

Deno.test("engine: the generations an Evolve replaced stay stored for Bring back, which writes none of them again", async () => {
  const key = uniqueKey("spare");
  const full = storageKeyFor(key, "session");
  const a = await tab(true, key);
  await a.engine.evolve(0, feedback);
  await a.engine.evolve(1, feedback);
  const before = (await get(full)) as StoredHead;
  await a.engine.evolve(0, { ...feedback, selected: [2] }); // replaces generations 1 and 2
  const after = (await get(full)) as StoredHead;
  const replaced = before.parts.slice(1).map((p) => p.id);
  assert.deepEqual(after.spare?.map((p) => p.id), replaced, "the replaced generations were not kept");
  const { keys: written } = await keysWritten(() => a.engine.restoreReplaced());
  const back = (await get(full)) as StoredHead;
  assert.deepEqual(back.parts.map((p) => p.id), before.parts.map((p) => p.id));
  // The head and its header, no part.
  assert.deepEqual(written.filter((k) => !k.includes("#h-")), [full], `Bring back wrote ${written}`);
  assert.equal((await stored(key)).generations.length, 3);
});

Deno.test("engine: the session an import replaced stays stored, and restoreImported puts it back writing none of its generations", async () => {
  const key = uniqueKey("import-back");
  const full = storageKeyFor(key, "session");
  const a = await tab(true, key);
  await a.engine.evolve(0, feedback);
  await a.engine.evolve(1, feedback);
  const before = (await get(full)) as StoredHead;
  const bytes = await a.engine.exportSession();
  await a.engine.importSession(sessionFile(5));
  const after = (await get(full)) as StoredHead;
  assert.equal((await stored(key)).generations.length, 2, "the imported session is not what is stored");
  assert.deepEqual(
    after.spare?.map((p) => p.id),
    before.parts.map((p) => p.id),
    "the replaced session was not kept",
  );
  // A file refused changes nothing: what the import replaced can still be brought back.
  await assert.rejects(a.engine.importSession(new Uint8Array([1, 2, 3])), /not a latent-evolver session/);
  const { keys: written, result: back } = await keysWritten(() => a.engine.restoreImported());
  assert.equal(back.length, 3);
  assert.deepEqual(await a.engine.exportSession(), bytes, "the session brought back differs");
  const head = (await get(full)) as StoredHead;
  assert.deepEqual(head.parts.map((p) => p.id), before.parts.map((p) => p.id));
  assert.equal(head.seed, before.seed);
  assert.equal(head.spare, undefined, "the imported session's generations stay stored");
  assert.deepEqual(written.filter((k) => !k.includes("#h-")), [full], `bringing it back wrote ${written}`);
  assert.deepEqual(serializeSession(await stored(key)), bytes, "storage holds another session");
  // One level: nothing is left to bring back.
  await assert.rejects(a.engine.restoreImported(), /no import replaced one since the last change/);
});

Deno.test("engine: restoreImported brings back the session before the last import only, and nothing after an Evolve", async () => {
  const a = await tab(true, uniqueKey("import-levels"));
  const first = sessionFile(5);
  await a.engine.importSession(first);
  await a.engine.importSession(sessionFile(6));
  await a.engine.restoreImported();
  assert.deepEqual(await a.engine.exportSession(), first, "not the session of the first import");
  await a.engine.importSession(sessionFile(6));
  await a.engine.evolve(1, feedback);
  await assert.rejects(a.engine.restoreImported(), /Cannot bring back the session before the import/);
  const session = deserializeSession(await a.engine.exportSession());
  assert.equal(session.generations.length, 3, "the session evolved from the import was replaced");
});

Deno.test("engine: an Evolve from an earlier generation with the answer it had gives the generation it made, and changes nothing", async () => {
  const key = uniqueKey("same-answer");
  const full = storageKeyFor(key, "session");
  const a = await tab(true, key);
  await a.engine.evolve(0, feedback);
  await a.engine.evolve(1, feedback);
  const head = await get(full);
  const again = await a.engine.evolve(0, { ...feedback });
  assert.equal(again.existing, true);
  assert.equal(again.index, 1);
  assert.deepEqual(await get(full), head, "the stored session changed");
  assert.equal((await stored(key)).generations.length, 3);
  // Another answer breeds a new generation 2 in place of the later ones.
  const other = await a.engine.evolve(0, { ...feedback, selected: [1] });
  assert.equal(other.existing, undefined);
  assert.equal((await stored(key)).generations.length, 2);
});

/** Evolves 3 generations, then from the first again: the last 2 are kept for a Bring back. */
async function branched(key: string) {
  const a = await tab(true, key);
  await a.engine.evolve(0, feedback);
  await a.engine.evolve(1, feedback);
  await a.engine.evolve(0, { ...feedback, selected: [2] });
  const head = (await get(storageKeyFor(key, "session"))) as StoredHead;
  assert.equal(head.spare?.length, 2, "the replaced generations were not kept");
  return { ...a, spare: head.spare!.map((p) => p.id) };
}

/** Whether any chunk of these parts is still stored under the key. */
const anyStored = async (key: string, ids: string[]) =>
  (await Promise.all(ids.map((id) => get(`${storageKeyFor(key, "session")}#${id}#0`)))).some(Boolean);

Deno.test("engine: an import told not to keep the session it replaces (no Bring back offered) keeps none, in memory or storage", async () => {
  const key = uniqueKey("import-unkept");
  const a = await tab(true, key);
  const replaced = ((await get(storageKeyFor(key, "session"))) as StoredHead).parts.map((p) => p.id);
  await a.engine.importSession(sessionFile(5), false);
  const head = (await get(storageKeyFor(key, "session"))) as StoredHead;
  assert.equal(head.spare, undefined, "the replaced session's generation stays stored");
  assert.equal(await anyStored(key, replaced), false, "its chunks stay stored");
  await assert.rejects(a.engine.restoreImported(), /no import replaced one since the last change/);
});

Deno.test("engine: an Evolve with the answer an earlier generation had forgets what Bring back kept, in memory and storage", async () => {
  const key = uniqueKey("same-answer-forgets");
  const a = await branched(key);
  const again = await a.engine.evolve(0, { ...feedback, selected: [2] });
  assert.equal(again.existing, true);
  const head = (await get(storageKeyFor(key, "session"))) as StoredHead;
  assert.equal(head.spare, undefined, "the replaced generations stay stored");
  assert.equal(await anyStored(key, a.spare), false, "their chunks stay stored");
  await assert.rejects(a.engine.restoreReplaced(), /Cannot bring back the generations: none were replaced/);
  assert.equal((await stored(key)).generations.length, 2, "the session changed");
});

Deno.test("engine: a new engine on the key (a reload) drops the generations stored for a Bring back it cannot offer", async () => {
  const key = uniqueKey("reload-drops-spare");
  const a = await branched(key);
  const bytes = serializeSession(await stored(key));
  const b = await tab(true, key);
  assert.equal(b.init.restored, true);
  const head = (await get(storageKeyFor(key, "session"))) as StoredHead;
  assert.equal(head.spare, undefined, "the replaced generations stay stored after the reload");
  assert.equal(await anyStored(key, a.spare), false, "their chunks stay stored after the reload");
  assert.deepEqual(serializeSession(await stored(key)), bytes, "the stored session changed");
  assert.deepEqual(await b.engine.exportSession(), bytes, "the restored session differs");
});

Deno.test("engine: the generations brought back carry the settings of their answers, and the last none", async () => {
  const a = await tab(true, uniqueKey("answers"));
  await a.engine.evolve(0, { ...feedback, mode: "keep", strength: 2, radius: 0.3 });
  await a.engine.evolve(1, feedback);
  await a.engine.evolve(0, { ...feedback, selected: [2] }); // replaces generations 1 and 2
  const back = await a.engine.restoreReplaced();
  const { mode, strength, radius } = feedback;
  assert.deepEqual(back.map((g) => g.answer), [
    { mode: "keep", strength: 2, radius: 0.3 },
    { mode, strength, radius },
    undefined,
  ]);
});

Deno.test("engine: an Evolve it refuses changes nothing: what an Evolve or an import replaced can still be brought back, and stays stored", async () => {
  const key = uniqueKey("refused-evolve");
  const full = storageKeyFor(key, "session");
  const a = await branched(key);
  const head = await get(full);
  // The element offers Bring back again after a refused Evolve (history-actions.ts): the worker must
  // still keep what it puts back.
  await assert.rejects(a.engine.evolve(-1, feedback), /Cannot evolve from generation -1/);
  await assert.rejects(a.engine.evolve(1, { ...feedback, selected: [9] }), /selected index 9 is outside/);
  assert.deepEqual(await get(full), head, "a refused Evolve changed what is stored");
  assert.equal((await a.engine.restoreReplaced()).length, 3);
  const bytes = await a.engine.exportSession();
  await a.engine.importSession(sessionFile(5));
  await assert.rejects(a.engine.evolve(0, { ...feedback, selected: [9] }), /selected index 9 is outside/);
  await a.engine.restoreImported();
  assert.deepEqual(await a.engine.exportSession(), bytes, "not the session before the import");
});
