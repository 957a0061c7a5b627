// The providers the server tries: those that cannot load here are passed over, with why, before
// onnxruntime tries them and prints its own errors.
import assert from "node:assert/strict";
import { parseConfig, type ServerConfig } from "../../server/config.ts";
import { chooseProviders } from "../../server/main.ts";
import { checkProviderNames, type ProviderProbe, usableProviders } from "../../server/providers.ts";

const DEFAULT = ["cuda", "webgpu", "cpu"];

/** A Linux machine with these files. */
function linux(...files: string[]): ProviderProbe {
  return { os: "linux", bindingDir: "/ort/bin", exists: (path) => files.includes(path) };
}

const CUDA_LIBS = [
  "/ort/bin/libonnxruntime_providers_shared.so",
  "/ort/bin/libonnxruntime_providers_cuda.so",
];

Deno.test("usableProviders() passes over CUDA without its libraries next to the binding, naming the missing one", () => {
  const choice = usableProviders(
    DEFAULT,
    linux("/dev/dri", "/ort/bin/libonnxruntime_providers_shared.so"),
    false,
  );
  assert.deepEqual(choice.providers, ["webgpu", "cpu"]);
  assert.deepEqual(choice.passedOver.map((p) => [p.provider, p.reason]), [
    ["cuda", "libonnxruntime_providers_cuda.so is not installed"],
  ]);
  assert.match(choice.passedOver[0].hint, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
});

Deno.test("usableProviders() keeps the default order where CUDA's libraries and a GPU device are there", () => {
  for (const device of ["/dev/dri", "/dev/nvidia0", "/dev/dxg"]) {
    assert.deepEqual(usableProviders(DEFAULT, linux(device, ...CUDA_LIBS), false).providers, DEFAULT, device);
  }
});

Deno.test("usableProviders() passes over WebGPU on Linux without a GPU device, unless the list was given", () => {
  const none = usableProviders(DEFAULT, linux(...CUDA_LIBS), false);
  assert.deepEqual(none.providers, ["cuda", "cpu"]);
  assert.deepEqual(none.passedOver.map((p) => [p.provider, p.reason]), [["webgpu", "no GPU device"]]);
  assert.deepEqual(usableProviders(["webgpu", "cpu"], linux(), true).providers, ["webgpu", "cpu"]);
  // Elsewhere WebGPU has no device nodes to look for (Metal, Direct3D).
  const mac = { ...linux(), os: "darwin" };
  assert.deepEqual(usableProviders(DEFAULT, mac, false).providers, ["webgpu", "cpu"]);
});

Deno.test("usableProviders() keeps the last provider when it would pass over all: onnxruntime then says why", () => {
  const choice = usableProviders(["cuda"], linux(), true);
  assert.deepEqual(choice, { providers: ["cuda"], passedOver: [] });
});

Deno.test("chooseProviders() tries a list given with --providers or LE_PROVIDERS as given, even the default one", () => {
  const config = (args: string[], env: Record<string, string> = {}) =>
    parseConfig(args, (k) => env[k], "/") as ServerConfig;
  const probe = linux(...CUDA_LIBS); // no GPU device
  const logged: string[] = [];
  const consoleLog = console.log;
  console.log = (line: string) => logged.push(JSON.parse(line).msg);
  try {
    // The default list, not given: WebGPU is passed over, and said so.
    assert.deepEqual(chooseProviders(config([]), probe), ["cuda", "cpu"]);
    assert.deepEqual(logged, ["webgpu: not available (no GPU device)"]);
    logged.length = 0;
    // The same list given is an explicit choice: WebGPU is tried (and fails loudly if it cannot work).
    assert.deepEqual(chooseProviders(config(["--providers", "cuda,webgpu,cpu"]), probe), DEFAULT);
    assert.deepEqual(chooseProviders(config([], { LE_PROVIDERS: "cuda,webgpu,cpu" }), probe), DEFAULT);
    assert.deepEqual(chooseProviders(config(["--providers", "webgpu,cpu"]), probe), ["webgpu", "cpu"]);
    assert.deepEqual(logged, []);
  } finally {
    console.log = consoleLog;
  }
});

Deno.test("checkProviderNames() refuses a name that is no onnxruntime-node execution provider, naming it and those there are", () => {
  checkProviderNames(["cuda", "webgpu", "cpu"], "--providers");
  // A provider of another platform's build is a name the owner meant: it fails at load, as a GPU's does.
  checkProviderNames(["coreml", "dml", "cpu"], "--providers");
  assert.throws(
    () => checkProviderNames(["cuda", "cdua", "cpu"], "LE_PROVIDERS"),
    (e: Error) =>
      e instanceof TypeError &&
      e.message ===
        'Cannot use LE_PROVIDERS: "cdua" is not an onnxruntime-node execution provider (those are cpu, cuda, tensorrt, webgpu, dml, coreml, qnn, nnapi, xnnpack)',
  );
  // onnxruntime-web's own providers are not onnxruntime-node's.
  assert.throws(() => checkProviderNames(["wasm"], "--providers"), /"wasm" is not an onnxruntime-node/);
});
