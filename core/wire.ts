/**
 * The Open Inference Protocol (KServe v2, as served by NVIDIA Triton) codec: inference requests and
 * responses in the JSON form and with the binary tensor extension, where the JSON header is followed
 * by raw little-endian tensor bytes and its length travels in the `Inference-Header-Content-Length`
 * HTTP header. Pure TypeScript: the Deno server and the element's server backend share it.
 *
 * Binary layout: tensors are row-major with no padding. A BYTES element is a 4-byte little-endian
 * unsigned length followed by its bytes. An input or output sent as binary carries the parameter
 * `binary_data_size`; a requested output asks for binary with `binary_data: true`, or every output
 * is asked for at once with the request parameter `binary_data_output: true`.
 *
 * @module
 */

/** The HTTP header that holds the byte length of the JSON part of a binary-extension body. */
export const HEADER_LENGTH_HEADER = "Inference-Header-Content-Length";

/** The tensor datatypes this codec reads and writes. */
export type Datatype = "BOOL" | "UINT8" | "INT8" | "INT32" | "INT64" | "FP16" | "FP32" | "FP64" | "BYTES";

/** A tensor's elements: a typed array, or for BYTES one `Uint8Array` per element. FP16 is raw bits. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Uint8Array[];

/** Request, response, input or output parameters: flat scalars. */
export type InferParameters = Record<string, string | number | boolean>;

/** One named tensor of a request's inputs or a response's outputs. */
export interface InferTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
  parameters?: InferParameters;
}

/** An output the client asks for, with options such as `binary_data`. */
export interface InferRequestedOutput {
  name: string;
  parameters?: InferParameters;
}

/** `POST /v2/models/{name}/infer` body. */
export interface InferRequest {
  id?: string;
  parameters?: InferParameters;
  inputs: InferTensor[];
  outputs?: InferRequestedOutput[];
}

/** The infer response body. */
export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: InferParameters;
  outputs: InferTensor[];
}

/** An encoded message: the HTTP body and the headers that must go with it. */
export interface EncodedMessage {
  body: Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

type NumericArray = Exclude<TensorData, Uint8Array[]>;
type TypedCtor = { new (buffer: ArrayBuffer): NumericArray; BYTES_PER_ELEMENT: number };

const TYPED: Record<Exclude<Datatype, "BYTES">, TypedCtor> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  INT8: Int8Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** Tensors larger than this many elements are refused before any allocation (2^31 - 1). */
const MAX_ELEMENTS = 0x7fffffff;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether a string names a datatype this codec knows.
 *
 * @param value Any value.
 * @returns True for "FP32", "UINT8", "BYTES", ...
 * @example
 * ```ts
 * isDatatype("FP32"); // true
 * ```
 */
export function isDatatype(value: unknown): value is Datatype {
  return typeof value === "string" && (value === "BYTES" || Object.hasOwn(TYPED, value));
}

/**
 * The number of elements of a shape, after checking that every dimension is a non-negative integer.
 *
 * @param shape The dimensions.
 * @param what What the shape belongs to, for the error message.
 * @returns The product of the dimensions.
 * @example
 * ```ts
 * elementCount([2, 4, 8, 8], "input latents"); // 512
 * ```
 */
export function elementCount(shape: readonly unknown[], what = "tensor"): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new TypeError(
        `Cannot read ${what}: shape must hold non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    n *= d;
  }
  if (n > MAX_ELEMENTS) {
    throw new RangeError(`Cannot read ${what}: shape ${JSON.stringify(shape)} is too large`);
  }
  return n;
}

/**
 * Packs BYTES elements as the binary extension does: each a 4-byte little-endian length, then its bytes.
 *
 * @param elements The elements.
 * @returns The packed bytes.
 * @example
 * ```ts
 * encodeBytesElements([new TextEncoder().encode("hi")]); // Uint8Array [2,0,0,0,104,105]
 * ```
 */
export function encodeBytesElements(elements: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const e of elements) size += 4 + e.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const e of elements) {
    view.setUint32(offset, e.length, true);
    out.set(e, offset + 4);
    offset += 4 + e.length;
  }
  return out;
}

/**
 * Unpacks BYTES elements (4-byte little-endian length prefixes) and checks that they fill the bytes.
 *
 * @param bytes The packed bytes.
 * @param count The number of elements the shape promises.
 * @param what What is being read, for the error message.
 * @returns One view per element (into `bytes`, not copied).
 * @example
 * ```ts
 * decodeBytesElements(new Uint8Array([1, 0, 0, 0, 65]), 1); // [Uint8Array [65]]
 * ```
 */
export function decodeBytesElements(bytes: Uint8Array, count: number, what = "BYTES tensor"): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) {
      throw new RangeError(`Cannot read ${what}: element ${i} length prefix is past the end of its data`);
    }
    const len = view.getUint32(offset, true);
    if (offset + 4 + len > bytes.length) {
      throw new RangeError(`Cannot read ${what}: element ${i} claims ${len} bytes, past the end of its data`);
    }
    out.push(bytes.subarray(offset + 4, offset + 4 + len));
    offset += 4 + len;
  }
  if (offset !== bytes.length) {
    throw new RangeError(`Cannot read ${what}: ${bytes.length - offset} bytes left after ${count} elements`);
  }
  return out;
}

/**
 * Decodes one BYTES element as UTF-8 text.
 *
 * @param element The element's bytes.
 * @param what What is being read, for the error message.
 * @returns The text.
 * @example
 * ```ts
 * bytesToText(new Uint8Array([104, 105])); // "hi"
 * ```
 */
export function bytesToText(element: Uint8Array, what = "BYTES element"): string {
  try {
    return fromUtf8.decode(element);
  } catch {
    throw new TypeError(`Cannot read ${what}: not valid UTF-8`);
  }
}

/**
 * Reads the `Inference-Header-Content-Length` value against the body length.
 *
 * @param value The header value, or null when absent (then the body is all JSON).
 * @param bodyLength The body's byte length.
 * @returns The JSON header's length, or undefined when the header is absent.
 * @example
 * ```ts
 * parseHeaderLength("12", 40); // 12
 * ```
 */
export function parseHeaderLength(value: string | null | undefined, bodyLength: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw new TypeError(
      `Cannot read ${HEADER_LENGTH_HEADER}: expected a non-negative integer, got "${value}"`,
    );
  }
  const n = Number(value.trim());
  if (n < 2 || n > bodyLength) {
    throw new RangeError(
      `Cannot read ${HEADER_LENGTH_HEADER}: ${n} is out of range for a ${bodyLength}-byte body`,
    );
  }
  return n;
}

function tensorBytes(t: InferTensor): Uint8Array {
  if (t.datatype === "BYTES") return encodeBytesElements(t.data as Uint8Array[]);
  const a = t.data as NumericArray;
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function tensorJsonData(t: InferTensor): unknown[] {
  if (t.datatype === "BYTES") {
    return (t.data as Uint8Array[]).map((e, i) => bytesToText(e, `${t.name}[${i}]`));
  }
  const a = t.data as NumericArray;
  if (a instanceof BigInt64Array) return Array.from(a, (v) => Number(v));
  return Array.from(a as ArrayLike<number>);
}

function checkCount(t: InferTensor, what: string): void {
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
    checkCount(t, `${key.slice(0, -1)} "${t.name}"`);
    const { data: _data, ...rest } = t;
    if (binary(t)) {
      const bytes = tensorBytes(t);
      parts.push(bytes);
      return { ...rest, parameters: { ...t.parameters, binary_data_size: bytes.length } };
    }
    const params = t.parameters ? { ...t.parameters } : undefined;
    if (params) delete params.binary_data_size;
    return { ...rest, ...(params ? { parameters: params } : {}), data: tensorJsonData(t) };
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readParameters(v: unknown, what: string): InferParameters | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) throw new TypeError(`Cannot read ${what}: "parameters" must be an object`);
  for (const [k, p] of Object.entries(v)) {
    if (!["string", "number", "boolean"].includes(typeof p)) {
      throw new TypeError(`Cannot read ${what}: parameter "${k}" must be a string, number or boolean`);
    }
  }
  return v as InferParameters;
}

function flatten(v: unknown, out: unknown[], depth: number, what: string): void {
  if (!Array.isArray(v)) {
    out.push(v);
    return;
  }
  if (depth > 8) throw new TypeError(`Cannot read ${what}: "data" is nested too deeply`);
  for (const x of v) flatten(x, out, depth + 1, what);
}

function jsonToData(datatype: Datatype, values: unknown[], what: string): TensorData {
  if (datatype === "BYTES") {
    return values.map((s, i) => {
      if (typeof s !== "string") {
        throw new TypeError(`Cannot read ${what}: BYTES element ${i} must be a string`);
      }
      return utf8.encode(s);
    });
  }
  const Ctor = TYPED[datatype];
  const out = new Ctor(new ArrayBuffer(values.length * Ctor.BYTES_PER_ELEMENT));
  const integer = datatype !== "FP32" && datatype !== "FP64" && datatype !== "FP16";
  for (let i = 0; i < values.length; i++) {
    let x = values[i];
    if (datatype === "BOOL" && typeof x === "boolean") x = x ? 1 : 0;
    if (typeof x !== "number" || (integer && !Number.isInteger(x))) {
      throw new TypeError(
        `Cannot read ${what}: element ${i} must be a ${integer ? "whole " : ""}number for ${datatype}`,
      );
    }
    if (out instanceof BigInt64Array) out[i] = BigInt(x);
    else (out as Float32Array)[i] = x;
  }
  return out;
}

function binaryToData(datatype: Datatype, bytes: Uint8Array, count: number, what: string): TensorData {
  if (datatype === "BYTES") return decodeBytesElements(bytes, count, what);
  const Ctor = TYPED[datatype];
  if (bytes.length !== count * Ctor.BYTES_PER_ELEMENT) {
    throw new RangeError(
      `Cannot read ${what}: ${count} ${datatype} elements need ${
        count * Ctor.BYTES_PER_ELEMENT
      } bytes, got ${bytes.length}`,
    );
  }
  // slice() copies into a fresh, aligned buffer: typed arrays over the body could be misaligned.
  return new Ctor(bytes.slice().buffer);
}

/** Decodes a message whose JSON part holds tensors under `key`. */
function decodeMessage(
  body: Uint8Array,
  headerLength: number | undefined,
  key: "inputs" | "outputs",
): { head: Record<string, unknown>; tensors: InferTensor[] } {
  const jsonEnd = headerLength ?? body.length;
  if (jsonEnd > body.length) {
    throw new RangeError(`Cannot read ${HEADER_LENGTH_HEADER}: past the end of the body`);
  }
  let head: unknown;
  try {
    head = JSON.parse(bytesToText(body.subarray(0, jsonEnd), "JSON header"));
  } catch (e) {
    throw new TypeError(`Cannot read infer body: malformed JSON (${(e as Error).message})`);
  }
  if (!isRecord(head)) throw new TypeError("Cannot read infer body: expected a JSON object");
  const list = head[key];
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`Cannot read infer body: "${key}" must be a non-empty array`);
  }
  let offset = jsonEnd;
  const names = new Set<string>();
  const tensors = list.map((t, i): InferTensor => {
    if (!isRecord(t)) throw new TypeError(`Cannot read ${key}[${i}]: expected an object`);
    const { name, datatype, shape } = t;
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Cannot read ${key}[${i}]: missing "name"`);
    }
    const what = `${key.slice(0, -1)} "${name}"`;
    if (names.has(name)) throw new TypeError(`Cannot read ${what}: given twice`);
    names.add(name);
    if (!isDatatype(datatype)) {
      throw new TypeError(`Cannot read ${what}: unknown datatype ${JSON.stringify(datatype)}`);
    }
    if (!Array.isArray(shape)) throw new TypeError(`Cannot read ${what}: "shape" must be an array`);
    const count = elementCount(shape, what);
    const parameters = readParameters(t.parameters, what);
    const size = parameters?.binary_data_size;
    let data: TensorData;
    if (size !== undefined) {
      if (headerLength === undefined) {
        throw new TypeError(`Cannot read ${what}: binary_data_size given without ${HEADER_LENGTH_HEADER}`);
      }
      if (typeof size !== "number" || !Number.isInteger(size) || size < 0 || offset + size > body.length) {
        throw new RangeError(`Cannot read ${what}: binary_data_size ${size} is past the end of the body`);
      }
      if (t.data !== undefined) {
        throw new TypeError(`Cannot read ${what}: both "data" and binary_data_size given`);
      }
      data = binaryToData(datatype, body.subarray(offset, offset + size), count, what);
      offset += size;
    } else {
      if (t.data === undefined) throw new TypeError(`Cannot read ${what}: missing "data"`);
      const values: unknown[] = [];
      flatten(t.data, values, 0, what);
      if (values.length !== count) {
        throw new RangeError(
          `Cannot read ${what}: shape ${JSON.stringify(shape)} needs ${count} elements, got ${values.length}`,
        );
      }
      data = jsonToData(datatype, values, what);
    }
    const tensor: InferTensor = { name, datatype, shape: shape as number[], data };
    if (parameters) tensor.parameters = parameters;
    return tensor;
  });
  if (offset !== body.length) {
    throw new RangeError(
      `Cannot read infer body: ${body.length - offset} bytes after the last binary tensor`,
    );
  }
  return { head, tensors };
}

/**
 * Decodes an infer request body (JSON form, or binary extension when `headerLength` is given).
 *
 * @param body The whole HTTP body.
 * @param headerLength The `Inference-Header-Content-Length` value, already checked by {@link parseHeaderLength}.
 * @returns The request; binary tensors are copied out of `body`.
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode('{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}');
 * decodeInferRequest(bytes).inputs[0].data; // Float32Array [1]
 * ```
 */
export function decodeInferRequest(body: Uint8Array, headerLength?: number): InferRequest {
  const { head, tensors } = decodeMessage(body, headerLength, "inputs");
  const request: InferRequest = { inputs: tensors };
  if (head.id !== undefined) {
    if (typeof head.id !== "string") throw new TypeError('Cannot read infer request: "id" must be a string');
    request.id = head.id;
  }
  const params = readParameters(head.parameters, "infer request");
  if (params) request.parameters = params;
  if (head.outputs !== undefined) {
    if (!Array.isArray(head.outputs)) {
      throw new TypeError('Cannot read infer request: "outputs" must be an array');
    }
    request.outputs = head.outputs.map((o, i) => {
      if (!isRecord(o) || typeof o.name !== "string") {
        throw new TypeError(`Cannot read outputs[${i}]: expected an object with a "name"`);
      }
      const p = readParameters(o.parameters, `output "${o.name}"`);
      return p ? { name: o.name, parameters: p } : { name: o.name };
    });
  }
  return request;
}

/**
 * Decodes an infer response body.
 *
 * @param body The whole HTTP body.
 * @param headerLength The `Inference-Header-Content-Length` value, when the response carries one.
 * @returns The response.
 * @example
 * ```ts
 * const res = await fetch(url, { method: "POST", body, headers });
 * const bytes = new Uint8Array(await res.arrayBuffer());
 * const out = decodeInferResponse(bytes, parseHeaderLength(res.headers.get(HEADER_LENGTH_HEADER), bytes.length));
 * ```
 */
export function decodeInferResponse(body: Uint8Array, headerLength?: number): InferResponse {
  const { head, tensors } = decodeMessage(body, headerLength, "outputs");
  if (typeof head.model_name !== "string") {
    throw new TypeError('Cannot read infer response: missing "model_name"');
  }
  const response: InferResponse = { model_name: head.model_name, outputs: tensors };
  if (typeof head.model_version === "string") response.model_version = head.model_version;
  if (typeof head.id === "string") response.id = head.id;
  const params = readParameters(head.parameters, "infer response");
  if (params) response.parameters = params;
  return response;
}

/**
 * Whether an infer request asks for an output as raw bytes (its own `binary_data`, else the request's
 * `binary_data_output`).
 *
 * @param request The decoded request.
 * @param name The output's name.
 * @returns True when the output should go in the binary tail.
 * @example
 * ```ts
 * wantsBinaryOutput({ inputs: [], parameters: { binary_data_output: true } }, "images"); // true
 * ```
 */
export function wantsBinaryOutput(request: InferRequest, name: string): boolean {
  const own = request.outputs?.find((o) => o.name === name)?.parameters?.binary_data;
  if (typeof own === "boolean") return own;
  return request.parameters?.binary_data_output === true;
}
