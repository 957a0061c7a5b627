import assert from "node:assert/strict";
import {
  decodeInferResponse,
  encodeInferRequest,
  HEADER_LENGTH_HEADER,
  parseHeaderLength,
} from "../../core/wire.ts";
import { createHandler } from "../../server/handler.ts";
import { fakeImages, fakeModel } from "./fake_model.ts";
import { inferRequest, metricValue, postInfer, randomLatents, startTestServer } from "./server_helpers.ts";

async function images(res: Response): Promise<Uint8Array> {
  assert.equal(res.status, 200);
  const body = new Uint8Array(await res.arrayBuffer());
  const out = decodeInferResponse(
    body,
    parseHeaderLength(res.headers.get(HEADER_LENGTH_HEADER), body.length),
  );
  return out.outputs[0].data as Uint8Array;
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

Deno.test("server: concurrent requests with one prompt merge into batches, each gets its own images", async () => {
  const model = fakeModel({ delayMs: 20 });
  const batched = startTestServer({ models: [model], windowMs: 30, maxBatch: 16 });
  const plainModel = fakeModel();
  const plain = startTestServer({ models: [plainModel], batching: false });
  try {
    const sizes = [1, 2, 3, 1, 2, 4, 1, 2];
    const reqs = sizes.map((n, i) => inferRequest(randomLatents(n, 100 + i), n, "same prompt"));
    const together = await Promise.all(
      reqs.map(async (r, i) => images(await postInfer(batched.url, r, { binary: i % 2 === 0 }))),
    );
    const alone = [];
    for (const r of reqs) alone.push(await images(await postInfer(plain.url, r, { binary: true })));
    for (let i = 0; i < reqs.length; i++) assert.deepEqual(together[i], alone[i], `request ${i}`);
    assert.ok(model.calls.length < reqs.length, `batched calls ${model.calls}`);
    assert.equal(model.calls.reduce((a, b) => a + b, 0), 16);
    assert.deepEqual(plainModel.calls, sizes);
    const batches = await metricValue(batched.url, "latent_evolver_batch_requests_count");
    const merged = await metricValue(batched.url, "latent_evolver_batch_requests_sum");
    assert.equal(batches, model.calls.length);
    assert.equal(merged, reqs.length);
    assert.ok(merged > batches);
  } finally {
    await batched.close();
    await plain.close();
  }
});

Deno.test("server: a merged batch never holds more than maxBatch latents; a request that does not fit waits", async () => {
  const model = fakeModel({ hold: true });
  const s = startTestServer({ models: [model], maxBatch: 4 });
  const post = (n: number, seed: number) => {
    const latents = randomLatents(n, seed);
    const answer = postInfer(s.url, inferRequest(latents, n, "p"), { binary: true }).then(images);
    return { answer, want: fakeImages(latents, n, "p") };
  };
  try {
    const sent = [post(1, 1)];
    await waitFor(() => model.calls.length === 1, "the first batch to start");
    // Queued in this order while it runs: 2 + 3 is over 4, so the 3 waits and the last 2 joins the first.
    let depth = 0;
    for (const [i, n] of [2, 3, 2].entries()) {
      sent.push(post(n, 10 + i));
      depth += n;
      await waitFor(() => s.handler.batcher.depth === depth, `request ${i + 1} to queue`);
    }
    model.holding = false;
    model.release();
    for (const [i, { answer, want }] of sent.entries()) assert.deepEqual(await answer, want, `request ${i}`);
    assert.ok(model.calls.every((n) => n <= 4), `a batch over maxBatch 4: ${model.calls}`);
    assert.deepEqual(model.calls, [1, 4, 3]);
  } finally {
    await s.close();
  }
});

Deno.test("handler: one client leaving a merged batch cancels only its own request; the batch runs on for the rest", async () => {
  const model = fakeModel({ hold: true });
  const { handle, batcher } = createHandler({ models: [model] });
  const post = (latents: Float32Array, n: number, signal?: AbortSignal) =>
    handle(
      new Request("http://127.0.0.1/v2/models/fake/infer", {
        method: "POST",
        ...encodeInferRequest(inferRequest(latents, n, "p"), { binary: true, binaryOutputs: true }),
        signal,
      }),
    );
  const first = post(randomLatents(1, 1), 1);
  await waitFor(() => model.calls.length === 1, "the first batch to start");
  const leaves = new AbortController();
  const leaving = post(randomLatents(1, 2), 1, leaves.signal);
  const kept = randomLatents(2, 3);
  const staying = post(kept, 2);
  await waitFor(() => batcher.depth === 3, "both requests to queue");
  model.release();
  await waitFor(() => model.calls.length === 2, "the merged batch to start");
  leaves.abort();
  assert.equal((await leaving).status, 499);
  assert.equal(model.aborted, 0, "the merged batch was cancelled though a client still waited for it");
  model.release();
  assert.deepEqual(await images(await staying), fakeImages(kept, 2, "p"));
  assert.deepEqual(model.calls, [1, 3]);
  await images(await first);
});

Deno.test("server: only latents with the first request's prompt count toward starting a full batch early", async () => {
  const model = fakeModel();
  // A window no test waits out: only a full batch starts before it ends.
  const s = startTestServer({ models: [model], windowMs: 60_000, maxBatch: 2 });
  const post = (prompt: string, seed: number) => {
    const latents = randomLatents(1, seed);
    const answer = postInfer(s.url, inferRequest(latents, 1, prompt), { binary: true }).then(images);
    return { answer, want: fakeImages(latents, 1, prompt) };
  };
  try {
    const sent = [post("a", 1)];
    await waitFor(() => s.handler.batcher.active === 1, "the first request to queue");
    sent.push(post("b", 2));
    // Queued, or (had it wrongly filled a batch) run.
    await waitFor(() => s.handler.batcher.active === 2 || model.calls.length > 0, "the second request");
    assert.deepEqual(model.calls, [], "one latent of each of two prompts started a batch of 2");
    sent.push(post("a", 3)); // two of prompt "a": full, so it starts; "b" follows at once
    for (const [i, { answer, want }] of sent.entries()) assert.deepEqual(await answer, want, `request ${i}`);
    assert.deepEqual(model.calls, [2, 1]);
  } finally {
    await s.close();
  }
});

Deno.test("server: a model with several instances runs that many batches at once, never more", async () => {
  for (const [concurrency, batching] of [[1, true], [2, false], [2, true], [3, true]] as const) {
    const model = fakeModel({ delayMs: 40, concurrency });
    const s = startTestServer({ models: [model], batching, maxBatch: 2 });
    try {
      const reqs = Array.from({ length: 8 }, (_, i) => inferRequest(randomLatents(1, 300 + i), 1, "p"));
      const got = await Promise.all(
        reqs.map(async (r) => images(await postInfer(s.url, r, { binary: true }))),
      );
      assert.equal(got.length, 8);
      assert.equal(model.peakRunning, concurrency, `concurrency ${concurrency}, batching ${batching}`);
      assert.equal(model.calls.reduce((a, b) => a + b, 0), 8);
      if (!batching) assert.deepEqual(model.calls, Array(8).fill(1));
    } finally {
      await s.close();
    }
  }
});

Deno.test("server: a full batch does not wait out the window, and the window's end starts every free instance", async () => {
  const model = fakeModel({ delayMs: 10, concurrency: 2 });
  const s = startTestServer({ models: [model], windowMs: 2000, maxBatch: 4 });
  try {
    const post = (prompt: string, seed: number) =>
      postInfer(s.url, inferRequest(randomLatents(1, seed), 1, prompt), { binary: true }).then(images);
    let t = performance.now();
    await Promise.all([1, 2, 3, 4].map((i) => post("p", i)));
    const full = performance.now() - t;
    assert.ok(full < 1000, `a full batch of 4 waited ${full} ms of the 2000 ms window`);
    // Two prompts wait together; when the window ends both start, one per instance.
    model.peakRunning = 0;
    t = performance.now();
    await Promise.all([post("a", 5), post("b", 6)]);
    const two = performance.now() - t;
    assert.equal(model.peakRunning, 2, "the window's end started one batch only");
    assert.ok(two < 3000, `two prompts took ${two} ms`);
  } finally {
    await s.close();
  }
});

Deno.test("server: a model served under a second name shares its batches and its instance", async () => {
  const model = fakeModel({ delayMs: 30 });
  const s = startTestServer({ models: [model, { ...model, name: "alias" }], windowMs: 20, maxBatch: 8 });
  try {
    const post = (name: string, seed: number) =>
      fetch(`${s.url}/v2/models/${name}/infer`, {
        method: "POST",
        ...encodeInferRequest(inferRequest(randomLatents(1, seed), 1, "p"), { binary: true }),
      }).then(images);
    await Promise.all([post("fake", 1), post("alias", 2), post("fake", 3), post("alias", 4)]);
    assert.equal(model.calls.reduce((a, b) => a + b, 0), 4);
    assert.ok(model.calls.length < 4, `the two names never merged: batches ${model.calls}`);
    assert.equal(model.peakRunning, 1, "the second name ran a batch beside the first on one instance");
  } finally {
    await s.close();
  }
});

Deno.test("server: requests with different prompts are never merged", async () => {
  const model = fakeModel({ delayMs: 5 });
  const s = startTestServer({ models: [model], windowMs: 30 });
  try {
    const prompts = ["a", "b", "a", "b"];
    await Promise.all(
      prompts.map(async (p, i) => images(await postInfer(s.url, inferRequest(randomLatents(1, i), 1, p)))),
    );
    assert.equal(model.calls.length, 2);
    assert.deepEqual(model.calls, [2, 2]);
  } finally {
    await s.close();
  }
});

Deno.test("server: a full queue answers 503 with Retry-After and recovers", async () => {
  const model = fakeModel({ delayMs: 150 });
  const s = startTestServer({ models: [model], windowMs: 0, maxQueue: 4, maxBatch: 2, retryAfterSeconds: 2 });
  try {
    const first = postInfer(s.url, inferRequest(randomLatents(2, 1), 2, "p0"));
    await waitFor(() => model.calls.length === 1, "the first batch to start");
    const queued = [
      postInfer(s.url, inferRequest(randomLatents(2, 2), 2, "p1")),
      postInfer(s.url, inferRequest(randomLatents(2, 3), 2, "p2")),
    ];
    await waitFor(() => s.handler.batcher.depth === 4, "the queue to fill");
    const refused = await postInfer(s.url, inferRequest(randomLatents(1, 4), 1, "p3"));
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "2");
    assert.match((await refused.json()).error, /4 of 4 queued latents/);
    for (const r of [first, ...queued]) await images(await r);
    assert.equal(await metricValue(s.url, "latent_evolver_queue_depth"), 0);
    await images(await postInfer(s.url, inferRequest(randomLatents(1, 5), 1, "p3")));
  } finally {
    await s.close();
  }
});

Deno.test("server: a request larger than the whole queue is refused 400, not told to retry", async () => {
  // parseConfig refuses --max-queue below --max-batch; a handler built so still never says "retry".
  const s = startTestServer({ models: [fakeModel()], maxQueue: 4, maxBatch: 8 });
  try {
    const res = await postInfer(s.url, inferRequest(randomLatents(6, 1), 6));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("retry-after"), null);
    assert.match((await res.json()).error, /6 latents is over the queue limit of 4/);
    await images(await postInfer(s.url, inferRequest(randomLatents(4, 1), 4)));
  } finally {
    await s.close();
  }
});

// Deno.serve notices a closed connection during the request phase only while the request is small
// (under about 470 bytes on Deno 2.9; larger ones are noticed when the response is written), so this
// uses a tiny model whose requests fit. The batcher's part is the same for any size.
Deno.test("server: a client that disconnects cancels its work, queued or running", async () => {
  const shape = [1, 1, 2] as const;
  const model = fakeModel({ delayMs: 400, shape });
  const s = startTestServer({ models: [model], windowMs: 0 });
  const tiny = (seed: number, prompt: string) =>
    inferRequest(randomLatents(1, seed, [...shape]), 1, prompt, [...shape]);
  try {
    const running = new AbortController();
    const p1 = postInfer(s.url, tiny(1, "a"), { binary: true, signal: running.signal }).catch((e) => e);
    await waitFor(() => model.calls.length === 1, "the batch to start");
    const queued = new AbortController();
    const p2 = postInfer(s.url, tiny(2, "b"), { binary: true, signal: queued.signal }).catch((e) => e);
    await waitFor(() => s.handler.batcher.depth === 1, "the second request to queue");
    queued.abort();
    await waitFor(
      () => s.handler.batcher.depth === 0 && s.handler.batcher.active === 1,
      "the queued request to leave",
    );
    running.abort();
    await waitFor(() => model.aborted === 1, "the running batch to be cancelled");
    assert.ok((await p1) instanceof Error);
    assert.ok((await p2) instanceof Error);
    await waitFor(() => s.handler.batcher.active === 0, "nothing in flight");
    assert.deepEqual(model.calls, [1]);
  } finally {
    await s.close();
  }
});

Deno.test("server: a request over the timeout is cancelled and answered 504", async () => {
  const model = fakeModel({ delayMs: 400 });
  const s = startTestServer({ models: [model], windowMs: 0, requestTimeoutMs: 50 });
  try {
    const res = await postInfer(s.url, inferRequest(randomLatents(1, 1), 1));
    assert.equal(res.status, 504);
    assert.match((await res.json()).error, /timed out after 50 ms/);
    await waitFor(() => model.aborted === 1, "the model call to be cancelled");
  } finally {
    await s.close();
  }
});
