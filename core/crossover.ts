/**
 * Crossover: children whose every latent position (all channels) is copied from one parent, at
 * the same position, in random Voronoi cells (the seed's operator). The person's clicks as cell
 * centres (the paper's region recombination) are in region-crossover.ts. See ALGORITHMS.md.
 *
 * Neither operator rescales its output: every value is either a parent's value, unchanged, or a
 * fresh N(0, 1) draw, so each position keeps the N(0, 1) distribution of the parents and the norm
 * stays near `sqrt(D)` on its own. Rescaling would move the parents' values and break the promise
 * that a region the person liked is copied exactly.
 *
 * @module
 */

import { type Rng, validateRng } from "./rng.ts";
import {
  copyShape,
  formatShape,
  type Latent,
  type Point,
  validateLatents,
  validateOptions,
  validatePoints,
  validateShape,
} from "./latent.ts";
import { copyRuns, createWalkScratch, voronoiRuns } from "./voronoi-runs.ts";

/** Options of {@link voronoiCrossover} and {@link voronoiChildren}. */
export type VoronoiOptions = {
  /**
   * Number of Voronoi cells; parent `j mod k` fills cell `j`. Default `2k` for `k` parents, at most
   * one per latent position.
   */
  cells?: number;
};

/**
 * Voronoi crossover with random centres: draws `cells` centres in the latent plane, gives each
 * position (row, col) to its nearest centre, and fills centre `j` from parent `j mod k`.
 *
 * @param parents One or more latents of one shape (with one parent the child is a copy of it).
 * @param rng The seeded generator for the centres.
 * @param options `cells`: number of cells, a positive integer at most `H*W` (default `2k`, or `H*W`
 *   when that is fewer).
 * @returns A new latent.
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * import { voronoiCrossover } from "./crossover.ts";
 * const rng = createRng(5);
 * const parents = [0, 1, 2].map(() => randomLatent([4, 64, 64], rng));
 * const child = voronoiCrossover(parents, rng, { cells: 6 });
 * ```
 */
export function voronoiCrossover(parents: readonly Latent[], rng: Rng, options: VoronoiOptions = {}): Latent {
  return voronoiChildren(parents, 1, rng, options)[0];
}

/**
 * Many Voronoi children of the same parents, validating the parents once: the fast entry point
 * for a generation. Child `i` equals what {@link voronoiCrossover} returns on the generator's
 * state after children `0..i-1`.
 *
 * @param parents One or more latents of one shape.
 * @param count Number of children, a non-negative integer.
 * @param rng The seeded generator for the centres (fresh centres for every child).
 * @param options `cells`, as in {@link voronoiCrossover}; `into`: `count` arrays of length D to
 * write the children into instead of allocating (reused buffers skip allocation and page faults).
 * @returns `count` latents (whose data are the `into` arrays when given).
 * @example
 * ```ts
 * import { createRng } from "./rng.ts";
 * import { randomLatent } from "./latent.ts";
 * import { voronoiChildren } from "./crossover.ts";
 * const rng = createRng(5);
 * const parents = [0, 1, 2].map(() => randomLatent([4, 64, 64], rng));
 * const children = voronoiChildren(parents, 50, rng); // the seed's example: 3 parents, 6 cells
 * ```
 */
export function voronoiChildren(
  parents: readonly Latent[],
  count: number,
  rng: Rng,
  options: VoronoiOptions & { into?: readonly Float32Array[] } = {},
): Latent[] {
  const op = "cross over latents";
  const shape = validateLatents(parents, op, "parent");
  validateRng(rng, op);
  validateOptions(options, op);
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Cannot ${op}: count must be a non-negative integer, got ${count}`);
  }
  const k = parents.length;
  const [C, H, W] = shape;
  const cells = options.cells ?? Math.min(2 * k, H * W);
  if (typeof cells !== "number" || !Number.isInteger(cells) || cells < 1 || cells > H * W) {
    throw new RangeError(
      `Cannot ${op}: cells must be an integer in [1, ${H * W}] for shape ${formatShape(shape)}, got ${cells}`,
    );
  }
  const into = options.into;
  if (into !== undefined) checkInto(into, count, C * H * W, parents, op);
  const sources = parents.map((p) => p.data);
  // Float64 views of the parents for the paired copy, when every parent is 8-byte aligned.
  const wide = sources.every((d) => d.byteOffset % 8 === 0)
    ? sources.map((d) => new Float64Array(d.buffer, d.byteOffset, d.length >> 1))
    : undefined;
  const cx = new Float64Array(cells), cy = new Float64Array(cells);
  const owner = new Uint32Array(cells);
  const scratch = createWalkScratch(cells), area = new Float64Array(k);
  for (let j = 0; j < cells; j++) owner[j] = j % k;
  // Scratch for the plane's runs: each row crosses each convex cell at most once.
  const maxRuns = H * Math.min(cells, W);
  const runStart = new Uint32Array(maxRuns + 1), runParent = new Uint32Array(maxRuns);
  const children: Latent[] = [];
  for (let n = 0; n < count; n++) {
    drawCentres(cells, H, W, rng, cx, cy);
    const runs = voronoiRuns(cx, cy, owner, H, W, runStart, runParent, scratch);
    const out = into?.[n] ?? new Float32Array(C * H * W);
    copyRuns(out, sources, wide, runStart, runParent, runs, C, H * W, area);
    children.push({ shape: copyShape(shape), data: out });
  }
  return children;
}

/**
 * The Voronoi cell of every latent position: the index of the nearest centre (Euclidean, in
 * latent pixels), computed with the same row-by-row envelope walk as {@link voronoiCrossover}. For
 * drawing the cells over an image, and for checking the fast path against a brute-force search.
 *
 * @param centres One or more centres in normalised coordinates [0,1]^2 (x right, y down).
 * @param height Latent rows H.
 * @param width Latent columns W.
 * @returns A row-major `Uint32Array` of `H*W` centre indices.
 * @example
 * ```ts
 * import { voronoiCellMap } from "./crossover.ts";
 * voronoiCellMap([{ x: 0.25, y: 0.5 }, { x: 0.75, y: 0.5 }], 1, 4); // [0, 0, 1, 1]
 * ```
 */
export function voronoiCellMap(centres: readonly Point[], height: number, width: number): Uint32Array {
  const op = "map Voronoi cells";
  validateShape([1, height, width], op);
  validatePoints(centres, op);
  if (centres.length === 0) throw new RangeError(`Cannot ${op}: got no centres (0 centres)`);
  const m = centres.length, plane = height * width;
  const cx = Float64Array.from(centres, (p) => p.x * width),
    cy = Float64Array.from(centres, (p) => p.y * height);
  const ids = Uint32Array.from(centres, (_, j) => j);
  const runStart = new Uint32Array(height * Math.min(m, width) + 1),
    runCell = new Uint32Array(height * Math.min(m, width));
  const runs = voronoiRuns(cx, cy, ids, height, width, runStart, runCell, createWalkScratch(m));
  const map = new Uint32Array(plane);
  for (let r = 0; r < runs; r++) map.fill(runCell[r], runStart[r], runStart[r + 1]);
  return map;
}

/** Checks `into`: `count` distinct Float32Arrays of length D that share no buffer with a parent. */
function checkInto(into: unknown, count: number, size: number, parents: readonly Latent[], op: string): void {
  if (!Array.isArray(into) || into.length !== count || !into.every((a) => a instanceof Float32Array)) {
    throw new TypeError(`Cannot ${op}: into must be an array of ${count} Float32Arrays, got ${String(into)}`);
  }
  const buffers = new Set(parents.map((p) => p.data.buffer));
  // Arrays on one buffer may be disjoint parts of it; only overlapping bytes clash.
  const overlaps = (a: Float32Array, b: Float32Array) =>
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength;
  into.forEach((a: Float32Array, i) => {
    if (a.length !== size) {
      throw new RangeError(`Cannot ${op}: into[${i}] needs ${size} values, got ${a.length}`);
    }
    if (buffers.has(a.buffer) || into.slice(0, i).some((b: Float32Array) => overlaps(a, b))) {
      throw new RangeError(`Cannot ${op}: into[${i}] shares memory with a parent or another child`);
    }
  });
}

/**
 * Draws centres uniformly over the plane `[0,W) x [0,H)`, but in distinct latent pixels and
 * within 0.25 of the pixel's centre. Then every centre owns at least its own pixel (any other
 * centre is at least 0.5 away from that pixel's centre, this one at most 0.36), so every parent
 * appears in the child whenever `cells >= k`.
 */
function drawCentres(cells: number, H: number, W: number, rng: Rng, cx: Float64Array, cy: Float64Array) {
  // A linear scan for taken pixels beats a Set for the few cells a crossover uses; many cells in a
  // small plane would make rejection slow, so those go through a Set.
  const taken = cells > 64 ? new Set<number>() : undefined;
  for (let j = 0; j < cells; j++) {
    let cell: number, row: number, col: number;
    for (;;) {
      cell = rng.int(H * W);
      row = Math.floor(cell / W);
      col = cell - row * W;
      if (taken !== undefined ? !taken.has(cell) : isFree(cx, cy, j, row, col)) break;
    }
    taken?.add(cell);
    cx[j] = col + 0.25 + 0.5 * rng.next();
    cy[j] = row + 0.25 + 0.5 * rng.next();
  }
}

function isFree(cx: Float64Array, cy: Float64Array, j: number, row: number, col: number): boolean {
  for (let i = 0; i < j; i++) if (Math.floor(cx[i]) === col && Math.floor(cy[i]) === row) return false;
  return true;
}
