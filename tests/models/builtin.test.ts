import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { loadManifest } from "../../core/manifest.ts";
import { createGenerator, type Generator } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import type { Latent } from "../../core/latent.ts";
import { builtinManifestUrl } from "../../models/mod.ts";
import { buildBuiltin } from "../../models/build.ts";
import { changedBox, columnStep, meanAbsDiff, neighbourStep, std, thumbnail } from "./helpers.ts";

let cached: Generator | undefined;
async function generator(): Promise<Generator> {
  cached ??= await createGenerator(await loadManifest(builtinManifestUrl), ort);
  return cached;
}

function batch(seed: number, n = 8): Latent[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => ({
    shape: [4, 32, 32] as const,
    data: rng.fillNormal(new Float32Array(4 * 32 * 32)),
  }));
}

Deno.test("models/build.ts regenerates the shipped built-in model byte for byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await buildBuiltin(dir);
    const shipped = await Deno.readFile(new URL("../../models/builtin/model.onnx", import.meta.url));
    assert.equal(bytes.length, shipped.length);
    assert.deepEqual(bytes, shipped);
    assert.equal(
      await Deno.readTextFile(`${dir}/manifest.json`),
      await Deno.readTextFile(new URL("../../models/builtin/manifest.json", import.meta.url)),
    );
    assert.ok(bytes.length < 1_000_000, `built-in model is ${bytes.length} bytes`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("builtin decoder: the same latent and prompt give the same pixels", async () => {
  const g = await generator();
  const latents = batch(11, 2);
  const a = await g.generate(latents, "a quiet lake");
  const b = await g.generate(latents, "a quiet lake");
  assert.equal(a.length, 2);
  assert.equal(a[0].width, 256);
  assert.equal(a[0].height, 256);
  assert.equal(a[0].data.length, 256 * 256 * 4);
  assert.deepEqual(a[0].data, b[0].data);
  assert.deepEqual(a[1].data, b[1].data);
  assert.ok(meanAbsDiff(a[0].data, a[1].data) > 5, "two latents gave nearly the same image");
});

Deno.test("builtin decoder: a batch of 8 has varied, structured, smooth images", async () => {
  const images = await (await generator()).generate(batch(3), "misty fjord");
  const thumbs = images.map((img) => thumbnail(img));
  const distances: number[] = [];
  for (let i = 0; i < 8; i++) {
    for (let j = i + 1; j < 8; j++) distances.push(meanAbsDiff(thumbs[i], thumbs[j]));
  }
  const mean = distances.reduce((a, b) => a + b) / distances.length;
  // Every image is a scene with sky above ground, so thumbnails share a vertical gradient; what differs
  // is where mountains, lakes and clouds sit. Measured: mean 0.043, closest pair 0.027.
  assert.ok(mean > 0.03, `mean pairwise 8x8 thumbnail distance ${mean}`);
  assert.ok(Math.min(...distances) > 0.015, `closest thumbnails ${Math.min(...distances)}`);
  for (const [i, img] of images.entries()) {
    const t = std(thumbs[i]);
    assert.ok(t > 0.08, `image ${i} is nearly flat: thumbnail luminance std ${t}`);
    // Smooth shapes, not noise (a random CPPN steps ~0.165 between neighbours; ours ~0.007).
    const step = neighbourStep(img);
    assert.ok(step < 0.02, `image ${i} neighbour step ${step}`);
    assert.ok(step > 0.002, `image ${i} has no detail: neighbour step ${step}`);
  }
});

Deno.test("builtin decoder: the image's sides are no different from its inside (no padding seams)", async () => {
  const images = await (await generator()).generate(batch(5, 16), "misty fjord");
  const W = images[0].width;
  const steps = Array.from({ length: W - 1 }, (_, x) => columnStep(images, x));
  const inside = Math.max(...steps.slice(4, W - 5));
  // Zero padding of the light's slope once drew a band down each side: 0.018 against at most 0.007 inside.
  for (const x of [0, 1, 2, W - 4, W - 3, W - 2]) {
    assert.ok(steps[x] <= inside, `column step ${x} -> ${x + 1} is ${steps[x]}, at most ${inside} inside`);
  }
});

Deno.test("builtin decoder: a latent edit changes the image only near it (within a quarter of the side)", async () => {
  const g = await generator();
  const [base] = batch(5, 1);
  const [before] = await g.generate([base], "alpine valley");
  // Cell (row, col) covers pixels [8*col, 8*col+8) x [8*row, 8*row+8). Rows 13..21 are the skyline band:
  // they also decide the mountain silhouette above the horizon in their columns, so their vertical reach
  // is the peak height (up to 0.3 of the side) instead of 64 px.
  for (const [row, col] of [[0, 0], [31, 31], [8, 8], [17, 16], [24, 4], [2, 29]]) {
    const edited = { shape: base.shape, data: base.data.slice() };
    for (let c = 0; c < 4; c++) edited.data[c * 1024 + row * 32 + col] += 3;
    const [after] = await g.generate([edited], "alpine valley");
    const box = changedBox(before, after, 1);
    assert.ok(box, `editing cell (${row},${col}) changed nothing`);
    const cx = 8 * col + 4, cy = 8 * row + 4;
    const across = Math.max(cx - box.x0, box.x1 - cx);
    const down = Math.max(cy - box.y0, box.y1 - cy);
    const skyline = row >= 13 && row <= 21;
    assert.ok(
      across <= 64,
      `editing cell (${row},${col}) reached ${across} px across: ${JSON.stringify(box)}`,
    );
    assert.ok(
      down <= (skyline ? 112 : 64),
      `editing cell (${row},${col}) reached ${down} px down: ${JSON.stringify(box)}`,
    );
  }
});

Deno.test("builtin decoder: the prompt changes the palette but keeps the composition", async () => {
  const g = await generator();
  const latents = batch(9, 1);
  const [a] = await g.generate(latents, "desert sunset");
  const [b] = await g.generate(latents, "night over the sea");
  const [c] = await g.generate(batch(10, 1), "desert sunset");
  assert.ok(meanAbsDiff(a.data, b.data) / 255 > 0.08, "two prompts gave the same colours");
  // The skyline sits in the same place: the rows where the image changes most agree.
  const edgeRows = (img: typeof a) => {
    const rows = new Float32Array(img.height);
    for (let y = 1; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const o = 4 * (y * img.width + x), p = o - 4 * img.width;
        rows[y] += Math.abs(
          img.data[o] + img.data[o + 1] + img.data[o + 2] - img.data[p] - img.data[p + 1] - img.data[p + 2],
        );
      }
    }
    return rows;
  };
  const corr = (u: Float32Array, v: Float32Array) => {
    const mu = u.reduce((s, x) => s + x) / u.length, mv = v.reduce((s, x) => s + x) / v.length;
    let num = 0, du = 0, dv = 0;
    for (let i = 0; i < u.length; i++) {
      num += (u[i] - mu) * (v[i] - mv), du += (u[i] - mu) ** 2, dv += (v[i] - mv) ** 2;
    }
    return num / Math.sqrt(du * dv);
  };
  const same = corr(edgeRows(a), edgeRows(b));
  const other = corr(edgeRows(a), edgeRows(c));
  assert.ok(same > other, `composition correlation: same latent ${same}, other latent ${other}`);
});

Deno.test("createGenerator().generate() streams images in order and honours an AbortSignal", async () => {
  const g = await generator();
  const seen: number[] = [];
  const images = await g.generate(batch(1, 3), "fox", { onImage: (i) => seen.push(i) });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(images.length, 3);

  const controller = new AbortController();
  const streamed: number[] = [];
  await assert.rejects(
    g.generate(batch(2, 4), "fox", {
      signal: controller.signal,
      onImage: (i) => {
        streamed.push(i);
        controller.abort();
      },
    }),
    (error: unknown) => error instanceof DOMException && error.name === "AbortError",
  );
  assert.deepEqual(streamed, [0]);
  // The generator still works after an abort.
  assert.equal((await g.generate(batch(2, 1), "fox")).length, 1);
});

Deno.test("createGenerator().generate() runs overlapping calls one after another", async () => {
  const g = await generator();
  const order: string[] = [];
  const [a, b] = await Promise.all([
    g.generate(batch(7, 2), "fox", { onImage: (i) => order.push(`a${i}`) }),
    g.generate(batch(8, 2), "owl", { onImage: (i) => order.push(`b${i}`) }),
  ]);
  assert.deepEqual(order, ["a0", "a1", "b0", "b1"]);
  assert.deepEqual(a[1].data, (await g.generate(batch(7, 2), "fox"))[1].data);
  assert.deepEqual(b[0].data, (await g.generate(batch(8, 1), "owl"))[0].data);
});

Deno.test("createGenerator().generate() rejects a latent of the wrong shape with a RangeError", async () => {
  const g = await generator();
  await assert.rejects(
    g.generate([{ shape: [4, 64, 64], data: new Float32Array(4 * 64 * 64) }], "fox"),
    (error: unknown) =>
      error instanceof RangeError && /expected latent shape \[4,32,32\], got \[4,64,64\]/.test(error.message),
  );
});

Deno.test("builtin decoder: dispose() releases the session", async () => {
  const g = await createGenerator(await loadManifest(builtinManifestUrl), ort);
  assert.equal(g.executionProvider, "default");
  await g.dispose();
  await assert.rejects(g.generate(batch(1, 1), "fox"), TypeError);
  await cached?.dispose();
  cached = undefined;
});
