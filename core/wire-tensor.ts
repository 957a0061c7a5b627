/**
 * Tensor data of the Open Inference Protocol: datatypes, element counts, the BYTES element layout
 * (a 4-byte little-endian length before each element) and conversion between typed arrays and the
 * JSON and binary forms. `core/wire.ts` builds whole messages from these.
 *
 * @module
 */

import { fromFloat16Bits, toFloat16Bits } from "./fp16.ts";

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

/** The whole numbers each integer datatype holds: [least, first one past the greatest]. */
const INT_RANGE: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 2 ** 8],
  INT8: [-(2 ** 7), 2 ** 7],
  INT32: [-(2 ** 31), 2 ** 31],
  INT64: [-(2 ** 63), 2 ** 63],
};

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

/** A short description of a value's kind for error messages: its class name, or its type. */
function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  return (v as { constructor?: { name?: string } }).constructor?.name || "object";
}

/** A value for an error message, cut to 40 characters. */
function show(v: unknown): string {
  const s = typeof v === "number" || typeof v === "bigint" ? String(v) : JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
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
 * The JSON form of a tensor's elements: numbers (FP16 bits as the numbers they stand for), or BYTES as
 * UTF-8 text. Refuses what JSON cannot carry or the decoder would refuse: NaN and infinite floats,
 * INT64 values that no JSON number holds exactly, BOOL values other than 0 and 1.
 *
 * @param t The tensor, its data already checked by {@link checkTensorData}.
 * @param what What is being encoded, for the error message.
 * @returns A flat array for `JSON.stringify`.
 * @example
 * ```ts
 * tensorJsonData({ name: "p", datatype: "BYTES", data: [new Uint8Array([104, 105])] }); // ["hi"]
 * ```
 */
export function tensorJsonData(
  t: { name: string; datatype: Datatype; data: TensorData },
  what = `tensor "${t.name}"`,
): unknown[] {
  if (t.datatype === "BYTES") {
    return (t.data as Uint8Array[]).map((e, i) => bytesToText(e, `${t.name}[${i}]`));
  }
  if (t.data instanceof BigInt64Array) {
    return Array.from(t.data, (v, i) => {
      const x = Number(v);
      if (BigInt(x) !== v) {
        throw new RangeError(
          `Cannot encode ${what}: INT64 element ${i} (${v}) has no exact JSON number; send it as binary`,
        );
      }
      return x;
    });
  }
  const a = t.datatype === "FP16" ? fromFloat16Bits(t.data as Uint16Array) : t.data as NumericArray;
  const values = Array.from(a as ArrayLike<number>);
  values.forEach((x, i) => {
    if (!Number.isFinite(x)) {
      throw new RangeError(
        `Cannot encode ${what}: ${t.datatype} element ${i} is ${x}, which JSON cannot carry; send it as binary`,
      );
    }
    if (t.datatype === "BOOL" && x !== 0 && x !== 1) {
      throw new RangeError(`Cannot encode ${what}: BOOL element ${i} must be 0 or 1, got ${x}`);
    }
  });
  return values;
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
 * One JSON value as a number of the datatype: BOOL true, false, 0 or 1; integers whole and in their
 * datatype's range; floats finite (the caller checks FP16 and FP32 range after rounding).
 */
function jsonNumber(datatype: Datatype, x: unknown, i: number, what: string): number {
  if (datatype === "BOOL") {
    if (x === true || x === 1) return 1;
    if (x === false || x === 0) return 0;
    throw new TypeError(
      `Cannot read ${what}: element ${i} must be true, false, 0 or 1 for BOOL, got ${show(x)}`,
    );
  }
  const range = INT_RANGE[datatype];
  if (typeof x !== "number" || (range && !Number.isInteger(x))) {
    throw new TypeError(
      `Cannot read ${what}: element ${i} must be a ${range ? "whole " : ""}number for ${datatype}, got ${
        show(x)
      }`,
    );
  }
  if (range ? x < range[0] || x >= range[1] : !Number.isFinite(x)) {
    throw new RangeError(`Cannot read ${what}: element ${i} (${show(x)}) is out of range for ${datatype}`);
  }
  return x;
}

/**
 * Rounds numbers to float32 "to odd" (an inexact result gets an odd last bit), so that rounding the
 * result on to float16 gives the correctly rounded float16: rounding twice to nearest could not.
 */
function float32RoundedToOdd(values: readonly number[]): Float32Array {
  const out = new Float32Array(values.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    out[i] = values[i];
    if (out[i] !== values[i] && Number.isFinite(out[i]) && (bits[i] & 1) === 0) {
      // The value lies between out[i] and its odd neighbour on the value's side: take that one.
      bits[i] += Math.abs(values[i]) > Math.abs(out[i]) ? 1 : -1;
    }
  }
  return out;
}

/**
 * Typed elements from JSON values, each checked against the datatype: BOOL takes true, false, 0 or 1;
 * integers must be whole and in range (never wrapped); floats must be finite and in range once
 * rounded. FP16 values are numbers, rounded to nearest even binary16 bits.
 *
 * @param datatype The datatype.
 * @param values The flat values.
 * @param what What is being read, for the error message.
 * @returns The typed array, or UTF-8 elements for BYTES.
 * @example
 * ```ts
 * jsonToData("INT32", [1, 2], "x"); // Int32Array [1, 2]
 * jsonToData("FP16", [1, -2], "x"); // Uint16Array [0x3c00, 0xc000]
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
  const numbers = values.map((x, i) => jsonNumber(datatype, x, i, what));
  const tooLarge = (i: number) =>
    new RangeError(`Cannot read ${what}: element ${i} (${show(numbers[i])}) is out of range for ${datatype}`);
  if (datatype === "FP16") {
    const bits = toFloat16Bits(float32RoundedToOdd(numbers));
    const i = bits.findIndex((h) => (h & 0x7c00) === 0x7c00);
    if (i >= 0) throw tooLarge(i);
    return bits;
  }
  const Ctor = TYPED[datatype];
  const out = new Ctor(new ArrayBuffer(values.length * Ctor.BYTES_PER_ELEMENT));
  if (out instanceof BigInt64Array) {
    numbers.forEach((x, i) => {
      out[i] = BigInt(x);
    });
    return out;
  }
  (out as Float32Array).set(numbers);
  if (datatype === "FP32") {
    const i = (out as Float32Array).findIndex((x) => !Number.isFinite(x));
    if (i >= 0) throw tooLarge(i);
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
