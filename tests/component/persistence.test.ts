// What survives: the session and its UI state across a reload (a new element with the same storage
// key), a worker restart and a move in the page; and one storage key per element.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  mount,
  press,
  sameBytes,
  sessionBytes,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import { readGenome } from "../../component/png.ts";
import { loadUiState, saveUiState, storageKeyFor } from "../../component/ui-state.ts";
import { loadSession, saveSession } from "../../component/worker/session-store.ts";
import { deserializeSession } from "../../core/mod.ts";

afterEach(cleanup);

describe("<latent-evolver> persistence", () => {
  it("a second element with the same storage key says so and saves nothing over the first's session", async () => {
    const attrs = wasmElement("shared");
    const first = await mount(attrs);
    await evolveFrom(first, 0);
    const saved = await sessionBytes(first);
    const errors: CustomEvent[] = [];
    const onError = (e: Event) => errors.push(e as CustomEvent);
    document.addEventListener("le-error", onError);
    try {
      const second = await mount({ ...attrs, seed: "12" });
      assert(
        errors.some((e) =>
          e.detail.attribute === "storage-key" && /used by another <latent-evolver>/.test(e.detail.message)
        ),
        `no storage-key error: ${errors.map((e) => e.detail.message)}`,
      );
      await evolveFrom(second, 1);
      await evolveFrom(second, 1);
    } finally {
      document.removeEventListener("le-error", onError);
    }
    cleanup();
    await new Promise((r) => setTimeout(r, 300));
    const again = await mount(attrs);
    assert(
      again.generationCount === 2,
      `restored ${again.generationCount} generations, the first element had 2`,
    );
    assert(sameBytes(await sessionBytes(again), saved), "the saved session changed");
  });

  it("a new element with the same storage key restores prompt, generations, selection and points", async () => {
    const attrs = wasmElement("reload");
    const el = await mount(attrs);
    await evolveFrom(el, 1);
    const input = shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!;
    const rerendered = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    input.value = "a desert sunset";
    input.dispatchEvent(new Event("input"));
    await rerendered;
    tiles(el)[3].click();
    button(el, "mark").click();
    await settle(el);
    tiles(el)[0].focus();
    await press("Enter");
    await settle(el);
    const before = { selected: el.selected.join(), generation: el.generation, count: el.generationCount };
    const bytesBefore = await sessionBytes(el);
    el.remove();
    await new Promise((r) => setTimeout(r, 300));
    const again = await mount(attrs);
    assert(again.prompt === "a desert sunset", `prompt restored as "${again.prompt}"`);
    assert(again.generationCount === before.count && again.generation === before.generation, "history lost");
    assert(again.selected.join() === before.selected, `selection ${again.selected} != ${before.selected}`);
    assert(
      shadow(again).querySelectorAll('[part~="point"]').length === 1,
      "the marked point was not restored",
    );
    assert(sameBytes(await sessionBytes(again), bytesBefore), "session differs");
  });
});

/**
 * Plays the other tab: holds the storage key's Web Lock (as an element there would) until released.
 *
 * @param key The storage key.
 * @returns A function that releases the lock, once it is held.
 */
async function holdInAnotherTab(key: string): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await new Promise<void>((granted) => {
    void navigator.locks.request(`latent-evolver:${key}`, () => (granted(), held));
  });
  return release;
}

/** The saved session's bytes under a storage key. */
async function storedBytes(key: string): Promise<Uint8Array | undefined> {
  return (await loadSession(storageKeyFor(key, "session")))?.bytes;
}

/** Waits (up to 10 s) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = performance.now() + 10_000;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const savedElsewhereNote = (el: HTMLElement) => shadow(el).querySelector('[part~="saved-elsewhere"]');

describe("<latent-evolver> one storage key in two tabs", () => {
  it("while another tab saves the key, this one shows the saved session, says so and saves nothing; then it takes over and saves its changes", async () => {
    const attrs = wasmElement("tabs-changed");
    const key = attrs["storage-key"];
    const first = await mount(attrs);
    await evolveFrom(first, 0);
    cleanup();
    await new Promise((r) => setTimeout(r, 300));
    const saved = (await storedBytes(key))!;
    const release = await holdInAnotherTab(key);
    const viewer = await mount(attrs);
    await settle(viewer);
    assert(viewer.generationCount === 2, `restored ${viewer.generationCount} generations, not the saved 2`);
    assert(
      /another tab/.test(savedElsewhereNote(viewer)?.textContent ?? ""),
      "no note that another tab saves the session",
    );
    await evolveFrom(viewer, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert(sameBytes((await storedBytes(key))!, saved), "saved over the other tab's session");
    assert((await loadUiState(key))!.current === 1, "saved its UI state over the other tab's");

    release(); // the other tab closes: this one has changes, and saves them
    const mine = await sessionBytes(viewer);
    await until(
      async () => sameBytes((await storedBytes(key)) ?? new Uint8Array(), mine),
      "saved",
    );
    await until(async () => (await loadUiState(key))?.current === 2, "its UI state is saved");
    await settle(viewer);
    assert(savedElsewhereNote(viewer) === null, "the note stays after taking over");
    assert(Number(viewer.generationCount) === 3, "taking over changed the session shown");
  });

  it("a tab that takes the key over after the other saved newer work shows that work, dropping its own", async () => {
    const attrs = wasmElement("tabs-newer");
    const key = attrs["storage-key"];
    const first = await mount(attrs);
    await evolveFrom(first, 0);
    await new Promise((r) => setTimeout(r, 300));
    const older = await loadSession(storageKeyFor(key, "session"));
    const olderUi = await loadUiState(key);
    await evolveFrom(first, 1);
    cleanup();
    await new Promise((r) => setTimeout(r, 300));
    const last = (await loadSession(storageKeyFor(key, "session")))!;
    const lastUi = (await loadUiState(key))!;
    // The other tab opened this one when the session was 2 generations long, then went on.
    await saveSession(storageKeyFor(key, "session"), older!);
    await saveUiState(key, olderUi!);
    const release = await holdInAnotherTab(key);
    const viewer = await mount(attrs);
    assert(viewer.generationCount === 2, `restored ${viewer.generationCount} generations, not 2`);
    await evolveFrom(viewer, 0); // not saved, as the note says
    await saveSession(storageKeyFor(key, "session"), last);
    await saveUiState(key, lastUi);
    release();
    await until(
      async () => sameBytes(await sessionBytes(viewer).catch(() => new Uint8Array()), last.bytes),
      "the last saved session is shown",
    );
    await settle(viewer);
    assert(savedElsewhereNote(viewer) === null, "the note stays after taking over");
    assert(sameBytes((await storedBytes(key))!, last.bytes), "the other tab's newer session was overwritten");
  });

  it("Use here takes the key from the other tab and saves this one's changes; taken back, this one stops saving", async () => {
    const attrs = wasmElement("tabs-use-here");
    const key = attrs["storage-key"];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let stolen = false;
    await new Promise<void>((granted) => {
      navigator.locks.request(`latent-evolver:${key}`, () => (granted(), held))
        .catch((e: DOMException) => (stolen = e.name === "AbortError"));
    });
    const el = await mount(attrs);
    await evolveFrom(el, 0);
    await settle(el);
    assert((await storedBytes(key)) === undefined, "saved while another tab held the key");
    const useHere = savedElsewhereNote(el)?.querySelector<HTMLButtonElement>('[part~="use-here"]');
    assert(useHere, "no Use here button in the note");
    useHere.click();
    const mine = await sessionBytes(el);
    await until(async () => sameBytes((await storedBytes(key)) ?? new Uint8Array(), mine), "saved here");
    assert(stolen, "the other tab still holds the key");
    await settle(el);
    assert(savedElsewhereNote(el) === null, "the note stays after Use here");
    release();

    // The other tab's Use here: this one is told, shows the note and saves nothing more.
    let giveBack!: () => void;
    await new Promise<void>((granted) => {
      void navigator.locks.request(
        `latent-evolver:${key}`,
        { steal: true },
        () => (granted(), new Promise<void>((resolve) => (giveBack = resolve))),
      );
    });
    await until(() => savedElsewhereNote(el) !== null, "the note is shown");
    await evolveFrom(el, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert(sameBytes((await storedBytes(key))!, mine), "saved after the other tab took the key");
    giveBack();
  });
});

describe("<latent-evolver> stored prompt", () => {
  it("the person's prompt comes back, unless the page's prompt attribute changed since it was stored", async () => {
    const attrs = wasmElement("page-prompt");
    const el = await mount(attrs);
    const input = shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!;
    const rerendered = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    input.value = "typed by the person";
    input.dispatchEvent(new Event("input"));
    await rerendered;
    el.remove();
    await new Promise((r) => setTimeout(r, 300));
    const same = await mount(attrs);
    assert(same.prompt === "typed by the person", `with the same page prompt, got "${same.prompt}"`);
    same.remove();
    await new Promise((r) => setTimeout(r, 300));
    // The site owner edits the attribute: the page's new prompt wins over the stored one.
    const edited = await mount({ ...attrs, prompt: "a new prompt from the page" });
    assert(edited.prompt === "a new prompt from the page", `the stored prompt won: "${edited.prompt}"`);
  });
});

describe("<latent-evolver> worker restart", () => {
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

describe("<latent-evolver> worker restarts", () => {
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

describe("<latent-evolver> seed", () => {
  const latentsOf = async (el: Parameters<typeof sessionBytes>[0], generation: number) =>
    deserializeSession(await sessionBytes(el)).generations[generation].latents.map((l) => l.data);
  const sameLatents = (a: Float32Array[], b: Float32Array[]) =>
    a.length === b.length && a.every((d, i) => d.every((v, j) => Object.is(v, b[i][j])));

  it("without a seed attribute, a reloaded session keeps its seed: evolving again gives the same batch", async () => {
    const { seed: _, ...attrs } = wasmElement("no-seed");
    const a = await mount(attrs);
    await evolveFrom(a, 0);
    const bred = await latentsOf(a, 1);
    const genomeA = readGenome(new Uint8Array(await (await a.exportImage(0)).arrayBuffer()));
    a.remove();
    const b = await mount(attrs);
    await b.showGeneration(0);
    assert(b.selected.join() === "0", `selection not restored: ${b.selected}`);
    const end = waitForEvent<CustomEvent>(b, "le-generation-end", (e) => e.detail.generation === 1);
    await b.evolve();
    await end;
    assert(sameLatents(await latentsOf(b, 1), bred), "the same feedback bred another batch after the reload");
    const genomeB = readGenome(new Uint8Array(await (await b.exportImage(0)).arrayBuffer()));
    assert(genomeA?.seed === genomeB?.seed, `genome seeds ${genomeA?.seed} and ${genomeB?.seed}`);
  });

  it("a changed seed attribute starts a new session; the same seed again restores it", async () => {
    const attrs = wasmElement("seed-change");
    const a = await mount(attrs);
    const first = await latentsOf(a, 0);
    a.remove();
    const b = await mount({ ...attrs, seed: "12" });
    const other = await latentsOf(b, 0);
    assert(!sameLatents(other, first), "seed 12 restored seed 11's session");
    b.remove();
    const c = await mount({ ...attrs, seed: "12" });
    assert(sameLatents(await latentsOf(c, 0), other), "seed 12's session was not restored");
  });
});
