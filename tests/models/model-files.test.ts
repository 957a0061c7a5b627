// core/model-files.ts through createGenerator: a file whose bytes onnxruntime cannot open, or a
// tokenizer.json that cannot be read, is read once more past every cache (a copy a cache kept is not
// trusted for good), and then fails with one error naming the file; progress only ever adds up.
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { loadManifest, type ModelManifest } from "../../core/manifest.ts";
import { createGenerator, type LoadFile } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import { randomLatent } from "../../core/latent.ts";
import { builtinManifestUrl } from "../../models/mod.ts";

const sdTurbo = new URL("../fixtures/sd-turbo/manifest.json", import.meta.url);

/** The manifest without the SHA-256 of its files: a loader cannot know a copy is not the file. */
async function unhashed(url: string | URL): Promise<ModelManifest> {
  const m = await loadManifest(url);
  const files = Object.fromEntries(
    Object.entries(m.files).map(([key, { sha256: _, ...f }]) => [key, f]),
  );
  return { ...m, files };
}

/** Reads a file: URL as the file is. */
const read: LoadFile = async (url) => await Deno.readFile(new URL(url));

/** A reloader counting its calls by URL, giving `fresh(url)`. */
function reloader(fresh: (url: string) => Promise<Uint8Array> | Uint8Array) {
  const calls: string[] = [];
  return {
    calls,
    reloadFile: async (url: string, onProgress?: (l: number, t: number) => void) => {
      calls.push(url);
      const bytes = await fresh(url);
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    },
  };
}

const truncated = async (url: string) => (await Deno.readFile(new URL(url))).slice(0, 100);

Deno.test("createGenerator() reads a file onnxruntime cannot open once more past every cache, and renders from it", async () => {
  const m = await unhashed(builtinManifestUrl);
  const { calls, reloadFile } = reloader(read);
  const progress: [number, number][] = [];
  // A cached copy cut short (a model since fixed at the same URL, a copy that lost its end).
  const g = await createGenerator(m, ort, {
    loadFile: truncated,
    reloadFile,
    onDownloadProgress: (l, t) => progress.push([l, t]),
  });
  assert.deepEqual(calls, [m.files.decoder.url]);
  const [image] = await g.generate([randomLatent(m.latentShape, createRng(1))], "a fox");
  assert.equal(image.data.length, 256 * 256 * 4);
  await g.dispose();
  // The bar never goes back: the second read adds to what the first counted.
  assert.ok(progress.every(([l], i) => i === 0 || l >= progress[i - 1][0]), JSON.stringify(progress));
  const [loaded, total] = progress.at(-1)!;
  assert.equal(loaded, total);
  assert.equal(loaded, 100 + m.files.decoder.bytes!);
});

Deno.test("createGenerator() fails with one error naming the file when it cannot be used read again either, after one reload", async () => {
  const m = await unhashed(builtinManifestUrl);
  const { calls, reloadFile } = reloader(truncated);
  // Two providers: the file is read again once, not once each.
  await assert.rejects(
    createGenerator(m, ort, { loadFile: truncated, reloadFile, executionProviders: ["cpu", "cpu"] }),
    (e: Error) =>
      /file decoder \(file:.*model\.onnx\) cannot be used, also as read again past every cache: onnxruntime cannot open it \(.+\)/
        .test(e.message),
  );
  assert.equal(calls.length, 1);
  // Without a reloader the file is read once and the error says what failed.
  await assert.rejects(
    createGenerator(m, ort, { loadFile: truncated }),
    /file decoder \(file:.*model\.onnx\) cannot be used: onnxruntime cannot open it/,
  );
});

Deno.test("createGenerator() does not read again a file whose bytes the manifest's SHA-256 vouches for", async () => {
  const m = await loadManifest(builtinManifestUrl);
  const { calls, reloadFile } = reloader(read);
  const broken = new Uint8Array(m.files.decoder.bytes!);
  // A loader checks the hash: bytes it gives for a hashed file are the site's file.
  await assert.rejects(
    createGenerator(m, ort, { loadFile: () => Promise.resolve(broken), reloadFile }),
    /file decoder \(.*\) \(it is the manifest's: its SHA-256 matches\) cannot be used: onnxruntime cannot open it/,
  );
  assert.equal(calls.length, 0);
});

Deno.test("createGenerator() reads a tokenizer.json that is not JSON once more, and names it when it stays broken", async () => {
  const m = await loadManifest(sdTurbo);
  const cut = (url: string) => url.endsWith("tokenizer.json") ? truncated(url) : read(url);
  const fixed = reloader(read);
  const g = await createGenerator(m, ort, { loadFile: cut, reloadFile: fixed.reloadFile });
  assert.deepEqual(fixed.calls, [m.tokenizer]);
  await g.dispose();

  const broken = reloader(truncated);
  await assert.rejects(
    createGenerator(m, ort, { loadFile: cut, reloadFile: broken.reloadFile }),
    (e: Error) =>
      e instanceof TypeError &&
      /file tokenizer \(.*tokenizer\.json\) cannot be used, also as read again past every cache: it is not JSON/
        .test(e.message),
  );
  assert.deepEqual(broken.calls, [m.tokenizer]);
});

Deno.test("createGenerator() says a Git LFS pointer is one, naming the file", async () => {
  const m = await unhashed(builtinManifestUrl);
  const pointer = new TextEncoder().encode(
    "version https://git-lfs.github.com/spec/v1\noid sha256:ce10\nsize 17671\n",
  );
  await assert.rejects(
    createGenerator(m, ort, { loadFile: () => Promise.resolve(pointer) }),
    /file decoder \(.*model\.onnx\) cannot be used: it is a Git LFS pointer \(\d+ bytes\), not the file it stands for/,
  );
  // The default loader refuses one as it reads it, whatever the manifest says.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/model.onnx`, pointer);
    const at = { ...m, files: { decoder: { ...m.files.decoder, url: `file://${dir}/model.onnx` } } };
    await assert.rejects(
      createGenerator(at, ort),
      /file decoder \(.*\) failed: Cannot use what was read: it is a Git LFS pointer/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createGenerator() progress only adds up when a loader starts a file over", async () => {
  const m = await loadManifest(builtinManifestUrl);
  const size = m.files.decoder.bytes!;
  const progress: [number, number][] = [];
  await (await createGenerator(m, ort, {
    onDownloadProgress: (l, t) => progress.push([l, t]),
    // As the model cache does when a download is not the manifest's: once more, from the start.
    loadFile: async (url, onProgress) => {
      for (const n of [4096, 8192, 4096, 8192, size]) onProgress?.(n, size);
      return await Deno.readFile(new URL(url));
    },
  })).dispose();
  assert.ok(progress.every(([l], i) => i === 0 || l >= progress[i - 1][0]), JSON.stringify(progress));
  assert.deepEqual(progress.at(-1), [8192 + size, 8192 + size]);
});
