/**
 * The rendered images `<latent-evolver>` keeps, bounded so that a long session does not grow
 * without end: the bitmaps of the few generations visited last, the one shown included. A bitmap
 * holds decoded pixels (a 512x512 image is 1 MiB, often on the GPU), while the latents it was made
 * from are small and kept by the worker; the same latents and prompt give the same pixels, so a
 * generation whose bitmaps were released is simply rendered again when it is shown.
 *
 * @module
 */

/** How many generations keep their bitmaps: the one shown and the ones visited just before it. */
export const KEPT_GENERATIONS = 4;

/** One generation's images by index; a slot is `undefined` until its image arrives. */
export type BitmapSlots = (ImageBitmap | undefined)[];

/**
 * Bitmaps per generation, least recently visited first; visiting one more than `limit` closes
 * (`ImageBitmap.close()`) and forgets the bitmaps of the generation visited longest ago.
 *
 * @example
 * ```ts
 * import { BitmapCache } from "./bitmap-cache.ts";
 * const cache = new BitmapCache(2);
 * cache.visit(0, 1);
 * cache.visit(1, 1);
 * cache.visit(2, 1); // generation 0's bitmaps are closed
 * cache.generations(); // [1, 2]
 * ```
 */
export class BitmapCache {
  /** At most this many generations keep bitmaps. */
  readonly limit: number;
  /** Insertion order is visit order: the first entry is the one visited longest ago. */
  #slots = new Map<number, BitmapSlots>();

  /** @param limit How many generations keep their bitmaps, at least 1. */
  constructor(limit: number = KEPT_GENERATIONS) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Cannot keep the bitmaps of ${limit} generations: expected an integer >= 1`);
    }
    this.limit = limit;
  }

  /**
   * A generation's images, or `undefined` when it has none kept.
   *
   * @param generation The generation's index.
   * @returns Its slots.
   */
  get(generation: number): readonly (ImageBitmap | undefined)[] | undefined {
    return this.#slots.get(generation);
  }

  /**
   * Whether every image of a generation is kept (then showing it needs no render).
   *
   * @param generation The generation's index.
   * @returns True when all its slots hold a bitmap.
   */
  complete(generation: number): boolean {
    const slots = this.#slots.get(generation);
    // Not `some()`: it skips the holes of a render that was cancelled halfway.
    for (let i = 0; slots && i < slots.length; i++) if (!slots[i]) return false;
    return !!slots;
  }

  /**
   * Marks a generation as the one visited last (making slots for `size` images when it has none),
   * then releases the generations visited longest ago beyond the limit.
   *
   * @param generation The generation's index.
   * @param size Its number of images.
   */
  visit(generation: number, size: number): void {
    const slots = this.#slots.get(generation) ?? Array.from<ImageBitmap | undefined>({ length: size });
    this.#slots.delete(generation);
    this.#slots.set(generation, slots);
    for (const g of this.#slots.keys()) {
      if (this.#slots.size <= this.limit) break;
      this.#release(g);
    }
  }

  /**
   * Keeps an image that arrived; one of a generation without slots (released or dropped since its
   * render began) is closed instead.
   *
   * @param generation The generation's index.
   * @param index The image's index.
   * @param bitmap The image.
   * @returns False when the bitmap was closed instead of kept.
   */
  put(generation: number, index: number, bitmap: ImageBitmap): boolean {
    const slots = this.#slots.get(generation);
    if (!slots || index < 0 || index >= slots.length) {
      bitmap.close();
      return false;
    }
    if (slots[index] !== bitmap) slots[index]?.close();
    slots[index] = bitmap;
    return true;
  }

  /** @returns The generations that keep bitmaps, least recently visited first. */
  generations(): number[] {
    return [...this.#slots.keys()];
  }

  /** @returns How many bitmaps are kept, over every generation. */
  count(): number {
    let n = 0;
    for (const slots of this.#slots.values()) for (const b of slots) if (b) n++;
    return n;
  }

  /** Releases the bitmaps of every generation after `index` (a new branch of history). */
  dropAfter(index: number): void {
    for (const g of [...this.#slots.keys()]) if (g > index) this.#release(g);
  }

  /** Releases every bitmap (a new session, or a prompt that makes them all stale). */
  clear(): void {
    for (const g of [...this.#slots.keys()]) this.#release(g);
  }

  #release(generation: number): void {
    for (const bitmap of this.#slots.get(generation) ?? []) bitmap?.close();
    this.#slots.delete(generation);
  }
}
