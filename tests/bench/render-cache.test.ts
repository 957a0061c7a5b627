import assert from "node:assert/strict";
import { createRng } from "../../core/rng.ts";
import { randomLatent } from "../../core/latent.ts";
import { createRenderCache } from "../../bench/study/render-cache.ts";
import { createStandInRenderer, type Renderer } from "../../bench/study/renderer.ts";

Deno.test("createRenderCache() renders each distinct latent once, by content, in one call per batch", async () => {
  const inner = createStandInRenderer([4, 8, 8], 2);
  const calls: number[] = [];
  const counting: Renderer = { ...inner, render: (l, p) => (calls.push(l.length), inner.render(l, p)) };
  const cache = createRenderCache(counting, "fox");
  const rng = createRng(2);
  const [a, b, c] = [0, 1, 2].map(() => randomLatent([4, 8, 8], rng));
  const first = await cache.render([a, b]);
  // A copy of a (another object, same values) and a new latent c: only c is rendered.
  const second = await cache.render([{ shape: a.shape, data: a.data.slice() }, c, b]);
  assert.deepEqual(calls, [2, 1]);
  assert.equal(second[0], first[0]);
  assert.equal(second[2], first[1]);
  assert.deepEqual([cache.renders, cache.reused], [3, 2]);
  // A latent that differs in one value is a different image.
  const d = { shape: a.shape, data: a.data.slice() };
  d.data[17] += 1e-3;
  await cache.render([d]);
  assert.deepEqual(calls, [2, 1, 1]);
  // Changing the caller's latent afterwards does not corrupt the cache (it keeps a copy).
  const [again] = await cache.render([c]);
  c.data[0] += 1;
  assert.equal((await cache.render([{ shape: c.shape, data: c.data.slice() }]))[0] === again, false);
});
