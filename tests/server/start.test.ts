// `npm start` (scripts/start.mjs) starts the server with the built-in model and the static folders,
// and a Ctrl-C (SIGINT) reaches it and stops it cleanly.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { spawnServer } from "./server_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

Deno.test("npm start: serves the built-in model, the demo and dist/ (compressed), and stops on SIGINT", async () => {
  const server = await spawnServer("node", ["scripts/start.mjs", "--port", "0"], root);
  try {
    const meta = await (await fetch(`${server.url}/v2/models/builtin`)).json();
    assert.deepEqual(meta.inputs[0].shape.slice(1), [4, 32, 32]);
    assert.equal(typeof meta.parameters.execution_provider, "string");
    const model = await fetch(`${server.url}/models/builtin/manifest.json`);
    assert.equal(model.status, 200);
    assert.equal(model.headers.get("content-type"), "application/json");
    await model.body?.cancel();
    for (const [path, type] of [["/dist/latent-evolver.js", "text/javascript"], ["/", "text/html"]]) {
      const file = path === "/" ? `${root}demo/index.html` : `${root}${path.slice(1)}`;
      assert.ok(await Deno.stat(file).catch(() => null), `${file} is missing: run \`npm run build\` first`);
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type")!, new RegExp(`^${type}`), path);
      await res.body?.cancel();
    }
    // onnxruntime-web's wasm, the largest download, goes precompressed to a browser that accepts it.
    const wasm = "/dist/ort-wasm-simd-threaded.asyncify.wasm";
    const [plain, br] = await Promise.all(["identity", "gzip, deflate, br, zstd"].map(async (accept) => {
      const res = await fetch(`${server.url}${wasm}`, {
        method: "HEAD",
        headers: { "accept-encoding": accept },
      });
      return {
        encoding: res.headers.get("content-encoding"),
        bytes: Number(res.headers.get("content-length")),
      };
    }));
    assert.deepEqual([plain.encoding, br.encoding], [null, "br"]);
    assert.ok(br.bytes < plain.bytes / 4, `${wasm}: ${br.bytes} bytes of brotli for ${plain.bytes}`);
    // Each provider before the one in use has one plain line: passed over, or tried and failed.
    const chosen = meta.parameters.execution_provider;
    const before = ["cuda", "webgpu", "cpu"].slice(0, ["cuda", "webgpu", "cpu"].indexOf(chosen));
    const said = server.lines.map((l) => l.match(/"msg":"(\w+): (not available|could not load)/)?.[1]);
    for (const provider of before) {
      assert.ok(said.includes(provider), `${provider}: ${server.lines.join("\n")}`);
    }
    const status = await server.stop("SIGINT");
    assert.equal(status.code, 0, status.output);
    assert.ok(server.lines.some((l) => l.includes('"msg":"stopped"')), status.output);
    // CUDA passed over for its missing libraries is not tried: onnxruntime's red error is not printed.
    if (server.lines.some((l) => /"msg":"cuda: not available/.test(l))) {
      assert.doesNotMatch(status.output, /ONNXRuntimeError/);
    }
  } finally {
    await server.kill();
  }
});
