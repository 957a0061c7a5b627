/**
 * Pointer and keyboard input of `<latent-evolver>`'s tiles, as plain functions of the event: where
 * a click marks a point (and where that is, in words), how the arrow keys move the marking cursor,
 * and which shortcut a key is.
 *
 * @module
 */

import type { Point } from "../core/latent.ts";

/** The keyboard marking cursor: a position on one tile, in [0,1]^2. */
export type Cursor = { index: number; x: number; y: number };

/** An action the element's keyboard shortcuts trigger. */
export type Shortcut = "evolve" | "undo" | "redo" | "cancel" | "stop-marking";

/**
 * Where a marking click on tile `index` puts its point: under the pointer, or at the tile's cursor
 * (its centre when it has none) for a keyboard activation (`detail` 0) or a canvas not laid out.
 *
 * @param e The click.
 * @param canvas The tile's canvas.
 * @param cursor The marking cursor, on any tile, or `null`.
 * @param index The tile's index.
 * @returns The point, in [0,1]^2.
 * @example
 * ```ts
 * import { clickPoint } from "./tile-input.ts";
 * // tile.addEventListener("click", (e) => mark(clickPoint(e, canvas, null, 0)));
 * ```
 */
export function clickPoint(
  e: MouseEvent,
  canvas: HTMLCanvasElement,
  cursor: Cursor | null,
  index: number,
): Point {
  const rect = canvas.getBoundingClientRect();
  if (e.detail === 0 || !rect.width) {
    const c = cursor?.index === index ? cursor : { x: 0.5, y: 0.5 };
    return { x: c.x, y: c.y };
  }
  return {
    x: clamp01((e.clientX - rect.left) / rect.width),
    y: clamp01((e.clientY - rect.top) / rect.height),
  };
}

/**
 * Where a point is on its image, in the words a screen reader says: which of a 3x3 grid's cells it
 * is in, a row (top, middle, bottom) and a column (left, centre, right); the middle cell is the centre.
 *
 * @param point Normalised coordinates, in [0,1]^2.
 * @returns For example `top left`, `bottom centre`, `centre`.
 * @example
 * ```ts
 * import { placeOf } from "./tile-input.ts";
 * placeOf({ x: 0.1, y: 0.2 }); // "top left"
 * ```
 */
export function placeOf(point: Point): string {
  const third = (v: number) => Math.min(2, Math.floor(clamp01(v) * 3));
  const row = ["top", "middle", "bottom"][third(point.y)],
    column = ["left", "centre", "right"][third(point.x)];
  return row === "middle" && column === "centre" ? "centre" : `${row} ${column}`;
}

/**
 * The marking cursor after an arrow key on tile `index`: 1/32 of the image per press, 0.1 with
 * Shift, starting from the centre when the cursor is on another tile.
 *
 * @param e The key.
 * @param cursor The marking cursor, or `null`.
 * @param index The tile's index.
 * @returns The moved cursor, or `null` when the key is not an arrow.
 * @example
 * ```ts
 * import { movedCursor } from "./tile-input.ts";
 * movedCursor(new KeyboardEvent("keydown", { key: "ArrowLeft" }), null, 2); // { index: 2, x: 0.46875, y: 0.5 }
 * ```
 */
export function movedCursor(e: KeyboardEvent, cursor: Cursor | null, index: number): Cursor | null {
  const step = e.shiftKey ? 0.1 : 1 / 32;
  const moves: Record<string, [number, number]> = {
    ArrowLeft: [-step, 0],
    ArrowRight: [step, 0],
    ArrowUp: [0, -step],
    ArrowDown: [0, step],
  };
  if (!moves[e.key]) return null;
  const c = cursor?.index === index ? cursor : { index, x: 0.5, y: 0.5 };
  return { index, x: clamp01(c.x + moves[e.key][0]), y: clamp01(c.y + moves[e.key][1]) };
}

/**
 * The image a key moves the focus to in a grid of `count` images and `columns` columns: the arrow
 * keys step to a neighbour (stopping at the edges), Home and End go to the first and last image.
 * Down from an image with none below it, over a short last row, goes to that row's last image.
 *
 * @param e The key.
 * @param index The image focused.
 * @param count Images in the grid.
 * @param columns Columns the grid is laid out in.
 * @returns The image to focus, or `null` when the key is not one of these or has a modifier.
 * @example
 * ```ts
 * import { navigatedIndex } from "./tile-input.ts";
 * navigatedIndex(new KeyboardEvent("keydown", { key: "ArrowDown" }), 1, 8, 4); // 5
 * ```
 */
export function navigatedIndex(
  e: KeyboardEvent,
  index: number,
  count: number,
  columns: number,
): number | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return null;
  const step = Math.max(1, Math.floor(columns));
  const targets: Record<string, number> = {
    ArrowLeft: index - 1,
    ArrowRight: index + 1,
    ArrowUp: index - step,
    ArrowDown: index + step,
    Home: 0,
    End: count - 1,
  };
  const target = targets[e.key];
  if (target === undefined) return null;
  if (target >= 0 && target < count) return target;
  const lastRow = Math.floor((count - 1) / step);
  return e.key === "ArrowDown" && Math.floor(index / step) < lastRow ? count - 1 : index;
}

/**
 * The generation a key moves the focus to in the history strip's row of `count` generations: Left
 * and Right step (stopping at the ends), Home and End go to the first and last.
 *
 * @param e The key.
 * @param index The generation focused.
 * @param count Generations in the row.
 * @returns The generation to focus, or `null` when the key is not one of these or has a modifier.
 * @example
 * ```ts
 * import { stripIndex } from "./tile-input.ts";
 * stripIndex(new KeyboardEvent("keydown", { key: "End" }), 1, 5); // 4
 * ```
 */
export function stripIndex(e: KeyboardEvent, index: number, count: number): number | null {
  if (e.key === "ArrowUp" || e.key === "ArrowDown") return null; // the page scrolls
  return navigatedIndex(e, index, count, count);
}

/**
 * The shortcut a key press is: Ctrl/Cmd+Enter evolves, Ctrl/Cmd+Z undoes and with Shift redoes
 * (not inside a text field, whose own undo it is), Escape cancels a render in flight, or else
 * leaves marking mode.
 *
 * @param e The key.
 * @param busy True while a generation is rendering.
 * @param marking True while clicks mark points.
 * @returns The action, or `null`.
 * @example
 * ```ts
 * import { shortcutOf } from "./tile-input.ts";
 * shortcutOf(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true }), false); // "evolve"
 * ```
 */
export function shortcutOf(e: KeyboardEvent, busy: boolean, marking = false): Shortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.key === "Enter") return "evolve";
  // The element that has the key (the event may be seen at the host, retargeted from its shadow tree).
  const target = e.composedPath()[0] ?? e.target;
  if (mod && (e.key === "z" || e.key === "Z") && !(target instanceof HTMLInputElement)) {
    return e.shiftKey ? "redo" : "undo";
  }
  if (e.key !== "Escape") return null;
  return busy ? "cancel" : marking ? "stop-marking" : null;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
