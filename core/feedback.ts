/**
 * Feedback: the person's answer to one generation, and its validation at the API boundary.
 *
 * @module
 */
import { type Point, validatePoints } from "./latent.ts";

/** The person's answer to one generation. */
export type Feedback = {
  /** Indices of the selected images in the current generation. */
  selected: number[];
  /** Clicks per selected image (index -> points in [0,1]^2). */
  points?: Record<number, Point[]>;
  /** What clicks on a single selected image mean: re-sample there ("change", default) or keep there. */
  mode?: "change" | "keep";
  /** Scales the mutation step (sigma) and the edit radius; default 1. */
  strength?: number;
  /** Largest edit radius for local changes at strength 1, normalised units in (0, 1]; default 1/16 (sdstudio's). */
  radius?: number;
  /** "New batch": ignore the selection for breeding and start from a fresh diverse batch. */
  fresh?: boolean;
};

/**
 * Checks feedback against a generation of `n` images: indices in range and distinct, points only
 * on selected images and inside [0,1]^2, a known mode, finite positive strength, radius in (0, 1].
 *
 * @param feedback The person's answer.
 * @param n The number of images in the generation it answers.
 * @returns A clean copy (unknown fields dropped, point keys as numbers).
 * @example
 * ```ts
 * import { validateFeedback } from "./feedback.ts";
 * validateFeedback({ selected: [1], strength: 0.5 }, 8); // ok
 * ```
 */
export function validateFeedback(feedback: Feedback, n: number): Feedback {
  const op = "evolve";
  if (typeof feedback !== "object" || feedback === null || !Array.isArray(feedback.selected)) {
    throw new TypeError(
      `Cannot ${op}: feedback must be { selected: number[], ... }, got ${String(feedback)}`,
    );
  }
  const seen = new Set<number>();
  for (const i of feedback.selected) {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`Cannot ${op}: selected index ${i} is outside the generation of ${n} images`);
    }
    if (seen.has(i)) throw new RangeError(`Cannot ${op}: selected index ${i} appears twice`);
    seen.add(i);
  }
  const out: Feedback = { selected: [...feedback.selected] };
  if (feedback.points !== undefined) {
    if (typeof feedback.points !== "object" || feedback.points === null) {
      throw new TypeError(
        `Cannot ${op}: points must map image indices to point lists, got ${feedback.points}`,
      );
    }
    out.points = {};
    for (const [key, pts] of Object.entries(feedback.points)) {
      const i = Number(key);
      if (!seen.has(i)) {
        throw new RangeError(`Cannot ${op}: points given for image ${key}, which is not selected`);
      }
      validatePoints(pts, `${op} (points of image ${key})`);
      out.points[i] = pts.map((p) => ({ x: p.x, y: p.y }));
    }
  }
  if (feedback.mode !== undefined) {
    if (feedback.mode !== "change" && feedback.mode !== "keep") {
      throw new RangeError(`Cannot ${op}: mode must be "change" or "keep", got ${String(feedback.mode)}`);
    }
    out.mode = feedback.mode;
  }
  if (feedback.strength !== undefined) {
    const s = feedback.strength;
    if (typeof s !== "number" || !Number.isFinite(s) || s <= 0) {
      throw new RangeError(`Cannot ${op}: strength must be a finite number > 0, got ${s}`);
    }
    out.strength = s;
  }
  if (feedback.radius !== undefined) {
    const r = feedback.radius;
    if (typeof r !== "number" || !Number.isFinite(r) || r <= 0 || r > 1) {
      throw new RangeError(`Cannot ${op}: radius must be a number in (0, 1], got ${r}`);
    }
    out.radius = r;
  }
  if (feedback.fresh !== undefined) {
    if (typeof feedback.fresh !== "boolean") {
      throw new TypeError(`Cannot ${op}: fresh must be a boolean, got ${String(feedback.fresh)}`);
    }
    out.fresh = feedback.fresh;
  }
  return out;
}
