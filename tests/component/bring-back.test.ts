// Bring back kept in step with the worker and heard: an Evolve the worker refuses changes nothing, so
// the Bring back it took away while it bred (an import's or an Evolve's, which the worker still
// keeps) is offered again and works; and what a history Bring back brought back is told once in the
// polite live region, also where the history strip keeps its length.
import {
  announced,
  assert,
  button,
  cleanup,
  evolveFrom,
  mount,
  noticeText,
  part,
  sameBytes,
  sessionBytes,
  settle,
  shadow,
  tiles,
  uniqueKey,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { tamperedWorkers } from "./worker-calls.ts";

afterEach(cleanup);

const attrs = (name: string, seed: string) => ({
  backend: "wasm",
  population: "3",
  seed,
  prompt: "a fjord",
  "storage-key": uniqueKey(name),
});

/** Presses the notice's Bring back and waits for what it brought back to be rendered and shown. */
async function bringBack(el: LatentEvolverElement): Promise<void> {
  const back = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
  button(el, "notice-action").click();
  await back;
  await settle(el);
}

describe("<latent-evolver> Bring back", () => {
  it("an Evolve the worker refuses changes nothing: the Bring back of the import and of the Evolve before it stays offered, and works", async () => {
    const { refuse, restore } = tamperedWorkers();
    try {
      const source = await mount(attrs("refused-source", "21"));
      await evolveFrom(source, 0);
      const file = new File([await source.exportSession()], "other.bin"); // 2 generations
      const el = await mount(attrs("refused-evolve", "31"));
      await evolveFrom(el, 0);
      await settle(el);
      const before = await sessionBytes(el);
      const errors: string[] = [];
      el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
      /** Evolves from image 2 of the generation shown, which the worker refuses. */
      const refused = async () => {
        refuse.add("evolve");
        tiles(el)[1].click();
        await el.evolve();
        await settle(el);
        refuse.clear();
      };

      // The import's Bring back.
      await el.importSession(file);
      await settle(el);
      const imported = "Imported other.bin: 2 generations, in place of 2 generations. Bring back";
      assert(noticeText(el) === imported, `the notice: "${noticeText(el)}"`);
      await refused();
      assert(
        errors.length === 1 && /^Evolve failed: Cannot evolve from generation -1/.test(errors[0]),
        `errors: ${JSON.stringify(errors)}`,
      );
      assert(part(el, "error")?.textContent?.includes("Evolve failed"), "the failed Evolve is not shown");
      assert(
        noticeText(el) === imported,
        `the import's Bring back after a refused Evolve: "${noticeText(el)}"`,
      );
      assert(el.generationCount === 2, `${el.generationCount} generations after a refused Evolve`);
      await bringBack(el);
      assert(
        sameBytes(await sessionBytes(el), before),
        "Bring back did not put back the session before the import",
      );

      // An Evolve's Bring back: from generation 1 again, another answer replaces generation 2.
      await el.showGeneration(0);
      await evolveFrom(el, 2);
      await settle(el);
      const replaced = "Generation 2 was replaced by a new generation 2. Bring back";
      assert(noticeText(el) === replaced, `the notice: "${noticeText(el)}"`);
      await refused();
      assert((errors.length as number) === 2, `errors: ${JSON.stringify(errors)}`);
      assert(
        noticeText(el) === replaced,
        `the Evolve's Bring back after a refused Evolve: "${noticeText(el)}"`,
      );
      await bringBack(el);
      assert(el.generationCount === 2 && el.generation === 1, `${el.generationCount} generations`);
      assert(
        sameBytes(await sessionBytes(el), before),
        "Bring back did not put back the generation replaced",
      );
      assert((errors.length as number) === 2, `errors: ${JSON.stringify(errors)}`);
    } finally {
      restore();
    }
  });

  it("what a history Bring back brought back is told once in the live region, though the strip keeps its length", async () => {
    const el = await mount(wasmElement("told-back"));
    await evolveFrom(el, 0);
    await evolveFrom(el, 1); // generation 2 answered [1]
    await el.showGeneration(1);
    tiles(el)[2].click(); // another answer: a new generation 3 in place of the one there
    await evolveFrom(el, 3);
    await settle(el);
    assert(el.generationCount === 3, `${el.generationCount} generations`);
    assert(noticeText(el).startsWith("Generation 3 was replaced"), `the notice: "${noticeText(el)}"`);
    const live = shadow(el).querySelector('[part~="status"] [role="status"]')!;
    const lines: string[] = [];
    const observer = new MutationObserver(() => lines.push(live.textContent!.trim()));
    observer.observe(live, { childList: true, characterData: true, subtree: true });
    await bringBack(el);
    // The line changes with each move, and the notice is not told again with it.
    await el.showGeneration(1);
    await settle(el);
    await el.showGeneration(2);
    await settle(el);
    observer.disconnect();
    assert(el.generationCount === 3 && el.generation === 2, `${el.generationCount}, shows ${el.generation}`);
    const told = "Brought back generation 3.";
    assert(noticeText(el) === told, `the notice: "${noticeText(el)}"`);
    const heard = lines.filter((l) => l.includes(told));
    assert(
      heard.length === 1 && heard[0].startsWith("Generation 3 of 3, "),
      `announced: ${JSON.stringify(lines)}`,
    );
    assert(announced(el) === "Generation 3 of 3, ready.", `announced: ${announced(el)}`);
  });
});
