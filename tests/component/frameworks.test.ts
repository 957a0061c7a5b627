// <latent-evolver> inside React, Vue and Svelte, rendered the way each framework's users write it
// (tests/component/frameworks/): values bound from the framework's state reach the element, with
// numbers as numbers; the element's events reach the framework's own event binding; a state change
// updates the element; unmounting removes it. Each app's first batch is compared, pixel for pixel,
// with the same element written in plain HTML.
import { cleanup, mount, pixels, waitForEvent } from "./helpers.ts";
import {
  assert,
  FRAMEWORKS,
  mountFrameworkApp,
  POPULATION,
  PROMPT,
  samePixels,
  SEED,
  TOKEN,
} from "./frameworks/harness.ts";

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

describe("<latent-evolver> in frameworks", () => {
  afterEach(cleanup);

  for (const name of FRAMEWORKS) {
    it(`${name}: binds values and events, updates with the framework's state, unmounts`, async () => {
      const want = await referencePixels();
      const { app, container, errors, ends, element: el } = await mountFrameworkApp(name);
      let mounted = true;
      try {
        const first = await ends.next(el);
        assert(
          first.detail.done === POPULATION && first.detail.total === POPULATION,
          `${name}: population ${POPULATION} (a number) gave ${first.detail.done} of ${first.detail.total} images`,
        );
        assert(errors.length === 0, `${name}: the element reported ${JSON.stringify(errors)}`);
        assert(el.serverToken === TOKEN, `${name}: serverToken is ${el.serverToken}`);
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
        mounted = false;
        assert(!el.isConnected && container.childElementCount === 0, `${name}: unmounting left the element`);
      } finally {
        if (mounted) app.unmount();
        container.remove();
      }
    });
  }
});
