/**
 * Whose the element's prompt is, for restoring a stored one: the page's (its attribute or property)
 * or the element's own (the person's typing, a restore). A stored prompt, the person's, comes back
 * only while the page gives the prompt it gave when it was stored, did not set another while the
 * worker started, and the person had not typed one that was not stored yet when the worker started
 * (typing is stored after a pause, and the stored state is read as the worker starts).
 *
 * The field never shows a prompt about to be replaced: until the stored state is read (a quick
 * IndexedDB read as the first worker starts) it shows nothing, then the stored prompt where that is
 * to come back, until the worker is ready and the element's prompt is it. Typing meanwhile is the
 * person's prompt, and shows. The stored prompt comes back even where the stored session does not
 * (storage that cannot be read, a session of another model): it is the person's, which the field
 * has shown since, and their new session is rendered with it, rather than the field going back to
 * the page's prompt.
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
 * owner.type(); // the person types next
 * ```
 */
export class PromptOwner {
  /** The prompt the page last gave: stored with the UI state. */
  page = "";
  /** The prompt when the worker last started. */
  #atStart = "";
  /** The next change is the element's own. */
  #own = false;
  /** The person typed a prompt that is not stored yet. */
  #typed = false;
  /** {@link #typed} when the worker last started. */
  #typedAtStart = false;
  /** What the field shows in place of the prompt while the stored state is unknown, else `null`. */
  #shown: string | null = null;
  /** The stored UI state read as the worker last started, until it is ready. */
  #read: UiState | null = null;

  /**
   * The prompt field's value.
   *
   * @param prompt The element's prompt.
   * @returns The prompt, or what shows in its place while the worker starts.
   */
  field(prompt: string): string {
    return this.#shown ?? prompt;
  }

  /** The stored state is to be read before the element's prompt is known: the field shows nothing. */
  reading(): void {
    this.#shown = "";
  }

  /**
   * The stored state was read as a worker starts: the field shows the stored prompt where it is to
   * come back (see {@link restores}), else the element's.
   *
   * @param ui The stored UI state, if any.
   * @param prompt The element's prompt now.
   */
  read(ui: UiState | null, prompt: string): void {
    this.#read = ui;
    this.#shown = this.restores(ui, prompt) ? ui.prompt : null;
  }

  /**
   * The stored prompt that comes back as the worker is ready, whether or not the stored session did.
   *
   * @param prompt The element's prompt now.
   * @returns The stored prompt read as the worker started, where it replaces `prompt` (see
   *   {@link restores}), else `null`.
   */
  comingBack(prompt: string): string | null {
    const ui = this.#read;
    return this.restores(ui, prompt) ? ui.prompt : null;
  }

  /** The worker is ready (its stored prompt restored, or not to be): the field shows the element's prompt. */
  settled(): void {
    this.#shown = null;
    this.#read = null;
  }

  /** A worker starts with this prompt. */
  started(prompt: string): void {
    this.#atStart = prompt;
    this.#typedAtStart = this.#typed;
  }

  /** The element sets the prompt itself next (typing, a restore); call only for a value that differs. */
  own(): void {
    this.#own = true;
  }

  /** The person types the next prompt; call only for a value that differs. */
  type(): void {
    this.own();
    this.#typed = true;
    this.#shown = null;
  }

  /** The prompt was stored (or would have been, where this tab does not save). */
  stored(): void {
    this.#typed = false;
  }

  /** An update changed the prompt: the page's, unless the element set it. */
  changed(prompt: string): void {
    if (!this.#own) [this.page, this.#shown] = [prompt, null];
    this.#own = false;
  }

  /**
   * Whether the stored prompt replaces the current one as the worker is ready (with the restored
   * session, or with a new one where the stored session did not come back).
   *
   * @param ui The stored UI state, if the session was restored.
   * @param prompt The element's prompt now.
   */
  restores(ui: UiState | null, prompt: string): ui is UiState {
    const pageKept = ui?.pagePrompt === undefined || ui.pagePrompt === this.page;
    const fresh = !this.#typedAtStart; // else the stored prompt is older than the person's
    return ui !== null && ui.prompt !== prompt && prompt === this.#atStart && pageKept && fresh;
  }
}
