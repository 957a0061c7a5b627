// The backend registry's error when no backend can run the model: its cause lists each failure and
// which backends were passed over as not applicable, not tried (the element reads it to tell a
// refusal by the page's Content-Security-Policy from a failure that may pass).
import assert from "node:assert/strict";
import { BackendRegistry, type NoBackendCause } from "../../component/backends/registry.ts";
import { type BackendContext, type BackendFactory, NotApplicable } from "../../component/backends/types.ts";
import type { BackendName } from "../../component/worker/protocol.ts";
import type { ModelManifest } from "../../core/manifest.ts";

/** A factory that fails at its creation with `error`. */
const failing = (name: BackendName, priority: number, error: Error): BackendFactory => ({
  name,
  priority,
  create: () => Promise.reject(error),
});

const context = (server: string) =>
  ({
    manifest: { name: "builtin" } as ModelManifest,
    server,
    manifestUrl: "",
    wasmBase: "",
  }) as BackendContext;

Deno.test("BackendRegistry.select() throws with each failure, and the backends passed over as not applicable", async () => {
  const registry = new BackendRegistry()
    .register(failing("webgpu", 30, new NotApplicable("this browser has no WebGPU")))
    .register(failing("server", 20, new Error("the server cannot be reached: Failed to fetch")))
    .register(failing("wasm", 10, new Error("CompileError: refused by the Content Security Policy")));
  const causeOf = (server: string) =>
    registry.select("auto", context(server)).then(
      () => assert.fail("a backend was chosen"),
      (error: Error) => {
        assert.match(
          error.message,
          /^No backend can run the model "builtin" \(webgpu: this browser has no WebGPU; /,
        );
        return error.cause as NoBackendCause;
      },
    );
  // Without a server attribute, auto does not try the server.
  assert.deepEqual(await causeOf(""), {
    failures: [
      { backend: "webgpu", message: "this browser has no WebGPU" },
      { backend: "server", message: "no server attribute is set" },
      { backend: "wasm", message: "CompileError: refused by the Content Security Policy" },
    ],
    skipped: ["webgpu", "server"],
  });
  // With one, the server was tried, and failed.
  const tried = await causeOf("http://gpu.example/");
  assert.deepEqual(tried.skipped, ["webgpu"]);
  assert.deepEqual(tried.failures.map((f) => f.backend), ["webgpu", "server", "wasm"]);
});

Deno.test("BackendRegistry.select() gives the origin of a server that could not be reached with its failure", async () => {
  // The server backend's error names the server in its words and, for the element, in its cause.
  const unreachable = new Error("The server's words may change", {
    cause: { unreachable: "http://gpu.example:8000", error: new TypeError("Failed to fetch") },
  });
  const registry = new BackendRegistry().register(failing("server", 20, unreachable));
  const error = await registry.select("server", context("http://gpu.example:8000/")).then(
    () => assert.fail("a backend was chosen"),
    (e: Error) => e,
  );
  assert.deepEqual((error.cause as NoBackendCause).failures, [
    { backend: "server", message: "The server's words may change", unreachable: "http://gpu.example:8000" },
  ]);
});
