// An earlier generation's answer as the element shows it again (its settings with its marks), a
// cancel that comes while an Evolve breeds, the images a cancelled render left without pixels, and
// the notices that say where a move landed.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  mount,
  noticeText,
  part,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

/** Moves the toolbar's strength slider, as a person does. */
function setStrength(el: LatentEvolverElement, value: string): void {
  const slider = shadow(el).querySelector<HTMLInputElement>('[part~="toolbar"] input[type="range"]')!;
  slider.value = value;
  slider.dispatchEvent(new Event("input", { bubbles: true }));
}

/** The strength the toolbar shows. */
const strength = (el: LatentEvolverElement) => part(el, "strength-value")?.textContent?.trim();

/** The mode the toolbar shows. */
const mode = (el: LatentEvolverElement) =>
  shadow(el).querySelector<HTMLInputElement>('[part~="mode"] input:checked')?.value;

/**
 * Presses Evolve and cancels at once, while the worker breeds; a listener may act on the new
 * generation as it is shown, before its render starts.
 *
 * @returns The new generation's `le-generation-end` event.
 */
async function evolveAndCancel(el: LatentEvolverElement, onShown = () => {}): Promise<CustomEvent> {
  const generation = el.generation + 1;
  const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === generation);
  let acted = false; // once: what it does changes the selection again
  const shown = (e: Event) => {
    if ((e as CustomEvent).detail.generation !== generation || acted) return;
    acted = true;
    onShown();
  };
  el.addEventListener("le-selection-change", shown);
  button(el, "evolve").click();
  await el.updateComplete;
  assert(!button(el, "cancel").disabled, "Cancel is disabled while the Evolve breeds");
  el.cancel();
  const e = await end;
  el.removeEventListener("le-selection-change", shown);
  await settle(el);
  return e;
}

describe("<latent-evolver> answers", () => {
  it("an answered generation shows its answer's settings: Evolve from it goes forward, and the latest gets the person's back", async () => {
    const el = await mount(wasmElement("answer-settings"));
    setStrength(el, "2");
    await evolveFrom(el, 0);
    setStrength(el, "0.5"); // for the next Evolve, from generation 2
    shadow(el).querySelector<HTMLInputElement>('[part~="keep"] input')!.click();
    await settle(el);
    await el.undo();
    await settle(el);
    assert(
      strength(el) === "2.00" && mode(el) === "change",
      `generation 1 shows ${strength(el)}, ${mode(el)}`,
    );

    const starts: string[] = [];
    el.addEventListener("le-generation-start", (e) => starts.push((e as CustomEvent).detail.reason));
    await el.evolve();
    await settle(el);
    assert(
      el.generation === 1 && el.generationCount === 2 && !starts.includes("evolve"),
      `generation ${el.generation + 1} of ${el.generationCount} shown, renders: ${starts}`,
    );
    assert(/Generation 1 already had this answer/.test(noticeText(el)), `notice: ${noticeText(el)}`);
    // The latest generation, not answered yet: the person's own settings are back.
    assert(strength(el) === "0.50" && mode(el) === "keep", `generation 2 shows ${strength(el)}, ${mode(el)}`);

    // The notice said where the Evolve landed: the next selection is on from there.
    tiles(el)[2].click();
    await settle(el);
    assert(!part(el, "notice"), `the notice stays after a selection: ${noticeText(el)}`);
  });

  it("a cancel while an Evolve breeds cancels its render as it starts, and offers to render its images", async () => {
    const el = await mount(wasmElement("cancel-bred"));
    tiles(el)[0].click();
    const e = await evolveAndCancel(el);
    assert(
      e.detail.cancelled && e.detail.done === 0 && el.generation === 1,
      `the render ran on: ${JSON.stringify(e.detail)}`,
    );
    const cancelled = part(el, "cancelled")?.textContent?.replace(/\s+/g, " ").trim();
    assert(cancelled === "Cancelled: 0 of 4 images rendered Render them", `status: ${cancelled}`);
    assert(button(el, "cancel").disabled, "Cancel stays enabled once nothing renders");
  });

  it("an image that was not rendered cannot be selected, nor Evolve breed from it", async () => {
    const el = await mount(wasmElement("unrendered"));
    tiles(el)[0].click();
    // Image 2 of generation 2 is selected as it is shown, before its render (then cancelled) starts.
    await evolveAndCancel(el, () => tiles(el)[1].click());
    assert(el.selected.join() === "1", `selected: ${el.selected}`);

    tiles(el)[3].click();
    await settle(el);
    assert(el.selected.join() === "1", `an image with no pixels was selected: ${el.selected}`);
    const refused = "Image 4 was not rendered, so nothing can be bred from it: render it first.";
    assert(part(el, "error")?.textContent?.includes(refused), `error: ${part(el, "error")?.textContent}`);

    await el.evolve();
    await settle(el);
    assert(
      el.generationCount === 2,
      `Evolve bred from an image with no pixels: ${el.generationCount} generations`,
    );
    const told = "Image 2 was not rendered, so nothing can be bred from it: render it first.";
    assert(part(el, "error")?.textContent?.includes(told), `error: ${part(el, "error")?.textContent}`);
    tiles(el)[1].click(); // deselecting one is fine
    await settle(el);
    assert(el.selected.length === 0 && !part(el, "error"), `selected: ${el.selected}, the error stays`);
  });
});
