import assert from "node:assert/strict";
import { createRng, type Rng } from "../../core/rng.ts";
import { encodeInferRequest, HEADER_LENGTH_HEADER } from "../../core/wire.ts";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, randomLatents, startTestServer } from "./server_helpers.ts";

const utf8 = new TextEncoder();
const COUNT = 2400;

/** Random JSON-ish values that land in every field: wrong types, huge numbers, deep nesting. */
function junk(rng: Rng, depth = 0): unknown {
  const makers: (() => unknown)[] = [
    () => null,
    () => true,
    () => -1,
    () => 1e308,
    () => rng.normal() * 1000,
    () => "",
    () => "FP32",
    () => "x".repeat(rng.int(600)),
    () => 2 ** 53 + 1,
    () => [junk(rng, depth + 1), junk(rng, depth + 1)],
    () => ({
      name: "latents",
      shape: [junk(rng, depth + 1)],
      parameters: { binary_data_size: junk(rng, depth + 1) },
    }),
  ];
  return makers[rng.int(depth > 2 ? 9 : makers.length)]();
}

function mutateJson(rng: Rng, head: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(head);
  const paths: (string | number)[][] = [
    ["inputs"],
    ["inputs", 0, "shape"],
    ["inputs", 0, "shape", rng.int(4)],
    ["inputs", 0, "datatype"],
    ["inputs", 0, "name"],
    ["inputs", 0, "parameters", "binary_data_size"],
    ["inputs", 1, "shape", 0],
    ["inputs", 1, "datatype"],
    ["inputs", 1, "parameters"],
    ["outputs"],
    ["parameters"],
    ["id"],
  ];
  const path = paths[rng.int(paths.length)];
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) return copy;
    node = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (rng.next() < 0.2) delete node[last];
  else node[last] = junk(rng);
  return copy;
}

function mutateBytes(rng: Rng, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = Array.from(body);
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(out.length + 1);
    const op = rng.int(4);
    if (op === 0) out[at] = rng.int(256);
    else if (op === 1) out.splice(at, 0, rng.int(256));
    else if (op === 2) out.splice(at, 1 + rng.int(8));
    else out.length = Math.min(out.length, at);
  }
  return new Uint8Array(out);
}

function makeCase(rng: Rng): { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const n = 1 + rng.int(3);
  const binary = rng.next() < 0.5;
  const msg = encodeInferRequest(inferRequest(randomLatents(n, rng.int(1000)), n, "fuzz"), {
    binary,
    binaryOutputs: rng.next() < 0.5,
  });
  let body: Uint8Array<ArrayBuffer> = msg.body;
  const headers = { ...msg.headers };
  const kind = rng.int(4);
  if (kind === 0) body = mutateBytes(rng, body);
  else if (kind === 1 || kind === 2) {
    const hl = binary ? Number(headers[HEADER_LENGTH_HEADER]) : body.length;
    const head = JSON.parse(new TextDecoder().decode(body.subarray(0, hl)));
    const newHead = utf8.encode(JSON.stringify(mutateJson(rng, head)));
    const tail = body.subarray(hl);
    body = new Uint8Array(newHead.length + tail.length);
    body.set(newHead);
    body.set(tail, newHead.length);
    if (binary) headers[HEADER_LENGTH_HEADER] = String(newHead.length);
  } else {
    const choices = [
      "-1",
      "0",
      "1",
      String(body.length),
      String(body.length + 1),
      "abc",
      "1e3",
      " 12",
      "99999999999999999999",
    ];
    headers[HEADER_LENGTH_HEADER] = choices[rng.int(choices.length)];
    if (rng.next() < 0.3) {
      headers["content-type"] =
        ["text/plain", "application/xml", "", "application/json; charset=utf-8"][rng.int(4)];
    }
  }
  return { body, headers };
}

Deno.test(`server: ${COUNT} seeded mutated infer requests get no 5xx and the server keeps answering`, async () => {
  const s = startTestServer({
    models: [fakeModel()],
    maxBatch: 4,
    maxPromptBytes: 256,
    maxBodyBytes: 1 << 20,
    windowMs: 1,
  });
  const rng = createRng("server-fuzz");
  const cases = Array.from({ length: COUNT }, () => makeCase(rng));
  const statuses = new Map<number, number>();
  try {
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const res = await fetch(`${s.url}/v2/models/fake/infer`, {
          method: "POST",
          body: c.body,
          headers: c.headers,
        });
        const text = new Uint8Array(await res.arrayBuffer());
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(
          res.status < 500,
          `status ${res.status}: ${new TextDecoder().decode(text.subarray(0, 300))}`,
        );
        if (res.status >= 400) {
          assert.equal(typeof JSON.parse(new TextDecoder().decode(text)).error, "string");
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, COUNT);
    // The mutations must exercise both paths: some requests still succeed, most are refused.
    assert.ok((statuses.get(200) ?? 0) > 20, JSON.stringify([...statuses]));
    assert.ok((statuses.get(400) ?? 0) > COUNT / 3, JSON.stringify([...statuses]));
    assert.equal((await fetch(`${s.url}/v2/health/live`).then((r) => r.json())).live, true);
  } finally {
    await s.close();
  }
});
