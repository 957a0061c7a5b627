/**
 * What clicks and keys on `<latent-evolver>`'s tiles do to the marks of the generation shown: a
 * click selects an image, or marks a point on it while marking (or with Shift); the arrow keys move
 * the keyboard marking cursor; Delete removes the image's last point.
 *
 * @module
 */

import type { ReactiveControllerHost } from "lit";
import type { Point } from "../core/latent.ts";
import type { GenerationHistory } from "./history.ts";
import { clickPoint, type Cursor, movedCursor } from "./tile-input.ts";
import type { TileContext } from "./latent-evolver.render.ts";

/** The element whose tiles are marked. */
export type TileMarkingHost = ReactiveControllerHost & {
  /** True while clicks mark points instead of selecting. */
  readonly marking: boolean;
  readonly renderRoot: HTMLElement | DocumentFragment;
};

/**
 * Applies tile input to the history's marks and keeps the keyboard marking cursor.
 *
 * @example
 * ```ts
 * import { TileMarking } from "./tile-marking.ts";
 * // In the element: #tiles = new TileMarking(this, this.#history, () => this.#selectionChanged());
 * ```
 */
export class TileMarking {
  /** The keyboard marking cursor, or `null`. */
  cursor: Cursor | null = null;
  #host: TileMarkingHost;
  #history: GenerationHistory;
  #changed: () => void;

  /**
   * @param host The element.
   * @param history The history whose shown generation's marks change.
   * @param changed Called after the selection or the points changed.
   */
  constructor(host: TileMarkingHost, history: GenerationHistory, changed: () => void) {
    this.#host = host;
    this.#history = history;
    this.#changed = changed;
  }

  /**
   * What the tile templates need to show the marks of the generation shown and to send input here.
   *
   * @param evolve Change or keep the marked regions (colours the dots), how far an edit reaches, and
   * whether the generation shown is rendering.
   * @param onSave Downloads an image.
   * @returns The context.
   */
  context(evolve: Pick<TileContext, "mode" | "reach" | "busy">, onSave: TileContext["onSave"]): TileContext {
    const { current, marks } = this.#history;
    return {
      generation: current,
      selected: new Set(marks.selected(current)),
      points: marks.points[current] ?? {},
      mode: evolve.mode,
      reach: evolve.reach,
      busy: evolve.busy,
      marking: this.#host.marking,
      cursor: this.cursor,
      onActivate: (i, e) => this.onClick(i, e),
      onKey: (i, e) => this.onKey(i, e),
      onRemovePoint: (i, p) => this.removePoint(i, p),
      onSave,
    };
  }

  /** A click (or Enter/Space) on an image. @param index The image. @param e The click. */
  onClick(index: number, e: MouseEvent): void {
    if (this.#host.marking || e.shiftKey) {
      const canvas = (e.currentTarget as HTMLElement).querySelector("canvas")!;
      this.#addPoint(index, clickPoint(e, canvas, this.cursor, index));
    } else this.#toggle(index);
  }

  /** A key on an image. @param index The image. @param e The key. */
  onKey(index: number, e: KeyboardEvent): void {
    const { current, marks } = this.#history;
    const moved = this.#host.marking ? movedCursor(e, this.cursor, index) : null;
    if (moved) {
      e.preventDefault();
      this.cursor = moved;
      this.#host.requestUpdate();
    } else if ((e.key === "Delete" || e.key === "Backspace") && marks.pointsOn(current, index).length) {
      e.preventDefault();
      this.removePoint(index, marks.pointsOn(current, index).length - 1);
    }
  }

  /** Removes one point. @param index The image. @param pointIndex The point's position in its list. */
  removePoint(index: number, pointIndex: number): void {
    this.#history.marks.removePoint(this.#history.current, index, pointIndex);
    this.#changed();
    // Keep keyboard focus in the tile once its point button is gone.
    void this.#host.updateComplete.then(() =>
      this.#host.renderRoot.querySelector<HTMLElement>(`[part~="image-button"][data-index="${index}"]`)
        ?.focus()
    );
  }

  #toggle(index: number): void {
    this.#history.marks.toggle(this.#history.current, index);
    this.#changed();
  }

  #addPoint(index: number, point: Point): void {
    this.#history.marks.addPoint(this.#history.current, index, point);
    this.#changed();
  }
}
