// An inference worker whose first generate() crashes the worker with an uncaught error, as a crash in
// native code or a bug outside Comlink's handlers would: for tests/server/worker_models.test.ts.
import * as Comlink from "comlink";

Comlink.expose({
  load: () => ({
    name: "crashy",
    version: "1",
    platform: "decoder",
    executionProvider: "cpu",
    latentShape: [4, 32, 32],
    imageSize: [256, 256],
  }),
  generate: () => {
    setTimeout(() => {
      throw new Error("a deliberate crash, for tests/server/worker_models.test.ts");
    });
    return new Promise(() => {});
  },
  dispose: () => {},
}, self as unknown as Comlink.Endpoint);
