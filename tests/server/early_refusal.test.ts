// An input is checked against the model (name, datatype, shape) before its data is decoded: a request
// under the body limit could otherwise hold millions of elements, and decoding them blocked the
// server's only thread for seconds (5,000,000 empty BYTES elements: 9 s and 2 GB).
import assert from "node:assert/strict";
import { HEADER_LENGTH_HEADER } from "../../core/wire.ts";
import { fakeModel } from "./fake_model.ts";
import { startTestServer } from "./server_helpers.ts";

const utf8 = new TextEncoder();

/** A prompt of `n` empty BYTES elements, in the JSON form or the binary extension. */
function manyElements(
  n: number,
  binary: boolean,
): { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  if (!binary) {
    const json = `{"inputs":[{"name":"prompt","datatype":"BYTES","shape":[${n}],"data":[${
      Array(n).fill('""').join(",")
    }]}]}`;
    return { body: utf8.encode(json), headers: { "content-type": "application/json" } };
  }
  const head = utf8.encode(
    `{"inputs":[{"name":"prompt","datatype":"BYTES","shape":[${n}],"parameters":{"binary_data_size":${
      4 * n
    }}}]}`,
  );
  const body = new Uint8Array(head.length + 4 * n); // n zero lengths: n empty elements
  body.set(head);
  return {
    body,
    headers: { "content-type": "application/octet-stream", [HEADER_LENGTH_HEADER]: String(head.length) },
  };
}

/** The same bytes with the JSON's last brace broken: refused once the JSON is parsed, decoding nothing. */
function malformed(msg: { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> }) {
  const body = msg.body.slice();
  body[body.lastIndexOf("}".charCodeAt(0), Number(msg.headers[HEADER_LENGTH_HEADER] ?? body.length))] = 0x20;
  return { body, headers: msg.headers };
}

async function timed(url: string, msg: { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> }) {
  const t0 = performance.now();
  const res = await fetch(url, { method: "POST", body: msg.body, headers: msg.headers });
  const { error } = await res.json();
  return { status: res.status, error: error as string, ms: performance.now() - t0 };
}

for (const [binary, n] of [[false, 2_000_000], [true, 3_000_000]] as const) {
  const form = binary ? "binary" : "JSON";
  Deno.test(`server: a ${form} input of ${n} elements is refused for its shape before its data is decoded`, async () => {
    const s = startTestServer({ models: [fakeModel()], maxBodyBytes: 16 << 20 });
    const url = `${s.url}/v2/models/fake/infer`;
    try {
      const big = manyElements(n, binary);
      const bad = malformed(big);
      // The same size of body, refused as malformed JSON, costs reading and parsing it and no more:
      // the refusal for the shape must cost about that, where decoding took 10 to 30 times it. The
      // fastest of 5 rounds each, and 5x, keep a busy machine (CI once measured 82 against 21 ms over
      // 2 rounds while a browser build ran) from failing it without letting decoding pass.
      let shapeMs = Infinity, malformedMs = Infinity;
      for (let round = 0; round < 5; round++) {
        const health = fetch(`${s.url}/v2/health/live`);
        const r = await timed(url, big);
        assert.equal(r.status, 400, r.error);
        assert.match(
          r.error,
          new RegExp(`"prompt" must hold 1 element, shape \\[1\\], got shape \\[${n}\\]`),
        );
        assert.equal((await health).status, 200, "the server answers its health check meanwhile");
        const m = await timed(url, bad);
        assert.equal(m.status, 400);
        assert.match(m.error, /malformed JSON/);
        shapeMs = Math.min(shapeMs, r.ms);
        malformedMs = Math.min(malformedMs, m.ms);
      }
      assert.ok(
        shapeMs < 5 * malformedMs,
        `refused for its shape in ${shapeMs.toFixed(0)} ms, as malformed in ${malformedMs.toFixed(0)} ms`,
      );
    } finally {
      await s.close();
    }
  });
}
