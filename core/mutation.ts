/**
 * Mutation: local re-sampling around the person's clicks (sdstudio's "change" and "keep" modes)
 * and global mutation (a Gaussian step from a base, rescaled to `sqrt(D)`). See ALGORITHMS.md.
 *
 * @module
 */

import { type Rng, validateRng } from "./rng.ts";
import {
  copyShape,
  type Latent,
  type Point,
  rescaleInPlace,
  validateLatent,
  validateOptions,
  validatePoints,
} from "./latent.ts";

/** Options of {@link localMutation}. */
export type LocalMutationOptions = {
  /** Size of the region around each point, in normalised units (1 = the image's width/height). */
  radius: number;
  /** "change": re-sample inside the region, keep the rest; "keep": keep the region, re-sample the rest. */
  mode: "change" | "keep";
  /** Region around a point: "square" (Chebyshev distance, sdstudio's) or "disc". Default "square". */
  shape?: "square" | "disc";
  /**
   * Width of the blend band outside the radius, in normalised units (2/W is two latent pixels).
   * Default 0: a hard edge.
   */
  softEdge?: number;
};

/**
 * Re-samples a latent inside (mode "change") or outside (mode "keep") the region around the
 * clicked points. Positions the mode keeps are copied bit-for-bit; in the soft edge band the value
 * is `sqrt(1 - a^2) * old + a * fresh`, where `a` rises linearly from 0 to 1 towards the
 * re-sampled side. Old and fresh are independent N(0,1), so the blend is N(0,1) too: no rescale is
 * needed, and none is done (it would move the kept values).
 *
 * The region is every position whose centre lies within `radius` of a point, and always the
 * position each point lies on (column `floor(x*W)`, row `floor(y*H)`, the last one for 1), however
 * small the radius: a click always changes ("change") or keeps ("keep") at least the position it
 * landed on. With centres alone, a radius under half a position can hold none, and the click would
 * do nothing in "change" mode and re-sample the very position it asks to keep in "keep" mode. From
 * half a position's larger side (square; half its diagonal for a disc) on, the position under a
 * point has its centre within the radius anyway, so the rule changes nothing there.
 *
 * @param latent The latent to mutate.
 * @param points One or more clicks in [0,1]^2 (x right, y down). A position (row, col) sits at
 * `((col + 0.5) / W, (row + 0.5) / H)`.
 * @param rng The seeded generator for the fresh values.
 * @param options `radius` (> 0), `mode`, optional `shape` and `softEdge`.
 * @returns A new latent.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * import { localMutation } from "./mutation.ts";
 * const rng = createRng(2);
 * const z = randomLatent([4, 64, 64], rng);
 * const child = localMutation(z, [{ x: 0.5, y: 0.5 }], rng, { radius: 0.1, mode: "change" });
 * ```
 */
export function localMutation(
  latent: Latent,
  points: readonly Point[],
  rng: Rng,
  options: LocalMutationOptions,
): Latent {
  const op = "mutate a latent locally";
  validateLatent(latent, op);
  validateRng(rng, op);
  validateOptions(options, op);
  validatePoints(points, op);
  if (points.length === 0) throw new RangeError(`Cannot ${op}: got no points (0 points)`);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot ${op}: options { radius, mode } are required, got ${String(options)}`);
  }
  const { radius, mode, shape = "square", softEdge = 0 } = options;
  if (typeof radius !== "number" || !(radius > 0) || !Number.isFinite(radius)) {
    throw new RangeError(`Cannot ${op}: radius must be a finite number > 0, got ${radius}`);
  }
  if (mode !== "change" && mode !== "keep") {
    throw new RangeError(`Cannot ${op}: mode must be "change" or "keep", got ${String(mode)}`);
  }
  if (shape !== "square" && shape !== "disc") {
    throw new RangeError(`Cannot ${op}: shape must be "square" or "disc", got ${String(shape)}`);
  }
  if (typeof softEdge !== "number" || !(softEdge >= 0) || !Number.isFinite(softEdge)) {
    throw new RangeError(`Cannot ${op}: softEdge must be a finite number >= 0, got ${softEdge}`);
  }
  const [C, H, W] = latent.shape;
  const plane = H * W;
  // Weight of the fresh value per position, computed once and applied to every channel.
  const weight = new Float32Array(plane);
  const disc = shape === "disc";
  for (let row = 0; row < H; row++) {
    const y = (row + 0.5) / H;
    for (let col = 0; col < W; col++) {
      const x = (col + 0.5) / W;
      let d = Infinity;
      for (const p of points) {
        const dx = Math.abs(x - p.x), dy = Math.abs(y - p.y);
        const dist = disc ? Math.sqrt(dx * dx + dy * dy) : Math.max(dx, dy);
        if (dist < d) d = dist;
      }
      // a: 1 inside the region, 0 beyond the band, linear across it.
      const a = d <= radius ? 1 : softEdge > 0 && d < radius + softEdge ? 1 - (d - radius) / softEdge : 0;
      weight[row * W + col] = mode === "change" ? a : 1 - a;
    }
  }
  // The position under each point is in the region whatever the radius (see the doc comment).
  for (const p of points) {
    const row = Math.min(H - 1, Math.floor(p.y * H)), col = Math.min(W - 1, Math.floor(p.x * W));
    weight[row * W + col] = mode === "change" ? 1 : 0;
  }
  const src = latent.data;
  const out = new Float32Array(src.length);
  for (let c = 0; c < C; c++) {
    const base = c * plane;
    for (let i = 0; i < plane; i++) {
      const a = weight[i], j = base + i;
      if (a === 0) out[j] = src[j];
      else if (a === 1) out[j] = rng.normal();
      else out[j] = Math.sqrt(1 - a * a) * src[j] + a * rng.normal();
    }
  }
  return { shape: copyShape(latent.shape), data: out };
}

/** Options of {@link radiusSchedule}. */
export type RadiusScheduleOptions = {
  /** The largest radius at strength 1, in normalised units, > 0; default 1/16 (sdstudio's). */
  radius?: number;
  /**
   * The share of the largest radius that every radius keeps, in [0, 1): the schedule is taken that
   * far towards its largest. Default 1/2; 0 gives sdstudio's schedule itself.
   */
  floor?: number;
};

/**
 * The radii of a batch of local mutations, small to large in equal steps, the largest
 * `strength * radius`: `radius_i = strength * radius * (floor + (1 - floor) * (i + 1) / lambda)`,
 * in normalised units. With `floor` 0 and `radius` 1/16 this is sdstudio's schedule
 * `strength * (i + 1) / (16 * lambda)` (ALGORITHMS.md); the default `floor` 1/2 takes each radius
 * halfway to the largest, so the smallest is at least half of it whatever `lambda`. Why: a decoder
 * spreads a latent pixel's change over several and blurs it, so with sdstudio's smallest radii
 * (1/lambda of the largest) the first children barely differ from their parent in the region a
 * person marked (the built-in model: 6/255 on average inside the largest region for the smallest
 * of 5 children, against 24/255 for the largest; halfway, 15/255).
 *
 * @param strength A finite number > 0 (1 = the default edit size).
 * @param lambda The number of children, a positive integer.
 * @param options The largest `radius` at strength 1 and the `floor` share.
 * @returns `lambda` radii, growing, the last `strength * radius`.
 * @example
 * ```ts
 * import { radiusSchedule } from "./mutation.ts";
 * radiusSchedule(1, 4); // [5/128, 6/128, 7/128, 8/128]
 * radiusSchedule(2, 4, { radius: 0.1, floor: 0 }); // [0.05, 0.1, 0.15, 0.2]
 * ```
 */
export function radiusSchedule(
  strength: number,
  lambda: number,
  options: RadiusScheduleOptions = {},
): number[] {
  const op = "schedule mutation radii";
  if (typeof strength !== "number" || !(strength > 0) || !Number.isFinite(strength)) {
    throw new RangeError(`Cannot ${op}: strength must be a finite number > 0, got ${strength}`);
  }
  if (!Number.isInteger(lambda) || lambda < 1) {
    throw new RangeError(`Cannot ${op}: lambda must be a positive integer, got ${lambda}`);
  }
  validateOptions(options, op);
  const { radius = 1 / 16, floor = 1 / 2 } = options;
  if (typeof radius !== "number" || !(radius > 0) || !Number.isFinite(radius)) {
    throw new RangeError(`Cannot ${op}: radius must be a finite number > 0, got ${radius}`);
  }
  if (typeof floor !== "number" || !(floor >= 0 && floor < 1)) {
    throw new RangeError(`Cannot ${op}: floor must be a number in [0, 1), got ${floor}`);
  }
  const largest = strength * radius;
  // One division, last: with floor 0 this is sdstudio's formula to the bit.
  return Array.from(
    { length: lambda },
    (_, i) => (largest * (floor * lambda + (1 - floor) * (i + 1))) / lambda,
  );
}

/** Options of {@link globalMutation}. */
export type GlobalMutationOptions = {
  /** Step size, a finite number >= 0 (ALGORITHMS.md: child i of lambda uses sigma*((i+1)/(lambda+1))^2). */
  sigma: number;
};

/**
 * Global mutation: `base + sigma * eps` with `eps` i.i.d. N(0,1), rescaled to `sqrt(D)` (which also
 * undoes the norm loss when `base` is a mean of several latents).
 *
 * @param base The latent to step from (for example {@link meanLatent} of the selection).
 * @param rng The seeded generator for `eps`.
 * @param options `sigma`, a finite number >= 0.
 * @returns A new latent of norm `sqrt(D)`.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * import { globalMutation } from "./mutation.ts";
 * const rng = createRng(4);
 * const child = globalMutation(randomLatent([4, 64, 64], rng), rng, { sigma: 0.4 });
 * ```
 */
export function globalMutation(base: Latent, rng: Rng, options: GlobalMutationOptions): Latent {
  const op = "mutate a latent globally";
  validateLatent(base, op, "base");
  validateRng(rng, op);
  const sigma = options?.sigma;
  if (typeof sigma !== "number" || !(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new RangeError(`Cannot ${op}: sigma must be a finite number >= 0, got ${sigma}`);
  }
  const src = base.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] + sigma * rng.normal();
  return { shape: copyShape(base.shape), data: rescaleInPlace(out, op) };
}
