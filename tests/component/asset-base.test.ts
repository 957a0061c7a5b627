// A bundler (Vite, webpack, esbuild) moves the element's code into the app's own chunks and leaves
// the build's other files (the worker, onnxruntime's wasm, the built-in model) behind. Here the
// bundle runs from a blob: URL, which like such a chunk has no dist/ beside it: the element says to
// set LatentEvolverElement.assetBase, and once it is set, finds everything there.
import { assert, cleanup, uniqueKey, waitForEvent } from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

type Ctor = typeof LatentEvolverElement;

/** The built bundle, run from a blob: URL (registers the tag). */
async function bundleFromBlob(): Promise<Ctor> {
  const source = await (await fetch("/dist/latent-evolver.js")).text();
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const module = await import(url);
  return module.LatentEvolverElement as Ctor;
}

function element(name: string): LatentEvolverElement {
  const el = document.createElement("latent-evolver") as LatentEvolverElement;
  for (
    const [k, v] of Object.entries({
      backend: "wasm",
      population: "2",
      seed: "5",
      "storage-key": uniqueKey(name),
    })
  ) {
    el.setAttribute(k, v);
  }
  return el;
}

describe("LatentEvolverElement.assetBase", () => {
  it("code moved away from dist/ says to set assetBase; set, the element finds its worker, wasm and model", async () => {
    const Ctor = await bundleFromBlob();
    assert(Ctor.assetBase === "", `a blob: bundle has asset base "${Ctor.assetBase}"`);
    const lost = element("lost");
    const error = waitForEvent<CustomEvent>(lost, "le-error");
    document.body.append(lost);
    const { message } = (await error).detail;
    assert(/set LatentEvolverElement\.assetBase/.test(message), message);
    lost.remove();

    // Relative to the page, as a site would write it.
    Ctor.assetBase = "/dist/";
    assert(Ctor.workerUrl === new URL("/dist/latent-evolver.worker.js", location.href).href, Ctor.workerUrl);
    const found = element("found");
    const end = waitForEvent<CustomEvent>(found, "le-generation-end", (e) => !e.detail.cancelled);
    document.body.append(found);
    const { done, total } = (await end).detail;
    assert(done === 2 && total === 2, `rendered ${done} of ${total}`);
  });
});
