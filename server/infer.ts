/**
 * The model's side of the protocol: checks a decoded infer request against a model (names,
 * datatypes, shapes, finite values, limits) and encodes its images as the response asks: raw UINT8
 * `[N,H,W,4]` or PNG BYTES `[N]`, as JSON or binary tensors.
 *
 * @module
 */
import { encode as encodePng } from "fast-png";
import type { Latent, Shape } from "../core/latent.ts";
import {
  bytesToText,
  decodeInferRequest,
  type EncodedMessage,
  encodeInferResponse,
  type InferRequest,
  type InferTensor,
  type InferTensorHeader,
  parseHeaderLength,
  wantsBinaryOutput,
} from "../core/wire.ts";
import { HttpError } from "./http.ts";
import type { RgbaImage, ServedModel } from "./model.ts";

/** Limits on one request. */
export interface InferLimits {
  /** Most latents in one request. */
  maxBatch: number;
  /** Most UTF-8 bytes in a prompt. */
  maxPromptBytes: number;
}

/** A checked request, ready for the batcher. */
export interface ParsedInfer {
  id?: string;
  latents: Latent[];
  prompt: string;
  /** "raw": UINT8 RGBA tensor; "png": one PNG per image as BYTES. */
  format: "raw" | "png";
  binary: boolean;
}

/** The output's name, and the output parameter that picks the image format. */
export const IMAGES_OUTPUT = "images";
const FORMAT_PARAMETER = "image_format";

function fail(message: string): never {
  throw new HttpError(400, message);
}

/** Checks an input's name, datatype and shape against the model, before its data is read. */
function checkInput(t: InferTensorHeader, shape: Shape, limits: InferLimits): void {
  const s = t.shape;
  if (t.name === "latents") {
    if (t.datatype !== "FP32") fail(`Cannot infer: input "latents" must be FP32, got ${t.datatype}`);
    const [c, h, w] = shape;
    if (s.length !== 4 || s[1] !== c || s[2] !== h || s[3] !== w) {
      fail(`Cannot infer: input "latents" must have shape [-1,${c},${h},${w}], got ${JSON.stringify(s)}`);
    }
    if (s[0] < 1) fail(`Cannot infer: input "latents" holds no latents (shape ${JSON.stringify(s)})`);
    if (s[0] > limits.maxBatch) {
      fail(`Cannot infer: batch of ${s[0]} latents is over the limit of ${limits.maxBatch}`);
    }
  } else if (t.name === "prompt") {
    if (t.datatype !== "BYTES") fail(`Cannot infer: input "prompt" must be BYTES, got ${t.datatype}`);
    if (s.length !== 1 || s[0] !== 1) {
      fail(`Cannot infer: input "prompt" must hold 1 element, shape [1], got shape ${JSON.stringify(s)}`);
    }
  } else {
    fail(`Cannot infer: unknown input "${t.name}"`);
  }
}

function readLatents(t: InferTensor, shape: Shape, limits: InferLimits): Latent[] {
  checkInput(t, shape, limits);
  const s = t.shape;
  const [c, h, w] = shape;
  const data = t.data as Float32Array;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      fail(`Cannot infer: input "latents" element ${i} is ${data[i]}, not finite`);
    }
  }
  const size = c * h * w;
  const out: Latent[] = [];
  for (let n = 0; n < s[0]; n++) out.push({ shape, data: data.slice(n * size, (n + 1) * size) });
  return out;
}

function readPrompt(t: InferTensor, shape: Shape, limits: InferLimits): string {
  checkInput(t, shape, limits);
  const elements = t.data as Uint8Array[];
  if (elements.length !== 1) fail(`Cannot infer: input "prompt" must hold 1 element, got ${elements.length}`);
  if (elements[0].length > limits.maxPromptBytes) {
    fail(`Cannot infer: prompt of ${elements[0].length} bytes is over the limit of ${limits.maxPromptBytes}`);
  }
  try {
    return bytesToText(elements[0], 'input "prompt"');
  } catch (e) {
    fail((e as Error).message);
  }
}

/**
 * Runs a step that reads the client's bytes: its TypeError or RangeError is the client's fault (400).
 * Past this boundary such errors are the server's own (500), as when a model's images do not encode.
 */
function asBadRequest<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new HttpError(400, e.message);
    throw e;
  }
}

/**
 * Decodes an infer request body and checks it against a model: every error is an
 * {@link HttpError} with a 4xx status naming the problem. Each input's name, datatype and shape are
 * checked before its data is decoded, so a shape the model refuses costs no decoding.
 *
 * @param body The whole HTTP body.
 * @param headerLength The `Inference-Header-Content-Length` header, or null when absent.
 * @param model The model it is for.
 * @param limits Batch and prompt limits.
 * @returns The latents, prompt and output options.
 * @example
 * ```ts
 * const parsed = decodeInfer(body, request.headers.get(HEADER_LENGTH_HEADER), model, { maxBatch: 16, maxPromptBytes: 2048 });
 * ```
 */
export function decodeInfer(
  body: Uint8Array,
  headerLength: string | null,
  model: ServedModel,
  limits: InferLimits,
): ParsedInfer {
  return asBadRequest(() => {
    const request = decodeInferRequest(body, parseHeaderLength(headerLength, body.length), {
      checkInput: (t) => checkInput(t, model.latentShape, limits),
    });
    return parseInfer(request, model, limits);
  });
}

/**
 * Checks a decoded infer request against a model.
 *
 * @param request The decoded request.
 * @param model The model it is for.
 * @param limits Batch and prompt limits.
 * @returns The latents, prompt and output options.
 * @example
 * ```ts
 * const parsed = parseInfer(decodeInferRequest(body, headerLength), model, { maxBatch: 16, maxPromptBytes: 2048 });
 * ```
 */
export function parseInfer(request: InferRequest, model: ServedModel, limits: InferLimits): ParsedInfer {
  const byName = new Map(request.inputs.map((t) => [t.name, t]));
  for (const name of byName.keys()) {
    if (name !== "latents" && name !== "prompt") fail(`Cannot infer: unknown input "${name}"`);
  }
  const lt = byName.get("latents");
  if (!lt) fail('Cannot infer: missing input "latents"');
  const pt = byName.get("prompt");
  if (!pt) fail('Cannot infer: missing input "prompt"');
  const latents = readLatents(lt, model.latentShape, limits);
  const prompt = readPrompt(pt, model.latentShape, limits);
  let format: "raw" | "png" = "raw";
  for (const o of request.outputs ?? []) {
    if (o.name !== IMAGES_OUTPUT) fail(`Cannot infer: unknown output "${o.name}"`);
    if (o.parameters?.classification !== undefined) {
      fail(
        `Cannot infer: output "${o.name}" parameter "classification" is not supported (the classification extension is not offered)`,
      );
    }
    const f = o.parameters?.[FORMAT_PARAMETER];
    if (f !== undefined && f !== "raw" && f !== "png") {
      fail(
        `Cannot infer: output parameter ${FORMAT_PARAMETER} must be "raw" or "png", got ${JSON.stringify(f)}`,
      );
    }
    if (f === "png") format = "png";
  }
  const parsed: ParsedInfer = { latents, prompt, format, binary: wantsBinaryOutput(request, IMAGES_OUTPUT) };
  if (request.id !== undefined) parsed.id = request.id;
  return parsed;
}

function base64(bytes: Uint8Array): Uint8Array {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return new TextEncoder().encode(btoa(s));
}

/**
 * Encodes images as the infer response the request asked for. PNGs are encoded one per task: each
 * takes about 11 ms for 256x256 on the event loop (fast-png, in JavaScript), so a batch of 16 in one
 * go kept the server from reading any request for 180 ms.
 *
 * @param model The model.
 * @param parsed The checked request.
 * @param images Its images, in order.
 * @returns The body and headers.
 * @example
 * ```ts
 * const { body, headers } = await encodeImages(model, parsed, images);
 * ```
 */
export async function encodeImages(
  model: ServedModel,
  parsed: ParsedInfer,
  images: RgbaImage[],
): Promise<EncodedMessage> {
  const head = {
    model_name: model.name,
    model_version: model.version,
    ...(parsed.id !== undefined ? { id: parsed.id } : {}),
  };
  // A model's wrong images are the server's fault: a plain Error, answered 500 (never 400).
  const [first] = images;
  images.forEach((im, i) => {
    if (
      im.data.length !== im.width * im.height * 4 || im.width !== first.width || im.height !== first.height
    ) {
      throw new Error(
        `Cannot encode the images of model "${model.name}": image ${i} is ${im.width}x${im.height} with ` +
          `${im.data.length} bytes, expected ${first.width}x${first.height} RGBA (${
            first.width * first.height * 4
          } bytes)`,
      );
    }
  });
  let tensor: InferTensor;
  if (parsed.format === "png") {
    const pngs: Uint8Array[] = [];
    for (const im of images) {
      if (pngs.length) await new Promise((r) => setTimeout(r, 0));
      pngs.push(encodePng({ width: im.width, height: im.height, data: im.data, channels: 4 }));
    }
    // JSON cannot carry raw bytes: PNGs in the JSON form are base64 text, and say so.
    tensor = parsed.binary
      ? {
        name: IMAGES_OUTPUT,
        datatype: "BYTES",
        shape: [pngs.length],
        data: pngs,
        parameters: { image_format: "png" },
      }
      : {
        name: IMAGES_OUTPUT,
        datatype: "BYTES",
        shape: [pngs.length],
        data: pngs.map(base64),
        parameters: { image_format: "png", content_encoding: "base64" },
      };
  } else {
    const { width, height } = images[0];
    const data = new Uint8Array(images.length * width * height * 4);
    images.forEach((im, i) => data.set(im.data, i * width * height * 4));
    tensor = { name: IMAGES_OUTPUT, datatype: "UINT8", shape: [images.length, height, width, 4], data };
  }
  return encodeInferResponse({ ...head, outputs: [tensor] }, { binary: parsed.binary });
}

/**
 * The model metadata answer of `GET /v2/models/{name}`.
 *
 * @param model The model.
 * @param maxBatch The most latents per request.
 * @returns The metadata object.
 * @example
 * ```ts
 * modelMetadata(model, 16).inputs[0].shape; // [-1, 4, 8, 8]
 * ```
 */
export function modelMetadata(model: ServedModel, maxBatch: number) {
  const [w, h] = model.imageSize;
  return {
    name: model.name,
    versions: [model.version],
    platform: model.platform,
    inputs: [
      { name: "latents", datatype: "FP32", shape: [-1, ...model.latentShape] },
      { name: "prompt", datatype: "BYTES", shape: [1] },
    ],
    outputs: [{ name: IMAGES_OUTPUT, datatype: "UINT8", shape: [-1, h, w, 4] }],
    parameters: { execution_provider: model.executionProvider, max_batch_size: maxBatch },
  };
}
