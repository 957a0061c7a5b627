/**
 * Latents: the random inputs of an image generator, and the basic operations on them.
 *
 * @module
 */

import { type Rng, validateRng } from "./rng.ts";

/** A latent's shape, channels-first: `[C, H, W]`. */
export type Shape = readonly [number, number, number];

/** One image's latent: a float32 tensor of shape `[C, H, W]`, row-major, channels-first. */
export type Latent = { shape: Shape; data: Float32Array };

/** A point in normalised image coordinates: x to the right, y down, both in [0, 1]. */
export type Point = { x: number; y: number };

/**
 * Number of values in a latent of this shape, `C*H*W` (called D in ALGORITHMS.md).
 *
 * @param shape A valid `[C, H, W]` shape.
 * @returns The product of the three dimensions.
 * @example
 * ```ts
 * import { shapeSize } from "./latent.ts";
 * shapeSize([4, 64, 64]); // 16384
 * ```
 */
export function shapeSize(shape: Shape): number {
  return shape[0] * shape[1] * shape[2];
}

/** Formats a shape for error messages: `[4,64,64]`. */
export function formatShape(shape: unknown): string {
  if (Array.isArray(shape)) return `[${shape.map((v) => String(v)).join(",")}]`;
  return String(shape);
}

/**
 * Checks that `shape` is three positive integers; throws otherwise.
 *
 * @param shape The value to check.
 * @param operation What the caller was doing, for the message ("create a random latent").
 * @returns Nothing; throws a `TypeError` (not an array of three numbers) or a `RangeError`.
 * @example
 * ```ts
 * import { validateShape } from "./latent.ts";
 * validateShape([4, 64, 64], "create a latent"); // ok
 * ```
 */
export function validateShape(shape: unknown, operation: string): asserts shape is Shape {
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((v) => typeof v !== "number")) {
    throw new TypeError(
      `Cannot ${operation}: shape must be three numbers [C,H,W], got ${formatShape(shape)}`,
    );
  }
  if (shape.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new RangeError(
      `Cannot ${operation}: shape must be three positive integers, got ${formatShape(shape)}`,
    );
  }
}

/**
 * What a value is, for an error message: its class name (`Float64Array`), `null`, or its type.
 *
 * @param v Any value.
 * @returns The description.
 * @example
 * ```ts
 * import { kindOf } from "./latent.ts";
 * kindOf(new Float64Array(1)); // "Float64Array"
 * ```
 */
export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  return (v as { constructor?: { name?: string } }).constructor?.name || "object";
}

/**
 * Checks a latent at an API boundary: a valid shape, a `Float32Array` of matching length, and only
 * finite values. Costs one pass over the data; call it once per operation, never in inner loops.
 *
 * @param latent The value to check.
 * @param operation What the caller was doing, for the message ("cross over latents").
 * @param name How to call the value in the message ("parent 2").
 * @returns Nothing; throws a `TypeError` or `RangeError` naming the operation and the value.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent, validateLatent } from "./latent.ts";
 * validateLatent(randomLatent([4, 8, 8], createRng(1)), "mutate a latent"); // ok
 * ```
 */
export function validateLatent(
  latent: unknown,
  operation: string,
  name = "latent",
): asserts latent is Latent {
  if (typeof latent !== "object" || latent === null) {
    throw new TypeError(
      `Cannot ${operation}: ${name} must be a { shape, data } object, got ${String(latent)}`,
    );
  }
  const { shape, data } = latent as { shape?: unknown; data?: unknown };
  validateShape(shape, operation);
  if (!(data instanceof Float32Array)) {
    throw new TypeError(
      `Cannot ${operation}: ${name}.data must be a Float32Array, got ${kindOf(data)}`,
    );
  }
  const size = shapeSize(shape);
  if (data.length !== size) {
    throw new RangeError(
      `Cannot ${operation}: ${name} of shape ${formatShape(shape)} needs ${size} values, got ${data.length}`,
    );
  }
  // A float64 sum of float32 values cannot overflow (|x| < 3.5e38, far fewer than 1e270 terms),
  // so it is finite exactly when every value is: one tight pass instead of a branch per value.
  // Four sums break the chain of dependent additions (one add's latency per value otherwise).
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 3 < size; i += 4) {
    s0 += data[i];
    s1 += data[i + 1];
    s2 += data[i + 2];
    s3 += data[i + 3];
  }
  for (; i < size; i++) s0 += data[i];
  if (!Number.isFinite(s0 + s1 + s2 + s3)) {
    let i = 0;
    while (Number.isFinite(data[i])) i++;
    throw new RangeError(`Cannot ${operation}: ${name} has a non-finite value ${data[i]} at index ${i}`);
  }
}

/**
 * Checks that two shapes are equal; throws a `RangeError` otherwise.
 *
 * @param expected The reference shape.
 * @param actual The shape to compare.
 * @param operation What the caller was doing, for the message.
 * @returns Nothing.
 * @example
 * ```ts
 * import { assertSameShape } from "./latent.ts";
 * assertSameShape([4, 64, 64], [4, 64, 64], "cross over latents"); // ok
 * ```
 */
export function assertSameShape(expected: Shape, actual: Shape, operation: string): void {
  if (expected[0] !== actual[0] || expected[1] !== actual[1] || expected[2] !== actual[2]) {
    throw new RangeError(
      `Cannot ${operation}: expected shape ${formatShape(expected)}, got ${formatShape(actual)}`,
    );
  }
}

/**
 * Checks a non-empty list of latents with one shared shape.
 *
 * @param latents The value to check.
 * @param operation What the caller was doing, for the message.
 * @param name How to call one element ("parent").
 * @returns The shared shape.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent, validateLatents } from "./latent.ts";
 * const rng = createRng(1);
 * validateLatents([randomLatent([4, 8, 8], rng)], "average latents"); // [4, 8, 8]
 * ```
 */
export function validateLatents(latents: unknown, operation: string, name = "latent"): Shape {
  if (!Array.isArray(latents)) {
    throw new TypeError(`Cannot ${operation}: expected an array of latents, got ${String(latents)}`);
  }
  if (latents.length === 0) throw new RangeError(`Cannot ${operation}: got no latents (0 ${name}s)`);
  for (let i = 0; i < latents.length; i++) validateLatent(latents[i], operation, `${name} ${i}`);
  const shape = (latents[0] as Latent).shape;
  for (let i = 1; i < latents.length; i++) assertSameShape(shape, (latents[i] as Latent).shape, operation);
  return shape;
}

/**
 * Checks user clicks: an array of `{ x, y }` with both coordinates in [0, 1].
 *
 * @param points The value to check.
 * @param operation What the caller was doing, for the message.
 * @returns Nothing; throws `TypeError` (not numbers) or `RangeError` (outside [0, 1]).
 * @example
 * ```ts
 * import { validatePoints } from "./latent.ts";
 * validatePoints([{ x: 0.5, y: 0.25 }], "mutate a latent"); // ok
 * ```
 */
export function validatePoints(points: unknown, operation: string): asserts points is Point[] {
  if (!Array.isArray(points)) {
    throw new TypeError(`Cannot ${operation}: points must be an array of { x, y }, got ${String(points)}`);
  }
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as Partial<Point> | null;
    if (typeof p !== "object" || p === null || typeof p.x !== "number" || typeof p.y !== "number") {
      throw new TypeError(
        `Cannot ${operation}: point ${i} must be { x, y } numbers, got ${JSON.stringify(p)}`,
      );
    }
    if (!(p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)) {
      throw new RangeError(
        `Cannot ${operation}: point ${i} must lie in [0,1]^2, got { x: ${p.x}, y: ${p.y} }`,
      );
    }
  }
}

/**
 * A fresh latent of i.i.d. N(0, 1) values; its norm is close to `sqrt(D)`.
 *
 * @param shape `[C, H, W]`, three positive integers.
 * @param rng The seeded generator to draw from.
 * @returns A new latent.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * const z = randomLatent([4, 64, 64], createRng(7));
 * z.data.length; // 16384
 * ```
 */
export function randomLatent(shape: Shape, rng: Rng): Latent {
  validateShape(shape, "create a random latent");
  validateRng(rng, "create a random latent");
  const s: Shape = [shape[0], shape[1], shape[2]];
  return { shape: s, data: rng.fillNormal(new Float32Array(shapeSize(s))) };
}

/**
 * Checks an operator's options argument: absent, or an object (not `null`, which JavaScript's
 * default parameters let through).
 *
 * @param options The value given as the options.
 * @param operation What was being done, for the message.
 * @example
 * ```ts
 * import { validateOptions } from "./latent.ts";
 * validateOptions(null, "cross over latents"); // throws TypeError
 * ```
 */
export function validateOptions(options: unknown, operation: string): void {
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new TypeError(`Cannot ${operation}: options must be an object, got ${String(options)}`);
  }
}

/**
 * Euclidean norm of a latent's values.
 *
 * @param latent A latent.
 * @returns `sqrt(sum(x^2))`.
 * @example
 * ```ts
 * import { latentNorm } from "./latent.ts";
 * latentNorm({ shape: [1, 1, 2], data: new Float32Array([3, 4]) }); // 5
 * ```
 */
export function latentNorm(latent: Latent): number {
  validateLatent(latent, "measure a latent's norm");
  return Math.sqrt(sumSquares(latent.data));
}

function sumSquares(data: Float32Array): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i] * data[i];
  return s;
}

/** Scales `data` in place to norm sqrt(length); the inner step of {@link rescaleToSqrtD}. */
export function rescaleInPlace(data: Float32Array, operation: string): Float32Array {
  const ss = sumSquares(data);
  if (!(ss > 0) || !Number.isFinite(ss)) {
    throw new RangeError(`Cannot ${operation}: cannot rescale a latent whose squared norm is ${ss}`);
  }
  const f = Math.sqrt(data.length / ss);
  for (let i = 0; i < data.length; i++) data[i] *= f;
  return data;
}

/**
 * Rescales a latent to norm `sqrt(D)`, the norm of fresh N(0, 1) noise: averaging or adding noise
 * changes the norm, and the models decode a latent of the wrong norm to a washed-out image.
 *
 * @param latent A latent with a non-zero norm.
 * @returns A new latent, `latent * sqrt(D / sum(x^2))`.
 * @example
 * ```ts
 * import { rescaleToSqrtD } from "./latent.ts";
 * rescaleToSqrtD({ shape: [1, 1, 4], data: new Float32Array([1, 1, 1, 1]) }).data; // [1,1,1,1]
 * ```
 */
export function rescaleToSqrtD(latent: Latent): Latent {
  validateLatent(latent, "rescale a latent");
  return { shape: copyShape(latent.shape), data: rescaleInPlace(latent.data.slice(), "rescale a latent") };
}

/**
 * Element-wise mean of latents of one shape. Not rescaled: the mean of k independent N(0, 1)
 * latents has variance 1/k, so pass it through {@link rescaleToSqrtD} (as {@link globalMutation}
 * does) before decoding.
 *
 * @param latents One or more latents of the same shape.
 * @returns A new latent.
 * @example
 * ```ts
 * import { meanLatent } from "./latent.ts";
 * const a = { shape: [1, 1, 2] as const, data: new Float32Array([1, 3]) };
 * const b = { shape: [1, 1, 2] as const, data: new Float32Array([3, 5]) };
 * meanLatent([a, b]).data; // [2, 4]
 * ```
 */
export function meanLatent(latents: readonly Latent[]): Latent {
  const shape = validateLatents(latents, "average latents");
  const n = shapeSize(shape);
  const acc = new Float64Array(n);
  for (const l of latents) {
    const d = l.data;
    for (let i = 0; i < n; i++) acc[i] += d[i];
  }
  const out = new Float32Array(n);
  const inv = 1 / latents.length;
  for (let i = 0; i < n; i++) out[i] = acc[i] * inv;
  return { shape: copyShape(shape), data: out };
}

/**
 * Spherical interpolation between two latents of one shape. With equal norms (as every latent
 * rescaled to `sqrt(D)`), every point on the path has that norm, so the path stays in the region
 * the model was trained on; for morph animations and averaging two favourites.
 *
 * @param a The latent at `t = 0`.
 * @param b The latent at `t = 1`.
 * @param t The position on the path, a finite number (usually in [0, 1]).
 * @returns A new latent. Nearly parallel inputs fall back to linear interpolation; opposite ones
 * (angle π, no unique great circle) throw a `RangeError`.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent, slerp } from "./latent.ts";
 * const rng = createRng(3);
 * const mid = slerp(randomLatent([4, 8, 8], rng), randomLatent([4, 8, 8], rng), 0.5);
 * ```
 */
export function slerp(a: Latent, b: Latent, t: number): Latent {
  const op = "slerp latents";
  validateLatent(a, op, "a");
  validateLatent(b, op, "b");
  assertSameShape(a.shape, b.shape, op);
  if (typeof t !== "number" || !Number.isFinite(t)) {
    throw new RangeError(`Cannot ${op}: t must be a finite number, got ${t}`);
  }
  const x = a.data, y = b.data, n = x.length;
  let dot = 0, xx = 0, yy = 0;
  for (let i = 0; i < n; i++) {
    dot += x[i] * y[i];
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  if (xx === 0 || yy === 0) throw new RangeError(`Cannot ${op}: a latent has norm 0`);
  const cos = Math.max(-1, Math.min(1, dot / Math.sqrt(xx * yy)));
  const theta = Math.acos(cos);
  const sin = Math.sin(theta);
  let wa: number, wb: number;
  if (sin < 1e-6) {
    if (cos < 0) throw new RangeError(`Cannot ${op}: the latents are opposite (cosine ${cos})`);
    wa = 1 - t;
    wb = t;
  } else {
    wa = Math.sin((1 - t) * theta) / sin;
    wb = Math.sin(t * theta) / sin;
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = wa * x[i] + wb * y[i];
  return { shape: copyShape(a.shape), data: out };
}

/** A fresh, frozen-size copy of a shape, so outputs never alias a caller's array. */
export function copyShape(shape: Shape): Shape {
  return [shape[0], shape[1], shape[2]];
}
