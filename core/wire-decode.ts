/**
 * Decoding Open Inference Protocol messages (see `core/wire.ts`, which re-exports this module):
 * the `Inference-Header-Content-Length` value, infer requests and responses in the JSON form and
 * with the binary tensor extension, every field checked, and whether a request asks for an output
 * as raw bytes.
 *
 * @module
 */

import { binaryToData, bytesToText, elementCount, isDatatype, type TensorData } from "./wire-tensor.ts";
import { flatten, jsonToData } from "./wire-json.ts";
import {
  HEADER_LENGTH_HEADER,
  type InferParameters,
  type InferRequest,
  type InferResponse,
  type InferTensor,
  type InferTensorHeader,
} from "./wire-types.ts";

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

/** Refuses a boolean parameter of another type: "true" as a string would otherwise read as false. */
function checkBoolean(params: InferParameters | undefined, key: string, what: string): void {
  const v = params?.[key];
  if (v !== undefined && typeof v !== "boolean") {
    throw new TypeError(
      `Cannot read ${what}: parameter "${key}" must be a boolean, got ${typeof v} ${JSON.stringify(v)}`,
    );
  }
}

/**
 * Decodes a message whose JSON part holds tensors under `key`. `check` sees each tensor's header
 * before its data is read: a shape the reader will refuse costs no decoding (5,000,000 empty BYTES
 * elements in 14 MiB of JSON took 9 s and 2 GB to decode).
 */
function decodeMessage(
  body: Uint8Array,
  headerLength: number | undefined,
  key: "inputs" | "outputs",
  check?: (header: InferTensorHeader) => void,
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
    const header: InferTensorHeader = { name, datatype, shape: shape as number[] };
    if (parameters) header.parameters = parameters;
    check?.(header);
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
      flatten(t.data, values, 0, what, count);
      if (values.length !== count) {
        throw new RangeError(
          `Cannot read ${what}: shape ${JSON.stringify(shape)} needs ${count} elements, got ${
            values.length > count ? "more" : values.length
          }`,
        );
      }
      data = jsonToData(datatype, values, what);
    }
    return { ...header, data };
  });
  if (offset !== body.length) {
    throw new RangeError(
      `Cannot read infer body: ${body.length - offset} bytes after the last binary tensor`,
    );
  }
  return { head, tensors };
}

/** Options of {@link decodeInferRequest}. */
export interface DecodeRequestOptions {
  /**
   * Called with each input's name, datatype, shape and parameters before its data is decoded; what
   * it throws ends decoding. A server checks inputs against its model here, so that a shape it would
   * refuse (millions of elements, say) is refused before any of them is read.
   */
  checkInput?: (header: InferTensorHeader) => void;
}

/**
 * Decodes an infer request body (JSON form, or binary extension when `headerLength` is given).
 *
 * @param body The whole HTTP body.
 * @param headerLength The `Inference-Header-Content-Length` value, already checked by {@link parseHeaderLength}.
 * @param options `checkInput` vets each input before its data is read.
 * @returns The request; binary tensors are copied out of `body`.
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode('{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}');
 * decodeInferRequest(bytes).inputs[0].data; // Float32Array [1]
 * decodeInferRequest(bytes, undefined, {
 *   checkInput: (t) => { if (t.shape[0] > 16) throw new RangeError(`${t.name}: too many`); },
 * });
 * ```
 */
export function decodeInferRequest(
  body: Uint8Array,
  headerLength?: number,
  options: DecodeRequestOptions = {},
): InferRequest {
  const { head, tensors } = decodeMessage(body, headerLength, "inputs", options.checkInput);
  const request: InferRequest = { inputs: tensors };
  if (head.id !== undefined) {
    if (typeof head.id !== "string") throw new TypeError('Cannot read infer request: "id" must be a string');
    request.id = head.id;
  }
  const params = readParameters(head.parameters, "infer request");
  checkBoolean(params, "binary_data_output", "infer request");
  if (params) request.parameters = params;
  if (head.outputs !== undefined) {
    if (!Array.isArray(head.outputs)) {
      throw new TypeError('Cannot read infer request: "outputs" must be an array');
    }
    const names = new Set<string>();
    request.outputs = head.outputs.map((o, i) => {
      if (!isRecord(o) || typeof o.name !== "string") {
        throw new TypeError(`Cannot read outputs[${i}]: expected an object with a "name"`);
      }
      const what = `output "${o.name}"`;
      // Asked twice, with different settings, which would the answer follow?
      if (names.has(o.name)) throw new TypeError(`Cannot read ${what}: requested twice`);
      names.add(o.name);
      const p = readParameters(o.parameters, what);
      checkBoolean(p, "binary_data", what);
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
