// The batched engine (engine "auto", the server's default) checks a model against its manifest at
// load time, as core/pipeline does, instead of serving images read at the wrong offsets.
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { parseManifest } from "../../core/manifest.ts";
import type { Ort } from "../../core/pipeline.ts";
import { createBatchedDecoder } from "../../server/batched-decoder.ts";

const root = new URL("../..", import.meta.url);
const manifestUrl = new URL("models/builtin/manifest.json", root);
const bytes = await Deno.readFile(new URL("models/builtin/model.onnx", root));

const manifestText = await Deno.readTextFile(manifestUrl);

function manifestWith(change: Record<string, unknown>) {
  return parseManifest({ ...JSON.parse(manifestText), ...change }, manifestUrl);
}

Deno.test("createBatchedDecoder() refuses a model whose image size differs from its manifest's", async () => {
  await assert.rejects(
    createBatchedDecoder(manifestWith({ imageSize: [128, 128] }), bytes, ort as unknown as Ort, ["cpu"]),
    (e: Error) =>
      e instanceof TypeError &&
      /image has shape \[batch,3,256,256\], expected \[\?,3,128,128\]/.test(e.message),
  );
});

Deno.test("createBatchedDecoder() refuses a model whose latent shape differs from its manifest's", async () => {
  await assert.rejects(
    createBatchedDecoder(manifestWith({ latentShape: [4, 16, 16] }), bytes, ort as unknown as Ort, ["cpu"]),
    (e: Error) =>
      e instanceof TypeError && /latent has shape \[batch,4,32,32\], expected \[\?,4,16,16\]/.test(e.message),
  );
});

Deno.test("createBatchedDecoder() serves a model that matches its manifest", async () => {
  const model = await createBatchedDecoder(manifestWith({}), bytes, ort as unknown as Ort, ["cpu"]);
  try {
    const latents = [0, 1].map(() => ({ shape: model.latentShape, data: new Float32Array(4 * 32 * 32) }));
    const images = await model.generate(latents, "a fjord");
    assert.deepEqual(images.map((im) => [im.width, im.height, im.data.length]), [
      [256, 256, 256 * 256 * 4],
      [256, 256, 256 * 256 * 4],
    ]);
  } finally {
    await model.dispose();
  }
});
