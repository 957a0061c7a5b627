/**
 * The simulated-user study: how fast each strategy brings a simulated person to the image it has in
 * mind, at equal numbers of images shown. Prints a markdown table headed by the machine, writes
 * bench/results/study.json, study.md and study.svg.
 *
 * Usage: `node_modules/.bin/deno run -A bench/study.ts [--seeds=30] [--generations=10]
 * [--population=8] [--k=2] [--noise=0.05] [--quick] [--stand-in] [--extra] [--seed=NAME] [--out=study]`
 * (`--quick`: 4 seeds of 4 generations; `--stand-in`: the tiny pure-TS renderer instead of the
 * built-in model, for a smoke test; `--extra`: also other values of evolve()'s defaults; `--seed`:
 * another base seed, i.e. fresh targets and streams, to check on held-out seeds a default that was
 * chosen on the default ones. Each of these writes study-<flags>.* instead of study.*).
 *
 * @module
 */
import { describeMachine, machineLine } from "./lib/machine.ts";
import { createModelRenderer } from "./study/model.ts";
import { createStandInRenderer } from "./study/renderer.ts";
import { studyMarkdown, studySvg } from "./study/report.ts";
import { runStudy } from "./study/run.ts";
import { paperRules, reroll, voronoiOnly } from "./study/strategies.ts";
import { evolveDefaultVariants, evolveStrategies } from "./study/evolve-strategies.ts";

/** Reads `--name=value` / `--name value` / `--flag` arguments. */
function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new TypeError(`Cannot run the study: unknown argument ${JSON.stringify(argv[i])}`);
    const next = argv[i + 1];
    out.set(m[1], m[2] ?? (next !== undefined && !next.startsWith("--") ? (i++, next) : "true"));
  }
  return out;
}

const args = parseArgs(Deno.args);
const quick = args.has("quick");
const num = (name: string, fallback: number) => {
  const v = Number(args.get(name) ?? fallback);
  if (!Number.isFinite(v)) {
    throw new TypeError(`Cannot run the study: --${name} must be a number, got ${args.get(name)}`);
  }
  return v;
};
const variant = ["quick", "stand-in", "extra"].filter((a) => args.has(a));
const seed = args.get("seed");
if (seed !== undefined && !/^[\w-]+$/.test(seed)) {
  throw new TypeError(
    `Cannot run the study: --seed must be letters, digits, - or _, got ${JSON.stringify(seed)}`,
  );
}
const out = args.get("out") ?? ["study", ...variant, ...(seed ? [`seed-${seed}`] : [])].join("-");
const renderer = args.has("stand-in") ? createStandInRenderer([4, 32, 32], 8) : await createModelRenderer();
const strategies = [
  reroll,
  paperRules(),
  { ...paperRules({ clicks: false }), ablationOf: paperRules().name },
  voronoiOnly(),
  ...evolveStrategies(),
  ...(args.has("extra") ? evolveDefaultVariants() : []),
];

const machine = describeMachine();
console.log(`### Simulated-user study\n\n${machineLine(machine)}\n`);
const result = await runStudy({
  renderer,
  strategies,
  seeds: num("seeds", quick ? 4 : 30),
  generations: num("generations", quick ? 4 : 10),
  population: num("population", 8),
  k: num("k", 2),
  noise: num("noise", 0.05),
  prompts: ["a misty fjord at dawn", "desert sunset over dunes", "alpine lake at noon", "a valley at night"],
  ...(seed ? { seed } : {}),
  onSeed: (done, total) => Deno.stderr.writeSync(new TextEncoder().encode(`\rseed ${done}/${total}`)),
});
await renderer.dispose();
console.error("");
const markdown = studyMarkdown(result);
console.log(markdown);
console.log(`Total ${(result.totalMs / 1000).toFixed(1)} s.`);

const dir = new URL("./results/", import.meta.url);
await Deno.mkdir(dir, { recursive: true });
// Indented, but with each array of numbers (a seed's curve) on one line.
const json = JSON.stringify({ machine, ...result }, null, 1)
  .replace(
    /\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g,
    (_, nums: string) => `[${nums.replace(/\s+/g, "")}]`,
  );
await Deno.writeTextFile(new URL(`${out}.json`, dir), json + "\n");
await Deno.writeTextFile(new URL(`${out}.md`, dir), `${machineLine(machine)}\n\n${markdown}`);
await Deno.writeTextFile(new URL(`${out}.svg`, dir), studySvg(result));
console.log(`Wrote bench/results/${out}.json, ${out}.md, ${out}.svg`);
