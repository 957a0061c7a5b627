/**
 * The keyboard focus in `<latent-evolver>`'s history strip: its row of generations is one Tab stop
 * (a roving tabindex, as the grid of images is), not one per generation. Tab enters the row at the
 * generation shown; Left and Right, Home and End move the focus along it (tile-input.ts's
 * `stripIndex`); Enter or Space shows the generation focused. While the focus is in the row, the
 * generation focused is the Tab stop, so that Tab leaves the row from wherever it is.
 *
 * @module
 */

import type { ReactiveControllerHost } from "lit";
import { stripIndex } from "./tile-input.ts";

/**
 * Which generation of the row is in the Tab order, and what the keys on it do.
 *
 * @example
 * ```ts
 * import { HistoryStrip } from "./history-strip.ts";
 * // In the element's view: #strip = new HistoryStrip(host); renderHistory({ ..., stop: #strip.stop(current, count) })
 * ```
 */
export class HistoryStrip {
  #host: ReactiveControllerHost;
  /** The generation focused while the focus is in the row, or `null`. */
  #focused: number | null = null;

  /** @param host The element: updated when the Tab stop moves. */
  constructor(host: ReactiveControllerHost) {
    this.#host = host;
  }

  /**
   * The generation in the Tab order.
   *
   * @param current The generation shown.
   * @param count How many there are.
   * @returns The one focused while the focus is in the row, else the one shown.
   */
  stop(current: number, count: number): number {
    return this.#focused !== null && this.#focused < count ? this.#focused : current;
  }

  /** A generation's button got the focus. @param index The generation. */
  onFocus = (index: number): void => {
    if (this.#focused === index) return;
    this.#focused = index;
    this.#host.requestUpdate();
  };

  /** The focus left a button of the row: out of the row, the generation shown is the stop again. */
  onFocusOut = (e: FocusEvent): void => {
    const row = e.currentTarget as HTMLElement;
    if (e.relatedTarget instanceof Node && row.contains(e.relatedTarget)) return;
    this.#focused = null;
    this.#host.requestUpdate();
  };

  /**
   * A key on a generation's button: Left, Right, Home and End move the focus along the row.
   *
   * @param index The generation.
   * @param e The key.
   */
  onKey = (index: number, e: KeyboardEvent): void => {
    const row = (e.currentTarget as HTMLElement).parentElement!;
    const buttons = row.querySelectorAll<HTMLElement>('[part~="generation"]');
    const to = stripIndex(e, index, buttons.length);
    if (to === null) return;
    e.preventDefault();
    buttons[to]?.focus();
  };
}
