import assert from "node:assert/strict";
import { createRng } from "../../core/rng.ts";
import { copyRuns, createWalkScratch, voronoiRuns } from "../../core/voronoi-runs.ts";

/**
 * The envelope walk as first written (every centre tested at every step, no sorting), kept here as
 * the reference: voronoiRuns must give exactly its runs, ties and rounding included, because
 * lineage replay and pinned children depend on them.
 */
function referenceRuns(cx: Float64Array, cy: Float64Array, owner: Uint32Array, H: number, W: number) {
  const m = cx.length, a = new Float64Array(m);
  const start: number[] = [], parent: number[] = [];
  for (let row = 0; row < H; row++) {
    const y = row + 0.5;
    for (let j = 0; j < m; j++) a[j] = cx[j] * cx[j] + (y - cy[j]) * (y - cy[j]);
    let cur = 0, best = Infinity;
    for (let j = 0; j < m; j++) {
      const f = a[j] - cx[j];
      if (f < best) {
        best = f;
        cur = j;
      }
    }
    let col = 0;
    while (col < W) {
      let next = -1, xNext = Infinity;
      for (let j = 0; j < m; j++) {
        const dc = cx[j] - cx[cur];
        if (dc <= 0) continue;
        const x = (a[j] - a[cur]) / (2 * dc);
        if (x < xNext || (x === xNext && cx[j] > cx[next])) {
          xNext = x;
          next = j;
        }
      }
      const end = next < 0 ? W : Math.min(W, Math.max(col, Math.floor(xNext - 0.5) + 1));
      if (end > col) {
        const p = owner[cur];
        if (parent.length === 0 || parent[parent.length - 1] !== p) {
          start.push(row * W + col);
          parent.push(p);
        }
        col = end;
      }
      if (next < 0) break;
      cur = next;
    }
  }
  start.push(H * W);
  return { start, parent };
}

function walk(cx: number[], cy: number[], owner: number[], H: number, W: number) {
  const m = cx.length;
  const start = new Uint32Array(H * Math.min(m, W) + 1), parent = new Uint32Array(H * Math.min(m, W));
  const runs = voronoiRuns(
    Float64Array.from(cx),
    Float64Array.from(cy),
    Uint32Array.from(owner),
    H,
    W,
    start,
    parent,
    createWalkScratch(m),
  );
  return { start: [...start.subarray(0, runs + 1)], parent: [...parent.subarray(0, runs)] };
}

Deno.test("voronoiRuns() gives exactly the runs of the unsorted envelope walk", () => {
  const rng = createRng("runs");
  for (const [H, W] of [[64, 64], [7, 5], [1, 9], [9, 1], [16, 40]]) {
    for (const m of [1, 2, 3, 6, 17]) {
      for (let n = 0; n < 20; n++) {
        const cx = Array.from({ length: m }, () => rng.next() * W);
        const cy = Array.from({ length: m }, () => rng.next() * H);
        const owner = Array.from({ length: m }, (_, j) => j % 3);
        assert.deepEqual(
          walk(cx, cy, owner, H, W),
          referenceRuns(Float64Array.from(cx), Float64Array.from(cy), Uint32Array.from(owner), H, W),
        );
      }
    }
  }
});

Deno.test("voronoiRuns() breaks ties as the unsorted walk does: equal x, equal distances, same centre twice", () => {
  const cases: [number[], number[]][] = [
    [[2.5, 2.5, 1.25, 3.75], [1.5, 3.5, 2.5, 2.5]], // columns and rows of equal x and y
    [[3, 1, 3, 5, 1], [1, 3, 5, 3, 1]], // a diamond: many crossings on pixel edges
    [[2, 2, 2], [2, 2, 2]], // one point three times
    [[0, 8, 4, 4], [0, 0, 0, 8]], // corners and a crossing at x = 4 exactly
  ];
  for (const [cx, cy] of cases) {
    for (const owner of [cx.map((_, j) => j), cx.map((_, j) => (cx.length - 1 - j) % 2)]) {
      for (const [H, W] of [[8, 8], [5, 9]]) {
        assert.deepEqual(
          walk(cx, cy, owner, H, W),
          referenceRuns(Float64Array.from(cx), Float64Array.from(cy), Uint32Array.from(owner), H, W),
        );
      }
    }
  }
});

Deno.test("copyRuns() copies every run from its parent, aligned or not, any channel count and plane parity", () => {
  const rng = createRng("copy");
  for (const [C, H, W] of [[4, 16, 16], [3, 8, 20], [1, 7, 5], [2, 3, 9], [5, 4, 4], [4, 64, 64]]) {
    const plane = H * W, size = C * plane;
    for (const offset of [0, 1]) {
      for (const k of [1, 2, 3]) {
        const sources = Array.from({ length: k }, () => {
          const d = new Float32Array(size + 1).subarray(offset, offset + size);
          return rng.fillNormal(d);
        });
        const wide = offset === 0
          ? sources.map((d) => new Float64Array(d.buffer, d.byteOffset, size >> 1))
          : undefined;
        // Random runs, short and long, each from a parent other than the previous run's.
        const start = [0], parent: number[] = [];
        while (start[start.length - 1] < plane) {
          const len = 1 + (rng.next() < 0.2 ? rng.int(300) : rng.int(20));
          let p = rng.int(k);
          if (k > 1 && p === parent[parent.length - 1]) p = (p + 1) % k;
          parent.push(p);
          start.push(Math.min(plane, start[start.length - 1] + len));
        }
        for (const outOffset of [0, 1]) {
          const out = new Float32Array(size + 1).subarray(outOffset, outOffset + size);
          copyRuns(
            out,
            sources,
            wide,
            Uint32Array.from(start),
            Uint32Array.from(parent),
            parent.length,
            C,
            plane,
            new Float64Array(k),
          );
          const want = new Float32Array(size);
          for (let r = 0; r < parent.length; r++) {
            for (let c = 0; c < C; c++) {
              for (let i = start[r]; i < start[r + 1]; i++) {
                want[c * plane + i] = sources[parent[r]][c * plane + i];
              }
            }
          }
          assert.deepEqual(out, want, `shape [${C},${H},${W}], offsets ${offset}/${outOffset}, ${k} parents`);
        }
      }
    }
  }
});
