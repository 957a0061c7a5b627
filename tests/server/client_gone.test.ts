// A client that goes away is the client's doing: the handler answers 499 (nginx's "client closed
// request") and counts it so, never as a 500 that a server-error alert would fire on. A body cut
// short is the client's fault too: 400.
import assert from "node:assert/strict";
import { encodeInferRequest } from "../../core/wire.ts";
import { createHandler } from "../../server/handler.ts";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, randomLatents, startTestServer } from "./server_helpers.ts";

Deno.test("handler: a client that leaves mid-upload is counted as 499, not as a server error", async () => {
  const handler = createHandler({ models: [fakeModel()] });
  const controller = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"inputs":')); // and nothing more: the upload stalls
    },
  });
  const request = new Request("http://127.0.0.1:8000/v2/models/fake/infer", {
    method: "POST",
    body,
    signal: controller.signal,
    headers: { "content-type": "application/json" },
  });
  const pending = handler.handle(request);
  setTimeout(() => controller.abort(), 20);
  const response = await pending;
  assert.equal(response.status, 499, await response.text());
  const metrics = handler.metrics.render({ queueDepth: 0, inFlight: 0 });
  assert.match(metrics, /requests_total\{route="infer",status="499"\} 1/);
  assert.doesNotMatch(metrics, /status="500"/);
});

Deno.test("handler: a client gone while its token is checked is noticed, and the model never runs", async () => {
  const model = fakeModel({ delayMs: 200 });
  const handler = createHandler({ models: [model], token: "s3cret" });
  const { body, headers } = encodeInferRequest(inferRequest(randomLatents(1, 1), 1));
  const controller = new AbortController();
  const request = new Request("http://127.0.0.1/v2/models/fake/infer", {
    method: "POST",
    body,
    headers: { ...headers, authorization: "Bearer s3cret" },
    signal: controller.signal,
  });
  const pending = handler.handle(request);
  controller.abort(); // while authorize() awaits the token's SHA-256, before the abort listener is added
  const response = await pending;
  assert.equal(response.status, 499, (await response.text()).slice(0, 200));
  assert.deepEqual(model.calls, []);
});

/**
 * Sends raw bytes on a fresh connection, a pause after each part (so the server starts on the request
 * before the rest arrives), then ends it: `half` closes only our side and reads the answer.
 */
async function sendRaw(port: number, parts: string[], end: "close" | "half"): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  for (const part of parts) {
    await conn.write(new TextEncoder().encode(part));
    await new Promise((r) => setTimeout(r, 50));
  }
  if (end === "close") {
    conn.close();
    return "";
  }
  await conn.closeWrite();
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  for (let n; (n = await conn.read(buf)) !== null;) chunks.push(buf.slice(0, n));
  conn.close();
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

Deno.test("server: a body cut short, or a connection closed mid-upload, is never counted as 500", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  const port = s.server.addr.port;
  const head = "POST /v2/models/fake/infer HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n";
  const short = `${head}content-length: 100\r\n\r\n{"a":1}`;
  try {
    // Content-Length 100, 7 bytes sent, then our side closed: the body ends early.
    const cut = await sendRaw(port, [short], "half");
    assert.match(cut, /^HTTP\/1\.1 400 /, cut);
    assert.match(cut, /incomplete request body/, cut);
    // A chunked body whose second chunk is malformed.
    const chunked = await sendRaw(port, [
      `${head}transfer-encoding: chunked\r\n\r\n5\r\n{"inp\r\n`,
      "ZZZ\r\n",
    ], "half");
    assert.match(chunked, /^HTTP\/1\.1 400 /, chunked);
    assert.match(chunked, /incomplete request body/, chunked);
    // Content-Length 100, 7 bytes sent, then the connection closed: nobody reads the answer.
    for (let i = 0; i < 5; i++) await sendRaw(port, [short], "close");
    let text = "";
    const infers = () =>
      [...text.matchAll(/requests_total\{route="infer",status="(\d+)"\} (\d+)/g)].reduce(
        (n, m) => n + Number(m[2]),
        0,
      );
    for (let wait = 0; wait < 100 && infers() < 7; wait++) {
      if (wait) await new Promise((r) => setTimeout(r, 20));
      text = await (await fetch(`${s.url}/metrics`)).text();
    }
    assert.equal(infers(), 7, `every request was answered and counted:\n${text}`);
    assert.doesNotMatch(text, /status="5\d\d"/, text);
  } finally {
    await s.close();
  }
});
