/**
 * Files `<latent-evolver>` hands to the person: an image as a PNG carrying its genome, the session
 * file, and the download of either.
 *
 * @module
 */

import { encodePngWithGenome, type Genome } from "./png.ts";

/**
 * Encodes a bitmap as a PNG whose `tEXt` chunks carry its genome (prompt, model, seed, lineage).
 *
 * @param bitmap The image.
 * @param genome What made it.
 * @returns The PNG.
 * @example
 * ```ts
 * import { imagePng } from "./export-files.ts";
 * // const png = imagePng(bitmap, { prompt, model, modelName, seed, generation, index, lineage });
 * ```
 */
export function imagePng(bitmap: ImageBitmap, genome: Genome): Blob {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d")!;
  ctx.drawImage(bitmap, 0, 0);
  const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  const png = encodePngWithGenome(bitmap.width, bitmap.height, data, genome);
  return new Blob([png.slice().buffer as ArrayBuffer], { type: "image/png" });
}

/**
 * Wraps session bytes (core's versioned binary format) as a file.
 *
 * @param bytes The serialized session.
 * @returns The file.
 * @example
 * ```ts
 * import { sessionBlob } from "./export-files.ts";
 * const file = sessionBlob(new Uint8Array([1, 2, 3]));
 * ```
 */
export function sessionBlob(bytes: Uint8Array): Blob {
  return new Blob([bytes.slice().buffer as ArrayBuffer], { type: "application/octet-stream" });
}

/**
 * Makes the browser download a file.
 *
 * @param blob The file.
 * @param name Its suggested name.
 * @example
 * ```ts
 * import { saveBlob, sessionBlob } from "./export-files.ts";
 * saveBlob(sessionBlob(new Uint8Array([1])), "session.bin");
 * ```
 */
export function saveBlob(blob: Blob, name: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
