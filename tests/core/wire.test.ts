import assert from "node:assert/strict";
import {
  type Datatype,
  decodeBytesElements,
  decodeInferRequest,
  decodeInferResponse,
  elementCount,
  encodeBytesElements,
  encodeInferRequest,
  encodeInferResponse,
  HEADER_LENGTH_HEADER,
  imagesRequest,
  type InferRequest,
  type InferTensor,
  parseHeaderLength,
  responseImages,
  type TensorData,
  wantsBinaryOutput,
} from "../../core/wire.ts";

const utf8 = new TextEncoder();

function sample(): InferRequest {
  return {
    id: "r1",
    inputs: [
      {
        name: "latents",
        datatype: "FP32",
        shape: [2, 3],
        data: new Float32Array([1.5, -2, 0, 3.25, 1e-30, -0]),
      },
      { name: "prompt", datatype: "BYTES", shape: [1], data: [utf8.encode("a red fox, ünïcode")] },
    ],
    outputs: [{ name: "images", parameters: { binary_data: true } }],
  };
}

function decodeMessage(msg: { body: Uint8Array; headers: Record<string, string> }) {
  const hl = parseHeaderLength(msg.headers[HEADER_LENGTH_HEADER] ?? null, msg.body.length);
  return decodeInferRequest(msg.body, hl);
}

Deno.test("encodeBytesElements() writes 4-byte little-endian lengths before each element", () => {
  const packed = encodeBytesElements([utf8.encode("hi"), new Uint8Array(0), new Uint8Array(300)]);
  assert.deepEqual([...packed.subarray(0, 6)], [2, 0, 0, 0, 104, 105]);
  assert.deepEqual([...packed.subarray(6, 10)], [0, 0, 0, 0]);
  assert.deepEqual([...packed.subarray(10, 14)], [44, 1, 0, 0]);
  assert.equal(packed.length, 6 + 4 + 304);
  const back = decodeBytesElements(packed, 3);
  assert.equal(back[2].length, 300);
});

Deno.test("decodeBytesElements() refuses truncated prefixes, overlong lengths and trailing bytes", () => {
  assert.throws(() => decodeBytesElements(new Uint8Array([1, 0, 0]), 1), /length prefix/);
  assert.throws(() => decodeBytesElements(new Uint8Array([9, 0, 0, 0, 1]), 1), /claims 9 bytes/);
  assert.throws(() => decodeBytesElements(new Uint8Array([1, 0, 0, 0, 1, 7]), 1), /1 bytes left/);
});

Deno.test("encodeInferRequest() JSON form round-trips through decodeInferRequest()", () => {
  const msg = encodeInferRequest(sample());
  assert.equal(msg.headers["content-type"], "application/json");
  assert.equal(msg.headers[HEADER_LENGTH_HEADER], undefined);
  const back = decodeMessage(msg);
  assert.equal(back.id, "r1");
  // JSON has no negative zero: -0 comes back as 0 (the binary form keeps it).
  assert.deepEqual([...(back.inputs[0].data as Float32Array)], [1.5, -2, 0, 3.25, Math.fround(1e-30), 0]);
  assert.equal(new TextDecoder().decode((back.inputs[1].data as Uint8Array[])[0]), "a red fox, ünïcode");
  assert.deepEqual(back.outputs, [{ name: "images", parameters: { binary_data: true } }]);
});

Deno.test("encodeInferRequest() binary form puts raw bytes after the JSON header, bit-exact", () => {
  const req = sample();
  const msg = encodeInferRequest(req, { binary: true, binaryOutputs: true });
  const hl = Number(msg.headers[HEADER_LENGTH_HEADER]);
  const head = JSON.parse(new TextDecoder().decode(msg.body.subarray(0, hl)));
  assert.equal(head.inputs[0].parameters.binary_data_size, 24);
  assert.equal(head.inputs[0].data, undefined);
  assert.equal(head.parameters.binary_data_output, true);
  assert.equal(msg.body.length, hl + 24 + 4 + utf8.encode("a red fox, ünïcode").length);
  const back = decodeMessage(msg);
  const a = new Uint8Array((req.inputs[0].data as Float32Array).buffer);
  const b = new Uint8Array((back.inputs[0].data as Float32Array).buffer);
  assert.deepEqual(b, a);
  assert.ok(wantsBinaryOutput(back, "images"));
});

Deno.test("decodeInferRequest() binary form carries NaN and -0 bits unchanged (the server rejects NaN)", () => {
  const data = new Float32Array([NaN, -0, Infinity]);
  const msg = encodeInferRequest({ inputs: [{ name: "x", datatype: "FP32", shape: [3], data }] }, {
    binary: true,
  });
  const back = decodeMessage(msg).inputs[0].data as Float32Array;
  assert.ok(Number.isNaN(back[0]));
  assert.ok(Object.is(back[1], -0));
  assert.equal(back[2], Infinity);
});

Deno.test("encodeInferResponse() sends chosen outputs binary and others as JSON; decode reverses it", () => {
  const img = new Uint8Array(2 * 2 * 2 * 4).map((_, i) => i * 7);
  const msg = encodeInferResponse({
    model_name: "m",
    model_version: "1",
    outputs: [
      { name: "images", datatype: "UINT8", shape: [2, 2, 2, 4], data: img },
      { name: "n", datatype: "INT64", shape: [1], data: new BigInt64Array([5n]) },
    ],
  }, { binary: ["images"] });
  const hl = parseHeaderLength(msg.headers[HEADER_LENGTH_HEADER], msg.body.length);
  const back = decodeInferResponse(msg.body, hl);
  assert.equal(back.model_name, "m");
  assert.deepEqual(back.outputs[0].data, img);
  assert.equal(back.outputs[0].parameters?.binary_data_size, 32);
  assert.deepEqual([...(back.outputs[1].data as BigInt64Array)], [5n]);
});

Deno.test("decodeInferRequest() accepts nested JSON data, flattened row-major", () => {
  const body = utf8.encode('{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"data":[[1,2],[3,4]]}]}');
  assert.deepEqual([...(decodeInferRequest(body).inputs[0].data as Int32Array)], [1, 2, 3, 4]);
});

Deno.test("decodeInferRequest() shows checkInput each input's header before reading its data", () => {
  const seen: unknown[] = [];
  const refuse = (t: { name: string; shape: number[] }) => {
    seen.push(t);
    if (t.shape[0] > 1) throw new RangeError(`${t.name}: shape ${JSON.stringify(t.shape)} refused`);
  };
  // Data that decoding would refuse: the check's error comes first, so the data was never read.
  const json = utf8.encode('{"inputs":[{"name":"p","datatype":"BYTES","shape":[3],"data":[1,2,3]}]}');
  assert.throws(() => decodeInferRequest(json, undefined, { checkInput: refuse }), /p: shape \[3\] refused/);
  assert.deepEqual(seen, [{ name: "p", datatype: "BYTES", shape: [3] }]);
  const msg = encodeInferRequest({
    inputs: [{ name: "p", datatype: "BYTES", shape: [2], data: [utf8.encode("a"), utf8.encode("b")] }],
  }, { binary: true });
  const hl = Number(msg.headers[HEADER_LENGTH_HEADER]);
  const body = msg.body.slice();
  new DataView(body.buffer).setUint32(hl, 1e6, true); // a length past the end: decoding would throw
  assert.throws(() => decodeInferRequest(body, hl, { checkInput: refuse }), /p: shape \[2\] refused/);
  assert.deepEqual(seen[1], {
    name: "p",
    datatype: "BYTES",
    shape: [2],
    parameters: { binary_data_size: 10 },
  });
  // Accepted, the input decodes as without a check.
  const ok = utf8.encode('{"inputs":[{"name":"p","datatype":"BYTES","shape":[1],"data":["hi"]}]}');
  assert.deepEqual(decodeInferRequest(ok, undefined, { checkInput: refuse }), decodeInferRequest(ok));
});

Deno.test("decodeInferRequest() reads no more JSON elements than the shape needs, plus one", () => {
  const n = 100_000;
  const body = utf8.encode(
    `{"inputs":[{"name":"x","datatype":"BYTES","shape":[1],"data":[${Array(n).fill('""')}]}]}`,
  );
  assert.throws(() => decodeInferRequest(body), /shape \[1\] needs 1 elements, got more/);
});

Deno.test("decodeInferRequest() refuses binary_data of another type than boolean, and an output asked twice", () => {
  const input = { name: "x", datatype: "FP32", shape: [1], data: [1] };
  const decode = (rest: Record<string, unknown>) =>
    decodeInferRequest(utf8.encode(JSON.stringify({ inputs: [input], ...rest })));
  assert.throws(
    () => decode({ outputs: [{ name: "y", parameters: { binary_data: "true" } }] }),
    /output "y": parameter "binary_data" must be a boolean, got string "true"/,
  );
  assert.throws(
    () => decode({ parameters: { binary_data_output: 1 } }),
    /infer request: parameter "binary_data_output" must be a boolean, got number 1/,
  );
  assert.throws(() => decode({ outputs: [{ name: "y" }, { name: "y" }] }), /output "y": requested twice/);
  const ok = decode({
    parameters: { binary_data_output: false },
    outputs: [{ name: "y", parameters: { binary_data: true } }],
  });
  assert.ok(wantsBinaryOutput(ok, "y"));
});

Deno.test("decodeInferRequest() names the problem in malformed bodies", () => {
  const cases: [string, RegExp][] = [
    ["{", /malformed JSON/],
    ["[]", /JSON object/],
    ['{"inputs":[]}', /non-empty array/],
    ['{"inputs":[{"datatype":"FP32","shape":[1],"data":[1]}]}', /missing "name"/],
    ['{"inputs":[{"name":"x","datatype":"FP99","shape":[1],"data":[1]}]}', /unknown datatype "FP99"/],
    ['{"inputs":[{"name":"x","datatype":"FP32","shape":[-1],"data":[1]}]}', /non-negative integers/],
    ['{"inputs":[{"name":"x","datatype":"FP32","shape":[2],"data":[1]}]}', /needs 2 elements, got 1/],
    ['{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":["a"]}]}', /must be a number/],
    ['{"inputs":[{"name":"x","datatype":"INT32","shape":[1],"data":[1.5]}]}', /whole number/],
    ['{"inputs":[{"name":"x","datatype":"BYTES","shape":[1],"data":[1]}]}', /must be a string/],
    ['{"inputs":[{"name":"x","datatype":"FP32","shape":[1]}]}', /missing "data"/],
    [
      '{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}}]}',
      /without/,
    ],
    ['{"inputs":[{"name":"x","datatype":"FP32","shape":[1e12,1e12],"data":[]}]}', /too large/],
    [
      '{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1]},{"name":"x","datatype":"FP32","shape":[1],"data":[1]}]}',
      /twice/,
    ],
  ];
  for (const [text, re] of cases) assert.throws(() => decodeInferRequest(utf8.encode(text)), re, text);
});

Deno.test("parseHeaderLength() refuses non-numbers and lengths outside the body", () => {
  assert.equal(parseHeaderLength(null, 10), undefined);
  assert.equal(parseHeaderLength("5", 10), 5);
  assert.throws(() => parseHeaderLength("abc", 10), TypeError);
  assert.throws(() => parseHeaderLength("-3", 10), TypeError);
  assert.throws(() => parseHeaderLength("11", 10), RangeError);
  assert.throws(() => parseHeaderLength("0", 10), RangeError);
});

Deno.test("decodeInferRequest() refuses binary sizes that do not match the shape or the body", () => {
  const msg = encodeInferRequest({
    inputs: [{ name: "x", datatype: "FP32", shape: [2], data: new Float32Array(2) }],
  }, { binary: true });
  const hl = Number(msg.headers[HEADER_LENGTH_HEADER]);
  assert.throws(() => decodeInferRequest(msg.body.subarray(0, msg.body.length - 1), hl), /past the end/);
  const extra = new Uint8Array(msg.body.length + 3);
  extra.set(msg.body);
  assert.throws(() => decodeInferRequest(extra, hl), /3 bytes after/);
  const wrong = new TextDecoder().decode(msg.body.subarray(0, hl)).replace('"shape":[2]', '"shape":[3]');
  const w = utf8.encode(wrong);
  const body = new Uint8Array(w.length + 8);
  body.set(w);
  assert.throws(() => decodeInferRequest(body, w.length), /need 12 bytes, got 8/);
});

Deno.test("imagesRequest() and responseImages() carry latents in and RGBA images out", () => {
  const latents = [0, 1].map((k) => ({
    shape: [1, 2, 2] as const,
    data: new Float32Array([k, k + 0.5, -k, 2]),
  }));
  const req = imagesRequest(latents, "fox", { png: false });
  const back = decodeMessage(encodeInferRequest(req, { binary: true, binaryOutputs: true }));
  assert.deepEqual(back.inputs[0].shape, [2, 1, 2, 2]);
  assert.deepEqual([...(back.inputs[0].data as Float32Array)], [0, 0.5, -0, 2, 1, 1.5, -1, 2]);
  assert.equal(new TextDecoder().decode((back.inputs[1].data as Uint8Array[])[0]), "fox");
  assert.deepEqual(back.outputs, [{ name: "images", parameters: { image_format: "raw" } }]);
  assert.throws(() => imagesRequest([], "x"), /no latents/);

  const pixels = new Uint8Array(2 * 1 * 2 * 4).map((_, i) => i);
  const res = encodeInferResponse({
    model_name: "m",
    outputs: [{ name: "images", datatype: "UINT8", shape: [2, 1, 2, 4], data: pixels }],
  }, { binary: true });
  const images = responseImages(decodeInferResponse(res.body, Number(res.headers[HEADER_LENGTH_HEADER])));
  assert.equal(images.length, 2);
  assert.equal(images[1].width, 2);
  assert.equal(images[1].height, 1);
  assert.deepEqual([...images[1].data], [8, 9, 10, 11, 12, 13, 14, 15]);
  assert.throws(() => responseImages({ model_name: "m", outputs: [] }), /no "images" output/);
});

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
  assert.deepEqual([...decodeMessage(msg).inputs[0].data as Uint16Array], [0x3c00, 0xc000, 1, 0x7bff, 0]);
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

Deno.test("an empty-string id round-trips in requests and responses, in both forms", () => {
  for (const binary of [false, true]) {
    const request = decodeMessage(encodeInferRequest({ ...sample(), id: "" }, { binary }));
    assert.equal(request.id, "", `request, binary ${binary}`);
    const response = encodeInferResponse(
      {
        id: "",
        model_name: "m",
        outputs: [{ name: "y", datatype: "UINT8", shape: [1], data: new Uint8Array([7]) }],
      },
      { binary },
    );
    const hl = parseHeaderLength(response.headers[HEADER_LENGTH_HEADER] ?? null, response.body.length);
    assert.equal(decodeInferResponse(response.body, hl).id, "", `response, binary ${binary}`);
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
    const back = decodeMessage(encodeInferRequest(request, { binary }));
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
