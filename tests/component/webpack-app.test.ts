// The element bundled into an app by webpack 5, which writes the source file's path on the build
// machine in place of `import.meta.url` (every mode, output.module too): a file: URL that no page
// served over HTTP can load. The element takes it for no asset base, and says at once, without
// that path, to set LatentEvolverElement.assetBase; set, it renders.
import { assert, cleanup, uniqueKey, waitForEvent } from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

/** Where webpack found the bundle when it built the app. */
const buildPath = "file:///home/dev/app/node_modules/latent-evolver/dist/latent-evolver.js";

/** The built bundle as webpack 5 leaves it in an app's chunk, run from a blob: URL (registers the tag). */
async function bundleAsWebpackWrites(): Promise<typeof LatentEvolverElement> {
  const source = await (await fetch("/dist/latent-evolver.js")).text();
  const uses = source.split("import.meta.url").length - 1;
  assert(uses === 1, `the bundle reads import.meta.url ${uses} times, this test replaces one`);
  const webpacked = source.replace("import.meta.url", JSON.stringify(buildPath));
  const url = URL.createObjectURL(new Blob([webpacked], { type: "text/javascript" }));
  return (await import(url)).LatentEvolverElement;
}

function element(name: string): LatentEvolverElement {
  const el = document.createElement("latent-evolver") as LatentEvolverElement;
  const attributes = { backend: "wasm", population: "2", seed: "5", "storage-key": uniqueKey(name) };
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  return el;
}

describe("the element bundled into an app by webpack", () => {
  it("takes the build machine's file: path for no asset base, says at once to set assetBase, and renders once it is set", async () => {
    const Ctor = await bundleAsWebpackWrites();
    assert(Ctor.assetBase === "", `a webpack bundle has asset base "${Ctor.assetBase}"`);
    const lost = element("webpack-lost");
    const error = waitForEvent<CustomEvent>(lost, "le-error");
    document.body.append(lost);
    const { message } = (await error).detail;
    assert(/set LatentEvolverElement\.assetBase to the URL where dist\/ is served/.test(message), message);
    assert(!message.includes("file:"), `the error shows the build machine's path: ${message}`);
    // No worker is sent to that path, to die there and be restarted.
    assert(!/worker/i.test(message), message);
    lost.remove();

    Ctor.assetBase = "/dist/";
    const found = element("webpack-found");
    const end = waitForEvent<CustomEvent>(found, "le-generation-end", (e) => !e.detail.cancelled);
    document.body.append(found);
    const { done, total } = (await end).detail;
    assert(done === 2 && total === 2, `rendered ${done} of ${total}`);
  });
});
