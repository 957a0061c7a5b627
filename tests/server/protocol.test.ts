import assert from "node:assert/strict";
import { decodeInferResponse, HEADER_LENGTH_HEADER, parseHeaderLength } from "../../core/wire.ts";
import { decode as decodePng } from "fast-png";
import { fakeImages, fakeModel } from "./fake_model.ts";
import { inferRequest, postInfer, randomLatents, startTestServer } from "./server_helpers.ts";
import { encodeImages } from "../../server/infer.ts";

async function decodeResponse(res: Response) {
  const body = new Uint8Array(await res.arrayBuffer());
  return decodeInferResponse(body, parseHeaderLength(res.headers.get(HEADER_LENGTH_HEADER), body.length));
}

Deno.test("server: health, server metadata, model metadata and model ready answer per the protocol", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    assert.deepEqual(await (await fetch(`${s.url}/v2/health/live`)).json(), { live: true });
    assert.deepEqual(await (await fetch(`${s.url}/v2/health/ready`)).json(), { ready: true });
    const server = await (await fetch(`${s.url}/v2`)).json();
    assert.ok(server.extensions.includes("binary_tensor_data"));
    const meta = await (await fetch(`${s.url}/v2/models/fake`)).json();
    assert.deepEqual(meta.inputs, [
      { name: "latents", datatype: "FP32", shape: [-1, 4, 8, 8] },
      { name: "prompt", datatype: "BYTES", shape: [1] },
    ]);
    assert.deepEqual(meta.outputs, [{ name: "images", datatype: "UINT8", shape: [-1, 16, 16, 4] }]);
    assert.equal(meta.parameters.execution_provider, "cpu");
    const versioned = await (await fetch(`${s.url}/v2/models/fake/versions/1`)).json();
    assert.equal(versioned.name, "fake");
    assert.deepEqual(await (await fetch(`${s.url}/v2/models/fake/ready`)).json(), {
      name: "fake",
      ready: true,
    });
  } finally {
    await s.close();
  }
});

Deno.test("server: infer in JSON form returns UINT8 [N,H,W,4] images as JSON numbers", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    const latents = randomLatents(2, 1);
    const res = await postInfer(s.url, { ...inferRequest(latents, 2, "a cat"), id: "abc" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const out = await decodeResponse(res);
    assert.equal(out.id, "abc");
    assert.equal(out.model_name, "fake");
    assert.deepEqual(out.outputs[0].shape, [2, 16, 16, 4]);
    assert.deepEqual(out.outputs[0].data, fakeImages(latents, 2, "a cat"));
  } finally {
    await s.close();
  }
});

Deno.test("server: infer echoes the request's id, the empty string too, in JSON and binary form", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    const latents = randomLatents(1, 3);
    for (const binary of [false, true]) {
      for (const id of ["abc", "", undefined]) {
        const request = { ...inferRequest(latents, 1), ...(id === undefined ? {} : { id }) };
        const res = await postInfer(s.url, request, { binary });
        assert.equal(res.status, 200);
        const out = await decodeResponse(res);
        const what = `binary ${binary}, id ${JSON.stringify(id)}`;
        if (id === undefined) assert.ok(!("id" in out), `${what}: no id in the answer`);
        else assert.equal(out.id, id, what);
      }
    }
  } finally {
    await s.close();
  }
});

Deno.test("server: a compressed request body is refused 415 naming its encoding; identity is fine", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    const request = inferRequest(randomLatents(1, 1), 1);
    const gzip = await postInfer(s.url, request, { headers: { "content-encoding": "gzip" } });
    assert.equal(gzip.status, 415);
    assert.equal(gzip.headers.get("accept-encoding"), "identity");
    assert.match((await gzip.json()).error, /content encoding "gzip" is not supported/);
    const identity = await postInfer(s.url, request, { headers: { "content-encoding": "identity" } });
    assert.equal(identity.status, 200);
    await identity.body?.cancel();
  } finally {
    await s.close();
  }
});

Deno.test("server: infer in binary form returns raw bytes after the JSON header, unless the output asks for JSON", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    const latents = randomLatents(3, 2);
    const res = await postInfer(s.url, inferRequest(latents, 3, "dog"), { binary: true });
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get(HEADER_LENGTH_HEADER)) > 0);
    const out = await decodeResponse(res);
    assert.equal(out.outputs[0].parameters?.binary_data_size, 3 * 1024);
    assert.deepEqual(out.outputs[0].data, fakeImages(latents, 3, "dog"));
    // The output's own binary_data: false wins over the request's binary_data_output: true.
    const json = await postInfer(s.url, {
      ...inferRequest(latents, 3, "dog"),
      outputs: [{ name: "images", parameters: { binary_data: false } }],
    }, { binary: true });
    assert.equal(json.status, 200);
    assert.equal(json.headers.get("content-type"), "application/json");
    assert.equal(json.headers.get(HEADER_LENGTH_HEADER), null);
    const asJson = await decodeResponse(json);
    assert.equal(asJson.outputs[0].parameters?.binary_data_size, undefined);
    assert.deepEqual(asJson.outputs[0].data, fakeImages(latents, 3, "dog"));
  } finally {
    await s.close();
  }
});

Deno.test("server: PNG images are encoded one per task, so the server answers others meanwhile", async () => {
  const model = fakeModel();
  const images = Array.from(
    { length: 4 },
    () => ({ width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4) }),
  );
  const parsed = { latents: [], prompt: "x", format: "png" as const, binary: true };
  let ranBetween = false;
  setTimeout(() => void (ranBetween = true), 0);
  const encoding = encodeImages(model, parsed, images);
  assert.equal(ranBetween, false);
  const { body } = await encoding;
  assert.ok(ranBetween, "no other task ran while the PNGs were encoded");
  assert.ok(body.length > 0);
});

Deno.test("server: infer with image_format png returns PNG BYTES, binary and base64 JSON", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    const latents = randomLatents(2, 3);
    const want = fakeImages(latents, 2, "x");
    for (const binary of [true, false]) {
      const req = {
        ...inferRequest(latents, 2, "x"),
        outputs: [{ name: "images", parameters: { image_format: "png" } }],
      };
      const out = await decodeResponse(await postInfer(s.url, req, { binary }));
      assert.equal(out.outputs[0].datatype, "BYTES");
      assert.deepEqual(out.outputs[0].shape, [2]);
      const elements = out.outputs[0].data as Uint8Array[];
      for (let i = 0; i < 2; i++) {
        const png = binary
          ? elements[i]
          : Uint8Array.from(atob(new TextDecoder().decode(elements[i])), (c) => c.charCodeAt(0));
        const img = decodePng(png);
        assert.equal(img.width, 16);
        assert.deepEqual(
          new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength),
          want.subarray(i * 1024, (i + 1) * 1024),
        );
      }
    }
  } finally {
    await s.close();
  }
});

Deno.test("server: /metrics speaks Prometheus text with requests by status and batch sizes", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    await (await postInfer(s.url, inferRequest(randomLatents(1, 4), 1))).arrayBuffer();
    await (await fetch(`${s.url}/v2/models/nope`)).arrayBuffer();
    const res = await fetch(`${s.url}/metrics`);
    assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /# TYPE latent_evolver_requests_total counter/);
    assert.match(text, /latent_evolver_requests_total\{route="infer",status="200"\} 1/);
    assert.match(text, /latent_evolver_requests_total\{route="model",status="404"\} 1/);
    assert.match(text, /latent_evolver_batch_size_count 1/);
    assert.match(text, /latent_evolver_queue_depth 0/);
    assert.match(text, /latent_evolver_infer_duration_seconds_bucket\{le="\+Inf"\} 1/);
  } finally {
    await s.close();
  }
});

Deno.test("server: a chunked body over the limit is refused while streaming, before it is buffered", async () => {
  const s = startTestServer({ models: [fakeModel()], maxBodyBytes: 4096 });
  try {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // A body with no Content-Length that would go on for 64 MiB if the server kept reading.
        if (sent >= 64 << 20) return controller.close();
        sent += 1024;
        controller.enqueue(new Uint8Array(1024).fill(32));
      },
    });
    const res = await fetch(`${s.url}/v2/models/fake/infer`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 413);
    assert.match((await res.json()).error, /over the limit of 4096 bytes/);
    assert.ok(sent < 8 << 20, `the client pushed ${sent} bytes`);
  } finally {
    await s.close();
  }
});

Deno.test("server: draining turns ready false and answers new infer requests 503", async () => {
  const s = startTestServer({ models: [fakeModel()], retryAfterSeconds: 3 });
  try {
    s.handler.drain();
    const ready = await fetch(`${s.url}/v2/health/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { ready: false });
    const res = await postInfer(s.url, inferRequest(randomLatents(1, 1), 1));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "3");
    assert.match((await res.json()).error, /shutting down/);
  } finally {
    await s.close();
  }
});

Deno.test("server: an upload slower than the request timeout is answered 408", async () => {
  const s = startTestServer({ models: [fakeModel()], requestTimeoutMs: 100 });
  try {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (pulls++ === 0) return controller.enqueue(new TextEncoder().encode('{"inputs":'));
        await new Promise((r) => setTimeout(r, 400));
        controller.close();
      },
    });
    const res = await fetch(`${s.url}/v2/models/fake/infer`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 408);
    assert.match((await res.json()).error, /not received within 100 ms/);
    await new Promise((r) => setTimeout(r, 450));
  } finally {
    await s.close();
  }
});
