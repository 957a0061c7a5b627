/**
 * The study's outputs for people: a markdown table and an SVG plot of progress per generation.
 *
 * @module
 */
import type { Interval } from "./stats.ts";
import type { Comparison, StudyResult } from "./run.ts";

const f3 = (v: number) => (Object.is(Math.round(v * 1000), -0) ? 0 : v).toFixed(3);
const signed = (v: number) => (v >= 0 ? "+" : "") + f3(v);
const cell = (i: Interval) => `${f3(i.mean)} ±${f3(Math.max(i.high - i.mean, 0))}`;
const compared = (c: Comparison) =>
  `${signed(c.difference.mean)} [${signed(c.difference.low)}, ${signed(c.difference.high)}] **${c.verdict}**`;

/**
 * The study as markdown: progress per generation (mean ± 95% half-width over seeds), the verdict
 * against the baseline at the last generation, and what each strategy does and costs.
 *
 * @param result The study's results.
 * @returns Markdown text.
 * @example
 * ```ts
 * import { studyMarkdown } from "./report.ts";
 * declare const result: import("./run.ts").StudyResult;
 * console.log(studyMarkdown(result));
 * ```
 */
export function studyMarkdown(result: StudyResult): string {
  const { config } = result;
  const gens = Array.from({ length: config.generations }, (_, g) => g);
  const lines = [
    `Progress toward the hidden target (1 - best distance so far / best distance in a random first batch; ` +
    `mean ±95% CI over ${config.seeds} seeds), ${config.generations} generations of ${config.population} ` +
    `images, user selects k=${config.k}, choice noise ${config.noise}, renderer: ${config.renderer}.`,
    "",
    `| strategy | ${gens.map((g) => `gen ${g + 1}`).join(" | ")} |`,
    `|---|${gens.map(() => "---:").join("|")}|`,
  ];
  for (const s of result.strategies) {
    lines.push(`| ${s.name} | ${s.progress.map(cell).join(" | ")} |`);
  }
  const last = `gen ${config.generations}`;
  lines.push(
    "",
    `Each strategy minus ${result.baseline}, paired by seed (95% CI; "overall" = progress averaged over all ` +
      `generations, which rewards getting there sooner):`,
    "",
    `| strategy | at gen 2 | at ${last} | overall |`,
    "|---|---|---|---|",
  );
  for (const s of result.strategies) {
    const v = s.versusBaseline;
    if (v) lines.push(`| ${s.name} | ${compared(v.early)} | ${compared(v.final)} | ${compared(v.overall)} |`);
  }
  const ablations = result.strategies.filter((s) => s.switchEffect);
  if (ablations.length) {
    lines.push(
      "",
      `What each default is worth: full strategy minus the variant with one thing switched off or changed, ` +
        `paired by seed ("better" = the default is better):`,
      "",
      `| variant | of | at gen 2 | at ${last} | overall |`,
      "|---|---|---|---|---|",
    );
    for (const s of ablations) {
      const e = s.switchEffect!;
      lines.push(
        `| ${s.name} | ${e.of} | ${compared(e.early)} | ${compared(e.final)} | ${compared(e.overall)} |`,
      );
    }
  }
  lines.push(
    "",
    "| strategy | what it does | operator ms / run | render ms / run (new images only) |",
    "|---|---|---:|---:|",
  );
  for (const s of result.strategies) {
    lines.push(
      `| ${s.name} | ${s.description} | ${(s.operatorMs / config.seeds).toFixed(1)} | ` +
        `${(s.renderMs / config.seeds).toFixed(1)} |`,
    );
  }
  const verdicts = (pick: (c: NonNullable<typeof result.strategies[0]["versusBaseline"]>) => Comparison) =>
    result.strategies.filter((s) => s.versusBaseline && pick(s.versusBaseline).verdict !== "better")
      .map((s) => `${s.name} (${pick(s.versusBaseline!).verdict})`);
  const finalMiss = verdicts((v) => v.final), overallMiss = verdicts((v) => v.overall);
  lines.push(
    "",
    finalMiss.length === 0
      ? `Every strategy beats ${result.baseline} at ${last}.`
      : `Does not beat ${result.baseline} at ${last}: ${finalMiss.join(", ")}.`,
    overallMiss.length === 0
      ? `Every strategy beats ${result.baseline} overall.`
      : `Does not beat ${result.baseline} overall: ${overallMiss.join(", ")}.`,
  );
  return lines.join("\n") + "\n";
}

const COLOURS = [
  "#555555",
  "#d62728",
  "#ff7f0e",
  "#2ca02c",
  "#1f77b4",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
  "#bcbd22",
  "#393b79",
  "#637939",
];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The study as an SVG line plot: one line per strategy with its 95% band, generations on x,
 * progress on y.
 *
 * @param result The study's results.
 * @returns SVG text.
 * @example
 * ```ts
 * import { studySvg } from "./report.ts";
 * declare const result: import("./run.ts").StudyResult;
 * Deno.writeTextFileSync("study.svg", studySvg(result));
 * ```
 */
export function studySvg(result: StudyResult): string {
  const width = 760, height = 460, left = 60, right = 250, top = 40, bottom = 50;
  const plotW = width - left - right, plotH = height - top - bottom;
  const n = result.config.generations;
  const all = result.strategies.flatMap((s) => s.progress.flatMap((p) => [p.low, p.high]));
  const step = 0.1;
  const yMin = Math.min(0, Math.floor(Math.min(...all) / step) * step);
  const yMax = Math.max(step, Math.ceil(Math.max(...all) / step) * step);
  const x = (g: number) => left + (n === 1 ? plotW / 2 : (g * plotW) / (n - 1));
  const y = (v: number) => top + ((yMax - v) * plotH) / (yMax - yMin);
  const p = (v: number) => v.toFixed(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="14">Progress toward the target (higher is better; mean, 95% CI over ${result.config.seeds} seeds)</text>`,
  ];
  for (let t = 0; t <= Math.round((yMax - yMin) / step); t++) {
    const v = yMin + t * step;
    out.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${p(y(v))}" y2="${p(y(v))}" stroke="${
        Math.abs(v) < 1e-9 ? "#888" : "#e5e5e5"
      }"/>`,
      `<text x="${left - 6}" y="${p(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  for (let g = 0; g < n; g++) {
    out.push(`<text x="${p(x(g))}" y="${top + plotH + 18}" text-anchor="middle">${g + 1}</text>`);
  }
  out.push(
    `<text x="${left + plotW / 2}" y="${
      height - 10
    }" text-anchor="middle">generation (${result.config.population} images each)</text>`,
    `<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">progress</text>`,
  );
  result.strategies.forEach((s, j) => {
    const colour = COLOURS[j % COLOURS.length];
    // The baseline is dashed: the line every other one must clear.
    const dash = j === 0 ? ` stroke-dasharray="6 4"` : "";
    const upper = s.progress.map((i, g) => `${p(x(g))},${p(y(i.high))}`);
    const lower = s.progress.map((i, g) => `${p(x(g))},${p(y(i.low))}`).reverse();
    out.push(
      `<polygon points="${[...upper, ...lower].join(" ")}" fill="${colour}" fill-opacity="0.08"/>`,
      `<polyline points="${s.progress.map((i, g) => `${p(x(g))},${p(y(i.mean))}`).join(" ")}" ` +
        `fill="none" stroke="${colour}" stroke-width="2"${dash}/>`,
      `<line x1="${left + plotW + 16}" x2="${left + plotW + 36}" y1="${top + 10 + j * 20}" ` +
        `y2="${top + 10 + j * 20}" stroke="${colour}" stroke-width="3"${dash}/>`,
      `<text x="${left + plotW + 42}" y="${top + 14 + j * 20}">${esc(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
