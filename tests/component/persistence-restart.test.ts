// What survives a worker restart (on demand, or a property changed to a new value), a move in the
// page and time off it: the session, selection and generation shown come back; a render or Evolve in
// flight settles; the page's prompt set meanwhile wins; no worker is left running behind. A reload
// (a new element): persistence.test.ts.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  mount,
  pixels,
  sameBytes,
  sessionBytes,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";

afterEach(cleanup);

/** Counts the workers the page starts and ends while `f` runs. */
async function countingWorkers(f: () => Promise<void>): Promise<{ started: number; ended: number }> {
  const Original = globalThis.Worker;
  const counts = { started: 0, ended: 0 };
  globalThis.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      counts.started++;
    }
    override terminate(): void {
      counts.ended++;
      super.terminate();
    }
  };
  try {
    await f();
  } finally {
    globalThis.Worker = Original;
  }
  return counts;
}

describe("<latent-evolver> worker restart", () => {
  it('a property set to the value its attribute gave (8 for "8") does not restart the worker; a new value does', async () => {
    const counts = await countingWorkers(async () => {
      const el = await mount({ ...wasmElement("same-config"), population: "4", seed: "11" });
      el.population = 4;
      el.seed = 11;
      el.setAttribute("backend", "wasm");
      await el.updateComplete;
      await new Promise((r) => setTimeout(r, 300));
      assert(tiles(el).length === 4, `${tiles(el).length} images`);
      const shown = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
      el.population = 3;
      await shown;
      assert(tiles(el).length === 3, `${tiles(el).length} images after population 3`);
    });
    assert(counts.started === 2, `${counts.started} workers started`);
  });

  it("while the worker restarts, Evolve, New batch, Export and Import are disabled; then enabled again", async () => {
    const el = await mount(wasmElement("restart-disabled"));
    const controls = () => [
      button(el, "evolve"),
      button(el, "new-batch"),
      button(el, "export"),
      shadow(el).querySelector<HTMLInputElement>('[part~="import"] input')!,
    ];
    assert(controls().every((c) => !c.disabled), "disabled before the restart");
    const restarted = el.restartWorker();
    await el.updateComplete;
    assert(
      controls().every((c) => c.disabled),
      `enabled while restarting: ${controls().map((c) => c.disabled)}`,
    );
    await restarted;
    await settle(el);
    assert(controls().every((c) => !c.disabled), "still disabled after the restart");
  });

  it("a restarted worker restores the session, selection and shown generation from storage", async () => {
    const el = await mount(wasmElement("restart"));
    await evolveFrom(el, 0);
    tiles(el)[2].click();
    const before = await sessionBytes(el);
    const restored = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    await el.restartWorker();
    await restored;
    assert(
      el.generationCount === 2 && el.generation === 1,
      `after restart: ${el.generation}/${el.generationCount}`,
    );
    assert(el.selected.join() === "2", `selection after restart: [${el.selected}]`);
    assert(sameBytes(await sessionBytes(el), before), "the session changed");
  });

  it("moving the element keeps its worker and session, even with storage off", async () => {
    const el = await mount({ ...wasmElement("move"), "storage-key": "none" });
    await evolveFrom(el, 1);
    tiles(el)[3].click();
    const starts: string[] = [];
    const onStart = (e: Event) => starts.push((e as CustomEvent).detail.reason);
    el.addEventListener("le-generation-start", onStart);
    const elsewhere = document.createElement("section");
    document.body.append(elsewhere);
    try {
      elsewhere.append(el); // what a framework does when it reorders a list: out and back in, in one task
      await new Promise((r) => setTimeout(r, 300));
      assert(starts.length === 0, `the move started generations: ${starts}`);
      assert(
        el.generationCount === 2 && el.selected.join() === "3",
        `after the move: ${el.generationCount}, [${el.selected}]`,
      );
      const next = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 2);
      button(el, "evolve").click();
      assert((await next).detail.done === 4, "the worker did not evolve after the move");
    } finally {
      el.removeEventListener("le-generation-start", onStart);
      elsewhere.remove();
    }
  });
});

describe("<latent-evolver> off the page", () => {
  it("an element taken off the page releases its images; put back, it shows its session again", async () => {
    const el = await mount(wasmElement("released"));
    await evolveFrom(el, 0);
    const close = ImageBitmap.prototype.close;
    let closed = 0;
    ImageBitmap.prototype.close = function (this: ImageBitmap) {
      closed++;
      close.call(this);
    };
    try {
      el.remove();
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      ImageBitmap.prototype.close = close;
    }
    assert(closed >= 8, `${closed} of the 8 images of 2 generations were released`);
    const shown = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    document.body.append(el);
    await shown;
    assert(el.generationCount === 2 && el.generation === 1, `${el.generation + 1} of ${el.generationCount}`);
    const blank = pixels(el).filter((p) => p.every((v, i) => i % 4 === 3 || v === 0)).length;
    assert(pixels(el).length === 4 && blank === 0, `${blank} blank images`);
  });
});

describe("<latent-evolver> worker restarts", () => {
  it("a render in flight when the worker restarts ends as cancelled, and Evolve's promise settles", async () => {
    const el = await mount({ ...wasmElement("restart-render"), population: "16" });
    tiles(el)[0].click();
    const progressed = waitForEvent<CustomEvent>(
      el,
      "le-generation-progress",
      (e) => e.detail.generation === 1,
    );
    const ended = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    const evolving = el.evolve();
    await progressed;
    const restarted = el.restartWorker();
    const timeout = new Promise((r) => setTimeout(() => r("timed out"), 20_000));
    assert(
      (await Promise.race([evolving.then(() => "settled"), timeout])) === "settled",
      "evolve() never settled",
    );
    const end = await Promise.race([ended, timeout]);
    assert(end !== "timed out" && (end as CustomEvent).detail.cancelled, "no cancelled end for the render");
    await restarted;
  });

  it("an Evolve the worker had not answered when it restarted ends quietly, with no error", async () => {
    const el = await mount(wasmElement("restart-evolve"));
    tiles(el)[0].click();
    const errors: string[] = [];
    el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
    const evolving = el.evolve(); // sent to the worker, not yet answered
    await el.restartWorker();
    await evolving;
    assert(errors.length === 0, `errors: ${JSON.stringify(errors)}`);
  });

  it("a prompt the page sets while the worker restarts wins over the stored one", async () => {
    const el = await mount(wasmElement("restart-prompt"));
    const restarted = el.restartWorker();
    el.prompt = "set by the page meanwhile";
    await restarted;
    await settle(el);
    assert(el.prompt === "set by the page meanwhile", `the prompt went back to "${el.prompt}"`);
  });

  it("two restarts at once, or removal during a start, leave no worker running behind", async () => {
    const counts = await countingWorkers(async () => {
      const el = await mount(wasmElement("restart-twice"));
      await Promise.all([el.restartWorker(), el.restartWorker()]);
      await settle(el);
      el.setAttribute("population", "3"); // a restart in the next task...
      await el.updateComplete;
      await new Promise((r) => setTimeout(r, 0));
      el.remove(); // ...while the element leaves the page
      await new Promise((r) => setTimeout(r, 500));
    });
    assert(counts.started === counts.ended, `${counts.started} workers started, ${counts.ended} ended`);
  });
});
