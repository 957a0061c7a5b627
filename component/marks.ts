/**
 * The person's marks on each generation: which images are selected and which points are marked on
 * them. Plain data per generation index, so undo and redo keep each generation's marks, and the
 * whole thing goes to storage as is.
 *
 * @module
 */

import type { Point } from "../core/latent.ts";

/** Selection and points, per generation. */
export class Marks {
  /** Selected indices per generation, ascending. */
  selection: Record<number, number[]>;
  /** Marked points per generation, then per image. */
  points: Record<number, Record<number, Point[]>>;

  /**
   * @param selection Selected indices per generation.
   * @param points Marked points per generation and image.
   * @example
   * ```ts
   * import { Marks } from "./marks.ts";
   * const marks = new Marks();
   * marks.addPoint(0, 2, { x: 0.5, y: 0.5 });
   * marks.selected(0); // [2]
   * ```
   */
  constructor(
    selection: Record<number, number[]> = {},
    points: Record<number, Record<number, Point[]>> = {},
  ) {
    this.selection = selection;
    this.points = points;
  }

  /** True when no image of any generation is selected or has points. */
  get empty(): boolean {
    const none = (lists: Record<number, unknown[]>) => Object.values(lists).every((l) => !l.length);
    return none(this.selection) && Object.values(this.points).every(none);
  }

  /** @returns The selected indices of a generation, ascending. @param generation Generation index. */
  selected(generation: number): number[] {
    return [...(this.selection[generation] ?? [])];
  }

  /** @returns The points of a generation per image (a copy). @param generation Generation index. */
  pointsOf(generation: number): Record<number, Point[]> {
    return structuredClone(this.points[generation] ?? {});
  }

  /** @returns How many points a generation has, on all its images. @param generation Generation index. */
  pointCount(generation: number): number {
    return Object.values(this.points[generation] ?? {}).reduce((n, p) => n + p.length, 0);
  }

  /** @returns The points of one image. @param generation Generation. @param index Image. */
  pointsOn(generation: number, index: number): Point[] {
    return this.points[generation]?.[index] ?? [];
  }

  /** Selects an image, or deselects it. @param generation Generation. @param index Image. */
  toggle(generation: number, index: number): void {
    const set = new Set(this.selection[generation] ?? []);
    if (set.has(index)) set.delete(index);
    else set.add(index);
    this.selection[generation] = [...set].sort((a, b) => a - b);
  }

  /**
   * Marks a point on an image and selects it (points only matter on selected images).
   *
   * @param generation Generation.
   * @param index Image.
   * @param point Normalised coordinates.
   */
  addPoint(generation: number, index: number, point: Point): void {
    const gen = (this.points[generation] ??= {});
    gen[index] = [...(gen[index] ?? []), { x: point.x, y: point.y }];
    const selected = this.selection[generation] ?? [];
    if (!selected.includes(index)) this.selection[generation] = [...selected, index].sort((a, b) => a - b);
  }

  /** Removes one point. @param generation Generation. @param index Image. @param point Its position in the list. */
  removePoint(generation: number, index: number, point: number): void {
    const gen = this.points[generation];
    if (!gen?.[index]) return;
    gen[index] = gen[index].filter((_, i) => i !== point);
    if (!gen[index].length) delete gen[index];
  }

  /** @returns The points of the selected images only, as evolve's feedback wants. @param generation Generation. */
  feedbackPoints(generation: number): Record<number, Point[]> {
    const out: Record<number, Point[]> = {};
    for (const i of this.selected(generation)) {
      const p = this.pointsOn(generation, i);
      if (p.length) out[i] = p.map((q) => ({ x: q.x, y: q.y }));
    }
    return out;
  }

  /** Forgets the marks of generations after `last` (a new branch of history). @param last Last kept. */
  dropAfter(last: number): void {
    for (const g of Object.keys(this.selection)) if (Number(g) > last) delete this.selection[Number(g)];
    for (const g of Object.keys(this.points)) if (Number(g) > last) delete this.points[Number(g)];
  }
}
