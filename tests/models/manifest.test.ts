import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { loadManifest, parseManifest, sha256Hex } from "../../core/manifest.ts";
import { createGenerator } from "../../core/pipeline.ts";
import { DataType, GraphBuilder } from "../../models/onnx-writer.ts";
import { builtinManifestUrl } from "../../models/mod.ts";

const base = "https://example.com/models/m/manifest.json";
const good = () => ({
  name: "m",
  kind: "decoder",
  latentShape: [4, 32, 32],
  imageSize: [256, 256],
  files: { decoder: { path: "model.onnx", dtype: "float32", bytes: 10 } },
});

Deno.test("parseManifest() resolves file paths against the manifest's URL", () => {
  const m = parseManifest(good(), base);
  assert.equal(m.kind, "decoder");
  assert.deepEqual(m.latentShape, [4, 32, 32]);
  assert.equal(m.files.decoder.url, "https://example.com/models/m/model.onnx");
  assert.equal(m.files.decoder.bytes, 10);
  const sd = parseManifest({
    name: "sd",
    kind: "sd-turbo",
    latentShape: [4, 64, 64],
    imageSize: [512, 512],
    tokenizer: "../tok/tokenizer.json",
    files: {
      text_encoder: { path: "te.onnx", dtype: "float16" },
      unet: { path: "unet.onnx", dtype: "float16" },
      vae_decoder: { path: "vae.onnx", dtype: "float16" },
    },
  }, base);
  assert.equal(sd.tokenizer, "https://example.com/models/tok/tokenizer.json");
  assert.equal(sd.tokenizerExpected, undefined);
});

Deno.test("parseManifest() takes the tokenizer as { path, bytes, sha256 }, as each file gives its size and hash", () => {
  const sha256 = "AB".repeat(32);
  const m = parseManifest({
    name: "sd",
    kind: "sd-turbo",
    latentShape: [4, 64, 64],
    imageSize: [512, 512],
    tokenizer: { path: "tokenizer.json", bytes: 2944, sha256 },
    files: {
      text_encoder: { path: "te.onnx", dtype: "float16" },
      unet: { path: "unet.onnx", dtype: "float16" },
      vae_decoder: { path: "vae.onnx", dtype: "float16" },
    },
  }, base);
  assert.equal(m.tokenizer, "https://example.com/models/m/tokenizer.json");
  assert.deepEqual(m.tokenizerExpected, { bytes: 2944, sha256: sha256.toLowerCase() });
});

Deno.test("parseManifest() rejects a bad manifest with a TypeError naming the field", () => {
  const cases: [string, (m: Record<string, unknown>) => void][] = [
    ["name", (m) => delete m.name],
    ["name", (m) => (m.name = "..")], // a URL path segment: /v2/models/.. is /v2/
    ["kind", (m) => (m.kind = "gan")],
    ["latentShape", (m) => (m.latentShape = [4, 32])],
    ["latentShape", (m) => (m.latentShape = [4, 32, -1])],
    ["imageSize", (m) => (m.imageSize = "256")],
    ["files", (m) => (m.files = null)],
    ["files.decoder", (m) => (m.files = {})],
    ["files.decoder.path", (m) => ((m.files as { decoder: { path: unknown } }).decoder.path = 3)],
    ["files.decoder.dtype", (m) => ((m.files as { decoder: { dtype: unknown } }).decoder.dtype = "int8")],
    // The decoder runners feed float32 tensors: a float16 decoder would only fail at its first run.
    ["files.decoder.dtype", (m) => ((m.files as { decoder: { dtype: unknown } }).decoder.dtype = "float16")],
    ["files.decoder.bytes", (m) => ((m.files as { decoder: { bytes: unknown } }).decoder.bytes = -1)],
    ["files.decoder.sha256", (m) => ((m.files as { decoder: { sha256: unknown } }).decoder.sha256 = "abc")],
    ["tokenizer", (m) => (m.tokenizer = 5)],
    ["tokenizer.path", (m) => (m.tokenizer = { bytes: 3 })],
    ["tokenizer.bytes", (m) => (m.tokenizer = { path: "t.json", bytes: 1.5 })],
    ["tokenizer.sha256", (m) => (m.tokenizer = { path: "t.json", sha256: "abc" })],
    ["tokenizer", (m) => {
      m.kind = "sd-turbo";
      m.latentShape = [4, 64, 64];
      m.imageSize = [512, 512];
      m.files = {
        text_encoder: { path: "a", dtype: "float32" },
        unet: { path: "b", dtype: "float32" },
        vae_decoder: { path: "c", dtype: "float32" },
      };
    }],
    ["imageSize", (m) => {
      m.kind = "sd-turbo";
      m.latentShape = [4, 64, 64];
      m.tokenizer = "t.json";
    }],
    // The text encoder's output goes into the UNet as it is.
    ["files.text_encoder.dtype", (m) => {
      m.kind = "sd-turbo";
      m.latentShape = [4, 64, 64];
      m.imageSize = [512, 512];
      m.tokenizer = "t.json";
      m.files = {
        text_encoder: { path: "a", dtype: "float32" },
        unet: { path: "b", dtype: "float16" },
        vae_decoder: { path: "c", dtype: "float16" },
      };
    }],
  ];
  for (const [field, spoil] of cases) {
    const m: Record<string, unknown> = good();
    spoil(m);
    assert.throws(
      () => parseManifest(m, base),
      (e: unknown) => e instanceof TypeError && e.message.startsWith(`Invalid model manifest: ${field} `),
      `expected an error naming ${field}`,
    );
  }
  assert.throws(() => parseManifest([], base), TypeError);
  // A relative manifest URL is said to be the problem, not the files' paths.
  assert.throws(
    () => parseManifest(good(), "models/m/manifest.json"),
    /Invalid model manifest URL "models\/m\/manifest.json": file paths need an absolute URL/,
  );
});

Deno.test("loadManifest() reads the built-in manifest and names an unreachable one", async () => {
  const m = await loadManifest(builtinManifestUrl);
  assert.equal(m.kind, "decoder");
  assert.deepEqual(m.imageSize, [256, 256]);
  await assert.rejects(
    loadManifest(
      "https://models.invalid/manifest.json",
      () => Promise.resolve(new Response("", { status: 404 })),
    ),
    /Cannot load model manifest https:\/\/models\.invalid\/manifest\.json: HTTP 404/,
  );
});

Deno.test("createGenerator() refuses a file that is not the manifest's size or SHA-256", async () => {
  const m = await loadManifest(builtinManifestUrl);
  const decoder = m.files.decoder;
  assert.match(decoder.sha256 ?? "", /^[0-9a-f]{64}$/, "the built-in manifest gives its model's SHA-256");
  const wrongHash = { ...m, files: { decoder: { ...decoder, sha256: "0".repeat(64) } } };
  await assert.rejects(
    createGenerator(wrongHash, ort),
    /file decoder \(.*\) failed: Cannot use what was read: its SHA-256 is [0-9a-f]{64}, the manifest says 0{64}/,
  );
  const wrongSize = { ...m, files: { decoder: { ...decoder, bytes: 5 } } };
  await assert.rejects(createGenerator(wrongSize, ort), /\d+ bytes, where the manifest says 5/);
  // Upper-case digits in a manifest are the same hash.
  const json = JSON.parse(await Deno.readTextFile(new URL(builtinManifestUrl)));
  json.files.decoder.sha256 = json.files.decoder.sha256.toUpperCase();
  const g = await createGenerator(parseManifest(json, builtinManifestUrl), ort);
  await g.dispose();
});

Deno.test("createGenerator() names a missing model file", async () => {
  const m = parseManifest(
    { ...good(), files: { decoder: { path: "missing.onnx", dtype: "float32" } } },
    builtinManifestUrl,
  );
  await assert.rejects(
    createGenerator(m, ort),
    (e: unknown) => e instanceof TypeError && /file decoder \(file:.*missing\.onnx\) failed/.test(e.message),
  );
});

Deno.test("createGenerator() rejects a model whose inputs or shapes do not match the manifest", async () => {
  const model = (input: string, dims: number[]) => {
    const g = new GraphBuilder("wrong");
    g.input(input, DataType.FLOAT, ["batch", ...dims]);
    g.output(g.node("Identity", [input], {}, "image"), DataType.FLOAT, ["batch", ...dims]);
    return g.toModel();
  };
  const m = parseManifest(good(), base);
  await assert.rejects(
    createGenerator(m, ort, { loadFile: () => Promise.resolve(model("x", [3, 256, 256])) }),
    (e: unknown) => e instanceof TypeError && /decoder has inputs \[x\], expected latent/.test(e.message),
  );
  await assert.rejects(
    createGenerator(m, ort, { loadFile: () => Promise.resolve(model("latent", [4, 16, 16])) }),
    (e: unknown) =>
      e instanceof TypeError &&
      /decoder input latent has shape \[batch,4,16,16\], expected \[\?,4,32,32\]/.test(e.message),
  );
});

Deno.test("createGenerator() reports download progress up to the total", async () => {
  const calls: [number, number][] = [];
  const m = await loadManifest(builtinManifestUrl);
  const g = await createGenerator(m, ort, { onDownloadProgress: (l, t) => calls.push([l, t]) });
  const last = calls.at(-1)!;
  assert.equal(last[0], m.files.decoder.bytes);
  assert.equal(last[1], m.files.decoder.bytes);
  await g.dispose();
});

Deno.test("createGenerator() shows progress against the manifest's sizes when the server gives none", async () => {
  const m = await loadManifest(builtinManifestUrl);
  const real = await Deno.readFile(new URL(m.files.decoder.url));
  const calls: [number, number][] = [];
  const g = await createGenerator(m, ort, {
    onDownloadProgress: (l, t) => calls.push([l, t]),
    // Chunks with no total, as from a server that sends no Content-Length (or a compressed one).
    loadFile: (_url, onProgress) => {
      for (let n = 4096; n < real.length; n += 4096) onProgress?.(n, 0);
      return Promise.resolve(real);
    },
  });
  assert.ok(calls.length > 2 && calls.slice(0, -1).every(([l, t]) => l < t), JSON.stringify(calls));
  assert.ok(calls.every(([, t]) => t === m.files.decoder.bytes), "the total is not the manifest's size");
  await g.dispose();
});

Deno.test("createGenerator() makes its sessions once runtimeReady settles, and fails with its rejection", async () => {
  const m = await loadManifest(builtinManifestUrl);
  const real = await Deno.readFile(new URL(m.files.decoder.url));
  const order: string[] = [];
  const create = ((...args: Parameters<typeof ort.InferenceSession.create>) => {
    order.push("session");
    return ort.InferenceSession.create(...args);
  }) as typeof ort.InferenceSession.create;
  const watched = { ...ort, InferenceSession: { ...ort.InferenceSession, create } };
  let read!: () => void;
  const fileRead = new Promise<void>((resolve) => (read = resolve));
  const loadFile = () => {
    order.push("file");
    read();
    return Promise.resolve(real);
  };
  // onnxruntime-web's wasm, downloading alongside the model: done a task after the model's file.
  const runtimeReady = fileRead.then(() => new Promise((r) => setTimeout(r, 0))).then(() =>
    order.push("runtime")
  );
  const g = await createGenerator(m, watched as typeof ort, { loadFile, runtimeReady });
  await g.dispose();
  assert.deepEqual(order, ["file", "runtime", "session"]);

  order.length = 0;
  const failed = Promise.reject(new TypeError("Cannot load onnxruntime's wasm: HTTP 404"));
  await assert.rejects(
    createGenerator(m, watched as typeof ort, { loadFile, runtimeReady: failed }),
    /^TypeError: Cannot load onnxruntime's wasm: HTTP 404$/,
  );
  assert.deepEqual(order, ["file"]);
});

Deno.test("sha256Hex() gives the same digest without Web Crypto (a page on plain http from another host)", async () => {
  const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) & 255);
  const withWebCrypto = await sha256Hex(bytes);
  // What an insecure context has: crypto without subtle.
  Object.defineProperty(crypto, "subtle", { value: undefined, configurable: true });
  try {
    assert.equal(crypto.subtle, undefined);
    assert.equal(await sha256Hex(bytes), withWebCrypto);
    assert.equal(
      await sha256Hex(new Uint8Array()),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    // The built-in model loads there, its file checked against the manifest's SHA-256.
    const generator = await createGenerator(await loadManifest(builtinManifestUrl), ort);
    await generator.dispose();
    const m = await loadManifest(builtinManifestUrl);
    const wrong = { ...m, files: { decoder: { ...m.files.decoder, sha256: "0".repeat(64) } } };
    await assert.rejects(createGenerator(wrong, ort), /its SHA-256 is [0-9a-f]{64}, the manifest says 0{64}/);
  } finally {
    delete (crypto as { subtle?: SubtleCrypto }).subtle;
  }
  assert.ok(crypto.subtle, "Web Crypto was not given back");
});
