// onnxruntime-web's wasm as the worker reads it (component/backends/ort-wasm.ts), with a fake site
// behind fetch: one download progress over it and the model, whose total is right from the start
// (whatever Content-Length says), one download per worker, and clear errors.
// tests/component/loading.test.ts covers the element.
import assert from "node:assert/strict";
import { loadOrtWasm, loadWithOrtWasm, ortRuntimes } from "../../component/backends/ort-wasm.ts";

const runtime = ortRuntimes.wasm;
const wasm = new Uint8Array(runtime.wasmBytes).map((_, i) => i & 255);
let sites = 0;
/** A site of its own for each test: the worker keeps the wasm it read by URL. */
const newBase = () => `https://cdn${sites++}.test/le/`;

/** A response streaming `bytes` in chunks of 1 MiB, as a network does; `onChunk` before each. */
function chunked(bytes: Uint8Array, headers: HeadersInit = {}, onChunk?: (i: number) => void): Response {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      onChunk?.(at / 2 ** 20);
      controller.enqueue(bytes.slice(at, at += 2 ** 20));
    },
  });
  return new Response(body, { headers });
}

/**
 * Answers fetch with `answers`, one per request in turn, while `f` runs; returns each request as
 * `url cache-mode`.
 */
async function serving<T>(answers: (() => Response)[], f: () => Promise<T>) {
  const original = globalThis.fetch;
  const requests: string[] = [];
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(`${input} ${init?.cache ?? "default"}`);
    const answer = answers[requests.length - 1];
    return Promise.resolve(answer ? answer() : new Response("", { status: 404 }));
  };
  try {
    return { value: await f(), requests };
  } finally {
    globalThis.fetch = original;
  }
}

for (const [backend, { wasm, wasmBytes, glue }] of Object.entries(ortRuntimes)) {
  Deno.test(`ortRuntimes.${backend} names files of onnxruntime-web that the build ships, and its wasm's size (update it with onnxruntime-web)`, async () => {
    const dist = new URL("../../node_modules/onnxruntime-web/dist/", import.meta.url);
    assert.equal(wasmBytes, (await Deno.stat(new URL(wasm, dist))).size);
    assert.ok((await Deno.stat(new URL(glue, dist))).isFile, `no ${glue}`);
  });
}

Deno.test("loadWithOrtWasm() reports one progress over the wasm and the model, its total known from the start", async () => {
  const model = 300_000;
  const reports: [number, number][] = [];
  // Content-Length of the brotli, as a response from another origin gives it (its Content-Encoding hidden).
  const headers = { "content-length": "4800000" };
  // The model's files report as core/model-files.ts does, while the wasm downloads: their total
  // first heard after 3 chunks of the wasm, their bytes as they come.
  const modelAt: Record<number, number> = { 3: 0, 6: 100_000, 10: model };
  let onModelProgress = (_l: number, _t: number) => {};
  const answer = () => chunked(wasm, headers, (i) => i in modelAt && onModelProgress(modelAt[i], model));
  const { value } = await serving([answer], async () => {
    const read = loadWithOrtWasm(runtime, newBase(), (l, t) => reports.push([l, t]));
    onModelProgress = read.onModelProgress;
    return await read.wasm;
  });
  assert.equal(value.length, runtime.wasmBytes);
  const total = runtime.wasmBytes + model;
  assert.ok(reports.length > 10, JSON.stringify(reports));
  assert.ok(reports.every(([, t]) => t === total), `the total changed: ${JSON.stringify(reports)}`);
  assert.ok(reports.every(([l], i) => i === 0 || l >= reports[i - 1][0]), "the bytes read went back");
  assert.deepEqual(reports.at(-1), [total, total]);
});

Deno.test("loadOrtWasm() downloads once per worker, and again after a download that failed", async () => {
  const base = newBase();
  const url = base + runtime.wasm;
  const failed = await serving([() => new Response("", { status: 503 })], () =>
    assert.rejects(
      loadOrtWasm(runtime, base),
      new RegExp(
        `^TypeError: Cannot load onnxruntime's wasm \\(${
          url.replaceAll(".", "\\.")
        }\\): Cannot download it: HTTP 503`,
      ),
    ));
  assert.equal(failed.requests.length, 1);
  const { value, requests } = await serving([() => new Response(wasm)], async () => {
    await loadOrtWasm(runtime, base);
    // The wasm backend started again: the same bytes, the bar at its end at once.
    const reports: [number, number][] = [];
    const second = loadWithOrtWasm(runtime, base, (l, t) => reports.push([l, t]));
    second.onModelProgress(0, 100);
    second.onModelProgress(100, 100);
    await second.wasm;
    return reports.at(-1);
  });
  assert.deepEqual(requests, [`${url} default`]);
  assert.deepEqual(value, [runtime.wasmBytes + 100, runtime.wasmBytes + 100]);
});

Deno.test("loadOrtWasm() reads a wasm of another size again past the HTTP cache, and else says the build differs", async () => {
  const base = newBase();
  const url = base + runtime.wasm;
  const stale = () => new Response(new Uint8Array(1000));
  const { value, requests } = await serving(
    [stale, () => new Response(wasm)],
    () => loadOrtWasm(runtime, base),
  );
  assert.equal(value.length, runtime.wasmBytes);
  assert.deepEqual(requests, [`${url} default`, `${url} reload`]);

  await serving([stale, stale], () =>
    assert.rejects(
      loadOrtWasm(runtime, newBase()),
      /Cannot load onnxruntime's wasm \(.*\/ort-wasm-simd-threaded\.wasm\): Cannot use it: it is 1000 bytes, where the wasm of the onnxruntime-web this bundle is built with is 14239897 \(serve the wasm of the same build as latent-evolver\.worker\.js\)/,
    ));
});
