// The bounded store of rendered images, on real ImageBitmaps: what it keeps, what it closes and when;
// and the renderer that fills it from the worker's images.
import { BitmapCache, KEPT_GENERATIONS } from "../../component/bitmap-cache.ts";
import { GenerationRenderer } from "../../component/generation-renderer.ts";
import { assert } from "./helpers.ts";

/** A 2x2 bitmap; a closed ImageBitmap reports a size of 0x0. */
function bitmap(): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(new Uint8ClampedArray(16).fill(200), 2, 2));
}

const closed = (b: ImageBitmap) => b.width === 0 && b.height === 0;

/** Visits a generation and fills every slot with a fresh bitmap. */
async function fill(cache: BitmapCache, generation: number, size = 2): Promise<ImageBitmap[]> {
  cache.visit(generation, size);
  const bitmaps = await Promise.all(Array.from({ length: size }, bitmap));
  bitmaps.forEach((b, i) => assert(cache.put(generation, i, b), `put(${generation}, ${i}) refused`));
  return bitmaps;
}

describe("BitmapCache", () => {
  it("keeps the bitmaps of the last KEPT_GENERATIONS visited and closes the older ones", async () => {
    const cache = new BitmapCache();
    const made: ImageBitmap[][] = [];
    for (let g = 0; g < KEPT_GENERATIONS + 3; g++) made.push(await fill(cache, g));
    const kept = cache.generations();
    assert(kept.length === KEPT_GENERATIONS, `keeps ${kept.length} generations: [${kept}]`);
    assert(kept.join() === "3,4,5,6", `kept [${kept}]`);
    for (let g = 0; g < 3; g++) {
      assert(made[g].every(closed), `generation ${g}'s bitmaps are not closed`);
      assert(cache.get(g) === undefined && !cache.complete(g), `generation ${g} is still held`);
    }
    for (const g of kept) assert(made[g].every((b) => !closed(b)) && cache.complete(g), `lost ${g}`);
    assert(cache.count() === KEPT_GENERATIONS * 2, `count ${cache.count()}`);
  });

  it("visit() of a kept generation makes it the most recent, so the one visited longest ago goes", async () => {
    const cache = new BitmapCache(2);
    const zero = await fill(cache, 0);
    const one = await fill(cache, 1);
    cache.visit(0, 2);
    await fill(cache, 2);
    assert(cache.generations().join() === "0,2", `kept [${cache.generations()}]`);
    assert(one.every(closed) && !zero.some(closed), "released the wrong generation");
  });

  it("complete() is false for a render cancelled halfway; put() into a released generation closes the bitmap", async () => {
    const cache = new BitmapCache(1);
    cache.visit(0, 3);
    cache.put(0, 1, await bitmap());
    assert(!cache.complete(0), "a generation with holes counts as complete");
    cache.visit(1, 3);
    const late = await bitmap();
    assert(!cache.put(0, 0, late) && closed(late), "a late image of a released generation was kept");
    const outside = await bitmap();
    assert(!cache.put(1, 3, outside) && closed(outside), "an image index past the size was kept");
  });

  it("put() over an image closes the one it replaces; dropAfter() and clear() close what they drop", async () => {
    const cache = new BitmapCache(8);
    const [first] = await fill(cache, 0);
    const second = await bitmap();
    cache.put(0, 0, second);
    assert(closed(first) && !closed(second), "the replaced bitmap is not closed");
    const later = [...(await fill(cache, 1)), ...(await fill(cache, 2))];
    cache.dropAfter(0);
    assert(later.every(closed) && cache.generations().join() === "0", "dropAfter kept a later generation");
    cache.clear();
    assert(closed(second) && cache.count() === 0, "clear() kept a bitmap");
  });

  it("refuses a limit below 1, naming the value", () => {
    let message = "";
    try {
      new BitmapCache(0);
    } catch (error) {
      message = (error as Error).message;
    }
    assert(message.includes("0 generations"), `message: "${message}"`);
  });
});

describe("GenerationRenderer", () => {
  it("an image that arrives after its render ended (cancelled) is closed, not shown or counted", async () => {
    const host = Object.assign(new EventTarget(), {
      addController() {},
      removeController() {},
      requestUpdate() {},
      updateComplete: Promise.resolve(true),
    });
    const events: string[] = [];
    host.addEventListener("le-generation-progress", () => events.push("progress"));
    host.addEventListener("le-generation-end", (e) => events.push(`end ${(e as CustomEvent).detail.done}`));
    const renderer = new GenerationRenderer(host, () => {});
    const lineage = { operator: "diverse", parents: [], seed: 1, params: {} };
    const gen = { index: 0, size: 2, lineage: [lineage, lineage] };
    let request = 0;
    const api = {
      render(_generation: number, _prompt: string, r: number) {
        request = r;
        return Promise.reject(new DOMException("The render was cancelled", "AbortError"));
      },
    };
    await renderer.render(api, 0, gen, "a fjord", "first");
    const late = await bitmap();
    renderer.onImage({ type: "image", request, generation: 0, index: 0, bitmap: late });
    assert(events.join() === "end 0", `events: ${events}`);
    assert(closed(late), "the late image was kept");
    assert(renderer.missing(0).join() === "0,1", `missing ${renderer.missing(0)}`);
  });
});
