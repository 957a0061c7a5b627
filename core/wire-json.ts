/**
 * The JSON form of Open Inference Protocol tensor data: typed arrays to JSON numbers (or BYTES to
 * text) and back, every value checked against its datatype. Values a datatype cannot hold are
 * refused, never wrapped; FP16 travels as the numbers its binary16 bits stand for. The binary form
 * and the datatypes are in `core/wire-tensor.ts`.
 *
 * @module
 */

import { fromFloat16Bits, toFloat16Bits } from "./fp16.ts";
import { bytesToText, type Datatype, type NumericArray, type TensorData, TYPED } from "./wire-tensor.ts";

const utf8 = new TextEncoder();

/** The whole numbers each integer datatype holds: [least, first one past the greatest]. */
const INT_RANGE: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 2 ** 8],
  INT8: [-(2 ** 7), 2 ** 7],
  INT32: [-(2 ** 31), 2 ** 31],
  INT64: [-(2 ** 63), 2 ** 63],
};

/** A value for an error message, cut to 40 characters. */
function show(v: unknown): string {
  const s = typeof v === "number" || typeof v === "bigint" ? String(v) : JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * The JSON form of a tensor's elements: numbers (FP16 bits as the numbers they stand for), or BYTES as
 * UTF-8 text. Refuses what JSON cannot carry or the decoder would refuse: NaN and infinite floats,
 * INT64 values that no JSON number holds exactly, BOOL values other than 0 and 1.
 *
 * @param t The tensor, its data already checked by `checkTensorData` (core/wire-tensor.ts).
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
 * Flattens nested JSON data row-major, refusing nesting deeper than 8. With `max`, it stops once
 * `out` holds more than `max` leaves: data longer than its shape costs no more than the shape.
 *
 * @param v The value.
 * @param out Where the leaves go.
 * @param depth The current depth (0 at the top).
 * @param what What is being read, for the error message.
 * @param max The most leaves wanted (default: all).
 * @example
 * ```ts
 * const out: unknown[] = [];
 * flatten([[1, 2], [3]], out, 0, "x"); // out = [1, 2, 3]
 * ```
 */
export function flatten(v: unknown, out: unknown[], depth: number, what: string, max = Infinity): void {
  if (!Array.isArray(v)) {
    out.push(v);
    return;
  }
  if (depth > 8) throw new TypeError(`Cannot read ${what}: "data" is nested too deeply`);
  for (const x of v) {
    if (out.length > max) return;
    flatten(x, out, depth + 1, what, max);
  }
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
