// Evolve and the marking state stay in reach on a phone: where the toolbar is too tall to stick, a
// one-line strip pinned to the window's bottom (not the bulky footer) carries its own Evolve once the
// toolbar's is scrolled out of view, the counts, the notice of what it did, and says that clicks
// mark points.
import {
  accessibleNodes,
  assert,
  axeViolations,
  button,
  cleanup,
  clickAt,
  frames,
  inWindow,
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
const strip = (el: HTMLElement) => shadow(el).querySelector<HTMLElement>(".strip")!;
const inView = (e: Element) => {
  const r = e.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
};

/**
 * Mounts an element at the top of a phone's window, where neither the toolbar nor the footer sticks
 * but the strip does.
 */
async function mountOnPhone(name: string): Promise<LatentEvolverElement> {
  const el = await mount({ ...wasmElement(name), population: "8" });
  scrollTo(0, 0);
  dispatchEvent(new Event("resize"));
  await frames(() => sticks(strip(el)));
  assert(
    !sticks(part(el, "toolbar")!) && !sticks(footer(el)) && sticks(strip(el)),
    `toolbar ${getComputedStyle(part(el, "toolbar")!).position}, footer ${
      getComputedStyle(footer(el)).position
    }, strip ${getComputedStyle(strip(el)).position}`,
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
  dispatchEvent(new Event("resize")); // measures the strip with its Evolve
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
  it("where the toolbar does not stick, the strip's Evolve shows once the toolbar's is scrolled out of view, and evolves; it says marking is on until Stop", async () => {
    await inWindow({ width: 375, height: 740 }, async () => {
      const el = await mountOnPhone("phone-evolve");
      // At the top the toolbar's Evolve is in view: the strip has none beside it.
      assert(inView(part(el, "evolve")!), "the toolbar's Evolve is not in view at the top");
      assert(!part(el, "footer-bar"), `at the top, the strip has ${part(el, "footer-bar")?.outerHTML}`);
      const alone = await evolveButtons();
      assert(alone.length === 1, `buttons named Evolve at the top: ${JSON.stringify(alone)}`);
      // Scrolled to the last images: the toolbar's Evolve is out of view, the strip's is not.
      const evolve = await scrollToLastImages(el);
      assert(!inView(part(el, "evolve")!) && inView(evolve), "the strip's Evolve is not what is in view");
      // One action, one name (WCAG 3.2.4): both are Evolve, to a screen reader too.
      const evolves = await evolveButtons();
      assert(evolves.length === 2, `buttons named Evolve: ${JSON.stringify(evolves)}`);
      assert(evolve.title === part(el, "evolve")!.title, `the strip's Evolve says ${evolve.title}`);
      // An image focused from the keyboard scrolls out from under the strip.
      const covered = parseFloat(part(el, "grid")!.style.getPropertyValue("--le-covered-bottom"));
      const height = strip(el).getBoundingClientRect().height;
      assert(covered >= height - 1, `the grid's scroll margin clears ${covered} px of a ${height} px strip`);

      tiles(el)[7].click();
      const next = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
      evolve.click();
      assert(!(await next).detail.cancelled, "the strip's Evolve did not evolve");

      assert(!part(el, "footer-marking"), "the strip says marking is on while it is off");
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
      // Back at the top: the strip's Evolve goes, and it still says marking is on.
      scrollTo(0, 0);
      await until(() => !part(el, "footer-evolve"), "the strip's Evolve goes at the top", 30_000);
      assert(inView(part(el, "footer-marking")!), "the strip no longer says marking is on at the top");
      part(el, "stop-marking")!.click();
      await settle(el);
      assert(!el.marking && !part(el, "footer-bar"), "Stop did not stop marking");
    });
  });

  it("the strip's Evolve, focused, stays when the toolbar's comes into view, and goes once the focus leaves it", async () => {
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
      assert(!part(el, "footer-evolve"), "the strip's Evolve stays once the focus left it");
    });
  });

  it("where the element's top is at the window's bottom, the toolbar's Evolve under the strip is out of view: the strip carries its own", async () => {
    await inWindow({ width: 375, height: 740 }, async () => {
      const el = await mountOnPhone("phone-covered");
      const above = document.createElement("div");
      above.style.height = `${2 * innerHeight}px`;
      el.before(above);
      try {
        // Marking: the strip shows, over the window's bottom.
        el.marking = true;
        await settle(el);
        // The toolbar's Evolve whole in the window, just above its bottom, where the strip sticks.
        const evolve = part(el, "evolve")!;
        scrollTo(0, scrollY + evolve.getBoundingClientRect().bottom - innerHeight + 4);
        await seenWhole(evolve, "the toolbar's Evolve is in the window");
        const covered = strip(el).getBoundingClientRect().top, box = evolve.getBoundingClientRect();
        assert(sticks(strip(el)) && covered <= box.top, `the strip from ${covered}, Evolve from ${box.top}`);
        await until(() => !!part(el, "footer-evolve"), "the strip's Evolve shows", 30_000);
        assert(inView(part(el, "footer-evolve")!), "the strip's Evolve is out of view");
      } finally {
        above.remove();
      }
    });
  });

  for (const height of [740, 667]) {
    it(`at 375x${height}, with two images selected and a point marked mid-grid, an Evolve is in view and takes a tap, in a strip at most 80 px tall whatever its text`, async () => {
      await inWindow({ width: 375, height }, async () => {
        const el = await mountOnPhone(`phone-${height}`);
        await scrollToLastImages(el);
        const bar = () => part(el, "footer-bar")!.getBoundingClientRect().height;
        const empty = bar();
        for (const i of [5, 6]) tiles(el)[i].click();
        button(el, "mark").click();
        await settle(el);
        const r = tiles(el)[5].getBoundingClientRect();
        await clickAt(r.left + r.width / 3, r.top + r.height / 3);
        await settle(el);
        dispatchEvent(new Event("resize"));
        await settle(el);
        assert(
          el.selected.join() === "5,6" && part(el, "footer-marks")?.textContent === "2 selected, 1 point",
          `selected ${el.selected}, the strip says ${part(el, "footer-marks")?.textContent}`,
        );
        // An Evolve whose centre is in the window and is what a tap there hits.
        const evolves = [button(el, "evolve"), part(el, "footer-evolve")].filter((b) => !!b);
        const hit = evolves.find((b) => {
          const box = b.getBoundingClientRect();
          const x = box.left + box.width / 2, y = box.top + box.height / 2;
          return y >= 0 && y <= innerHeight && shadow(el).elementFromPoint(x, y) === b;
        });
        assert(
          hit,
          `no Evolve takes a tap: ${evolves.map((b) => JSON.stringify(b.getBoundingClientRect()))}`,
        );
        // Pinned: a strip of one line, as tall as with no counts, leaving the window to the images.
        const pinned = [strip(el), footer(el)].filter(sticks).map((e) => e.getBoundingClientRect());
        const covers = pinned.reduce((sum, r) => sum + r.height, 0);
        assert(
          covers <= 80 && pinned.every((r) => r.bottom <= innerHeight + 1) && bar() === empty,
          `what is pinned covers ${covers} px (${
            JSON.stringify(pinned)
          }), its bar ${bar()} px, ${empty} px with no counts`,
        );
        // Many counts: cut short, not wrapped.
        button(el, "mark").click();
        await settle(el);
        for (const i of [0, 1, 2, 3, 4, 7]) tiles(el)[i].click();
        button(el, "mark").click();
        await settle(el);
        for (const i of [0, 1, 2, 3]) tiles(el)[i].click(); // each marks a point
        await settle(el);
        const marks = part(el, "footer-marks")!;
        assert(
          bar() === empty && marks.scrollWidth > marks.clientWidth,
          `with ${marks.textContent} the bar is ${bar()} px, its counts ${marks.scrollWidth} px in ${marks.clientWidth}`,
        );

        // A wide window: the toolbar and the footer stick, the strip does not, one Evolve.
        await setViewport({ width: 1280, height: 800 });
        dispatchEvent(new Event("resize"));
        await frames(() => sticks(part(el, "toolbar")!));
        await settle(el);
        assert(
          sticks(part(el, "toolbar")!) && sticks(footer(el)) && !sticks(strip(el)) && !part(el, "footer-bar"),
          `toolbar ${getComputedStyle(part(el, "toolbar")!).position}, strip ${strip(el).innerHTML}`,
        );
        const all = await evolveButtons();
        assert(all.length === 1, `${all.length} buttons named Evolve`);
      });
    });
  }

  for (const height of [740, 667]) {
    it(`at 375x${height}, the strip's Evolve with nothing selected says so in the strip, in view, until an image is selected`, async () => {
      await inWindow({ width: 375, height }, async () => {
        const el = await mountOnPhone(`phone-ask-${height}`);
        const evolve = await scrollToLastImages(el);
        evolve.click();
        await settle(el);
        const notice = part(el, "notice");
        const ask = "Select at least one image to evolve from, or press New batch.";
        assert(notice?.textContent === ask, `the notice: ${notice?.outerHTML}`);
        assert(
          strip(el).contains(notice) && inView(notice) &&
            shadow(el).querySelectorAll('[part~="notice"]').length === 1,
          `the notice is in ${notice.parentElement?.className} at ${
            JSON.stringify(notice.getBoundingClientRect())
          }`,
        );
        // Above the strip's Evolve, which still takes a tap.
        const box = part(el, "footer-evolve")!.getBoundingClientRect();
        const hit = shadow(el).elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        assert(
          notice.getBoundingClientRect().bottom <= box.top && box.bottom <= innerHeight &&
            hit === part(el, "footer-evolve"),
          `the strip's Evolve at ${JSON.stringify(box)} under ${hit?.outerHTML}`,
        );
        tiles(el)[7].click();
        await settle(el);
        assert(!part(el, "notice"), `the notice stays after a selection: ${part(el, "notice")?.outerHTML}`);
      });
    });
  }

  for (const size of [{ width: 1280, height: 800 }, { width: 375, height: 667 }]) {
    it(`at ${size.width}x${size.height}, turning Mark points on moves nothing: the grid, the prompt and the button keep their places`, async () => {
      await inWindow(size, async () => {
        const el = await mount({ ...wasmElement(`no-jump-${size.width}`), population: "8" });
        const boxes = () =>
          [part(el, "grid")!, part(el, "prompt")!, button(el, "mark")].map((e) =>
            JSON.stringify(e.getBoundingClientRect())
          ).join();
        const before = boxes();
        button(el, "mark").click();
        await settle(el);
        assert(el.marking && part(el, "marking-hint"), "Mark points did not turn marking on");
        assert(boxes() === before, `grid, prompt, Mark points before ${before}, after ${boxes()}`);
      });
    });
  }

  it("where the primary pointer is a finger, the marking hint says tap, and no Escape", async () => {
    const real = matchMedia;
    // No command emulates a coarse pointer: the one query the element asks is answered as a phone's.
    globalThis.matchMedia = (query: string) =>
      query === "(pointer: coarse)" ? { ...real(query), matches: true, media: query } : real(query);
    try {
      const el = await mount(wasmElement("touch-hint"));
      el.marking = true;
      await settle(el);
      const hint = part(el, "marking-hint")?.textContent;
      assert(hint === "Tap an image to mark a point", `the hint says ${hint}`);
    } finally {
      globalThis.matchMedia = real;
    }
  });
});
