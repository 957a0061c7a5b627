/**
 * `<latent-evolver>`'s moves through its history of generations: Evolve (and New batch), showing a
 * generation, bringing back the generations an Evolve replaced, importing a session file, rendering
 * what a cancel left out or a failure did not render, and rendering again after a prompt change.
 * Each keeps the worker, the element's state, storage, the events and the person's focus in step.
 *
 * @module
 */

import type { ReactiveControllerHost } from "lit";
import { type GenerationReason, SelectionChangeEvent } from "./events.ts";
import { HistoryFocus } from "./history-focus.ts";
import type { Dropped, SessionState, ShownMarks } from "./session-state.ts";
import type { StatusMessages } from "./status-messages.ts";
import type { TileMarking } from "./tile-marking.ts";
import type { EngineApi, GenerationView } from "./worker/protocol.ts";
import type { UiState } from "./ui-state.ts";

/** What renders a generation whose render was cancelled before it started: nothing, cancelled. */
const CANCELLED: Pick<EngineApi, "render"> = {
  render: () => Promise.reject(new DOMException("The render was cancelled before it started", "AbortError")),
};

/**
 * Whether a call failed because its worker ended before answering (it died, was restarted, or the
 * element left the page): nothing the person should hear of from the call itself (a death says so).
 */
function ended(error: unknown): boolean {
  return (error as Error)?.name === "AbortError";
}

/** The element whose history moves. */
export type HistoryHost = ReactiveControllerHost & EventTarget & {
  /** The prompt images are rendered with. */
  readonly prompt: string;
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly shadowRoot: ShadowRoot | null;
};

/** What the moves change besides the element. */
export type HistoryParts = {
  session: SessionState;
  messages: StatusMessages;
  tiles: TileMarking;
  /** The worker's API, or `null` while none runs. */
  api: () => EngineApi | null;
  /** Stores the UI state. */
  persist: () => void;
};

/**
 * The element's history moves.
 *
 * @example
 * ```ts
 * import { HistoryActions } from "./history-actions.ts";
 * // In elementParts (element-parts.ts): new HistoryActions(host, { session, messages, tiles, api, persist });
 * ```
 */
export class HistoryActions {
  /** The worker's answer while it breeds a generation (see {@link evolve}), else `null`. */
  #breeding: Promise<unknown> | null = null;
  /** True when a cancel came while the worker bred: the render of what it breeds is cancelled as it starts. */
  #cancelBred = false;
  /** The worker's answer while it imports a session or brings one back (see {@link #swap}), else `null`. */
  #swapping: Promise<unknown> | null = null;
  /** Where the focus and the history strip's scroll go after each move. */
  #focus: HistoryFocus;
  #host: HistoryHost;
  #parts: HistoryParts;

  /**
   * @param host The element.
   * @param parts Its session state, messages, tiles, worker and storage.
   */
  constructor(host: HistoryHost, parts: HistoryParts) {
    this.#host = host;
    this.#parts = parts;
    this.#focus = new HistoryFocus(host, parts.session);
  }

  /**
   * True while an import or a Bring back is on its way (see {@link #swap}): the session shown is on
   * its way out, and what acts on it (Evolve, the history's moves, an image's Save) is ignored.
   */
  get swapping(): boolean {
    return this.#swapping !== null;
  }

  /** True from an Evolve's press until its render ends (while it breeds, too): Cancel is offered. */
  get busy(): boolean {
    return this.#parts.session.renderer.busy || this.#breeding !== null;
  }

  /**
   * Cancels the render in flight; pressed while the worker breeds, the render of what it breeds (it
   * shows none of its images, and offers to render them).
   */
  cancel(): void {
    if (this.#breeding) this.#cancelBred = true;
    this.#parts.api()?.cancel();
  }

  /**
   * Breeds the next generation from the selection and points of the generation shown, and renders
   * it. From an earlier generation, the later ones are replaced, and the notice offers them back.
   * One the worker refuses changes nothing: the notice's Bring back, gone while it bred, comes back.
   *
   * @param fresh True for a new batch of fresh diverse latents instead.
   * @returns When the new generation is rendered (or replaced/cancelled).
   */
  async evolve(fresh: boolean): Promise<void> {
    const { session, messages, tiles } = this.#parts;
    const api = this.#parts.api();
    // A second press while the worker breeds would breed from the same generation again, replacing
    // the first's (and what Bring back would put back): it is one press. While the worker swaps in
    // another session, the one shown is on its way out.
    if (!api || !session.started || this.#breeding || this.#swapping) return;
    const feedback = session.feedback(fresh);
    if (!fresh && !feedback.selected.length) {
      messages.askToSelect();
      return;
    }
    const unrendered = feedback.selected.filter((i) => session.unrendered(i));
    if (!fresh && unrendered.length) return messages.notRendered(unrendered);
    this.#cancelBred = false;
    // A Bring back goes while the worker breeds (pressed then, it is ignored). An Evolve the worker
    // refuses changed nothing, and the worker still keeps what Bring back puts back: it is offered again.
    const offered = messages.notice?.action ? messages.notice : null;
    try {
      messages.clear();
      const { current, generations } = session.history;
      // Evolving from an earlier generation drops the later ones: they can be brought back.
      const dropped = generations.length - 1 - current;
      const marks = dropped ? session.marksAfterShown() : null;
      // Unset before this goes on, so an import waiting for it starts once the generation is shown.
      const bred = api.evolve(current, feedback).finally(() => (this.#breeding = null));
      this.#breeding = bred;
      this.#host.requestUpdate(); // Cancel is offered
      const gen = await bred.catch((error) => {
        // A worker that ended kept nothing; a notice that came meanwhile says something newer.
        if (offered && !ended(error) && messages.notice === null) messages.notice = offered;
        throw error;
      });
      // A prompt changed since the last render: the images kept are of the old one.
      if (this.#host.prompt !== session.renderer.renderedPrompt) session.renderer.bitmaps.clear();
      if (gen.existing) {
        // The answer this generation already had: the next one is what it made, and the later ones stay.
        messages.sameAnswer(gen.index);
        return await this.show(gen.index);
      }
      session.branch(gen, feedback);
      tiles.cursor = null;
      if (marks) messages.replaced(current, dropped, () => void this.#bringBack(marks));
      this.#parts.persist();
      this.#host.dispatchEvent(new SelectionChangeEvent(session.selection()));
      await this.renderShown(fresh ? "new-batch" : "evolve");
    } catch (error) {
      // The worker was ended while it bred (a restart, the element removed, another tab's newer
      // session taken over): nothing failed that the person should hear of. A death says so itself.
      if (ended(error)) return;
      messages.fail("Evolve failed", error);
      // A prompt typed meanwhile was left to this Evolve's batch (see promptChanged): none came.
      if (this.#host.prompt !== session.renderer.renderedPrompt) this.promptChanged(0);
    } finally {
      this.#cancelBred = false;
      this.#host.requestUpdate(); // Cancel goes where nothing renders
    }
  }

  /**
   * Shows a generation, rendering it if its images were released.
   *
   * @param index Generation index.
   * @returns When it is shown and rendered.
   */
  async show(index: number): Promise<void> {
    // While another session is swapped in, the one shown is on its way out: its render would land on
    // the other (and fail, or show its images), and the swap shows the other's generation anyway.
    if (!this.#swapping && this.#parts.session.show(index)) await this.#shown();
  }

  /**
   * Replaces the session with one from a file made by the element's `exportSession`, and renders
   * it with the selection, points and settings its last generation had there; the notice's Bring back puts the session it replaced back, with its marks, until the session
   * next changes (not offered for a session as it started, with nothing to lose: the worker does
   * not keep that one). A file that is not a session changes nothing and says why. One the worker
   * ended before answering is said to be cut short once a new worker runs.
   *
   * @param file The session file.
   * @returns When the imported session is rendered, or the import failed.
   */
  async importFile(file: Blob): Promise<void> {
    const { messages, session } = this.#parts;
    if (!this.#parts.api()) return;
    const name = file instanceof File && file.name ? file.name : "the session";
    // The last error goes; a notice (Bring back) gives way to the import's while it is on its way,
    // and stays unless the import replaces the session.
    messages.error = "";
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // A generation being bred lands first: it must not land on the imported history. So does an
      // import or a Bring back on its way: its session is the one this import replaces.
      while (this.#breeding || this.#swapping) await (this.#breeding ?? this.#swapping)!.catch(() => {});
      // Read again: the worker may have been restarted meanwhile (the one read before is ended).
      const api = this.#parts.api();
      if (!api) return messages.importCutShort(name, new Error("the worker was restarted"));
      const marks = session.shownMarks();
      const replaced = session.untouched ? undefined : {
        generations: session.history.generations.length,
        bringBack: () => void this.#bringBackImported(marks),
      };
      messages.importing(name);
      const imported = await this.#swap(api.importSession(bytes, replaced !== undefined));
      messages.imported(name, imported.generations.length, replaced);
      await this.#showSwapped(imported.generations, session.importedMarks(imported));
    } catch (error) {
      if (ended(error)) messages.importCutShort(name, error);
      else messages.imported(name, error);
    }
  }

  /**
   * Shows a whole new session (imported, or the worker's after a start): no keyboard marker, and the
   * page hears of the selection it brings.
   *
   * @param generations Every generation.
   * @param ui Its stored UI state (or the marks of a session imported or brought back), or `null`.
   */
  replaced(generations: GenerationView[], ui: UiState | ShownMarks | null): void {
    this.#parts.session.reset(generations, ui);
    this.#parts.tiles.cursor = null;
    this.#host.dispatchEvent(new SelectionChangeEvent(this.#parts.session.selection()));
  }

  /**
   * Renders the generation shown with the prompt.
   *
   * @param reason Why, for the events.
   * @returns When the render has ended.
   */
  renderShown(reason: GenerationReason): Promise<void> {
    const cancelled = this.#cancelBred;
    this.#cancelBred = false;
    return this.#parts.session.render(cancelled ? CANCELLED : this.#parts.api(), this.#host.prompt, reason);
  }

  /**
   * An image of the generation shown as a PNG with its genome (see SessionState's `imagePng`). While
   * another session is swapped in, the worker may hold it already: an image that would have to be
   * rendered first is refused, not rendered from the other session's latents.
   *
   * @param index Image index.
   * @param made The prompt, model and seed the image is made with.
   * @returns The PNG.
   */
  imagePng(index: number, made: Parameters<SessionState["imagePng"]>[2]): Promise<Blob> {
    return this.#parts.session.imagePng(this.#swapping ? null : this.#parts.api(), index, made);
  }

  /** Renders the generation shown again after its render failed (the Try again button). */
  retry = (): void => {
    if (this.#swapping) return; // the swap renders the session it brings (see show)
    this.keepFocus();
    this.#parts.messages.error = "";
    void this.renderShown("retry");
  };

  /** Renders the images of the generation shown that a cancelled render left out (Render the rest). */
  renderRest = (): void => {
    const { session } = this.#parts;
    const { current } = session.history;
    if (this.#swapping) return; // the swap renders the session it brings (see show)
    this.keepFocus();
    void session.render(
      this.#parts.api(),
      this.#host.prompt,
      "rest",
      current,
      session.renderer.missing(current),
    );
  };

  /**
   * Renders the generation shown again once the prompt has stopped changing.
   *
   * @param delay Milliseconds to wait for more typing.
   */
  promptChanged(delay: number): void {
    const { session } = this.#parts;
    session.afterPromptChange(delay, async () => {
      // A session on its way in is rendered with the prompt as it is then (see show).
      while (this.#swapping) await this.#swapping.catch(() => {});
      this.#parts.persist();
      // An Evolve pressed meanwhile rendered its new batch with the prompt already. One still
      // breeding will (or, refused, renders the generation shown with it): rendering the generation
      // evolved from now, on a slow machine, would be a render of images about to go.
      if (this.#breeding || this.#host.prompt === session.renderer.renderedPrompt) return;
      session.renderer.bitmaps.clear(); // every kept image is of the old prompt
      void this.renderShown("prompt");
    });
  }

  /**
   * Puts back the generations the last Evolve replaced, with their selections and points, and shows
   * the first of them: what was brought back, not the generation evolved from.
   */
  async #bringBack(dropped: Dropped): Promise<void> {
    const { session, messages } = this.#parts;
    const api = this.#parts.api();
    if (!api || this.#breeding || this.#swapping) return;
    messages.clear(); // its button goes: a second press would find nothing to bring back
    this.keepFocus();
    try {
      const generations = await this.#swap(api.restoreReplaced());
      session.unbranch(generations, dropped);
      session.show(dropped.from + 1);
      messages.broughtBack(dropped.from + 1, generations.length - 1 - dropped.from);
      await this.#shown();
    } catch (error) {
      if (!ended(error)) messages.fail("Cannot bring back the generations", error);
    }
  }

  /**
   * Puts back the session the last import replaced, with the generation it showed and its marks as
   * they were then.
   */
  async #bringBackImported(marks: ShownMarks): Promise<void> {
    const { messages } = this.#parts;
    const api = this.#parts.api();
    if (!api || this.#breeding || this.#swapping) return;
    messages.clear(); // its button goes: a second press would find nothing to bring back
    this.keepFocus();
    try {
      await this.#showSwapped(await this.#swap(api.restoreImported()), marks);
    } catch (error) {
      if (!ended(error)) messages.fail("Cannot bring back the session before the import", error);
    }
  }

  /**
   * Waits for the worker to swap in another session, with {@link #swapping} set meanwhile (unset
   * before the caller goes on, so an import waiting for it starts once that session is shown).
   */
  #swap<T>(swapped: Promise<T>): Promise<T> {
    const done = swapped.finally(() => (this.#swapping = null));
    this.#swapping = done;
    return done;
  }

  /** Shows a session the worker swapped in (imported, or brought back), stored and rendered. */
  async #showSwapped(generations: GenerationView[], marks: ShownMarks | null): Promise<void> {
    this.replaced(generations, marks);
    this.#parts.persist();
    await this.renderShown("restore");
  }

  /** After the generation shown changed: no marker, stored, announced, and rendered if it must be. */
  async #shown(): Promise<void> {
    const { session } = this.#parts;
    this.#parts.tiles.cursor = null;
    this.#parts.persist();
    this.#host.dispatchEvent(new SelectionChangeEvent(session.selection()));
    if (session.rendered) this.#host.requestUpdate();
    else await this.renderShown("history");
  }

  /** A button that removes itself hands the focus to the generation shown (HistoryFocus's `keepFocus`). */
  keepFocus(): void {
    this.#focus.keepFocus();
  }

  /** After each render: where the focus goes (HistoryFocus's `updated`). */
  updated(): void {
    this.#focus.updated();
  }

  /** Scrolls the history strip's row to the generation shown (HistoryFocus's `revealShown`). */
  revealShown(): void {
    this.#focus.revealShown();
  }
}
