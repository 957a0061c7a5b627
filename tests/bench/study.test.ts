import assert from "node:assert/strict";
import { createRng } from "../../core/rng.ts";
import { randomLatent } from "../../core/latent.ts";
import { createStandInRenderer } from "../../bench/study/renderer.ts";
import { contrast, progressCurve, runStudy, type StudyResult } from "../../bench/study/run.ts";
import { paperRules, reroll, type Strategy, voronoiOnly } from "../../bench/study/strategies.ts";
import { evolveStrategies } from "../../bench/study/evolve-strategies.ts";
import { studyMarkdown, studySvg } from "../../bench/study/report.ts";
import { createSimulatedUser } from "../../bench/study/user.ts";

const SHAPE = [4, 8, 8] as const;

function tinyStudy(strategies: Strategy[], seed = "test"): Promise<StudyResult> {
  return runStudy({
    renderer: createStandInRenderer(SHAPE, 2),
    strategies,
    seeds: 3,
    generations: 4,
    population: 6,
    seed,
  });
}

Deno.test("progressCurve() is 1 - best so far / reference, never decreasing", () => {
  assert.deepEqual(progressCurve([[0.5, 0.75], [0.25], [0.375], [0.125]], 0.5), [0, 0.5, 0.5, 0.75]);
  assert.deepEqual(progressCurve([[1]], 0.5), [-1]);
  assert.throws(() => progressCurve([[0.1]], 0), /reference must be > 0, got 0/);
});

Deno.test("runStudy() with every strategy finishes and its JSON has the right shape", async () => {
  const strategies = [reroll, paperRules(), voronoiOnly(), ...evolveStrategies()];
  const result = await tinyStudy(strategies);
  const json = JSON.parse(JSON.stringify(result));
  assert.equal(json.baseline, "re-roll");
  assert.deepEqual(json.config.shape, [4, 8, 8]);
  assert.equal(json.config.imagesShown, 24);
  assert.equal(json.strategies.length, strategies.length);
  for (const s of json.strategies) {
    assert.equal(typeof s.name, "string");
    assert.equal(s.progress.length, 4);
    assert.equal(s.perSeed.length, 3);
    for (const p of s.progress) {
      for (const key of ["mean", "low", "high", "n"]) {
        assert.equal(typeof p[key], "number", `${s.name}.${key}`);
      }
      assert.ok(p.low <= p.mean && p.mean <= p.high);
      assert.equal(p.n, 3);
    }
    for (const curve of s.perSeed) {
      for (let g = 1; g < curve.length; g++) assert.ok(curve[g] >= curve[g - 1], `${s.name} progress fell`);
    }
    assert.ok(s.progress.every((p: { mean: number }) => p.mean <= 1));
  }
  // Every image shown was rendered once or taken from the cache (the reference batch, kept elites).
  assert.equal(json.renders.rendered + json.renders.reused, 3 * 6 * (1 + strategies.length * 4));
  assert.ok(json.renders.reused >= 3 * 6 * 3, "the shared reference batch was rendered again");
  // Ablations carry what their switch is worth, paired with the full strategy.
  const effects = json.strategies.map((s: { switchEffect: { of: string } | null }) =>
    s.switchEffect?.of ?? null
  );
  assert.deepEqual(effects, [
    null,
    null,
    null,
    null,
    "evolve (defaults)",
    "evolve (defaults)",
    "evolve (defaults)",
  ]);
  // Re-rolling starts from the reference batch itself: exactly 0 at generation 1.
  assert.deepEqual(json.strategies[0].perSeed.map((c: number[]) => c[0]), [0, 0, 0]);
  assert.equal(json.strategies[0].versusBaseline, null);
  for (const part of ["early", "final", "overall"]) {
    assert.match(json.strategies[1].versusBaseline[part].verdict, /^(better|worse|no clear difference)$/);
    assert.equal(typeof json.strategies[4].switchEffect[part].difference.mean, "number");
  }
});

Deno.test("runStudy() is reproducible: the same seed gives the same numbers, another seed others", async () => {
  const strategies = [reroll, paperRules(), evolveStrategies()[0]];
  const a = await tinyStudy(strategies, "repro");
  const b = await tinyStudy(strategies, "repro");
  const c = await tinyStudy(strategies, "other");
  assert.deepEqual(a.strategies.map((s) => s.perSeed), b.strategies.map((s) => s.perSeed));
  assert.notDeepEqual(a.strategies.map((s) => s.perSeed), c.strategies.map((s) => s.perSeed));
});

Deno.test("runStudy() rejects too few seeds and a population smaller than k", async () => {
  const renderer = createStandInRenderer(SHAPE, 2);
  await assert.rejects(
    () => runStudy({ renderer, strategies: [reroll], seeds: 1, generations: 2, population: 4 }),
    /seeds must be an integer >= 2, got 1/,
  );
  await assert.rejects(
    () => runStudy({ renderer, strategies: [reroll], seeds: 2, generations: 2, population: 1 }),
    /population must be an integer >= 2, got 1/,
  );
});

Deno.test("contrast() compares early, final and overall (area) on the same seeds", () => {
  const a = [[0, 0.1, 0.5], [0, 0.2, 0.4], [0, 0.3, 0.6]];
  const b = [[0, 0.1, 0.1], [0, 0.2, 0.2], [0, 0.3, 0.3]];
  const c = contrast(a, b);
  assert.equal(c.early.verdict, "no clear difference");
  assert.equal(c.early.difference.mean, 0);
  assert.equal(c.final.verdict, "better");
  assert.ok(Math.abs(c.final.difference.mean - 0.3) < 1e-12);
  // Areas differ by (0.4, 0.2, 0.3) / 3 per seed.
  assert.ok(Math.abs(c.overall.difference.mean - 0.1) < 1e-12);
  assert.equal(c.overall.verdict, "better");
});

Deno.test("runStudy() rejects an ablation whose full strategy is missing", async () => {
  await assert.rejects(
    () => tinyStudy([reroll, evolveStrategies()[1]]),
    /"evolve, surrogate off" is an ablation of "evolve \(defaults\)", which is not in the study/,
  );
});

Deno.test("paperRules() click generations re-sample only the square around the user's click", async () => {
  const renderer = createStandInRenderer(SHAPE, 2);
  const rng = createRng(3);
  const latents = Array.from({ length: 4 }, () => randomLatent(SHAPE, rng));
  const images = await renderer.render(latents, "p");
  const user = createSimulatedUser({ target: images[2], rng: createRng(1), k: 2 });
  const run = paperRules().start({ shape: SHAPE, population: 4, rng: createRng(9), firstBatch: latents });
  // Generation index 1 is a click generation: the favourite is image 2 (distance 0).
  const children = run.next({ index: 1, latents, images }, user);
  const [click] = user.points(images[2], "change", 1);
  const [, H, W] = SHAPE;
  for (const child of children) {
    for (let i = 0; i < child.data.length; i++) {
      const row = Math.floor((i % (H * W)) / W), col = i % W;
      const far = Math.max(Math.abs((col + 0.5) / W - click.x), Math.abs((row + 0.5) / H - click.y)) > 0.25;
      if (far) assert.equal(child.data[i], latents[2].data[i]);
    }
  }
  // The largest radius of the schedule (4 * 4 / 64 = 0.25) does change something.
  assert.ok(children[3].data.some((v, i) => v !== latents[2].data[i]));
});

Deno.test("voronoiOnly() children take every position from one of the two favourites", async () => {
  const renderer = createStandInRenderer(SHAPE, 2);
  const rng = createRng(4);
  const latents = Array.from({ length: 5 }, () => randomLatent(SHAPE, rng));
  const images = await renderer.render(latents, "p");
  const user = createSimulatedUser({ target: images[1], rng: createRng(1), k: 2 });
  const [a, b] = user.choose(images);
  const run = voronoiOnly().start({ shape: SHAPE, population: 5, rng: createRng(2), firstBatch: latents });
  const children = run.next({ index: 0, latents, images }, user);
  assert.equal(children.length, 5);
  for (const child of children) {
    child.data.forEach((v, i) => assert.ok(v === latents[a].data[i] || v === latents[b].data[i]));
  }
  const lonely = createSimulatedUser({ target: images[1], rng: createRng(1), k: 1 });
  assert.throws(() => run.next({ index: 0, latents, images }, lonely), /must select k >= 2, got 1/);
});

Deno.test("studyMarkdown() and studySvg() name every strategy and state the verdicts", async () => {
  const result = await tinyStudy([reroll, voronoiOnly()]);
  const md = studyMarkdown(result);
  assert.match(md, /\| re-roll \| 0\.000 ±0\.000 \|/);
  assert.match(md, /\| voronoi crossover \|/);
  assert.match(md, /\| strategy \| at gen 2 \| at gen 4 \| overall \|/);
  assert.match(md, /(Does not beat re-roll at gen 4|Every strategy beats re-roll at gen 4)/);
  assert.match(md, /(Does not beat re-roll overall|Every strategy beats re-roll overall)/);
  const svg = studySvg(result);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.match(svg, />voronoi crossover<\/text>/);
  assert.ok(!svg.includes("NaN"));
});
