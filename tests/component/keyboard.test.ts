// The keyboard and the focus: a history button that disables itself passes the focus on, the
// history's generations are one Tab stop moved along with the arrows, Escape leaves marking mode, and
// a point marked or removed with the mouse or the keys is heard with where it is.
import {
  announced,
  assert,
  button,
  cleanup,
  clickAt,
  evolveFrom,
  mount,
  part,
  press,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";

afterEach(cleanup);

const generationButton = (el: HTMLElement, g: number) =>
  shadow(el).querySelectorAll<HTMLButtonElement>('[part~="generation"]')[g];

describe("<latent-evolver> keyboard and focus", () => {
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
    tiles(el)[2].click(); // another answer than it had: Ctrl+Enter breeds a new generation 2
    save.focus();
    const next = waitForEvent(el, "le-generation-end", (e: CustomEvent) => e.detail.generation === 1);
    await press("Enter", ["Control"]);
    await next;
    assert(shadow(el).activeElement === save, `focus on ${shadow(el).activeElement?.outerHTML}`);
  });

  it("the history's generations are one Tab stop, entered at the one shown; Left, Right, Home and End move along them, Enter shows one", async () => {
    const el = await mount(wasmElement("strip"));
    await evolveFrom(el, 0);
    await evolveFrom(el, 1);
    await el.showGeneration(1);
    await settle(el);
    const focused = () => shadow(el).activeElement;
    const on = (g: number, what: string) =>
      assert(focused() === generationButton(el, g), `${what}: focus on ${focused()?.outerHTML}`);
    button(el, "redo").focus();
    await press("Tab");
    on(1, "Tab into the row");
    await press("Tab");
    assert(focused() === button(el, "export"), `a second Tab stayed in the row: ${focused()?.outerHTML}`);
    await press("Tab", ["Shift"]);
    on(1, "Shift+Tab back");
    await press("ArrowLeft");
    on(0, "ArrowLeft");
    assert(el.generation === 1, `moving the focus showed generation ${el.generation + 1}`);
    await press("Tab"); // leaves the row from the generation focused
    assert(focused() === button(el, "export"), `Tab from generation 1: focus on ${focused()?.outerHTML}`);
    await press("Tab", ["Shift"]);
    on(1, "back into the row, at the generation shown");
    await press("End");
    on(2, "End");
    await press("ArrowRight");
    on(2, "ArrowRight at the end");
    await press("Home");
    on(0, "Home");
    const shown = waitForEvent(el, "le-selection-change");
    await press("Enter");
    await shown;
    await settle(el);
    on(0, "Enter");
    const states = [0, 1, 2].map((g) => generationButton(el, g).getAttribute("aria-current"));
    assert(
      (el.generation as number) === 0 && states.join() === "true,false,false",
      `shows ${el.generation}: ${states}`,
    );
    assert(generationButton(el, 2).getAttribute("aria-label") === "Generation 3", "the name changed");
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

  it("a point marked or removed, with the mouse or the keys, is heard with where it is; the image's label lists its points", async () => {
    const el = await mount(wasmElement("point-place"));
    const canvas = shadow(el).querySelectorAll('canvas[part~="image"]')[1].getBoundingClientRect();
    await clickAt(canvas.left + canvas.width / 10, canvas.top + canvas.height / 10, ["Shift"]);
    await settle(el);
    const marked = "Generation 1 of 1, ready. 1 selected, 1 point. Point 1 on image 2, top left.";
    assert(announced(el) === marked, `announced: ${announced(el)}`);
    // From the keyboard: the marker 3 big steps right and down from the centre, and Enter.
    el.marking = true;
    await settle(el);
    tiles(el)[1].focus();
    for (let i = 0; i < 3; i++) {
      await press("ArrowRight", ["Shift"]);
      await press("ArrowDown", ["Shift"]);
    }
    await press("Enter");
    await settle(el);
    const second = "Generation 1 of 1, ready. 1 selected, 2 points. Point 2 on image 2, bottom right.";
    assert(announced(el) === second, `announced: ${announced(el)}`);
    const label = tiles(el)[1].getAttribute("aria-label")!;
    assert(label.startsWith("Image 2, 2 points (top left, bottom right): "), label);
    // Another image selected (Space while marking): the count is heard, the point not again.
    tiles(el)[0].focus();
    await press(" ");
    await settle(el);
    assert(
      announced(el) === "Generation 1 of 1, ready. 2 selected, 2 points.",
      `announced: ${announced(el)}`,
    );
    tiles(el)[1].focus();
    await press("Delete");
    await settle(el);
    const removed =
      "Generation 1 of 1, ready. 2 selected, 1 point. Point removed from image 2, bottom right.";
    assert(announced(el) === removed, `announced: ${announced(el)}`);
  });
});
