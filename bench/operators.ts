/**
 * The evolution operators' cost and quality. Voronoi crossover: 50 children of `[4,64,64]` and of
 * `[3,256,256]` from 3 parents, as a ratio to copying the same bytes with
 * `Float32Array.prototype.set` in the same run (target: at most 3x), and to `slice()` (allocate and
 * copy: what producing a new latent costs at least). Diverse first batch of 8 x `[4,64,64]`: time
 * (target: under 100 ms) and blurred max-cosine against i.i.d. draws. Prints a markdown table headed
 * by the machine, writes bench/results/operators.json.
 *
 * Usage: `node_modules/.bin/deno run -A bench/operators.ts`
 *
 * @module
 */
import { createRng } from "../core/rng.ts";
import { type Latent, randomLatent, type Shape } from "../core/latent.ts";
import { voronoiChildren, voronoiCrossover } from "../core/crossover.ts";
import { copyRuns, createWalkScratch, voronoiRuns } from "../core/voronoi-runs.ts";
import { blurredMaxCosine, diverseLatents } from "../core/diversity.ts";
import { describeMachine, machineLine } from "./lib/machine.ts";
import { timeTogether } from "./lib/timing.ts";

const REPEATS = 15;
/** Rounds of the copy-versus-crossover pair: cheap calls, so more rounds steady the median. */
const COPY_REPEATS = 101;
const CHILDREN = 50;

const rng = createRng("bench-operators");
let sink = 0;

type CrossoverRow = {
  shape: Shape;
  children: number;
  voronoiChildrenMs: number;
  voronoiChildrenIntoMs: number;
  voronoiCrossoverMs: number;
  setCopyMs: number;
  sliceMs: number;
  ratioToSet: number;
  intoRatioToSet: number;
  ratioToSlice: number;
  /** Parts of a child, each as a ratio to `set`, timed in the same rounds (see {@link timeParts}). */
  parts: { walk: number; copy: number; plainLoop: number };
};
const crossover: CrossoverRow[] = [];

/**
 * Where a child's time goes, each part against `set` in the same rounds: the cell walk alone
 * (`voronoiRuns` on centres drawn beforehand, uniform over the plane), the run copy alone
 * (`copyRuns` on runs walked beforehand), and a plain loop copying each whole latent as Float64
 * pairs, which is the fastest any element-by-element JavaScript copy of the runs could be.
 */
function timeParts(parents: Latent[], shape: Shape, outs: Float32Array[]) {
  const [C, H, W] = shape, cells = 2 * parents.length;
  const owner = Uint32Array.from({ length: cells }, (_, j) => j % parents.length);
  const scratch = createWalkScratch(cells), area = new Float64Array(parents.length);
  const maxRuns = H * Math.min(cells, W);
  const planes = Array.from({ length: CHILDREN }, () => {
    const cx = Float64Array.from({ length: cells }, () => rng.next() * W);
    const cy = Float64Array.from({ length: cells }, () => rng.next() * H);
    const start = new Uint32Array(maxRuns + 1), parent = new Uint32Array(maxRuns);
    return { cx, cy, start, parent, runs: voronoiRuns(cx, cy, owner, H, W, start, parent, scratch) };
  });
  const sources = parents.map((p) => p.data);
  const pairs = (d: Float32Array) => new Float64Array(d.buffer, d.byteOffset, d.length >> 1);
  const wide = sources.map(pairs), outPairs = outs.map(pairs);
  const [set, walk, copy, plainLoop] = timeTogether([
    () => {
      for (let i = 0; i < CHILDREN; i++) outs[i].set(sources[i % 3]);
    },
    () => {
      for (const p of planes) sink += voronoiRuns(p.cx, p.cy, owner, H, W, p.start, p.parent, scratch);
    },
    () => {
      planes.forEach((p, i) => copyRuns(outs[i], sources, wide, p.start, p.parent, p.runs, C, H * W, area));
    },
    () => {
      for (let i = 0; i < CHILDREN; i++) {
        const from = wide[i % 3], to = outPairs[i];
        for (let j = 0; j < from.length; j++) to[j] = from[j];
      }
    },
  ], COPY_REPEATS);
  return { walk: walk / set, copy: copy / set, plainLoop: plainLoop / set };
}
for (const shape of [[4, 64, 64], [3, 256, 256]] as const) {
  const parents = [0, 1, 2].map(() => randomLatent(shape, rng));
  const size = shape[0] * shape[1] * shape[2];
  const outs = Array.from({ length: CHILDREN }, () => new Float32Array(size));
  const reused = Array.from({ length: CHILDREN }, () => new Float32Array(size));
  // The copying pair first, on its own: the allocating variants below leave garbage whose collection
  // would otherwise land in whichever function runs next.
  const [intoMs, set] = timeTogether([
    () => {
      sink += voronoiChildren(parents, CHILDREN, rng, { into: reused }).length;
    },
    () => {
      for (let i = 0; i < CHILDREN; i++) outs[i].set(parents[i % 3].data);
    },
  ], COPY_REPEATS);
  const parts = timeParts(parents, shape, outs);
  const [batch, single, slice] = timeTogether([
    () => {
      sink += voronoiChildren(parents, CHILDREN, rng).length;
    },
    () => {
      for (let i = 0; i < CHILDREN; i++) sink += voronoiCrossover(parents, rng).data.length;
    },
    () => {
      for (let i = 0; i < CHILDREN; i++) sink += parents[i % 3].data.slice().length;
    },
  ], REPEATS);
  crossover.push({
    shape,
    children: CHILDREN,
    voronoiChildrenMs: batch,
    voronoiChildrenIntoMs: intoMs,
    voronoiCrossoverMs: single,
    setCopyMs: set,
    sliceMs: slice,
    ratioToSet: batch / set,
    intoRatioToSet: intoMs / set,
    ratioToSlice: batch / slice,
    parts,
  });
}

const SHAPE = [4, 64, 64] as const;
const SEEDS = 10;
const BLURS = [4, 8, 16, 32];
type Method = "orthogonal" | "greedy" | "iid";
const draw = (method: Method, seed: number): Latent[] => {
  const r = createRng(`diverse-${seed}`);
  return method === "iid"
    ? Array.from({ length: 8 }, () => randomLatent(SHAPE, r))
    : diverseLatents(8, SHAPE, r, { method });
};
const methods: Method[] = ["orthogonal", "greedy", "iid"];
let seed = 0;
const times = timeTogether(methods.map((m) => () => sink += draw(m, seed++).length), REPEATS);
const diversity = methods.map((method, i) => {
  const cos = BLURS.map((blur) => {
    let s = 0;
    for (let k = 0; k < SEEDS; k++) s += blurredMaxCosine(draw(method, 1000 + k), { blur }) / SEEDS;
    return s;
  });
  return {
    method,
    ms: times[i],
    blurredMaxCosine: Object.fromEntries(BLURS.map((b, j) => [`blur${b}`, cos[j]])),
  };
});

const machine = describeMachine();
const f = (x: number, d = 2) => x.toFixed(d);
const lines = [
  "## Operators",
  "",
  machineLine(machine),
  "",
  `Voronoi crossover, ${CHILDREN} children from 3 parents (default 6 cells), medians of ${COPY_REPEATS} runs (into reused arrays and set) and ${REPEATS} (the rest):`,
  "",
  "| shape | copy with set | voronoiChildren into reused arrays | ratio to set (target <= 3) | voronoiChildren (allocating) | slice (alloc + copy) | ratio to slice | 50 x voronoiCrossover |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...crossover.map((r) =>
    `| [${r.shape}] | ${f(r.setCopyMs)} ms | ${f(r.voronoiChildrenIntoMs)} ms | ${
      f(r.intoRatioToSet, 1)
    }x | ${f(r.voronoiChildrenMs)} ms | ${f(r.sliceMs)} ms | ${f(r.ratioToSlice, 1)}x | ${
      f(r.voronoiCrossoverMs)
    } ms |`
  ),
  "",
  "Where a child's time goes, as ratios to `set` timed in the same rounds: walking the cells alone, copying the runs alone, and a plain loop copying the whole latent as Float64 pairs (the floor of any element-by-element copy in JavaScript):",
  "",
  "| shape | walk | copy runs | plain loop copy of everything |",
  "| --- | --- | --- | --- |",
  ...crossover.map((r) =>
    `| [${r.shape}] | ${f(r.parts.walk, 1)}x | ${f(r.parts.copy, 1)}x | ${f(r.parts.plainLoop, 1)}x |`
  ),
  "",
  `Diverse first batch, 8 x [4,64,64] (target under 100 ms); blurred max-cosine, mean of ${SEEDS} seeds, lower is more diverse:`,
  "",
  `| method | time | ${BLURS.map((b) => `blur ${b}`).join(" | ")} |`,
  `| --- | --- | ${BLURS.map(() => "---").join(" | ")} |`,
  ...diversity.map((d) =>
    `| ${d.method === "iid" ? "i.i.d. (randomLatent)" : `diverseLatents ${d.method}`} | ${f(d.ms, 1)} ms | ${
      BLURS.map((b) => f(d.blurredMaxCosine[`blur${b}`], 3)).join(" | ")
    } |`
  ),
];
console.log(lines.join("\n"));
await Deno.writeTextFile(
  new URL("./results/operators.json", import.meta.url),
  JSON.stringify({ machine, repeats: REPEATS, crossover, diversity, sink: sink > 0 }, null, 2) + "\n",
);
