// On SIGINT or SIGTERM a load balancer must see the instance unready (503) before it stops accepting
// connections: `--drain-ms` keeps it answering, ready false, for that long.
import assert from "node:assert/strict";
import { parseConfig, type ServerConfig } from "../../server/config.ts";
import { startServer } from "../../server/main.ts";
import { fakeModel } from "./fake_model.ts";
import { inferRequest, postInfer, randomLatents } from "./server_helpers.ts";

Deno.test("startServer(): with --drain-ms, shutting down answers ready 503 for that long, then refuses connections", async () => {
  const config = parseConfig(
    ["--port", "0", "--static", "", "--drain-ms", "500"],
    () => undefined,
    "/",
  ) as ServerConfig;
  const running = startServer(config, [fakeModel()], { quiet: true });
  const url = `http://127.0.0.1:${running.server.addr.port}`;
  const ready = async () => {
    const r = await fetch(`${url}/v2/health/ready`);
    await r.body?.cancel();
    return r.status;
  };
  assert.equal(await ready(), 200);
  const t0 = performance.now();
  const stopped = running.shutdown();
  assert.equal(await ready(), 503, "unready, and still answering, while draining");
  const infer = await postInfer(url, inferRequest(randomLatents(1, 1), 1));
  assert.equal(infer.status, 503);
  assert.equal(infer.headers.get("retry-after"), "1");
  await infer.body?.cancel();
  await stopped;
  assert.ok(performance.now() - t0 >= 500, "it kept answering for the drain period");
  await assert.rejects(fetch(`${url}/v2/health/ready`), "closed once drained");
});

Deno.test("parseConfig(): --drain-ms defaults to 0 (stop accepting at once) and takes 0", () => {
  const parse = (args: string[]) => parseConfig(args, () => undefined, "/") as ServerConfig;
  assert.equal(parse([]).drainMs, 0);
  assert.equal(parse(["--drain-ms", "0"]).drainMs, 0);
  assert.equal(parse(["--drain-ms=10000"]).drainMs, 10000);
});
