// The server backend's client against a fake server on a loopback port, written on the raw socket so
// that it can do what a real server or the network does to the client: turn it away with 503 and
// Retry-After, reset the connection, never answer, cut its answer off, answer without the header a
// proxy hid, or with the wrong images. Waits go through a fake clock that records them.
import assert from "node:assert/strict";
import { createServerBackend, type ServerClientOptions } from "../../component/backends/server.ts";
import { parseRetryAfter, sleep } from "../../component/backends/server-http.ts";
import type { BackendContext } from "../../component/backends/types.ts";
import { createRng, parseManifest, randomLatent } from "../../core/mod.ts";
import { encodeInferResponse, HEADER_LENGTH_HEADER } from "../../core/wire.ts";
import { unreachableOrigin } from "../../component/worker/protocol.ts";

/** A small model: 4x2-pixel images (wider than high, so that a swap of the two is seen). */
const manifest = parseManifest({
  name: "tiny",
  kind: "decoder",
  latentShape: [4, 2, 2],
  imageSize: [4, 2],
  files: { decoder: { path: "model.onnx", dtype: "float32" } },
}, "http://models.test/tiny/manifest.json");
const latent = randomLatent(manifest.latentShape, createRng(3));
const utf8 = new TextEncoder();

/** What the fake server does with one request: `n` counts the infer requests from 1. */
type Act = (conn: Deno.Conn, n: number) => Promise<void>;

/** Writes a whole response and closes the connection. */
function reply(status: number, headers: Record<string, string>, body: Uint8Array | string): Act {
  return async (conn) => {
    const bytes = typeof body === "string" ? utf8.encode(body) : body;
    const head = Object.entries({ ...headers, "content-length": String(bytes.length), connection: "close" })
      .map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(utf8.encode(`HTTP/1.1 ${status} X\r\n${head}\r\n`));
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    conn.close();
  };
}

/** The model's image as the server sends it: `images` of the given shape, raw bytes, with the header. */
function images(shape = [1, 2, 4, 4], headers: Record<string, string> = {}, keepHeader = true): Act {
  const data = new Uint8Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => i % 251);
  const { body, headers: own } = encodeInferResponse({
    model_name: "tiny",
    outputs: [{ name: "images", datatype: "UINT8", shape, data }],
  }, { binary: true });
  if (!keepHeader) delete own[HEADER_LENGTH_HEADER];
  return reply(200, { ...own, ...headers }, body);
}

/** This project's server with its queue full. */
const busy = reply(
  503,
  { "retry-after": "1", "content-type": "application/json" },
  JSON.stringify({ error: "Cannot infer: the queue is full" }),
);
/** Closes the connection without a word, as a restarting instance does. */
const reset: Act = (conn) => Promise.resolve(conn.close());
/** Waits until the client gives up. */
const silent: Act = async (conn) => {
  await conn.read(new Uint8Array(1)).catch(() => null);
  conn.close();
};
/** Promises 1000 bytes and sends 10. */
const cutOff: Act = async (conn) => {
  await conn.write(utf8.encode("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\nconnection: close\r\n\r\n"));
  await conn.write(new Uint8Array(10));
  conn.close();
};
const metadata = reply(
  200,
  { "content-type": "application/json" },
  JSON.stringify({
    name: "tiny",
    inputs: [{ name: "latents", datatype: "FP32", shape: [-1, 4, 2, 2] }],
  }),
);
const ready = reply(200, {}, "");

/** Reads one request (head and Content-Length body); returns its request line, or null at the end. */
async function readRequest(conn: Deno.Conn): Promise<string | null> {
  let bytes = new Uint8Array(0);
  const chunk = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(chunk).catch(() => null);
    if (n === null) return null;
    const more = new Uint8Array(bytes.length + n);
    more.set(bytes);
    more.set(chunk.subarray(0, n), bytes.length);
    bytes = more;
    const text = new TextDecoder("latin1").decode(bytes);
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) continue;
    const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
    if (bytes.length >= end + 4 + length) return text.slice(0, text.indexOf("\r\n"));
  }
}

/**
 * Runs `f` against a fake server that answers the model's metadata and ready routes, and each infer
 * request with `infer(n)`; gives `f` the server's URL and the number of infer requests so far.
 */
async function withServer(
  infer: (n: number) => Act,
  f: (url: string, infers: () => number) => Promise<void>,
  routes: { metadata?: Act } = {},
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let infers = 0;
  const handlers: Promise<void>[] = [];
  const serve = async (conn: Deno.Conn) => {
    const line = await readRequest(conn);
    if (line === null) return conn.close();
    if (line.startsWith("POST ") && line.includes("/infer ")) return infer(++infers)(conn, infers);
    return (line.includes("/ready ") ? ready : routes.metadata ?? metadata)(conn, infers);
  };
  const accepting = (async () => {
    for await (const conn of listener) handlers.push(serve(conn).catch(() => {}));
  })();
  try {
    await f(`http://127.0.0.1:${listener.addr.port}/`, () => infers);
  } finally {
    listener.close();
    await accepting;
    await Promise.all(handlers);
  }
}

/** A fake clock: records each wait asked for and ends it at once. */
function fakeClock(): { waits: number[]; sleep: NonNullable<ServerClientOptions["sleep"]> } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => Promise.resolve(void waits.push(ms)) };
}

function context(server: string): BackendContext {
  return {
    manifest,
    manifestUrl: "http://models.test/tiny/manifest.json",
    server,
    wasmBase: "",
    loadFile: () => Promise.reject(new Error("no files here")),
  };
}

/** Renders the latent through a backend made with `options`; returns the images or the error. */
async function render(url: string, options: ServerClientOptions, signal?: AbortSignal) {
  const backend = await createServerBackend(options).create(context(url));
  return await backend.generate([latent], "a fjord", { signal }).catch((e: Error) => e);
}

Deno.test("server backend: a 503 is sent again after its Retry-After, capped at 10 s, and the render goes on", async () => {
  for (const [retryAfter, wait] of [["1", 1000], ["60", 10_000]] as const) {
    const clock = fakeClock();
    const once = reply(503, { "retry-after": retryAfter }, "{}");
    await withServer((n) => n === 1 ? once : images(), async (url, infers) => {
      const out = await render(url, { sleep: clock.sleep });
      assert.ok(Array.isArray(out), String(out));
      assert.equal(out[0].width, 4);
      assert.equal(out[0].height, 2);
      assert.equal(out[0].data[9], 9);
      assert.equal(infers(), 2);
      assert.deepEqual(clock.waits, [wait]);
    });
  }
});

Deno.test("server backend: a server that stays busy fails the render after 4 tries, saying so", async () => {
  const clock = fakeClock();
  await withServer(() => busy, async (url, infers) => {
    const error = await render(url, { sleep: clock.sleep });
    assert.ok(error instanceof Error);
    assert.match(
      error.message,
      /^The server http:\/\/127\.0\.0\.1:\d+ refused to render: HTTP 503: Cannot infer: the queue is full; tried 4 times$/,
    );
    assert.equal(infers(), 4);
    assert.deepEqual(clock.waits, [1000, 1000, 1000]);
  });
});

Deno.test("server backend: a 4xx is not sent again", async () => {
  await withServer(
    () => reply(400, {}, '{"error":"Cannot infer: latents must be finite"}'),
    async (url, infers) => {
      const error = await render(url, fakeClock());
      assert.match(String(error), /refused to render: HTTP 400: Cannot infer: latents must be finite$/);
      assert.equal(infers(), 1);
    },
  );
});

Deno.test("server backend: a reset connection is tried again after a backoff; one reset every time names the server", async () => {
  const clock = fakeClock();
  await withServer((n) => n === 1 ? reset : images(), async (url, infers) => {
    assert.ok(Array.isArray(await render(url, { sleep: clock.sleep, backoffMs: 200 })));
    assert.equal(infers(), 2);
    assert.deepEqual(clock.waits, [200]);
  });
  const again = fakeClock();
  await withServer(() => reset, async (url, infers) => {
    const error = await render(url, { sleep: again.sleep, backoffMs: 200 });
    assert.match(
      String(error),
      /The server http:\/\/127\.0\.0\.1:\d+ cannot be reached: .*see its --origins\); tried 4 times$/,
    );
    // The element names the server from its origin in the cause, not from the message's words.
    assert.equal(unreachableOrigin(error), new URL(url).origin);
    assert.equal(infers(), 4);
    assert.deepEqual(again.waits, [200, 400, 800]);
  });
});

Deno.test("server backend: tells each retry it waits for, busy or unanswered, and then that none waits", async () => {
  const told = async (act: (n: number) => Act) => {
    const retries: unknown[] = [];
    await withServer(act, async (url) => {
      const backend = await createServerBackend({ sleep: fakeClock().sleep }).create(context(url));
      await backend.generate([latent], "a fjord", { onRetry: (r) => retries.push(r) }).catch(() => {});
    });
    return retries;
  };
  const one = (retry: number, busy: boolean) => ({ retry, retries: 3, busy });
  assert.deepEqual(await told((n) => n === 1 ? reset : images()), [one(1, false), null]);
  assert.deepEqual(await told((n) => n < 3 ? busy : images()), [one(1, true), one(2, true), null]);
  assert.deepEqual(await told(() => reset), [one(1, false), one(2, false), one(3, false), null]);
  assert.deepEqual(await told(() => images()), []);
});

Deno.test("server backend: cancelling the render during a Retry-After wait rejects as a cancel, and sends nothing more", async () => {
  const cancel = new AbortController();
  const waits: number[] = [];
  // A wait that never ends unless the render is cancelled, which it is as soon as the wait starts.
  const sleepUntilAborted = (ms: number, signal: AbortSignal) => {
    waits.push(ms);
    const waiting = new Promise<void>((_, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason))
    );
    cancel.abort();
    return waiting;
  };
  await withServer(() => busy, async (url, infers) => {
    const error = await render(url, { sleep: sleepUntilAborted }, cancel.signal);
    assert.ok(error instanceof DOMException && error.name === "AbortError", String(error));
    assert.equal(infers(), 1);
    assert.deepEqual(waits, [1000]);
  });
});

Deno.test("sleep() ends as soon as its signal aborts, with the signal's reason", async () => {
  const abort = new AbortController();
  const waiting = sleep(600_000, abort.signal);
  abort.abort(new DOMException("stop", "AbortError"));
  await assert.rejects(waiting, { name: "AbortError", message: "stop" });
  await assert.rejects(sleep(1, abort.signal), { name: "AbortError" });
});

Deno.test("parseRetryAfter() reads delay-seconds and HTTP dates, and nothing else", () => {
  const now = Date.parse("2015-10-21T07:27:30Z");
  assert.equal(parseRetryAfter("1", now), 1000);
  assert.equal(parseRetryAfter(" 120 ", now), 120_000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), 0);
  for (const value of [null, "", "1.5", "-1", "soon"]) assert.equal(parseRetryAfter(value, now), undefined);
});

Deno.test("server backend: a binary answer whose Inference-Header-Content-Length is hidden says CORS must expose it", async () => {
  await withServer(() => images(undefined, {}, false), async (url) => {
    const error = await render(url, fakeClock());
    assert.match(
      String(error),
      /The server http:\/\/127\.0\.0\.1:\d+ sent a binary answer without a readable Inference-Header-Content-Length header: .*Access-Control-Expose-Headers/,
    );
  });
});

Deno.test("server backend: a server that never answers fails the render with a timeout, not a cancel, and so does its metadata", async () => {
  await withServer(() => silent, async (url, infers) => {
    const error = await render(url, { ...fakeClock(), timeoutMs: 50 });
    assert.ok(error instanceof Error && error.name === "Error", String(error));
    assert.match(error.message, /^The server http:\/\/127\.0\.0\.1:\d+ did not answer within 0\.05 s$/);
    assert.equal(infers(), 1);
  });
  await withServer(() => images(), async (url) => {
    const error = await createServerBackend({ timeoutMs: 50 }).create(context(url)).catch((e: Error) => e);
    assert.match(String(error), /the server http:\/\/127\.0\.0\.1:\d+\/ did not answer within 0\.05 s/);
  }, { metadata: silent });
});

Deno.test("server backend: images of another batch size or another size than the model's are refused, naming the server", async () => {
  for (const shape of [[2, 2, 4, 4], [1, 4, 2, 4], [1, 2, 4, 3]]) {
    await withServer(() => images(shape), async (url) => {
      const error = await render(url, fakeClock());
      assert.ok(error instanceof Error, String(error));
      const got = `UINT8 images ${JSON.stringify(shape)} holding ${shape.reduce((a, b) => a * b)} values`;
      assert.equal(
        error.message.replace(/:\d+/, ":PORT"),
        `The server http://127.0.0.1:PORT answered one latent with ${got}, where the model "tiny" makes ` +
          "UINT8 [1,2,4,4] (32 bytes)",
      );
    });
  }
});

Deno.test("server backend: an answer cut off is named so, not taken for a server that cannot be reached", async () => {
  await withServer(() => cutOff, async (url, infers) => {
    const error = await render(url, fakeClock());
    assert.match(
      String(error),
      /The server http:\/\/127\.0\.0\.1:\d+ sent an answer that was cut off: .*; tried 4 times$/,
    );
    assert.doesNotMatch(String(error), /cannot be reached/);
    assert.equal(unreachableOrigin(error), undefined);
    assert.equal(infers(), 4);
  });
});

Deno.test("server backend: a start on a server that cannot be reached gives its origin in the error's cause", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close(); // nothing listens there now
  const error = await createServerBackend().create(context(`http://127.0.0.1:${port}/api/`)).then(
    () => assert.fail("the backend started"),
    (e: Error) => e,
  );
  assert.match(error.message, /cannot be reached/);
  assert.equal(unreachableOrigin(error), `http://127.0.0.1:${port}`);
});
