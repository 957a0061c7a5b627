// The server's own faults (a model's wrong images, a bug past decoding) are 500 and logged: a 4xx
// would tell the client to change a request that was fine, and hide the fault from 5xx alerts.
import assert from "node:assert/strict";
import { encodeInferRequest } from "../../core/wire.ts";
import { createHandler } from "../../server/handler.ts";
import type { RgbaImage } from "../../server/model.ts";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, randomLatents } from "./server_helpers.ts";

function inferOf(n: number, png = false): Request {
  const req = inferRequest(randomLatents(n, 1), n);
  if (png) req.outputs = [{ name: "images", parameters: { image_format: "png" } }];
  const { body, headers } = encodeInferRequest(req, { binary: true, binaryOutputs: true });
  return new Request("http://127.0.0.1/v2/models/fake/infer", { method: "POST", body, headers });
}

Deno.test("handler: images a model gets wrong are answered 500 and logged, never 400", async () => {
  const wrong: [string, (images: RgbaImage[]) => RgbaImage[]][] = [
    // Larger than the first: copying it into the batch's tensor threw a RangeError (answered 400).
    [
      "a larger second image",
      (ims) => [ims[0], { ...ims[1], width: 32, data: new Uint8ClampedArray(32 * 16 * 4) }],
    ],
    // Smaller: copied without complaint, leaving zeros in the answer.
    ["a smaller second image", (ims) => [ims[0], { ...ims[1], data: ims[1].data.subarray(4) }]],
    // No image at all: a TypeError in the server's own code (was answered 400).
    ["no image", (ims) => [ims[0], undefined as unknown as RgbaImage]],
  ];
  for (const [what, spoil] of wrong) {
    for (const png of [false, true]) {
      const model = fakeModel();
      const generate = model.generate;
      model.generate = async (...args) => spoil(await generate(...args));
      const logged: unknown[] = [];
      const { handle, metrics } = createHandler({ models: [model], onError: (e) => logged.push(e) });
      const res = await handle(inferOf(2, png));
      const label = `${what}${png ? " (png)" : ""}`;
      const { error } = await res.json();
      assert.equal(res.status, 500, `${label}: ${error}`);
      assert.match(error, /^Internal error: /, label);
      assert.equal(logged.length, 1, label);
      assert.match(metrics.render({ queueDepth: 0, inFlight: 0 }), /status="500"\} 1/, label);
    }
  }
});

Deno.test("handler: a bad request is still 400, and not logged as a server error", async () => {
  const logged: unknown[] = [];
  const { handle } = createHandler({ models: [fakeModel()], onError: (e) => logged.push(e) });
  const res = await handle(
    new Request("http://127.0.0.1/v2/models/fake/infer", {
      method: "POST",
      body: "{inputs:",
      headers: { "content-type": "application/json" },
    }),
  );
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /malformed JSON/);
  assert.deepEqual(logged, []);
});

Deno.test("handler: two models under one name are refused at start, naming it (one would hide the other)", () => {
  const a = fakeModel(), b = { ...fakeModel(), executionProvider: "other" };
  assert.throws(() => createHandler({ models: [a, b] }), /two models named "fake"/);
});
