/**
 * The two inner loops of Voronoi crossover (crossover.ts): splitting the latent plane into runs of
 * positions that share a cell's parent, and copying those runs, for every channel, into a child.
 * Both are on the hot path of a generation (50 children should cost a few plain copies), so they
 * trade some brevity for speed; their results are exactly those of the plain algorithms described
 * on each function.
 *
 * @module
 */

/** Runs of at least this many values are copied by `set`; shorter ones by a loop (`set` plus its `subarray` cost more). */
const SET_THRESHOLD = 128;

/** Per-centre scratch of {@link voronoiRuns}, allocated once by {@link createWalkScratch} and reused for every child. */
export type WalkScratch = {
  /** Centre indices in order of x (ties by index). */
  readonly order: Uint32Array;
  /** x, y, x^2 and owner of the centres in that order. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly xx: Float64Array;
  readonly owner: Uint32Array;
  /** The current row's `x^2 + (row + 0.5 - y)^2`, in that order. */
  readonly a: Float64Array;
};

/**
 * Allocates the scratch of {@link voronoiRuns} for `m` centres.
 *
 * @param m Number of centres.
 * @returns Fresh scratch arrays.
 * @example
 * ```ts
 * import { createWalkScratch } from "./voronoi-runs.ts";
 * createWalkScratch(6).x.length; // 6
 * ```
 */
export function createWalkScratch(m: number): WalkScratch {
  return {
    order: new Uint32Array(m),
    x: new Float64Array(m),
    y: new Float64Array(m),
    xx: new Float64Array(m),
    owner: new Uint32Array(m),
    a: new Float64Array(m),
  };
}

/**
 * Splits the flattened `H x W` plane into runs of positions whose nearest centre (Euclidean, to the
 * pixel centre) has the same owner. Along a row the squared distance to centre j is
 * `x^2 - 2 cx_j x + a_j`, so the nearest centre is the lower envelope of the lines `a_j - 2 cx_j x`:
 * start from the nearest centre to the first pixel (ties: lowest index) and walk the envelope to
 * the right. From centre `cur` the next one is, among the centres with larger `cx`, the one whose
 * line crosses first, at `x = (a_j - a_cur) / (2 (cx_j - cx_cur))` (ties: larger `cx`, then lowest
 * index). Sorting the centres by `cx` once per plane makes those candidates the ones after `cur`.
 * Runs of the same owner that meet (also across a row end) are one run.
 *
 * @param cx Centre x in latent pixels (column + offset within it).
 * @param cy Centre y in latent pixels.
 * @param owner The owner (parent index) of each centre.
 * @param H Rows.
 * @param W Columns.
 * @param runStart Out: the flat start of each run, then `H*W`; room for `H * min(m, W) + 1`.
 * @param runOwner Out: the owner of each run; room for `H * min(m, W)`.
 * @param s Scratch from {@link createWalkScratch} for `cx.length` centres.
 * @returns The number of runs.
 * @example
 * ```ts
 * import { createWalkScratch, voronoiRuns } from "./voronoi-runs.ts";
 * const start = new Uint32Array(3), owner = new Uint32Array(2);
 * const cx = new Float64Array([1, 3]), cy = new Float64Array([0.5, 0.5]);
 * voronoiRuns(cx, cy, new Uint32Array([0, 1]), 1, 4, start, owner, createWalkScratch(2)); // 2; start [0, 2, 4]
 * ```
 */
export function voronoiRuns(
  cx: Float64Array,
  cy: Float64Array,
  owner: Uint32Array,
  H: number,
  W: number,
  runStart: Uint32Array,
  runOwner: Uint32Array,
  s: WalkScratch,
): number {
  const m = cx.length;
  const { order, x: sx, y: sy, xx, owner: so, a } = s;
  for (let j = 0; j < m; j++) {
    let i = j;
    for (; i > 0 && cx[order[i - 1]] > cx[j]; i--) order[i] = order[i - 1];
    order[i] = j;
  }
  for (let i = 0; i < m; i++) {
    const j = order[i];
    sx[i] = cx[j];
    sy[i] = cy[j];
    xx[i] = cx[j] * cx[j];
    so[i] = owner[j];
  }
  let runs = 0, last = -1;
  for (let row = 0; row < H; row++) {
    const y = row + 0.5;
    // Nearest centre to the first pixel centre, x = 0.5 (up to the constant 0.25).
    let cur = 0, best = Infinity;
    for (let i = 0; i < m; i++) {
      const dy = y - sy[i];
      const ai = xx[i] + dy * dy;
      a[i] = ai;
      const f = ai - sx[i];
      if (f < best || (f === best && order[i] < order[cur])) {
        best = f;
        cur = i;
      }
    }
    for (let col = 0;;) {
      let next = -1, xNext = Infinity;
      const xc = sx[cur], ac = a[cur];
      for (let i = cur + 1; i < m; i++) {
        const dc = sx[i] - xc;
        if (dc <= 0) continue; // same cx: never crosses
        const xi = (a[i] - ac) / (2 * dc);
        if (xi < xNext || (xi === xNext && next >= 0 && sx[i] > sx[next])) {
          xNext = xi;
          next = i;
        }
      }
      // Pixel `c` (centre c + 0.5) switches owner when c + 0.5 > xNext.
      const end = next < 0 ? W : Math.min(W, Math.max(col, Math.floor(xNext - 0.5) + 1));
      if (end > col) {
        const p = so[cur];
        if (p !== last) {
          runStart[runs] = row * W + col;
          runOwner[runs] = p;
          runs++;
          last = p;
        }
        col = end;
      }
      if (next < 0 || col >= W) break;
      cur = next;
    }
  }
  runStart[runs] = H * W;
  return runs;
}

/**
 * Copies every run, for every channel, from its parent at the same flat position: first the whole
 * parent that owns the most positions with one `set` (a memcpy), then the other parents' runs over
 * it. Long runs go through `set` (each call costs a `subarray` object); short runs through loops
 * over Float64Array views, two float32 values per step, and for four channels (the latents of the
 * Stable Diffusion family) all four in one pass. That pairing is bit-exact here: a float64 can only
 * be a NaN (whose bits an engine may rewrite) when its high float32 is a NaN or an infinity, and
 * the parents were checked finite.
 *
 * @param out The child, `C * plane` values.
 * @param sources The parents' data.
 * @param wide Float64 views of the parents' data when every parent is 8-byte aligned, else undefined.
 * @param runStart Run starts from {@link voronoiRuns}, then `plane`.
 * @param runOwner Parent index of each run.
 * @param runs Number of runs.
 * @param C Channels.
 * @param plane Positions per channel, `H*W`.
 * @param area Scratch of one number per parent.
 * @example
 * ```ts
 * import { copyRuns } from "./voronoi-runs.ts";
 * const out = new Float32Array(4), a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]);
 * copyRuns(out, [a, b], undefined, new Uint32Array([0, 1, 2]), new Uint32Array([0, 1]), 2, 2, 2, new Float64Array(2));
 * // out: [1, 6, 3, 8]
 * ```
 */
export function copyRuns(
  out: Float32Array,
  sources: readonly Float32Array[],
  wide: readonly Float64Array[] | undefined,
  runStart: Uint32Array,
  runOwner: Uint32Array,
  runs: number,
  C: number,
  plane: number,
  area: Float64Array,
): void {
  area.fill(0);
  for (let r = 0; r < runs; r++) area[runOwner[r]] += runStart[r + 1] - runStart[r];
  let most = 0;
  for (let p = 1; p < area.length; p++) if (area[p] > area[most]) most = p;
  out.set(sources[most]);
  // Pairs line up with every channel's start only when the plane has an even size.
  const out64 = wide !== undefined && out.byteOffset % 8 === 0 && plane % 2 === 0
    ? new Float64Array(out.buffer, out.byteOffset, out.length >> 1)
    : undefined;
  const size = C * plane, half = plane >> 1;
  for (let r = 0; r < runs; r++) {
    const p = runOwner[r];
    if (p === most) continue;
    const src = sources[p];
    let from = runStart[r], to = runStart[r + 1];
    if (to - from >= SET_THRESHOLD) {
      for (let b = 0; b < size; b += plane) out.set(src.subarray(b + from, b + to), b + from);
      continue;
    }
    if (out64 === undefined) {
      for (let b = 0; b < size; b += plane) for (let i = b + from; i < b + to; i++) out[i] = src[i];
      continue;
    }
    const src64 = wide![p];
    // An odd end value of each channel alone, then pairs.
    if (from & 1) {
      for (let i = from; i < size; i += plane) out[i] = src[i];
      from++;
    }
    if (to & 1) {
      to--;
      for (let i = to; i < size; i += plane) out[i] = src[i];
    }
    if (C === 4) {
      for (let i = from >> 1, e = to >> 1; i < e; i++) {
        out64[i] = src64[i];
        out64[i + half] = src64[i + half];
        out64[i + 2 * half] = src64[i + 2 * half];
        out64[i + 3 * half] = src64[i + 3 * half];
      }
    } else {
      for (let b = 0; b < size >> 1; b += half) {
        for (let i = b + (from >> 1), e = b + (to >> 1); i < e; i++) out64[i] = src64[i];
      }
    }
  }
}
