/**
 * What clicks and keys on `<latent-evolver>`'s tiles do: a click selects an image, or marks a point
 * on it while marking (or with Shift; Ctrl/Cmd+click and Space select while marking); the arrow keys
 * move the focus between images, or the keyboard marking cursor while marking; Delete removes the
 * image's last point. One image is in the Tab order (the last focused, "active" one), with its
 * points and Save button: the grid is one Tab stop, not three per image. While marking, every image
 * is (the arrow keys move the marker there).
 *
 * @module
 */

import type { ReactiveControllerHost } from "lit";
import type { Point } from "../core/latent.ts";
import type { GenerationHistory } from "./history.ts";
import { clickPoint, type Cursor, movedCursor, navigatedIndex, placeOf } from "./tile-input.ts";
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
 * // In elementParts (element-parts.ts): new TileMarking(host, session.history, selectionChanged, markable);
 * ```
 */
export class TileMarking {
  /** The keyboard marking cursor, or `null`. */
  cursor: Cursor | null = null;
  /** The image in the Tab order (the last one focused). */
  active = 0;
  /**
   * Where the last point was marked or removed, for the live region (a standing message of
   * StatusMessages' `announcement`: told once, with the count it changed), or `null`.
   */
  pointTold: { text: string } | null = null;
  #host: TileMarkingHost;
  #history: GenerationHistory;
  #changed: () => void;
  #markable: (index: number) => boolean;

  /**
   * @param host The element.
   * @param history The history whose shown generation's marks change.
   * @param changed Called after the selection or the points changed.
   * @param markable Whether an image of the generation shown can be selected or marked (one that
   *   was not rendered cannot), saying why where it cannot; it can always be deselected.
   */
  constructor(
    host: TileMarkingHost,
    history: GenerationHistory,
    changed: () => void,
    markable: (index: number) => boolean = () => true,
  ) {
    this.#host = host;
    this.#history = history;
    this.#changed = changed;
    this.#markable = markable;
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
    const { current, marks, shown } = this.#history;
    return {
      generation: current,
      active: Math.max(0, Math.min(this.active, (shown?.size ?? 1) - 1)),
      selected: new Set(marks.selected(current)),
      points: marks.points[current] ?? {},
      mode: evolve.mode,
      reach: evolve.reach,
      busy: evolve.busy,
      marking: this.#host.marking,
      cursor: this.cursor,
      onActivate: (i, e) => this.onClick(i, e),
      onKey: (i, e) => this.onKey(i, e),
      onKeyUp: (e) => this.onKeyUp(e),
      onFocus: (i) => this.onFocus(i),
      onRemovePoint: (i, p) => this.removePoint(i, p),
      onSave,
    };
  }

  /** A click (or Enter/Space) on an image. @param index The image. @param e The click. */
  onClick(index: number, e: MouseEvent): void {
    if (this.#host.marking && (e.ctrlKey || e.metaKey)) this.#toggle(index);
    else if (this.#host.marking || e.shiftKey) {
      const canvas = (e.currentTarget as HTMLElement).querySelector("canvas")!;
      this.#addPoint(index, clickPoint(e, canvas, this.cursor, index));
    } else this.#toggle(index);
  }

  /** Focus entered a tile: it becomes the one in the Tab order. @param index The image. */
  onFocus(index: number): void {
    if (index === this.active) return;
    this.active = index;
    this.#host.requestUpdate();
  }

  /**
   * A key released on an image. Space while marking selects on its way down; a button clicks on
   * Space's way up, which Firefox does even after the keydown's `preventDefault`, and that click
   * would mark a point too.
   *
   * @param e The key.
   */
  onKeyUp(e: KeyboardEvent): void {
    if (this.#host.marking && e.key === " ") e.preventDefault();
  }

  /** A key on an image. @param index The image. @param e The key. */
  onKey(index: number, e: KeyboardEvent): void {
    const { current, marks } = this.#history;
    const marking = this.#host.marking;
    const moved = marking ? movedCursor(e, this.cursor, index) : null;
    const to = marking ? null : navigatedIndex(e, index, this.#history.shown?.size ?? 0, this.#columns());
    if (moved) {
      e.preventDefault();
      this.cursor = moved;
      this.#host.requestUpdate();
    } else if (to !== null) {
      e.preventDefault();
      this.#image(to)?.focus();
    } else if (marking && e.key === " ") {
      // Enter marks while marking; Space keeps selecting (and deselecting), as a checkbox does.
      e.preventDefault();
      if (!e.repeat) this.#toggle(index);
    } else if ((e.key === "Delete" || e.key === "Backspace") && marks.pointsOn(current, index).length) {
      e.preventDefault();
      this.removePoint(index, marks.pointsOn(current, index).length - 1);
    }
  }

  /** Removes one point. @param index The image. @param pointIndex The point's position in its list. */
  removePoint(index: number, pointIndex: number): void {
    const { current, marks } = this.#history;
    const point = marks.pointsOn(current, index)[pointIndex];
    if (!point) return;
    marks.removePoint(current, index, pointIndex);
    this.pointTold = { text: `Point removed from image ${index + 1}, ${placeOf(point)}.` };
    this.#changed();
    // Keep keyboard focus in the tile once its point button is gone.
    void this.#host.updateComplete.then(() => this.#image(index)?.focus());
  }

  #image(index: number): HTMLElement | null {
    return this.#host.renderRoot.querySelector<HTMLElement>(`[part~="image-button"][data-index="${index}"]`);
  }

  /** Columns the grid is laid out in now (its resolved tracks), for the up and down arrows. */
  #columns(): number {
    const grid = this.#host.renderRoot.querySelector<HTMLElement>('[part~="grid"]');
    return grid ? getComputedStyle(grid).gridTemplateColumns.split(" ").filter(Boolean).length : 1;
  }

  #toggle(index: number): void {
    const { current, marks } = this.#history;
    if (!marks.selected(current).includes(index) && !this.#markable(index)) return;
    marks.toggle(current, index);
    this.#changed();
  }

  #addPoint(index: number, point: Point): void {
    const { current, marks } = this.#history;
    if (!this.#markable(index)) return;
    marks.addPoint(current, index, point);
    const number = marks.pointsOn(current, index).length;
    this.pointTold = { text: `Point ${number} on image ${index + 1}, ${placeOf(point)}.` };
    this.#changed();
  }
}
