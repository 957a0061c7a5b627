// The way the README tells server-rendering frameworks to load the element: the framework renders
// the tag first, the bundle is imported later on the client. Each framework has then set its values
// on an element not yet defined; when the bundle defines it, the element must start with them.
// A file of its own: the bundle must not be loaded in this page before the test.
import { loadBundle, pixels } from "./helpers.ts";
import {
  assert,
  FRAMEWORKS,
  mountFrameworkApp,
  POPULATION,
  samePixels,
  TOKEN,
} from "./frameworks/harness.ts";

describe("<latent-evolver> defined after a framework rendered it", () => {
  it("React, Vue and Svelte's elements upgrade with the values they bound, to the same images", async () => {
    assert(
      !customElements.get("latent-evolver"),
      "the bundle is loaded already; this test needs a fresh page",
    );
    const apps = [];
    for (const name of FRAMEWORKS) apps.push(await mountFrameworkApp(name));
    try {
      await loadBundle();
      const shown: Uint8ClampedArray[][] = [];
      for (const { ends, errors, element, app } of apps) {
        const first = await ends.next(element);
        assert(
          first.detail.done === POPULATION,
          `${ends.name}: ${first.detail.done} images instead of ${POPULATION}`,
        );
        assert(errors.length === 0, `${ends.name}: the element reported ${JSON.stringify(errors)}`);
        // Bound as serverToken, written as the attribute servertoken before the element was defined.
        assert(
          element.serverToken === TOKEN,
          `${ends.name}: serverToken is ${element.serverToken} (attributes: ${
            element.getAttributeNames().join(", ")
          })`,
        );
        shown.push(pixels(element));
        app.unmount();
      }
      assert(
        shown.every((s) => samePixels(s, shown[0])),
        "the frameworks' elements show different images for the same prompt and seed",
      );
    } finally {
      for (const { container } of apps) container.remove();
    }
  });
});
