// The worker's engine when its backend fails while rendering (a WebGPU device lost, out of memory at
// the first run, a server gone): in `auto` the next backend that starts renders the images not sent
// yet, and the element is told; with a backend named, the render fails as it did. Fake backends, in
// Deno (tests/worker/engine-storage.test.ts covers saving).
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { Engine } from "../../component/worker/engine.ts";
import { BackendRegistry } from "../../component/backends/registry.ts";
import type { BackendFactory } from "../../component/backends/types.ts";
import type { BackendName, EngineConfig, EngineEvent } from "../../component/worker/protocol.ts";
import { builtinManifestUrl } from "../../models/mod.ts";
import type { RgbaImage } from "../../core/image.ts";

/** What the fake backends did: images rendered by each, and which were ended. */
type Log = { rendered: Record<string, number>; disposed: string[]; created: string[] };

/**
 * A fake backend: renders 1x1 images, image by image, failing with `fails` after `before` images of
 * each call (at every call), or `startFails` at its creation.
 */
function fake(
  name: BackendName,
  priority: number,
  log: Log,
  { fails, before = 0, startFails }: { fails?: string; before?: number; startFails?: string } = {},
): BackendFactory {
  return {
    name,
    priority,
    create: () => {
      if (startFails) return Promise.reject(new Error(startFails));
      log.created.push(name);
      return Promise.resolve({
        name,
        generate: (latents, _prompt, options) => {
          const images: RgbaImage[] = [];
          for (const [i] of latents.entries()) {
            if (fails && i === before) return Promise.reject(new Error(fails));
            const image = { width: 1, height: 1, data: new Uint8ClampedArray([i, 0, 0, 255]) };
            log.rendered[name] = (log.rendered[name] ?? 0) + 1;
            options?.onImage?.(i, image);
            images.push(image);
          }
          return Promise.resolve(images);
        },
        dispose: () => {
          log.disposed.push(name);
          return Promise.resolve();
        },
      });
    },
  };
}

const config = (backend: EngineConfig["backend"]): EngineConfig => ({
  model: builtinManifestUrl,
  server: "",
  serverToken: "",
  backend,
  population: 4,
  seed: 1,
  storageKey: "",
  save: false,
});

async function engineWith(backend: EngineConfig["backend"], ...factories: BackendFactory[]) {
  const registry = new BackendRegistry();
  for (const f of factories) registry.register(f);
  const engine = new Engine("", registry);
  const events: EngineEvent[] = [];
  const init = await engine.init(config(backend), (e) => void events.push(e));
  const images = () => events.flatMap((e) => e.type === "image" ? [e.index] : []).sort();
  const switches = () => events.filter((e) => e.type === "backend");
  return { engine, init, images, switches };
}

Deno.test("engine, auto: a backend that fails while rendering gives way to the next, which renders the images not sent yet", async () => {
  const log: Log = { rendered: {}, disposed: [], created: [] };
  const { engine, init, images, switches } = await engineWith(
    "auto",
    fake("webgpu", 30, log, { fails: "the GPU device was lost", before: 1 }),
    fake("server", 20, log),
    fake("wasm", 10, log),
  );
  assert.equal(init.backend, "webgpu");
  await engine.render(0, "a fjord", 1);
  // Each image once: the first from webgpu, the other three from wasm (no server attribute is set).
  assert.deepEqual(images(), [0, 1, 2, 3]);
  assert.deepEqual(log.rendered, { webgpu: 1, wasm: 3 });
  assert.deepEqual(log.disposed, ["webgpu"]);
  assert.deepEqual(switches(), [{
    type: "backend",
    backend: "wasm",
    failed: { backend: "webgpu", message: "failed while rendering: the GPU device was lost" },
    failures: [
      { backend: "webgpu", message: "failed while rendering: the GPU device was lost" },
      { backend: "server", message: "no server attribute is set" },
    ],
  }]);
  // The next render is wasm's alone.
  await engine.render(0, "a fjord", 2);
  assert.deepEqual(log.rendered, { webgpu: 1, wasm: 7 });
  assert.deepEqual(log.created, ["webgpu", "wasm"]);
});

Deno.test("engine, auto: when no other backend starts, the render fails with its error and the backend stays", async () => {
  const log: Log = { rendered: {}, disposed: [], created: [] };
  const { engine, switches } = await engineWith(
    "auto",
    fake("webgpu", 30, log, { fails: "out of memory", before: 2 }),
    fake("wasm", 10, log, { startFails: "the model is too large for wasm" }),
  );
  await assert.rejects(engine.render(0, "a fjord", 1), /out of memory/);
  assert.deepEqual(switches(), []);
  assert.deepEqual(log.disposed, []);
  // Tried again, with the same backend (it may work again), and the same refusal.
  await assert.rejects(engine.render(0, "a fjord", 2), /out of memory/);
  assert.deepEqual(log.rendered, { webgpu: 4 });
});

Deno.test("engine, a backend named: a failure while rendering fails the render, with no switch", async () => {
  const log: Log = { rendered: {}, disposed: [], created: [] };
  const { engine, switches } = await engineWith(
    "webgpu",
    fake("webgpu", 30, log, { fails: "the GPU device was lost" }),
    fake("wasm", 10, log),
  );
  await assert.rejects(engine.render(0, "a fjord", 1), /the GPU device was lost/);
  assert.deepEqual(switches(), []);
  assert.deepEqual(log.created, ["webgpu"]);
});

Deno.test("engine, auto: a cancelled render does not switch backends", async () => {
  const log: Log = { rendered: {}, disposed: [], created: [] };
  const registry = new BackendRegistry().register(fake("wasm", 10, log)).register({
    name: "webgpu",
    priority: 30,
    create: () =>
      Promise.resolve({
        name: "webgpu",
        generate: (_latents, _prompt, options) =>
          new Promise((_, reject) => {
            const signal = options?.signal;
            if (signal?.aborted) reject(new Error("aborted"));
            signal?.addEventListener("abort", () => reject(new Error("aborted")));
          }),
        dispose: () => Promise.resolve(),
      }),
  });
  const engine = new Engine("", registry);
  const events: EngineEvent[] = [];
  await engine.init(config("auto"), (e) => void events.push(e));
  const render = engine.render(0, "a fjord", 1);
  engine.cancel();
  await assert.rejects(render, (e: Error) => e.name === "AbortError");
  assert.deepEqual(events.filter((e) => e.type === "backend"), []);
  assert.deepEqual(log.created, []);
});
