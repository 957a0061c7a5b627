/**
 * The `sd-turbo` kind: CLIP text encoder (once per prompt), UNet (one Euler step from sigma 14.6146,
 * timestep 999), VAE decoder, as in onnxruntime-web's SD-Turbo example. fp16 models take and give
 * float16 tensors (converted here bit-exactly); on WebGPU the text embedding stays on the GPU between
 * images, so only the latent travels per image.
 *
 * @module
 */
import type * as OrtCommon from "onnxruntime-common";
import type { Runner, RunnerContext } from "./pipeline.ts";
import { planarToRgba } from "./image.ts";
import { checkSessionIo, tensorMetadata } from "./pipeline-io.ts";
import { fromFloat16Bits, toFloat16Bits } from "./fp16.ts";
import { SD_TURBO_TIMESTEP, unetInput, vaeInput } from "./scheduler.ts";
import { CLIP_CONTEXT, createPromptTokenizer } from "./tokenizer.ts";

/**
 * Keeps a float16 tensor's CPU data as a Uint16Array. Where the engine has Float16Array (Deno, recent
 * browsers) onnxruntime-common wraps float16 data in one, but onnxruntime-node's native binding cannot
 * read a Float16Array under Deno ("not enough space: expected N, got 0"). Every backend reads only the
 * bytes, so a Uint16Array view of the same buffer works everywhere.
 */
function uint16Storage<T extends OrtCommon.Tensor>(t: T): T {
  const data = t.location === "cpu" && t.type === "float16" ? t.data : undefined;
  if (data && !(data instanceof Uint16Array)) {
    const view = data as unknown as ArrayBufferView;
    (t as unknown as { cpuData: Uint16Array }).cpuData = new Uint16Array(
      view.buffer,
      view.byteOffset,
      t.size,
    );
  }
  return t;
}

function floatTensor(ort: RunnerContext["ort"], dtype: string, data: Float32Array, dims: number[]) {
  return dtype === "float16"
    ? uint16Storage(new ort.Tensor("float16", toFloat16Bits(data), dims))
    : new ort.Tensor("float32", data, dims);
}

/**
 * Whole numbers (a timestep, token ids) as a tensor of the type the model takes: exporters differ.
 * Optimum's UNet takes `timestep` as int64, diffusers' own ONNX export as float32 or float16 (999 is
 * exact in each); text encoders take `input_ids` as int32 or int64.
 */
function wholeTensor(
  ort: RunnerContext["ort"],
  type: string,
  values: ArrayLike<number>,
  dims: number[],
): OrtCommon.Tensor {
  switch (type) {
    case "int64":
      return new ort.Tensor("int64", BigInt64Array.from(values, (v) => BigInt(v)), dims);
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(values), dims);
    default:
      return floatTensor(ort, type, Float32Array.from(values), dims);
  }
}

/** Reads a float tensor (float32 or float16, whichever the model gave) as float32. */
async function readFloats(t: OrtCommon.Tensor): Promise<Float32Array> {
  const data = t.location === "cpu" ? t.data : await t.getData();
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return fromFloat16Bits(data);
  return Float32Array.from(data as ArrayLike<number>); // Float16Array where the engine has it
}

/** The prompt tokenizer of a tokenizer.json's bytes. */
function readTokenizer(bytes: Uint8Array) {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new TypeError(`it is not JSON (${(error as Error).message})`, { cause: error });
  }
  return createPromptTokenizer(json);
}

/**
 * Creates the three sessions, the tokenizer, and the renderer.
 *
 * @param ctx Files, ort and a session maker.
 * @returns A runner that renders one latent at a time.
 * @example
 * ```ts
 * // Used by createGenerator() for manifests of kind "sd-turbo".
 * ```
 */
export async function createSdTurboRunner(ctx: RunnerContext): Promise<Runner> {
  const { ort, manifest } = ctx;
  const [C, h, w] = manifest.latentShape;
  const [width, height] = manifest.imageSize;
  const onGpu = ctx.executionProvider === "webgpu";
  if (!ctx.files.tokenizer) {
    throw new TypeError(`Cannot load model "${manifest.name}": tokenizer was not loaded`);
  }
  const tokenizer = await ctx.parseFile("tokenizer", readTokenizer);

  // Free dimensions fixed up front let the providers plan memory once (names as in the exported models).
  const dims = { batch_size: 1, num_channels: C, height: h, width: w, sequence_length: CLIP_CONTEXT };
  const textEncoder = await ctx.createSession("text_encoder", {
    graphOptimizationLevel: "all",
    freeDimensionOverrides: { batch_size: 1, sequence_length: CLIP_CONTEXT },
    ...(onGpu ? { preferredOutputLocation: { last_hidden_state: "gpu-buffer" as const } } : {}),
  });
  const unet = await ctx.createSession("unet", {
    graphOptimizationLevel: "all",
    freeDimensionOverrides: dims,
  });
  const vae = await ctx.createSession("vae_decoder", {
    graphOptimizationLevel: "all",
    freeDimensionOverrides: { batch_size: 1, num_channels_latent: C, height_latent: h, width_latent: w },
  });
  const unetType = manifest.files.unet.dtype;
  const vaeType = manifest.files.vae_decoder.dtype;
  // The text encoder's output goes into the UNet as it is: both the UNet's type.
  checkSessionIo(manifest, "text_encoder", textEncoder, [
    { name: "input_ids", dims: [null, CLIP_CONTEXT], type: ["int32", "int64"] },
  ], [
    { name: "last_hidden_state", type: unetType },
  ]);
  checkSessionIo(manifest, "unet", unet, [
    { name: "sample", dims: [null, C, h, w], type: unetType },
    { name: "timestep", dims: [null], type: ["int64", "int32", "float32", "float16"] },
    { name: "encoder_hidden_states", type: unetType },
  ], [{ name: "out_sample", dims: [null, C, h, w], type: unetType }]);
  checkSessionIo(manifest, "vae_decoder", vae, [{
    name: "latent_sample",
    dims: [null, C, h, w],
    type: vaeType,
  }], [{
    name: "sample",
    dims: [null, 3, height, width],
  }]);

  // Exporters differ in the whole-number inputs; each is fed in the type its session declares.
  const idsType = tensorMetadata(textEncoder, "input", "input_ids")?.type ?? "int32";
  const timestepType = tensorMetadata(unet, "input", "timestep")?.type ?? "int64";
  const timestep = wholeTensor(ort, timestepType, [SD_TURBO_TIMESTEP], [1]);
  let embedding: { prompt: string; tensor: OrtCommon.Tensor } | undefined;

  const embed = async (prompt: string) => {
    if (embedding?.prompt === prompt) return embedding.tensor;
    embedding?.tensor.dispose();
    embedding = undefined;
    const ids = wholeTensor(ort, idsType, tokenizer.encode(prompt), [1, CLIP_CONTEXT]);
    const out = await textEncoder.run({ input_ids: ids });
    for (const [name, t] of Object.entries(out)) if (name !== "last_hidden_state") t.dispose();
    embedding = { prompt, tensor: uint16Storage(out.last_hidden_state) };
    return embedding.tensor;
  };

  return {
    async render(latent, prompt, checkAbort) {
      const hidden = await embed(prompt);
      checkAbort();
      const dims4 = [1, C, h, w];
      const unetOut = await unet.run({
        sample: floatTensor(ort, unetType, unetInput(latent.data), dims4),
        timestep,
        encoder_hidden_states: hidden,
      });
      const noise = await readFloats(unetOut.out_sample);
      unetOut.out_sample.dispose();
      checkAbort();
      const vaeOut = await vae.run({
        latent_sample: floatTensor(ort, vaeType, vaeInput(latent.data, noise), dims4),
      });
      const pixels = await readFloats(vaeOut.sample);
      vaeOut.sample.dispose();
      return planarToRgba(pixels, width, height, { scale: 0.5, offset: 0.5 });
    },
    async release() {
      embedding?.tensor.dispose();
      await Promise.all([textEncoder.release(), unet.release(), vae.release()]);
    },
  };
}
