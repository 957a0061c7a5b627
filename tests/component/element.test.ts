// <latent-evolver> in Chromium, on the built bundle and the built-in model (wasm backend, so these
// tests do not depend on the GPU): selection, points, evolve, events, errors, axe. What survives a
// reload, a worker restart or a move is in persistence.test.ts.
import {
  assert,
  button,
  cleanup,
  clickAt,
  evolveFrom,
  mount,
  part,
  press,
  sessionBytes,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import type { SelectionChangeEvent } from "../../component/events.ts";
import { deserializeSession, type Latent, reproduceChild } from "../../core/mod.ts";

function sameLatent(a: Latent, b: Latent): boolean {
  return a.data.length === b.data.length && a.data.every((v, i) => Object.is(v, b.data[i]));
}

afterEach(cleanup);

describe("<latent-evolver> selection", () => {
  it("toggles selection with the mouse and sets aria-pressed", async () => {
    const el = await mount(wasmElement("mouse"));
    const [first] = tiles(el);
    const events: SelectionChangeEvent[] = [];
    el.addEventListener("le-selection-change", (e) => events.push(e));
    const r = first.getBoundingClientRect();
    await clickAt(r.left + r.width / 2, r.top + r.height / 2);
    await settle(el);
    assert(first.getAttribute("aria-pressed") === "true", "the first tile is not pressed after a click");
    assert(events.length === 1 && events[0].detail.selected.join() === "0", "no selection event with [0]");
    assert(events[0].bubbles && events[0].composed, "the selection event does not bubble and compose");
    await clickAt(r.left + r.width / 2, r.top + r.height / 2);
    await settle(el);
    assert(first.getAttribute("aria-pressed") === "false", "a second click does not deselect");
  });

  it("toggles selection with Enter and Space", async () => {
    const el = await mount(wasmElement("keys"));
    const [, second, third] = tiles(el);
    second.focus();
    await press("Enter");
    third.focus();
    await press("Space");
    await settle(el);
    assert(el.selected.join() === "1,2", `expected [1,2] selected, got [${el.selected}]`);
    assert(second.getAttribute("aria-pressed") === "true", "Enter did not press tile 2");
  });
});

describe("<latent-evolver> points", () => {
  it("marks points with the mouse in marking mode and removes them", async () => {
    const el = await mount(wasmElement("points"));
    button(el, "mark").click();
    await settle(el);
    const [first] = tiles(el);
    const r = first.querySelector("canvas")!.getBoundingClientRect();
    // Near the image's bottom corner too: a dot must be drawn under the pointer, on the image.
    for (const [fx, fy] of [[0.25, 0.75], [0.95, 0.97]]) {
      const x = Math.round(r.left + r.width * fx), y = Math.round(r.top + r.height * fy);
      await clickAt(x, y);
      await settle(el);
      const dot = [...shadow(el).querySelectorAll('[part~="point"]')].at(-1)!.getBoundingClientRect();
      const [dx, dy] = [dot.left + dot.width / 2 - x, dot.top + dot.height / 2 - y];
      assert(Math.hypot(dx, dy) < 1.5, `the dot is drawn (${dx}, ${dy}) px from the click at (${fx}, ${fy})`);
    }
    // A real click on a dot removes it (the overlay passes clicks to the image, not the dots).
    const last = shadow(el).querySelectorAll('[part~="point"]')[1].getBoundingClientRect();
    await clickAt(last.left + last.width / 2, last.top + last.height / 2);
    await settle(el);
    const dots = shadow(el).querySelectorAll<HTMLButtonElement>('[part~="point"]');
    assert(dots.length === 1, `expected 1 dot, got ${dots.length}`);
    assert(el.selected.includes(0), "marking a point does not select the image");
    const selection = waitForEvent<SelectionChangeEvent>(el, "le-selection-change");
    dots[0].click();
    const event = await selection;
    await settle(el);
    assert(!shadow(el).querySelector('[part~="point"]'), "the dot is still there after clicking it");
    assert(Object.keys(event.detail.points).length === 0, "the event still lists the point");
  });

  it("marks points with the keyboard: arrows move the marker, Enter marks, Delete removes", async () => {
    const el = await mount(wasmElement("kbd-points"));
    button(el, "mark").click();
    await settle(el);
    const [, second] = tiles(el);
    second.focus();
    const events: SelectionChangeEvent[] = [];
    el.addEventListener("le-selection-change", (e) => events.push(e));
    for (let i = 0; i < 8; i++) await press("ArrowRight");
    await settle(el);
    // The marker is drawn where Enter will mark: 3/4 across the image, half way down.
    const image = second.querySelector("canvas")!.getBoundingClientRect();
    const marker = shadow(el).querySelector('[part~="cursor"]')!.getBoundingClientRect();
    const off = [
      marker.left + marker.width / 2 - (image.left + 0.75 * image.width),
      marker.top + marker.height / 2 - (image.top + 0.5 * image.height),
    ];
    assert(Math.hypot(off[0], off[1]) < 1, `the marker is drawn ${off} px from where Enter marks`);
    await press("Enter");
    await settle(el);
    const p = events.at(-1)?.detail.points[1];
    assert(p?.length === 1, "Enter did not mark a point on tile 2");
    assert(
      Math.abs(p[0].x - 0.75) < 1e-9 && p[0].y === 0.5,
      `point at ${JSON.stringify(p[0])}, expected (0.75,0.5)`,
    );
    await press("Delete");
    await settle(el);
    assert(!shadow(el).querySelector('[part~="point"]'), "Delete did not remove the point");
  });

  it("outlines the square Evolve edits around a point when its image alone is selected", async () => {
    const el = await mount({ ...wasmElement("region"), radius: "0.25", "mutation-strength": "0.8" });
    const [first, second] = tiles(el);
    const r = first.querySelector("canvas")!.getBoundingClientRect();
    await clickAt(r.left + r.width / 2, r.top + r.height / 2, ["Shift"]);
    await settle(el);
    const regions = () => [...shadow(el).querySelectorAll('[part~="region"]')];
    assert(regions().length === 1, `expected 1 region outline, got ${regions().length}`);
    // Strength 0.8 x radius 0.25: a square of 0.4 of the image's side, centred on the point.
    const box = regions()[0].getBoundingClientRect();
    for (const [got, want] of [[box.width, 0.4 * r.width], [box.height, 0.4 * r.height]]) {
      assert(Math.abs(got - want) < 1, `the outline is ${got} px, expected ${want}`);
    }
    assert(Math.abs(box.left + box.width / 2 - (r.left + r.width / 2)) < 1, "the outline is not centred");
    assert(shadow(el).querySelector("[part~=radius-value]")?.textContent === "25%", "radius value");
    // Deselected, the image keeps its point, dimmed: Evolve does not use it.
    first.click();
    await settle(el);
    const dot = () => shadow(el).querySelector('[part~="point"]')!;
    assert(getComputedStyle(dot()).opacity === "0.5" && regions().length === 0, "the point is not dimmed");
    assert(/not used/.test(dot().getAttribute("aria-label")!), dot().getAttribute("aria-label")!);
    first.click();
    await settle(el);
    assert(getComputedStyle(dot()).opacity === "1", "the point stays dimmed once selected");
    // Two images selected cross over instead: no outline.
    second.click();
    await settle(el);
    assert(regions().length === 0, "an outline is shown with two images selected");
    second.click();
    await settle(el);
    // What the outline shows is what Evolve does: the last child's radius is the outline's half side.
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    button(el, "evolve").click();
    const radii = (await end).detail.lineage.flatMap((l: { params: { radius?: number } }) =>
      l.params.radius ?? []
    );
    assert(Math.abs(Math.max(...radii) - 0.2) < 1e-9, `the largest edit has radius ${radii}, expected 0.2`);
  });

  it('marking="false" (React 18\'s marking={false}) is off; any other value is on; reflected as present or absent', async () => {
    const el = await mount({ ...wasmElement("marking-false"), marking: "false" });
    assert(el.marking === false, 'marking="false" turned marking on');
    assert(button(el, "mark").getAttribute("aria-pressed") === "false", "Mark points is pressed");
    const [first] = tiles(el);
    assert(getComputedStyle(first).cursor !== "crosshair", "the images show the marking cursor");
    const r = first.getBoundingClientRect();
    await clickAt(r.left + r.width / 2, r.top + r.height / 2);
    await settle(el);
    assert(el.selected.join() === "0", `a click did not select (selected: [${el.selected}])`);
    assert(!shadow(el).querySelector('[part~="point"]'), "a click marked a point");
    for (const [value, on] of [["", true], ["true", true], ["marking", true], ["false", false]] as const) {
      el.setAttribute("marking", value);
      assert(el.marking === on, `marking="${value}" gave ${el.marking}`);
    }
    // Set from outside, marking="false" stays as written: styles must read it as off too.
    await settle(el);
    assert(getComputedStyle(first).cursor !== "crosshair", 'marking="false" shows the marking cursor');
    el.removeAttribute("marking");
    assert(el.marking === false, "no attribute is not off");
    button(el, "mark").click();
    await settle(el);
    assert(el.getAttribute("marking") === "", `marking on reflects as ${el.getAttribute("marking")}`);
    assert(getComputedStyle(first).cursor === "crosshair", "marking on shows no marking cursor");
    button(el, "mark").click();
    await settle(el);
    assert(!el.hasAttribute("marking"), `marking off reflects as ${el.getAttribute("marking")}`);
  });

  it("shift+click marks a point without marking mode", async () => {
    const el = await mount(wasmElement("shift"));
    const [first] = tiles(el);
    const r = first.getBoundingClientRect();
    await clickAt(r.left + 10, r.top + 10, ["Shift"]);
    await settle(el);
    assert(shadow(el).querySelectorAll('[part~="point"]').length === 1, "shift+click did not mark a point");
  });
});

describe("<latent-evolver> evolve", () => {
  it("Evolve makes a generation whose latents follow the operators (checked in the exported session)", async () => {
    const el = await mount(wasmElement("evolve"));
    tiles(el)[2].click();
    const start = waitForEvent(el, "le-generation-start");
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    const progress: number[] = [];
    el.addEventListener("le-generation-progress", (e) => progress.push(e.detail.done));
    button(el, "evolve").click();
    const s = (await start) as CustomEvent;
    assert(s.detail.generation === 1 && s.detail.reason === "evolve", "bad generation-start detail");
    const e = await end;
    assert(
      !e.detail.cancelled && e.detail.done === 4 && e.detail.total === 4,
      `bad end ${JSON.stringify(e.detail)}`,
    );
    assert(progress.join() === "1,2,3,4", `progress went ${progress}`);
    assert(el.generationCount === 2 && el.generation === 1, "the element does not show generation 2");
    const session = deserializeSession(await sessionBytes(el));
    assert(session.generations.length === 2, "the exported session lacks the new generation");
    const gen = session.generations[1];
    assert(
      gen.feedback === undefined && session.generations[0].feedback?.selected.join() === "2",
      "feedback lost",
    );
    for (let i = 0; i < gen.latents.length; i++) {
      assert(sameLatent(reproduceChild(session, 1, i), gen.latents[i]), `child ${i} is not reproducible`);
      for (const p of gen.lineage[i].parents) {
        assert(p.generation === 0 && p.index === 2, `child ${i} has parent ${JSON.stringify(p)}`);
      }
    }
    const elite = gen.lineage.findIndex((l) => l.operator === "elite");
    assert(elite >= 0, "the selected image was not kept");
    assert(sameLatent(gen.latents[elite], session.generations[0].latents[2]), "the elite is not its parent");
  });

  it("Ctrl+Enter evolves, undo and redo move through history, New batch makes fresh latents", async () => {
    const el = await mount(wasmElement("history"));
    tiles(el)[0].click();
    tiles(el)[0].focus();
    let end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    await press("Enter", ["Control"]);
    await end;
    button(el, "undo").click();
    await settle(el);
    assert(el.generation === 0, "undo did not go back to generation 1");
    assert(el.selected.join() === "0", "undo lost the selection of generation 1");
    button(el, "redo").click();
    await settle(el);
    assert((el.generation as number) === 1, "redo did not go forward");
    end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 2);
    button(el, "new-batch").click();
    const e = await end;
    const ops = new Set(e.detail.lineage.map((l: { operator: string }) => l.operator));
    assert(
      !e.detail.lineage.some((l: { parents: unknown[] }) => l.parents.length),
      "a fresh batch has parents",
    );
    assert(ops.size === 1, `a fresh batch mixes operators ${[...ops]}`);
  });

  it("a double Evolve gives one new generation, as the worker has it, and the selection event follows", async () => {
    const el = await mount(wasmElement("double"));
    tiles(el)[1].click();
    await settle(el);
    const selections: number[][] = [];
    el.addEventListener("le-selection-change", (e) => selections.push(e.detail.selected));
    await Promise.all([el.evolve(), el.evolve()]);
    await settle(el);
    const stored = deserializeSession(await sessionBytes(el));
    assert(
      el.generationCount === 2 && stored.generations.length === 2 && el.generation === 1,
      `element ${el.generationCount} generations, worker ${stored.generations.length}`,
    );
    assert(shadow(el).querySelectorAll('[part~="generation"]').length === 2, "history strip buttons");
    assert(
      selections.at(-1)?.length === 0,
      `no selection event for the new generation: ${JSON.stringify(selections)}`,
    );
  });

  it("shortcuts work with the focus in the history strip", async () => {
    const el = await mount(wasmElement("history-keys"));
    await evolveFrom(el, 0);
    button(el, "undo").focus();
    await press("z", ["Control"]);
    await settle(el);
    assert(el.generation === 0, `Ctrl+Z from the history strip left generation ${el.generation + 1} shown`);
    await el.redo();
    // In the prompt field, Ctrl+Z is the field's own undo.
    shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!.focus();
    await press("z", ["Control"]);
    await settle(el);
    assert((el.generation as number) === 1, "Ctrl+Z in the prompt field went back a generation");
  });

  it("a page that changes columns keeps the sliders where the person moved them", async () => {
    const el = await mount(wasmElement("sliders"));
    const strength = shadow(el).querySelector<HTMLInputElement>('[part~="toolbar"] input[type="range"]')!;
    strength.value = "2.5";
    strength.dispatchEvent(new Event("input", { bubbles: true }));
    await settle(el);
    el.setAttribute("columns", "3");
    await settle(el);
    const shown = shadow(el).querySelector("[part~=strength-value]")!.textContent;
    assert(shown === "2.50" && strength.value === "2.5", `strength reset to ${shown} by a columns change`);
  });
});

describe("<latent-evolver> errors", () => {
  it("a bad attribute shows a message, fires le-error and still renders with the default", async () => {
    const errors: CustomEvent[] = [];
    const listener = (e: Event) => errors.push(e as CustomEvent);
    document.addEventListener("le-error", listener);
    try {
      const el = await mount({ ...wasmElement("bad-attr"), population: "500" });
      const shown = shadow(el).querySelector('[part~="error"]')?.textContent ?? "";
      assert(/population must be an integer from 1 to 64, got "500"/.test(shown), `shown: "${shown}"`);
      assert(errors.some((e) => e.detail.attribute === "population"), "no le-error for population");
      assert(tiles(el).length === 8, `expected the default 8 tiles, got ${tiles(el).length}`);
      // A columns value out of range is reported, and the grid keeps its own layout.
      const tracks = () => getComputedStyle(part(el, "grid")!).gridTemplateColumns.split(" ").length;
      const fit = tracks();
      el.setAttribute("columns", "20");
      await settle(el);
      assert(errors.some((e) => e.detail.attribute === "columns"), "no le-error for columns");
      assert(tracks() === fit, `columns="20" laid out ${tracks()} columns, not the ${fit} that fit`);
      el.setAttribute("columns", "2");
      await settle(el);
      assert(tracks() === 2, `columns="2" laid out ${tracks()} columns`);
    } finally {
      document.removeEventListener("le-error", listener);
    }
  });

  it("a model URL that does not load shows the error", async () => {
    const el = await mount({ ...wasmElement("bad-model"), model: "/no/such/manifest.json" }, false);
    const e = await waitForEvent<CustomEvent>(el, "le-error");
    await settle(el);
    const shown = shadow(el).querySelector('[part~="error"]')?.textContent ?? "";
    assert(shown.includes("/no/such/manifest.json"), `the message does not name the URL: "${shown}"`);
    assert(shown === `${e.detail.message} Try again`, `not the event's message, then Try again: "${shown}"`);
  });
});

describe("<latent-evolver> layout", () => {
  it("shows two columns of images on a phone-sized screen", async () => {
    const el = await mount(wasmElement("narrow"));
    el.style.width = "340px";
    await settle(el);
    const [a, b, c] = tiles(el).map((t) => t.getBoundingClientRect());
    assert(a.top === b.top && c.top > a.top, `tiles at ${[a, b, c].map((t) => `(${t.left}, ${t.top})`)}`);
    assert(a.width > 120, `tiles are ${a.width} px wide`);
  });
});
