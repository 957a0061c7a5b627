/**
 * Whose the element's prompt is, for restoring a stored one: the page's (its attribute or property)
 * or the element's own (the person's typing, a restore). A stored prompt, the person's, comes back
 * only while the page gives the prompt it gave when it was stored, and did not set another while the
 * worker started.
 *
 * @module
 */
import type { UiState } from "./ui-state.ts";

/**
 * Tracks who set the prompt last.
 *
 * @example
 * ```ts
 * const owner = new PromptOwner();
 * owner.changed("a fjord"); // the page's attribute
 * owner.own(); // the person types next
 * ```
 */
export class PromptOwner {
  /** The prompt the page last gave: stored with the UI state. */
  page = "";
  /** The prompt when the worker last started. */
  #atStart = "";
  /** The next change is the element's own. */
  #own = false;

  /** A worker starts with this prompt. */
  started(prompt: string): void {
    this.#atStart = prompt;
  }

  /** The element sets the prompt itself next (typing, a restore); call only for a value that differs. */
  own(): void {
    this.#own = true;
  }

  /** An update changed the prompt: the page's, unless the element set it. */
  changed(prompt: string): void {
    if (!this.#own) this.page = prompt;
    this.#own = false;
  }

  /**
   * Whether the stored prompt replaces the current one as the restored session is shown.
   *
   * @param ui The stored UI state, if the session was restored.
   * @param prompt The element's prompt now.
   */
  restores(ui: UiState | null, prompt: string): ui is UiState {
    const pageKept = ui?.pagePrompt === undefined || ui.pagePrompt === this.page;
    return ui !== null && ui.prompt !== prompt && prompt === this.#atStart && pageKept;
  }
}
