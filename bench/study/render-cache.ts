/**
 * Rendering each distinct latent once: in the study, most of the time goes to the model.
 *
 * @module
 */
import type { Latent } from "../../core/latent.ts";
import type { RgbaImage } from "./image.ts";
import type { Renderer } from "./renderer.ts";

/** A renderer for one prompt that renders each distinct latent once. */
export type RenderCache = {
  /** Images rendered so far. */
  renders: number;
  /** Images returned from memory so far. */
  reused: number;
  /** Renders the latents not seen before (in one call), returns every image in order. */
  render(latents: readonly Latent[]): Promise<RgbaImage[]>;
};

/**
 * Renders through `renderer`, remembering every latent's image by content (a hash of its float
 * bits, confirmed by comparing the values): a kept elite or a batch that two strategies share is
 * rendered once. Meant for one seed of the study: it keeps every image until dropped.
 *
 * @param renderer The renderer.
 * @param prompt The prompt every image is rendered with.
 * @returns The cache.
 * @example
 * ```ts
 * import { createRenderCache } from "./render-cache.ts";
 * import { createStandInRenderer } from "./renderer.ts";
 * import { createRng } from "../../core/rng.ts";
 * import { randomLatent } from "../../core/latent.ts";
 * const cache = createRenderCache(createStandInRenderer([4, 8, 8]), "fox");
 * const z = randomLatent([4, 8, 8], createRng(1));
 * await cache.render([z, z]);
 * [cache.renders, cache.reused]; // [2, 0]: both were new in that call
 * await cache.render([z]);
 * cache.reused; // 1
 * ```
 */
export function createRenderCache(renderer: Renderer, prompt: string): RenderCache {
  const seen = new Map<string, { data: Float32Array; image: RgbaImage }[]>();
  const cache: RenderCache = {
    renders: 0,
    reused: 0,
    async render(latents: readonly Latent[]): Promise<RgbaImage[]> {
      const out: (RgbaImage | undefined)[] = latents.map((l) =>
        seen.get(contentKey(l.data))?.find((e) => sameData(e.data, l.data))?.image
      );
      const missing = latents.filter((_, i) => !out[i]);
      const fresh = missing.length ? await renderer.render(missing, prompt) : [];
      let next = 0;
      for (let i = 0; i < latents.length; i++) {
        if (out[i]) {
          cache.reused++;
          continue;
        }
        const image = out[i] = fresh[next++];
        const data = latents[i].data.slice();
        const key = contentKey(data);
        seen.set(key, [...(seen.get(key) ?? []), { data, image }]);
        cache.renders++;
      }
      return out as RgbaImage[];
    },
  };
  return cache;
}

// Two 32-bit FNV-1a variants over the float bits: collisions are checked anyway by sameData.
function contentKey(data: Float32Array): string {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let a = 0x811c9dc5, b = 0x01000193;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i], 0x5bd1e995) ^ (b >>> 15);
  }
  return `${data.length}:${(a >>> 0).toString(36)}:${(b >>> 0).toString(36)}`;
}

function sameData(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
