// The datatypes of the Open Inference Protocol through both forms of the codec (core/wire-tensor.ts,
// core/wire-json.ts): ranges, FP16 as numbers, the typed array each needs, shapes that overflow.
import assert from "node:assert/strict";
import {
  type Datatype,
  decodeInferRequest,
  elementCount,
  encodeInferRequest,
  HEADER_LENGTH_HEADER,
  type InferTensor,
  parseHeaderLength,
  type TensorData,
} from "../../core/wire.ts";

const utf8 = new TextEncoder();

/** A JSON-form request body holding one input "x". */
function jsonInput(datatype: string, shape: unknown[], data: string): Uint8Array {
  return utf8.encode(
    `{"inputs":[{"name":"x","datatype":"${datatype}","shape":${JSON.stringify(shape)},"data":${data}}]}`,
  );
}

Deno.test("decodeInferRequest() refuses JSON integers outside their datatype and BOOL other than 0/1", () => {
  const refused: [string, string, RegExp][] = [
    ["UINT8", "[256,-1,300]", /input "x": element 0 \(256\) is out of range for UINT8/],
    ["UINT8", "[-1]", /input "x": element 0 \(-1\) is out of range for UINT8/],
    ["INT8", "[128]", /element 0 \(128\) is out of range for INT8/],
    ["INT8", "[-129]", /element 0 \(-129\) is out of range for INT8/],
    ["INT32", `[${2 ** 40 + 5}]`, /element 0 \(1099511627781\) is out of range for INT32/],
    ["INT32", "[2147483648]", /out of range for INT32/],
    ["INT64", "[9223372036854775808]", /out of range for INT64/],
    ["INT32", "[1e400]", /element 0 must be a whole number for INT32, got Infinity/],
    ["UINT8", "[2.5]", /element 0 must be a whole number for UINT8, got 2.5/],
    ["BOOL", "[7]", /input "x": element 0 must be true, false, 0 or 1 for BOOL, got 7/],
    ["BOOL", "[0.5]", /true, false, 0 or 1 for BOOL, got 0.5/],
    ["BOOL", '["true"]', /true, false, 0 or 1 for BOOL, got "true"/],
    ["FP32", "[1e39]", /element 0 \(1e\+39\) is out of range for FP32/],
    ["FP64", "[1e400]", /element 0 \(Infinity\) is out of range for FP64/],
  ];
  for (const [datatype, data, re] of refused) {
    const shape = [data.split(",").length];
    assert.throws(() => decodeInferRequest(jsonInput(datatype, shape, data)), re, `${datatype} ${data}`);
  }
  const read = (datatype: string, data: unknown[]) =>
    decodeInferRequest(jsonInput(datatype, [data.length], JSON.stringify(data))).inputs[0].data;
  assert.deepEqual([...read("UINT8", [0, 255]) as Uint8Array], [0, 255]);
  assert.deepEqual([...read("INT8", [-128, 127]) as Int8Array], [-128, 127]);
  assert.deepEqual([...read("INT32", [-(2 ** 31), 2 ** 31 - 1]) as Int32Array], [-(2 ** 31), 2 ** 31 - 1]);
  assert.deepEqual([...read("INT64", [-(2 ** 63), 2 ** 53]) as BigInt64Array], [-(2n ** 63n), 2n ** 53n]);
  assert.deepEqual([...read("BOOL", [true, false, 0, 1]) as Uint8Array], [1, 0, 0, 1]);
});

Deno.test("FP16 travels in the JSON form as numbers, converted to and from binary16 bits", () => {
  function read(data: number[]): number[] {
    const body = jsonInput("FP16", [data.length], JSON.stringify(data));
    return [...decodeInferRequest(body).inputs[0].data as Uint16Array];
  }
  assert.deepEqual(read([1.5, 0.5, -2, 65504, 0.1, 2 ** -24]), [0x3e00, 0x3800, 0xc000, 0x7bff, 0x2e66, 1]);
  // Halfway between 1 and the next binary16 goes to even; a hair above it goes up (no double rounding).
  assert.deepEqual(read([1 + 2 ** -11, 1 + 2 ** -11 + 2 ** -40]), [0x3c00, 0x3c01]);
  assert.throws(() => read([65520]), /element 0 \(65520\) is out of range for FP16/);

  const bits = new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff, 0x8000]);
  const msg = encodeInferRequest({ inputs: [{ name: "h", datatype: "FP16", shape: [5], data: bits }] });
  const head = JSON.parse(new TextDecoder().decode(msg.body));
  // JSON has no negative zero: -0 (0x8000) is written as 0.
  assert.deepEqual(head.inputs[0].data, [1, -2, 2 ** -24, 65504, 0]);
  assert.deepEqual([...decodeInferRequest(msg.body).inputs[0].data as Uint16Array], [
    0x3c00,
    0xc000,
    1,
    0x7bff,
    0,
  ]);
});

Deno.test("encodeInferRequest() refuses data of the wrong class and values its JSON form cannot carry", () => {
  const encode = (t: Omit<InferTensor, "name">, binary = false) =>
    encodeInferRequest({ inputs: [{ name: "x", ...t }] }, { binary });
  const badClass: [Omit<InferTensor, "name">, RegExp][] = [
    [
      { datatype: "FP32", shape: [2], data: new Float64Array(2) },
      /input "x": FP32 data must be a Float32Array, got Float64Array/,
    ],
    [{ datatype: "FP64", shape: [2], data: new Float32Array(2) }, /FP64 data must be a Float64Array/],
    [
      { datatype: "INT8", shape: [2], data: new Uint8Array(2) },
      /INT8 data must be an Int8Array, got Uint8Array/,
    ],
    [{ datatype: "INT64", shape: [2], data: new Int32Array(2) }, /INT64 data must be a BigInt64Array/],
    [{ datatype: "FP16", shape: [2], data: new Float32Array(2) }, /FP16 data must be a Uint16Array/],
    [
      { datatype: "BYTES", shape: [1], data: ["cat"] as unknown as TensorData },
      /input "x": BYTES element 0 must be a Uint8Array, got string/,
    ],
    [
      { datatype: "BYTES", shape: [1], data: new Uint8Array(1) },
      /BYTES data must be an array of Uint8Array, got Uint8Array/,
    ],
  ];
  for (const [t, re] of badClass) {
    assert.throws(() => encode(t, true), (e) => e instanceof TypeError && re.test(e.message), re.source);
    assert.throws(() => encode(t, false), re, re.source);
  }

  const badJson: [Omit<InferTensor, "name">, RegExp][] = [
    [{ datatype: "FP32", shape: [2], data: new Float32Array([1, NaN]) }, /input "x": FP32 element 1 is NaN/],
    [{ datatype: "FP64", shape: [1], data: new Float64Array([-Infinity]) }, /FP64 element 0 is -Infinity/],
    [{ datatype: "FP16", shape: [1], data: new Uint16Array([0x7c00]) }, /FP16 element 0 is Infinity/],
    [{ datatype: "BOOL", shape: [1], data: new Uint8Array([7]) }, /input "x": BOOL element 0 must be 0 or 1/],
    [
      { datatype: "INT64", shape: [1], data: new BigInt64Array([2n ** 63n - 1n]) },
      /INT64 element 0 \(9223372036854775807\) has no exact JSON number/,
    ],
  ];
  for (const [t, re] of badJson) {
    assert.throws(() => encode(t), (e) => e instanceof RangeError && re.test(e.message), re.source);
    encode(t, true); // the binary form carries them bit-exact
  }
});

Deno.test("every datatype round-trips through both forms", () => {
  const tensors: [Datatype, TensorData][] = [
    ["BOOL", new Uint8Array([1, 0, 1])],
    ["UINT8", new Uint8Array([0, 128, 255])],
    ["INT8", new Int8Array([-128, 0, 127])],
    ["INT32", new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1])],
    ["INT64", new BigInt64Array([-(2n ** 63n), 0n, 2n ** 53n])],
    ["FP16", new Uint16Array([0x3c00, 0x8001, 0x7bff])],
    ["FP32", new Float32Array([1.5, 1e-30, -3.4e38])],
    ["FP64", new Float64Array([0.1, -1e300, 5e-324])],
    ["BYTES", [utf8.encode("a"), utf8.encode(""), utf8.encode("ünï")]],
  ];
  const request = {
    inputs: tensors.map(([datatype, data]) => ({ name: datatype, datatype, shape: [3], data })),
  };
  for (const binary of [false, true]) {
    const msg = encodeInferRequest(request, { binary });
    const back = decodeInferRequest(
      msg.body,
      parseHeaderLength(msg.headers[HEADER_LENGTH_HEADER], msg.body.length),
    );
    back.inputs.forEach((t, i) => assert.deepEqual(t.data, tensors[i][1], `${t.name} binary=${binary}`));
  }
});

Deno.test("elementCount() names shapes whose product overflows, even with a zero dimension", () => {
  assert.throws(
    () => elementCount([1e200, 1e200, 0], 'input "x"'),
    /input "x": shape \[1e\+200,1e\+200,0\] is too large/,
  );
  assert.throws(() => elementCount([2 ** 31]), /too large/);
  assert.throws(() => elementCount(new Array(40).fill(2 ** 31 - 1)), /too large/);
  assert.equal(elementCount([2 ** 20, 2 ** 20, 0]), 0);
  assert.equal(elementCount([2 ** 31 - 1, 1]), 2 ** 31 - 1);
  assert.throws(
    () => decodeInferRequest(jsonInput("FP32", [1e200, 1e200, 0], "[]")),
    /input "x": shape \[1e\+200,1e\+200,0\] is too large/,
  );
});
