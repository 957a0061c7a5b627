import assert from "node:assert/strict";
import { createRng } from "../../core/rng.ts";
import { randomLatent } from "../../core/latent.ts";
import { createModelRenderer } from "../../bench/study/model.ts";
import { createSimulatedUser } from "../../bench/study/user.ts";

Deno.test("createModelRenderer() renders the built-in model, and the user sees its own target at distance 0", async () => {
  const renderer = await createModelRenderer();
  try {
    assert.deepEqual([...renderer.shape], [4, 32, 32]);
    const rng = createRng(11);
    const latents = [randomLatent(renderer.shape, rng), randomLatent(renderer.shape, rng)];
    const [a, b] = await renderer.render(latents, "a misty fjord at dawn");
    assert.equal(a.width, 256);
    assert.equal(a.data.length, 256 * 256 * 4);
    const user = createSimulatedUser({ target: a, rng, k: 1 });
    assert.equal(user.distance(a), 0);
    assert.ok(user.distance(b) > 0.02, `two random latents look alike: ${user.distance(b)}`);
    // Deterministic: the same latent renders to the same bytes.
    const [again] = await renderer.render([latents[0]], "a misty fjord at dawn");
    assert.deepEqual(again.data, a.data);
  } finally {
    await renderer.dispose();
  }
});
