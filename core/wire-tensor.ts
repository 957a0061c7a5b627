/**
 * Tensor data of the Open Inference Protocol: datatypes, element counts, the BYTES element layout
 * (a 4-byte little-endian length before each element) and conversion between typed arrays and the
 * JSON and binary forms. `core/wire.ts` builds whole messages from these.
 *
 * @module
 */

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

/** The typed-array variants of {@link TensorData}. */
export type NumericArray = Exclude<TensorData, Uint8Array[]>;
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
 * The binary form of a tensor's elements: a view of a typed array's bytes, or packed BYTES elements.
 *
 * @param t The tensor.
 * @returns Its little-endian bytes.
 * @example
 * ```ts
 * tensorBytes({ datatype: "UINT8", data: new Uint8Array([1, 2]) }); // Uint8Array [1, 2]
 * ```
 */
export function tensorBytes(t: { datatype: Datatype; data: TensorData }): Uint8Array {
  if (t.datatype === "BYTES") return encodeBytesElements(t.data as Uint8Array[]);
  const a = t.data as NumericArray;
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * The JSON form of a tensor's elements: numbers, or BYTES as UTF-8 text.
 *
 * @param t The tensor.
 * @returns A flat array for `JSON.stringify`.
 * @example
 * ```ts
 * tensorJsonData({ name: "p", datatype: "BYTES", data: [new Uint8Array([104, 105])] }); // ["hi"]
 * ```
 */
export function tensorJsonData(t: { name: string; datatype: Datatype; data: TensorData }): unknown[] {
  if (t.datatype === "BYTES") {
    return (t.data as Uint8Array[]).map((e, i) => bytesToText(e, `${t.name}[${i}]`));
  }
  const a = t.data as NumericArray;
  if (a instanceof BigInt64Array) return Array.from(a, (v) => Number(v));
  return Array.from(a as ArrayLike<number>);
}

/**
 * Flattens nested JSON data row-major, refusing nesting deeper than 8.
 *
 * @param v The value.
 * @param out Where the leaves go.
 * @param depth The current depth (0 at the top).
 * @param what What is being read, for the error message.
 * @example
 * ```ts
 * const out: unknown[] = [];
 * flatten([[1, 2], [3]], out, 0, "x"); // out = [1, 2, 3]
 * ```
 */
export function flatten(v: unknown, out: unknown[], depth: number, what: string): void {
  if (!Array.isArray(v)) {
    out.push(v);
    return;
  }
  if (depth > 8) throw new TypeError(`Cannot read ${what}: "data" is nested too deeply`);
  for (const x of v) flatten(x, out, depth + 1, what);
}

/**
 * Typed elements from JSON values, each checked against the datatype.
 *
 * @param datatype The datatype.
 * @param values The flat values.
 * @param what What is being read, for the error message.
 * @returns The typed array, or UTF-8 elements for BYTES.
 * @example
 * ```ts
 * jsonToData("INT32", [1, 2], "x"); // Int32Array [1, 2]
 * ```
 */
export function jsonToData(datatype: Datatype, values: unknown[], what: string): TensorData {
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

/**
 * Typed elements from a tensor's binary bytes, checked against the element count.
 *
 * @param datatype The datatype.
 * @param bytes The tensor's bytes.
 * @param count The element count its shape gives.
 * @param what What is being read, for the error message.
 * @returns A typed array over a fresh, aligned copy, or BYTES elements.
 * @example
 * ```ts
 * binaryToData("FP32", new Uint8Array(8), 2, "x"); // Float32Array [0, 0]
 * ```
 */
export function binaryToData(datatype: Datatype, bytes: Uint8Array, count: number, what: string): TensorData {
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
