/**
 * Where the keyboard focus and the history strip's scroll go as `<latent-evolver>` moves through its
 * history: a button that removes or disables itself as it is pressed hands the focus to the
 * generation shown, and the strip's row of generations scrolls to that generation's button.
 *
 * @module
 */

import type { SessionState } from "./session-state.ts";

/** Buttons that disable themselves when pressed: their focus goes to the generation shown. */
const SELF_DISABLING = '[part~="undo"], [part~="redo"], [part~="cancel"]';

/** The element whose focus moves. */
export type FocusHost = {
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly shadowRoot: ShadowRoot | null;
};

/**
 * The focus and the history strip's scroll, after each move through the history.
 *
 * @example
 * ```ts
 * import { HistoryFocus } from "./history-focus.ts";
 * // In HistoryActions (history-actions.ts): #focus = new HistoryFocus(host, parts.session);
 * ```
 */
export class HistoryFocus {
  /** The focused button that is to hand the focus on once it is gone (see {@link keepFocus}). */
  #focusFrom: Element | null = null;
  /** The generation and count the history strip's row was last scrolled for. */
  #revealed = "";
  #host: FocusHost;
  #session: SessionState;

  /**
   * @param host The element.
   * @param session Its session state: the generation shown, and how many there are.
   */
  constructor(host: FocusHost, session: SessionState) {
    this.#host = host;
    this.#session = session;
  }

  /** Focuses the history strip's button of the generation shown, or the prompt field before one exists. */
  focusShown(): void {
    const root = this.#host.renderRoot;
    (root.querySelector<HTMLElement>('[part~="generation"][aria-current="true"]') ??
      root.querySelector<HTMLElement>('[part~="prompt"]'))?.focus();
  }

  /**
   * Scrolls the history strip's row of generations (one line that scrolls sideways, so the strip
   * stays one line high under a long grid) to the button of the generation shown, after a render
   * that changed which one that is or how many there are. By hand, not with `scrollIntoView`, which
   * would scroll the page too.
   */
  revealShown(): void {
    const { current, generations } = this.#session.history;
    const key = `${current}/${generations.length}`;
    const row = this.#host.renderRoot.querySelector<HTMLElement>(".generations");
    const shown = row?.querySelector<HTMLElement>('[aria-current="true"]');
    // Only when that changed: the person may have scrolled the row since (or Tabbed along it).
    // Not while hidden (no width): the row is scrolled once it shows.
    if (!row || !shown || !row.clientWidth || key === this.#revealed) return;
    this.#revealed = key;
    const button = shown.getBoundingClientRect();
    // Within the row's border (a line apart from its label) and padding, room for the focus ring.
    const pad = 3, left = row.getBoundingClientRect().left + row.clientLeft + pad;
    const right = left - 2 * pad + row.clientWidth;
    if (button.left < left) row.scrollLeft -= left - button.left;
    else if (button.right > right) row.scrollLeft += button.right - right;
  }

  /**
   * A button that removes itself (Render the rest, Bring back, Try again, Dismiss, Use here) hands the focus
   * to the generation shown: the render after which it is gone does it (see {@link updated}).
   */
  keepFocus(): void {
    this.#focusFrom = this.#host.shadowRoot?.activeElement ?? null;
  }

  /**
   * After each render: where the focused button of {@link keepFocus} is gone, and the focus with it
   * (not moved elsewhere by the person), focuses the generation shown. So does a history button that
   * disabled itself as it was pressed.
   */
  updated(): void {
    this.#handFocusOn();
    // A history button that disables itself (Undo at the first generation, Cancel once done) would
    // drop the focus to the page: it goes to the generation shown instead.
    const focused = this.#host.shadowRoot?.activeElement;
    if (focused instanceof HTMLButtonElement && focused.disabled && focused.matches(SELF_DISABLING)) {
      this.focusShown();
    }
  }

  /** The focus of the button of {@link keepFocus}, once that is gone, to the generation shown. */
  #handFocusOn(): void {
    const from = this.#focusFrom;
    if (!from || from.isConnected) return;
    this.#focusFrom = null;
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (lost && !this.#host.shadowRoot?.activeElement) this.focusShown();
  }
}
