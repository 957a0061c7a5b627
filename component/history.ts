/**
 * The history of a session as the element holds it: the generations the worker made, which one is
 * shown, and the person's marks on each. Undo and redo only move the shown index; evolving from an
 * earlier generation branches, dropping the generations after it and their marks.
 *
 * @module
 */

import { Marks } from "./marks.ts";
import type { UiState } from "./ui-state.ts";
import type { GenerationView } from "./worker/protocol.ts";

/** Generations, the one shown, and the marks on each. */
export class GenerationHistory {
  /** Every generation of the session, by index. */
  generations: GenerationView[] = [];
  /** Index of the generation shown. */
  current = 0;
  /** Selection and points per generation. */
  marks: Marks = new Marks();

  /** The generation shown, or `undefined` before the first. */
  get shown(): GenerationView | undefined {
    return this.generations[this.current];
  }

  /** Selected image indices of the generation shown. */
  get selected(): number[] {
    return this.marks.selected(this.current);
  }

  /**
   * Replaces the whole history: a session the worker started, restored or imported.
   *
   * @param generations Every generation.
   * @param ui Stored UI state to show (its generation, selection and points), or `null` to show the
   *   last generation with no marks.
   * @example
   * ```ts
   * import { GenerationHistory } from "./history.ts";
   * const history = new GenerationHistory();
   * history.reset([], null);
   * history.generations.length; // 0
   * ```
   */
  reset(generations: GenerationView[], ui: Pick<UiState, "current" | "selection" | "points"> | null): void {
    this.generations = generations;
    const last = generations.length - 1;
    this.current = Math.min(Math.max(ui?.current ?? last, 0), last);
    this.marks = new Marks(ui?.selection, ui?.points);
  }

  /**
   * Shows another generation.
   *
   * @param index Generation index.
   * @returns False when there is no such generation or it is already shown.
   */
  show(index: number): boolean {
    if (index < 0 || index >= this.generations.length || index === this.current) return false;
    this.current = index;
    return true;
  }

  /**
   * Adds a generation at its own index and shows it; the generations from that index on, and their
   * marks, are dropped (a new branch). Cut by the generation's index, not by the one shown: the
   * person may have moved in the history, or evolved twice, while the worker bred it.
   *
   * @param gen The new generation.
   */
  branch(gen: GenerationView): void {
    this.generations = this.generations.slice(0, gen.index);
    this.marks.dropAfter(gen.index - 1);
    this.generations.push(gen);
    this.current = gen.index;
  }

  /** @returns What of the history goes to storage: the generation shown, selection and points. */
  persisted(): Pick<UiState, "current" | "selection" | "points"> {
    return { current: this.current, selection: this.marks.selection, points: this.marks.points };
  }
}
