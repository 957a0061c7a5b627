// The Host guard against DNS rebinding (server/security.ts hostAllowed): on loopback only IP
// addresses, localhost and the listed names are served; a Host that is no host name gets 400.
import assert from "node:assert/strict";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, randomLatents, rawGet, startTestServer } from "./server_helpers.ts";
import { createHandler } from "../../server/handler.ts";
import { encodeInferRequest } from "../../core/wire.ts";

Deno.test("server: on loopback, a Host that is not an IP address, localhost or listed gets 403 (DNS rebinding)", async () => {
  const model = fakeModel();
  const handler = (allowedHosts: string[]) => createHandler({ models: [model], allowedHosts }).handle;
  const infer = (handle: (r: Request) => Promise<Response>, host: string) => {
    const { body, headers } = encodeInferRequest(inferRequest(randomLatents(1, 1), 1), { binary: true });
    // What a rebinding page sends: its own name in Host and Origin, which then agree.
    return handle(
      new Request(`http://${host}/v2/models/fake/infer`, {
        method: "POST",
        body,
        headers: { ...headers, origin: `http://${host}` },
      }),
    );
  };
  const loopback = handler([]);
  for (const host of ["rebind.attacker.example:8000", "evolver.example", "localhost.attacker.example"]) {
    const res = await infer(loopback, host);
    assert.equal(res.status, 403, host);
    assert.match(
      (await res.json()).error,
      /Cannot serve host ".*": not an allowed host name.*--allowed-hosts/,
    );
  }
  // A page on another origin that reaches a refused host may read why (not a bare network error).
  const other = await loopback(
    new Request("http://evolver.example/v2", { headers: { origin: "https://shop.example" } }),
  );
  assert.equal(other.status, 403);
  assert.equal(other.headers.get("access-control-allow-origin"), "https://shop.example");
  await other.body?.cancel();
  const page = await loopback(new Request("http://rebind.attacker.example/"));
  assert.equal(page.status, 403, "static files too");
  await page.body?.cancel();
  assert.equal(model.calls.length, 0, "no refused request reached the model");
  for (const host of ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "app.localhost", "10.1.2.3"]) {
    const res = await infer(loopback, host);
    assert.equal(res.status, 200, host);
    await res.body?.cancel();
  }
  const listed = handler(["evolver.example", ".corp.example"]);
  for (
    const [host, status] of [
      ["evolver.example", 200],
      ["EVOLVER.example.", 200],
      ["corp.example", 200],
      ["gpu.corp.example", 200],
      ["notcorp.example", 403],
      ["evolver.example.attacker.example", 403],
    ] as const
  ) {
    const res = await infer(listed, host);
    assert.equal(res.status, status, host);
    await res.body?.cancel();
  }
  const any = await infer(handler(["*"]), "anything.example");
  assert.equal(any.status, 200);
  await any.body?.cancel();
});

Deno.test("server: a Host header that is no host name gets 400, not a 500 with a stack trace", async () => {
  const s = startTestServer({ models: [fakeModel()] });
  try {
    for (const host of ["a b", "1.2.3.4.5", "[::1"]) {
      const text = await rawGet(Number(new URL(s.url).port), "/v2", host);
      assert.match(text, /^HTTP\/1.1 400/, host);
      assert.match(text, /Cannot read the request's Host header/, host);
    }
    assert.equal((await fetch(`${s.url}/v2/health/live`).then((r) => r.json())).live, true);
  } finally {
    await s.close();
  }
});
