// What a person meets besides the main path: replacing later generations (and bringing them back),
// a cancelled render (and rendering the rest), where the focus goes, what is announced, stale errors.
import {
  assert,
  button,
  cleanup,
  clickAt,
  evolveFrom,
  mount,
  pixels,
  press,
  settle,
  shadow,
  tiles,
  uniqueKey,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

/** Waits for `done` to hold, a frame at a time, 60 frames at most (then the assertion after it says why). */
async function frames(done: () => boolean): Promise<void> {
  for (let i = 0; i < 60 && !done(); i++) {
    await new Promise((r) => {
      requestAnimationFrame(r);
      setTimeout(r, 100); // a page the browser stops painting gets no frames
    });
  }
}

/** The text of the polite live region a screen reader hears. */
const announced = (el: HTMLElement) =>
  shadow(el).querySelector('[part~="status"] [role="status"]')?.textContent?.trim() ?? "";
const part = (el: HTMLElement, name: string) => shadow(el).querySelector<HTMLElement>(`[part~="${name}"]`);
const generationButton = (el: HTMLElement, g: number) =>
  shadow(el).querySelectorAll<HTMLButtonElement>('[part~="generation"]')[g];
const lineages = async (el: LatentEvolverElement) => {
  const { deserializeSession } = await import("../../core/mod.ts");
  return deserializeSession(new Uint8Array(await (await el.exportSession()).arrayBuffer())).generations
    .map((g) => JSON.stringify(g.lineage));
};

describe("<latent-evolver> usability", () => {
  it("an Evolve from an earlier generation says it replaced the later ones, and Bring back puts them back", async () => {
    const key = uniqueKey("bring-back");
    const el = await mount({ ...wasmElement("bring-back"), "storage-key": key });
    await evolveFrom(el, 0);
    await evolveFrom(el, 1); // generation 2 keeps the selection [1]
    tiles(el)[3].click(); // and generation 3 has one too
    const before = await lineages(el);
    assert(before.length === 3, `${before.length} generations`);

    await el.showGeneration(0);
    await settle(el);
    tiles(el)[2].click();
    await evolveFrom(el, 3); // from generation 1, selection [0, 2, 3]
    await settle(el);
    assert(
      (el.generationCount as number) === 2,
      `${el.generationCount} generations after evolving from the first`,
    );
    const replaced = "Generations 2-3 were replaced by a new generation 2.";
    assert(
      part(el, "notice")?.textContent?.includes(replaced),
      part(el, "notice")?.textContent ?? "no notice",
    );
    assert(announced(el) === `Generation 2 of 2, ready. ${replaced}`, `announced: ${announced(el)}`);

    // Generation 1's marks change after the Evolve: Bring back keeps them as they are now.
    await el.showGeneration(0);
    await settle(el);
    tiles(el)[2].click();
    await settle(el);
    const shown = waitForEvent<CustomEvent>(el, "le-selection-change");
    button(el, "notice-action").click();
    await shown;
    await settle(el);
    assert(
      (el.generationCount as number) === 3 && el.generation === 0,
      `${el.generationCount}, shows ${el.generation}`,
    );
    assert(
      (await lineages(el)).join() === before.join(),
      "the generations brought back are not the old ones",
    );
    assert(el.selected.join() === "0,3", `generation 1's selection, as it was just now: ${el.selected}`);
    assert(!part(el, "notice"), "the notice stays after Bring back");
    await el.showGeneration(1);
    assert(el.selected.join() === "1", `generation 2's selection: ${el.selected}`);
    await el.showGeneration(2);
    assert(el.selected.join() === "3", `generation 3's selection: ${el.selected}`);
    // What was brought back is what storage holds: a new element with the key restores it.
    el.remove();
    const again = await mount({ ...wasmElement("bring-back"), "storage-key": key });
    assert(
      again.generationCount === 3 && again.generation === 2 && again.selected.join() === "3",
      `restored ${again.generationCount} generations, shows ${again.generation} with ${again.selected}`,
    );
  });

  it("a double Evolve from an earlier generation is one Evolve, and a refused import changes nothing: Bring back still works", async () => {
    const el = await mount(wasmElement("double-back"));
    await evolveFrom(el, 0);
    await evolveFrom(el, 1);
    const before = await lineages(el);
    await el.showGeneration(0);
    await Promise.all([el.evolve(), el.evolve()]);
    await settle(el);
    assert((el.generationCount as number) === 2, `${el.generationCount} generations`);
    // A file that is no session changes nothing: what was replaced can still be brought back.
    await el.importSession(new File(["not a session"], "notes.txt"));
    await settle(el);
    assert(part(el, "error") && part(el, "notice"), "a refused import took the Bring back notice");
    const shown = waitForEvent<CustomEvent>(el, "le-selection-change");
    button(el, "notice-action").click();
    await shown;
    assert(
      (await lineages(el)).join() === before.join(),
      "Bring back did not put back the replaced generations",
    );
  });

  it("cancel stops a render and says how many images it left out; Render the rest renders just those", async () => {
    const el = await mount({ ...wasmElement("cancel"), population: "16" });
    tiles(el)[1].click();
    const started = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 1);
    const progress = waitForEvent<CustomEvent>(
      el,
      "le-generation-progress",
      (e) => e.detail.generation === 1,
    );
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    button(el, "evolve").click();
    await started;
    await settle(el);
    assert(/Generation 2 of 2, rendering 16 images\./.test(announced(el)), `announced: ${announced(el)}`);
    await progress;
    el.cancel();
    const e = await end;
    assert(
      e.detail.cancelled && e.detail.done < 16,
      `cancel did not stop the render: ${JSON.stringify(e.detail)}`,
    );
    // The tiles whose images never came show nothing, not generation 0's images in their place, and
    // say so.
    await settle(el);
    const drawn = pixels(el).filter((image) => image.some((v) => v !== 0));
    assert(
      drawn.length === e.detail.done,
      `${drawn.length} tiles show an image, ${e.detail.done} were rendered`,
    );
    const left = tiles(el).filter((t) => /\(not rendered\)/.test(t.getAttribute("aria-label")!));
    assert(left.length === 16 - e.detail.done, `${left.length} tiles say not rendered`);
    assert(tiles(el).every((t) => t.getAttribute("aria-busy") === "false"), "a tile still says it renders");
    const cancelled = part(el, "cancelled")?.textContent ?? "";
    assert(cancelled.includes(`Cancelled: ${e.detail.done} of 16 images rendered`), `status: ${cancelled}`);
    const count = left.length === 1 ? "1 image" : `${left.length} images`;
    assert(announced(el) === `Generation 2 of 2, ${count} not rendered.`, `announced: ${announced(el)}`);

    const rest = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 1);
    const all = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    button(el, "render-rest").click();
    assert((await rest).detail.total === left.length, "Render the rest renders more than the rest");
    assert(!(await all).detail.cancelled, "the rest was cancelled");
    await settle(el);
    assert(!part(el, "cancelled"), "the status still says cancelled");
    // The same as an uncancelled render of the same generation (same seed and feedback).
    const whole = await mount({ ...wasmElement("uncancelled"), population: "16" });
    await evolveFrom(whole, 1);
    await settle(whole);
    const want = pixels(whole), got = pixels(el);
    const differ = got.flatMap((image, i) => image.every((v, j) => v === want[i][j]) ? [] : [i]);
    assert(differ.length === 0, `images ${differ} differ from an uncancelled render`);
    assert(announced(el) === "Generation 2 of 2, ready.", `announced: ${announced(el)}`);

    // The next generation runs whole.
    const errors: string[] = [];
    el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
    const next = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 2);
    tiles(el)[0].click();
    await el.evolve();
    const n = await next.catch((error) => {
      throw new Error(`${error.message} after the cancel; errors: ${errors.join(" | ")}`);
    });
    assert(!n.detail.cancelled && n.detail.done === 16, `after a cancel: ${JSON.stringify(n.detail)}`);
  });

  it("a history button that disables itself passes the focus to the generation shown", async () => {
    const el = await mount(wasmElement("focus"));
    await evolveFrom(el, 0);
    await settle(el);
    button(el, "undo").focus();
    const shown = waitForEvent(el, "le-selection-change");
    await press("Enter");
    await shown;
    await settle(el);
    assert(button(el, "undo").disabled, "Undo is enabled at the first generation");
    assert(
      shadow(el).activeElement === generationButton(el, 0),
      `focus on ${shadow(el).activeElement?.outerHTML}`,
    );
    // A Save button disables itself while its image renders again: its focus stays where it is.
    const save = shadow(el).querySelectorAll<HTMLButtonElement>('[part~="save"]')[1];
    save.focus(); // generation 1 keeps its selection: Ctrl+Enter evolves from it
    const next = waitForEvent(el, "le-generation-end", (e: CustomEvent) => e.detail.generation === 1);
    await press("Enter", ["Control"]);
    await next;
    assert(shadow(el).activeElement === save, `focus on ${shadow(el).activeElement?.outerHTML}`);
  });

  it("Escape leaves marking mode; an Evolve resets the keyboard marker", async () => {
    const el = await mount(wasmElement("escape"));
    el.marking = true;
    await settle(el);
    tiles(el)[1].focus();
    await press("ArrowRight");
    await press("Enter");
    await settle(el);
    assert(part(el, "cursor"), "no marker");
    assert(
      /1 point[^s]/.test(tiles(el)[1].getAttribute("aria-label")! + " "),
      tiles(el)[1].getAttribute("aria-label")!,
    );
    await press("Escape");
    await settle(el);
    assert(!el.marking, "Escape did not leave marking mode");
    el.marking = true;
    await evolveFrom(el, 2);
    await settle(el);
    assert(!part(el, "cursor"), "the marker carried over to the new generation");
  });

  it("the error that asks for a selection goes once there is one; selection shows beyond colour", async () => {
    const el = await mount(wasmElement("stale"));
    const failed = waitForEvent<CustomEvent>(el, "le-error");
    button(el, "evolve").click();
    assert(/Select at least one image/.test((await failed).detail.message), "no error for an empty Evolve");
    await settle(el);
    assert(part(el, "error"), "the error is not shown");
    tiles(el)[0].click();
    await settle(el);
    assert(!part(el, "error"), "the error stays after a selection");
    const check = getComputedStyle(tiles(el)[0], "::after").content;
    assert(check.includes("✓"), `a selected tile shows ${check}`);
    assert(getComputedStyle(tiles(el)[1], "::after").content === "none", "an unselected tile shows a check");
    tiles(el)[1].focus();
    await press("Tab", ["Shift"]);
    await press("Tab");
    const ring = getComputedStyle(tiles(el)[1]);
    assert(ring.outlineStyle === "dashed", `focus looks like selection: outline ${ring.outlineStyle}`);
  });

  it("the grid is one Tab stop: arrow keys, Home and End move between images, Tab leaves after its Save", async () => {
    const el = await mount({ ...wasmElement("roving"), population: "8", columns: "4" });
    const focused = () => shadow(el).activeElement as HTMLElement | null;
    const image = () => tiles(el).indexOf(focused() as HTMLButtonElement);
    [...shadow(el).querySelectorAll<HTMLInputElement>('[part~="toolbar"] input')].at(-1)!.focus();
    await press("Tab");
    assert(image() === 0, `Tab into the grid focused ${focused()?.outerHTML}`);
    const moves: [string, number][] = [["ArrowRight", 1], ["ArrowDown", 5], ["End", 7], ["ArrowUp", 3], [
      "Home",
      0,
    ], ["ArrowLeft", 0]];
    for (const [key, want] of moves) {
      await press(key);
      assert(image() === want, `${key} focused image ${image() + 1}, expected ${want + 1}`);
    }
    await press("ArrowDown");
    await press("ArrowRight"); // image 6
    await press("Tab");
    assert(
      focused() === shadow(el).querySelectorAll('[part~="save"]')[5],
      `Tab went to ${focused()?.outerHTML}`,
    );
    await press("Tab");
    assert(
      !focused()?.closest('[part~="grid"]'),
      `the second Tab stays in the grid: ${focused()?.outerHTML}`,
    );
    await press("Tab", ["Shift"]);
    await press("Tab", ["Shift"]);
    assert(image() === 5, `Shift+Tab back into the grid focused ${focused()?.outerHTML}, not image 6`);
    const stops = [...shadow(el).querySelectorAll<HTMLElement>('[part~="grid"] button')].filter((b) =>
      b.tabIndex >= 0
    );
    assert(
      stops.length === 2,
      `${stops.length} Tab stops in a grid of 8 images, expected the image and its Save`,
    );
    await press(" ");
    await settle(el);
    assert(el.selected.join() === "5", `Space selected ${el.selected}`);
  });

  it("while marking, Space and Ctrl+click select and deselect, Enter and a click mark, Tab goes image to image", async () => {
    const el = await mount({ ...wasmElement("marking-select"), population: "8" });
    el.marking = true;
    await settle(el);
    const points = () => shadow(el).querySelectorAll('[part~="point"]').length;
    tiles(el)[2].focus();
    await press(" ");
    await settle(el);
    assert(
      el.selected.join() === "2" && points() === 0,
      `Space: selected ${el.selected}, ${points()} points`,
    );
    await press(" ");
    await settle(el);
    assert(el.selected.length === 0, `a second Space left ${el.selected} selected`);
    // Firefox clicks a button on Space's keyup even after the keydown's preventDefault: the keyup is
    // cancelled too, or Space would also mark a point there.
    const up = new KeyboardEvent("keyup", { key: " ", bubbles: true, cancelable: true, composed: true });
    tiles(el)[1].dispatchEvent(up);
    assert(up.defaultPrevented, "Space's keyup is not cancelled while marking");
    await press("Enter");
    await settle(el);
    assert(
      el.selected.join() === "2" && points() === 1,
      `Enter: selected ${el.selected}, ${points()} points`,
    );
    await press(" ");
    await settle(el);
    assert(el.selected.length === 0 && points() === 1, "Space deselects an image with a point, keeping it");
    await press("Tab"); // its point
    await press("Tab"); // its Save
    await press("Tab");
    assert(shadow(el).activeElement === tiles(el)[3], `Tab went to ${shadow(el).activeElement?.outerHTML}`);
    const r = tiles(el)[4].getBoundingClientRect();
    await clickAt(r.left + r.width / 2, r.top + r.height / 3, ["Control"]);
    await settle(el);
    assert(
      el.selected.join() === "4" && points() === 1,
      `Ctrl+click: selected ${el.selected}, ${points()} points`,
    );
    await clickAt(r.left + r.width / 2, r.top + r.height / 3, ["Control"]);
    await settle(el);
    assert(el.selected.length === 0, `a second Ctrl+click left ${el.selected} selected`);
    await clickAt(r.left + r.width / 2, r.top + r.height / 3);
    await settle(el);
    assert(
      el.selected.join() === "4" && points() === 2,
      `a click: selected ${el.selected}, ${points()} points`,
    );
  });

  it("Change and Keep are two radio buttons whose swatches are the colours of the points", async () => {
    const el = await mount(wasmElement("mode-radios"));
    tiles(el)[0].click();
    el.marking = true;
    await settle(el);
    tiles(el)[0].click();
    await settle(el);
    const group = part(el, "mode")!;
    assert(group.getAttribute("role") === "radiogroup", "the modes are not a radio group");
    const radio = (mode: string) => group.querySelector<HTMLInputElement>(`input[value="${mode}"]`)!;
    const colour = (selector: string) =>
      getComputedStyle(shadow(el).querySelector(selector)!).backgroundColor;
    assert(radio("change").checked && !radio("keep").checked, "Change is not the default");
    assert(
      colour('[part~="point"]') === colour(".swatch.change"),
      `a change point is ${colour('[part~="point"]')}, its swatch ${colour(".swatch.change")}`,
    );
    part(el, "keep")!.click(); // the label
    await settle(el);
    assert(radio("keep").checked && !radio("change").checked, "clicking Keep did not check it");
    assert(
      colour('[part~="point"]') === colour(".swatch.keep") &&
        colour(".swatch.keep") !== colour(".swatch.change"),
      `a keep point is ${colour('[part~="point"]')}, its swatch ${colour(".swatch.keep")}`,
    );
    radio("keep").focus();
    await press("ArrowLeft"); // a radio group's own keys
    await settle(el);
    assert(radio("change").checked, "ArrowLeft did not go back to Change");
    const sent = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    part(el, "keep")!.click();
    await settle(el);
    button(el, "evolve").click();
    await sent;
    // One image with a point: local mutation in the mode chosen, recorded in the lineage.
    const { deserializeSession } = await import("../../core/mod.ts");
    const session = deserializeSession(new Uint8Array(await (await el.exportSession()).arrayBuffer()));
    const modes = session.generations[1].lineage.map((l) => l.params.mode).filter(Boolean);
    assert(modes.length > 0 && modes.every((m) => m === "keep"), `children bred in modes ${modes}`);
  });

  it("under a long grid the toolbar and the history strip with the status stay in view; the strip shows the generation shown", async () => {
    const el = await mount({ ...wasmElement("sticky"), population: "32", columns: "4" });
    const inView = (e: Element) => {
      const r = e.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
    };
    const grid = part(el, "grid")!.getBoundingClientRect();
    assert(grid.height > 2 * innerHeight, `the grid is ${grid.height} px high, the window ${innerHeight}`);
    scrollTo(0, scrollY + grid.top + grid.height / 2 - innerHeight / 2);
    // What sticks is measured after a layout (a ResizeObserver), and rendered a frame later.
    const sticks = (e: Element) => getComputedStyle(e).position === "sticky";
    await frames(() => sticks(part(el, "toolbar")!));
    for (const name of ["evolve", "cancel", "status"]) {
      assert(
        inView(part(el, name)!),
        `${name} is out of view: ${JSON.stringify(part(el, name)!.getBoundingClientRect())} (toolbar ${
          getComputedStyle(part(el, "toolbar")!).position
        } ${part(el, "toolbar")!.getBoundingClientRect().height} px, footer ${
          shadow(el).querySelector(".footer")!.getBoundingClientRect().height
        } px, window ${innerHeight} px)`,
      );
    }
    // What stays in view covers no more than a third of the window.
    const covered = part(el, "toolbar")!.getBoundingClientRect().height +
      shadow(el).querySelector(".footer")!.getBoundingClientRect().height;
    assert(covered < innerHeight / 3, `toolbar and footer cover ${covered} px of ${innerHeight}`);
    // An image focused from the keyboard is not left under the toolbar or the footer (WCAG 2.4.11).
    const toolbarBottom = () => part(el, "toolbar")!.getBoundingClientRect().bottom;
    const footerTop = () => shadow(el).querySelector(".footer")!.getBoundingClientRect().top;
    const below = tiles(el).find((t) => t.getBoundingClientRect().top > footerTop())!;
    below.focus();
    await press("ArrowDown");
    await press("ArrowUp");
    for (const key of ["ArrowDown", "ArrowDown", "ArrowUp", "ArrowUp", "ArrowUp", "ArrowUp"]) {
      await press(key);
      const r = (shadow(el).activeElement as HTMLElement).getBoundingClientRect();
      assert(
        r.top >= toolbarBottom() - 1 && r.bottom <= footerTop() + 1,
        `after ${key} the focused image (${r.top}-${r.bottom}) is under the toolbar (to ${toolbarBottom()}) or the footer (from ${footerTop()})`,
      );
    }
    scrollTo(0, 0);

    // A narrow element wraps its toolbar to several lines: it stops sticking (at most a fifth of the window).
    el.style.width = "20rem";
    // A ResizeObserver measures again; it reports only while the browser renders the page, which a
    // test page may not be: the window's resize event, also listened to, is sent.
    dispatchEvent(new Event("resize"));
    const toolbar = part(el, "toolbar")!;
    await frames(() => !sticks(toolbar));
    assert(
      getComputedStyle(toolbar).position === "static" &&
        toolbar.getBoundingClientRect().height > innerHeight / 5,
      `a ${toolbar.getBoundingClientRect().height} px toolbar is ${getComputedStyle(toolbar).position}`,
    );

    // Many generations in a narrow element: one line that scrolls sideways to the one shown.
    el.setAttribute("population", "2");
    await waitForEvent(el, "le-generation-end", (e: CustomEvent) => !e.detail.cancelled);
    for (let g = 0; g < 11; g++) await evolveFrom(el, 0);
    await settle(el);
    const row = shadow(el).querySelector<HTMLElement>(".generations")!;
    const buttons = [...row.querySelectorAll('[part~="generation"]')];
    assert(buttons.length === 12, `${buttons.length} generation buttons`);
    assert(
      new Set(buttons.map((b) => b.getBoundingClientRect().top)).size === 1,
      "the generations wrap to a second line",
    );
    const visible = (b: Element) => {
      const r = b.getBoundingClientRect(), box = row.getBoundingClientRect();
      return r.left >= box.left - 1 && r.right <= box.right + 1;
    };
    assert(row.scrollWidth > row.clientWidth && visible(buttons[11]), "the last generation is not in view");
    await el.showGeneration(0);
    await settle(el);
    assert(
      visible(buttons[0]) && row.scrollLeft === 0,
      `generation 1 shown, row scrolled to ${row.scrollLeft}`,
    );
    // Scrolled by the person, the row stays where they left it through updates that show nothing new.
    row.scrollLeft = row.scrollWidth;
    const left = row.scrollLeft;
    el.radius = "0.3";
    await settle(el);
    assert(row.scrollLeft === left && left > 0, `the row went back from ${left} to ${row.scrollLeft}`);
  });

  it("an error mid-grid shows in the sticky footer, scrolling when long; a moved element measures what sticks again", async () => {
    const el = await mount({ ...wasmElement("sticky-error"), population: "32", columns: "4" });
    const footer = shadow(el).querySelector(".footer")!;
    const grid = part(el, "grid")!.getBoundingClientRect();
    scrollTo(0, scrollY + grid.top + grid.height / 2 - innerHeight / 2);
    el.setAttribute("radius", `not a number ${"and more words ".repeat(40)}`);
    await frames(() => !!part(el, "error"));
    await settle(el);
    // And stays there: an error that counted in the footer's height would unstick it, move above the
    // toolbar, let the footer stick again, and so on, frame after frame.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      assert(
        getComputedStyle(footer).position === "sticky" && footer.contains(part(el, "error")),
        `frame ${i}: the error is not in the sticky footer`,
      );
    }
    const error = part(el, "error")!;
    const box = error.getBoundingClientRect();
    assert(box.top >= 0 && box.bottom <= innerHeight, `the error is out of view: ${box.top}-${box.bottom}`);
    assert(
      box.height < innerHeight / 4 && error.scrollHeight > error.clientHeight,
      `a ${box.height} px error`,
    );
    el.setAttribute("radius", "0.2");
    await frames(() => !part(el, "error"));
    scrollTo(0, 0);

    // Moved into a narrow box: lit renders nothing on reconnecting, yet the toolbar stops sticking.
    await frames(() => getComputedStyle(part(el, "toolbar")!).position === "sticky");
    const narrow = document.createElement("div");
    narrow.style.width = "20rem";
    document.body.append(narrow);
    try {
      narrow.append(el);
      await frames(() => getComputedStyle(part(el, "toolbar")!).position === "static");
      assert(
        getComputedStyle(part(el, "toolbar")!).position === "static",
        `a ${part(el, "toolbar")!.getBoundingClientRect().height} px toolbar still sticks after the move`,
      );
    } finally {
      narrow.remove();
    }
  });
});
