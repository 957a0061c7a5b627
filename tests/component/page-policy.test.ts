// The page's policy: a refusal by its Content-Security-Policy known in each browser's words, whether
// every backend tried was refused by it (across Comlink too), and the advice naming what to allow.
import {
  backendsAdvice,
  everyBackendRefused,
  policyAdvice,
  refusedBackends,
  refusedByPolicy,
} from "../../component/page-policy.ts";
import { keepErrorCauses } from "../../component/worker/error-transfer.ts";
import type { NoBackendCause } from "../../component/backends/registry.ts";
import * as Comlink from "comlink";
import { assert } from "./helpers.ts";

describe("refusedByPolicy", () => {
  it("knows a refusal by the page's Content-Security-Policy in each browser's words, and nothing else", () => {
    const refusals = [
      "The latent-evolver worker failed: it could not be loaded from x (the page's Content-Security-Policy refused it: worker-src)",
      "CompileError: WebAssembly.instantiate(): Compiling or instantiating WebAssembly module violates the following Content Security policy directive",
      "Refused to create a WebAssembly object because 'unsafe-eval' or 'wasm-unsafe-eval' is not an allowed source of script in the following Content Security Policy directive",
      "call to WebAssembly.instantiate() blocked by CSP",
    ];
    for (const message of refusals) assert(refusedByPolicy(new Error(message)), message);
    const others = ["No backend can run the model (server: Failed to fetch)", "Aborted(out of memory)"];
    for (const message of others) assert(!refusedByPolicy(new Error(message)), message);
  });
});

describe("everyBackendRefused", () => {
  const wasmRefused = {
    backend: "wasm",
    message: "Aborted(CompileError: WebAssembly.instantiate(): Refused to compile or instantiate " +
      "WebAssembly module because 'wasm-unsafe-eval' is not an allowed source of script in the " +
      'following Content Security Policy directive: "script-src http://a.example")',
  } as const;
  const noWebGpu = {
    backend: "webgpu",
    message: "this browser has no WebGPU (navigator.gpu is missing)",
  } as const;
  const noServer = { backend: "server", message: "no server attribute is set" } as const;
  /** The registry's error, its cause the failures, and its message them all joined. */
  const failed = (cause: NoBackendCause) =>
    new Error(
      `No backend can run the model "builtin" (${
        cause.failures.map((f) => `${f.backend}: ${f.message}`).join("; ")
      })`,
      { cause },
    );

  it("is true where every backend tried was refused by the page's policy, those not applicable passed over", () => {
    assert(everyBackendRefused(failed({ failures: [wasmRefused], skipped: [] })), "wasm alone");
    const auto = failed({ failures: [noWebGpu, noServer, wasmRefused], skipped: ["webgpu", "server"] });
    assert(everyBackendRefused(auto), auto.message);
  });

  it("is false where a backend tried failed otherwise: a server down may come back", () => {
    const mixed = failed({
      failures: [noWebGpu, {
        backend: "server",
        message: "the server http://gpu.example/ is unreachable: Failed to fetch",
      }, wasmRefused],
      skipped: ["webgpu"],
    });
    assert(!everyBackendRefused(mixed), mixed.message);
    // The message alone names the policy (the wasm backend's part of it): not enough.
    assert(refusedByPolicy(mixed), "the test's message does not name the policy");
    // Yet wasm was refused, which the site owner is told beside the server's failure.
    assert(refusedBackends(mixed).join() === "wasm", `refused: ${refusedBackends(mixed)}`);
    assert(refusedBackends(new Error(wasmRefused.message)).length === 0, "an error without its failures");
  });

  it("is false for a server's own words that mention the policy, and for an error without its failures", () => {
    const server = failed({
      failures: [{
        backend: "server",
        message:
          'the server http://gpu.example/ refused the request (HTTP 500: upstream blocked by CSP: "Content Security Policy")',
      }],
      skipped: [],
    });
    assert(!everyBackendRefused(server), server.message);
    assert(!everyBackendRefused(new Error(wasmRefused.message)), "an error without its failures");
    assert(!everyBackendRefused(failed({ failures: [noServer], skipped: ["server"] })), "nothing tried");
  });

  it("reads the failures of an error thrown across Comlink, as the worker's failed start arrives", async () => {
    keepErrorCauses();
    const cause: NoBackendCause = {
      failures: [noWebGpu, noServer, wasmRefused],
      skipped: ["webgpu", "server"],
    };
    const { port1, port2 } = new MessageChannel();
    Comlink.expose({ init: () => Promise.reject(failed(cause)) }, port1);
    const remote = Comlink.wrap<{ init(): Promise<void> }>(port2);
    try {
      const error = await remote.init().then(() => null, (e: Error) => e);
      assert(error instanceof Error && error.message.startsWith("No backend can run"), String(error));
      assert(JSON.stringify(error.cause) === JSON.stringify(cause), `cause ${JSON.stringify(error.cause)}`);
      assert(everyBackendRefused(error), "the failures did not cross");
    } finally {
      remote[Comlink.releaseProxy]();
      port1.close();
    }
  });
});

describe("policyAdvice", () => {
  const worker = "https://cdn.example/le/latent-evolver.worker.js";
  const builtin = "https://cdn.example/le/models/builtin/manifest.json";

  it("names the element's origin, and in connect-src the server's and the model's where they are others", () => {
    const advice = policyAdvice(worker, {
      server: "https://gpu.example:8443/api/",
      model: "https://models.example/sd/manifest.json",
    });
    // Opened as a start where no backend applies is: trying again cannot help either.
    assert(advice.startsWith("The images cannot be made here: this page's Content-Security-Policy"), advice);
    assert(
      advice.endsWith(
        "The site must allow script-src https://cdn.example 'wasm-unsafe-eval'; worker-src blob:; " +
          "connect-src https://cdn.example https://gpu.example:8443 https://models.example.",
      ),
      advice,
    );
  });

  it("for backends refused beside a failure that may pass, names them and the same sources", () => {
    const config = { server: "https://gpu.example/", model: builtin };
    const advice = backendsAdvice(["wasm"], worker, config);
    assert(
      advice === "This page's Content-Security-Policy also refused the wasm backend, and trying again " +
          "cannot change that: to use it, the site must allow script-src https://cdn.example " +
          "'wasm-unsafe-eval'; worker-src blob:; connect-src https://cdn.example https://gpu.example.",
      advice,
    );
    const both = backendsAdvice(["webgpu", "wasm"], worker, config);
    assert(both.includes("refused the webgpu and wasm backends") && both.includes("to use them,"), both);
  });

  it("names an origin once, and neither an absent server nor a data: model", () => {
    const same = policyAdvice(worker, { server: "", model: builtin });
    assert(same.endsWith("connect-src https://cdn.example."), same);
    const data = policyAdvice(worker, {
      server: "https://cdn.example/infer/",
      model: "data:application/json,{}",
    });
    assert(data.endsWith("connect-src https://cdn.example."), data);
    assert(policyAdvice(worker, null).endsWith("connect-src https://cdn.example."), "no config");
  });
});
