// What must read apart on screen, measured in the browser (usability walk-through): the ask for a
// selection and the older notice whose Bring back it keeps, the counts shown once on a phone, and a
// generation's number cut short at the history row's edge and the row's label.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  frames,
  inWindow,
  mount,
  noticeText,
  part,
  settle,
  shadow,
  tiles,
  until,
  wasmElement,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

const ask = "Select at least one image to evolve from, or press New batch.";
const replaced = "Generation 2 was replaced by a new generation 2.";

/** Mounts an element at the top of a phone's window (375x667), where the strip sticks. */
async function mountOnPhone(name: string, population = "8"): Promise<LatentEvolverElement> {
  const el = await mount({ ...wasmElement(name), population });
  scrollTo(0, 0);
  dispatchEvent(new Event("resize")); // what sticks is measured again (see in-reach.test.ts)
  const strip = shadow(el).querySelector(".strip")!;
  await frames(() => getComputedStyle(strip).position === "sticky");
  assert(getComputedStyle(strip).position === "sticky", "the strip does not stick on a phone");
  return el;
}

/** The boxes of the lines of the first text of the notice that holds `text`. */
function textLines(el: HTMLElement, text: string): DOMRect[] {
  const walker = document.createTreeWalker(part(el, "notice") ?? shadow(el), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.textContent!.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    return [...range.getClientRects()];
  }
  return [];
}

/** Makes the notice that generation 2 was replaced, with its Bring back. */
async function replaceGeneration(el: LatentEvolverElement): Promise<void> {
  await evolveFrom(el, 0);
  await el.showGeneration(0);
  await settle(el);
  await evolveFrom(el, 1);
  await settle(el);
  assert(part(el, "notice")?.textContent?.includes(replaced), `the notice: ${part(el, "notice")?.outerHTML}`);
}

/**
 * The ask ends a line of its own, and the older notice starts the next, with its Bring back after
 * it on its line: not "…or press New batch. Generation 2 was replaced… [Bring back]" in one line.
 */
function assertApart(el: HTMLElement, where: string): void {
  const asked = textLines(el, ask), older = textLines(el, replaced);
  const bring = button(el, "notice-action").getBoundingClientRect();
  assert(asked.length && older.length, `${where}: the notice is ${part(el, "notice")?.outerHTML}`);
  const askBottom = Math.max(...asked.map((r) => r.bottom)), olderLast = older.at(-1)!;
  assert(
    older[0].top >= askBottom - 1 && bring.top >= askBottom - 1,
    `${where}: the ask (to ${askBottom} px) runs on into the older notice (from ${
      older[0].top
    } px) or its Bring back (from ${bring.top} px)`,
  );
  assert(
    olderLast.bottom > bring.top && olderLast.top < bring.bottom && bring.left >= olderLast.right,
    `${where}: Bring back at ${JSON.stringify(bring)} is not after the notice it belongs to, ${
      JSON.stringify(olderLast)
    }`,
  );
}

describe("<latent-evolver> reads apart", () => {
  it("Evolve with nothing selected asks on a line of its own, apart from the older notice and its Bring back, which still works", async () => {
    await inWindow({ width: 1280, height: 800 }, async () => {
      const el = await mount(wasmElement("apart-wide"));
      await replaceGeneration(el);
      button(el, "evolve").click();
      await settle(el);
      assert(shadow(el).querySelector('[part~="status"]')!.contains(part(el, "notice")), "not in the status");
      assertApart(el, "in the status line");
      button(el, "notice-action").click();
      await until(
        () => noticeText(el) === "Brought back generation 2.",
        "Bring back brings generation 2 back",
      );
    });
  });

  it("on a phone, the ask in the strip reads apart from the older notice and its Bring back too", async () => {
    await inWindow({ width: 375, height: 667 }, async () => {
      const el = await mountOnPhone("apart-phone");
      await replaceGeneration(el);
      const grid = part(el, "grid")!.getBoundingClientRect();
      scrollTo(0, scrollY + grid.bottom - innerHeight + 20);
      await until(() => !!part(el, "footer-evolve"), "the strip's Evolve shows", 30_000);
      part(el, "footer-evolve")!.click();
      await settle(el);
      assert(
        shadow(el).querySelector(".strip")!.contains(part(el, "notice")),
        "the notice is not in the strip",
      );
      assertApart(el, "in the strip");
    });
  });

  it("on a phone, with the strip's bar over the status line (not pinned), the counts show once", async () => {
    await inWindow({ width: 375, height: 667 }, async () => {
      const el = await mountOnPhone("counts-once");
      scrollTo(0, document.documentElement.scrollHeight); // the element's end: the bar sits in its place
      await until(() => !!part(el, "footer-evolve"), "the strip's Evolve shows", 30_000);
      scrollTo(0, document.documentElement.scrollHeight); // the bar made the element taller
      tiles(el)[7].click();
      await settle(el);
      const status = part(el, "status")!.getBoundingClientRect();
      const bar = part(el, "footer-bar")!.getBoundingClientRect();
      assert(
        bar.bottom <= status.top && status.bottom <= innerHeight,
        `the bar at ${JSON.stringify(bar)}, the status at ${JSON.stringify(status)}`,
      );
      // Every text on screen (the live region apart) that says so.
      const shown: string[] = [];
      const walker = document.createTreeWalker(shadow(el), NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement!;
        if (node.textContent?.includes("1 selected") && !parent.closest(".visually-hidden")) {
          if (parent.getClientRects().length) shown.push(parent.outerHTML);
        }
      }
      assert(shown.length === 1, `"1 selected" shows ${shown.length} times: ${shown.join(" ")}`);
      const announced = shadow(el).querySelector('[role="status"]')!.textContent!;
      assert(announced.includes("1 selected"), `a screen reader is not told the count: ${announced}`);
    });
  });

  it("on a phone, a generation's number cut short at the history row's edge stays apart from its label", async () => {
    await inWindow({ width: 375, height: 667 }, async () => {
      const el = await mountOnPhone("clear-edge", "2");
      for (let g = 0; g < 14; g++) await evolveFrom(el, 0);
      await settle(el);
      const row = shadow(el).querySelector<HTMLElement>(".generations")!;
      const label = part(el, "generations-label")!.getBoundingClientRect();
      const buttons = [...row.querySelectorAll('[part~="generation"]')];
      assert(buttons.length === 15 && row.scrollWidth > row.clientWidth, "the row does not scroll");
      const box = row.getBoundingClientRect();
      // The row clips at its padding box: what shows of a button starts there at the least.
      const clip = { left: box.left + row.clientLeft, right: box.left + row.clientLeft + row.clientWidth };
      let closest = Infinity;
      for (let left = 0; left <= row.scrollWidth - row.clientWidth; left += 2) {
        row.scrollLeft = left;
        for (const b of buttons) {
          const r = b.getBoundingClientRect();
          const from = Math.max(r.left, clip.left), to = Math.min(r.right, clip.right);
          if (to - from > 0.5) closest = Math.min(closest, from - label.right);
        }
      }
      assert(closest >= 8, `a number cut short shows ${closest} px from the label "Generations"`);
    });
  });
});
