// One storage key in two tabs of a page: one tab saves (it holds the key's Web Lock), the other shows
// the saved session and saves nothing until it takes over. The test page plays the other tab by
// holding or stealing the lock itself.
import {
  assert,
  cleanup,
  evolveFrom,
  mount,
  sameBytes,
  sessionBytes,
  settle,
  shadow,
  until,
  wasmElement,
} from "./helpers.ts";
import { loadUiState, saveUiState, storageKeyFor } from "../../component/ui-state.ts";
import { loadSession, type SavedSession, saveSession } from "../../component/worker/session-store.ts";
import { deserializeSession, generationBytes, serializeSession, sessionHeader } from "../../core/mod.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

/**
 * Plays the other tab: holds the storage key's Web Lock (as an element there would) until released.
 *
 * @param key The storage key.
 * @param options `steal: true` takes it from its holder (that tab's Use here).
 * @returns Once the lock is held: `release`, and `stolen()`, true once this tab lost it to a steal.
 */
async function holdInAnotherTab(
  key: string,
  options: { steal?: boolean } = {},
): Promise<{ release: () => void; stolen: () => boolean }> {
  let release!: () => void, stolen = false;
  const held = new Promise<void>((resolve) => (release = resolve));
  await new Promise<void>((granted) => {
    navigator.locks.request(`latent-evolver:${key}`, options, () => (granted(), held))
      .catch((e: DOMException) => (stolen = e.name === "AbortError"));
  });
  return { release, stolen: () => stolen };
}

/** The saved session's bytes under a storage key. */
async function storedBytes(key: string): Promise<Uint8Array | undefined> {
  return (await loadSession(storageKeyFor(key, "session")))?.bytes;
}

/**
 * The element's session as storage holds it: its exported file without the answer being given to the
 * last generation (`pending`), which the file carries and the stored session does not.
 */
async function sessionOf(el: LatentEvolverElement): Promise<Uint8Array> {
  return serializeSession(deserializeSession(await sessionBytes(el)));
}

/** Saves what the other tab saved before: the same session, with its parts' ids. */
async function saveAgain(key: string, saved: SavedSession): Promise<void> {
  const session = deserializeSession(saved.bytes);
  await saveSession(storageKeyFor(key, "session"), {
    header: sessionHeader(session),
    parts: session.generations.map((g, i) => ({ id: saved.parts![i].id, bytes: () => generationBytes(g) })),
    seed: saved.seed,
  });
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
    const { release } = await holdInAnotherTab(key);
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
    const mine = await sessionOf(viewer);
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
    await saveAgain(key, older!);
    await saveUiState(key, olderUi!);
    const { release } = await holdInAnotherTab(key);
    const viewer = await mount(attrs);
    assert(viewer.generationCount === 2, `restored ${viewer.generationCount} generations, not 2`);
    await evolveFrom(viewer, 0); // not saved, as the note says
    await saveAgain(key, last);
    await saveUiState(key, lastUi);
    release();
    await until(
      async () => sameBytes(await sessionOf(viewer).catch(() => new Uint8Array()), last.bytes),
      "the last saved session is shown",
    );
    await settle(viewer);
    assert(savedElsewhereNote(viewer) === null, "the note stays after taking over");
    assert(sameBytes((await storedBytes(key))!, last.bytes), "the other tab's newer session was overwritten");
  });

  it("Use here takes the key from the other tab and saves this one's changes; taken back, this one stops saving", async () => {
    const attrs = wasmElement("tabs-use-here");
    const key = attrs["storage-key"];
    const other = await holdInAnotherTab(key);
    const el = await mount(attrs);
    await evolveFrom(el, 0);
    await settle(el);
    assert((await storedBytes(key)) === undefined, "saved while another tab held the key");
    const useHere = savedElsewhereNote(el)?.querySelector<HTMLButtonElement>('[part~="use-here"]');
    assert(useHere, "no Use here button in the note");
    useHere.focus();
    useHere.click();
    const mine = await sessionOf(el);
    await until(async () => sameBytes((await storedBytes(key)) ?? new Uint8Array(), mine), "saved here");
    assert(other.stolen(), "the other tab still holds the key");
    await settle(el);
    assert(savedElsewhereNote(el) === null, "the note stays after Use here");
    // The button went with the note: the keyboard's focus went to the generation shown.
    const focused = shadow(el).activeElement;
    assert(focused?.matches('[part~="generation"][aria-current="true"]'), `focus on ${focused?.outerHTML}`);
    other.release();

    // The other tab's Use here: this one is told, shows the note and saves nothing more.
    const back = await holdInAnotherTab(key, { steal: true });
    await until(() => savedElsewhereNote(el) !== null, "the note is shown");
    await evolveFrom(el, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert(sameBytes((await storedBytes(key))!, mine), "saved after the other tab took the key");
    back.release();
  });
});
