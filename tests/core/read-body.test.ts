import assert from "node:assert/strict";
import { decodedLength, readBody } from "../../core/read-body.ts";
import { fetchFile } from "../../core/pipeline.ts";
import { gzipSync } from "node:zlib";

/** A stream of the given chunks, recording whether the reader cancelled it. */
function chunked(chunks: number[][]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let i = 0, cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(new Uint8Array(chunks[i++]));
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

Deno.test("readBody() joins the chunks in order and reports the bytes read after each", async () => {
  const seen: number[] = [];
  const bytes = await readBody(chunked([[1, 2], [3], [4, 5, 6]]).stream, { onProgress: (n) => seen.push(n) });
  assert.deepEqual([...bytes], [1, 2, 3, 4, 5, 6]);
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, 6);
  assert.deepEqual(seen, [2, 3, 6]);
  assert.equal((await readBody(chunked([]).stream)).length, 0);
});

Deno.test("readBody() refuses a stream past its limit with the caller's error, and cancels it", async () => {
  const { stream, cancelled } = chunked([[1, 2], [3, 4], [5, 6], [7, 8]]);
  class TooBig extends Error {}
  await assert.rejects(readBody(stream, { limit: 5, tooLarge: (n) => new TooBig(`limit ${n}`) }), TooBig);
  assert.ok(cancelled());
  await assert.rejects(
    readBody(chunked([[1, 2, 3]]).stream, { limit: 2 }),
    /Cannot read body: over the limit of 2/,
  );
  assert.equal((await readBody(chunked([[1, 2], [3]]).stream, { limit: 3 })).length, 3);
});

Deno.test("readBody() rejects with the signal's reason and cancels the stream when aborted", async () => {
  const controller = new AbortController();
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array([1]));
    },
    cancel() {
      cancelled = true;
    },
  });
  const reading = readBody(stream, {
    signal: controller.signal,
    onProgress: () => controller.abort(new Error("slow")),
  });
  await assert.rejects(reading, /slow/);
  assert.ok(cancelled);
});

Deno.test("readBody() rejects at once, and cancels the stream, when the signal was aborted before", async () => {
  let cancelled = false;
  // A stream that never sends: an abort event that already fired would leave the read waiting for ever.
  const stream = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
  await assert.rejects(readBody(stream, { signal: AbortSignal.abort(new Error("gone")) }), /gone/);
  assert.ok(cancelled);
});

Deno.test("fetchFile() reports progress against the decoded size: a compressed body has no known total", async () => {
  const bytes = new Uint8Array(200_000).map((_, i) => i % 7);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response(gzipSync(bytes), {
        headers: { "content-encoding": "gzip", "content-type": "application/octet-stream" },
      }),
  );
  try {
    const seen: [number, number][] = [];
    const got = await fetchFile(`http://127.0.0.1:${server.addr.port}/`, (l, t) => seen.push([l, t]));
    assert.equal(got.length, bytes.length);
    // Content-Length was the compressed size; against it, progress went far past 100%.
    assert.ok(seen.length > 0 && seen.every(([l, t]) => t === 0 || l <= t), JSON.stringify(seen.slice(-3)));
  } finally {
    await server.shutdown();
  }
  assert.equal(decodedLength(new Response("hello", { headers: { "content-length": "5" } })), 5);
  assert.equal(
    decodedLength(new Response("x", { headers: { "content-length": "1", "content-encoding": "identity" } })),
    1,
  );
  assert.equal(
    decodedLength(new Response("x", { headers: { "content-length": "1", "content-encoding": "br" } })),
    0,
  );
});
