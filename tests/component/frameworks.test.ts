// <latent-evolver> inside React, Vue and Svelte, rendered the way each framework's users write it
// (tests/component/frameworks/): values bound from the framework's state reach the element, with
// numbers as numbers; the element's events reach the framework's own event binding; a state change
// updates the element; unmounting removes it. Each app's first batch is compared, pixel for pixel,
// with the same element written in plain HTML.
import type { FrameworkApp, MountApp } from "./frameworks/app.ts";
import { cleanup, mount, shadow, waitForEvent } from "./helpers.ts";

function assert(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

const PROMPT = "a misty fjord at dawn";
const POPULATION = 2;
const SEED = 7;

/** The RGBA pixels of every image of the generation shown. */
function pixels(el: HTMLElement): Uint8ClampedArray[] {
  return [...shadow(el).querySelectorAll<HTMLCanvasElement>('canvas[part~="image"]')].map((c) =>
    c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data
  );
}

function samePixels(a: Uint8ClampedArray[], b: Uint8ClampedArray[]): boolean {
  return a.length === b.length &&
    a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}

/** The same element in plain HTML (attributes are strings): the reference every framework must match. */
let reference: Uint8ClampedArray[] | undefined;
async function referencePixels(): Promise<Uint8ClampedArray[]> {
  if (!reference) {
    const el = await mount({
      prompt: PROMPT,
      population: String(POPULATION),
      seed: String(SEED),
      backend: "wasm",
      "storage-key": "none",
    });
    reference = pixels(el);
    el.remove();
  }
  return reference;
}

/** Ends of generations as the framework's binding reports them, awaited in order. */
function endQueue(name: string) {
  const seen: CustomEvent[] = [];
  const waiting: ((e: CustomEvent) => void)[] = [];
  return {
    onEnd: (e: Event) => {
      const next = waiting.shift();
      if (next) next(e as CustomEvent);
      else seen.push(e as CustomEvent);
    },
    next(el: HTMLElement, ms = 45000): Promise<CustomEvent> {
      const ready = seen.shift();
      if (ready) return Promise.resolve(ready);
      // The element's own event, heard directly, tells a broken binding from an element that never finished.
      const direct = waitForEvent<CustomEvent>(el, "le-generation-end", () => true, ms).then(
        () => "fired",
        () => "",
      );
      return new Promise((resolve, reject) => {
        const timer = setTimeout(async () => {
          const fired = await direct;
          reject(
            new Error(
              fired
                ? `${name}: the element fired le-generation-end but ${name}'s event binding did not call its handler`
                : `${name}: no le-generation-end within ${ms} ms`,
            ),
          );
        }, ms + 100);
        waiting.push((e) => {
          clearTimeout(timer);
          resolve(e);
        });
      });
    },
  };
}

describe("<latent-evolver> in frameworks", () => {
  afterEach(cleanup);

  for (const name of ["react", "vue", "svelte"]) {
    it(`${name}: binds values and events, updates with the framework's state, unmounts`, async () => {
      const want = await referencePixels();
      // A path in a variable: `deno check` does not try to resolve what the test server builds.
      const url = `/__le/frameworks/${name}.js`;
      const { mountApp } = (await import(url)) as { mountApp: MountApp };
      const container = document.createElement("div");
      document.body.append(container);
      const errors: string[] = [];
      container.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
      const ends = endQueue(name);
      let app: FrameworkApp | undefined;
      try {
        app = await mountApp(container, {
          prompt: PROMPT,
          population: POPULATION,
          seed: SEED,
          onEnd: ends.onEnd,
        });
        const el = app.element as HTMLElement & { prompt: string };
        const first = await ends.next(el);
        assert(
          first.detail.done === POPULATION && first.detail.total === POPULATION,
          `${name}: population ${POPULATION} (a number) gave ${first.detail.done} of ${first.detail.total} images`,
        );
        assert(errors.length === 0, `${name}: the element reported ${JSON.stringify(errors)}`);
        assert(
          samePixels(pixels(el), want),
          `${name}: the first batch differs from the same element in plain HTML`,
        );

        const restart = waitForEvent<CustomEvent>(
          el,
          "le-generation-start",
          (e) => e.detail.reason === "prompt",
        );
        await app.setPrompt("a desert at noon");
        assert(
          el.prompt === "a desert at noon",
          `${name}: the prompt did not reach the element (${el.prompt})`,
        );
        await restart;
        const second = await ends.next(el);
        assert(
          second.detail.done === POPULATION,
          `${name}: the new prompt rendered ${second.detail.done} images`,
        );
        assert(!samePixels(pixels(el), want), `${name}: the new prompt did not change the images`);
        assert(errors.length === 0, `${name}: the element reported ${JSON.stringify(errors)}`);

        app.unmount();
        app = undefined;
        assert(!el.isConnected && container.childElementCount === 0, `${name}: unmounting left the element`);
      } finally {
        app?.unmount();
        container.remove();
      }
    });
  }
});
