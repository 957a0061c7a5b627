import assert from "node:assert/strict";
import {
  createRng,
  type Latent,
  randomLatent,
  regionCrossover,
  type Shape,
  voronoiCellMap,
  voronoiChildren,
  voronoiCrossover,
} from "../../core/mod.ts";
import { assertNormal } from "./stats.ts";

const FRESH = -1;

/**
 * Invariant checker (in the spirit of delaunator's validate()): every position of `child` takes
 * all its channels, bit for bit, from one parent at the same position. Positions listed in
 * `mayBeFresh` may instead hold values found in no parent (returned as FRESH). Returns the owner
 * of every position (row-major).
 */
function checkCrossover(child: Latent, parents: readonly Latent[], mayBeFresh?: (pos: number) => boolean) {
  const [C, H, W] = child.shape;
  const plane = H * W;
  const bits = new Uint32Array(child.data.buffer, child.data.byteOffset, child.data.length);
  const parentBits = parents.map((p) => new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.length));
  const owner = new Int32Array(plane);
  for (let pos = 0; pos < plane; pos++) {
    owner[pos] = parentBits.findIndex((pb) => {
      for (let c = 0; c < C; c++) if (pb[c * plane + pos] !== bits[c * plane + pos]) return false;
      return true;
    });
    if (owner[pos] < 0) {
      assert.ok(mayBeFresh?.(pos), `position (row ${Math.floor(pos / W)}, col ${pos % W}) mixes parents`);
      for (let c = 0; c < C; c++) {
        const v = bits[c * plane + pos];
        assert.ok(
          parentBits.every((pb) => pb[c * plane + pos] !== v),
          "a fresh value must not be a parent's",
        );
      }
      owner[pos] = FRESH;
    }
  }
  return owner;
}

function parentsOf(k: number, shape: Shape, seed: number): Latent[] {
  const rng = createRng(seed);
  return Array.from({ length: k }, () => randomLatent(shape, rng));
}

Deno.test("voronoiCrossover() keeps all channels of a position from one parent, at that position", () => {
  for (const [k, shape, cells] of [[3, [4, 64, 64], 6], [2, [3, 17, 29], 5], [5, [4, 8, 8], 3]] as const) {
    const parents = parentsOf(k, shape, k);
    const rng = createRng(`v${k}`);
    for (let n = 0; n < 10; n++) checkCrossover(voronoiCrossover(parents, rng, { cells }), parents);
  }
});

Deno.test("voronoiCrossover() cells are convex: each row crosses a parent's area at most (cells per parent) times", () => {
  // A wrong nearest-centre computation breaks this long before it breaks the invariant above.
  const parents = parentsOf(3, [1, 48, 80], 7);
  const rng = createRng(8);
  for (const cells of [3, 6]) {
    for (let n = 0; n < 20; n++) {
      const owner = checkCrossover(voronoiCrossover(parents, rng, { cells }), parents);
      for (let row = 0; row < 48; row++) {
        const intervals = [0, 0, 0];
        for (let col = 0; col < 80; col++) {
          const o = owner[row * 80 + col];
          if (col === 0 || owner[row * 80 + col - 1] !== o) intervals[o]++;
        }
        assert.ok(intervals.every((c) => c <= cells / 3), `row ${row}: ${intervals}`);
      }
    }
  }
});

Deno.test("voronoiCrossover() on a latent with fewer positions than 2k cells takes one cell per position", () => {
  const rng = createRng(8);
  const parents = Array.from({ length: 40 }, () => randomLatent([4, 3, 3], rng));
  const owner = checkCrossover(voronoiCrossover(parents, rng), parents);
  assert.equal(new Set(owner).size, 9);
});

Deno.test("voronoiCrossover() uses every parent when cells >= parents", () => {
  const rng = createRng(9);
  for (const [k, shape] of [[2, [4, 64, 64]], [3, [4, 64, 64]], [5, [1, 4, 4]], [4, [2, 3, 50]]] as const) {
    const parents = parentsOf(k, shape, 10 + k);
    for (const cells of [k, k + 1, 2 * k, 3 * k]) {
      for (let n = 0; n < 10; n++) {
        const owner = checkCrossover(voronoiCrossover(parents, rng, { cells }), parents);
        const seen = new Set(owner);
        assert.equal(seen.size, k, `k=${k} cells=${cells}: parents ${[...seen]}`);
      }
    }
  }
});

Deno.test("voronoiCrossover() defaults to 2k cells, each parent in about 1/k of the plane", () => {
  const parents = parentsOf(3, [1, 64, 64], 11);
  const rng = createRng(12);
  const share = [0, 0, 0];
  for (let n = 0; n < 60; n++) {
    for (const o of checkCrossover(voronoiCrossover(parents, rng), parents)) share[o]++;
  }
  for (const s of share) assert.ok(Math.abs(s / (60 * 4096) - 1 / 3) < 0.05, `shares ${share}`);
  // The default is 2k cells exactly: the same child as asking for them, and not k's.
  for (const k of [2, 3, 5]) {
    const many = parentsOf(k, [1, 32, 32], 20 + k);
    const child = voronoiCrossover(many, createRng(k)).data;
    assert.deepEqual(child, voronoiCrossover(many, createRng(k), { cells: 2 * k }).data, `k=${k}`);
    assert.notDeepEqual(child, voronoiCrossover(many, createRng(k), { cells: k }).data, `k=${k}`);
  }
});

Deno.test("voronoiCrossover() with one parent or one cell copies a parent", () => {
  const parents = parentsOf(3, [4, 16, 16], 13);
  const rng = createRng(14);
  assert.deepEqual(voronoiCrossover([parents[1]], rng).data, parents[1].data);
  assert.deepEqual(voronoiCrossover(parents, rng, { cells: 1 }).data, parents[0].data);
  assert.notEqual(voronoiCrossover([parents[1]], rng).data, parents[1].data, "a copy, not the same array");
});

Deno.test("voronoiCrossover() keeps N(0,1) statistics", () => {
  const parents = parentsOf(3, [4, 64, 64], 15);
  const rng = createRng(16);
  for (let n = 0; n < 5; n++) assertNormal(voronoiCrossover(parents, rng));
});

Deno.test("voronoiCrossover() gives the same child for the same seed", () => {
  const parents = parentsOf(3, [4, 32, 32], 17);
  assert.deepEqual(
    voronoiCrossover(parents, createRng(1)).data,
    voronoiCrossover(parents, createRng(1)).data,
  );
  assert.notDeepEqual(
    voronoiCrossover(parents, createRng(1)).data,
    voronoiCrossover(parents, createRng(2)).data,
  );
});

Deno.test("voronoiChildren() equals successive voronoiCrossover() calls on one generator", () => {
  const parents = parentsOf(3, [4, 32, 32], 18);
  const a = createRng(3), b = createRng(3);
  const batch = voronoiChildren(parents, 6, a, { cells: 7 });
  assert.equal(batch.length, 6);
  for (const child of batch) assert.deepEqual(child.data, voronoiCrossover(parents, b, { cells: 7 }).data);
  assert.deepEqual(voronoiChildren(parents, 0, a), []);
});

Deno.test("voronoiChildren() writes into reused arrays exactly what it would allocate", () => {
  const parents = parentsOf(3, [4, 16, 16], 27);
  const into = Array.from({ length: 4 }, () => new Float32Array(1024).fill(7));
  const reused = voronoiChildren(parents, 4, createRng(4), { into });
  const fresh = voronoiChildren(parents, 4, createRng(4));
  reused.forEach((child, i) => {
    assert.equal(child.data, into[i]);
    assert.deepEqual(child.data, fresh[i].data);
  });
  const rng = createRng(1);
  assert.throws(() => voronoiChildren(parents, 2, rng, { into: into.slice(0, 1) }), {
    name: "TypeError",
    message: /^Cannot cross over latents: into must be an array of 2 Float32Arrays/,
  });
  assert.throws(
    () => voronoiChildren(parents, 1, rng, { into: [new Float32Array(10)] }),
    /into\[0\] needs 1024 values, got 10/,
  );
  assert.throws(() => voronoiChildren(parents, 1, rng, { into: [parents[0].data] }), /shares memory/);
  assert.throws(() => voronoiChildren(parents, 2, rng, { into: [into[0], into[0]] }), /shares memory/);
  // Two parts of one buffer: disjoint ones are fine, overlapping ones clash.
  const buffer = new Float32Array(3 * 1024);
  assert.doesNotThrow(() =>
    voronoiChildren(parents, 2, rng, { into: [buffer.subarray(0, 1024), buffer.subarray(1024, 2048)] })
  );
  assert.throws(
    () => voronoiChildren(parents, 2, rng, { into: [buffer.subarray(0, 1024), buffer.subarray(512, 1536)] }),
    /into\[1\] shares memory/,
  );
});

Deno.test("voronoiCrossover() rejects invalid input naming the operation", () => {
  const parents = parentsOf(2, [4, 8, 8], 19);
  const rng = createRng(1);
  const op = /^Cannot cross over latents: /;
  assert.throws(() => voronoiCrossover([], rng), { name: "RangeError", message: /no latents \(0 parents\)/ });
  assert.throws(() => voronoiCrossover("x" as never, rng), { name: "TypeError", message: op });
  assert.throws(() => voronoiCrossover([parents[0], randomLatent([4, 8, 4], rng)], rng), {
    name: "RangeError",
    message: "Cannot cross over latents: expected shape [4,8,8], got [4,8,4]",
  });
  for (const cells of [0, -1, 1.5, NaN, 65]) {
    assert.throws(() => voronoiCrossover(parents, rng, { cells }), {
      name: "RangeError",
      message: new RegExp(`cells must be an integer in \\[1, 64\\].*got ${cells}$`),
    });
  }
  const bad = { shape: parents[0].shape, data: parents[0].data.slice() };
  bad.data[3] = Infinity;
  assert.throws(() => voronoiCrossover([parents[0], bad], rng), {
    name: "RangeError",
    message: /Cannot cross over latents: parent 1 has a non-finite value Infinity at index 3/,
  });
  assert.throws(() => voronoiChildren(parents, -1, rng), { name: "RangeError", message: op });
});

// ---- region recombination ----

Deno.test("regionCrossover() gives each position to the parent whose nearest click is closest", () => {
  // A wide, short latent: a row/column mix-up (sdstudio's) would put the cut in the wrong place.
  const shape = [2, 8, 32] as const;
  const parents = parentsOf(2, shape, 20);
  const child = regionCrossover([
    { latent: parents[0], points: [{ x: 0.1, y: 0.9 }] }, // bottom-left
    { latent: parents[1], points: [{ x: 0.9, y: 0.1 }] }, // top-right
  ], createRng(1));
  const owner = checkCrossover(child, parents);
  for (let row = 0; row < 8; row++) {
    for (let col = 0; col < 32; col++) {
      const x = (col + 0.5) / 32, y = (row + 0.5) / 8;
      // Distances in latent pixels: x scales by W, y by H.
      const d0 = Math.hypot((x - 0.1) * 32, (y - 0.9) * 8), d1 = Math.hypot((x - 0.9) * 32, (y - 0.1) * 8);
      assert.equal(owner[row * 32 + col], d0 < d1 ? 0 : 1, `row ${row}, col ${col}`);
    }
  }
  assert.equal(owner[7 * 32 + 0], 0);
  assert.equal(owner[0 * 32 + 31], 1);
});

Deno.test("regionCrossover() uses a parent's nearest click among several", () => {
  const parents = parentsOf(3, [1, 16, 16], 21);
  const child = regionCrossover([
    { latent: parents[0], points: [{ x: 0.1, y: 0.1 }, { x: 0.9, y: 0.9 }] },
    { latent: parents[1], points: [{ x: 0.9, y: 0.1 }] },
    { latent: parents[2], points: [{ x: 0.1, y: 0.9 }] },
  ], createRng(1));
  const owner = checkCrossover(child, parents);
  assert.equal(owner[0], 0);
  assert.equal(owner[255], 0);
  assert.equal(owner[15], 1);
  assert.equal(owner[240], 2);
});

Deno.test("regionCrossover() clickDisc puts fresh values in a disc around every click", () => {
  const parents = parentsOf(2, [4, 32, 32], 22);
  const clicks = [{ x: 0.25, y: 0.5 }, { x: 0.75, y: 0.5 }];
  const radius = 2.5;
  const inDisc = (pos: number) => {
    const x = (pos % 32) + 0.5, y = Math.floor(pos / 32) + 0.5;
    return clicks.some((p) => Math.hypot(x - p.x * 32, y - p.y * 32) <= radius);
  };
  const child = regionCrossover(
    [
      { latent: parents[0], points: [clicks[0]] },
      { latent: parents[1], points: [clicks[1]] },
    ],
    createRng(2),
    { clickDisc: radius },
  );
  const owner = checkCrossover(child, parents, inDisc);
  for (let pos = 0; pos < 1024; pos++) assert.equal(owner[pos] === -1, inDisc(pos), `position ${pos}`);
});

Deno.test("regionCrossover() seam noise: child 0 is a clean cut, later children blend wider seams", () => {
  const parents = parentsOf(2, [4, 64, 64], 23);
  const input = [
    { latent: parents[0], points: [{ x: 0.3, y: 0.4 }] },
    { latent: parents[1], points: [{ x: 0.7, y: 0.6 }] },
  ];
  const fresh: number[] = [];
  for (const index of [0, 2, 5, 7]) {
    const child = regionCrossover(input, createRng(index), { seamNoise: { index, count: 8 } });
    const f = 1 + index / 8;
    const near = (pos: number) => {
      const x = (pos % 64) + 0.5, y = Math.floor(pos / 64) + 0.5;
      const d0 = Math.hypot(x - 0.3 * 64, y - 0.4 * 64), d1 = Math.hypot(x - 0.7 * 64, y - 0.6 * 64);
      return Math.min(d0, d1) > Math.max(d0, d1) / f;
    };
    const owner = checkCrossover(child, parents, near);
    let count = 0;
    for (let pos = 0; pos < 4096; pos++) if (owner[pos] === -1) count++;
    fresh.push(count);
    assertNormal(child);
  }
  assert.equal(fresh[0], 0);
  for (let i = 1; i < fresh.length; i++) assert.ok(fresh[i] > fresh[i - 1], `fresh counts ${fresh}`);
});

Deno.test("regionCrossover() keeps N(0,1) statistics and is reproducible", () => {
  const parents = parentsOf(3, [4, 64, 64], 24);
  const input = parents.map((latent, i) => ({ latent, points: [{ x: i / 3 + 0.1, y: 0.5 }] }));
  const options = { clickDisc: 2, seamNoise: { index: 4, count: 8 } };
  const a = regionCrossover(input, createRng(5), options);
  assertNormal(a);
  assert.deepEqual(a.data, regionCrossover(input, createRng(5), options).data);
});

Deno.test("regionCrossover() rejects invalid input naming the operation", () => {
  const [a, b] = parentsOf(2, [4, 8, 8], 25);
  const rng = createRng(1);
  const p = [{ x: 0.5, y: 0.5 }];
  assert.throws(() => regionCrossover([], rng), {
    name: "RangeError",
    message: /^Cannot recombine regions: got no parents/,
  });
  assert.throws(() => regionCrossover([{ latent: a, points: [] }], rng), {
    name: "RangeError",
    message: /parent 0 has no points/,
  });
  assert.throws(() => regionCrossover([{ latent: a, points: [{ x: -0.1, y: 0.5 }] }], rng), {
    name: "RangeError",
    message: /^Cannot recombine regions: point 0 must lie in \[0,1\]\^2/,
  });
  assert.throws(
    () =>
      regionCrossover([{ latent: a, points: p }, { latent: randomLatent([4, 4, 8], rng), points: p }], rng),
    {
      name: "RangeError",
      message: /expected shape \[4,8,8\], got \[4,4,8\]/,
    },
  );
  assert.throws(() => regionCrossover([{ latent: a, points: p }], rng, { clickDisc: -1 }), /clickDisc/);
  assert.throws(
    () =>
      regionCrossover([{ latent: a, points: p }, { latent: b, points: p }], rng, {
        seamNoise: { index: 8, count: 8 },
      }),
    { name: "RangeError", message: /seamNoise needs integers 0 <= index < count/ },
  );
  assert.throws(() => regionCrossover([null as never], rng), TypeError);
});

Deno.test("voronoiCellMap() matches a brute-force nearest-centre search", () => {
  const rng = createRng(26);
  for (const [H, W, m] of [[64, 64, 6], [17, 29, 5], [8, 80, 12], [5, 5, 1], [40, 3, 9]]) {
    for (let n = 0; n < 20; n++) {
      const centres = Array.from({ length: m }, () => ({ x: rng.next(), y: rng.next() }));
      const map = voronoiCellMap(centres, H, W);
      for (let row = 0; row < H; row++) {
        for (let col = 0; col < W; col++) {
          const d = centres.map((c) => Math.hypot(col + 0.5 - c.x * W, row + 0.5 - c.y * H));
          const got = map[row * W + col];
          // Ties (equal distance within rounding) may go either way.
          assert.ok(d[got] <= Math.min(...d) + 1e-9, `H=${H} W=${W} row ${row} col ${col}: cell ${got}`);
        }
      }
    }
  }
  assert.deepEqual([...voronoiCellMap([{ x: 0.25, y: 0.5 }, { x: 0.75, y: 0.5 }], 1, 4)], [0, 0, 1, 1]);
  assert.throws(() => voronoiCellMap([], 4, 4), { name: "RangeError", message: /^Cannot map Voronoi cells/ });
});
