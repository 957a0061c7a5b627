/**
 * What the engine's storage tests share: an engine started on a storage key (a tab) with a backend
 * that renders nothing, an answer to evolve with, the stored session, and session files to import.
 * Against fake-indexeddb, which the test files load first.
 *
 * @module
 */

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

/** A storage key no other test uses, named for its test. */
export function uniqueKey(name: string): string {
  return `${name}-${keys++}`;
}

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
export async function tab(save: boolean, storageKey: string) {
  const failed: string[] = [];
  const engine = new Engine("", new BackendRegistry().register(blank));
  const listener = (e: EngineEvent) => void (e.type === "storage-failed" && failed.push(e.message));
  const init = await engine.init(config(save, storageKey), listener);
  return { engine, init, failed };
}

/** An answer to evolve with: image 0 selected. */
export const feedback: FeedbackMessage = {
  selected: [0],
  points: {},
  mode: "change",
  strength: 1,
  radius: 0.2,
  fresh: false,
};

/** The session stored under an element's storage key. */
export const stored = async (key: string) =>
  deserializeSession((await loadSession(storageKeyFor(key, "session")))!.bytes);

/** A session file of the built-in model's shape, other than any a test's engine makes. */
export const sessionFile = (seed: number) =>
  serializeSession(
    evolve(
      createSession({ shape: [4, 32, 32], population: 4 }, createRng(seed)),
      { selected: [1] },
      createRng(seed),
    ),
  );

/** What a stored session's head names: its parts, the spare ones kept for a Bring back, its seed. */
export type StoredHead = { parts: { id: string }[]; spare?: { id: string }[]; seed?: number };

/**
 * Runs `action` and records the keys it writes to IndexedDB (every `put`).
 *
 * @param action What to watch.
 * @returns The keys written, in order, and what `action` gave.
 */
export async function keysWritten<T>(action: () => Promise<T>): Promise<{ keys: string[]; result: T }> {
  const proto = IDBObjectStore.prototype;
  const put = proto.put;
  const keys: string[] = [];
  proto.put = function (value: unknown, key?: IDBValidKey) {
    keys.push(String(key));
    return put.call(this, value, key);
  };
  try {
    return { keys, result: await action() };
  } finally {
    proto.put = put;
  }
}
