// models/manifest.ts: writing a model folder's manifest.json from the files themselves.
import assert from "node:assert/strict";
import { basename, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { describeModelFolder, parseArgs, writeModelManifest } from "../../models/manifest.ts";
import { loadManifest, sha256Hex } from "../../core/manifest.ts";
import { createGenerator, type Ort } from "../../core/pipeline.ts";
import { createRng } from "../../core/rng.ts";
import { randomLatent } from "../../core/latent.ts";
import { DataType, GraphBuilder } from "../../models/onnx-writer.ts";

const fixtures = fileURLToPath(new URL("../fixtures/sd-turbo/", import.meta.url));
const builtin = fileURLToPath(new URL("../../models/builtin/", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** A temporary folder with `files` (path in it -> file to copy, or bytes). */
async function folder(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [path, from] of Object.entries(files)) {
    await Deno.mkdir(dirname(`${dir}/${path}`), { recursive: true });
    if (typeof from === "string") await Deno.copyFile(from, `${dir}/${path}`);
    else await Deno.writeFile(`${dir}/${path}`, from);
  }
  return dir;
}

/** SD-Turbo's fp16 stand-ins in optimum's layout (one folder per part, tokenizer/ for the tokenizer). */
const optimumLayout = (extra: Record<string, string | Uint8Array> = {}) =>
  folder({
    "text_encoder/model.onnx": `${fixtures}text_encoder-fp16.onnx`,
    "unet/model.onnx": `${fixtures}unet-fp16.onnx`,
    "vae_decoder/model.onnx": `${fixtures}vae_decoder-fp16.onnx`,
    "tokenizer/tokenizer.json": `${fixtures}tokenizer.json`,
    ...extra,
  });

Deno.test("writeModelManifest() describes an SD-Turbo export in optimum's layout, and it renders as the hand-written manifest does", async () => {
  const dir = await optimumLayout();
  try {
    const { manifest, notes } = await writeModelManifest(dir, { name: "sd-turbo-test" });
    assert.deepEqual(notes, []);
    const written = await loadManifest(pathToFileURL(`${dir}/manifest.json`));
    assert.deepEqual(
      written.files.unet.sha256,
      await sha256Hex(await Deno.readFile(`${dir}/unet/model.onnx`)),
    );
    assert.equal(manifest.name, "sd-turbo-test");
    const byHand = await loadManifest(pathToFileURL(`${fixtures}manifest-fp16.json`));
    assert.deepEqual(
      [written.kind, written.latentShape, written.imageSize],
      [byHand.kind, byHand.latentShape, byHand.imageSize],
    );
    for (const key of ["text_encoder", "unet", "vae_decoder"]) {
      assert.deepEqual(
        [written.files[key].dtype, written.files[key].bytes],
        [byHand.files[key].dtype, byHand.files[key].bytes],
      );
    }
    const latent = randomLatent([4, 64, 64], createRng(3));
    const [a, b] = await Promise.all([written, byHand].map(async (m) => {
      const g = await createGenerator(m, ort as unknown as Ort);
      const [image] = await g.generate([latent], "the red fox");
      await g.dispose();
      return image.data;
    }));
    assert.deepEqual(a, b);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describeModelFolder() reads float32 flat files, and the built-in model's folder gives its manifest", async () => {
  const flat = await describeModelFolder(fixtures);
  const files = flat.manifest.files as Record<string, { path: string; dtype: string }>;
  assert.deepEqual(
    Object.fromEntries(Object.entries(files).map(([k, f]) => [k, [f.path, f.dtype]])),
    {
      text_encoder: ["text_encoder.onnx", "float32"],
      unet: ["unet.onnx", "float32"],
      vae_decoder: ["vae_decoder.onnx", "float32"],
    },
  );
  // The tokenizer with its size and hash, as each model file: a cached copy that is not it is refused.
  const tokenizer = await Deno.readFile(`${fixtures}tokenizer.json`);
  assert.deepEqual(flat.manifest.tokenizer, {
    path: "tokenizer.json",
    bytes: tokenizer.length,
    sha256: await sha256Hex(tokenizer),
  });
  const { manifest } = await describeModelFolder(builtin, { name: "builtin-landscape" });
  const { description: _, ...shipped } = JSON.parse(await Deno.readTextFile(`${builtin}manifest.json`));
  assert.deepEqual(manifest, shipped);
});

/** A decoder whose latent height and width are free: 1x1 conv to RGB, 8x up, sigmoid. */
function convolutionalDecoder(): Uint8Array {
  const g = new GraphBuilder("free-dims-decoder");
  g.input("latent", DataType.FLOAT, ["n", 4, "h", "w"]);
  const rgb = g.node("Conv", ["latent", g.constant([3, 4, 1, 1], new Float32Array(12).fill(0.5))], {
    kernel_shape: [1, 1],
  });
  const up = g.node("Resize", [rgb, "", g.f32([1, 1, 8, 8])], { mode: "nearest" });
  g.node("Sigmoid", [up], {}, "image");
  g.output("image", DataType.FLOAT, ["n", 3, "H", "W"]);
  return g.toModel();
}

Deno.test("describeModelFolder() runs a decoder whose size is free on --latent-shape to learn its image size", async () => {
  const dir = await folder({ "model.onnx": convolutionalDecoder() });
  try {
    await assert.rejects(
      describeModelFolder(dir),
      /model\.onnx's latent has free dims \["n",4,"h","w"\]: give --latent-shape C,H,W/,
    );
    const { manifest } = await writeModelManifest(dir, { latentShape: [4, 16, 24] });
    assert.deepEqual([manifest.kind, manifest.latentShape, manifest.imageSize], ["decoder", [4, 16, 24], [
      192,
      128,
    ]]);
    const g = await createGenerator(
      await loadManifest(pathToFileURL(`${dir}/manifest.json`)),
      ort as unknown as Ort,
    );
    const [image] = await g.generate([randomLatent([4, 16, 24], createRng(1))], "");
    assert.deepEqual([image.width, image.height], [192, 128]);
    await g.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describeModelFolder() says what is missing or unusable, and writeModelManifest() keeps an existing manifest", async () => {
  const empty = await folder({});
  const noVae = await folder({ "unet/model.onnx": `${fixtures}unet-fp16.onnx` });
  const slowTokenizer = await optimumLayout({ "tokenizer/vocab.json": new Uint8Array([123, 125]) });
  await Deno.remove(`${slowTokenizer}/tokenizer/tokenizer.json`);
  const external = await optimumLayout({
    "unet/model.onnx": new TextEncoder().encode("not a whole model"),
    "unet/model.onnx_data": new Uint8Array(16),
  });
  const kept = await optimumLayout({ "manifest.json": new TextEncoder().encode('{"name":"mine"}') });
  // A tokenizer.json with "!" in its vocabulary that pads with another token.
  const json = JSON.parse(await Deno.readTextFile(`${fixtures}tokenizer.json`));
  json.model.vocab["!"] = 60;
  json.padding = { pad_id: 59, pad_token: "<|endoftext|>", strategy: "BatchLongest" };
  const padded = await optimumLayout({
    "tokenizer/tokenizer.json": new TextEncoder().encode(JSON.stringify(json)),
  });
  try {
    await assert.rejects(
      describeModelFolder(empty),
      /has no unet\/model\.onnx or unet\.onnx \(an SD-Turbo export\) and no model\.onnx or decoder\.onnx/,
    );
    await assert.rejects(
      describeModelFolder(noVae),
      /looks like an SD-Turbo export but has no text_encoder\/model\.onnx or text_encoder\.onnx, no vae_decoder/,
    );
    await assert.rejects(describeModelFolder(slowTokenizer), /no tokenizer\.json or .*CLIPTokenizerFast/);
    await assert.rejects(
      describeModelFolder(external),
      /unet\/model\.onnx keeps its weights in an external-data file \(model\.onnx_data\)/,
    );
    await assert.rejects(writeModelManifest(kept), /manifest\.json: it exists \(--force replaces it\)/);
    assert.equal(await Deno.readTextFile(`${kept}/manifest.json`), '{"name":"mine"}');
    // With "!" in the vocabulary and no "padding", as SD-Turbo's own tokenizer.json: nothing to say.
    delete json.padding;
    await Deno.writeTextFile(`${padded}/tokenizer/tokenizer.json`, JSON.stringify(json));
    assert.deepEqual((await describeModelFolder(padded)).notes, []);
    json.padding = { pad_id: 59, pad_token: "<|endoftext|>", strategy: "BatchLongest" };
    await Deno.writeTextFile(`${padded}/tokenizer/tokenizer.json`, JSON.stringify(json));
    const { notes } = await describeModelFolder(padded);
    assert.deepEqual(notes, [
      'tokenizer/tokenizer.json pads prompts with id 59 (its "padding"); SD-Turbo was trained with "!" (id 60), ' +
      'which diffusers pads with: delete "padding" from the file to pad as it does',
    ]);
    await writeModelManifest(kept, { force: true });
    assert.equal((await loadManifest(pathToFileURL(`${kept}/manifest.json`))).name, basename(kept));
  } finally {
    for (const d of [empty, noVae, slowTokenizer, external, kept, padded]) {
      await Deno.remove(d, { recursive: true });
    }
  }
});

Deno.test("models/manifest.ts: command line options, and its exit status and message", async () => {
  assert.deepEqual(parseArgs(["m", "--name", "x", "--latent-shape=4,32,48", "--force"]), {
    dir: "m",
    name: "x",
    latentShape: [4, 32, 48],
    force: true,
  });
  assert.throws(
    () => parseArgs(["m", "--latent-shape", "4,32"]),
    /three positive integers C,H,W, got "4,32"/,
  );
  assert.throws(() => parseArgs(["m", "--nmae", "x"]), /unknown option --nmae; usage/);
  assert.throws(() => parseArgs([]), /^TypeError: usage/);
  assert.throws(() => parseArgs(["m", "--name"]), /--name needs a value/);
  assert.throws(() => parseArgs(["m", "--name="]), /--name needs a value/);
  assert.deepEqual(parseArgs(["--force", "--", "-odd"]), { dir: "-odd", force: true });
  assert.throws(() => parseArgs(["a", "b"]), /one folder only, got "a" and "b"/);
  const dir = await optimumLayout();
  try {
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), { args: ["run", "-A", "models/manifest.ts", ...args], cwd: root })
        .output();
    const ok = await run([dir, "--name", "cli"]);
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    assert.match(
      new TextDecoder().decode(ok.stdout),
      /wrote .*manifest\.json: sd-turbo "cli", loaded through core\/pipeline/,
    );
    // The folder's own name, however it is spelt: ".", or with a trailing slash.
    const here = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}models/manifest.ts`, ".", "--force"],
      cwd: dir,
    }).output();
    assert.equal(here.code, 0, new TextDecoder().decode(here.stderr));
    assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`)).name, basename(dir));
    assert.equal(parseArgs([`${dir}/`]).dir, `${dir}/`);
    assert.equal((await describeModelFolder(`${dir}/`)).manifest.name, basename(dir));
    const again = await run([dir]);
    assert.equal(again.code, 1);
    assert.match(new TextDecoder().decode(again.stderr), /it exists \(--force replaces it\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
