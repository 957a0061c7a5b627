// Evolve and the marking state stay in reach on a phone: where the toolbar is too tall to stick and
// the footer sticks, the footer carries its own Evolve once the toolbar's is scrolled out of view,
// and says that clicks mark points.
import {
  accessibleNodes,
  assert,
  axeViolations,
  cleanup,
  frames,
  mount,
  part,
  settle,
  shadow,
  tiles,
  until,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { setViewport } from "@web/test-runner-commands";

afterEach(cleanup);

const sticks = (e: Element) => getComputedStyle(e).position === "sticky";
const footer = (el: HTMLElement) => shadow(el).querySelector<HTMLElement>(".footer")!;
const inView = (e: Element) => {
  const r = e.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
};

/**
 * Runs `test` in a window of the given size, then gives the window its size back. What sticks is
 * measured again on the window's resize event, sent here: the ResizeObserver reports only while the
 * browser draws frames, which this machine's headless Chromium sometimes does not for seconds.
 */
async function inWindow(size: { width: number; height: number }, test: () => Promise<void>): Promise<void> {
  const before = { width: innerWidth, height: innerHeight };
  await setViewport(size);
  try {
    await test();
  } finally {
    await setViewport(before);
  }
}

/** Mounts an element at the top of a phone's window, where the footer sticks and the toolbar does not. */
async function mountOnPhone(name: string): Promise<LatentEvolverElement> {
  const el = await mount({ ...wasmElement(name), population: "8" });
  scrollTo(0, 0);
  dispatchEvent(new Event("resize"));
  await frames(() => sticks(footer(el)));
  assert(
    !sticks(part(el, "toolbar")!) && sticks(footer(el)),
    `toolbar ${getComputedStyle(part(el, "toolbar")!).position}, footer ${
      getComputedStyle(footer(el)).position
    }`,
  );
  return el;
}

/**
 * Scrolls to the last images, the toolbar's Evolve out of view, and waits for the footer's: the
 * IntersectionObserver reports only in a frame, which this machine's Chromium may draw late.
 */
async function scrollToLastImages(el: LatentEvolverElement): Promise<HTMLButtonElement> {
  const grid = part(el, "grid")!.getBoundingClientRect();
  scrollTo(0, scrollY + grid.bottom - innerHeight + 20);
  await until(() => !!part(el, "footer-evolve"), "the footer's Evolve shows", 30_000);
  dispatchEvent(new Event("resize")); // measures the footer with its Evolve
  await settle(el);
  return part(el, "footer-evolve") as HTMLButtonElement;
}

/**
 * Waits until an IntersectionObserver of the test's own has seen `part` whole in the window. The
 * browser notifies every observer of the page in one task, so the element's observer has reported
 * too, and its render is asked for (`settle` then waits for it).
 */
async function seenWhole(part: Element, what: string): Promise<void> {
  let whole = false;
  const observer = new IntersectionObserver((entries) => (whole = entries.at(-1)!.intersectionRatio >= 1), {
    threshold: [1],
  });
  observer.observe(part);
  try {
    await until(() => whole, what, 30_000);
  } finally {
    observer.disconnect();
  }
}

/** The buttons named Evolve, as a screen reader gets them. */
const evolveButtons = async () =>
  (await accessibleNodes()).filter((n) => n.role === "button" && n.name === "Evolve");

describe("<latent-evolver> on a phone", () => {
  it("where only the footer sticks, its Evolve shows once the toolbar's is scrolled out of view, and evolves; it says marking is on until Stop", async () => {
    await inWindow({ width: 375, height: 740 }, async () => {
      const el = await mountOnPhone("phone-evolve");
      // At the top the toolbar's Evolve is in view: the footer has none beside it.
      assert(inView(part(el, "evolve")!), "the toolbar's Evolve is not in view at the top");
      assert(!part(el, "footer-bar"), `at the top, the footer has ${part(el, "footer-bar")?.outerHTML}`);
      const alone = await evolveButtons();
      assert(alone.length === 1, `buttons named Evolve at the top: ${JSON.stringify(alone)}`);
      // Scrolled to the last images: the toolbar's Evolve is out of view, the footer's is not.
      const evolve = await scrollToLastImages(el);
      assert(!inView(part(el, "evolve")!) && inView(evolve), "the footer's Evolve is not what is in view");
      // One action, one name (WCAG 3.2.4): both are Evolve, to a screen reader too.
      const evolves = await evolveButtons();
      assert(evolves.length === 2, `buttons named Evolve: ${JSON.stringify(evolves)}`);
      assert(evolve.title === part(el, "evolve")!.title, `the footer's Evolve says ${evolve.title}`);
      // An image focused from the keyboard scrolls out from under the footer, its Evolve included.
      const covered = parseFloat(part(el, "grid")!.style.getPropertyValue("--le-covered-bottom"));
      const height = footer(el).getBoundingClientRect().height;
      assert(covered >= height - 1, `the grid's scroll margin clears ${covered} px of a ${height} px footer`);

      tiles(el)[7].click();
      const next = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
      evolve.click();
      assert(!(await next).detail.cancelled, "the footer's Evolve did not evolve");

      assert(!part(el, "footer-marking"), "the footer says marking is on while it is off");
      el.marking = true;
      await settle(el);
      const marking = part(el, "footer-marking"), stop = part(el, "stop-marking");
      assert(marking?.textContent === "Marking points" && inView(marking), `marking: ${marking?.outerHTML}`);
      const stops = (await accessibleNodes()).filter((n) =>
        n.role === "button" && n.name === "Stop marking points"
      );
      assert(stops.length === 1 && stop && inView(stop), "no Stop marking points button in view");
      const violations = await axeViolations(el);
      assert(!violations, violations);
      // Back at the top: the footer's Evolve goes, and it still says marking is on.
      scrollTo(0, 0);
      await until(() => !part(el, "footer-evolve"), "the footer's Evolve goes at the top", 30_000);
      assert(inView(part(el, "footer-marking")!), "the footer no longer says marking is on at the top");
      part(el, "stop-marking")!.click();
      await settle(el);
      assert(!el.marking && !part(el, "footer-bar"), "Stop did not stop marking");
    });
  });

  it("the footer's Evolve, focused, stays when the toolbar's comes into view, and goes once the focus leaves it", async () => {
    await inWindow({ width: 375, height: 740 }, async () => {
      const el = await mountOnPhone("phone-focus");
      const evolve = await scrollToLastImages(el);
      evolve.focus();
      // Back to the top, as Home or PageUp goes: the toolbar's Evolve is in view.
      scrollTo(0, 0);
      await seenWhole(part(el, "evolve")!, "the toolbar's Evolve is in view at the top");
      await settle(el);
      const focused = shadow(el).activeElement;
      assert(
        document.activeElement === el && focused?.matches('[part~="footer-evolve"]'),
        `the focus went to ${document.activeElement?.tagName} ${focused?.outerHTML}`,
      );
      part(el, "evolve")!.focus();
      await settle(el);
      assert(!part(el, "footer-evolve"), "the footer's Evolve stays once the focus left it");
    });
  });

  it("where the element's top is at the window's bottom, the toolbar's Evolve under the sticky footer is out of view: the footer carries its own", async () => {
    await inWindow({ width: 375, height: 740 }, async () => {
      const el = await mountOnPhone("phone-covered");
      const above = document.createElement("div");
      above.style.height = `${2 * innerHeight}px`;
      el.before(above);
      try {
        // The toolbar's Evolve whole in the window, just above its bottom, where the footer sticks.
        const evolve = part(el, "evolve")!;
        scrollTo(0, scrollY + evolve.getBoundingClientRect().bottom - innerHeight + 4);
        await seenWhole(evolve, "the toolbar's Evolve is in the window");
        const covered = footer(el).getBoundingClientRect().top, box = evolve.getBoundingClientRect();
        assert(
          sticks(footer(el)) && covered <= box.top,
          `the footer from ${covered}, Evolve from ${box.top}`,
        );
        await settle(el);
        const own = part(el, "footer-evolve");
        assert(own && inView(own), "the footer has no Evolve while the toolbar's is under it");
      } finally {
        above.remove();
      }
    });
  });

  it("the footer's Evolve does not unstick the footer it sits in; where the toolbar sticks there is none", async () => {
    await inWindow({ width: 375, height: 740 }, async () => {
      const el = await mountOnPhone("phone-stays");
      await scrollToLastImages(el);
      // The footer grows to just under a quarter of the window without its Evolve (what it may take
      // to stick), so over it with: the footer's Evolve must not count, or it would unstick the
      // footer, go, let it stick again, and so on.
      const bar = part(el, "footer-bar")!.getBoundingClientRect().height;
      const history = part(el, "history")!.getBoundingClientRect().height;
      const spare = Math.floor(innerHeight / 4) - 2 - (footer(el).getBoundingClientRect().height - bar);
      const tall = document.createElement("style");
      tall.textContent = `latent-evolver::part(history) { box-sizing: border-box; min-height: ${
        history + spare
      }px; }`;
      document.head.append(tall);
      try {
        for (let i = 0; i < 6; i++) {
          dispatchEvent(new Event("resize"));
          await settle(el);
          assert(
            sticks(footer(el)) && part(el, "footer-evolve") &&
              footer(el).getBoundingClientRect().height > innerHeight / 4,
            `measure ${i}: footer ${getComputedStyle(footer(el)).position}, ${
              footer(el).getBoundingClientRect().height
            } px of ${innerHeight}, its Evolve ${!!part(el, "footer-evolve")}`,
          );
        }
      } finally {
        tall.remove();
      }

      // A wide window: the toolbar sticks, its Evolve is in view, the footer has none.
      await setViewport({ width: 1280, height: 800 });
      dispatchEvent(new Event("resize"));
      await frames(() => sticks(part(el, "toolbar")!));
      await settle(el);
      assert(
        sticks(part(el, "toolbar")!) && sticks(footer(el)) && !part(el, "footer-evolve"),
        `toolbar ${getComputedStyle(part(el, "toolbar")!).position}, footer's Evolve ${!!part(
          el,
          "footer-evolve",
        )}`,
      );
      const evolves = await evolveButtons();
      assert(evolves.length === 1, `${evolves.length} buttons named Evolve`);
    });
  });
});
