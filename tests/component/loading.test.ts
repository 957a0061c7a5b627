// The element while its model loads, as on a first visit over a slow network: placeholder tiles the
// size of the images hold their place, and the status line shows the download, which counts the
// wasm backend's onnxruntime wasm (14 MB) with the model's files (the built-in model is 17 KB), and
// not the webgpu backend's (27 MB). The element loads from a copy of dist/ whose wasm download stops
// after its first MiB until the test lets it go (tests/component/held-assets.mjs).
// tests/worker/ort-wasm.test.ts covers the progress in detail.
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { ortRuntimes } from "../../component/backends/ort-wasm.ts";
import {
  assert,
  cleanup,
  loadBundle,
  mount,
  part,
  shadow,
  until,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";

/** Holds (`hold=1`) or lets go (`release=1`) the wasm downloads. @returns The wasm's requests so far. */
async function heldWasm(query = ""): Promise<number> {
  return (await (await fetch(`/__le/held-control?${query}`, { cache: "no-store" })).json()).wasmRequests;
}

/** @returns The files of the webgpu backend's runtime requested from the copy of dist/ so far. */
async function webgpuRuntimeRequests(): Promise<string[]> {
  const { others } = await (await fetch("/__le/held-control", { cache: "no-store" })).json();
  const { wasm, glue } = ortRuntimes.webgpu;
  return others.filter((path: string) => path.endsWith(`/${wasm}`) || path.endsWith(`/${glue}`));
}

/** The status line's download label, or `undefined`. */
const downloadLabel = (el: HTMLElement) =>
  [...part(el, "status")!.querySelectorAll("label")].find((l) => /Downloading/.test(l.textContent!));

const boxes = (el: HTMLElement, selector: string) =>
  [...shadow(el).querySelectorAll(selector)].map((t) => JSON.stringify(t.getBoundingClientRect()));

describe("<latent-evolver> while its model loads", () => {
  let Ctor: typeof LatentEvolverElement;
  let assetBase = "";
  before(async () => {
    await loadBundle();
    Ctor = customElements.get("latent-evolver") as typeof LatentEvolverElement;
    assetBase = Ctor.assetBase;
    Ctor.assetBase = "/__le/held/";
  });
  after(async () => {
    Ctor.assetBase = assetBase;
    await heldWasm("release=1");
  });
  afterEach(cleanup);

  it("shows placeholder tiles and the download with onnxruntime's wasm in it, then the images in their place", async () => {
    const requests = await heldWasm("hold=1");
    const el = await mount({ ...wasmElement("loading"), columns: "2" }, false);
    await until(() => downloadLabel(el) !== undefined, "the download shows", 45_000);
    const bar = downloadLabel(el)!.querySelector("progress")!;
    const { wasmBytes } = ortRuntimes.wasm;
    assert(bar.max >= wasmBytes, `the bar's total is ${bar.max} bytes, less than the wasm's ${wasmBytes}`);
    const text = downloadLabel(el)!.textContent!.replace(/\s+/g, " ").trim();
    assert(/^Downloading the image generator… \d+\.\d of 14\.3 MB$/.test(text), text);
    const placeholders = [...shadow(el).querySelectorAll('[part~="placeholder"]')];
    assert(placeholders.length === 4, `${placeholders.length} placeholders for 4 images`);
    assert(
      placeholders.every((p) => p.getAttribute("aria-hidden") === "true"),
      "a placeholder is not hidden",
    );
    assert(part(el, "grid")!.getAttribute("aria-busy") === "true", "the grid is not busy");
    const before = boxes(el, '[part~="placeholder"]');

    const end = waitForEvent(el, "le-generation-end");
    await heldWasm("release=1");
    await end;
    assert(!shadow(el).querySelector('[part~="placeholder"]'), "placeholders stay with the images");
    assert(!downloadLabel(el) && part(el, "grid")!.getAttribute("aria-busy") === "false", "still loading");
    const after = boxes(el, '[part~="tile"]');
    assert(JSON.stringify(after) === JSON.stringify(before), `tiles moved: ${before} -> ${after}`);
    // onnxruntime was given the bytes: it did not download the wasm again.
    assert(
      (await heldWasm()) === requests + 1,
      `the wasm was requested ${(await heldWasm()) - requests} times`,
    );
  });

  it("on a page where auto passes WebGPU over, downloads the wasm backend's runtime alone", async () => {
    const requests = await heldWasm();
    const el = await mount({ ...wasmElement("loading-auto"), backend: "auto" });
    assert(el.activeBackend === "wasm", `auto chose ${el.activeBackend}`);
    const webgpu = await webgpuRuntimeRequests();
    assert(webgpu.length === 0, `the webgpu backend's runtime was requested: ${webgpu.join(", ")}`);
    assert(
      (await heldWasm()) === requests + 1,
      `the wasm was requested ${(await heldWasm()) - requests} times`,
    );
  });

  it("a restart drops the download bar of the worker it ended", async () => {
    await heldWasm("hold=1");
    const el = await mount(wasmElement("loading-restart"), false);
    await until(() => downloadLabel(el) !== undefined, "the download shows", 45_000);
    const failed = waitForEvent(el, "le-error");
    el.setAttribute("model", "/__le/held/no-such-model/manifest.json");
    await failed;
    await el.updateComplete;
    assert(!downloadLabel(el), `the download still shows: ${part(el, "status")!.textContent}`);
  });
});
