// A client that goes away is the client's doing: the handler answers 499 (nginx's "client closed
// request") and counts it so, never as a 500 that a server-error alert would fire on.
import assert from "node:assert/strict";
import { createHandler } from "../../server/handler.ts";
import { fakeModel } from "./fake_model.ts";

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
