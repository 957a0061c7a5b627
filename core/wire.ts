/**
 * The Open Inference Protocol (KServe v2, as served by NVIDIA Triton) codec: inference requests and
 * responses in the JSON form and with the binary tensor extension, where the JSON header is followed
 * by raw little-endian tensor bytes and its length travels in the `Inference-Header-Content-Length`
 * HTTP header. Pure TypeScript: the Deno server and the element's server backend share it. The message
 * types live in `core/wire-types.ts`, the images request/response helpers in `core/wire-images.ts`,
 * the decoding of messages in `core/wire-decode.ts`; this module encodes, and re-exports the rest.
 *
 * Binary layout: tensors are row-major with no padding. A BYTES element is a 4-byte little-endian
 * unsigned length followed by its bytes. An input or output sent as binary carries the parameter
 * `binary_data_size`; a requested output asks for binary with `binary_data: true`, or every output
 * is asked for at once with the request parameter `binary_data_output: true`.
 *
 * JSON form: FP16 elements are the numbers their binary16 bits stand for. Values a datatype cannot
 * hold are refused, never wrapped: integers out of range or not whole, BOOL other than true, false,
 * 0 or 1, and (when encoding) NaN, infinities and INT64 values no JSON number holds exactly.
 *
 * @module
 */

import { checkTensorData, elementCount, type NumericArray, tensorBytes } from "./wire-tensor.ts";
import { tensorJsonData } from "./wire-json.ts";
import {
  type EncodedMessage,
  HEADER_LENGTH_HEADER,
  type InferRequest,
  type InferResponse,
  type InferTensor,
} from "./wire-types.ts";

export {
  bytesToText,
  type Datatype,
  decodeBytesElements,
  elementCount,
  encodeBytesElements,
  isDatatype,
  type TensorData,
} from "./wire-tensor.ts";
export {
  type EncodedMessage,
  HEADER_LENGTH_HEADER,
  type InferParameters,
  type InferRequest,
  type InferRequestedOutput,
  type InferResponse,
  type InferTensor,
  type InferTensorHeader,
} from "./wire-types.ts";
export { imagesRequest, responseImages } from "./wire-images.ts";
export {
  decodeInferRequest,
  decodeInferResponse,
  type DecodeRequestOptions,
  parseHeaderLength,
  wantsBinaryOutput,
} from "./wire-decode.ts";

const utf8 = new TextEncoder();

/**
 * Checks a tensor before encoding: its data is of its datatype's class (a Float64Array sent as FP32
 * would give twice the bytes its shape promises) and holds as many elements as its shape.
 */
function checkTensor(t: InferTensor, what: string): void {
  checkTensorData(t, what);
  const n = elementCount(t.shape, what);
  const len = Array.isArray(t.data) ? t.data.length : (t.data as NumericArray).length;
  if (len !== n) {
    throw new RangeError(
      `Cannot encode ${what}: shape ${JSON.stringify(t.shape)} needs ${n} elements, got ${len}`,
    );
  }
}

/** Encodes tensors into a JSON header plus optional binary tail; `binary(t)` decides per tensor. */
function encodeMessage(
  head: Record<string, unknown>,
  key: "inputs" | "outputs",
  tensors: readonly InferTensor[],
  binary: (t: InferTensor) => boolean,
): EncodedMessage {
  const parts: Uint8Array[] = [];
  const jsonTensors = tensors.map((t) => {
    const what = `${key.slice(0, -1)} "${t.name}"`;
    checkTensor(t, what);
    const { data: _data, ...rest } = t;
    if (binary(t)) {
      const bytes = tensorBytes(t);
      parts.push(bytes);
      return { ...rest, parameters: { ...t.parameters, binary_data_size: bytes.length } };
    }
    const params = t.parameters ? { ...t.parameters } : undefined;
    if (params) delete params.binary_data_size;
    return { ...rest, ...(params ? { parameters: params } : {}), data: tensorJsonData(t, what) };
  });
  const json = utf8.encode(JSON.stringify({ ...head, [key]: jsonTensors }));
  if (parts.length === 0) return { body: json, headers: { "content-type": "application/json" } };
  const size = parts.reduce((s, p) => s + p.length, json.length);
  const body = new Uint8Array(size);
  body.set(json, 0);
  let offset = json.length;
  for (const p of parts) {
    body.set(p, offset);
    offset += p.length;
  }
  return {
    body,
    headers: { "content-type": "application/octet-stream", [HEADER_LENGTH_HEADER]: String(json.length) },
  };
}

/**
 * Encodes an infer request.
 *
 * @param request The request.
 * @param options `binary: true` sends every input as raw bytes (the binary tensor extension);
 *   `binaryOutputs: true` asks the server to answer with raw bytes too.
 * @returns The body and its headers (`content-type`, and `Inference-Header-Content-Length` when binary).
 * @example
 * ```ts
 * const { body, headers } = encodeInferRequest({
 *   inputs: [{ name: "prompt", datatype: "BYTES", shape: [1], data: [new TextEncoder().encode("a cat")] }],
 * }, { binary: true, binaryOutputs: true });
 * await fetch("http://127.0.0.1:8000/v2/models/builtin/infer", { method: "POST", body, headers });
 * ```
 */
export function encodeInferRequest(
  request: InferRequest,
  options: { binary?: boolean; binaryOutputs?: boolean } = {},
): EncodedMessage {
  const head: Record<string, unknown> = {};
  if (request.id !== undefined) head.id = request.id;
  const params = { ...request.parameters };
  if (options.binaryOutputs) params.binary_data_output = true;
  if (Object.keys(params).length > 0) head.parameters = params;
  if (request.outputs) head.outputs = request.outputs;
  return encodeMessage(head, "inputs", request.inputs, () => options.binary === true);
}

/**
 * Encodes an infer response.
 *
 * @param response The response.
 * @param options `binary`: true for every output, or the names of the outputs to send as raw bytes.
 * @returns The body and its headers.
 * @example
 * ```ts
 * const { body, headers } = encodeInferResponse(
 *   { model_name: "m", outputs: [{ name: "y", datatype: "UINT8", shape: [2], data: new Uint8Array([1, 2]) }] },
 *   { binary: ["y"] },
 * );
 * ```
 */
export function encodeInferResponse(
  response: InferResponse,
  options: { binary?: boolean | readonly string[] } = {},
): EncodedMessage {
  const { outputs, ...head } = response;
  const b = options.binary;
  return encodeMessage(
    head,
    "outputs",
    outputs,
    (t) => b === true || (Array.isArray(b) && b.includes(t.name)),
  );
}
