/**
 * PNG export with the image's genome (prompt, model, seed, lineage) in `tEXt` chunks, so a saved
 * image says how to make it again. fast-png writes `tEXt`, which is Latin-1 only: the genome goes in
 * as JSON with every non-ASCII character escaped, which any JSON parser reads back unchanged.
 *
 * @module
 */

import { decode, encode } from "fast-png";
import type { LineageView } from "./worker/protocol.ts";

/** Everything needed to reproduce one image. */
export interface Genome {
  /** The prompt it was rendered with. */
  prompt: string;
  /** The model manifest's URL. */
  model: string;
  /** The model's name. */
  modelName: string;
  /** The session's seed. */
  seed: number | string;
  /**
   * Generation index, from 0 as the element's methods count (`showGeneration(i)`); captions and file
   * names count from 1, so `latent-evolver-g2-3.png` has generation 1 and index 2.
   */
  generation: number;
  /** Index within the generation, from 0 (`exportImage(i)`, `selected`). */
  index: number;
  /** How it was made; its parents count from 0 as well. */
  lineage: LineageView;
}

/** The `tEXt` keyword that holds the genome. */
export const genomeKeyword = "latent-evolver-genome";

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Encodes RGBA pixels as a PNG carrying a genome.
 *
 * @param width Image width in pixels.
 * @param height Image height in pixels.
 * @param rgba RGBA bytes, row-major, `width*height*4` long.
 * @param genome What made the image.
 * @returns The PNG file's bytes.
 * @example
 * ```ts
 * import { encodePngWithGenome, readGenome } from "./png.ts";
 * const lineage = { operator: "diverse", parents: [], seed: 1, params: {} };
 * const genome = { prompt: "a fox", model: "m.json", modelName: "m", seed: 1, generation: 0, index: 0, lineage };
 * const png = encodePngWithGenome(1, 1, new Uint8ClampedArray(4), genome);
 * readGenome(png)?.prompt; // "a fox"
 * ```
 */
export function encodePngWithGenome(
  width: number,
  height: number,
  rgba: Uint8ClampedArray,
  genome: Genome,
): Uint8Array {
  if (rgba.length !== width * height * 4) {
    throw new RangeError(
      `Cannot export PNG: expected ${
        width * height * 4
      } RGBA bytes for ${width}x${height}, got ${rgba.length}`,
    );
  }
  return encode({
    width,
    height,
    channels: 4,
    depth: 8,
    data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length),
    text: {
      Software: "latent-evolver",
      Title: asciiJson(genome.prompt),
      [genomeKeyword]: asciiJson(genome),
    },
  });
}

/**
 * Reads the genome back from a PNG made by {@link encodePngWithGenome}.
 *
 * @param png The PNG file's bytes.
 * @returns The genome, or `null` when the PNG carries none.
 * @example
 * ```ts
 * import { readGenome } from "./png.ts";
 * const genome = readGenome(new Uint8Array(await (await fetch("image.png")).arrayBuffer()));
 * ```
 */
export function readGenome(png: Uint8Array): Genome | null {
  const text = decode(png).text[genomeKeyword];
  return text === undefined ? null : JSON.parse(text) as Genome;
}
