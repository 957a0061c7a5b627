import assert from "node:assert/strict";
import {
  decodeBytesElements,
  decodeInferRequest,
  decodeInferResponse,
  encodeBytesElements,
  encodeInferRequest,
  encodeInferResponse,
  HEADER_LENGTH_HEADER,
  imagesRequest,
  type InferRequest,
  parseHeaderLength,
  responseImages,
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
  // An output's own binary_data wins over the request's binary_data_output, either way.
  for (const own of [true, false]) {
    const ok = decode({
      parameters: { binary_data_output: !own },
      outputs: [{ name: "y", parameters: { binary_data: own } }, { name: "z" }],
    });
    assert.equal(wantsBinaryOutput(ok, "y"), own, `binary_data ${own}`);
    assert.equal(wantsBinaryOutput(ok, "z"), !own, "an output without binary_data follows the request");
  }
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

Deno.test("decodeInferRequest() refuses an input given both as JSON data and as binary bytes", () => {
  const head = utf8.encode(
    '{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1],"parameters":{"binary_data_size":4}}]}',
  );
  const body = new Uint8Array(head.length + 4);
  body.set(head);
  assert.throws(
    () => decodeInferRequest(body, head.length),
    (e) =>
      e instanceof TypeError && e.message === 'Cannot read input "x": both "data" and binary_data_size given',
  );
});

Deno.test("parseHeaderLength() refuses non-numbers and lengths outside the body", () => {
  assert.equal(parseHeaderLength(null, 10), undefined);
  assert.equal(parseHeaderLength("5", 10), 5);
  assert.throws(() => parseHeaderLength("abc", 10), TypeError);
  assert.throws(() => parseHeaderLength("-3", 10), TypeError);
  assert.throws(() => parseHeaderLength("11", 10), RangeError);
  assert.throws(() => parseHeaderLength("0", 10), RangeError);
  // The shortest JSON object, "{}", is 2 bytes.
  assert.throws(
    () => parseHeaderLength("1", 10),
    /Inference-Header-Content-Length: 1 is out of range for a 10-byte body/i,
  );
  assert.equal(parseHeaderLength("2", 10), 2);
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
