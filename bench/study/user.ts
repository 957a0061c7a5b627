/**
 * The simulated user: a stand-in for a person who has a picture in mind (the hidden target) and
 * steers the generator toward it by picking favourites and clicking regions.
 *
 * @module
 */
import type { Point } from "../../core/latent.ts";
import type { Rng } from "../../core/rng.ts";
import { regionErrors, type RgbaImage, type Thumbnail, thumbnail, thumbnailDistance } from "./image.ts";

/** How the simulated user looks at images and how reliably it chooses. */
export type SimulatedUserOptions = {
  /** The hidden target image. */
  target: RgbaImage;
  /** Drives the noise in its choices; required even when `noise` is 0, so runs stay seeded. */
  rng: Rng;
  /** How many favourites it selects each generation (default 2). */
  k?: number;
  /**
   * Noise in its choices: each perceived distance is the true one times `exp(noise * N(0,1))`.
   * 0 (default) always picks the truly closest images.
   */
  noise?: number;
  /** Cells per side of the blurred thumbnails it compares (default 16). */
  blur?: number;
  /** Regions per side it considers for clicks (default 4): a click lands at a region's centre. */
  regions?: number;
};

/** A simulated user with a hidden target. */
export interface SimulatedUser {
  /** How many favourites it selects. */
  readonly k: number;
  /** True distance from an image to the target (no noise): RMS over blurred thumbnails, in [0, 1]. */
  distance(image: RgbaImage): number;
  /** Indices of its `k` favourites among `images`, best first, as it perceives them (with noise). */
  choose(images: readonly RgbaImage[]): number[];
  /**
   * Where it clicks on `image`: with `"change"`, the centres of the `count` regions that differ
   * most from the target, worst first; with `"keep"`, the regions that already match best.
   */
  points(image: RgbaImage, mode: "change" | "keep", count?: number): Point[];
  /**
   * Where it clicks on each of several favourites to say "take this part from this one": on each
   * image, the centre of the region where it beats the best of the others by the widest margin.
   */
  bestParts(images: readonly RgbaImage[]): Point[][];
}

/**
 * Creates a simulated user with a hidden target.
 *
 * @param options The target, the random generator for its noise, and how it looks at images.
 * @returns The user.
 * @example
 * ```ts
 * import { createRng } from "../../core/rng.ts";
 * import { createSimulatedUser } from "./user.ts";
 * const grey = (v: number) => ({ width: 16, height: 16, data: new Uint8ClampedArray(1024).fill(v) });
 * const user = createSimulatedUser({ target: grey(100), rng: createRng(1), k: 1 });
 * user.choose([grey(0), grey(90), grey(255)]); // [1]
 * ```
 */
export function createSimulatedUser(options: SimulatedUserOptions): SimulatedUser {
  const { rng, k = 2, noise = 0, blur = 16, regions = 4 } = options;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`Cannot create a simulated user: k must be a positive integer, got ${k}`);
  }
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new RangeError(`Cannot create a simulated user: noise must be a finite number >= 0, got ${noise}`);
  }
  if (!Number.isInteger(regions) || regions < 1 || regions > blur) {
    throw new RangeError(
      `Cannot create a simulated user: regions must be an integer in [1, ${blur}], got ${regions}`,
    );
  }
  const target = thumbnail(options.target, blur);
  // Images are compared many times (choice, clicks, progress): remember each thumbnail.
  const seen = new WeakMap<RgbaImage, Thumbnail>();
  const look = (image: RgbaImage): Thumbnail => {
    let t = seen.get(image);
    if (!t) seen.set(image, t = thumbnail(image, blur));
    return t;
  };
  const distance = (image: RgbaImage) => thumbnailDistance(look(image), target);
  const centre = (block: number): Point => ({
    x: ((block % regions) + 0.5) / regions,
    y: (Math.floor(block / regions) + 0.5) / regions,
  });
  return {
    k,
    distance,
    choose(images) {
      if (images.length < k) {
        throw new RangeError(`Cannot choose favourites: need at least ${k} images, got ${images.length}`);
      }
      const perceived = images.map((image, i) => ({
        i,
        d: distance(image) * (noise > 0 ? Math.exp(noise * rng.normal()) : 1),
      }));
      perceived.sort((a, b) => a.d - b.d || a.i - b.i);
      return perceived.slice(0, k).map((p) => p.i);
    },
    points(image, mode, count = 1) {
      if (!Number.isInteger(count) || count < 1 || count > regions * regions) {
        throw new RangeError(
          `Cannot choose points: count must be an integer in [1, ${regions * regions}], got ${count}`,
        );
      }
      const errors = regionErrors(look(image), target, regions);
      const order = [...errors.keys()].sort((a, b) =>
        (mode === "change" ? errors[b] - errors[a] : errors[a] - errors[b]) || a - b
      );
      return order.slice(0, count).map(centre);
    },
    bestParts(images) {
      const errors = images.map((image) => regionErrors(look(image), target, regions));
      return errors.map((own, i) => {
        let best = 0, margin = Infinity;
        for (let block = 0; block < own.length; block++) {
          let others = Infinity;
          errors.forEach((e, j) => j !== i && (others = Math.min(others, e[block])));
          // With no other image, its own best region.
          const m = own[block] - (others === Infinity ? 0 : others);
          if (m < margin) [best, margin] = [block, m];
        }
        return [centre(best)];
      });
    },
  };
}
