/**
 * Where an image came from, in words: the short caption under each tile (`kept 1.2`) and the full
 * sentence of its tooltip, which says what that notation means (`image 2 of generation 1, kept as it
 * was`). Operator names (`elite`, `region-crossover`) are the developer's and never shown.
 *
 * @module
 */

import type { LineageView } from "./worker/protocol.ts";

/** What each operator did, in words, before the parents it did it to. */
const MADE_BY: Record<string, string> = {
  random: "new",
  diverse: "new",
  elite: "kept",
  "global-mutation": "variation of",
  "mean-mutation": "blend of",
  "voronoi-crossover": "patchwork of",
  "region-crossover": "marked regions of",
};

/**
 * A short description of where an image came from, in words rather than operator names: what was
 * done and to which images, numbered `generation.image` from 1 as the UI shows them.
 *
 * @param lineage The image's lineage.
 * @returns For example `patchwork of 2.1, 2.4`, `2.3 with marked regions changed`, `new`.
 * @example
 * ```ts
 * import { describeLineage } from "./lineage-text.ts";
 * describeLineage({ operator: "voronoi-crossover", parents: [{ generation: 1, index: 0 }], seed: 3, params: {} });
 * // "patchwork of 2.1"
 * ```
 */
export function describeLineage(lineage: LineageView): string {
  const parents = lineage.parents.map((p) => `${p.generation + 1}.${p.index + 1}`).join(", ");
  if (lineage.operator === "local-mutation") {
    return `${parents} with marked regions ${lineage.params.mode === "keep" ? "kept" : "changed"}`;
  }
  const made = MADE_BY[lineage.operator] ?? lineage.operator;
  return parents ? `${made} ${parents}` : made;
}

/** `a`, `a and b`, `a, b and c`. */
const list = (words: string[]) =>
  words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;

/** The parents in words, grouped by generation: `images 1 and 3 of generation 2`. */
function images(parents: LineageView["parents"]): string {
  const byGeneration = new Map<number, number[]>();
  for (const p of parents) byGeneration.set(p.generation, [...byGeneration.get(p.generation) ?? [], p.index]);
  return list(
    [...byGeneration].map(([g, indices]) =>
      `${indices.length === 1 ? "image" : "images"} ${list(indices.map((i) => `${i + 1}`))} of generation ${
        g + 1
      }`
    ),
  );
}

/**
 * Where an image came from, as a sentence a newcomer can read: the caption's `generation.image`
 * numbers spelt out, and what was done to those images.
 *
 * @param lineage The image's lineage.
 * @returns For example `a patchwork of images 1 and 4 of generation 2`, `a new image`.
 * @example
 * ```ts
 * import { explainLineage } from "./lineage-text.ts";
 * explainLineage({ operator: "elite", parents: [{ generation: 0, index: 1 }], seed: 3, params: {} });
 * // "image 2 of generation 1, kept as it was"
 * ```
 */
export function explainLineage(lineage: LineageView): string {
  const of = images(lineage.parents);
  switch (lineage.operator) {
    case "random":
    case "diverse":
      return "a new image, bred from none";
    case "elite":
      return `${of}, kept as it was`;
    case "global-mutation":
      return `a variation of ${of}`;
    case "mean-mutation":
      return `a blend of ${of}, then varied`;
    case "voronoi-crossover":
      return `a patchwork of ${of}`;
    case "region-crossover":
      return `the marked regions of ${of}, put together`;
    case "local-mutation":
      return `${of} with its marked regions ${
        lineage.params.mode === "keep" ? "kept and the rest changed" : "changed"
      }`;
    default:
      return of ? `made from ${of}` : "a new image";
  }
}
