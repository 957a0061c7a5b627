// The worker's model cache (component/backends/model-cache.ts) in Deno's Cache Storage, with a fake
// site behind fetch and onnxruntime-node behind the pipeline: a copy it kept that is not the file is
// not trusted for good, a file broken on the site fails once and clearly, and a download the cache
// refuses is used all the same and reported. tests/component/model-cache.test.ts covers the element.
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { createModelLoader, loadModelFile, modelCacheName } from "../../component/backends/model-cache.ts";
import { Engine } from "../../component/worker/engine.ts";
import { BackendRegistry } from "../../component/backends/registry.ts";
import type { EngineConfig, EngineEvent } from "../../component/worker/protocol.ts";
import { type ModelManifest, parseManifest, sha256Hex } from "../../core/manifest.ts";
import { createGenerator } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import { randomLatent } from "../../core/latent.ts";

const site = "https://models.test/m/";
const builtin = await Deno.readFile(new URL("../../models/builtin/model.onnx", import.meta.url));
const fixture = (name: string) => Deno.readFile(new URL(`../fixtures/sd-turbo/${name}`, import.meta.url));
const pointer = new TextEncoder().encode(
  "version https://git-lfs.github.com/spec/v1\noid sha256:ce10\nsize 17671\n",
);

/** The built-in model at the fake site, its manifest giving no size or hash (as many do not). */
const decoder = (): ModelManifest =>
  parseManifest({
    name: "m",
    kind: "decoder",
    latentShape: [4, 32, 32],
    imageSize: [256, 256],
    files: { decoder: { path: "model.onnx", dtype: "float32" } },
  }, `${site}manifest.json`);

/**
 * Serves `files` (name in the site -> bytes, with headers) through the global fetch while `f` runs,
 * and returns each request as `url cache-mode`.
 */
async function serving<T>(
  files: Record<string, Uint8Array | { body: Uint8Array | string; headers: HeadersInit }>,
  f: () => Promise<T>,
): Promise<{ value: T; requests: string[] }> {
  const original = globalThis.fetch;
  const requests: string[] = [];
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    requests.push(`${url} ${init?.cache ?? "default"}`);
    const file = files[url.slice(site.length)];
    if (!url.startsWith(site) || !file) return Promise.resolve(new Response("", { status: 404 }));
    const { body, headers } = file instanceof Uint8Array ? { body: file, headers: {} } : file;
    return Promise.resolve(new Response(body as BodyInit, { headers }));
  };
  try {
    return { value: await f(), requests };
  } finally {
    globalThis.fetch = original;
  }
}

async function cached(name: string): Promise<Uint8Array | null> {
  const hit = await (await caches.open(modelCacheName)).match(site + name);
  return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
}

async function cache(name: string, bytes: Uint8Array): Promise<void> {
  await (await caches.open(modelCacheName)).put(site + name, new Response(bytes as Uint8Array<ArrayBuffer>));
}

/** Loads the model through one loader, as the worker does, and renders one image. */
async function render(manifest: ModelManifest, loader = createModelLoader()): Promise<number> {
  const g = await createGenerator(manifest, ort, loader);
  try {
    const [image] = await g.generate([randomLatent(manifest.latentShape, createRng(1))], "a fox");
    return image.data.length;
  } finally {
    await g.dispose();
  }
}

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test(name, async () => {
    await caches.delete(modelCacheName);
    await fn();
  });

test("a cached copy onnxruntime cannot open is deleted and downloaded once past every cache, and the model renders", async () => {
  // A copy cut short, kept from before the site fixed the file; the manifest gives no size to see it by.
  await cache("model.onnx", builtin.slice(0, 4000));
  const first = await serving({ "model.onnx": builtin }, () => render(decoder()));
  assert.equal(first.value, 256 * 256 * 4);
  assert.deepEqual(first.requests, [`${site}model.onnx reload`]);
  assert.equal((await cached("model.onnx"))?.length, builtin.length, "the fixed file was not cached");
  const next = await serving({ "model.onnx": builtin }, () => render(decoder()));
  assert.deepEqual(next.requests, [], "the next load downloaded again");
});

test("a file broken on the site fails with one error naming it, after one download past every cache, however many backends try it", async () => {
  const broken = builtin.slice(0, 4000);
  await cache("model.onnx", broken);
  const loader = createModelLoader();
  const { requests } = await serving({ "model.onnx": broken }, async () => {
    await assert.rejects(
      render(decoder(), loader),
      /file decoder \(https:\/\/models\.test\/m\/model\.onnx\) cannot be used, also as read again past every cache: onnxruntime cannot open it \(.*protobuf parsing failed/,
    );
    // The next backend of the same load (auto's wasm after webgpu): no second download.
    await assert.rejects(
      render(decoder(), loader),
      /file decoder \(.*\) cannot be used: onnxruntime cannot open it/,
    );
  });
  assert.deepEqual(requests, [`${site}model.onnx reload`]);
});

test("a Git LFS pointer kept in the cache is refused before any session and downloaded again", async () => {
  await cache("model.onnx", pointer);
  const { value, requests } = await serving({ "model.onnx": builtin }, () => render(decoder()));
  assert.equal(value, 256 * 256 * 4);
  assert.deepEqual(requests, [`${site}model.onnx default`]);
  assert.equal((await cached("model.onnx"))?.length, builtin.length);
  // A site serving the pointer: refused, named, not cached.
  await caches.delete(modelCacheName);
  await serving({ "model.onnx": pointer }, () =>
    assert.rejects(
      render(decoder()),
      /file decoder \(.*model\.onnx\) failed: Cannot use what was read: it is a Git LFS pointer \(\d+ bytes\)/,
    ));
  assert.equal(await cached("model.onnx"), null);
});

test("a tokenizer.json is checked against the manifest's SHA-256: a stale copy is replaced, a wrong download refused", async () => {
  const files: Record<string, Uint8Array> = {};
  for (const name of ["text_encoder.onnx", "unet.onnx", "vae_decoder.onnx", "tokenizer.json"]) {
    files[name] = await fixture(name);
  }
  const json = JSON.parse(new TextDecoder().decode(await fixture("manifest.json")));
  const manifest = (sha256: string) =>
    parseManifest({ ...json, tokenizer: { path: "tokenizer.json", sha256 } }, `${site}manifest.json`);
  const sha256 = await sha256Hex(files["tokenizer.json"]);
  // A tokenizer.json from before the site changed it, still valid JSON: only the hash tells.
  await cache("tokenizer.json", new TextEncoder().encode(JSON.stringify({ model: { vocab: {} } })));
  const { requests } = await serving(files, () => render(manifest(sha256)));
  assert.ok(requests.includes(`${site}tokenizer.json default`), requests.join());
  assert.equal((await cached("tokenizer.json"))?.length, files["tokenizer.json"].length);

  await caches.delete(modelCacheName);
  await serving(files, () =>
    assert.rejects(
      render(manifest("0".repeat(64))),
      /file tokenizer \(.*tokenizer\.json\) failed: Cannot use what was read: its SHA-256 is [0-9a-f]{64}, the manifest says 0{64}/,
    ));
  assert.equal(await cached("tokenizer.json"), null, "a tokenizer.json with the wrong hash was cached");
});

test("a download Cache Storage refuses (Vary: *) is used all the same, and reported once", async () => {
  const notCached: string[] = [];
  const loader = createModelLoader((url, reason) => notCached.push(`${url}: ${reason}`));
  const files = { "model.onnx": { body: builtin, headers: { vary: "*" } } };
  const { value } = await serving(files, () => render(decoder(), loader));
  assert.equal(value, 256 * 256 * 4);
  assert.equal(notCached.length, 1);
  assert.match(notCached[0], /^https:\/\/models\.test\/m\/model\.onnx: .*Vary/);
  assert.equal(await cached("model.onnx"), null);
  // Without a listener it is still used.
  const bytes = await serving(files, () => loadModelFile(`${site}model.onnx`));
  assert.equal(bytes.value.length, builtin.length);
});

test("the engine tells the element when a model file could not be cached", async () => {
  const manifest = {
    name: "m",
    kind: "decoder",
    latentShape: [4, 32, 32],
    imageSize: [256, 256],
    files: { decoder: { path: "model.onnx", dtype: "float32" } },
  };
  const files = {
    "manifest.json": { body: JSON.stringify(manifest), headers: { "content-type": "application/json" } },
    "model.onnx": { body: builtin, headers: { vary: "*" } },
  };
  const engine = new Engine(
    "",
    new BackendRegistry().register({
      name: "wasm",
      priority: 10,
      async create(context) {
        await context.loadFile(context.manifest.files.decoder.url);
        return { name: "wasm", generate: () => Promise.resolve([]), dispose: async () => {} };
      },
    }),
  );
  const events: EngineEvent[] = [];
  const config = {
    model: `${site}manifest.json`,
    server: "",
    serverToken: "",
    backend: "wasm",
    population: 4,
    seed: 1,
    storageKey: null,
    save: false,
  } satisfies EngineConfig;
  await serving(files, () => engine.init(config, (e) => void events.push(e)));
  const notices = events.filter((e) => e.type === "model-not-cached");
  assert.equal(notices.length, 1);
  assert.match(
    (notices[0] as { message: string }).message,
    /^https:\/\/models\.test\/m\/model\.onnx: .*Vary/,
  );
});
