import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { encodeBytesElements, encodeInferRequest, HEADER_LENGTH_HEADER } from "../../core/wire.ts";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, randomLatents, startTestServer } from "./server_helpers.ts";

const utf8 = new TextEncoder();
const JSON_TYPE = { "content-type": "application/json" };

interface Case {
  name: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  status: number;
  error: RegExp;
}

function jsonBody(value: unknown): string {
  return JSON.stringify(value);
}

const latents1 = Array.from(randomLatents(1, 9));
const goodInputs = [
  { name: "latents", datatype: "FP32", shape: [1, 4, 8, 8], data: latents1 },
  { name: "prompt", datatype: "BYTES", shape: [1], data: ["cat"] },
];
function withInput(i: number, patch: Record<string, unknown>) {
  return { inputs: goodInputs.map((t, j) => (j === i ? { ...t, ...patch } : t)) };
}

function binary(n: number, mutate: (head: Record<string, unknown>, tail: Uint8Array) => Uint8Array | void) {
  const msg = encodeInferRequest(inferRequest(randomLatents(n, 3), n), { binary: true });
  const hl = Number(msg.headers[HEADER_LENGTH_HEADER]);
  const head = JSON.parse(new TextDecoder().decode(msg.body.subarray(0, hl)));
  let tail: Uint8Array = msg.body.slice(hl);
  tail = mutate(head, tail) ?? tail;
  const h = utf8.encode(JSON.stringify(head));
  const body = new Uint8Array(h.length + tail.length);
  body.set(h);
  body.set(tail, h.length);
  return {
    body,
    headers: { "content-type": "application/octet-stream", [HEADER_LENGTH_HEADER]: String(h.length) },
  };
}

const nanLatents = (() => {
  const l = randomLatents(1, 5);
  l[17] = NaN;
  return encodeInferRequest(inferRequest(l, 1), { binary: true });
})();
const infLatents = (() => {
  const l = randomLatents(1, 5);
  l[3] = -Infinity;
  return encodeInferRequest(inferRequest(l, 1), { binary: true });
})();
const bigBatch = encodeInferRequest(inferRequest(randomLatents(5, 1), 5), { binary: true });
const longPrompt = encodeInferRequest(inferRequest(randomLatents(1, 1), 1, "x".repeat(300)), {
  binary: true,
});
const rawPrompt = binary(1, (head) => {
  (head.inputs as Record<string, unknown>[])[1].parameters = { binary_data_size: 6 };
  const tail = new Uint8Array(1024 + 6);
  tail.set(encodeBytesElements([new Uint8Array([0xff, 0xfe])]), 1024);
  return tail;
});

const CASES: Case[] = [
  {
    name: "unknown model",
    path: "/v2/models/nope/infer",
    body: jsonBody({ inputs: goodInputs }),
    status: 404,
    error: /Unknown model "nope"/,
  },
  {
    name: "unknown model metadata",
    path: "/v2/models/nope",
    method: "GET",
    status: 404,
    error: /Unknown model/,
  },
  {
    name: "unknown version",
    path: "/v2/models/fake/versions/7",
    method: "GET",
    status: 404,
    error: /Unknown version "7"/,
  },
  {
    name: "unknown v2 route",
    path: "/v2/repository/index",
    method: "GET",
    status: 404,
    error: /Unknown route/,
  },
  { name: "GET on infer", method: "GET", status: 405, error: /use POST/ },
  { name: "POST on metadata", path: "/v2/models/fake", body: "{}", status: 405, error: /use GET/ },
  { name: "malformed JSON", body: "{inputs:", status: 400, error: /malformed JSON/ },
  { name: "JSON array body", body: "[1,2]", status: 400, error: /expected a JSON object/ },
  { name: "empty body", body: "", status: 400, error: /malformed JSON/ },
  {
    name: "inputs missing",
    body: jsonBody({ id: "x" }),
    status: 400,
    error: /"inputs" must be a non-empty array/,
  },
  {
    name: "missing latents",
    body: jsonBody({ inputs: [goodInputs[1]] }),
    status: 400,
    error: /missing input "latents"/,
  },
  {
    name: "missing prompt",
    body: jsonBody({ inputs: [goodInputs[0]] }),
    status: 400,
    error: /missing input "prompt"/,
  },
  {
    name: "unknown input",
    body: jsonBody({ inputs: [...goodInputs, { name: "seed", datatype: "INT32", shape: [1], data: [1] }] }),
    status: 400,
    error: /unknown input "seed"/,
  },
  {
    name: "wrong latents datatype",
    body: jsonBody(withInput(0, { datatype: "FP64" })),
    status: 400,
    error: /must be FP32, got FP64/,
  },
  {
    name: "unknown datatype",
    body: jsonBody(withInput(0, { datatype: "FLOAT" })),
    status: 400,
    error: /unknown datatype "FLOAT"/,
  },
  {
    name: "wrong prompt datatype",
    body: jsonBody(withInput(1, { datatype: "UINT8", data: [1] })),
    status: 400,
    error: /"prompt" must be BYTES/,
  },
  {
    name: "shape not the model's",
    body: jsonBody(withInput(0, { shape: [1, 4, 16, 4] })),
    status: 400,
    error: /shape \[-1,4,8,8\], got \[1,4,16,4\]/,
  },
  {
    name: "shape of rank 3",
    body: jsonBody(withInput(0, { shape: [4, 8, 8] })),
    status: 400,
    error: /shape \[-1,4,8,8\]/,
  },
  {
    name: "zero latents",
    body: jsonBody(withInput(0, { shape: [0, 4, 8, 8], data: [] })),
    status: 400,
    error: /holds no latents/,
  },
  {
    name: "negative dimension",
    body: jsonBody(withInput(0, { shape: [-1, 4, 8, 8] })),
    status: 400,
    error: /non-negative integers/,
  },
  {
    name: "fractional dimension",
    body: jsonBody(withInput(0, { shape: [1.5, 4, 8, 8] })),
    status: 400,
    error: /non-negative integers/,
  },
  {
    name: "data count mismatch",
    body: jsonBody(withInput(0, { data: latents1.slice(1) })),
    status: 400,
    error: /needs 256 elements, got 255/,
  },
  {
    name: "string in FP32 data",
    body: jsonBody(withInput(0, { data: ["1", ...latents1.slice(1)] })),
    status: 400,
    error: /must be a number/,
  },
  {
    name: "null in FP32 data",
    body: jsonBody(withInput(0, { data: [null, ...latents1.slice(1)] })),
    status: 400,
    error: /must be a number/,
  },
  {
    name: "two prompts",
    body: jsonBody(withInput(1, { shape: [2], data: ["a", "b"] })),
    status: 400,
    error: /must hold 1 element/,
  },
  {
    name: "number as prompt",
    body: jsonBody(withInput(1, { data: [5] })),
    status: 400,
    error: /must be a string/,
  },
  {
    name: "parameters not an object",
    body: jsonBody({ inputs: goodInputs, parameters: [1] }),
    status: 400,
    error: /"parameters" must be an object/,
  },
  {
    name: "unknown output",
    body: jsonBody({ inputs: goodInputs, outputs: [{ name: "logits" }] }),
    status: 400,
    error: /unknown output "logits"/,
  },
  {
    name: "bad image_format",
    body: jsonBody({
      inputs: goodInputs,
      outputs: [{ name: "images", parameters: { image_format: "gif" } }],
    }),
    status: 400,
    error: /image_format must be/,
  },
  {
    name: "classification asked",
    body: jsonBody({ inputs: goodInputs, outputs: [{ name: "images", parameters: { classification: 3 } }] }),
    status: 400,
    error: /parameter "classification" is not supported/,
  },
  {
    name: "binary_data as a string",
    body: jsonBody({
      inputs: goodInputs,
      outputs: [{ name: "images", parameters: { binary_data: "true" } }],
    }),
    status: 400,
    error: /output "images": parameter "binary_data" must be a boolean, got string "true"/,
  },
  {
    name: "binary_data_output as a string",
    body: jsonBody({ inputs: goodInputs, parameters: { binary_data_output: "true" } }),
    status: 400,
    error: /parameter "binary_data_output" must be a boolean, got string "true"/,
  },
  {
    name: "output asked twice",
    body: jsonBody({
      inputs: goodInputs,
      outputs: [{ name: "images", parameters: { image_format: "png", binary_data: true } }, {
        name: "images",
      }],
    }),
    status: 400,
    error: /output "images": requested twice/,
  },
  {
    name: "duplicate input",
    body: jsonBody({ inputs: [...goodInputs, goodInputs[1]] }),
    status: 400,
    error: /given twice/,
  },
  { name: "NaN latent", ...nanLatents, status: 400, error: /element 17 is NaN, not finite/ },
  { name: "Infinity latent", ...infLatents, status: 400, error: /element 3 is -Infinity, not finite/ },
  {
    name: "batch over the limit",
    ...bigBatch,
    status: 400,
    error: /batch of 5 latents is over the limit of 4/,
  },
  {
    name: "prompt too long",
    ...longPrompt,
    status: 400,
    error: /prompt of 300 bytes is over the limit of 256/,
  },
  { name: "prompt not UTF-8", ...rawPrompt, status: 400, error: /not valid UTF-8/ },
  {
    name: "wrong content type",
    headers: { "content-type": "text/plain" },
    body: jsonBody({ inputs: goodInputs }),
    status: 415,
    error: /content type "text\/plain"/,
  },
  {
    name: "form content type",
    headers: { "content-type": "multipart/form-data; boundary=x" },
    body: "--x--",
    status: 415,
    error: /content type/,
  },
  {
    name: "gzip body",
    headers: { "content-type": "application/json", "content-encoding": "gzip" },
    body: new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
    status: 415,
    error: /content encoding "gzip" is not supported; send the body uncompressed/,
  },
  {
    name: "deflate after identity",
    headers: { "content-type": "application/json", "content-encoding": "identity, Deflate" },
    body: "x",
    status: 415,
    error: /content encoding "deflate" is not supported/,
  },
  {
    name: "header length not a number",
    ...binary(1, () => {}),
    headers: { [HEADER_LENGTH_HEADER]: "ten", "content-type": "application/octet-stream" },
    status: 400,
    error: /expected a non-negative integer/,
  },
  {
    name: "header length past body",
    ...binary(1, () => {}),
    headers: { [HEADER_LENGTH_HEADER]: "99999999", "content-type": "application/octet-stream" },
    status: 400,
    error: /out of range/,
  },
  {
    name: "header length splits the JSON",
    ...binary(1, () => {}),
    headers: { [HEADER_LENGTH_HEADER]: "20", "content-type": "application/octet-stream" },
    status: 400,
    error: /malformed JSON/,
  },
  {
    name: "binary size short of shape",
    ...binary(1, (h, t) => {
      (h.inputs as { parameters: Record<string, number> }[])[0].parameters.binary_data_size = 1020;
      return t.slice(4);
    }),
    status: 400,
    error: /need 1024 bytes, got 1020/,
  },
  {
    name: "binary size past body",
    ...binary(1, (h) => {
      (h.inputs as { parameters: Record<string, number> }[])[1].parameters.binary_data_size = 5000;
    }),
    status: 400,
    error: /past the end of the body/,
  },
  {
    name: "trailing bytes",
    ...binary(1, (_h, t) => {
      const x = new Uint8Array(t.length + 7);
      x.set(t);
      return x;
    }),
    status: 400,
    error: /7 bytes after the last binary tensor/,
  },
  {
    name: "binary without header length",
    ...(() => {
      const b = binary(1, () => {});
      return { body: b.body, headers: JSON_TYPE };
    })(),
    status: 400,
    error: /malformed JSON/,
  },
  {
    name: "BYTES length prefix too long",
    ...binary(1, (_h, t) => {
      new DataView(t.buffer).setUint32(1024, 1000, true);
    }),
    status: 400,
    error: /claims 1000 bytes/,
  },
  {
    name: "body over the limit",
    body: "x".repeat(70_000),
    status: 413,
    error: /over the limit of 65536 bytes/,
  },
  {
    name: "encoded traversal",
    path: "/..%2f..%2fetc%2fpasswd",
    method: "GET",
    status: 403,
    error: /leaves the served folder/,
  },
  {
    name: "bad percent-encoding",
    path: "/%zz",
    method: "GET",
    status: 400,
    error: /malformed percent-encoding/,
  },
];

Deno.test(`server: ${CASES.length} malformed requests each get a 4xx JSON error naming the problem`, async () => {
  assert.ok(CASES.length >= 30);
  const s = startTestServer({
    models: [fakeModel()],
    maxBatch: 4,
    maxPromptBytes: 256,
    maxBodyBytes: 65536,
    staticRoots: [{ prefix: "/", dir: fileURLToPath(new URL("../../demo", import.meta.url)) }],
  });
  try {
    for (const c of CASES) {
      const method = c.method ?? "POST";
      const res = await fetch(`${s.url}${c.path ?? "/v2/models/fake/infer"}`, {
        method,
        headers: c.headers ?? JSON_TYPE,
        body: method === "GET" ? undefined : c.body,
      });
      const text = await res.text();
      assert.equal(res.status, c.status, `${c.name}: ${text}`);
      assert.equal(res.headers.get("content-type"), "application/json", c.name);
      const { error } = JSON.parse(text);
      assert.match(error, c.error, c.name);
      // The server keeps answering after each one.
      assert.equal((await fetch(`${s.url}/v2/health/live`).then((r) => r.json())).live, true, c.name);
    }
  } finally {
    await s.close();
  }
});
