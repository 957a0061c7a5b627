// The element bundled into an app by a bundler (esbuild, as the test server does it): its code runs
// from the app's file, /__le/bundled/app.js, where dist/'s worker, wasm and model are not. A worker
// that cannot be found is not restarted as one that died would be: the element says at once, once,
// to set LatentEvolverElement.assetBase, with Try again; set, Try again renders.
import { assert, cleanup, settle, shadow, uniqueKey, waitForEvent } from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

/** The app's path; in a variable so that `deno check` does not try to resolve it. */
const app = "/__le/bundled/app.js";

function element(name: string): LatentEvolverElement {
  const el = document.createElement("latent-evolver") as LatentEvolverElement;
  const attributes = { backend: "wasm", population: "2", seed: "5", "storage-key": uniqueKey(name) };
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  return el;
}

describe("the element bundled into an app", () => {
  it("looks for its files beside the app, says at once and once to set assetBase when they are not there, and Try again renders once it is set", async () => {
    const { LatentEvolverElement: Ctor } = await import(app) as {
      LatentEvolverElement: typeof LatentEvolverElement;
    };
    assert(Ctor.assetBase === new URL("/__le/bundled/", location.href).href, Ctor.assetBase);
    const Original = globalThis.Worker;
    let workers = 0;
    globalThis.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        workers++;
      }
    };
    try {
      const el = element("bundled-lost");
      const errors: string[] = [];
      el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
      const error = waitForEvent<CustomEvent>(el, "le-error");
      document.body.append(el);
      await error;
      await settle(el);
      // The first error is the last word: it offers Try again, where a restart would have been said
      // to come. A restart (the first came 250 ms after a death) would start a second worker.
      const retry = shadow(el).querySelector<HTMLButtonElement>('[part~="error"] button[part~="retry"]');
      await new Promise((r) => setTimeout(r, 1000));
      assert(
        errors.length === 1 &&
          /^The images cannot be made right now\. The worker could not be loaded: .*set LatentEvolverElement\.assetBase to the URL that serves dist\//
            .test(errors[0]),
        `errors: ${JSON.stringify(errors)}`,
      );
      assert(workers === 1, `${workers} workers started`);
      assert(retry?.isConnected, "no Try again beside the error");

      Ctor.assetBase = "/dist/";
      const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
      retry.click();
      const { done, total } = (await end).detail;
      assert(done === 2 && total === 2, `rendered ${done} of ${total}`);
      await settle(el);
      assert(errors.length === 1 && !shadow(el).querySelector('[part~="error"]'), `errors: ${errors}`);
    } finally {
      globalThis.Worker = Original;
    }
  });
});
