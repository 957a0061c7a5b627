// What survives a reload: the session and its UI state in a new element with the same storage key
// (the person's prompt unless the page's changed, the seed), one storage key per element (across
// tabs: tabs.test.ts). A worker restart, a move in the page and time off it: persistence-restart.test.ts.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  loadBundle,
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
import type { PromptChangeEvent } from "../../component/events.ts";
import { deserializeSession } from "../../core/mod.ts";
import { loadUiState, saveUiState, storageKeyFor, type UiState } from "../../component/ui-state.ts";
import { loadSession } from "../../component/worker/session-store.ts";
import { get, set } from "idb-keyval";

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

  it("a stored session that cannot be read is not overwritten by the new one until that changes, and the person is told", async () => {
    const attrs = wasmElement("unreadable");
    const key = storageKeyFor(attrs["storage-key"], "session");
    // A head whose header is not a session's (a broken save).
    const text = new TextEncoder().encode("not a session, from a broken save");
    const header = { id: "h-0123456789abcdef", chunks: 1, bytes: text.length };
    const garbage = { format: 2, revision: "0123456789abcdef", header, parts: [], seed: 11 };
    await set(`${key}#${header.id}#0`, text);
    await set(key, garbage);
    // The UI state that goes with it: kept with it.
    const ui: UiState = {
      version: 1,
      prompt: "typed before the failure",
      pagePrompt: attrs.prompt,
      current: 2,
      selection: { 2: [1] },
      points: { 2: { 1: [{ x: 0.25, y: 0.75 }] } },
      mode: "keep",
      strength: 2,
      radius: 0.2,
    };
    await saveUiState(attrs["storage-key"], ui);
    const errors: string[] = [];
    const onError = (e: Event) => errors.push((e as CustomEvent).detail.message);
    document.addEventListener("le-error", onError);
    try {
      const el = await mount(attrs);
      await settle(el);
      assert(
        errors.length === 1 &&
          /^The saved session could not be read.*: .*header is not valid JSON/.test(errors[0]),
        `errors: ${JSON.stringify(errors)}`,
      );
      assert(el.generationCount === 1, `${el.generationCount} generations`);
      assert(
        JSON.stringify(await get(key)) === JSON.stringify(garbage),
        "the stored session was overwritten at start",
      );
      const kept = await loadUiState(attrs["storage-key"]);
      assert(
        JSON.stringify(kept) === JSON.stringify(ui),
        `the UI state was overwritten: ${JSON.stringify(kept)}`,
      );
      await evolveFrom(el, 0);
      const stored = deserializeSession((await loadSession(key))!.bytes);
      assert(stored.generations.length === 2, "the changed session was not saved");
    } finally {
      document.removeEventListener("le-error", onError);
    }
  });

  it("a stored session that lost a later generation's images restores the ones before it, and says so", async () => {
    const attrs = wasmElement("salvage");
    const key = storageKeyFor(attrs["storage-key"], "session");
    const el = await mount(attrs);
    await evolveFrom(el, 0);
    await evolveFrom(el, 1);
    el.remove();
    await new Promise((r) => setTimeout(r, 300));
    const head = (await get(key)) as { parts: { id: string }[] };
    await set(`${key}#${head.parts[2].id}#0`, undefined);
    const errors: string[] = [];
    const onError = (e: Event) => errors.push((e as CustomEvent).detail.message);
    document.addEventListener("le-error", onError);
    try {
      const again = await mount(attrs);
      assert(again.generationCount === 2 && again.generation === 1, `restored ${again.generationCount}`);
      assert(
        errors.length === 1 &&
          /^The saved session lost the images of generation 3: generations 1-2 were restored/.test(errors[0]),
        `errors: ${JSON.stringify(errors)}`,
      );
      await evolveFrom(again, 0);
      const stored = (await loadSession(key))!;
      assert(!stored.broken && deserializeSession(stored.bytes).generations.length === 3, "not saved again");
    } finally {
      document.removeEventListener("le-error", onError);
    }
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

describe("<latent-evolver> stored prompt", () => {
  it("the person's prompt comes back, unless the page's prompt attribute changed since it was stored", async () => {
    // le-prompt-change tells the page of the person's prompt: typed, and restored; not of its own.
    const told: string[] = [];
    const onPrompt = (e: PromptChangeEvent) => told.push(`${e.detail.reason}: ${e.detail.prompt}`);
    document.addEventListener("le-prompt-change", onPrompt);
    try {
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
      edited.prompt = "set by the page again";
      await settle(edited);
      assert(
        told.join(" | ") === "typed: typed by the person | restored: typed by the person",
        `le-prompt-change: ${JSON.stringify(told)}`,
      );
    } finally {
      document.removeEventListener("le-prompt-change", onPrompt);
    }
  });

  it("after a reload the field never shows the page's prompt that the stored one replaces, from its first render", async () => {
    const attrs = wasmElement("prompt-flash");
    const el = await mount(attrs);
    const input = shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!;
    const rerendered = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    input.value = "sunset over the sea";
    input.dispatchEvent(new Event("input"));
    await rerendered;
    el.remove();
    await new Promise((r) => setTimeout(r, 300));
    // The reloaded element's field, as each of its renders leaves it.
    const again = document.createElement("latent-evolver") as typeof el;
    for (const [k, v] of Object.entries(attrs)) again.setAttribute(k, v);
    const shown: string[] = [];
    again.addController({
      hostUpdated: () => {
        const value = again.shadowRoot?.querySelector<HTMLInputElement>('[part~="prompt"]')?.value;
        if (value !== undefined && value !== shown.at(-1)) shown.push(value);
      },
    });
    const done = waitForEvent<CustomEvent>(again, "le-generation-end", (e) => !e.detail.cancelled);
    document.body.append(again);
    await done;
    await settle(again);
    assert(again.prompt === "sunset over the sea", `prompt restored as "${again.prompt}"`);
    assert(shown.at(-1) === "sunset over the sea", `the field shows ${JSON.stringify(shown.at(-1))}`);
    assert(!shown.includes(attrs.prompt), `the field showed, in turn: ${JSON.stringify(shown)}`);
  });

  it("where the stored session cannot be read, the stored prompt the field shows stays, and renders the new session", async () => {
    const attrs = wasmElement("prompt-unreadable");
    const key = storageKeyFor(attrs["storage-key"], "session");
    // Storage holds the person's prompt, and a session that cannot be read (a broken save).
    const text = new TextEncoder().encode("not a session");
    const header = { id: "h-fedcba9876543210", chunks: 1, bytes: text.length };
    await set(`${key}#${header.id}#0`, text);
    await set(key, { format: 2, revision: "fedcba9876543210", header, parts: [], seed: 11 });
    const ui: UiState = {
      version: 1,
      prompt: "typed before the failure",
      pagePrompt: attrs.prompt,
      current: 0,
      selection: {},
      points: {},
      mode: "change",
      strength: 1,
      radius: 0.15,
    };
    await saveUiState(attrs["storage-key"], ui);
    await loadBundle();
    const el = document.createElement("latent-evolver") as Awaited<ReturnType<typeof mount>>;
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    // The field, as each render leaves it; the renders and what the page is told.
    const shown: string[] = [], starts: string[] = [], told: string[] = [];
    el.addController({
      hostUpdated: () => {
        const value = el.shadowRoot?.querySelector<HTMLInputElement>('[part~="prompt"]')?.value;
        if (value !== undefined && value !== shown.at(-1)) shown.push(value);
      },
    });
    el.addEventListener("le-generation-start", (e) => starts.push((e as CustomEvent).detail.reason));
    el.addEventListener("le-prompt-change", (e) => told.push((e as PromptChangeEvent).detail.reason));
    const done = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    document.body.append(el);
    await done;
    await settle(el);
    await new Promise((r) => setTimeout(r, 400)); // past the pause a changed prompt renders after
    assert(/could not be read/.test(el.shadowRoot!.textContent ?? ""), "the unreadable session is not told");
    assert(el.prompt === ui.prompt, `the element's prompt is "${el.prompt}"`);
    // Nothing while the stored state is read, then the stored prompt: never back to the page's.
    assert(shown.join("|") === `|${ui.prompt}`, `the field showed, in turn: ${JSON.stringify(shown)}`);
    // The new session's images are of that prompt: rendered once, not again for a prompt changed after.
    assert(starts.join() === "first", `renders: ${starts}`);
    assert(told.join() === "restored", `le-prompt-change: ${told}`);
  });

  it("a prompt typed just before the worker restarts is kept, not replaced by the one stored before it", async () => {
    const attrs = wasmElement("typed-restart");
    const el = await mount(attrs);
    const input = shadow(el).querySelector<HTMLInputElement>('[part~="prompt"]')!;
    input.value = "typed just now";
    input.dispatchEvent(new Event("input")); // stored only after a pause in the typing
    const starts: string[] = [];
    el.addEventListener("le-generation-start", (e) => starts.push((e as CustomEvent).detail.reason));
    await el.restartWorker();
    await settle(el);
    await new Promise((r) => setTimeout(r, 400)); // past the pause
    assert(el.prompt === "typed just now", `after the restart, "${el.prompt}"`);
    assert(starts.join() === "restore", `renders after the restart: ${starts}`);
    el.remove();
    await new Promise((r) => setTimeout(r, 300));
    const again = await mount(attrs);
    assert(again.prompt === "typed just now", `stored as "${again.prompt}"`);
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
    await evolveFrom(a, 0); // the answer [0]
    const bred = await latentsOf(a, 1);
    const genomeA = readGenome(new Uint8Array(await (await a.exportImage(0)).arrayBuffer()));
    // Another answer, [0, 2], breeds another generation 2 in its place: the one stored.
    await a.showGeneration(0);
    const other = waitForEvent<CustomEvent>(a, "le-generation-end", (e) => e.detail.generation === 1);
    tiles(a)[2].click();
    await a.evolve();
    await other;
    a.remove();
    const b = await mount(attrs);
    await b.showGeneration(0);
    assert(b.selected.join() === "0,2", `selection not restored: ${b.selected}`);
    // The first answer again, after the reload: the same batch as before it.
    tiles(b)[2].click();
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
