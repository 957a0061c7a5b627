// An inference worker that answers each generate() after 150 ms with blank images whose pixels count
// how many calls this worker was running at once: for tests/server/worker_models.test.ts.
import * as Comlink from "comlink";

let running = 0;
Comlink.expose({
  load: (_path: string, providers: string[]) => ({
    name: "sleepy",
    version: "1",
    platform: "decoder",
    executionProvider: providers[0],
    latentShape: [4, 32, 32],
    imageSize: [2, 2],
  }),
  async generate(_latents: Float32Array, count: number) {
    running++;
    const seen = running;
    await new Promise((r) => setTimeout(r, 150));
    running--;
    return Array.from(
      { length: count },
      () => ({ width: 2, height: 2, data: new Uint8ClampedArray(16).fill(seen) }),
    );
  },
  dispose: () => {},
}, self as unknown as Comlink.Endpoint);
