/**
 * Tensor data of the Open Inference Protocol: datatypes, element counts, the BYTES element layout
 * (a 4-byte little-endian length before each element) and conversion between typed arrays and the
 * binary form (the JSON form is in `core/wire-json.ts`). `core/wire.ts` builds whole messages from
 * these.
 *
 * @module
 */

import { kindOf } from "./latent.ts";

/** The tensor datatypes this codec reads and writes. */
export type Datatype = "BOOL" | "UINT8" | "INT8" | "INT32" | "INT64" | "FP16" | "FP32" | "FP64" | "BYTES";

/**
 * A tensor's elements: a typed array, or for BYTES one `Uint8Array` per element. Each datatype has
 * one class (see {@link checkTensorData}): BOOL (0 or 1) and UINT8 `Uint8Array`, INT8 `Int8Array`,
 * INT32 `Int32Array`, INT64 `BigInt64Array`, FP16 `Uint16Array` of raw binary16 bits (the JSON form
 * carries FP16 as numbers), FP32 `Float32Array`, FP64 `Float64Array`.
 */
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

/** The typed array of each datatype but BYTES. */
export const TYPED: Record<Exclude<Datatype, "BYTES">, TypedCtor> = {
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
 * The number of elements of a shape, after checking that every dimension is a non-negative integer
 * and that the count is at most 2^31 - 1 (a shape holding 0 counts 0 however large its other
 * dimensions are, but no single dimension may exceed 2^31 - 1).
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
    if (d > MAX_ELEMENTS) {
      throw new RangeError(`Cannot read ${what}: shape ${JSON.stringify(shape)} is too large`);
    }
    // Capped so that the product stays finite: Infinity * 0 would give NaN, which passes every check.
    n = Math.min(n * d, MAX_ELEMENTS + 1);
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
 * Checks that a tensor's data is of its datatype's class (see {@link TensorData}), so that its binary
 * form has the byte size the shape promises; for BYTES, an array of `Uint8Array`.
 *
 * @param t The tensor.
 * @param what What is being encoded, for the error message.
 * @example
 * ```ts
 * checkTensorData({ datatype: "FP32", data: new Float64Array(2) }, "input x"); // throws TypeError
 * ```
 */
export function checkTensorData(t: { datatype: Datatype; data: unknown }, what: string): void {
  if (t.datatype === "BYTES") {
    if (!Array.isArray(t.data)) {
      throw new TypeError(
        `Cannot encode ${what}: BYTES data must be an array of Uint8Array, got ${kindOf(t.data)}`,
      );
    }
    t.data.forEach((e, i) => {
      if (!(e instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot encode ${what}: BYTES element ${i} must be a Uint8Array, got ${kindOf(e)}`,
        );
      }
    });
    return;
  }
  const Ctor = TYPED[t.datatype];
  if (!(t.data instanceof Ctor)) {
    throw new TypeError(
      `Cannot encode ${what}: ${t.datatype} data must be ${
        /^I/.test(Ctor.name) ? "an" : "a"
      } ${Ctor.name}, got ${kindOf(t.data)}`,
    );
  }
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
