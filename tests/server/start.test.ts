// `npm start` (scripts/start.mjs) starts the server with the built-in model and the static folders,
// and a Ctrl-C (SIGINT) reaches it and stops it cleanly.
import assert from "node:assert/strict";

const root = new URL("../..", import.meta.url).pathname;

Deno.test("npm start: serves the built-in model, the demo and dist/, and stops on SIGINT", async () => {
  const child = new Deno.Command("node", {
    args: ["scripts/start.mjs", "--port", "0"],
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  let text = "";
  const port = await (async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const line = text.split("\n").find((l) => l.includes('"msg":"listening"'));
      if (line) return JSON.parse(line).port as number;
    }
    throw new Error(`server did not start: ${text}`);
  })();
  let exited = false;
  try {
    const url = `http://127.0.0.1:${port}`;
    const meta = await (await fetch(`${url}/v2/models/builtin`)).json();
    assert.deepEqual(meta.inputs[0].shape.slice(1), [4, 32, 32]);
    assert.equal(typeof meta.parameters.execution_provider, "string");
    const model = await fetch(`${url}/models/builtin/manifest.json`);
    assert.equal(model.status, 200);
    assert.equal(model.headers.get("content-type"), "application/json");
    await model.body?.cancel();
    for (const [path, type] of [["/dist/latent-evolver.js", "text/javascript"], ["/", "text/html"]]) {
      const file = path === "/" ? `${root}demo/index.html` : `${root}${path.slice(1)}`;
      assert.ok(await Deno.stat(file).catch(() => null), `${file} is missing: run \`npm run build\` first`);
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type")!, new RegExp(`^${type}`), path);
      await res.body?.cancel();
    }
    child.kill("SIGINT");
    const status = await child.status;
    exited = true;
    assert.equal(status.code, 0);
  } finally {
    if (!exited) {
      child.kill("SIGKILL");
      await child.status;
    }
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  }
});
