// End-to-end with the real built-in model on onnxruntime-node (CPU here): batching must not change a
// single bit of any client's images, and SIGTERM must let in-flight work finish.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { decodeInferResponse, HEADER_LENGTH_HEADER, parseHeaderLength } from "../../core/wire.ts";
import { loadModel } from "../../server/load.ts";
import {
  inferRequest,
  metricValue,
  postInfer,
  randomLatents,
  spawnServer,
  startTestServer,
} from "./server_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifestPath = `${root}models/builtin/manifest.json`;
const SHAPE = [4, 32, 32];

async function images(res: Response): Promise<Uint8Array> {
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(res.status, 200, new TextDecoder().decode(body.subarray(0, 200)));
  return decodeInferResponse(body, parseHeaderLength(res.headers.get(HEADER_LENGTH_HEADER), body.length))
    .outputs[0]
    .data as Uint8Array;
}

Deno.test("server + built-in model: batched runs are bit-identical to core/pipeline's one-by-one runs", async () => {
  const loaded = await loadModel(manifestPath, ort, ["cpu"], "batched");
  const reference = await loadModel(manifestPath, ort, ["cpu"], "pipeline");
  const model = loaded.model;
  assert.equal(model.executionProvider, "cpu");
  const batched = startTestServer({ models: [model], windowMs: 40, maxBatch: 16 });
  const plain = startTestServer({ models: [reference.model], batching: false });
  try {
    const sizes = [1, 2, 1, 1, 2, 1];
    const reqs = sizes.map((n, i) =>
      inferRequest(randomLatents(n, 500 + i, SHAPE), n, "misty fjord at dawn", SHAPE)
    );
    const opts = { binary: true, model: model.name };
    const together = await Promise.all(reqs.map(async (r) => images(await postInfer(batched.url, r, opts))));
    for (let i = 0; i < reqs.length; i++) {
      const alone = await images(await postInfer(plain.url, reqs[i], opts));
      assert.equal(together[i].length, sizes[i] * 256 * 256 * 4);
      assert.deepEqual(together[i], alone, `request ${i}`);
    }
    const batches = await metricValue(batched.url, "latent_evolver_batch_requests_count");
    assert.equal(await metricValue(batched.url, "latent_evolver_batch_requests_sum"), reqs.length);
    assert.ok(batches < reqs.length, `${reqs.length} requests ran as ${batches} batches`);
    // Different prompts give different images: the prompt reaches the model.
    const other = await images(
      await postInfer(plain.url, {
        ...reqs[0],
        inputs: [reqs[0].inputs[0], { ...reqs[0].inputs[1], data: [new TextEncoder().encode("night")] }],
      }, opts),
    );
    assert.notDeepEqual(other, together[0]);
  } finally {
    await batched.close();
    await plain.close();
    await loaded.dispose();
    await reference.dispose();
  }
});

Deno.test("server main: SIGTERM stops accepting, finishes in-flight work and exits 0", async () => {
  const server = await spawnServer(Deno.execPath(), [
    "run",
    "-A",
    "--unstable-no-legacy-abort",
    `${root}server/main.ts`,
    "--port",
    "0",
    "--static",
    "",
  ], root);
  try {
    const n = 6;
    const inflight = postInfer(server.url, inferRequest(randomLatents(n, 7, SHAPE), n, "desert", SHAPE), {
      binary: true,
      model: "builtin",
    });
    for (let i = 0; i < 300 && (await metricValue(server.url, "latent_evolver_inflight_requests")) < 1; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const stopping = server.stop("SIGTERM");
    const out = await images(await inflight);
    assert.equal(out.length, n * 256 * 256 * 4);
    const status = await stopping;
    assert.equal(status.code, 0, status.output);
    assert.ok(server.lines.some((l) => l.includes('"msg":"shutting down')), status.output);
    assert.ok(server.lines.some((l) => l.includes('"msg":"stopped"')), status.output);
    await assert.rejects(fetch(`${server.url}/v2/health/live`));
  } finally {
    await server.kill();
  }
});

Deno.test("server main: a SIGTERM sent as soon as it says it listens still stops it gracefully", async () => {
  // It listens for signals before it says so: before, 3 starts in 10 here died of the signal (143).
  for (let i = 0; i < 5; i++) {
    const server = await spawnServer(Deno.execPath(), [
      ...["run", "-A", "--unstable-no-legacy-abort", `${root}server/main.ts`],
      ...["--port", "0", "--static", "", "--providers", "cpu"],
    ], root);
    try {
      const status = await server.stop("SIGTERM");
      assert.equal(status.code, 0, status.output);
    } finally {
      await server.kill();
    }
  }
});

Deno.test("server main: a provider that fails is logged once per model, naming it", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  // Two models, the first also answering to its folder's name: an alias of the same load, not a model.
  const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  for (const [folder, name] of [["first", "first-model"], ["second", "second"]]) {
    await Deno.mkdir(`${dir}/${folder}`);
    await Deno.copyFile(`${root}models/builtin/model.onnx`, `${dir}/${folder}/model.onnx`);
    await Deno.writeTextFile(`${dir}/${folder}/manifest.json`, JSON.stringify({ ...manifest, name }));
  }
  // TensorRT fails to load everywhere here: its libraries are never installed with onnxruntime-node,
  // and builds other than Linux x64 and Windows have none. So it fails as a missing GPU would.
  const server = await spawnServer(Deno.execPath(), [
    "run",
    "-A",
    "--unstable-no-legacy-abort",
    `${root}server/main.ts`,
    ...["--port", "0", "--static", "", "--models", dir, "--providers", "tensorrt,cpu"],
  ], root);
  try {
    const failed = server.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
      .filter((r) => r.msg.includes("could not load"));
    assert.deepEqual(failed.map((r) => [r.level, r.provider, r.model, r.dir]), [
      ["info", "tensorrt", "first-model", `${dir}/first`],
      ["info", "tensorrt", "second", `${dir}/second`],
    ], server.lines.join("\n"));
    assert.equal(
      failed[1].msg,
      'tensorrt: could not load model "second", so it runs on cpu (its errors above are harmless)',
    );
    const status = await server.stop("SIGTERM");
    assert.equal(status.code, 0, status.output);
  } finally {
    await server.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server main: a --providers list naming no onnxruntime-node provider (a typo) stops the start, naming it", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}server/main.ts`, "--port", "0", "--static", "", "--providers", "cdua,cpu"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000), // a server that started would never exit
  }).output();
  const lines = new TextDecoder().decode(stderr).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(code, 2);
  assert.equal(lines.length, 1, JSON.stringify(lines));
  assert.equal(lines[0].level, "error");
  assert.match(
    lines[0].msg,
    /^Cannot use --providers: "cdua" is not an onnxruntime-node execution provider \(those are cpu, /,
  );
});
