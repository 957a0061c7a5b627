// The prompt field: a change renders the generation shown once the typing pauses, Enter renders
// only a changed prompt, an Evolve pressed meanwhile renders its new batch with the prompt as it is
// (however long the worker takes to breed), and a framework's unset or numeric value reads as text.
import {
  assert,
  cleanup,
  mount,
  press,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import { tamperedWorkers } from "./worker-calls.ts";

afterEach(cleanup);

/** What starts rendering, as "reason generation", from now on. */
function renderStarts(el: HTMLElement): string[] {
  const starts: string[] = [];
  el.addEventListener("le-generation-start", (e) => {
    const { reason, generation } = (e as CustomEvent).detail;
    starts.push(`${reason} ${generation}`);
  });
  return starts;
}

describe("<latent-evolver> prompt", () => {
  it("Enter in the prompt renders only a changed prompt; Evolve right after typing renders the new batch once", async () => {
    const el = await mount(wasmElement("prompt-enter"));
    const starts = renderStarts(el);
    const input = shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!;
    input.focus();
    await press("Enter");
    await new Promise((r) => setTimeout(r, 400));
    assert(starts.length === 0, `Enter on the same prompt rendered: ${starts}`);
    tiles(el)[0].click();
    input.value = "a storm over the fjord";
    input.dispatchEvent(new Event("input"));
    await el.evolve(); // within the pause that would render the prompt change
    await new Promise((r) => setTimeout(r, 400));
    await settle(el);
    assert(starts.join() === "evolve 1", `renders: ${starts}`);
    // Generation 1's images were of the old prompt: going back renders them with the new one.
    await el.showGeneration(0);
    await settle(el);
    assert(starts.join() === "evolve 1,history 0", `renders: ${starts}`);
  });

  it("a prompt property set to null, undefined or a number (a framework's unset or numeric state) reads as text", async () => {
    const el = await mount(wasmElement("prompt-values"));
    const errors: string[] = [];
    const onError = (e: Event) => errors.push((e as CustomEvent).detail.message);
    el.addEventListener("le-error", onError);
    const field = () => shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!.value;
    try {
      for (const [value, text] of [[null, ""], [42, "42"], [undefined, ""]] as const) {
        const rendered = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
        (el as unknown as { prompt: unknown }).prompt = value;
        await settle(el);
        assert(el.prompt === text, `prompt ${String(value)} read as ${JSON.stringify(el.prompt)}`);
        assert(field() === text, `prompt ${String(value)} shown as ${JSON.stringify(field())}`);
        await rendered;
        assert(errors.length === 0, `prompt ${String(value)}: ${errors}`);
      }
    } finally {
      el.removeEventListener("le-error", onError);
    }
  });

  it("an Evolve that breeds for longer than the typing pause renders only its new batch, and a refused one renders the prompt", async () => {
    // The worker gets each evolve call 600 ms late: longer than the 250 ms pause after typing.
    const workers = tamperedWorkers();
    workers.delay.set("evolve", 600);
    try {
      const el = await mount(wasmElement("prompt-slow-evolve"));
      const starts = renderStarts(el);
      const input = shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!;
      tiles(el)[0].click();
      input.value = "a storm over the fjord";
      input.dispatchEvent(new Event("input"));
      const ended = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
      await el.evolve();
      await ended;
      await new Promise((r) => setTimeout(r, 400));
      assert(starts.join() === "evolve 1", `renders: ${starts}`);
      // Refused, the Evolve leaves the generation shown, which then renders with the typed prompt.
      workers.refuse.add("evolve");
      tiles(el)[0].click();
      input.value = "a calm fjord";
      input.dispatchEvent(new Event("input"));
      const rendered = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
      await el.evolve();
      await rendered;
      assert(starts.join() === "evolve 1,prompt 1", `renders: ${starts}`);
      assert(
        /Evolve failed/.test(shadow(el).querySelector('[part~="error"]')?.textContent ?? ""),
        "no error",
      );
    } finally {
      workers.restore();
    }
  });
});
