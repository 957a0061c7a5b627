/**
 * What `<latent-evolver>` tells the person about their last action, apart from its attribute
 * problems: the error it ended with (also fired as `le-error`), a notice of what it did (with a
 * button that undoes it, where it can be undone), and the line a screen reader is told.
 *
 * @module
 */

import type { ReactiveControllerHost } from "lit";
import { LatentEvolverErrorEvent } from "./events.ts";
import { plural } from "./latent-evolver.render.ts";
import { failure, importRefusal } from "./plain-errors.ts";
import { type Notice, noticeWords, retryText } from "./status.render.ts";
import type { ServerRetry } from "./worker/protocol.ts";

/** What an Evolve with nothing selected asks for: guidance, not an error, which a selection makes stale. */
const SELECT_FIRST = "Select at least one image to evolve from, or press New batch.";

/** The standing message while another tab saves the session. */
const SAVED_ELSEWHERE = { text: "Open in another tab, which saves it: changes here are not saved." };

/**
 * The error and notice shown, each cleared when the person acts again.
 *
 * @example
 * ```ts
 * import { StatusMessages } from "./status-messages.ts";
 * // In elementParts (element-parts.ts): const messages = new StatusMessages(host);
 * ```
 */
export class StatusMessages {
  /** The error shown, or "". */
  error = "";
  /** The developer's message behind the error shown, and the error it was given with. */
  #details = { error: "", details: "" };
  /** What the last action did, or `null`. */
  notice: Notice | null = null;
  #host: ReactiveControllerHost & EventTarget;
  /** The notice an import on its way took the place of, given back if the file is refused. */
  #beforeImport: Notice | null = null;
  /** What a worker that ended left undone, said once the next one runs (see {@link started}). */
  #untold: { message: string; cause: unknown } | null = null;
  /**
   * Notices that only say where the last move landed (see {@link sameAnswer}, {@link broughtBack}):
   * the next selection or point is on from there, and they go.
   */
  #passing = new WeakSet<Notice>();
  /** The error of {@link notRendered}, which the next selection or point makes stale. */
  #stale = "";
  /** Each standing message told, with the rest of the line it was told with (`null` once that changed). */
  #toldWith = new Map<{ text: string }, string | null>();
  /** The standing message of each server retry (a new one per change, see {@link announcement}). */
  #retries = new WeakMap<ServerRetry, { text: string }>();

  /** @param host The element: updated on a change, and the target of `le-error`. */
  constructor(host: ReactiveControllerHost & EventTarget) {
    this.#host = host;
  }

  /** Clears the error and the notice, as an action starts. */
  clear(): void {
    this.error = "";
    this.notice = null;
    this.#host.requestUpdate();
  }

  /**
   * The developer's message behind the error shown, where the error is worded for people (see
   * plain-errors.ts), or `""`: shown folded under it, and given in `le-error`'s `details`.
   */
  get errorDetails(): string {
    return this.#details.error === this.error ? this.#details.details : "";
  }

  /**
   * Shows an error and fires `le-error`.
   *
   * @param message What went wrong.
   * @param cause The error behind it.
   * @param details The developer's message, where `message` words it for people.
   */
  showError(message: string, cause?: unknown, details = ""): void {
    this.error = message;
    this.#details = { error: message, details };
    this.#host.requestUpdate();
    this.#host.dispatchEvent(
      new LatentEvolverErrorEvent({ message, cause, ...(details ? { details } : {}) }),
    );
  }

  /**
   * Shows that an action failed, with the error's message, or in words where it is one a person
   * meets (a server not answering), the message kept as its details.
   *
   * @param what The action.
   * @param error Why.
   * @param advice What the site can do about another problem met on the way (a backend the page's
   *   Content-Security-Policy refused), shown as the error's second line; none by default.
   */
  fail(what: string, error: unknown, advice = ""): void {
    const { text, details } = failure(what, error, globalThis.location?.origin ?? "");
    this.showError(advice ? `${text}\n${advice}` : text, error, details);
  }

  /**
   * Evolve was pressed with nothing selected: a notice (told politely, not an alert) that goes at the
   * next selection or point, giving back the Bring back it came over.
   */
  askToSelect(): void {
    this.#pass(SELECT_FIRST);
  }

  /**
   * Hides the last action's error (its box's Dismiss): one that blocks nothing (a refused import, a
   * failed save), which would otherwise stay until the next Evolve.
   */
  dismissError(): void {
    this.error = "";
    this.#host.requestUpdate();
  }

  /**
   * Images that were not rendered (a cancelled or failed render) cannot be selected or evolved from.
   *
   * @param indices Their indices.
   */
  notRendered(indices: number[]): void {
    const which = indices.length === 1
      ? `Image ${indices[0] + 1} was`
      : `Images ${indices.slice(0, -1).map((i) => i + 1).join(", ")} and ${indices.at(-1)! + 1} were`;
    const it = indices.length === 1 ? "it" : "them";
    this.showError(`${which} not rendered, so nothing can be bred from ${it}: render ${it} first.`);
    this.#stale = this.error;
  }

  /**
   * The selection or the points changed: an error that asked for a selection is stale, and so is a
   * notice that said where the last move landed.
   */
  selectionChanged(): void {
    if (this.error === this.#stale) this.error = "";
    if (this.notice && this.#passing.has(this.notice)) this.notice = this.notice.over ?? null;
  }

  /**
   * An Evolve from an earlier generation replaced the later ones.
   *
   * @param from The generation evolved from.
   * @param dropped How many came after it.
   * @param bringBack Puts them back.
   */
  replaced(from: number, dropped: number, bringBack: () => void): void {
    const which = dropped === 1
      ? `Generation ${from + 2} was`
      : `Generations ${from + 2}-${from + 1 + dropped} were`;
    const by = `a new generation ${from + 2}`;
    this.notice = { text: `${which} replaced by ${by}.`, action: { label: "Bring back", run: bringBack } };
    this.#host.requestUpdate();
  }

  /**
   * The backend failed while rendering, and another renders from now on.
   *
   * @param backend The backend that renders now.
   * @param failed The one that failed, and why.
   */
  backendReplaced(backend: string, failed: { backend: string; message: string }): void {
    const why = failed.message.replace(/^failed while rendering: /, "");
    this.#inform(`Rendering on ${backend} now: ${failed.backend} failed (${why}).`);
  }

  /**
   * A model file could not be kept in the browser's cache: the model works, but the next visit
   * downloads it again. Told as a notice, not an error.
   *
   * @param message Which file, and why (a full quota, a response with `Vary: *`).
   */
  modelNotCached(message: string): void {
    this.#inform(
      `The model could not be kept in this browser's cache, so the next visit downloads it again (${message}).`,
    );
  }

  /**
   * A notice that only tells something the worker met on its own: a notice it comes over keeps its
   * Bring back, which still works, shown apart under it (see status.render.ts's `renderNotice`).
   */
  #inform(text: string): void {
    const kept = this.#offered();
    this.notice = kept ? { text, action: kept.action, over: kept } : { text };
    this.#host.requestUpdate();
  }

  /** The notice whose Bring back is offered (under the one shown, or it), or `null`. */
  #offered(): Notice | null {
    const shown = this.notice;
    return shown?.action ? shown.over ?? shown : null;
  }

  /**
   * An Evolve from an earlier generation with the answer it already had: the generation that answer
   * made is shown, rather than bred again (the same answer breeds the same images) over the later ones.
   *
   * @param generation The index of the generation shown: the one the answer made.
   */
  sameAnswer(generation: number): void {
    this.#pass(
      `Generation ${generation} already had this answer: showing generation ${
        generation + 1
      }, which it made.`,
    );
  }

  /**
   * Bring back put back the generations an Evolve replaced: the first of them is shown.
   *
   * @param first The index of the first generation brought back.
   * @param count How many were brought back.
   */
  broughtBack(first: number, count: number): void {
    this.#pass(
      count === 1
        ? `Brought back generation ${first + 1}.`
        : `Brought back generations ${first + 1}-${first + count}.`,
    );
  }

  /**
   * Shows a notice that goes at the next selection or point (see {@link #passing}), keeping the
   * Bring back of the one it comes over, which is given back when it goes.
   */
  #pass(text: string): void {
    this.#inform(text);
    this.#passing.add(this.notice!);
  }

  /**
   * A session file is on its way to the worker: its notice takes the place of the last one, whose
   * Bring back must not be pressed while the session is replaced (a refused file gives it back).
   *
   * @param name The file's name.
   */
  importing(name: string): void {
    this.#beforeImport = this.#offered();
    this.notice = { text: `Importing ${name}…` };
    this.#host.requestUpdate();
  }

  /**
   * The worker ended before it answered an import (it died, or was restarted): said once the next
   * worker runs (see {@link started}), not beside the worker's own error, which its start clears.
   * What the last notice offered went with the worker.
   *
   * @param name The file's name.
   * @param cause The worker's error.
   */
  importCutShort(name: string, cause: unknown): void {
    this.notice = this.#beforeImport = null;
    const message = `Cannot import ${name}: the worker stopped before the import was done. ` +
      "If the session shown is not the file's, import it again.";
    this.#untold = { message, cause };
    this.#host.requestUpdate();
  }

  /** A new worker shows its session: what the last one left undone (see {@link importCutShort}) is said. */
  started(): void {
    const untold = this.#untold;
    this.#untold = null;
    if (untold) this.showError(untold.message, untold.cause);
  }

  /**
   * A session file was imported, or could not be. A failure gives back the notice the import took
   * the place of where its button still works (Bring back: the session stays), not one that only
   * told something (an earlier import).
   *
   * @param name The file's name.
   * @param result Its number of generations, or the error it was refused with.
   * @param replaced The session the import replaced, which Bring back puts back: its number of
   *   generations, and what puts it back. None for a session with nothing to lose.
   */
  imported(
    name: string,
    result: number | unknown,
    replaced?: { generations: number; bringBack: () => void },
  ): void {
    const before = this.#beforeImport;
    this.#beforeImport = null;
    if (typeof result === "number") {
      const text = `Imported ${name}: ${plural(result, "generation")}`;
      this.notice = replaced
        ? {
          text: `${text}, in place of ${plural(replaced.generations, "generation")}.`,
          action: { label: "Bring back", run: replaced.bringBack },
        }
        : { text: `${text}.` };
      this.#host.requestUpdate();
      return;
    }
    this.notice = before ?? (this.notice?.action ? this.notice : null);
    const { text, details } = importRefusal(name, result);
    this.showError(text, result, details);
  }

  /**
   * The line a screen reader is told (a polite live region): the generation shown, whether it is
   * rendering, ready or cut short, where a point was marked or removed, the notice, and that another
   * tab saves the session. It changes with those, not with every image. A live region is read out
   * whole at each change, so the standing messages (the point, the notice, the other tab) are in it
   * only until the rest of the line changes: told once, not again at every Undo or render.
   *
   * @param state What the element shows.
   * @param state.shown The generation shown and how many there are, or `null` before one exists.
   * @param state.rendering The number of images of the generation shown being rendered, or `null`.
   * @param state.missing How many images of the generation shown a cancelled render left out.
   * @param state.loading True while the model loads.
   * @param state.savedElsewhere True while another tab saves the session (this one saves nothing).
   * @param state.marks What is selected and marked on it ({@link marksSummary}): told with the
   *   generation, so a selection or a point marked is heard.
   * @param state.point Where the last point was marked or removed, or `null`: a standing message,
   *   told with the count it changed.
   * @param state.serverRetry The server backend's request waiting to be sent again, or `null`: a
   *   standing message, told at each retry.
   * @returns The line.
   */
  announcement(state: {
    shown: { current: number; count: number } | null;
    marks: string;
    point?: { text: string } | null;
    serverRetry?: ServerRetry | null;
    rendering: number | null;
    missing: number;
    loading: boolean;
    savedElsewhere: boolean;
  }): string {
    const { shown, rendering, missing } = state;
    const parts = state.loading ? ["Loading model…"] : [];
    if (shown) {
      const what = rendering !== null
        ? `rendering ${plural(rendering, "image")}`
        : missing
        ? `${plural(missing, "image")} not rendered`
        : "ready";
      parts.push(`Generation ${shown.current + 1} of ${shown.count}, ${what}.`);
      if (state.marks) parts.push(`${state.marks}.`);
    }
    const rest = parts.join(" ");
    // Each standing message by identity: the same notice given again is told again.
    const standing: { text: string }[] = [
      ...(state.serverRetry ? [this.#retryMessage(state.serverRetry)] : []),
      ...(state.point ? [state.point] : []),
      ...(this.notice ? [this.notice] : []),
      ...(state.savedElsewhere ? [SAVED_ELSEWHERE] : []),
    ];
    for (const told of this.#toldWith.keys()) if (!standing.includes(told)) this.#toldWith.delete(told);
    for (const message of standing) {
      const toldWith = this.#toldWith.get(message);
      if (toldWith === undefined) this.#toldWith.set(message, rest);
      else if (toldWith !== rest) this.#toldWith.set(message, null); // told: not again
    }
    const told = standing.filter((m) => this.#toldWith.get(m) === rest)
      .map((m) => m === this.notice ? noticeWords(this.notice) : m.text);
    return [rest, ...told].join(" ").trim();
  }

  /** The standing message of a server retry: the same one while the retry is the same. */
  #retryMessage(retry: ServerRetry): { text: string } {
    let message = this.#retries.get(retry);
    if (!message) this.#retries.set(retry, message = { text: retryText(retry) });
    return message;
  }
}

/**
 * What is selected and marked on the generation shown, for the status line and the live region.
 *
 * @param selected How many images are selected.
 * @param points How many points are marked, on all its images.
 * @returns `2 selected, 3 points`, `1 selected`, or `""` when nothing is.
 * @example
 * ```ts
 * import { marksSummary } from "./status-messages.ts";
 * marksSummary(2, 1); // "2 selected, 1 point"
 * ```
 */
export function marksSummary(selected: number, points: number): string {
  const parts = [
    ...(selected ? [`${selected} selected`] : []),
    ...(points ? [plural(points, "point")] : []),
  ];
  return parts.join(", ");
}
