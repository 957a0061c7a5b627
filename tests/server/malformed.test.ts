// Every malformed request gets a 4xx JSON error naming the problem, and the server keeps answering:
// unknown routes and methods, bodies that are not JSON, content types and encodings it does not take,
// the binary extension's header length and sizes, non-finite latents, limits, paths outside the
// served folder. Tensors and parameters malformed in a JSON request: malformed_tensors.ts.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { encodeBytesElements, encodeInferRequest, HEADER_LENGTH_HEADER } from "../../core/wire.ts";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, randomLatents, startTestServer } from "./server_helpers.ts";
import { type Case, goodInputs, jsonBody, TENSOR_CASES } from "./malformed_tensors.ts";

const utf8 = new TextEncoder();
const JSON_TYPE = { "content-type": "application/json" };

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
  ...TENSOR_CASES,
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
