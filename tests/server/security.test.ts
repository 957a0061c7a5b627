import assert from "node:assert/strict";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, postInfer, randomLatents, startTestServer } from "./server_helpers.ts";
import { createHandler } from "../../server/handler.ts";
import { encodeInferRequest } from "../../core/wire.ts";

Deno.test("server: the bearer token guards /v2 and /metrics but not health or model ready", async () => {
  const s = startTestServer({ models: [fakeModel()], token: "s3cret-token" });
  try {
    const req = inferRequest(randomLatents(1, 1), 1);
    for (
      const auth of [
        undefined,
        "Bearer wrong",
        "Bearer s3cret-toke",
        "Bearer s3cret-token2",
        "s3cret-token",
        "Basic s3cret-token",
      ]
    ) {
      const headers: Record<string, string> = auth ? { authorization: auth } : {};
      const res = await postInfer(s.url, req, { headers });
      assert.equal(res.status, 401, String(auth));
      assert.match(res.headers.get("www-authenticate")!, /^Bearer/);
      assert.match((await res.json()).error, /bearer token/);
      const meta = await fetch(`${s.url}/v2/models/fake`, { headers });
      assert.equal(meta.status, 401);
      await meta.body?.cancel();
      const metrics = await fetch(`${s.url}/metrics`, { headers });
      assert.equal(metrics.status, 401);
      await metrics.body?.cancel();
    }
    const ok = await postInfer(s.url, req, { headers: { authorization: "Bearer s3cret-token" } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    assert.equal((await fetch(`${s.url}/v2/health/live`).then((r) => r.json())).live, true);
    assert.equal((await fetch(`${s.url}/v2/health/ready`).then((r) => r.json())).ready, true);
    // A model's ready route is a health check too (KServe): a load balancer probes it without a token.
    assert.equal((await fetch(`${s.url}/v2/models/fake/ready`).then((r) => r.json())).ready, true);
  } finally {
    await s.close();
  }
});

Deno.test("server: CORS answers only configured origins", async () => {
  const s = startTestServer({ models: [fakeModel()], allowedOrigins: ["https://app.example"] });
  try {
    const pre = await fetch(`${s.url}/v2/models/fake/infer`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(pre.headers.get("access-control-allow-headers")!, /inference-header-content-length/);
    assert.match(pre.headers.get("access-control-allow-methods")!, /POST/);
    await pre.body?.cancel();

    const res = await postInfer(s.url, inferRequest(randomLatents(1, 1), 1), {
      binary: true,
      headers: { origin: "https://app.example" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(res.headers.get("access-control-expose-headers")!, /inference-header-content-length/);
    await res.arrayBuffer();

    // Origins match whole: a longer host, another port or scheme is another origin. So is the
    // server's own host on another port (another server there is no page of this one).
    const port = s.server.addr.port;
    const others = [
      "https://evil.example",
      "https://app.example.evil.com",
      "https://app.example:444",
      "http://app.example",
      `http://127.0.0.1:${port === 65535 ? 1 : port + 1}`,
    ];
    for (const origin of others) {
      for (const method of ["OPTIONS", "GET"]) {
        const bad = await fetch(`${s.url}/v2/models/fake`, {
          method,
          headers: method === "OPTIONS" ? { origin, "access-control-request-method": "GET" } : { origin },
        });
        assert.equal(bad.status, 403, `${method} from ${origin}`);
        // Refused, but a page may read why (the error names the flag); a refused preflight not even that.
        assert.equal(bad.headers.get("access-control-allow-origin"), method === "GET" ? origin : null);
        assert.equal((await bad.json()).error, `Cannot serve origin "${origin}": not in the allowed origins`);
      }
    }
    // The server's own origin (the demo page it serves) needs no listing.
    const self = await fetch(`${s.url}/v2/models/fake`, { headers: { origin: s.url } });
    assert.equal(self.status, 200);
    assert.equal(self.headers.get("access-control-allow-origin"), null);
    await self.body?.cancel();
  } finally {
    await s.close();
  }
});

Deno.test("server: static files have correct types and cache headers", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "le-static-" });
  const site = `${tmp}/site`;
  const dist = `${tmp}/dist`;
  await Deno.mkdir(`${site}/sub`, { recursive: true });
  await Deno.mkdir(dist);
  await Deno.writeTextFile(`${site}/index.html`, "<!doctype html><title>demo</title>");
  await Deno.writeTextFile(`${site}/sub/page.mjs`, "export {};");
  await Deno.writeFile(`${dist}/ort.wasm`, new Uint8Array([0, 97, 115, 109]));
  await Deno.writeTextFile(`${dist}/latent-evolver.js`, "console.log(1)");
  await Deno.symlink(`${site}/index.html`, `${site}/alias.html`);
  const s = startTestServer({
    models: [fakeModel()],
    staticRoots: [{ prefix: "/dist/", dir: dist, cacheControl: "public, max-age=3600" }, {
      prefix: "/",
      dir: site,
    }],
  });
  try {
    const index = await fetch(`${s.url}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(await index.text(), /demo/);
    const etag = index.headers.get("etag")!;
    const again = await fetch(`${s.url}/index.html`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    await again.body?.cancel();
    const types: [string, string][] = [
      ["/dist/ort.wasm", "application/wasm"],
      ["/dist/latent-evolver.js", "text/javascript; charset=utf-8"],
      ["/sub/page.mjs", "text/javascript; charset=utf-8"],
      ["/alias.html", "text/html; charset=utf-8"],
    ];
    for (const [path, type] of types) {
      const r = await fetch(`${s.url}${path}`);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("content-type"), type, path);
      await r.arrayBuffer();
    }
    const wasm = await fetch(`${s.url}/dist/ort.wasm`);
    assert.equal(wasm.headers.get("cache-control"), "public, max-age=3600");
    await wasm.body?.cancel();
    const head = await fetch(`${s.url}/dist/ort.wasm`, { method: "HEAD" });
    assert.equal(head.headers.get("content-length"), "4");
  } finally {
    await s.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("server: a file with precompressed siblings goes compressed to clients that accept it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "le-static-enc-" });
  const dist = `${tmp}/dist`;
  await Deno.mkdir(dist);
  const text = "export const x = 1;\n".repeat(500);
  await Deno.writeTextFile(`${dist}/big.js`, text);
  await Deno.writeFile(`${dist}/big.js.br`, brotliCompressSync(new TextEncoder().encode(text)));
  await Deno.writeFile(`${dist}/big.js.gz`, gzipSync(new TextEncoder().encode(text)));
  // A stale sibling (older than the file) and one that leaves the folder are never sent.
  await Deno.writeTextFile(`${dist}/old.js`, text);
  await Deno.writeFile(`${dist}/old.js.gz`, gzipSync(new TextEncoder().encode("stale")));
  await Deno.utime(`${dist}/old.js.gz`, 1, 1);
  await Deno.writeTextFile(`${tmp}/secret.txt`, "TOP SECRET");
  await Deno.writeTextFile(`${dist}/leak.js`, text);
  await Deno.symlink(`${tmp}/secret.txt`, `${dist}/leak.js.br`);
  const s = startTestServer({ models: [fakeModel()], staticRoots: [{ prefix: "/", dir: dist }] });
  const get = (path: string, accept: string, etag?: string) =>
    fetch(`${s.url}${path}`, {
      headers: { "accept-encoding": accept, ...etag ? { "if-none-match": etag } : {} },
    });
  try {
    const cases: [string, string, string | null][] = [
      ["/big.js", "gzip, deflate, br, zstd", "br"],
      ["/big.js", "gzip", "gzip"],
      ["/big.js", "br;q=0, gzip;q=0.5", "gzip"],
      ["/big.js", "*;q=0.1", "br"],
      ["/big.js", "identity", null],
      ["/old.js", "gzip, br", null],
      ["/leak.js", "gzip, br", null],
    ];
    const etags = new Set<string>();
    for (const [path, accept, encoding] of cases) {
      const r = await get(path, accept);
      assert.equal(r.status, 200, `${path} ${accept}`);
      assert.equal(r.headers.get("content-encoding"), encoding, `${path} ${accept}`);
      assert.equal(r.headers.get("content-type"), "text/javascript; charset=utf-8");
      // fetch decodes the body: whatever was sent, the file's text arrives.
      assert.equal(await r.text(), text, `${path} ${accept}`);
      if (path === "/big.js") {
        assert.equal(r.headers.get("vary"), "accept-encoding");
        etags.add(r.headers.get("etag")!);
      }
    }
    assert.equal(etags.size, 3, "each encoding of a file has its own ETag");
    const br = await get("/big.js", "br");
    const etag = br.headers.get("etag")!;
    await br.body?.cancel();
    const again = await get("/big.js", "br", etag);
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("content-encoding"), "br");
    await again.body?.cancel();
    // The brotli ETag does not validate the gzip form.
    const other = await get("/big.js", "gzip", etag);
    assert.equal(other.status, 200);
    await other.body?.cancel();
  } finally {
    await s.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("server: behind a TLS proxy its own https page is same-origin; Vary names Origin and keeps Accept-Encoding", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "le-vary-" });
  await Deno.writeTextFile(`${tmp}/a.js`, "x".repeat(2000));
  await Deno.writeFile(`${tmp}/a.js.br`, brotliCompressSync(new TextEncoder().encode("x".repeat(2000))));
  const { handle } = createHandler({
    models: [fakeModel()],
    allowedOrigins: ["https://shop.example"],
    staticRoots: [{ prefix: "/", dir: tmp }],
  });
  try {
    // What the server sees behind nginx or Caddy: plain http, the public Host, the page's https Origin.
    const { body, headers } = encodeInferRequest(inferRequest(randomLatents(1, 1), 1), { binary: true });
    const own = await handle(
      new Request("http://evolver.example/v2/models/fake/infer", {
        method: "POST",
        body,
        headers: { ...headers, origin: "https://evolver.example" },
      }),
    );
    assert.equal(own.status, 200, await own.clone().text());
    assert.equal(own.headers.get("access-control-allow-origin"), null);
    await own.body?.cancel();
    const other = await handle(
      new Request("http://evolver.example/v2/health/ready", { headers: { origin: "https://evil.example" } }),
    );
    assert.equal(other.status, 403);
    await other.body?.cancel();
    // Other origins are allowed, so every answer varies by Origin, the compressed file by encoding too.
    const file = await handle(
      new Request("http://evolver.example/a.js", { headers: { "accept-encoding": "br" } }),
    );
    assert.equal(file.headers.get("content-encoding"), "br");
    assert.deepEqual(file.headers.get("vary")!.split(/,\s*/).sort(), ["Origin", "accept-encoding"]);
    await file.body?.cancel();
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("server: the bearer scheme is case-insensitive; read-only routes refuse other methods with 405", async () => {
  const s = startTestServer({ models: [fakeModel()], token: "s3cret" });
  try {
    for (const [scheme, status] of [["bearer", 200], ["BEARER", 200], ["Basic", 401]] as const) {
      const r = await fetch(`${s.url}/v2`, { headers: { authorization: `${scheme} s3cret` } });
      assert.equal(r.status, status, scheme);
      await r.body?.cancel();
    }
    for (const path of ["/v2/health/live", "/v2/health/ready", "/metrics", "/v2"]) {
      const r = await fetch(`${s.url}${path}`, {
        method: "DELETE",
        headers: { authorization: "Bearer s3cret" },
      });
      assert.equal(r.status, 405, path);
      assert.equal(r.headers.get("allow"), "GET, HEAD", path);
      await r.body?.cancel();
    }
  } finally {
    await s.close();
  }
});

Deno.test("server: request bodies being read at once are bounded (8x the body limit), each counted for its Content-Length", async () => {
  const { handle } = createHandler({ models: [fakeModel()], maxBodyBytes: 1000, retryAfterSeconds: 3 });
  const post = (body: BodyInit, length: number) =>
    handle(
      new Request("http://127.0.0.1/v2/models/fake/infer", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "content-length": String(length) },
      }),
    );
  /** Eight uploads that declare `length` bytes and send nothing yet. */
  const stall = async (length: number) => {
    const stalled = Array.from({ length: 8 }, () => {
      let close!: () => void;
      const answer = post(new ReadableStream({ start: (c) => void (close = () => c.close()) }), length);
      return { close, answer };
    });
    await new Promise((r) => setTimeout(r)); // each handler reserves its bytes within microtasks
    return stalled;
  };
  const small = JSON.stringify({ inputs: [] });
  const ends = async (stalled: Awaited<ReturnType<typeof stall>>) => {
    // Closed, they end as malformed (400), and give their bytes back.
    for (const s of stalled) s.close();
    for (const s of stalled) assert.equal((await s.answer).status, 400);
  };
  // Eight of 100 bytes hold 800 of the 8000: a small body is still read (and refused as malformed).
  const short = await stall(100);
  const read = await post(small, small.length);
  assert.equal(read.status, 400, "uploads were counted for the limit, not their Content-Length");
  await read.body?.cancel();
  await ends(short);
  // Eight of 1000 reach the bound: the next body is refused before it is read.
  const full = await stall(1000);
  const over = await post(small, small.length);
  assert.equal(over.status, 503);
  assert.equal(over.headers.get("retry-after"), "3");
  assert.match((await over.json()).error, /8000 bytes of request bodies are being read, the most is 8000/);
  await ends(full);
  const again = await post(small, small.length);
  assert.equal(again.status, 400, "the budget was not given back");
  await again.body?.cancel();
});

Deno.test("server: only a CORS preflight gets a bare 204; a plain OPTIONS names the route's methods, or 404", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "le-options-" });
  await Deno.writeTextFile(`${tmp}/index.html`, "<!doctype html>");
  const s = startTestServer({ models: [fakeModel()], staticRoots: [{ prefix: "/", dir: tmp }] });
  const options = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${s.url}${path}`, { method: "OPTIONS", headers });
  try {
    const cases: [string, number, string | null][] = [
      ["/nope", 404, null],
      ["/v2/nope", 404, null],
      ["/v2/models/nope/infer", 404, null],
      ["/v2/health/ready", 204, "GET, HEAD"],
      ["/v2/models/fake", 204, "GET, HEAD"],
      ["/v2/models/fake/infer", 204, "POST"],
      ["/index.html", 204, "GET, HEAD"],
      ["/", 204, "GET, HEAD"],
    ];
    for (const [path, status, allow] of cases) {
      const r = await options(path);
      assert.equal(r.status, status, path);
      assert.equal(r.headers.get("allow"), allow, path);
      await r.body?.cancel();
    }
    // An Origin alone is no preflight either; with Access-Control-Request-Method it is, on any path.
    const origin = { origin: s.url };
    const plain = await options("/nope", origin);
    assert.equal(plain.status, 404);
    await plain.body?.cancel();
    const pre = await options("/nope", { ...origin, "access-control-request-method": "POST" });
    assert.equal(pre.status, 204);
    await pre.body?.cancel();
    // Static files take GET and HEAD only.
    for (const [method, path] of [["PUT", "/index.html"], ["POST", "/"], ["DELETE", "/index.html"]]) {
      const r = await fetch(`${s.url}${path}`, { method, body: method === "DELETE" ? undefined : "x" });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get("allow"), "GET, HEAD", `${method} ${path}`);
      assert.match((await r.json()).error, /use GET/);
    }
    const missing = await fetch(`${s.url}/missing.html`, { method: "PUT", body: "x" });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await s.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("server: If-None-Match takes a list of tags, compared weakly, and *", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "le-etag-" });
  await Deno.writeTextFile(`${tmp}/index.html`, "<!doctype html>");
  const s = startTestServer({ models: [fakeModel()], staticRoots: [{ prefix: "/", dir: tmp }] });
  try {
    const first = await fetch(`${s.url}/index.html`);
    await first.body?.cancel();
    const etag = first.headers.get("etag")!;
    assert.match(etag, /^W\//);
    const strong = etag.slice(2);
    const cases: [string, number][] = [
      [etag, 304],
      [`"other", ${etag}`, 304],
      [`"other",${strong}`, 304],
      ["*", 304],
      [`"other"`, 200],
      [`W/"other", "more"`, 200],
    ];
    for (const [header, status] of cases) {
      const r = await fetch(`${s.url}/index.html`, { headers: { "if-none-match": header } });
      assert.equal(r.status, status, header);
      await r.body?.cancel();
    }
  } finally {
    await s.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
