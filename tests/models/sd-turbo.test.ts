import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { loadManifest, parseManifest, sha256Hex } from "../../core/manifest.ts";
import { createGenerator, type Ort } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import type { Latent } from "../../core/latent.ts";

const fixture = (name: string) => new URL(`../fixtures/sd-turbo/${name}`, import.meta.url);

function latents(seed: number, n: number): Latent[] {
  const rng = createRng(seed);
  return Array.from(
    { length: n },
    () => ({ shape: [4, 64, 64] as const, data: rng.fillNormal(new Float32Array(16384)) }),
  );
}

/** onnxruntime-node whose sessions count their runs by model file (the first input's name). */
function countingOrt(onRun?: (key: string) => void) {
  const runs: Record<string, number> = {};
  const counted: Ort = {
    Tensor: ort.Tensor,
    InferenceSession: {
      create: async (...args: unknown[]) => {
        const session =
          await (ort.InferenceSession.create as (...a: unknown[]) => Promise<ort.InferenceSession>)(
            ...args,
          );
        const key = session.inputNames[0];
        const run = session.run.bind(session);
        Object.defineProperty(session, "run", {
          value: (...a: Parameters<typeof run>) => {
            runs[key] = (runs[key] ?? 0) + 1;
            const result = run(...a);
            onRun?.(key);
            return result;
          },
        });
        return session;
      },
    } as unknown as Ort["InferenceSession"],
  };
  return { ort: counted, runs };
}

/** The SD-Turbo recipe written out by hand with the raw sessions, to check the pipeline against. */
async function reference(latent: Latent, ids: Int32Array): Promise<Uint8ClampedArray> {
  const load = (f: string) => ort.InferenceSession.create(fixture(f).pathname);
  const [te, unet, vae] = await Promise.all([
    load("text_encoder.onnx"),
    load("unet.onnx"),
    load("vae_decoder.onnx"),
  ]);
  const { last_hidden_state } = await te.run({ input_ids: new ort.Tensor("int32", ids, [1, 77]) });
  const sigma = 14.6146;
  const z = latent.data.map((v) => v * sigma);
  const { out_sample } = await unet.run({
    sample: new ort.Tensor("float32", z.map((v) => v / Math.sqrt(sigma ** 2 + 1)), [1, 4, 64, 64]),
    timestep: new ort.Tensor("int64", BigInt64Array.from([999n]), [1]),
    encoder_hidden_states: last_hidden_state,
  });
  const noise = out_sample.data as Float32Array;
  const x0 = z.map((v, i) => (v - sigma * noise[i]) / 0.18215);
  const { sample } = await vae.run({ latent_sample: new ort.Tensor("float32", x0, [1, 4, 64, 64]) });
  const px = sample.data as Float32Array;
  const out = new Uint8ClampedArray(512 * 512 * 4);
  for (let i = 0; i < 512 * 512; i++) {
    for (let c = 0; c < 3; c++) {
      out[4 * i + c] = Math.min(1, Math.max(0, px[c * 512 * 512 + i] / 2 + 0.5)) * 255;
    }
    out[4 * i + 3] = 255;
  }
  return out;
}

Deno.test("sd-turbo pipeline on stand-in models follows the one-step Euler recipe exactly", async () => {
  const manifest = await loadManifest(fixture("manifest.json"));
  const g = await createGenerator(manifest, ort);
  const [latent] = latents(1, 1);
  const [img] = await g.generate([latent], "the red fox");
  assert.equal(img.width, 512);
  assert.equal(img.height, 512);
  // ids of "the red fox" in the fixture vocabulary (see sd-parts.test.ts), padded with <|endoftext|>
  const ids = new Int32Array(77).fill(59);
  ids.set([58, 55, 57, 53, 59]);
  const want = await reference(latent, ids);
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i] - img.data[i]));
  assert.ok(maxDiff <= 1, `pipeline and reference differ by ${maxDiff} levels`);
  // The image is not flat: the stand-in VAE spreads values over [-1, 1].
  const reds = new Set(Array.from({ length: 1000 }, (_, i) => img.data[4 * i * 97]));
  assert.ok(reds.size > 20, `only ${reds.size} distinct red values`);
  await g.dispose();
});

Deno.test("sd-turbo pipeline runs the text encoder once per prompt and streams each image", async () => {
  const { ort: counting, runs } = countingOrt();
  const g = await createGenerator(await loadManifest(fixture("manifest.json")), counting);
  const seen: number[] = [];
  const a = await g.generate(latents(2, 3), "the red fox", { onImage: (i) => seen.push(i) });
  await g.generate(latents(3, 2), "the red fox");
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(runs, { input_ids: 1, sample: 5, latent_sample: 5 });
  const b = await g.generate(latents(2, 1), "a cat");
  assert.equal(runs.input_ids, 2);
  assert.ok(a[0].data.some((v, i) => v !== b[0].data[i]), "the prompt changed nothing");
  const c = await g.generate(latents(2, 1), "the red fox");
  assert.deepEqual(c[0].data, a[0].data);
  await g.dispose();
});

Deno.test("sd-turbo pipeline aborts between the UNet and the VAE", async () => {
  const controller = new AbortController();
  const { ort: counting, runs } = countingOrt((key) => key === "sample" && controller.abort());
  const g = await createGenerator(await loadManifest(fixture("manifest.json")), counting);
  const seen: number[] = [];
  await assert.rejects(
    g.generate(latents(1, 2), "fox", { signal: controller.signal, onImage: (i) => seen.push(i) }),
    (e: unknown) => e instanceof DOMException && e.name === "AbortError",
  );
  assert.deepEqual(seen, []);
  assert.equal(runs.sample, 1);
  assert.equal(runs.latent_sample, undefined);
  await g.dispose();
});

Deno.test("sd-turbo pipeline with float16 models (int64 input_ids, float16 timestep) matches float32 (optimum's types: int32, int64) within fp16 precision", async () => {
  const g32 = await createGenerator(await loadManifest(fixture("manifest.json")), ort);
  const g16 = await createGenerator(await loadManifest(fixture("manifest-fp16.json")), ort);
  const ls = latents(4, 1);
  const [a] = await g32.generate(ls, "the red fox");
  const [b] = await g16.generate(ls, "the red fox");
  let sum = 0, max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    sum += d;
    max = Math.max(max, d);
  }
  // x0 / 0.18215 reaches ~100, where a half has a step of 1/16: a few levels at most after the VAE.
  assert.ok(sum / a.data.length < 1, `mean difference ${sum / a.data.length}`);
  assert.ok(max <= 8, `max difference ${max}`);
  await g32.dispose();
  await g16.dispose();
});

Deno.test("sd-turbo pipeline names a missing tokenizer and a UNet with the wrong inputs", async () => {
  const manifest = await loadManifest(fixture("manifest.json"));
  await assert.rejects(
    createGenerator({ ...manifest, tokenizer: new URL("nope.json", manifest.baseUrl).href }, ort),
    /file tokenizer \(.*nope\.json\) failed/,
  );
  const swapped = { ...manifest, files: { ...manifest.files, unet: manifest.files.vae_decoder } };
  await assert.rejects(
    createGenerator(swapped, ort),
    (e: unknown) =>
      e instanceof TypeError && /unet has inputs \[latent_sample\], expected sample/.test(e.message),
  );
});

Deno.test("sd-turbo pipeline refuses a tokenizer.json that is not the manifest's size or SHA-256", async () => {
  const json = JSON.parse(await Deno.readTextFile(fixture("manifest.json")));
  const tokenizer = await Deno.readFile(fixture("tokenizer.json"));
  const withTokenizer = (t: Record<string, unknown>) =>
    parseManifest({ ...json, tokenizer: t }, fixture("m"));
  await assert.rejects(
    createGenerator(withTokenizer({ path: "tokenizer.json", sha256: "0".repeat(64) }), ort),
    /file tokenizer \(.*tokenizer\.json\) failed: Cannot use what was read: its SHA-256 is [0-9a-f]{64}, the manifest says 0{64}/,
  );
  await assert.rejects(
    createGenerator(withTokenizer({ path: "tokenizer.json", bytes: 10 }), ort),
    /file tokenizer \(.*\) failed: Cannot use what was read: \d+ bytes, where the manifest says 10/,
  );
  const right = { path: "tokenizer.json", bytes: tokenizer.length, sha256: await sha256Hex(tokenizer) };
  await (await createGenerator(withTokenizer(right), ort)).dispose();
});

Deno.test("sd-turbo pipeline refuses at load a manifest whose dtype is not its files' (not at the first image)", async () => {
  const fp16 = await loadManifest(fixture("manifest-fp16.json"));
  const files = Object.fromEntries(
    Object.entries(fp16.files).map(([key, f]) => [key, { ...f, dtype: "float32" as const }]),
  );
  await assert.rejects(
    createGenerator({ ...fp16, files }, ort),
    /text_encoder output last_hidden_state is float16, the manifest says float32 \(its dtype\)/,
  );
  const fp32 = await loadManifest(fixture("manifest.json"));
  await assert.rejects(
    createGenerator({
      ...fp32,
      files: { ...fp32.files, vae_decoder: { ...fp16.files.vae_decoder, dtype: "float32" } },
    }, ort),
    /vae_decoder input latent_sample is float16, the manifest says float32/,
  );
});
