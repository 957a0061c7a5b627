// <latent-evolver> keeps the images of only the last few generations visited: the bitmaps of older
// ones are closed, and showing or exporting one of them renders it again from its latents, with the
// same pixels. The element's bitmaps are private, so the test records each bitmap the element draws
// on its canvases (a closed ImageBitmap reports a size of 0x0).
import { assert, cleanup, mount, pixels, settle, tiles, uniqueKey, waitForEvent } from "./helpers.ts";
import { KEPT_GENERATIONS } from "../../component/bitmap-cache.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { decode } from "fast-png";

const POPULATION = 2;
/** Generations made in all: the limit and two more, so generations 0 and 1 are released. */
const MADE = KEPT_GENERATIONS + 2;

const attrs = (name: string) => ({
  backend: "wasm",
  population: String(POPULATION),
  seed: "5",
  prompt: "a quiet harbour",
  "storage-key": uniqueKey(name),
});

/** Every bitmap drawn on one of the element's canvases, by the generation shown when it was drawn. */
const drawn = new Map<number, Set<ImageBitmap>>();
let shownBy: LatentEvolverElement | null = null;
const drawImage = CanvasRenderingContext2D.prototype.drawImage;

before(() => {
  CanvasRenderingContext2D.prototype.drawImage = function (
    this: CanvasRenderingContext2D,
    ...args: unknown[]
  ) {
    const [image] = args;
    if (shownBy && image instanceof ImageBitmap && shownBy.shadowRoot?.contains(this.canvas)) {
      const set = drawn.get(shownBy.generation) ?? new Set();
      drawn.set(shownBy.generation, set.add(image));
    }
    return (drawImage as (...a: unknown[]) => void).apply(this, args);
  } as typeof drawImage;
});

after(() => {
  CanvasRenderingContext2D.prototype.drawImage = drawImage;
});

afterEach(() => {
  shownBy = null;
  drawn.clear();
  cleanup();
});

const isClosed = (b: ImageBitmap) => b.width === 0 && b.height === 0;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}

/** Mounts the element and evolves it until it has MADE generations; returns each one's pixels. */
async function session(name: string): Promise<{ el: LatentEvolverElement; shown: Uint8ClampedArray[][] }> {
  const el = await mount(attrs(name), false);
  shownBy = el;
  await waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
  await settle(el);
  const shown = [pixels(el)];
  for (let g = 1; g < MADE; g++) {
    tiles(el)[0].click();
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === g);
    await el.evolve();
    assert((await end).detail.done === POPULATION, `generation ${g} did not finish`);
    await settle(el);
    shown.push(pixels(el));
  }
  assert(el.generationCount === MADE, `${el.generationCount} generations`);
  return { el, shown };
}

describe("<latent-evolver> bounded images", () => {
  it("closes the bitmaps of all but the last KEPT_GENERATIONS generations visited", async () => {
    await session("closes");
    for (let g = 0; g < MADE; g++) {
      const bitmaps = [...(drawn.get(g) ?? [])];
      assert(bitmaps.length === POPULATION, `generation ${g} drew ${bitmaps.length} bitmaps`);
      const released = g < MADE - KEPT_GENERATIONS;
      const closed = bitmaps.filter(isClosed).length;
      assert(
        closed === (released ? POPULATION : 0),
        `generation ${g}: ${closed} of ${POPULATION} bitmaps closed, expected ${released ? "all" : "none"}`,
      );
    }
    const live = [...drawn.values()].flatMap((s) => [...s]).filter((b) => !isClosed(b)).length;
    assert(live === KEPT_GENERATIONS * POPULATION, `${live} live bitmaps`);
  });

  it("showing a released generation renders it again, pixel-equal; a kept one shows with no render", async () => {
    const { el, shown } = await session("rerender");
    const starts: CustomEvent[] = [];
    el.addEventListener("le-generation-start", (e) => starts.push(e as CustomEvent));

    await el.showGeneration(MADE - 2);
    assert(starts.length === 0, `a kept generation was rendered again: ${JSON.stringify(starts[0]?.detail)}`);

    const busy: string[] = [];
    const start = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 0);
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 0);
    start.then(async () => {
      await el.updateComplete;
      busy.push(...tiles(el).map((t) => t.getAttribute("aria-busy") ?? ""));
    });
    await el.showGeneration(0);
    const s = await start;
    assert(s.detail.reason === "history" && s.detail.total === POPULATION, JSON.stringify(s.detail));
    const e = await end;
    assert(
      !e.detail.cancelled && e.detail.done === POPULATION,
      `re-render ended ${JSON.stringify(e.detail)}`,
    );
    assert(busy.length && busy.every((b) => b === "true"), `tiles while re-rendering: [${busy}]`);
    await settle(el);
    const again = pixels(el);
    for (let i = 0; i < POPULATION; i++) {
      const diff = maxDiff(again[i], shown[0][i]);
      assert(diff === 0, `image ${i} of generation 1 differs from the original by up to ${diff}`);
    }
    assert(tiles(el).every((t) => t.getAttribute("aria-busy") === "false"), "tiles still busy");
    // Showing generation 0 made it recent again: generation MADE - KEPT_GENERATIONS is now the oldest.
    const oldest = [...(drawn.get(MADE - KEPT_GENERATIONS) ?? [])];
    assert(
      oldest.length && oldest.every(isClosed),
      "showing a generation did not release the oldest kept one",
    );
  });

  it("exportImage() during the re-render of a released generation waits for it and exports its pixels", async () => {
    const { el, shown } = await session("export");
    const showing = el.showGeneration(1);
    const png = decode(new Uint8Array(await (await el.exportImage(1)).arrayBuffer()));
    await showing;
    const diff = maxDiff(png.data as Uint8Array, shown[1][1]);
    assert(diff === 0, `the exported PNG differs from the original image by up to ${diff}`);
  });

  it("exportImage() after the re-render was cancelled renders the image again", async () => {
    const { el, shown } = await session("export-cancelled");
    const start = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 0);
    const showing = el.showGeneration(0);
    await start;
    el.cancel();
    await showing;
    const png = decode(new Uint8Array(await (await el.exportImage(0)).arrayBuffer()));
    const diff = maxDiff(png.data as Uint8Array, shown[0][0]);
    assert(diff === 0, `the exported PNG differs from the original image by up to ${diff}`);
  });
});
