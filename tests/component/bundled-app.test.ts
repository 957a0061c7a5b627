// The element bundled into an app by a bundler (esbuild, as the test server does it): its code runs
// from the app's file, /__le/bundled/app.js, where dist/'s worker, wasm and model are not. A worker
// that cannot be found says to set LatentEvolverElement.assetBase; set, the element renders.
import { assert, cleanup, uniqueKey, waitForEvent } from "./helpers.ts";
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
  it("looks for its files beside the app, says to set assetBase when they are not there, and renders once it is set", async () => {
    const { LatentEvolverElement: Ctor } = await import(app) as {
      LatentEvolverElement: typeof LatentEvolverElement;
    };
    assert(Ctor.assetBase === new URL("/__le/bundled/", location.href).href, Ctor.assetBase);
    const lost = element("bundled-lost");
    const error = waitForEvent<CustomEvent>(lost, "le-error");
    document.body.append(lost);
    const { message } = (await error).detail;
    assert(/set LatentEvolverElement\.assetBase to the URL that serves dist\//.test(message), message);
    lost.remove();

    Ctor.assetBase = "/dist/";
    const found = element("bundled-found");
    const end = waitForEvent<CustomEvent>(found, "le-generation-end", (e) => !e.detail.cancelled);
    document.body.append(found);
    const { done, total } = (await end).detail;
    assert(done === 2 && total === 2, `rendered ${done} of ${total}`);
  });
});
