// What a person meets besides the main path: replacing later generations (and bringing them back),
// a cancelled render (and rendering the rest), where the focus goes, what is announced, stale errors.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  mount,
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
    await evolveFrom(el, 1);
    const before = await lineages(el);
    assert(before.length === 3, `${before.length} generations`);

    await el.showGeneration(0);
    await settle(el);
    assert(tiles(el)[0].getAttribute("aria-pressed") === "true", "generation 1's selection is not shown");
    tiles(el)[2].click(); // a second favourite: generation 1 is now answered otherwise
    await evolveFrom(el, 3);
    await settle(el);
    assert(el.generationCount === 2, `${el.generationCount} generations after evolving from the first`);
    const notice = part(el, "notice");
    assert(
      /Generations 2-3 were replaced by this one\./.test(notice?.textContent ?? ""),
      notice?.textContent ?? "none",
    );
    assert(/Generations 2-3 were replaced/.test(announced(el)), `announced: ${announced(el)}`);

    const shown = waitForEvent<CustomEvent>(el, "le-selection-change");
    button(el, "notice-action").click();
    await shown;
    await settle(el);
    assert(
      (el.generationCount as number) === 3 && el.generation === 0,
      `${el.generationCount} generations, shows ${el.generation}`,
    );
    assert(
      (await lineages(el)).join() === before.join(),
      "the generations brought back are not the old ones",
    );
    assert(
      el.selected.join() === "0,2,3",
      `generation 1's selection from before the replaced Evolve: ${el.selected}`,
    );
    assert(!part(el, "notice"), "the notice stays after Bring back");
    // What was brought back is what storage holds: a new element with the key restores it.
    el.remove();
    const again = await mount({ ...wasmElement("bring-back"), "storage-key": key });
    assert(again.generationCount === 3, `restored ${again.generationCount} generations`);
  });

  it("a cancelled render says how many images it left out; Render the rest renders just those", async () => {
    const el = await mount({ ...wasmElement("cancel"), population: "8" });
    tiles(el)[0].click();
    const started = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 1);
    const progressed = waitForEvent<CustomEvent>(
      el,
      "le-generation-progress",
      (e) => e.detail.generation === 1,
    );
    const ended = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    button(el, "evolve").click();
    await started;
    await settle(el);
    assert(/Generation 2 of 2, rendering 8 images\./.test(announced(el)), `announced: ${announced(el)}`);
    await progressed;
    el.cancel();
    const end = await ended;
    assert(end.detail.cancelled && end.detail.done < 8, JSON.stringify(end.detail));
    await settle(el);
    const left = tiles(el).filter((t) => /\(not rendered\)/.test(t.getAttribute("aria-label")!));
    assert(left.length === 8 - end.detail.done, `${left.length} tiles say not rendered`);
    assert(tiles(el).every((t) => t.getAttribute("aria-busy") === "false"), "a tile still says it renders");
    const cancelled = part(el, "cancelled")?.textContent ?? "";
    assert(
      cancelled.includes(`Cancelled: ${end.detail.done} of 8 images rendered`),
      `status: ${cancelled}`,
    );
    assert(announced(el).includes(`${left.length} image`), `announced: ${announced(el)}`);

    const rest = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 1);
    const all = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    button(el, "render-rest").click();
    assert((await rest).detail.total === left.length, "Render the rest renders more than the rest");
    assert(!(await all).detail.cancelled, "the rest was cancelled");
    await settle(el);
    assert(!part(el, "cancelled"), "the status still says cancelled");
    assert(tiles(el).every((t) => !/not rendered/.test(t.getAttribute("aria-label")!)), "a tile is left out");
    assert(announced(el) === "Generation 2 of 2, ready.", `announced: ${announced(el)}`);
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
});
