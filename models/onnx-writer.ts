/**
 * A minimal, deterministic writer of ONNX models (the `onnx.ModelProto` protobuf), enough to build the
 * built-in decoder and the test stand-ins without Python: tensors, value infos, nodes with attributes,
 * and a graph. The same calls always give the same bytes (fields are written in a fixed order and names
 * come from a counter), which is what makes `models/build.ts` reproducible.
 *
 * @module
 */

/** ONNX `TensorProto.DataType` codes used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, FLOAT16: 10 } as const;

/** A tensor element type known to this writer. */
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** An attribute value: a number is written as INT when it is an integer unless wrapped with {@link float}. */
export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

/** Marks a number attribute as FLOAT (ONNX distinguishes `alpha: 1` from `alpha: 1.0`). */
export function float(value: number): { float: number } {
  return { float: value };
}

class ProtoWriter {
  #chunks: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.#chunks.push(byte);
    } while (v !== 0n);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }

  float32(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.tag(field, 5);
    for (const b of bytes) this.#chunks.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2).varint(value.length);
    for (const b of value) this.#chunks.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }
}

function rawBytes(data: Float32Array | Int32Array | BigInt64Array | Uint16Array | Uint8Array): Uint8Array {
  // Typed arrays are little-endian on every platform we run on; ONNX raw_data is little-endian.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

type Tensor = {
  name: string;
  type: ElemType;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint16Array | Uint8Array;
};
type ValueInfo = { name: string; type: ElemType; dims: (number | string)[] };
type Node = { op: string; inputs: string[]; outputs: string[]; attrs: Record<string, AttrValue> };

function writeTensor(w: ProtoWriter, t: Tensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.string(8, t.name);
  w.bytes(9, rawBytes(t.data));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type);
      tensor.message(2, (shape) => {
        for (const d of v.dims) {
          shape.message(1, (dim) => typeof d === "number" ? dim.int(1, d) : dim.string(2, d));
        }
      });
    }));
}

function writeAttr(w: ProtoWriter, name: string, value: AttrValue): void {
  w.string(1, name);
  if (typeof value === "string") w.string(4, value).int(20, 3);
  else if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new TypeError(`Cannot write attribute ${name}: use float(${value})`);
    w.int(3, value).int(20, 2);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  } else if ("float" in value) w.float32(2, value.float).int(20, 1);
  else {
    for (const v of value.floats) w.float32(7, v);
    w.int(20, 6);
  }
}

/**
 * Builds one ONNX graph node by node and serialises it as a model.
 *
 * @example
 * ```ts
 * import { GraphBuilder, DataType } from "./onnx-writer.ts";
 * const g = new GraphBuilder("double");
 * g.input("x", DataType.FLOAT, ["n", 3]);
 * g.output(g.node("Add", ["x", "x"], {}, "y"), DataType.FLOAT, ["n", 3]);
 * const bytes = g.toModel(); // a valid .onnx file
 * ```
 */
export class GraphBuilder {
  #name: string;
  #inputs: ValueInfo[] = [];
  #outputs: ValueInfo[] = [];
  #inits: Tensor[] = [];
  #nodes: Node[] = [];
  #counter = 0;

  /** @param name The graph's name, stored in the model. */
  constructor(name: string) {
    this.#name = name;
  }

  /** Declares a graph input. @returns its name. */
  input(name: string, type: ElemType, dims: (number | string)[]): string {
    this.#inputs.push({ name, type, dims });
    return name;
  }

  /** Declares a graph output (an existing value). @returns its name. */
  output(name: string, type: ElemType, dims: (number | string)[]): string {
    this.#outputs.push({ name, type, dims });
    return name;
  }

  /** Adds a constant tensor (initializer). @returns its name. */
  constant(dims: number[], data: Tensor["data"], type?: ElemType, name?: string): string {
    const elem = type ??
      (data instanceof Float32Array
        ? DataType.FLOAT
        : data instanceof BigInt64Array
        ? DataType.INT64
        : data instanceof Int32Array
        ? DataType.INT32
        : data instanceof Uint8Array
        ? DataType.UINT8
        : DataType.FLOAT16);
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw new RangeError(`Cannot add constant: dims [${dims}] hold ${size} values, got ${data.length}`);
    }
    const n = name ?? `c${this.#counter++}`;
    this.#inits.push({ name: n, type: elem, dims, data });
    return n;
  }

  /** A float32 constant of the given shape (a scalar when `dims` is empty). @returns its name. */
  f32(values: number | number[], dims?: number[]): string {
    const arr = typeof values === "number" ? [values] : values;
    return this.constant(dims ?? (typeof values === "number" ? [] : [arr.length]), Float32Array.from(arr));
  }

  /** An int64 constant (for shapes, axes, split sizes). @returns its name. */
  i64(values: number[]): string {
    return this.constant([values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /**
   * Adds a node.
   *
   * @param op The ONNX operator, e.g. "Conv".
   * @param inputs Input value names ("" for an omitted optional input).
   * @param attrs Attributes.
   * @param outputs Output names, or how many fresh names to make (default 1).
   * @returns The first output's name.
   */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: string | number = 1,
  ): string {
    return this.nodeMulti(op, inputs, attrs, outputs)[0];
  }

  /** Like {@link node}, returning every output's name. */
  nodeMulti(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: string | number = 1,
  ): string[] {
    const outs = typeof outputs === "string"
      ? [outputs]
      : Array.from({ length: outputs }, () => `v${this.#counter++}`);
    this.#nodes.push({ op, inputs, outputs: outs, attrs });
    return outs;
  }

  /**
   * Serialises the model.
   *
   * @param options `opset` (default 17) and the producer name.
   * @returns The bytes of an .onnx file.
   */
  toModel(options: { opset?: number; producer?: string } = {}): Uint8Array {
    const w = new ProtoWriter();
    w.int(1, 8); // ir_version 8 (ONNX 1.10+), read by every onnxruntime since 1.10
    w.string(2, options.producer ?? "latent-evolver");
    w.message(7, (g) => {
      for (const n of this.#nodes) {
        g.message(1, (nw) => {
          for (const i of n.inputs) nw.string(1, i);
          for (const o of n.outputs) nw.string(2, o);
          nw.string(4, n.op);
          for (const key of Object.keys(n.attrs).sort()) {
            nw.message(5, (a) => writeAttr(a, key, n.attrs[key]));
          }
        });
      }
      g.string(2, this.#name);
      for (const t of this.#inits) g.message(5, (tw) => writeTensor(tw, t));
      for (const v of this.#inputs) g.message(11, (vw) => writeValueInfo(vw, v));
      for (const v of this.#outputs) g.message(12, (vw) => writeValueInfo(vw, v));
    });
    w.message(8, (o) => o.string(1, "").int(2, options.opset ?? 17));
    return w.finish();
  }
}
