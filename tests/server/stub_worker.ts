// An inference worker for tests/server/worker_models.test.ts, set by the environment (shared by the
// process's workers): the first to load, when LE_TEST_DIE_AFTER is set, dies that many ms after
// loading; the others take LE_TEST_LOAD_MS to load, and then set LE_TEST_LOADED. A call crashes the
// worker, as a crash in native code would; or, with LE_TEST_RUN_MS set, takes that long per latent,
// adds its latents to LE_TEST_RAN and gives blank images.
import * as Comlink from "comlink";

const env = (name: string) => Deno.env.get(name);

Comlink.expose({
  load: async () => {
    const dieAfter = env("LE_TEST_DIE_AFTER");
    if (dieAfter !== undefined && env("LE_TEST_DIED") === undefined) {
      Deno.env.set("LE_TEST_DIED", "1");
      setTimeout(() => {
        throw new Error("a deliberate death after loading, for tests/server/worker_models.test.ts");
      }, Number(dieAfter));
    } else {
      await new Promise((r) => setTimeout(r, Number(env("LE_TEST_LOAD_MS") ?? 0)));
      Deno.env.set("LE_TEST_LOADED", String(Date.now()));
    }
    return {
      name: "stub",
      version: "1",
      platform: "decoder",
      executionProvider: "cpu",
      latentShape: [4, 32, 32],
      imageSize: [256, 256],
    };
  },
  generate: async (_packed: Float32Array, count: number) => {
    const perLatent = env("LE_TEST_RUN_MS");
    if (perLatent !== undefined) {
      await new Promise((r) => setTimeout(r, Number(perLatent) * count));
      Deno.env.set("LE_TEST_RAN", String(Number(env("LE_TEST_RAN") ?? 0) + count));
      return Array.from({ length: count }, () => ({ width: 1, height: 1, data: new Uint8ClampedArray(4) }));
    }
    setTimeout(() => {
      throw new Error("a deliberate crash, for tests/server/worker_models.test.ts");
    });
    return new Promise(() => {});
  },
  cancel: () => {},
  dispose: () => {},
}, self as unknown as Comlink.Endpoint);
